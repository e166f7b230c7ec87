"""Errors that are the input's fault; the command line turns each into one message and exit 2."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


class SalesopsError(Exception):
    """Base of every error that is the input's fault, not the program's."""


@dataclass
class ContractProblem:
    """One broken rule of the data contract: where, which rule, how many rows, a few examples.

    ``rows`` is 0 for structural problems (a missing table or column), which show no count.
    """

    table: str
    column: str | None
    rule: str
    rows: int
    examples: Sequence[object] = field(default_factory=list)

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        shown = ", ".join(repr(e) for e in list(self.examples)[:5])
        more = f" (e.g. {shown})" if shown else ""
        counted = f": {self.rows} row{'s' if self.rows != 1 else ''}" if self.rows else ""
        return f"{where}: {self.rule}{counted}{more}"


class ContractError(SalesopsError):
    """The data breaks the contract; carries every problem found, not only the first."""

    def __init__(self, problems: Sequence[ContractProblem], source: str = "") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{len(self.problems)} data contract problem{'s' if len(self.problems) != 1 else ''}"
        if self.source:
            head += f" in {self.source}"
        return head + ":\n" + "\n".join(f"  - {p}" for p in self.problems)


class ParamsError(SalesopsError):
    """A params file or a command-line value is unknown or invalid."""


class SourceError(SalesopsError):
    """A data source cannot be opened or read."""
