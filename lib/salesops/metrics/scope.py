"""Scoping: the reps, deals and leads of a team, and the period filters every metric shares.

A team is the ``team`` of the deal's (lead's, quota's, call's) rep; ``"all"`` means every team.
Periods are half-open, ``start <= day < end``. Day counts use epoch seconds, which every Ibis
backend (DuckDB, PostgreSQL, PySpark) computes the same way. Flags are counted with ``.sum()``,
never ``.cast("int64").sum()``: PostgreSQL casts boolean to integer but not to bigint.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import ibis
import pandas as pd

from salesops.metrics import Tables, require
from salesops.vocabulary import ALL_TEAMS

SECONDS_PER_DAY = 86_400
EXACT = "decimal(38, 6)"  # what exact_sum adds up in: money to a millionth, up to 10^32


def scoped_reps(tables: Tables, team: str = ALL_TEAMS) -> ibis.Table:
    """The reps of ``team`` (every rep for ``"all"``)."""
    reps = require(tables, "reps")
    return reps if team == ALL_TEAMS else reps.filter(reps.team == team)


def scoped_opportunities(tables: Tables, team: str = ALL_TEAMS) -> ibis.Table:
    """The deals of ``team``'s reps, with the rep's ``team`` and ``rep_name`` added."""
    deals = require(tables, "opportunities")
    reps = scoped_reps(tables, team).select("rep_id", "team", "rep_name")
    return deals.join(reps, "rep_id")


def scoped_by_rep(table: ibis.Table, tables: Tables, team: str = ALL_TEAMS) -> ibis.Table:
    """Rows of ``table`` (leads, quotas, calls) whose rep is in ``team``; every row for "all"."""
    if team == ALL_TEAMS:
        return table
    reps = scoped_reps(tables, team)
    return table.semi_join(reps, table.rep_id == reps.rep_id)


def stage_order(tables: Tables) -> pd.DataFrame:
    """The stages table in sort_order: stage, sort_order, is_closed, is_won (a few rows)."""
    stages = require(tables, "stages")
    frame = stages.select("stage", "sort_order", "is_closed", "is_won").execute()
    return frame.sort_values(["sort_order", "stage"]).reset_index(drop=True)


def midnight(day: date) -> datetime:
    """The first instant of ``day`` (timestamps are naive UTC)."""
    return datetime.combine(day, time())


def within(value: ibis.Value, start: date, end: date) -> ibis.BooleanValue:
    """``start <= value < end`` for a date or a timestamp column (timestamps from midnight)."""
    if value.type().is_timestamp():
        return (value >= midnight(start)) & (value < midnight(end))
    return (value >= start) & (value < end)


def _epoch_seconds(value: ibis.Value) -> ibis.IntegerValue:
    return (value.cast("timestamp") if value.type().is_date() else value).epoch_seconds()


def days_between(start: ibis.Value, end: ibis.Value) -> ibis.FloatingValue:
    """``end - start`` in days (fractional for timestamps; a date counts from its midnight)."""
    return (_epoch_seconds(end) - _epoch_seconds(start)) / SECONDS_PER_DAY


def whole_days_between(start: ibis.Value, end: ibis.Value) -> ibis.IntegerValue:
    """Calendar days from ``start``'s day to ``end``'s day (timestamps truncated to their date)."""
    start_day = start.date() if start.type().is_timestamp() else start
    end_day = end.date() if end.type().is_timestamp() else end
    return days_between(start_day, end_day).round().cast("int64")


def month_index(value: ibis.Value) -> ibis.IntegerValue:
    """Months since year 0 (year * 12 + month - 1), so month differences are subtractions."""
    return value.year().cast("int64") * 12 + value.month().cast("int64") - 1


def whole_months_between(start: ibis.Value, end: ibis.Value) -> ibis.IntegerValue:
    """Whole months from ``start`` to ``end`` (Jan 15 -> Mar 14 is 1, -> Mar 15 is 2)."""
    short = ibis.ifelse(end.day() < start.day(), 1, 0)
    return month_index(end) - month_index(start) - short


def whole_months(start: date, end: date) -> int:
    """``whole_months_between`` for two Python dates."""
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def month_label(index: int) -> str:
    """The ``YYYY-MM`` label of a ``month_index`` value."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def stack(*tables: ibis.Table) -> ibis.Table:
    """UNION ALL of tables with the same columns, all made nullable first: a NOT NULL column in a
    warehouse table would otherwise make the schemas differ and the union fail."""
    schema = ibis.schema({name: t.copy(nullable=True) for name, t in tables[0].schema().items()})
    return ibis.union(*(table.cast(schema) for table in tables))


def exact_sum(
    value: ibis.NumericValue, where: ibis.BooleanValue | None = None
) -> ibis.FloatingValue:
    """The sum of ``value`` (over the rows ``where`` holds) to six decimals, as a float: the same
    to the last digit whatever order the backend adds the rows in. A float sum's last digits
    depend on that order, which parallel scans and joins vary from one run to the next. Null over
    no rows."""
    return value.cast(EXACT).sum(where=where).cast("float64")


def lost_amounts_missing(lost_without_amount: Any, lost: Any) -> Any:
    """Whether most lost deals (over half) have no amount. Many CRMs blank a lost deal's amount;
    the closed amount then holds little more than the won amount, and won / closed amount reads
    near 100 %: an amount-based win rate is withheld. Works on numbers and Series."""
    return 2 * lost_without_amount > lost


def closed_totals(deals: ibis.Table, start: date, end: date, by: Sequence[str] = ()) -> ibis.Table:
    """Deals closed in ``[start, end)`` (by close_date): closed, won, won_amount, closed_amount,
    lost_without_amount (lost deals with no amount: null, or 0 as presets read a blank one).

    One row, or one row per ``by`` group. Closed and won are the deal's own is_closed and is_won
    flags; sums over no deals are null (read them as 0).
    """
    closed = deals.filter(deals.is_closed & within(deals.close_date, start, end))
    metrics = {
        "closed": closed.count(),
        "won": closed.is_won.sum(),
        "won_amount": closed.amount.sum(where=closed.is_won),
        "closed_amount": closed.amount.sum(),
        "lost_without_amount": (
            ~closed.is_won & (closed.amount.isnull() | (closed.amount == 0))
        ).sum(),
    }
    return closed.group_by(list(by)).aggregate(**metrics) if by else closed.aggregate(**metrics)
