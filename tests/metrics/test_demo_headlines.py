"""Every headline on the scale-1 demo CRM in DuckDB: plausible, consistent, portable."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import ibis
import pandas as pd
import pytest
from ibis.config import Config
from ibis.expr.types import Expr

from salesops.data import contract, demo
from salesops.metrics import cohort, forecast, funnel, quota
from salesops.metrics.cohort import cohort_headline
from salesops.metrics.forecast import REBUILT, forecast_headline
from salesops.metrics.funnel import funnel_headline
from salesops.metrics.quota import quota_headline
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")
HEADLINES: dict[str, Callable[..., dict[str, Any]]] = {
    "funnel": funnel_headline,
    "quota": quota_headline,
    "forecast": forecast_headline,
    "cohort": cohort_headline,
}


class SparkOptions(Config):
    """The PySpark backend's own option (registered when pyspark is installed), for compiling."""

    treat_nan_as_null: bool = False


@pytest.fixture(scope="module")
def tables() -> dict[str, ibis.Table]:
    con = ibis.duckdb.connect()
    frames = demo.generate(seed=7, scale=1)
    return {
        name: contract.conform(name, con.create_table(name, frame))
        for name, frame in frames.items()
        if name in contract.TABLES
    }


@pytest.fixture(scope="module")
def team(tables: dict[str, ibis.Table]) -> str:
    return str(tables["reps"].select("team").distinct().order_by("team").execute()["team"][0])


@pytest.fixture(scope="module")
def headlines(tables: dict[str, ibis.Table], team: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Every headline for all teams and for one team, each query also compiled for PostgreSQL
    and Spark SQL (an operation either lacks fails here), with the largest result kept."""
    execute = Expr.execute
    largest = [0]

    def portable_execute(self: Expr, *args: Any, **kwargs: Any) -> Any:
        for dialect in ("postgres", "pyspark"):
            ibis.to_sql(self, dialect=dialect)
        result = execute(self, *args, **kwargs)
        largest[0] = max(largest[0], len(result) if hasattr(result, "__len__") else 1)
        return result

    patch = pytest.MonkeyPatch()
    patch.setattr(Expr, "execute", portable_execute)
    if ibis.options.pyspark is None:
        patch.setattr(ibis.options, "pyspark", SparkOptions())
    try:
        results = {
            (name, scope): make(tables, Q3, scope)
            for name, make in HEADLINES.items()
            for scope in ("all", team)
        }
    finally:
        patch.undo()
    results[("largest", "rows")] = {"rows": largest[0]}
    return results


def test_every_headline_is_json_without_nan(headlines: dict) -> None:
    for headline in headlines.values():
        json.dumps(headline, allow_nan=False)
    assert all(not h.get("missing_tables") for k, h in headlines.items() if k[0] != "largest")


def test_only_small_results_are_materialised(headlines: dict) -> None:
    assert headlines[("largest", "rows")]["rows"] < 1_000


@pytest.mark.parametrize("scope", ["all", "team"])
def test_funnel_figures_are_plausible(headlines: dict, team: str, scope: str) -> None:
    funnel = headlines[("funnel", "all" if scope == "all" else team)]
    assert funnel["closed_deals"] >= 50 and 0.1 < funnel["win_rate"] < 0.6
    assert funnel["won_deals"] + funnel["lost_deals"] == funnel["closed_deals"]
    assert 10 < funnel["median_won_cycle_days"] <= funnel["median_cycle_days"] < 365
    steps = list(funnel["stage_conversion"].values())
    assert steps[0] is None and all(0 < s <= 1 for s in steps[1:])
    assert 0 < funnel["lead_conversion"] < 1 and funnel["velocity_per_day"] > 0


@pytest.mark.parametrize("scope", ["all", "team"])
def test_bookings_agree_across_funnel_quota_and_forecast(
    headlines: dict, team: str, scope: str
) -> None:
    key = "all" if scope == "all" else team
    won = headlines[("funnel", key)]["won_amount"]
    assert won > 0
    assert headlines[("quota", key)]["bookings_total"] == pytest.approx(won, rel=1e-12)
    assert headlines[("forecast", key)]["actual"] == pytest.approx(won, rel=1e-12)


def test_quota_figures_are_plausible(headlines: dict) -> None:
    quota = headlines[("quota", "all")]
    assert quota["reps_with_quota"] >= 10 and 0.5 < quota["team_attainment"] < 2
    assert 0 <= quota["reps_at_quota_share"] <= 1 and 0.2 <= quota["top20_bookings_share"] < 1


def test_quota_attainment_is_a_pandas_recount_centred_under_quota(headlines: dict) -> None:
    frames = demo.generate(seed=7, scale=1)
    deals = frames["opportunities"]
    in_q3 = deals["close_date"].between(pd.Timestamp(Q3.start), pd.Timestamp(Q3.end))
    booked = deals[deals["is_won"] & in_q3].groupby("rep_id")["amount"].sum()
    quotas = frames["quotas"].query("quarter_start == @pd.Timestamp(@Q3.start)")
    quota_by_rep = quotas.set_index("rep_id")["quota"]
    attained = booked.reindex(quota_by_rep.index, fill_value=0.0) / quota_by_rep
    quota = headlines[("quota", "all")]
    # 43 reps hold a Q3 quota; 19 reach it (44 %), 2 pass 200 % (5 %), 10 stay under 50 %; the
    # median rep attains 77.7 % and the org 87.4 % (the right tail lifts the total over the median)
    assert quota["reps_with_quota"] == len(attained) == 43
    assert quota["reps_at_quota"] == (attained >= 1).sum() == 19
    assert quota["median_attainment"] == pytest.approx(attained.median(), rel=1e-12)
    assert 0.77 < attained.median() < 0.78 and (attained > 2).sum() == 2
    assert (attained < 0.5).sum() == 10
    assert quota["team_attainment"] == pytest.approx(booked.sum() / quota_by_rep.sum(), rel=1e-12)
    assert 0.87 < quota["team_attainment"] < 0.88


def test_forecast_figures_are_plausible(headlines: dict) -> None:
    forecast = headlines[("forecast", "all")]
    assert list(forecast["accuracy_by_week"]) == [str(w) for w in range(1, Q3.weeks + 1)]
    assert all(a is not None and a < 1.0 + 1e-12 for a in forecast["accuracy_by_week"].values())
    assert 0 <= forecast["wape"] < 1 and abs(forecast["bias"]) < 0.5
    assert forecast["pipeline_coverage"] > 0 and forecast["required_coverage"] > 1


def test_deal_cohorts_rise_with_age_and_cover_twelve_months(headlines: dict) -> None:
    cohorts = headlines[("cohort", "all")]["deal_cohorts"]
    assert len(cohorts) == 12
    for shares in cohorts.values():
        values = list(shares.values())
        assert all(0 <= v <= 1 for v in values) and values == sorted(values)


def test_the_rebuilt_forecast_is_plausible_on_demo_history(tables: dict) -> None:
    forecast = forecast_headline({**tables, "forecast_submissions": None}, Q3)
    assert forecast["basis"] == REBUILT
    assert 0.5 < forecast["final_ratio"] < 1.5 and forecast["wape"] is not None


def test_the_previous_quarter_is_computed_the_same_way(tables: dict) -> None:
    previous = funnel_headline(tables, Q3.previous())
    assert previous["closed_deals"] > 0 and previous["win_rate"] is not None


def test_every_section_has_rows_on_the_demo(tables: dict, team: str) -> None:
    frames = {
        "stage_reach": funnel.stage_reach(tables, Q3, team),
        "time_in_stage": funnel.time_in_stage(tables, Q3, team),
        "win_rate_by": funnel.win_rate_by(tables, Q3, team),
        "by_source": funnel.win_rate_by(tables, Q3, team, by="source"),
        "cycle_curve": funnel.cycle_length(tables, Q3, team).curve,
        "attainment": quota.attainment(tables, Q3, team),
        "forecast_by_week": forecast.forecast_by_week(tables, Q3, team),
        "reps_by_bias": forecast.reps_by_bias(forecast.rep_forecast_errors(tables, Q3, team)),
        "deal_cohorts": cohort.deal_cohorts(tables, Q3, team),
        "rep_ramp": cohort.rep_ramp(tables, Q3),
        "full_quota": cohort.full_quota_by_hire_quarter(cohort.first_full_quota(tables, Q3)),
        "lead_cohorts": cohort.lead_cohorts(tables, Q3, team),
    }
    assert [name for name, frame in frames.items() if frame.empty] == []
    assert (frames["time_in_stage"]["visits"] > 0).all()
    assert funnel.lead_conversion(tables, Q3, team).leads > 0
