"""The demo for the metric tests: its frames as generated, and as conformed DuckDB tables."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest

from salesops.data import contract, demo


@pytest.fixture(scope="session")
def frames() -> dict[str, pd.DataFrame]:
    """The demo's tables as ``salesops demo`` generates them."""
    return demo.generate()


@pytest.fixture(scope="session")
def demo_tables(frames: dict[str, pd.DataFrame]) -> dict[str, ibis.Table]:
    """The demo's contract tables in DuckDB, conformed as a source's are."""
    con = ibis.duckdb.connect()
    return {
        name: contract.conform(name, con.create_table(name, frame))
        for name, frame in frames.items()
        if name in contract.TABLES
    }
