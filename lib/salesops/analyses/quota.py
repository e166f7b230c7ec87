"""The quota report: who hit their number, how bookings are spread, and what next quarter needs."""

from __future__ import annotations

from functools import cached_property
from itertools import pairwise
from typing import Any, Literal

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
    needs_amounts,
    needs_tables,
    share_evidence,
    value,
    withhold_amount_cards,
)
from salesops.errors import ParamsError
from salesops.i18n import N_, _, ngettext
from salesops.metrics import quota
from salesops.periods import Quarter
from salesops.present import Card, Text, escape_markdown

ANALYSIS = "quota"
ENABLES = {"quotas": N_("quota attainment")}
BAND_NAMES = {  # under the first edge, between two edges, from the last edge
    "attainment": (N_("under {edge} %"), N_("{low}-{high} %"), N_("{edge} % and over")),
    "tenure": (
        N_("under {edge} months"),
        N_("{low}-{high} months"),
        N_("{edge} months and over"),
    ),
}


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
        now, before, prev = self.now, self.before, formatting.quarter(self.scope.previous)
        currency = self.scope.settings.currency
        reps_note = (
            _("{at_quota} of {with_quota} reps with a quota").format(
                at_quota=formatting.count(now["reps_at_quota"]),
                with_quota=formatting.count(now["reps_with_quota"]),
            )
            if now["reps_with_quota"]
            else _("no rep has a quota")
        )
        cards = [
            Card.compare(
                _("Team attainment"),
                now["team_attainment"],
                value(before, "team_attainment"),
                versus=prev,
                note=_("bookings / quota"),
            ),
            Card.compare(
                _("Reps at quota"),
                now["reps_at_quota_share"],
                value(before, "reps_at_quota_share"),
                versus=prev,
                note=reps_note,
                evidence=share_evidence(now, before, "reps_at_quota_share", "reps_with_quota"),
            ),
            Card.compare(
                _("Bookings"),
                now["bookings_total"],
                value(before, "bookings_total"),
                "money",
                versus=prev,
                currency=currency,
                note=_("quota {amount}").format(
                    amount=formatting.money(now["quota_total"], currency)
                ),
            ),
            Card(
                _("Gap to quota"),
                formatting.money(max(now["gap_total"] or 0.0, 0.0), currency)
                if now["gap_total"] is not None
                else formatting.missing(),
                note=None
                if now["gap_total"] is None
                else (_("quota met") if now["gap_total"] <= 0 else _("quota not met")),
            ),
            Card(
                _("Top 20% of reps"),
                formatting.percent(now["top20_bookings_share"]),
                note=_("share of bookings"),
            ),
            Card(
                _("Next quarter coverage"),
                formatting.multiple(now["next_quarter_coverage"]),
                note=_("pipeline due next quarter / its quota"),
            ),
        ]
        if self.scope.mixed_currencies:
            cards = withhold_amount_cards(cards, {card.label for card in cards})
        return present.headline(ANALYSIS, self.scope.team, self.scope.quarter.label, now, cards)

    def summary(self) -> Text:
        """The answer in sentences: attainment, the share at quota against last quarter, tested."""
        now, before, currency = self.now, self.before, self.scope.settings.currency
        quarter, prev = (
            formatting.quarter(self.scope.quarter),
            formatting.quarter(self.scope.previous),
        )
        if self.scope.mixed_currencies:
            return Text(mixed_currency_sentence(self.scope.mixed_currencies))
        if not now["reps_with_quota"]:
            return Text(
                _(
                    "No rep of {team} has a quota for {quarter}, so attainment is not defined."
                ).format(team=escape_markdown(self.scope.team_label), quarter=quarter)
            )
        share = present.rate_change_sentence(
            _("The share of reps at quota"),
            now["reps_at_quota"],
            now["reps_with_quota"],
            value(before, "reps_at_quota") or 0,
            value(before, "reps_with_quota") or 0,
            prev_label=prev,
            now_label=quarter,
            unit=_("reps"),
            small_sample=self.scope.settings.small_sample,
        )
        label = self.scope.team_label
        booked = (
            _("All teams booked {attainment} of quota ({bookings} against {quota}).")
            if self.scope.all_teams
            else _("{team} booked {attainment} of quota ({bookings} against {quota}).")
        )
        team = booked.format(
            team=escape_markdown(label[:1].upper() + label[1:]),
            attainment=formatting.percent(now["team_attainment"]),
            bookings=formatting.money(now["bookings_total"], currency),
            quota=formatting.money(now["quota_total"], currency),
        )
        ramping = now["ramping_reps"]
        ramped = (
            " "
            + ngettext(
                "Without the {count} ramping rep, {share} of reps reached quota.",
                "Without the {count} ramping reps, {share} of reps reached quota.",
                ramping,
            ).format(
                count=formatting.count(ramping),
                share=formatting.percent(now["ramped_reps_at_quota_share"]),
            )
            if ramping
            else ""
        )
        return Text(f"{team} {share}{ramped}")

    @keeps_data
    @needs_tables
    @needs_amounts
    def distribution(self) -> present.Stack:
        """How attainment is spread across reps, with the 100 % line."""
        reps = self.with_quota
        fig = charts.attainment_distribution(reps, title=_("Quota attainment across reps"))
        caption = ngettext(
            "Attainment (bookings / quota) of the {count} rep with a quota in {quarter}; the line "
            "marks 100 %.",
            "Attainment (bookings / quota) of the {count} reps with a quota in {quarter}; the line "
            "marks 100 %.",
            len(reps),
        ).format(count=formatting.count(len(reps)), quarter=formatting.quarter(self.scope.quarter))
        bands = quota.attainment_distribution(self.reps)
        edges = tuple(100 * edge for edge in quota.ATTAINMENT_BANDS)
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=reps),
            self.table(
                bands.assign(band=_band_names(edges, "attainment")),
                {"reps": "count", "share": "percent"},
                labels={"band": _("Attainment"), "reps": _("Reps"), "share": _("Share")},
            ),
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
            drawn, left_out = chart_rows(teams, "quota", _("largest quotas"))
            fig = charts.rep_attainment(
                drawn.rename(columns={"team": "rep"}), title=_("Attainment by team")
            )
            caption = (
                _("Bookings / quota per team in the quarter; the line marks 100 %.") + left_out
            )
            table = self.table(
                teams[["team", "reps", "at_quota", "quota", "bookings", "attainment"]],
                {
                    "reps": "count",
                    "at_quota": "count",
                    "quota": "money",
                    "bookings": "money",
                    "attainment": "percent",
                },
                labels={
                    "team": _("Team"),
                    "reps": _("Reps"),
                    "at_quota": _("At quota"),
                    "quota": _("Quota"),
                    "bookings": _("Bookings"),
                    "attainment": _("Attainment"),
                },
            )
        else:
            shown = reps.rename(columns={"rep_name": "rep"})
            drawn, left_out = chart_rows(shown, "quota", _("largest quotas"))
            fig = charts.rep_attainment(drawn, title=_("Attainment by rep"))
            caption = (
                _("Bookings / quota per rep; ramping reps are marked; the line marks 100 %.")
                + left_out
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
                labels={
                    "rep": _("Rep"),
                    "tenure_months": _("Tenure (months)"),
                    "quota": _("Quota"),
                    "bookings": _("Bookings"),
                    "attainment": _("Attainment"),
                    "gap": _("Gap to quota"),
                },
            )
        return present.stack(present.figure(fig, caption=caption, alt=caption, frame=drawn), table)

    @keeps_data
    @needs_tables
    @needs_amounts
    def tenure(self) -> present.Stack:
        """Attainment against tenure: do reps ramp the way quotas assume?"""
        reps = self.with_quota
        fig = charts.attainment_vs_tenure(
            reps, title=_("Attainment by tenure"), ramp_months=self.ramp_months
        )
        caption = ngettext(
            "Each dot is a rep with a quota; reps with under {months} month of tenure are ramping.",
            "Each dot is a rep with a quota; reps with under {months} months of tenure are "
            "ramping.",
            self.ramp_months,
        ).format(months=formatting.count(self.ramp_months))
        by_tenure = quota.attainment_by_tenure(self.reps)
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=reps),
            self.table(
                by_tenure.assign(tenure=_band_names(quota.TENURE_BANDS, "tenure")),
                {"reps": "count", "median_attainment": "percent", "at_quota_share": "percent"},
                labels={
                    "tenure": _("Tenure"),
                    "reps": _("Reps"),
                    "median_attainment": _("Median attainment"),
                    "at_quota_share": _("At quota share"),
                },
            ),
        )

    @needs_tables
    @needs_amounts
    def concentration_and_gap(self) -> Text:
        """How concentrated bookings are, the gap to quota, and the cover for next quarter."""
        now, currency = self.now, self.scope.settings.currency
        top = quota.bookings_concentration(self.reps)
        lines = [
            _(
                "The top {top} of {reps} reps (20 %) booked {share} of the bookings ({amount})."
            ).format(
                top=formatting.count(top.top_reps),
                reps=formatting.count(top.reps),
                share=formatting.percent(top.share),
                amount=formatting.money(top.top_bookings, currency),
            ),
        ]
        gap = now["gap_total"]
        if gap is not None and gap > 0:
            lines.append(
                _("The gap to quota is {amount}.").format(amount=formatting.money(gap, currency))
            )
        elif gap == 0:
            lines.append(_("Bookings met the quota exactly."))
        elif gap is not None:
            lines.append(
                _("Quota was exceeded by {amount}.").format(amount=formatting.money(-gap, currency))
            )
        pipeline = formatting.money(now["next_quarter_pipeline"], currency)
        if now["next_quarter_coverage"] is not None:
            lines.append(
                _(
                    "Open pipeline due next quarter ({pipeline}) covers {coverage} of next "
                    "quarter's quota ({quota})."
                ).format(
                    pipeline=pipeline,
                    coverage=formatting.multiple(now["next_quarter_coverage"]),
                    quota=formatting.money(now["next_quarter_quota"], currency),
                )
            )
        else:
            lines.append(
                _(
                    "Open pipeline due next quarter is {pipeline}; next quarter has no quota in "
                    "the data yet, so its coverage is not shown."
                ).format(pipeline=pipeline)
            )
        return bullet_list(lines)

    def caveats(self) -> Text:
        """Zero quotas, ramping reps, small samples, missing tables and conventions."""
        now, reps = self.now, self.reps if self.scope.crm.has("quotas") else pd.DataFrame()
        notes = []
        zero = int((reps["quota"].fillna(0) <= 0).sum()) if len(reps) else 0
        if zero:
            notes.append(
                ngettext(
                    "{count} rep booked without a quota above zero: it counts in bookings but not "
                    "in attainment or the share at quota.",
                    "{count} reps booked without a quota above zero: they count in bookings but "
                    "not in attainment or the share at quota.",
                    zero,
                ).format(count=formatting.count(zero))
            )
        with_quota = now["reps_with_quota"]
        if with_quota and with_quota < self.scope.settings.small_sample:
            notes.append(
                ngettext(
                    "Only {count} rep has a quota: the share at quota moves a lot with one rep.",
                    "Only {count} reps have a quota: the share at quota moves a lot with one rep.",
                    with_quota,
                ).format(count=formatting.count(with_quota))
            )
        notes += self.scope.currency_notes
        notes += missing_tables_note(
            self.scope.crm.missing, {table: _(does) for table, does in ENABLES.items()}
        )
        notes += [
            _(
                "Attainment = closed-won amount in the quarter (by close date) / quota; team "
                "attainment = sum of bookings / sum of quotas."
            ),
            ngettext(
                "The share of reps at quota counts every rep with a quota above zero, ramping or "
                "not; a rep is ramping with under {months} month of tenure at quarter end.",
                "The share of reps at quota counts every rep with a quota above zero, ramping or "
                "not; a rep is ramping with under {months} months of tenure at quarter end.",
                self.ramp_months,
            ).format(months=formatting.count(self.ramp_months)),
            _(
                "Next quarter coverage = open pipeline at quarter end due next quarter / next "
                "quarter's quota."
            ),
        ]
        return bullet_list([*notes, definitions_note("quota")])


def _band_names(edges: tuple[float, ...], kind: Literal["attainment", "tenure"]) -> list[str]:
    """The names of the bands ``quota.attainment_distribution`` and ``attainment_by_tenure``
    return, in their order, as the reader reads them ("under 50 %" ... "125 % and over")."""
    under, between, over = (_(name) for name in BAND_NAMES[kind])
    marks = [f"{edge:g}" for edge in edges]
    return [
        under.format(edge=marks[0]),
        *(between.format(low=low, high=high) for low, high in pairwise(marks)),
        over.format(edge=marks[-1]),
    ]


def open_report(
    quarter: str,
    team: str = "all",
    source: str = "",
    preset: str = "",
    *,
    ramp_months: int = -1,
    locale: str = "",
) -> QuotaReport:
    """The quota report for a notebook's parameters (``ramp_months`` < 0: the org default)."""
    scope = open_scope(quarter, team, source, preset, locale)
    months = scope.settings.ramp_months if ramp_months < 0 else ramp_months
    if months > 24:
        raise ParamsError(f"ramp_months must be 0 to 24, not {ramp_months}")
    return QuotaReport(scope, months)
