"""What every analysis shares: sections that degrade to a sentence, and the caveats list."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import pandas as pd

from salesops.metrics import MissingTableError
from salesops.present import Card, Text, escape_markdown

P = ParamSpec("P")
R = TypeVar("R")

MAX_BARS = 25  # more bars than this make a chart unreadable; the table beside it lists every row


def chart_rows(rows: pd.DataFrame, size: str, largest: str) -> tuple[pd.DataFrame, str]:
    """At most MAX_BARS of ``rows`` for a bar chart: the largest by the ``size`` column, in their
    order; with a sentence for the caption when some are left out (``largest`` says by what)."""
    if len(rows) <= MAX_BARS:
        return rows, ""
    top = rows[size].astype(float).nlargest(MAX_BARS).index
    sentence = (
        f" The chart shows the {MAX_BARS} with the {largest}; the table lists all {len(rows):,}."
    )
    return rows[rows.index.isin(top)], sentence


def mixed_currency_sentence(currencies: list[str]) -> str:
    """Why amount figures are withheld, and what would enable them."""
    return (
        f"Amounts are not shown: deals are in {escape_markdown(', '.join(currencies))} besides the "
        "reporting currency and the data has no rate to convert them (add fx_rates, or Salesforce "
        "CurrencyType / DatedConversionRate). Counts and rates by count are shown."
    )


def needs_amounts(section: Callable[P, R]) -> Callable[P, R | Text]:
    """A section built on amounts, withheld in words when amounts mix unconverted currencies."""

    @wraps(section)
    def shown(*args: P.args, **kwargs: P.kwargs) -> R | Text:
        currencies = args[0].scope.mixed_currencies  # type: ignore[attr-defined]
        if currencies:
            return Text(mixed_currency_sentence(currencies))
        return section(*args, **kwargs)

    return shown


def withhold_amount_cards(cards: list[Card], amount_labels: set[str]) -> list[Card]:
    """``cards`` with the amount-based ones shown as n/a, for amounts in mixed currencies."""
    return [
        Card(card.label, "n/a", note="amounts in several currencies")
        if card.label in amount_labels
        else card
        for card in cards
    ]


def needs_tables(section: Callable[P, R]) -> Callable[P, R | Text]:
    """A section that says which table it needs, in words, when the source lacks it."""

    @wraps(section)
    def shown(*args: P.args, **kwargs: P.kwargs) -> R | Text:
        try:
            return section(*args, **kwargs)
        except MissingTableError as missing:
            return Text(escape_markdown(str(missing)))

    return shown


def bullet_list(lines: Iterable[str]) -> Text:
    """Markdown bullets from lines that are already escaped markdown."""
    items = [f"- {line}" for line in lines if line]
    return Text("\n".join(items) if items else "Nothing to flag.")


def missing_tables_note(missing: Iterable[str], enables: dict[str, str]) -> list[str]:
    """One escaped sentence per missing optional table: what it would enable."""
    return [
        f"The data has no {escape_markdown(table)} table, so {escape_markdown(enables[table])} "
        "is not shown."
        for table in missing
        if table in enables
    ]


def previous_label(available: bool, label: str) -> str:
    return label if available else "the previous quarter"


def value(record: dict[str, Any] | None, key: str) -> Any:
    """``record[key]``, or None when there is no record (no previous quarter in the data)."""
    return None if record is None else record.get(key)
