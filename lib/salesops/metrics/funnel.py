"""The funnel: win rates, stage reach, time in stage, lead conversion, cycle length, velocity.

Quarter membership (docs/metrics.md): a closed deal belongs to the quarter of its close_date, a
created deal (or lead) to the quarter of its created_at. Stage order and the closed and won flags
of a stage come from the stages table; a deal's current is_closed and is_won are its own columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd
from ibis import _

from salesops.config import OrgSettings
from salesops.errors import ParamsError
from salesops.i18n import N_
from salesops.metrics import (
    MissingTableError,
    Tables,
    plain_float,
    plain_int,
    require,
)
from salesops.metrics.pipeline import UNKNOWN_STAGE, deal_snapshots
from salesops.metrics.scope import (
    closed_totals,
    days_between,
    lost_amounts_missing,
    scoped_by_rep,
    scoped_opportunities,
    stack,
    stage_order,
    whole_days_between,
    within,
)
from salesops.metrics.stats import (
    SMALL_SAMPLE,
    is_small_sample,
    kaplan_meier,
    median_survival,
    ratio,
    wilson_interval,
)
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

LEAD_WINDOW_DAYS = OrgSettings().lead_conversion_window_days
LostDeals = Literal["exclude", "censor"]
Breakdown = Literal["team", "rep", "source", "segment"]
UNKNOWN = N_("unknown")  # a deal without the field broken down by; data, translated where shown


@dataclass(frozen=True)
class WinRate:
    """Deals closed in a quarter: counts, amounts, and the rates they give."""

    closed: int
    won: int
    lost: int
    rate: float | None
    rate_low: float | None
    rate_high: float | None
    won_amount: float
    closed_amount: float
    lost_without_amount: int
    amount_rate: float | None
    avg_won_deal: float | None
    small_sample: bool


def win_rate(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, small_sample: int = SMALL_SAMPLE
) -> WinRate:
    """Win rate of the deals closed in the quarter (by close_date).

    rate = won / (won + lost) with a 95 % Wilson interval; amount_rate = won amount / closed
    amount, None when most lost deals have no amount (``lost_amounts_missing``); avg_won_deal =
    won amount / won deals. Flagged small under ``small_sample`` deals.
    """
    deals = scoped_opportunities(tables, team)
    row = closed_totals(deals, quarter.start, quarter.end).execute().iloc[0]
    closed, won = plain_int(row["closed"]), plain_int(row["won"])
    blank = plain_int(row["lost_without_amount"])
    won_amount = plain_float(row["won_amount"]) or 0.0
    closed_amount = plain_float(row["closed_amount"]) or 0.0
    low, high = wilson_interval(won, closed)
    return WinRate(
        closed=closed,
        won=won,
        lost=closed - won,
        rate=ratio(won, closed),
        rate_low=plain_float(low),
        rate_high=plain_float(high),
        won_amount=won_amount,
        closed_amount=closed_amount,
        lost_without_amount=blank,
        amount_rate=None
        if lost_amounts_missing(blank, closed - won)
        else ratio(won_amount, closed_amount),
        avg_won_deal=ratio(won_amount, won),
        small_sample=is_small_sample(closed, small_sample),
    )


def win_rate_by(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    by: Breakdown | None = None,
    *,
    small_sample: int = SMALL_SAMPLE,
) -> pd.DataFrame:
    """Deals closed in the quarter broken down by team, rep, source or segment.

    ``by`` defaults to team for all teams and to rep within a team. Columns: the breakdown
    (``team``, ``rep_id`` and ``rep_name``, ``source`` or ``segment``; a missing source or segment
    reads "unknown"), closed, won, lost, win_rate, won_amount, amount_rate (NaN where most lost
    deals have no amount), lost_without_amount, small_sample; largest won amount first.
    """
    by = by or ("team" if team == ALL_TEAMS else "rep")
    if by not in ("team", "rep", "source", "segment"):
        raise ParamsError(f"win rate breakdown {by!r} is not one of team, rep, source, segment")
    deals = scoped_opportunities(tables, team)
    keys = ["rep_id", "rep_name"] if by == "rep" else [by]
    if by in ("source", "segment"):
        deals = deals.mutate(**{by: deals[by].fill_null(UNKNOWN)})
    frame = closed_totals(deals, quarter.start, quarter.end, by=keys).execute()
    counts, amounts = ["closed", "won", "lost_without_amount"], ["won_amount", "closed_amount"]
    frame[counts] = frame[counts].astype("float64").fillna(0).astype("int64")
    frame[amounts] = frame[amounts].astype("float64").fillna(0.0)
    frame["lost"] = frame["closed"] - frame["won"]
    frame["win_rate"] = frame["won"] / frame["closed"]
    known = (frame["closed_amount"] != 0) & ~lost_amounts_missing(
        frame["lost_without_amount"], frame["lost"]
    )
    frame["amount_rate"] = frame["won_amount"] / frame["closed_amount"].where(known)
    frame["small_sample"] = frame["closed"] < small_sample
    columns = [*keys, "closed", "won", "lost", "win_rate", "won_amount", "amount_rate"]
    columns.append("lost_without_amount")
    frame = frame.sort_values(["won_amount", *keys], ascending=[False] + [True] * len(keys))
    return frame[[*columns, "small_sample"]].reset_index(drop=True)


def stage_reach(tables: Tables, quarter: Quarter, team: str = ALL_TEAMS) -> pd.DataFrame:
    """How far the deals created in the quarter got: one row per open stage, then the won stage.

    A deal reached open stage k if its history (or its current stage) shows k or a later open
    stage, or a won stage: a deal that reached k reached every earlier open stage. Reaching k only
    this way, without a history row for k, counts as ``skipped``. A lost stage implies nothing;
    a backward move does not count twice. step_conversion = reached k / reached k-1 (first stage:
    NaN); cumulative_conversion = reached k / reached first stage; drop_off = 1 - step.
    Needs stage_history.
    """
    history = require(tables, "stage_history", N_("Stage reach"))
    order = stage_order(tables)
    stages = require(tables, "stages")
    deals = scoped_opportunities(tables, team)
    cohort = deals.filter(within(deals.created_at, quarter.start, quarter.end))
    shown = history.select("opportunity_id", "stage").semi_join(cohort, "opportunity_id")
    evidence = stack(shown, cohort.select("opportunity_id", "stage")).join(stages, "stage")
    per_deal = evidence.group_by("opportunity_id").aggregate(
        top_open=evidence.sort_order.max(where=~evidence.is_closed),
        won=evidence.is_won.any(),
    )
    open_stages = stages.filter(~stages.is_closed).select("stage", "sort_order")
    pairs = per_deal.cross_join(open_stages)
    reached_k = pairs.won | (pairs.top_open >= pairs.sort_order).fill_null(False)
    reach = pairs.group_by("stage").aggregate(reached=reached_k.sum())
    visited = (
        evidence.filter(~evidence.is_closed)
        .select("opportunity_id", "stage")
        .distinct()
        .group_by("stage")
        .aggregate(visited=_.count())
    )
    counts = reach.left_join(visited, "stage").select(
        "stage", "reached", visited=_.visited.fill_null(0)
    )
    steps = order.loc[~order["is_closed"], ["stage", "sort_order"]]
    won_stage = order.loc[order["is_won"], ["stage", "sort_order"]].head(1)
    if not won_stage.empty:
        won = per_deal.aggregate(reached=per_deal.won.sum()).select(
            stage=ibis.literal(str(won_stage["stage"].iloc[0])),
            reached="reached",
            visited="reached",  # the won step is never back-filled
        )
        counts = stack(counts, won)
        steps = pd.concat([steps, won_stage], ignore_index=True)
    frame = steps.merge(counts.execute(), on="stage", how="left")
    for column in ("reached", "visited"):
        frame[column] = frame[column].astype("float64").fillna(0).astype("int64")
    frame["skipped"] = frame["reached"] - frame["visited"]
    previous = frame["reached"].shift(1)
    frame["step_conversion"] = frame["reached"] / previous.where(previous > 0)
    first = frame["reached"].iloc[0] if len(frame) else 0
    frame["cumulative_conversion"] = frame["reached"] / first if first > 0 else np.nan
    frame["drop_off"] = 1 - frame["step_conversion"]
    return frame[
        [
            "stage",
            "sort_order",
            "reached",
            "skipped",
            "step_conversion",
            "cumulative_conversion",
            "drop_off",
        ]
    ]


def time_in_stage(tables: Tables, quarter: Quarter, team: str = ALL_TEAMS) -> pd.DataFrame:
    """Days spent in each open stage, for the stage visits that ended in the quarter.

    A visit lasts from its history row's entered_at to the deal's next history row's entered_at
    (ties ordered by sort_order); it ended in the quarter if that next entry falls in it. Visits
    still in progress are not counted. Columns: stage, sort_order, visits, median_days,
    mean_days (NaN without visits). Needs stage_history.
    """
    history = require(tables, "stage_history", N_("Time in stage"))
    order = stage_order(tables)
    stages = require(tables, "stages").select("stage", "sort_order", "is_closed")
    deals = scoped_opportunities(tables, team).select("opportunity_id")
    entries = history.join(deals, "opportunity_id").join(stages, "stage")
    window = ibis.window(
        group_by=entries.opportunity_id,
        order_by=[entries.entered_at, entries.sort_order, entries.stage],
    )
    entries = entries.mutate(next_entered_at=entries.entered_at.lead().over(window))
    ended = entries.next_entered_at
    visits = entries.filter(
        ~entries.is_closed & ended.notnull() & within(ended, quarter.start, quarter.end)
    )
    visits = visits.mutate(days=days_between(visits.entered_at, visits.next_entered_at))
    stats = visits.group_by("stage").aggregate(
        visits=_.count(), median_days=_.days.median(), mean_days=_.days.mean()
    )
    frame = order.loc[~order["is_closed"], ["stage", "sort_order"]].merge(
        stats.execute(), on="stage", how="left"
    )
    frame["visits"] = frame["visits"].astype("float64").fillna(0).astype("int64")
    return frame.reset_index(drop=True)


@dataclass(frozen=True)
class LeadConversion:
    """Leads created in a quarter and how many converted within the window."""

    leads: int
    converted: int
    rate: float | None
    rate_low: float | None
    rate_high: float | None
    window_days: int
    small_sample: bool


def lead_conversion(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    window_days: int = LEAD_WINDOW_DAYS,
    small_sample: int = SMALL_SAMPLE,
) -> LeadConversion:
    """Share of the leads created in the quarter that converted within ``window_days`` (90).

    Converted = converted_at set and at most ``window_days`` after created_at. A lead's team is
    its rep's; leads without a rep count only for all teams. Leads created late in the latest
    quarter may not have had the whole window yet. Needs leads.
    """
    leads = require(tables, "leads", N_("Lead conversion"))
    scoped = scoped_by_rep(leads, tables, team)
    created = scoped.filter(within(scoped.created_at, quarter.start, quarter.end))
    in_window = created.converted_at.notnull() & (
        days_between(created.created_at, created.converted_at) <= window_days
    )
    row = created.aggregate(leads=created.count(), converted=in_window.sum()).execute().iloc[0]
    n, converted = plain_int(row["leads"]), plain_int(row["converted"])
    low, high = wilson_interval(converted, n)
    return LeadConversion(
        leads=n,
        converted=converted,
        rate=ratio(converted, n),
        rate_low=plain_float(low),
        rate_high=plain_float(high),
        window_days=window_days,
        small_sample=is_small_sample(n, small_sample),
    )


@dataclass(frozen=True)
class CycleLength:
    """Time from creation to a won close, with open deals right-censored (Kaplan-Meier)."""

    curve: pd.DataFrame
    median_days: float | None
    median_won_days: float | None
    deals: int
    won: int
    censored: int
    lost_deals: str
    since: str


def cycle_length(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    lookback_quarters: int = 4,
    lost: LostDeals = "exclude",
) -> CycleLength:
    """Days from created_at to close_date for the deals created in the ``lookback_quarters``
    quarters ending with this one, as seen at the quarter's last day.

    A deal won by then is an event at (close_date - created day); a deal still open then (or
    closed after it) is censored at (last day - created day). Lost deals are excluded by default
    (``lost="exclude"``: the curve is the time to win among deals that are won or still being
    worked); ``lost="censor"`` censors them at their close date instead. The curve is
    Kaplan-Meier (``curve``: time, survival = share not yet won); ``median_days`` is its median,
    ``median_won_days`` the plain median over the won deals alone (biased short, for contrast).
    """
    if lost not in ("exclude", "censor"):
        raise ParamsError(f"lost deals must be 'exclude' or 'censor', got {lost!r}")
    since = quarter.previous(lookback_quarters - 1)
    deals = scoped_opportunities(tables, team)
    deals = deals.filter(within(deals.created_at, since.start, quarter.end))
    closed_by_end = deals.is_closed & (deals.close_date <= quarter.last_day)
    won = closed_by_end & deals.is_won
    lost_by_end = closed_by_end & ~deals.is_won
    deals = deals.mutate(
        event=won,
        lost=lost_by_end,
        days=whole_days_between(
            deals.created_at, ibis.ifelse(closed_by_end, deals.close_date, quarter.last_day)
        ),
    )
    if lost == "exclude":
        deals = deals.filter(~_.lost)
    counts = deals.group_by(["days", "event"]).aggregate(deals=_.count()).execute()
    counts = counts.sort_values(["days", "event"]).reset_index(drop=True)
    durations = np.repeat(counts["days"].to_numpy(dtype=float), counts["deals"])
    events = np.repeat(counts["event"].to_numpy(dtype=bool), counts["deals"])
    curve = kaplan_meier(durations, events)
    won_days = durations[events]
    return CycleLength(
        curve=curve,
        median_days=median_survival(curve),
        median_won_days=float(np.median(won_days)) if won_days.size else None,
        deals=int(durations.size),
        won=int(events.sum()),
        censored=int((~events).sum()),
        lost_deals="excluded" if lost == "exclude" else "censored at close",
        since=since.label,
    )


@dataclass(frozen=True)
class Velocity:
    """Sales velocity and its four factors."""

    qualified_stage: str
    open_qualified: int
    open_qualified_amount: float
    open_unknown_stage: int
    win_rate: float | None
    avg_won_deal: float | None
    cycle_days: float | None
    per_day: float | None


def _qualified_stage(order: pd.DataFrame, qualified_stage: str | None) -> tuple[str, int]:
    """The qualifying stage and its sort_order: the named open stage, else the second one."""
    open_stages = order.loc[~order["is_closed"]]
    if qualified_stage is None:
        if open_stages.empty:
            raise ParamsError("the stages table has no open stage")
        row = open_stages.iloc[min(1, len(open_stages) - 1)]
        return str(row["stage"]), int(row["sort_order"])
    match = open_stages.loc[open_stages["stage"] == qualified_stage]
    if match.empty:
        known = ", ".join(open_stages["stage"])
        raise ParamsError(f"qualified stage {qualified_stage!r} is not an open stage ({known})")
    return qualified_stage, int(match["sort_order"].iloc[0])


def sales_velocity(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    qualified_stage: str | None = None,
    win: WinRate | None = None,
    cycle: CycleLength | None = None,
) -> Velocity:
    """Velocity per day = open qualified deals x win rate x average won deal / median cycle days.

    Open qualified deals: open at the quarter's end (``deal_snapshots``) in ``qualified_stage`` or
    a later open stage (default: the second open stage), and the open deals whose stage then is
    unknown (closed since, no stage history for the day: ``open_unknown_stage`` of them), which
    count as qualified rather than vanish from the pipeline. Win rate (count) and average won deal
    are the quarter's (``win_rate``); cycle days is the Kaplan-Meier median (``cycle_length``).
    Pass ``win`` and ``cycle`` when already computed. None when a factor is undefined.
    """
    stage, sort_order = _qualified_stage(stage_order(tables), qualified_stage)
    win = win or win_rate(tables, quarter, team)
    cycle = cycle or cycle_length(tables, quarter, team)
    snapshot = deal_snapshots(tables, [quarter.end], team)
    unknown = snapshot.stage == UNKNOWN_STAGE
    qualified = snapshot.filter(snapshot.is_open & ((snapshot.sort_order >= sort_order) | unknown))
    row = (
        qualified.aggregate(
            n=qualified.count(),
            amount=qualified.amount.sum(),
            unknown=(qualified.stage == UNKNOWN_STAGE).sum(),
        )
        .execute()
        .iloc[0]
    )
    n = plain_int(row["n"])
    per_day = None
    if win.rate is not None and win.avg_won_deal is not None and cycle.median_days:
        per_day = n * win.rate * win.avg_won_deal / cycle.median_days
    return Velocity(
        qualified_stage=stage,
        open_qualified=n,
        open_qualified_amount=plain_float(row["amount"]) or 0.0,
        open_unknown_stage=plain_int(row["unknown"]),
        win_rate=win.rate,
        avg_won_deal=win.avg_won_deal,
        cycle_days=cycle.median_days,
        per_day=per_day,
    )


def funnel_headline(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    lead_window_days: int = LEAD_WINDOW_DAYS,
    qualified_stage: str | None = None,
    small_sample: int = SMALL_SAMPLE,
    cycle: CycleLength | None = None,
    reach: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The funnel's headline figures as a JSON-safe dict (None where undefined or unavailable).

    ``cycle`` and ``reach``, when given, are ``cycle_length`` (lost deals excluded) and
    ``stage_reach`` already computed for the same quarter and team.

    Keys: closed_deals, won_deals, lost_deals, win_rate (+ _low, _high, small_sample),
    won_amount, closed_amount, win_rate_amount (None when most lost deals have no amount),
    lost_without_amount, avg_won_deal, median_cycle_days (Kaplan-Meier),
    median_won_cycle_days, stage_conversion (stage -> step conversion; first stage None),
    lead_conversion, leads, lead_window_days, velocity_per_day, open_qualified_deals,
    open_unknown_stage_deals (of those, open at an unknown stage), qualified_stage,
    missing_tables.
    """
    win = win_rate(tables, quarter, team, small_sample=small_sample)
    if cycle is None:
        cycle = cycle_length(tables, quarter, team)
    velocity = sales_velocity(
        tables, quarter, team, qualified_stage=qualified_stage, win=win, cycle=cycle
    )
    missing: list[str] = []
    try:
        if reach is None:
            reach = stage_reach(tables, quarter, team)
        stage_conversion = {
            str(r.stage): plain_float(r.step_conversion) for r in reach.itertuples(index=False)
        }
    except MissingTableError as exc:
        missing.append(exc.table)
        stage_conversion = None
    try:
        leads = lead_conversion(
            tables, quarter, team, window_days=lead_window_days, small_sample=small_sample
        )
    except MissingTableError as exc:
        missing.append(exc.table)
        leads = None
    return {
        "closed_deals": win.closed,
        "won_deals": win.won,
        "lost_deals": win.lost,
        "win_rate": win.rate,
        "win_rate_low": win.rate_low,
        "win_rate_high": win.rate_high,
        "small_sample": win.small_sample,
        "won_amount": win.won_amount,
        "closed_amount": win.closed_amount,
        "win_rate_amount": win.amount_rate,
        "lost_without_amount": win.lost_without_amount,
        "avg_won_deal": win.avg_won_deal,
        "median_cycle_days": cycle.median_days,
        "median_won_cycle_days": cycle.median_won_days,
        "stage_conversion": stage_conversion,
        "lead_conversion": leads.rate if leads else None,
        "leads": leads.leads if leads else None,
        "lead_window_days": lead_window_days,
        "velocity_per_day": velocity.per_day,
        "open_qualified_deals": velocity.open_qualified,
        "open_unknown_stage_deals": velocity.open_unknown_stage,
        "qualified_stage": velocity.qualified_stage,
        "missing_tables": missing,
    }
