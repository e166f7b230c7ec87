"""The quarterly business review summary: one page of the quarter's key figures across every
analysis, the changes that matter most, and the page that explains each.

Every figure comes from its analysis's report (``scorecard.gather``), so it equals the same key
in that analysis's JSON. ``summary.json`` carries ``scorecard`` (one entry per figure: analysis,
key, label, value, previous_quarter, last_year, with its format and evidence) and
``highlights`` (the sentences).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.report import QuarterReport
from salesops.analyses.scope import Scope, open_scope
from salesops.analyses.sections import bullet_list, definitions_note
from salesops.analyses.summary import scorecard
from salesops.analyses.summary.highlights import (
    BEYOND_NOISE,
    MATERIAL,
    MOST,
    Highlight,
    choose,
)
from salesops.analyses.summary.scorecard import TITLES, AnalysisFigures, Score
from salesops.i18n import DEFAULT_LOCALE, N_, _, use_locale
from salesops.periods import Quarter
from salesops.present import Card, Text, escape_markdown
from salesops.present.cards import change_text
from salesops.present.tables import ColumnFormat

ANALYSIS = "summary"
# the scorecard's tables: a figure's format -> the format of its changes, and the caption
SCORECARD_TABLES: dict[str, tuple[ColumnFormat, str]] = {
    "money": ("money", N_("Amounts")),
    "percent": ("points", N_("Shares and rates")),
    "days": ("days", N_("Durations")),
    "multiple": ("multiple", N_("Multiples")),
}


def _number(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _difference(now: float | None, then: float | None) -> float:
    return _number(now) - _number(then)


class SummaryReport(QuarterReport):
    """The summary's sections over the analyses' figures. ``reports`` holds each analysis's
    report (its sections and ``data`` are there to explore), ``analyses`` their figures now, a
    quarter ago and a year ago."""

    def __init__(
        self,
        scope: Scope,
        analyses: dict[str, AnalysisFigures],
        reports: dict[str, QuarterReport],
    ) -> None:
        super().__init__(scope)
        self.analyses = analyses
        self.reports = reports

    @cached_property
    def scores(self) -> list[Score]:
        """The scorecard: each key figure now, a quarter ago and a year ago."""
        return scorecard.scores(self.analyses)

    @cached_property
    def highlights(self) -> list[Highlight]:
        """The changes from last quarter that matter most (``summary.highlights.choose``)."""
        return choose(self.scores)

    @property
    def year_ago(self) -> Quarter:
        return self.scope.quarter.previous(scorecard.YEAR)

    def figures(self, quarter: Quarter) -> dict[str, Any]:
        """``scorecard`` and ``highlights`` of the report's quarter (the summary has no other)."""
        if quarter != self.scope.quarter:
            raise ValueError(f"the summary is of {self.scope.quarter.label}, not {quarter.label}")
        return {
            "scorecard": [score.record() for score in self.scores],
            "highlights": self._english_highlights(),
        }

    def _english_highlights(self) -> list[str]:
        """The highlights in English: the JSON is the same whatever the reader's language."""
        with use_locale(DEFAULT_LOCALE):
            return [self._sentence(found) for found in self.highlights]

    def _sentence(self, found: Highlight) -> str:
        return found.sentence(self.scope.previous, self.scope.settings.currency)

    def headline(self) -> present.Headline:
        """A card per key figure ``on_card``, with its change from last quarter; the note gives
        the change from the same quarter last year."""
        prev, currency = formatting.quarter(self.scope.previous), self.scope.settings.currency
        cards = []
        for score in (s for s in self.scores if s.figure.on_card):
            figure = score.figure
            cards.append(
                Card.compare(
                    _(figure.label),
                    score.value,
                    score.previous_quarter,
                    figure.fmt,
                    versus=prev,
                    higher_is_better=figure.higher_is_better,
                    note=self._year_note(score),
                    currency=currency,
                    evidence=score.evidence,
                )
            )
        return present.headline(
            ANALYSIS, self.scope.team, self.scope.quarter.label, self.now, cards
        )

    def _year_note(self, score: Score) -> str | None:
        """The change from the same quarter last year: "+4.1 pts vs Q3 2025"."""
        if score.value is None or score.last_year is None:
            return None
        change = change_text(
            score.figure.fmt,
            float(score.value) - float(score.last_year),
            float(score.last_year),
            self.scope.settings.currency,
        )
        return _("{change} vs {versus}").format(
            change=change, versus=formatting.quarter(self.year_ago)
        )

    def summary(self) -> Text:
        """The changes that matter most, each with a link to the page that explains it."""
        if not self.scores:
            return self._nothing(_("{team}: no key figure could be computed for {quarter}."))
        if not self.highlights:
            return Text(
                _(
                    "No key figure moved beyond noise by {material} or more of its value in "
                    "{quarter}: the scorecard below has every figure."
                ).format(
                    material=formatting.percent(MATERIAL),
                    quarter=self._quarter_text(),
                )
            )
        lines = []
        for found in self.highlights:
            analysis = found.score.figure.analysis
            link = f"[{escape_markdown(_(TITLES[analysis]))}]({analysis}.html)"
            lines.append(f"{escape_markdown(self._sentence(found))} {link}")
        return bullet_list(lines)

    @keeps_data
    def changes(self) -> present.ReportFigure:
        """How far each key figure moved from last quarter, relative to its value, and whether
        that is more than noise."""
        moved = [s for s in self.scores if s.value is not None and s.previous_quarter is not None]
        frame = pd.DataFrame(
            {
                "figure": [_(s.figure.label) for s in moved],
                "relative_change": [self._relative(s) for s in moved],
                "beyond_noise": [s.evidence in BEYOND_NOISE for s in moved],
                "change": [self._change(s, s.previous_quarter) for s in moved],
            },
        )
        title = _("{team}: key figures against {quarter}").format(
            team=self.scope.team_label, quarter=formatting.quarter(self.scope.previous)
        )
        title = title[:1].upper() + title[1:]  # "All teams: ..."
        return present.figure(
            charts.changes(frame, title),
            caption=_(
                "Solid bars moved beyond noise; hatched ones may be chance (a rate within noise) "
                "or have no test (a median). A bar at zero did not move or moved from zero."
            ),
            alt=_("Bar chart of the change of each key figure from last quarter, in percent."),
            frame=frame,
        )

    @staticmethod
    def _relative(score: Score) -> float:
        """The signed change from last quarter relative to its value; NaN from zero."""
        now, before = float(score.value or 0.0), float(score.previous_quarter or 0.0)
        if before == 0:
            return 0.0 if now == 0 else float("nan")
        return (now - before) / abs(before)

    @keeps_data
    def scorecard(self) -> present.Stack:
        """Every key figure now, a quarter ago and a year ago, with the changes and the page
        that explains it: one table per kind of figure (amounts, shares, days, multiples)."""
        labels = {
            "figure": _("Figure"),
            "now": self._quarter_text(),
            "previous": formatting.quarter(self.scope.previous),
            "change": _("Change"),
            "year_ago": formatting.quarter(self.year_ago),
            "year_change": _("Change in a year"),
            "page": _("Explained in"),
        }
        tables = []
        for fmt, (change_fmt, caption) in SCORECARD_TABLES.items():
            rows = [score for score in self.scores if score.figure.fmt == fmt]
            if not rows:
                continue
            frame = pd.DataFrame(
                {
                    "figure": [_(s.figure.label) for s in rows],
                    "now": [_number(s.value) for s in rows],
                    "previous": [_number(s.previous_quarter) for s in rows],
                    "change": [_difference(s.value, s.previous_quarter) for s in rows],
                    "year_ago": [_number(s.last_year) for s in rows],
                    "year_change": [_difference(s.value, s.last_year) for s in rows],
                    "page": [_(TITLES[s.figure.analysis]) for s in rows],
                }
            )
            formats = {column: fmt for column in ("now", "previous", "year_ago")}
            formats |= {"change": change_fmt, "year_change": change_fmt}
            tables.append(self.table(frame, formats, caption=_(caption), labels=labels))
        if not tables:
            return present.stack(self._nothing(_("{team}: no key figure for {quarter}.")))
        return present.stack(*tables)

    def _change(self, score: Score, then: float | None) -> str:
        if score.value is None or then is None:
            return formatting.missing()
        diff = float(score.value) - float(then)
        return change_text(score.figure.fmt, diff, float(then), self.scope.settings.currency)

    def caveats(self) -> Text:
        """How the highlights are chosen, and the figures that could not be computed."""
        shown = {score.figure.analysis for score in self.scores}
        notes = [
            _(
                "Each figure is the one its analysis's page shows, computed by the same code for "
                "the same team and quarter."
            ),
            _(
                "A change is a highlight when it moved the figure by {material} or more of its "
                "previous value and is more than noise: a total of the quarter is what happened; "
                "a rate of counts (win rate, CRM adoption) must pass a two-proportion test at "
                "p < 0.05; a median or an average (time to win) is never a highlight, as no test "
                "backs it here. The largest changes come first, at most {most}."
            ).format(
                material=formatting.percent(MATERIAL),
                most=formatting.count(MOST),
            ),
        ]
        missing = [title for name, title in TITLES.items() if name not in shown]
        if missing:
            notes.append(
                _("No figure of {pages} could be computed from the data.").format(
                    pages=escape_markdown(", ".join(_(title) for title in missing))
                )
            )
        return bullet_list([*notes, definitions_note("quarterly-summary")])


def open_report(
    quarter: str, team: str = "all", source: str = "", preset: str = "", *, locale: str = ""
) -> SummaryReport:
    """The summary for the notebook's parameters (empty source, preset and locale: the org's):
    every scorecard analysis is opened with its notebook's default options."""
    scope = open_scope(quarter, team, source, preset, locale)
    return SummaryReport(scope, *scorecard.gather(quarter, team, source, preset, locale))
