"""The efficiency report: how much selling effort a won deal takes, how much reps log, whether
they use the CRM week after week, and how deals with shared content fare.

Each part is a class of sections (``touch_sections``, ``activity_sections``,
``enablement_sections``); ``EfficiencyReport`` joins them with the headline, summary and caveats.
"""

from __future__ import annotations

from typing import Any

from salesops import formatting, present
from salesops.analyses.efficiency.activity_sections import ActivitySections
from salesops.analyses.efficiency.base import reps_text
from salesops.analyses.efficiency.enablement_sections import EnablementSections
from salesops.analyses.efficiency.touch_sections import TouchSections
from salesops.analyses.report import FigurePart, joined
from salesops.analyses.scope import open_scope
from salesops.analyses.sections import (
    bullet_list,
    definitions_note,
    missing_tables_note,
    needs_text,
    share_evidence,
    value,
)
from salesops.errors import ParamsError
from salesops.i18n import N_, _
from salesops.metrics import MissingTableError, plain_float
from salesops.metrics.activity import QUARTER_WEEKS
from salesops.periods import Quarter
from salesops.present import Card, Text

ANALYSIS = "efficiency"
ADOPTION_WEEKS = range(1, QUARTER_WEEKS + 1)  # adoption_weeks: allowed 1..13
ENABLES = {
    "activities": N_("touches per deal and activity per rep"),
    "logins": N_("CRM adoption from sign-ins"),
    "content_events": N_("enablement"),
}


def _or_none(compute: Any) -> Any:
    """``compute()``, or None when it needs a table the source does not have."""
    try:
        return compute()
    except MissingTableError:
        return None


class EfficiencyReport(TouchSections, ActivitySections, EnablementSections):
    """Every section of the efficiency notebook; each quarter's results are computed once."""

    def figure_parts(self) -> tuple[FigurePart, ...]:
        # cheapest first: ``figures_of`` stops at the part that holds what it is asked for
        return (self._adoption_figures, self._activity_figures, self._touch_figures, self._content)

    def figures(self, quarter: Quarter) -> dict[str, Any]:
        return joined(self.figure_parts(), quarter)

    def _touch_figures(self, quarter: Quarter) -> dict[str, Any]:
        found = _or_none(lambda: self.quarter_touches(quarter))
        return {
            "touches_per_won_deal": None if found is None else found.median_won,
            "touches_per_lost_deal": None if found is None else found.median_lost,
            "won_deals": None if found is None else found.won_deals,
        }

    def _activity_figures(self, quarter: Quarter) -> dict[str, Any]:
        rates = _or_none(lambda: self.quarter_activity(quarter))
        return {
            "activities_per_rep_week": None if rates is None else rates.activities_per_rep_week,
            "low_activity_reps": None if rates is None else len(rates.low_activity_reps),
        }

    def _adoption_figures(self, quarter: Quarter) -> dict[str, Any]:
        adoption = _or_none(lambda: self.quarter_adoption(quarter))
        return {
            "crm_adoption": None if adoption is None else adoption.share,
            "active_reps": None if adoption is None else adoption.active_reps,
            "adoption_weeks": self.adoption_weeks,
        }

    def _content(self, quarter: Quarter) -> dict[str, Any]:
        shared = _or_none(lambda: self.quarter_enablement(quarter))
        return {
            "content_share_reps": None if shared is None else shared.share_of_reps_sharing,
            "win_rate_with_content": None if shared is None else shared.win_rate_with,
            "win_rate_without_content": None if shared is None else shared.win_rate_without,
            "deals_with_content": None if shared is None else shared.deals_with,
            "deals_without_content": None if shared is None else shared.deals_without,
            "content_p_value": None if shared is None else plain_float(shared.test.p_value),
        }

    def headline(self) -> present.Headline:
        """Cards: touches per won deal, activities per rep and week, CRM adoption, the reps who
        shared content and the win rates of deals with and without it."""
        now, before, prev = self.now, self.before, formatting.quarter(self.scope.previous)

        def card(key: str, label: str, fmt: str, note: str | None, better: bool = True) -> Card:
            return Card.compare(
                label,
                now[key],
                value(before, key),
                fmt,
                versus=prev,
                higher_is_better=better,
                note=note,
                evidence=evidence.get(key, "untested"),
            )

        evidence = {  # the shares of counts are tested; the median and the mean are not
            rate: share_evidence(now, before, rate, n)
            for rate, n in (
                ("crm_adoption", "active_reps"),
                ("content_share_reps", "active_reps"),
                ("win_rate_with_content", "deals_with_content"),
                ("win_rate_without_content", "deals_without_content"),
            )
        }

        cards = [
            card(
                "touches_per_won_deal",
                _("Touches per won deal"),
                "decimal",
                self._touch_note(),
                better=False,  # fewer calls, emails and meetings for the same win
            ),
            card(
                "activities_per_rep_week",
                _("Activities per rep and week"),
                "decimal",
                self._activity_note(),
            ),
            card("crm_adoption", _("CRM adoption"), "percent", self._adoption_note()),
            card("content_share_reps", _("Reps sharing content"), "percent", self._sharing_note()),
            card(
                "win_rate_with_content",
                _("Win rate with content"),
                "percent",
                self._content_note("deals_with_content", "content_events"),
            ),
            card(
                "win_rate_without_content",
                _("Win rate without content"),
                "percent",
                self._content_note("deals_without_content", "content_events"),
            ),
        ]
        return present.headline(ANALYSIS, self.scope.team, self.scope.quarter.label, now, cards)

    def _touch_note(self) -> str:
        if self.now["touches_per_won_deal"] is None:
            return needs_text("activities") if not self.scope.crm.has("activities") else ""
        return _("median; lost deals {lost}").format(
            lost=formatting.decimal(self.now["touches_per_lost_deal"])
        )

    def _activity_note(self) -> str:
        # a figure is None without the table, or without an active rep: the note says the first
        if self.now["activities_per_rep_week"] is None:
            return needs_text("activities") if not self.scope.crm.has("activities") else ""
        return _("median rep; {count} logging almost nothing").format(
            count=reps_text(self.now["low_activity_reps"])
        )

    def _adoption_note(self) -> str:
        if self.now["crm_adoption"] is None:
            return needs_text("logins") if not self._reads_adoption else ""
        return _("of {count}, in {needed} of {weeks} weeks").format(
            count=reps_text(self.now["active_reps"]),
            needed=formatting.count(self.adoption_weeks),
            weeks=formatting.count(QUARTER_WEEKS),
        )

    def _sharing_note(self) -> str:
        if self.now["content_share_reps"] is None:
            return needs_text("content_events") if not self.scope.crm.has("content_events") else ""
        return _("of {count}").format(count=reps_text(self.now["active_reps"]))

    @property
    def _reads_adoption(self) -> bool:
        """Whether the source has a table CRM adoption is read from (logins or activities)."""
        return self.scope.crm.has("logins") or self.scope.crm.has("activities")

    def _content_note(self, deals: str, table: str) -> str:
        if self.now[deals] is None:
            return needs_text(table)
        return _("{count} closed").format(count=formatting.count(self.now[deals]))

    def summary(self) -> Text:
        """The answer in sentences: the effort a won deal took, how much reps logged, how many
        used the CRM, and how deals with shared content fared."""
        told = [
            self._touches_sentence(),
            *self._activity_sentences(),
            self._adoption_sentence(),
            self._enablement_sentence(),
        ]
        told = [sentence for sentence in told if sentence]
        if not told and any(self.scope.crm.has(table) for table in ENABLES):
            # with any of the tables, nothing to tell means no rep was active in the quarter
            return self._nothing(_("{team}: no active rep in {quarter}."))
        if not told:
            return Text(
                _(
                    "The data has no activities, sign-ins or content events: efficiency cannot "
                    "be read from it."
                )
            )
        return Text(" ".join(told))

    def caveats(self) -> Text:
        """The conventions, the small samples and the missing tables."""
        notes = self._touches_notes() + self._activity_notes() + self._enablement_notes()
        notes += missing_tables_note(
            self.scope.crm.missing, {table: _(does) for table, does in ENABLES.items()}
        )
        return bullet_list([*notes, definitions_note("efficiency")])


def open_report(
    quarter: str,
    team: str = "all",
    source: str = "",
    preset: str = "",
    *,
    locale: str = "",
    adoption_weeks: int = 10,
) -> EfficiencyReport:
    """The efficiency report for a notebook's parameters: ``adoption_weeks`` (1 to 13) is how many
    of the quarter's weeks a rep must have used the CRM in to count as an adopter."""
    if adoption_weeks not in ADOPTION_WEEKS:
        raise ParamsError(f"adoption_weeks must be 1 to {QUARTER_WEEKS}, not {adoption_weeks}")
    return EfficiencyReport(open_scope(quarter, team, source, preset, locale), adoption_weeks)
