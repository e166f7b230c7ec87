"""A run that finds the same files, read by the same code, already checked takes their facts from
the manifest: it neither opens nor checks the source, and loads neither papermill, nbconvert nor
pandera. Any change to the bytes brings the check back."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pytest

from salesops.errors import ContractError
from salesops.report.run.plan import RunRequest, SourceFacts, known_facts
from salesops.report.run.runner import run_reports

HEAVY = (
    "papermill",
    "nbconvert",
    "nbformat",
    "pandera",
    "pandas",
    "ibis",
    "duckdb",
    "jupyter_client",
)


FACTS = SourceFacts("crm.duckdb", "f1", date(2026, 9, 30), date(2025, 1, 2), ["East", "<b>West"])


def _manifest(folder: Path, data: dict, code: str) -> None:
    folder.mkdir(parents=True)
    document = {"data": data, "code_fingerprint": code}
    (folder / "manifest.json").write_text(json.dumps(document))


def test_known_facts_need_the_same_source_data_and_code(tmp_path: Path) -> None:
    _manifest(tmp_path / "2026Q2", FACTS.to_manifest(), "c1")
    _manifest(tmp_path / "2026Q1", {**FACTS.to_manifest(), "teams": "East"}, "c1")
    _manifest(tmp_path / "2025Q4", {"source": "crm.duckdb", "fingerprint": "f1"}, "c1")
    (tmp_path / "2026Q3").mkdir()
    (tmp_path / "2026Q3" / "manifest.json").write_text("{not json")
    assert known_facts(tmp_path, "crm.duckdb", "f1", "c1") == FACTS
    assert known_facts(tmp_path, "crm.duckdb", "f2", "c1") is None
    assert known_facts(tmp_path, "crm.duckdb", "f1", "c2") is None
    assert known_facts(tmp_path, "other.duckdb", "f1", "c1") is None
    assert known_facts(tmp_path / "missing", "crm.duckdb", "f1", "c1") is None


def test_facts_read_back_from_a_manifest_give_the_same_quarters() -> None:
    facts = SourceFacts.from_manifest(json.loads(json.dumps(FACTS.to_manifest())))
    assert facts == FACTS
    assert (facts.first_quarter(1).label, facts.latest_quarter(1).label) == ("2025Q1", "2026Q3")
    # a fiscal year from February is named by the year it ends in: Nov 2024-Jan 2025 is 2025Q4,
    # May-Jul 2026 (the last quarter complete by 30 September) is 2027Q2
    assert (facts.first_quarter(2).label, facts.latest_quarter(2).label) == ("2025Q4", "2027Q2")


def _request(out: Path, source: str, notebooks: Path) -> RunRequest:
    return RunRequest(
        quarters=["2026Q3"],
        teams=["SMB"],
        source=source,
        out_dir=out,
        notebooks_dir=notebooks,
        jobs=1,
        rollup=False,
        progress=io.StringIO(),
    )


WARM_RUN = f"""
import io, json, sys
from pathlib import Path
from salesops.report.run.plan import RunRequest
from salesops.report.run.runner import run_reports
out, source, notebooks = sys.argv[1:]
summary = run_reports(RunRequest(quarters=["2026Q3"], teams=["SMB"], source=source,
    out_dir=Path(out), notebooks_dir=Path(notebooks), jobs=1, rollup=False,
    progress=io.StringIO()))
loaded = [name for name in {HEAVY!r} if name in sys.modules]
print(json.dumps({{"reason": summary.reason, "loaded": loaded}}))
"""


@pytest.mark.slow
def test_a_run_that_reuses_everything_neither_opens_the_source_nor_loads_the_heavy_libraries(
    tmp_path: Path, notebooks: Callable[..., Path]
) -> None:
    from salesops.data.demo import generate, write_tables

    source = tmp_path / "crm.duckdb"
    write_tables(source, generate(seed=3))
    out, folder = tmp_path / "reports", notebooks("ok")
    assert run_reports(_request(out, str(source), folder)).exit_code == 0

    warm = subprocess.run(
        [sys.executable, "-c", WARM_RUN, str(out), str(source), str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(warm.stdout.splitlines()[-1])
    assert result == {"reason": "all 1 reports ok (1 reused)", "loaded": []}

    with duckdb.connect(str(source)) as con:  # new bytes: checked again, and found broken
        con.execute("DELETE FROM reps")
    with pytest.raises(ContractError, match="reps: table has no rows"):
        run_reports(_request(out, str(source), folder))
