"""Fiscal quarters: parse labels like ``2026Q3``, their dates, weeks, and neighbours.

A fiscal year is named after the calendar year in which it ends (with the default January start
the two coincide). Quarter ``end`` is exclusive: the first day of the next quarter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from salesops.errors import ParamsError

_LABEL = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
MIN_YEAR, MAX_YEAR = 1990, 2100


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


@dataclass(frozen=True, order=True)
class Quarter:
    """A fiscal quarter such as ``Quarter(2026, 3)``; ``start_month`` opens the fiscal year."""

    year: int
    number: int
    start_month: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ParamsError(f"quarter number must be 1 to 4, got {self.number}")
        if not 1 <= self.start_month <= 12:
            raise ParamsError(f"fiscal year start month must be 1 to 12, got {self.start_month}")
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ParamsError(f"quarter year {self.year} is out of range {MIN_YEAR}-{MAX_YEAR}")

    @classmethod
    def parse(cls, label: str, start_month: int = 1) -> Quarter:
        """Parse ``2026Q3`` (also ``2026-Q3``, ``2026q3``)."""
        match = _LABEL.match(str(label))
        if not match:
            raise ParamsError(f"quarter {label!r} is not a label like 2026Q3")
        return cls(int(match.group(1)), int(match.group(2)), start_month)

    @classmethod
    def containing(cls, day: date, start_month: int = 1) -> Quarter:
        """The fiscal quarter that contains ``day``."""
        months_into_year = (day.month - start_month) % 12
        fiscal_start_year = day.year if day.month >= start_month else day.year - 1
        fiscal_year = fiscal_start_year + (1 if start_month != 1 else 0)
        return cls(fiscal_year, months_into_year // 3 + 1, start_month)

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    def __str__(self) -> str:
        return self.label

    @property
    def start(self) -> date:
        """First day of the quarter."""
        fiscal_start_year = self.year - (1 if self.start_month != 1 else 0)
        year, month = _add_months(fiscal_start_year, self.start_month, 3 * (self.number - 1))
        return date(year, month, 1)

    @property
    def end(self) -> date:
        """First day after the quarter (exclusive bound)."""
        year, month = _add_months(self.start.year, self.start.month, 3)
        return date(year, month, 1)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def weeks(self) -> int:
        """Number of submission weeks; week ``w`` ends ``7 * w`` days after the start."""
        return -(-self.days // 7)

    def week_end(self, week: int) -> date:
        """Exclusive end of week ``week`` (1-based), capped at the quarter's end."""
        return min(self.start + timedelta(days=7 * week), self.end)

    def shift(self, quarters: int) -> Quarter:
        index = self.year * 4 + (self.number - 1) + quarters
        return Quarter(index // 4, index % 4 + 1, self.start_month)

    def previous(self, quarters: int = 1) -> Quarter:
        return self.shift(-quarters)

    def next(self) -> Quarter:
        return self.shift(1)

    def trailing(self, count: int) -> list[Quarter]:
        """This quarter and the ``count - 1`` before it, oldest first."""
        return [self.shift(-k) for k in range(count - 1, -1, -1)]


def last_complete_quarter(as_of: date, start_month: int = 1, today: date | None = None) -> Quarter:
    """The latest quarter whose last day is on or before both ``as_of``, the last day the data
    covers, and ``today`` (by default today in UTC): a date ahead of the clock completes nothing."""
    day = min(as_of, today or datetime.now(UTC).date())
    return Quarter.containing(day + timedelta(days=1), start_month).previous()
