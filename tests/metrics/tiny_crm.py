"""Tiny CRMs built by hand for the metric tests: rows in, contract-typed Ibis memtables out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import ibis
import pandas as pd

from salesops.data import contract

# name, sort_order, is_closed, is_won: the demo's process
STAGES = [
    ("Prospecting", 1, False, False),
    ("Qualification", 2, False, False),
    ("Discovery", 3, False, False),
    ("Proposal", 4, False, False),
    ("Negotiation", 5, False, False),
    ("Closed Won", 6, True, True),
    ("Closed Lost", 7, True, False),
]
FLAGS = {name: (closed, won) for name, _, closed, won in STAGES}


def _value(dtype: Any, value: Any) -> Any:
    if isinstance(value, str) and dtype.is_timestamp():
        return datetime.fromisoformat(value)
    if isinstance(value, str) and dtype.is_date():
        return date.fromisoformat(value)
    return value


def table(name: str, rows: Iterable[dict[str, Any]]) -> ibis.Table:
    """A contract table from rows; absent columns are null, ISO strings become dates/timestamps."""
    columns = contract.TABLES[name].columns
    records = [{c: _value(columns[c], row.get(c)) for c in columns} for row in rows]
    frame = pd.DataFrame(records, columns=list(columns))
    return ibis.memtable(frame, schema=ibis.schema(columns))


def rep(rep_id: str, team: str = "East", hire: str = "2024-01-01", **extra: Any) -> dict:
    return {
        "rep_id": rep_id,
        "rep_name": f"Rep {rep_id}",
        "team": team,
        "role": "AE",
        "hire_date": hire,
        **extra,
    }


def deal(
    opportunity_id: str,
    rep_id: str,
    created: str,
    close: str,
    stage: str,
    amount: float = 100.0,
    **extra: Any,
) -> dict:
    """A deal; is_closed and is_won follow its stage."""
    closed, won = FLAGS[stage]
    return {
        "opportunity_id": opportunity_id,
        "rep_id": rep_id,
        "created_at": created,
        "close_date": close,
        "stage": stage,
        "is_closed": closed,
        "is_won": won,
        "amount": amount,
        "currency": "USD",
        **extra,
    }


def step(opportunity_id: str, stage: str, entered: str, **extra: Any) -> dict:
    return {"opportunity_id": opportunity_id, "stage": stage, "entered_at": entered, **extra}


def crm(
    reps: list[dict],
    deals: list[dict],
    *,
    history: list[dict] | None = None,
    leads: list[dict] | None = None,
    quotas: list[dict] | None = None,
    calls: list[dict] | None = None,
) -> dict[str, ibis.Table]:
    """The tables mapping the metrics take; an optional table left as None is absent."""
    stages = [{"stage": s, "sort_order": o, "is_closed": c, "is_won": w} for s, o, c, w in STAGES]
    tables = {
        "reps": table("reps", reps),
        "opportunities": table("opportunities", deals),
        "stages": table("stages", stages),
    }
    optional = {
        "stage_history": history,
        "leads": leads,
        "quotas": quotas,
        "forecast_submissions": calls,
    }
    tables.update({name: table(name, rows) for name, rows in optional.items() if rows is not None})
    return tables
