"""Pipeline coverage in the forecast report: the roll-up first, one bar per team while readable."""

from __future__ import annotations

import pytest

from salesops.analyses import forecast_accuracy


def test_the_roll_up_shows_all_teams_then_each_team(demo_source: str) -> None:
    table = forecast_accuracy.open_report("2026Q3", "all", demo_source).coverage().parts[1]
    teams = [row[0] for row in table.rows]
    assert teams[0] == "All teams" and len(teams) == 6  # the total, then the five demo teams


def test_past_the_bar_limit_only_the_total_is_queried_and_the_caption_says_why(
    demo_source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forecast_accuracy, "MAX_TEAM_BARS", 3)
    section = forecast_accuracy.open_report("2026Q3", "all", demo_source).coverage()
    assert [row[0] for row in section.parts[1].rows] == ["All teams"]
    assert "5 teams: each team's report shows its own." in section.parts[0].caption
