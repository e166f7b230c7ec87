"""The quota report: who hit their number, how bookings are spread, and what next quarter needs."""

from __future__ import annotations

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
    needs_amounts,
    needs_tables,
    value,
    withhold_amount_cards,
)
from salesops.errors import ParamsError
from salesops.metrics import quota
from salesops.periods import Quarter
from salesops.present import Card, Text, escape_markdown

ANALYSIS = "quota"
ENABLES = {"quotas": "quota attainment"}


class QuotaReport(QuarterReport):
    """Every section of the quota notebook; metrics are computed once and shared."""

    def __init__(self, scope: Scope, ramp_months: int) -> None:
        super().__init__(scope)
        self.ramp_months = ramp_months

    def figures(self, quarter: Quarter) -> dict[str, Any]:
        return quota.quota_headline(
            self.scope.tables, quarter, self.scope.team, ramp_months=self.ramp_months
        )

    @cached_property
    def reps(self) -> pd.DataFrame:
        return quota.attainment(
            self.scope.tables, self.scope.quarter, self.scope.team, ramp_months=self.ramp_months
        )

    @property
    def with_quota(self) -> pd.DataFrame:
        return self.reps[self.reps["quota"].fillna(0) > 0]

    def headline(self) -> present.Headline:
        """Cards: team attainment, share of reps at quota, bookings, gap, concentration, next."""
        now, before, prev = self.now, self.before, self.scope.previous.label
        currency = self.scope.settings.currency
        reps_note = (
            f"{now['reps_at_quota']} of {now['reps_with_quota']} reps with a quota"
            if now["reps_with_quota"]
            else "no rep has a quota"
        )
        cards = [
            Card.compare(
                "Team attainment",
                now["team_attainment"],
                value(before, "team_attainment"),
                versus=prev,
                note="bookings / quota",
            ),
            Card.compare(
                "Reps at quota",
                now["reps_at_quota_share"],
                value(before, "reps_at_quota_share"),
                versus=prev,
                note=reps_note,
            ),
            Card.compare(
                "Bookings",
                now["bookings_total"],
                value(before, "bookings_total"),
                "money",
                versus=prev,
                currency=currency,
                note=f"quota {formatting.money(now['quota_total'], currency)}",
            ),
            Card(
                "Gap to quota",
                formatting.money(max(now["gap_total"] or 0.0, 0.0), currency)
                if now["gap_total"] is not None
                else "n/a",
                note=None
                if now["gap_total"] is None
                else ("quota met" if now["gap_total"] <= 0 else "quota not met"),
            ),
            Card(
                "Top 20% of reps",
                formatting.percent(now["top20_bookings_share"]),
                note="share of bookings",
            ),
            Card(
                "Next quarter coverage",
                formatting.multiple(now["next_quarter_coverage"]),
                note="pipeline due next quarter / its quota",
            ),
        ]
        if self.scope.mixed_currencies:
            cards = withhold_amount_cards(cards, {card.label for card in cards})
        return present.headline(ANALYSIS, self.scope.team, self.scope.quarter.label, now, cards)

    def summary(self) -> Text:
        """The answer in sentences: attainment, the share at quota against last quarter, tested."""
        now, before = self.now, self.before
        quarter, prev = self.scope.quarter.label, self.scope.previous.label
        if self.scope.mixed_currencies:
            return Text(mixed_currency_sentence(self.scope.mixed_currencies))
        if not now["reps_with_quota"]:
            return Text(
                f"No rep of {escape_markdown(self.scope.team_label)} has a quota for {quarter}, "
                "so attainment is not defined."
            )
        share = present.rate_change_sentence(
            "The share of reps at quota",
            now["reps_at_quota"],
            now["reps_with_quota"],
            value(before, "reps_at_quota") or 0,
            value(before, "reps_with_quota") or 0,
            prev_label=prev,
            now_label=quarter,
            unit="reps",
            small_sample=self.scope.settings.small_sample,
        )
        label = self.scope.team_label
        team = (
            f"{escape_markdown(label[:1].upper() + label[1:])} booked "
            f"{formatting.percent(now['team_attainment'])} of quota "
            f"({formatting.money(now['bookings_total'], self.scope.settings.currency)} against "
            f"{formatting.money(now['quota_total'], self.scope.settings.currency)})."
        )
        ramped = (
            f" Without the {now['ramping_reps']} ramping reps, "
            f"{formatting.percent(now['ramped_reps_at_quota_share'])} of reps reached quota."
            if now["ramping_reps"]
            else ""
        )
        return Text(f"{team} {share}{ramped}")

    @keeps_data
    @needs_tables
    @needs_amounts
    def distribution(self) -> present.Stack:
        """How attainment is spread across reps, with the 100 % line."""
        reps = self.with_quota
        fig = charts.attainment_distribution(reps, title="Quota attainment across reps")
        caption = (
            f"Attainment (bookings / quota) of the {len(reps)} reps with a quota in "
            f"{self.scope.quarter.label}; the line marks 100 %."
        )
        bands = quota.attainment_distribution(self.reps)
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=reps),
            self.table(bands, {"reps": "count", "share": "percent"}, labels={"band": "Attainment"}),
        )

    @keeps_data
    @needs_tables
    @needs_amounts
    def breakdown(self) -> present.Stack:
        """Attainment by team (all teams) or by rep (one team)."""
        reps = self.reps
        if self.scope.all_teams:
            teams = (
                reps.groupby("team", as_index=False)
                .agg(
                    reps=("rep_id", "count"),
                    quota=("quota", "sum"),
                    bookings=("bookings", "sum"),
                    at_quota=("at_quota", "sum"),
                )
                .assign(attainment=lambda t: t["bookings"] / t["quota"].where(t["quota"] > 0))
                .sort_values("attainment", ascending=False)
            )
            drawn, left_out = chart_rows(teams, "quota", "largest quotas")
            fig = charts.rep_attainment(
                drawn.rename(columns={"team": "rep"}), title="Attainment by team"
            )
            caption = f"Bookings / quota per team in the quarter; the line marks 100 %.{left_out}"
            table = self.table(
                teams[["team", "reps", "at_quota", "quota", "bookings", "attainment"]],
                {
                    "reps": "count",
                    "at_quota": "count",
                    "quota": "money",
                    "bookings": "money",
                    "attainment": "percent",
                },
                labels={"at_quota": "At quota"},
            )
        else:
            shown = reps.rename(columns={"rep_name": "rep"})
            drawn, left_out = chart_rows(shown, "quota", "largest quotas")
            fig = charts.rep_attainment(drawn, title="Attainment by rep")
            caption = (
                "Bookings / quota per rep; ramping reps are marked; the line marks 100 %."
                f"{left_out}"
            )
            table = self.table(
                shown[["rep", "tenure_months", "quota", "bookings", "attainment", "gap"]],
                {
                    "tenure_months": "count",
                    "quota": "money",
                    "bookings": "money",
                    "attainment": "percent",
                    "gap": "money",
                },
                labels={"tenure_months": "Tenure (months)", "gap": "Gap to quota"},
            )
        return present.stack(present.figure(fig, caption=caption, alt=caption, frame=drawn), table)

    @keeps_data
    @needs_tables
    @needs_amounts
    def tenure(self) -> present.Stack:
        """Attainment against tenure: do reps ramp the way quotas assume?"""
        reps = self.with_quota
        fig = charts.attainment_vs_tenure(
            reps, title="Attainment by tenure", ramp_months=self.ramp_months
        )
        caption = (
            f"Each dot is a rep with a quota; reps with under {self.ramp_months} months of tenure "
            "are ramping."
        )
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=reps),
            self.table(
                quota.attainment_by_tenure(self.reps),
                {"reps": "count", "median_attainment": "percent", "at_quota_share": "percent"},
            ),
        )

    @needs_tables
    @needs_amounts
    def concentration_and_gap(self) -> Text:
        """How concentrated bookings are, the gap to quota, and the cover for next quarter."""
        now, currency = self.now, self.scope.settings.currency
        top = quota.bookings_concentration(self.reps)
        lines = [
            f"The top {top.top_reps} of {top.reps} reps (20 %) booked "
            f"{formatting.percent(top.share)} of the bookings "
            f"({formatting.money(top.top_bookings, currency)}).",
        ]
        gap = now["gap_total"]
        if gap is not None and gap > 0:
            lines.append(f"The gap to quota is {formatting.money(gap, currency)}.")
        elif gap == 0:
            lines.append("Bookings met the quota exactly.")
        elif gap is not None:
            lines.append(f"Quota was exceeded by {formatting.money(-gap, currency)}.")
        if now["next_quarter_coverage"] is not None:
            lines.append(
                f"Open pipeline due next quarter "
                f"({formatting.money(now['next_quarter_pipeline'], currency)}) covers "
                f"{formatting.multiple(now['next_quarter_coverage'])} of next quarter's quota "
                f"({formatting.money(now['next_quarter_quota'], currency)})."
            )
        else:
            lines.append(
                f"Open pipeline due next quarter is "
                f"{formatting.money(now['next_quarter_pipeline'], currency)}; next quarter has "
                "no quota in the data yet, so its coverage is not shown."
            )
        return bullet_list(lines)

    def caveats(self) -> Text:
        """Zero quotas, ramping reps, small samples, missing tables and conventions."""
        now, reps = self.now, self.reps if self.scope.crm.has("quotas") else pd.DataFrame()
        notes = []
        zero = int((reps["quota"].fillna(0) <= 0).sum()) if len(reps) else 0
        if zero:
            notes.append(
                f"{zero} rep(s) booked without a quota above zero: they count in bookings but not "
                "in attainment or the share at quota."
            )
        if now["reps_with_quota"] and now["reps_with_quota"] < self.scope.settings.small_sample:
            notes.append(
                f"Only {now['reps_with_quota']} reps have a quota: the share at quota moves a lot "
                "with one rep."
            )
        notes += self.scope.currency_notes
        notes += missing_tables_note(self.scope.crm.missing, ENABLES)
        notes += [
            "Attainment = closed-won amount in the quarter (by close date) / quota; team "
            "attainment = sum of bookings / sum of quotas.",
            f"The share of reps at quota counts every rep with a quota above zero, ramping or not; "
            f"a rep is ramping with under {self.ramp_months} months of tenure at quarter end.",
            "Next quarter coverage = open pipeline at quarter end due next quarter / next "
            "quarter's quota.",
        ]
        return bullet_list(notes)


def open_report(
    quarter: str, team: str = "all", source: str = "", preset: str = "", *, ramp_months: int = -1
) -> QuotaReport:
    """The quota report for a notebook's parameters (``ramp_months`` < 0: the org default)."""
    scope = open_scope(quarter, team, source, preset)
    months = scope.settings.ramp_months if ramp_months < 0 else ramp_months
    if months > 24:
        raise ParamsError(f"ramp_months must be 0 to 24, not {ramp_months}")
    return QuotaReport(scope, months)
