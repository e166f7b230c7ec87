"""Unit-economics charts: what each marketing channel cost and what each new customer cost."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from salesops import formatting
from salesops.charts.theme import (
    BLUE,
    LABEL_BOX,
    bars_height,
    money_axis,
    new_figure,
    no_data,
    require_columns,
    safe_label,
    themed,
)
from salesops.i18n import _


@themed
def spend_by_channel(channels: pd.DataFrame, title: str, currency: str = "USD") -> Figure:
    """Marketing spend per channel as horizontal bars, most spent on top, each labelled with its
    acquisition cost per new customer ("CAC $12k") or "no new customer".

    ``channels``: one row per channel in the order drawn; columns ``channel`` (name as shown),
    ``spend`` (amount) and ``cac`` (amount, NaN without a new customer).
    """
    require_columns(channels, ("channel", "spend", "cac"), "spend_by_channel")
    if channels.empty:
        return no_data(title)
    spend = channels["spend"].astype(float).to_numpy()
    fig, ax = new_figure(height=bars_height(len(channels)))
    positions = np.arange(len(channels))
    bars = ax.barh(positions, spend, color=BLUE, height=0.65)
    labels = [
        _("CAC {cac}").format(cac=formatting.money(cac, currency))
        if formatting.as_number(cac) is not None
        else _("no new customer")
        for cac in channels["cac"]
    ]
    ax.bar_label(
        bars, labels=[safe_label(t) for t in labels], padding=4, fontsize=9.5, bbox=LABEL_BOX
    )
    ax.set_yticks(positions, [safe_label(str(c), 28) for c in channels["channel"]])
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(spend.max()), 1.0) * 1.35)
    money_axis(ax, "x", currency)
    ax.set_xlabel(_("Marketing spend"))
    ax.set_title(safe_label(title))
    return fig
