"""Cache keys, reusable records and the versions a manifest records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from salesops.report.manifest import (
    RunRecord,
    cache_key,
    code_fingerprint,
    git_revision,
    reusable_records,
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
    reusable = sorted(reusable_records(path))
    assert reusable == [("2026Q3", t, "funnel") for t in ("East", "North", "South")]
    assert reusable_records(tmp_path / "missing.json") == {}
    path.write_text("{not json")
    assert reusable_records(path) == {}


def test_git_revision_is_none_outside_a_checkout(tmp_path: Path) -> None:
    assert git_revision(tmp_path) is None
