"""Display helpers for report notebooks: headline cards, figures, tables and sentences.

Each returns an object that IPython displays as escaped HTML (with plain-text fallbacks), so a
notebook cell ends with a call such as ``present.figure(fig, caption=..., alt=...)``.
"""

from __future__ import annotations

from salesops.present.cards import Card, Headline, headline, json_safe
from salesops.present.figures import ReportFigure, figure
from salesops.present.prose import (
    Text,
    amount_change_sentence,
    escape_markdown,
    missing_section,
    p_value_text,
    rate_change_sentence,
)
from salesops.present.stack import Stack, stack
from salesops.present.tables import Table, table

__all__ = [
    "Card",
    "Headline",
    "ReportFigure",
    "Stack",
    "Table",
    "Text",
    "amount_change_sentence",
    "escape_markdown",
    "figure",
    "headline",
    "json_safe",
    "missing_section",
    "p_value_text",
    "rate_change_sentence",
    "stack",
    "table",
]
