"""The pinned Ibis, sqlglot and DuckDB still create tables (sqlglot 30.18+ broke Ibis 12.0)."""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd


def test_ibis_creates_and_overwrites_a_table_in_a_duckdb_file(tmp_path: Path) -> None:
    # With sqlglot >= 30.18, Ibis 12.0 emits "DROP VIEW IF EXISTS" with no name and this fails.
    con = ibis.duckdb.connect(str(tmp_path / "check.duckdb"))
    con.create_table("deals", pd.DataFrame({"amount": [1.0, 2.0]}))
    table = con.create_table("deals", pd.DataFrame({"amount": [3.0]}), overwrite=True)
    assert table.amount.sum().execute() == 3.0
    assert "deals" in con.list_tables()


def test_ibis_runs_raw_sql_against_duckdb() -> None:
    # DuckDB 2.0 removed a connection method that Ibis 12.0 calls from con.sql and list_tables.
    con = ibis.duckdb.connect()
    assert con.sql("SELECT 41 + 1 AS answer").execute()["answer"].tolist() == [42]
