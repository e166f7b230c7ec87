from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from salesops.present import Card, headline, json_safe
from salesops.vocabulary import HEADLINE_MIMETYPE


def test_compare_percent_changes_in_points_and_judges_direction() -> None:
    card = Card.compare("Win rate", 0.24, 0.31, "percent", versus="2026Q2", note="n=212")
    assert card == Card("Win rate", "24%", "-7.0 pts vs 2026Q2", "down", False, "n=212")


def test_compare_money_gives_the_amount_and_relative_change() -> None:
    card = Card.compare("Won", 1_500_000, 1_200_000, "money", versus="2026Q2")
    assert (card.value, card.change) == ("$1.5M", "+$300k (+25%) vs 2026Q2")
    assert (card.direction, card.good) == ("up", True)


def test_compare_where_lower_is_better_calls_a_rise_bad() -> None:
    card = Card.compare("Cycle", 41, 38, "days", versus="2026Q2", higher_is_better=False)
    assert (card.value, card.change, card.direction, card.good) == (
        "41 days",
        "+3 days vs 2026Q2",
        "up",
        False,
    )


def test_compare_with_no_visible_change_is_flat_and_neither_good_nor_bad() -> None:
    card = Card.compare("Deals", 1234, 1234.2, "count")
    assert (card.change, card.direction, card.good) == ("0 (0%) vs last quarter", "flat", None)
    assert Card.compare("Rate", 0.3100, 0.3104).direction == "flat"


@pytest.mark.parametrize("previous", [None, math.nan, pd.NA])
def test_compare_without_a_previous_value_shows_no_change(previous: object) -> None:
    card = Card.compare("Win rate", 0.24, previous)  # type: ignore[arg-type]
    assert card == Card("Win rate", "24%")


def test_compare_decimal_changes_by_a_tenth_and_the_relative_change() -> None:
    # 12.5 touches against 10: +2.5, which is +25 % of 10
    card = Card.compare("Touches", 12.5, 10, "decimal", versus="2026Q2")
    assert (card.value, card.change, card.good) == ("12.5", "+2.5 (+25%) vs 2026Q2", True)
    assert Card.compare("Touches", 12.52, 12.5, "decimal").direction == "flat"  # +0.02 shows 0.0


def test_compare_from_zero_gives_the_amount_only() -> None:
    assert Card.compare("Won", 5_000, 0, "money").change == "+$5k vs last quarter"


def test_a_change_within_noise_is_neutral_and_says_so_in_words() -> None:
    # the funnel's case: +1.9 points of win rate that a two-proportion test puts at p = 0.69
    card = Card.compare("Win rate", 0.295, 0.276, versus="2026Q2", evidence="within_noise")
    assert (card.direction, card.good, card.evidence) == ("up", None, "within_noise")
    assert card.to_text() == "Win rate: 30% (Up: +1.9 pts vs 2026Q2, within noise)"
    assert "so-neutral" in card.to_html() and "better" not in card.to_html()


def test_an_untested_change_gets_no_verdict_and_a_tested_one_does() -> None:
    untested = Card.compare(
        "Time to win", 41, 38, "days", higher_is_better=False, evidence="untested"
    )
    assert (untested.good, untested.to_text()) == (
        None,
        "Time to win: 41 days (Up: +3 days vs last quarter)",
    )
    tested = Card.compare("Win rate", 0.40, 0.20, evidence="significant")
    assert (tested.good, tested.to_text()) == (
        True,
        "Win rate: 40% (Up: +20.0 pts vs last quarter, better)",
    )
    assert Card.compare("Win rate", 0.20, 0.20, evidence="within_noise").to_text() == (
        "Win rate: 20% (No change: 0.0 pts vs last quarter)"
    )


def test_card_rejects_an_unknown_direction() -> None:
    with pytest.raises(ValueError, match="direction"):
        Card("Win rate", "24%", direction="sideways")  # type: ignore[arg-type]


CARDS = [
    Card.compare("Win rate", 0.24, 0.31, versus="2026Q2", note="n=212"),
    Card.compare("Won amount", 1_500_000, 1_200_000, "money", versus="2026Q2"),
    Card("Open pipeline", "$4.2M"),
]
METRICS = {
    "closed_deals": np.int64(212),
    "win_rate": np.float64(0.24),
    "median_cycle_days": math.nan,
    "stage_conversion": {"Qualify": 0.6, "Won": np.nan},
    "as_of": pd.Timestamp("2026-09-30"),
}


def test_headline_mimebundle_has_html_text_and_the_headline_record() -> None:
    bundle = headline("funnel", "EMEA", "2026Q3", METRICS, CARDS)._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", HEADLINE_MIMETYPE}
    assert bundle["text/plain"].splitlines()[1] == (
        "  Win rate: 24% (Down: -7.0 pts vs 2026Q2, worse) [n=212]"
    )


def test_headline_record_round_trips_through_json_with_nan_as_null() -> None:
    record = headline("funnel", "EMEA", "2026Q3", METRICS, CARDS)._repr_mimebundle_()[
        HEADLINE_MIMETYPE
    ]
    assert json.loads(json.dumps(record, allow_nan=False)) == {
        "analysis": "funnel",
        "team": "EMEA",
        "quarter": "2026Q3",
        "metrics": {
            "closed_deals": 212,
            "win_rate": 0.24,
            "median_cycle_days": None,
            "stage_conversion": {"Qualify": 0.6, "Won": None},
            "as_of": "2026-09-30T00:00:00",
        },
        "cards": [
            {
                "label": "Win rate",
                "value": "24%",
                "change": "-7.0 pts vs 2026Q2",
                "direction": "down",
                "good": False,
                "note": "n=212",
                "evidence": "record",
            },
            {
                "label": "Won amount",
                "value": "$1.5M",
                "change": "+$300k (+25%) vs 2026Q2",
                "direction": "up",
                "good": True,
                "note": None,
                "evidence": "record",
            },
            {
                "label": "Open pipeline",
                "value": "$4.2M",
                "change": None,
                "direction": None,
                "good": None,
                "note": None,
                "evidence": "record",
            },
        ],
    }


def test_json_safe_turns_numpy_pandas_and_odd_keys_into_json() -> None:
    value = {
        1: np.array([1.0, np.nan]),
        "week": pd.Series([np.int64(3)]),
        "when": np.datetime64("2026-01-02"),
        "missing": [pd.NA, pd.NaT, np.float64(np.inf)],
        "flag": np.bool_(True),
    }
    assert json_safe(value) == {
        "1": [1.0, None],
        "week": [3],
        "when": "2026-01-02T00:00:00",
        "missing": [None, None, None],
        "flag": True,
    }


def test_headline_html_is_a_row_of_cards_with_scoped_style() -> None:
    markup = headline("funnel", "EMEA", "2026Q3", METRICS, CARDS)._repr_html_()
    assert markup.count('<div class="so-cards">') == 1
    assert markup.count('<div class="so-card">') == 3
    style = re.search(r"<style>(.*?)</style>", markup, re.S).group(1)
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{", style) for s in rule.split(",")]
    assert selectors and all(s.startswith(".so-") for s in selectors)


def test_card_change_is_told_by_arrow_and_words_not_colour_alone() -> None:
    markup = CARDS[0].to_html()
    assert "▼" in markup
    assert "Down: -7.0 pts vs 2026Q2, worse" in markup
    assert 'class="so-change so-bad"' in markup
    assert "so-change" not in CARDS[2].to_html()


def test_every_card_string_is_escaped(hostile: str, assert_inert) -> None:
    card = Card(hostile, hostile, hostile, "up", True, hostile)
    markup = headline("funnel", hostile, hostile, {hostile: hostile}, [card])._repr_html_()
    assert_inert(markup)
    assert markup.count(hostile.replace("<", "&lt;").replace(">", "&gt;")) == 4
