"""Pipeline flow on a hand-built CRM whose deals cover every entry, exit and edge rule."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import ibis
import pandas as pd
import pytest
from tiny_crm import crm, deal, rep

from salesops.metrics.flow import (
    EDGES,
    FLOW,
    UNSEEN_WITHOUT_CHANGES,
    flow_by,
    flow_residual,
    pipeline_flow,
)
from salesops.periods import Quarter

Q2 = Quarter.parse("2026Q2")  # 2026-04-01 to 2026-07-01

CHANGES_SCHEMA = ibis.schema(
    {
        "opportunity_id": "string",
        "changed_at": "timestamp",
        "stage": "string",
        "amount": "float64",
        "close_date": "date",
        "forecast_category": "string",
    }
)


def change(
    opportunity_id: str,
    at: str,
    stage: str | None = None,
    amount: float | None = None,
    close: str | None = None,
) -> dict[str, Any]:
    """A deal_changes row; a field left None was not recorded with the change."""
    return {
        "opportunity_id": opportunity_id,
        "changed_at": datetime.fromisoformat(at),
        "stage": stage,
        "amount": amount,
        "close_date": date.fromisoformat(close) if close else None,
        "forecast_category": None,
    }


def changes_table(rows: list[dict[str, Any]]) -> ibis.Table:
    frame = pd.DataFrame(rows, columns=list(CHANGES_SCHEMA))
    return ibis.memtable(frame, schema=CHANGES_SCHEMA)


REPS = [rep("r1", "East"), rep("r2", "West")]
# current values; the comment gives the entry -> exit in 2026Q2 with deal_changes, amounts in -> out
DEALS = [
    deal("d1", "r1", "2026-02-01", "2026-05-10", "Closed Won", 120),  # start 100 -> won 120
    deal("d2", "r1", "2026-01-10", "2026-06-01", "Closed Lost", 150),  # start 200 -> lost 150
    deal("d3", "r2", "2026-03-01", "2026-05-30", "Closed Won", 300),  # pulled in 300 -> won 300
    deal("d4", "r1", "2025-12-01", "2026-06-20", "Qualification", 400),  # pushed in -> end 400
    deal("d5", "r1", "2026-04-10", "2026-07-20", "Prospecting", 450),  # new 500 -> pushed out 450
    deal("d6", "r1", "2026-03-15", "2026-03-31", "Negotiation", 600),  # start -> pulled out 600
    deal("d7", "r2", "2026-02-15", "2026-06-28", "Proposal", 800),  # start 700 -> end 800
    deal("d8", "r1", "2026-05-05", "2026-05-20", "Closed Won", 50),  # new 50 -> won 50
    deal("d9", "r1", "2026-01-20", "2026-07-15", "Closed Won", 900),  # pulled in -> won 900
    deal("d10", "r2", "2026-01-05", "2026-03-31", "Closed Won", 1000),  # pushed in -> won 1000
    deal("d11", "r1", "2026-02-01", "2026-06-30", "Proposal", 1100),  # start -> end 1100
    deal("d12", "r2", "2026-03-01", "2026-05-31", "Discovery", 1200),  # start -> end 1200
    deal("d13", "r1", "2025-10-01", "2026-06-15", "Discovery", 1300),  # pushed in -> end 1300
    # never in play in 2026Q2
    deal("x1", "r1", "2026-03-01", "2026-09-01", "Prospecting", 5000),  # due in Q3 throughout
    deal("x2", "r1", "2026-01-01", "2026-03-10", "Closed Won", 5000),  # closed before Q2
    deal("x3", "r1", "2026-07-05", "2026-07-30", "Prospecting", 5000),  # created after Q2
    deal("x4", "r2", "2026-04-20", "2026-08-15", "Prospecting", 5000),  # new, but due in Q3
]
CHANGES = [
    change("d1", "2026-02-01 09:00", "Prospecting", 100, "2026-05-15"),
    change("d1", "2026-05-10 16:00", "Closed Won", 120, "2026-05-10"),
    change("d2", "2026-01-10 09:00", "Discovery", 200, "2026-06-01"),
    change("d2", "2026-06-01 12:00", "Closed Lost", 150, "2026-06-01"),
    # pulled in: due in Q3 at the start, moved into Q2 on Apr 20, then won
    change("d3", "2026-03-01 09:00", "Prospecting", 300, "2026-08-15"),
    change("d3", "2026-04-20 09:00", "Proposal", 300, "2026-05-30"),
    change("d3", "2026-05-30 09:00", "Closed Won", 300, "2026-05-30"),
    # pushed in: overdue (due in Q1) at the start; the move records only the close date
    change("d4", "2025-12-01 09:00", "Qualification", 400, "2026-03-20"),
    change("d4", "2026-04-05 09:00", close="2026-06-20"),
    # created in Q2, then slips to Q3 with a smaller amount
    change("d5", "2026-04-10 09:00", "Prospecting", 500, "2026-06-10"),
    change("d5", "2026-06-25 09:00", amount=450, close="2026-07-20"),
    # due in Q2 at the start, then its close date moved back into Q1
    change("d6", "2026-03-15 09:00", "Negotiation", 600, "2026-04-30"),
    change("d6", "2026-04-02 09:00", close="2026-03-31"),
    # pushed out on May 1, pulled back in on Jun 1 (larger): enters once, its last position exits
    change("d7", "2026-02-15 09:00", "Proposal", 700, "2026-06-15"),
    change("d7", "2026-05-01 09:00", close="2026-09-30"),
    change("d7", "2026-06-01 09:00", amount=800, close="2026-06-28"),
    # created and closed inside the quarter
    change("d8", "2026-05-05 09:00", "Prospecting", 50, "2026-05-31"),
    change("d8", "2026-05-20 09:00", "Closed Won", 50, "2026-05-20"),
    # won during Q2 with its close date left in Q3: won here, where the closing was recorded
    change("d9", "2026-01-20 09:00", "Negotiation", 900, "2026-07-15"),
    change("d9", "2026-06-30 15:00", "Closed Won", 900, "2026-07-15"),
    # overdue at the start, recorded won on Apr 2 with a close date in Q1: won here too
    change("d10", "2026-01-05 09:00", "Proposal", 1000, "2026-03-31"),
    change("d10", "2026-04-02 10:00", "Closed Won", None, "2026-03-31"),
    # created in February, but its history starts on Apr 15: its first row is its state on Apr 1
    change("d11", "2026-04-15 09:00", "Proposal", 1100, "2026-06-30"),
    # d12 has no recorded change: its current values
    # lost in Q1, reopened in Q2 with a close date in it
    change("d13", "2025-10-01 09:00", "Prospecting", 1300, "2026-02-15"),
    change("d13", "2026-02-15 09:00", "Closed Lost", 1300, "2026-02-15"),
    change("d13", "2026-04-20 09:00", "Discovery", 1300, "2026-06-15"),
    change("x1", "2026-03-01 09:00", "Prospecting", 5000, "2026-09-01"),
    change("x2", "2026-01-01 09:00", "Prospecting", 5000, "2026-03-10"),
    change("x2", "2026-03-10 09:00", "Closed Won", 5000, "2026-03-10"),
    change("x3", "2026-07-05 09:00", "Prospecting", 5000, "2026-07-30"),
    change("x4", "2026-04-20 09:00", "Prospecting", 5000, "2026-08-15"),
]


def tables(with_changes: bool = True) -> dict[str, ibis.Table]:
    tiny = crm(REPS, DEALS)
    if with_changes:
        tiny["deal_changes"] = changes_table(CHANGES)
    return tiny


def classes(frame: pd.DataFrame) -> dict[str, tuple[str, str, float, float]]:
    return {
        row.opportunity_id: (row.entry, row.exit, row.entry_amount, row.exit_amount)
        for row in frame.itertuples()
    }


def test_every_deal_enters_and_exits_by_exactly_one_way() -> None:
    flow = pipeline_flow(tables(), Q2)
    assert flow.complete and flow.quarter == "2026Q2"
    assert list(flow.deals.columns) == [
        "opportunity_id",
        "rep_id",
        "team",
        "entry",
        "exit",
        "entry_amount",
        "exit_amount",
    ]
    assert classes(flow.deals) == {
        "d1": ("start", "won", 100, 120),
        "d2": ("start", "lost", 200, 150),
        "d3": ("pulled_in", "won", 300, 300),
        "d4": ("pushed_in", "end", 400, 400),
        "d5": ("new", "pushed_out", 500, 450),
        "d6": ("start", "pulled_out", 600, 600),
        "d7": ("start", "end", 700, 800),
        "d8": ("new", "won", 50, 50),
        "d9": ("pulled_in", "won", 900, 900),
        "d10": ("pushed_in", "won", 1000, 1000),
        "d11": ("start", "end", 1100, 1100),
        "d12": ("start", "end", 1200, 1200),
        "d13": ("pushed_in", "end", 1300, 1300),
    }


def test_flow_totals_by_hand_and_the_identity() -> None:
    flow = pipeline_flow(tables(), Q2)
    # entries: start d1 100 + d2 200 + d6 600 + d7 700 + d11 1100 + d12 1200 = 6 deals, 3900
    #   pulled in d3 300 + d9 900 = 1200; pushed in d4 400 + d10 1000 + d13 1300 = 2700;
    #   new d5 500 + d8 50 = 550: 13 deals, 8350
    # amounts moved: increased d1 +20, d7 +100 = 120; decreased d2 -50, d5 -50 = 100
    # exits: won d1 120 + d3 300 + d8 50 + d9 900 + d10 1000 = 2370; lost d2 150;
    #   pushed out d5 450; pulled out d6 600; end d4 400 + d7 800 + d11 1100 + d12 1200
    #   + d13 1300 = 4800: 13 deals, 8370 = 8350 + 120 - 100
    expected = {
        "start": (6, 3900),
        "pulled_in": (2, 1200),
        "pushed_in": (3, 2700),
        "new": (2, 550),
        "increased": (2, 120),
        "decreased": (2, 100),
        "won": (5, 2370),
        "lost": (1, 150),
        "pushed_out": (1, 450),
        "pulled_out": (1, 600),
        "end": (5, 4800),
    }
    assert list(flow.totals) == list(FLOW)
    assert {k: (v["count"], v["amount"]) for k, v in flow.totals.items()} == expected
    assert flow_residual(flow.totals, "amount") == pytest.approx(0, abs=0.005)
    assert flow_residual(flow.totals, "count") == 0


def test_each_edge_rule_is_counted() -> None:
    # closed outside: d9 (close date in Q3) and d10 (in Q1), both recorded won in Q2
    # created and closed: d8; history starts late: d11; returned: d7 (pushed out, pulled back);
    # reopened: d13; without changes: d12
    flow = pipeline_flow(tables(), Q2)
    assert list(flow.edges) == list(EDGES)
    assert flow.edges == {
        "closed_outside": 2,
        "created_and_closed": 1,
        "history_starts_late": 1,
        "returned": 1,
        "reopened": 1,
        "without_changes": 1,
    }


def test_flow_of_one_team() -> None:
    # West (r2): d3 pulled in 300 -> won; d7 start 700 -> end 800; d10 pushed in 1000 -> won;
    # d12 start 1200 -> end; x4 is not in play. 1900 + 300 + 1000 + 100 = 1300 won + 2000 end
    flow = pipeline_flow(tables(), Q2, team="West")
    assert set(flow.deals["opportunity_id"]) == {"d3", "d7", "d10", "d12"}
    assert set(flow.deals["team"]) == {"West"} and flow.team == "West"
    totals = {k: (v["count"], v["amount"]) for k, v in flow.totals.items() if v["count"]}
    assert totals == {
        "start": (2, 1900),
        "pulled_in": (1, 300),
        "pushed_in": (1, 1000),
        "increased": (1, 100),
        "won": (2, 1300),
        "end": (2, 2000),
    }
    assert flow_residual(flow.totals) == pytest.approx(0, abs=0.005)


def test_without_deal_changes_the_flow_is_rebuilt_from_current_values() -> None:
    # current close dates and amounts: start d1 120, d2 150, d3 300, d4 400, d7 800, d11 1100,
    # d12 1200, d13 1300 = 8 deals, 5370; new d8 50. d5 (due in Q3 now), d6 and d10 (Q1), d9 (Q3)
    # are out of sight. Exits: won d1 + d3 + d8 = 470; lost d2 150; end d4 + d7 + d11 + d12 + d13
    # = 4800; 5370 + 50 = 470 + 150 + 4800
    flow = pipeline_flow(tables(with_changes=False), Q2)
    assert not flow.complete
    assert all(flow.totals[name] is None for name in UNSEEN_WITHOUT_CHANGES)
    seen = {k: (v["count"], v["amount"]) for k, v in flow.totals.items() if v is not None}
    assert seen == {
        "start": (8, 5370),
        "new": (1, 50),
        "won": (3, 470),
        "lost": (1, 150),
        "end": (5, 4800),
    }
    assert flow_residual(flow.totals) == pytest.approx(0, abs=0.005)
    assert flow_residual(flow.totals, "count") == 0
    assert flow.edges["without_changes"] == 9 and flow.edges["created_and_closed"] == 1


def test_a_quarter_with_nothing_in_play_has_zero_totals() -> None:
    flow = pipeline_flow(tables(), Quarter.parse("2024Q1"))
    assert flow.deals.empty
    assert all(flow.totals[name] == {"count": 0, "amount": 0.0} for name in FLOW)


@pytest.mark.parametrize(("key", "groups"), [("team", ["East", "West"]), ("rep_id", ["r1", "r2"])])
def test_flow_by_team_and_rep_adds_up_each_groups_deals(key: str, groups: list[str]) -> None:
    # East (r1): start d1 100 + d2 200 + d6 600 + d11 1100 = 2000; pulled in d9 900; pushed in
    #   d4 400 + d13 1300 = 1700; new d5 500 + d8 50 = 550; resized d1 +20, d2 -50, d5 -50 = -80;
    #   won d1 120 + d8 50 + d9 900 = 1070; lost d2 150; pushed out d5 450; pulled out d6 600;
    #   end d4 400 + d11 1100 + d13 1300 = 2800 (2000 + 900 + 1700 + 550 - 80 = 5070 = exits)
    # West (r2): start d7 700 + d12 1200 = 1900; pulled in d3 300; pushed in d10 1000; resized
    #   d7 +100; won d3 300 + d10 1000 = 1300; end d7 800 + d12 1200 = 2000
    rows = flow_by(pipeline_flow(tables(), Q2), key)  # type: ignore[arg-type]
    assert rows[key].tolist() == groups
    columns = ["start", "pulled_in", "pushed_in", "new", "resized"]
    columns += ["won", "lost", "pushed_out", "pulled_out", "end"]
    assert rows[columns].values.tolist() == [
        [2000, 900, 1700, 550, -80, 1070, 150, 450, 600, 2800],
        [1900, 300, 1000, 0, 100, 1300, 0, 0, 0, 2000],
    ]
