"""Sources: the tiny CRM of conftest written as CSV, Parquet and DuckDB reads back the same."""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import ibis
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from salesops import config
from salesops.data import contract, demo, locations, sources
from salesops.errors import ContractProblem, SourceError
from salesops.periods import Quarter

Frames = dict[str, pd.DataFrame]
REQUIRED_ONLY = ("reps", "opportunities", "stages")


def write_csv_folder(frames: Frames, folder: Path) -> Path:
    """One CSV per table; stage_history gzipped and stages capitalised, as exports come."""
    folder.mkdir(parents=True, exist_ok=True)
    names = {"stage_history": "stage_history.csv.gz", "stages": "Stages.csv"}
    for name, frame in frames.items():
        frame.to_csv(folder / names.get(name, f"{name}.csv"), index=False)
    return folder


def write_parquet_folder(frames: Frames, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return folder


def write_duckdb(frames: Frames, path: Path) -> Path:
    """A DuckDB file; the reps table is named ``Reps`` to show names match in any case."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = ibis.duckdb.connect(path)
    for name, frame in frames.items():
        con.create_table("Reps" if name == "reps" else name, frame)
    con.disconnect()
    return path


def _sorted(table: ibis.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_csv_parquet_and_duckdb_sources_give_identical_contract_tables(
    frames: Frames, tmp_path: Path
) -> None:
    opened = [
        sources.open_crm(write_csv_folder(frames, tmp_path / "csv")),
        sources.open_crm(write_parquet_folder(frames, tmp_path / "parquet")),
        sources.open_crm(write_duckdb(frames, tmp_path / "crm.duckdb")),
    ]
    for crm in opened:
        assert sorted(crm.tables) == sorted(contract.TABLES) and crm.missing == []
        for name, table in crm.tables.items():
            assert table.schema() == ibis.schema(contract.TABLES[name].columns)
    first = opened[0]
    for crm in opened[1:]:
        for name in contract.TABLES:
            pd.testing.assert_frame_equal(_sorted(crm.table(name)), _sorted(first.table(name)))
    assert _sorted(first.table("reps"))["rep_id"].tolist() == ["r1", "r2", "r3"]


def test_missing_optional_tables_are_listed_and_switch_sections_off_without_problems(
    frames: Frames, tmp_path: Path
) -> None:
    required = {name: frames[name] for name in REQUIRED_ONLY}
    crm = sources.open_crm(write_csv_folder(required, tmp_path))
    assert crm.missing == list(contract.OPTIONAL_TABLES)
    assert crm.problems() == [] and not crm.has("quotas")
    summary = crm.summary()
    assert "opportunities                  4 rows" in summary
    assert "quotas: quota attainment and coverage" in summary
    assert "stage_history: stage conversion and time in stage" in summary
    with pytest.raises(SourceError, match="has no quotas table"):
        crm.table("quotas")


def test_a_missing_required_table_is_a_problem_named_in_the_summary(
    frames: Frames, tmp_path: Path
) -> None:
    del frames["stages"]
    folder = write_csv_folder(frames, tmp_path)
    crm = sources.open_crm(folder)
    assert [(p.table, p.rule.split(" (")[0]) for p in crm.problems()] == [
        ("stages", "missing required table")
    ]
    assert (
        "Required tables not found (see docs/contract.md):\n"
        "  stages: The pipeline's stages in funnel order, with their closed and won flags."
    ) in crm.summary()


def test_unparsable_csv_dates_and_amounts_are_problems_naming_column_and_rows(
    frames: Frames, tmp_path: Path
) -> None:
    deals = frames["opportunities"].astype({"close_date": object, "amount": object})
    deals.loc[1, "close_date"] = "end of Q3"  # o2
    deals.loc[[2, 3], "amount"] = "n/a"  # o3, o4
    frames["opportunities"] = deals
    crm = sources.open_crm(write_csv_folder(frames, tmp_path))
    assert crm.problems() == [
        ContractProblem("opportunities", "close_date", "cannot be read as a date", 1, ["o2"]),
        ContractProblem("opportunities", "amount", "cannot be read as a number", 2, ["o3", "o4"]),
    ]
    amounts = _sorted(crm.table("opportunities"))["amount"]
    assert amounts.tolist()[:2] == [12000.0, 8000.0] and amounts[2:].isna().all()


@pytest.mark.parametrize("name", ["opportunities.csv", "stage_history.csv.gz"])
def test_a_csv_row_that_breaks_the_file_is_named_by_its_line(
    frames: Frames, tmp_path: Path, name: str
) -> None:
    folder = write_csv_folder(frames, tmp_path)
    path = folder / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    lines.insert(2, lines[2] + ',"an unterminated quote')  # line 3 runs on to the end
    with opener(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    header = len(lines[0].split(","))
    fields = header + 1  # the quote swallows every line after it into one last field
    with pytest.raises(
        SourceError,
        match=rf"cannot read .*{name}: line 3 has {fields} fields "
        rf"where the header has {header}",
    ):
        sources.open_crm(folder)


def test_every_broken_rule_is_one_problem(frames: Frames, tmp_path: Path) -> None:
    frames["opportunities"].loc[0, "amount"] = -1.0  # o1
    frames["leads"].loc[1, "status"] = None  # l2
    frames["stages"].loc[3, "sort_order"] = 3  # Lost shares Won's order
    problems = sources.open_crm(write_duckdb(frames, tmp_path / "crm.duckdb")).problems()
    assert [(p.table, p.column, p.rule) for p in problems] == [
        ("opportunities", "amount", "must be >= 0"),
        ("stages", "sort_order", "duplicate values"),
        ("leads", "status", "missing values"),
    ]


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        (
            "postgresql://ana:s3cr@t@db.example.com:5432/crm",
            "postgresql://ana:***@db.example.com:5432/crm",
        ),
        (
            "snowflake://ana@acct/db?warehouse=wh&password=s3cr@t&token=abc",
            "snowflake://ana@acct/db?warehouse=wh&password=***&token=***",
        ),
        (
            "trino://host/cat?client_secret=xyz;other=1",
            "trino://host/cat?client_secret=***;other=1",
        ),
        ("data/demo.duckdb", "data/demo.duckdb"),
    ],
)
def test_redact_hides_passwords_tokens_and_secrets(source: str, shown: str) -> None:
    assert locations.redact(source) == shown


def test_a_failed_connection_is_a_source_error_without_the_password() -> None:
    with pytest.raises(SourceError) as raised:
        sources.open_crm("postgresql://ana:s3cr3t@127.0.0.1:1/crm")
    assert "postgresql://ana:***@127.0.0.1:1/crm" in str(raised.value)
    assert "s3cr3t" not in str(raised.value) and raised.value.__cause__ is None


@pytest.mark.parametrize("name", ["crm.duckdb", "exports"])
def test_a_missing_file_or_folder_is_a_source_error_naming_the_path(
    name: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    with pytest.raises(SourceError, match=f"{re.escape(str(path))} does not exist$"):
        sources.connect(path)


def test_a_missing_default_source_says_how_to_make_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "DEFAULT_SOURCE", tmp_path / "data" / "demo.duckdb")
    with pytest.raises(SourceError, match=r"demo\.duckdb does not exist.*`salesops demo`"):
        sources.open_crm("")


def test_unsupported_sources_and_presets_are_source_errors(frames: Frames, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("deals")
    with pytest.raises(SourceError, match=r"notes\.txt is not a DuckDB file"):
        sources.connect(tmp_path / "notes.txt")
    write_csv_folder({"reps": frames["reps"]}, tmp_path / "both")
    write_parquet_folder({"reps": frames["reps"]}, tmp_path / "both")
    with pytest.raises(SourceError, match=r"two files for reps: reps\.csv and reps\.parquet"):
        sources.connect(tmp_path / "both")
    with pytest.raises(SourceError, match="unknown preset 'pipedrive'; known presets: generic, "):
        sources.open_crm(tmp_path, preset="pipedrive")


def test_fingerprint_follows_content_not_path(frames: Frames, tmp_path: Path) -> None:
    original = write_duckdb(frames, tmp_path / "a" / "crm.duckdb")
    copy = tmp_path / "b" / "other-name.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(original, copy)
    csv = write_csv_folder(frames, tmp_path / "csv")
    csv_copy = shutil.copytree(csv, tmp_path / "csv copy")

    def fingerprints(*paths: Path | str) -> list[str]:
        return [sources.open_crm(p).fingerprint() for p in paths]

    url, url_copy = (f"duckdb://{p}?read_only=True" for p in (original, copy))
    before = fingerprints(original, copy, csv, csv_copy, url, url_copy)
    assert before[0] == before[1] and before[2] == before[3] and before[4] == before[5]
    assert all(len(f) == 16 and int(f, 16) >= 0 for f in before)

    con = ibis.duckdb.connect(original)
    con.raw_sql("UPDATE opportunities SET amount = 12001 WHERE opportunity_id = 'o1'")
    con.disconnect()
    frames["reps"].loc[0, "rep_name"] = "Anna"
    write_csv_folder(frames, csv)
    after = fingerprints(original, copy, csv, csv_copy, url, url_copy)
    assert after[0] != before[0] and after[1] == before[1]
    assert after[2] != before[2] and after[3] == before[3]
    assert after[4] != before[4] and after[5] == before[5]


def test_as_of_is_the_latest_event_and_ignores_open_deals_expected_close_dates(
    frames: Frames, tmp_path: Path
) -> None:
    # Events: lead l2 created 2026-09-25 is the latest; o4 (open) expects to close 2026-12-15.
    crm = sources.open_crm(write_duckdb(frames, tmp_path / "crm.duckdb"))
    assert crm.as_of() == date(2026, 9, 25)
    assert crm.latest_quarter() == Quarter(2026, 2)  # 2026Q3 is not over on 09-25
    # Fiscal years from February: 09-25 falls in FY2027 Q3 (Aug-Oct), so Q2 (May-Jul) is the last.
    assert crm.latest_quarter(start_month=2) == Quarter(2027, 2, 2)
    assert crm.teams() == ["East", "West"]
    assert crm.row_counts() == {
        "reps": 3,
        "opportunities": 4,
        "stages": 4,
        "stage_history": 8,
        "deal_changes": 10,
        "leads": 2,
        "quotas": 3,
        "forecast_submissions": 3,
        "activities": 4,
        "logins": 3,
        "content_events": 3,
        "spend": 10,
        "recurring_revenue": 1,
        "fx_rates": 2,
    }


def test_a_recorded_deal_change_is_an_event_of_the_as_of_date(
    frames: Frames, tmp_path: Path
) -> None:
    # o4's close date moved on 2026-09-28, after the latest lead (09-25)
    frames["deal_changes"].loc[9, "changed_at"] = pd.Timestamp("2026-09-28 16:00")
    crm = sources.open_crm(write_duckdb(frames, tmp_path / "crm.duckdb"))
    assert crm.as_of() == date(2026, 9, 28)


@pytest.mark.parametrize(
    ("table", "column", "row"),
    [
        ("activities", "occurred_at", 0),
        ("logins", "login_at", 2),
        ("content_events", "occurred_at", 1),
    ],
)
def test_an_activity_a_login_or_a_content_event_is_an_event_of_the_as_of_date(
    frames: Frames, tmp_path: Path, table: str, column: str, row: int
) -> None:
    frames[table].loc[row, column] = pd.Timestamp("2026-09-29 10:00")  # after lead l2 (09-25)
    crm = sources.open_crm(write_duckdb(frames, tmp_path / "crm.duckdb"))
    assert crm.as_of() == date(2026, 9, 29)


def test_a_closed_deal_on_the_quarters_last_day_completes_the_quarter(
    frames: Frames, tmp_path: Path
) -> None:
    frames["opportunities"].loc[1, "close_date"] = date(2026, 9, 30)  # o2, lost
    crm = sources.open_crm(write_duckdb(frames, tmp_path / "crm.duckdb"))
    assert crm.as_of() == date(2026, 9, 30) and crm.latest_quarter() == Quarter(2026, 3)


def test_the_demo_file_opens_validated_with_2026q3_as_its_last_complete_quarter(
    tmp_path: Path,
) -> None:
    path = tmp_path / "demo.duckdb"
    demo.write_demo(path)
    crm = sources.open_crm(path)
    other_kernel = sources.open_crm(path)  # read-only: a second reader opens alongside
    assert crm.problems() == [] and crm.missing == [] and crm.as_of() == date(2026, 9, 30)
    assert crm.latest_quarter() == Quarter(2026, 3)
    assert other_kernel.row_counts() == crm.row_counts()


def _in_gbp_and_eur(frames: Frames) -> Frames:
    """o1 (won, East) is 10,000 GBP at an undated 1.25; o3 (open) 5,000 EUR at 1.5 from
    2026-01-01 (a rate of 2 starts after its close on 2026-11-30); o2 closes on 2026-09-30, so
    2026Q3 is complete. Rates are exact in binary: no float drift."""
    deals, rates = frames["opportunities"], frames["fx_rates"]
    deals.loc[0, ["currency", "amount"]] = ["GBP", 10000.0]
    deals.loc[1, "close_date"] = date(2026, 9, 30)
    rates.loc[1, "rate"] = 1.5
    rates.loc[2] = ["GBP", 1.25, None]
    rates.loc[3] = ["EUR", 2.0, date(2026, 12, 1)]
    return frames


@pytest.mark.parametrize("kind", ["csv", "parquet", "duckdb"])
def test_fx_rates_convert_deal_and_history_amounts_into_the_org_currency_on_every_source(
    kind: str, frames: Frames, tmp_path: Path
) -> None:
    writers = {"csv": write_csv_folder, "parquet": write_parquet_folder, "duckdb": write_duckdb}
    target = tmp_path / ("crm.duckdb" if kind == "duckdb" else kind)
    crm = sources.open_crm(writers[kind](_in_gbp_and_eur(frames), target))
    deals = crm.table("opportunities").to_pandas().set_index("opportunity_id").sort_index()
    # o1 10,000 x 1.25 = 12,500; o3 5,000 x 1.5 = 7,500; o2 and o4 are USD already
    assert deals["amount"].tolist() == [12500.0, 8000.0, 7500.0, 3000.0]
    assert set(deals["currency"]) == {"USD"}
    history = crm.table("stage_history").to_pandas().groupby("opportunity_id")["amount"]
    assert history.apply(sorted).to_dict() == {
        "o1": [12500.0, 15000.0, 15000.0],  # 10,000, 12,000, 12,000 GBP x 1.25
        "o2": [8000.0, 8000.0],
        "o3": [7500.0, 7500.0],  # 5,000 EUR x 1.5
        "o4": [3000.0],
    }
    assert (crm.currencies, crm.reporting_currency, crm.unconverted_currencies) == (
        ["USD"],
        "USD",
        [],
    )
    assert crm.problems() == [] and "Currency:" not in crm.summary()


def test_deals_all_in_one_other_currency_are_reported_in_it(frames: Frames, tmp_path: Path) -> None:
    del frames["fx_rates"]
    frames["opportunities"]["currency"] = "BRL"
    crm = sources.open_crm(write_duckdb(frames, tmp_path / "crm.duckdb"))
    assert (crm.reporting_currency, crm.unconverted_currencies) == ("BRL", [])
    assert (
        "Currency:\n  Amounts are in BRL, not the org currency USD: reports show BRL."
        in crm.summary()
    )


def test_deals_in_several_currencies_without_rates_are_flagged(
    frames: Frames, tmp_path: Path
) -> None:
    del frames["fx_rates"]  # o3 is in EUR, the rest in USD
    crm = sources.open_crm(write_duckdb(frames, tmp_path / "crm.duckdb"))
    assert (crm.reporting_currency, crm.unconverted_currencies) == ("USD", ["EUR"])
    assert "no rate converts EUR" in crm.summary() and "add an fx_rates table" in crm.summary()


@pytest.mark.slow
def test_two_currencies_end_to_end_validate_and_run_in_the_org_currency(
    frames: Frames, tmp_path: Path, salesops: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    folder = write_parquet_folder(_in_gbp_and_eur(frames), tmp_path / "crm")
    assert salesops("validate", "--source", str(folder)).returncode == 0
    out = tmp_path / "out"
    args = ("--quarter", "2026Q3", "--team", "East", "--analysis", "funnel", "--no-rollup")
    done = salesops("run", "--source", str(folder), "--out", str(out), *args)
    assert done.returncode == 0, done.stderr
    figures = json.loads((out / "2026Q3" / "east" / "funnel.json").read_text(encoding="utf-8"))
    # East closed o1 (won, 10,000 GBP x 1.25 = 12,500 USD) and o2 (lost, 8,000 USD)
    assert (figures["won_amount"], figures["closed_amount"]) == (12500.0, 20500.0)

    rates = pd.read_parquet(folder / "fx_rates.parquet")
    rates.loc[2, "rate"] = 0.0  # GBP
    rates.to_parquet(folder / "fx_rates.parquet", index=False)
    done = salesops("validate", "--source", str(folder))
    assert done.returncode == 2
    assert "fx_rates.rate: must be > 0: 1 row (e.g. '0.0')" in done.stderr
    assert (
        "opportunities.currency: no fx_rates rate into USD on the deal's close date: 1 row "
        "(e.g. 'o1')"
    ) in done.stderr


@pytest.mark.slow
def test_deals_in_one_other_currency_end_to_end_show_its_sign_and_say_so(
    frames: Frames, tmp_path: Path, salesops: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    del frames["fx_rates"]
    frames["opportunities"]["currency"] = "BRL"
    frames["opportunities"].loc[1, "close_date"] = date(2026, 9, 30)
    folder = write_parquet_folder(frames, tmp_path / "crm")
    done = salesops("validate", "--source", str(folder))
    assert done.returncode == 0
    assert "Amounts are in BRL, not the org currency USD: reports show BRL." in done.stdout
    out = tmp_path / "out"
    args = ("--quarter", "2026Q3", "--team", "East", "--analysis", "funnel", "--no-rollup")
    assert salesops("run", "--source", str(folder), "--out", str(out), *args).returncode == 0
    page = out / "2026Q3" / "east" / "funnel"
    figures = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
    cards = {card["label"]: card["value"] for card in figures["cards"]}
    assert figures["won_amount"] == 12000.0 and cards["Won amount"] == "R$12k"
    text = BeautifulSoup(page.with_suffix(".html").read_text(encoding="utf-8"), "html.parser")
    words = " ".join(text.get_text().split())
    assert "Amounts are shown in BRL (R$), the currency of every deal in the data" in words
    # cards, tables and axes alike: no amount in the page reads in dollars
    table_cells = [cell.get_text() for cell in text.select("table.so-table td")]
    assert any(cell.startswith("R$") for cell in table_cells), table_cells
    assert not re.search(r"(?<!R)\$\d", words), re.findall(r".{20}(?<!R)\$\d.{10}", words)


def test_a_mapped_folder_lists_each_missing_optional_table_once(
    frames: Frames, tmp_path: Path
) -> None:
    del frames["leads"]
    folder = write_csv_folder(frames, tmp_path / "crm")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("preset: generic\n", encoding="utf-8")
    summary = sources.open_crm(folder, preset=str(mapping)).summary()
    # the preset says it in the export's terms; the contract's own list stays out
    assert summary.count("lead conversion") == 1, summary
