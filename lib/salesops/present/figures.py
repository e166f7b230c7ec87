"""A chart as the report shows it: an inline PNG with its caption and alt text, and the frame it
was drawn from for an analyst who wants the numbers behind the bars."""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from salesops.charts.theme import DPI

FIGURE_CSS = """<style>
.so-figure{margin:8px 0 24px}
.so-figure img{max-width:100%;height:auto;display:block}
.so-figure figcaption{font-size:.9rem;color:#57606a;margin-top:6px;max-width:60rem}
</style>"""


@dataclass(frozen=True)
class ReportFigure:
    """A rendered chart: PNG bytes, a caption and the alt text for readers who cannot see it;
    ``frame`` is the data it was drawn from (left out of ``==``, the repr and the HTML)."""

    png: bytes
    caption: str
    alt: str
    frame: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<div class="so-block tex2jax_ignore">{FIGURE_CSS}<figure class="so-figure">'
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}">'
            f"<figcaption>{html.escape(self.caption)}</figcaption></figure></div>"
        )

    def __repr__(self) -> str:
        return f"Figure: {self.caption}"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        return {
            "text/plain": repr(self),
            "text/html": self._repr_html_(),
            "image/png": base64.b64encode(self.png).decode("ascii"),
        }


def figure(fig: Figure, caption: str, alt: str, frame: pd.DataFrame | None = None) -> ReportFigure:
    """Render ``fig`` to PNG with ``caption`` and ``alt``, then close it so it shows only once.

    ``caption`` says what the reader should take from the chart; ``alt`` describes it; ``frame``
    is the data the chart was drawn from, kept raw on the result.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    plt.close(fig)
    return ReportFigure(buffer.getvalue(), str(caption), str(alt), frame)
