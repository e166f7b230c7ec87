"""A source with neither forecast submissions nor stage history: one sentence on what is missing."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from salesops.analyses import forecast_accuracy


def drop_calls(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    tables.pop("forecast_submissions")
    tables.pop("stage_history")
    return tables


def test_the_caveats_say_what_is_missing_and_what_would_switch_the_section_on(
    variant: Callable[..., str],
) -> None:
    caveats = forecast_accuracy.open_report("2026Q3", "all", variant(drop_calls)).caveats()
    assert (
        "Forecast accuracy is not shown: the data has neither forecast_submissions (the calls reps "
        "submitted) nor stage_history (to rebuild calls from); add either to switch it on."
    ) in caveats.markdown
    assert "rep-quarters" not in caveats.markdown
    assert "rebuilt from stage history instead" not in caveats.markdown


def test_without_submissions_the_calls_are_rebuilt_and_the_caveats_say_so(
    variant: Callable[..., str],
) -> None:
    def drop_submissions(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
        tables.pop("forecast_submissions")
        return tables

    caveats = forecast_accuracy.open_report("2026Q3", "all", variant(drop_submissions)).caveats()
    assert "rebuilt from stage history instead" in caveats.markdown
    assert "Forecast accuracy is not shown" not in caveats.markdown
