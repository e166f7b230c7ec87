"""Print a pack: once to find on which page each part starts, again with those pages on its
contents page.

The contents entries keep their width whatever their numbers, so the second print lays out as
the first; the pages are read again from it and a third print follows only if they moved.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from salesops.report.pack.chromium import Printer, PrintError
from salesops.report.pack.document import PackDocument, anchor
from salesops.vocabulary import PACK_NAME

_PRINTS = 3


@dataclass(frozen=True)
class PrintedPack:
    """A printed pack: the PDF, its page count and the page (from 1) each part starts on."""

    pdf: bytes
    pages: int
    starts: list[int]


def print_pack(printer: Printer, document: PackDocument) -> PrintedPack:
    """Print ``document`` with its contents' page numbers; PrintError if Chromium fails."""
    # Chromium's profile is in the folder too: a file it leaves behind is no failure
    with tempfile.TemporaryDirectory(prefix="salesops-pack-", ignore_cleanup_errors=True) as folder:
        html, pdf = Path(folder, "pack.html"), Path(folder, PACK_NAME)
        starts: list[int] | None = None
        for _attempt in range(_PRINTS):
            html.write_text(document.html(starts), encoding="utf-8")
            printed = _read(printer.print_pdf(html, pdf), len(document.parts))
            if printed.starts == starts:
                return printed
            starts = printed.starts
    raise PrintError(f"the contents' page numbers still moved after {_PRINTS} prints")


def _read(pdf: bytes, parts: int) -> PrintedPack:
    """The page count of ``pdf`` and the page each of its ``parts`` starts on, from the PDF
    destinations of their anchors."""
    try:
        reader = PdfReader(io.BytesIO(pdf))
        pages = {
            str(name).lstrip("/"): reader.get_destination_page_number(destination) + 1
            for name, destination in reader.named_destinations.items()
        }
        count = len(reader.pages)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise PrintError(f"Chromium printed a PDF that cannot be read: {exc}") from None
    missing = [n for n in range(1, parts + 1) if anchor(n) not in pages]
    if missing:
        raise PrintError(f"the printed PDF does not say where part {missing[0]} starts")
    return PrintedPack(pdf, count, [pages[anchor(n)] for n in range(1, parts + 1)])
