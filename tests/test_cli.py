"""The command line: one clear message and exit 2 for bad input, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from salesops import cli, config
from salesops.data.demo import DEMO_MARKER, write_demo


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
        (["--jobs", "65"], "expected a number of at most 64, got 65"),  # the params file's cap
        (["--org-params", "nowhere/org.yaml"], "nowhere/org.yaml does not exist"),
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


def test_relative_paths_are_taken_from_the_folder_the_command_started_in(
    demo: Path, tmp_path: Path
) -> None:
    """Every path flag relative, in a folder that is not the project: the run's kernels, which
    start in folders of their own, still find the mapping file."""
    work = tmp_path / "work"
    (work / "crm").mkdir(parents=True)
    with duckdb.connect(str(demo), read_only=True) as con:
        for table in ("reps", "opportunities", "stages", "stage_history"):
            con.execute(f"COPY {table} TO '{work / 'crm' / table}.csv' (HEADER)")
    (work / "maps").mkdir()
    (work / "maps" / "mapping.yaml").write_text("preset: generic\n", encoding="utf-8")
    (work / "run.yaml").write_text("analyses: [funnel]\n", encoding="utf-8")
    (work / "org.yaml").write_text("currency: USD\n", encoding="utf-8")
    done = salesops(
        *("run", "--source", "crm", "--preset", "maps/mapping.yaml", "--params", "run.yaml"),
        *("--org-params", "org.yaml", "--out", "out", "--team", "SMB", "--no-rollup"),
        *("--quarter", "2026Q3", "--jobs", "1"),
        cwd=work,
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((work / "out" / "2026Q3" / "manifest.json").read_text(encoding="utf-8"))
    [record] = manifest["runs"]
    assert (record["analysis"], record["status"]) == ("funnel", "ok")
    assert record["parameters"]["preset"] == str(work / "maps" / "mapping.yaml")
    assert manifest["data"]["source"] == str(work / "crm")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "--out", "out", "--params", "absent.yaml"], "params file {cwd}/absent.yaml"),
        (["run", "--out", "out", "--org-params", "absent.yaml"], "params file {cwd}/absent.yaml"),
        (["run", "--out", "a-file/out"], "output folder {cwd}/a-file/out is not writable"),
        (["validate", "--source", "nowhere"], "data source {cwd}/nowhere does not exist"),
        (["validate", "--preset", "absent.yaml"], "mapping file {cwd}/absent.yaml does not exist"),
    ],
)
def test_each_path_flag_is_made_absolute_before_anything_else(
    demo: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    (tmp_path / "crm").mkdir()
    source = ["--source", "crm"] if "--source" not in args else []
    done = salesops(*args, *source, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"salesops {args[0]}: {message.format(cwd=tmp_path)}")


def test_demo_out_is_taken_from_the_working_folder(tmp_path: Path) -> None:
    done = salesops("demo", "--out", "sub/crm.duckdb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {tmp_path / 'sub' / 'crm.duckdb'} (")


def test_demo_replaces_a_demo_but_a_real_crm_only_with_force(tmp_path: Path) -> None:
    crm = tmp_path / "crm.duckdb"
    with duckdb.connect(str(crm)) as con:
        con.execute("CREATE TABLE reps AS SELECT 'R1' AS rep_id, 'West' AS team")
    before = crm.read_bytes()
    refused = salesops("demo", "--out", str(crm))
    assert refused.returncode == 2
    assert refused.stderr == (
        f"salesops demo: {crm} is not a demo CRM made by salesops: give --force to replace it\n"
    )
    assert crm.read_bytes() == before
    assert salesops("demo", "--out", str(crm), "--force").returncode == 0
    again = salesops("demo", "--out", str(crm), "--seed", "3")  # a demo now: replaced as asked
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(crm), read_only=True) as con:
        assert con.execute(f"SELECT seed, scale FROM {DEMO_MARKER}").fetchall() == [(3, 1)]


def test_an_unexpected_error_names_the_log_that_holds_its_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug, unlike bad input, keeps its traceback; no real input reaches this branch, so a
    command that fails the way a bug would stands in for one."""

    def crash(args: object) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setitem(cli._COMMANDS, "validate", crash)
    monkeypatch.setattr(config, "REPORTS_DIR", tmp_path)
    assert cli.main(["validate"]) == 1
    log = tmp_path / "salesops.log"
    err = capsys.readouterr().err
    assert err == f"salesops validate: unexpected error: a bug\n(full traceback in {log})\n"
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
