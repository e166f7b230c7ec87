"""The funnel and cohort reports read in French: their words, numbers, quarters and notebooks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from salesops.analyses import cohort, funnel
from salesops.present import ReportFigure, Stack, Table, Text

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"


def plain(text: str) -> str:
    """``text`` with the narrow and non-breaking spaces of French as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def table_of(section: Stack) -> Table:
    return next(part for part in section.parts if isinstance(part, Table))


def caption_of(section: Stack | ReportFigure) -> str:
    figure = section if isinstance(section, ReportFigure) else section.parts[0]
    return plain(figure.caption)


def test_the_funnel_report_reads_in_french(demo_source: str) -> None:
    report = funnel.open_report("2026Q3", "all", demo_source, locale="fr_FR")
    cards = report.headline().cards
    assert [card.label for card in cards[:2]] == ["Taux de gain", "Montant gagné"]
    assert plain(cards[0].note or "") == "n = 662 clôturées"
    assert cards[1].note == "204 affaires gagnées" and cards[4].note == "sous 90 jours"
    summary = plain(report.summary().markdown)
    assert summary.startswith("Taux de gain") and "31 %" in summary and "T2 2026" in summary
    assert "Montant gagné" in summary and "6,2 M" in summary
    reach = report.stage_conversion()
    assert table_of(reach).columns[:3] == ("Étape", "Arrivées", "Sautées")
    assert caption_of(reach).startswith("Affaires créées en T3 2026, selon l'étape atteinte ;")
    assert caption_of(report.time_to_close()).startswith("1 101 affaires créées depuis T4 2025 :")
    assert report.time_in_stage().rows[0][2] == "6 jours"
    by_team = report.breakdown()
    assert table_of(by_team).columns[0] == "Équipe"
    assert plain(table_of(by_team).rows[0][4]) == "2 456 400 $US"
    assert caption_of(by_team).startswith("Affaires clôturées en T3 2026 par équipe ;")
    assert "Vélocité commerciale = affaires ouvertes à l'étape Qualification ou au-delà" in (
        report.caveats().markdown
    )


def test_the_cohort_report_reads_in_french(demo_source: str) -> None:
    report = cohort.open_report("2026Q3", "all", demo_source, locale="fr_FR")
    cards = report.headline().cards
    assert cards[0].label == "Affaires gagnées sous 3 mois"
    assert plain(cards[0].change or "") == "+2,0 pt vs cohorte T1 2026"
    assert plain(cards[1].note or "") == "créées en T2 2026, n = 2 369"
    summary = plain(report.summary().markdown)
    assert summary.startswith("Part des affaires gagnées dans les 3 mois suivant leur création")
    assert "21 %" in summary and "la cohorte T1 2026" in summary and "sous 90 jours" in summary
    ramp = table_of(report.rep_ramp())
    assert ramp.columns[:2] == ("Trimestre d'embauche", "Commerciaux")
    assert [row[0] for row in ramp.rows[:2]] == ["T4 2024", "T1 2025"]
    leads = table_of(report.lead_cohorts())
    assert leads.columns == (
        "Cohorte",
        "Pistes",
        "Sous 30 jours",
        "Sous 90 jours",
        "Sous 180 jours",
    )
    assert "Les cohortes sont censurées à droite :" in plain(report.caveats().markdown)


def drop(*names: str) -> Callable[[dict[str, pd.DataFrame]], dict[str, pd.DataFrame]]:
    def change(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        return {name: frame for name, frame in tables.items() if name not in names}

    return change


def test_a_missing_table_is_said_in_french(variant: Callable[..., str]) -> None:
    source = variant(drop("leads", "stage_history"))
    report = cohort.open_report("2026Q3", "all", source, locale="fr_FR")
    section = report.lead_cohorts()
    assert isinstance(section, Text)
    assert "Cohortes de pistes : nécessite la table leads, absente de cette source." in plain(
        section._repr_html_()
    )
    caveats = plain(funnel.open_report("2026Q3", "all", source, locale="fr_FR").caveats().markdown)
    assert "Sans table leads dans les données, le rapport ne montre pas la conversion" in caveats
