"""The shape every analysis report shares: a scope, and headline figures now and a quarter ago."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import pandas as pd

from salesops.analyses.data import ReportData
from salesops.analyses.scope import Scope
from salesops.periods import Quarter
from salesops.present.tables import ColumnFormat, Table, table


class QuarterReport(ABC):
    """One analysis for one scope; figures are computed once and shared by the sections.

    ``data`` holds the raw frame behind every table and chart shown so far (``ReportData``);
    ``scope.team_tables`` the source's Ibis tables narrowed to the team, for queries of one's own.
    """

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.data = ReportData()

    def table(self, df: pd.DataFrame, formats: Mapping[str, ColumnFormat], **options: Any) -> Table:
        """``present.table`` with amounts in the report's currency."""
        return table(df, formats, currency=self.scope.settings.currency, **options)

    @abstractmethod
    def figures(self, quarter: Quarter) -> dict[str, Any]:
        """The analysis's headline figures for ``quarter`` (a JSON-safe dict)."""

    @cached_property
    def now(self) -> dict[str, Any]:
        return self.figures(self.scope.quarter)

    @cached_property
    def before(self) -> dict[str, Any] | None:
        """Last quarter's figures, or None when the data does not reach back that far."""
        return self.figures(self.scope.previous) if self.scope.has_previous else None
