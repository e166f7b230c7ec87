"""Shares compared with a threshold hold at the boundary: float sums that miss it by drift alone.

71819.40 + 5872.23 is 77691.63 in cents but 77691.62999999999 as floats; 19979.71 + 2232.49 is
22212.20 in cents but a hair less as floats. A rep who booked exactly the quota is at quota.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from tiny_crm import crm, deal, rep

from salesops.analyses.forecast_accuracy import _bias_words
from salesops.charts import attainment_distribution, pipeline_coverage, rep_attainment
from salesops.metrics.cohort import first_full_quota
from salesops.metrics.forecast import forecast_by_week
from salesops.metrics.pipeline import pipeline_coverage as coverage_of
from salesops.metrics.quota import attainment, quota_summary
from salesops.metrics.quota import attainment_distribution as bands
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")
QUOTA = 77691.63
EXACT_QUOTA = [
    deal("a", "r1", "2026-06-01", "2026-07-20", "Closed Won", 71819.40),
    deal("b", "r1", "2026-06-01", "2026-08-20", "Closed Won", 5872.23),
]


def _quotas(quota: float, quarter: str = "2026-07-01") -> list[dict]:
    return [{"rep_id": "r1", "quarter_start": quarter, "quota": quota}]


def test_bookings_equal_to_the_quota_are_at_quota() -> None:
    reps = attainment(crm([rep("r1")], EXACT_QUOTA, quotas=_quotas(QUOTA)), Q3)
    assert reps["at_quota"].tolist() == [True]
    summary = quota_summary(reps)
    assert (summary.reps_at_quota, summary.gap) == (1, 0.0)  # met exactly: no gap, no excess
    assert bands(reps).set_index("band").at["100-125 %", "reps"] == 1


def test_bookings_at_exactly_three_quarters_of_quota_are_in_the_75_percent_band() -> None:
    # 77691.63 / 103588.84 = 0.75 exactly; as floats 0.7499999999999999
    reps = attainment(crm([rep("r1")], EXACT_QUOTA, quotas=_quotas(103588.84)), Q3)
    assert bands(reps).set_index("band").at["75-100 %", "reps"] == 1


def test_a_cent_short_of_quota_is_short() -> None:
    reps = attainment(crm([rep("r1")], EXACT_QUOTA, quotas=_quotas(QUOTA + 0.01)), Q3)
    assert reps["at_quota"].tolist() == [False]


def test_a_quarter_whose_bookings_equal_the_quota_is_a_full_quota_quarter() -> None:
    tables = crm([rep("r1", hire="2026-01-01")], EXACT_QUOTA, quotas=_quotas(QUOTA))
    assert first_full_quota(tables, Q3)["first_full_quarter"].tolist() == ["2026Q3"]


def test_a_quota_met_exactly_leaves_no_gap_to_cover() -> None:
    # booked by Sep 1 exactly the quota; an open deal due in Q3 is no coverage of a zero gap
    deals = [*EXACT_QUOTA, deal("o", "r1", "2026-07-01", "2026-09-20", "Proposal", 500.0)]
    coverage = coverage_of(
        crm([rep("r1")], deals, quotas=_quotas(QUOTA)), Q3, as_of=date(2026, 9, 1)
    )
    assert coverage.coverage is None


def test_required_coverage_is_closed_over_won_and_a_coverage_equal_to_it_is_covered() -> None:
    # 2025Q3-2026Q2: 1 won of 49 closed, so 49x is required (1 / (1/49) is 49.00000000000001);
    # pipeline 4900 against a quota of 100: 49x
    history = [deal("w", "r1", "2025-08-01", "2025-09-01", "Closed Won", 10.0)]
    history += [
        deal(f"l{i}", "r1", "2025-08-01", "2025-09-01", "Closed Lost", 10.0) for i in range(48)
    ]
    deals = [*history, deal("o", "r1", "2026-06-01", "2026-08-01", "Proposal", 4900.0)]
    coverage = coverage_of(crm([rep("r1")], deals, quotas=_quotas(100.0)), Q3)
    assert (coverage.coverage, coverage.required_coverage) == (49.0, 49.0)
    frame = pd.DataFrame({"group": ["East"], "coverage": [49.0], "required": [49.00000000000001]})
    labels = [t.get_text() for t in pipeline_coverage(frame).axes[0].texts]
    assert any("covered" in label for label in labels)


def test_a_call_at_exactly_85_percent_of_the_actual_is_in_the_band() -> None:
    # actual 26132.00; commit calls 19979.71 + 2232.49 = 22212.20 = 85 % (0.8499999999999999)
    reps = [rep("r1"), rep("r2")]
    deals = [deal("w", "r1", "2025-12-01", "2026-03-10", "Closed Won", 26132.0)]
    calls = [
        {"rep_id": r, "quarter_start": "2026-01-01", "submitted_at": "2026-01-02"}
        | {"category": "commit", "amount": amount}
        for r, amount in (("r1", 19979.71), ("r2", 2232.49))
    ]
    weeks = forecast_by_week(crm(reps, deals, calls=calls), Quarter.parse("2026Q1"))
    commit = weeks[weeks["category"] == "commit"]
    assert commit["in_band"].tolist() == [True] * 13


def test_a_bias_of_two_percent_is_a_lean_and_under_it_is_none() -> None:
    assert _bias_words(0.3 - 0.28) == "calls ran high (over-calling)"  # 0.019999999999999962
    assert _bias_words(0.0199) == "calls were unbiased"


def test_the_quota_charts_count_an_exact_attainment_as_at_quota() -> None:
    reps = pd.DataFrame({"rep": ["Ann", "Bob"], "attainment": [0.7 + 0.2 + 0.1, 0.3]})
    ax = attainment_distribution(reps).axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights[10] == 1 and heights[3] == 1  # 100-110 % and 30-40 % (0.3 / 0.1 = 2.99...)
    assert "1 of 2 reps at or above quota" in ax.texts[-1].get_text()
    bars = rep_attainment(reps).axes[0].patches
    assert bars[0].get_facecolor() != bars[1].get_facecolor()  # Ann is drawn at quota
