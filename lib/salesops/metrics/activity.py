"""Activity per rep and CRM adoption: what the active reps of a quarter logged, week by week.

A quarter's active reps (``active_reps``) are the team's reps with a quota for it or a deal open
during it, employed at some point in it. Weeks are 7-day blocks from the quarter's first day,
the last running to its end: week = min((day - start) // 7, 12), so every quarter has
QUARTER_WEEKS (13) weeks, the last of 7 or 8 days. (Pacing and forecast accuracy count a 92-day
quarter's last day as a 14th week, ``Quarter.weeks``; a one-day week would make adoption a matter
of chance.)

``as_of`` is the data's last day: for a quarter in progress, only the weeks up to it (the week
that holds it included) are counted, and a rep hired after it is not yet counted.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import ibis
import pandas as pd
from ibis import _

from salesops.data.contract import ACTIVITY_TYPES
from salesops.errors import ParamsError
from salesops.i18n import N_
from salesops.metrics import MissingTableError, Tables, require
from salesops.metrics.scope import midnight, scoped_reps, stack, whole_days_between, within
from salesops.metrics.stats import ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

QUARTER_WEEKS = 13
LOW_ACTIVITY_SHARE = 0.25  # of the team's median weekly activities: almost no logged activity
WEEKS_NEEDED = 10
ACTIVITY_SECTION = N_("Activity per rep")
ADOPTION_SECTION = N_("CRM adoption")
ADOPTION_SOURCES = ("logins", "activities")
REP_COLUMNS = ["rep_id", "rep_name", "team"]


@dataclass(frozen=True)
class RepActivity:
    """What the active reps of ``team`` logged in ``quarter`` (activities.rep_id: by the rep).

    ``active_reps``: the reps counted (``active_reps`` with at least one week counted);
    ``activities``: what they logged; ``activities_per_rep_week``: the median of their weekly
    rates (activities / weeks counted; None without reps). ``low_activity_reps``: the names of
    the reps whose weekly rate is under LOW_ACTIVITY_SHARE of their team's median. ``by_team``:
    team, active_reps, activities, median_per_week, low_activity_reps (how many), weeks (the
    reps' weeks counted, summed) and one column per activity type (what they logged). ``by_rep``:
    rep_id, rep_name, team, weeks, activities, one column per activity type, per_week, low;
    highest rate first."""

    quarter: str
    team: str
    as_of: date | None
    active_reps: int
    activities: int
    activities_per_rep_week: float | None
    low_activity_reps: tuple[str, ...]
    by_team: pd.DataFrame
    by_rep: pd.DataFrame


@dataclass(frozen=True)
class Adoption:
    """How many active reps of ``team`` used the CRM in at least ``weeks_needed`` weeks of
    ``quarter`` (or every week they were employed in, if fewer).

    ``sources``: the tables read, of "logins" and "activities". ``share`` = adopters /
    active_reps (None without reps). ``by_team``: team, active_reps, adopters, share.
    ``by_rep``: rep_id, rep_name, team, weeks_employed (counted: up to ``as_of``), weeks_active,
    adopter; fewest weeks active first."""

    quarter: str
    team: str
    weeks_needed: int
    as_of: date | None
    sources: tuple[str, ...]
    active_reps: int
    adopters: int
    share: float | None
    by_team: pd.DataFrame
    by_rep: pd.DataFrame


def active_reps(tables: Tables, quarter: Quarter, team: str = ALL_TEAMS) -> ibis.Table:
    """The reps of ``team`` active in ``quarter``: with a quotas row for it (quarter_start its
    first day) or owning a deal during it (created before its end and not closed before its
    start), employed at some point in it (hire_date to end_date, both days included). Columns
    rep_id, rep_name, team, weeks_employed: of the quarter's QUARTER_WEEKS weeks, how many the
    rep was employed on at least one day of."""
    return _active_reps(tables, quarter, team, quarter.end)


def rep_activity(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, as_of: date | None = None
) -> RepActivity:
    """Activities each active rep logged in ``quarter``, in all and per type, and per week
    counted (the weeks employed, up to ``as_of``); the median weekly rate of the reps, overall
    and per team; and the reps under LOW_ACTIVITY_SHARE of their team's median (compared as
    exact fractions). One query. Needs activities."""
    activities = require(tables, "activities", ACTIVITY_SECTION)
    end = _counted_until(quarter, as_of)
    reps = _active_reps(tables, quarter, team, end)
    reps = reps.filter(reps.weeks_employed > 0)
    logged = activities.filter(within(activities.occurred_at, quarter.start, end))
    by_type = {kind: (logged.type == kind).sum() for kind in ACTIVITY_TYPES}
    counts = logged.group_by("rep_id").aggregate(activities=_.count(), **by_type)
    rows = reps.left_join(counts, reps.rep_id == counts.rep_id)
    frame = rows.select(
        *REP_COLUMNS,
        weeks="weeks_employed",
        **{name: rows[name].fill_null(0) for name in ("activities", *ACTIVITY_TYPES)},
    ).execute()
    for column in ("weeks", "activities", *ACTIVITY_TYPES):
        frame[column] = frame[column].astype("int64")

    rates = [
        Fraction(int(a), int(w)) for a, w in zip(frame["activities"], frame["weeks"], strict=True)
    ]
    share = Fraction(str(LOW_ACTIVITY_SHARE))
    team_medians = {
        name: statistics.median(r for r, t in zip(rates, frame["team"], strict=True) if t == name)
        for name in set(frame["team"])
    }
    frame["per_week"] = [float(rate) for rate in rates]
    frame["low"] = pd.Series(
        [
            rate < share * team_medians[name]
            for rate, name in zip(rates, frame["team"], strict=True)
        ],
        index=frame.index,
        dtype=bool,
    )
    frame = frame.sort_values(["per_week", "rep_name", "rep_id"], ascending=[False, True, True])
    frame = frame.reset_index(drop=True)
    by_team = (
        frame.groupby("team", as_index=False)
        .agg(
            active_reps=("rep_id", "size"),
            activities=("activities", "sum"),
            low_activity_reps=("low", "sum"),
            weeks=("weeks", "sum"),
            **{kind: (kind, "sum") for kind in ACTIVITY_TYPES},
        )
        .sort_values("team")
    )
    by_team.insert(3, "median_per_week", [float(team_medians[t]) for t in by_team["team"]])
    by_team["low_activity_reps"] = by_team["low_activity_reps"].astype("int64")
    low = frame.loc[frame["low"]].sort_values(["rep_name", "rep_id"])
    return RepActivity(
        quarter=quarter.label,
        team=team,
        as_of=as_of,
        active_reps=len(frame),
        activities=int(frame["activities"].sum()),
        activities_per_rep_week=_median(rates),
        low_activity_reps=tuple(low["rep_name"]),
        by_team=by_team.reset_index(drop=True),
        by_rep=frame,
    )


def weekly_by_type(rows: pd.DataFrame) -> pd.DataFrame:
    """Each row's activities of each type per week counted: the type's count / ``weeks`` (a
    rep's rate, or a team's pooled over its reps' weeks); ``rows`` is ``by_rep`` or ``by_team``
    of a ``RepActivity``. Columns: one per activity type, on ``rows``' index."""
    weeks = rows["weeks"].where(rows["weeks"] > 0)
    return rows[list(ACTIVITY_TYPES)].div(weeks, axis=0).astype("float64")


def crm_adoption(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    weeks_needed: int = WEEKS_NEEDED,
    as_of: date | None = None,
) -> Adoption:
    """The active reps of ``team`` who used the CRM, week by week: weeks_active = the distinct
    weeks of ``quarter`` in which the rep signed in (logins) or logged an activity
    (activities); an adopter has weeks_active >= min(``weeks_needed``, weeks employed up to
    ``as_of``). One query. Needs logins or activities (either is enough; both are read when
    there)."""
    if weeks_needed < 1:
        raise ParamsError(f"CRM adoption needs 1 week or more, got {weeks_needed}")
    sources = tuple(name for name in ADOPTION_SOURCES if tables.get(name) is not None)
    if not sources:
        raise MissingTableError("logins", ADOPTION_SECTION)
    end = _counted_until(quarter, as_of)
    reps = _active_reps(tables, quarter, team, end)
    reps = reps.filter(reps.weeks_employed > 0)
    events = stack(*_uses(tables, sources))
    events = events.filter(within(events.used_at, quarter.start, end))
    weeks = events.group_by("rep_id").aggregate(
        weeks_active=_week(events.used_at, quarter).nunique()
    )
    rows = reps.left_join(weeks, reps.rep_id == weeks.rep_id)
    frame = rows.select(
        *REP_COLUMNS, "weeks_employed", weeks_active=rows.weeks_active.fill_null(0)
    ).execute()
    for column in ("weeks_employed", "weeks_active"):
        frame[column] = frame[column].astype("int64")
    needed = frame["weeks_employed"].clip(upper=weeks_needed)
    frame["adopter"] = frame["weeks_active"] >= needed
    frame = frame.sort_values(["weeks_active", "rep_name", "rep_id"]).reset_index(drop=True)
    by_team = frame.groupby("team", as_index=False).agg(
        active_reps=("rep_id", "size"), adopters=("adopter", "sum")
    )
    by_team["adopters"] = by_team["adopters"].astype("int64")
    by_team["share"] = [
        ratio(a, n) for a, n in zip(by_team["adopters"], by_team["active_reps"], strict=True)
    ]
    adopters = int(frame["adopter"].sum())
    return Adoption(
        quarter=quarter.label,
        team=team,
        weeks_needed=weeks_needed,
        as_of=as_of,
        sources=sources,
        active_reps=len(frame),
        adopters=adopters,
        share=ratio(adopters, len(frame)),
        by_team=by_team.sort_values("team").reset_index(drop=True),
        by_rep=frame,
    )


def adoption_trend(
    tables: Tables,
    quarters: Sequence[Quarter],
    team: str = ALL_TEAMS,
    weeks_needed: int = WEEKS_NEEDED,
    as_of: date | None = None,
) -> pd.DataFrame:
    """``crm_adoption`` for each of ``quarters``, in their order (one query each): quarter
    (label), active_reps, adopters, share."""
    rows = []
    for quarter in quarters:
        adoption = crm_adoption(tables, quarter, team, weeks_needed, as_of)
        rows.append(
            {
                "quarter": quarter.label,
                "active_reps": adoption.active_reps,
                "adopters": adoption.adopters,
                "share": adoption.share,
            }
        )
    frame = pd.DataFrame(rows, columns=["quarter", "active_reps", "adopters", "share"])
    frame["share"] = frame["share"].astype("float64")
    return frame


def _counted_until(quarter: Quarter, as_of: date | None) -> date:
    """The exclusive end of the days counted: the quarter's end, or the day after ``as_of``
    when that is earlier."""
    if as_of is None:
        return quarter.end
    return min(quarter.end, as_of + timedelta(days=1))


def _week(value: ibis.Value, quarter: Quarter) -> ibis.IntegerValue:
    """The 0-based week of ``quarter`` a day (or a timestamp's day) falls in:
    min((day - start) // 7, QUARTER_WEEKS - 1)."""
    days = whole_days_between(ibis.literal(quarter.start), value)
    return ibis.least(days // 7, QUARTER_WEEKS - 1)


def _active_reps(tables: Tables, quarter: Quarter, team: str, end: date) -> ibis.Table:
    """``active_reps``, with weeks_employed counting the days before ``end`` only."""
    reps = scoped_reps(tables, team)
    deals = require(tables, "opportunities")
    owning = deals.filter(
        (deals.created_at < midnight(quarter.end))
        & ~(deals.is_closed & (deals.close_date < quarter.start))
    ).select("rep_id")
    members = [owning]
    quotas = tables.get("quotas")
    if quotas is not None:
        members.append(quotas.filter(quotas.quarter_start == quarter.start).select("rep_id"))
    active = reps.semi_join(stack(*members), "rep_id")
    active = active.filter(
        (active.hire_date < quarter.end)
        & (active.end_date.isnull() | (active.end_date >= quarter.start))
    )
    last_day = ibis.literal(end - timedelta(days=1))
    first = ibis.greatest(active.hire_date, ibis.literal(quarter.start))
    last = ibis.least(active.end_date.fill_null(last_day), last_day)
    weeks = ibis.ifelse(first <= last, _week(last, quarter) - _week(first, quarter) + 1, 0)
    return active.select(*REP_COLUMNS, weeks_employed=weeks)


def _uses(tables: Tables, sources: Iterable[str]) -> list[ibis.Table]:
    """Each source's rows as rep_id, used_at (when the rep signed in or the activity took
    place)."""
    columns = {"logins": "login_at", "activities": "occurred_at"}
    return [
        require(tables, name, ADOPTION_SECTION).select("rep_id", used_at=columns[name])
        for name in sources
    ]


def _median(values: Sequence[Fraction]) -> float | None:
    """The median of exact rates as a float; None without any."""
    return float(statistics.median(values)) if values else None
