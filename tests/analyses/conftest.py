"""Sources for the analysis tests: the demo, and demo variants with one thing taken away."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from salesops.data.demo import generate, write_tables

Tables = dict[str, pd.DataFrame]


@pytest.fixture(scope="session")
def demo_tables() -> Tables:
    return generate(seed=7, scale=1)


@pytest.fixture(scope="session")
def demo_source(demo_tables: Tables, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    write_tables(path, demo_tables)
    return str(path)


@pytest.fixture
def variant(demo_tables: Tables, tmp_path: Path) -> Callable[[Callable[[Tables], Tables]], str]:
    """A DuckDB source made from the demo tables after ``change`` edits a copy of them."""

    def make(change: Callable[[Tables], Tables]) -> str:
        tables = change({name: frame.copy() for name, frame in demo_tables.items()})
        path = tmp_path / f"variant-{len(list(tmp_path.iterdir()))}.duckdb"
        write_tables(path, tables)
        return str(path)

    return make
