"""Copy contract tables into any database Ibis can reach, e.g. the demo CRM into PostgreSQL.

Tables are written with the contract's column types (DATE, TIMESTAMP, DOUBLE PRECISION, BOOLEAN,
BIGINT, TEXT in PostgreSQL terms), so that a report run against the copy computes the same
numbers as one against the original.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import ibis
import pandas as pd
import pyarrow as pa

from salesops.data import contract
from salesops.data.sources import Crm, connect
from salesops.errors import SourceError


def _arrow(name: str, frame: pd.DataFrame | pa.Table) -> pa.Table:
    """``frame``'s contract columns in contract order, cast to the contract's Arrow types.

    pandas NaN and None become nulls; a contract column the frame lacks is a SourceError.
    """
    if name not in contract.TABLES:
        known = ", ".join(contract.TABLES)
        raise SourceError(f"{name!r} is not a contract table ({known})")
    schema = ibis.schema(contract.TABLES[name].columns).to_pyarrow()
    table = (
        frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    )
    lacking = [column for column in schema.names if column not in table.column_names]
    if lacking:
        raise SourceError(f"table {name} has no column {', '.join(lacking)}")
    return table.select(schema.names).cast(schema, safe=False)


def copy_tables(
    tables: Mapping[str, pd.DataFrame | pa.Table] | Crm, url: str | os.PathLike[str]
) -> dict[str, int]:
    """Write ``tables`` (frames by contract table name, or an opened Crm) into the database at
    ``url``, replacing tables of the same name; row counts per table.

    ``url`` is anything ``sources.connect`` opens (an Ibis URL, or a DuckDB file). Only contract
    columns are copied. Each table goes through the backend's ``create_table(overwrite=True)``,
    which fills a new table and swaps it in, so readers never see a half-written one. A Crm's
    conformed tables are read whole: this is a loader, not a metric.
    """
    frames = (
        {name: table.to_pyarrow() for name, table in tables.tables.items()}
        if isinstance(tables, Crm)
        else tables
    )
    typed = {name: _arrow(name, frame) for name, frame in frames.items()}
    con = connect(url)
    try:
        for name, table in typed.items():
            schema = ibis.schema(contract.TABLES[name].columns)
            con.create_table(name, table, schema=schema, overwrite=True)
    finally:
        con.disconnect()
    return {name: table.num_rows for name, table in typed.items()}
