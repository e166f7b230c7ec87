"""Numbers told as sentences for leadership, with the honesty note a rate change needs.

Sentence builders return markdown in which every value from the data is escaped; show one with
``Text(sentence)``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

import mistune

from salesops import formatting
from salesops.metrics.stats import SMALL_SAMPLE, two_proportion_test

_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"}
_ESCAPES = {
    **{c: "\\" + c for c in string.punctuation},  # CommonMark lets any ASCII punctuation be escaped
    **_ENTITIES,
    **{c: " " for c in "\n\r\t\f\v"},  # a line break could start a heading, list or quote
}

# Markdown to HTML with raw HTML shown as text and javascript: and similar links disabled.
_to_html = mistune.create_markdown(escape=False)
_to_html.block.rules.remove("raw_html")
_to_html.inline.rules.remove("inline_html")

TEXT_CSS = "<style>.so-text{max-width:60rem;line-height:1.5}</style>"


def escape_markdown(text: Any) -> str:
    """``text`` as literal markdown: HTML special characters become entities, every other
    punctuation mark is backslash-escaped (no emphasis, links, math), line breaks become spaces."""
    return "".join(_ESCAPES.get(c, c) for c in str(text))


@dataclass(frozen=True)
class Text:
    """A paragraph of markdown for the report, shown as markdown and as escaped HTML."""

    markdown: str

    def _repr_html_(self) -> str:
        return f'<div class="so-text tex2jax_ignore">{TEXT_CSS}{_to_html(self.markdown)}</div>'

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        return self.markdown

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/plain": repr(self),
            "text/markdown": self.markdown,
            "text/html": self._repr_html_(),
        }


def _p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p={p:.2g}"


def _money(x: float, currency: str) -> str:
    return formatting.money(x, currency).replace("$", r"\$")  # "$" would start math in Jupyter


def _small_note(periods: list[tuple[str, int]], unit: str, small_sample: int) -> str:
    small = [period for period, n in periods if n < small_sample]
    if not small:
        return ""
    return (
        f" Fewer than {small_sample} {escape_markdown(unit)} in {' and '.join(small)}: "
        "read it as a rough guide."
    )


def rate_change_sentence(
    label: str,
    successes_now: int,
    n_now: int,
    successes_prev: int,
    n_prev: int,
    prev_label: str = "the previous quarter",
    now_label: str = "this quarter",
    *,
    alpha: float = 0.05,
    unit: str = "deals",
    small_sample: int = SMALL_SAMPLE,
) -> str:
    """A rate's move between two periods with its counts and a two-proportion test, e.g.
    "Win rate fell from 31% in 2026Q2 to 24% in 2026Q3 (n=198 vs 212); the change is significant
    at 95% (p=0.03)." A period with fewer than ``small_sample`` ``unit`` is flagged."""
    name, prev, now = (
        escape_markdown(label),
        escape_markdown(prev_label),
        escape_markdown(now_label),
    )
    if n_now <= 0:
        return f"{name} is not available for {now}: there were no {escape_markdown(unit)} to count."
    rate_now = formatting.percent(successes_now / n_now)
    counts = f"n={formatting.count(n_now)}"
    if n_prev <= 0:
        no_previous = f"there is no figure for {prev} to compare with"
        sentence = f"{name} was {rate_now} in {now} ({counts}); {no_previous}."
        return sentence + _small_note([(now, n_now)], unit, small_sample)
    rate_prev = formatting.percent(successes_prev / n_prev)
    counts = f"n={formatting.count(n_prev)} vs {formatting.count(n_now)}"
    if rate_now == rate_prev:
        sentence = f"{name} held at {rate_now} from {prev} to {now} ({counts})"
    else:
        verb = "rose" if successes_now / n_now > successes_prev / n_prev else "fell"
        sentence = f"{name} {verb} from {rate_prev} in {prev} to {rate_now} in {now} ({counts})"
    test = two_proportion_test(successes_now, n_now, successes_prev, n_prev, alpha=alpha)
    if test.significant:
        sentence += (
            f"; the change is significant at {formatting.percent(1 - alpha)} "
            f"({_p_value(test.p_value)})."
        )
    else:
        sentence += f"; the change is within noise ({_p_value(test.p_value)})."
    return sentence + _small_note([(prev, n_prev), (now, n_now)], unit, small_sample)


def amount_change_sentence(
    label: str,
    now: float | None,
    previous: float | None,
    prev_label: str = "the previous quarter",
    now_label: str = "this quarter",
    *,
    currency: str = "USD",
) -> str:
    """An amount's move between two periods, e.g. "Won amount rose from $1.2M in 2026Q2 to
    $1.5M in 2026Q3 (+25%)." Missing values are said so."""
    name = escape_markdown(label)
    prev, when = escape_markdown(prev_label), escape_markdown(now_label)
    a, b = formatting.as_number(now), formatting.as_number(previous)
    if a is None:
        return f"{name} is not available for {when}."
    shown_now = _money(a, currency)
    if b is None:
        return f"{name} was {shown_now} in {when}; there is no figure for {prev} to compare with."
    shown_prev = _money(b, currency)
    if shown_now == shown_prev:
        return f"{name} held at {shown_now} from {prev} to {when}."
    verb = "rose" if a > b else "fell"
    relative = f" ({formatting.percent((a - b) / abs(b), signed=True)})" if b else ""
    return f"{name} {verb} from {shown_prev} in {prev} to {shown_now} in {when}{relative}."


def missing_section(what: str, needs_table: str) -> str:
    """Why a section is absent, e.g. "Forecast accuracy from submitted calls is not shown: the
    data has no forecast_submissions table." """
    return (
        f"{escape_markdown(what)} is not shown: "
        f"the data has no {escape_markdown(needs_table)} table."
    )
