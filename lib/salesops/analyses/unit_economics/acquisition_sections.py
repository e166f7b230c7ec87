"""The acquisition sections: what a new customer cost, how fast it paid back, by channel."""

from __future__ import annotations

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.sections import needs_tables
from salesops.analyses.unit_economics.base import UnitEconomicsSections
from salesops.i18n import _, ngettext
from salesops.metrics import acquisition
from salesops.present import Text


def payback_references() -> list[tuple[float, str]]:
    """The payback bounds the field uses, as dashed lines: "12 months", "18 months"."""
    return [(float(months), months_text(months)) for months in acquisition.PAYBACK_BENCHMARK_MONTHS]


def months_text(months: float) -> str:
    """A number of months in words: "15.3 months"."""
    return ngettext("{count} month", "{count} months", int(months)).format(
        count=formatting.decimal(months) if months % 1 else formatting.count(months)
    )


class AcquisitionSections(UnitEconomicsSections):
    """Acquisition cost, payback, CAC ratio and magic number: the quarter, its trend and the
    marketing channels."""

    @keeps_data
    @needs_tables
    def acquisition_trend(self) -> present.Stack | Text:
        """Spend, new customers, acquisition cost and payback in each of the last four quarters,
        with the payback bounds the field uses."""
        trend = self.trend_acquisition()
        shown = trend_table(trend)
        fig = charts.quarter_trend(
            shown,
            {"payback_months": _("CAC payback in months")},
            title=_("CAC payback, last four quarters"),
            references=payback_references(),
        )
        caption = _(
            "Months of gross margin from its new customers' recurring revenue that each "
            "quarter's sales and marketing spend takes to pay back. The dashed lines are the 12 "
            "to 18 months the field commonly aims for: a reference, not a verdict."
        )
        return present.stack(
            present.figure(
                fig,
                caption=caption,
                alt=_("Line chart of CAC payback in months by quarter, with lines at 12 and 18."),
                frame=trend,
            ),
            self.table(
                shown[
                    [
                        "quarter",
                        "spend",
                        "new_customers",
                        "cac",
                        "payback_months",
                        "cac_ratio",
                        "magic_number",
                    ]
                ],
                {
                    "spend": "money",
                    "new_customers": "count",
                    "cac": "money",
                    "payback_months": "decimal",
                    "cac_ratio": "ratio",
                    "magic_number": "ratio",
                },
                labels={
                    "quarter": _("Quarter"),
                    "spend": _("Spend"),
                    "new_customers": _("New customers"),
                    "cac": _("CAC"),
                    "payback_months": _("Payback, months"),
                    "cac_ratio": _("CAC ratio"),
                    "magic_number": _("Magic number"),
                },
            ),
        )

    @keeps_data
    @needs_tables
    def channels(self) -> present.Stack | Text:
        """Marketing spend of the quarter per channel, and the new customers each brought."""
        found = self.quarter_acquisition(self.scope.quarter)
        if found.by_channel.empty:
            return self._nothing(_("No marketing spend of {team} in {quarter}."))
        currency = self.scope.settings.currency
        rows = found.by_channel.assign(channel=found.by_channel["channel"].fillna(_("no channel")))
        fig = charts.spend_by_channel(
            rows,
            title=_("Marketing spend by channel, {quarter}").format(quarter=self._quarter_text()),
            currency=currency,
        )
        caption = _(
            "Marketing spend of {quarter} per channel, and its cost per new customer whose first "
            "deal came from that channel (the deal's source)."
        ).format(quarter=self._quarter_text())
        return present.stack(
            present.figure(
                fig,
                caption=caption,
                alt=_("Bar chart of marketing spend by channel, each with its CAC."),
                frame=found.by_channel,
            ),
            self.table(
                rows,
                {"spend": "money", "new_customers": "count", "cac": "money"},
                labels={
                    "channel": _("Channel"),
                    "spend": _("Marketing spend"),
                    "new_customers": _("New customers"),
                    "cac": _("CAC"),
                },
            ),
        )

    def _acquisition_sentence(self) -> str:
        now, currency = self.now, self.scope.settings.currency
        if now["new_customers"] is None:
            return ""
        won = ngettext(
            "{count} new customer was won in {quarter}",
            "{count} new customers were won in {quarter}",
            now["new_customers"],
        ).format(count=formatting.count(now["new_customers"]), quarter=self._quarter_text())
        if now["cac"] is None:
            return _("{won}, for {spend} of sales and marketing spend.").format(
                won=won, spend=formatting.money(now["spend"], currency)
            )
        sentence = _("{won}, for {spend} of sales and marketing spend: {cac} each.").format(
            won=won,
            spend=formatting.money(now["spend"], currency),
            cac=formatting.money(now["cac"], currency),
        )
        if now["cac_payback_months"] is None:
            return sentence
        return _("{sentence} Their gross margin pays that back in {months}.").format(
            sentence=sentence, months=months_text(now["cac_payback_months"])
        )

    def _acquisition_notes(self) -> list[str]:
        if not self.scope.crm.has("spend"):
            return []
        notes = [
            _(
                "A new customer is an account's first won deal (a deal without an account is a "
                "customer of its own). CAC = the quarter's sales and marketing spend / its new "
                "customers. A team's spend is the spend booked to it; spend without a team "
                "counts for all teams only."
            ),
            _(
                "Payback = spend / (new customers' monthly recurring revenue × gross margin). "
                "CAC ratio = new and expansion bookings of the quarter × gross margin / the "
                "previous quarter's spend. Magic number = the change in recurring revenue from "
                "the previous quarter × 4 / the previous quarter's spend."
            ),
        ]
        if self.now["new_mrr_from"] == acquisition.FROM_BOOKINGS:
            notes.append(
                _(
                    "Without a recurring_revenue table a new customer's monthly revenue is its "
                    "first deal's amount / 12 (amounts read as annual contract values)."
                )
            )
        return notes


def trend_table(trend: pd.DataFrame) -> pd.DataFrame:
    """A trend with its quarters as the reader reads them."""
    return trend.assign(quarter=trend["quarter"].map(formatting.quarter))
