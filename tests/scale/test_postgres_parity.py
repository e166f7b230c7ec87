"""The same quarterly run on PostgreSQL as on DuckDB: every report renders, every headline number
agrees to 1e-9, and the server's password never reaches a file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from parity import ANALYSES, QUARTER, SCOPES, differences, headline_files, run_reports

from salesops.data.demo import generate
from salesops.data.load import copy_tables
from salesops.data.sources import open_crm

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_url: str,
    duckdb_run: tuple[subprocess.CompletedProcess[str], Path],
) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """The demo copied into PostgreSQL and run there, beside the same run on DuckDB."""
    out = tmp_path_factory.mktemp("parity") / "postgres"
    copy_tables(generate(), postgres_url)
    return {"duckdb": duckdb_run, "postgres": (run_reports(postgres_url, out), out)}


def test_copy_tables_round_trips_the_demo_through_postgres_with_no_contract_problem(
    runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]], postgres_url: str
) -> None:
    crm = open_crm(postgres_url)
    counts = {name: len(frame) for name, frame in generate().items()}
    assert crm.row_counts() == counts
    assert crm.problems() == []
    assert crm.missing == []


def test_every_report_renders_on_postgres(
    runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]],
) -> None:
    done, out = runs["postgres"]
    assert done.returncode == 0, done.stdout + done.stderr
    for scope in SCOPES:
        for analysis in ANALYSES:
            record = json.loads((out / QUARTER / scope / f"{analysis}.json").read_text())
            assert record["status"] == "ok", (scope, analysis, record)
            assert (out / QUARTER / scope / f"{analysis}.html").stat().st_size > 10_000


def test_every_headline_number_on_postgres_equals_duckdb(
    runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]],
) -> None:
    (duck, duck_out), (pg, pg_out) = runs["duckdb"], runs["postgres"]
    assert duck.returncode == 0 and pg.returncode == 0, duck.stderr + pg.stderr
    found = []
    for name in headline_files():
        left = json.loads((duck_out / name).read_text())
        right = json.loads((pg_out / name).read_text())
        found += differences(left, right, str(name))
    assert found == []


def test_the_postgres_password_appears_in_no_output_file(
    runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]], postgres_url: str
) -> None:
    password = urlsplit(postgres_url).password
    assert password
    done, out = runs["postgres"]
    files = [path for path in out.rglob("*") if path.is_file()]
    assert len(files) >= 2 * len(ANALYSES) * len(SCOPES)
    leaking = [str(path) for path in files if password.encode() in path.read_bytes()]
    assert leaking == []
    assert password not in done.stdout + done.stderr
