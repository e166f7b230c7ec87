"""The quarterly run on the demo, through the real command: every team, every analysis."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from notebook_analyses import ANALYSES
from salesops.data.demo import write_demo
from salesops.data.sources import open_crm
from salesops.metrics import forecast, funnel, quota
from salesops.metrics.flow import pipeline_flow
from salesops.metrics.landing import landing_headline
from salesops.metrics.slippage import slippage
from salesops.metrics.stalls import stalled_deals
from salesops.periods import Quarter

KEYS = {
    "funnel": {
        "closed_deals",
        "won_deals",
        "win_rate",
        "won_amount",
        "median_cycle_days",
        "stage_conversion",
    },
    "quota": {
        "quota_total",
        "bookings_total",
        "team_attainment",
        "reps_with_quota",
        "reps_at_quota_share",
    },
    "forecast_accuracy": {"actual", "accuracy_by_week", "wape", "bias"},
    "cohort": {"deal_cohorts"},
    "pipeline": {
        "flow",
        "slipped_share",
        "stalled_deals",
        "stalled_amount",
        "projected_landing",
        "landing_wape",
    },
    "efficiency": {
        "touches_per_won_deal",
        "activities_per_rep_week",
        "crm_adoption",
        "content_share_reps",
        "win_rate_with_content",
        "win_rate_without_content",
    },
    "unit_economics": {
        "cac",
        "cac_payback_months",
        "magic_number",
        "nrr",
        "grr",
        "cltv",
        "ltv_to_cac",
        "new_customers",
    },
    "summary": {"scorecard", "highlights"},
}
FLOW_STEPS = ("start", "pulled_in", "pushed_in", "new", "increased", "decreased", "won", "lost")
FLOW_STEPS += ("pushed_out", "pulled_out", "end")
COMMON = {"analysis", "team", "quarter", "status"}


@pytest.fixture(scope="module")
def quarterly_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    folder = tmp_path_factory.mktemp("run")
    source = folder / "demo.duckdb"
    write_demo(source)
    out = folder / "reports"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "salesops",
            "run",
            "--quarter",
            "latest",
            "--source",
            str(source),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    return out, str(source), done.stderr + f"\nexit {done.returncode}"


@pytest.mark.slow
def test_every_team_and_analysis_renders_with_the_design_keys(quarterly_run) -> None:
    out, _, log = quarterly_run
    assert log.endswith("exit 0"), log
    teams = sorted(p.name for p in (out / "2026Q3").iterdir() if p.is_dir())
    assert teams == [
        "all",
        "enterprise-east",
        "enterprise-west",
        "mid-market",
        "partners-channel",
        "smb",
    ]
    for team in teams:
        for analysis, keys in KEYS.items():
            record = json.loads((out / "2026Q3" / team / f"{analysis}.json").read_text())
            assert keys | COMMON <= record.keys(), (team, analysis)
            assert record["status"] == "ok" and record["quarter"] == "2026Q3"
            page = (out / "2026Q3" / team / f"{analysis}.html").read_text()
            assert len(page.encode()) < 1_500_000
            assert "open_report" not in page and "import salesops" not in page
            assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", page)
    assert set(KEYS) == set(ANALYSES)
    reports = len(teams) * len(ANALYSES)
    index = (out / "2026Q3" / "index.html").read_text()
    assert index.count("Open the report") == reports
    manifest = json.loads((out / "2026Q3" / "manifest.json").read_text())
    assert len(manifest["runs"]) == reports


@pytest.mark.slow
def test_report_figures_equal_the_metrics_computed_directly(quarterly_run) -> None:
    out, source, _ = quarterly_run
    tables, quarter = open_crm(source).tables, Quarter.parse("2026Q3")
    for slug, team in [("all", "all"), ("smb", "SMB")]:
        folder = out / "2026Q3" / slug
        shown = json.loads((folder / "funnel.json").read_text())
        direct = funnel.funnel_headline(tables, quarter, team)
        assert shown["win_rate"] == pytest.approx(direct["win_rate"], abs=1e-12)
        assert shown["stage_conversion"] == pytest.approx(direct["stage_conversion"])
        shown = json.loads((folder / "quota.json").read_text())
        assert shown["team_attainment"] == pytest.approx(
            quota.quota_headline(tables, quarter, team)["team_attainment"], abs=1e-12
        )
        shown = json.loads((folder / "forecast_accuracy.json").read_text())
        assert shown["wape"] == pytest.approx(
            forecast.forecast_headline(tables, quarter, team)["wape"], abs=1e-12
        )
        shown = json.loads((folder / "pipeline.json").read_text())
        flow = pipeline_flow(tables, quarter, team).totals
        assert set(shown["flow"]) == set(FLOW_STEPS)  # written with sorted keys
        assert shown["flow"] == {name: dict(flow[name]) for name in FLOW_STEPS}
        assert all(step["amount"] >= 0 for step in shown["flow"].values())
        assert shown["slipped_share"] == pytest.approx(
            slippage(tables, quarter, team).slipped_share, abs=1e-12
        )
        stalled = stalled_deals(tables, quarter, team, as_of=quarter.end)
        assert (shown["stalled_deals"], shown["stalled_amount"]) == (stalled.deals, stalled.amount)
        assert shown["projected_landing"] == pytest.approx(
            landing_headline(tables, quarter, team, week=7)["projected_landing"]
        )


@pytest.mark.slow
def test_each_team_s_summary_figures_equal_its_analyses_json(quarterly_run) -> None:
    out, _, _ = quarterly_run
    for folder in (p for p in (out / "2026Q3").iterdir() if p.is_dir()):
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["status"] == "ok" and len(summary["scorecard"]) >= 8, folder.name
        assert len(summary["highlights"]) <= 5
        for entry in summary["scorecard"]:
            shown = json.loads((folder / f"{entry['analysis']}.json").read_text())
            assert entry["value"] == shown[entry["key"]], (folder.name, entry["key"])
            assert (folder / entry["page"]).is_file()


@pytest.mark.slow
def test_an_unchanged_rerun_reuses_every_report(quarterly_run) -> None:
    out, source, _ = quarterly_run
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "salesops",
            "run",
            "--quarter",
            "2026Q3",
            "--source",
            source,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    reused = f"{6 * len(ANALYSES)} reused"
    assert reused in done.stderr, done.stderr[-500:]
