"""Shared fixtures of the report runner tests: a real DuckDB CRM and fixture notebooks."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from salesops.data.demo import generate, write_tables

FIXTURE_NOTEBOOKS = Path(__file__).parents[1] / "fixtures" / "notebooks"

# Demo teams renamed to names that must never reach the filesystem or a page unchanged.
HOSTILE_TEAMS = {
    "Enterprise East": "../../etc/passwd",
    "Enterprise West": "<script>alert('west')</script>",
    "Mid-Market": "Sales/EMEA",
}


@pytest.fixture(scope="session")
def crm_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo CRM (seed 7) as a DuckDB file, three of its teams renamed to hostile names."""
    tables = generate(seed=7, scale=1)
    tables["reps"] = tables["reps"].assign(team=tables["reps"]["team"].replace(HOSTILE_TEAMS))
    path = tmp_path_factory.mktemp("crm") / "crm.duckdb"
    write_tables(path, tables)
    return str(path)


@pytest.fixture
def notebooks(tmp_path: Path) -> Callable[..., Path]:
    """Make a notebooks folder holding copies of the named fixture notebooks."""

    def make(*names: str) -> Path:
        folder = tmp_path / "notebooks"
        folder.mkdir(exist_ok=True)
        for name in names:
            shutil.copy(FIXTURE_NOTEBOOKS / f"{name}.ipynb", folder / f"{name}.ipynb")
        return folder

    return make


@pytest.fixture
def run_file(tmp_path: Path) -> Callable[[str], Path]:
    """Write a new quarterly run params file with the given YAML text."""
    written: list[Path] = []

    def write(text: str) -> Path:
        path = tmp_path / f"quarterly-{len(written) + 1}.yaml"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        return path

    return write
