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
    definitions_note,
    missing_tables_note,
    mixed_currency_sentence,
    needs_tables,
    share_evidence,
    value,
    withhold_amount_cards,
)
from salesops.errors import ParamsError
from salesops.i18n import N_, _, ngettext
from salesops.metrics import MissingTableError, funnel
from salesops.metrics.scope import lost_amounts_missing
from salesops.periods import Quarter
from salesops.present import Card, Text, escape_markdown

ANALYSIS = "funnel"
FIELDS = {  # optional deal fields to break down by, and the sentence when no closed deal has one
    "source": N_(
        "The data has no lead source for the deals closed in {quarter}, so there is no win rate "
        "by source."
    ),
    "segment": N_(
        "The data has no segment for the deals closed in {quarter}, so there is no win rate by "
        "segment."
    ),
}
BREAKDOWNS = {  # what the win rate is broken down by: its column header, and "by" it in words
    "team": (N_("Team"), N_("by team")),
    "rep": (N_("Rep"), N_("by rep")),
    "source": (N_("Source"), N_("by source")),
    "segment": (N_("Segment"), N_("by segment")),
}
BLANK_AMOUNT_GROUPS = N_(
    "Win rate by amount is left blank where most lost deals have no amount: it would read close "
    "to 100 %."
)
ENABLES = {
    "stage_history": N_("stage-by-stage conversion and time in stage (reach uses current stages)"),
    "leads": N_("lead conversion"),
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
        now, before, prev = self.now, self.before, formatting.quarter(self.scope.previous)
        currency = self.scope.settings.currency
        n_note = (
            _("n={n} closed, small sample") if now["small_sample"] else _("n={n} closed")
        ).format(n=formatting.count(now["closed_deals"]))
        cards = [
            Card.compare(
                _("Win rate"),
                now["win_rate"],
                value(before, "win_rate"),
                versus=prev,
                note=n_note,
                evidence=share_evidence(now, before, "win_rate", "closed_deals"),
            ),
            Card.compare(
                _("Won amount"),
                now["won_amount"],
                value(before, "won_amount"),
                "money",
                versus=prev,
                currency=currency,
                note=ngettext("{n} deal won", "{n} deals won", now["won_deals"]).format(
                    n=formatting.count(now["won_deals"])
                ),
            ),
            Card.compare(
                _("Average won deal"),
                now["avg_won_deal"],
                value(before, "avg_won_deal"),
                "money",
                versus=prev,
                currency=currency,
                evidence="untested",
            ),
            Card.compare(
                _("Median time to win"),
                now["median_cycle_days"],
                value(before, "median_cycle_days"),
                "days",
                versus=prev,
                higher_is_better=False,
                note=_("Kaplan-Meier, open deals censored"),
                evidence="untested",
            ),
            Card.compare(
                _("Lead conversion"),
                now["lead_conversion"],
                value(before, "lead_conversion"),
                versus=prev,
                note=ngettext("within {n} day", "within {n} days", now["lead_window_days"]).format(
                    n=formatting.count(now["lead_window_days"])
                ),
                evidence=share_evidence(now, before, "lead_conversion", "leads"),
            ),
            Card.compare(
                _("Sales velocity"),
                now["velocity_per_day"],
                value(before, "velocity_per_day"),
                "money",
                versus=prev,
                currency=currency,
                note=_("pipeline value per day"),
                evidence="untested",
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
        quarter = formatting.quarter(self.scope.quarter)
        prev = formatting.quarter(self.scope.previous)
        win = present.rate_change_sentence(
            _("Win rate"),
            now["won_deals"],
            now["closed_deals"],
            value(before, "won_deals") or 0,
            value(before, "closed_deals") or 0,
            prev_label=prev,
            now_label=quarter,
            small_sample=self.scope.settings.small_sample,
        )
        amount = present.amount_change_sentence(
            _("Won amount"),
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
        title = ngettext(
            "How far the {n} deal created got", "How far the {n} deals created got", created
        )
        fig = charts.stage_funnel(reach, title=title.format(n=formatting.count(created)))
        caption = _(
            "Deals created in {quarter} by the stage they reached; a stage that was skipped "
            "counts as reached when a later one was. Step rates compare each stage with the one "
            "before."
        ).format(quarter=formatting.quarter(self.scope.quarter))
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
                    "stage": _("Stage"),
                    "reached": _("Reached"),
                    "skipped": _("Skipped"),
                    "step_conversion": _("Step rate"),
                    "cumulative_conversion": _("Cumulative rate"),
                    "drop_off": _("Drop-off"),
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
            labels={
                "stage": _("Stage"),
                "visits": _("Visits"),
                "median_days": _("Median"),
                "mean_days": _("Mean"),
            },
            caption=_("Days in stage (visits that ended this quarter)"),
        )

    @keeps_data
    def time_to_close(self) -> present.ReportFigure:
        """The Kaplan-Meier time-to-win curve over the last four quarters' deals."""
        cycle = self.cycle
        fig = charts.time_to_close(
            cycle.curve, title=_("Share of deals won, by days since created"), outcome="won"
        )
        caption = _(
            "{deals} deals created since {since}: {won} won, {open} still open and counted only "
            "for the time they were open (Kaplan-Meier). Median time to win: {median}; the plain "
            "median of won deals alone, {median_won}, is biased short."
        ).format(
            deals=formatting.count(cycle.deals),
            since=formatting.quarter(cycle.since),
            won=formatting.count(cycle.won),
            open=formatting.count(cycle.censored),
            median=formatting.days(cycle.median_days),
            median_won=formatting.days(cycle.median_won_days),
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
        quarter = formatting.quarter(self.scope.quarter)
        if by in FIELDS and len(rates) and (rates[by] == funnel.UNKNOWN).all():
            return Text(_(FIELDS[by]).format(quarter=quarter))
        if self.scope.mixed_currencies:
            rates = rates.assign(won_amount=float("nan"), amount_rate=float("nan"))
        group = "rep_name" if by == "rep" else by
        shown = rates.rename(columns={group: by})
        if by in FIELDS:  # a deal without the field: "unknown" in the reader's language
            shown[by] = shown[by].replace({funnel.UNKNOWN: _(funnel.UNKNOWN)})
        header, by_words = (_(words) for words in BREAKDOWNS[by])
        drawn, left_out = chart_rows(shown, "closed", N_("most closed deals"))
        fig = charts.win_rate_by_group(
            drawn.rename(columns={by: "group"}),
            title=_("Win rate {by}").format(by=by_words),
            small_sample=self.scope.settings.small_sample,
        )
        withheld = lost_amounts_missing(rates["lost_without_amount"], rates["lost"]).any()
        blank_amounts = withheld and not self.scope.mixed_currencies
        caption = (
            _(
                "Deals closed in {quarter} {by}; groups with fewer than {small} closed deals are "
                "marked as small samples."
            ).format(
                quarter=quarter,
                by=by_words,
                small=self.scope.settings.small_sample,
            )
            + left_out
            + (" " + _(BLANK_AMOUNT_GROUPS) if blank_amounts else "")
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
                labels={
                    by: header,
                    "closed": _("Closed"),
                    "won": _("Won"),
                    "win_rate": _("Win rate"),
                    "won_amount": _("Won amount"),
                    "amount_rate": _("Win rate by amount"),
                },
            ),
        )

    def caveats(self) -> Text:
        """Small samples, missing tables and the conventions this report used."""
        now, small = self.now, self.scope.settings.small_sample
        quarter = formatting.quarter(self.scope.quarter)
        qualified = escape_markdown(now["qualified_stage"] or _("the qualified stage"))
        notes = []
        if now["closed_deals"] == 0:
            notes.append(
                _(
                    "No deals closed in {quarter} for {team}: win rate and deal size are not "
                    "defined."
                ).format(quarter=quarter, team=escape_markdown(self.scope.team_label))
            )
        elif now["small_sample"]:
            notes.append(
                ngettext(
                    "Only {n} deal closed: rates over fewer than {small} deals are rough guides.",
                    "Only {n} deals closed: rates over fewer than {small} deals are rough guides.",
                    now["closed_deals"],
                ).format(n=formatting.count(now["closed_deals"]), small=small)
            )
        if not self.scope.has_previous:
            notes.append(_("The data starts this quarter, so there is no change to show."))
        if now["open_unknown_stage_deals"]:
            notes.append(
                _(
                    "{unknown} of the {open} open deals in sales velocity were open at the "
                    "quarter's end and have closed since, with no stage history for that day: "
                    "their stage then is unknown, so they count as open and at or past "
                    "{qualified}."
                ).format(
                    unknown=formatting.count(now["open_unknown_stage_deals"]),
                    open=formatting.count(now["open_qualified_deals"]),
                    qualified=qualified,
                )
            )
        if now["win_rate_amount"] is None and now["lost_without_amount"]:
            notes.append(
                _(
                    "Win rate by amount is not shown: {blank} of the {lost} deals lost in "
                    "{quarter} have no amount (many CRMs blank a lost deal's amount), so won "
                    "amount / closed amount would read close to 100 %."
                ).format(
                    blank=formatting.count(now["lost_without_amount"]),
                    lost=formatting.count(now["lost_deals"]),
                    quarter=quarter,
                )
            )
        notes += self.scope.currency_notes
        notes += missing_tables_note(self.scope.crm.missing, ENABLES)
        notes += [
            _(
                "Win rate = won / (won + lost) among deals closed in the quarter (by close date); "
                "win rate by amount = won amount / closed amount."
            ),
            _(
                "Stage reach counts the deals created in the quarter; a skipped stage is "
                "back-filled from the next stage reached and counted as skipped."
            ),
            _(
                "Time to win covers deals created in the last four quarters; open deals are "
                "censored (Kaplan-Meier) and lost deals are excluded."
            )
            if self.options.lost_deals == "exclude"
            else _(
                "Time to win covers deals created in the last four quarters; open deals are "
                "censored (Kaplan-Meier) and lost deals are censored at their close."
            ),
            ngettext(
                "Lead conversion counts leads created in the quarter that converted within {n} "
                "day.",
                "Lead conversion counts leads created in the quarter that converted within {n} "
                "days.",
                self.options.lead_window_days,
            ).format(n=formatting.count(self.options.lead_window_days)),
            _(
                "Sales velocity = open deals at {qualified} or later x win rate x average won "
                "deal / median days to win."
            ).format(qualified=qualified),
        ]
        return bullet_list([*notes, definitions_note("funnel")])


def _reach_alt(reach: pd.DataFrame) -> str:
    steps = ", ".join(f"{row.stage} {int(row.reached)}" for row in reach.itertuples())
    return _("Bar chart of deals reaching each stage: {steps}.").format(steps=steps)


def open_report(
    quarter: str,
    team: str = "all",
    source: str = "",
    preset: str = "",
    *,
    locale: str = "",
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
    scope = open_scope(quarter, team, source, preset, locale)
    options = FunnelOptions(
        lead_window_days=scope.settings.lead_conversion_window_days
        if lead_window_days < 0
        else lead_window_days,
        qualified_stage=qualified_stage or None,
        lost_deals=lost_deals,  # type: ignore[arg-type]
    )
    return FunnelReport(scope, options)
