"""Sales metrics: pure functions over contract-shaped Ibis tables that return small results.

Every public metric takes ``tables`` (contract table name -> Ibis table; an optional table may be
absent or None), a ``Quarter`` and ``team`` (a team name, or ``"all"`` for every team). Filters and
aggregations run in the backend; only aggregates and per-stage, per-rep or per-week rows come back.

A section that needs an optional table the source lacks raises ``MissingTableError``, whose message
is a sentence (``sentence()`` says it in the reader's language, for a report page). Headline
functions never raise it: the figures that need the table are None and the table is listed under
``missing_tables``.

Modules: ``scope`` (team and period filters), ``pipeline`` (deal state as of a day, coverage),
``funnel``, ``cohort``, ``forecast``, ``quota``, ``flow`` (pipeline flow of a quarter),
``slippage`` (close-date pushes), ``stalls`` (time in stage and stalled deals), ``landing``
(pacing and where a quarter lands), ``touches`` (activity attribution and touches per deal),
``activity`` (active reps, activity per rep and CRM adoption), ``enablement`` (content shared and
the win rates with and without it), ``acquisition`` (new customers, CAC, payback, CAC ratio and
magic number), ``retention`` (net and gross revenue retention, logo churn and lifetime value),
``stats``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

import ibis
import pandas as pd

from salesops.errors import SalesopsError
from salesops.i18n import N_, _

Tables: TypeAlias = Mapping[str, "ibis.Table | None"]

EVERY_ANALYSIS = N_("Every analysis")  # what needs a required table
NEEDS_TABLE = N_("{section} needs the {table} table, which this source does not have.")


class MissingTableError(SalesopsError):
    """A section needs an optional contract table that the source does not have.

    ``section`` is a msgid (``N_("Stage reach")``): the message is English, ``sentence()`` reads
    in the active language."""

    def __init__(self, table: str, section: str) -> None:
        self.table = table
        self.section = section
        super().__init__(NEEDS_TABLE.format(section=section, table=table))

    def sentence(self) -> str:
        """The message in the reader's language."""
        return _(NEEDS_TABLE).format(section=_(self.section), table=self.table)


def require(tables: Tables, name: str, section: str = EVERY_ANALYSIS) -> ibis.Table:
    """The table ``name``, or ``MissingTableError`` saying that ``section`` (a msgid; by default
    every analysis, for a required table) needs it."""
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
