"""The funnel report: where deals stall, how many are won, how long they take."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.report import QuarterReport
from salesops.analyses.scope import Scope, open_scope
from salesops.analyses.sections import (
    bullet_list,
    chart_rows,
    missing_tables_note,
    mixed_currency_sentence,
    needs_tables,
    value,
    withhold_amount_cards,
)
from salesops.errors import ParamsError
from salesops.metrics import MissingTableError, funnel
from salesops.metrics.scope import lost_amounts_missing
from salesops.periods import Quarter
from salesops.present import Card, Text, escape_markdown

ANALYSIS = "funnel"
FIELDS = {"source": "lead source", "segment": "segment"}  # optional deal fields to break down by
BLANK_AMOUNT_GROUPS = (
    " Win rate by amount is left blank where most lost deals have no amount: it would read close "
    "to 100 %."
)
ENABLES = {
    "stage_history": "stage-by-stage conversion and time in stage (reach uses current stages)",
    "leads": "lead conversion",
}


@dataclass(frozen=True)
class FunnelOptions:
    """The funnel's own parameters, named in the caveats."""

    lead_window_days: int = funnel.LEAD_WINDOW_DAYS
    qualified_stage: str | None = None
    lost_deals: funnel.LostDeals = "exclude"


class FunnelReport(QuarterReport):
    """Every section of the funnel notebook; metrics are computed once and shared."""

    def __init__(self, scope: Scope, options: FunnelOptions) -> None:
        super().__init__(scope)
        self.options = options

    def figures(self, quarter: Quarter) -> dict[str, Any]:
        cycle = reach = None
        if quarter == self.scope.quarter:  # the sections need these too: compute them once
            if self.options.lost_deals == "exclude":  # the headline's convention
                cycle = self.cycle
            with contextlib.suppress(MissingTableError):  # the headline says it is missing
                reach = self.reach
        return funnel.funnel_headline(
            self.scope.tables,
            quarter,
            self.scope.team,
            lead_window_days=self.options.lead_window_days,
            qualified_stage=self.options.qualified_stage,
            small_sample=self.scope.settings.small_sample,
            cycle=cycle,
            reach=reach,
        )

    @cached_property
    def cycle(self) -> funnel.CycleLength:
        return funnel.cycle_length(
            self.scope.tables, self.scope.quarter, self.scope.team, lost=self.options.lost_deals
        )

    @cached_property
    def reach(self) -> pd.DataFrame:
        return funnel.stage_reach(self.scope.tables, self.scope.quarter, self.scope.team)

    def headline(self) -> present.Headline:
        """Cards: win rate, won amount, deal size, time to win, lead conversion, velocity."""
        now, before, prev = self.now, self.before, self.scope.previous.label
        currency = self.scope.settings.currency
        n_note = f"n={formatting.count(now['closed_deals'])} closed"
        if now["small_sample"]:
            n_note += ", small sample"
        cards = [
            Card.compare(
                "Win rate", now["win_rate"], value(before, "win_rate"), versus=prev, note=n_note
            ),
            Card.compare(
                "Won amount",
                now["won_amount"],
                value(before, "won_amount"),
                "money",
                versus=prev,
                currency=currency,
                note=f"{formatting.count(now['won_deals'])} deals won",
            ),
            Card.compare(
                "Average won deal",
                now["avg_won_deal"],
                value(before, "avg_won_deal"),
                "money",
                versus=prev,
                currency=currency,
            ),
            Card.compare(
                "Median time to win",
                now["median_cycle_days"],
                value(before, "median_cycle_days"),
                "days",
                versus=prev,
                higher_is_better=False,
                note="Kaplan-Meier, open deals censored",
            ),
            Card.compare(
                "Lead conversion",
                now["lead_conversion"],
                value(before, "lead_conversion"),
                versus=prev,
                note=f"within {now['lead_window_days']} days",
            ),
            Card.compare(
                "Sales velocity",
                now["velocity_per_day"],
                value(before, "velocity_per_day"),
                "money",
                versus=prev,
                currency=currency,
                note="pipeline value per day",
            ),
        ]
        if self.scope.mixed_currencies:
            cards = withhold_amount_cards(
                cards, {"Won amount", "Average won deal", "Sales velocity"}
            )
        return present.headline(
            ANALYSIS, self.scope.team, self.scope.quarter.label, self.now, cards
        )

    def summary(self) -> Text:
        """The answer in sentences: win rate and won amount against last quarter, tested."""
        now, before = self.now, self.before
        quarter, prev = self.scope.quarter.label, self.scope.previous.label
        win = present.rate_change_sentence(
            "Win rate",
            now["won_deals"],
            now["closed_deals"],
            value(before, "won_deals") or 0,
            value(before, "closed_deals") or 0,
            prev_label=prev,
            now_label=quarter,
            small_sample=self.scope.settings.small_sample,
        )
        amount = present.amount_change_sentence(
            "Won amount",
            now["won_amount"],
            value(before, "won_amount"),
            prev_label=prev,
            now_label=quarter,
            currency=self.scope.settings.currency,
        )
        if self.scope.mixed_currencies:
            amount = mixed_currency_sentence(self.scope.mixed_currencies)
        return Text(f"{win} {amount}")

    @keeps_data
    @needs_tables
    def stage_conversion(self) -> present.Stack:
        """Stage reach of the deals created this quarter, as a chart and a table."""
        reach = self.reach
        created = int(reach["reached"].iloc[0]) if len(reach) else 0
        fig = charts.stage_funnel(reach, title=f"How far the {created:,} deals created got")
        caption = (
            f"Deals created in {self.scope.quarter.label} by the stage they reached; a stage that "
            "was skipped counts as reached when a later one was. Step rates compare each stage "
            "with the one before."
        )
        shown = reach.assign(skipped=reach["skipped"].astype(int))
        return present.stack(
            present.figure(fig, caption=caption, alt=_reach_alt(reach), frame=reach),
            self.table(
                shown[
                    [
                        "stage",
                        "reached",
                        "skipped",
                        "step_conversion",
                        "cumulative_conversion",
                        "drop_off",
                    ]
                ],
                {
                    "reached": "count",
                    "skipped": "count",
                    "step_conversion": "percent",
                    "cumulative_conversion": "percent",
                    "drop_off": "percent",
                },
                labels={
                    "step_conversion": "Step rate",
                    "cumulative_conversion": "Cumulative rate",
                    "drop_off": "Drop-off",
                },
            ),
        )

    @keeps_data
    @needs_tables
    def time_in_stage(self) -> present.Table:
        """Median and mean days spent in each stage, for stage visits that ended this quarter."""
        stages = funnel.time_in_stage(self.scope.tables, self.scope.quarter, self.scope.team)
        return self.table(
            stages[["stage", "visits", "median_days", "mean_days"]],
            {"visits": "count", "median_days": "days", "mean_days": "days"},
            labels={"median_days": "Median", "mean_days": "Mean"},
            caption="Days in stage (visits that ended this quarter)",
        )

    @keeps_data
    def time_to_close(self) -> present.ReportFigure:
        """The Kaplan-Meier time-to-win curve over the last four quarters' deals."""
        cycle = self.cycle
        fig = charts.time_to_close(
            cycle.curve, title="Share of deals won, by days since created", outcome="won"
        )
        caption = (
            f"{cycle.deals:,} deals created since {cycle.since}: {cycle.won:,} won, "
            f"{cycle.censored:,} still open and counted only for the time they were open "
            f"(Kaplan-Meier). Median time to win: {formatting.days(cycle.median_days)}; the plain "
            f"median of won deals alone, {formatting.days(cycle.median_won_days)}, is biased short."
        )
        return present.figure(fig, caption=caption, alt=caption, frame=cycle.curve)

    @keeps_data
    def breakdown(self, by: str | None = None) -> present.Stack | Text:
        """Win rate by team (all teams), by rep (one team), or by ``source``/``segment``; a
        sentence instead of a lone "unknown" bar when no closed deal has the field."""
        by = by or self.scope.breakdown
        rates = funnel.win_rate_by(
            self.scope.tables,
            self.scope.quarter,
            self.scope.team,
            by,  # type: ignore[arg-type]
            small_sample=self.scope.settings.small_sample,
        )
        if by in FIELDS and len(rates) and (rates[by] == funnel.UNKNOWN).all():
            return Text(
                f"The data has no {FIELDS[by]} for the deals closed in "
                f"{self.scope.quarter.label}, so there is no win rate by {by}."
            )
        if self.scope.mixed_currencies:
            rates = rates.assign(won_amount=float("nan"), amount_rate=float("nan"))
        group = "rep_name" if by == "rep" else by
        shown = rates.rename(columns={group: by})
        drawn, left_out = chart_rows(shown, "closed", "most closed deals")
        fig = charts.win_rate_by_group(
            drawn.rename(columns={by: "group"}),
            title=f"Win rate by {by}",
            small_sample=self.scope.settings.small_sample,
        )
        withheld = lost_amounts_missing(rates["lost_without_amount"], rates["lost"]).any()
        caption = (
            f"Deals closed in {self.scope.quarter.label} by {by}; groups with fewer than "
            f"{self.scope.settings.small_sample} closed deals are marked as small samples."
            f"{left_out}"
            + (BLANK_AMOUNT_GROUPS if withheld and not self.scope.mixed_currencies else "")
        )
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=drawn),
            self.table(
                shown[[by, "closed", "won", "win_rate", "won_amount", "amount_rate"]],
                {
                    "closed": "count",
                    "won": "count",
                    "win_rate": "percent",
                    "won_amount": "money",
                    "amount_rate": "percent",
                },
                labels={"amount_rate": "Win rate by amount"},
            ),
        )

    def caveats(self) -> Text:
        """Small samples, missing tables and the conventions this report used."""
        now, small = self.now, self.scope.settings.small_sample
        qualified = now["qualified_stage"] or "the qualified stage"
        notes = []
        if now["closed_deals"] == 0:
            notes.append(
                f"No deals closed in {self.scope.quarter.label} for "
                f"{escape_markdown(self.scope.team_label)}: win rate and deal size are not defined."
            )
        elif now["small_sample"]:
            notes.append(
                f"Only {now['closed_deals']} deals closed: rates over fewer than {small} deals "
                "are rough guides."
            )
        if not self.scope.has_previous:
            notes.append("The data starts this quarter, so there is no change to show.")
        if now["open_unknown_stage_deals"]:
            notes.append(
                f"{formatting.count(now['open_unknown_stage_deals'])} of the "
                f"{formatting.count(now['open_qualified_deals'])} open deals in sales velocity "
                "were open at the quarter's end and have closed since, with no stage history for "
                "that day: their stage then is unknown, so they count as open and at or past "
                f"{escape_markdown(qualified)}."
            )
        if now["win_rate_amount"] is None and now["lost_without_amount"]:
            notes.append(
                f"Win rate by amount is not shown: {formatting.count(now['lost_without_amount'])} "
                f"of the {formatting.count(now['lost_deals'])} deals lost in "
                f"{self.scope.quarter.label} have no amount (many CRMs blank a lost deal's "
                "amount), so won amount / closed amount would read close to 100 %."
            )
        notes += self.scope.currency_notes
        notes += missing_tables_note(self.scope.crm.missing, ENABLES)
        notes += [
            "Win rate = won / (won + lost) among deals closed in the quarter (by close date); "
            "win rate by amount = won amount / closed amount.",
            "Stage reach counts the deals created in the quarter; a skipped stage is back-filled "
            "from the next stage reached and counted as skipped.",
            f"Time to win covers deals created in the last four quarters; open deals are censored "
            f"(Kaplan-Meier) and lost deals are "
            f"{'excluded' if self.options.lost_deals == 'exclude' else 'censored at their close'}.",
            f"Lead conversion counts leads created in the quarter that converted within "
            f"{self.options.lead_window_days} days.",
            f"Sales velocity = open deals at {escape_markdown(qualified)} or later x win rate x "
            "average won deal / median days to win.",
        ]
        return bullet_list(notes)


def _reach_alt(reach: pd.DataFrame) -> str:
    steps = ", ".join(f"{row.stage} {int(row.reached)}" for row in reach.itertuples())
    return f"Bar chart of deals reaching each stage: {steps}."


def open_report(
    quarter: str,
    team: str = "all",
    source: str = "",
    preset: str = "",
    *,
    lead_window_days: int = -1,
    qualified_stage: str = "",
    lost_deals: str = "exclude",
) -> FunnelReport:
    """The funnel report for a notebook's parameters (empty strings mean the defaults;
    ``lead_window_days`` < 0: the org's lead_conversion_window_days)."""
    if lost_deals not in ("exclude", "censor"):
        raise ParamsError(f"lost_deals must be 'exclude' or 'censor', not {lost_deals!r}")
    if lead_window_days == 0:
        raise ParamsError("lead_window_days must be 1 or more (or -1 for the org default)")
    scope = open_scope(quarter, team, source, preset)
    options = FunnelOptions(
        lead_window_days=scope.settings.lead_conversion_window_days
        if lead_window_days < 0
        else lead_window_days,
        qualified_stage=qualified_stage or None,
        lost_deals=lost_deals,  # type: ignore[arg-type]
    )
    return FunnelReport(scope, options)
