"""Small-sample statistics against hand-worked values and independent libraries."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lifelines import KaplanMeierFitter
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from salesops.metrics.stats import (
    at_least,
    at_most,
    is_small_sample,
    kaplan_meier,
    median_survival,
    ratio,
    two_proportion_test,
    wilson_interval,
)


@pytest.mark.parametrize(("successes", "n"), [(0, 10), (3, 10), (10, 10), (31, 212), (1, 1)])
def test_wilson_interval_matches_statsmodels(successes: int, n: int) -> None:
    low, high = wilson_interval(successes, n)
    expected = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(expected, abs=1e-12)


def test_wilson_interval_by_hand_for_8_of_10() -> None:
    # z = 1.959964; p = 0.8; 1 + z^2/n = 1.384146; centre = (0.8 + 0.192073) / 1.384146 = 0.716740
    # half = z * sqrt(0.016 + 0.009604) / 1.384146 = 0.226567 -> (0.490162, 0.943318)
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.490162, abs=1e-6)
    assert high == pytest.approx(0.943318, abs=1e-6)


def test_wilson_interval_of_no_observations_is_undefined() -> None:
    low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_two_proportion_test_by_hand() -> None:
    # 30/100 vs 20/100: pooled 0.25, se = sqrt(0.25 * 0.75 * 0.02) = 0.0612372,
    # z = 0.1 / 0.0612372 = 1.632993, p = 2 * (1 - Phi(1.632993)) = 0.102470: not significant
    result = two_proportion_test(30, 100, 20, 100)
    assert (result.rate_a, result.rate_b) == (0.3, 0.2)
    assert result.diff == pytest.approx(0.1)
    assert result.z == pytest.approx(1.632993, abs=1e-6)
    assert result.p_value == pytest.approx(0.102470, abs=1e-6)
    assert result.significant is False


@pytest.mark.parametrize(
    ("sa", "na", "sb", "nb"), [(30, 100, 20, 100), (45, 212, 80, 240), (2, 9, 7, 11), (0, 5, 3, 5)]
)
def test_two_proportion_test_matches_statsmodels(sa: int, na: int, sb: int, nb: int) -> None:
    result = two_proportion_test(sa, na, sb, nb, alpha=0.05)
    z, p = proportions_ztest([sa, sb], [na, nb])
    assert result.z == pytest.approx(z, abs=1e-12)
    assert result.p_value == pytest.approx(p, abs=1e-12)
    assert result.significant == (p < 0.05)


def test_two_proportion_test_with_an_empty_sample_is_undefined_not_an_error() -> None:
    result = two_proportion_test(3, 10, 0, 0)
    assert result.rate_a == 0.3 and math.isnan(result.rate_b) and math.isnan(result.p_value)
    assert result.significant is False


def test_two_proportion_test_of_two_zero_rates_finds_no_difference() -> None:
    result = two_proportion_test(0, 12, 0, 30)
    assert (result.z, result.p_value, result.significant) == (0.0, 1.0, False)


def test_kaplan_meier_by_hand() -> None:
    # times 1 2 2 3 5 8 8 10, events at 1, 2, 3, 8, 8 (the other 2, 5 and 10 are censored)
    # S(1) = 7/8; S(2) = 7/8 * 6/7 = 0.75 (7 at risk, 1 event); S(3) = 0.75 * 4/5 = 0.6;
    # S(5) = 0.6 (censored); S(8) = 0.6 * 1/3 = 0.2 (3 at risk, 2 events); S(10) = 0.2
    curve = kaplan_meier([1, 2, 2, 3, 5, 8, 8, 10], [1, 1, 0, 1, 0, 1, 1, 0])
    assert curve["time"].tolist() == [0, 1, 2, 3, 5, 8, 10]
    assert curve["survival"].tolist() == pytest.approx([1, 0.875, 0.75, 0.6, 0.6, 0.2, 0.2])
    assert median_survival(curve) == 8


def test_kaplan_meier_matches_lifelines_on_random_durations() -> None:
    rng = np.random.default_rng(11)
    durations = rng.integers(0, 120, size=400).astype(float)  # whole days: many ties
    observed = rng.random(400) < 0.6
    curve = kaplan_meier(durations, observed)
    fitter = KaplanMeierFitter().fit(durations, observed)
    expected = fitter.survival_function_at_times(curve["time"]).to_numpy()
    assert curve["survival"].to_numpy() == pytest.approx(expected, abs=1e-12)
    assert median_survival(curve) == fitter.median_survival_time_


def test_the_median_is_the_first_time_the_curve_is_exactly_one_half() -> None:
    # 10 at risk: S(1) = 8/10, S(2) = 8/10 * 6/8 = 6/10, S(3) = 6/10 * 5/6 = 1/2 exactly (as floats
    # 0.8 * 0.75 * 0.8333... is 0.5000000000000001); 4 is censored, so S(4) = 1/2; at 5, 4 at risk
    # and 2 events: S(5) = 1/2 * 2/4 = 1/4; S(6) = 0
    durations, observed = [1, 1, 2, 2, 3, 4, 5, 5, 5, 6], [1, 1, 1, 1, 1, 0, 1, 1, 0, 1]
    curve = kaplan_meier(durations, observed)
    assert curve["survival"].tolist() == [1.0, 0.8, 0.6, 0.5, 0.5, 0.25, 0.0]
    assert median_survival(curve) == 3
    assert KaplanMeierFitter().fit(durations, observed).median_survival_time_ == 3


@pytest.mark.parametrize("seed", range(20))
def test_the_median_matches_lifelines_where_curves_touch_one_half(seed: int) -> None:
    # few deals over few days: many curves pass through exactly 1/2 at some step
    rng = np.random.default_rng(seed)
    durations = rng.integers(1, 6, size=12).astype(float)
    observed = rng.random(12) < 0.7
    fitter = KaplanMeierFitter().fit(durations, observed)
    assert median_survival(kaplan_meier(durations, observed)) == (
        None if math.isinf(fitter.median_survival_time_) else fitter.median_survival_time_
    )


def test_a_threshold_is_reached_despite_float_drift_and_missed_by_a_real_shortfall() -> None:
    booked = 71819.40 + 5872.23  # 77691.62999999999 as floats; 77691.63 in cents
    assert booked < 77691.63 and at_least(booked, 77691.63)
    assert not at_least(77691.62, 77691.63)  # a cent short is short
    assert at_most(0.1 + 0.2, 0.3) and not at_most(0.31, 0.3)
    assert at_least(np.array([0.7 + 0.2 + 0.1, 0.99]), 1.0).tolist() == [True, False]


def test_median_survival_is_none_when_the_curve_stays_above_half() -> None:
    curve = kaplan_meier([5, 9, 12, 30], [True, False, False, False])  # S falls to 0.75 only
    assert median_survival(curve) is None


def test_kaplan_meier_of_nothing_is_an_empty_curve() -> None:
    curve = kaplan_meier([], [])
    assert curve.empty and list(curve.columns) == ["time", "survival"]


def test_small_sample_flag_is_below_twenty_by_default() -> None:
    assert is_small_sample(19) and not is_small_sample(20)
    assert is_small_sample(4, threshold=5) and not is_small_sample(5, threshold=5)


def test_ratio_is_none_when_the_denominator_is_zero_or_missing() -> None:
    assert ratio(3, 4) == 0.75
    assert ratio(3, 0) is None and ratio(3, None) is None and ratio(math.nan, 2) is None
