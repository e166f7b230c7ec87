"""Numbers as a reader sees them: compact money, percents, points, counts and days.

Every function accepts None, NaN, pandas NA or infinity and returns ``MISSING`` for them, so a gap
in the data reads "n/a" instead of "nan". Percents are fractions (0.31 -> "31%"), no space.
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "n/a"

_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "BRL": "R$",
    "JPY": "¥",
    "CAD": "CA$",
    "AUD": "A$",
}
_UNITS = ("", "k", "M", "B", "T")


def as_number(x: Any) -> float | None:
    """``x`` as a finite float, or None when it is missing, infinite or not a number."""
    if x is None:
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):  # pandas NA refuses float()
        return None
    return value if math.isfinite(value) else None


def currency_sign(currency: str) -> str:
    """How amounts in ``currency`` are marked: $, €, £, R$, ... or else the ISO code itself."""
    return _SYMBOLS.get(currency.upper(), currency.upper())


def _with_currency(amount: str, negative: bool, currency: str) -> str:
    symbol = _SYMBOLS.get(currency.upper())
    body = f"{symbol}{amount}" if symbol else f"{currency.upper()} {amount}"
    return f"-{body}" if negative else body


def _compact(value: float) -> str:
    """1234 -> "1.2k", 845_000 -> "845k", 950 -> "950": one decimal below 10 units, none above."""
    scaled, unit = abs(value), 0
    while unit < len(_UNITS) - 1:
        digits = 1 if unit and scaled < 10 else 0
        if round(scaled, digits) < 1000:
            break
        scaled, unit = scaled / 1000, unit + 1
    digits = 1 if unit and scaled < 10 else 0
    text = f"{scaled:.{digits}f}"
    if text.endswith(".0"):
        text = text[:-2]
    return text + _UNITS[unit]


def money(x: Any, currency: str = "USD") -> str:
    """Compact amount for cards and axes: "$1.2M", "$845k", "$950", "-$3.4k"."""
    value = as_number(x)
    if value is None:
        return MISSING
    return _with_currency(_compact(value), value < 0 and round(value) != 0, currency)


def money_full(x: Any, currency: str = "USD") -> str:
    """Whole amount with thousands separators for tables: "$1,234,568"."""
    value = as_number(x)
    if value is None:
        return MISSING
    rounded = round(value)
    return _with_currency(f"{abs(rounded):,}", rounded < 0, currency)


def percent(x: Any, digits: int = 0, signed: bool = False) -> str:
    """A fraction as a percent: 0.31 -> "31%"; digits=1 -> "31.0%"; signed -> "+31%"."""
    value = as_number(x)
    if value is None:
        return MISSING
    text = f"{value * 100:.{digits}f}"
    if float(text) == 0:
        return f"{text.lstrip('-')}%"
    return f"+{text}%" if signed and value > 0 else f"{text}%"


def points(diff: Any, digits: int = 1) -> str:
    """A difference of two fractions in percentage points: 0.041 -> "+4.1 pts", 0 -> "0.0 pts"."""
    value = as_number(diff)
    if value is None:
        return MISSING
    text = f"{abs(value) * 100:.{digits}f}"
    sign = "" if float(text) == 0 else ("+" if value > 0 else "-")
    return f"{sign}{text} pts"


def count(n: Any) -> str:
    """A whole number with thousands separators: 1234 -> "1,234"."""
    value = as_number(n)
    return MISSING if value is None else f"{round(value):,}"


def days(x: Any) -> str:
    """A duration in whole days: 41.6 -> "42 days", 1 -> "1 day"."""
    value = as_number(x)
    if value is None:
        return MISSING
    whole = round(value)
    return f"{whole:,} day" if abs(whole) == 1 else f"{whole:,} days"


def multiple(x: Any, digits: int = 1) -> str:
    """A ratio as a multiple, e.g. pipeline coverage: 2.84 -> "2.8×"."""
    value = as_number(x)
    return MISSING if value is None else f"{value:.{digits}f}×"
