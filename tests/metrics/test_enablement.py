"""Enablement on a hand-built CRM: who shared content, and the win rates of deals with and
without it, worked out in the comments.

2026Q3 runs Jul 1 to Oct 1. East's deals closed in it, and the content shared on them:

    C1 won   created Jul 1, closed Aug 1    deck shared Jul 5              with
    C2 won   created Jul 1, closed Aug 10   case shared Aug 10, 23:00      with (its close day)
    C3 lost  created Jul 1, closed Aug 15   deck shared Aug 16; viewed     without (after; a view)
    C4 lost  created Jun 1, closed Jul 10   case shared Jun 15             with (in its life)
    C5 won   created Jul 1, closed Sep 1    nothing                        without
    C6 lost  created Jul 5, closed Sep 5    deck shared Jul 4              without (before)
    C7 won   created Jul 1, closed Sep 10   deck shared by s9              with (anyone's share)

With content: 4 deals, 3 won (75 %); without: 3 deals, 1 won (1/3). s9 shares but has no quota
and no deal: not an active rep. West: W1 won with battle shared, W2 lost without.
"""

from __future__ import annotations

import math

import ibis
import pytest
from statsmodels.stats.proportion import proportions_ztest
from tiny_crm import crm, deal, rep, table

from salesops.metrics import MissingTableError
from salesops.metrics.enablement import TOP_ASSETS, enablement
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")
REPS = [rep("e1"), rep("e2"), rep("e3"), rep("s9", role="SDR"), rep("w1", "West")]
QUOTAS = [
    {"rep_id": name, "quarter_start": "2026-07-01", "quota": 1000.0}
    for name in ("e1", "e2", "e3", "w1")
]
DEALS = [
    deal("C1", "e1", "2026-07-01 00:00", "2026-08-01", "Closed Won"),
    deal("C2", "e1", "2026-07-01 00:00", "2026-08-10", "Closed Won"),
    deal("C3", "e2", "2026-07-01 00:00", "2026-08-15", "Closed Lost"),
    deal("C4", "e2", "2026-06-01 00:00", "2026-07-10", "Closed Lost"),
    deal("C5", "e2", "2026-07-01 00:00", "2026-09-01", "Closed Won"),
    deal("C6", "e1", "2026-07-05 00:00", "2026-09-05", "Closed Lost"),
    deal("C7", "e1", "2026-07-01 00:00", "2026-09-10", "Closed Won"),
    deal("C8", "e1", "2026-07-01 00:00", "2026-12-01", "Proposal"),  # open
    deal("W1", "w1", "2026-07-01 00:00", "2026-08-01", "Closed Won"),
    deal("W2", "w1", "2026-07-01 00:00", "2026-08-01", "Closed Lost"),
]


def _event(rep_id: str, asset: str, at: str, deal_id: str | None, event: str = "share") -> dict:
    return {
        "rep_id": rep_id,
        "asset_id": asset,
        "event": event,
        "occurred_at": at,
        "opportunity_id": deal_id,
    }


EVENTS = [
    _event("e1", "deck", "2026-07-05 10:00", "C1"),
    _event("e1", "case", "2026-08-10 23:00", "C2"),
    _event("e2", "deck", "2026-08-16 10:00", "C3"),
    _event("e2", "deck", "2026-07-10 10:00", "C3", "view"),
    _event("e2", "case", "2026-06-15 10:00", "C4"),  # in 2026Q2: not a share of the quarter
    _event("e1", "deck", "2026-07-04 10:00", "C6"),
    _event("s9", "deck", "2026-07-25 10:00", "C7"),
    _event("e1", "deck", "2026-07-20 10:00", None),  # on no deal
    _event("e1", "deck", "2026-07-21 10:00", "C8"),  # on an open deal
    _event("e3", "deck", "2026-07-22 10:00", None, "view"),  # e3 only viewed
    _event("e1", "old", "2026-01-15 10:00", None),
    _event("w1", "battle", "2026-07-20 10:00", "W1"),
]


def tables(events: list[dict] | None = EVENTS) -> dict[str, ibis.Table]:
    crm_tables = crm(REPS, DEALS, quotas=QUOTAS)
    if events is not None:
        crm_tables["content_events"] = table("content_events", events)
    return crm_tables


def test_win_rates_with_and_without_content_by_hand() -> None:
    result = enablement(tables(), Q3, "East")
    assert (result.quarter, result.team) == ("2026Q3", "East")
    assert (result.deals_with, result.won_with, result.win_rate_with) == (4, 3, 0.75)
    assert (result.deals_without, result.won_without, result.win_rate_without) == (3, 1, 1 / 3)
    assert result.test.rate_a == 0.75 and result.test.rate_b == 1 / 3
    assert result.test.diff == 0.75 - 1 / 3
    assert result.small_sample_with and result.small_sample_without
    # all teams: W1 joins those with content, W2 those without
    every = enablement(tables(), Q3)
    assert (every.deals_with, every.won_with, every.deals_without, every.won_without) == (
        5,
        4,
        4,
        1,
    )


def test_reps_who_shared_content_and_by_rep() -> None:
    # East's active reps: e1, e2, e3 (s9 has no quota and no deal). Shares in the quarter: e1 Jul
    # 5, Aug 10, Jul 4, Jul 20, Jul 21 = 5; e2 Aug 16 = 1 (Jun 15 is 2026Q2's); e3 only viewed
    result = enablement(tables(), Q3, "East")
    assert (result.active_reps, result.reps_sharing, result.share_of_reps_sharing) == (3, 2, 2 / 3)
    assert list(result.by_rep.columns) == [
        "rep_id",
        "rep_name",
        "team",
        "shares",
        "deals_closed",
        "won",
    ]
    assert [tuple(row) for row in result.by_rep.itertuples(index=False)] == [
        ("e1", "Rep e1", "East", 5, 4, 3),  # C1 C2 C6 C7; C1 C2 C7 won
        ("e2", "Rep e2", "East", 1, 3, 1),  # C3 C4 C5; C5 won
        ("e3", "Rep e3", "East", 0, 0, 0),
    ]


def test_the_most_shared_assets() -> None:
    # deck: shared in the quarter by East's reps on Jul 4, 5, 20, 21, 25 (s9's counts) and Aug 16
    # = 6; on C1 and C7 during their life, both won. case: Aug 10 = 1 (Jun 15 is 2026Q2's); on C2
    # (won) and C4 (lost, shared in its life before the quarter). "old" was shared in January.
    result = enablement(tables(), Q3, "East")
    assert list(result.top_assets.columns) == ["asset_id", "shares", "deals", "won", "win_rate"]
    assert [tuple(row) for row in result.top_assets.itertuples(index=False)] == [
        ("deck", 6, 2, 2, 1.0),
        ("case", 1, 2, 1, 0.5),
    ]
    assert TOP_ASSETS == 20
    assert list(enablement(tables(), Q3, "East", top=1).top_assets["asset_id"]) == ["deck"]
    west = enablement(tables(), Q3, "West").top_assets
    assert [tuple(row) for row in west.itertuples(index=False)] == [("battle", 1, 1, 1, 1.0)]


def test_the_win_rate_test_is_statsmodels_two_proportion_z_test() -> None:
    # 25 deals with content (15 won) and 30 without (9 won): not small samples
    deals, events = [], []
    for k in range(55):
        with_content = k < 25
        won = k < 15 or 25 <= k < 34
        name = f"g{k}"
        stage = "Closed Won" if won else "Closed Lost"
        deals.append(deal(name, "e1", "2026-07-01 00:00", "2026-08-01", stage))
        if with_content:
            events.append(_event("e1", "deck", "2026-07-02 10:00", name))
    crm_tables = crm(REPS, deals, quotas=QUOTAS)
    crm_tables["content_events"] = table("content_events", events)
    result = enablement(crm_tables, Q3)
    assert (result.deals_with, result.won_with, result.deals_without, result.won_without) == (
        25,
        15,
        30,
        9,
    )
    assert not result.small_sample_with and not result.small_sample_without
    stricter = enablement(crm_tables, Q3, small_sample=30)  # 25 deals with content are few
    assert stricter.small_sample_with and not stricter.small_sample_without
    z, p_value = proportions_ztest([15, 9], [25, 30])
    assert result.test.z == pytest.approx(z, rel=1e-12)
    assert result.test.p_value == pytest.approx(p_value, rel=1e-9)
    assert result.test.significant == (p_value < 0.05)
    # East's 3 / 4 against 1 / 3 too
    east = enablement(tables(), Q3, "East")
    z, p_value = proportions_ztest([3, 1], [4, 3])
    assert east.test.z == pytest.approx(z, rel=1e-12)
    assert east.test.p_value == pytest.approx(p_value, rel=1e-9)


def test_an_empty_quarter_has_no_rates() -> None:
    result = enablement(tables(), Quarter.parse("2025Q1"))
    assert (result.active_reps, result.reps_sharing, result.share_of_reps_sharing) == (0, 0, None)
    assert (result.deals_with, result.deals_without) == (0, 0)
    assert (result.win_rate_with, result.win_rate_without) == (None, None)
    assert math.isnan(result.test.p_value) and not result.test.significant
    assert result.top_assets.empty and result.by_rep.empty
    # content but no deal shared on: every deal is without
    bare = enablement(tables([]), Q3, "East")
    assert (bare.deals_with, bare.deals_without, bare.won_without) == (0, 7, 4)
    assert bare.reps_sharing == 0 and bare.top_assets.empty


def test_enablement_needs_content_events() -> None:
    with pytest.raises(MissingTableError) as raised:
        enablement(tables(None), Q3)
    assert (raised.value.table, raised.value.section) == ("content_events", "Enablement")


def test_every_query_compiles_for_postgres_and_spark(portable_queries: None) -> None:
    result = enablement(tables(), Q3, "East")
    assert (result.deals_with, result.reps_sharing, len(result.top_assets)) == (4, 2, 2)
