"""The retention sections: the revenue kept from last year's customers, and what a customer is
worth over its lifetime against what it cost to win."""

from __future__ import annotations

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.sections import needs_tables
from salesops.analyses.unit_economics.acquisition_sections import trend_table
from salesops.analyses.unit_economics.base import UnitEconomicsSections
from salesops.i18n import N_, _
from salesops.metrics import MissingTableError, retention
from salesops.present import Text

STATUS_NAMES = {  # each of the retention statuses as a reader reads it
    "expanded": N_("Expanded"),
    "flat": N_("Unchanged"),
    "contracted": N_("Contracted"),
    "churned": N_("Churned"),
}


class RetentionSections(UnitEconomicsSections):
    """Net and gross revenue retention, logo churn and lifetime value, with their trends."""

    @keeps_data
    @needs_tables
    def retention(self) -> present.Stack | Text:
        """The monthly recurring revenue of a year ago's customers, then and now: what churned,
        shrank and grew."""
        found = self.quarter_retention(self.scope.quarter)
        if not found.customers:
            return self._nothing(
                _("{team} had no customer paying recurring revenue a year before {quarter}.")
            )
        currency = self.scope.settings.currency
        then, now = formatting.month(found.base_month), formatting.month(found.month)
        fig = charts.flow_waterfall(
            _bridge(found, then, now),
            title=_("Recurring revenue of {then}'s customers").format(then=then),
            currency=currency,
        )
        caption = _(
            "Monthly recurring revenue of the customers who paid in {then}, then and in {now}: "
            "net revenue retention = {nrr} (revenue now / then), gross = {grr} (the same, each "
            "customer counted at most at its revenue then). Customers won since are left out."
        ).format(
            then=then,
            now=now,
            nrr=formatting.percent(found.nrr),
            grr=formatting.percent(found.grr),
        )
        by_status = found.by_status.assign(
            status=found.by_status["status"].map(lambda s: _(STATUS_NAMES[s]))
        )
        return present.stack(
            present.figure(
                fig,
                caption=caption,
                alt=_(
                    "Waterfall chart of recurring revenue from {start} in {then} to {end} in {now}."
                ).format(
                    start=formatting.money(found.starting_mrr, currency),
                    then=then,
                    end=formatting.money(found.retained_mrr, currency),
                    now=now,
                ),
                frame=found.by_status,
            ),
            self.table(
                by_status,
                {"customers": "count", "mrr_then": "money", "mrr_now": "money"},
                labels={
                    "status": _("Customers who"),
                    "customers": _("Customers"),
                    "mrr_then": _("MRR then"),
                    "mrr_now": _("MRR now"),
                },
            ),
        )

    @keeps_data
    @needs_tables
    def retention_trend(self) -> present.Stack | Text:
        """Net and gross revenue retention and logo churn in each of the last four quarters."""
        trend = self.trend_retention()
        shown = trend_table(trend)
        fig = charts.quarter_trend(
            shown,
            {"nrr": _("Net revenue retention"), "grr": _("Gross revenue retention")},
            percent=True,
            title=_("Revenue retention, last four quarters"),
            references=[(1.0, formatting.percent(1.0))],
        )
        return present.stack(
            present.figure(
                fig,
                caption=_(
                    "Each quarter's retention compares its last month with the same month a year "
                    "before; above 100 %, the customers kept grew more than the others left."
                ),
                alt=_("Line chart of net and gross revenue retention by quarter."),
                frame=trend,
            ),
            self.table(
                shown[["quarter", "nrr", "grr", "logo_churn", "mrr"]],
                {"nrr": "percent", "grr": "percent", "logo_churn": "percent", "mrr": "money"},
                labels={
                    "quarter": _("Quarter"),
                    "nrr": _("NRR"),
                    "grr": _("GRR"),
                    "logo_churn": _("Customers lost in a year"),
                    "mrr": _("MRR, last month"),
                },
            ),
        )

    @keeps_data
    @needs_tables
    def lifetime_value(self) -> present.Stack | Text:
        """Customer lifetime value against acquisition cost in each of the last four quarters,
        with the ratio of 3 the field uses."""
        trend = self._lifetime_trend()
        shown = trend_table(trend)
        fig = charts.quarter_trend(
            shown,
            {"ltv_to_cac": _("LTV:CAC")},
            title=_("Lifetime value to acquisition cost, last four quarters"),
            references=[(float(retention.LTV_TO_CAC_BENCHMARK), _("3 to 1"))],
        )
        caption = _(
            "Lifetime value = revenue per customer and month × gross margin ({margin}) / the "
            "share of revenue lost per month. The dashed line is the ratio of 3 the field "
            "commonly aims for: a reference, not a verdict."
        ).format(margin=formatting.percent(self.gross_margin))
        return present.stack(
            present.figure(
                fig,
                caption=caption,
                alt=_(
                    "Line chart of lifetime value to acquisition cost by quarter, with a line at 3."
                ),
                frame=trend,
            ),
            self.table(
                shown,
                {
                    "arpa": "money",
                    "monthly_churn": "percent",
                    "cltv": "money",
                    "cac": "money",
                    "ltv_to_cac": "decimal",
                },
                labels={
                    "quarter": _("Quarter"),
                    "arpa": _("Revenue per customer, month"),
                    "monthly_churn": _("Revenue lost per month"),
                    "cltv": _("Lifetime value"),
                    "cac": _("CAC"),
                    "ltv_to_cac": _("LTV:CAC"),
                },
            ),
        )

    def _lifetime_trend(self) -> pd.DataFrame:
        """Per quarter of the trend: ARPA, monthly churn and CLTV (``quarter_retention``), CAC
        (``trend_acquisition``; missing without spend) and their ratio."""
        kept = [self.quarter_retention(quarter) for quarter in self.trend_quarters]
        lifetime = pd.DataFrame(
            {
                "quarter": [found.quarter for found in kept],
                "arpa": [found.arpa for found in kept],
                "monthly_churn": [found.monthly_churn for found in kept],
                "cltv": [found.cltv for found in kept],
            },
        ).astype({"arpa": "float64", "monthly_churn": "float64", "cltv": "float64"})
        try:
            cac = self.trend_acquisition()[["quarter", "cac"]]
        except MissingTableError:
            cac = pd.DataFrame({"quarter": lifetime["quarter"], "cac": float("nan")})
        merged = lifetime.merge(cac, on="quarter", how="left")
        ratios = [
            retention.ltv_to_cac(value, cost)
            for value, cost in zip(merged["cltv"], merged["cac"], strict=True)
        ]
        return merged.assign(ltv_to_cac=pd.Series(ratios, dtype="float64"))

    def _retention_sentence(self) -> str:
        now = self.now
        if now["nrr"] is None:
            return ""
        return _(
            "Customers of a year ago pay {nrr} of what they paid then ({grr} before "
            "expansion); {churned} of {customers} left."
        ).format(
            nrr=formatting.percent(now["nrr"]),
            grr=formatting.percent(now["grr"]),
            churned=formatting.count(now["churned_customers"]),
            customers=formatting.count(now["retention_customers"]),
        )

    def _lifetime_sentence(self) -> str:
        now, currency = self.now, self.scope.settings.currency
        if now["cltv"] is None:
            return ""
        worth = _("A customer is worth {cltv} of gross margin over its lifetime").format(
            cltv=formatting.money(now["cltv"], currency)
        )
        if now["ltv_to_cac"] is None:
            return worth + "."
        return _("{worth}, {ratio} times what it cost to win.").format(
            worth=worth, ratio=formatting.decimal(now["ltv_to_cac"])
        )

    def _retention_notes(self) -> list[str]:
        if not self.scope.crm.has("recurring_revenue"):
            return []
        return [
            _(
                "Revenue retention as GitLab defines it: A = each customer's MRR twelve months "
                "before the quarter's last month, B = the same customers' MRR in that last "
                "month, C = the lower of A and B; NRR = sum of B / sum of A, GRR = sum of C / "
                "sum of A. Sums first, so large customers weigh more; customers won since are "
                "left out."
            ),
            _(
                "A customer's team is the team of the rep who owns its latest won deal. "
                "Gross margin {margin} (gross_margin in params/org.yaml)."
            ).format(margin=formatting.percent(self.gross_margin)),
        ]


def _bridge(found: retention.Retention, then: str, now: str) -> pd.DataFrame:
    """The waterfall's steps: MRR then, churned, contracted, expanded, MRR now."""
    by = found.by_status.set_index("status")
    change = (by["mrr_now"] - by["mrr_then"]).reindex(list(STATUS_NAMES), fill_value=0.0)
    steps = [
        (_("MRR in {month}").format(month=then), "total", found.starting_mrr),
        (_(STATUS_NAMES["churned"]), "down", -change["churned"]),
        (_(STATUS_NAMES["contracted"]), "down", -change["contracted"]),
        (_(STATUS_NAMES["expanded"]), "up", change["expanded"]),
        (_("MRR in {month}").format(month=now), "total", found.retained_mrr),
    ]
    return pd.DataFrame(steps, columns=["step", "kind", "amount"])
