"""A run's output folder and its packs as a reader opens them: pages read with pdfplumber."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pdfplumber

QUARTER = "2026Q3"


@dataclass(frozen=True)
class PdfPage:
    """One page as pdfplumber reads it."""

    text: str
    words: list[dict[str, Any]]
    images: list[dict[str, Any]]
    chars_right: float  # where the rightmost character ends
    width: float
    height: float


@dataclass(frozen=True)
class Printed:
    """A run's output folder (of the project root ``root``): its quarter's manifest, pages and
    packs."""

    root: Path
    out: Path
    output: str  # what the run printed

    @property
    def quarter(self) -> Path:
        return self.out / QUARTER

    def manifest(self) -> dict[str, Any]:
        return json.loads((self.quarter / "manifest.json").read_text(encoding="utf-8"))

    def pack_entry(self, team: str) -> dict[str, Any]:
        return next(pack for pack in self.manifest()["packs"] if pack["team"] == team)

    def pages(self, team: str) -> list[PdfPage]:
        return read_pdf(self.quarter / self.pack_entry(team)["path"])

    def contents(self, team: str) -> list[tuple[str, int]]:
        """The contents page's entries: (title, page)."""
        lines = self.pages(team)[0].text.splitlines()
        entries = lines[lines.index("Contents") + 1 : -1]  # the last line is the page's footer
        found = [re.fullmatch(r"(.+) (\d+)", line) for line in entries]
        assert all(found), entries
        return [(match[1], int(match[2])) for match in found if match]


@cache
def read_pdf(path: Path) -> list[PdfPage]:
    with pdfplumber.open(path) as pdf:
        return [
            PdfPage(
                text=page.extract_text(),
                words=page.extract_words(),
                images=page.images,
                chars_right=max((char["x1"] for char in page.chars), default=0.0),
                width=float(page.width),
                height=float(page.height),
            )
            for page in pdf.pages
        ]
