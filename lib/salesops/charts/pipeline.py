"""Pipeline charts: how the quarter's pipeline moved, step by step and by team or rep; how
bookings pace against earlier quarters; where the quarter may land; where deals stall."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.textpath import TextPath

from salesops import formatting
from salesops.charts.theme import (
    BLUE,
    GREEN,
    GREY,
    INK,
    LABEL_BOX,
    ORANGE,
    PALE,
    SKY,
    VERMILLION,
    bars_height,
    integer_axis,
    money_axis,
    new_figure,
    no_data,
    require_columns,
    safe_label,
    themed,
)
from salesops.i18n import _

KIND_COLOURS = {"total": BLUE, "up": GREEN, "down": VERMILLION}  # waterfall bars by kind
STEP_WIDTH = 0.7  # of the space between two waterfall steps
LABEL_SIZE = 9.0  # points, value labels
STEP_CHARS = 8  # a step's name wraps onto lines of about this many characters
# pacing lines: colour, line style, width and marker of each series
PACING_STYLES = {
    "this_quarter": (BLUE, "-", 2.4, "o"),
    "previous_quarter": (ORANGE, "-", 1.6, ""),
    "last_year": (SKY, "--", 1.6, ""),
}


def _check_labels(labels: Mapping[str, str], keys: Iterable[str], chart: str) -> None:
    """Raise ValueError naming the legend labels ``chart`` needs and ``labels`` lacks."""
    missing = [key for key in keys if key not in labels]
    if missing:
        raise ValueError(f"{chart} needs labels for {missing}; it has {sorted(labels)}")


def _money_label(value: float, currency: str, signed: bool = False) -> str:
    """A value label in compact money, safe for matplotlib: "$1.2M", "+$40k" when ``signed``."""
    text = formatting.money(value, currency)
    plus = signed and formatting.as_number(value) is not None and round(value) > 0
    return safe_label(f"+{text}" if plus else text)


def _text_width(fig: Figure, text: str, size: float) -> float:
    """The width ``text`` takes at ``size`` points, in display pixels of ``fig``."""
    path = TextPath((0, 0), text, size=size, prop=FontProperties())
    return float(path.get_extents().width) * fig.dpi / 72


def _waterfall(kinds: list[str], amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each step's bar bottom and the level after it: a total stands on 0 and sets the level,
    an up step rises from the level and a down step falls from it."""
    bottoms, levels, level = np.zeros(len(kinds)), np.zeros(len(kinds)), 0.0
    for i, (kind, amount) in enumerate(zip(kinds, amounts, strict=True)):
        if kind == "total":
            level = amount
        elif kind == "up":
            bottoms[i], level = level, level + amount
        else:
            level -= amount
            bottoms[i] = level
        levels[i] = level
    return bottoms, levels


@themed
def flow_waterfall(totals: pd.DataFrame, title: str, currency: str = "USD") -> Figure:
    """The quarter's pipeline flow as a waterfall, from the start to the end of the quarter.

    ``totals``: one row per step in the order drawn; columns ``step`` (display name, already
    translated), ``kind`` ("total": a full bar from 0, the start and the end; "up": entries and
    increases, floating up from the running level; "down": exits and decreases, floating down)
    and ``amount`` (positive). Each bar carries its amount above it when the label fits in the
    space of one step; dotted lines join each bar to the next one's level.
    """
    require_columns(totals, ("step", "kind", "amount"), "flow_waterfall")
    if totals.empty:
        return no_data(title)
    kinds = [str(kind) for kind in totals["kind"]]
    unknown = sorted(set(kinds) - set(KIND_COLOURS))
    if unknown:
        raise ValueError(f"flow_waterfall kinds must be total, up or down, not {unknown}")
    amounts = totals["amount"].astype(float).to_numpy()
    bottoms, levels = _waterfall(kinds, amounts)

    fig, ax = new_figure()
    positions = np.arange(len(totals))
    colours = [KIND_COLOURS[kind] for kind in kinds]
    bars = ax.bar(positions, amounts, bottom=bottoms, width=STEP_WIDTH, color=colours)
    for i in range(len(totals) - 1):
        ax.plot(
            [i + STEP_WIDTH / 2, i + 1 - STEP_WIDTH / 2],
            [levels[i], levels[i]],
            color=GREY,
            linewidth=0.8,
            linestyle=":",
            gid="connector",
        )
    names = [
        textwrap.fill(safe_label(step), STEP_CHARS, break_long_words=False)
        for step in totals["step"]
    ]
    ax.set_xticks(positions, names, fontsize=LABEL_SIZE)
    tops = bottoms + amounts
    ax.set_ylim(min(0.0, float(bottoms.min())), max(float(tops.max()), 1.0) * 1.12)
    money_axis(ax, "y", currency)
    ax.set_title(safe_label(title))
    fig.draw_without_rendering()  # lays the axes out, so the space of one step is known
    step = abs(float(np.diff(ax.transData.transform([(0, 0), (1, 0)])[:, 0])[0]))
    for bar, amount, top in zip(bars, amounts, tops, strict=True):
        label = _money_label(amount, currency)
        if _text_width(fig, label, LABEL_SIZE) <= step * 0.95:
            ax.annotate(
                label,
                (bar.get_x() + bar.get_width() / 2, top),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=LABEL_SIZE,
            )
    return fig


@themed
def pipeline_flow_by(frame: pd.DataFrame, title: str, currency: str = "USD") -> Figure:
    """What entered and what left the quarter's pipeline per team or rep, and the net change.

    ``frame``: one row per group in display order (top first); columns ``group`` (team or rep
    name), ``entered`` (amount pulled in, pushed in or new), ``exited`` (amount won, lost,
    pushed out or pulled out) and ``net_change`` (end minus start amount, resizing included).
    Entered goes right of zero, exited left of it, the net change is a diamond labelled with its
    amount; NaN draws nothing (a flow the data cannot show).
    """
    require_columns(frame, ("group", "entered", "exited", "net_change"), "pipeline_flow_by")
    if frame.empty:
        return no_data(title)
    entered = frame["entered"].astype(float).to_numpy()
    exited = frame["exited"].astype(float).to_numpy()
    net = frame["net_change"].astype(float).to_numpy()

    fig, ax = new_figure(height=bars_height(len(frame)))
    positions = np.arange(len(frame))
    ax.barh(positions, np.nan_to_num(entered), color=GREEN, height=0.6, gid="entered")
    ax.barh(positions, -np.nan_to_num(exited), color=VERMILLION, height=0.6, gid="exited")
    known = ~np.isnan(net)
    ax.scatter(net[known], positions[known], marker="D", s=36, color=INK, zorder=3, gid="net")
    for position, change in zip(positions[known], net[known], strict=True):
        ax.annotate(
            _money_label(change, currency, signed=True),
            (change, position),
            xytext=(7, 0),
            textcoords="offset points",
            va="center",
            fontsize=LABEL_SIZE,
            bbox=LABEL_BOX,
        )
    ax.axvline(0, color=INK, linewidth=0.8, gid="zero")
    reach = np.nan_to_num(np.concatenate([entered, exited, np.abs(net)]))
    span = max(float(reach.max()), 1.0)
    left = -max(float(np.nan_to_num(exited).max()), float(-np.nan_to_num(net).min()), 0.0)
    right = max(float(np.nan_to_num(entered).max()), float(np.nan_to_num(net).max()), 0.0)
    ax.set_xlim(left - 0.05 * span, right + 0.3 * span)  # room for the net change labels
    ax.set_yticks(positions, [safe_label(group, 28) for group in frame["group"]])
    ax.invert_yaxis()
    money_axis(ax, "x", currency)
    ax.legend(
        handles=[
            Patch(color=GREEN, label=_("Entered (pulled in, pushed in, new)")),
            Patch(color=VERMILLION, label=_("Left (won, lost, pushed or pulled out)")),
            Line2D([], [], marker="D", color=INK, linestyle="", label=_("Net change")),
        ],
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    ax.set_title(safe_label(title))
    return fig


def _legend_and_axes(ax: Axes, title: str, currency: str) -> None:
    """The week and money axes, the legend beside the plot and the title of a weekly chart."""
    integer_axis(ax, "x")
    money_axis(ax, "y", currency)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(_("Week of quarter"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(safe_label(title))


def _level(values: pd.Series) -> float | None:
    """The value of a column that holds one level for every week (a quota, an actual)."""
    known = values.astype(float).dropna()
    return None if known.empty else float(known.iloc[0])


def _level_line(ax: Axes, weeks: pd.DataFrame, column: str, label: str) -> None:
    """The level ``weeks[column]`` holds on every week (a quota, an actual) as a dashed line;
    none when it is unknown."""
    level = _level(weeks[column])
    if level is not None:
        ax.axhline(
            level, color=INK, linewidth=1.2, linestyle="--", gid=column, label=safe_label(label)
        )


@themed
def pacing_lines(
    weeks: pd.DataFrame, title: str, labels: Mapping[str, str], currency: str = "USD"
) -> Figure:
    """Cumulative bookings by week of quarter: this quarter against the previous one and the
    same quarter last year, with the quota as a dashed line.

    ``weeks``: one row per week; columns ``week`` (int, 1 = first week), ``this_quarter``,
    ``previous_quarter`` and ``last_year`` (won amount to the end of that week; NaN where not
    known, e.g. weeks still to come) and ``quota`` (the quarter's quota on every row, or NaN:
    no line). ``labels``: the legend's words for each of the four columns, translated.
    """
    series = tuple(PACING_STYLES)
    require_columns(weeks, ("week", *series, "quota"), "pacing_lines")
    _check_labels(labels, (*series, "quota"), "pacing_lines")
    if weeks.empty or weeks[list(series)].isna().all().all():
        return no_data(title)
    weeks = weeks.sort_values("week")

    fig, ax = new_figure()
    for rank, name in enumerate(series):  # in the legend's order; this quarter on top
        if weeks[name].isna().all():
            continue
        colour, style, width, marker = PACING_STYLES[name]
        ax.plot(
            weeks["week"],
            weeks[name].astype(float),
            color=colour,
            linestyle=style,
            linewidth=width,
            marker=marker or None,
            ms=4,
            zorder=4 - rank,
            label=safe_label(labels[name]),
            gid=name,
        )
    _level_line(ax, weeks, "quota", labels["quota"])
    ax.set_ylabel(_("Won amount to date"))
    _legend_and_axes(ax, title, currency)
    return fig


@themed
def landing_band(
    weeks: pd.DataFrame, title: str, labels: Mapping[str, str], currency: str = "USD"
) -> Figure:
    """Where the quarter was expected to land, week by week: the expected landing with its
    low-high band, the amount won to date, and the actual as a dashed line once known.

    ``weeks``: one row per week; columns ``week`` (int, 1 = first week), ``won_to_date``,
    ``expected``, ``low`` and ``high`` (amounts as estimated at the end of that week; NaN where
    not estimated) and ``actual`` (the quarter's won amount on every row, or NaN: not known yet).
    ``labels``: the legend's words for ``won_to_date``, ``expected``, ``band`` (the low-high
    band) and ``actual``, translated.
    """
    require_columns(
        weeks, ("week", "won_to_date", "expected", "low", "high", "actual"), "landing_band"
    )
    _check_labels(labels, ("won_to_date", "expected", "band", "actual"), "landing_band")
    if weeks.empty or weeks[["won_to_date", "expected"]].isna().all().all():
        return no_data(title)
    weeks = weeks.sort_values("week")
    week = weeks["week"].astype(float)

    fig, ax = new_figure()
    ax.plot(
        week,
        weeks["expected"].astype(float),
        color=BLUE,
        linewidth=2.4,
        marker="o",
        ms=4,
        zorder=3,
        gid="expected",
        label=safe_label(labels["expected"]),
    )
    ax.fill_between(
        week,
        weeks["low"].astype(float),
        weeks["high"].astype(float),
        color=PALE,
        linewidth=0,
        zorder=1,
        gid="band",
        label=safe_label(labels["band"]),
    )
    ax.plot(
        week,
        weeks["won_to_date"].astype(float),
        color=GREEN,
        linewidth=1.8,
        zorder=2,
        gid="won_to_date",
        label=safe_label(labels["won_to_date"]),
    )
    _level_line(ax, weeks, "actual", labels["actual"])
    ax.set_ylabel(_("Won amount"))
    _legend_and_axes(ax, title, currency)
    return fig


@themed
def stalled_by_stage(stages: pd.DataFrame, title: str, currency: str = "USD") -> Figure:
    """Open amount in stalled deals by stage, as horizontal bars labelled with their amount.

    ``stages``: one row per stage in the order drawn (top first, e.g. the sales process's);
    columns ``stage`` (name) and ``stalled_amount`` (amount of the stalled deals in that stage).
    """
    require_columns(stages, ("stage", "stalled_amount"), "stalled_by_stage")
    if stages.empty:
        return no_data(title)
    amounts = stages["stalled_amount"].astype(float).to_numpy()

    fig, ax = new_figure(height=bars_height(len(stages)))
    positions = np.arange(len(stages))
    bars = ax.barh(positions, np.nan_to_num(amounts), color=ORANGE, height=0.6)
    ax.bar_label(
        bars,
        labels=[_money_label(amount, currency) for amount in amounts],
        padding=4,
        fontsize=LABEL_SIZE,
    )
    ax.set_yticks(positions, [safe_label(stage, 28) for stage in stages["stage"]])
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(np.nan_to_num(amounts).max()), 1.0) * 1.2)
    money_axis(ax, "x", currency)
    ax.set_xlabel(_("Stalled amount"))
    ax.set_title(safe_label(title))
    return fig
