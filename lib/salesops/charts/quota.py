"""Quota charts: how attainment spreads across reps, how it grows with tenure, and who is where."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from salesops import formatting
from salesops.charts.theme import (
    BLUE,
    GREY,
    INK,
    LABEL_BOX,
    PALE,
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
from salesops.metrics.stats import DRIFT, at_least

BIN = 0.1  # histogram bins of 10 % of quota
CAP = 2.0  # attainment above 200 % is counted in the last bin
BELOW = "#A6C8E0"  # lighter blue for reps below quota; labels and the 100 % line carry the meaning


def _at_quota_note(attainment: pd.Series) -> str:
    at_quota, reps = int(at_least(attainment, 1.0).sum()), len(attainment)
    return ngettext(
        "{count} of {total} rep at or above quota ({share})",
        "{count} of {total} reps at or above quota ({share})",
        reps,
    ).format(
        count=formatting.count(at_quota),
        total=formatting.count(reps),
        share=formatting.percent(at_quota / reps),
    )


def _of_quota() -> str:
    """The words of the 100 % line: "100% of quota"."""
    return _("{percent} of quota").format(percent=formatting.percent(1.0))


@themed
def attainment_distribution(reps: pd.DataFrame, title: str | None = None) -> Figure:
    """Histogram of rep attainment in 10 % bins with the 100 % line and the share at quota.

    ``reps``: one row per rep with a quota; column ``attainment`` (closed-won / quota, a
    fraction). Reps without attainment are left out; above 200 % falls in the last bin. The title
    defaults to "Quota attainment across reps".
    """
    title = title or _("Quota attainment across reps")
    require_columns(reps, ("attainment",), "attainment_distribution")
    attainment = reps["attainment"].astype(float).dropna()
    if attainment.empty:
        return no_data(title)
    top = min(max(math.ceil(attainment.max() / BIN) * BIN, 1.2), CAP)
    edges = np.arange(0, top + BIN / 2, BIN)
    # bin k holds [k, k + 1) x BIN; an attainment short of an edge by float drift alone is on it
    bins = np.floor(attainment.clip(0, top - BIN / 2) / BIN * (1 + DRIFT)).astype(int)
    counts = np.bincount(bins, minlength=len(edges) - 1)

    fig, ax = new_figure()
    colors = [BLUE if left >= 1.0 - 1e-9 else BELOW for left in edges[:-1]]
    ax.bar(edges[:-1], counts, width=BIN, align="edge", color=colors)
    ax.axvline(1.0, color=INK, linewidth=1.2, linestyle="--", gid="target")
    ax.text(1.0, 1.0, f" {_of_quota()}", transform=ax.get_xaxis_transform(), va="top", color=INK)
    note = _at_quota_note(attainment)
    if attainment.max() > top:
        note = _("{note}; the last bar includes everyone above {percent}").format(
            note=note, percent=formatting.percent(top)
        )
    ax.text(0.99, 1.04, note, transform=ax.transAxes, ha="right", color=GREY)
    percent_axis(ax, "x")
    integer_axis(ax)
    ax.set_xlim(0, top)
    ax.set_xlabel(_("Attainment (closed won / quota)"))
    ax.set_ylabel(_("Reps"))
    ax.set_title(safe_label(title), pad=22)
    return fig


@themed
def attainment_vs_tenure(
    reps: pd.DataFrame, title: str | None = None, ramp_months: int | None = None
) -> Figure:
    """Scatter of rep attainment against months since hire, with the 100 % line.

    ``reps``: one row per rep; columns ``tenure_months`` (float) and ``attainment`` (fraction).
    With ``ramp_months`` the ramp period is shaded and labelled. The title defaults to
    "Attainment by tenure".
    """
    title = title or _("Attainment by tenure")
    require_columns(reps, ("tenure_months", "attainment"), "attainment_vs_tenure")
    points = reps.dropna(subset=["tenure_months", "attainment"])
    if points.empty:
        return no_data(title)

    fig, ax = new_figure()
    if ramp_months:
        label = ngettext(
            "Ramping (first {months} month)", "Ramping (first {months} months)", ramp_months
        ).format(months=formatting.count(ramp_months))
        ax.axvspan(0, ramp_months, color=PALE, linewidth=0, gid="ramp", label=label)
    ax.axhline(1.0, color=INK, linewidth=1.2, linestyle="--", gid="target", label=_of_quota())
    ax.scatter(
        points["tenure_months"],
        points["attainment"],
        s=36,
        color=BLUE,
        alpha=0.85,
        edgecolors="white",
        linewidths=0.6,
        label=_("Rep"),
        zorder=3,
    )
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0, top=max(1.2, float(points["attainment"].max()) * 1.08))
    percent_axis(ax)
    count_axis(ax, "x")
    ax.set_xlabel(_("Months since hire"))
    ax.set_ylabel(_("Attainment"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(safe_label(title))
    return fig


@themed
def rep_attainment(reps: pd.DataFrame, title: str | None = None) -> Figure:
    """Per-rep attainment as horizontal bars sorted from highest, with the 100 % line.

    ``reps``: one row per rep; columns ``rep`` (name) and ``attainment`` (fraction); optional
    ``ramping`` (bool) marks reps still in ramp, hatched and labelled "ramping". The title
    defaults to "Attainment by rep".
    """
    title = title or _("Attainment by rep")
    require_columns(reps, ("rep", "attainment"), "rep_attainment")
    if reps.empty:
        return no_data(title)
    reps = reps.sort_values("attainment", ascending=False, na_position="last")
    attainment = reps["attainment"].astype(float).to_numpy()
    ramping = reps["ramping"].fillna(False).astype(bool) if "ramping" in reps else None

    fig, ax = new_figure(height=bars_height(len(reps)))
    positions = np.arange(len(reps))
    colors = [BLUE if at_least(a, 1.0) else BELOW for a in np.nan_to_num(attainment)]
    bars = ax.barh(positions, np.nan_to_num(attainment), color=colors, height=0.65)
    labels = [formatting.percent(a) for a in attainment]
    if ramping is not None:
        for i, (bar, is_ramping) in enumerate(zip(bars, ramping, strict=True)):
            if is_ramping:
                hatch_bar(bar, BLUE)
                labels[i] = _("{attainment} (ramping)").format(attainment=labels[i])
    ax.bar_label(bars, labels=labels, padding=4, fontsize=9.5, bbox=LABEL_BOX)
    ax.axvline(1.0, color=INK, linewidth=1.2, linestyle="--", gid="target")
    ax.set_yticks(positions, [safe_label(r, 28) for r in reps["rep"]])
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(np.nan_to_num(attainment).max()), 1.0) * 1.25)
    percent_axis(ax, "x")
    ax.set_xlabel(_("Attainment (closed won / quota)"))
    ax.set_title(safe_label(title))
    return fig
