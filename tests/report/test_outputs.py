"""What a report's files say: headline JSON, and no password in the saved notebook."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill

from salesops.report.outcome import Failure, Outcome
from salesops.report.run.grid import Job
from salesops.report.run.manifest import RunRecord
from salesops.report.run.outputs import headline_document, hide_source
from salesops.vocabulary import HEADLINE_MIMETYPE, FailureKind

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"
JOB = Job("2026Q3", "SMB", "smb", "funnel", FIXTURES / "ok.ipynb", {})


def test_headline_json_has_the_run_keys_the_metrics_and_the_cards() -> None:
    payload = {"metrics": {"win_rate": 0.31, "status": "shadowed"}, "cards": [{"label": "W"}]}
    output = nbformat.v4.new_output("display_data", data={HEADLINE_MIMETYPE: payload})
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[output])])
    assert headline_document(JOB, Outcome.read(nb)) == {
        "analysis": "funnel",
        "team": "SMB",
        "quarter": "2026Q3",
        "status": "ok",
        "win_rate": 0.31,
        "cards": [{"label": "W"}],
    }
    failed = Outcome.read(nb, Failure(FailureKind.TIMEOUT, section="Wait", evalue="too slow"))
    document = headline_document(JOB, failed)
    assert document["status"] == "failed" and "win_rate" not in document
    assert document["error"]["kind"] == "timeout" and document["error"]["section"] == "Wait"


def test_a_password_in_the_source_does_not_reach_the_saved_notebook() -> None:
    url = "postgres://sales:s3cret@db.example/crm"
    nb = papermill.execute_notebook(
        str(FIXTURES / "ok.ipynb"), None, parameters={"source": url}, prepare_only=True
    )
    hide_source(nb, url, "postgres://sales:***@db.example/crm")
    assert "s3cret" not in nbformat.writes(nb)


def test_a_record_reads_back_from_a_newer_manifest() -> None:
    entry = {**RunRecord("2026Q3", "SMB", "smb", "funnel", {}, "ok").to_dict(), "new_key": 1}
    assert RunRecord.from_dict(entry).status == "ok"
