"""Report charts: each function takes a small pandas frame and returns a matplotlib Figure.

Charts never show or save; ``salesops.present.figure`` renders one with its caption. The input
columns each chart expects are listed in its docstring.
"""

from __future__ import annotations

from salesops.charts.cohort import lead_conversion_windows, ramp_curves, won_share_heatmap
from salesops.charts.efficiency import (
    activity_by_type,
    touch_distribution,
    weeks_active,
    win_rates_with_content,
)
from salesops.charts.forecast import accuracy_by_week, pipeline_coverage, rep_bias
from salesops.charts.funnel import stage_funnel, time_to_close, win_rate_by_group
from salesops.charts.pipeline import (
    flow_waterfall,
    landing_band,
    pacing_lines,
    pipeline_flow_by,
    stalled_by_stage,
)
from salesops.charts.quota import attainment_distribution, attainment_vs_tenure, rep_attainment
from salesops.charts.summary import changes
from salesops.charts.theme import safe_label
from salesops.charts.trend import quarter_trend
from salesops.charts.unit_economics import spend_by_channel

__all__ = [
    "accuracy_by_week",
    "activity_by_type",
    "attainment_distribution",
    "attainment_vs_tenure",
    "changes",
    "flow_waterfall",
    "landing_band",
    "lead_conversion_windows",
    "pacing_lines",
    "pipeline_coverage",
    "pipeline_flow_by",
    "quarter_trend",
    "ramp_curves",
    "rep_attainment",
    "rep_bias",
    "safe_label",
    "spend_by_channel",
    "stage_funnel",
    "stalled_by_stage",
    "time_to_close",
    "touch_distribution",
    "weeks_active",
    "win_rate_by_group",
    "win_rates_with_content",
    "won_share_heatmap",
]
