"""Cohort charts: deals by month created, reps by hire quarter, leads by conversion window."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from salesops import formatting
from salesops.charts.theme import (
    BLUE,
    GREY,
    SMALL_SAMPLE,
    hatch_bar,
    integer_axis,
    money_axis,
    new_figure,
    no_data,
    percent_axis,
    percent_ticks,
    require_columns,
    safe_label,
    themed,
)
from salesops.i18n import N_, _

_ANNOTATE_UP_TO = 240  # cells; beyond this the numbers would be too small to read
_MONTH = re.compile(r"^\d{4}-\d{2}$")  # a month label such as "2026-01"
# The y axis of ``ramp_curves`` for each value it can draw.
RAMP_VALUES = {"bookings": N_("Bookings"), "attainment": N_("Attainment")}


def _month_label(value: Any) -> str:
    """A cohort month as a reader names it: "2026-01" in English, "janv. 2026" in French."""
    if isinstance(value, str) and _MONTH.match(value):
        value = pd.Period(value, freq="M")
    if isinstance(value, pd.Period):
        value = value.to_timestamp()
    if not isinstance(value, date):  # also pandas Timestamps
        return safe_label(value, 20)
    return formatting.month(value)


@themed
def won_share_heatmap(cohorts: pd.DataFrame, title: str | None = None) -> Figure:
    """Heatmap of cumulative won share: one row per creation month, one column per age in months.

    ``cohorts``: long frame with one row per cohort and age; columns ``cohort`` (creation month as
    a Timestamp, Period or label like "2026-01"), ``age_months`` (int, 0 = the month created) and
    ``won_share`` (cumulative share of the cohort's deals won by that age). Ages a cohort has not
    reached yet (censored) are NaN or absent and stay blank. Months read in the locale ("janv.
    2026"; ISO "2026-01" in English). The title defaults to "Share of deals won, by month created".
    """
    title = title or _("Share of deals won, by month created")
    require_columns(cohorts, ("cohort", "age_months", "won_share"), "won_share_heatmap")
    known = cohorts.dropna(subset=["won_share"])
    if known.empty:
        return no_data(title)
    grid = cohorts.pivot(index="cohort", columns="age_months", values="won_share").sort_index()
    grid = grid.reindex(columns=range(int(grid.columns.max()) + 1)).astype(float)

    import seaborn as sns  # a second to import: only the charts that draw with it pay it

    fig, ax = new_figure(height=min(max(1.4 + 0.3 * len(grid), 2.6), 10.0))
    annot = grid.map(formatting.percent).to_numpy() if grid.size <= _ANNOTATE_UP_TO else False
    sns.heatmap(
        grid,
        ax=ax,
        mask=grid.isna(),
        cmap=sns.light_palette(BLUE, as_cmap=True),
        vmin=0,
        vmax=max(float(grid.max().max()), 0.01),
        annot=annot,
        fmt="",
        annot_kws={"fontsize": 8},
        linewidths=1,
        linecolor="white",
        xticklabels=[formatting.count(age) for age in grid.columns],
        yticklabels=[_month_label(c) for c in grid.index],
        cbar_kws={"format": percent_ticks(), "shrink": 0.8},
    )
    ax.tick_params(length=0, rotation=0)
    ax.set_xlabel(_("Months since created (blank: not reached yet)"))
    ax.set_ylabel(_("Created in"))
    ax.set_title(safe_label(title))
    return fig


@themed
def ramp_curves(
    ramp: pd.DataFrame,
    value: Literal["bookings", "attainment"] = "bookings",
    title: str | None = None,
    currency: str = "USD",
) -> Figure:
    """One line per hire quarter of ``value`` by month of tenure; newer cohorts drawn darker.

    ``ramp``: one row per hire quarter and tenure month; columns ``hire_quarter`` (label like
    "2025Q3"), ``tenure_month`` (int, 1 = first month) and the ``value`` column: ``bookings``
    (amount, money axis) or ``attainment`` (fraction of quota, percent axis with the 100 % line).
    Quarters read in the locale ("T3 2025" in French). The title defaults to "Ramp by hire
    quarter".
    """
    title = title or _("Ramp by hire quarter")
    require_columns(ramp, ("hire_quarter", "tenure_month", value), "ramp_curves")
    if ramp.dropna(subset=[value]).empty:
        return no_data(title)
    quarters = sorted(ramp["hire_quarter"].astype(str).unique())
    colors = (
        [BLUE]
        if len(quarters) == 1
        else LinearSegmentedColormap.from_list("ramp", ["#9ECAE1", BLUE, "#08306B"])(
            np.linspace(0, 1, len(quarters))
        )
    )

    fig, ax = new_figure()
    for quarter, color in zip(quarters, colors, strict=True):
        line = ramp[ramp["hire_quarter"].astype(str) == quarter].sort_values("tenure_month")
        label = safe_label(formatting.quarter(quarter), 20)
        ax.plot(line["tenure_month"], line[value], marker="o", ms=3.5, color=color, label=label)
    if value == "attainment":
        ax.axhline(1.0, color=GREY, linewidth=1, linestyle="--", gid="target")
        percent_axis(ax)
    else:
        money_axis(ax, currency=currency)
    ax.set_ylim(bottom=0)
    integer_axis(ax, "x")
    ax.set_xlabel(_("Month of tenure"))
    ax.set_ylabel(_(RAMP_VALUES[value]))
    ax.legend(title=_("Hired in"), loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(safe_label(title))
    return fig


@themed
def lead_conversion_windows(
    windows: pd.DataFrame, title: str | None = None, small_sample: int = SMALL_SAMPLE
) -> Figure:
    """Share of leads converted within each window (e.g. 30, 90, 180 days), with counts.

    ``windows``: one row per window; columns ``window_days`` (int), ``converted`` (int, leads
    converted within the window) and ``leads`` (int, leads old enough to have had the whole
    window). Rate = converted / leads; fewer than ``small_sample`` leads is drawn hatched. The
    title defaults to "Lead conversion".
    """
    title = title or _("Lead conversion")
    require_columns(windows, ("window_days", "converted", "leads"), "lead_conversion_windows")
    if windows.empty:
        return no_data(title)
    windows = windows.sort_values("window_days")
    leads = windows["leads"].astype(float).to_numpy()
    share = windows["converted"].astype(float).to_numpy() / np.where(leads > 0, leads, np.nan)

    fig, ax = new_figure()
    positions = np.arange(len(windows))
    bars = ax.bar(positions, np.nan_to_num(share), color=BLUE, width=0.55)
    labels = []
    for bar, rate, converted, n in zip(bars, share, windows["converted"], leads, strict=True):
        small = n < small_sample
        if small:
            hatch_bar(bar, BLUE)
        label = (
            _("{rate}\n({converted} of {leads}, small sample)")
            if small
            else _("{rate}\n({converted} of {leads})")
        )
        labels.append(
            label.format(
                rate=formatting.percent(rate),
                converted=formatting.count(converted),
                leads=formatting.count(n),
            )
        )
    ax.bar_label(bars, labels=labels, padding=3, fontsize=9.5)
    within = [_("Within {days}").format(days=formatting.days(d)) for d in windows["window_days"]]
    ax.set_xticks(positions, within)
    ax.set_ylim(0, max(float(np.nan_to_num(share).max()), 0.05) * 1.35)  # room for labels
    percent_axis(ax)
    ax.set_ylabel(_("Share of leads converted"))
    ax.set_title(safe_label(title))
    return fig
