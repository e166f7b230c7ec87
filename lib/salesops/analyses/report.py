"""The shape every analysis report shares: a scope, and headline figures now and a quarter ago."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import cached_property
from typing import Any, TypeVar

import pandas as pd

from salesops import formatting
from salesops.analyses.data import ReportData
from salesops.analyses.scope import Scope
from salesops.periods import Quarter
from salesops.present import Text, escape_markdown
from salesops.present.tables import ColumnFormat, Table, table

TREND_QUARTERS = 4  # a trend shows the quarter and the three before it
T = TypeVar("T")
FigurePart = Callable[[Quarter], dict[str, Any]]  # some of a quarter's headline figures


def joined(parts: Sequence[FigurePart], quarter: Quarter) -> dict[str, Any]:
    """The figures of ``quarter`` that ``parts`` give, in their order."""
    found: dict[str, Any] = {}
    for part in parts:
        found.update(part(quarter))
    return found


class QuarterReport(ABC):
    """One analysis for one scope; figures are computed once and shared by the sections.

    ``data`` holds the raw frame behind every table and chart shown so far (``ReportData``);
    ``scope.team_tables`` the source's Ibis tables narrowed to the team, for queries of one's own.
    """

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.data = ReportData()
        self._results: dict[tuple[str, str], Any] = {}

    def _once(self, name: str, quarter: Quarter, compute: Callable[[], T]) -> T:
        """``compute()`` for ``name`` and ``quarter``, computed the first time only."""
        key = (name, quarter.label)
        if key not in self._results:
            self._results[key] = compute()
        return self._results[key]

    @cached_property
    def trend_quarters(self) -> list[Quarter]:
        """The quarter and the ones before it, back to the data's first (at most four)."""
        first = self.scope.crm.first_quarter(self.scope.settings.fiscal_year_start_month)
        return [q for q in self.scope.quarter.trailing(TREND_QUARTERS) if q >= first]

    def _team_text(self) -> str:
        return escape_markdown(self.scope.team_label)

    def _quarter_text(self) -> str:
        return formatting.quarter(self.scope.quarter)

    def _nothing(self, sentence: str) -> Text:
        """A section with nothing to show, said as ``sentence`` with the team and quarter (a
        sentence that starts with the team starts with a capital: "All teams had ...")."""
        text = sentence.format(team=self._team_text(), quarter=self._quarter_text())
        return Text(text[:1].upper() + text[1:])

    def table(self, df: pd.DataFrame, formats: Mapping[str, ColumnFormat], **options: Any) -> Table:
        """``present.table`` with amounts in the report's currency."""
        return table(df, formats, currency=self.scope.settings.currency, **options)

    @abstractmethod
    def figures(self, quarter: Quarter) -> dict[str, Any]:
        """The analysis's headline figures for ``quarter`` (a JSON-safe dict)."""

    def figure_parts(self) -> Sequence[FigurePart]:
        """``figures`` in parts that cost their own queries, in the order ``figures_of`` computes
        them; one part, the whole, unless the analysis splits it."""
        return (self.figures,)

    def figures_of(self, quarter: Quarter, keys: Collection[str]) -> dict[str, Any]:
        """``keys`` of ``figures(quarter)`` (None for a key it lacks), computing its parts in
        order until every key is found: the same values for a fraction of the queries."""
        found: dict[str, Any] = {}
        for part in self.figure_parts():
            found.update(part(quarter))
            if found.keys() >= set(keys):
                break
        return {key: found.get(key) for key in keys}

    @cached_property
    def now(self) -> dict[str, Any]:
        return self.figures(self.scope.quarter)

    @cached_property
    def before(self) -> dict[str, Any] | None:
        """Last quarter's figures, or None when the data does not reach back that far."""
        return self.figures(self.scope.previous) if self.scope.has_previous else None
