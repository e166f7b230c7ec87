"""One report's executed notebook, read once: its title, its headline, and what failed if anything.

The run executes the notebook into an ``Outcome`` (``salesops.report.run.execute``), writes the
report's files from it (``salesops.report.run.outputs``) and renders its page from it
(``salesops.report.pages.report``); none of them looks through the notebook for these again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from salesops.vocabulary import HEADLINE_MIMETYPE, FailureKind

if TYPE_CHECKING:
    from nbformat import NotebookNode

# A markdown heading: its hashes and its text.
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Failure:
    """What stopped a report: its kind, the section it was in ("" before any section), the error
    and the cell. For a timeout, ``evalue`` names the limit ("the 600 s cell timeout")."""

    kind: FailureKind
    section: str = ""
    ename: str = ""
    evalue: str = ""
    traceback: str = ""
    cell_index: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", FailureKind(self.kind))  # ValueError for an unknown kind

    @property
    def summary(self) -> str:
        """One line: what failed and where, e.g. ``ValueError in "Breakdown": no deals``."""
        where = f' in "{self.section}"' if self.section else ""
        what = self.ename or self.kind.replace("_", " ")
        return f"{what}{where}: {self.evalue}" if self.evalue else f"{what}{where}"

    def record(self) -> dict[str, Any]:
        """The failure as the manifest and the headline JSON record it."""
        return {
            "kind": self.kind,
            "section": self.section,
            "cell_index": self.cell_index,
            "ename": self.ename,
            "evalue": self.evalue,
            "message": self.summary,
        }


@dataclass(frozen=True)
class Outcome:
    """How one notebook run ended: the notebook, its title (its first ``#`` heading, "" when it
    has none), its headline (the payload of the last ``HEADLINE_MIMETYPE`` output) and its
    failure (None when it succeeded)."""

    nb: NotebookNode
    title: str = ""
    headline: dict[str, Any] | None = None
    failure: Failure | None = None

    @classmethod
    def read(cls, nb: NotebookNode, failure: Failure | None = None) -> Outcome:
        """The outcome of ``nb``, its title and headline read in one pass over its cells."""
        title, headline = "", None
        for cell in nb.cells:
            if cell.cell_type == "markdown" and not title:
                found = HEADING.findall(cell.source)
                title = next((text for level, text in found if level == "#"), "")
            for output in cell.get("outputs", []):
                payload = output.get("data", {}).get(HEADLINE_MIMETYPE)
                if isinstance(payload, dict):
                    headline = dict(payload)
        return cls(nb=nb, title=title, headline=headline, failure=failure)

    def failed(self, failure: Failure) -> Outcome:
        """The same notebook, failed with ``failure`` (e.g. its page could not be rendered)."""
        return replace(self, failure=failure)

    @property
    def status(self) -> str:
        return "ok" if self.failure is None else "failed"
