"""A run that finds the same files, read by the same code, already checked skips the check and
loads neither papermill, nbconvert nor pandera; any change to the bytes brings the check back."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from salesops.errors import ContractError
from salesops.report.plan import checked_before
from salesops.report.run import RunRequest, run_reports

HEAVY = ("papermill", "nbconvert", "nbformat", "pandera", "seaborn", "scipy.stats")


def _manifest(folder: Path, source: str, fingerprint: str, code: str) -> None:
    folder.mkdir(parents=True)
    document = {"data": {"source": source, "fingerprint": fingerprint}, "code_fingerprint": code}
    (folder / "manifest.json").write_text(json.dumps(document))


def test_checked_before_needs_the_same_source_data_and_code(tmp_path: Path) -> None:
    _manifest(tmp_path / "2026Q2", "crm.duckdb", "f1", "c1")
    (tmp_path / "2026Q3").mkdir()
    (tmp_path / "2026Q3" / "manifest.json").write_text("{not json")
    assert checked_before(tmp_path, "crm.duckdb", "f1", "c1")
    assert not checked_before(tmp_path, "crm.duckdb", "f2", "c1")
    assert not checked_before(tmp_path, "crm.duckdb", "f1", "c2")
    assert not checked_before(tmp_path, "other.duckdb", "f1", "c1")
    assert not checked_before(tmp_path / "missing", "crm.duckdb", "f1", "c1")


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
from salesops.report.run import RunRequest, run_reports
out, source, notebooks = sys.argv[1:]
summary = run_reports(RunRequest(quarters=["2026Q3"], teams=["SMB"], source=source,
    out_dir=Path(out), notebooks_dir=Path(notebooks), jobs=1, rollup=False,
    progress=io.StringIO()))
loaded = [name for name in {HEAVY!r} if name in sys.modules]
print(json.dumps({{"reason": summary.reason, "loaded": loaded}}))
"""


@pytest.mark.slow
def test_a_run_that_reuses_everything_skips_the_check_and_the_heavy_imports(
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
