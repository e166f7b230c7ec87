"""The quarter's index page: every team x analysis, its status in words, values and links."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from salesops.report.pages.index import IndexEntry, render_index

CARDS = [
    {"label": "Win rate", "value": "24 %"},
    {"label": "Won amount", "value": "$1.2M"},
    {"label": "Median cycle", "value": "41 days"},
    {"label": "Closed deals", "value": "212"},
]


def entry(team: str, analysis: str, status: str = "ok", **fields: object) -> IndexEntry:
    slug = team.lower().replace(" ", "-")
    base: dict[str, object] = {
        "team": team,
        "team_slug": slug,
        "analysis": analysis,
        "title": analysis.replace("_", " ").capitalize(),
        "status": status,
        "href": f"{slug}/{analysis}.html",
        "cards": CARDS if status == "ok" else [],
    }
    return IndexEntry(**{**base, **fields})


ENTRIES = [
    entry("West", "funnel"),
    entry("West", "forecast_accuracy", "failed", error='ValueError in "Breakdown": no quota'),
    entry("all", "funnel", reused=True),
    entry("all", "forecast_accuracy"),
    entry("East", "funnel"),
]


def render(entries: list[IndexEntry] = ENTRIES, **kwargs: object) -> BeautifulSoup:
    options: dict[str, object] = {
        "previous_quarter_href": "../2026Q2/index.html",
        "generated_at": "2026-10-01 07:30 UTC",
        "data_as_of": "2026-09-30",
        "provenance": {"package_version": "0.1.0"},
        **kwargs,
    }
    return BeautifulSoup(render_index("2026Q3", entries, **options), "html.parser")


def test_index_lists_every_team_with_all_teams_first() -> None:
    soup = render()
    assert [th.get_text() for th in soup.select("tbody th")] == ["All teams", "West", "East"]
    assert [th.get_text() for th in soup.select("thead th")] == [
        "Team",
        "Funnel",
        "Forecast accuracy",
    ]
    links = [a["href"] for a in soup.select("a.so-entry-link")]
    assert sorted(links) == sorted(e.href for e in ENTRIES)
    assert soup.select_one("#team-east td:last-child").get_text(strip=True) == "Not run"


def test_each_report_shows_status_in_words_and_its_first_three_values() -> None:
    soup = render()
    west_funnel, west_forecast = soup.select("#team-west td")
    assert "✓ Complete" in west_funnel.get_text(" ", strip=True)
    values = [li.get_text(" ", strip=True) for li in west_funnel.select(".so-mini li")]
    assert values == ["Win rate 24 %", "Won amount $1.2M", "Median cycle 41 days"]
    assert "✗ Failed" in west_forecast.get_text(" ", strip=True)
    assert west_forecast.select_one(".so-entry-error").get_text() == (
        'ValueError in "Breakdown": no quota'
    )
    link = west_forecast.select_one("a")
    assert link["href"] == "west/forecast_accuracy.html"
    assert link.get_text() == "See what failed: Forecast accuracy, West"  # names its target
    assert "unchanged since the last run" in soup.select_one("#team-all td").get_text()
    assert soup.select_one(".so-summary").get_text() == "5 reports: 4 complete, 1 failed."


def test_index_links_to_the_previous_quarter_only_when_there_is_one() -> None:
    assert render().select_one(".so-previous a")["href"] == "../2026Q2/index.html"
    assert render(previous_quarter_href=None).select_one(".so-previous") is None


def test_index_is_self_contained_with_the_report_style() -> None:
    soup = render()
    html = str(soup)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(""", html)
    assert not soup.find_all(["script", "link", "iframe"])
    assert ".so-card-value" in soup.style.get_text()  # the same stylesheet as the reports
    assert "Reports for 2026Q3" in soup.h1.get_text()
    assert "Package version" in soup.select_one("footer").get_text()


def test_empty_quarter_says_so() -> None:
    soup = render([])
    assert soup.select_one(".so-summary").get_text() == "No reports were run for this quarter."
    assert soup.select_one("table") is None


@pytest.mark.parametrize(
    "hostile",
    ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "[x](javascript:alert(1))"],
)
def test_every_string_from_the_data_is_escaped(hostile: str) -> None:
    cards = [{"label": hostile, "value": hostile}]
    entries = [
        entry(hostile, hostile, title=hostile, team_slug=hostile, cards=cards),
        entry("West", hostile, "failed", error=hostile),
    ]
    html = render_index(
        hostile, entries, None, hostile, data_as_of=hostile, provenance={hostile: hostile}
    )
    soup = BeautifulSoup(html, "html.parser")
    assert not soup.find_all("script")
    assert not soup.select("[onerror]") and not soup.select('[href^="javascript:"]')
    if "<" in hostile:
        assert hostile not in html
    assert soup.select_one("tbody th").get_text() == hostile


@pytest.mark.parametrize("href", ["javascript:alert(1)", "https://example.com/x.html", "//x/y"])
def test_links_must_stay_inside_the_reports_folder(href: str) -> None:
    with pytest.raises(ValueError, match="relative link"):
        render([entry("West", "funnel", href=href)])
    with pytest.raises(ValueError, match="relative link"):
        render(previous_quarter_href=href)
