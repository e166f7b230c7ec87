"""The efficiency charts on tiny frames: bars, lines and labels where the numbers put them, words
safe, and ticks in the reader's language."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib import cbook
from matplotlib.axes import Axes
from matplotlib.container import ErrorbarContainer
from matplotlib.figure import Figure

from salesops import charts
from salesops.charts.theme import BLUE, ORANGE, PALE, VERMILLION
from salesops.i18n import use_locale

# won deals took 2, 4, 6 and 10 touches (median 5), lost deals 1 and 3 (median 2)
TOUCHES = pd.DataFrame(
    {
        "outcome": ["won", "won", "won", "won", "lost", "lost"],
        "touches": [2, 4, 6, 10, 1, 3],
        "deals": [1, 1, 1, 1, 1, 1],
    }
)
OUTCOMES = {"won": "Won deals", "lost": "Lost $ deals"}
MEDIANS = {"won": 5.0, "lost": 2.0}
# per week: Ann 1 call, no email (NaN) -> 1.0; Bob 0.5 calls and 2 emails -> 2.5
ACTIVITY = pd.DataFrame({"name": ["Ann $", "Bob"], "call": [1.0, 0.5], "email": [np.nan, 2.0]})
TYPES = {"call": "Calls", "email": "Emails"}
# weeks with CRM use: two adopters in all 13, one in 11; one rep in 1 week, one in none
WEEKS = pd.DataFrame(
    {"weeks_active": [13, 13, 11, 1, 0], "adopter": [True, True, True, False, False]}
)
TREND = pd.DataFrame(
    {"quarter": ["2026Q1", "2026Q2", "2026Q3"], "won": [4.0, np.nan, 5.0], "lost": [2.0, 1.0, 3.0]}
)
SERIES = {"won": "Won $ deals", "lost": "Lost deals"}
GROUPS = pd.DataFrame(
    {
        "label": ["With content $", "Without"],
        "deals": [20, 30],
        "won": [16, 9],
        "win_rate": [0.8, 0.3],
        "low": [0.58, 0.17],
        "high": [0.92, 0.48],
    }
)

HOSTILE = "<b>Efficiency</b> $x$ [click](javascript:alert(1))"
ALL: dict[str, tuple[Callable[..., Figure], pd.DataFrame, dict]] = {
    "touch_distribution": (
        charts.touch_distribution,
        TOUCHES,
        {"outcomes": OUTCOMES, "medians": MEDIANS},
    ),
    "activity_by_type": (
        charts.activity_by_type,
        ACTIVITY,
        {"types": TYPES, "median": 1.5, "median_label": "Median rep"},
    ),
    "weeks_active": (charts.weeks_active, WEEKS, {"weeks_needed": 10, "weeks": 13}),
    "quarter_trend": (charts.quarter_trend, TREND, {"series": SERIES}),
    "win_rates_with_content": (charts.win_rates_with_content, GROUPS, {}),
}


def plain(text: str) -> str:
    """``text`` with the narrow and non-breaking spaces of French numbers as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def texts(ax: Axes) -> list[str]:
    """The annotations and value labels drawn on ``ax``, in drawing order."""
    return [text.get_text() for text in ax.texts]


def legend(ax: Axes) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def ticks(ax: Axes, axis: str, values: list[float]) -> list[str]:
    """The labels ``axis`` gives ticks at ``values``, as a drawn chart writes them."""
    formatter = (ax.xaxis if axis == "x" else ax.yaxis).get_major_formatter()
    formatter.set_locs(values)
    return [plain(formatter(value, i)) for i, value in enumerate(values)]


def colour(patch) -> str:
    return mpl.colors.to_hex(patch.get_facecolor())


@pytest.mark.parametrize("name", ALL)
def test_every_efficiency_chart_draws_with_its_title_escaped(name: str) -> None:
    chart, frame, options = ALL[name]
    fig = chart(frame, **options, title=HOSTILE)
    (ax,) = fig.axes
    title = ax.get_title("left")
    assert title == HOSTILE.replace("$", r"\$") and not cbook.is_math_text(title)
    shown = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    shown += legend(ax) if ax.get_legend() else []
    shown += texts(ax)
    assert not any(cbook.is_math_text(text) for text in shown)
    fig.savefig(io.BytesIO(), format="png", dpi=30)  # renders: no mathtext parse error


@pytest.mark.parametrize("name", ALL)
def test_every_efficiency_chart_says_no_data_for_an_empty_frame(name: str) -> None:
    chart, frame, options = ALL[name]
    (ax,) = chart(frame.iloc[0:0], **options, title="Empty").axes
    assert texts(ax) == ["No data"]
    assert ax.get_title("left") == "Empty"


@pytest.mark.parametrize("name", ALL)
def test_every_efficiency_chart_names_the_columns_it_misses(name: str) -> None:
    chart, frame, options = ALL[name]
    missing = frame.columns[-1]
    with pytest.raises(ValueError, match=rf"^{name} needs columns \['{missing}'\]"):
        chart(frame.drop(columns=missing), **options, title="Missing")


def test_efficiency_charts_leave_global_matplotlib_settings_alone() -> None:
    before = dict(mpl.rcParams)
    for chart, frame, options in ALL.values():
        chart(frame, **options)
    assert dict(mpl.rcParams) == before


def test_touches_are_drawn_as_a_share_of_each_outcomes_deals_side_by_side() -> None:
    ax = charts.touch_distribution(TOUCHES, OUTCOMES, MEDIANS).axes[0]
    drawn = [bar for bar in ax.patches if bar.get_height() > 0]
    # one bin per touch from 0 to 11; won bars at the bin's start, lost bars 1 / 2.5 after
    np.testing.assert_allclose(
        [(bar.get_x(), bar.get_height()) for bar in drawn],
        [(2, 0.25), (4, 0.25), (6, 0.25), (10, 0.25), (1.4, 0.5), (3.4, 0.5)],
    )
    np.testing.assert_allclose([bar.get_width() for bar in ax.patches], 0.4)
    assert [colour(bar) for bar in drawn] == [BLUE.lower()] * 4 + [ORANGE.lower()] * 2
    # the dashed medians stand in the middle of their touch's unit
    assert [list(line.get_xdata()) for line in ax.lines] == [[5.5, 5.5], [2.5, 2.5]]
    assert {line.get_linestyle() for line in ax.lines} == {"--"}
    assert ax.get_xlim() == (0, 11)
    assert legend(ax) == ["Won deals", r"Lost \$ deals"]
    assert ax.get_title("left") == "Touches per closed deal"
    assert ax.get_xlabel() == "Calls, emails and meetings on the deal"
    assert ax.get_ylabel() == "Share of deals"
    assert ticks(ax, "y", [0.0, 0.25, 0.5]) == ["0%", "25%", "50%"]


def test_touches_beyond_thirty_are_grouped_into_equal_bins() -> None:
    # 0 to 100 touches: 101 values in bins of 4, 26 bins from 0 to 104
    wide = pd.DataFrame({"outcome": ["won"] * 4, "touches": [0, 3, 4, 100], "deals": [2, 1, 1, 4]})
    ax = charts.touch_distribution(wide, {"won": "Won"}, {"won": 4.0}).axes[0]
    drawn = [(bar.get_x(), bar.get_height()) for bar in ax.patches if bar.get_height() > 0]
    np.testing.assert_allclose(drawn, [(0, 3 / 8), (4, 1 / 8), (100, 4 / 8)])
    assert len(ax.patches) == 26
    assert ax.patches[0].get_width() == pytest.approx(4 / 1.5)
    assert ax.get_xlim() == (0, 104)


def test_touches_show_only_the_outcomes_asked_for_and_no_median_unknown() -> None:
    ax = charts.touch_distribution(TOUCHES, {"won": "Won"}, {"won": None}).axes[0]
    assert sum(bar.get_height() for bar in ax.patches) == pytest.approx(1.0)
    assert {colour(bar) for bar in ax.patches} == {BLUE.lower()}
    assert not ax.lines
    assert legend(ax) == ["Won"]
    # deals of no count are no deals: only lost rows with deals left, and they are not asked for
    lost_only = TOUCHES.assign(deals=[0, 0, 0, 0, 1, 1])
    no_won = charts.touch_distribution(lost_only, {"won": "Won"}, {"won": None}).axes[0]
    assert texts(no_won) == ["No data"]


def test_activity_bars_stack_each_type_with_the_total_and_the_median_rep() -> None:
    ax = charts.activity_by_type(ACTIVITY, TYPES, 1.5, "Median rep").axes[0]
    # calls first from 0, emails from the end of the calls; NaN counts as none
    bars = [
        (bar.get_x(), bar.get_y() + bar.get_height() / 2, bar.get_width()) for bar in ax.patches
    ]
    np.testing.assert_allclose(bars, [(0, 0, 1.0), (0, 1, 0.5), (1.0, 0, 0.0), (0.5, 1, 2.0)])
    assert [colour(bar) for bar in ax.patches[:2]] == [BLUE.lower()] * 2
    assert [colour(bar) for bar in ax.patches[2:]] == [ORANGE.lower()] * 2
    assert [text.strip() for text in texts(ax)] == ["1.0", "2.5"]
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"Ann \$", "Bob"]
    assert ax.yaxis_inverted()  # the first row on top
    (median,) = ax.lines
    assert list(median.get_xdata()) == [1.5, 1.5] and median.get_linestyle() == "--"
    assert legend(ax) == ["Median rep", "Calls", "Emails"]
    assert ax.get_xlim() == pytest.approx((0, 2.5 * 1.18))
    assert ax.get_xlabel() == "Activities logged per week"
    assert ax.get_title("left") == "Activities per week"


def test_activity_without_a_median_draws_no_line_and_cuts_long_names() -> None:
    rows = pd.DataFrame({"name": ["A rep whose name runs on and on and on"], "call": [0.2]})
    ax = charts.activity_by_type(rows, {"call": "Calls"}, None, "Median rep").axes[0]
    assert not ax.lines
    assert legend(ax) == ["Calls"]
    (name,) = [t.get_text() for t in ax.get_yticklabels()]
    assert len(name) == 28 and name.endswith("…")
    assert ax.get_xlim() == pytest.approx((0, 1.18))  # at least one activity a week wide


def test_weeks_active_says_one_week_in_the_singular() -> None:
    ax = charts.weeks_active(WEEKS, 1, 13).axes[0]
    assert texts(ax) == ["1 week needed"]


def test_weeks_active_stacks_hatched_others_on_adopters_with_the_bar_to_reach() -> None:
    ax = charts.weeks_active(WEEKS, 10, 13).axes[0]
    adopters, others = ax.patches[:14], ax.patches[14:]
    assert [bar.get_height() for bar in adopters] == [0] * 11 + [1, 0, 2]
    assert {colour(bar) for bar in adopters} == {BLUE.lower()}
    # others only where there are some: weeks 0 and 1, one rep each, over no adopter
    np.testing.assert_allclose(
        [(bar.get_x() + bar.get_width() / 2, bar.get_y(), bar.get_height()) for bar in others],
        [(0, 0, 1), (1, 0, 1)],
    )
    assert {bar.get_hatch() for bar in others} == {"///"}
    assert {mpl.colors.to_hex(bar.get_edgecolor()) for bar in others} == {VERMILLION.lower()}
    (needed,) = ax.lines
    assert list(needed.get_xdata()) == [9.5, 9.5]
    assert texts(ax) == ["10 weeks needed"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(week) for week in range(14)]
    assert legend(ax) == ["Adopters", "Others"]
    assert ax.get_ylabel() == "Reps"


def test_weeks_active_counts_more_weeks_than_the_quarter_has_in_its_last_week() -> None:
    reps = pd.DataFrame({"weeks_active": [15, 13, 2], "adopter": [True, True, True]})
    ax = charts.weeks_active(reps, 1, 13).axes[0]
    assert [bar.get_height() for bar in ax.patches] == [0, 0, 1] + [0] * 10 + [2]
    # every rep adopted the CRM: the legend names no "Others"
    assert legend(ax) == ["Adopters"]
    assert list(ax.lines[0].get_xdata()) == [0.5, 0.5]


def test_weeks_active_without_an_adopter_names_only_the_others() -> None:
    ax = charts.weeks_active(WEEKS.assign(adopter=False), 10, 13).axes[0]
    assert legend(ax) == ["Others"]
    assert sum(bar.get_height() for bar in ax.patches[14:]) == 5


def test_quarter_trend_draws_a_line_per_series_with_gaps_and_labelled_points() -> None:
    ax = charts.quarter_trend(TREND, SERIES).axes[0]
    won, lost = ax.lines
    np.testing.assert_array_equal(won.get_ydata(), [4.0, np.nan, 5.0])
    np.testing.assert_array_equal(lost.get_ydata(), [2.0, 1.0, 3.0])
    assert list(won.get_xdata()) == [0, 1, 2]
    assert (mpl.colors.to_hex(won.get_color()), mpl.colors.to_hex(lost.get_color())) == (
        BLUE.lower(),
        ORANGE.lower(),
    )
    assert texts(ax) == ["4.0", "5.0", "2.0", "1.0", "3.0"]  # no label for the gap
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026Q1", "2026Q2", "2026Q3"]
    assert legend(ax) == [r"Won \$ deals", "Lost deals"]
    assert ax.get_ylim() == pytest.approx((0, 5 * 1.25))
    assert ax.get_title("left") == "The last four quarters"


def test_quarter_trend_of_shares_reads_in_percent() -> None:
    shares = pd.DataFrame({"quarter": ["2026Q2", "2026Q3"], "share": [0.8, 0.625]})
    ax = charts.quarter_trend(shares, {"share": "CRM adoption"}, percent=True).axes[0]
    assert texts(ax) == ["80%", "62%"]
    assert ax.get_ylim() == pytest.approx((0, 1.1))
    assert ticks(ax, "y", [0.0, 0.5, 1.0]) == ["0%", "50%", "100%"]


def test_quarter_trend_with_no_value_says_no_data_and_all_zeros_keep_an_axis() -> None:
    empty = charts.quarter_trend(TREND.assign(won=np.nan, lost=np.nan), SERIES).axes[0]
    assert texts(empty) == ["No data"]
    zeros = charts.quarter_trend(TREND.assign(won=0.0, lost=0.0), SERIES).axes[0]
    assert zeros.get_ylim() == (0, 1)
    assert texts(zeros) == ["0.0"] * 6


def test_win_rates_bars_with_their_intervals_and_deal_counts() -> None:
    ax = charts.win_rates_with_content(GROUPS).axes[0]
    bars = ax.patches
    assert [bar.get_width() for bar in bars] == [0.8, 0.3]
    assert [bar.get_y() + bar.get_height() / 2 for bar in bars] == pytest.approx([0, 1])
    assert [colour(bar) for bar in bars] == [BLUE.lower(), PALE.lower()]
    (errors,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    _line, _caps, (spans,) = errors.lines
    np.testing.assert_allclose(
        spans.get_segments(), [[[0.58, 0], [0.92, 0]], [[0.17, 1], [0.48, 1]]]
    )
    assert texts(ax) == ["80% of 20 deals", "30% of 30 deals"]
    assert [text.get_position()[0] for text in ax.texts] == pytest.approx([0.93, 0.49])
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"With content \$", "Without"]
    assert ax.yaxis_inverted()
    assert ax.get_xlim() == (0, 1)
    assert ax.get_xlabel() == "Win rate of deals closed in the quarter (95% interval)"
    assert ax.get_title("left") == "Win rate with and without shared content"


def test_win_rates_leave_out_a_group_without_deals() -> None:
    groups = GROUPS.assign(deals=[0, 30], won=[0, 9], win_rate=[np.nan, 0.3])
    groups = groups.assign(low=[np.nan, 0.17], high=[np.nan, 0.48])
    ax = charts.win_rates_with_content(groups).axes[0]
    assert [bar.get_width() for bar in ax.patches] == [0.3]
    assert texts(ax) == ["30% of 30 deals"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Without"]


def test_efficiency_charts_read_in_french() -> None:
    english = {name: chart(frame, **options) for name, (chart, frame, options) in ALL.items()}
    with use_locale("fr_FR"):
        french = {name: chart(frame, **options) for name, (chart, frame, options) in ALL.items()}
        touches = french["touch_distribution"].axes[0]
        assert ticks(touches, "y", [0.0, 0.25, 0.5]) == ["0 %", "25 %", "50 %"]
        activity = french["activity_by_type"].axes[0]
        assert ticks(activity, "x", [0, 1000]) == ["0", "1 000"]
        trend = charts.quarter_trend(TREND.assign(won=[4.0, np.nan, 1250.0]), SERIES).axes[0]
        rates = french["win_rates_with_content"].axes[0]
        assert ticks(rates, "x", [0.0, 0.5, 1.0]) == ["0 %", "50 %", "100 %"]
        empty = charts.weeks_active(WEEKS.iloc[0:0], 10, 13).axes[0]
    for name, fig in french.items():  # the default titles
        assert fig.axes[0].get_title("left") != english[name].axes[0].get_title("left"), name
    assert touches.get_xlabel() == "Appels, e-mails et réunions sur l'affaire"
    assert [text.strip() for text in texts(activity)] == ["1,0", "2,5"]
    assert activity.get_xlabel() == "Activités saisies par semaine"
    assert plain(texts(french["weeks_active"].axes[0])[0]) == "10 semaines requises"
    assert legend(french["weeks_active"].axes[0]) == ["Adoptants", "Autres"]
    assert [plain(text) for text in texts(trend)] == ["4,0", "1 250,0", "2,0", "1,0", "3,0"]
    assert [plain(text) for text in texts(rates)] == ["80 % de 20 affaires", "30 % de 30 affaires"]
    assert plain(rates.get_xlabel()) == (
        "Taux de gain des affaires conclues dans le trimestre (intervalle à 95 %)"
    )
    assert texts(empty) == ["Aucune donnée"]
