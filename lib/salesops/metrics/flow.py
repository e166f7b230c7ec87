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
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, TypedDict

import ibis
import pandas as pd

from salesops.metrics import Tables, require
from salesops.metrics.scope import exact_sum, midnight, scoped_opportunities, stack, within
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

    ``table``: the deals in play as an Ibis expression, one row per deal (opportunity_id, rep_id,
    team, entry, exit, entry_amount, exit_amount), for queries that add them up in the backend;
    ``deals`` is that table brought back, on first use. ``totals``: each of ``FLOW`` to its count
    and amount (amounts positive), None where the data cannot show it (``complete`` False: no
    deal_changes). ``in_play``: how many deals are in play. ``edges``: how many deals in play
    each edge rule touched (``EDGES``)."""

    quarter: str
    team: str
    table: ibis.Table = field(compare=False, repr=False)
    totals: dict[str, FlowTotal | None]
    in_play: int
    edges: dict[str, int]
    complete: bool

    @cached_property
    def deals(self) -> pd.DataFrame:
        """``table`` as a DataFrame, by opportunity_id."""
        return self.table.order_by("opportunity_id").execute()


def pipeline_flow(tables: Tables, quarter: Quarter, team: str = ALL_TEAMS) -> Flow:
    """The deals of ``team`` in play in ``quarter`` with their entry and exit, and their totals.

    With deal_changes, states are as recorded; without it (``complete`` False), from the deals'
    current close dates and amounts: start, new, won, lost and end only. One query, whose result
    is one row per entry and exit; the deals stay in the backend (``Flow.table``)."""
    deals = scoped_opportunities(tables, team)
    deals = deals.filter(deals.created_at < midnight(quarter.end))
    classified = _classified(_states(deals, tables), deals, quarter)
    sums = _sums(classified).execute()
    complete = tables.get("deal_changes") is not None
    totals: dict[str, FlowTotal | None] = {name: _total(sums, name) for name in FLOW}
    if not complete:
        totals.update(dict.fromkeys(UNSEEN_WITHOUT_CHANGES))
    return Flow(
        quarter=quarter.label,
        team=team,
        table=classified.drop(*(f"edge_{name}" for name in EDGES)),
        totals=totals,
        in_play=int(sums["deals"].sum()),
        edges={name: int(sums[f"edge_{name}"].sum()) for name in EDGES},
        complete=complete,
    )


def flow_by(flow: Flow, key: Literal["team", "rep_id"]) -> pd.DataFrame:
    """``flow``'s deals in play added up per ``key`` in the backend, one row per group: ``key``,
    each of ``ENTRIES`` (the entry amounts of the deals that entered that way), each of ``EXITS``
    (the exit amounts of those that left that way) and resized (exit amount - entry amount, summed
    over the group's deals). 0 where no deal of the group did so."""
    deals = flow.table
    frame = (
        deals.group_by(key)
        .aggregate(
            **{name: exact_sum(deals.entry_amount, deals.entry == name) for name in ENTRIES},
            **{name: exact_sum(deals.exit_amount, deals.exit == name) for name in EXITS},
            resized=exact_sum(deals.exit_amount - deals.entry_amount),
        )
        .execute()
    )
    amounts = [*ENTRIES, *EXITS, "resized"]
    frame[amounts] = frame[amounts].astype("float64").fillna(0.0)
    return frame.sort_values(key, ignore_index=True)


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


def _sums(deals: ibis.Table) -> ibis.Table:
    """The deals in play added up per entry and exit: deals, entry and exit amounts, the deals
    whose amount rose or fell between the two and by how much, and each edge's count."""
    change = deals.exit_amount - deals.entry_amount

    def counted(condition: ibis.BooleanValue) -> ibis.IntegerValue:
        return ibis.ifelse(condition, 1, 0).sum()

    return deals.group_by("entry", "exit").aggregate(
        deals=deals.count(),
        entry_amount=exact_sum(deals.entry_amount),
        exit_amount=exact_sum(deals.exit_amount),
        increased=counted(change > 0),
        increased_amount=exact_sum(change, change > 0),
        decreased=counted(change < 0),
        decreased_amount=exact_sum(-change, change < 0),
        **{f"edge_{name}": counted(deals[f"edge_{name}"]) for name in EDGES},
    )


def _total(sums: pd.DataFrame, name: str) -> FlowTotal:
    """One step's count and amount from ``_sums``."""
    if name in CHANGES:
        count, amount = sums[name], sums[f"{name}_amount"]
    else:
        column = "entry" if name in ENTRIES else "exit"
        rows = sums[sums[column] == name]
        count, amount = rows["deals"], rows[f"{column}_amount"]
    return FlowTotal(
        count=int(count.astype("float64").sum()), amount=float(amount.astype("float64").sum())
    )


def _state_code(closed: ibis.Value, won: ibis.Value) -> ibis.Value:
    return ibis.ifelse(closed, ibis.ifelse(won, WON, LOST), OPEN)


def recorded_changes(changes: ibis.Table, deals: ibis.Table, tables: Tables) -> ibis.Table:
    """deal_changes rows of ``deals`` with a field left null carried from the deal's previous row
    that has it, else the deal's current amount and close date (a stage: open). Columns:
    opportunity_id, changed_at, sort_order (of the row's stage, 0 without one: it orders rows at
    the same instant), state (OPEN, LOST, WON), amount, close_date, recorded (True)."""
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
            recorded_changes(changes, deals, tables),
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
