"""The demo for the metric tests: its frames as generated, and as conformed DuckDB tables."""

from __future__ import annotations

import ibis
import pandas as pd
import pytest
from ibis.expr.types import Expr
from test_demo_headlines import SparkOptions

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


@pytest.fixture
def portable_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query the test executes is also compiled for PostgreSQL and Spark SQL: an operation
    either lacks fails the test."""
    execute = Expr.execute

    def portable_execute(self: Expr, *args: object, **kwargs: object) -> object:
        for dialect in ("postgres", "pyspark"):
            ibis.to_sql(self, dialect=dialect)
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(Expr, "execute", portable_execute)
    if ibis.options.pyspark is None:
        monkeypatch.setattr(ibis.options, "pyspark", SparkOptions())
