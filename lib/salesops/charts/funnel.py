"""Funnel charts: how far deals get, how long they take to close, and who wins them."""

from __future__ import annotations

import itertools
from typing import Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from salesops import formatting
from salesops.charts.theme import (
    BLUE,
    GREY,
    SERIES,
    SMALL_SAMPLE,
    bars_height,
    count_axis,
    hatch_bar,
    new_figure,
    no_data,
    percent_axis,
    require_columns,
    safe_label,
    themed,
)
from salesops.i18n import N_, _
from salesops.metrics.stats import median_survival

# The y axis of ``time_to_close`` for each outcome it can count.
SHARE_OF_DEALS = {"closed": N_("Share of deals closed"), "won": N_("Share of deals won")}


@themed
def stage_funnel(stages: pd.DataFrame, title: str | None = None) -> Figure:
    """Horizontal bars of deals reaching each stage, labelled with step and cumulative conversion.

    ``stages``: one row per stage in process order; columns ``stage`` (str) and ``reached`` (int,
    deals that reached the stage or a later one). Step = reached / the previous stage's reached;
    cumulative = reached / the first stage's reached. The title defaults to "How far deals get".
    """
    title = title or _("How far deals get")
    require_columns(stages, ("stage", "reached"), "stage_funnel")
    if stages.empty:
        return no_data(title)
    reached = stages["reached"].astype(float).reset_index(drop=True)
    previous = reached.shift()
    step = reached / previous.where(previous > 0)
    cumulative = reached / reached.iloc[0] if reached.iloc[0] > 0 else reached * np.nan

    fig, ax = new_figure(height=bars_height(len(stages)))
    positions = np.arange(len(stages))
    bars = ax.barh(positions, reached, color=BLUE, height=0.65)
    ax.set_yticks(positions, [safe_label(s, 30) for s in stages["stage"]])
    ax.invert_yaxis()
    labels = [formatting.count(reached.iloc[0])] + [
        _("{count}  ·  {step} step  ·  {cumulative} cumulative").format(
            count=formatting.count(r),
            step=formatting.percent(s),
            cumulative=formatting.percent(c),
        )
        for r, s, c in zip(reached.iloc[1:], step.iloc[1:], cumulative.iloc[1:], strict=True)
    ]
    ax.bar_label(bars, labels=labels, padding=4, fontsize=9.5)
    ax.set_xlim(0, max(reached.max(), 1) * 1.75)  # room for the labels right of the bars
    ax.xaxis.set_visible(False)
    ax.spines["bottom"].set_visible(False)
    ax.set_title(safe_label(title))
    return fig


@themed
def time_to_close(
    curve: pd.DataFrame,
    title: str | None = None,
    outcome: Literal["closed", "won"] = "closed",
) -> Figure:
    """Kaplan-Meier step curve of the share of deals closed by age in days, medians marked.

    ``curve``: columns ``time`` (days since created, float) and ``survival`` (share of deals
    still open then, falling from 1), as ``metrics.stats.kaplan_meier`` returns them; optional
    ``group`` (str) draws one curve per group. The chart plots 1 - survival; the median is the
    first day survival is 0.5 or less ("not reached" otherwise). ``outcome`` ("closed" or "won")
    names the event on the axis. The title defaults to "Time to close".
    """
    title = title or _("Time to close")
    require_columns(curve, ("time", "survival"), "time_to_close")
    if curve.empty:
        return no_data(title)
    groups = list(curve.groupby("group", sort=False)) if "group" in curve else [(None, curve)]

    fig, ax = new_figure()
    ax.axhline(0.5, color=GREY, linewidth=0.8, linestyle=":", gid="half")
    for (name, part), color in zip(groups, itertools.cycle(SERIES)):
        part = part.sort_values("time")
        days = np.r_[0.0, part["time"].to_numpy(float)]
        survival = np.r_[1.0, part["survival"].to_numpy(float)]
        median = median_survival(part)
        median_text = (
            _("median {days}").format(days=formatting.days(median))
            if median is not None
            else _("median not reached")
        )
        label = (
            _("{group}: {median}").format(group=name, median=median_text)
            if name is not None
            else median_text.capitalize()
        )
        ax.step(days, 1 - survival, where="post", color=color, label=safe_label(label, 60))
        if median is not None:
            ax.vlines(median, 0, 0.5, colors=color, linestyles="--", linewidth=1.2, gid="median")
    ax.legend(loc="lower right")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    percent_axis(ax)
    count_axis(ax, "x")
    ax.set_xlabel(_("Days since the deal was created"))
    ax.set_ylabel(_(SHARE_OF_DEALS[outcome]))
    ax.set_title(safe_label(title))
    return fig


@themed
def win_rate_by_group(
    rates: pd.DataFrame, title: str | None = None, small_sample: int = SMALL_SAMPLE
) -> Figure:
    """Win rate per group as horizontal bars, each labelled with its count.

    ``rates``: one row per group in display order; columns ``group`` (str), ``won`` (int) and
    ``closed`` (int, won + lost). Rate = won / closed. Groups with fewer than ``small_sample``
    closed deals are drawn hatched and labelled "small sample". The title defaults to "Win rate".
    """
    title = title or _("Win rate")
    require_columns(rates, ("group", "won", "closed"), "win_rate_by_group")
    if rates.empty:
        return no_data(title)
    closed = rates["closed"].astype(float).reset_index(drop=True)
    win_rate = rates["won"].astype(float).reset_index(drop=True) / closed.where(closed > 0)

    fig, ax = new_figure(height=bars_height(len(rates)))
    positions = np.arange(len(rates))
    bars = ax.barh(positions, win_rate.fillna(0), color=BLUE, height=0.65)
    labels = []
    for bar, value, n in zip(bars, win_rate, closed, strict=True):
        small = n < small_sample
        if small:
            hatch_bar(bar, BLUE)
        label = _("{rate} (n={n}, small sample)") if small else _("{rate} (n={n})")
        labels.append(label.format(rate=formatting.percent(value), n=formatting.count(n)))
    ax.bar_label(bars, labels=labels, padding=4, fontsize=9.5)
    ax.set_yticks(positions, [safe_label(g, 30) for g in rates["group"]])
    ax.invert_yaxis()
    top = float(np.nan_to_num(win_rate.max()))
    ax.set_xlim(0, max(top, 0.1) * 1.45)  # room for the labels right of the bars
    percent_axis(ax, "x")
    ax.set_title(safe_label(title))
    return fig
