"""The forecast-accuracy and quota reports read in French: their words, numbers and quarters."""

from __future__ import annotations

from pathlib import Path

from salesops.analyses import forecast_accuracy, quota
from salesops.present import Stack, Table

NOTEBOOKS = Path(__file__).parents[2] / "notebooks"


def plain(text: str) -> str:
    """``text`` with the narrow and non-breaking spaces of French numbers as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def table_of(section: Stack) -> Table:
    return next(part for part in section.parts if isinstance(part, Table))


def test_the_forecast_report_reads_in_french(demo_source: str) -> None:
    report = forecast_accuracy.open_report("2026Q3", "all", demo_source, locale="fr_FR")
    labels = [card.label for card in report.headline().cards]
    assert labels[:2] == ["Montant gagné (réalisé)", "Précision du commit, semaine 7"]
    summary = plain(report.summary().markdown)
    assert "En semaine 7, la prévision commit (soumise) représentait 107 %" in summary
    assert "couverture insuffisante" in summary
    by_quarter = report.by_quarter()
    assert by_quarter.columns[:2] == ("Trimestre", "Commercial-trimestres")
    assert [row[0] for row in by_quarter.rows] == ["T4 2025", "T1 2026", "T2 2026", "T3 2026"]
    assert plain(by_quarter.rows[0][2]) == "6 986 200 $US"
    coverage = report.coverage()
    assert table_of(coverage).rows[0][0] == "Toutes les équipes"
    assert "au 1 juil. 2026" in coverage.parts[0].caption
    assert "Précision = 1 - |F - A| / A ;" in plain(report.caveats().markdown)


def test_the_quota_report_reads_in_french(demo_source: str) -> None:
    report = quota.open_report("2026Q3", "Enterprise West", demo_source, locale="fr_FR")
    notes = [card.note for card in report.headline().cards]
    assert "2 sur 7 commerciaux avec quota" in notes and "quota non atteint" in notes
    summary = plain(report.summary().markdown)
    assert summary.startswith("Enterprise West a atteint 68 % du quota (1,1 M$US gagnés")
    bands = table_of(report.distribution())
    assert bands.columns == ("Atteinte", "Commerciaux", "Part")
    assert [plain(row[0]) for row in bands.rows] == [
        "moins de 50 %",
        "50-75 %",
        "75-100 %",
        "100-125 %",
        "125 % et plus",
    ]
    tenure = table_of(report.tenure())
    assert tenure.rows[-1][0] == "24 mois et plus"
    assert "(2 sur 7) : 53 % du montant gagné" in plain(report.concentration_and_gap().markdown)
    assert "Seulement 7 commerciaux ont un quota" in report.caveats().markdown
