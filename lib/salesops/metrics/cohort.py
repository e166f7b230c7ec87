"""Cohorts: deals by creation month, reps by hire quarter, leads by creation month.

Every cohort table is right-censored at the report quarter's end: an age (month of age, tenure
month, conversion window) is shown for a cohort only once all of its members have been observed
that long, so a young cohort never looks worse than an old one for lack of time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import ibis
import numpy as np
import pandas as pd
from ibis import _

from salesops.i18n import N_
from salesops.metrics import MissingTableError, Tables, require
from salesops.metrics.scope import (
    days_between,
    month_index,
    month_label,
    scoped_by_rep,
    scoped_opportunities,
    scoped_reps,
    whole_months,
    whole_months_between,
    within,
)
from salesops.metrics.stats import at_least, kaplan_meier, median_survival
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

LEAD_WINDOWS = (30, 90, 180)


def _month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def deal_cohorts(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, quarters: int = 4
) -> pd.DataFrame:
    """Cumulative won share by age for the deals created in each month of the ``quarters``
    quarters ending with this one.

    Age of a won deal = close month - creation month (0: won in the month it was created).
    won_share at age a = deals won by age a / deals created in the cohort month. Age a is shown
    only when the cohort month + a is no later than the quarter's last month (observed in full).
    Columns: cohort ("2026-01"), age_months, deals, won, won_share.
    """
    since = quarter.previous(quarters - 1)
    deals = scoped_opportunities(tables, team)
    deals = deals.filter(within(deals.created_at, since.start, quarter.end))
    won = deals.is_closed & deals.is_won & (deals.close_date <= quarter.last_day)
    counts = (
        deals.mutate(
            cohort=month_index(deals.created_at),
            won_age=ibis.ifelse(
                won,
                month_index(deals.close_date) - month_index(deals.created_at),
                ibis.null("int64"),
            ),
        )
        .group_by(["cohort", "won_age"])
        .aggregate(deals=_.count())
        .execute()
    )
    last_month = quarter.last_day.year * 12 + quarter.last_day.month - 1
    rows = []
    for cohort, group in counts.groupby("cohort", sort=True):
        size = int(group["deals"].sum())
        won_ages = group.dropna(subset=["won_age"])
        ages = np.clip(won_ages["won_age"].to_numpy(dtype="int64"), 0, None)
        for age in range(last_month - int(cohort) + 1):
            won_by_age = int(won_ages["deals"].to_numpy()[ages <= age].sum())
            rows.append((month_label(int(cohort)), age, size, won_by_age, won_by_age / size))
    return pd.DataFrame(rows, columns=["cohort", "age_months", "deals", "won", "won_share"])


def _hired_reps(tables: Tables, quarter: Quarter, team: str, hire_quarters: int) -> ibis.Table:
    since = quarter.previous(hire_quarters - 1)
    reps = scoped_reps(tables, team)
    reps = reps.filter(within(reps.hire_date, since.start, quarter.end))
    return reps.select(
        "rep_id",
        "rep_name",
        "hire_date",
        tenure_months=whole_months_between(reps.hire_date, ibis.literal(quarter.end)),
    )


def _hire_quarter(hire_dates: pd.Series, quarter: Quarter) -> pd.Series:
    return pd.to_datetime(hire_dates).dt.date.map(
        lambda d: Quarter.containing(d, quarter.start_month).label
    )


def rep_ramp(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, hire_quarters: int = 8
) -> pd.DataFrame:
    """Bookings by tenure month for the reps hired in each of the ``hire_quarters`` quarters
    ending with this one.

    Tenure month of a won deal = whole months from hire_date to close_date + 1 (month 1 is the
    first month). bookings_per_rep = the cohort's bookings in that month / reps in the cohort
    (leavers stay in it); tenure month t is shown only when every rep of the cohort had t full
    months by the quarter's end. Columns: hire_quarter, reps, tenure_month, bookings,
    bookings_per_rep, cumulative_per_rep.
    """
    hired = _hired_reps(tables, quarter, team, hire_quarters)
    deals = scoped_opportunities(tables, team).select(
        "rep_id", "amount", "close_date", "is_won", "is_closed"
    )
    won = deals.filter(deals.is_closed & deals.is_won & (deals.close_date < quarter.end))
    won = won.join(hired.select("rep_id", "hire_date"), "rep_id")
    monthly = (
        won.mutate(tenure_month=whole_months_between(won.hire_date, won.close_date) + 1)
        .group_by(["rep_id", "tenure_month"])
        .aggregate(bookings=_.amount.sum())
    )
    rows = hired.left_join(monthly, "rep_id").execute()
    rows["hire_quarter"] = _hire_quarter(rows["hire_date"], quarter)
    result = []
    for hire_quarter, group in rows.groupby("hire_quarter", sort=True):
        reps = group.drop_duplicates("rep_id")
        observed = int(reps["tenure_months"].min())
        by_month = group.groupby("tenure_month")["bookings"].sum()
        cumulative = 0.0
        for month in range(1, observed + 1):
            bookings = float(by_month.get(month, 0.0))
            cumulative += bookings / len(reps)
            result.append(
                (hire_quarter, len(reps), month, bookings, bookings / len(reps), cumulative)
            )
    columns = ["hire_quarter", "reps", "tenure_month", "bookings", "bookings_per_rep"]
    return pd.DataFrame(result, columns=[*columns, "cumulative_per_rep"])


def first_full_quota(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, hire_quarters: int = 8
) -> pd.DataFrame:
    """For each rep hired in the ``hire_quarters`` quarters ending with this one, the first
    quarter (up to this one) in which bookings reached a quota above zero.

    months_to_full_quota = whole months from hire_date to that quarter's end; reps yet to get
    there have NaN, and tenure_months (at this quarter's end) tells how long they have been
    trying. Columns: rep_id, rep_name, hire_quarter, hire_date, quota_quarters,
    first_full_quarter (label or None), months_to_full_quota, tenure_months. Needs quotas.
    """
    quotas = require(tables, "quotas", N_("Time to a full-quota quarter"))
    hired = _hired_reps(tables, quarter, team, hire_quarters)
    targets = quotas.filter((quotas.quota > 0) & (quotas.quarter_start < quarter.end))
    targets = targets.join(hired.select("rep_id"), "rep_id")
    targets = targets.group_by(["rep_id", "quarter_start"]).aggregate(quota=_.quota.sum())
    targets = targets.mutate(first_month=month_index(targets.quarter_start))
    deals = scoped_opportunities(tables, team)
    won = deals.filter(deals.is_closed & deals.is_won).select(
        "rep_id", "amount", month=month_index(deals.close_date)
    )
    credited = targets.left_join(
        won,
        [
            targets.rep_id == won.rep_id,
            won.month >= targets.first_month,
            won.month < targets.first_month + 3,
        ],
    )
    per_quarter = (
        credited.group_by(["rep_id", "quarter_start", "quota"])
        .aggregate(bookings=_.amount.sum())
        .execute()
    )
    per_quarter["bookings"] = per_quarter["bookings"].astype("float64").fillna(0.0)
    per_quarter["full"] = at_least(per_quarter["bookings"], per_quarter["quota"])
    per_quarter["quarter_start"] = pd.to_datetime(per_quarter["quarter_start"]).dt.date
    reps = hired.execute().sort_values("rep_id").reset_index(drop=True)
    reps["hire_date"] = pd.to_datetime(reps["hire_date"]).dt.date
    reps["hire_quarter"] = _hire_quarter(reps["hire_date"], quarter)
    firsts, months, counts = [], [], []
    for rep in reps.itertuples(index=False):
        own = per_quarter[per_quarter["rep_id"] == rep.rep_id].sort_values("quarter_start")
        counts.append(len(own))
        full = own[own["full"]]
        if full.empty:
            firsts.append(None)
            months.append(np.nan)
            continue
        reached = Quarter.containing(full["quarter_start"].iloc[0], quarter.start_month)
        firsts.append(reached.label)
        months.append(float(whole_months(rep.hire_date, reached.end)))
    reps["quota_quarters"] = counts
    reps["first_full_quarter"] = firsts
    reps["months_to_full_quota"] = months
    columns = ["rep_id", "rep_name", "hire_quarter", "hire_date", "quota_quarters"]
    return reps[[*columns, "first_full_quarter", "months_to_full_quota", "tenure_months"]]


def full_quota_by_hire_quarter(reps: pd.DataFrame) -> pd.DataFrame:
    """Per hire quarter, from ``first_full_quota``: reps, reached (a full-quota quarter so far),
    share, and median_months to get there by Kaplan-Meier (reps yet to reach it censored at their
    tenure; NaN until half the cohort has). Columns: hire_quarter, reps, reached, share,
    median_months.
    """
    rows = []
    for hire_quarter, group in reps.groupby("hire_quarter", sort=True):
        reached = group["months_to_full_quota"].notna()
        durations = group["months_to_full_quota"].fillna(group["tenure_months"].astype(float))
        median = median_survival(kaplan_meier(durations.to_numpy(), reached.to_numpy()))
        rows.append(
            (
                hire_quarter,
                len(group),
                int(reached.sum()),
                float(reached.mean()),
                np.nan if median is None else median,
            )
        )
    return pd.DataFrame(rows, columns=["hire_quarter", "reps", "reached", "share", "median_months"])


def lead_cohorts(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    windows: Sequence[int] = LEAD_WINDOWS,
    quarters: int = 4,
) -> pd.DataFrame:
    """Share of the leads created in each month (of the ``quarters`` quarters ending with this
    one) that converted within each window (30, 90, 180 days after created_at).

    A window is shown for a cohort only when its last lead (created by the month's end) had the
    whole window before the quarter's end. Columns: cohort, leads, window_days, converted,
    share. Needs leads.
    """
    leads = require(tables, "leads", N_("Lead cohorts"))
    since = quarter.previous(quarters - 1)
    scoped = scoped_by_rep(leads, tables, team)
    created = scoped.filter(within(scoped.created_at, since.start, quarter.end))
    waited = days_between(created.created_at, created.converted_at)
    within_window = {
        f"converted_{w}": (created.converted_at.notnull() & (waited <= w)).sum() for w in windows
    }
    counts = (
        created.mutate(cohort=month_index(created.created_at))
        .group_by("cohort")
        .aggregate(leads=_.count(), **within_window)
        .execute()
        .sort_values("cohort")
    )
    rows = []
    for row in counts.to_dict("records"):
        cohort = int(row["cohort"])
        month_end = _month_start(cohort + 1)
        for w in windows:
            if month_end + timedelta(days=w) <= quarter.end:
                converted = int(row[f"converted_{w}"])
                leads_n = int(row["leads"])
                rows.append((month_label(cohort), leads_n, w, converted, converted / leads_n))
    return pd.DataFrame(rows, columns=["cohort", "leads", "window_days", "converted", "share"])


def cohort_headline(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, quarters: int = 4
) -> dict[str, Any]:
    """The cohort headline figures as a JSON-safe dict.

    Keys: deal_cohorts (creation month "2026-01" -> {age in months as a string -> cumulative won
    share}), deal_cohort_sizes (month -> deals), lead_cohorts (month -> {window days -> share
    converted}; None without leads), full_quota_share (hire quarter -> share of reps with a
    full-quota quarter so far; None without quotas), missing_tables.
    """
    deals = deal_cohorts(tables, quarter, team, quarters=quarters)
    headline: dict[str, Any] = {
        "deal_cohorts": {
            cohort: {str(a): float(s) for a, s in zip(g["age_months"], g["won_share"], strict=True)}
            for cohort, g in deals.groupby("cohort", sort=True)
        },
        "deal_cohort_sizes": {
            cohort: int(g["deals"].iloc[0]) for cohort, g in deals.groupby("cohort", sort=True)
        },
        "lead_cohorts": None,
        "full_quota_share": None,
        "missing_tables": [],
    }
    try:
        leads = lead_cohorts(tables, quarter, team, quarters=quarters)
    except MissingTableError as exc:
        headline["missing_tables"].append(exc.table)
    else:
        headline["lead_cohorts"] = {
            cohort: {str(w): float(s) for w, s in zip(g["window_days"], g["share"], strict=True)}
            for cohort, g in leads.groupby("cohort", sort=True)
        }
    try:
        ramp = full_quota_by_hire_quarter(first_full_quota(tables, quarter, team))
    except MissingTableError as exc:
        headline["missing_tables"].append(exc.table)
    else:
        headline["full_quota_share"] = {
            str(r.hire_quarter): float(r.share) for r in ramp.itertuples(index=False)
        }
    return headline
