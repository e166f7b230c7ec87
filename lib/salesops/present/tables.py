"""Small tables for the report: formatted, escaped, numbers right-aligned.

A ``Table`` keeps the frame it was made from (``frame``, raw numbers and dates, in the columns and
order shown) and each column's format (``formats``), so an analyst can sort or filter the data
behind it; neither takes part in equality, the text repr or the HTML."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Any, Literal

import pandas as pd

from salesops import formatting
from salesops.i18n import _

ColumnFormat = Literal[
    "money",
    "percent",
    "points",
    "count",
    "decimal",
    "ratio",
    "days",
    "multiple",
    "date",
    "month",
    "yes_no",
    "text",
]
_MONTH = re.compile(r"^\d{4}-\d{2}$")  # a month label such as "2026-01"


def _missing(value: Any) -> bool:
    return bool(pd.api.types.is_scalar(value) and pd.isna(value))


def _text(value: Any) -> str:
    """Any cell as text; a missing value reads "n/a"."""
    return formatting.missing() if _missing(value) else str(value)


def _date(value: Any) -> str:
    """A date (or the day of a timestamp) in the locale (ISO in English); missing reads "n/a"."""
    if _missing(value):  # first: NaT is a date too
        return formatting.missing()
    if isinstance(value, datetime):
        value = value.date()
    return formatting.day(value) if isinstance(value, date) else str(value)


def _month(value: Any) -> str:
    """A month (a date, a Period, or a label like "2026-01") in the locale; missing reads "n/a"."""
    if _missing(value):
        return formatting.missing()
    if isinstance(value, str) and _MONTH.match(value):
        value = pd.Period(value, freq="M")
    if isinstance(value, pd.Period):
        value = value.to_timestamp()
    return formatting.month(value) if isinstance(value, date) else str(value)


def yes_no(value: Any) -> str:
    """A flag in words: "yes", "no"; missing reads "n/a"."""
    if _missing(value):
        return formatting.missing()
    return _("yes") if value else _("no")


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "money": formatting.money_full,
    "percent": formatting.percent,
    "points": formatting.points,
    "count": formatting.count,
    "decimal": formatting.decimal,
    "ratio": formatting.ratio,
    "days": formatting.days,
    "multiple": formatting.multiple,
    "date": _date,
    "month": _month,
    "yes_no": yes_no,
    "text": _text,
}
# Right-aligned in tables. A multiple ("2.8×") stays left, beside the name it qualifies, as the
# coverage table has always shown it.
_NUMERIC = frozenset({"money", "percent", "points", "count", "decimal", "ratio", "days"})

TABLE_CSS = """<style>
.so-table{border-collapse:collapse;margin:8px 0 24px;font-size:.9rem;
  font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.so-table caption{caption-side:top;text-align:left;font-weight:600;padding-bottom:6px}
.so-table th,.so-table td{padding:4px 12px;border-bottom:1px solid #d0d7de}
.so-table th{border-bottom:2px solid #8c959f;font-weight:600}
.so-table td.so-num,.so-table th.so-num{text-align:right;font-variant-numeric:tabular-nums}
.so-table td.so-text,.so-table th.so-text{text-align:left}
</style>"""


@dataclass(frozen=True)
class Table:
    """A formatted table: header, rows of display strings, and which columns are numbers; with
    the raw ``frame`` behind it and each column's format (both left out of ``==`` and repr)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    caption: str | None = None
    frame: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    formats: tuple[ColumnFormat, ...] = field(default=(), compare=False, repr=False)
    currency: str = field(default="USD", compare=False, repr=False)

    def _repr_html_(self) -> str:
        classes = ["so-num" if n else "so-text" for n in self.numeric]
        head = "".join(
            f'<th scope="col" class="{c}">{html.escape(name)}</th>'
            for name, c in zip(self.columns, classes, strict=True)
        )
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="{c}">{html.escape(cell)}</td>'
                for cell, c in zip(row, classes, strict=True)
            )
            + "</tr>"
            for row in self.rows
        )
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (
            f'<div class="so-block tex2jax_ignore">{TABLE_CSS}<table class="so-table">{caption}'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )

    def __repr__(self) -> str:
        frame = pd.DataFrame(list(self.rows), columns=list(self.columns))
        text = frame.to_string(index=False) if self.rows else ", ".join(self.columns)
        return f"{self.caption}\n{text}" if self.caption else text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {"text/plain": repr(self), "text/html": self._repr_html_()}


def header(column: object) -> str:
    """A column name as a reader sees it: ``won_amount`` -> "Won amount"."""
    text = str(column).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def table(
    df: pd.DataFrame,
    formats: Mapping[str, ColumnFormat],
    caption: str | None = None,
    labels: Mapping[str, str] | None = None,
    currency: str = "USD",
) -> Table:
    """``df``'s columns (not its index) as a report table; every cell is escaped.

    ``formats`` maps a column to money (whole amount with separators), percent (of a fraction),
    points (a difference of two fractions: "+4.1 pts"), count, decimal (one decimal: "1.8"),
    days, multiple ("2.8×"), date (ISO day) or text;
    unlisted columns are text. Numbers are right-aligned; money is in ``currency``. Headers come
    from ``labels`` or else read the column name as words. ``df`` itself is kept as the table's
    ``frame``: pass raw values, never pre-formatted strings.
    """
    unknown = [c for c in formats if c not in df.columns]
    if unknown:
        raise ValueError(f"formats name columns the frame lacks: {unknown}")
    bad = {c: f for c, f in formats.items() if f not in _FORMATTERS}
    if bad:
        raise ValueError(f"unknown column formats {bad}; use one of {sorted(_FORMATTERS)}")
    kinds = tuple(formats.get(c, "text") for c in df.columns)
    writers = [
        partial(_FORMATTERS[kind], currency=currency) if kind == "money" else _FORMATTERS[kind]
        for kind in kinds
    ]
    rows = tuple(
        tuple(write(value) for write, value in zip(writers, record, strict=True))
        for record in df.itertuples(index=False, name=None)
    )
    return Table(
        columns=tuple((labels or {}).get(str(c)) or header(c) for c in df.columns),
        rows=rows,
        numeric=tuple(kind in _NUMERIC for kind in kinds),
        caption=caption,
        frame=df.reset_index(drop=True),  # the index is not shown
        formats=kinds,
        currency=currency,
    )
