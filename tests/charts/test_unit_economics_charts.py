"""The unit-economics charts: spend by channel, and trends with the benchmarks the field uses."""

from __future__ import annotations

import io

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib import cbook
from matplotlib.axes import Axes

from salesops import charts
from salesops.charts.theme import BLUE, GREY
from salesops.i18n import use_locale

# web: $90k for 3 new customers ($30k each); events: $12.5k for none
CHANNELS = pd.DataFrame(
    {"channel": ["web $", "events"], "spend": [90_000.0, 12_500.0], "cac": [30_000.0, np.nan]}
)
PAYBACK = pd.DataFrame({"quarter": ["2026Q2", "2026Q3"], "payback": [14.0, 21.5]})
RETENTION = pd.DataFrame({"quarter": ["2026Q2", "2026Q3"], "nrr": [1.04, 1.26]})
HOSTILE = "<b>Spend</b> $x$ [click](javascript:alert(1))"


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def texts(ax: Axes) -> list[str]:
    return [plain(text.get_text()) for text in ax.texts]


def test_spend_by_channel_draws_a_bar_per_channel_labelled_with_its_cac() -> None:
    fig = charts.spend_by_channel(CHANNELS, title=HOSTILE)
    (ax,) = fig.axes
    assert [bar.get_width() for bar in ax.patches] == [90_000.0, 12_500.0]
    assert {mpl.colors.to_hex(bar.get_facecolor()) for bar in ax.patches} == {BLUE.lower()}
    assert texts(ax) == [r"CAC \$30k", "no new customer"]  # escaped for matplotlib
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"web \$", "events"]
    assert ax.yaxis_inverted()  # most spent on top
    assert ax.get_xlim() == pytest.approx((0, 90_000 * 1.35))
    assert ax.get_xlabel() == "Marketing spend"
    title = ax.get_title("left")
    assert title == HOSTILE.replace("$", r"\$") and not cbook.is_math_text(title)
    fig.savefig(io.BytesIO(), format="png", dpi=30)


def test_spend_by_channel_says_no_data_and_names_missing_columns() -> None:
    (ax,) = charts.spend_by_channel(CHANNELS.iloc[0:0], title="Empty").axes
    assert texts(ax) == ["No data"]
    with pytest.raises(ValueError, match=r"^spend_by_channel needs columns \['cac'\]"):
        charts.spend_by_channel(CHANNELS.drop(columns="cac"), title="Missing")


def test_spend_by_channel_reads_in_french() -> None:
    with use_locale("fr_FR"):
        ax = charts.spend_by_channel(CHANNELS, title="Dépenses", currency="EUR").axes[0]
    assert texts(ax) == ["CAC 30 k€", "aucun nouveau client"]
    assert ax.get_xlabel() == "Dépenses marketing"


def test_a_trend_draws_its_references_as_labelled_dashed_lines_and_makes_room_for_them() -> None:
    references = [(12.0, "12 months"), (18.0, "18 months")]
    ax = charts.quarter_trend(PAYBACK, {"payback": "Payback"}, references=references).axes[0]
    _payback, low, high = ax.lines
    assert [line.get_ydata()[0] for line in (low, high)] == [12.0, 18.0]
    assert {line.get_linestyle() for line in (low, high)} == {"--"}
    assert {mpl.colors.to_hex(line.get_color()) for line in (low, high)} == {GREY.lower()}
    assert texts(ax) == ["14.0", "21.5", "12 months", "18 months"]
    assert ax.get_ylim() == pytest.approx((0, 21.5 * 1.25))
    # a reference above every value still shows
    low_values = PAYBACK.assign(payback=[3.0, 4.0])
    ax = charts.quarter_trend(low_values, {"payback": "Payback"}, references=references).axes[0]
    assert ax.get_ylim() == pytest.approx((0, 18 * 1.25))


def test_shares_above_one_widen_the_percent_axis() -> None:
    ax = charts.quarter_trend(
        RETENTION, {"nrr": "NRR"}, percent=True, references=[(1.0, "100%")]
    ).axes[0]
    assert texts(ax) == ["104%", "126%", "100%"]
    assert ax.get_ylim() == pytest.approx((0, 1.26 * 1.15))
