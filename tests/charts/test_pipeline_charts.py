"""The pipeline charts on tiny frames: bars and lines where the numbers put them, words safe."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib import cbook
from matplotlib.figure import Figure

from salesops import charts
from salesops.charts.theme import BLUE, GREEN, VERMILLION

# start 100, +30 new, +10 increased, -5 decreased, -60 won, -25 pushed out, end 50
# levels after each step: 100, 130, 140, 135, 75, 50, 50
WATERFALL = pd.DataFrame(
    {
        "step": ["Start $", "New", "Increased", "Decreased", "Won", "Pushed out", "End"],
        "kind": ["total", "up", "up", "down", "down", "down", "total"],
        "amount": [100.0, 30.0, 10.0, 5.0, 60.0, 25.0, 50.0],
    }
)
FLOW_BY = pd.DataFrame(
    {
        "group": ["Team $1", "Team 2", "Team 3"],
        "entered": [40.0, 10.0, np.nan],
        "exited": [55.0, 5.0, np.nan],
        "net_change": [-20.0, 5.0, 8.0],
    }
)
PACING = pd.DataFrame(
    {
        "week": [1, 2, 3],
        "this_quarter": [10.0, 25.0, np.nan],
        "previous_quarter": [8.0, 20.0, 30.0],
        "last_year": [np.nan, np.nan, np.nan],
        "quota": [60.0, 60.0, 60.0],
    }
)
PACING_LABELS = {
    "this_quarter": "$ this quarter",
    "previous_quarter": "Last quarter",
    "last_year": "A year ago",
    "quota": "Quota",
}
LANDING = pd.DataFrame(
    {
        "week": [1, 2, 3],
        "won_to_date": [5.0, 20.0, 40.0],
        "expected": [50.0, 48.0, 45.0],
        "low": [30.0, 38.0, 42.0],
        "high": [70.0, 60.0, 50.0],
        "actual": [np.nan] * 3,
    }
)
LANDING_LABELS = {
    "won_to_date": "Won to date",
    "expected": "Expected $",
    "band": "Likely range",
    "actual": "Actual",
}
STALLED = pd.DataFrame(
    {"stage": ["Proposal $", "Discovery", "Negotiation"], "stalled_amount": [300.0, 0.0, 1200.0]}
)

HOSTILE = "<b>Pipeline</b> $x$ [click](javascript:alert(1))"
ALL: dict[str, tuple[Callable[..., Figure], pd.DataFrame, dict]] = {
    "flow_waterfall": (charts.flow_waterfall, WATERFALL, {}),
    "pipeline_flow_by": (charts.pipeline_flow_by, FLOW_BY, {}),
    "pacing_lines": (charts.pacing_lines, PACING, {"labels": PACING_LABELS}),
    "landing_band": (charts.landing_band, LANDING, {"labels": LANDING_LABELS}),
    "stalled_by_stage": (charts.stalled_by_stage, STALLED, {}),
}


def label_texts(fig: Figure) -> list[str]:
    """Every annotation and bar label the chart drew on its axes, in drawing order."""
    return [text.get_text() for text in fig.axes[0].texts]


@pytest.mark.parametrize("name", ALL)
def test_every_pipeline_chart_draws_with_its_title_escaped(name: str) -> None:
    chart, frame, options = ALL[name]
    fig = chart(frame, HOSTILE, **options)
    title = fig.axes[0].get_title("left")
    assert title == HOSTILE.replace("$", r"\$") and not cbook.is_math_text(title)
    shown = [t.get_text() for t in fig.axes[0].get_xticklabels() + fig.axes[0].get_yticklabels()]
    legend = fig.axes[0].get_legend()
    shown += [t.get_text() for t in legend.get_texts()] if legend else []
    shown += label_texts(fig)
    assert not any(cbook.is_math_text(text) for text in shown)
    fig.savefig(io.BytesIO(), format="png", dpi=30)  # renders: no mathtext parse error


@pytest.mark.parametrize("name", ALL)
def test_every_pipeline_chart_says_no_data_for_an_empty_frame(name: str) -> None:
    chart, frame, options = ALL[name]
    (ax,) = chart(frame.iloc[0:0], "Empty", **options).axes
    assert [t.get_text() for t in ax.texts] == ["No data"]
    assert ax.get_title("left") == "Empty"


@pytest.mark.parametrize("name", ALL)
def test_every_pipeline_chart_names_the_columns_it_misses(name: str) -> None:
    chart, frame, options = ALL[name]
    with pytest.raises(ValueError, match=name):
        chart(frame.drop(columns=frame.columns[-1]), "Missing", **options)


def test_pipeline_charts_leave_global_matplotlib_settings_alone() -> None:
    before = dict(mpl.rcParams)
    charts.flow_waterfall(WATERFALL, "Flow")
    assert dict(mpl.rcParams) == before


def test_waterfall_floats_entries_up_and_exits_down_from_the_running_level(with_gid) -> None:
    ax = charts.flow_waterfall(WATERFALL, "Flow").axes[0]
    bars = ax.patches
    # bottoms: totals on 0; New from 100, Increased from 130; Decreased 140 -> 135,
    # Won 135 -> 75, Pushed out 75 -> 50
    assert [b.get_y() for b in bars] == [0, 100, 130, 135, 75, 50, 0]
    assert [b.get_height() for b in bars] == [100, 30, 10, 5, 60, 25, 50]
    colours = [mpl.colors.to_hex(b.get_facecolor()) for b in bars]
    expected = [BLUE, GREEN, GREEN, VERMILLION, VERMILLION, VERMILLION, BLUE]
    assert colours == [c.lower() for c in expected]
    connectors = with_gid(ax, "connector")
    assert [line.get_ydata()[0] for line in connectors] == [100, 130, 140, 135, 75, 50]
    assert label_texts(ax.figure) == [r"\$100", r"\$30", r"\$10", r"\$5", r"\$60", r"\$25", r"\$50"]
    assert ax.get_xticklabels()[0].get_text() == r"Start \$"


def test_waterfall_leaves_out_value_labels_that_do_not_fit_their_step() -> None:
    # forty steps leave about 14 pixels each: "$1.2M" needs more, "$1" does not
    steps = pd.DataFrame(
        {
            "step": [f"s{i}" for i in range(40)],
            "kind": ["total"] + ["up"] * 38 + ["total"],
            "amount": [1.0] + [1_234_567.0] * 38 + [1.0],
        }
    )
    labels = label_texts(charts.flow_waterfall(steps, "Crowded"))
    assert labels == [r"\$1", r"\$1"]


def test_waterfall_rejects_a_kind_it_does_not_draw() -> None:
    steps = WATERFALL.assign(kind=["total", "up", "sideways", "down", "down", "down", "total"])
    with pytest.raises(ValueError, match="sideways"):
        charts.flow_waterfall(steps, "Flow")


def test_flow_by_puts_entries_right_exits_left_and_marks_the_net_change(with_gid) -> None:
    ax = charts.pipeline_flow_by(FLOW_BY, "By team").axes[0]
    entered, exited = with_gid(ax, "entered"), with_gid(ax, "exited")
    assert [bar.get_width() for bar in entered] == [40, 10, 0]  # NaN: nothing drawn
    assert [bar.get_width() for bar in exited] == [-55, -5, 0]
    (net,) = with_gid(ax, "net")
    np.testing.assert_allclose(net.get_offsets(), [[-20, 0], [5, 1], [8, 2]])
    assert label_texts(ax.figure) == [r"-\$20", r"+\$5", r"+\$8"]
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"Team \$1", "Team 2", "Team 3"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [
        "Entered (pulled in, pushed in, new)",
        "Left (won, lost, pushed or pulled out)",
        "Net change",
    ]


def test_pacing_draws_the_known_series_and_the_quota_line(with_gid) -> None:
    ax = charts.pacing_lines(PACING, "Pacing", PACING_LABELS).axes[0]
    # last_year has no week: no line; this quarter stops where its weeks are NaN
    assert not with_gid(ax, "last_year")
    (this,) = with_gid(ax, "this_quarter")
    np.testing.assert_array_equal(this.get_ydata(), [10.0, 25.0, np.nan])
    (quota,) = with_gid(ax, "quota")
    assert list(quota.get_ydata()) == [60, 60] and quota.get_linestyle() == "--"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [r"\$ this quarter", "Last quarter", "Quota"]


def test_pacing_without_a_quota_draws_no_quota_line(with_gid) -> None:
    ax = charts.pacing_lines(PACING.assign(quota=np.nan), "Pacing", PACING_LABELS).axes[0]
    assert not with_gid(ax, "quota")
    assert len(ax.get_lines()) == 2


def test_pacing_with_no_bookings_in_any_series_says_no_data() -> None:
    empty = PACING.assign(this_quarter=np.nan, previous_quarter=np.nan)
    texts = label_texts(charts.pacing_lines(empty, "Pacing", PACING_LABELS))
    assert texts == ["No data"]


def test_pacing_names_the_legend_labels_it_misses() -> None:
    with pytest.raises(ValueError, match="quota"):
        charts.pacing_lines(PACING, "Pacing", {"this_quarter": "Now"})


def test_landing_shades_the_band_and_draws_the_actual_only_when_known(with_gid) -> None:
    ax = charts.landing_band(LANDING, "Landing", LANDING_LABELS).axes[0]
    (band,) = with_gid(ax, "band")
    # the band's outline runs along high and back along low
    ys = band.get_paths()[0].vertices[:, 1]
    assert {70.0, 60.0, 50.0, 30.0, 38.0, 42.0} <= set(ys)
    (expected,) = with_gid(ax, "expected")
    assert list(expected.get_ydata()) == [50, 48, 45]
    (won,) = with_gid(ax, "won_to_date")
    assert list(won.get_ydata()) == [5, 20, 40]
    assert not with_gid(ax, "actual")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [r"Expected \$", "Likely range", "Won to date"]

    known = charts.landing_band(LANDING.assign(actual=44.0), "Landing", LANDING_LABELS).axes[0]
    (actual,) = with_gid(known, "actual")
    assert list(actual.get_ydata()) == [44, 44]


def test_landing_names_the_legend_labels_it_misses() -> None:
    with pytest.raises(ValueError, match="band"):
        charts.landing_band(LANDING, "Landing", {"won_to_date": "Won", "expected": "E"})


def test_stalled_bars_keep_the_frames_order_and_are_labelled_in_money() -> None:
    ax = charts.stalled_by_stage(STALLED, "Stalled").axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        r"Proposal \$",
        "Discovery",
        "Negotiation",
    ]
    assert [bar.get_width() for bar in ax.patches] == [300, 0, 1200]
    assert label_texts(ax.figure) == [r"\$300", r"\$0", r"\$1.2k"]
