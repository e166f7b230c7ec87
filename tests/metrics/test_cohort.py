"""Cohorts on a hand-built 2026Q1 (ends Apr 1): deals, rep ramp and leads, right-censored."""

from __future__ import annotations

import json
import math

import pytest
from tiny_crm import crm, deal, rep

from salesops.metrics import MissingTableError
from salesops.metrics.cohort import (
    cohort_headline,
    deal_cohorts,
    first_full_quota,
    full_quota_by_hire_quarter,
    lead_cohorts,
    rep_ramp,
)
from salesops.periods import Quarter

Q1 = Quarter.parse("2026Q1")
REPS = [
    rep("a1", "East", "2025-10-01"),  # 6 whole months by Apr 1
    rep("a2", "East", "2025-11-15"),  # 4
    rep("b1", "West", "2026-01-10"),  # 2
    rep("old", "North", "2020-01-01"),  # hired long before; owns the deal cohorts
]
DEALS = [
    # January cohort: won in month 0 and month 2; j5 is won in April, after the quarter
    deal("j1", "old", "2026-01-03", "2026-01-20", "Closed Won"),
    deal("j2", "old", "2026-01-04", "2026-03-05", "Closed Won"),
    deal("j3", "old", "2026-01-05", "2026-01-25", "Closed Lost"),
    deal("j4", "old", "2026-01-06", "2026-05-01", "Proposal"),
    deal("j5", "old", "2026-01-07", "2026-04-10", "Closed Won"),
    # February cohort: won at age 1; March cohort: won at age 0
    deal("f1", "old", "2026-02-03", "2026-03-31", "Closed Won"),
    deal("f2", "old", "2026-02-04", "2026-05-01", "Discovery"),
    deal("m1", "old", "2026-03-01", "2026-03-02", "Closed Won"),
    deal("d1", "old", "2025-12-15", "2026-01-02", "Closed Won"),  # December cohort
    # ramp: a1 books 100 in tenure month 1, 200 in month 3, 50 in month 6 (not yet shown)
    deal("r1", "a1", "2025-10-02", "2025-10-20", "Closed Won", 100),
    deal("r2", "a1", "2025-10-02", "2025-12-01", "Closed Won", 200),
    deal("r3", "a1", "2025-10-02", "2026-03-15", "Closed Won", 50),
    # a2: 300 in month 1 (Nov 15 - Dec 14), 400 in month 3; b1: 80 in month 2
    deal("r4", "a2", "2025-11-16", "2025-12-14", "Closed Won", 300),
    deal("r5", "a2", "2025-11-16", "2026-01-15", "Closed Won", 400),
    deal("r6", "b1", "2026-01-11", "2026-02-10", "Closed Won", 80),
]
QUOTAS = [
    # a1 misses 2025Q4 (300 of 500) and makes 2026Q1 (50 of 40); a2 makes 2025Q4 (300 of 250)
    {"rep_id": "a1", "quarter_start": "2025-10-01", "quota": 500.0},
    {"rep_id": "a1", "quarter_start": "2026-01-01", "quota": 40.0},
    {"rep_id": "a2", "quarter_start": "2025-10-01", "quota": 250.0},
    {"rep_id": "b1", "quarter_start": "2025-10-01", "quota": 0.0},  # no quota to make
    {"rep_id": "b1", "quarter_start": "2026-01-01", "quota": 100.0},  # 80 of 100
]


def _lead(lead_id: str, created: str, converted: str | None = None) -> dict:
    return {
        "lead_id": lead_id,
        "rep_id": "a1",
        "created_at": created,
        "converted_at": converted,
        "status": "converted" if converted else "open",
    }


LEADS = [
    _lead("L1", "2026-01-05", "2026-01-20"),  # 15 days
    _lead("L2", "2026-01-10", "2026-02-15"),  # 36 days
    _lead("L3", "2026-01-31"),
    _lead("L4", "2026-02-01", "2026-03-02"),  # 29 days
    _lead("L5", "2026-02-27", "2026-03-29"),  # 30 days: inside a 30-day window
    _lead("L6", "2026-03-05", "2026-03-06"),  # March: no window is over by Apr 1
]


@pytest.fixture(scope="module")
def tables() -> dict:
    return crm(REPS, DEALS, quotas=QUOTAS, leads=LEADS)


def test_deal_cohorts_cumulate_won_share_by_age_up_to_the_quarter_end(tables: dict) -> None:
    # Jan (5 deals; ages 0-2 observed): 1/5, 1/5, 2/5 (j5's April win is not seen yet);
    # Feb (2; ages 0-1): 0, 1/2; Mar (1; age 0): 1
    cohorts = deal_cohorts(tables, Q1, "North", quarters=1)
    rows = [tuple(r) for r in cohorts[["cohort", "age_months", "deals", "won"]].values.tolist()]
    assert rows == [
        ("2026-01", 0, 5, 1),
        ("2026-01", 1, 5, 1),
        ("2026-01", 2, 5, 2),
        ("2026-02", 0, 2, 0),
        ("2026-02", 1, 2, 1),
        ("2026-03", 0, 1, 1),
    ]
    assert cohorts["won_share"].tolist() == pytest.approx([0.2, 0.2, 0.4, 0, 0.5, 1])


def test_deal_cohorts_reach_back_four_quarters_by_default(tables: dict) -> None:
    cohorts = deal_cohorts(tables, Q1, "North")
    december = cohorts[cohorts["cohort"] == "2025-12"]
    assert december["age_months"].tolist() == [0, 1, 2, 3]
    assert december["won_share"].tolist() == [0, 1, 1, 1]


def test_rep_ramp_bookings_per_rep_by_tenure_month(tables: dict) -> None:
    # 2025Q4 hires a1, a2 (observed 4 months): month 1 100 + 300, month 3 200 + 400;
    # 2026Q1 hire b1 (observed 2 months): 80 in month 2
    ramp = rep_ramp(tables, Q1, hire_quarters=2)
    q4 = ramp[ramp["hire_quarter"] == "2025Q4"]
    assert q4["tenure_month"].tolist() == [1, 2, 3, 4] and (q4["reps"] == 2).all()
    assert q4["bookings"].tolist() == [400, 0, 600, 0]
    assert q4["bookings_per_rep"].tolist() == [200, 0, 300, 0]
    assert q4["cumulative_per_rep"].tolist() == [200, 200, 500, 500]
    q1 = ramp[ramp["hire_quarter"] == "2026Q1"]
    assert q1["tenure_month"].tolist() == [1, 2] and q1["cumulative_per_rep"].tolist() == [0, 80]


def test_first_full_quota_quarter_and_months_to_get_there(tables: dict) -> None:
    # a1 first makes quota in 2026Q1 (6 months after hire, at Apr 1); a2 in 2025Q4 (Nov 15 to
    # Jan 1: 1 whole month); b1 not yet (80 of 100)
    reps = first_full_quota(tables, Q1, hire_quarters=2).set_index("rep_id")
    assert reps.index.tolist() == ["a1", "a2", "b1"]
    assert reps["first_full_quarter"].tolist() == ["2026Q1", "2025Q4", None]
    assert reps.loc[["a1", "a2"], "months_to_full_quota"].tolist() == [6, 1]
    assert math.isnan(reps.loc["b1", "months_to_full_quota"])
    assert reps["quota_quarters"].tolist() == [2, 1, 1] and reps.loc["b1", "tenure_months"] == 2


def test_full_quota_by_hire_quarter(tables: dict) -> None:
    # 2025Q4: both made it, after 1 and 6 months: Kaplan-Meier median 1; 2026Q1: none yet
    cohorts = full_quota_by_hire_quarter(first_full_quota(tables, Q1, hire_quarters=2))
    rows = cohorts.set_index("hire_quarter")
    columns = ["reps", "reached", "share", "median_months"]
    assert rows.loc["2025Q4", columns].tolist() == [2, 2, 1, 1]
    assert rows.loc["2026Q1", ["reps", "reached", "share"]].tolist() == [1, 0, 0]
    assert math.isnan(rows.loc["2026Q1", "median_months"])


def test_lead_cohorts_show_a_window_only_once_it_is_over(tables: dict) -> None:
    # Jan: 30 days (L1 of 3); Feb: 30 days (L4 and L5 of 2); 90 days and March: not over yet
    leads = lead_cohorts(tables, Q1, quarters=1)
    assert leads.values.tolist() == [["2026-01", 3, 30, 1, 1 / 3], ["2026-02", 2, 30, 2, 1.0]]


def test_first_full_quota_needs_quotas(tables: dict) -> None:
    with pytest.raises(MissingTableError, match="quotas"):
        first_full_quota({**tables, "quotas": None}, Q1)


def test_cohort_headline_is_json_ready(tables: dict) -> None:
    headline = cohort_headline(tables, Q1, "North", quarters=1)
    json.dumps(headline, allow_nan=False)
    assert headline["deal_cohorts"]["2026-01"] == pytest.approx({"0": 0.2, "1": 0.2, "2": 0.4})
    assert headline["deal_cohort_sizes"] == {"2026-01": 5, "2026-02": 2, "2026-03": 1}
    assert headline["lead_cohorts"] == {}  # North has no leads and no recent hires
    assert headline["full_quota_share"] == {}
    everyone = cohort_headline(tables, Q1, quarters=1)
    assert everyone["lead_cohorts"] == {"2026-01": {"30": 1 / 3}, "2026-02": {"30": 1.0}}
    assert everyone["full_quota_share"] == {"2025Q4": 1.0, "2026Q1": 0.0}


def test_cohort_headline_without_leads_or_quotas() -> None:
    headline = cohort_headline(crm(REPS, DEALS), Q1)
    assert headline["lead_cohorts"] is None and headline["full_quota_share"] is None
    assert headline["missing_tables"] == ["leads", "quotas"] and headline["deal_cohorts"]
