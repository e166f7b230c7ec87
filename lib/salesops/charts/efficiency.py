"""Efficiency charts: how many touches deals took, how much reps log, how regularly they use the
CRM, and how deals with shared content fared."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from salesops import formatting
from salesops.charts.theme import (
    BLUE,
    GREY,
    INK,
    LABEL_BOX,
    ORANGE,
    PALE,
    SERIES,
    VERMILLION,
    bars_height,
    count_axis,
    hatch_bar,
    integer_axis,
    new_figure,
    no_data,
    percent_axis,
    require_columns,
    safe_label,
    themed,
)
from salesops.i18n import _, ngettext

OUTCOME_COLOURS = {"won": BLUE, "lost": ORANGE}
MAX_BINS = 30  # a touch histogram wider than this groups touches into equal bins


def _touch_bins(top: int) -> np.ndarray:
    """Bin edges from 0 past ``top`` touches: one per count, or equal groups of counts."""
    width = max(1, int(np.ceil((top + 1) / MAX_BINS)))
    return np.arange(0, top + width + 1, width)


@themed
def touch_distribution(
    distribution: pd.DataFrame,
    outcomes: Mapping[str, str],
    medians: Mapping[str, float | None],
    title: str | None = None,
) -> Figure:
    """Side-by-side histogram of touches per deal, each outcome as a share of its deals.

    ``distribution``: columns ``outcome`` ("won", "lost"), ``touches`` (int) and ``deals`` (int);
    ``outcomes``: the legend label of each outcome shown; ``medians``: each outcome's median,
    marked by a dashed line. The title defaults to "Touches per closed deal".
    """
    title = title or _("Touches per closed deal")
    require_columns(distribution, ("outcome", "touches", "deals"), "touch_distribution")
    rows = distribution[distribution["outcome"].isin(list(outcomes)) & (distribution["deals"] > 0)]
    if rows.empty:
        return no_data(title)
    edges = _touch_bins(int(rows["touches"].max()))
    fig, ax = new_figure()
    width = (edges[1] - edges[0]) / (len(outcomes) + 0.5)
    for i, (outcome, label) in enumerate(outcomes.items()):
        mine = rows[rows["outcome"] == outcome]
        if mine.empty:
            continue
        counts, _edges = np.histogram(mine["touches"], bins=edges, weights=mine["deals"])
        shares = counts / counts.sum()
        ax.bar(
            edges[:-1] + i * width,
            shares,
            width=width,
            align="edge",
            color=OUTCOME_COLOURS[outcome],
            label=safe_label(label),
        )
        if (middle := medians.get(outcome)) is not None:
            # the middle of the median's unit: touches t are drawn over [t, t + 1)
            ax.axvline(middle + 0.5, color=OUTCOME_COLOURS[outcome], linestyle="--", linewidth=1.4)
    percent_axis(ax)
    count_axis(ax, "x")
    ax.set_xlim(0, edges[-1])
    ax.set_xlabel(_("Calls, emails and meetings on the deal"))
    ax.set_ylabel(_("Share of deals"))
    ax.legend(loc="upper right")
    ax.set_title(safe_label(title))
    return fig


@themed
def activity_by_type(
    rows: pd.DataFrame,
    types: Mapping[str, str],
    median: float | None,
    median_label: str,
    title: str | None = None,
) -> Figure:
    """Horizontal stacked bars of activities per week by type, one bar per row, with a median line.

    ``rows``: one row per rep or team, in the order shown; a ``name`` column and one column per
    key of ``types`` (activities per week of that type); ``types``: column -> legend label;
    ``median``: where the dashed line stands, labelled ``median_label``. The title defaults to
    "Activities per week".
    """
    title = title or _("Activities per week")
    require_columns(rows, ("name", *types), "activity_by_type")
    if rows.empty:
        return no_data(title)
    fig, ax = new_figure(height=bars_height(len(rows)))
    positions = np.arange(len(rows))
    left = np.zeros(len(rows))
    for colour, (column, label) in zip(SERIES, types.items(), strict=False):
        values = rows[column].astype(float).fillna(0).to_numpy()
        ax.barh(positions, values, left=left, color=colour, height=0.65, label=safe_label(label))
        left += values
    for position, total in zip(positions, left, strict=True):
        text = safe_label(formatting.decimal(total))
        ax.text(total, position, f" {text}", va="center", fontsize=9.5, bbox=LABEL_BOX)
    if median is not None:
        ax.axvline(median, color=INK, linestyle="--", linewidth=1.2, label=safe_label(median_label))
    ax.set_yticks(positions, [safe_label(name, 28) for name in rows["name"]])
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(left.max()), median or 0.0, 1.0) * 1.18)
    count_axis(ax, "x")
    ax.set_xlabel(_("Activities logged per week"))
    ax.legend(loc="lower right", fontsize=9)
    ax.set_title(safe_label(title))
    return fig


@themed
def weeks_active(
    reps: pd.DataFrame, weeks_needed: int, weeks: int, title: str | None = None
) -> Figure:
    """Histogram of reps by the number of the quarter's weeks they used the CRM in, adopters in
    blue and the others hatched, with the adoption bar (``weeks_needed``) as a line.

    ``reps``: columns ``weeks_active`` (int) and ``adopter`` (bool); ``weeks`` the weeks a quarter
    has. The title defaults to "Weeks with CRM activity".
    """
    title = title or _("Weeks with CRM activity")
    require_columns(reps, ("weeks_active", "adopter"), "weeks_active")
    if reps.empty:
        return no_data(title)
    fig, ax = new_figure()
    positions = np.arange(weeks + 1)
    adopter = reps["adopter"].astype(bool)
    active = reps["weeks_active"].astype(int).clip(0, weeks)
    adopters = np.bincount(active[adopter], minlength=weeks + 1)
    others = np.bincount(active[~adopter], minlength=weeks + 1)
    # the legend names only the groups drawn: no "Others" when every rep adopted the CRM
    ax.bar(
        positions, adopters, color=BLUE, width=0.75, label=_("Adopters") if adopter.any() else None
    )
    shown = others > 0  # a hatched bar of no height would draw its outline on the axis
    for bar in ax.bar(
        positions[shown],
        others[shown],
        bottom=adopters[shown],
        color=VERMILLION,
        width=0.75,
        label=_("Others") if shown.any() else None,
    ):
        hatch_bar(bar, VERMILLION)
    ax.axvline(weeks_needed - 0.5, color=INK, linestyle="--", linewidth=1.2)
    ax.text(
        weeks_needed - 0.4,
        1.0,
        ngettext("{weeks} week needed", "{weeks} weeks needed", weeks_needed).format(
            weeks=formatting.count(weeks_needed)
        ),
        transform=ax.get_xaxis_transform(),
        va="top",
        color=GREY,
    )
    ax.set_xticks(positions)
    integer_axis(ax)
    ax.set_xlabel(_("Weeks of the quarter with a sign-in or a logged activity"))
    ax.set_ylabel(_("Reps"))
    ax.legend(loc="upper left")
    ax.set_title(safe_label(title))
    return fig


@themed
def win_rates_with_content(groups: pd.DataFrame, title: str | None = None) -> Figure:
    """Two bars: the win rate of closed deals with content shared and without, each with its
    95 % Wilson interval and labelled with its deals.

    ``groups``: columns ``label`` (str), ``deals`` (int), ``won`` (int), ``win_rate``, ``low`` and
    ``high`` (fractions). The title defaults to "Win rate with and without shared content".
    """
    title = title or _("Win rate with and without shared content")
    require_columns(
        groups, ("label", "deals", "won", "win_rate", "low", "high"), "win_rates_with_content"
    )
    shown = groups[groups["deals"] > 0]
    if shown.empty:
        return no_data(title)
    fig, ax = new_figure(height=bars_height(len(shown)))
    positions = np.arange(len(shown))
    rates = shown["win_rate"].astype(float).to_numpy()
    errors = np.vstack(
        [rates - shown["low"].to_numpy(float), shown["high"].to_numpy(float) - rates]
    )
    # the first group (with content) solid, the second pale, whichever are shown
    colours = [
        BLUE if position == 0 else PALE for position in groups.index.get_indexer(shown.index)
    ]
    ax.barh(positions, rates, color=colours, height=0.6, edgecolor=BLUE)
    ax.errorbar(rates, positions, xerr=errors, fmt="none", ecolor=INK, capsize=5, linewidth=1.2)
    for position, (_index, row) in zip(positions, shown.iterrows(), strict=True):
        text = _("{rate} of {deals} deals").format(
            rate=formatting.percent(row["win_rate"]), deals=formatting.count(row["deals"])
        )
        ax.text(float(row["high"]) + 0.01, position, safe_label(text), va="center", fontsize=9.5)
    ax.set_yticks(positions, [safe_label(label, 30) for label in shown["label"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    percent_axis(ax, "x")
    ax.set_xlabel(_("Win rate of deals closed in the quarter (95% interval)"))
    ax.set_title(safe_label(title))
    return fig
