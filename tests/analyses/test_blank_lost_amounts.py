"""A CRM that blanks the amount of lost deals gets no 100 % win rate by amount, and says why."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from salesops.analyses import funnel


def blank_lost_amounts(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    deals = tables["opportunities"]
    lost = deals["is_closed"] & ~deals["is_won"]
    tables["opportunities"] = deals.assign(amount=deals["amount"].mask(lost))
    return tables


def test_the_amount_win_rate_is_withheld_with_a_sentence(variant: Callable[..., str]) -> None:
    report = funnel.open_report("2026Q3", "all", variant(blank_lost_amounts))
    now = report.now
    assert now["win_rate_amount"] is None  # won / closed amount would be 100 %
    assert now["lost_without_amount"] == now["lost_deals"] > 0
    assert (
        f"Win rate by amount is not shown: {now['lost_deals']:,} of the {now['lost_deals']:,} "
        "deals lost in 2026Q3 have no amount" in report.caveats().markdown
    )
    breakdown = report.breakdown()
    assert breakdown.parts[0].caption.endswith(
        "Win rate by amount is left blank where most lost deals have no amount: it would read "
        "close to 100 %."
    )
    table = breakdown.parts[1]
    column = table.columns.index("Win rate by amount")
    assert {row[column] for row in table.rows} == {"n/a"}
