"""Edge cases give words, not crashes: every section of every analysis still renders."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pandas as pd
import pytest

from salesops.analyses import cohort, forecast_accuracy, funnel, quota

ANALYSES = [funnel, cohort, forecast_accuracy, quota]
SECTIONS = {
    funnel: [
        "headline",
        "summary",
        "stage_conversion",
        "time_in_stage",
        "time_to_close",
        "breakdown",
        "caveats",
    ],
    cohort: ["headline", "summary", "deal_cohorts", "rep_ramp", "lead_cohorts", "caveats"],
    forecast_accuracy: [
        "headline",
        "summary",
        "accuracy_by_week",
        "reps_by_bias",
        "by_quarter",
        "coverage",
        "caveats",
    ],
    quota: [
        "headline",
        "summary",
        "distribution",
        "breakdown",
        "tenure",
        "concentration_and_gap",
        "caveats",
    ],
}


def rendered(module: ModuleType, source: str, team: str = "all") -> str:
    """Every section's HTML, joined; any exception fails the test."""
    report = module.open_report("2026Q3", team, source)
    return "\n".join(getattr(report, name)()._repr_html_() for name in SECTIONS[module])


def add_team_without_deals(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    reps = tables["reps"]
    newcomer = reps.iloc[[0]].assign(
        rep_id="R9999", rep_name="Nadia Newcomer", team="Quiet Team", end_date=pd.NaT
    )
    tables["reps"] = pd.concat([reps, newcomer], ignore_index=True)
    return tables


@pytest.mark.parametrize("module", ANALYSES, ids=lambda m: m.ANALYSIS)
def test_a_team_with_no_deals_gets_sentences(
    module: ModuleType, variant: Callable[..., str]
) -> None:
    page = rendered(module, variant(add_team_without_deals), team="Quiet Team")
    if module is funnel:
        assert "No deals closed in 2026Q3 for Quiet Team" in page
    if module is quota:
        assert "has a quota for 2026Q3, so attainment is not defined" in page
    if module is forecast_accuracy:
        assert "Nothing closed won in 2026Q3 for Quiet Team" in page


def drop_quarter_quotas(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    quotas = tables["quotas"]
    tables["quotas"] = quotas[quotas["quarter_start"] != pd.Timestamp("2026-07-01")]
    return tables


@pytest.mark.parametrize("module", [quota, forecast_accuracy, cohort], ids=lambda m: m.ANALYSIS)
def test_a_quarter_without_quotas_says_so(module: ModuleType, variant: Callable[..., str]) -> None:
    page = rendered(module, variant(drop_quarter_quotas))
    if module is quota:
        assert "No rep of all teams has a quota for 2026Q3" in page
    if module is forecast_accuracy:
        assert "Pipeline coverage needs quotas for the quarter" in page


def zero_one_quota(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    quotas = tables["quotas"]
    row = quotas.index[quotas["quarter_start"] == pd.Timestamp("2026-07-01")][0]
    tables["quotas"].loc[row, "quota"] = 0.0
    return tables


def test_a_rep_with_zero_quota_is_left_out_of_attainment(variant: Callable[..., str]) -> None:
    report = quota.open_report("2026Q3", "all", variant(zero_one_quota))
    page = report.caveats()._repr_html_()
    assert "booked without a quota above zero" in page
    # 43 reps had a quota above zero in the demo quarter; one is now zero
    assert report.now["reps_with_quota"] == 42


def add_unused_stage(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    stages = tables["stages"]
    later = stages["sort_order"] >= 5
    stages.loc[later, "sort_order"] = stages.loc[later, "sort_order"] + 1
    legal = pd.DataFrame(
        [
            {
                "stage": "Legal Review",
                "sort_order": 5,
                "is_closed": False,
                "is_won": False,
                "probability": 0.7,
            }
        ]
    )
    tables["stages"] = pd.concat([stages, legal], ignore_index=True).astype(stages.dtypes)
    return tables


def test_a_stage_nobody_reached_reads_zero_and_its_rate_is_undefined(
    variant: Callable[..., str],
) -> None:
    report = funnel.open_report("2026Q3", "all", variant(add_unused_stage))
    table = report.stage_conversion().parts[1]
    row = next(r for r in table.rows if r[0] == "Legal Review")
    legal = dict(zip(table.columns, row, strict=True))
    # Legal Review sits before Negotiation: deals that reached Negotiation skipped it, so it is
    # back-filled as reached-by-skipping; nobody entered it directly.
    assert legal["Reached"] == legal["Skipped"]


def strip_optional_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    for name in ("stage_history", "leads", "quotas", "forecast_submissions", "fx_rates"):
        tables.pop(name)
    return tables


@pytest.mark.parametrize("module", ANALYSES, ids=lambda m: m.ANALYSIS)
def test_without_optional_tables_every_section_still_renders(
    module: ModuleType, variant: Callable[..., str]
) -> None:
    page = rendered(module, variant(strip_optional_tables))
    expected: dict[Any, str] = {
        funnel: "The data has no leads table, so lead conversion is not shown.",
        cohort: "Lead cohorts needs the leads table",
        forecast_accuracy: "Forecast calls are not available",
        quota: "needs the quotas table",
    }
    assert expected[module] in page
