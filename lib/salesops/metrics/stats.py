"""Small-sample statistics: safe ratios, Wilson intervals, two-proportion tests, Kaplan-Meier."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

SMALL_SAMPLE = 20
# Relative tolerance of a threshold test: float sums and ratios drift by about 1e-16 per step,
# while a real shortfall of a billionth of a threshold is no difference anyone reads.
DRIFT = 1e-9


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when the denominator is zero or missing."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    if math.isnan(numerator) or math.isnan(denominator):
        return None
    return float(numerator) / float(denominator)


def is_small_sample(n: int, threshold: int = SMALL_SAMPLE) -> bool:
    """True when a rate rests on fewer than ``threshold`` observations (see docs/metrics.md)."""
    return n < threshold


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for successes / n; (nan, nan) when n is 0.

    With p = s / n and z the two-sided normal quantile: centre = (p + z^2/2n) / (1 + z^2/n),
    half-width = z * sqrt(p(1 - p)/n + z^2/4n^2) / (1 + z^2/n), clipped to [0, 1].
    """
    if n <= 0:
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denominator = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class TwoProportionResult:
    """Outcome of a pooled two-proportion z-test; diff = rate_a - rate_b."""

    rate_a: float
    rate_b: float
    diff: float
    z: float
    p_value: float
    significant: bool


def two_proportion_test(
    successes_a: int, n_a: int, successes_b: int, n_b: int, alpha: float = 0.05
) -> TwoProportionResult:
    """Pooled z-test of rate_a = rate_b (two-sided).

    z = (p_a - p_b) / sqrt(p(1 - p)(1/n_a + 1/n_b)) with the pooled p = (s_a + s_b) / (n_a + n_b);
    p-value = 2 * P(Z > |z|). With an empty sample every field is nan and nothing is significant;
    when both rates are 0 or both 1 there is no difference: z = 0, p-value = 1.
    """
    if n_a <= 0 or n_b <= 0:
        nan = math.nan
        rate_a = successes_a / n_a if n_a > 0 else nan
        rate_b = successes_b / n_b if n_b > 0 else nan
        return TwoProportionResult(rate_a, rate_b, nan, nan, nan, False)
    rate_a, rate_b = successes_a / n_a, successes_b / n_b
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return TwoProportionResult(rate_a, rate_b, rate_a - rate_b, 0.0, 1.0, False)
    z = (rate_a - rate_b) / se
    p_value = 2 * NormalDist().cdf(-abs(z))
    return TwoProportionResult(rate_a, rate_b, rate_a - rate_b, z, p_value, p_value < alpha)


def at_least(value: Any, threshold: Any) -> Any:
    """``value >= threshold``, where a value short of ``threshold`` by float drift alone (a
    relative DRIFT) reaches it: 71819.40 + 5872.23 sums to 77691.62999999999, and a rep who
    booked exactly a quota of 77691.63 is at quota. Works on numbers, arrays and Series."""
    return value >= threshold - DRIFT * abs(threshold)


def at_most(value: Any, threshold: Any) -> Any:
    """``value <= threshold``, where a value above ``threshold`` by float drift alone is at it."""
    return value <= threshold + DRIFT * abs(threshold)


def kaplan_meier(durations: Sequence[float], observed: Sequence[bool]) -> pd.DataFrame:
    """Kaplan-Meier survival curve: columns ``time`` and ``survival`` (a step function).

    ``observed`` is True for an event (e.g. a won close) and False for a right-censored duration
    (e.g. a deal still open). S(t) = product over event times t_i <= t of (n_i - d_i) / n_i, with
    n_i at risk (duration >= t_i) and d_i events at t_i, multiplied as exact fractions of counts so
    that a curve at exactly one half reads 0.5, not 0.5000000000000001 (each survival is the
    exact value rounded once). The curve starts at (0, 1) and has a row at every distinct
    duration. Empty input gives an empty frame.
    """
    times = np.asarray(durations, dtype=float)
    events = np.asarray(observed, dtype=bool)
    if times.size == 0:
        return pd.DataFrame({"time": pd.Series(dtype=float), "survival": pd.Series(dtype=float)})
    at_time = (
        pd.DataFrame({"time": times, "event": events})
        .groupby("time", sort=True)["event"]
        .agg(["sum", "size"])
    )
    at_risk = at_time["size"][::-1].cumsum()[::-1]
    survival, steps = Fraction(1), []
    for died, risk in zip(at_time["sum"], at_risk, strict=True):
        survival *= Fraction(int(risk) - int(died), int(risk))
        steps.append(float(survival))
    curve = pd.DataFrame({"time": at_time.index.to_numpy(dtype=float), "survival": steps})
    if curve["time"].iloc[0] > 0:
        curve = pd.concat([pd.DataFrame({"time": [0.0], "survival": [1.0]}), curve])
    return curve.reset_index(drop=True)


def median_survival(curve: pd.DataFrame) -> float | None:
    """The first time at which survival falls to 0.5 or below; None if it never does.

    ``kaplan_meier`` rounds each exact survival once, so a curve at exactly one half reads 0.5 and
    one above it never does: the plain comparison is exact.
    """
    reached = curve.loc[curve["survival"] <= 0.5, "time"]
    return None if reached.empty else float(reached.iloc[0])
