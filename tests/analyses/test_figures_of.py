"""``QuarterReport.figures_of``: some of a quarter's figures, the same as ``figures`` gives them,
from the parts that hold them only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from salesops.analyses import efficiency, pipeline
from salesops.analyses.report import FigurePart, QuarterReport, joined
from salesops.analyses.scope import open_scope
from salesops.analyses.summary.scorecard import figure_keys
from salesops.periods import Quarter


class Parted(QuarterReport):
    """Two parts that say when they are computed."""

    def __init__(self, scope: Any) -> None:
        super().__init__(scope)
        self.computed: list[str] = []

    def _first(self, quarter: Quarter) -> dict[str, Any]:
        self.computed.append("first")
        return {"a": 1, "b": quarter.label}

    def _second(self, quarter: Quarter) -> dict[str, Any]:
        self.computed.append("second")
        return {"c": 3.5}

    def figure_parts(self) -> Sequence[FigurePart]:
        return (self._first, self._second)

    def figures(self, quarter: Quarter) -> dict[str, Any]:
        return joined(self.figure_parts(), quarter)


@pytest.fixture
def parted(demo_source: str) -> Parted:
    return Parted(open_scope("2026Q3", "SMB", demo_source))


def test_parts_are_computed_until_every_key_is_found(parted: Parted) -> None:
    quarter = Quarter.parse("2026Q2")
    assert parted.figures_of(quarter, ["b", "a"]) == {"b": "2026Q2", "a": 1}
    assert parted.computed == ["first"]
    assert parted.figures_of(quarter, ["c"]) == {"c": 3.5}
    assert parted.computed == ["first", "first", "second"]


def test_a_key_no_part_has_is_none_after_every_part(parted: Parted) -> None:
    assert parted.figures_of(Quarter.parse("2026Q3"), ["a", "missing"]) == {"a": 1, "missing": None}
    assert parted.computed == ["first", "second"]


@pytest.mark.parametrize(
    ("module", "name", "skipped"),
    [
        (pipeline, "pipeline", ("stalled_share", "projected_landing")),
        (efficiency, "efficiency", ("touches_per_won_deal", "content_share_reps")),
    ],
)
@pytest.mark.parametrize("quarter", ["2026Q3", "2026Q2", "2025Q3"])
def test_the_scorecard_keys_equal_the_whole_figures(
    demo_source: str, module: Any, name: str, skipped: tuple[str, ...], quarter: str
) -> None:
    """The summary's keys, asked alone, are the same values as the analysis's JSON; the parts
    that hold none of them are not computed."""
    asked = module.open_report("2026Q3", "SMB", demo_source)
    keys = figure_keys(name)
    alone = asked.figures_of(Quarter.parse(quarter), keys)
    found = set(asked._results) | {("stalls", label) for label in getattr(asked, "_stalls", {})}
    whole = module.open_report("2026Q3", "SMB", demo_source).figures(Quarter.parse(quarter))
    assert alone == {key: whole[key] for key in keys}
    assert any(alone.values())
    assert set(skipped) <= whole.keys()
    assert not any(kind in {"touches", "enablement", "stalls"} for kind, _label in found)
