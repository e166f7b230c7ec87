"""Every headline on a source with no rows at all: numbers become None or 0, never an error."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from tiny_crm import crm

from salesops.metrics.cohort import cohort_headline
from salesops.metrics.forecast import forecast_headline
from salesops.metrics.funnel import funnel_headline
from salesops.metrics.quota import quota_headline
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")
HEADLINES: list[Callable[..., dict[str, Any]]] = [
    funnel_headline,
    quota_headline,
    forecast_headline,
    cohort_headline,
]


@pytest.fixture(scope="module")
def empty() -> dict:
    return crm([], [], history=[], leads=[], quotas=[], calls=[])


@pytest.mark.parametrize("headline", HEADLINES, ids=lambda h: h.__name__)
def test_a_headline_of_empty_tables_is_json_with_nothing_missing(
    empty: dict, headline: Callable[..., dict[str, Any]]
) -> None:
    figures = headline(empty, Q3)
    json.dumps(figures, allow_nan=False)
    assert figures["missing_tables"] == []


def test_empty_tables_give_zero_counts_and_undefined_rates(empty: dict) -> None:
    funnel = funnel_headline(empty, Q3)
    assert (funnel["closed_deals"], funnel["won_amount"], funnel["win_rate"]) == (0, 0, None)
    assert set(funnel["stage_conversion"].values()) == {None}
    assert funnel["lead_conversion"] is None and funnel["velocity_per_day"] is None
    quota = quota_headline(empty, Q3)
    assert (quota["quota_total"], quota["bookings_total"], quota["reps_with_quota"]) == (None, 0, 0)
    assert quota["reps_at_quota_share"] is None and quota["top20_bookings_share"] is None
    forecast = forecast_headline(empty, Q3)
    assert forecast["actual"] == 0 and set(forecast["accuracy_by_week"].values()) == {None}
    assert forecast["wape"] is None and forecast["pipeline_coverage"] is None
    cohort = cohort_headline(empty, Q3)
    assert cohort["deal_cohorts"] == {} and cohort["lead_cohorts"] == {}
