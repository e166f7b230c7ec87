"""The changes that matter most: the scorecard's moves from last quarter, by size, beyond noise.

A change is a highlight when it is more than noise (a total of the quarter, or a rate whose
two-proportion test says p < 0.05; never a median or an average, which no test backs here) and
when it moved the figure by at least ``MATERIAL`` of its previous value. The largest such
changes, relative to the previous value, come first (equal ones in the scorecard's order); at
most ``MOST`` of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from salesops import formatting
from salesops.analyses.summary.scorecard import Score
from salesops.i18n import _
from salesops.metrics.stats import at_least
from salesops.periods import Quarter
from salesops.present.cards import change_text, format_value

MATERIAL = 0.05  # a change of less than 5 % of the previous value is no headline
MOST = 5
BEYOND_NOISE = ("record", "significant")


@dataclass(frozen=True)
class Highlight:
    """One change worth a sentence, with the page that explains it."""

    score: Score
    size: float  # |change| / |previous value|; infinite from a previous value of 0

    def sentence(self, previous: Quarter, currency: str) -> str:
        """The change in words: "Win rate: down from 31% in Q2 2026 to 24% (-6.8 pts)."."""
        score, fmt = self.score, self.score.figure.fmt
        now, before = float(score.value or 0.0), float(score.previous_quarter or 0.0)
        template = (
            _("{label}: up from {before} in {quarter} to {now} ({change}).")
            if now > before
            else _("{label}: down from {before} in {quarter} to {now} ({change}).")
        )
        return template.format(
            label=_(score.figure.label),
            before=format_value(fmt, before, currency),
            quarter=formatting.quarter(previous),
            now=format_value(fmt, now, currency),
            change=change_text(fmt, now - before, before, currency),
        )


def size_of(score: Score) -> float | None:
    """How far the figure moved from last quarter, relative to where it was; None without both
    values or without a move."""
    if score.value is None or score.previous_quarter is None:
        return None
    change = abs(float(score.value) - float(score.previous_quarter))
    if change == 0:
        return None
    before = abs(float(score.previous_quarter))
    return math.inf if before == 0 else change / before


def choose(scores: list[Score]) -> list[Highlight]:
    """The changes beyond noise and of at least ``MATERIAL``, largest first, at most ``MOST``."""
    found = []
    for score in scores:
        size = size_of(score)
        if size is not None and score.evidence in BEYOND_NOISE and at_least(size, MATERIAL):
            found.append(Highlight(score, size))
    # equal sizes keep the scorecard's order, whatever float drift says (+5 % of 0.30 is
    # 0.050000000000000044, of 100,000 exactly 0.05)
    found.sort(key=lambda highlight: -round(highlight.size, 9))
    return found[:MOST]
