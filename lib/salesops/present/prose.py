"""Numbers told as sentences for leadership, with the honesty note a rate change needs.

Sentence builders return markdown in which every value from the data is escaped; show one with
``Text(sentence)``. The sentences are in the reader's language, their numbers in the locale's
format; labels given to them (a metric's name, a period, a unit) are already in that language.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

import mistune

from salesops import formatting
from salesops.i18n import _
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


def p_value_text(p: float) -> str:
    """A test's p-value to two significant digits: "p=0.03", "p < 0.001"."""
    if p < 0.001:
        return _("p < {p}").format(p=formatting.style().number(0.001, 3))
    shown = f"{p:.2g}"  # never in exponent form from 0.001 up
    digits = len(shown.partition(".")[2])
    return _("p={p}").format(p=formatting.style().number(float(shown), digits))


def _money(x: float, currency: str) -> str:
    return formatting.money(x, currency).replace("$", r"\$")  # "$" would start math in Jupyter


def _periods(previous: str | None, current: str | None) -> tuple[str, str]:
    """The two periods compared, escaped; by default the previous quarter and this one."""
    return (
        escape_markdown(previous or _("the previous quarter")),
        escape_markdown(current or _("this quarter")),
    )


def _small_note(periods: list[tuple[str, int]], unit: str, small_sample: int) -> str:
    """The note on the (at most two) periods under ``small_sample``, with its leading space:
    "Fewer than 20 deals in 2026Q3: read it as a rough guide."; empty when there are none.
    ``unit`` is escaped already."""
    small = [period for period, n in periods if n < small_sample]
    if not small:
        return ""
    named = (
        small[0]
        if len(small) == 1
        else _("{first} and {second}").format(first=small[0], second=small[1])
    )
    note = _("Fewer than {count} {unit} in {periods}: read it as a rough guide.")
    return " " + note.format(count=formatting.count(small_sample), unit=unit, periods=named)


def rate_change_sentence(
    label: str,
    successes_now: int,
    n_now: int,
    successes_prev: int,
    n_prev: int,
    prev_label: str | None = None,
    now_label: str | None = None,
    *,
    alpha: float = 0.05,
    unit: str | None = None,
    small_sample: int = SMALL_SAMPLE,
) -> str:
    """A rate's move between two periods with its counts and a two-proportion test, e.g.
    "Win rate fell from 31% in 2026Q2 to 24% in 2026Q3 (n=198 vs 212); the change is significant
    at 95% (p=0.03)." A period with fewer than ``small_sample`` ``unit`` (default "deals") is
    flagged; the periods default to "the previous quarter" and "this quarter"."""
    name, unit = escape_markdown(label), escape_markdown(unit or _("deals"))
    previous, current = _periods(prev_label, now_label)
    if n_now <= 0:
        return _("{name} is not available for {current}: there were no {unit} to count.").format(
            name=name, current=current, unit=unit
        )
    rate_now = formatting.percent(successes_now / n_now)
    if n_prev <= 0:
        sentence = _(
            "{name} was {value} in {current} ({counts}); there is no figure for {previous} to "
            "compare with."
        ).format(
            name=name,
            value=rate_now,
            current=current,
            counts=_("n={n}").format(n=formatting.count(n_now)),
            previous=previous,
        )
        return sentence + _small_note([(current, n_now)], unit, small_sample)
    rate_prev = formatting.percent(successes_prev / n_prev)
    test = two_proportion_test(successes_now, n_now, successes_prev, n_prev, alpha=alpha)
    p_value = p_value_text(test.p_value)
    verdict = (
        _("the change is significant at {level} ({p})").format(
            level=formatting.percent(1 - alpha), p=p_value
        )
        if test.significant
        else _("the change is within noise ({p})").format(p=p_value)
    )
    if rate_now == rate_prev:
        template = _("{name} held at {value} from {previous} to {current} ({counts}); {verdict}.")
    elif successes_now / n_now > successes_prev / n_prev:
        template = _(
            "{name} rose from {before} in {previous} to {value} in {current} ({counts}); {verdict}."
        )
    else:
        template = _(
            "{name} fell from {before} in {previous} to {value} in {current} ({counts}); {verdict}."
        )
    sentence = template.format(
        name=name,
        before=rate_prev,
        value=rate_now,
        previous=previous,
        current=current,
        counts=_("n={before} vs {now}").format(
            before=formatting.count(n_prev), now=formatting.count(n_now)
        ),
        verdict=verdict,
    )
    return sentence + _small_note([(previous, n_prev), (current, n_now)], unit, small_sample)


def amount_change_sentence(
    label: str,
    now: float | None,
    previous: float | None,
    prev_label: str | None = None,
    now_label: str | None = None,
    *,
    currency: str = "USD",
) -> str:
    """An amount's move between two periods, e.g. "Won amount rose from $1.2M in 2026Q2 to
    $1.5M in 2026Q3 (+25%)." Missing values are said so; the periods default to "the previous
    quarter" and "this quarter"."""
    name = escape_markdown(label)
    prev, when = _periods(prev_label, now_label)
    a, b = formatting.as_number(now), formatting.as_number(previous)
    if a is None:
        return _("{name} is not available for {current}.").format(name=name, current=when)
    shown_now = _money(a, currency)
    if b is None:
        return _(
            "{name} was {value} in {current}; there is no figure for {previous} to compare with."
        ).format(name=name, value=shown_now, current=when, previous=prev)
    shown_prev = _money(b, currency)
    if shown_now == shown_prev:
        return _("{name} held at {value} from {previous} to {current}.").format(
            name=name, value=shown_now, previous=prev, current=when
        )
    if not b:  # from zero there is no relative change
        template = (
            _("{name} rose from {before} in {previous} to {value} in {current}.")
            if a > b
            else _("{name} fell from {before} in {previous} to {value} in {current}.")
        )
    else:
        template = (
            _("{name} rose from {before} in {previous} to {value} in {current} ({change}).")
            if a > b
            else _("{name} fell from {before} in {previous} to {value} in {current} ({change}).")
        )
    return template.format(
        name=name,
        before=shown_prev,
        value=shown_now,
        previous=prev,
        current=when,
        change=formatting.percent((a - b) / abs(b), signed=True) if b else "",
    )


def missing_section(what: str, needs_table: str) -> str:
    """Why a section is absent, e.g. "Forecast accuracy from submitted calls is not shown: the
    data has no forecast_submissions table." """
    return _("{what} is not shown: the data has no {table} table.").format(
        what=escape_markdown(what), table=escape_markdown(needs_table)
    )
