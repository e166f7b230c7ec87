"""The quarter's key figures across the analyses, each now, a quarter ago and a year ago.

A figure's value is the analysis's own: its report's ``figures(quarter)``, the function that
writes the same key into ``<analysis>.json``. Nothing is read back from rendered pages.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from salesops.analyses.report import QuarterReport
from salesops.analyses.sections import share_evidence
from salesops.i18n import N_
from salesops.metrics import MissingTableError
from salesops.present.cards import Evidence, Format

YEAR = 4  # quarters back to the same quarter last year


@dataclass(frozen=True)
class KeyFigure:
    """One figure of the scorecard: ``key`` in the JSON of ``analysis``, shown as ``label``.

    ``evidence`` says whether a change is more than noise (``present.cards.Evidence``): "record"
    for a total or ratio of totals of the quarter; "rate" for a share of counts, tested against
    its denominator ``counts``; "untested" for a median or an average of a sample. The
    headline shows a card for each figure ``on_card`` (the scorecard table shows them all).
    """

    analysis: str
    key: str
    label: str  # msgid
    fmt: Format
    higher_is_better: bool = True
    evidence: str = "record"
    counts: str | None = None
    on_card: bool = True


KEY_FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure("quota", "bookings_total", N_("Bookings"), "money"),
    KeyFigure("quota", "team_attainment", N_("Bookings against quota"), "percent"),
    KeyFigure(
        "funnel", "win_rate", N_("Win rate"), "percent", evidence="rate", counts="closed_deals"
    ),
    KeyFigure(
        "funnel",
        "median_cycle_days",
        N_("Median time to win"),
        "days",
        higher_is_better=False,
        evidence="untested",
        on_card=False,
    ),
    KeyFigure(
        "forecast_accuracy", "accuracy_at_week", N_("Forecast accuracy at mid-quarter"), "percent"
    ),
    KeyFigure("quota", "next_quarter_coverage", N_("Next quarter's coverage"), "multiple"),
    KeyFigure(
        "pipeline",
        "slipped_share",
        N_("Start pipeline slipped"),
        "percent",
        higher_is_better=False,
        on_card=False,
    ),
    KeyFigure(
        "efficiency",
        "crm_adoption",
        N_("CRM adoption"),
        "percent",
        evidence="rate",
        counts="active_reps",
        on_card=False,
    ),
    KeyFigure(
        "unit_economics",
        "cac",
        N_("Acquisition cost (CAC)"),
        "money",
        higher_is_better=False,
        on_card=False,
    ),
    KeyFigure("unit_economics", "nrr", N_("Net revenue retention"), "percent"),
)

TITLES = {  # each analysis's page title, as its notebook's heading says it
    "quota": N_("Quota attainment"),
    "funnel": N_("Funnel"),
    "forecast_accuracy": N_("Forecast accuracy"),
    "pipeline": N_("Pipeline review"),
    "efficiency": N_("Sales efficiency"),
    "unit_economics": N_("Unit economics"),
}


@dataclass(frozen=True)
class Score:
    """A key figure now, a quarter ago and a year ago (None where the data has none), and how
    far its changes are known to be more than noise."""

    figure: KeyFigure
    value: float | None
    previous_quarter: float | None
    last_year: float | None
    evidence: Evidence  # of the change from the previous quarter
    evidence_year: Evidence  # of the change from the same quarter last year

    def record(self) -> dict[str, Any]:
        """The scorecard entry of ``summary.json``."""
        return {
            "analysis": self.figure.analysis,
            "key": self.figure.key,
            "label": self.figure.label,  # the JSON is locale-free: the English label
            "value": self.value,
            "previous_quarter": self.previous_quarter,
            "last_year": self.last_year,
            "format": self.figure.fmt,
            "higher_is_better": self.figure.higher_is_better,
            "evidence": self.evidence,
            "evidence_last_year": self.evidence_year,
            "page": f"{self.figure.analysis}.html",
        }


@dataclass(frozen=True)
class AnalysisFigures:
    """One analysis's scorecard figures for the quarter, the one before and a year before."""

    now: Mapping[str, Any]
    previous_quarter: Mapping[str, Any] | None
    last_year: Mapping[str, Any] | None


def open_analysis(
    analysis: str, quarter: str, team: str, source: str, preset: str, locale: str
) -> QuarterReport:
    """The report of ``analysis`` with its notebook's default options."""
    module = importlib.import_module(f"salesops.analyses.{analysis}")
    return module.open_report(quarter, team, source, preset, locale=locale)


def figure_keys(analysis: str) -> tuple[str, ...]:
    """The keys of ``analysis``'s JSON that the scorecard reads: its figures and their counts."""
    keys = (k for f in KEY_FIGURES if f.analysis == analysis for k in (f.key, f.counts) if k)
    return tuple(dict.fromkeys(keys))


def analysis_figures(analysis: str, report: QuarterReport) -> AnalysisFigures:
    """``report``'s scorecard figures now, a quarter ago and a year ago, as far back as the data
    goes: its own ``figures``, computed for those keys only (``QuarterReport.figures_of``)."""
    scope, keys = report.scope, figure_keys(analysis)
    first = scope.crm.first_quarter(scope.settings.fiscal_year_start_month)
    year_ago = scope.quarter.previous(YEAR)
    return AnalysisFigures(
        report.figures_of(scope.quarter, keys),
        report.figures_of(scope.previous, keys) if scope.has_previous else None,
        report.figures_of(year_ago, keys) if year_ago >= first else None,
    )


def _evidence(
    figure: KeyFigure, now: Mapping[str, Any], then: Mapping[str, Any] | None
) -> Evidence:
    if figure.evidence == "rate" and figure.counts:
        return share_evidence(now, then, figure.key, figure.counts)
    return "record" if figure.evidence == "record" else "untested"


def scores(figures: Mapping[str, AnalysisFigures]) -> list[Score]:
    """The scorecard, in ``KEY_FIGURES`` order, of the analyses in ``figures``; a figure with no
    value in any of the three quarters is left out."""
    rows = []
    for figure in KEY_FIGURES:
        found = figures.get(figure.analysis)
        if found is None:
            continue
        values = [
            None if record is None else record.get(figure.key)
            for record in (found.now, found.previous_quarter, found.last_year)
        ]
        if all(value is None for value in values):
            continue
        rows.append(
            Score(
                figure,
                *values,
                evidence=_evidence(figure, found.now, found.previous_quarter),
                evidence_year=_evidence(figure, found.now, found.last_year),
            )
        )
    return rows


def gather(
    quarter: str, team: str, source: str, preset: str, locale: str
) -> tuple[dict[str, AnalysisFigures], dict[str, QuarterReport]]:
    """Every scorecard analysis's figures for the quarter, and its report; an analysis whose
    data is missing altogether is left out."""
    figures, reports = {}, {}
    for analysis in dict.fromkeys(figure.analysis for figure in KEY_FIGURES):
        with contextlib.suppress(MissingTableError):
            report = open_analysis(analysis, quarter, team, source, preset, locale)
            figures[analysis] = analysis_figures(analysis, report)
            reports[analysis] = report
    return figures, reports
