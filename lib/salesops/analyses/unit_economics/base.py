"""What every part of the unit-economics report shares: the gross margin, each quarter's
acquisition and retention figures computed once, and the currencies spend and revenue are in."""

from __future__ import annotations

from functools import cached_property

import pandas as pd
from ibis import _ as col

from salesops.analyses.report import QuarterReport
from salesops.analyses.scope import Scope
from salesops.i18n import _
from salesops.metrics import MissingTableError, acquisition, retention
from salesops.periods import Quarter

MONEY_TABLES = ("spend", "recurring_revenue")  # the tables whose amounts the figures sum


class UnconvertedAmounts(MissingTableError):
    """Spend or revenue rows in a currency besides the reporting one that no rate converts: the
    table is there but cannot be summed, so the sections that need it say so as they do for a
    missing table (``needs_tables``)."""

    def __init__(self, table: str, currencies: list[str]) -> None:
        super().__init__(table, "")
        self.currencies = currencies
        self.args = (f"{table} has amounts in {', '.join(currencies)}",)

    def sentence(self) -> str:
        """Why the figures are withheld, and what would show them, in the reader's language
        (plain text: ``needs_tables`` escapes it for the page)."""
        return _(
            "The {table} table has amounts in {currencies} besides the reporting currency and no "
            "rate converts them (add fx_rates): its figures are not shown."
        ).format(table=self.table, currencies=", ".join(self.currencies))


class UnitEconomicsSections(QuarterReport):
    """The unit-economics report's state: the org's ``gross_margin`` and each quarter's
    acquisition (``metrics.acquisition``) and retention (``metrics.retention``)."""

    def __init__(self, scope: Scope, gross_margin: float) -> None:
        super().__init__(scope)
        self.gross_margin = gross_margin

    @cached_property
    def unconverted(self) -> dict[str, list[str]]:
        """Per table of ``MONEY_TABLES`` the source has, its currencies besides the reporting
        one (after fx_rates converted what it could): figures would add different currencies."""
        reporting = self.scope.settings.currency
        found: dict[str, list[str]] = {}
        for name in MONEY_TABLES:
            if self.scope.crm.has(name):
                rows = self.scope.crm.table(name)
                others = rows.filter(col.currency.notnull() & (col.currency != reporting))
                currencies = others.select("currency").distinct().to_pyarrow()["currency"]
                found[name] = sorted(currencies.to_pylist())
        return found

    def _converted(self, table: str) -> None:
        """Raise ``UnconvertedAmounts`` when ``table`` mixes currencies no rate converts."""
        if self.unconverted.get(table):
            raise UnconvertedAmounts(table, self.unconverted[table])

    def quarter_acquisition(self, quarter: Quarter) -> acquisition.Acquisition:
        """Spend, new customers and what they cost in ``quarter`` (``metrics.acquisition``)."""
        self._converted("spend")
        self._converted("recurring_revenue")
        return self._once(
            "acquisition",
            quarter,
            lambda: acquisition.acquisition(
                self.scope.tables, quarter, self.scope.team, gross_margin=self.gross_margin
            ),
        )

    def quarter_retention(self, quarter: Quarter) -> retention.Retention:
        """Revenue kept from the customers of a year before ``quarter``'s end, and lifetime
        value (``metrics.retention``)."""
        self._converted("recurring_revenue")
        return self._once(
            "retention",
            quarter,
            lambda: retention.retention(
                self.scope.tables, quarter, self.scope.team, gross_margin=self.gross_margin
            ),
        )

    def trend_acquisition(self) -> pd.DataFrame:
        """``metrics.acquisition.acquisition_trend`` of the last four quarters."""
        self._converted("spend")
        self._converted("recurring_revenue")
        return self._once(
            "acquisition_trend",
            self.scope.quarter,
            lambda: acquisition.acquisition_trend(
                self.scope.tables,
                self.trend_quarters,
                self.scope.team,
                gross_margin=self.gross_margin,
            ),
        )

    def trend_retention(self) -> pd.DataFrame:
        """``metrics.retention.retention_trend`` of the last four quarters."""
        self._converted("recurring_revenue")
        return self._once(
            "retention_trend",
            self.scope.quarter,
            lambda: retention.retention_trend(
                self.scope.tables,
                self.trend_quarters,
                self.scope.team,
                gross_margin=self.gross_margin,
            ),
        )
