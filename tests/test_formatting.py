from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from salesops import formatting
from salesops.i18n import use_locale

MISSING_VALUES = [None, math.nan, np.nan, pd.NA, pd.NaT, math.inf, -math.inf, "abc"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "$0"),
        (950, "$950"),
        (999.4, "$999"),
        (999.6, "$1k"),
        (1_234, "$1.2k"),
        (9_960, "$10k"),
        (845_000, "$845k"),
        (999_950, "$1M"),
        (1_200_000, "$1.2M"),
        (12_345_678, "$12M"),
        (3_400_000_000, "$3.4B"),
        (-3_400, "-$3.4k"),
        (-0.4, "$0"),
        (np.float64(2_500), "$2.5k"),
        (Decimal("845000"), "$845k"),
    ],
)
def test_money_is_compact_with_one_decimal_below_ten_units(value: object, expected: str) -> None:
    assert formatting.money(value) == expected


def test_numbers_round_as_written_half_to_even() -> None:
    """In binary 1.95 is 1.9499..., 1.85 is 1.8500...09 and 0.295 is 0.2949...: each rounds as
    its decimal reads, ties to the even digit (CLDR's rounding), whatever the binary says."""
    assert formatting.money(1_950) == "$2k"
    assert formatting.money(1_850) == "$1.8k"
    assert formatting.percent(59 / 200) == "30%"
    assert formatting.percent(0.125) == "12%"
    assert formatting.points(0.0105) == "+1.0 pts"
    assert formatting.decimal(2.675, 2) == "2.68"
    assert formatting.multiple(2.25) == "2.2×"


def test_money_uses_the_currency_symbol_or_its_code() -> None:
    assert formatting.money(1_200_000, "EUR") == "€1.2M"
    assert formatting.money(845_000, "gbp") == "£845k"
    assert formatting.money(950, "CHF") == "CHF 950"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, "$0"), (1_234_567.4, "$1,234,567"), (950.5, "$950"), (-12_000, "-$12,000")],
)
def test_money_full_has_thousands_separators_and_no_cents(value: float, expected: str) -> None:
    assert formatting.money_full(value) == expected


@pytest.mark.parametrize(
    ("value", "digits", "signed", "expected"),
    [
        (0.31, 0, False, "31%"),
        (0.3149, 1, False, "31.5%"),
        (1.0, 0, False, "100%"),
        (0.004, 0, False, "0%"),
        (-0.004, 0, False, "0%"),
        (-0.12, 0, False, "-12%"),
        (0.12, 0, True, "+12%"),
        (0.001, 0, True, "0%"),
        (-0.12, 0, True, "-12%"),
    ],
)
def test_percent_of_a_fraction(value: float, digits: int, signed: bool, expected: str) -> None:
    assert formatting.percent(value, digits, signed=signed) == expected


@pytest.mark.parametrize(
    ("diff", "expected"),
    [(0.041, "+4.1 pts"), (-0.07, "-7.0 pts"), (0.0, "0.0 pts"), (-0.0004, "0.0 pts")],
)
def test_points_carry_a_sign_except_at_zero(diff: float, expected: str) -> None:
    assert formatting.points(diff) == expected


def test_points_with_zero_digits() -> None:
    assert formatting.points(0.041, digits=0) == "+4 pts"


def test_count_days_and_multiple() -> None:
    assert formatting.count(1234) == "1,234"
    assert formatting.count(1234.6) == "1,235"
    assert formatting.count(np.int64(0)) == "0"
    assert formatting.days(41.6) == "42 days"
    assert formatting.days(1) == "1 day"
    assert formatting.days(0) == "0 days"
    assert formatting.days(1500) == "1,500 days"
    assert formatting.multiple(2.84) == "2.8×"
    assert formatting.decimal(1.818) == "1.8"
    assert formatting.decimal(1234.56) == "1,234.6"
    assert formatting.decimal(None) == formatting.missing()


@pytest.mark.parametrize("value", MISSING_VALUES)
@pytest.mark.parametrize(
    "formatter",
    [
        formatting.money,
        formatting.money_full,
        formatting.percent,
        formatting.points,
        formatting.count,
        formatting.days,
        formatting.multiple,
    ],
)
def test_missing_values_read_n_a(formatter: object, value: object) -> None:
    assert formatter(value) == "n/a"  # type: ignore[operator]


def test_money_marks_reals_pounds_and_euros_and_other_currencies_by_code() -> None:
    assert formatting.money(10_000_000, "BRL") == "R$10M"
    assert formatting.money_full(1_234, "BRL") == "R$1,234"
    signs = [formatting.currency_sign(code) for code in ("BRL", "eur", "GBP", "CHF")]
    assert signs == ["R$", "€", "£", "CHF"]


def plain(text: str) -> str:
    """``text`` with the narrow and non-breaking spaces of French numbers as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (lambda: formatting.money(1_200_000, "EUR"), "1,2 M€"),
        (lambda: formatting.money(845_000, "EUR"), "845 k€"),
        (lambda: formatting.money(950, "EUR"), "950 €"),
        (lambda: formatting.money(-3_400, "EUR"), "-3,4 k€"),
        (lambda: formatting.money(1_200_000, "USD"), "1,2 M$US"),
        (lambda: formatting.money_full(1_234_567, "EUR"), "1 234 567 €"),
        (lambda: formatting.percent(0.31), "31 %"),
        (lambda: formatting.percent(0.3149, 1), "31,5 %"),
        (lambda: formatting.percent(0.12, signed=True), "+12 %"),
        (lambda: formatting.points(0.019), "+1,9 pt"),
        (lambda: formatting.count(1234), "1 234"),
        (lambda: formatting.days(41.6), "42 jours"),
        (lambda: formatting.days(1), "1 jour"),
        (lambda: formatting.multiple(2.84), "2,8×"),
        (lambda: formatting.decimal(1.818), "1,8"),
        (lambda: formatting.day(date(2026, 9, 30)), "30 sept. 2026"),
        (lambda: formatting.quarter("2026Q3"), "T3 2026"),
        (lambda: formatting.month(date(2026, 1, 1)), "janv. 2026"),
        (lambda: formatting.missing(), "n.d."),
    ],
)
def test_french_numbers_dates_and_quarters(write: Callable[[], str], expected: str) -> None:
    with use_locale("fr_FR"):
        assert plain(write()) == expected


def test_english_keeps_iso_dates_and_quarter_labels() -> None:
    assert formatting.day(date(2026, 9, 30)) == "2026-09-30"
    assert formatting.quarter("2026Q3") == "2026Q3"
    assert formatting.month(date(2026, 1, 1)) == "2026-01"
