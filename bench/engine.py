"""Metrics engine: the funnel and quota headlines through Ibis on DuckDB against plain pandas.

Both sides compute the same figures (``pandas_metrics.FUNNEL_KEYS`` and ``QUOTA_KEYS``: the
headlines less velocity and next-quarter coverage) from the DuckDB file: Ibis opens it and pushes
filters and aggregations down; pandas reads the tables whole and works in memory
(``bench.pandas_metrics``). Each side's time is the best of ``REPEATS`` runs, opening or loading
included. The figures must agree to 1e-9.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

from bench import pandas_metrics
from salesops.data.sources import open_crm
from salesops.metrics import funnel, plain_float, quota
from salesops.periods import Quarter

REPEATS = 3


def with_ibis(source: Path, quarter: Quarter, team: str) -> dict[str, Any]:
    """The compared figures from the metric functions the headlines are made of."""
    tables = open_crm(source).tables
    win = funnel.win_rate(tables, quarter, team)
    reach = funnel.stage_reach(tables, quarter, team)
    leads = funnel.lead_conversion(tables, quarter, team)
    reps = quota.attainment(tables, quarter, team)
    summary = quota.quota_summary(reps)
    return {
        "closed_deals": win.closed,
        "won_deals": win.won,
        "won_amount": win.won_amount,
        "closed_amount": win.closed_amount,
        "win_rate": win.rate,
        "avg_won_deal": win.avg_won_deal,
        "median_cycle_days": funnel.cycle_length(tables, quarter, team).median_days,
        "stage_conversion": {
            str(r.stage): plain_float(r.step_conversion) for r in reach.itertuples(index=False)
        },
        "lead_conversion": leads.rate,
        "leads": leads.leads,
        "quota_total": summary.quota_total,
        "bookings_total": summary.bookings_total,
        "team_attainment": summary.team_attainment,
        "reps_with_quota": summary.reps_with_quota,
        "reps_at_quota_share": summary.reps_at_quota_share,
        "median_attainment": summary.median_attainment,
        "top20_bookings_share": quota.bookings_concentration(reps).share,
    }


def with_pandas(source: Path, quarter: Quarter, team: str) -> dict[str, Any]:
    tables = pandas_metrics.load(source)
    return {
        **pandas_metrics.funnel_headline(tables, quarter, team),
        **pandas_metrics.quota_headline(tables, quarter, team),
    }


def _best(compute: Any, *args: Any) -> tuple[float, dict[str, Any]]:
    best, result = math.inf, {}
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = compute(*args)
        best = min(best, time.perf_counter() - started)
    return best, result


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, int | float) and isinstance(right, int | float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
    return left == right


def compare(source: Path, quarter: Quarter, team: str) -> dict[str, Any]:
    """Seconds each way and the compared figures; ValueError when the figures differ."""
    ibis_s, ibis_figures = _best(with_ibis, source, quarter, team)
    pandas_s, pandas_figures = _best(with_pandas, source, quarter, team)
    keys = (*pandas_metrics.FUNNEL_KEYS, *pandas_metrics.QUOTA_KEYS)
    differing = [k for k in keys if not _same(ibis_figures[k], pandas_figures[k])]
    if differing:
        pairs = {k: (ibis_figures[k], pandas_figures[k]) for k in differing}
        raise ValueError(f"Ibis and pandas disagree on {pairs}")
    return {"ibis_s": ibis_s, "pandas_s": pandas_s, "figures_compared": len(keys)}
