"""Every org setting reaches every report that uses it: change one, and the report changes.

Kernels read the org settings the way these reports do: ``load_org_settings`` with
``SALESOPS_ORG_PARAMS`` naming the run's file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from salesops import config
from salesops.analyses import cohort, forecast_accuracy, funnel, quota

Settings = Callable[..., None]


@pytest.fixture
def org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Write an org settings file with ``changes`` and point the reports at it."""

    def use(**changes: Any) -> None:
        path = tmp_path / f"org-{len(list(tmp_path.iterdir()))}.yaml"
        path.write_text(yaml.safe_dump(changes), encoding="utf-8")
        monkeypatch.setenv(config.ORG_PARAMS_ENV, str(path))

    return use


def test_the_fiscal_year_start_month_moves_the_quarter(org: Settings, demo_source: str) -> None:
    org(fiscal_year_start_month=1)
    calendar = funnel.open_report("2026Q2", "all", demo_source)
    org(fiscal_year_start_month=2)  # fiscal 2026Q2 is May-July
    fiscal = funnel.open_report("2026Q2", "all", demo_source)
    assert (calendar.scope.quarter.start.month, fiscal.scope.quarter.start.month) == (4, 5)
    assert calendar.now["closed_deals"] != fiscal.now["closed_deals"]
    assert "in 2026Q2" in fiscal.breakdown().parts[0].caption


def test_the_currency_reaches_the_page(org: Settings, demo_source: str) -> None:
    def page() -> str:
        report = quota.open_report("2026Q3", "all", demo_source)
        return report.headline()._repr_html_() + report.caveats().markdown

    org(currency="USD")
    dollars = page()
    org(currency="EUR")
    assert page() != dollars


def test_the_ramp_months_decide_who_is_ramping(org: Settings, demo_source: str) -> None:
    org(ramp_months=3)
    three = quota.open_report("2026Q3", "all", demo_source)
    org(ramp_months=12)
    twelve = quota.open_report("2026Q3", "all", demo_source)
    assert twelve.now["ramping_reps"] > three.now["ramping_reps"]
    assert "under 12 months of tenure" in twelve.caveats().markdown


def test_the_small_sample_threshold_flags_rates(org: Settings, demo_source: str) -> None:
    org(small_sample=20)
    assert (
        "are rough guides"
        not in funnel.open_report("2026Q3", "all", demo_source).caveats().markdown
    )
    org(small_sample=100_000)
    report = funnel.open_report("2026Q3", "all", demo_source)
    assert report.now["small_sample"]
    assert "rates over fewer than 100000 deals are rough guides" in report.caveats().markdown
    assert "Only" in forecast_accuracy.open_report("2026Q3", "all", demo_source).caveats().markdown


def test_the_lead_conversion_window_reaches_funnel_and_cohort(
    org: Settings, demo_source: str
) -> None:
    org(lead_conversion_window_days=30)
    report = funnel.open_report("2026Q3", "all", demo_source)
    assert report.now["lead_window_days"] == 30
    assert "converted within 30 days" in report.caveats().markdown
    assert (
        "Leads converted within 30 days"
        in cohort.open_report("2026Q3", "all", demo_source).headline()._repr_html_()
    )
    org(lead_conversion_window_days=90)
    default = funnel.open_report("2026Q3", "all", demo_source)
    assert default.now["lead_conversion"] > report.now["lead_conversion"]


def test_a_notebook_parameter_given_explicitly_wins_over_the_org_default(
    org: Settings, demo_source: str
) -> None:
    org(lead_conversion_window_days=30, ramp_months=12)
    assert (
        funnel.open_report("2026Q3", "all", demo_source, lead_window_days=60).now[
            "lead_window_days"
        ]
        == 60
    )
    assert quota.open_report("2026Q3", "all", demo_source, ramp_months=3).ramp_months == 3
