"""Deal states as of a day, and pipeline coverage, on hand-built CRMs."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from tiny_crm import crm, deal, rep, step

from salesops.metrics import MissingTableError
from salesops.metrics.pipeline import UNKNOWN_STAGE, deal_snapshots, pipeline_coverage
from salesops.periods import Quarter

Q2 = Quarter.parse("2026Q2")

REPS = [rep("r1", "East"), rep("r2", "West")]
SNAPSHOT_DEALS = [
    deal(
        "o1", "r1", "2026-01-02 09:00", "2026-03-20", "Closed Won", 90, forecast_category="closed"
    ),
    deal("o2", "r1", "2026-01-05 10:00", "2026-06-30", "Discovery", 40),
    deal("o3", "r2", "2026-01-10 08:00", "2026-03-01", "Closed Lost", 70),
    deal("o4", "r2", "2026-03-01 08:00", "2026-05-01", "Prospecting", 10),
]
HISTORY = [
    step(
        "o1",
        "Prospecting",
        "2026-01-02 09:00",
        amount=50.0,
        close_date="2026-03-15",
        forecast_category="pipeline",
    ),
    step(
        "o1",
        "Proposal",
        "2026-02-10 09:00",
        amount=80.0,
        close_date="2026-03-20",
        forecast_category="commit",
    ),
    step("o1", "Closed Won", "2026-03-20 17:00"),  # amount, close date, category: the deal's own
    step("o2", "Qualification", "2026-01-05 10:00"),
    step("o2", "Discovery", "2026-01-05 10:00"),  # same instant: the later stage wins the tie
]


def _states(tables: dict, days: list[date]) -> pd.DataFrame:
    frame = deal_snapshots(tables, days).execute()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    frame["close_date"] = pd.to_datetime(frame["close_date"]).dt.date
    return frame.set_index(["opportunity_id", "as_of"]).sort_index()


def test_snapshot_takes_the_latest_history_row_before_the_day() -> None:
    tables = crm(REPS, SNAPSHOT_DEALS, history=HISTORY)
    states = _states(tables, [date(2026, 2, 10), date(2026, 2, 11), date(2026, 4, 1)])
    # on Feb 10 (midnight) the Proposal entry of 09:00 has not happened: still Prospecting
    feb10 = states.loc[("o1", date(2026, 2, 10))]
    assert (feb10["stage"], feb10["amount"], feb10["forecast_category"]) == (
        "Prospecting",
        50,
        "pipeline",
    )
    assert feb10["close_date"] == date(2026, 3, 15) and feb10["is_open"]
    feb11 = states.loc[("o1", date(2026, 2, 11))]
    assert (feb11["stage"], feb11["amount"], feb11["forecast_category"]) == (
        "Proposal",
        80,
        "commit",
    )
    # on Apr 1 the won row has no amount or close date: the deal's current ones fill in
    apr1 = states.loc[("o1", date(2026, 4, 1))]
    assert apr1["is_won"] and not apr1["is_open"] and apr1["amount"] == 90
    assert apr1["close_date"] == date(2026, 3, 20) and apr1["from_history"]


def test_snapshot_breaks_a_tie_in_time_by_sort_order() -> None:
    states = _states(crm(REPS, SNAPSHOT_DEALS, history=HISTORY), [date(2026, 2, 1)])
    assert states.loc[("o2", date(2026, 2, 1)), "stage"] == "Discovery"


def test_a_deal_without_history_takes_its_current_values() -> None:
    # o3 has no history: lost on Mar 1, so open at an unknown stage on Feb 1 and lost on Apr 1
    states = _states(
        crm(REPS, SNAPSHOT_DEALS, history=HISTORY), [date(2026, 2, 1), date(2026, 4, 1)]
    )
    feb1 = states.loc[("o3", date(2026, 2, 1))]
    assert feb1["is_open"] and not feb1["is_won"] and feb1["stage"] == UNKNOWN_STAGE
    assert pd.isna(feb1["sort_order"])
    assert not feb1["from_history"]
    apr1 = states.loc[("o3", date(2026, 4, 1))]
    assert not apr1["is_open"] and not apr1["is_won"] and apr1["stage"] == "Closed Lost"


def test_a_deal_created_after_the_day_is_not_in_its_snapshot() -> None:
    states = _states(crm(REPS, SNAPSHOT_DEALS, history=HISTORY), [date(2026, 2, 1)])
    assert "o4" not in states.index.get_level_values("opportunity_id")


def test_without_stage_history_every_deal_takes_its_current_values() -> None:
    states = _states(crm(REPS, SNAPSHOT_DEALS), [date(2026, 2, 11), date(2026, 4, 1)])
    before = states.loc[("o1", date(2026, 2, 11))]  # won on Mar 20: open on Feb 11, stage unknown
    assert before["is_open"] and not before["is_won"] and before["stage"] == "unknown stage"
    after = states.loc[("o1", date(2026, 4, 1))]
    assert after["is_won"] and after["amount"] == 90 and not after["from_history"]


COVERAGE_DEALS = [
    deal("p1", "r1", "2026-03-01", "2026-05-15", "Proposal", 400),  # in Q2 pipeline
    deal("p2", "r1", "2026-03-01", "2026-07-15", "Negotiation", 300),  # closes in Q3: out
    deal("p3", "r2", "2026-03-10", "2026-04-20", "Closed Won", 200),  # open on Apr 1, won Apr 20
    deal("p4", "r1", "2026-04-05", "2026-06-01", "Discovery", 999),  # created after Apr 1
    # the four quarters before Q2 (2025Q2-2026Q1): 2 won of 4, 200 won of 600 closed
    deal("h1", "r1", "2025-04-01", "2025-06-10", "Closed Won", 100),
    deal("h2", "r1", "2025-04-01", "2025-09-10", "Closed Lost", 300),
    deal("h3", "r2", "2025-04-01", "2026-02-01", "Closed Lost", 100),
    deal("h4", "r2", "2025-04-01", "2026-03-31", "Closed Won", 100),
    deal("h5", "r1", "2025-01-01", "2025-03-31", "Closed Won", 1000),  # 2025Q1: too early
]
QUOTAS = [
    {"rep_id": "r1", "quarter_start": "2026-04-01", "quota": 1000.0},
    {"rep_id": "r2", "quarter_start": "2026-04-01", "quota": 150.0},
]


def test_coverage_at_the_quarter_start_by_hand() -> None:
    # pipeline on Apr 1 closing in Q2: p1 400 + p3 200 = 600; quota 1150, nothing booked yet
    # coverage = 600 / 1150; trailing win rate 2 / 4 = 0.5, so 2x is required
    coverage = pipeline_coverage(crm(REPS, COVERAGE_DEALS, quotas=QUOTAS), Q2)
    assert (coverage.pipeline, coverage.pipeline_deals, coverage.quota) == (600, 2, 1150)
    assert (coverage.booked, coverage.gap) == (0, 1150)
    assert coverage.coverage == pytest.approx(600 / 1150)
    assert (coverage.win_rate, coverage.win_rate_deals, coverage.required_coverage) == (0.5, 4, 2.0)
    assert coverage.basis == "opportunities" and coverage.as_of == date(2026, 4, 1)


def test_coverage_mid_quarter_subtracts_what_is_booked() -> None:
    # on May 1: p3 (200) is booked; open in Q2: p1 400 + p4 999; gap 1150 - 200 = 950
    coverage = pipeline_coverage(
        crm(REPS, COVERAGE_DEALS, quotas=QUOTAS), Q2, as_of=date(2026, 5, 1)
    )
    assert (coverage.booked, coverage.pipeline, coverage.gap) == (200, 1399, 950)
    assert coverage.coverage == pytest.approx(1399 / 950)


def test_required_coverage_from_the_amount_win_rate() -> None:
    coverage = pipeline_coverage(
        crm(REPS, COVERAGE_DEALS, quotas=QUOTAS), Q2, win_rate_basis="amount"
    )
    assert coverage.win_rate == pytest.approx(200 / 600) and coverage.required_coverage == 3.0


def test_required_coverage_by_amount_is_withheld_when_most_lost_deals_have_no_amount() -> None:
    # h2 and h3, the two lost deals of the four quarters before, have no amount: won / closed by
    # amount would read 200 / 200 = 100 %
    deals = [
        {**d, "amount": None} if d["opportunity_id"] in ("h2", "h3") else d for d in COVERAGE_DEALS
    ]
    coverage = pipeline_coverage(crm(REPS, deals, quotas=QUOTAS), Q2, win_rate_basis="amount")
    assert coverage.win_rate is None and coverage.required_coverage is None


def test_coverage_of_one_team() -> None:
    # East: p1 400 against r1's 1000; East's history h1 won, h2 lost: 50 %
    coverage = pipeline_coverage(crm(REPS, COVERAGE_DEALS, quotas=QUOTAS), Q2, "East")
    assert (coverage.pipeline, coverage.quota, coverage.win_rate) == (400, 1000, 0.5)


def test_coverage_is_undefined_once_the_quota_is_met() -> None:
    # West on Jun 1: booked 200 against a quota of 150
    coverage = pipeline_coverage(
        crm(REPS, COVERAGE_DEALS, quotas=QUOTAS), Q2, "West", as_of=date(2026, 6, 1)
    )
    assert coverage.gap == -50 and coverage.coverage is None


def test_coverage_without_a_quota_for_the_quarter_keeps_the_pipeline() -> None:
    coverage = pipeline_coverage(crm(REPS, COVERAGE_DEALS, quotas=QUOTAS), Quarter.parse("2026Q3"))
    assert coverage.quota is None and coverage.coverage is None
    assert coverage.pipeline == 300  # p2 closes in Q3 and was open on Jul 1 (p4 closes in Q2)


def test_coverage_reads_the_pipeline_from_stage_history() -> None:
    # on Apr 1 p1's history still said it would close on Jul 20: not in the Q2 pipeline
    history = [
        step("p1", "Proposal", "2026-03-01 10:00", amount=400.0, close_date="2026-07-20"),
        step("p1", "Proposal", "2026-04-10 10:00", amount=400.0, close_date="2026-05-15"),
    ]
    tables = crm(REPS, COVERAGE_DEALS, quotas=QUOTAS, history=history)
    coverage = pipeline_coverage(tables, Q2)
    assert coverage.pipeline == 200 and coverage.basis == "stage_history"


def test_coverage_needs_quotas() -> None:
    with pytest.raises(MissingTableError, match="quotas"):
        pipeline_coverage(crm(REPS, COVERAGE_DEALS), Q2)
