"""A figure over the last quarters, shared by the analyses that show a trend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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
    new_figure,
    no_data,
    percent_axis,
    require_columns,
    safe_label,
    themed,
)
from salesops.i18n import _


@themed
def quarter_trend(
    trend: pd.DataFrame,
    series: Mapping[str, str],
    percent: bool = False,
    title: str | None = None,
    references: Sequence[tuple[float, str]] = (),
) -> Figure:
    """Lines over quarters, one per ``series`` column (column -> legend label), each point
    labelled. ``trend``: a ``quarter`` column (labels as shown) and the series' columns (a
    missing value leaves a gap); ``percent``: values are fractions shown as percents.
    ``references``: (value, label) pairs drawn as dashed grey lines across the chart, such as a
    benchmark the field uses. The title defaults to "The last four quarters"."""
    title = title or _("The last four quarters")
    require_columns(trend, ("quarter", *series), "quarter_trend")
    if trend.empty or trend[list(series)].isna().all().all():
        return no_data(title)
    fig, ax = new_figure(height=3.4)
    positions = np.arange(len(trend))
    write = formatting.percent if percent else formatting.decimal
    for colour, (column, label) in zip((BLUE, ORANGE, GREY), series.items(), strict=False):
        values = trend[column].astype(float).to_numpy()
        ax.plot(positions, values, color=colour, marker="o", label=safe_label(label))
        for x, y in zip(positions, values, strict=True):
            if not np.isnan(y):
                ax.annotate(
                    safe_label(write(y)),
                    (x, y),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=9,
                    bbox=LABEL_BOX,
                )
    for level, label in references:
        ax.axhline(level, color=GREY, linestyle="--", linewidth=1)
        ax.annotate(
            safe_label(label),
            (1, level),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 3),
            textcoords="offset points",
            ha="right",
            fontsize=8,
            color=INK,
        )
    ax.set_xticks(positions, [safe_label(q) for q in trend["quarter"]])
    ax.set_xlim(-0.4, len(trend) - 0.6)
    # all zeros (no touch logged in any quarter) would make a flat, singular axis
    highest = max(
        [float(np.nanmax(trend[list(series)].to_numpy(float)))] + [r for r, _l in references]
    )
    if percent:
        ax.set_ylim(0, max(1.1, highest * 1.15))
        percent_axis(ax)
    else:
        ax.set_ylim(bottom=0, top=highest * 1.25 or 1.0)
    ax.legend(loc="lower left", fontsize=9)
    ax.set_title(safe_label(title))
    return fig
