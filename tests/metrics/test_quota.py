"""Quota attainment on a hand-built 2026Q3 (ends Oct 1): ramping, zero-quota, no-quota reps."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from tiny_crm import crm, deal, rep

from salesops.metrics import MissingTableError
from salesops.metrics.quota import (
    attainment,
    attainment_by_tenure,
    attainment_distribution,
    bookings_concentration,
    next_quarter_coverage,
    quota_headline,
    quota_summary,
    share_at_quota,
)
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")
# tenure at Oct 1: r1 32 months, r2 2 (ramping), r3 3 (just ramped), r4 21, r5 15, r7 45
REPS = [
    rep("r1", "East", "2024-01-15"),
    rep("r2", "East", "2026-07-15"),
    rep("r3", "East", "2026-07-01"),
    rep("r4", "West", "2025-01-01"),
    rep("r5", "West", "2025-06-10"),
    rep("r6", "West", "2020-01-01"),  # no quota, no bookings: not a row
    rep("r7", "West", "2023-01-01"),  # bookings but no quota
]
DEALS = [
    deal("a", "r1", "2026-06-01", "2026-07-20", "Closed Won", 700),
    deal("b", "r1", "2026-06-01", "2026-09-30", "Closed Won", 500),
    deal("c", "r2", "2026-07-20", "2026-08-10", "Closed Won", 500),
    deal("d", "r3", "2026-07-02", "2026-08-10", "Closed Won", 100),
    deal("e", "r4", "2026-06-01", "2026-08-10", "Closed Won", 400),
    deal("f", "r5", "2026-06-01", "2026-08-10", "Closed Won", 300),
    deal("g", "r7", "2026-06-01", "2026-08-10", "Closed Won", 600),
    deal("h", "r4", "2026-06-01", "2026-08-10", "Closed Lost", 999),
    deal("i", "r1", "2026-06-01", "2026-06-30", "Closed Won", 888),  # Q2
    # open on Oct 1 and closing in Q4: 900 + 50 (won on Oct 15)
    deal("j", "r4", "2026-09-01", "2026-11-01", "Negotiation", 900),
    deal("k", "r1", "2026-09-20", "2026-10-15", "Closed Won", 50),
]


def _quota(rep_id: str, quota: float, quarter: str = "2026-07-01") -> dict:
    return {"rep_id": rep_id, "quarter_start": quarter, "quota": quota}


QUOTAS = [
    _quota("r1", 1000),
    _quota("r2", 500),
    _quota("r3", 400),
    _quota("r4", 800),
    _quota("r5", 0),
    _quota("r1", 900, "2026-04-01"),
    _quota("r4", 1900, "2026-10-01"),
]


@pytest.fixture(scope="module")
def reps() -> pd.DataFrame:
    return attainment(crm(REPS, DEALS, quotas=QUOTAS), Q3)


def test_attainment_per_rep(reps: pd.DataFrame) -> None:
    # highest attainment first; r5 (quota 0) and r7 (no quota) have none
    assert reps["rep_id"].tolist() == ["r1", "r2", "r4", "r3", "r7", "r5"]
    by_rep = reps.set_index("rep_id")
    assert by_rep["bookings"].to_dict() == {
        "r1": 1200,
        "r2": 500,
        "r4": 400,
        "r3": 100,
        "r7": 600,
        "r5": 300,
    }
    assert by_rep.loc[["r1", "r2", "r4", "r3"], "attainment"].tolist() == [1.2, 1.0, 0.5, 0.25]
    assert by_rep.loc[["r5", "r7"], "attainment"].isna().all()
    assert by_rep.loc["r1", "gap"] == -200 and by_rep.loc["r3", "gap"] == 300
    assert by_rep["at_quota"].to_dict() == {
        "r1": True,
        "r2": True,
        "r4": False,
        "r3": False,
        "r7": False,
        "r5": False,
    }


def test_tenure_at_the_quarter_end_and_the_ramping_flag(reps: pd.DataFrame) -> None:
    by_rep = reps.set_index("rep_id")
    assert by_rep["tenure_months"].to_dict() == {
        "r1": 32,
        "r2": 2,
        "r4": 21,
        "r3": 3,
        "r7": 45,
        "r5": 15,
    }
    assert by_rep.index[by_rep["ramping"]].tolist() == ["r2"]  # under the 3 ramp months


def test_team_attainment_is_the_sum_of_bookings_over_the_sum_of_quota(reps: pd.DataFrame) -> None:
    # bookings 3100 (r7's 600 included); quota 1000 + 500 + 400 + 800 + 0 = 2700
    summary = quota_summary(reps)
    assert (summary.bookings_total, summary.quota_total) == (3100, 2700)
    assert summary.team_attainment == pytest.approx(3100 / 2700)
    assert (summary.gap, summary.median_attainment) == (-400, 0.75)
    assert (summary.reps, summary.reps_with_quota, summary.ramping_reps) == (6, 4, 1)


def test_share_at_quota_counts_reps_with_a_quota_above_zero(reps: pd.DataFrame) -> None:
    # with ramping reps: r1, r2 of r1-r4; without r2 (ramping): r1 of r1, r3, r4
    everyone = share_at_quota(reps)
    assert (everyone.reps, everyone.at_quota, everyone.share) == (4, 2, 0.5)
    ramped = share_at_quota(reps, include_ramping=False)
    assert (ramped.reps, ramped.at_quota) == (3, 1) and ramped.share == pytest.approx(1 / 3)
    summary = quota_summary(reps)
    assert summary.reps_at_quota_share == 0.5
    assert summary.ramped_reps_at_quota_share == pytest.approx(1 / 3)


def test_attainment_distribution_bands(reps: pd.DataFrame) -> None:
    # 120 % and 100 % in 100-125; 50 % in 50-75 (lower edge included); 25 % under 50
    spread = attainment_distribution(reps)
    assert spread["band"].tolist() == [
        "under 50 %",
        "50-75 %",
        "75-100 %",
        "100-125 %",
        "125 % and over",
    ]
    assert spread["reps"].tolist() == [1, 1, 0, 2, 0]
    assert spread["share"].tolist() == [0.25, 0.25, 0, 0.5, 0]


def test_attainment_by_tenure_bands(reps: pd.DataFrame) -> None:
    # r2 (2 months) under 3; r3 (3) in 3-6; none in 6-12; r4 (21) in 12-24; r1 (32) 24 and over
    tenure = attainment_by_tenure(reps).set_index("tenure")
    assert tenure["reps"].tolist() == [1, 1, 0, 1, 1]
    assert tenure.loc["under 3 months", "median_attainment"] == 1.0
    assert tenure.loc["24 months and over", "at_quota_share"] == 1.0
    assert math.isnan(tenure.loc["6-12 months", "median_attainment"])


def test_bookings_concentration_of_the_top_fifth(reps: pd.DataFrame) -> None:
    # 6 reps: the top ceil(1.2) = 2 booked 1200 + 600 of 3100
    top = bookings_concentration(reps)
    assert (top.reps, top.top_reps, top.top_bookings, top.bookings_total) == (6, 2, 1800, 3100)
    assert top.share == pytest.approx(1800 / 3100)


def test_attainment_of_one_team() -> None:
    east = quota_summary(attainment(crm(REPS, DEALS, quotas=QUOTAS), Q3, "East"))
    assert (east.quota_total, east.bookings_total, east.reps_at_quota) == (1900, 1800, 2)


def test_next_quarter_coverage_is_the_pipeline_at_the_end_against_the_next_quota() -> None:
    # open on Oct 1 closing in Q4: j 900 + k 50; Q4 quota 1900
    coverage = next_quarter_coverage(crm(REPS, DEALS, quotas=QUOTAS), Q3)
    assert (coverage.quarter, coverage.pipeline, coverage.quota) == ("2026Q4", 950, 1900)
    assert coverage.coverage == 0.5


def test_a_quarter_with_no_quotas_has_bookings_but_no_attainment() -> None:
    # 2026Q4 has no quota row for r1, whose k (50) is booked in it
    tables = crm(REPS, DEALS, quotas=[_quota("r1", 1000)])
    reps = attainment(tables, Quarter.parse("2026Q4"), "East")
    summary = quota_summary(reps)
    assert reps["rep_id"].tolist() == ["r1"] and pd.isna(reps["attainment"].iloc[0])
    assert (summary.quota_total, summary.bookings_total, summary.team_attainment) == (
        None,
        50,
        None,
    )
    assert (summary.reps_with_quota, summary.reps_at_quota_share, summary.gap) == (0, None, None)


def test_quota_headline_is_json_ready() -> None:
    headline = quota_headline(crm(REPS, DEALS, quotas=QUOTAS), Q3)
    json.dumps(headline, allow_nan=False)
    assert (headline["quota_total"], headline["bookings_total"]) == (2700, 3100)
    assert headline["team_attainment"] == pytest.approx(3100 / 2700)
    assert (headline["reps_with_quota"], headline["reps_at_quota_share"]) == (4, 0.5)
    assert headline["next_quarter_coverage"] == 0.5 and headline["missing_tables"] == []


def test_quota_headline_without_quotas_still_reports_bookings() -> None:
    tables = crm(REPS, DEALS)
    with pytest.raises(MissingTableError, match="quotas"):
        attainment(tables, Q3)
    headline = quota_headline(tables, Q3)
    assert (headline["bookings_total"], headline["quota_total"]) == (3100, None)
    assert headline["team_attainment"] is None and headline["missing_tables"] == ["quotas"]
