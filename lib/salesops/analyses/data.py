"""The data behind a report's sections: the raw frame of every table and chart, by name.

A section keeps what it shows in ``report.data``: its table's frame under the section's name
(``report.data["breakdown"]``) and its chart's under the name and ``_chart``; a section called
with arguments adds them (``report.breakdown("source")`` -> ``breakdown_source``). The frames are
the objects the section computed, with numbers as numbers and dates as dates: nothing runs twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import pandas as pd

from salesops.present import ReportFigure, Stack, Table

P = ParamSpec("P")
R = TypeVar("R")

Shown = Table | ReportFigure


@dataclass(frozen=True)
class Kept:
    """One frame in ``report.data``: the table or chart it is behind, and what that shows."""

    frame: pd.DataFrame
    shown: Shown
    about: str


class ReportData(Mapping[str, pd.DataFrame]):
    """Section name -> the raw frame behind its table or chart, for the sections shown so far.

    Its repr lists each name with the frame's shape and what it shows; ``shown(name)`` is the
    table or chart itself (``Table.formats`` says how each column was formatted).
    """

    def __init__(self) -> None:
        self._kept: dict[str, Kept] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self._entry(name).frame

    def __iter__(self) -> Iterator[str]:
        return iter(self._kept)

    def __len__(self) -> int:
        return len(self._kept)

    def shown(self, name: str) -> Shown:
        """The table or chart the frame ``name`` is behind."""
        return self._entry(name).shown

    def keep(self, name: str, about: str, output: Any) -> None:
        """Keep the frames of ``output`` (a table, a chart, or a stack of them) under ``name``.

        The n-th table is ``name`` (then ``name_2``, ...), the n-th chart ``name_chart`` (...);
        parts without a frame (sentences, cards) are skipped.
        """
        parts = output.parts if isinstance(output, Stack) else (output,)
        counts = {"": 0, "_chart": 0}
        for part in parts:
            if not isinstance(part, Table | ReportFigure) or part.frame is None:
                continue
            suffix = "_chart" if isinstance(part, ReportFigure) else ""
            counts[suffix] += 1
            number = f"_{counts[suffix]}" if counts[suffix] > 1 else ""
            what = part.caption if isinstance(part, Table) and part.caption else about
            kind = "chart" if suffix else "table"
            self._kept[f"{name}{suffix}{number}"] = Kept(part.frame, part, f"{kind}: {what}")

    def _entry(self, name: str) -> Kept:
        if name not in self._kept:
            known = ", ".join(self._kept) or "none yet (run the sections first)"
            raise KeyError(f"no section data named {name!r}; there is: {known}")
        return self._kept[name]

    def __repr__(self) -> str:
        if not self._kept:
            return "report.data: no section has been shown yet; run the notebook's cells first."
        width = max(len(name) for name in self._kept)
        shapes = {name: "{} x {}".format(*kept.frame.shape) for name, kept in self._kept.items()}
        shape_width = max(len(shape) for shape in shapes.values())
        lines = [
            f"  {name:<{width}}  {shapes[name]:>{shape_width}}  {kept.about}"
            for name, kept in self._kept.items()
        ]
        header = 'report.data: rows x columns behind each section, as report.data["name"]'
        return "\n".join([header, *lines])


def keeps_data(section: Callable[P, R]) -> Callable[P, R]:
    """A report section whose tables' and charts' frames go into its report's ``data``, named
    after the section and the arguments it was called with."""

    @wraps(section)
    def shown(*args: P.args, **kwargs: P.kwargs) -> R:
        output = section(*args, **kwargs)
        name = "_".join([section.__name__, *(str(a) for a in (*args[1:], *kwargs.values()))])
        args[0].data.keep(name, _gist(section.__doc__), output)  # type: ignore[attr-defined]
        return output

    return shown


def _gist(doc: str | None) -> str:
    """A docstring's first clause on one line, without markup."""
    text = " ".join((doc or "").split()).replace("``", "")
    return re.split(r"(?<=[a-z)])[.;:] ", text + " ", maxsplit=1)[0].rstrip(". ")
