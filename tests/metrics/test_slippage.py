"""Slippage on a hand-built CRM: pushes, pull-ins, amount-only changes, pushes outside the quarter,
and the starting pipeline pushed out; then on the demo against a recount in pandas."""

from __future__ import annotations

from datetime import date
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest
from tiny_crm import crm, deal, rep, table

from salesops.metrics import MissingTableError
from salesops.metrics.flow import pipeline_flow
from salesops.metrics.slippage import PUSHED_TWICE_COLUMNS, REP_COLUMNS, slippage
from salesops.periods import Quarter

Q2 = Quarter.parse("2026Q2")  # 2026-04-01 to 2026-07-01

REPS = [rep("r1", "East"), rep("r2", "East"), rep("r3", "West")]
# current values; the comment gives the flow in 2026Q2 and the pushes counted in it
DEALS = [
    deal("d1", "r1", "2026-02-01", "2026-08-31", "Proposal", 1000),  # start -> pushed out; 2
    deal("d2", "r1", "2026-01-15", "2026-06-05", "Closed Won", 2000),  # start -> won; 1
    deal("d3", "r2", "2026-03-01", "2026-06-15", "Proposal", 800),  # start 500 -> end 800; 0
    deal("d4", "r2", "2026-01-10", "2026-07-15", "Prospecting", 3000),  # start -> pushed out; 1
    deal("d5", "r3", "2026-03-05", "2026-04-28", "Closed Won", 4000),  # start -> won; 0
    deal("d6", "r3", "2026-04-05", "2026-09-30", "Qualification", 6000),  # new -> end; 2
    deal("d7", "r1", "2026-03-01", "2026-12-15", "Prospecting", 9000),  # not in play; (2)
    deal("d8", "r2", "2026-02-01", "2026-05-25", "Closed Lost", 700),  # start -> lost; 0
]


def change(opportunity_id: str, at: str, **state: Any) -> dict[str, Any]:
    """A deal_changes row; ``close`` is the close date, a field not given was not recorded."""
    if "close" in state:
        state["close_date"] = state.pop("close")
    return {"opportunity_id": opportunity_id, "changed_at": at, **state}


CHANGES = [
    # pushed twice in the quarter: May 15 -> Jun 10 -> Aug 31 (the second push takes it out)
    change("d1", "2026-02-01 09:00", stage="Prospecting", amount=1000, close="2026-05-15"),
    change("d1", "2026-04-10 09:00", close="2026-06-10"),
    change("d1", "2026-06-20 09:00", stage="Proposal", close="2026-08-31"),
    # pushed once (May 1 -> Jun 30), then pulled back in (Jun 30 -> Jun 5): a pull-in is no push
    change("d2", "2026-01-15 09:00", stage="Discovery", amount=2000, close="2026-05-01"),
    change("d2", "2026-04-20 09:00", close="2026-06-30"),
    change("d2", "2026-05-10 09:00", close="2026-06-05"),
    change("d2", "2026-06-05 15:00", stage="Closed Won", close="2026-06-05"),
    # only the amount changes: its close date is carried, no push
    change("d3", "2026-03-01 09:00", stage="Proposal", amount=500, close="2026-06-15"),
    change("d3", "2026-05-01 09:00", amount=800),
    # pushed before the quarter (Mar 20 -> May 20, not counted), then in it (-> Jul 15)
    change("d4", "2026-01-10 09:00", stage="Prospecting", amount=3000, close="2026-03-20"),
    change("d4", "2026-03-10 09:00", close="2026-05-20"),
    change("d4", "2026-05-15 09:00", close="2026-07-15"),
    # won early: its close date moves in, not out
    change("d5", "2026-03-05 09:00", stage="Negotiation", amount=4000, close="2026-04-30"),
    change("d5", "2026-04-28 09:00", stage="Closed Won", close="2026-04-28"),
    # new in the quarter: May 1 -> May 20, a stage change (close date carried), -> Jun 25;
    # pushed again after the quarter (not counted: Jun 25 is its close date at the quarter's end)
    change("d6", "2026-04-05 09:00", stage="Prospecting", amount=6000, close="2026-05-01"),
    change("d6", "2026-04-25 09:00", close="2026-05-20"),
    change("d6", "2026-05-18 09:00", stage="Qualification"),
    change("d6", "2026-05-19 09:00", close="2026-06-25"),
    change("d6", "2026-07-10 09:00", close="2026-09-30"),
    # due in Q3 throughout, pushed twice during Q2: never in play, so not counted
    change("d7", "2026-03-01 09:00", stage="Prospecting", amount=9000, close="2026-08-15"),
    change("d7", "2026-05-01 09:00", close="2026-11-15"),
    change("d7", "2026-05-02 09:00", close="2026-12-15"),
    # lost with its close date set later than the expected one: a closing is not a push
    change("d8", "2026-02-01 09:00", stage="Proposal", amount=700, close="2026-05-10"),
    change("d8", "2026-05-25 09:00", stage="Closed Lost", close="2026-05-25"),
]


def tables(with_changes: bool = True) -> dict[str, ibis.Table]:
    tiny = crm(REPS, DEALS)
    if with_changes:
        tiny["deal_changes"] = table("deal_changes", CHANGES)
    return tiny


def test_slipped_share_is_the_start_amount_pushed_out_or_overdue() -> None:
    # start: d1 1000 + d2 2000 + d3 500 + d4 3000 + d5 4000 + d8 700 = 11200 (d6 is new);
    # pushed out: d1 1000 + d4 3000 = 4000 (d2, d5 won, d8 lost); d3 still open at the end with
    # its close date (Jun 15) in the quarter: overdue, 500. Slipped 4500 / 11200 = 45/112
    result = slippage(tables(), Q2)
    assert (result.quarter, result.team) == ("2026Q2", "all")
    assert result.start_amount == 11200 and result.slipped_amount == 4500
    assert (result.slipped_deals, result.overdue_amount, result.overdue_deals) == (3, 500, 1)
    assert result.slipped_share == 45 / 112


def test_in_a_quarter_still_running_an_open_deal_is_not_overdue() -> None:
    # the data ends before the quarter does: d3 is open, not late; only d1 and d4 slipped
    result = slippage(tables(), Q2, ended=False)
    assert (result.slipped_amount, result.slipped_deals, result.overdue_amount) == (4000, 2, 0)
    assert result.slipped_share == 5 / 14


def test_pushes_count_only_later_close_dates_of_open_deals_in_play_during_the_quarter() -> None:
    # in play: d1 d2 d3 d4 d5 d6 d8 (7 deals). Pushes: d1 2, d2 1 (its pull-in is none), d3 0
    # (amount only), d4 1 (its March push is before the quarter), d5 0, d6 2 (its July push is
    # after), d8 0 (a closing): 6 pushes, 6 / 7 per deal. d7's two pushes: not in play
    result = slippage(tables(), Q2)
    assert result.deals_in_play == 7
    assert result.pushes == 6
    assert result.pushes_per_deal == 6 / 7


def test_pushes_per_rep() -> None:
    # r1: d1 (2) + d2 (1) = 3 pushes over 2 deals, both pushed; r3: d5 (0) + d6 (2) = 2 over 2,
    # one pushed; r2: d3 (0) + d4 (1) + d8 (0) = 1 over 3, one pushed. Small under 3 deals
    reps = slippage(tables(), Q2, small_sample=3).reps
    assert list(reps.columns) == REP_COLUMNS
    assert reps.to_dict("records") == [
        {
            "rep_id": "r1",
            "rep_name": "Rep r1",
            "team": "East",
            "deals": 2,
            "pushes": 3,
            "pushes_per_deal": 1.5,
            "pushed_deals": 2,
            "small_sample": True,
        },
        {
            "rep_id": "r3",
            "rep_name": "Rep r3",
            "team": "West",
            "deals": 2,
            "pushes": 2,
            "pushes_per_deal": 1.0,
            "pushed_deals": 1,
            "small_sample": True,
        },
        {
            "rep_id": "r2",
            "rep_name": "Rep r2",
            "team": "East",
            "deals": 3,
            "pushes": 1,
            "pushes_per_deal": 1 / 3,
            "pushed_deals": 1,
            "small_sample": False,
        },
    ]


def test_deals_pushed_twice_largest_first_with_their_close_dates() -> None:
    # d6 (6000, new -> end): May 1 before its first push, Jun 25 at the quarter's end (its July
    # push is later); d1 (1000): May 15 before its first push, Aug 31 at the end (pushed out)
    result = slippage(tables(), Q2)
    assert result.pushed_twice_count == 2
    twice = result.pushed_twice
    assert list(twice.columns) == PUSHED_TWICE_COLUMNS
    rows = [
        (r.opportunity_id, r.rep_name, r.team, r.pushes, r.amount, r.exit)
        for r in twice.itertuples()
    ]
    assert rows == [
        ("d6", "Rep r3", "West", 2, 6000, "end"),
        ("d1", "Rep r1", "East", 2, 1000, "pushed_out"),
    ]
    assert [d.date() for d in twice["first_close_date"]] == [date(2026, 5, 1), date(2026, 5, 15)]
    assert [d.date() for d in twice["close_date"]] == [date(2026, 6, 25), date(2026, 8, 31)]
    top = slippage(tables(), Q2, top=1)
    assert list(top.pushed_twice["opportunity_id"]) == ["d6"] and top.pushed_twice_count == 2


def test_slippage_of_one_team() -> None:
    # East (r1, r2): start d1 1000 + d2 2000 + d3 500 + d4 3000 + d8 700 = 7200, 4000 pushed
    # out and 500 overdue: 5/8; pushes d1 2 + d2 1 + d4 1 = 4 over 5 deals. West: d5 and d6,
    # start 4000, none slipped (share 0, not None); d6's 2 pushes over 2 deals
    east = slippage(tables(), Q2, team="East")
    assert (east.start_amount, east.slipped_amount, east.slipped_share) == (7200, 4500, 5 / 8)
    assert (east.deals_in_play, east.pushes, east.pushes_per_deal) == (5, 4, 0.8)
    assert list(east.pushed_twice["opportunity_id"]) == ["d1"]
    assert set(east.reps["team"]) == {"East"}
    west = slippage(tables(), Q2, team="West")
    assert (west.start_amount, west.slipped_deals, west.slipped_share) == (4000, 0, 0.0)
    assert (west.pushes, west.pushes_per_deal, west.pushed_twice_count) == (2, 1.0, 1)


def test_a_quarter_with_nothing_in_play_has_no_ratios() -> None:
    result = slippage(tables(), Quarter.parse("2024Q1"))
    assert result.start_amount == 0 and result.slipped_share is None
    assert result.deals_in_play == 0 and result.pushes_per_deal is None
    assert result.reps.empty and list(result.reps.columns) == REP_COLUMNS
    assert result.pushed_twice.empty and result.pushed_twice_count == 0


def test_slippage_needs_deal_changes() -> None:
    with pytest.raises(MissingTableError) as raised:
        slippage(tables(with_changes=False), Q2)
    assert raised.value.table == "deal_changes" and raised.value.section == "Slippage"


# --- the demo: one team, one quarter ---

Q3 = Quarter.parse("2026Q3")
TEAM = "SMB"


def _pushes_recounted(frames: dict[str, pd.DataFrame], quarter: Quarter) -> pd.Series:
    """Pushes per deal during ``quarter`` from the raw frames: fields carried forward per deal
    (else the deal's current close date; a stage never recorded: open), then each change that
    finds the deal open and leaves it open with a later close date."""
    stages = frames["stages"].set_index("stage")
    now = frames["opportunities"].set_index("opportunity_id")["close_date"]
    rows = frames["deal_changes"].assign(
        order=lambda f: f["stage"].map(stages["sort_order"]).fillna(0),
        closed=lambda f: f["stage"].map(stages["is_closed"]).astype("boolean"),
    )
    rows = rows.sort_values(["opportunity_id", "changed_at", "order"], kind="stable")
    by_deal = rows.groupby("opportunity_id")
    close = by_deal["close_date"].ffill().fillna(rows["opportunity_id"].map(now))
    is_open = ~by_deal["closed"].ffill().fillna(False).astype(bool)
    same_deal = rows["opportunity_id"].eq(rows["opportunity_id"].shift())
    start, end = pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)
    push = (
        same_deal
        & rows["changed_at"].between(start, end, inclusive="left")
        & is_open.shift(fill_value=False)
        & is_open
        & (close > close.shift())
    )
    return push.groupby(rows["opportunity_id"]).sum()


def test_on_the_demo_slippage_agrees_with_the_flow_and_a_pandas_recount(
    frames: dict[str, pd.DataFrame], demo_tables: dict[str, ibis.Table]
) -> None:
    result = slippage(demo_tables, Q3, team=TEAM)
    deals = pipeline_flow(demo_tables, Q3, team=TEAM).deals
    start = deals[deals["entry"] == "start"]
    slipped = start[start["exit"].isin(["pushed_out", "end"])]
    assert result.slipped_amount == slipped["entry_amount"].sum()
    assert result.slipped_deals == len(slipped)
    overdue = start.loc[start["exit"] == "end", "entry_amount"].sum()
    assert result.overdue_amount == overdue > 0
    assert result.start_amount == start["entry_amount"].sum() > 0
    pushes = _pushes_recounted(frames, Q3).reindex(deals["opportunity_id"], fill_value=0)
    assert result.deals_in_play == len(deals) and result.pushes == pushes.sum() > 0
    assert result.reps["pushes"].sum() == result.pushes
    assert result.reps["deals"].sum() == result.deals_in_play
    assert result.pushed_twice_count == (pushes >= 2).sum() > 0
    shown = result.pushed_twice.set_index("opportunity_id")["pushes"]
    assert shown.to_dict() == pushes[shown.index].to_dict()
    amounts = result.pushed_twice["amount"].to_numpy()
    assert np.all(amounts[:-1] >= amounts[1:])
