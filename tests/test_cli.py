"""The command line: one clear message and exit 2 for bad input, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from salesops.data.demo import write_demo


def salesops(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "salesops", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.duckdb"
    write_demo(path)
    return path


def test_make_alone_lists_the_targets() -> None:
    done = subprocess.run(
        ["make", "--no-print-directory"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
    )
    assert "make reports" in done.stdout and "make test" in done.stdout


def test_demo_writes_the_contract_tables_and_says_how_many_rows(tmp_path: Path) -> None:
    out = tmp_path / "crm.duckdb"
    done = salesops("demo", "--out", str(out), "--seed", "3")
    assert done.returncode == 0, done.stderr
    assert "opportunities" in done.stdout and out.exists()
    with duckdb.connect(str(out), read_only=True) as con:
        tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
    assert {"reps", "opportunities", "stages", "stage_history", "quotas"} <= tables


def test_validate_passes_the_demo(demo: Path) -> None:
    done = salesops("validate", "--source", str(demo))
    assert done.returncode == 0, done.stderr
    assert "The data meets the contract." in done.stdout


def test_validate_names_every_broken_rule_and_exits_2(demo: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(demo.read_bytes())
    with duckdb.connect(str(broken)) as con:
        con.execute(
            "UPDATE opportunities SET amount = -5 WHERE opportunity_id IN "
            "(SELECT opportunity_id FROM opportunities ORDER BY 1 LIMIT 2)"
        )
        con.execute("UPDATE quotas SET rep_id = 'R-GHOST' WHERE rowid = 0")
    done = salesops("validate", "--source", str(broken))
    assert done.returncode == 2
    assert "opportunities.amount" in done.stderr and "2 rows" in done.stderr
    assert "quotas.rep_id" in done.stderr and "R-GHOST" in done.stderr
    assert "Traceback" not in done.stderr
    assert "opportunities" in done.stdout and "rows" in done.stdout  # what was found, still shown


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--team", "Atlantis"], "unknown team 'Atlantis'"),
        (["--analysis", "churn"], "funnel"),
        (["--quarter", "2031Q1"], "2031Q1"),
        (["--quarter", "2026Q7"], "not a label like 2026Q3"),
        (["--jobs", "0"], "at least 1"),
        (["--org-params", "nowhere/org.yaml"], "params file nowhere/org.yaml does not exist"),
    ],
)
def test_run_refuses_bad_input_before_any_kernel_with_exit_2(
    demo: Path, tmp_path: Path, args: list[str], words: str
) -> None:
    done = salesops("run", "--source", str(demo), "--out", str(tmp_path / "out"), *args)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out" / "2026Q3").exists()


def test_a_missing_source_is_named(tmp_path: Path) -> None:
    done = salesops("validate", "--source", str(tmp_path / "nowhere.duckdb"))
    assert done.returncode == 2 and "nowhere.duckdb" in done.stderr
