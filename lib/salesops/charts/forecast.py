"""Forecast charts: how close the calls came to the actual, who leans which way, and coverage."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from salesops import formatting
from salesops.charts.theme import (
    BLUE,
    GREY,
    INK,
    ORANGE,
    PALE,
    SERIES,
    bars_height,
    hatch_bar,
    integer_axis,
    multiple_axis,
    new_figure,
    no_data,
    percent_axis,
    require_columns,
    safe_label,
    themed,
)
from salesops.i18n import N_, _
from salesops.metrics.stats import at_least

CATEGORY_NAMES = {"commit": N_("Commit"), "best_case": N_("Best case"), "pipeline": N_("Pipeline")}
BAND = (0.85, 1.15)  # forecast within 15 % of the actual counts as accurate


@themed
def accuracy_by_week(weeks: pd.DataFrame, title: str | None = None) -> Figure:
    """Forecast / actual by week of quarter per category, with the 85-115 % band and 100 % line.

    ``weeks``: one row per week and category; columns ``week`` (int, 1 = first week),
    ``category`` ("commit", "best_case" or another name) and ``ratio`` (F_w / A: the cumulative
    call at the end of week w over the quarter's closed-won actual). The title defaults to
    "Forecast as a share of actual".
    """
    title = title or _("Forecast as a share of actual")
    require_columns(weeks, ("week", "category", "ratio"), "accuracy_by_week")
    if weeks.dropna(subset=["ratio"]).empty:
        return no_data(title)
    order = {name: rank for rank, name in enumerate(CATEGORY_NAMES)}
    categories = sorted(weeks["category"].unique(), key=lambda c: (order.get(c, len(order)), c))

    fig, ax = new_figure()
    low, high = BAND
    band_label = _("Within {percent} of actual").format(percent=formatting.percent(high - 1))
    ax.axhspan(low, high, color=PALE, linewidth=0, gid="accuracy-band", label=band_label)
    ax.axhline(1.0, color=GREY, linewidth=1, linestyle="--", gid="target", label=_("Actual"))
    for category, color in zip(categories, itertools.cycle(SERIES)):
        line = weeks[weeks["category"] == category].sort_values("week")
        name = (
            _(CATEGORY_NAMES[category]) if category in CATEGORY_NAMES else safe_label(category, 20)
        )
        ax.plot(line["week"], line["ratio"], marker="o", ms=4, color=color, label=name)
    ratios = weeks["ratio"].dropna()
    ax.set_ylim(min(0.5, ratios.min() - 0.05), max(1.3, ratios.max() + 0.05))
    percent_axis(ax)
    integer_axis(ax, "x")
    if weeks["week"].nunique() <= 16:
        ax.set_xticks(sorted(weeks["week"].unique()))
    ax.set_xlabel(_("Week of quarter"))
    ax.set_ylabel(_("Forecast / actual"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(safe_label(title))
    return fig


@themed
def rep_bias(reps: pd.DataFrame, title: str | None = None) -> Figure:
    """Reps ranked by signed forecast bias as diverging bars, over-callers on top.

    ``reps``: one row per rep; columns ``rep`` (name) and ``bias`` (sum(F - A) / sum A, a
    fraction; positive means the rep called more than closed). Reps without a bias go last.
    Optional ``small_sample`` (bool): those reps are hatched, labelled "small sample" and drawn
    after the others, whatever their bias. The title defaults to "Forecast bias by rep".
    """
    title = title or _("Forecast bias by rep")
    require_columns(reps, ("rep", "bias"), "rep_bias")
    if reps.empty:
        return no_data(title)
    small = reps["small_sample"].astype(bool) if "small_sample" in reps else False
    reps = reps.assign(small_sample=small).sort_values(
        ["small_sample", "bias"], ascending=[True, False], na_position="last"
    )
    bias = reps["bias"].astype(float).to_numpy()

    fig, ax = new_figure(height=bars_height(len(reps)))
    positions = np.arange(len(reps))
    colors = [ORANGE if b > 0 else BLUE for b in np.nan_to_num(bias)]
    bars = ax.barh(positions, np.nan_to_num(bias), color=colors, height=0.65)
    labels = []
    for bar, value, is_small, color in zip(bars, bias, reps["small_sample"], colors, strict=True):
        if is_small:
            hatch_bar(bar, color)
        shown = formatting.percent(value, signed=True)
        labels.append(_("{bias} (small sample)").format(bias=shown) if is_small else shown)
    ax.bar_label(bars, labels=labels, padding=4)
    ax.axvline(0, color=INK, linewidth=0.8, gid="zero")
    ax.set_yticks(positions, [safe_label(r, 28) for r in reps["rep"]])
    ax.invert_yaxis()
    reach = max(float(np.nan_to_num(np.abs(bias)).max()), 0.05) * 1.3
    ax.set_xlim(-reach, reach)
    percent_axis(ax, "x")
    ax.set_xlabel(_("Forecast bias: (forecast - actual) / actual"))
    ax.legend(
        handles=[
            Patch(color=ORANGE, label=_("Called more than closed")),
            Patch(color=BLUE, label=_("Called less than closed")),
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    ax.set_title(safe_label(title))
    return fig


@themed
def pipeline_coverage(coverage: pd.DataFrame, title: str | None = None) -> Figure:
    """Pipeline coverage per group as bars, with the required coverage marked on each.

    ``coverage``: one row per group (team or rep) in display order; columns ``group`` (str),
    ``coverage`` (open pipeline / quota still to book, e.g. 2.8) and ``required`` (1 / win rate).
    Groups short of their requirement are hatched and labelled "short". The title defaults to
    "Pipeline coverage".
    """
    title = title or _("Pipeline coverage")
    require_columns(coverage, ("group", "coverage", "required"), "pipeline_coverage")
    if coverage.empty:
        return no_data(title)
    have = coverage["coverage"].astype(float).to_numpy()
    need = coverage["required"].astype(float).to_numpy()

    fig, ax = new_figure(height=bars_height(len(coverage)))
    positions = np.arange(len(coverage))
    bars = ax.barh(positions, np.nan_to_num(have, posinf=0), color=BLUE, height=0.6)
    for position, bar, h, n in zip(positions, bars, have, need, strict=True):
        label = _("{coverage} (needs {required})")
        if np.isfinite(h) and np.isfinite(n):
            if at_least(h, n):
                label = _("{coverage} (needs {required}, covered)")
            else:
                label = _("{coverage} (needs {required}, short)")
                hatch_bar(bar, BLUE)
        label = label.format(coverage=formatting.multiple(h), required=formatting.multiple(n))
        end = max(np.nan_to_num([h, n], nan=0, posinf=0))  # right of both the bar and the mark
        ax.annotate(
            label,
            (end, position),
            xytext=(8, 0),
            textcoords="offset points",
            va="center",
            fontsize=9.5,
        )
    ax.scatter(
        need, positions, marker="|", s=500, linewidths=2.5, color=INK, zorder=3, gid="required"
    )
    ax.set_yticks(positions, [safe_label(g, 28) for g in coverage["group"]])
    ax.invert_yaxis()
    finite = np.concatenate([have[np.isfinite(have)], need[np.isfinite(need)], [1.0]])
    ax.set_xlim(0, finite.max() * 1.6)  # room for the labels right of the bars
    multiple_axis(ax, "x")
    ax.legend(
        handles=[
            Line2D(
                [],
                [],
                color=INK,
                marker="|",
                markersize=14,
                markeredgewidth=2.5,
                linestyle="none",
                label=_("Required: 1 / win rate"),
            ),
            Patch(facecolor="white", edgecolor=BLUE, hatch="///", label=_("Short of required")),
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    ax.set_title(safe_label(title))
    return fig
