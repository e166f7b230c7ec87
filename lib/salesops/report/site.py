"""The quarter's index page: every team x analysis with its status, headline values and link."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from salesops.report.pages import (
    display_time,
    provenance_rows,
    relative_href,
    render_page,
    team_label,
)


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
) -> str:
    """The self-contained index of a quarter: a row per team ("All teams" first), a column per
    analysis; each cell says ok or failed in words and a mark, shows the first three headline
    values and links to the report (a failed run's page says what failed)."""
    analyses = list(dict.fromkeys(entry.analysis for entry in entries))
    by_team: dict[str, dict[str, IndexEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.team != "all"):  # stable: keeps the given order
        relative_href(entry.href)  # raises on a link that would leave the reports folder
        by_team.setdefault(entry.team, {})[entry.analysis] = entry
    rows = [
        {
            "label": team_label(team),
            "slug": next(iter(cells.values())).team_slug,
            "cells": [(_column_label(a), cells.get(a)) for a in analyses],
        }
        for team, cells in by_team.items()
    ]
    facts = [("Data as of", data_as_of), ("Generated", display_time(generated_at))]
    return render_page(
        "quarter.html.j2",
        kicker="Sales operations reports",
        heading=f"Reports for {quarter}",
        facts=[(label, value) for label, value in facts if value],
        summary=_summary(entries),
        columns=[_column_label(a) for a in analyses],
        rows=rows,
        previous_quarter_href=previous_quarter_href and relative_href(previous_quarter_href),
        provenance=provenance_rows(provenance),
    )


def _column_label(analysis: str) -> str:
    """``forecast_accuracy`` reads "Forecast accuracy"."""
    label = analysis.replace("_", " ")
    return label[:1].upper() + label[1:]


def _summary(entries: list[IndexEntry]) -> str:
    """One line a reader takes in at a glance: '16 reports: 15 complete, 1 failed.'"""
    if not entries:
        return "No reports were run for this quarter."
    counts = Counter(entry.status for entry in entries)
    rank = {"ok": 0, "failed": 1}
    order = sorted(counts, key=lambda status: (rank.get(status, 2), status))
    parts = [f"{counts[status]} {'complete' if status == 'ok' else status}" for status in order]
    noun = "report" if len(entries) == 1 else "reports"
    return f"{len(entries)} {noun}: {', '.join(parts)}."
