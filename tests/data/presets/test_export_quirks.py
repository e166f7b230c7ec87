"""The export quirks one value at a time: encodings, booleans, dates, numbers, accented names."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from crm_exports import write

from salesops.data.presets import quirks
from salesops.data.presets.export import detect_encoding


@pytest.fixture(scope="module")
def db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def _read(db: duckdb.DuckDBPyConnection, sql: str, value: str) -> object:
    """``sql`` (with ``$v`` for the value) evaluated on ``value`` as an export cell."""
    return db.execute("SELECT " + sql.replace("$v", quirks.quoted(value))).fetchone()[0]


def test_encodings_are_told_apart_by_bom_and_by_decoding(tmp_path: Path) -> None:
    text = "Id,Name\n1,Zoë Ødegaard\n"
    assert detect_encoding(write(tmp_path, "a.csv", text)) == "utf-8"
    assert detect_encoding(write(tmp_path, "b.csv", text, bom=True)) == "utf-8 with BOM"
    assert detect_encoding(write(tmp_path, "c.csv", text, encoding="windows-1252")) == (
        "windows-1252"
    )


@pytest.mark.parametrize(
    ("found", "read"),
    [
        ("1", "true"),
        ("TRUE", "true"),
        ("true", "true"),
        ("0", "false"),
        ("FALSE", "false"),
        ("No", "false"),
        ("", None),
        ("maybe", "maybe"),
    ],
)
def test_booleans_in_any_spelling(db: duckdb.DuckDBPyConnection, found: str, read: str) -> None:
    assert _read(db, quirks.boolean("$v"), found) == read


@pytest.mark.parametrize(
    ("found", "read"),
    [
        ("2026-07-01T09:00:00.000Z", "2026-07-01 09:00:00"),
        ("2026-07-01 11:00:00+02:00", "2026-07-01 09:00:00"),
        ("2026-07-01", "2026-07-01 00:00:00"),
        ("07/02/2026 10:00", "2026-07-02 10:00:00"),
        ("7/2/2026 9:05 PM", "2026-07-02 21:05:00"),
        ("30.11.2026", "2026-11-30 00:00:00"),
        ("1782896400000", "2026-07-01 09:00:00"),
        ("sometime", "sometime"),
    ],
)
def test_timestamps_in_several_forms_land_on_utc(
    db: duckdb.DuckDBPyConnection, found: str, read: str
) -> None:
    assert _read(db, quirks.timestamp("$v"), found) == read


def test_day_first_reads_slashed_dates_the_european_way(db: duckdb.DuckDBPyConnection) -> None:
    assert _read(db, quirks.date("$v", day_first=True), "07/02/2026") == "2026-02-07"
    assert _read(db, quirks.date("$v"), "07/02/2026") == "2026-07-02"


@pytest.mark.parametrize(
    ("found", "day_first", "month_first"),
    [
        ("26-02-2018 19:58", "2018-02-26 19:58:00", "26-02-2018 19:58"),
        ("26.02.2018", "2018-02-26 00:00:00", "2018-02-26 00:00:00"),
        ("26/02/2018", "2018-02-26 00:00:00", "26/02/2018"),
        ("6-2-2018", "2018-02-06 00:00:00", "2018-06-02 00:00:00"),
        ("02-26-2018 7:58 PM", "02-26-2018 7:58 PM", "2018-02-26 19:58:00"),
        ("02.26.2018", "02.26.2018", "2018-02-26 00:00:00"),
        ("2018-02-26", "2018-02-26 00:00:00", "2018-02-26 00:00:00"),
        ("2018-02-06T10:00:00Z", "2018-02-06 10:00:00", "2018-02-06 10:00:00"),
        ("31-31-2018", "31-31-2018", "31-31-2018"),
    ],
)
def test_dates_read_with_any_separator_in_the_chosen_order(
    db: duckdb.DuckDBPyConnection, found: str, day_first: str, month_first: str
) -> None:
    # dotted dates are European whatever the order (30.11.2026 can only be day first); ISO stays
    # ISO; a value no order reads is passed through for the contract check to name
    assert _read(db, quirks.timestamp("$v", day_first=True), found) == day_first
    assert _read(db, quirks.timestamp("$v"), found) == month_first


def test_numbers_with_thousands_separators(db: duckdb.DuckDBPyConnection) -> None:
    assert _read(db, quirks.number("$v"), "5,000.00") == "5000.0"
    assert _read(db, quirks.number("$v"), "n/a") == "n/a"


def test_accented_names_written_two_ways_are_one_name(db: duckdb.DuckDBPyConnection) -> None:
    assert _read(db, quirks.name("$v"), " Ne\u0301gociation ") == "Négociation"
