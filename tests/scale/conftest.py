"""Fixtures for the scale and portability tests: a PostgreSQL server, and the demo in DuckDB."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from parity import run_reports
from postgres import cluster, server_bin

from salesops.data.demo import generate, write_tables


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A running throw-away PostgreSQL cluster's URL (with its password) for the session."""
    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
            "install it with: apt-get install -y postgresql"
        )
    with cluster(bin_dir) as url:
        yield url


@pytest.fixture(scope="session")
def duckdb_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The parity tests' reference: the demo written to a DuckDB file and the run on it."""
    folder = tmp_path_factory.mktemp("duckdb")
    write_tables(folder / "demo.duckdb", generate())
    return run_reports(str(folder / "demo.duckdb"), folder / "out"), folder / "out"
