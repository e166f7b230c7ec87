"""Quota attainment: per rep and for the team, ramping reps, spread, concentration and the gap.

Bookings are the closed-won amount with close_date in the quarter, credited to the deal's rep.
A rep's quota is the sum of the rep's quotas rows whose quarter_start is the quarter's first day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import ibis
import numpy as np
import pandas as pd

from salesops.config import OrgSettings
from salesops.i18n import N_
from salesops.metrics import MissingTableError, Tables, plain_float, require
from salesops.metrics.pipeline import PipelineCoverage, pipeline_coverage
from salesops.metrics.scope import (
    closed_totals,
    scoped_opportunities,
    scoped_reps,
    whole_months_between,
)
from salesops.metrics.stats import at_least, at_most, ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

RAMP_MONTHS = OrgSettings().ramp_months
ATTAINMENT_BANDS = (0.5, 0.75, 1.0, 1.25)
TENURE_BANDS = (3, 6, 12, 24)
REP_COLUMNS = ("rep_id", "rep_name", "team", "hire_date")


def attainment(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, ramp_months: int = RAMP_MONTHS
) -> pd.DataFrame:
    """Per rep of the scope with a quota or bookings in the quarter: attainment and tenure.

    attainment = bookings / quota (NaN when the quota is missing or 0); gap = quota - bookings
    (negative above quota); tenure_months = whole months from hire_date to the quarter's end;
    ramping = tenure_months < ``ramp_months`` (3); at_quota = attainment >= 100 % (``at_least``:
    bookings equal to the quota but for float drift are at quota).
    Columns: rep_id, rep_name, team, hire_date, quota, bookings, attainment, gap, tenure_months,
    ramping, at_quota; highest attainment first. Needs quotas.
    """
    quotas = require(tables, "quotas", N_("Quota attainment"))
    reps = scoped_reps(tables, team)
    quota = (
        quotas.filter(quotas.quarter_start == quarter.start)
        .group_by("rep_id")
        .aggregate(quota=ibis._.quota.sum())
    )
    deals = scoped_opportunities(tables, team)
    booked = closed_totals(deals, quarter.start, quarter.end, by=["rep_id"]).select(
        "rep_id", bookings="won_amount"
    )
    rows = reps.left_join(quota, "rep_id").select(*REP_COLUMNS, "quota")
    rows = rows.left_join(booked, "rep_id").select(*REP_COLUMNS, "quota", "bookings")
    rows = rows.filter(rows.quota.notnull() | rows.bookings.notnull())
    frame = rows.select(
        *REP_COLUMNS,
        "quota",
        bookings=rows.bookings.fill_null(0.0),
        tenure_months=whole_months_between(rows.hire_date, ibis.literal(quarter.end)),
    ).execute()
    frame["quota"] = frame["quota"].astype("float64")
    frame["attainment"] = frame["bookings"] / frame["quota"].where(frame["quota"] > 0)
    frame["gap"] = frame["quota"] - frame["bookings"]
    frame["tenure_months"] = frame["tenure_months"].astype("int64")
    frame["ramping"] = frame["tenure_months"] < ramp_months
    frame["at_quota"] = at_least(frame["attainment"], 1.0)
    frame["hire_date"] = pd.to_datetime(frame["hire_date"]).dt.date
    frame = frame.sort_values(["attainment", "bookings", "rep_id"], ascending=[False, False, True])
    columns = ["rep_id", "rep_name", "team", "hire_date", "quota", "bookings", "attainment", "gap"]
    return frame[[*columns, "tenure_months", "ramping", "at_quota"]].reset_index(drop=True)


@dataclass(frozen=True)
class ShareAtQuota:
    """Reps with a quota above zero, and how many reached it."""

    reps: int
    at_quota: int
    share: float | None
    include_ramping: bool


def share_at_quota(reps: pd.DataFrame, *, include_ramping: bool = True) -> ShareAtQuota:
    """Share of reps at quota among the reps of ``attainment`` with a quota above zero.

    ``include_ramping=False`` leaves out ramping reps (under the ramp months); docs/metrics.md's
    default counts every rep with a quota.
    """
    counted = reps[reps["quota"] > 0]
    if not include_ramping:
        counted = counted[~counted["ramping"]]
    at_quota = int(counted["at_quota"].sum())
    return ShareAtQuota(len(counted), at_quota, ratio(at_quota, len(counted)), include_ramping)


@dataclass(frozen=True)
class QuotaSummary:
    """The scope's quota, bookings and attainment."""

    reps: int
    reps_with_quota: int
    ramping_reps: int
    quota_total: float | None
    bookings_total: float
    team_attainment: float | None
    gap: float | None
    median_attainment: float | None
    reps_at_quota: int
    reps_at_quota_share: float | None
    ramped_reps_with_quota: int
    ramped_reps_at_quota_share: float | None


def _gap(quota_total: float | None, bookings_total: float) -> float | None:
    """quota - bookings; exactly 0 when the bookings equal the quota but for float drift."""
    if quota_total is None:
        return None
    if at_least(bookings_total, quota_total) and at_most(bookings_total, quota_total):
        return 0.0
    return quota_total - bookings_total


def quota_summary(reps: pd.DataFrame) -> QuotaSummary:
    """Team attainment = sum of bookings / sum of quota over the rows of ``attainment``.

    bookings_total covers every booking of the scope (reps without a quota too); quota_total is
    None when no rep has a quota row; gap = quota_total - bookings_total. The share at quota is
    given with ramping reps (default: docs/metrics.md) and without them (``ramped_...``).
    """
    with_quota = reps["quota"].notna()
    quota_total = float(reps.loc[with_quota, "quota"].sum()) if with_quota.any() else None
    bookings_total = float(reps["bookings"].sum())
    everyone = share_at_quota(reps, include_ramping=True)
    ramped = share_at_quota(reps, include_ramping=False)
    attained = reps["attainment"].dropna()
    return QuotaSummary(
        reps=len(reps),
        reps_with_quota=everyone.reps,
        ramping_reps=int(reps["ramping"].sum()),
        quota_total=quota_total,
        bookings_total=bookings_total,
        team_attainment=ratio(bookings_total, quota_total),
        gap=_gap(quota_total, bookings_total),
        median_attainment=float(attained.median()) if len(attained) else None,
        reps_at_quota=everyone.at_quota,
        reps_at_quota_share=everyone.share,
        ramped_reps_with_quota=ramped.reps,
        ramped_reps_at_quota_share=ramped.share,
    )


def _banded(values: pd.Series, edges: tuple[float, ...], label: str) -> pd.Categorical:
    """Each value's band, lower edge included: the number of edges it reaches (``at_least``, so
    an attainment short of 75 % by float drift alone is in the 75-100 % band)."""
    names = [f"under {edges[0]:g}{label}"]
    names += [f"{lo:g}-{hi:g}{label}" for lo, hi in pairwise(edges)]
    names.append(f"{edges[-1]:g}{label} and over")
    codes = pd.Series(0, index=values.index)
    for edge in edges:
        codes += at_least(values, edge)
    return pd.Categorical.from_codes(codes.where(values.notna(), -1), categories=names)


def attainment_distribution(
    reps: pd.DataFrame, bands: tuple[float, ...] = ATTAINMENT_BANDS
) -> pd.DataFrame:
    """How many reps with a quota above zero fall in each attainment band (lower edge included).

    Default bands: under 50 %, 50-75 %, 75-100 %, 100-125 %, 125 % and over. Columns: band,
    reps, share.
    """
    counted = reps.loc[reps["quota"] > 0, "attainment"]
    banded = _banded(counted * 100, tuple(100 * b for b in bands), " %")
    names = list(banded.categories)
    counts = banded.value_counts().reindex(names, fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "band": names,
            "reps": counts.to_numpy(dtype="int64"),
            "share": counts.to_numpy() / total if total else np.nan,
        }
    )


def attainment_by_tenure(reps: pd.DataFrame, bands: tuple[int, ...] = TENURE_BANDS) -> pd.DataFrame:
    """Attainment against tenure: reps with a quota above zero grouped by tenure months at the
    quarter's end (default bands under 3, 3-6, 6-12, 12-24, 24 and over).

    Columns: tenure, reps, median_attainment, at_quota_share (NaN for an empty band).
    """
    counted = reps[reps["quota"] > 0]
    banded = _banded(counted["tenure_months"], tuple(float(b) for b in bands), " months")
    names = list(banded.categories)
    grouped = counted.groupby(banded, observed=False)
    return pd.DataFrame(
        {
            "tenure": names,
            "reps": grouped.size().reindex(names, fill_value=0).to_numpy(dtype="int64"),
            "median_attainment": grouped["attainment"].median().reindex(names).to_numpy(),
            "at_quota_share": grouped["at_quota"].mean().reindex(names).to_numpy(dtype=float),
        }
    )


@dataclass(frozen=True)
class BookingsConcentration:
    """Share of the scope's bookings brought in by its top reps."""

    reps: int
    top_reps: int
    top_bookings: float
    bookings_total: float
    share: float | None


def bookings_concentration(reps: pd.DataFrame, top_share: float = 0.2) -> BookingsConcentration:
    """Bookings of the top ``top_share`` of reps (20 %, rounded up to whole reps) / all bookings.

    Over the rows of ``attainment`` (reps with a quota or bookings); share is None without
    bookings.
    """
    bookings = reps["bookings"].sort_values(ascending=False)
    top = math.ceil(top_share * len(bookings)) if len(bookings) else 0
    top_bookings, total = float(bookings.head(top).sum()), float(bookings.sum())
    share = ratio(top_bookings, total)
    return BookingsConcentration(len(bookings), top, top_bookings, total, share)


def next_quarter_coverage(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS
) -> PipelineCoverage:
    """Coverage of the next gap: open pipeline at this quarter's end with close_date in the next
    quarter / the next quarter's quota (``pipeline_coverage`` of the next quarter at its first
    day). Coverage is None when the next quarter has no quota yet. Needs quotas."""
    return pipeline_coverage(tables, quarter.next(), team)


def quota_headline(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, ramp_months: int = RAMP_MONTHS
) -> dict[str, Any]:
    """The quota headline figures as a JSON-safe dict (None where undefined or unavailable).

    Keys: quota_total, bookings_total, team_attainment (sum won / sum quota), reps,
    reps_with_quota, reps_at_quota, reps_at_quota_share (every rep with a quota above zero,
    ramping or not), ramping_reps, ramped_reps_at_quota_share, median_attainment, gap_total,
    top20_bookings_share, next_quarter_pipeline, next_quarter_quota, next_quarter_coverage,
    ramp_months, missing_tables.
    """
    try:
        reps = attainment(tables, quarter, team, ramp_months=ramp_months)
    except MissingTableError as exc:
        deals = scoped_opportunities(tables, team)
        booked = closed_totals(deals, quarter.start, quarter.end).execute().iloc[0]
        return {
            "quota_total": None,
            "bookings_total": plain_float(booked["won_amount"]) or 0.0,
            "team_attainment": None,
            "reps": None,
            "reps_with_quota": None,
            "reps_at_quota": None,
            "reps_at_quota_share": None,
            "ramping_reps": None,
            "ramped_reps_at_quota_share": None,
            "median_attainment": None,
            "gap_total": None,
            "top20_bookings_share": None,
            "next_quarter_pipeline": None,
            "next_quarter_quota": None,
            "next_quarter_coverage": None,
            "ramp_months": ramp_months,
            "missing_tables": [exc.table],
        }
    summary = quota_summary(reps)
    coverage = next_quarter_coverage(tables, quarter, team)
    return {
        "quota_total": summary.quota_total,
        "bookings_total": summary.bookings_total,
        "team_attainment": summary.team_attainment,
        "reps": summary.reps,
        "reps_with_quota": summary.reps_with_quota,
        "reps_at_quota": summary.reps_at_quota,
        "reps_at_quota_share": summary.reps_at_quota_share,
        "ramping_reps": summary.ramping_reps,
        "ramped_reps_at_quota_share": summary.ramped_reps_at_quota_share,
        "median_attainment": summary.median_attainment,
        "gap_total": summary.gap,
        "top20_bookings_share": bookings_concentration(reps).share,
        "next_quarter_pipeline": coverage.pipeline,
        "next_quarter_quota": coverage.quota,
        "next_quarter_coverage": coverage.coverage,
        "ramp_months": ramp_months,
        "missing_tables": [],
    }
