"""``salesops validate --preset salesforce`` through the real command line: output and exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crm_exports import salesforce_export, write


def validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "salesops", "validate", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_clean_export_prints_what_was_found_mapped_and_noted_and_exits_0(
    tmp_path: Path,
) -> None:
    folder = salesforce_export(tmp_path / "export")
    done = validate("--preset", "salesforce", "--source", str(folder))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Preset: salesforce" in out
    assert "User.csv (4 rows, windows-1252)" in out
    assert "OpportunityStage.csv (4 rows, utf-8 with BOM)" in out
    assert "stage_history          <- OpportunityHistory (first entry into each stage)" in out
    assert "1 deal closed before they were created" in out
    assert out.rstrip().endswith("The data meets the contract.")


def test_a_broken_export_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "export")
    write(
        folder,
        "Opportunity.csv",
        """
        Id,OwnerId,StageName,IsClosed,IsWon,Amount,CloseDate,CreatedDate
        O1,U1,Gagné,1,1,12000,2026-08-14,2026-07-01T09:00:00.000Z
        O2,U404,Perdu,1,0,8000,someday,2026-07-02T10:00:00.000Z
        O3,,Négociation,0,0,5000,2026-11-30,2026-08-03T11:00:00.000Z
        """,
    )
    done = validate("--preset", "salesforce", "--source", str(folder))
    assert done.returncode == 2
    assert "opportunities.close_date: cannot be read as a date: 1 row (e.g. 'O2')" in done.stderr
    assert "opportunities.rep_id: missing values: 1 row (e.g. 'O3')" in done.stderr
    assert "opportunities.rep_id: not found in reps.rep_id: 1 row (e.g. 'O2')" in done.stderr
    # the history still names deals the rewritten Opportunity.csv no longer has
    assert "stage_history.opportunity_id: not found in opportunities.opportunity_id: 4 rows" in (
        done.stderr
    )


def test_an_unknown_preset_is_named_with_the_known_ones(tmp_path: Path) -> None:
    done = validate("--preset", "pipedrive", "--source", str(tmp_path))
    assert done.returncode == 2
    assert "unknown preset 'pipedrive'; known presets: generic, salesforce, hubspot" in done.stderr
