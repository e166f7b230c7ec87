"""Errors that are the input's fault; the command line turns each into one message and exit 2."""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from dataclasses import dataclass, field

EXCERPT_CHARS = 80


def _short_repr() -> reprlib.Repr:
    """A repr that stops early: a huge value costs as little as a small one to echo (its own
    cuts fall past ``EXCERPT_CHARS``, so every excerpt ends the same way)."""
    short = reprlib.Repr()
    short.maxstring = short.maxother = 4 * EXCERPT_CHARS
    short.maxlevel, short.maxlist, short.maxdict = 3, 6, 6
    return short


_SHORT = _short_repr()


def shorten(text: str) -> str:
    """``text`` in at most ``EXCERPT_CHARS`` characters, cut with an ellipsis."""
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def excerpt(value: object) -> str:
    """``value``'s repr, shortened: what a message echoes of a value from a file, however big."""
    return shorten(_SHORT.repr(value))


class SalesopsError(Exception):
    """Base of every error that is the input's fault, not the program's."""


@dataclass
class ContractProblem:
    """One broken rule of the data contract: where, which rule, how many rows, a few examples.

    ``rows`` is 0 for structural problems (a missing table or column), which show no count.
    ``found`` holds, for values that could not be read, the text found in each example row
    (shown as ``'O1': '31-31-2018'``); it takes no part in comparisons.
    """

    table: str
    column: str | None
    rule: str
    rows: int
    examples: Sequence[object] = field(default_factory=list)
    found: Sequence[object] = field(default_factory=list, compare=False)

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        found = [f": {excerpt(f)}" for f in self.found] if self.found else [""] * len(self.examples)
        pairs = list(zip(self.examples, found, strict=True))[:5]
        shown = ", ".join(excerpt(example) + text for example, text in pairs)
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
