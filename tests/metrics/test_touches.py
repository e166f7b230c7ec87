"""Touches per deal and activity attribution on hand-built CRMs, worked out in the comments.

2026Q3 runs Jul 1 to Oct 1. Deals closed in it, East (e1, e2; s1 is an SDR of another team):

    D1 won   created Jul 1 09:00, closed Aug 14  SMB      3 touches
    D2 won   created Jul 10,      closed Sep 1   SMB      6 (2 through its account)
    D3 won   created Jul 15,      closed Jul 30  MM       0
    D4 won   created Aug 1,       closed Sep 20  (none)   2
    L1 lost  created Jul 1,       closed Sep 10  SMB      1
    L2 lost  created Jun 1,       closed Jul 5   MM       3 (two of them in June, in its life)
    L3 lost  created Jul 20,      closed Aug 30  (none)   0

Won: 0, 2, 3, 6 -> median (2 + 3) / 2 = 2.5, mean 11 / 4 = 2.75. Lost: 0, 1, 3 -> median 1,
mean 4 / 3. West's W1 (won Aug 20) has 1 touch, logged by East's e1.
"""

from __future__ import annotations

import random
import statistics
from datetime import datetime, timedelta
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pytest
from tiny_crm import crm, deal, rep, table

from salesops.metrics import MissingTableError
from salesops.metrics.funnel import UNKNOWN
from salesops.metrics.touches import (
    ACCOUNT_WINDOW_DAYS,
    TOUCH_TYPES,
    attributed_activities,
    touches_per_deal,
    touches_trend,
)
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")
Q2, Q1 = Q3.previous(), Q3.previous(2)
REPS = [rep("e1", "East"), rep("e2", "East"), rep("s1", "SDR", role="SDR"), rep("w1", "West")]
DEALS = [
    deal("D1", "e1", "2026-07-01 09:00", "2026-08-14", "Closed Won", segment="SMB"),
    deal(
        "D2", "e1", "2026-07-10 00:00", "2026-09-01", "Closed Won", segment="SMB", account_id="A2"
    ),
    deal("D3", "e2", "2026-07-15 00:00", "2026-07-30", "Closed Won", segment="MM"),
    deal("D4", "e2", "2026-08-01 00:00", "2026-09-20", "Closed Won"),
    deal("L1", "e1", "2026-07-01 00:00", "2026-09-10", "Closed Lost", segment="SMB"),
    deal("L2", "e2", "2026-06-01 00:00", "2026-07-05", "Closed Lost", segment="MM"),
    deal("L3", "e2", "2026-07-20 00:00", "2026-08-30", "Closed Lost"),
    deal("D5", "e1", "2026-07-01 00:00", "2026-11-30", "Proposal"),  # open: not counted
    deal("D6", "e1", "2026-06-01 00:00", "2026-06-20", "Closed Won"),  # 2026Q2
    deal("W1", "w1", "2026-07-01 00:00", "2026-08-20", "Closed Won", segment="SMB"),
]


def _activity(number: int, kind: str, at: str, deal_id: str | None = None, **extra: Any) -> dict:
    rep_id = extra.pop("rep_id", "e1")
    return {
        "activity_id": f"t{number:02d}",
        "rep_id": rep_id,
        "type": kind,
        "occurred_at": at,
        "opportunity_id": deal_id,
        **extra,
    }


ACTIVITIES = [
    # D1: t02, t03 (the SDR's: it counts for the deal's team) and t04 (on its close day) -> 3
    _activity(1, "call", "2026-07-01 08:59", "D1"),  # a minute before it was created
    _activity(2, "call", "2026-07-02 10:00", "D1"),
    _activity(3, "call", "2026-07-09 10:00", "D1", rep_id="s1"),
    _activity(4, "meeting", "2026-08-14 23:30", "D1"),
    _activity(5, "email", "2026-08-15 00:00", "D1"),  # after its close day
    _activity(6, "task", "2026-07-20 10:00", "D1"),  # not a touch
    # D2: 2 emails through its account (open then) + 1 meeting + 3 calls -> 6
    _activity(7, "email", "2026-07-15 10:00", account_id="A2"),
    _activity(8, "email", "2026-07-16 10:00", account_id="A2"),
    _activity(9, "meeting", "2026-08-01 10:00", "D2"),
    _activity(10, "call", "2026-08-02 10:00", "D2"),
    _activity(11, "call", "2026-08-03 10:00", "D2"),
    _activity(12, "call", "2026-08-04 10:00", "D2"),
    # D4: 1 call + 1 email -> 2
    _activity(13, "call", "2026-08-05 10:00", "D4", rep_id="e2"),
    _activity(14, "email", "2026-08-06 10:00", "D4", rep_id="e2"),
    # L1: 1 call; L2: a call and a meeting in June, an email on its close day -> 3
    _activity(15, "call", "2026-07-05 10:00", "L1"),
    _activity(16, "call", "2026-06-10 10:00", "L2", rep_id="e2"),
    _activity(17, "meeting", "2026-06-20 10:00", "L2", rep_id="e2"),
    _activity(18, "email", "2026-07-05 10:00", "L2", rep_id="e2"),
    _activity(19, "other", "2026-07-05 11:00", "L2", rep_id="e2"),  # not a touch
    _activity(20, "call", "2026-07-02 10:00", "D5"),  # open deal
    _activity(21, "call", "2026-06-10 10:00", "D6"),  # 2026Q2's deal: 1 touch
    _activity(22, "call", "2026-07-10 10:00", "W1"),  # East's e1 on West's deal
    _activity(23, "email", "2026-07-10 10:00"),  # no deal, no account
]


def tables(activities: list[dict] | None = ACTIVITIES) -> dict[str, ibis.Table]:
    crm_tables = crm(REPS, DEALS)
    if activities is not None:
        crm_tables["activities"] = table("activities", activities)
    return crm_tables


def _histogram(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(row) for row in frame[["outcome", "touches", "deals"]].itertuples(index=False)]


def test_touches_per_deal_of_a_team_by_hand() -> None:
    result = touches_per_deal(tables(), Q3, "East")
    assert (result.quarter, result.team) == ("2026Q3", "East")
    assert (result.won_deals, result.lost_deals) == (4, 3)
    # won 0, 2, 3, 6; lost 0, 1, 3
    assert (result.median_won, result.mean_won) == (2.5, 11 / 4)
    assert (result.median_lost, result.mean_lost) == (1.0, 4 / 3)
    assert (result.won_without_touches, result.lost_without_touches) == (1, 1)  # D3, L3
    # 11 + 4 touches counted; t07 and t08 came through D2's account
    assert (result.touches, result.attributed_by_account) == (15, 2)
    assert list(result.distribution.columns) == ["outcome", "touches", "deals"]
    assert _histogram(result.distribution) == [
        ("won", 0, 1),
        ("won", 2, 1),
        ("won", 3, 1),
        ("won", 6, 1),
        ("lost", 0, 1),
        ("lost", 1, 1),
        ("lost", 3, 1),
    ]
    assert result.median_won == statistics.median([0, 2, 3, 6]) == np.median([0, 2, 3, 6])


def test_touches_by_segment_and_by_type() -> None:
    # SMB: won D1 3, D2 6 -> 4.5; lost L1 1. MM: won D3 0; lost L2 3. No segment: won D4 2,
    # lost L3 0 (shown as unknown, last)
    result = touches_per_deal(tables(), Q3, "East")
    assert list(result.by_segment.columns) == [
        "segment",
        "won_deals",
        "median_won",
        "lost_deals",
        "median_lost",
    ]
    assert [tuple(row) for row in result.by_segment.itertuples(index=False)] == [
        ("MM", 1, 0.0, 1, 3.0),
        ("SMB", 2, 4.5, 1, 1.0),
        (UNKNOWN, 1, 2.0, 1, 0.0),
    ]
    # won: calls t02 t03 | t10 t11 t12 | t13 = 6, emails t07 t08 | t14 = 3, meetings t04 | t09
    # = 2, over 4 deals; lost: calls t15 t16 = 2, email t18, meeting t17, over 3 deals
    per_deal = {(r.outcome, r.type): r.per_deal for r in result.by_type.itertuples()}
    assert per_deal == {
        ("won", "call"): 6 / 4,
        ("won", "email"): 3 / 4,
        ("won", "meeting"): 2 / 4,
        ("lost", "call"): 2 / 3,
        ("lost", "email"): 1 / 3,
        ("lost", "meeting"): 1 / 3,
    }
    assert list(result.by_type.columns) == ["outcome", "type", "per_deal"]
    assert TOUCH_TYPES == ("call", "email", "meeting")


def test_a_deal_counts_for_its_owners_team_whoever_logged_the_touch() -> None:
    # t22, e1's (East) call on West's W1, is West's; the SDR's t03 on D1 is East's. All teams:
    # won 0, 1, 2, 3, 6 -> median 2, mean 12 / 5
    west = touches_per_deal(tables(), Q3, "West")
    assert (west.won_deals, west.lost_deals, west.median_won, west.median_lost) == (1, 0, 1.0, None)
    assert (west.mean_lost, west.touches) == (None, 1)
    assert touches_per_deal(tables(), Q3, "SDR").won_deals == 0
    every = touches_per_deal(tables(), Q3)
    assert (every.won_deals, every.median_won, every.mean_won) == (5, 2.0, 12 / 5)
    assert every.touches == 16


def test_an_empty_quarter_has_no_deals_and_no_medians() -> None:
    result = touches_per_deal(tables(), Q1)
    assert (result.won_deals, result.lost_deals, result.touches) == (0, 0, 0)
    assert (result.median_won, result.median_lost, result.mean_won, result.mean_lost) == (
        None,
        None,
        None,
        None,
    )
    assert result.distribution.empty and result.by_segment.empty
    assert len(result.by_type) == 6 and result.by_type["per_deal"].isna().all()
    # deals but no activity at all: every deal counts, with 0 touches
    bare = touches_per_deal(tables([]), Q3, "East")
    assert (bare.won_deals, bare.median_won, bare.won_without_touches) == (4, 0.0, 4)
    assert _histogram(bare.distribution) == [("won", 0, 4), ("lost", 0, 3)]


def test_touches_trend_gives_each_quarter_in_order_from_one_query() -> None:
    # 2026Q1: nothing; 2026Q2: D6 won with t21 -> 1; 2026Q3 as above
    frame = touches_trend(tables(), [Q1, Q2, Q3], "East")
    assert list(frame.columns) == [
        "quarter",
        "won_deals",
        "median_won",
        "lost_deals",
        "median_lost",
    ]
    assert list(frame["quarter"]) == ["2026Q1", "2026Q2", "2026Q3"]
    assert list(frame["won_deals"]) == [0, 1, 4] and list(frame["lost_deals"]) == [0, 0, 3]
    assert frame["median_won"].tolist()[1:] == [1.0, 2.5]
    assert frame["median_lost"].tolist()[2] == 1.0
    assert frame[["median_won", "median_lost"]].iloc[0].isna().all()
    for row in frame.itertuples():
        alone = touches_per_deal(tables(), Quarter.parse(row.quarter), "East")
        assert (row.won_deals, row.lost_deals) == (alone.won_deals, alone.lost_deals)
    assert touches_trend(tables(), []).empty


@pytest.mark.parametrize("won", range(1, 10))
def test_medians_and_means_equal_numpys(won: int) -> None:
    # ``won`` won and ``won + 1`` lost deals with random touch counts: odd and even counts
    rng = random.Random(won)
    deals, activities = [], []
    for outcome, count in (("Closed Won", won), ("Closed Lost", won + 1)):
        for k in range(count):
            deal_id = f"{outcome[7]}{k}"
            deals.append(deal(deal_id, "e1", "2026-07-01 00:00", "2026-09-01", outcome))
            for n in range(rng.randrange(0, 7)):
                at = datetime(2026, 7, 2) + timedelta(hours=n)
                activities.append(
                    _activity(len(activities), rng.choice(TOUCH_TYPES), at.isoformat(), deal_id)
                )
    crm_tables = crm(REPS, deals)
    crm_tables["activities"] = table("activities", activities)
    result = touches_per_deal(crm_tables, Q3)
    per_deal = pd.Series([a["opportunity_id"] for a in activities]).value_counts()
    for outcome, median, mean in (
        ("W", result.median_won, result.mean_won),
        ("L", result.median_lost, result.mean_lost),
    ):
        counts = [int(per_deal.get(d["opportunity_id"], 0)) for d in deals]
        counts = [
            c for c, d in zip(counts, deals, strict=True) if d["opportunity_id"][0] == outcome
        ]
        assert median == statistics.median(counts) == np.median(counts)
        assert mean == np.mean(counts)


# ---- attribution ------------------------------------------------------------------------------

# Account K: K1 lost (Mar 1 to May 1), K2 open since Apr 1, K3 open since Apr 20, K4 created
# Jun 1. Account M: M1 created Jun 15, won Jul 10 (its close day ends Jul 11 00:00). Account N:
# N1 lost Mar 10 (ends Mar 11 00:00), N2 created Mar 20. Account P: P2 and P1 created together.
# Account Q: East's Q1 open, West's Q2 created later.
ACCOUNT_DEALS = [
    deal("K1", "e1", "2026-03-01 00:00", "2026-05-01", "Closed Lost", account_id="K"),
    deal("K2", "e1", "2026-04-01 00:00", "2026-12-31", "Proposal", account_id="K"),
    deal("K3", "e1", "2026-04-20 00:00", "2026-12-31", "Proposal", account_id="K"),
    deal("K4", "e1", "2026-06-01 00:00", "2026-12-31", "Proposal", account_id="K"),
    deal("M1", "e1", "2026-06-15 00:00", "2026-07-10", "Closed Won", account_id="M"),
    deal("N1", "e1", "2026-02-01 00:00", "2026-03-10", "Closed Lost", account_id="N"),
    deal("N2", "e1", "2026-03-20 00:00", "2026-12-31", "Proposal", account_id="N"),
    deal("P2", "e1", "2026-05-10 00:00", "2026-12-31", "Proposal", account_id="P"),
    deal("P1", "e1", "2026-05-10 00:00", "2026-12-31", "Proposal", account_id="P"),
    deal("Q1", "e1", "2026-05-01 00:00", "2026-12-31", "Proposal", account_id="Q"),
    deal("Q2", "w1", "2026-05-21 00:00", "2026-12-31", "Proposal", account_id="Q"),
]


def _attributed(activities: list[tuple], team: str = "all") -> dict[str, tuple]:
    """activity id -> (deal_id, attributed_by), for (id, occurred_at, account, deal) rows."""
    rows = [
        {
            "activity_id": name,
            "rep_id": "e1",
            "type": "call",
            "occurred_at": at,
            "account_id": account,
            "opportunity_id": deal_id,
        }
        for name, at, account, deal_id in activities
    ]
    crm_tables = crm(REPS, ACCOUNT_DEALS)
    crm_tables["activities"] = table("activities", rows)
    frame = attributed_activities(crm_tables, team).execute()
    frame = frame.astype(object).where(frame.notna(), None)
    return {r.activity_id: (r.deal_id, r.attributed_by) for r in frame.itertuples()}


def test_an_account_activity_goes_to_the_deal_open_then_the_latest_created_first() -> None:
    found = _attributed(
        [
            # K1 (since Mar 1) and K2 (since Apr 1) open: K2, created nearer
            ("x1", "2026-04-10 00:00", "K", None),
            # K1, K2 and K3 open: K3 (Apr 20)
            ("x2", "2026-04-25 00:00", "K", None),
            # K2, K3 open; K4 is created half a day later, nearer, but not open yet: K3
            ("x3", "2026-05-31 12:00", "K", None),
            # on K1's close day, late: K1 is still open, but K2 and K3, open too, are newer
            ("x4", "2026-05-01 23:59", "K", None),
        ]
    )
    assert found == {
        "x1": ("K2", "account"),
        "x2": ("K3", "account"),
        "x3": ("K3", "account"),
        "x4": ("K3", "account"),
    }


def test_the_14_day_windows_before_a_deal_opens_and_after_it_closes_include_their_ends() -> None:
    assert ACCOUNT_WINDOW_DAYS == 14
    found = _attributed(
        [
            # M1 is created Jun 15 00:00: 14 days after Jun 1 00:00 (in), not a second earlier
            ("y1", "2026-06-01 00:00:00", "M", None),
            ("y2", "2026-05-31 23:59:59", "M", None),
            # M1 closed Jul 10; its close day counts as open; it ended Jul 11 00:00, and 14 days
            # after that is Jul 25 00:00 (in), a second later is out
            ("y3", "2026-07-10 23:59:00", "M", None),
            ("y4", "2026-07-25 00:00:00", "M", None),
            ("y5", "2026-07-25 00:00:01", "M", None),
        ]
    )
    assert found == {
        "y1": ("M1", "account"),
        "y2": (None, None),
        "y3": ("M1", "account"),
        "y4": ("M1", "account"),
        "y5": (None, None),
    }


def test_between_a_closed_deal_and_one_about_to_open_the_nearest_wins_then_the_smallest_id() -> (
    None
):
    found = _attributed(
        [
            # N1's close day ended Mar 11 00:00, N2 opens Mar 20 00:00
            ("z1", "2026-03-14 00:00", "N", None),  # 3 days after N1, 6 before N2: N1
            ("z2", "2026-03-17 00:00", "N", None),  # 6 after N1, 3 before N2: N2
            # P1 and P2, created together 5 days later: the smallest id; both open: the same
            ("z3", "2026-05-05 00:00", "P", None),
            ("z4", "2026-05-20 00:00", "P", None),
        ]
    )
    assert found == {
        "z1": ("N1", "account"),
        "z2": ("N2", "account"),
        "z3": ("P1", "account"),
        "z4": ("P1", "account"),
    }


def test_a_named_deal_comes_first_and_an_activity_without_deal_or_account_has_none() -> None:
    found = _attributed(
        [
            ("n1", "2026-05-31 12:00", "K", "K1"),  # names K1 (closed then): K1, by "deal"
            ("n2", "2026-05-31 12:00", None, "K4"),  # before K4 was created: still K4
            ("n3", "2026-05-31 12:00", None, None),
            ("n4", "2026-05-31 12:00", "nobody", None),  # an account without deals
        ]
    )
    assert found == {
        "n1": ("K1", "deal"),
        "n2": ("K4", "deal"),
        "n3": (None, None),
        "n4": (None, None),
    }


def test_an_account_activity_counts_for_one_deal_whatever_the_team() -> None:
    # Q1 (East) is open on May 20; West's Q2, created the next day, is nearer but not open: the
    # activity is East's, and West's table does not have it. The activity without a deal is in
    # the all-teams table only.
    rows = [("q1", "2026-05-20 00:00", "Q", None), ("q2", "2026-05-20 00:00", None, None)]
    assert _attributed(rows) == {"q1": ("Q1", "account"), "q2": (None, None)}
    assert _attributed(rows, "East") == {"q1": ("Q1", "account")}
    assert _attributed(rows, "West") == {}


def test_touches_need_the_activities_table() -> None:
    for call in (
        lambda: attributed_activities(tables(None)),
        lambda: touches_per_deal(tables(None), Q3),
        lambda: touches_trend(tables(None), [Q3]),
    ):
        with pytest.raises(MissingTableError) as raised:
            call()
        assert raised.value.table == "activities"
        assert raised.value.section == "Touches per deal"


def test_every_query_compiles_for_postgres_and_spark(portable_queries: None) -> None:
    crm_tables = tables()
    assert touches_per_deal(crm_tables, Q3, "East").won_deals == 4
    assert len(touches_trend(crm_tables, [Q2, Q3])) == 2
    assert len(attributed_activities(crm_tables, "East").execute()) == 21  # all but t22, t23
