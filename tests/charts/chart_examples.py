"""One small valid frame per chart, for the tests that draw every chart; the empty case is the
same frame with no rows."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure

from salesops import charts

EXAMPLES: dict[str, tuple[Callable[..., Figure], pd.DataFrame]] = {
    "stage_funnel": (charts.stage_funnel, pd.DataFrame({"stage": ["A", "B"], "reached": [10, 5]})),
    "time_to_close": (charts.time_to_close, pd.DataFrame({"time": [5.0], "survival": [0.4]})),
    "win_rate_by_group": (
        charts.win_rate_by_group,
        pd.DataFrame({"group": ["A"], "won": [3], "closed": [10]}),
    ),
    "won_share_heatmap": (
        charts.won_share_heatmap,
        pd.DataFrame({"cohort": ["2026-01"], "age_months": [0], "won_share": [0.1]}),
    ),
    "ramp_curves": (
        charts.ramp_curves,
        pd.DataFrame({"hire_quarter": ["2025Q1"], "tenure_month": [1], "bookings": [1000.0]}),
    ),
    "lead_conversion_windows": (
        charts.lead_conversion_windows,
        pd.DataFrame({"window_days": [30], "converted": [3], "leads": [30]}),
    ),
    "accuracy_by_week": (
        charts.accuracy_by_week,
        pd.DataFrame({"week": [1], "category": ["commit"], "ratio": [0.9]}),
    ),
    "rep_bias": (charts.rep_bias, pd.DataFrame({"rep": ["Ann"], "bias": [0.1]})),
    "pipeline_coverage": (
        charts.pipeline_coverage,
        pd.DataFrame({"group": ["East"], "coverage": [3.0], "required": [2.5]}),
    ),
    "attainment_distribution": (
        charts.attainment_distribution,
        pd.DataFrame({"attainment": [0.8, 1.1]}),
    ),
    "attainment_vs_tenure": (
        charts.attainment_vs_tenure,
        pd.DataFrame({"tenure_months": [4.0], "attainment": [0.8]}),
    ),
    "rep_attainment": (charts.rep_attainment, pd.DataFrame({"rep": ["Ann"], "attainment": [0.8]})),
}
