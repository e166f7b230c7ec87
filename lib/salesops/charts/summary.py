"""The summary's chart: how far each key figure moved from last quarter, and whether that is
more than noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from salesops.charts.theme import (
    BLUE,
    GREY,
    INK,
    LABEL_BOX,
    bars_height,
    hatch_bar,
    new_figure,
    no_data,
    percent_axis,
    require_columns,
    safe_label,
    themed,
)
from salesops.i18n import _


@themed
def changes(moves: pd.DataFrame, title: str) -> Figure:
    """Each figure's change from last quarter relative to where it was, as a horizontal bar:
    solid blue when beyond noise, hatched grey when within noise or untested; each bar labelled
    with the change as the card writes it.

    ``moves``: one row per figure in the order drawn; columns ``figure`` (name as shown),
    ``relative_change`` (a fraction, NaN when there is none or it is from 0), ``beyond_noise``
    (bool) and ``change`` (the label).
    """
    require_columns(moves, ("figure", "relative_change", "beyond_noise", "change"), "changes")
    if moves.empty:
        return no_data(title)
    sizes = moves["relative_change"].astype(float).fillna(0.0).to_numpy()
    fig, ax = new_figure(height=bars_height(len(moves)))
    positions = np.arange(len(moves))
    bars = ax.barh(positions, sizes, color=BLUE, height=0.65)
    for bar, beyond in zip(bars, moves["beyond_noise"], strict=True):
        if not beyond:
            hatch_bar(bar, GREY)
    labels = [safe_label(text, 30) for text in moves["change"]]
    ax.bar_label(bars, labels=labels, padding=4, fontsize=9.5, bbox=LABEL_BOX)
    ax.set_yticks(positions, [safe_label(str(name), 34) for name in moves["figure"]])
    ax.invert_yaxis()
    reach = max(float(np.abs(sizes).max()), 0.05) * 1.9
    ax.set_xlim(-reach, reach)
    ax.axvline(0, color=INK, linewidth=0.8)
    percent_axis(ax, "x")
    ax.set_xlabel(_("Change from last quarter, relative to its value"))
    ax.legend(
        handles=[
            Patch(color=BLUE, label=_("beyond noise")),
            Patch(
                facecolor="white", edgecolor=GREY, hatch="///", label=_("within noise or untested")
            ),
        ],
        loc="best",
        fontsize=9,
    )
    ax.set_title(safe_label(title))
    return fig
