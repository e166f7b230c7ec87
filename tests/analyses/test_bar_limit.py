"""Bar charts keep to a readable number of bars; the table beside them still lists every row."""

from __future__ import annotations

import pandas as pd
import pytest

from salesops.analyses import funnel, quota, sections
from salesops.analyses.sections import chart_rows


def test_chart_rows_keeps_the_largest_in_their_order_and_says_how_many_are_left_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sections, "MAX_BARS", 2)
    rows = pd.DataFrame({"team": ["A", "B", "C", "D"], "closed": [5, 9, 1, 7]})
    drawn, sentence = chart_rows(rows, "closed", "most closed deals")
    assert drawn["team"].tolist() == ["B", "D"]
    assert sentence == " The chart shows the 2 with the most closed deals; the table lists all 4."
    few, none = chart_rows(rows.head(2), "closed", "most closed deals")
    assert few["team"].tolist() == ["A", "B"] and none == ""


def test_the_funnel_and_quota_breakdowns_say_when_the_chart_leaves_teams_out(
    demo_source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sections, "MAX_BARS", 3)
    win = funnel.open_report("2026Q3", "all", demo_source).breakdown()
    assert win.parts[0].caption.endswith("the 3 with the most closed deals; the table lists all 5.")
    assert len(win.parts[1].rows) == 5
    attainment = quota.open_report("2026Q3", "all", demo_source).breakdown()
    assert attainment.parts[0].caption.endswith(
        "the 3 with the largest quotas; the table lists all 5."
    )
    assert len(attainment.parts[1].rows) == 5
