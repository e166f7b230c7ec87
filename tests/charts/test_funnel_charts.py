from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from salesops.charts import stage_funnel, time_to_close, win_rate_by_group

STAGES = pd.DataFrame(
    {
        "stage": ["Qualify", "Discover", "Propose", "Negotiate", "Won"],
        "reached": [200, 120, 60, 30, 12],
    }
)


def test_stage_funnel_draws_one_bar_per_stage_in_process_order(words) -> None:
    fig = stage_funnel(STAGES)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [p.get_width() for p in ax.patches] == [200, 120, 60, 30, 12]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(STAGES["stage"])
    assert ax.yaxis_inverted()  # first stage on top


def test_stage_funnel_labels_step_and_cumulative_conversion(words) -> None:
    text = words(stage_funnel(STAGES).axes[0])
    # 120/200 = 60 % step and cumulative; 60/120 = 50 % step, 60/200 = 30 % cumulative;
    # 12/30 = 40 % step, 12/200 = 6 % cumulative
    assert "120  ·  60% step  ·  60% cumulative" in text
    assert "60  ·  50% step  ·  30% cumulative" in text
    assert "12  ·  40% step  ·  6% cumulative" in text


def test_stage_funnel_with_no_deals_in_a_stage_reads_n_a(words) -> None:
    text = words(
        stage_funnel(pd.DataFrame({"stage": ["A", "B", "C"], "reached": [0, 0, 0]})).axes[0]
    )
    assert "n/a step" in text


KM = pd.DataFrame({"time": [10, 20, 35, 50, 80], "survival": [0.9, 0.75, 0.55, 0.45, 0.3]})


def test_time_to_close_plots_share_closed_as_a_step_curve(with_gid) -> None:
    ax = time_to_close(KM).axes[0]
    (line,) = ax.lines[1:]  # ax.lines[0] is the 50 % guide
    assert line.get_drawstyle() == "steps-post"
    np.testing.assert_allclose(line.get_xdata(), [0, 10, 20, 35, 50, 80])
    np.testing.assert_allclose(line.get_ydata(), [0, 0.1, 0.25, 0.45, 0.55, 0.7])
    assert with_gid(ax, "half")


def test_time_to_close_marks_the_median_where_survival_first_reaches_half(with_gid, words) -> None:
    ax = time_to_close(KM).axes[0]
    (median,) = with_gid(ax, "median")
    segment = median.get_segments()[0]
    np.testing.assert_allclose(segment, [[50, 0], [50, 0.5]])
    assert "Median 50 days" in words(ax)


def test_time_to_close_says_when_the_median_is_not_reached(with_gid, words) -> None:
    open_deals = pd.DataFrame({"time": [10, 40], "survival": [0.8, 0.6]})
    ax = time_to_close(open_deals).axes[0]
    assert not with_gid(ax, "median")
    assert "Median not reached" in words(ax)


def test_time_to_close_draws_one_curve_per_group(with_gid, words) -> None:
    both = pd.concat([KM.assign(group="SMB"), KM.assign(group="Enterprise", survival=0.8)])
    ax = time_to_close(both, outcome="won").axes[0]
    assert len(ax.lines) == 3
    assert len(with_gid(ax, "median")) == 1
    text = words(ax)
    assert "SMB: median 50 days" in text
    assert "Enterprise: median not reached" in text
    assert "Share of deals won" in text


RATES = pd.DataFrame(
    {"group": ["SMB", "Mid-market", "Enterprise"], "won": [60, 20, 4], "closed": [200, 80, 12]}
)


def test_win_rate_by_group_draws_rates_with_counts(words) -> None:
    ax = win_rate_by_group(RATES).axes[0]
    np.testing.assert_allclose([p.get_width() for p in ax.patches], [0.3, 0.25, 4 / 12])
    text = words(ax)
    assert "30% (n=200)" in text
    assert "25% (n=80)" in text


def test_win_rate_by_group_marks_small_samples_in_words_and_hatching(words) -> None:
    ax = win_rate_by_group(RATES).axes[0]
    assert [p.get_hatch() for p in ax.patches] == [None, None, "///"]
    assert "33% (n=12, small sample)" in words(ax)


def test_win_rate_by_group_without_closed_deals_reads_n_a(words) -> None:
    ax = win_rate_by_group(pd.DataFrame({"group": ["New"], "won": [0], "closed": [0]})).axes[0]
    assert ax.patches[0].get_width() == 0
    assert "n/a (n=0, small sample)" in words(ax)


@pytest.mark.parametrize("threshold, hatched", [(5, 0), (100, 2)])
def test_win_rate_small_sample_threshold_is_a_parameter(threshold: int, hatched: int) -> None:
    ax = win_rate_by_group(RATES, small_sample=threshold).axes[0]
    assert sum(p.get_hatch() == "///" for p in ax.patches) == hatched
