"""Sales metrics: pure functions over contract-shaped Ibis tables that return small results.

Every public metric takes ``tables`` (contract table name -> Ibis table; an optional table may be
absent or None), a ``Quarter`` and ``team`` (a team name, or ``"all"`` for every team). Filters and
aggregations run in the backend; only aggregates and per-stage, per-rep or per-week rows come back.

A section that needs an optional table the source lacks raises ``MissingTableError``, whose message
is a sentence a report can show as is. Headline functions never raise it: the figures that need the
table are None and the table is listed under ``missing_tables``.

Modules: ``scope`` (team and period filters), ``pipeline`` (deal state as of a day, coverage),
``funnel``, ``cohort``, ``forecast``, ``quota``, ``stats``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

import ibis
import pandas as pd

from salesops.errors import SalesopsError

Tables: TypeAlias = Mapping[str, "ibis.Table | None"]


class MissingTableError(SalesopsError):
    """A section needs an optional contract table that the source does not have."""

    def __init__(self, table: str, section: str) -> None:
        self.table = table
        self.section = section
        super().__init__(f"{section} needs the {table} table, which this source does not have.")


def require(tables: Tables, name: str, section: str) -> ibis.Table:
    """The table ``name``, or ``MissingTableError`` saying that ``section`` needs it."""
    table = tables.get(name)
    if table is None:
        raise MissingTableError(name, section)
    return table


def plain_float(value: Any) -> float | None:
    """A JSON-safe number: None for a missing or NaN value, else a Python float."""
    if value is None or pd.isna(value):
        return None
    return float(value)


def plain_int(value: Any) -> int:
    """A count as a Python int; a missing value (an empty sum) counts 0."""
    number = plain_float(value)
    return 0 if number is None else int(number)
