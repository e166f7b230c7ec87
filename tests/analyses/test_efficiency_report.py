"""The efficiency report on CRMs small enough to follow by hand, on the demo with and without its
activities, sign-ins and content events, and in French."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import pandas as pd
import pytest

from salesops.analyses import efficiency
from salesops.analyses.efficiency import EfficiencyReport
from salesops.data import contract
from salesops.data.demo import write_tables
from salesops.errors import ParamsError
from salesops.metrics import plain_float
from salesops.metrics.activity import adoption_trend, crm_adoption, rep_activity
from salesops.metrics.enablement import enablement
from salesops.metrics.touches import touches_per_deal, touches_trend
from salesops.present import ReportFigure, Stack, Table, Text, escape_markdown

Tables = dict[str, pd.DataFrame]
Q3 = "2026Q3"  # Jul 1 to Oct 1; its weeks start Jul 1 + 7k, the last runs Sep 23 to Sep 30
SECTIONS = (
    "touches",
    "touches_by_segment",
    "touches_trend",
    "activity",
    "low_activity",
    "adoption",
    "adoption_trend",
    "enablement",
    "content_assets",
)
NEEDS = {  # the table each section needs and the section's name in its sentence
    "touches": ("activities", "Touches per deal"),
    "touches_by_segment": ("activities", "Touches per deal"),
    "touches_trend": ("activities", "Touches per deal"),
    "activity": ("activities", "Activity per rep"),
    "low_activity": ("activities", "Activity per rep"),
    "adoption": ("logins", "CRM adoption"),
    "adoption_trend": ("logins", "CRM adoption"),
    "enablement": ("content_events", "Enablement"),
    "content_assets": ("content_events", "Enablement"),
}
ACTIVITY_TABLES = ("activities", "logins", "content_events")
CARDS = [
    "Touches per won deal",
    "Activities per rep and week",
    "CRM adoption",
    "Reps sharing content",
    "Win rate with content",
    "Win rate without content",
]
ASSOCIATION = (
    "An association, not a cause: reps may share content on the deals they already expect to win."
)


# --- a CRM small enough to follow by hand ------------------------------------------------------
#
# Five reps with a 2026Q3 quota, all employed the whole quarter (13 weeks):
#   e1 Ann Ames, East   2 activities a week (26): 4 calls on d1, 2 calls, 2 emails, 2 meetings
#                       on d2, 16 tasks                                               2 a week
#   e2 Bob Barr, East   1 call on d4, 2 calls on d3, 23 tasks (26)                    2 a week
#   e3 Cy Cole, East    1 task in week 0                                           1/13 a week
#   e4 Di Dunn, East    nothing logged; signs in in weeks 0 to 10 (11 weeks)          0 a week
#   w1 Eve Eng, West    3 calls on d5, 10 touches on d6, 26 tasks (39)                3 a week
# East's median rep logs (2 + 1/13) / 2 = 1.04 a week: Cy (0.08) and Di (0) are under a quarter
# of it (0.26); West has one rep. The median of the five is 2.0.
# Weeks with CRM use: e1, e2 and w1 all 13, e4 11 (sign-ins), e3 1: 4 of 5 in 10 weeks or more,
# 3 of 5 in 12 or more; without sign-ins e4 has none, and 3 of 5 are in 10 or more.
# Deals closed in 2026Q3 (created Jun 1) and their touches:
#   d1 e1 won Jul 20  4 | d2 e1 won Aug 20 6 | d3 e2 won Sep 10 2 | d6 w1 won Sep 25 10
#   d4 e2 lost Jul 15 1 | d5 w1 lost Aug 5 3
# Won: 2, 4, 6, 10, median 5.0; lost: 1, 3, median 2.0. In 2026Q2 d0 (e1) was won on 2 calls.
# Content: e1 shared the deck on d1 (won) and d4 (lost), w1 the case study on no deal, e2 only
# viewed the deck: 2 of 5 reps shared; 2 deals with content (1 won), 4 without (3 won).
REPS = [
    ("e1", "Ann Ames", "East"),
    ("e2", "Bob Barr", "East"),
    ("e3", "Cy Cole", "East"),
    ("e4", "Di Dunn", "East"),
    ("w1", "Eve Eng", "West"),
]
STAGES = [
    ("Prospecting", 1, False, False),
    ("Proposal", 2, False, False),
    ("Closed Won", 3, True, True),
    ("Closed Lost", 4, True, False),
]
DEALS = [  # opportunity_id, rep_id, created_at, close_date, won
    ("d0", "e1", "2026-04-01 09:00", "2026-05-10", True),
    ("d1", "e1", "2026-06-01 09:00", "2026-07-20", True),
    ("d2", "e1", "2026-06-01 09:00", "2026-08-20", True),
    ("d3", "e2", "2026-06-01 09:00", "2026-09-10", True),
    ("d4", "e2", "2026-06-01 09:00", "2026-07-15", False),
    ("d5", "w1", "2026-06-01 09:00", "2026-08-05", False),
    ("d6", "w1", "2026-06-01 09:00", "2026-09-25", True),
]
SUMMARY = (
    "The 4 deals won took a median of 5.0 calls, emails and meetings; lost deals took 2.0. "
    "The median active rep logged 2.0 activities a week. "
    "2 reps logged almost nothing (Cy Cole, Di Dunn): check what goes unlogged. "
    "4 of 5 reps used the CRM in at least 10 of the quarter's 13 weeks (80%). "
    "2 of 5 reps shared content (40%). "
    "Too few deals on one side to compare: 2 with content and 4 without."
)


def frame(name: str, rows: Iterable[dict]) -> pd.DataFrame:
    """A contract table from rows; a column the rows leave out is null."""
    return pd.DataFrame(list(rows), columns=list(contract.TABLES[name].columns))


def at(week: int, day: int = 0) -> pd.Timestamp:
    """10:00 on day ``day`` of 2026Q3's week ``week`` (0-based)."""
    return pd.Timestamp("2026-07-01 10:00") + timedelta(days=7 * week + day)


def logged(rep: str, week: int, kinds: Iterable[str], deal: str | None = None) -> list[tuple]:
    """Activities of ``rep`` in ``week``, one a day: (rep, type, when, deal)."""
    return [(rep, kind, at(week, day), deal) for day, kind in enumerate(kinds)]


def tiny_activities() -> list[tuple]:
    """Every activity of the tiny CRM, week by week of 2026Q3 as the comment above lays out."""
    rows = [("e1", "call", pd.Timestamp(day), "d0") for day in ("2026-04-10", "2026-04-20")]
    rows += logged("e1", 0, ["call"] * 2, "d1") + logged("e1", 1, ["call"] * 2, "d1")
    for week, kind in ((2, "call"), (3, "email"), (4, "meeting")):
        rows += logged("e1", week, [kind] * 2, "d2")
    rows += [row for week in range(5, 13) for row in logged("e1", week, ["task"] * 2)]
    rows += [*logged("e2", 0, ["call"], "d4"), ("e2", "task", at(0, 1), None)]
    rows += logged("e2", 1, ["call"] * 2, "d3")
    rows += [row for week in range(2, 13) for row in logged("e2", week, ["task"] * 2)]
    rows += logged("e3", 0, ["task"])
    rows += logged("w1", 0, ["call"] * 3, "d5")
    rows += [
        row for week in (1, 2, 3) for row in logged("w1", week, ["meeting", "email", "call"], "d6")
    ]
    rows += logged("w1", 4, ["call"], "d6") + [("w1", "task", at(4, day), None) for day in (1, 2)]
    rows += [row for week in range(5, 13) for row in logged("w1", week, ["task"] * 3)]
    return rows


def base_tables(reps: list[tuple], deals: list[tuple]) -> Tables:
    """reps, stages, opportunities and 2026Q3 quotas for every rep."""
    return {
        "reps": frame(
            "reps",
            (
                {"rep_id": r, "rep_name": n, "team": t, "role": "AE", "hire_date": "2024-01-01"}
                for r, n, t in reps
            ),
        ),
        "stages": frame(
            "stages",
            ({"stage": s, "sort_order": o, "is_closed": c, "is_won": w} for s, o, c, w in STAGES),
        ),
        "opportunities": frame(
            "opportunities",
            (
                {
                    "opportunity_id": d,
                    "rep_id": r,
                    "created_at": pd.Timestamp(created),
                    "close_date": pd.Timestamp(close),
                    "stage": "Closed Won" if won else "Closed Lost",
                    "is_closed": True,
                    "is_won": won,
                    "amount": 100.0,
                    "currency": "USD",
                    "segment": "SMB",
                }
                for d, r, created, close, won in deals
            ),
        ),
        "quotas": frame(
            "quotas",
            ({"rep_id": r, "quarter_start": "2026-07-01", "quota": 1000.0} for r, _n, _t in reps),
        ),
    }


def tiny_tables() -> Tables:
    tables = base_tables(REPS, DEALS)
    tables["activities"] = frame(
        "activities",
        (
            {
                "activity_id": f"a{i}",
                "rep_id": r,
                "type": kind,
                "occurred_at": when,
                "opportunity_id": d,
            }
            for i, (r, kind, when, d) in enumerate(tiny_activities())
        ),
    )
    tables["logins"] = frame(
        "logins", ({"rep_id": "e4", "login_at": at(week, 1)} for week in range(11))
    )
    shares = [
        ("e1", "deck", "share", at(0, 1), "d1"),
        ("e1", "deck", "share", at(0, 2), "d4"),
        ("e2", "deck", "view", at(0, 4), None),
        ("w1", "case", "share", at(4, 3), None),
    ]
    tables["content_events"] = frame(
        "content_events",
        (
            {"rep_id": r, "asset_id": a, "event": e, "occurred_at": when, "opportunity_id": d}
            for r, a, e, when, d in shares
        ),
    )
    return tables


def source(tmp_path_factory: pytest.TempPathFactory, name: str, tables: Tables) -> str:
    path = tmp_path_factory.mktemp("efficiency") / f"{name}.duckdb"
    write_tables(path, tables)
    return str(path)


def without(tables: Tables, *names: str) -> Tables:
    return {name: table for name, table in tables.items() if name not in names}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    return source(tmp_path_factory, "tiny", tiny_tables())


@pytest.fixture(scope="module")
def tiny_report(tiny: str) -> EfficiencyReport:
    return efficiency.open_report(Q3, "all", tiny)


def table_of(section: Stack) -> Table:
    return next(part for part in section.parts if isinstance(part, Table))


def figure_of(section: Stack) -> ReportFigure:
    return next(part for part in section.parts if isinstance(part, ReportFigure))


def test_the_summary_of_the_tiny_crm_reads_word_for_word(tiny_report: EfficiencyReport) -> None:
    assert tiny_report.summary().markdown == SUMMARY
    now = tiny_report.now
    assert (now["touches_per_won_deal"], now["touches_per_lost_deal"], now["won_deals"]) == (
        5.0,
        2.0,
        4,
    )
    assert (now["activities_per_rep_week"], now["low_activity_reps"]) == (2.0, 2)
    assert (now["crm_adoption"], now["active_reps"], now["adoption_weeks"]) == (0.8, 5, 10)
    assert now["content_share_reps"] == 0.4
    assert (now["win_rate_with_content"], now["deals_with_content"]) == (0.5, 2)
    assert (now["win_rate_without_content"], now["deals_without_content"]) == (0.75, 4)
    # the data runs to Sep 25 (d6 and w1's last tasks): the quarter's 13th week is under way
    assert tiny_report.as_of.isoformat() == "2026-09-25"


def test_the_headline_cards_of_the_tiny_crm(tiny_report: EfficiencyReport) -> None:
    cards = {card.label: card for card in tiny_report.headline().cards}
    assert list(cards) == CARDS
    shown = {label: (card.value, card.note) for label, card in cards.items()}
    assert shown == {
        "Touches per won deal": ("5.0", "median; lost deals 2.0"),
        "Activities per rep and week": ("2.0", "median rep; 2 reps logging almost nothing"),
        "CRM adoption": ("80%", "of 5 reps, in 10 of 13 weeks"),
        "Reps sharing content": ("40%", "of 5 reps"),
        "Win rate with content": ("50%", "2 closed"),
        "Win rate without content": ("75%", "4 closed"),
    }
    # 2026Q2: d0 won on 2 touches; a median of so few deals has no test, so no verdict
    touches = cards["Touches per won deal"]
    assert (touches.change, touches.direction, touches.good, touches.evidence) == (
        "+3.0 (+150%) vs 2026Q2",
        "up",
        None,
        "untested",
    )
    # 2026Q2's active reps (e1, e2, w1: deals open then) used the CRM in 2 weeks at most
    adoption = cards["CRM adoption"]
    assert (adoption.change, adoption.good) == ("+80.0 pts vs 2026Q2", True)


def test_the_sections_of_the_tiny_crm(tiny_report: EfficiencyReport) -> None:
    touches = tiny_report.touches()
    assert table_of(touches).rows == (
        ("Won deals", "4", "5.0", "5.5"),
        ("Lost deals", "2", "2.0", "2.0"),
    )
    assert figure_of(touches).alt == (
        "Histogram of touches per deal: won deals took a median of 5.0, lost deals 2.0."
    )
    assert table_of(tiny_report.touches_trend()).rows == (
        ("2026Q2", "1", "2.0", "0", "n/a"),
        ("2026Q3", "4", "5.0", "2", "2.0"),
    )
    low = tiny_report.low_activity()
    assert low.columns == ("Rep", "Team", "Weeks", "Activities", "Per week")
    assert low.rows == (
        ("Di Dunn", "East", "13", "0", "0.0"),
        ("Cy Cole", "East", "13", "1", "0.1"),
    )
    activity = tiny_report.activity()
    # across teams, each bar is a team: East 53 activities over 52 weeks, West 39 over 13
    bars = tiny_report.data["activity_chart"]
    assert bars["name"].tolist() == ["West", "East"]
    assert bars["total"].tolist() == pytest.approx([3.0, 53 / 52])
    assert figure_of(activity).caption == (
        "Activities each active rep logged per week of 2026Q3 they were employed in, by type; "
        "the dashed line is the median rep's 2.0. Across teams, each bar is a team's activities "
        "over its reps' weeks."
    )
    adoption = tiny_report.adoption()
    assert figure_of(adoption).caption.endswith(
        "An adopter used it in at least 10 (or in every week they were employed, when fewer): "
        "4 of 5 reps, 80%."
    )
    assert table_of(adoption).rows == (("East", "4", "3", "75%"), ("West", "1", "1", "100%"))
    by_rep = tiny_report.data["adoption_chart"].set_index("rep_name")
    assert by_rep["weeks_active"].to_dict() == {
        "Cy Cole": 1,
        "Di Dunn": 11,
        "Ann Ames": 13,
        "Bob Barr": 13,
        "Eve Eng": 13,
    }
    assert figure_of(tiny_report.enablement()).caption == (
        "Too few deals on one side to compare: 2 with content and 4 without."
    )
    assert table_of(tiny_report.enablement()).rows == (
        ("With content shared", "2", "1", "50%"),
        ("Without", "4", "3", "75%"),
    )
    assets = tiny_report.content_assets()
    assert assets.rows == (("deck", "2", "2", "1", "50%"), ("case", "1", "0", "0", "n/a"))


def test_one_team_reads_in_the_singular(tiny: str) -> None:
    report = efficiency.open_report(Q3, "West", tiny)
    assert report.summary().markdown == (
        "The 1 deal won took a median of 10.0 calls, emails and meetings; lost deals took 3.0. "
        "The median active rep logged 3.0 activities a week. "
        "1 of 1 rep used the CRM in at least 10 of the quarter's 13 weeks (100%). "
        "1 of 1 rep shared content (100%). "
        "Too few deals on one side to compare: 0 with content and 2 without."
    )
    assert report.low_activity().markdown == (
        "Every active rep of West logged at least 25% of their team's median."
    )
    # within a team the bars and the adoption table are by rep, without a team column
    report.activity()
    assert report.data["activity_chart"]["name"].tolist() == ["Eve Eng"]
    assert table_of(report.adoption()).rows == (("Eve Eng", "13", "13", "yes"),)


def test_a_higher_adoption_bar_counts_fewer_adopters(tiny: str) -> None:
    report = efficiency.open_report(Q3, "all", tiny, adoption_weeks=12)
    assert report.now["crm_adoption"] == 0.6  # Di Dunn's 11 weeks are no longer enough
    assert (
        "3 of 5 reps used the CRM in at least 12 of the quarter's 13 weeks (60%)."
        in report.summary().markdown
    )
    assert report.headline().cards[2].note == "of 5 reps, in 12 of 13 weeks"
    assert "an adopter used it in at least 12 weeks" in report.caveats().markdown


def test_a_quarter_before_the_data_says_no_rep_was_active(tiny: str) -> None:
    # the tables are there, but 2025Q3 had no deal and no active rep: nothing says a table is
    # missing
    report = efficiency.open_report("2025Q3", "all", tiny)
    assert report.summary().markdown == "All teams: no active rep in 2025Q3."
    cards = report.headline().cards
    assert [(card.value, card.note) for card in cards] == [
        ("n/a", ""),
        ("n/a", ""),
        ("n/a", ""),
        ("n/a", ""),
        ("n/a", "0 closed"),
        ("n/a", "0 closed"),
    ]
    assert report.activity().markdown == "All teams: no active rep in 2025Q3."
    assert report.low_activity().markdown == "All teams: no active rep in 2025Q3."
    assert report.adoption().markdown == "All teams: no active rep in 2025Q3."
    assert report.touches().markdown == "No deal of all teams closed in 2025Q3."
    assert report.enablement().markdown == "No deal of all teams closed in 2025Q3."
    assert report.content_assets().markdown == "No rep of all teams shared content in 2025Q3."


@pytest.mark.parametrize("weeks", [0, 14, -1])
def test_adoption_weeks_out_of_range_are_refused(tiny: str, weeks: int) -> None:
    with pytest.raises(ParamsError, match=rf"^adoption_weeks must be 1 to 13, not {weeks}$"):
        efficiency.open_report(Q3, "all", tiny, adoption_weeks=weeks)


@pytest.mark.parametrize("weeks", [1, 13])
def test_adoption_weeks_at_the_ends_of_the_range_are_kept(tiny: str, weeks: int) -> None:
    report = efficiency.open_report(Q3, "all", tiny, adoption_weeks=weeks)
    assert report.adoption_weeks == weeks == report.now["adoption_weeks"]
    # 1 week: every rep who used the CRM at all (all but none); 13: e1, e2 and w1
    assert report.now["crm_adoption"] == {1: 1.0, 13: 0.6}[weeks]


def test_without_sign_ins_adoption_is_read_from_activities(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    report = efficiency.open_report(
        Q3, "all", source(tmp_path_factory, "no-logins", without(tiny_tables(), "logins"))
    )
    # Di Dunn only signed in: with no logins table she used the CRM in no week
    assert report.now["crm_adoption"] == 0.6
    summary = report.summary().markdown
    assert "3 of 5 reps used the CRM in at least 10 of the quarter's 13 weeks (60%)." in summary
    assert report.headline().cards[2].note == "of 5 reps, in 10 of 13 weeks"
    assert report.adoption()
    assert report.data["adoption_chart"].set_index("rep_name").loc["Di Dunn", "weeks_active"] == 0
    assert report.caveats().markdown.split("\n")[-2] == (
        "- The data has no logins table, so CRM adoption from sign\\-ins is not shown."
    )


# --- the enablement test in words: within noise, associated with, too few to compare ---------


def content_tables(with_content: tuple[int, int], without_content: tuple[int, int]) -> Tables:
    """One rep, Ann Ames, and deals closed Aug 1: (won, lost) with the deck shared on them on
    Jul 1 and without; no activities and no sign-ins."""
    deals, shares = [], []
    for side, (won, lost) in (("w", with_content), ("o", without_content)):
        for k, is_won in enumerate([True] * won + [False] * lost):
            deal = f"{side}{k}"
            deals.append((deal, "e1", "2026-06-01 09:00", "2026-08-01", is_won))
            if side == "w":
                shares.append(deal)
    tables = base_tables(REPS[:1], deals)
    tables["content_events"] = frame(
        "content_events",
        (
            {
                "rep_id": "e1",
                "asset_id": "deck",
                "event": "share",
                "occurred_at": at(0),
                "opportunity_id": deal,
            }
            for deal in shares
        ),
    )
    return tables


@pytest.mark.parametrize(
    ("with_content", "without_content", "sentence"),
    [
        # 12 of 20 against 10 of 20: z = 0.1 / 0.157, p = 0.525
        (
            (12, 8),
            (10, 10),
            "Deals with content shared won 60% of the time and the others 50%: a difference within "
            "noise (p=0.53).",
        ),
        # 16 of 20 against 6 of 20: z = 0.5 / 0.157 = 3.18, p = 0.0015
        (
            (16, 4),
            (6, 14),
            "Sharing content is associated with a higher win rate: 80% against 30% (p=0.0015). "
            + ASSOCIATION,
        ),
        (
            (4, 16),
            (14, 6),
            "Sharing content is associated with a lower win rate: 20% against 70% (p=0.0015). "
            + ASSOCIATION,
        ),
        # 19 deals with content: one short of a side to compare
        (
            (15, 4),
            (10, 15),
            "Too few deals on one side to compare: 19 with content and 25 without.",
        ),
        ((20, 20), (0, 0), "Too few deals on one side to compare: 40 with content and 0 without."),
    ],
    ids=["within-noise", "higher", "lower", "19-with", "none-without"],
)
def test_the_content_difference_is_said_as_the_test_reads_it(
    tmp_path_factory: pytest.TempPathFactory,
    with_content: tuple[int, int],
    without_content: tuple[int, int],
    sentence: str,
) -> None:
    tables = content_tables(with_content, without_content)
    report = efficiency.open_report(Q3, "all", source(tmp_path_factory, "content", tables))
    summary = report.summary().markdown
    assert summary == f"1 of 1 rep shared content (100%). {sentence}"
    assert "caused" not in summary and "causes" not in summary
    assert figure_of(report.enablement()).caption == sentence
    found = enablement(report.scope.tables, report.scope.quarter)
    assert report.now["content_p_value"] == plain_float(found.test.p_value)


# --- the demo: the report's figures are the metrics' ----------------------------------------


@pytest.fixture(scope="module")
def demo_reports(demo_source: str) -> dict[str, EfficiencyReport]:
    return {team: efficiency.open_report(Q3, team, demo_source) for team in ("all", "SMB")}


@pytest.mark.parametrize("team", ["all", "SMB"])
def test_the_demo_figures_are_the_metrics(
    demo_reports: dict[str, EfficiencyReport], team: str
) -> None:
    report = demo_reports[team]
    tables, quarter = report.scope.tables, report.scope.quarter
    assert report.as_of == quarter.last_day  # the demo covers the quarter: no week cut off
    found = touches_per_deal(tables, quarter, team)
    rates = rep_activity(tables, quarter, team)
    adoption = crm_adoption(tables, quarter, team, weeks_needed=10)
    shared = enablement(tables, quarter, team)
    expected = {
        "touches_per_won_deal": found.median_won,
        "touches_per_lost_deal": found.median_lost,
        "won_deals": found.won_deals,
        "activities_per_rep_week": rates.activities_per_rep_week,
        "low_activity_reps": len(rates.low_activity_reps),
        "crm_adoption": adoption.share,
        "active_reps": adoption.active_reps,
        "adoption_weeks": 10,
        "content_share_reps": shared.share_of_reps_sharing,
        "win_rate_with_content": shared.win_rate_with,
        "win_rate_without_content": shared.win_rate_without,
        "deals_with_content": shared.deals_with,
        "deals_without_content": shared.deals_without,
        "content_p_value": shared.test.p_value,
    }
    assert report.now == expected
    assert report.headline().record()["metrics"] == expected
    assert None not in expected.values() and found.won_deals > 0 and shared.deals_with >= 20
    assert report.headline().record()["team"] == team
    # the demo is the story the docs tell: more touches on won deals, a few reps under-logging
    assert found.median_won > found.median_lost
    assert 0 < len(rates.low_activity_reps) < rates.active_reps


def test_a_different_adoption_bar_is_crm_adoption_with_that_bar(demo_source: str) -> None:
    report = efficiency.open_report(Q3, "all", demo_source, adoption_weeks=13)
    tables, quarter = report.scope.tables, report.scope.quarter
    strict = crm_adoption(tables, quarter, weeks_needed=13)
    assert report.now["crm_adoption"] == strict.share
    assert strict.share < crm_adoption(tables, quarter, weeks_needed=10).share
    assert report.headline().record()["metrics"]["adoption_weeks"] == 13


@pytest.mark.parametrize("team", ["all", "SMB"])
def test_every_demo_section_renders_and_keeps_its_frames(
    demo_reports: dict[str, EfficiencyReport], team: str
) -> None:
    report = demo_reports[team]
    for name in SECTIONS:
        section = getattr(report, name)()
        assert isinstance(section, Stack | Table), name
        parts = section.parts if isinstance(section, Stack) else (section,)
        assert any(isinstance(part, Table) for part in parts), name
        for part in parts:
            key = f"{name}_chart" if isinstance(part, ReportFigure) else name
            assert report.data.shown(key) is part and report.data[key] is part.frame, key
            if isinstance(part, ReportFigure):
                assert part.png.startswith(b"\x89PNG") and part.caption and part.alt, key
    charted = ("touches", "touches_trend", "activity", "adoption", "adoption_trend", "enablement")
    assert set(report.data) == {*SECTIONS, *(f"{name}_chart" for name in charted)}
    tables, quarter = report.scope.tables, report.scope.quarter
    found = report.quarter_touches(quarter)
    assert report.data["touches_chart"] is found.distribution
    assert report.data["touches_chart"]["deals"].sum() == found.won_deals + found.lost_deals
    assert report.data["touches_by_segment"]["won_deals"].sum() == found.won_deals
    trend = report.data["touches_trend"]
    assert trend.equals(touches_trend(tables, report.trend_quarters, team))
    assert trend["quarter"].tolist() == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    rates = report.quarter_activity(quarter)
    assert report.data["activity"]["rep_name"].tolist() == rates.by_rep["rep_name"].tolist()
    low = report.data["low_activity"]
    assert sorted(low["rep_name"]) == sorted(rates.low_activity_reps)
    adoption = report.quarter_adoption(quarter)
    assert report.data["adoption_chart"] is adoption.by_rep
    assert report.data["adoption_trend"].equals(
        adoption_trend(tables, report.trend_quarters, team, 10)
    )
    shared = report.quarter_enablement(quarter)
    groups = report.data["enablement_chart"]
    assert groups[["deals", "won"]].values.tolist() == [
        [shared.deals_with, shared.won_with],
        [shared.deals_without, shared.won_without],
    ]
    assert report.data["content_assets"].equals(shared.top_assets)


# --- the demo without its activity tables ------------------------------------------------------


@pytest.fixture(scope="module")
def bare(demo_tables: Tables, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo without activities, logins and content_events."""
    return source(tmp_path_factory, "bare", without(demo_tables, *ACTIVITY_TABLES))


def test_without_sign_ins_the_demo_reads_adoption_from_activities(
    demo_tables: Tables, tmp_path_factory: pytest.TempPathFactory, demo_reports
) -> None:
    path = source(tmp_path_factory, "no-logins", without(demo_tables, "logins"))
    report = efficiency.open_report(Q3, "all", path)
    adoption = crm_adoption(report.scope.tables, report.scope.quarter, weeks_needed=10)
    assert adoption.sources == ("activities",)
    assert report.quarter_adoption(report.scope.quarter).sources == ("activities",)
    assert report.now["crm_adoption"] == adoption.share
    # a few sign-ins fall in weeks with nothing logged: without them those weeks are not counted
    full = demo_reports["all"].quarter_adoption(report.scope.quarter).by_rep
    assert adoption.by_rep["weeks_active"].sum() < full["weeks_active"].sum()
    assert isinstance(report.adoption(), Stack) and isinstance(report.adoption_trend(), Stack)
    assert report.headline().cards[2].note == "of 45 reps, in 10 of 13 weeks"
    caveats = report.caveats().markdown.split("\n")
    assert [line for line in caveats if line.startswith("- The data has no")] == [
        "- The data has no logins table, so CRM adoption from sign\\-ins is not shown."
    ]


@pytest.fixture(scope="module")
def bare_report(bare: str) -> EfficiencyReport:
    return efficiency.open_report(Q3, "all", bare)


def needs(section: str) -> str:
    table, name = NEEDS[section]
    return escape_markdown(f"{name} needs the {table} table, which this source does not have.")


@pytest.mark.parametrize("team", ["all", "SMB"])
def test_without_activity_tables_every_section_says_what_it_needs(bare: str, team: str) -> None:
    report = efficiency.open_report(Q3, team, bare)
    for name in SECTIONS:
        section = getattr(report, name)()
        assert isinstance(section, Text), name
        assert section.markdown == needs(name), name
    assert len(report.data) == 0


def test_without_activity_tables_the_page_says_efficiency_cannot_be_read(
    bare_report: EfficiencyReport,
) -> None:
    report = bare_report
    assert report.summary().markdown == (
        "The data has no activities, sign-ins or content events: efficiency cannot be read from it."
    )
    cards = report.headline().cards
    assert [(card.label, card.value, card.note) for card in cards] == [
        ("Touches per won deal", "n/a", "needs the activities table"),
        ("Activities per rep and week", "n/a", "needs the activities table"),
        ("CRM adoption", "n/a", "needs the logins table"),
        ("Reps sharing content", "n/a", "needs the content_events table"),
        ("Win rate with content", "n/a", "needs the content_events table"),
        ("Win rate without content", "n/a", "needs the content_events table"),
    ]
    metrics = report.headline().record()["metrics"]
    assert {key for key, value in metrics.items() if value is not None} == {"adoption_weeks"}
    assert report.caveats().markdown.split("\n") == [
        "- The data has no activities table, so touches per deal and activity per rep is not "
        "shown.",
        "- The data has no logins table, so CRM adoption from sign\\-ins is not shown.",
        "- The data has no content\\_events table, so enablement is not shown.",
        "- How these numbers are defined: docs/metrics.md#efficiency in the salesops project "
        "(every formula, convention and the setting that changes it).",
    ]


def test_without_content_events_only_enablement_is_switched_off(
    demo_tables: Tables, tmp_path_factory: pytest.TempPathFactory, demo_reports
) -> None:
    path = source(tmp_path_factory, "no-content", without(demo_tables, "content_events"))
    report = efficiency.open_report(Q3, "all", path)
    full = demo_reports["all"]
    for name in SECTIONS:
        section = getattr(report, name)()
        if NEEDS[name][0] == "content_events":
            assert section == Text(needs(name)), name
        else:
            assert isinstance(section, Stack | Table), name
    cards = report.headline().cards
    assert [card.note for card in cards[3:]] == ["needs the content_events table"] * 3
    assert [card.value for card in cards[:3]] == [card.value for card in full.headline().cards[:3]]
    # the summary is the full demo's without its last sentences, on content
    summary = report.summary().markdown
    rest = full.summary().markdown.removeprefix(summary + " ")
    assert rest != full.summary().markdown and "content" not in summary
    assert rest.startswith(f"{full.now['content_share_reps'] * 45:.0f} of 45 reps shared content")
    caveats = report.caveats().markdown
    assert "- The data has no content\\_events table, so enablement is not shown." in caveats
    assert "no activities table" not in caveats and "no logins table" not in caveats
    assert "two-proportion z-test" not in caveats and "A touch is a call" in caveats


# --- in French ----------------------------------------------------------------------------


def plain(text: str) -> str:
    """``text`` with the narrow and non-breaking spaces of French as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_the_efficiency_report_reads_in_french(demo_source: str) -> None:
    report = efficiency.open_report(Q3, "all", demo_source, locale="fr_FR")
    cards = report.headline().cards
    assert [card.label for card in cards] == [
        "Contacts par affaire gagnée",
        "Activités par commercial et semaine",
        "Adoption du CRM",
        "Partage de contenu",
        "Taux de gain avec contenu",
        "Taux de gain sans contenu",
    ]
    # the demo's 2026Q3: won deals took 8 touches, lost ones 3; 40 of 45 reps adopted the CRM
    assert (plain(cards[0].value), plain(cards[0].note or "")) == (
        "8,0",
        "médiane ; affaires perdues 3,0",
    )
    assert plain(cards[0].change or "").endswith(" vs T2 2026")
    assert (plain(cards[2].value), plain(cards[2].note or "")) == (
        "89 %",
        "sur 45 commerciaux, 10 semaines sur 13",
    )
    low = ", ".join(report.quarter_activity(report.scope.quarter).low_activity_reps)
    summary = plain(report.summary().markdown)
    assert summary.startswith(
        "Les 204 affaires gagnées ont demandé 8,0 appels, e-mails et réunions en médiane ; les "
        "affaires perdues, 3,0. Le commercial actif médian a saisi 14,6 activités par semaine. "
        f"4 commerciaux n'ont presque rien saisi ({low}) : vérifiez ce qui n'est pas saisi. "
        "40 sur 45 commerciaux ont utilisé le CRM pendant au moins 10 des 13 semaines du "
        "trimestre (89 %). "
    )
    assert summary.endswith(
        "Le partage de contenu est associé à un taux de gain plus élevé : 43 % contre 27 % "
        "(p < 0,001). Une association, pas une cause : les commerciaux partagent peut-être du "
        "contenu sur les affaires qu'ils s'attendent déjà à gagner."
    )
    activity = report.activity()
    assert plain(figure_of(activity).caption).startswith(
        "Activités saisies par chaque commercial actif par semaine de T3 2026 où il était en "
        "poste, par type ; la ligne pointillée marque les 14,6 du commercial médian."
    )
    reps = table_of(activity)
    assert reps.columns[:5] == ("Commercial", "Équipe", "Semaines", "Activités", "Par semaine")
    rate = report.data["activity"]["per_week"].iloc[0]
    assert plain(reps.rows[0][4]) == f"{rate:,.1f}".replace(",", " ").replace(".", ",")
    trend = table_of(report.touches_trend())
    assert trend.columns[:3] == ("Trimestre", "Affaires gagnées", "Contacts médians, gagnées")
    assert [row[0] for row in trend.rows] == ["T4 2025", "T1 2026", "T2 2026", "T3 2026"]


def test_a_missing_table_is_said_in_french(bare: str) -> None:
    report = efficiency.open_report(Q3, "SMB", bare, locale="fr_FR")
    assert plain(report.touches().markdown) == plain(
        escape_markdown(
            "Contacts par affaire : nécessite la table activities, absente de cette source."
        )
    )
    assert plain(report.summary().markdown) == (
        "Les données n'ont ni activités, ni connexions, ni événements de contenu : l'efficacité "
        "commerciale ne peut pas en être lue."
    )
    assert plain(report.headline().cards[3].note or "") == "nécessite la table content_events"
    enablement = escape_markdown("l'aide à la vente")  # the table and what it shows, escaped
    assert (
        f"- Sans table content\\_events dans les données, le rapport ne montre pas {enablement}."
        in plain(report.caveats().markdown).split("\n")
    )
