"""Numbers, dates and quarters as a reader sees them, in the active locale.

Every function accepts None, NaN, pandas NA or infinity and returns ``missing()`` for them, so a
gap in the data reads "n/a" instead of "nan". Percents are fractions (0.31 -> "31%").

The locale (``salesops.i18n``) gives the separators, where the currency sign goes, the units of
compact amounts and the quarter's name: en_US reads "$1.2M", "1,234", "31%", "2026Q3" and ISO
dates; fr_FR "1,2 M€", "1 234", "31 %", "T3 2026" and "30 sept. 2026". English keeps a lower-case
"k" for thousands and the ``2026Q3`` labels the command line takes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_skeleton

from salesops.errors import ParamsError
from salesops.i18n import _, active_locale, ngettext
from salesops.periods import Quarter

_POWERS = (1_000, 1_000_000, 1_000_000_000, 1_000_000_000_000)
_COMPACT = re.compile(r"^0([\s\u00a0\u202f]?)([^0#]+)$")  # "0K", "0\xa0M", "0\xa0Mrd'.'"


def exact(value: float) -> Decimal:
    """``value`` as the shortest decimal that reads back as it, so that it rounds as written:
    $1,950 in thousands is 1.95, which shows as 2.0, where the binary 1.9499999... shows 1.9."""
    return Decimal(repr(float(value)))


@dataclass(frozen=True)
class NumberStyle:
    """How one locale writes numbers: separators, percent and currency patterns, compact units."""

    decimal: str
    group: str
    percent_suffix: str  # "%" or "\xa0%"
    currency_prefix: bool  # "$1" (True) or "1 €" (False)
    currency_space: str  # between the sign and the number: "" or "\xa0"
    units: tuple[tuple[int, str, str], ...]  # (power, space before the unit, unit)
    english: bool

    def number(self, value: float | Decimal, digits: int = 0, grouped: bool = True) -> str:
        """``abs(value)`` with ``digits`` decimals (``exact``, half to even), and thousands
        grouped unless told not to."""
        grouping = "," if grouped else ""
        written = value if isinstance(value, Decimal) else exact(value)
        whole, _dot, fraction = f"{abs(written):{grouping}.{digits}f}".partition(".")
        whole = whole.replace(",", self.group)
        return f"{whole}{self.decimal}{fraction}" if fraction else whole


@cache
def _style(locale: Locale) -> NumberStyle:
    symbols = locale.number_symbols["latn"]
    percent = locale.percent_formats[None].pattern
    currency = locale.currency_formats["standard"].pattern.split(";")[0]
    prefix = currency.index("¤") < currency.index("0")
    between = currency[currency.index("¤") + 1] if prefix else currency[currency.index("¤") - 1]
    units = []
    for power in _POWERS:
        pattern = locale.compact_decimal_formats["short"]["other"].get(str(power))
        match = _COMPACT.match(pattern.pattern.replace("'", "")) if pattern else None
        if match:
            unit = "k" if locale.language == "en" and power == 1_000 else match.group(2)
            units.append((power, match.group(1), unit))
    return NumberStyle(
        decimal=symbols["decimal"],
        group=symbols["group"],
        percent_suffix=percent[percent.rindex("0") + 1 :].replace("#", "") or "%",
        currency_prefix=prefix,
        currency_space="" if between.isdigit() or between in "#,." else between,
        units=tuple(units),
        english=locale.language == "en",
    )


def style() -> NumberStyle:
    """The active locale's number style."""
    return _style(active_locale())


def missing() -> str:
    """What a gap in the data reads: "n/a"."""
    return _("n/a")


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
    """How amounts in ``currency`` are marked here: $, €, £, R$, $US ... or the ISO code itself."""
    code = currency.upper()
    return active_locale().currency_symbols.get(code, code)


def _with_currency(amount: str, negative: bool, currency: str, compact: bool) -> str:
    s, sign = style(), currency_sign(currency)
    if s.currency_prefix:
        space = " " if sign[-1:].isalpha() and not s.currency_space else s.currency_space
        body = f"{sign}{space}{amount}"
    else:
        # "1,2 M€", but "950 €", "1,2 Mio. €" and "1,5 Md CHF"
        attached = compact and amount[-1:].isalpha() and not sign[:1].isalpha()
        space = "" if attached else (s.currency_space or "\u00a0")
        body = f"{amount}{space}{sign}"
    return f"-{body}" if negative else body


def _compact(value: float) -> str:
    """1234 -> "1.2k", 845_000 -> "845k", 950 -> "950": one decimal below 10 units, none above."""
    s = style()
    scales = [(1, "", ""), *s.units]
    scaled, step = abs(value), 0
    while step < len(scales) - 1:
        digits = 1 if step and scaled < 10 else 0
        ratio = scales[step + 1][0] // scales[step][0]
        if round(scaled, digits) < ratio:
            break
        scaled, step = scaled / ratio, step + 1
    digits = 1 if step and scaled < 10 else 0
    text = s.number(scaled, digits)
    if text.endswith(f"{s.decimal}0"):
        text = text[: -1 - len(s.decimal)]
    _power, space, unit = scales[step]
    return f"{text}{space}{unit}"


def money(x: Any, currency: str = "USD") -> str:
    """Compact amount for cards and axes: "$1.2M", "$845k", "$950", "-$3.4k"; "1,2 M€"."""
    value = as_number(x)
    if value is None:
        return missing()
    return _with_currency(_compact(value), value < 0 and round(value) != 0, currency, True)


def money_full(x: Any, currency: str = "USD") -> str:
    """Whole amount with thousands separators for tables: "$1,234,568"; "1 234 568 €"."""
    value = as_number(x)
    if value is None:
        return missing()
    rounded = round(value)
    return _with_currency(style().number(rounded), rounded < 0, currency, False)


def _signed(text: str, value: float, signed: bool) -> str:
    if all(c in "0.,\u202f\u00a0" for c in text.rstrip("%")):
        return text
    if value < 0:
        return f"-{text}"
    return f"+{text}" if signed else text


def percent(x: Any, digits: int = 0, signed: bool = False) -> str:
    """A fraction as a percent: 0.31 -> "31%"; digits=1 -> "31.0%"; signed -> "+31%"; "31 %"."""
    value = as_number(x)
    if value is None:
        return missing()
    s = style()
    number = s.number(exact(value) * 100, digits, grouped=False)  # ungrouped, as English pages
    return _signed(number + s.percent_suffix, value, signed)


def points(diff: Any, digits: int = 1) -> str:
    """A difference of two fractions in percentage points: 0.041 -> "+4.1 pts", 0 -> "0.0 pts"."""
    value = as_number(diff)
    if value is None:
        return missing()
    number = _signed(style().number(exact(value) * 100, digits), value, True)
    return _("{points} pts").format(points=number)


def count(n: Any) -> str:
    """A whole number with thousands separators: 1234 -> "1,234"; "1 234"."""
    value = as_number(n)
    if value is None:
        return missing()
    return _signed(style().number(round(value)), round(value), False)


def decimal(x: Any, digits: int = 1) -> str:
    """A number with ``digits`` decimals, e.g. pushes per deal: 1.818 -> "1.8"; "1,8"."""
    value = as_number(x)
    if value is None:
        return missing()
    return _signed(style().number(value, digits), value, False)


def ratio(x: Any) -> str:
    """A ratio read to the hundredth, e.g. the magic number: 0.754 -> "0.75"; "0,75"."""
    return decimal(x, 2)


def days(x: Any) -> str:
    """A duration in whole days: 41.6 -> "42 days", 1 -> "1 day"."""
    value = as_number(x)
    if value is None:
        return missing()
    whole = round(value)
    text = _signed(style().number(whole), whole, False)
    return ngettext("{n} day", "{n} days", abs(whole)).format(n=text)


def multiple(x: Any, digits: int = 1) -> str:
    """A ratio as a multiple, e.g. pipeline coverage: 2.84 -> "2.8×"."""
    value = as_number(x)
    if value is None:
        return missing()
    return _signed(style().number(value, digits), value, False) + "×"


def day(value: date) -> str:
    """A date: ISO ``2026-09-30`` in English, the medium date of the locale elsewhere."""
    locale = active_locale()
    return value.isoformat() if locale.language == "en" else format_date(value, "medium", locale)


def month(value: date) -> str:
    """A month: ``2026-01`` in English, the short month and year of the locale elsewhere."""
    locale = active_locale()
    if locale.language == "en":
        return f"{value:%Y-%m}"
    return format_skeleton("yMMM", value, locale=locale)


def quarter(q: Quarter | str) -> str:
    """A quarter as a reader names it: "2026Q3" in English, "T3 2026" in French; anything that is
    not a quarter label as given."""
    try:
        parsed = q if isinstance(q, Quarter) else Quarter.parse(str(q))
    except ParamsError:
        return str(q)
    locale = active_locale()
    if locale.language == "en":
        return parsed.label
    return f"{locale.quarters['format']['abbreviated'][parsed.number]} {parsed.year}"
