"""The unit-economics report: what a new customer costs, how fast it pays back, how much
revenue last year's customers still bring, and what a customer is worth against its cost.

Each part is a class of sections (``acquisition_sections``, ``retention_sections``);
``UnitEconomicsReport`` joins them with the headline, summary and caveats.
"""

from __future__ import annotations

from typing import Any

from salesops import formatting, present
from salesops.analyses.scope import open_scope
from salesops.analyses.sections import (
    bullet_list,
    definitions_note,
    missing_tables_note,
    needs_text,
    value,
)
from salesops.analyses.unit_economics.acquisition_sections import AcquisitionSections
from salesops.analyses.unit_economics.base import UnconvertedAmounts
from salesops.analyses.unit_economics.retention_sections import RetentionSections
from salesops.errors import ParamsError
from salesops.i18n import N_, _
from salesops.metrics import MissingTableError, acquisition, retention
from salesops.periods import Quarter
from salesops.present import Card, Text, escape_markdown

ANALYSIS = "unit_economics"
ENABLES = {
    "spend": N_("acquisition cost, payback, CAC ratio and magic number"),
    "recurring_revenue": N_("revenue retention and lifetime value"),
}
ORG_MARGIN = -1.0  # the gross_margin parameter's value for the org setting


def _or_none(compute: Any) -> Any:
    """``compute()``, or None when it needs a table the source does not have or cannot sum."""
    try:
        return compute()
    except MissingTableError:
        return None


class UnitEconomicsReport(AcquisitionSections, RetentionSections):
    """Every section of the unit-economics notebook; each quarter's results are computed once."""

    def figures(self, quarter: Quarter) -> dict[str, Any]:
        bought = _or_none(lambda: self.quarter_acquisition(quarter))
        kept = _or_none(lambda: self.quarter_retention(quarter))
        cac = None if bought is None else bought.cac
        cltv = None if kept is None else kept.cltv
        return {
            "new_customers": None if bought is None else bought.new_customers,
            "spend": None if bought is None else bought.spend,
            "marketing_spend": None if bought is None else bought.marketing_spend,
            "sales_spend": None if bought is None else bought.sales_spend,
            "cac": cac,
            "new_mrr": None if bought is None else bought.new_mrr,
            "new_mrr_from": None if bought is None else bought.new_mrr_from,
            "cac_payback_months": None if bought is None else bought.payback_months,
            "cac_ratio": None if bought is None else bought.cac_ratio,
            "magic_number": None if bought is None else bought.magic_number,
            "nrr": None if kept is None else kept.nrr,
            "grr": None if kept is None else kept.grr,
            "logo_churn": None if kept is None else kept.logo_churn,
            "retention_customers": None if kept is None else kept.customers,
            "churned_customers": None if kept is None else kept.churned_customers,
            "arpa": None if kept is None else kept.arpa,
            "monthly_churn": None if kept is None else kept.monthly_churn,
            "cltv": cltv,
            "ltv_to_cac": retention.ltv_to_cac(cltv, cac),
            "gross_margin": self.gross_margin,
        }

    def headline(self) -> present.Headline:
        """Cards: new customers, what each cost, its payback, lifetime value to cost, and net
        and gross revenue retention."""
        now, before = self.now, self.before
        prev, currency = formatting.quarter(self.scope.previous), self.scope.settings.currency

        def card(key: str, label: str, fmt: str, note: str | None, better: bool = True) -> Card:
            return Card.compare(
                label,
                now[key],
                value(before, key),
                fmt,
                versus=prev,
                higher_is_better=better,
                note=note,
                currency=currency,
            )

        low, high = acquisition.PAYBACK_BENCHMARK_MONTHS
        payback_aim = _("field aims: {low} to {high}").format(
            low=formatting.count(low), high=formatting.count(high)
        )
        ratio_aim = _("field aims: {ratio} or more").format(
            ratio=formatting.count(retention.LTV_TO_CAC_BENCHMARK)
        )
        cards = [
            card("new_customers", _("New customers"), "count", self._note("spend", "")),
            card(
                "cac", _("Acquisition cost (CAC)"), "money", self._note("spend", ""), better=False
            ),
            card(
                "cac_payback_months",
                _("CAC payback, months"),
                "decimal",
                self._note("spend", payback_aim),
                better=False,
            ),
            card(
                "ltv_to_cac",
                _("LTV:CAC"),
                "decimal",
                self._note("recurring_revenue", ratio_aim),
            ),
            card("nrr", _("Net revenue retention"), "percent", self._note("recurring_revenue", "")),
            card(
                "grr", _("Gross revenue retention"), "percent", self._note("recurring_revenue", "")
            ),
        ]
        return present.headline(ANALYSIS, self.scope.team, self.scope.quarter.label, now, cards)

    def _note(self, table: str, note: str) -> str:
        """A card's note: ``note``, or what the source lacks for the figure."""
        if not self.scope.crm.has(table):
            return needs_text(table)
        return note

    def summary(self) -> Text:
        """The answer in sentences: what new customers cost and how fast they pay back, how much
        revenue last year's customers still bring, and what a customer is worth."""
        told = [self._acquisition_sentence(), self._retention_sentence(), self._lifetime_sentence()]
        told = [sentence for sentence in told if sentence]
        if told:
            return Text(" ".join(told))
        if not any(self.scope.crm.has(table) for table in ENABLES):
            return Text(
                _(
                    "The data has no spend and no recurring revenue: unit economics cannot be "
                    "read from it."
                )
            )
        return self._nothing(_("{team}: no spend, new customer or recurring revenue in {quarter}."))

    def caveats(self) -> Text:
        """The conventions, the benchmarks, the missing tables and the currencies."""
        notes = self._acquisition_notes() + self._retention_notes()
        notes.append(
            _(
                "The dashed lines on the charts are what the field commonly aims for (payback "
                "within {low} to {high} months, LTV:CAC of {ratio} or more): references that "
                "depend on the business, not verdicts."
            ).format(
                low=formatting.count(acquisition.PAYBACK_BENCHMARK_MONTHS[0]),
                high=formatting.count(acquisition.PAYBACK_BENCHMARK_MONTHS[1]),
                ratio=formatting.count(retention.LTV_TO_CAC_BENCHMARK),
            )
        )
        notes += [
            escape_markdown(UnconvertedAmounts(table, found).sentence())
            for table, found in self.unconverted.items()
            if found
        ]
        notes += missing_tables_note(
            self.scope.crm.missing, {table: _(does) for table, does in ENABLES.items()}
        )
        return bullet_list([*notes, definitions_note("unit-economics")])


def open_report(
    quarter: str,
    team: str = "all",
    source: str = "",
    preset: str = "",
    *,
    locale: str = "",
    gross_margin: float = ORG_MARGIN,
) -> UnitEconomicsReport:
    """The unit-economics report for a notebook's parameters: ``gross_margin`` (above 0, at most
    1) is the share of revenue kept after the cost of serving it; -1 takes the org setting."""
    if gross_margin != ORG_MARGIN and not 0 < gross_margin <= 1:
        raise ParamsError(f"gross_margin must be above 0 and at most 1 (or -1), not {gross_margin}")
    scope = open_scope(quarter, team, source, preset, locale)
    margin = scope.settings.gross_margin if gross_margin == ORG_MARGIN else gross_margin
    return UnitEconomicsReport(scope, margin)
