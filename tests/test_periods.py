"""Fiscal quarters: labels, bounds, weeks and neighbours, against dates worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from salesops.errors import ParamsError
from salesops.periods import Quarter, last_complete_quarter


def test_calendar_quarter_bounds() -> None:
    q = Quarter.parse("2026Q3")
    assert (q.start, q.end, q.last_day) == (date(2026, 7, 1), date(2026, 10, 1), date(2026, 9, 30))
    assert q.days == 92 and q.label == "2026Q3"


def test_labels_in_other_spellings_parse_to_the_same_quarter() -> None:
    assert Quarter.parse("2026-q3") == Quarter.parse(" 2026Q3 ") == Quarter(2026, 3)


@pytest.mark.parametrize("label", ["2026Q5", "Q3 2026", "2026", "", "1800Q1", "2026Q0"])
def test_bad_labels_are_params_errors(label: str) -> None:
    with pytest.raises(ParamsError):
        Quarter.parse(label)


def test_fiscal_year_starting_in_february_is_named_after_the_year_it_ends() -> None:
    # FY2027 runs 2026-02-01 .. 2027-01-31; its Q1 is Feb-Apr 2026, its Q4 Nov 2026-Jan 2027.
    assert Quarter.parse("2027Q1", start_month=2).start == date(2026, 2, 1)
    assert Quarter.parse("2027Q4", start_month=2).end == date(2027, 2, 1)
    assert Quarter.containing(date(2027, 1, 15), start_month=2).label == "2027Q4"
    assert Quarter.containing(date(2026, 2, 1), start_month=2).label == "2027Q1"


def test_weeks_end_seven_days_apart_and_the_last_is_capped_at_quarter_end() -> None:
    q = Quarter.parse("2026Q3")  # 92 days: 13 full weeks and one day
    assert q.weeks == 14
    assert q.week_end(1) == date(2026, 7, 8)
    assert q.week_end(13) == date(2026, 9, 30)
    assert q.week_end(14) == date(2026, 10, 1)


def test_neighbours_cross_year_boundaries() -> None:
    q = Quarter.parse("2026Q1")
    assert q.previous().label == "2025Q4"
    assert Quarter.parse("2025Q4").next() == q
    assert [x.label for x in q.trailing(4)] == ["2025Q2", "2025Q3", "2025Q4", "2026Q1"]


def test_last_complete_quarter_counts_the_as_of_day_as_covered() -> None:
    assert last_complete_quarter(date(2026, 10, 1)).label == "2026Q3"
    assert last_complete_quarter(date(2026, 9, 30)).label == "2026Q3"
    assert last_complete_quarter(date(2026, 9, 29)).label == "2026Q2"


def test_last_complete_quarter_never_passes_today() -> None:
    # a lead mistyped as 2062 moves as_of to 2062-03-01; on 2026-12-04 the last quarter over is
    # 2026Q3 whatever the data says, and data that stops earlier keeps its own last quarter
    today = date(2026, 12, 4)
    assert last_complete_quarter(date(2062, 3, 1), today=today).label == "2026Q3"
    assert last_complete_quarter(date(2026, 6, 30), today=today).label == "2026Q2"
    assert last_complete_quarter(date(2062, 3, 1), 2, today=today) == Quarter(2027, 3, 2)
