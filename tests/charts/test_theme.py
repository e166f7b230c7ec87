from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib as mpl
import pandas as pd
import pytest
from matplotlib import cbook
from matplotlib.figure import Figure

from salesops import charts
from salesops.charts.theme import safe_label

HOSTILE = "<script>alert(1)</script> $x$ [click](javascript:alert(1))"

# One small valid frame per chart; the empty case is the same frame with no rows.
EXAMPLES: dict[str, tuple[Callable[..., Figure], pd.DataFrame]] = {
    "stage_funnel": (charts.stage_funnel, pd.DataFrame({"stage": ["A", "B"], "reached": [10, 5]})),
    "time_to_close": (charts.time_to_close, pd.DataFrame({"time": [5.0], "survival": [0.4]})),
    "win_rate_by_group": (
        charts.win_rate_by_group,
        pd.DataFrame({"group": ["A"], "won": [3], "closed": [10]}),
    ),
    "won_share_heatmap": (
        charts.won_share_heatmap,
        pd.DataFrame({"cohort": ["2026-01"], "age_months": [0], "won_share": [0.1]}),
    ),
    "ramp_curves": (
        charts.ramp_curves,
        pd.DataFrame({"hire_quarter": ["2025Q1"], "tenure_month": [1], "bookings": [1000.0]}),
    ),
    "lead_conversion_windows": (
        charts.lead_conversion_windows,
        pd.DataFrame({"window_days": [30], "converted": [3], "leads": [30]}),
    ),
    "accuracy_by_week": (
        charts.accuracy_by_week,
        pd.DataFrame({"week": [1], "category": ["commit"], "ratio": [0.9]}),
    ),
    "rep_bias": (charts.rep_bias, pd.DataFrame({"rep": ["Ann"], "bias": [0.1]})),
    "pipeline_coverage": (
        charts.pipeline_coverage,
        pd.DataFrame({"group": ["East"], "coverage": [3.0], "required": [2.5]}),
    ),
    "attainment_distribution": (
        charts.attainment_distribution,
        pd.DataFrame({"attainment": [0.8, 1.1]}),
    ),
    "attainment_vs_tenure": (
        charts.attainment_vs_tenure,
        pd.DataFrame({"tenure_months": [4.0], "attainment": [0.8]}),
    ),
    "rep_attainment": (charts.rep_attainment, pd.DataFrame({"rep": ["Ann"], "attainment": [0.8]})),
}


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
