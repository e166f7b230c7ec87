"""Pipeline flow for a quarter: how the pipeline due in it at its start became the one at its end.

A deal is in the quarter's pipeline while it is open with its close date in the quarter. A deal is
in play when it is in that pipeline at some moment of the quarter, or closes during it. Each deal
in play enters once (start, pulled_in, pushed_in, new) and leaves once (won, lost, pushed_out,
pulled_out, end); between the two its amount may rise or fall (increased, decreased). So

    start + pulled_in + pushed_in + new + increased - decreased
        - won - lost - pushed_out - pulled_out = end

in amounts, and without increased and decreased in counts. States come from deal_changes as
recorded (a change counts from its ``changed_at``); the rules for the edges are in
docs/metrics.md, "Pipeline flow".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypedDict

import ibis
import pandas as pd

from salesops.metrics import Tables, require
from salesops.metrics.scope import midnight, scoped_opportunities, stack, within
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

ENTRIES = ("start", "pulled_in", "pushed_in", "new")
CHANGES = ("increased", "decreased")
EXITS = ("won", "lost", "pushed_out", "pulled_out", "end")
FLOW = (*ENTRIES, *CHANGES, *EXITS)
# what opportunities alone cannot show: their close dates and amounts are the current ones
UNSEEN_WITHOUT_CHANGES = (
    "pulled_in",
    "pushed_in",
    "increased",
    "decreased",
    "pushed_out",
    "pulled_out",
)
EDGES = (
    "closed_outside",
    "created_and_closed",
    "history_starts_late",
    "returned",
    "reopened",
    "without_changes",
)

OPEN, LOST, WON = 0, 1, 2  # a deal's state code


class FlowTotal(TypedDict):
    count: int
    amount: float


@dataclass(frozen=True)
class Flow:
    """The quarter's pipeline flow for a team.

    ``deals``: one row per deal in play (opportunity_id, rep_id, team, entry, exit, entry_amount,
    exit_amount). ``totals``: each of ``FLOW`` to its count and amount (amounts positive), None
    where the data cannot show it (``complete`` False: no deal_changes). ``edges``: how many deals
    in play each edge rule touched (``EDGES``)."""

    quarter: str
    team: str
    deals: pd.DataFrame
    totals: dict[str, FlowTotal | None]
    edges: dict[str, int]
    complete: bool


def pipeline_flow(tables: Tables, quarter: Quarter, team: str = ALL_TEAMS) -> Flow:
    """Every deal of ``team`` in play in ``quarter`` with its entry and exit, and their totals.

    With deal_changes, states are as recorded; without it (``complete`` False), from the deals'
    current close dates and amounts: start, new, won, lost and end only."""
    deals = scoped_opportunities(tables, team)
    deals = deals.filter(deals.created_at < midnight(quarter.end))
    frame = _classified(_states(deals, tables), deals, quarter).execute()
    frame = frame.sort_values("opportunity_id").reset_index(drop=True)
    complete = tables.get("deal_changes") is not None
    totals: dict[str, FlowTotal | None] = {name: _total(frame, name) for name in FLOW}
    if not complete:
        totals.update(dict.fromkeys(UNSEEN_WITHOUT_CHANGES))
    return Flow(
        quarter=quarter.label,
        team=team,
        deals=frame.drop(columns=[f"edge_{name}" for name in EDGES]),
        totals=totals,
        edges={name: int(frame[f"edge_{name}"].sum()) for name in EDGES},
        complete=complete,
    )


def flow_residual(
    totals: Mapping[str, FlowTotal | None], measure: Literal["count", "amount"] = "amount"
) -> float:
    """Entries (and, in amounts, increased - decreased) minus exits minus end: 0 when the flow
    identity holds. A total that is None counts 0."""

    def value(name: str) -> float:
        total = totals[name]
        return 0.0 if total is None else float(total[measure])

    change = value("increased") - value("decreased") if measure == "amount" else 0.0
    exits = sum(value(name) for name in EXITS if name != "end")
    return sum(value(name) for name in ENTRIES) + change - exits - value("end")


def _total(frame: pd.DataFrame, name: str) -> FlowTotal:
    if name in CHANGES:
        change = frame["exit_amount"] - frame["entry_amount"]
        moved = change[change > 0] if name == "increased" else -change[change < 0]
        return FlowTotal(count=len(moved), amount=float(moved.sum()))
    column, amount = ("entry", "entry_amount") if name in ENTRIES else ("exit", "exit_amount")
    rows = frame[frame[column] == name]
    return FlowTotal(count=len(rows), amount=float(rows[amount].sum()))


def _state_code(closed: ibis.Value, won: ibis.Value) -> ibis.Value:
    return ibis.ifelse(closed, ibis.ifelse(won, WON, LOST), OPEN)


def _recorded(changes: ibis.Table, deals: ibis.Table, tables: Tables) -> ibis.Table:
    """deal_changes rows of ``deals`` with a field left null carried from the deal's previous row
    that has it, else the deal's current amount and close date (a stage: open)."""
    stages = require(tables, "stages").select(
        "stage", "sort_order", stage_closed="is_closed", stage_won="is_won"
    )
    now = deals.select("opportunity_id", now_amount="amount", now_close_date="close_date")
    rows = changes.join(now, "opportunity_id")
    rows = rows.left_join(stages, rows.stage == stages.stage).select(
        "opportunity_id",
        "changed_at",
        "now_amount",
        "now_close_date",
        sort_order=ibis._.sort_order.fill_null(0).cast("int64"),
        state=ibis.ifelse(
            ibis._.stage_closed.isnull(),
            ibis.null("int64"),
            _state_code(ibis._.stage_closed, ibis._.stage_won).cast("int64"),
        ),
        amount=ibis._.amount.cast("float64"),
        close_date=ibis._.close_date,
    )
    carried = ("state", "amount", "close_date")
    so_far = ibis.cumulative_window(
        group_by="opportunity_id", order_by=["changed_at", "sort_order"]
    )
    # a run starts at each row that has the field; its first row's value fills the run
    rows = rows.mutate(
        **{f"{c}_run": ibis.ifelse(rows[c].isnull(), 0, 1).sum().over(so_far) for c in carried}
    )
    rows = rows.mutate(
        **{
            c: rows[c].max().over(ibis.window(group_by=["opportunity_id", f"{c}_run"]))
            for c in carried
        }
    )
    return rows.select(
        "opportunity_id",
        "changed_at",
        "sort_order",
        state=rows.state.fill_null(OPEN),
        amount=rows.amount.fill_null(rows.now_amount),
        close_date=rows.close_date.fill_null(rows.now_close_date),
        recorded=ibis.literal(True),
    )


def _from_current(deals: ibis.Table) -> ibis.Table:
    """A deal without recorded changes: open from its creation with its current amount and close
    date, closed at the midnight starting its close date if it is closed now."""
    return deals.select(
        "opportunity_id",
        changed_at=ibis.ifelse(
            deals.is_closed, deals.close_date.cast("timestamp"), deals.created_at
        ),
        sort_order=ibis.literal(0, "int64"),
        state=_state_code(deals.is_closed, deals.is_won).cast("int64"),
        amount=deals.amount.cast("float64"),
        close_date="close_date",
        recorded=ibis.literal(False),
    )


def _states(deals: ibis.Table, tables: Tables) -> ibis.Table:
    """Each deal's states in order, ``seq`` 0 the state it was created with (open, with its first
    row's amount and close date), then one per recorded change: opportunity_id, seq, changed_at
    (null for seq 0), state, amount, close_date, recorded, first_changed_at."""
    changes = tables.get("deal_changes")
    if changes is None:
        rows = _from_current(deals)
    else:
        changes = changes.select("opportunity_id", "changed_at", "stage", "amount", "close_date")
        rows = stack(
            _recorded(changes, deals, tables),
            _from_current(deals.anti_join(changes, "opportunity_id")),
        )
    order = ibis.window(group_by="opportunity_id", order_by=["changed_at", "sort_order"])
    rows = rows.mutate(seq=ibis.row_number().over(order) + 1)
    created = rows.filter(rows.seq == 1).mutate(
        seq=ibis.literal(0, "int64"),
        changed_at=ibis.null("timestamp"),
        state=ibis.literal(OPEN, "int64"),
    )
    states = stack(
        created.select(*rows.columns), rows.mutate(seq=rows.seq.cast("int64")).select(*rows.columns)
    )
    return states.mutate(
        first_changed_at=states.changed_at.min().over(ibis.window(group_by="opportunity_id"))
    )


def _classified(states: ibis.Table, deals: ibis.Table, quarter: Quarter) -> ibis.Table:
    """The deals in play with their entry, exit, amounts and ``edge_*`` flags."""
    start_at, end_at = midnight(quarter.start), midnight(quarter.end)
    whole = ibis.window(group_by="opportunity_id")
    before = (states.seq == 0) | (states.changed_at < start_at)
    states = states.mutate(first_seq=ibis.ifelse(before, states.seq, -1).max().over(whole))
    # the state at the start (or at creation), then every change recorded during the quarter
    seen = states.filter(
        (states.seq >= states.first_seq)
        & ((states.seq == states.first_seq) | (states.changed_at < end_at))
    )
    is_open = seen.state == OPEN
    due = within(seen.close_date, quarter.start, quarter.end)
    so_far = ibis.cumulative_window(group_by="opportunity_id", order_by="seq")
    seen = seen.mutate(
        in_pipeline=is_open & due,
        closed_due=~is_open & due,
        is_open=is_open,
        last_seq=seen.seq.max().over(whole),
    )
    was_in = ibis.ifelse(seen.in_pipeline, 1, 0).max().over(so_far)
    seen = seen.mutate(left=seen.is_open & ~seen.in_pipeline & (was_in == 1))
    left_before = ibis.ifelse(seen.left, 1, 0).max().over(so_far)
    seen = seen.mutate(back=(seen.in_pipeline | seen.closed_due) & (left_before == 1))

    first, last = seen.seq == seen.first_seq, seen.seq == seen.last_seq
    per_deal = seen.group_by("opportunity_id").aggregate(
        state0=seen.state.max(where=first),
        close0=seen.close_date.max(where=first),
        entry_amount=seen.amount.max(where=first),
        final=seen.state.max(where=last),
        close_end=seen.close_date.max(where=last),
        exit_amount=seen.amount.max(where=last),
        ever_in=ibis.ifelse(seen.in_pipeline, 1, 0).max(),
        ever_open=ibis.ifelse(seen.is_open, 1, 0).max(),
        returned=ibis.ifelse(seen.back, 1, 0).max(),
        recorded=ibis.ifelse(seen.recorded, 1, 0).max(),
        first_changed_at=seen.first_changed_at.max(),
    )
    flow = per_deal.join(
        deals.select("opportunity_id", "rep_id", "team", "created_at"), "opportunity_id"
    )
    closed = flow.final != OPEN
    flow = flow.filter((flow.ever_in == 1) | (closed & (flow.ever_open == 1)))

    new = flow.created_at >= start_at
    entry = ibis.cases(
        (new, "new"),
        ((flow.state0 == OPEN) & within(flow.close0, quarter.start, quarter.end), "start"),
        (flow.close0 >= quarter.end, "pulled_in"),
        else_="pushed_in",
    )
    exit_ = ibis.cases(
        (flow.final == WON, "won"),
        (flow.final == LOST, "lost"),
        (flow.close_end >= quarter.end, "pushed_out"),
        (flow.close_end < quarter.start, "pulled_out"),
        else_="end",
    )
    return flow.select(
        "opportunity_id",
        "rep_id",
        "team",
        entry=entry,
        exit=exit_,
        entry_amount=flow.entry_amount.fill_null(0.0),
        exit_amount=flow.exit_amount.fill_null(0.0),
        edge_closed_outside=closed & ~within(flow.close_end, quarter.start, quarter.end),
        edge_created_and_closed=new & closed,
        edge_history_starts_late=(flow.recorded == 1) & ~new & (flow.first_changed_at >= start_at),
        edge_returned=flow.returned == 1,
        edge_reopened=flow.state0 != OPEN,
        edge_without_changes=flow.recorded == 0,
    )
