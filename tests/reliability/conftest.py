"""Shared fixtures of the reliability tests: a small CRM as files, a project root of their own,
and the real ``salesops`` command run in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from salesops import config
from salesops.data.demo import generate

QUARTER = "2026Q3"  # the demo data ends on 2026-09-30: its last complete quarter


def small_crm() -> dict[str, pd.DataFrame]:
    """The demo CRM (seed 7) thinned to every 40th deal: same shape, a fraction of the rows."""
    tables = generate(seed=7)
    deals = tables["opportunities"].iloc[::40]
    history = tables["stage_history"]
    tables["opportunities"] = deals
    tables["stage_history"] = history[history.opportunity_id.isin(deals.opportunity_id)]
    tables["leads"] = tables["leads"].iloc[::100].assign(opportunity_id=None)
    tables["forecast_submissions"] = tables["forecast_submissions"].iloc[::50]
    return tables


def write_csv_folder(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def csv_crm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of contract CSV files that meets the contract; copy it before breaking it."""
    return write_csv_folder(tmp_path_factory.mktemp("crm") / "good", small_crm())


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project root of the test's own (notebooks linked, no params files, its own reports/)."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "notebooks").symlink_to(config.NOTEBOOKS_DIR)
    return root


@pytest.fixture
def salesops(project: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m salesops ARGS`` in the test's project root; extra environment as keywords."""

    def run(*args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "salesops", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=project,
            env={**os.environ, "SALESOPS_ROOT": str(project), **env},
        )

    return run


def snapshot(folder: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes (``skip``: names left out)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in skip
    }
