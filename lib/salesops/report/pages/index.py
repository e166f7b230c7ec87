"""The quarter's index page: every team x analysis with its status, headline values and link."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from salesops import formatting, i18n
from salesops.i18n import _, ngettext
from salesops.report.pages.layout import (
    display_day,
    display_time,
    provenance_rows,
    relative_href,
    render_page,
    team_label,
)
from salesops.vocabulary import ALL_TEAMS


@dataclass(frozen=True)
class IndexEntry:
    """One report of the quarter as the index shows it; ``href`` is relative to the index."""

    team: str
    team_slug: str
    analysis: str
    title: str
    status: str
    href: str
    cards: list[dict[str, Any]]
    error: str | None = None
    reused: bool = False


def render_index(
    quarter: str,
    entries: list[IndexEntry],
    previous_quarter_href: str | None,
    generated_at: str,
    data_as_of: str = "",
    provenance: dict[str, str] | None = None,
    packs: Mapping[str, str] | None = None,
) -> str:
    """The self-contained index of a quarter: a row per team ("All teams" first), a column per
    analysis; each cell says ok or failed in words and a mark, shows the first three headline
    values and links to the report (a failed run's page says what failed). A team's row links
    its PDF pack when ``packs`` (team -> link) has one."""
    titles = {entry.analysis: entry.title for entry in entries}
    analyses = list(titles)
    by_team: dict[str, dict[str, IndexEntry]] = {}
    # the roll-up first; sorted() is stable, so the rest keep the given order
    for entry in sorted(entries, key=lambda e: e.team != ALL_TEAMS):
        relative_href(entry.href)  # raises on a link that would leave the reports folder
        by_team.setdefault(entry.team, {})[entry.analysis] = entry
    rows = [
        {
            "label": team_label(team),
            "slug": next(iter(cells.values())).team_slug,
            "pack": relative_href(packs[team]) if packs and team in packs else None,
            "cells": [(_column_label(a, titles[a]), cells.get(a)) for a in analyses],
        }
        for team, cells in by_team.items()
    ]
    facts = [
        (_("Data as of"), display_day(data_as_of)),
        (_("Generated"), display_time(generated_at)),
    ]
    return render_page(
        "quarter.html.j2",
        kicker=_("Sales operations reports"),
        heading=_("Reports for {quarter}").format(quarter=formatting.quarter(quarter)),
        facts=[(label, value) for label, value in facts if value],
        summary=_summary(entries),
        columns=[_column_label(a, titles[a]) for a in analyses],
        rows=rows,
        previous_quarter_href=previous_quarter_href and relative_href(previous_quarter_href),
        provenance=provenance_rows(provenance),
    )


def _column_label(analysis: str, title: str) -> str:
    """``forecast_accuracy`` reads "Forecast accuracy" in English, and its report's title in
    another language."""
    if i18n.active_locale().language != "en" and title:
        return title
    label = analysis.replace("_", " ")
    return label[:1].upper() + label[1:]


def _summary(entries: list[IndexEntry]) -> str:
    """One line a reader takes in at a glance: '16 reports: 15 complete, 1 failed.'"""
    if not entries:
        return _("No reports were run for this quarter.")
    counts = Counter(entry.status for entry in entries)
    rank = {"ok": 0, "failed": 1}
    order = sorted(counts, key=lambda status: (rank.get(status, 2), status))
    words = {
        "ok": _("{n} complete"),
        "failed": _("{n} failed"),
        "interrupted": _("{n} interrupted"),
        "not_started": _("{n} not started"),
    }
    parts = [
        words.get(status, "{n} " + status).format(n=formatting.count(counts[status]))
        for status in order
    ]
    return ngettext("{n} report: {parts}.", "{n} reports: {parts}.", len(entries)).format(
        n=formatting.count(len(entries)), parts=", ".join(parts)
    )
