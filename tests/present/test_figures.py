from __future__ import annotations

import base64
import re

import matplotlib.pyplot as plt
import pandas as pd

from salesops import charts
from salesops.present import ReportFigure, figure

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _typical_chart():
    reps = pd.DataFrame(
        {"rep": [f"Rep {i}" for i in range(12)], "attainment": [0.4 + 0.07 * i for i in range(12)]}
    )
    return charts.rep_attainment(reps)


def test_figure_html_is_an_inline_png_with_alt_and_caption() -> None:
    markup = figure(_typical_chart(), "Half the team is at quota.", "Bars per rep")._repr_html_()
    match = re.search(
        r'<figure class="so-figure"><img src="data:image/png;base64,([A-Za-z0-9+/=]+)" '
        r'alt="Bars per rep"><figcaption>Half the team is at quota.</figcaption></figure>',
        markup,
    )
    assert match
    assert base64.b64decode(match.group(1)).startswith(PNG_SIGNATURE)


def test_figure_of_a_typical_chart_stays_small() -> None:
    markup = figure(_typical_chart(), "caption", "alt")._repr_html_()
    assert 30_000 < len(markup) < 200_000


def test_figure_mimebundle_has_png_and_text_fallbacks() -> None:
    bundle = figure(_typical_chart(), "Attainment by rep", "alt")._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]).startswith(PNG_SIGNATURE)
    assert bundle["text/plain"] == "Figure: Attainment by rep"


def test_figure_closes_a_pyplot_figure_so_it_shows_once() -> None:
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    figure(fig, "caption", "alt")
    assert not plt.fignum_exists(fig.number)


def test_caption_and_alt_are_escaped(hostile: str, assert_inert) -> None:
    fig = charts.rep_bias(pd.DataFrame({"rep": [hostile], "bias": [0.1]}), title=hostile)
    markup = figure(fig, hostile, hostile)._repr_html_()
    assert_inert(markup)
    escaped = hostile.replace("<", "&lt;").replace(">", "&gt;")
    assert f'alt="{escaped}"' in markup
    assert f"<figcaption>{escaped}</figcaption>" in markup


def test_figure_keeps_the_frame_it_was_drawn_from_outside_equality() -> None:
    reps = pd.DataFrame({"rep": ["Ann", "Bo"], "attainment": [0.8, 1.1]})
    shown = figure(charts.rep_attainment(reps), "caption", "alt", frame=reps)
    assert shown.frame is reps
    assert shown == ReportFigure(shown.png, "caption", "alt")
    assert figure(_typical_chart(), "caption", "alt").frame is None
