"""The same quarterly run on PostgreSQL as on DuckDB: every report renders, every headline number
agrees to 1e-9, and the server's password never reaches a file."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from salesops.data.demo import generate, write_tables
from salesops.data.load import copy_tables
from salesops.data.sources import open_crm

pytestmark = pytest.mark.slow

QUARTER = "2026Q3"
TEAM = "SMB"
ANALYSES = ("funnel", "cohort", "forecast_accuracy", "quota")
SCOPES = ("smb", "all")
TOLERANCE = 1e-9


def _run(source: str, out: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "salesops", "run", "--quarter", QUARTER, "--team", TEAM]
    for analysis in ANALYSES:
        command += ["--analysis", analysis]
    return subprocess.run(
        [*command, "--source", source, "--out", str(out)], capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, postgres_url: str
) -> dict[str, tuple[subprocess.CompletedProcess[str], Path]]:
    """The demo written to a DuckDB file and copied into PostgreSQL, then run on each."""
    folder = tmp_path_factory.mktemp("parity")
    frames = generate()
    write_tables(folder / "demo.duckdb", frames)
    copy_tables(frames, postgres_url)
    return {
        name: (_run(source, folder / name), folder / name)
        for name, source in (("duckdb", str(folder / "demo.duckdb")), ("postgres", postgres_url))
    }


def _differences(left: Any, right: Any, path: str = "") -> list[str]:
    """Where two headline records differ: numbers beyond TOLERANCE, anything else unequal."""
    if isinstance(left, dict) and isinstance(right, dict):
        if left.keys() != right.keys():
            return [f"{path}: keys {sorted(left)} != {sorted(right)}"]
        return [d for key in left for d in _differences(left[key], right[key], f"{path}.{key}")]
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [
            d
            for i, pair in enumerate(zip(left, right, strict=True))
            for d in _differences(*pair, f"{path}[{i}]")
        ]
    numbers = (int, float)
    if isinstance(left, numbers) and isinstance(right, numbers) and not isinstance(left, bool):
        if math.isclose(left, right, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            return []
        return [f"{path}: {left!r} != {right!r}"]
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]


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
    differences = []
    for scope in SCOPES:
        for analysis in ANALYSES:
            name = Path(QUARTER, scope, f"{analysis}.json")
            left = json.loads((duck_out / name).read_text())
            right = json.loads((pg_out / name).read_text())
            differences += _differences(left, right, str(name))
    assert differences == []


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
