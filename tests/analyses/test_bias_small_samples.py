"""The forecast-bias ranking is led by reps whose actual rests on enough won deals."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from salesops.analyses import forecast_accuracy


def shrink_one_rep(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """One rep keeps a single won deal of 3,800 in 2026Q3 and nothing else in the year before."""
    deals = tables["opportunities"]
    since = pd.Timestamp("2025-10-01")
    recent = deals["is_won"] & (deals["close_date"] >= pd.Timestamp("2026-07-01"))
    rep = deals.loc[recent, "rep_id"].iloc[0]
    won = deals.index[(deals["rep_id"] == rep) & deals["is_won"] & (deals["close_date"] >= since)]
    keep, drop = won[-1], won[:-1]
    deals.loc[keep, "amount"] = 3800.0
    tables["opportunities"] = deals.drop(index=drop)
    return tables


def test_a_rep_with_a_tiny_actual_is_flagged_and_does_not_lead(variant: Callable[..., str]) -> None:
    report = forecast_accuracy.open_report("2026Q3", "all", variant(shrink_one_rep))
    section = report.reps_by_bias()
    assert "Reps with fewer than 20 won deals are small samples" in section.parts[0].caption
    table = section.parts[1]
    won = [int(row[table.columns.index("Won deals")].replace(",", "")) for row in table.rows]
    assert won[0] >= 20  # the top of the ranking rests on enough deals
    flagged = [n < 20 for n in won]
    assert flagged == sorted(flagged)  # every small sample after every other rep
