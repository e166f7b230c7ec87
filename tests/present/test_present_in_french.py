"""Cards and sentences read in French: words from the catalogue, numbers in the locale."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from salesops import formatting
from salesops.i18n import use_locale
from salesops.present import Card, amount_change_sentence, missing_section, rate_change_sentence


def plain(text: str) -> str:
    """``text`` with the narrow and non-breaking spaces of French as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture(autouse=True)
def _french() -> Iterator[None]:
    with use_locale("fr_FR"):
        yield


def test_a_card_in_french_reads_direction_change_quarter_and_verdict() -> None:
    card = Card.compare("Taux de gain", 0.31, 0.291, versus=formatting.quarter("2026Q2"))
    assert plain(card.to_text()) == "Taux de gain : 31 % (Hausse : +1,9 pt vs T2 2026, mieux)"
    assert "Hausse : +1,9 pt vs T2 2026, mieux</div>" in plain(card.to_html())


def test_cards_in_french_for_money_days_and_no_change() -> None:
    money = Card.compare("Montant gagné", 1_200_000, 1_500_000, "money", currency="EUR")
    assert plain(money.to_text()) == (
        "Montant gagné : 1,2 M€ (Baisse : -300 k€ (-20 %) vs trimestre précédent, moins bien)"
    )
    cycle = Card.compare("Délai", 41, 38, "days", versus="T2 2026", higher_is_better=False)
    assert plain(cycle.change) == "+3 jours vs T2 2026"
    assert plain(Card.compare("Affaires", 1234, 1234.2, "count").to_text()) == (
        "Affaires : 1 234 (Stable : 0 (0 %) vs trimestre précédent)"
    )


def test_a_rate_change_in_french_states_counts_and_the_test() -> None:
    sentence = rate_change_sentence("Taux de gain", 24, 100, 40, 100, "T2 2026", "T3 2026")
    assert plain(sentence) == (
        "Taux de gain : baisse de 40 % (T2 2026) à 24 % (T3 2026), n = 100 vs 100 ; "
        "la variation est statistiquement significative à 95 % (p = 0,015)."
    )
    noise = rate_change_sentence("Taux de gain", 5, 12, 61, 198, "T2 2026", "T3 2026")
    assert plain(noise).endswith(
        "dans le bruit statistique (p = 0,43). "
        "Moins de 20 affaires pour T3 2026 : à lire comme un ordre de grandeur."
    )
    held = rate_change_sentence("Taux de gain", 31, 100, 62, 200)
    assert plain(held).startswith(
        "Taux de gain : stable à 31 % entre le trimestre précédent et ce trimestre (n = 200 vs 100)"
    )
    assert "(p < 0,001)" in plain(rate_change_sentence("Taux", 1, 500, 100, 500))


def test_amounts_and_missing_sections_in_french() -> None:
    sentence = amount_change_sentence(
        "Montant gagné", 1_500_000, 1_200_000, "T2 2026", "T3 2026", currency="EUR"
    )
    assert plain(sentence) == (
        "Montant gagné : hausse de 1,2 M€ (T2 2026) à 1,5 M€ (T3 2026), soit +25 %."
    )
    assert plain(amount_change_sentence("Montant gagné", None, 5)) == (
        "Montant gagné : non disponible pour ce trimestre."
    )
    assert plain(missing_section("Prévisions soumises", "forecast_submissions")) == (
        r"Prévisions soumises : section non affichée, "
        r"faute de table forecast\_submissions dans les données."
    )
