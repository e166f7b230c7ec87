"""The data behind the sections: ``report.data`` keeps each table's and chart's raw frame by
name, and ``report.scope.team_tables`` gives the team's Ibis tables for queries of one's own."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from salesops.analyses import cohort, quota
from salesops.analyses.data import ReportData
from salesops.analyses.scope import open_scope
from salesops.data.demo import write_tables
from salesops.metrics.scope import within
from salesops.present import Text, figure, stack, table


def _chart(frame: pd.DataFrame):
    fig, ax = plt.subplots()
    ax.bar(frame["rep"], frame["won"])
    return figure(fig, "Won by rep", "bars", frame=frame)


def test_a_section_keeps_its_table_under_its_name_and_its_chart_beside_it() -> None:
    frame = pd.DataFrame({"rep": ["Ann", "Bo", "Cy"], "won": [3, 1, 2]})
    data = ReportData()
    shown = stack(Text("a sentence"), _chart(frame), table(frame, {"won": "count"}))
    data.keep("breakdown_source", "Win rate by source", shown)
    data.keep("summary", "Sentences", Text("no frame"))
    assert list(data) == ["breakdown_source_chart", "breakdown_source"]
    assert data["breakdown_source_chart"] is frame
    assert data["breakdown_source"]["won"].tolist() == [3, 1, 2]  # raw counts, not "3"
    assert data.shown("breakdown_source") is shown.parts[2]
    assert repr(data).splitlines()[1:] == [
        "  breakdown_source_chart  3 x 2  chart: Win rate by source",
        "  breakdown_source        3 x 2  table: Win rate by source",
    ]
    with pytest.raises(KeyError, match="'funnel'; there is: breakdown_source_chart, break"):
        data["funnel"]


def test_before_any_section_report_data_says_to_run_them(demo_source: str) -> None:
    report = quota.open_report("2026Q3", "SMB", demo_source)
    assert len(report.data) == 0
    assert "no section has been shown yet" in repr(report.data)


def test_the_sections_of_a_report_keep_the_frames_they_computed_once(demo_source: str) -> None:
    report = cohort.open_report("2026Q3", "SMB", demo_source)
    report.headline()  # cards: no frame kept
    report.deal_cohorts()
    report.rep_ramp()
    report.rep_ramp()  # shown again: the same names, not a second copy
    assert list(report.data) == ["deal_cohorts_chart", "rep_ramp_chart", "rep_ramp"]
    assert report.data["deal_cohorts_chart"] is report.deals  # the cached frame, not a re-run
    lines = repr(report.data).splitlines()
    rows, columns = report.deals.shape
    assert lines[1].split()[:4] == ["deal_cohorts_chart", str(rows), "x", str(columns)]
    assert "table: Time to the first quarter at full quota, by hire quarter" in lines[3]


TEAM_TABLES = {
    "reps": pd.DataFrame(
        {
            "rep_id": ["R1", "R2"],
            "rep_name": ["Ann East", "Bo West"],
            "team": ["East", "West"],
            "role": ["AE", "AE"],
            "hire_date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
        }
    ),
    # O1 won in 2026Q3, O2 won in 2026Q2 (another quarter, same team), O3 is West's
    "opportunities": pd.DataFrame(
        {
            "opportunity_id": ["O1", "O2", "O3"],
            "rep_id": ["R1", "R1", "R2"],
            "created_at": pd.to_datetime(["2026-05-01", "2026-03-01", "2026-05-01"]),
            "close_date": pd.to_datetime(["2026-08-01", "2026-05-15", "2026-08-01"]),
            "stage": ["Closed Won"] * 3,
            "is_closed": [True] * 3,
            "is_won": [True] * 3,
            "amount": [100.0, 40.0, 7.0],
            "currency": ["USD"] * 3,
        }
    ),
    "stages": pd.DataFrame(
        {
            "stage": ["Open", "Closed Won", "Closed Lost"],
            "sort_order": [1, 2, 3],
            "is_closed": [False, True, True],
            "is_won": [False, True, False],
        }
    ),
    # two steps of East's O1, one of West's O3
    "stage_history": pd.DataFrame(
        {
            "opportunity_id": ["O1", "O1", "O3"],
            "stage": ["Open", "Closed Won", "Closed Won"],
            "entered_at": pd.to_datetime(["2026-05-01", "2026-08-01", "2026-08-01"]),
        }
    ),
    # a push of East's O1, a requote of West's O3
    "deal_changes": pd.DataFrame(
        {
            "opportunity_id": ["O1", "O3"],
            "changed_at": pd.to_datetime(["2026-06-01", "2026-07-01"]),
            "close_date": pd.to_datetime(["2026-08-01", None]).date,
            "amount": [None, 900.0],
        }
    ),
    # S1 was spent for East, S2 for West, S3 for no team in particular
    "spend": pd.DataFrame(
        {
            "month": pd.to_datetime(["2026-07-01"] * 3).date,
            "category": ["marketing", "sales", "marketing"],
            "channel": ["Web", None, "Events"],
            "team": ["East", "West", None],
            "amount": [10.0, 20.0, 30.0],
            "currency": ["USD"] * 3,
        }
    ),
    # L1 is East's, L2 West's, L3 nobody's yet
    "leads": pd.DataFrame(
        {
            "lead_id": ["L1", "L2", "L3"],
            "created_at": pd.to_datetime(["2026-04-01"] * 3),
            "rep_id": ["R1", "R2", None],
            "status": ["open"] * 3,
        }
    ),
}


@pytest.fixture(scope="module")
def two_teams(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("two-teams") / "crm.duckdb"
    write_tables(path, TEAM_TABLES)
    return str(path)


def _rows(tables: dict, name: str, key: str) -> list[str]:
    return sorted(tables[name].execute()[key].tolist())


def test_team_tables_narrow_every_table_to_the_team_but_keep_every_quarter(two_teams: str) -> None:
    east = open_scope("2026Q3", "East", two_teams).team_tables
    assert _rows(east, "reps", "rep_id") == ["R1"]
    assert _rows(east, "opportunities", "opportunity_id") == ["O1", "O2"]  # O2: 2026Q2
    assert _rows(east, "stage_history", "opportunity_id") == ["O1", "O1"]
    assert _rows(east, "deal_changes", "opportunity_id") == ["O1"]
    assert _rows(east, "leads", "lead_id") == ["L1"]
    assert _rows(east, "spend", "amount") == [10.0]
    assert _rows(east, "stages", "stage") == ["Closed Lost", "Closed Won", "Open"]
    assert "quotas" not in east  # the source has none
    every = open_scope("2026Q3", "all", two_teams).team_tables
    assert _rows(every, "leads", "lead_id") == ["L1", "L2", "L3"]  # "all" keeps unassigned leads
    assert _rows(every, "stage_history", "opportunity_id") == ["O1", "O1", "O3"]
    assert _rows(every, "spend", "amount") == [10.0, 20.0, 30.0]  # and spend for no team


def test_the_deals_of_the_scope_answer_a_question_of_ones_own(two_teams: str) -> None:
    scope = open_scope("2026Q3", "East", two_teams)
    deals, q = scope.deals, scope.quarter
    won = deals.filter(deals.is_won, within(deals.close_date, q.start, q.end)).execute()
    # East won O1 (100) in 2026Q3; O2 closed in 2026Q2 and O3 is West's
    assert won[["opportunity_id", "amount", "team", "rep_name"]].values.tolist() == [
        ["O1", 100.0, "East", "Ann East"]
    ]


def test_scope_tables_of_a_missing_optional_table_are_absent_not_empty(tmp_path: Path) -> None:
    path = tmp_path / "bare.duckdb"
    write_tables(path, {k: TEAM_TABLES[k] for k in ("reps", "opportunities", "stages")})
    tables = open_scope("2026Q3", "East", str(path)).team_tables
    assert sorted(tables) == ["opportunities", "reps", "stages"]
