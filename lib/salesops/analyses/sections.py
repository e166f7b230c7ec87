"""What every analysis shares: sections that degrade to a sentence, and the caveats list."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import pandas as pd

from salesops import formatting
from salesops.i18n import _
from salesops.metrics import MissingTableError
from salesops.metrics.stats import two_proportion_test
from salesops.present import Card, Text, escape_markdown
from salesops.present.cards import Evidence

P = ParamSpec("P")
R = TypeVar("R")

MAX_BARS = 25  # more bars than this make a chart unreadable; the table beside it lists every row


def chart_rows(rows: pd.DataFrame, size: str, largest: str) -> tuple[pd.DataFrame, str]:
    """At most MAX_BARS of ``rows`` for a bar chart: the largest by the ``size`` column, in their
    order; with a sentence for the caption when some are left out (``largest``, a msgid, says by
    what: ``N_("most closed deals")``)."""
    if len(rows) <= MAX_BARS:
        return rows, ""
    top = rows[size].astype(float).nlargest(MAX_BARS).index
    sentence = _("The chart shows the {shown} with the {largest}; the table lists all {total}.")
    shown = sentence.format(
        shown=formatting.count(MAX_BARS), largest=_(largest), total=formatting.count(len(rows))
    )
    return rows[rows.index.isin(top)], f" {shown}"


def rate_evidence(now: tuple[int, int] | None, before: tuple[int, int] | None) -> Evidence:
    """Whether a rate of counts, ``(hits, n)`` now and before, changed by more than noise: the
    pooled two-proportion z-test at p < 0.05 says "significant", else "within_noise";
    "untested" without both counts."""
    if now is None or before is None or now[1] <= 0 or before[1] <= 0:
        return "untested"
    return "significant" if two_proportion_test(*now, *before).significant else "within_noise"


def counts(figures: Mapping[str, Any] | None, rate: str, n: str) -> tuple[int, int] | None:
    """``(hits, n)`` behind the share ``figures[rate]`` of ``figures[n]``; None when either is
    missing. A share is hits / n, so hits is the share times n, rounded."""
    if figures is None or figures.get(rate) is None or not figures.get(n):
        return None
    total = int(figures[n])
    return round(float(figures[rate]) * total), total


def share_evidence(
    now: Mapping[str, Any] | None, before: Mapping[str, Any] | None, rate: str, n: str
) -> Evidence:
    """``rate_evidence`` of the share ``rate`` of ``n`` between two quarters' figures."""
    return rate_evidence(counts(now, rate, n), counts(before, rate, n))


def mixed_currency_sentence(currencies: list[str]) -> str:
    """Why amount figures are withheld, and what would enable them."""
    return _(
        "Amounts are not shown: deals are in {currencies} besides the reporting currency and the "
        "data has no rate to convert them (add fx_rates, or Salesforce CurrencyType / "
        "DatedConversionRate). Counts and rates by count are shown."
    ).format(currencies=escape_markdown(", ".join(currencies)))


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
    """``cards`` with the amount-based ones shown as n/a, for amounts in mixed currencies
    (``amount_labels``: the cards' labels, as msgids or as shown)."""
    withheld = {_(label) for label in amount_labels}
    return [
        Card(card.label, formatting.missing(), note=_("amounts in several currencies"))
        if card.label in withheld
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
            return Text(escape_markdown(missing.sentence()))

    return shown


def needs_text(table: str) -> str:
    """A card's note for a figure the source's lack of ``table`` hides."""
    return _("needs the {table} table").format(table=table)


def bullet_list(lines: Iterable[str]) -> Text:
    """Markdown bullets from lines that are already escaped markdown."""
    items = [f"- {line}" for line in lines if line]
    return Text("\n".join(items) if items else _("Nothing to flag."))


def definitions_note(anchor: str) -> str:
    """Where the report's numbers are defined: the section of docs/metrics.md at ``anchor``
    (an identifier, the same in every language: the docs are in English)."""
    return _(
        "How these numbers are defined: docs/metrics.md#{anchor} in the salesops project "
        "(every formula, convention and the setting that changes it)."
    ).format(anchor=anchor)


def missing_tables_note(missing: Iterable[str], enables: dict[str, str]) -> list[str]:
    """One escaped sentence per missing optional table: what it would enable (``enables``:
    table -> msgid, ``N_("lead conversion")``)."""
    return [
        _("The data has no {table} table, so {what} is not shown.").format(
            table=escape_markdown(table), what=escape_markdown(_(enables[table]))
        )
        for table in missing
        if table in enables
    ]


def value(record: dict[str, Any] | None, key: str) -> Any:
    """``record[key]``, or None when there is no record (no previous quarter in the data)."""
    return None if record is None else record.get(key)
