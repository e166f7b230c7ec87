"""The shape every analysis report shares: a scope, and headline figures now and a quarter ago."""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cached_property
from typing import Any

from salesops.analyses.scope import Scope
from salesops.periods import Quarter


class QuarterReport(ABC):
    """One analysis for one scope; figures are computed once and shared by the sections."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

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
