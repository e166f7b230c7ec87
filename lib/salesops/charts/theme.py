"""The report theme: one look for every chart, colour-blind-safe colours, axis formatters.

Chart functions are wrapped in ``themed`` so the theme applies while they draw and never leaks
into the caller's matplotlib settings. Figures are built with the object API and never shown.
Tick labels are written by ``salesops.formatting``, so they follow the locale ("1,5" and "30 %"
in French); words go through the catalogue (``salesops.i18n``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, ParamSpec

import matplotlib as mpl
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from salesops import formatting
from salesops.i18n import _

# Okabe-Ito colours, chosen to stay distinct under the common colour-vision deficiencies.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
GREY = "#8C8C8C"
PALE = "#D6E4F0"
INK = "#262626"
# A white box behind a value label keeps it readable where it crosses a reference line.
LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 1.0}
SERIES = (BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, GREY)

WIDTH = 9.0  # inches; at DPI this is 990 px, inside a 1280 px page and an A4 page's text width
HEIGHT = 4.2
DPI = 110
SMALL_SAMPLE = 20  # rates over fewer cases than this are marked as small samples

# seaborn's "ticks" style and "notebook" context, written out so that drawing a chart does not
# import seaborn (a second of every report's start); a test keeps them equal to seaborn's.
SEABORN_TICKS: dict[str, Any] = {
    "axes.axisbelow": True,
    "axes.facecolor": "white",
    "axes.grid": False,
    "axes.spines.bottom": True,
    "axes.spines.left": True,
    "grid.color": ".8",
    "grid.linestyle": "-",
    "grid.linewidth": 1,
    "legend.title_fontsize": 12,
    "lines.markersize": 6,
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "patch.linewidth": 1,
    "xtick.bottom": True,
    "xtick.direction": "out",
    "xtick.major.size": 6,
    "xtick.major.width": 1.25,
    "xtick.minor.size": 4,
    "xtick.minor.width": 1,
    "xtick.top": False,
    "ytick.direction": "out",
    "ytick.left": True,
    "ytick.major.size": 6,
    "ytick.major.width": 1.25,
    "ytick.minor.size": 4,
    "ytick.minor.width": 1,
    "ytick.right": False,
}

RC: dict[str, Any] = {
    **SEABORN_TICKS,
    "font.family": "DejaVu Sans",
    "font.size": 10.5,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.labelsize": 10.5,
    "axes.labelcolor": INK,
    "axes.edgecolor": GREY,
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=SERIES),
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "legend.frameon": False,
    "legend.fontsize": 10,
    "lines.linewidth": 2.0,
    "figure.figsize": (WIDTH, HEIGHT),
    "figure.dpi": DPI,
    "figure.facecolor": "white",
}

P = ParamSpec("P")


def themed(chart: Callable[P, Figure]) -> Callable[P, Figure]:
    """Run ``chart`` inside the report theme, leaving global matplotlib settings untouched."""

    @functools.wraps(chart)
    def draw(*args: P.args, **kwargs: P.kwargs) -> Figure:
        with mpl.rc_context(RC):
            return chart(*args, **kwargs)

    return draw


def safe_label(text: Any, max_chars: int | None = None) -> str:
    """``text`` made safe for a title or label: ``$`` cannot start mathtext, long text is cut."""
    missing = pd.api.types.is_scalar(text) and pd.isna(text)
    label = formatting.missing() if missing else str(text)
    label = " ".join(label.split())
    if max_chars is not None and len(label) > max_chars:
        label = label[: max_chars - 1].rstrip() + "…"
    return label.replace("$", r"\$")


def new_figure(height: float = HEIGHT, width: float = WIDTH) -> tuple[Figure, Axes]:
    """A figure with one axes and constrained layout; call inside a ``themed`` chart."""
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.add_subplot()


def bars_height(bars: int) -> float:
    """Figure height that gives each horizontal bar a readable band."""
    return min(max(1.4 + 0.42 * bars, 2.6), 10.0)


def no_data(title: str, message: str | None = None) -> Figure:
    """A figure that says there is nothing to draw ("No data"), in place of an empty chart."""
    fig, ax = new_figure(height=2.2)
    ax.set_title(safe_label(title))
    ax.set_axis_off()
    text = safe_label(message or _("No data"))
    ax.text(0.5, 0.45, text, ha="center", va="center", fontsize=14, color=GREY)
    return fig


def require_columns(frame: pd.DataFrame, columns: Iterable[str], chart: str) -> None:
    """Raise ValueError naming the columns ``chart`` needs and ``frame`` lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{chart} needs columns {missing}; the frame has {list(frame.columns)}")


class LocaleTicks(Formatter):
    """Tick labels written by ``write(value, digits)`` with the fewest decimals that tell the
    ticks apart: 0, 0.5, 1 -> "0×", "0.5×", "1×" ("0,5×" in French). ``scale`` is how the
    value is shown (100 for a percent of a fraction)."""

    def __init__(self, write: Callable[[float, int], str], scale: float = 1.0) -> None:
        self.write, self.scale, self.digits = write, scale, 0

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        shown = [loc * self.scale for loc in locs]
        self.digits = next(
            (d for d in range(3) if all(abs(v - round(v, d)) < 1e-9 for v in shown)), 3
        )

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.write(x, self.digits)


def percent_ticks() -> LocaleTicks:
    """Percent-of-a-fraction tick labels (0.25 -> "25%", "25 %" in French)."""
    return LocaleTicks(lambda v, digits: formatting.percent(v, digits), scale=100)


def money_axis(ax: Axes, axis: Literal["x", "y"] = "y", currency: str = "USD") -> None:
    """Label ``axis`` ticks as compact money ("$1.2M", "1,2 M€" in French)."""
    formatter = FuncFormatter(lambda v, _pos: safe_label(formatting.money(v, currency)))
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(formatter)


def percent_axis(ax: Axes, axis: Literal["x", "y"] = "y") -> None:
    """Label ``axis`` ticks as percents of a fraction (0.25 -> "25%")."""
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(percent_ticks())


def multiple_axis(ax: Axes, axis: Literal["x", "y"] = "y") -> None:
    """Label ``axis`` ticks as multiples, e.g. of coverage ("2×", "1.5×")."""
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_formatter(
        LocaleTicks(lambda v, digits: formatting.multiple(v, digits))
    )


def _count_ticks() -> FuncFormatter:
    return FuncFormatter(lambda v, _pos: formatting.count(v))


def integer_axis(ax: Axes, axis: Literal["x", "y"] = "y") -> None:
    """Ticks at whole numbers only, for counts, weeks and months, written as counts."""
    scale = ax.xaxis if axis == "x" else ax.yaxis
    scale.set_major_locator(MaxNLocator(integer=True))
    scale.set_major_formatter(_count_ticks())


def count_axis(ax: Axes, axis: Literal["x", "y"] = "y") -> None:
    """Round whole-number ticks (0, 200, 400 ...) written as counts, for a long range such as
    days since created: "1,000" ("1 000" in French)."""
    scale = ax.xaxis if axis == "x" else ax.yaxis
    scale.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True))
    scale.set_major_formatter(_count_ticks())


def hatch_bar(bar: Rectangle, color: str) -> None:
    """Draw ``bar`` hollow and hatched: a bar that needs a second look (a small sample, short of a
    target) stands out without relying on colour."""
    bar.set_facecolor("white")
    bar.set_edgecolor(color)
    bar.set_hatch("///")
