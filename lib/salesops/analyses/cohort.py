"""The cohort report: how deals, new reps and leads mature, cohort by cohort."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.report import QuarterReport
from salesops.analyses.scope import Scope, open_scope
from salesops.analyses.sections import (
    bullet_list,
    definitions_note,
    missing_tables_note,
    needs_amounts,
    needs_tables,
    rate_evidence,
    withhold_amount_cards,
)
from salesops.errors import ParamsError
from salesops.i18n import N_, _, ngettext
from salesops.metrics import cohort
from salesops.periods import Quarter
from salesops.present import Card, Text

ANALYSIS = "cohort"
ENABLES = {
    "quotas": N_("time to the first full-quota quarter"),
    "leads": N_("lead cohorts"),
}
WON_BY_AGE = 3  # months after the creation month: "won within about a quarter"


def _months(quarter: Quarter) -> list[str]:
    """The three creation months of ``quarter`` as cohort labels ("2026-04")."""
    start = quarter.start
    return [
        f"{start.year + (start.month - 1 + k) // 12}-{(start.month - 1 + k) % 12 + 1:02d}"
        for k in range(3)
    ]


def pooled_share(
    frame: pd.DataFrame, months: Sequence[str], key: str, at: int, hits: str, total: str
) -> tuple[int, int]:
    """Successes and size pooled over the cohorts ``months`` at ``key == at`` (0, 0 if unseen)."""
    rows = frame[frame["cohort"].isin(months) & (frame[key] == at)]
    if len(rows) < len(months):
        return 0, 0
    return int(rows[hits].sum()), int(rows[total].sum())


class CohortReport(QuarterReport):
    """Every section of the cohort notebook; metrics are computed once and shared."""

    def __init__(self, scope: Scope, hire_quarters: int) -> None:
        super().__init__(scope)
        self.hire_quarters = hire_quarters
        self.lead_window = scope.settings.lead_conversion_window_days

    def figures(self, quarter: Quarter) -> dict[str, Any]:
        return cohort.cohort_headline(self.scope.tables, quarter, self.scope.team)

    @cached_property
    def deals(self) -> pd.DataFrame:
        return cohort.deal_cohorts(self.scope.tables, self.scope.quarter, self.scope.team)

    @cached_property
    def leads(self) -> pd.DataFrame | None:
        return self._lead_cohorts() if self.scope.crm.has("leads") else None

    def _lead_cohorts(self) -> pd.DataFrame:
        """Lead cohorts over the usual windows and the org's lead conversion window. Needs leads."""
        windows = sorted({*cohort.LEAD_WINDOWS, self.lead_window})
        return cohort.lead_cohorts(
            self.scope.tables, self.scope.quarter, self.scope.team, windows=windows
        )

    @cached_property
    def hires(self) -> pd.DataFrame | None:
        if not self.scope.crm.has("quotas"):
            return None
        return cohort.first_full_quota(
            self.scope.tables,
            self.scope.quarter,
            self.scope.team,
            hire_quarters=self.hire_quarters,
        )

    def _won_within(self, quarter: Quarter) -> tuple[int, int]:
        return pooled_share(self.deals, _months(quarter), "age_months", WON_BY_AGE, "won", "deals")

    def _leads_within(self, quarter: Quarter) -> tuple[int, int]:
        if self.leads is None:
            return 0, 0
        return pooled_share(
            self.leads, _months(quarter), "window_days", self.lead_window, "converted", "leads"
        )

    @property
    def cohorts(self) -> tuple[Quarter, Quarter]:
        """The latest creation quarter observed for a full quarter, and the one before."""
        latest = self.scope.quarter.previous()
        return latest, latest.previous()

    def _within_window(self) -> str:
        """The org's lead conversion window in words: "within 90 days"."""
        n = self.lead_window
        return ngettext("within {n} day", "within {n} days", n).format(n=formatting.count(n))

    def headline(self) -> present.Headline:
        """Cards: deals won within three months, leads converted within the org window, ramp."""
        latest, earlier = self.cohorts
        won_now, won_before = self._won_within(latest), self._won_within(earlier)
        leads_now, leads_before = self._leads_within(latest), self._leads_within(earlier)
        versus = _("{quarter} cohort").format(quarter=formatting.quarter(earlier))
        created = _("created in {quarter}, n={n}")
        cards = [
            Card.compare(
                _("Deals won within {n} months").format(n=WON_BY_AGE),
                _rate(won_now),
                _rate(won_before),
                versus=versus,
                evidence=rate_evidence(won_now, won_before),
                note=created.format(
                    quarter=formatting.quarter(latest), n=formatting.count(won_now[1])
                ),
            ),
            Card.compare(
                _("Leads converted {within}").format(within=self._within_window()),
                _rate(leads_now),
                _rate(leads_before),
                versus=versus,
                evidence=rate_evidence(leads_now, leads_before),
                note=created.format(
                    quarter=formatting.quarter(latest), n=formatting.count(leads_now[1])
                ),
            ),
        ]
        if self.hires is not None and len(self.hires):
            reached = self.hires["first_full_quarter"].notna()
            hired = ngettext(
                "{reached} of {reps} hired in the last {n} quarter",
                "{reached} of {reps} hired in the last {n} quarters",
                self.hire_quarters,
            )
            cards.append(
                Card(
                    _("New reps at full quota"),
                    formatting.percent(reached.mean()),
                    note=hired.format(
                        reached=formatting.count(reached.sum()),
                        reps=formatting.count(len(self.hires)),
                        n=formatting.count(self.hire_quarters),
                    ),
                )
            )
            cards.append(
                Card(
                    _("Months to full quota"),
                    formatting.count(self.hires["months_to_full_quota"].median()),
                    note=_("median of those who got there"),
                )
            )
        if self.scope.mixed_currencies:
            cards = withhold_amount_cards(cards, {"New reps at full quota", "Months to full quota"})
        return present.headline(
            ANALYSIS, self.scope.team, self.scope.quarter.label, self.now, cards
        )

    def summary(self) -> Text:
        """The answer in sentences: are newer deal and lead cohorts converting faster, tested."""
        latest, earlier = self.cohorts
        won_now, won_before = self._won_within(latest), self._won_within(earlier)
        the_cohort = _("the {quarter} cohort")
        prev = the_cohort.format(quarter=formatting.quarter(earlier))
        now = the_cohort.format(quarter=formatting.quarter(latest))
        deals = present.rate_change_sentence(
            _("The share of deals won within {n} months of creation").format(n=WON_BY_AGE),
            *won_now,
            *won_before,
            prev_label=prev,
            now_label=now,
            small_sample=self.scope.settings.small_sample,
        )
        if self.leads is None:
            return Text(deals)
        leads = present.rate_change_sentence(
            _("Lead conversion {within}").format(within=self._within_window()),
            *self._leads_within(latest),
            *self._leads_within(earlier),
            prev_label=prev,
            now_label=now,
            unit=_("leads"),
            small_sample=self.scope.settings.small_sample,
        )
        return Text(f"{deals} {leads}")

    @keeps_data
    def deal_cohorts(self) -> present.ReportFigure:
        """Cumulative won share by age for each creation month (right-censored)."""
        fig = charts.won_share_heatmap(self.deals, title=_("Share of deals won, by month created"))
        caption = _(
            "Each row is the deals created in one month; each column the months since. A cell "
            "is the share won by then; blank cells are not observed yet (right-censored)."
        )
        return present.figure(fig, caption=caption, alt=caption, frame=self.deals)

    @keeps_data
    @needs_amounts
    def rep_ramp(self) -> present.Stack:
        """Cumulative bookings per rep by tenure month, for each hire quarter."""
        ramp = cohort.rep_ramp(
            self.scope.tables,
            self.scope.quarter,
            self.scope.team,
            hire_quarters=self.hire_quarters,
        )
        fig = charts.ramp_curves(
            ramp.assign(bookings=ramp["cumulative_per_rep"]),
            title=_("Cumulative bookings per rep by month of tenure"),
            currency=self.scope.settings.currency,
        )
        caption = ngettext(
            "Reps hired in each of the last {n} quarter: closed-won amount per rep, summed from "
            "the month they started; leavers stay in their cohort.",
            "Reps hired in each of the last {n} quarters: closed-won amount per rep, summed from "
            "the month they started; leavers stay in their cohort.",
            self.hire_quarters,
        ).format(n=formatting.count(self.hire_quarters))
        parts: list[Any] = [present.figure(fig, caption=caption, alt=caption, frame=ramp)]
        if self.hires is not None:
            by_hire_quarter = cohort.full_quota_by_hire_quarter(self.hires)
            parts.append(
                self.table(
                    by_hire_quarter.assign(
                        hire_quarter=by_hire_quarter["hire_quarter"].map(formatting.quarter)
                    ),
                    {
                        "reps": "count",
                        "reached": "count",
                        "share": "percent",
                        "median_months": "count",
                    },
                    caption=_("Time to the first quarter at full quota, by hire quarter"),
                    labels={
                        "hire_quarter": _("Hire quarter"),
                        "reps": _("Reps"),
                        "reached": _("Reached full quota"),
                        "share": _("Share"),
                        "median_months": _("Median months"),
                    },
                )
            )
        return present.stack(*parts)

    @keeps_data
    @needs_tables
    def lead_cohorts(self) -> present.Stack:
        """Share of each month's leads converted within 30, 90 and 180 days and the org window."""
        # without leads, _lead_cohorts raises the MissingTableError that says so
        leads = self._lead_cohorts() if self.leads is None else self.leads
        pooled = leads.groupby("window_days", as_index=False)[["converted", "leads"]].sum()
        fig = charts.lead_conversion_windows(
            pooled,
            title=_("Leads converted within each window"),
            small_sample=self.scope.settings.small_sample,
        )
        caption = _(
            "Leads created in the last four quarters, pooled over the months whose window has "
            "fully passed; a window is shown only once every lead of the month had all of it."
        )
        wide = leads.pivot_table(index="cohort", columns="window_days", values="share")
        windows = {f"within {c} days": int(c) for c in wide.columns}
        wide.columns = list(windows)
        wide = wide.reset_index().merge(
            leads.drop_duplicates("cohort")[["cohort", "leads"]], on="cohort"
        )
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=pooled),
            self.table(
                wide[["cohort", "leads", *windows]],
                {"cohort": "month", "leads": "count", **dict.fromkeys(windows, "percent")},
                labels={
                    "cohort": _("Cohort"),
                    "leads": _("Leads"),
                    **{
                        column: ngettext("Within {n} day", "Within {n} days", days).format(
                            n=formatting.count(days)
                        )
                        for column, days in windows.items()
                    },
                },
            ),
        )

    def caveats(self) -> Text:
        """Censoring, small cohorts, missing tables and conventions."""
        latest = self.cohorts[0]
        won = self._won_within(latest)
        notes = []
        if won[1] and won[1] < self.scope.settings.small_sample:
            notes.append(
                ngettext(
                    "The {quarter} deal cohort has only {n} deal: read its rates as rough.",
                    "The {quarter} deal cohort has only {n} deals: read its rates as rough.",
                    won[1],
                ).format(quarter=formatting.quarter(latest), n=formatting.count(won[1]))
            )
        notes += self.scope.currency_notes
        notes += missing_tables_note(self.scope.crm.missing, ENABLES)
        notes += [
            _(
                "Cohorts are right-censored: an age or window is shown only when the whole cohort "
                "has been observed that long by the quarter's end."
            ),
            _(
                "Deals won within {n} months: won by the end of the third month after the "
                "creation month, pooled over the three creation months of a quarter."
            ).format(n=WON_BY_AGE),
            _(
                "A rep reaches full quota in the first quarter whose bookings reach a quota above "
                "zero."
            ),
        ]
        return bullet_list([*notes, definitions_note("cohort")])


def _rate(pair: tuple[int, int]) -> float | None:
    hits, total = pair
    return hits / total if total else None


def open_report(
    quarter: str,
    team: str = "all",
    source: str = "",
    preset: str = "",
    *,
    hire_quarters: int = 8,
    locale: str = "",
) -> CohortReport:
    """The cohort report for a notebook's parameters."""
    if not 1 <= hire_quarters <= 20:
        raise ParamsError(f"hire_quarters must be 1 to 20, not {hire_quarters}")
    return CohortReport(open_scope(quarter, team, source, preset, locale), hire_quarters)
