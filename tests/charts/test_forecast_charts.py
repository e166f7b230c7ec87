from __future__ import annotations

import numpy as np
import pandas as pd

from salesops.charts import accuracy_by_week, pipeline_coverage, rep_bias

WEEKS = pd.DataFrame(
    {
        "week": [1, 2, 3, 1, 2, 3],
        "category": ["best_case"] * 3 + ["commit"] * 3,
        "ratio": [1.3, 1.2, 1.05, 0.6, 0.8, 0.95],
    }
)


def test_accuracy_by_week_draws_commit_and_best_case(words) -> None:
    ax = accuracy_by_week(WEEKS).axes[0]
    curves = [line for line in ax.lines if line.get_gid() is None]
    assert [line.get_label() for line in curves] == ["Commit", "Best case"]
    np.testing.assert_allclose(curves[0].get_ydata(), [0.6, 0.8, 0.95])
    assert "Week of quarter" in words(ax)


def test_accuracy_by_week_shades_the_85_to_115_band_and_draws_100(with_gid) -> None:
    ax = accuracy_by_week(WEEKS).axes[0]
    (band,) = with_gid(ax, "accuracy-band")
    extents = band.get_path().transformed(band.get_patch_transform()).get_extents()
    assert (round(extents.y0, 6), round(extents.y1, 6)) == (0.85, 1.15)
    assert band.get_label() == "Within 15% of actual"
    (target,) = with_gid(ax, "target")
    assert list(target.get_ydata()) == [1.0, 1.0]
    assert ax.yaxis.get_major_formatter()(1.15, 0) == "115%"


BIAS = pd.DataFrame({"rep": ["Ann", "Bob", "Cy", "Di"], "bias": [0.12, -0.3, np.nan, 0.02]})


def test_rep_bias_ranks_reps_from_most_over_called(words) -> None:
    ax = rep_bias(BIAS).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Ann", "Di", "Bob", "Cy"]
    np.testing.assert_allclose([p.get_width() for p in ax.patches], [0.12, 0.02, -0.3, 0])
    text = words(ax)
    for label in ("+12%", "+2%", "-30%", "n/a"):
        assert label in text
    assert "Called more than closed" in text


def test_rep_bias_hatches_small_samples_and_ranks_them_after_the_others(words) -> None:
    reps = pd.DataFrame(
        {
            "rep": ["Ann", "Bob", "Di"],
            "bias": [2.03, -0.3, 0.02],
            "small_sample": [True, False, False],
        }
    )
    ax = rep_bias(reps).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Di", "Bob", "Ann"]
    assert [p.get_hatch() for p in ax.patches] == [None, None, "///"]
    assert "+203% (small sample)" in words(ax)


def test_rep_bias_diverges_around_zero_with_two_colours(with_gid) -> None:
    ax = rep_bias(BIAS).axes[0]
    assert with_gid(ax, "zero")
    over, _, under, _ = (p.get_facecolor() for p in ax.patches)
    assert over != under
    left, right = ax.get_xlim()
    assert left == -right


COVERAGE = pd.DataFrame(
    {
        "group": ["East", "West", "North"],
        "coverage": [3.1, 2.2, np.inf],
        "required": [2.8, 3.3, 3.0],
    }
)


def test_pipeline_coverage_marks_required_coverage_per_group(with_gid, words) -> None:
    ax = pipeline_coverage(COVERAGE).axes[0]
    np.testing.assert_allclose([p.get_width() for p in ax.patches], [3.1, 2.2, 0])
    (required,) = with_gid(ax, "required")
    np.testing.assert_allclose(required.get_offsets(), [[2.8, 0], [3.3, 1], [3.0, 2]])
    text = words(ax)
    assert "3.1× (needs 2.8×, covered)" in text
    assert "2.2× (needs 3.3×, short)" in text
    assert "n/a (needs 3.0×)" in text
    assert [p.get_hatch() for p in ax.patches] == [None, "///", None]
