"""The pipeline as it stood on a given day, and pipeline coverage of the quota.

A deal's state on day ``d`` means its state at midnight at the start of ``d``: everything entered
before ``d``. The state comes from stage_history when there is one; otherwise (and for a deal with
no history row before ``d``) from the deal's current values. A deal is open from its creation to
its close whether or not history shows it: one that closed after ``d`` with no history to say
where it stood is open on ``d`` at UNKNOWN_STAGE.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

import ibis
from ibis import _

from salesops.errors import ParamsError
from salesops.i18n import N_
from salesops.metrics import Tables, plain_float, plain_int, require
from salesops.metrics.scope import (
    closed_totals,
    lost_amounts_missing,
    midnight,
    scoped_by_rep,
    scoped_opportunities,
    stack,
    within,
)
from salesops.metrics.stats import at_least, ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

WinRateBasis = Literal["count", "amount"]
UNKNOWN_STAGE = "unknown stage"


def deal_snapshots(tables: Tables, days: Sequence[date], team: str = ALL_TEAMS) -> ibis.Table:
    """Each deal of ``team`` as it stood at the start of each of ``days`` (one row per deal, day).

    With stage_history, the state on day d is the deal's latest history row entered before d
    (ties broken by sort_order, then stage name): its stage with the stages table's flags, and
    its amount, close_date and forecast_category where the row has them (else the current ones).
    A deal created before d with no history row before d, and every deal when there is no
    stage_history, takes its current values: open on d if open now (at its current stage) or
    closed on or after d (at UNKNOWN_STAGE, sort_order null), won on d if won with a close_date
    before d.
    Columns: as_of (the day), opportunity_id, rep_id, team, stage, sort_order, is_open, is_won,
    amount, close_date, forecast_category, from_history. An unevaluated expression.
    """
    deals = scoped_opportunities(tables, team)
    stages = require(tables, "stages").select(
        "stage", "sort_order", stage_closed="is_closed", stage_won="is_won"
    )
    moments = ibis.memtable({"as_of": list(days), "as_of_at": [midnight(d) for d in days]})

    current = deals.left_join(stages.select("stage", "sort_order"), "stage")
    current = current.cross_join(moments).filter(_.created_at < _.as_of_at)
    history = tables.get("stage_history")
    if history is not None:  # the team's deals' rows only, before any window sorts them
        history = history.semi_join(deals, history.opportunity_id == deals.opportunity_id)
    entries = None if history is None else history.join(stages, "stage")
    if entries is not None:
        # a deal's history speaks from its first entry on: before it, the current values do
        first = entries.group_by("opportunity_id").aggregate(first_entered_at=_.entered_at.min())
        current = current.left_join(first, current.opportunity_id == first.opportunity_id)
        current = current.filter(
            current.first_entered_at.isnull() | (current.first_entered_at >= current.as_of_at)
        )
    closed_later = current.is_closed & (current.close_date >= current.as_of)
    from_current = current.select(
        "as_of",
        "opportunity_id",
        "rep_id",
        "team",
        stage=ibis.ifelse(closed_later, ibis.literal(UNKNOWN_STAGE), current.stage.cast("string")),
        sort_order=ibis.ifelse(closed_later, ibis.null("int64"), current.sort_order.cast("int64")),
        is_open=~current.is_closed | closed_later,
        is_won=current.is_won & (current.close_date < current.as_of),
        amount=current.amount.cast("float64"),
        close_date="close_date",
        forecast_category=current.forecast_category.cast("string"),
        from_history=ibis.literal(False),
    )
    if entries is None:
        return from_current
    order = ibis.window(
        group_by=entries.opportunity_id,
        order_by=[entries.entered_at, entries.sort_order, entries.stage],
    )
    entries = entries.mutate(next_entered_at=entries.entered_at.lead().over(order))
    now = deals.select(
        "opportunity_id",
        "rep_id",
        "team",
        current_amount="amount",
        current_close_date="close_date",
        current_category="forecast_category",
    )
    entries = entries.join(now, "opportunity_id")
    held = entries.join(
        moments,
        [
            entries.entered_at < moments.as_of_at,
            entries.next_entered_at.isnull() | (entries.next_entered_at >= moments.as_of_at),
        ],
    )
    from_history = held.select(
        "as_of",
        "opportunity_id",
        "rep_id",
        "team",
        stage=held.stage.cast("string"),
        sort_order=held.sort_order.cast("int64"),
        is_open=~held.stage_closed,
        is_won=held.stage_won,
        amount=held.amount.fill_null(held.current_amount).cast("float64"),
        close_date=held.close_date.fill_null(held.current_close_date),
        forecast_category=held.forecast_category.fill_null(held.current_category).cast("string"),
        from_history=ibis.literal(True),
    )
    return stack(from_history, from_current)


@dataclass(frozen=True)
class PipelineCoverage:
    """Open pipeline against the quota still to book, and the coverage the win rate requires."""

    quarter: str
    as_of: date
    pipeline: float
    pipeline_deals: int
    quota: float | None
    booked: float
    gap: float | None
    coverage: float | None
    win_rate: float | None
    win_rate_basis: str
    win_rate_deals: int
    required_coverage: float | None
    basis: str


def pipeline_coverage(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    as_of: date | None = None,
    win_rate_basis: WinRateBasis = "count",
    lookback_quarters: int = 4,
) -> PipelineCoverage:
    """Coverage = open pipeline with close_date in the quarter, as of ``as_of`` / (quota - booked).

    ``as_of`` defaults to the quarter's first day (booked to date is then 0). Booked = closed-won
    with close_date in [quarter start, as_of). Deal states come from ``deal_snapshots``; ``basis``
    says "stage_history" or "opportunities" (current values, when there is no history).
    Required coverage = 1 / win rate of the ``lookback_quarters`` quarters before this one, by
    count (closed / won, docs/metrics.md) or by amount (closed amount / won amount; None when
    most lost deals have no amount, ``lost_amounts_missing``), divided
    once so that it equals a coverage of the same ratio. Coverage is None when there is no quota
    or it is already met (booked reaches the quota, ``at_least``). Needs quotas.
    """
    if win_rate_basis not in ("count", "amount"):
        raise ParamsError(f"win rate basis must be 'count' or 'amount', got {win_rate_basis!r}")
    quotas = require(tables, "quotas", N_("Pipeline coverage"))
    day = as_of or quarter.start
    snapshot = deal_snapshots(tables, [day], team)
    open_in_quarter = snapshot.filter(
        snapshot.is_open & within(snapshot.close_date, quarter.start, quarter.end)
    )
    pipeline = open_in_quarter.aggregate(
        pipeline=open_in_quarter.amount.sum(), pipeline_deals=open_in_quarter.count()
    )
    scoped_quotas = scoped_by_rep(quotas, tables, team)
    scoped_quotas = scoped_quotas.filter(scoped_quotas.quarter_start == quarter.start)
    quota = scoped_quotas.aggregate(quota=scoped_quotas.quota.sum())
    deals = scoped_opportunities(tables, team)
    booked = closed_totals(deals, quarter.start, day).select(booked="won_amount")
    history = closed_totals(deals, quarter.previous(lookback_quarters).start, quarter.start)
    row = pipeline.cross_join(quota).cross_join(booked).cross_join(history).execute().iloc[0]

    quota_total = plain_float(row["quota"])
    booked_total = plain_float(row["booked"]) or 0.0
    gap = None if quota_total is None else quota_total - booked_total
    pipeline_total = plain_float(row["pipeline"]) or 0.0
    won: float | None
    closed: float | None
    if win_rate_basis == "amount":
        won, closed = plain_float(row["won_amount"]), plain_float(row["closed_amount"])
        lost = plain_int(row["closed"]) - plain_int(row["won"])
        if lost_amounts_missing(plain_int(row["lost_without_amount"]), lost):
            won = closed = None  # the amount win rate would read about 100 %: withheld
    else:
        won, closed = plain_int(row["won"]), plain_int(row["closed"])
    open_gap = gap is not None and not at_least(booked_total, quota_total)
    return PipelineCoverage(
        quarter=quarter.label,
        as_of=day,
        pipeline=pipeline_total,
        pipeline_deals=plain_int(row["pipeline_deals"]),
        quota=quota_total,
        booked=booked_total,
        gap=gap,
        coverage=ratio(pipeline_total, gap) if open_gap else None,
        win_rate=ratio(won, closed),
        win_rate_basis=win_rate_basis,
        win_rate_deals=plain_int(row["closed"]),
        required_coverage=ratio(closed, won),
        basis="opportunities" if tables.get("stage_history") is None else "stage_history",
    )
