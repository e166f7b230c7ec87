"""The page around every report and the index: a Jinja environment and its template helpers.

Templates live in ``templates/pages``; autoescape is on, so every string from the data is escaped
in one place, and the stylesheet is inlined so that a page loads nothing from anywhere. This module
does not import nbconvert: the quarter's index renders without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from salesops import formatting, i18n
from salesops.i18n import _
from salesops.vocabulary import ALL_TEAMS

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class PageContext:
    """What every page of the run shares: when it was made, the data's as-of date, provenance."""

    generated_at: str
    data_as_of: str
    provenance: dict[str, str]


def team_label(team: str) -> str:
    """The team as a reader sees it: the roll-up (``ALL_TEAMS``) reads "All teams"."""
    return _("All teams") if team == ALL_TEAMS else team


def html_lang() -> str:
    """The active locale's language as an HTML ``lang``: ``en``, ``fr``."""
    return i18n.active_locale().language


def display_time(stamp: str) -> str:
    """An ISO timestamp as a reader takes it in, in UTC to the minute: "2026-10-01 07:30 UTC".

    Anything that is not an ISO timestamp with a time zone is shown as given.
    """
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        return stamp
    moment = moment.astimezone(UTC)
    return _("{day} {time} UTC").format(day=formatting.day(moment.date()), time=f"{moment:%H:%M}")


def display_day(text: str) -> str:
    """An ISO date as the locale writes it ("30 sept. 2026"); anything else as given."""
    try:
        return formatting.day(date.fromisoformat(text))
    except ValueError:
        return text


def relative_href(href: str) -> str:
    """``href`` itself if it links within the reports folder, else ValueError.

    A scheme (``http:``, ``javascript:``) or a host would leave the page or run script.
    """
    parts = urlsplit(href)
    if not href.strip() or parts.scheme or parts.netloc or "\\" in href or href.startswith("//"):
        raise ValueError(f"expected a relative link, got {href!r}")
    return href


def provenance_rows(provenance: Mapping[str, str] | None) -> list[tuple[str, str]]:
    """The footer's provenance as (label, value) rows, keys in the reader's language except that
    snake_case reads as words: ``git_revision`` becomes "Git revision", ``salesops`` stays."""
    rows = []
    for key, value in (provenance or {}).items():
        label = str(key)
        if "_" in label:
            label = label.replace("_", " ")
            label = label[:1].upper() + label[1:]
        rows.append((_(label), str(value)))
    return rows


def render_page(template: str, **context: Any) -> str:
    """Render one of ``templates/pages`` with autoescape on and the stylesheet inlined."""
    return _page_environment().get_template(template).render(**context)


@cache
def _page_environment() -> jinja2.Environment:
    pages = TEMPLATES / "pages"
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(pages),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # the catalogue of whichever locale is active when a page renders
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = html_lang
    env.globals["css"] = Markup((pages / "salesops.css").read_text(encoding="utf-8"))
    return env
