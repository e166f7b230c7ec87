"""Cache keys, reusable records and the versions a manifest records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from salesops.report.run import manifest
from salesops.report.run.files import ReportFiles, atomic_write_text
from salesops.report.run.grid import Job
from salesops.report.run.manifest import (
    PreviousManifest,
    RunRecord,
    cache_key,
    code_fingerprint,
    git_revision,
    write_manifest,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"


def test_the_cache_key_changes_with_notebook_code_parameters_data_and_settings(
    tmp_path: Path,
) -> None:
    notebook = tmp_path / "funnel.ipynb"
    shutil.copy(FIXTURES / "ok.ipynb", notebook)
    params = {"quarter": "2026Q3", "team": "SMB", "source": "crm.duckdb"}
    org = {"currency": "USD", "small_sample": 20}
    key = cache_key(notebook, "code", params, "data", settings=org)
    assert key == cache_key(
        notebook,
        "code",
        dict(reversed(params.items())),
        "data",
        settings=dict(reversed(org.items())),
    )
    assert key != cache_key(notebook, "other code", params, "data", settings=org)
    assert key != cache_key(notebook, "code", {**params, "team": "all"}, "data", settings=org)
    assert key != cache_key(notebook, "code", params, "new data", settings=org)
    assert key != cache_key(notebook, "code", params, "data", settings={**org, "small_sample": 30})
    notebook.write_bytes(notebook.read_bytes().replace(b"Fixture report", b"Edited report"))
    assert key != cache_key(notebook, "code", params, "data", settings=org)


def test_the_code_fingerprint_is_stable() -> None:
    assert code_fingerprint() == code_fingerprint()


def test_the_code_fingerprint_follows_the_code_and_the_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "salesops"
    catalogue = package / "locales" / "fr" / "LC_MESSAGES" / "salesops.po"
    catalogue.parent.mkdir(parents=True)
    (package / "metrics.py").write_text("RATE = 1\n")
    catalogue.write_text('msgid "Won"\nmsgstr "Gagnées"\n')
    monkeypatch.setattr(manifest, "_PACKAGE_DIR", package)
    before = code_fingerprint()
    catalogue.write_text('msgid "Won"\nmsgstr "Gagnés"\n')
    after_words = code_fingerprint()
    (package / "metrics.py").write_text("RATE = 2\n")
    assert len({before, after_words, code_fingerprint()}) == 3


def test_only_successful_runs_and_those_kept_through_an_interruption_are_reusable(
    tmp_path: Path,
) -> None:
    def record(team: str, status: str, kept: dict | None = None) -> RunRecord:
        return RunRecord(
            "2026Q3", team, team.lower(), "funnel", {}, status, cache_key=team, kept=kept
        )

    ok = record("East", "ok")
    interrupted = record("North", "interrupted", kept=record("North", "ok").to_dict())
    queued = record("South", "not_started", kept=record("South", "ok").to_dict())
    path = tmp_path / "manifest.json"
    write_manifest(
        path,
        quarter="2026Q3",
        status="interrupted",
        exit_code=None,
        generated_at="2026-10-01T00:00:00+00:00",
        versions={"salesops": "0.1.0"},
        data={"source": "crm.duckdb", "fingerprint": "f"},
        code="c",
        records=[ok, record("West", "failed"), interrupted, queued],
        skipped={"draft": "notebook draft.ipynb cannot be read"},
    )
    document = json.loads(path.read_text())
    assert document["status"] == "interrupted"
    assert document["skipped_notebooks"] == {"draft": "notebook draft.ipynb cannot be read"}
    previous = PreviousManifest(path)
    successful = [("2026Q3", t, "funnel") for t in ("East", "North", "South", "West")]
    found = [previous.last_success(key) is not None for key in successful]
    assert found == [True, True, True, False]
    assert PreviousManifest(tmp_path / "missing.json").runs == []
    path.write_text("{not json")
    assert PreviousManifest(path).runs == []
    assert PreviousManifest(path).last_success(successful[0]) is None


def test_a_report_is_reused_only_with_the_same_cache_key_and_all_its_files(
    tmp_path: Path,
) -> None:
    job = Job("2026Q3", "SMB", "smb", "funnel", FIXTURES / "ok.ipynb", {})
    files = ReportFiles.of(tmp_path, job)
    record = RunRecord("2026Q3", "SMB", "smb", "funnel", {}, "ok", cache_key="k1")
    path = tmp_path / "2026Q3" / "manifest.json"
    write_manifest(
        path,
        quarter="2026Q3",
        status="complete",
        exit_code=0,
        generated_at="2026-10-01T00:00:00+00:00",
        versions={},
        data={},
        code="c",
        records=[record],
        skipped={},
    )
    previous = PreviousManifest(path)
    assert previous.reusable(job.key, "k1", files) is None  # its files are not there
    for file in (files.notebook, files.page, files.headline):
        atomic_write_text(file, "{}")
    assert previous.reusable(job.key, "k1", files) == record.to_dict()
    assert previous.reusable(job.key, "k2", files) is None  # something it depends on changed


def test_git_revision_is_none_outside_a_checkout(tmp_path: Path) -> None:
    assert git_revision(tmp_path) is None
