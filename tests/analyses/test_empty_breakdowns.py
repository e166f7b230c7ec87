"""A breakdown by a field the data does not have says so instead of drawing one "unknown" bar."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from salesops.analyses import funnel
from salesops.present import Text


def blank(column: str) -> Callable[[dict[str, pd.DataFrame]], dict[str, pd.DataFrame]]:
    def change(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        tables["opportunities"] = tables["opportunities"].assign(**{column: None})
        return tables

    return change


@pytest.mark.parametrize(("by", "words"), [("source", "lead source"), ("segment", "segment")])
def test_a_breakdown_by_a_field_the_deals_lack_is_a_sentence(
    by: str, words: str, variant: Callable[..., str]
) -> None:
    section = funnel.open_report("2026Q3", "all", variant(blank(by))).breakdown(by)
    assert isinstance(section, Text)
    assert section.markdown == (
        f"The data has no {words} for the deals closed in 2026Q3, so there is no win rate by {by}."
    )


def test_a_breakdown_with_some_unknown_values_still_draws_them(demo_source: str) -> None:
    section = funnel.open_report("2026Q3", "all", demo_source).breakdown("segment")
    assert not isinstance(section, Text)
