from __future__ import annotations

import io

import matplotlib as mpl
import pandas as pd
import pytest
from chart_examples import EXAMPLES
from matplotlib import cbook
from matplotlib.figure import Figure

from salesops import charts
from salesops.charts.theme import safe_label

HOSTILE = "<script>alert(1)</script> $x$ [click](javascript:alert(1))"


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_chart_returns_a_figure_with_the_title_escaped(name: str) -> None:
    chart, frame = EXAMPLES[name]
    fig = chart(frame, title=HOSTILE)
    assert isinstance(fig, Figure)
    title = fig.axes[0].get_title("left")
    assert title == HOSTILE.replace("$", r"\$")
    assert not cbook.is_math_text(title)
    fig.savefig(io.BytesIO(), format="png", dpi=30)  # renders: no mathtext parse error


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_chart_says_no_data_for_an_empty_frame(name: str) -> None:
    chart, frame = EXAMPLES[name]
    fig = chart(frame.iloc[0:0], title="Empty")
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.texts] == ["No data"]
    assert ax.get_title("left") == "Empty"


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_chart_names_the_columns_it_misses(name: str) -> None:
    chart, frame = EXAMPLES[name]
    with pytest.raises(ValueError, match=name):
        chart(frame.drop(columns=frame.columns[-1]))


def test_charts_leave_global_matplotlib_settings_alone() -> None:
    before = dict(mpl.rcParams)
    charts.rep_bias(EXAMPLES["rep_bias"][1])
    assert dict(mpl.rcParams) == before


def test_safe_label_escapes_dollars_so_data_never_becomes_mathtext() -> None:
    assert safe_label("Team $ales $x$") == r"Team \$ales \$x\$"
    assert not cbook.is_math_text(safe_label("$x$"))


def test_safe_label_tidies_whitespace_cuts_long_text_and_names_missing() -> None:
    assert safe_label("  North\nAmerica\t ") == "North America"
    assert safe_label("Enterprise accounts west", max_chars=12) == "Enterprise…"
    assert safe_label(None) == "n/a"
    assert safe_label(pd.NA) == "n/a"
    assert safe_label(float("nan")) == "n/a"


def test_the_written_out_seaborn_style_equals_seaborns_ticks_notebook_look() -> None:
    import seaborn as sns

    from salesops.charts.theme import SEABORN_TICKS

    style = {**sns.axes_style("ticks"), **sns.plotting_context("notebook")}
    assert {key: style[key] for key in SEABORN_TICKS} == SEABORN_TICKS


def test_ramp_colours_blend_like_seaborn() -> None:
    import seaborn as sns

    ramp = pd.DataFrame(
        {"hire_quarter": ["2025Q1", "2025Q2", "2025Q3"], "tenure_month": [1] * 3, "bookings": 1.0}
    )
    lines = charts.ramp_curves(ramp).axes[0].get_lines()
    expected = sns.blend_palette(["#9ECAE1", "#0072B2", "#08306B"], n_colors=3)
    drawn = [mpl.colors.to_rgb(line.get_color()) for line in lines]
    assert [mpl.colors.to_hex(c) for c in drawn] == [mpl.colors.to_hex(c) for c in expected]
