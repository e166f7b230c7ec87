"""One HTML document per pack: a contents page, then each part's page from a page break.

Every part is a report page that the same templates rendered, so the one stylesheet serves them
all; ``pack.css`` adds the A4 page box, its page numbers, the page breaks, and hides what is of
no use on paper. The ids of each part are prefixed with its anchor, so that no two parts share an
id and each contents entry links to its part (Chromium makes the links PDF destinations, which
tell on which page each part starts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from bs4 import BeautifulSoup
from markupsafe import Markup

from salesops import formatting
from salesops.i18n import _
from salesops.report.pack.parts import Part
from salesops.report.pages.layout import (
    TEMPLATES,
    display_day,
    display_time,
    render_page,
    team_label,
)

_PLACEHOLDERS = re.compile(r"(\{page\}|\{pages\})")
_ID_LISTS = ("aria-labelledby", "aria-describedby")


def anchor(number: int) -> str:
    """The id of the ``number``-th part (from 1), and its PDF destination."""
    return f"part-{number}"


class PackDocument:
    """The pack of ``team`` for ``quarter``, its parts read once."""

    def __init__(
        self,
        parts: Sequence[Part],
        *,
        team: str,
        quarter: str,
        data_as_of: str,
        printed_at: str,
    ) -> None:
        self.parts = list(parts)
        self.heading = team_label(team)
        self.running_title = f"{self.heading} · {formatting.quarter(quarter)}"
        self.facts = [
            (label, value)
            for label, value in (
                (_("Quarter"), formatting.quarter(quarter)),
                (_("Data as of"), display_day(data_as_of)),
                (_("Printed"), display_time(printed_at)),
            )
            if value
        ]
        self.bodies = [
            _part_body(part.page.read_text(encoding="utf-8"), anchor(n))
            for n, part in enumerate(self.parts, 1)
        ]

    def html(self, starts: Sequence[int] | None = None) -> str:
        """The document, its contents giving the page each part ``starts`` on (from 1), or
        blanks of the same width while they are not known."""
        entries = [
            {"anchor": anchor(n), "title": part.title, "page": starts[n - 1] if starts else ""}
            for n, part in enumerate(self.parts, 1)
        ]
        return render_page(
            "pack.html.j2",
            kicker=_("Sales operations reports"),
            heading=self.heading,
            facts=self.facts,
            entries=entries,
            bodies=zip((e["anchor"] for e in entries), self.bodies, strict=True),
            pack_css=_pack_css(),
            margin_css=Markup(_margin_boxes(self.running_title)),
        )


def _part_body(page: str, prefix: str) -> Markup:
    """The body of a report page with every id, and every link and reference to one, prefixed."""
    soup = BeautifulSoup(page, "html.parser")
    body = soup.body or soup
    for element in body.find_all(id=True):
        element["id"] = f"{prefix}-{element['id']}"
    for link in body.find_all("a", href=re.compile("^#")):
        link["href"] = f"#{prefix}-{link['href'][1:]}"
    for name in _ID_LISTS:
        for element in body.find_all(attrs={name: True}):
            element[name] = " ".join(f"{prefix}-{ref}" for ref in element[name].split())
    return Markup(body.decode_contents())  # the page's own rendering, escaped when it was made


def _margin_boxes(running_title: str) -> str:
    """The page's margin boxes: the pack's title at the bottom left, the page label ("Page 3 of
    17", in the reader's language) at the bottom right."""
    label = " ".join(
        {"{page}": "counter(page)", "{pages}": "counter(pages)"}.get(piece) or _css_string(piece)
        for piece in _PLACEHOLDERS.split(_("Page {page} of {pages}"))
        if piece
    )
    return (
        "@page { "
        f"@bottom-left {{ content: {_css_string(running_title)}; }} "
        f"@bottom-right {{ content: {label}; }} "
        "}"
    )


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal that cannot end its string or its ``<style>`` element."""
    escaped = "".join(
        f"\\{ord(ch):x} " if ch in '"\\<>&' or not ch.isprintable() else ch for ch in text
    )
    return f'"{escaped}"'


@cache
def _pack_css() -> Markup:
    return Markup((TEMPLATES / "pages" / "pack.css").read_text(encoding="utf-8"))
