"""Shared fixtures of the reliability tests: a small CRM as files, a project root of their own,
and the real ``salesops`` command run in a child process (helpers in ``fixture_data``)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from fixture_data import small_crm, write_csv_folder

from salesops import config

Run = Callable[..., subprocess.CompletedProcess[str]]


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
def salesops(project: Path, salesops_in: Callable[[Path], Run]) -> Run:
    """Run ``python -m salesops ARGS`` in the test's project root; extra environment as keywords."""
    return salesops_in(project)
