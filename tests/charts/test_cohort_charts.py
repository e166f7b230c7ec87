from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.collections import QuadMesh

from salesops.charts import lead_conversion_windows, ramp_curves, won_share_heatmap

# Three monthly cohorts: the oldest observed for three ages, the newest only at age 0.
COHORTS = pd.DataFrame(
    {
        "cohort": pd.to_datetime(["2026-01-01"] * 3 + ["2026-02-01"] * 2 + ["2026-03-01"]),
        "age_months": [0, 1, 2, 0, 1, 0],
        "won_share": [0.0, 0.1, 0.25, 0.05, np.nan, 0.0],
    }
)


def test_heatmap_has_a_row_per_cohort_and_a_column_per_age() -> None:
    ax = won_share_heatmap(COHORTS).axes[0]
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert mesh.get_array().shape in {(3, 3), (9,)}
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2026-01", "2026-02", "2026-03"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]


def test_heatmap_leaves_censored_cells_blank() -> None:
    ax = won_share_heatmap(COHORTS).axes[0]
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    values = np.ma.asarray(mesh.get_array())
    # 9 cells; 5 known, 4 blank (Feb at age 1 is NaN, Feb age 2 and Mar ages 1-2 are absent)
    assert int(values.count()) == 5
    assert sorted(t.get_text() for t in ax.texts) == ["0%", "0%", "10%", "25%", "5%"]


def test_heatmap_accepts_month_labels_as_text() -> None:
    labels = COHORTS.assign(cohort=["2026-01"] * 3 + ["2026-02"] * 2 + ["2026-03"])
    ax = won_share_heatmap(labels).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2026-01", "2026-02", "2026-03"]


RAMP = pd.DataFrame(
    {
        "hire_quarter": ["2025Q2", "2025Q2", "2025Q1", "2025Q1", "2025Q1"],
        "tenure_month": [1, 2, 1, 2, 3],
        "bookings": [10_000.0, 30_000.0, 5_000.0, 20_000.0, 45_000.0],
        "attainment": [0.2, 0.6, 0.1, 0.4, 0.9],
    }
)


def test_ramp_curves_draw_one_line_per_hire_quarter_oldest_first(words) -> None:
    ax = ramp_curves(RAMP).axes[0]
    assert [line.get_label() for line in ax.lines] == ["2025Q1", "2025Q2"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [5_000, 20_000, 45_000])
    assert "$20k" in ax.yaxis.get_major_formatter()(20_000, 0).replace("\\", "")
    assert "Hired in" in ax.get_legend().get_title().get_text()


def test_ramp_curves_of_attainment_show_the_quota_line(with_gid) -> None:
    ax = ramp_curves(RAMP, value="attainment").axes[0]
    (target,) = with_gid(ax, "target")
    assert list(target.get_ydata()) == [1.0, 1.0]
    assert ax.yaxis.get_major_formatter()(0.5, 0) == "50%"
    assert not with_gid(ramp_curves(RAMP).axes[0], "target")


WINDOWS = pd.DataFrame(
    {"window_days": [90, 30, 180], "converted": [260, 120, 8], "leads": [950, 1000, 15]}
)


def test_lead_conversion_bars_per_window_in_day_order(words) -> None:
    ax = lead_conversion_windows(WINDOWS).axes[0]
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [0.12, 260 / 950, 8 / 15])
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Within 30 days",
        "Within 90 days",
        "Within 180 days",
    ]
    text = words(ax)
    assert "12%\n(120 of 1,000)" in text
    assert "53%\n(8 of 15, small sample)" in text
    assert [p.get_hatch() for p in ax.patches] == [None, None, "///"]
