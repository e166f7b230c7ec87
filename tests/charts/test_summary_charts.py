"""The summary's chart: each key figure's relative change, solid beyond noise, hatched within."""

from __future__ import annotations

import math

import matplotlib as mpl
import pandas as pd

from salesops import charts
from salesops.charts.theme import BLUE, GREY

# bookings -25 % (a record), win rate +7 % (within noise), coverage moved from 0 (no bar)
MOVES = pd.DataFrame(
    {
        "figure": ["Bookings", "Win rate", "Coverage $"],
        "relative_change": [-0.25, 0.0714, math.nan],
        "beyond_noise": [True, False, True],
        "change": ["-$30k (-25%)", "+2.0 pts", "+2.5×"],
    }
)


def test_changes_draws_a_bar_per_figure_solid_beyond_noise_and_hatched_within() -> None:
    fig = charts.changes(MOVES, title="SMB: key figures against 2026Q2")
    (ax,) = fig.axes
    bars = ax.patches[:3]
    assert [round(bar.get_width(), 4) for bar in bars] == [-0.25, 0.0714, 0.0]
    assert mpl.colors.to_hex(bars[0].get_facecolor()) == BLUE.lower()
    assert (
        bars[1].get_hatch() == "///" and mpl.colors.to_hex(bars[1].get_edgecolor()) == GREY.lower()
    )
    assert [t.get_text() for t in ax.texts] == [r"-\$30k (-25%)", "+2.0 pts", "+2.5×"]
    assert ax.get_yticklabels()[2].get_text() == r"Coverage \$"
    low, high = ax.get_xlim()
    assert low == -high and high >= 0.25


def test_changes_without_figures_says_no_data() -> None:
    fig = charts.changes(MOVES.iloc[0:0], title="nothing")
    assert any(t.get_text() == "No data" for t in fig.axes[0].texts)
