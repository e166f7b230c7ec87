from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesops.charts import attainment_distribution, attainment_vs_tenure, rep_attainment

REPS = pd.DataFrame(
    {
        "rep": ["Ann", "Bob", "Cy", "Di", "Ed"],
        "tenure_months": [30.0, 2.0, 14.0, 7.0, np.nan],
        "attainment": [1.25, 0.35, 0.95, 1.0, np.nan],
        "ramping": [False, True, False, False, False],
    }
)


def test_distribution_bins_reps_by_ten_percent_with_the_quota_line(with_gid, words) -> None:
    ax = attainment_distribution(REPS).axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == 13  # 0 % to 130 % in 10 % bins
    assert sum(heights) == 4  # Ed has no attainment
    assert heights[3] == heights[9] == heights[10] == heights[12] == 1
    (target,) = with_gid(ax, "target")
    assert list(target.get_xdata()) == [1.0, 1.0]
    assert "2 of 4 reps at or above quota (50%)" in words(ax)


def test_distribution_puts_everyone_above_200_percent_in_the_last_bin(words) -> None:
    ax = attainment_distribution(pd.DataFrame({"attainment": [0.5, 3.4]})).axes[0]
    assert len(ax.patches) == 20
    assert ax.patches[-1].get_height() == 1
    assert "the last bar includes everyone above 200%" in words(ax)


def test_attainment_vs_tenure_scatters_reps_with_known_values(with_gid) -> None:
    ax = attainment_vs_tenure(REPS).axes[0]
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_offsets(), [[30, 1.25], [2, 0.35], [14, 0.95], [7, 1.0]])
    assert with_gid(ax, "target")
    assert not with_gid(ax, "ramp")


def test_attainment_vs_tenure_shades_the_ramp(with_gid, words) -> None:
    ax = attainment_vs_tenure(REPS, ramp_months=3).axes[0]
    assert with_gid(ax, "ramp")
    assert "Ramping (first 3 months)" in words(ax)


def test_rep_attainment_sorts_reps_from_highest(with_gid, words) -> None:
    ax = rep_attainment(REPS).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Ann", "Di", "Cy", "Bob", "Ed"]
    np.testing.assert_allclose([p.get_width() for p in ax.patches], [1.25, 1.0, 0.95, 0.35, 0])
    (target,) = with_gid(ax, "target")
    assert list(target.get_xdata()) == [1.0, 1.0]
    text = words(ax)
    for label in ("125%", "100%", "95%", "35% (ramping)", "n/a"):
        assert label in text


@pytest.mark.parametrize("with_ramping", [True, False])
def test_rep_attainment_hatches_only_ramping_reps(with_ramping: bool) -> None:
    frame = REPS if with_ramping else REPS.drop(columns="ramping")
    hatches = [p.get_hatch() for p in rep_attainment(frame).axes[0].patches]
    assert hatches == ([None, None, None, "///", None] if with_ramping else [None] * 5)
