"""Stage durations and stalled deals on a hand-built CRM whose thresholds are worked out by hand
and checked against numpy; then on the demo against stays recomputed in pandas."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import ibis
import numpy as np
import pandas as pd
import pytest
from tiny_crm import crm, deal, rep, step

from salesops.metrics import MissingTableError
from salesops.metrics.stalls import MIN_EXITS, stage_durations, stalled_deals
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")  # as of 2026-10-01; the 4 quarters before: 2025-07-01 to 2026-07-01
OPEN_STAGES = ["Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation"]

# East's stays that ended in the window. Prospecting (p1..p6): 1.5, 2.25, 3, 7, 10.5, 12 days;
# Qualification (p1..p5): 10, 20, 30, 40, 50 days; Discovery (p1, p2): 3, 4 days.
PROSPECTING = [1.5, 2.25, 3.0, 7.0, 10.5, 12.0]
QUALIFICATION = [10.0, 20.0, 30.0, 40.0, 50.0]
DISCOVERY = [3.0, 4.0]
WEST_QUALIFICATION = [5.0, 6.0, 7.0, 8.0, 9.0]  # w1..w5: Qualification, then lost
START = datetime(2026, 1, 5)


def _past(opportunity_id: str, rep_id: str, days: list[float]) -> tuple[dict, list[dict]]:
    """A deal lost after staying ``days`` in the open stages in order from START."""
    at, history = START, []
    for stage, length in zip(OPEN_STAGES, days, strict=False):
        history.append(step(opportunity_id, stage, at.isoformat()))
        at += timedelta(days=length)
    history.append(step(opportunity_id, "Closed Lost", at.isoformat()))
    created = START.date().isoformat()
    return deal(opportunity_id, rep_id, created, at.date().isoformat(), "Closed Lost"), history


PAST = [
    _past("p1", "e1", [PROSPECTING[0], QUALIFICATION[0], DISCOVERY[0]]),
    _past("p2", "e1", [PROSPECTING[1], QUALIFICATION[1], DISCOVERY[1]]),
    _past("p3", "e2", [PROSPECTING[2], QUALIFICATION[2]]),
    _past("p4", "e2", [PROSPECTING[3], QUALIFICATION[3]]),
    _past("p5", "e2", [PROSPECTING[4], QUALIFICATION[4]]),
    _past("p6", "e2", [PROSPECTING[5]]),
]
REPS = [rep("e1", "East"), rep("e2", "East"), rep("w1", "West")]
DEALS = [
    *(past for past, _ in PAST),
    # a stay that ended before the window (59 days in Prospecting until 2025-03-01)
    deal("old", "e1", "2025-01-01", "2025-03-01", "Closed Lost"),
    # open on 2026-10-01 (the comment: days in stage then)
    deal("s1", "e1", "2026-08-22", "2026-11-30", "Qualification", 100),  # 40 exactly
    deal("s2", "e2", "2026-08-01", "2026-11-30", "Qualification", 200),  # 40.5
    deal("s3", "e1", "2026-09-20", "2026-11-30", "Prospecting", 300),  # 11
    deal("s4", "e2", "2026-09-25", "2026-11-30", "Prospecting", 400),  # 6
    deal("s5", "e1", "2026-01-01", "2026-11-30", "Discovery", 500),  # 273: no threshold
    deal("s6", "e2", "2026-06-01", "2026-11-30", "Proposal", 600),  # no history
    deal("s7", "e1", "2026-06-01", "2026-10-20", "Closed Won", 700),  # won later: unknown stage
    deal("s8", "e1", "2026-07-05", "2026-09-01", "Closed Won", 800),  # closed: not open
    deal("w1", "w1", "2026-09-01", "2026-11-30", "Qualification", 1000),  # 30
    deal("w2", "w1", "2026-09-01", "2026-11-30", "Prospecting", 2000),  # 30
    *(
        deal(f"w{n}p", "w1", "2026-01-05", "2026-02-01", "Closed Lost")
        for n in range(1, len(WEST_QUALIFICATION) + 1)
    ),
]
HISTORY = [
    *(row for _, history in PAST for row in history),
    step("old", "Prospecting", "2025-01-01 00:00"),
    step("old", "Closed Lost", "2025-03-01 00:00"),
    step("s1", "Qualification", "2026-08-22 00:00"),
    # its Prospecting stay (20.5 days) ended after the window: not counted
    step("s2", "Prospecting", "2026-08-01 00:00"),
    step("s2", "Qualification", "2026-08-21 12:00"),
    step("s3", "Prospecting", "2026-09-20 00:00"),
    step("s4", "Prospecting", "2026-09-25 00:00"),
    step("s5", "Discovery", "2026-01-01 00:00"),
    step("s8", "Prospecting", "2026-07-05 00:00"),
    step("s8", "Closed Won", "2026-09-01 00:00"),
    step("w1", "Qualification", "2026-09-01 00:00"),
    step("w2", "Prospecting", "2026-09-01 00:00"),
    *(
        row
        for n, days in enumerate(WEST_QUALIFICATION, start=1)
        for row in (
            step(f"w{n}p", "Qualification", START.isoformat()),
            step(f"w{n}p", "Closed Lost", (START + timedelta(days=days)).isoformat()),
        )
    ),
]


def tables(with_history: bool = True) -> dict[str, ibis.Table]:
    return crm(REPS, DEALS, history=HISTORY if with_history else None)


def _by_stage(frame: pd.DataFrame, *columns: str) -> dict[str, tuple]:
    return {row["stage"]: tuple(row[c] for c in columns) for _, row in frame.iterrows()}


def test_stage_durations_by_hand_and_against_numpy() -> None:
    # East, window 2025-07-01 to 2026-07-01. Prospecting: 6 stays, position 0.75 * 5 = 3.75:
    # 7 + 0.75 * (10.5 - 7) = 9.625; median at 2.5: 3 + 0.5 * (7 - 3) = 5. Qualification: 5
    # stays, position 3: 40; median 30. Discovery: 2 stays, position 0.75: 3 + 0.75 = 3.75,
    # median 3.5. The "old" stay (ended 2025-03-01) and s2's (ended 2026-08-21) are outside.
    frame = stage_durations(tables(), Q3, team="East")
    assert list(frame.columns) == ["stage", "sort_order", "exits", "p75_days", "median_days"]
    assert list(frame["stage"]) == OPEN_STAGES
    assert _by_stage(frame.iloc[:3], "exits", "p75_days", "median_days") == {
        "Prospecting": (6, 9.625, 5.0),
        "Qualification": (5, 40.0, 30.0),
        "Discovery": (2, 3.75, 3.5),
    }
    # no stays: no percentile
    assert list(frame["exits"].iloc[3:]) == [0, 0]
    assert frame[["p75_days", "median_days"]].iloc[3:].isna().all().all()
    for stage, days in {"Prospecting": PROSPECTING, "Qualification": QUALIFICATION}.items():
        row = frame.set_index("stage").loc[stage]
        assert row["p75_days"] == np.percentile(days, 75)
        assert row["median_days"] == np.percentile(days, 50)


def test_stage_durations_pool_every_team_for_all() -> None:
    # Qualification for all: 5, 6, 7, 8, 9, 10, 20, 30, 40, 50; position 0.75 * 9 = 6.75:
    # 20 + 0.75 * (30 - 20) = 27.5. West alone: 5..9, position 3: 8
    every = stage_durations(tables(), Q3).set_index("stage")
    west = stage_durations(tables(), Q3, team="West").set_index("stage")
    assert every.loc["Qualification", "exits"] == 10
    assert every.loc["Qualification", "p75_days"] == 27.5
    assert every.loc["Prospecting", "p75_days"] == 9.625
    assert (west.loc["Qualification", "exits"], west.loc["Qualification", "p75_days"]) == (5, 8.0)
    assert west.loc["Prospecting", "exits"] == 0


@pytest.mark.parametrize("n", range(1, 10))
def test_percentiles_equal_numpys_for_every_position(n: int) -> None:
    # n stays of random lengths to the second: positions 0.75 (n - 1) fall on every quarter
    rng = random.Random(n)
    lengths = [rng.randrange(1, 90 * 86_400) for _ in range(n)]
    deals, history = [], []
    for k, seconds in enumerate(lengths):
        entered = datetime(2026, 1, 1) + timedelta(hours=k)
        deals.append(deal(f"r{k}", "e1", "2026-01-01", "2026-06-30", "Closed Lost"))
        history += [
            step(f"r{k}", "Proposal", entered.isoformat()),
            step(f"r{k}", "Closed Lost", (entered + timedelta(seconds=seconds)).isoformat()),
        ]
    frame = stage_durations(crm(REPS, deals, history=history), Q3).set_index("stage")
    days = [seconds / 86_400 for seconds in lengths]
    assert frame.loc["Proposal", "exits"] == n
    assert frame.loc["Proposal", "p75_days"] == np.percentile(days, 75)
    assert frame.loc["Proposal", "median_days"] == np.percentile(days, 50)


def test_stalled_deals_of_a_team_by_hand() -> None:
    # East on 2026-10-01. Thresholds: Prospecting 9.625, Qualification 40; Discovery (2 exits),
    # Proposal and Negotiation (0) have none. s1: 40 days in Qualification, exactly the p75:
    # not stalled (strictly greater). s2: 40.5 > 40 stalled (200). s3: 11 > 9.625 stalled (300).
    # s4: 6, not stalled. s5: Discovery, not judged. s6: no history, s7: won after the day with
    # no history (unknown stage), not judged. s8 closed before. Open: s1..s7 = 2800; stalled
    # 500: 500 / 2800 = 5/28
    result = stalled_deals(tables(), Q3, team="East")
    assert (result.quarter, result.team, result.as_of) == ("2026Q3", "East", date(2026, 10, 1))
    assert (result.deals, result.amount) == (2, 500)
    assert (result.open_deals, result.open_amount) == (7, 2800)
    assert result.share_of_open_amount == 5 / 28
    assert result.stages_without_threshold == 3 and MIN_EXITS == 5
    assert (result.deals_without_threshold, result.deals_without_history) == (1, 2)
    assert list(result.top.columns) == [
        "opportunity_id",
        "rep_name",
        "team",
        "stage",
        "days_in_stage",
        "p75_days",
        "amount",
        "close_date",
    ]
    top = [
        (r.opportunity_id, r.stage, r.days_in_stage, r.p75_days, r.amount)
        for r in result.top.itertuples()
    ]
    assert top == [
        ("s3", "Prospecting", 11.0, 9.625, 300),
        ("s2", "Qualification", 40.5, 40.0, 200),
    ]
    assert result.thresholds.equals(stage_durations(tables(), Q3, team="East"))


def test_stalled_deals_by_stage_and_by_rep() -> None:
    # by stage: Prospecting s3, s4 (s3 stalled, 300); Qualification s1, s2 (s2, 200); Discovery
    # s5; Proposal s6 (its current stage); no threshold: NaN. By rep: e1 open s1 s3 s5 s7 = 1600,
    # stalled s3 300; e2 open s2 s4 s6 = 1200, stalled s2 200
    result = stalled_deals(tables(), Q3, team="East")
    stages = result.by_stage
    assert list(stages.columns) == [
        "stage",
        "sort_order",
        "p75_days",
        "open_deals",
        "stalled_deals",
        "stalled_amount",
    ]
    assert list(stages["stage"]) == OPEN_STAGES
    assert _by_stage(stages, "open_deals", "stalled_deals", "stalled_amount") == {
        "Prospecting": (2, 1, 300),
        "Qualification": (2, 1, 200),
        "Discovery": (1, 0, 0),
        "Proposal": (1, 0, 0),
        "Negotiation": (0, 0, 0),
    }
    assert list(stages["p75_days"].iloc[:2]) == [9.625, 40.0]
    assert stages["p75_days"].iloc[2:].isna().all()
    assert result.by_rep.to_dict("records") == [
        {
            "rep_id": "e1",
            "rep_name": "Rep e1",
            "team": "East",
            "stalled_deals": 1,
            "stalled_amount": 300.0,
            "open_amount": 1600.0,
        },
        {
            "rep_id": "e2",
            "rep_name": "Rep e2",
            "team": "East",
            "stalled_deals": 1,
            "stalled_amount": 200.0,
            "open_amount": 1200.0,
        },
    ]


def test_each_team_is_held_to_its_own_thresholds() -> None:
    # all teams: Qualification 27.5 (pooled), Prospecting 9.625: s1 (40 > 27.5) is stalled now,
    # with s2, s3, w1 (30 > 27.5) and w2 (30 > 9.625): 100 + 200 + 300 + 1000 + 2000 = 3600 of
    # 2800 + 3000 = 5800 open. West alone: Qualification 8, so w1 (30) stalled; West has no
    # Prospecting stays, so w2 is not judged
    every = stalled_deals(tables(), Q3)
    assert (every.deals, every.amount, every.open_deals, every.open_amount) == (5, 3600, 9, 5800)
    assert set(every.top["opportunity_id"]) == {"s1", "s2", "s3", "w1", "w2"}
    west = stalled_deals(tables(), Q3, team="West")
    assert (west.deals, west.amount, west.open_deals, west.open_amount) == (1, 1000, 2, 3000)
    assert (west.stages_without_threshold, west.deals_without_threshold) == (4, 1)
    assert list(west.top["opportunity_id"]) == ["w1"]
    assert list(stalled_deals(tables(), Q3, top=2).top["opportunity_id"]) == ["w2", "w1"]


def test_as_of_moves_the_day_deals_are_judged() -> None:
    # on 2026-09-30 (midnight starting it): s2 has 39.5 days (not stalled), s3 10 (> 9.625)
    result = stalled_deals(tables(), Q3, team="East", as_of=date(2026, 9, 30))
    assert result.as_of == date(2026, 9, 30)
    assert list(result.top["opportunity_id"]) == ["s3"]
    assert result.top["days_in_stage"].tolist() == [10.0]


def test_stalled_deals_need_stage_history() -> None:
    with pytest.raises(MissingTableError) as raised:
        stalled_deals(tables(with_history=False), Q3)
    assert raised.value.table == "stage_history" and raised.value.section == "Stalled deals"
    with pytest.raises(MissingTableError):
        stage_durations(tables(with_history=False), Q3)


# --- the demo: one team, one quarter ---

TEAM = "SMB"


def test_on_the_demo_thresholds_are_numpys_and_stalled_deals_are_open_ones(
    frames: dict[str, pd.DataFrame], demo_tables: dict[str, ibis.Table]
) -> None:
    result = stalled_deals(demo_tables, Q3, team=TEAM)
    assert 0 < result.deals <= result.open_deals
    assert 0 < result.amount <= result.open_amount
    assert result.by_stage["stalled_deals"].sum() == result.deals
    assert result.by_rep["stalled_amount"].sum() == pytest.approx(result.amount, rel=1e-12)
    assert (result.top["days_in_stage"] > result.top["p75_days"]).all()

    # the stays recomputed in pandas: the team's history rows in time (then stage) order, each
    # lasting until the deal's next row, ended between 2025-07-01 and 2026-07-01
    reps = frames["reps"].loc[frames["reps"]["team"] == TEAM, "rep_id"]
    deals = frames["opportunities"].loc[frames["opportunities"]["rep_id"].isin(reps)]
    stages = frames["stages"].set_index("stage")
    history = frames["stage_history"]
    history = history[history["opportunity_id"].isin(deals["opportunity_id"])]
    history = history.assign(order=history["stage"].map(stages["sort_order"]))
    history = history.sort_values(["opportunity_id", "entered_at", "order", "stage"])
    ended = history.groupby("opportunity_id")["entered_at"].shift(-1)
    start, end = pd.Timestamp(Q3.previous(4).start), pd.Timestamp(Q3.start)
    stays = history.assign(days=(ended - history["entered_at"]).dt.total_seconds() / 86_400)
    stays = stays[~stays["stage"].map(stages["is_closed"]) & (ended >= start) & (ended < end)]
    for row in result.thresholds.itertuples():
        days = stays.loc[stays["stage"] == row.stage, "days"].to_numpy()
        assert row.exits == len(days) >= MIN_EXITS
        assert row.p75_days == np.percentile(days, 75)
        assert row.median_days == np.percentile(days, 50)
