"""The pipeline flow sections: how the pipeline due in the quarter went from start to end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.pipeline.base import PipelineSections
from salesops.analyses.sections import chart_rows, needs_amounts, needs_tables
from salesops.i18n import N_, _, ngettext
from salesops.metrics.flow import (
    CHANGES,
    ENTRIES,
    EXITS,
    FLOW,
    Flow,
    FlowTotal,
    flow_by,
)
from salesops.present import Text, escape_markdown

STEP_NAMES = {  # each of metrics.flow.FLOW as a reader reads it
    "start": N_("Start of quarter"),
    "pulled_in": N_("Pulled in"),
    "pushed_in": N_("Pushed in"),
    "new": N_("New"),
    "increased": N_("Increased"),
    "decreased": N_("Decreased"),
    "won": N_("Won"),
    "lost": N_("Lost"),
    "pushed_out": N_("Pushed out"),
    "pulled_out": N_("Pulled out"),
    "end": N_("End of quarter"),
}
# how each step moves the pipeline in the waterfall
STEP_KINDS = {
    **{name: "up" for name in (*ENTRIES, *CHANGES)},
    **{name: "down" for name in ("decreased", *EXITS)},
    "start": "total",
    "end": "total",
}
EDGE_NOTES: dict[str, Callable[[int], str]] = {  # metrics.flow.EDGES a reader should know of
    "closed_outside": lambda n: ngettext(
        "{count} deal closed in the quarter with a recorded close date outside it counts as won "
        "or lost here, where its closing was recorded.",
        "{count} deals closed in the quarter with a recorded close date outside it count as won "
        "or lost here, where their closing was recorded.",
        n,
    ),
    "created_and_closed": lambda n: ngettext(
        "{count} deal was created and closed inside the quarter: it enters as new, at the amount "
        "it was created with, and leaves as won or lost.",
        "{count} deals were created and closed inside the quarter: they enter as new, at the "
        "amount they were created with, and leave as won or lost.",
        n,
    ),
    "history_starts_late": lambda n: ngettext(
        "{count} deal created before the quarter has a recorded history that starts after the "
        "quarter began: its first recorded amount and close date stand for its state at the "
        "start.",
        "{count} deals created before the quarter have a recorded history that starts after the "
        "quarter began: their first recorded amount and close date stand for their state at the "
        "start.",
        n,
    ),
    "returned": lambda n: ngettext(
        "{count} deal left the pipeline and came back during the quarter: it enters and leaves "
        "once, by its state at the start and its last position.",
        "{count} deals left the pipeline and came back during the quarter: each enters and "
        "leaves once, by its state at the start and its last position.",
        n,
    ),
    "reopened": lambda n: ngettext(
        "{count} deal closed at the start was reopened during the quarter: it enters as pulled "
        "in or pushed in, by its close date at the start.",
        "{count} deals closed at the start were reopened during the quarter: each enters as "
        "pulled in or pushed in, by its close date at the start.",
        n,
    ),
    "without_changes": lambda n: ngettext(
        "{count} deal has no recorded change: it is read from its current amount and close date.",
        "{count} deals have no recorded change: they are read from their current amount and "
        "close date.",
        n,
    ),
}
BY_COLUMNS = (
    "start",
    "entered",
    "resized",
    "won",
    "lost",
    "pushed_out",
    "pulled_out",
    "end",
    "net_change",
)
UNSEEN_BY = ("entered", "resized", "pushed_out", "pulled_out")  # None without deal_changes


class FlowSections(PipelineSections):
    """The flow of each quarter, computed once, and the sections that show this quarter's."""

    @property
    def current(self) -> Flow:
        """This quarter's flow."""
        return self.quarter_flow(self.scope.quarter)

    @property
    def flow_deals(self) -> pd.DataFrame:
        """The deals in play this quarter, one row each: opportunity_id, rep_id, team, entry,
        exit, entry_amount, exit_amount (``Flow.deals``)."""
        return self.current.deals

    @keeps_data
    @needs_tables
    @needs_amounts
    def flow(self) -> present.Stack | Text:
        """The quarter's pipeline flow: a waterfall from start to end and a table of its steps."""
        flow, quarter = self.current, formatting.quarter(self.scope.quarter)
        if not flow.in_play:
            return self._nothing_in_play()
        steps = _steps(flow.totals)
        drawn = steps.dropna(subset=["amount"])
        currency = self.scope.settings.currency
        fig = charts.flow_waterfall(
            drawn,
            title=_("Pipeline due in {quarter}, start to end").format(quarter=quarter),
            currency=currency,
        )
        caption = _(
            "How the pipeline due in {quarter} went from its start to its end: deals pulled in, "
            "pushed in or new and larger amounts add to it; smaller amounts and deals won, lost, "
            "pushed out or pulled out take from it."
        ).format(quarter=quarter)
        if not flow.complete:
            caption += " " + _(
                "Pulls, pushes and resizes are not drawn: the data has no {table} table."
            ).format(table="deal_changes")
        alt = _(
            "Waterfall chart of the pipeline due in {quarter}: {start} at the start, {end} at "
            "the end."
        ).format(
            quarter=quarter,
            start=formatting.money(amount_of(flow.totals, "start"), currency),
            end=formatting.money(amount_of(flow.totals, "end"), currency),
        )
        return present.stack(
            present.figure(fig, caption=caption, alt=alt, frame=drawn),
            self.table(
                steps[["step", "deals", "amount"]],
                {"deals": "count", "amount": "money"},
                labels={"step": _("Step"), "deals": _("Deals"), "amount": _("Amount")},
            ),
        )

    @keeps_data
    @needs_tables
    @needs_amounts
    def flow_breakdown(self) -> present.Stack | Text:
        """The flow by team (all teams) or by rep (one team): start, entered, resized, won,
        lost, pushed and pulled out, end and net change, in amounts."""
        flow = self.current
        if not flow.in_play:
            return self._nothing_in_play()
        by = self.scope.breakdown
        rows = _flow_by(flow, "team" if by == "team" else "rep_id")
        if by == "rep":
            rows["group"] = self._rep_names(rows["group"])
        exits = rows[["won", "lost", "pushed_out", "pulled_out"]]
        drawn, left_out = chart_rows(
            rows[["group", "start", "entered", "net_change"]].assign(
                exited=exits.sum(axis=1, min_count=exits.shape[1])  # NaN when one is unseen
            ),
            "start",
            N_("largest start pipelines"),
        )
        fig = charts.pipeline_flow_by(
            drawn,
            title=_("Pipeline flow by team") if by == "team" else _("Pipeline flow by rep"),
            currency=self.scope.settings.currency,
        )
        caption = _(
            "What entered the pipeline due in {quarter} (right) and what left it (left) per "
            "{group}; the diamond is the net change from start to end, resizing included."
        ).format(
            quarter=formatting.quarter(self.scope.quarter),
            group=_("team") if by == "team" else _("rep"),
        )
        if not flow.complete:
            caption += " " + _(
                "Without a {table} table only the net change is drawn: what entered and left "
                "cannot all be seen."
            ).format(table="deal_changes")
        labels = {
            by: _("Team") if by == "team" else _("Rep"),
            "start": _("Start"),
            "entered": _("Entered"),
            "resized": _("Resized"),
            "won": _(STEP_NAMES["won"]),
            "lost": _(STEP_NAMES["lost"]),
            "pushed_out": _(STEP_NAMES["pushed_out"]),
            "pulled_out": _(STEP_NAMES["pulled_out"]),
            "end": _("End"),
            "net_change": _("Net change"),
        }
        return present.stack(
            present.figure(fig, caption=caption + left_out, alt=caption, frame=drawn),
            self.table(
                rows.rename(columns={"group": by}),
                dict.fromkeys(BY_COLUMNS, "money"),
                labels=labels,
            ),
        )

    def _flow_sentences(self) -> list[str]:
        now, currency = self.now, self.scope.settings.currency

        def money(name: str) -> str:
            return formatting.money(amount_of(now["flow"], name), currency)

        label = escape_markdown(self.scope.team_label)
        starts = ngettext(
            "For {team}, the pipeline due in {quarter} started at {amount} ({count} deal).",
            "For {team}, the pipeline due in {quarter} started at {amount} ({count} deals).",
            count_of(now, "start"),
        ).format(
            team=label,
            quarter=formatting.quarter(self.scope.quarter),
            amount=money("start"),
            count=formatting.count(count_of(now, "start")),
        )
        ends = ngettext(
            "It ended at {amount} ({count} deal still open and due in the quarter).",
            "It ended at {amount} ({count} deals still open and due in the quarter).",
            count_of(now, "end"),
        ).format(amount=money("end"), count=formatting.count(count_of(now, "end")))
        if not now["flow_complete"]:
            moved = _(
                "During the quarter {new} entered it as new deals, {won} was won and {lost} lost."
            ).format(new=money("new"), won=money("won"), lost=money("lost"))
            unseen = _(
                "The data has no {table} table, so pulls, pushes and resizes cannot be seen: "
                "only the start, new, won, lost and end are shown, from each deal's current close "
                "date and amount; a {table} table would show them."
            ).format(table=escape_markdown("deal_changes"))
            return [starts, moved, ends, unseen]
        entered = sum(now["flow"][name]["amount"] for name in ENTRIES if name != "start")
        moved = _(
            "During the quarter {entered} entered it ({new} new, {pulled_in} pulled in from "
            "later quarters, {pushed_in} pushed in from earlier ones); {won} was won, {lost} lost "
            "and {pushed_out} pushed out to later quarters."
        ).format(
            entered=formatting.money(entered, currency),
            new=money("new"),
            pulled_in=money("pulled_in"),
            pushed_in=money("pushed_in"),
            won=money("won"),
            lost=money("lost"),
            pushed_out=money("pushed_out"),
        )
        return [starts, moved, ends]

    def _flow_notes(self) -> list[str]:
        """The deals each edge rule decided and the flow's conventions."""
        flow = self.current
        notes = [
            note(count).format(count=formatting.count(count))
            for name, note in EDGE_NOTES.items()
            if (count := flow.edges[name]) and (flow.complete or name != "without_changes")
        ]
        notes += [
            _(
                "A deal is in the quarter's pipeline while it is open with its close date in the "
                "quarter. A change counts from the moment it was recorded: the start is the "
                "pipeline at midnight on the quarter's first day, the end the one at midnight "
                "after its last."
            ),
            _(
                "Each deal in play enters once (at the start, pulled in, pushed in or new) and "
                "leaves once (won, lost, pushed out, pulled out, or still in the pipeline at the "
                "end). It enters at its amount then and leaves at its amount at the exit, the "
                "difference counted as increased or decreased, so start + entries + increases "
                "- decreases - exits = end."
            ),
        ]
        if not flow.complete:
            notes.append(
                _(
                    "Without {table}, each deal is read from its current close date and amount: "
                    "a deal since pushed out of the quarter is not in its pipeline at all, and "
                    "amounts are today's."
                ).format(table=escape_markdown("deal_changes"))
            )
        return notes

    def _rep_names(self, rep_ids: pd.Series) -> pd.Series:
        """The names of the team's reps ``rep_ids``; an id the reps table does not name, as is."""
        reps = self.scope.team_tables["reps"].select("rep_id", "rep_name").execute()
        names = rep_ids.map(dict(zip(reps["rep_id"], reps["rep_name"], strict=True)))
        return names.fillna(rep_ids)


def amount_of(totals: dict[str, Any], name: str) -> float | None:
    """The amount of one step of ``Flow.totals``, None where the data cannot show it."""
    total = totals[name]
    return None if total is None else total["amount"]


def count_of(figures: dict[str, Any], name: str) -> int:
    total = figures["flow"][name]
    return 0 if total is None else total["count"]


def _steps(totals: dict[str, FlowTotal | None]) -> pd.DataFrame:
    """One row per step of the flow, in ``FLOW`` order: flow (its name), step (as read), kind
    (as the waterfall draws it), deals and amount (NaN where the data cannot show it)."""
    return pd.DataFrame(
        {
            "flow": list(FLOW),
            "step": [_(STEP_NAMES[name]) for name in FLOW],
            "kind": [STEP_KINDS[name] for name in FLOW],
            "deals": [float("nan") if totals[n] is None else totals[n]["count"] for n in FLOW],
            "amount": [float("nan") if totals[n] is None else totals[n]["amount"] for n in FLOW],
        }
    )


def _flow_by(flow: Flow, key: Literal["team", "rep_id"]) -> pd.DataFrame:
    """``flow_by`` with group (the team or rep_id), start, entered (pulled in, pushed in, new),
    resized (increased - decreased), won, lost, pushed_out, pulled_out, end and net_change (end -
    start); the flows the data cannot show are NaN. Largest start first."""
    rows = flow_by(flow, key).rename(columns={key: "group"})
    rows = rows.assign(
        entered=rows[["pulled_in", "pushed_in", "new"]].sum(axis=1),
        net_change=rows["end"] - rows["start"],
    )
    if not flow.complete:
        rows[list(UNSEEN_BY)] = float("nan")
    order = rows.sort_values(["start", "group"], ascending=[False, True], ignore_index=True)
    return order[["group", *BY_COLUMNS]]
