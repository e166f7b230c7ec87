"""Stalled deals: open deals that have sat in their stage longer than most deals of the team did.

A stage's threshold is the 75th percentile of how long its stays lasted when they ended during the
lookback quarters (``stage_durations``); an open deal is stalled when it has been in its current
stage strictly longer than that (``stalled_deals``). Thresholds are the team's own: a team's deals
are held to how long that team's deals stayed. Both need stage_history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import ibis
import pandas as pd
from ibis import _

from salesops.i18n import N_
from salesops.metrics import Tables, plain_float, plain_int, require
from salesops.metrics.pipeline import deal_snapshots
from salesops.metrics.scope import (
    days_between,
    exact_sum,
    midnight,
    scoped_opportunities,
    scoped_reps,
    stage_order,
    within,
)
from salesops.metrics.stats import DRIFT, ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

MIN_EXITS = 5  # a stage whose stays ended fewer times in the lookback quarters has no threshold
QUANTILES = {"p75_days": Fraction(3, 4), "median_days": Fraction(1, 2)}
SECTION = N_("Stalled deals")


@dataclass(frozen=True)
class Stalled:
    """Open deals as of ``as_of`` and those stalled in their stage.

    ``deals`` and ``amount``: the stalled deals; ``open_deals`` and ``open_amount``: every open deal
    of the team, judged or not; ``share_of_open_amount`` = amount / open_amount (None when nothing
    is open). Not judged: ``deals_without_threshold`` (open deals at one of the
    ``stages_without_threshold``, open stages with fewer than MIN_EXITS exits) and
    ``deals_without_history`` (no stage_history row before ``as_of``: their stage is the current
    one or UNKNOWN_STAGE). ``by_stage``: stage, sort_order, p75_days (the threshold; NaN without
    one), open_deals, stalled_deals, stalled_amount. ``by_rep``: rep_id, rep_name, team,
    stalled_deals, stalled_amount, open_amount, largest stalled amount first. ``top``: the largest
    stalled deals (opportunity_id, rep_name, team, stage, days_in_stage, p75_days, amount,
    close_date). ``thresholds``: ``stage_durations``."""

    quarter: str
    team: str
    as_of: date
    deals: int
    amount: float
    open_deals: int
    open_amount: float
    share_of_open_amount: float | None
    stages_without_threshold: int
    deals_without_threshold: int
    deals_without_history: int
    by_stage: pd.DataFrame
    by_rep: pd.DataFrame
    top: pd.DataFrame
    thresholds: pd.DataFrame


def stage_durations(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, lookback_quarters: int = 4
) -> pd.DataFrame:
    """How long the stays in each open stage lasted, for the stays that ended during the
    ``lookback_quarters`` quarters before ``quarter``. Needs stage_history.

    A stay lasts from its stage_history row's entered_at to the deal's next row's entered_at, in
    fractional days (rows at the same instant in sort_order, then stage); it ended in the window
    if that next entry falls in it. ``team``'s own deals (every deal for "all"). Columns, one row
    per open stage in sort_order: stage, sort_order, exits, p75_days and median_days (NaN without
    exits). The percentiles are numpy's default (linear interpolation between order statistics,
    ``np.percentile(days, 75)``), computed exactly on any backend: the backend ranks each stage's
    stays and returns the two that bracket each percentile, Python interpolates between them.
    """
    stays = _stays(tables, team)
    ended = stays.next_entered_at
    window_start = quarter.previous(lookback_quarters).start
    stays = stays.filter(ended.notnull() & within(ended, window_start, quarter.start))
    bounds = _bracketing(stays.select("stage", days=days_between(stays.entered_at, ended)))
    order = stage_order(tables)
    frame = order.loc[~order["is_closed"], ["stage", "sort_order"]].merge(
        bounds.execute(), on="stage", how="left"
    )
    frame["exits"] = frame["exits"].astype("float64").fillna(0).astype("int64")
    for name, q in QUANTILES.items():
        rows = zip(frame["exits"], frame[f"{name}_low"], frame[f"{name}_high"], strict=True)
        frame[name] = [_interpolated(n, q, low, high) for n, low, high in rows]
    return frame[["stage", "sort_order", "exits", *QUANTILES]].reset_index(drop=True)


def stalled_deals(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    as_of: date | None = None,
    lookback_quarters: int = 4,
    top: int = 20,
) -> Stalled:
    """The open deals of ``team`` at midnight starting ``as_of`` (by default ``quarter.end``: the
    quarter's close; for a quarter in progress, the data's last day) that have been in their stage
    strictly longer than the stage's p75_days (``stage_durations`` over the ``lookback_quarters``
    before ``quarter``). Needs stage_history.

    Open deals and their stage are ``deal_snapshots``'; days in stage count from the deal's latest
    stage_history row before ``as_of``. A stage with fewer than MIN_EXITS exits has no threshold,
    and a deal with no history row before ``as_of`` (at UNKNOWN_STAGE, say) has no days in stage:
    neither is judged. ``top``: the ``top`` largest stalled deals, ties by opportunity_id."""
    require(tables, "stage_history", SECTION)
    day = as_of or quarter.end
    thresholds = stage_durations(tables, quarter, team, lookback_quarters=lookback_quarters)
    judged = thresholds[thresholds["exits"] >= MIN_EXITS]
    limits = ibis.memtable(
        judged[["stage", "p75_days"]], schema={"stage": "string", "p75_days": "float64"}
    )
    deals = _judged(tables, team, day, limits)

    totals = (
        deals.aggregate(
            deals=deals.stalled.sum(),
            amount=exact_sum(deals.amount, deals.stalled),
            open_deals=deals.count(),
            open_amount=exact_sum(deals.amount),
            deals_without_history=deals.days_in_stage.isnull().sum(),
            deals_without_threshold=(deals.days_in_stage.notnull() & deals.p75_days.isnull()).sum(),
        )
        .execute()
        .iloc[0]
    )
    stalled_amount = plain_float(totals["amount"]) or 0.0
    open_amount = plain_float(totals["open_amount"]) or 0.0
    return Stalled(
        quarter=quarter.label,
        team=team,
        as_of=day,
        deals=plain_int(totals["deals"]),
        amount=stalled_amount,
        open_deals=plain_int(totals["open_deals"]),
        open_amount=open_amount,
        share_of_open_amount=ratio(stalled_amount, open_amount),
        stages_without_threshold=len(thresholds) - len(judged),
        deals_without_threshold=plain_int(totals["deals_without_threshold"]),
        deals_without_history=plain_int(totals["deals_without_history"]),
        by_stage=_by_stage(deals, thresholds, judged),
        by_rep=_by_rep(deals),
        top=_largest(deals, top),
        thresholds=thresholds,
    )


def _stays(tables: Tables, team: str) -> ibis.Table:
    """The stage_history rows of ``team``'s deals at an open stage, with the entered_at of the
    deal's next row (null while the stay lasts): opportunity_id, stage, entered_at,
    next_entered_at. Rows at the same instant are ordered by sort_order, then stage."""
    history = require(tables, "stage_history", SECTION)
    stages = require(tables, "stages").select("stage", "sort_order", "is_closed")
    deals = scoped_opportunities(tables, team).select("opportunity_id")
    entries = history.join(deals, "opportunity_id").join(stages, "stage")
    order = ibis.window(
        group_by=entries.opportunity_id,
        order_by=[entries.entered_at, entries.sort_order, entries.stage],
    )
    entries = entries.mutate(next_entered_at=entries.entered_at.lead().over(order))
    return entries.filter(~entries.is_closed).select(
        "opportunity_id", "stage", "entered_at", "next_entered_at"
    )


def _bracketing(stays: ibis.Table) -> ibis.Table:
    """Per stage: exits (the stays counted) and, for each of QUANTILES, the stays at the order
    statistics either side of its position q * (exits - 1) (0-based, by days): ``{name}_low`` and
    ``{name}_high`` (null past the last). Positions are compared in integers, so every backend
    picks the same stays."""
    n = stays.days.count().over(ibis.window(group_by="stage"))
    rank = ibis.row_number().over(ibis.window(group_by="stage", order_by="days"))
    stays = stays.mutate(n=n, rank=rank)
    bounds = {"exits": stays.count()}
    for name, q in QUANTILES.items():
        bounds[f"{name}_low"] = stays.days.max(where=_is_floor(stays.rank, stays.n, q))
        bounds[f"{name}_high"] = stays.days.max(where=_is_floor(stays.rank - 1, stays.n, q))
    return stays.group_by("stage").aggregate(**bounds)


def _is_floor(rank: ibis.IntegerValue, n: ibis.IntegerValue, q: Fraction) -> ibis.BooleanValue:
    """Whether ``rank`` is floor(q * (n - 1)): rank <= q (n - 1) < rank + 1, in integers."""
    position = q.numerator * (n - 1)
    return (q.denominator * rank <= position) & (position < q.denominator * (rank + 1))


def _interpolated(n: int, q: Fraction, low: float, high: float) -> float:
    """numpy's linear percentile from the order statistics either side of position q * (n - 1):
    the same arithmetic as numpy's ``_lerp``, so the figure equals ``np.percentile``'s. NaN for
    no stays."""
    if n == 0:
        return math.nan
    position = q * (n - 1)
    t = float(position - math.floor(position))
    if t == 0:
        return float(low)
    if t >= 0.5:
        return float(high - (high - low) * (1 - t))
    return float(low + (high - low) * t)


def _judged(tables: Tables, team: str, day: date, limits: ibis.Table) -> ibis.Table:
    """The open deals on ``day`` with days_in_stage (null without a history row before ``day``),
    p75_days (their stage's threshold, null without one), stalled, and rep_name."""
    at = midnight(day)
    snapshot = deal_snapshots(tables, [day], team)
    snapshot = snapshot.filter(snapshot.is_open)
    history = require(tables, "stage_history", SECTION)
    stages = require(tables, "stages").select("stage")
    entries = history.join(stages, "stage").filter(_.entered_at < at)
    entered = entries.group_by("opportunity_id").aggregate(entered_at=_.entered_at.max())
    names = scoped_reps(tables, team).select("rep_id", "rep_name")
    deals = snapshot.left_join(entered, "opportunity_id").left_join(limits, "stage")
    deals = deals.join(names, "rep_id")
    deals = deals.select(
        "opportunity_id",
        "rep_id",
        "rep_name",
        "team",
        "stage",
        "sort_order",
        "amount",
        "close_date",
        "p75_days",
        days_in_stage=days_between(deals.entered_at, ibis.literal(at)),
    )
    # strictly past the threshold by more than float drift: not ``at_most`` (p75_days is >= 0)
    stalled = deals.days_in_stage > deals.p75_days + DRIFT * deals.p75_days
    return deals.mutate(stalled=stalled.fill_null(False))


def _by_stage(deals: ibis.Table, thresholds: pd.DataFrame, judged: pd.DataFrame) -> pd.DataFrame:
    counts = deals.group_by("stage").aggregate(
        open_deals=deals.count(),
        stalled_deals=deals.stalled.sum(),
        stalled_amount=exact_sum(deals.amount, deals.stalled),
    )
    frame = thresholds[["stage", "sort_order"]].merge(judged[["stage", "p75_days"]], how="left")
    frame = frame.merge(counts.execute(), on="stage", how="left")
    for column in ("open_deals", "stalled_deals"):
        frame[column] = frame[column].astype("float64").fillna(0).astype("int64")
    frame["stalled_amount"] = frame["stalled_amount"].astype("float64").fillna(0.0)
    return frame.reset_index(drop=True)


def _by_rep(deals: ibis.Table) -> pd.DataFrame:
    reps = deals.group_by(["rep_id", "rep_name", "team"]).aggregate(
        stalled_deals=deals.stalled.sum(),
        stalled_amount=exact_sum(deals.amount, deals.stalled),
        open_amount=exact_sum(deals.amount),
    )
    frame = reps.execute()
    frame["stalled_deals"] = frame["stalled_deals"].astype("float64").fillna(0).astype("int64")
    frame["stalled_amount"] = frame["stalled_amount"].astype("float64").fillna(0.0)
    frame = frame.sort_values(["stalled_amount", "rep_name"], ascending=[False, True])
    return frame.reset_index(drop=True)


def _largest(deals: ibis.Table, top: int) -> pd.DataFrame:
    stalled = deals.filter(deals.stalled)
    largest = stalled.order_by([ibis.desc("amount"), "opportunity_id"]).limit(top)
    columns = ["opportunity_id", "rep_name", "team", "stage", "days_in_stage", "p75_days"]
    return largest.select(*columns, "amount", "close_date").execute().reset_index(drop=True)
