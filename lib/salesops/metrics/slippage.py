"""Slippage: how much of the pipeline due in a quarter at its start did not close in it (pushed
out, or still open past its close date at its end), and how often the deals in play had their
close dates pushed during it.

A push is a deal_changes row recorded during the quarter that finds a deal open and leaves it open
with a later close date than the one it had just before; a null close date is unchanged, carried
as in ``flow.recorded_changes``. Pushes are counted for the quarter's deals in play
(``flow.pipeline_flow``), so that slippage and the pipeline flow agree deal by deal.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd

from salesops.i18n import N_
from salesops.metrics import Tables, plain_float, plain_int, require
from salesops.metrics.flow import OPEN, Flow, pipeline_flow, recorded_changes
from salesops.metrics.scope import (
    exact_sum,
    midnight,
    scoped_opportunities,
    scoped_reps,
    within,
)
from salesops.metrics.stats import SMALL_SAMPLE, ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

REP_COLUMNS = [
    "rep_id",
    "rep_name",
    "team",
    "deals",
    "pushes",
    "pushes_per_deal",
    "pushed_deals",
    "small_sample",
]
PUSHED_TWICE_COLUMNS = [
    "opportunity_id",
    "rep_name",
    "team",
    "pushes",
    "first_close_date",
    "close_date",
    "amount",
    "exit",
]


@dataclass(frozen=True)
class Slippage:
    """The quarter's slippage for a team.

    ``slipped_share``: slipped_amount / start_amount, the share of the starting pipeline's amount
    (flow entry ``start``, at its entry amount) whose deals did not close in the quarter: left by
    ``pushed_out``, or still open at its end past their close date (``overdue_amount``, exit
    ``end`` of a quarter that has ended); None when the start amount is 0. ``pushes_per_deal``:
    pushes / deals_in_play. ``reps``: one row per rep with a deal in play (``REP_COLUMNS``).
    ``pushed_twice``: the ``top`` largest deals pushed twice or more (``PUSHED_TWICE_COLUMNS``),
    ``pushed_twice_count`` all of them."""

    quarter: str
    team: str
    start_amount: float
    slipped_amount: float
    slipped_deals: int
    slipped_share: float | None
    overdue_amount: float
    overdue_deals: int
    deals_in_play: int
    pushes: int
    pushes_per_deal: float | None
    reps: pd.DataFrame
    pushed_twice: pd.DataFrame
    pushed_twice_count: int


def slippage(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    small_sample: int = SMALL_SAMPLE,
    top: int = 20,
    flow: Flow | None = None,
    ended: bool = True,
) -> Slippage:
    """The starting pipeline pushed out of ``quarter``, and the close-date pushes of its deals in
    play, in total, per rep and for the deals pushed twice or more. Needs deal_changes.

    The deals in play are the flow's (``Flow.table``), each with its pushes in the quarter; three
    queries add them up in the backend (totals, per rep, the largest pushed twice). A rep is a
    small sample with fewer than ``small_sample`` deals in play. The deals pushed twice are
    ordered by amount at the quarter's end (the flow's exit amount), largest first, ties by
    opportunity_id. ``flow``: the quarter's ``pipeline_flow`` for ``team``, when the caller has it
    already. ``ended``: the data reaches the quarter's end, so a starting deal still open in it
    is overdue (slipped, its close date not yet moved); in a quarter still running it is open."""
    changes = require(tables, "deal_changes", N_("Slippage"))
    flow = flow or pipeline_flow(tables, quarter, team)
    deals = _with_pushes(tables, changes, quarter, flow)
    start, twice = deals.entry == "start", deals.pushes >= 2
    overdue = start & (deals.exit == "end") & ibis.literal(ended)
    slipped = (start & (deals.exit == "pushed_out")) | overdue
    totals = (
        deals.aggregate(
            start_amount=exact_sum(deals.entry_amount, start),
            slipped_amount=exact_sum(deals.entry_amount, slipped),
            slipped_deals=slipped.sum(),
            overdue_amount=exact_sum(deals.entry_amount, overdue),
            overdue_deals=overdue.sum(),
            deals_in_play=deals.count(),
            pushes=deals.pushes.sum(),
            pushed_twice_count=twice.sum(),
        )
        .execute()
        .iloc[0]
    )
    start_amount = plain_float(totals["start_amount"]) or 0.0
    slipped_amount = plain_float(totals["slipped_amount"]) or 0.0
    in_play, pushes = plain_int(totals["deals_in_play"]), plain_int(totals["pushes"])
    return Slippage(
        quarter=quarter.label,
        team=team,
        start_amount=start_amount,
        slipped_amount=slipped_amount,
        slipped_deals=plain_int(totals["slipped_deals"]),
        slipped_share=ratio(slipped_amount, start_amount),
        overdue_amount=plain_float(totals["overdue_amount"]) or 0.0,
        overdue_deals=plain_int(totals["overdue_deals"]),
        deals_in_play=in_play,
        pushes=pushes,
        pushes_per_deal=ratio(pushes, in_play),
        reps=_by_rep(deals, small_sample),
        pushed_twice=_largest(deals.filter(twice), top),
        pushed_twice_count=plain_int(totals["pushed_twice_count"]),
    )


def _with_pushes(tables: Tables, changes: ibis.Table, quarter: Quarter, flow: Flow) -> ibis.Table:
    """The flow's deals in play with their rep's name, pushes in ``quarter`` (0 for none), the
    close date before the first push and the one at the quarter's end (null when not pushed)."""
    in_play = flow.table
    pushed = _pushes(changes, scoped_opportunities(tables, flow.team), tables, quarter)
    names = scoped_reps(tables, flow.team).select("rep_id", "rep_name")
    joined = in_play.left_join(pushed, in_play.opportunity_id == pushed.opportunity_id)
    joined = joined.select(
        *(in_play[column] for column in in_play.columns),
        pushes=pushed.pushes.fill_null(0),
        first_close_date=pushed.first_close_date,
        close_date=pushed.close_date,
    )
    named = joined.left_join(names, joined.rep_id == names.rep_id)
    return named.select(*(joined[column] for column in joined.columns), rep_name=names.rep_name)


def _pushes(changes: ibis.Table, deals: ibis.Table, tables: Tables, quarter: Quarter) -> ibis.Table:
    """The deals of ``deals`` pushed during ``quarter``, one row each: opportunity_id, pushes,
    first_close_date (the close date just before the quarter's first push), close_date (the one
    at the quarter's end). Rows at the same instant are taken in stage order, as the flow does."""
    rows = recorded_changes(changes, deals, tables)
    rows = rows.filter(rows.changed_at < midnight(quarter.end))
    deal_order = {"group_by": "opportunity_id", "order_by": ["changed_at", "sort_order"]}
    order, so_far = ibis.window(**deal_order), ibis.cumulative_window(**deal_order)
    rows = rows.mutate(
        before=rows.close_date.lag().over(order),
        state_before=rows.state.lag().over(order),
        last=rows.changed_at.lead().over(order).isnull(),
    )
    push = (
        within(rows.changed_at, quarter.start, quarter.end)
        & (rows.state_before == OPEN)
        & (rows.state == OPEN)
        & (rows.close_date > rows.before)
    )
    rows = rows.mutate(push=push.fill_null(False))
    rows = rows.mutate(pushes_so_far=rows.push.sum().over(so_far))
    per_deal = rows.group_by("opportunity_id").aggregate(
        pushes=rows.push.sum(),
        first_close_date=rows.before.max(where=rows.push & (rows.pushes_so_far == 1)),
        close_date=rows.close_date.max(where=rows.last),
    )
    return per_deal.filter(per_deal.pushes > 0)


def _by_rep(deals: ibis.Table, small_sample: int) -> pd.DataFrame:
    """Per rep with a deal in play: deals, pushes, pushes_per_deal, pushed_deals, small_sample."""
    reps = (
        deals.group_by(["rep_id", "rep_name", "team"])
        .aggregate(
            deals=deals.count(), pushes=deals.pushes.sum(), pushed_deals=(deals.pushes > 0).sum()
        )
        .execute()
    )
    reps = reps.astype({"deals": "int64", "pushes": "int64", "pushed_deals": "int64"})
    reps["pushes_per_deal"] = [
        ratio(p, d) for p, d in zip(reps["pushes"], reps["deals"], strict=True)
    ]
    reps["small_sample"] = reps["deals"] < small_sample
    reps = reps.sort_values(["pushes", "rep_name", "rep_id"], ascending=[False, True, True])
    return reps[REP_COLUMNS].reset_index(drop=True)


def _largest(deals: ibis.Table, top: int) -> pd.DataFrame:
    """The ``top`` deals by amount at the quarter's end, ties by opportunity_id."""
    largest = deals.order_by([deals.exit_amount.desc(), deals.opportunity_id]).limit(top)
    frame = largest.execute().rename(columns={"exit_amount": "amount"})
    return frame[PUSHED_TWICE_COLUMNS].reset_index(drop=True)
