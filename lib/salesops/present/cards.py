"""Headline cards: the few numbers a reader sees first, and their machine-readable record.

``headline(...)`` displays a row of cards and carries the analysis' headline metrics under
``HEADLINE_MIMETYPE``; the report runner reads that output into ``<analysis>.json``. A card's
words are in the reader's language ("Hausse : +1,9 pt vs T2 2026, mieux" in French); its
``direction``, ``good`` and ``evidence`` stay machine-readable.

A change is called better or worse only when it is more than noise (``Evidence``): a total of the
quarter is what happened; a rate of counts is tested, and a change within noise is shown
neutral, in words; an average or a median without a test gets no verdict.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from salesops import formatting
from salesops.i18n import N_, _
from salesops.vocabulary import HEADLINE_MIMETYPE

Direction = Literal["up", "down", "flat"]
# How a card's change is known to be more than noise (docs/metrics.md#changes-and-noise):
# "record", a total of the quarter; "significant" or "within_noise", a rate of counts tested
# (two-proportion z-test, p < 0.05); "untested", an average or median of a sample.
Evidence = Literal["record", "significant", "within_noise", "untested"]
EVIDENCE: tuple[Evidence, ...] = ("record", "significant", "within_noise", "untested")
Format = Literal["percent", "money", "count", "decimal", "ratio", "multiple", "days"]

_ARROWS = {"up": "▲", "down": "▼", "flat": "■"}
_WORDS = {"up": N_("Up"), "down": N_("Down"), "flat": N_("No change")}

CARDS_CSS = """<style>
.so-cards{display:flex;flex-wrap:wrap;gap:12px;margin:4px 0 20px}
.so-card{flex:1 1 170px;max-width:280px;box-sizing:border-box;padding:10px 14px;
  border:1px solid #d0d7de;border-radius:6px;background:#fff;color:#1f2328;
  font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.35}
.so-card .so-label{font-size:.8rem;color:#57606a;text-transform:uppercase;letter-spacing:.03em}
.so-card .so-value{font-size:1.6rem;font-weight:600;font-variant-numeric:tabular-nums}
.so-card .so-change{font-size:.85rem;font-variant-numeric:tabular-nums}
.so-card .so-good{color:#006e52}.so-card .so-bad{color:#b3400a}.so-card .so-neutral{color:#57606a}
.so-card .so-note{font-size:.75rem;color:#57606a;margin-top:4px}
</style>"""


def json_safe(value: Any) -> Any:
    """``value`` with only JSON types: NaN and missing -> None, numpy -> Python, dates -> ISO."""
    if isinstance(value, Mapping):
        return {_json_key(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray | pd.Series | pd.Index):
        return [json_safe(v) for v in value]
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if pd.isna(value):  # pandas NA and NaT
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    number = formatting.as_number(value)  # e.g. a Decimal
    return number if number is not None else str(value)


def _json_key(key: Any) -> str:
    safe = json_safe(key)
    return safe if isinstance(safe, str) else json.dumps(safe)


@dataclass(frozen=True)
class Card:
    """One headline number: its label, formatted value, change against before, and a note.

    ``direction`` says which way the number moved; ``good`` whether that is good news (None
    when neither, or when the change may be noise: ``evidence``). Build one from two raw values
    with ``Card.compare``.
    """

    label: str
    value: str
    change: str | None = None
    direction: Direction | None = None
    good: bool | None = None
    note: str | None = None
    evidence: Evidence = "record"

    def __post_init__(self) -> None:
        if self.direction not in (None, *_ARROWS):
            raise ValueError(f"direction must be up, down, flat or None, not {self.direction!r}")
        if self.evidence not in EVIDENCE:
            raise ValueError(f"evidence must be one of {EVIDENCE}, not {self.evidence!r}")

    @classmethod
    def compare(
        cls,
        label: str,
        now: float | None,
        previous: float | None,
        fmt: Format = "percent",
        *,
        versus: str | None = None,
        higher_is_better: bool = True,
        note: str | None = None,
        currency: str = "USD",
        evidence: Evidence = "record",
    ) -> Card:
        """A card for ``now`` with its change from ``previous``: "+4.1 pts vs 2026Q2".

        Percents change in points; money and counts by the amount and the relative change;
        days by the number of days. Without both values there is no change. ``versus`` names
        the period compared with, as the reader reads it (default "last quarter"). A change is
        better or worse only with ``evidence`` "record" or "significant".
        """
        value = format_value(fmt, now, currency)
        a, b = formatting.as_number(now), formatting.as_number(previous)
        if a is None or b is None:
            return cls(label, value, note=note)
        diff = a - b
        flat = _shown_as_zero(fmt, diff)
        change = _("{change} vs {versus}").format(
            change=change_text(fmt, 0.0 if flat else diff, b, currency),
            versus=versus or _("last quarter"),
        )
        if flat:
            return cls(label, value, change, "flat", None, note, evidence)
        direction: Direction = "up" if diff > 0 else "down"
        good = (diff > 0) == higher_is_better if evidence in ("record", "significant") else None
        return cls(label, value, change, direction, good, note, evidence)

    def to_json(self) -> dict[str, Any]:
        """The card as the headline record stores it."""
        return json_safe(asdict(self))

    def to_html(self) -> str:
        """One ``<div class="so-card">``, text escaped; the change states its direction in words."""
        parts = [
            f'<div class="so-label">{html.escape(str(self.label))}</div>',
            f'<div class="so-value">{html.escape(str(self.value))}</div>',
        ]
        if self.change is not None or self.direction is not None:
            tone = {True: "so-good", False: "so-bad", None: "so-neutral"}[self.good]
            parts.append(f'<div class="so-change {tone}">{self._change_words(markup=True)}</div>')
        if self.note:
            parts.append(f'<div class="so-note">{html.escape(str(self.note))}</div>')
        return '<div class="so-card">' + "".join(parts) + "</div>"

    def to_text(self) -> str:
        """One plain line: "Win rate: 24% (Down: -6.8 pts vs 2026Q2, worse)"."""
        line = _("{label}: {value}").format(label=self.label, value=self.value)
        if self.change is not None or self.direction is not None:
            line += f" ({self._change_words(markup=False)})"
        return line + (f" [{self.note}]" if self.note else "")

    def _change_words(self, markup: bool) -> str:
        """The change in words: "Down: -6.8 pts vs 2026Q2, worse"."""
        words = _(_WORDS[self.direction]) if self.direction else ""
        change = str(self.change or "")
        text = words or change
        if words and change:
            text = _("{direction}: {change}").format(direction=words, change=change)
        if self.good is not None:
            verdict = _("{change}, better") if self.good else _("{change}, worse")
            text = verdict.format(change=text)
        elif self.evidence == "within_noise" and self.direction != "flat":
            text = _("{change}, within noise").format(change=text)
        if not markup:
            return text
        arrow = _ARROWS.get(self.direction or "", "")
        glyph = f'<span class="so-arrow" aria-hidden="true">{arrow}</span> ' if arrow else ""
        return glyph + html.escape(text)


def format_value(fmt: Format, value: Any, currency: str = "USD") -> str:
    """``value`` as a card shows it in ``fmt``: "24%", "$1.2M", "3.1×", "45 days"."""
    return _FORMATS[fmt](value, currency)


def change_text(fmt: Format, diff: float, previous: float, currency: str = "USD") -> str:
    """A change of ``diff`` from ``previous`` in ``fmt``: "+4.1 pts", "-$120k (-8%)", "+3 days"."""
    if fmt == "percent":
        return formatting.points(diff)
    sign = "+" if diff > 0 else "-" if diff < 0 else ""
    if fmt == "days":
        return sign + formatting.days(abs(diff))
    amounts = {
        "money": lambda x: formatting.money(x, currency),
        "decimal": formatting.decimal,
        "ratio": formatting.ratio,
        "multiple": formatting.multiple,
    }
    amount = amounts.get(fmt, formatting.count)(abs(diff))
    if previous == 0:
        return sign + amount
    return f"{sign}{amount} ({formatting.percent(diff / abs(previous), signed=True)})"


def _shown_as_zero(fmt: Format, diff: float) -> bool:
    if fmt == "percent":
        return round(diff * 100, 1) == 0
    if fmt in ("decimal", "multiple"):
        return round(diff, 1) == 0
    if fmt == "ratio":
        return round(diff, 2) == 0
    return round(diff) == 0


_FORMATS = {
    "percent": lambda x, _currency: formatting.percent(x),
    "money": formatting.money,
    "count": lambda x, _currency: formatting.count(x),
    "decimal": lambda x, _currency: formatting.decimal(x),
    "ratio": lambda x, _currency: formatting.ratio(x),
    "multiple": lambda x, _currency: formatting.multiple(x),
    "days": lambda x, _currency: formatting.days(x),
}


@dataclass(frozen=True)
class Headline:
    """A row of cards for display plus the headline record for ``<analysis>.json``."""

    analysis: str
    team: str
    quarter: str
    metrics: Mapping[str, Any]
    cards: tuple[Card, ...]

    def record(self) -> dict[str, Any]:
        """The JSON-safe headline record: analysis, team, quarter, metrics and cards."""
        return {
            "analysis": self.analysis,
            "team": self.team,
            "quarter": self.quarter,
            "metrics": json_safe(dict(self.metrics)),
            "cards": [card.to_json() for card in self.cards],
        }

    def _repr_html_(self) -> str:
        cards = "".join(card.to_html() for card in self.cards)
        return (
            f'<div class="so-headline tex2jax_ignore">{CARDS_CSS}'
            f'<div class="so-cards">{cards}</div></div>'
        )

    def __repr__(self) -> str:
        title = f"{self.analysis}: {self.team}, {self.quarter}"
        return "\n".join([title, *(f"  {card.to_text()}" for card in self.cards)])

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/plain": repr(self),
            "text/html": self._repr_html_(),
            HEADLINE_MIMETYPE: self.record(),
        }


def headline(
    analysis: str, team: str, quarter: str, metrics: Mapping[str, Any], cards: list[Card]
) -> Headline:
    """The headline of one report: cards for the reader, ``metrics`` for ``<analysis>.json``.

    ``metrics`` may hold numpy numbers, NaN, dates and nested dicts; the record makes them JSON.
    """
    return Headline(str(analysis), str(team), str(quarter), dict(metrics), tuple(cards))
