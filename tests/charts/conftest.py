from __future__ import annotations

from collections.abc import Callable

import matplotlib
import pytest
from matplotlib.artist import Artist
from matplotlib.axes import Axes

matplotlib.use("Agg")


@pytest.fixture
def with_gid() -> Callable[[Axes, str], list[Artist]]:
    """The artists of an axes tagged with a gid, e.g. the 100 % line ("target")."""
    return lambda ax, gid: [a for a in ax.get_children() if a.get_gid() == gid]


@pytest.fixture
def words() -> Callable[[Axes], str]:
    """Every piece of text an axes shows: title, labels, tick labels, annotations, legend."""

    def collect(ax: Axes) -> str:
        texts = [ax.get_title("left"), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        texts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
        return "\n".join(texts)

    return collect
