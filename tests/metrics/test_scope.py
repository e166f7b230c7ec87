"""Team and period scoping, and the portable day and month arithmetic."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest
from tiny_crm import crm, deal, rep

from salesops.metrics import MissingTableError, require
from salesops.metrics.scope import (
    closed_totals,
    exact_sum,
    month_index,
    month_label,
    scoped_opportunities,
    stack,
    whole_days_between,
    whole_months,
    whole_months_between,
    within,
)


def _scalar(expr: ibis.Value) -> object:
    return expr.as_table().execute().iloc[0, 0]


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2026-01-15", "2026-03-14", 1),
        ("2026-01-15", "2026-03-15", 2),
        ("2026-01-31", "2026-02-28", 0),  # February never reaches the 31st
        ("2025-11-01", "2026-01-01", 2),  # across a year end
        ("2026-07-01", "2026-10-01", 3),  # a whole quarter, to its exclusive end
    ],
)
def test_whole_months_between_counts_completed_months(start: str, end: str, months: int) -> None:
    lhs, rhs = date.fromisoformat(start), date.fromisoformat(end)
    assert _scalar(whole_months_between(ibis.literal(lhs), ibis.literal(rhs))) == months
    assert whole_months(lhs, rhs) == months


def test_whole_days_between_truncates_timestamps_to_their_day() -> None:
    # created 2026-01-05 23:30, closed 2026-01-07: two calendar days, not 1.02
    days = whole_days_between(
        ibis.literal("2026-01-05 23:30:00").cast("timestamp"), ibis.literal(date(2026, 1, 7))
    )
    assert _scalar(days) == 2


def test_month_index_and_label_round_trip() -> None:
    index = _scalar(month_index(ibis.literal(date(2026, 3, 9))))
    assert index == 2026 * 12 + 2 and month_label(int(index)) == "2026-03"


def test_within_is_half_open_for_timestamps() -> None:
    # the last second of March is in Q1; midnight on April 1st is not
    stamps = ibis.memtable({"at": ["2026-03-31 23:59:59", "2026-04-01 00:00:00"]})
    stamps = stamps.select(at=stamps.at.cast("timestamp"))
    inside = stamps.select(q1=within(stamps.at, date(2026, 1, 1), date(2026, 4, 1))).execute()
    assert inside["q1"].tolist() == [True, False]


def test_a_deal_belongs_to_the_team_of_its_rep() -> None:
    tables = crm(
        [rep("r1", "East"), rep("r2", "West")],
        [
            deal("o1", "r1", "2026-01-02", "2026-02-01", "Closed Won"),
            deal("o2", "r2", "2026-01-02", "2026-02-01", "Closed Won"),
        ],
    )
    east = scoped_opportunities(tables, "East").execute()
    assert east["opportunity_id"].tolist() == ["o1"] and east["team"].tolist() == ["East"]
    assert len(scoped_opportunities(tables, "all").execute()) == 2


def test_closed_totals_count_won_and_lost_closed_in_the_period() -> None:
    # o1 won 100 and o2 lost 50 in Q1; o3 won in Q2 and o4 is open: not counted
    tables = crm(
        [rep("r1")],
        [
            deal("o1", "r1", "2026-01-02", "2026-02-01", "Closed Won", 100),
            deal("o2", "r1", "2026-01-02", "2026-03-31", "Closed Lost", 50),
            deal("o3", "r1", "2026-01-02", "2026-04-01", "Closed Won", 70),
            deal("o4", "r1", "2026-01-02", "2026-03-01", "Proposal", 90),
        ],
    )
    deals = scoped_opportunities(tables)
    row = closed_totals(deals, date(2026, 1, 1), date(2026, 4, 1)).execute().iloc[0]
    assert (row["closed"], row["won"], row["won_amount"], row["closed_amount"]) == (2, 1, 100, 150)


def test_stack_unions_a_not_null_warehouse_column_with_a_nullable_one() -> None:
    con = ibis.duckdb.connect()
    con.raw_sql("CREATE TABLE ids (opportunity_id VARCHAR NOT NULL)")
    con.raw_sql("INSERT INTO ids VALUES ('o1')")
    strict = con.table("ids")
    loose = ibis.memtable({"opportunity_id": ["o2", None]})
    ids = stack(strict, loose).execute()["opportunity_id"].tolist()
    assert len(ids) == 3 and set(ids) == {"o1", "o2", None}


def test_require_names_the_missing_table_in_a_sentence() -> None:
    with pytest.raises(MissingTableError) as raised:
        require({"leads": None}, "leads", "Lead conversion")
    assert raised.value.table == "leads"
    assert str(raised.value) == (
        "Lead conversion needs the leads table, which this source does not have."
    )


@pytest.mark.parametrize("order", [[0, 1, 2], [0, 2, 1], [2, 1, 0]])
def test_exact_sum_does_not_depend_on_the_order_rows_are_added_in(order: list[int]) -> None:
    # as floats, (1e16 + 1.5) - 1e16 = 2.0 but (1e16 - 1e16) + 1.5 = 1.5: the order shows
    values = [1e16, 1.5, -1e16]
    table = ibis.memtable({"x": [values[i] for i in order]})
    assert _scalar(exact_sum(table.x)) == 1.5
    assert _scalar(exact_sum(table.x, where=table.x < 1e16)) == pytest.approx(1.5 - 1e16)
    assert pd.isna(_scalar(exact_sum(table.x, where=table.x > 1e17)))  # no rows: null
