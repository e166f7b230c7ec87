"""The baseline for the metrics engine: funnel and quota headline figures in plain pandas.

This is how the numbers would be computed without Ibis: read the tables whole into pandas, then
filter, join and aggregate in memory. The definitions are the ones of ``salesops.metrics``
(DESIGN section 3); ``HEADLINE_KEYS`` lists the figures computed both ways and compared.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from salesops.metrics.stats import kaplan_meier, median_survival, ratio
from salesops.periods import Quarter

TABLES = ("reps", "opportunities", "stages", "stage_history", "leads", "quotas")
FUNNEL_KEYS = (
    "closed_deals",
    "won_deals",
    "won_amount",
    "closed_amount",
    "win_rate",
    "avg_won_deal",
    "median_cycle_days",
    "stage_conversion",
    "lead_conversion",
    "leads",
)
QUOTA_KEYS = (
    "quota_total",
    "bookings_total",
    "team_attainment",
    "reps_with_quota",
    "reps_at_quota_share",
    "median_attainment",
    "top20_bookings_share",
)
LEAD_WINDOW_DAYS = 90


def load(path: Path) -> dict[str, pd.DataFrame]:
    """Every table the two headlines read, whole, as pandas frames."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {name: con.table(name).df() for name in TABLES}


def _at(day: Any) -> pd.Timestamp:
    return pd.Timestamp(datetime.combine(day, time()))


def _team_deals(tables: dict[str, pd.DataFrame], team: str) -> pd.DataFrame:
    reps = tables["reps"] if team == "all" else tables["reps"][tables["reps"]["team"] == team]
    return tables["opportunities"].merge(reps[["rep_id", "team"]], on="rep_id")


def _closed_in(deals: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    start, end = _at(quarter.start), _at(quarter.end)
    return deals[deals["is_closed"] & (deals["close_date"] >= start) & (deals["close_date"] < end)]


def _median_cycle(deals: pd.DataFrame, quarter: Quarter) -> float | None:
    since, last = quarter.previous(3), _at(quarter.last_day)
    created = deals[
        (deals["created_at"] >= _at(since.start)) & (deals["created_at"] < _at(quarter.end))
    ]
    closed_by_end = created["is_closed"] & (created["close_date"] <= last)
    kept = created[~(closed_by_end & ~created["is_won"])]
    closed_by_end = closed_by_end[kept.index]
    until = kept["close_date"].where(closed_by_end, last)
    days = (until - kept["created_at"].dt.normalize()).dt.days.to_numpy(dtype=float)
    events = (closed_by_end & kept["is_won"]).to_numpy(dtype=bool)
    return median_survival(kaplan_meier(days, events))


def _stage_conversion(
    tables: dict[str, pd.DataFrame], deals: pd.DataFrame, quarter: Quarter
) -> dict[str, float | None]:
    stages = tables["stages"].sort_values(["sort_order", "stage"])
    cohort = deals[
        (deals["created_at"] >= _at(quarter.start)) & (deals["created_at"] < _at(quarter.end))
    ]
    history = tables["stage_history"]
    shown = history.loc[
        history["opportunity_id"].isin(cohort["opportunity_id"]), ["opportunity_id", "stage"]
    ]
    evidence = pd.concat([shown, cohort[["opportunity_id", "stage"]]]).merge(stages, on="stage")
    evidence["open_order"] = evidence["sort_order"].where(~evidence["is_closed"])
    per_deal = evidence.groupby("opportunity_id").agg(
        top_open=("open_order", "max"), won=("is_won", "any")
    )
    steps = stages[~stages["is_closed"]]
    reached = [
        int((per_deal["won"] | (per_deal["top_open"] >= order)).sum())
        for order in steps["sort_order"]
    ]
    names = list(steps["stage"])
    won_stage = stages[stages["is_won"]].head(1)
    if not won_stage.empty:
        names.append(str(won_stage["stage"].iloc[0]))
        reached.append(int(per_deal["won"].sum()))
    conversion: dict[str, float | None] = {}
    for index, name in enumerate(names):
        previous = reached[index - 1] if index else 0
        conversion[name] = reached[index] / previous if previous > 0 else None
    return conversion


def _lead_conversion(
    tables: dict[str, pd.DataFrame], team: str, quarter: Quarter
) -> tuple[float | None, int]:
    leads = tables["leads"]
    if team != "all":
        team_reps = tables["reps"].loc[tables["reps"]["team"] == team, "rep_id"]
        leads = leads[leads["rep_id"].isin(team_reps)]
    created = leads[
        (leads["created_at"] >= _at(quarter.start)) & (leads["created_at"] < _at(quarter.end))
    ]
    waited = (created["converted_at"] - created["created_at"]).dt.total_seconds() / 86_400
    converted = int((created["converted_at"].notna() & (waited <= LEAD_WINDOW_DAYS)).sum())
    return ratio(converted, len(created)), len(created)


def funnel_headline(tables: dict[str, pd.DataFrame], quarter: Quarter, team: str) -> dict[str, Any]:
    """``FUNNEL_KEYS`` of ``salesops.metrics.funnel.funnel_headline``, in pandas."""
    deals = _team_deals(tables, team)
    closed = _closed_in(deals, quarter)
    won = closed[closed["is_won"]]
    won_amount, closed_amount = float(won["amount"].sum()), float(closed["amount"].sum())
    lead_rate, leads = _lead_conversion(tables, team, quarter)
    return {
        "closed_deals": len(closed),
        "won_deals": len(won),
        "won_amount": won_amount,
        "closed_amount": closed_amount,
        "win_rate": ratio(len(won), len(closed)),
        "avg_won_deal": ratio(won_amount, len(won)),
        "median_cycle_days": _median_cycle(deals, quarter),
        "stage_conversion": _stage_conversion(tables, deals, quarter),
        "lead_conversion": lead_rate,
        "leads": leads,
    }


def quota_headline(tables: dict[str, pd.DataFrame], quarter: Quarter, team: str) -> dict[str, Any]:
    """``QUOTA_KEYS`` of ``salesops.metrics.quota.quota_headline``, in pandas."""
    reps = tables["reps"] if team == "all" else tables["reps"][tables["reps"]["team"] == team]
    quotas = tables["quotas"]
    quota = quotas[quotas["quarter_start"] == _at(quarter.start)].groupby("rep_id")["quota"].sum()
    closed = _closed_in(_team_deals(tables, team), quarter)
    booked = closed[closed["is_won"]].groupby("rep_id")["amount"].sum()
    rows = reps[["rep_id"]].assign(
        quota=reps["rep_id"].map(quota), bookings=reps["rep_id"].map(booked)
    )
    rows = rows[rows["quota"].notna() | rows["bookings"].notna()]
    rows["bookings"] = rows["bookings"].fillna(0.0)
    rows["attainment"] = rows["bookings"] / rows["quota"].where(rows["quota"] > 0)
    with_quota = rows["quota"].notna()
    quota_total = float(rows.loc[with_quota, "quota"].sum()) if with_quota.any() else None
    bookings_total = float(rows["bookings"].sum())
    counted = rows[rows["quota"] > 0]
    at_quota = int((counted["attainment"] >= 1.0).sum())
    attained = rows["attainment"].dropna()
    ranked = rows["bookings"].sort_values(ascending=False)
    top = int(np.ceil(0.2 * len(ranked)))
    return {
        "quota_total": quota_total,
        "bookings_total": bookings_total,
        "team_attainment": ratio(bookings_total, quota_total),
        "reps_with_quota": len(counted),
        "reps_at_quota_share": ratio(at_quota, len(counted)),
        "median_attainment": float(attained.median()) if len(attained) else None,
        "top20_bookings_share": ratio(float(ranked.head(top).sum()), float(ranked.sum())),
    }
