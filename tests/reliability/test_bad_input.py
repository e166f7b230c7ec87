"""The catalogue of bad input: each is refused by the real ``salesops`` command before any kernel
starts, with exit 2 and one message that names what is wrong (table, column, rule, example rows),
never a traceback on the terminal; the traceback goes to ``salesops.log`` in the output folder,
which the message names, and no earlier report changes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from fixture_data import snapshot

from salesops.data.sources import KNOWN_PRESETS

Setup = Callable[[Path], None]


def edit(table: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Setup:
    """Rewrite ``<table>.csv`` of the CRM folder through ``change`` (every value read as text)."""

    def apply(folder: Path) -> None:
        path = folder / f"{table}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        change(frame).to_csv(path, index=False)

    return apply


def set_cell(table: str, column: str, value: str, row: int = 0) -> Setup:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return edit(table, change)


def write_bytes(name: str, data: bytes, *, append: bool = False) -> Setup:
    def apply(folder: Path) -> None:
        with (folder / name).open("ab" if append else "wb") as handle:
            handle.write(data)

    return apply


def remove(*names: str) -> Setup:
    def apply(folder: Path) -> None:
        for name in names:
            (folder / name).unlink()

    return apply


def keep_header(*tables: str) -> Setup:
    return edit_all(tables, lambda frame: frame.iloc[0:0])


def edit_all(tables: tuple[str, ...], change: Callable[[pd.DataFrame], pd.DataFrame]) -> Setup:
    def apply(folder: Path) -> None:
        for table in tables:
            edit(table, change)(folder)

    return apply


def nothing(folder: Path) -> None:
    """The CRM folder as it is: the case breaks something else."""


@dataclass(frozen=True)
class Case:
    """A bad input: how to break the CRM copy, the extra arguments, the params file, the message.

    ``{src}``, ``{out}``, ``{params}`` and ``{tmp}`` in ``args`` and ``message`` are filled in.
    """

    message: str
    setup: Setup = nothing
    args: tuple[str, ...] = ()
    params: str | None = None
    source: str = "{src}"
    command: str = "run"
    env: dict[str, str] = field(default_factory=dict)


def problems(*lines: str) -> str:
    count = f"{len(lines)} data contract problem{'s' if len(lines) != 1 else ''}"
    return f"{count} in {{src}}:\n" + "\n".join(f"  - {line}" for line in lines)


CASES: dict[str, Case] = {
    "missing table": Case(problems("stages: missing required table"), remove("stages.csv")),
    "missing column": Case(
        problems("opportunities.amount: missing column"),
        edit("opportunities", lambda f: f.drop(columns="amount")),
    ),
    "wrong type": Case(
        problems("opportunities.amount: cannot be read as a number: 1 row (e.g. 'O0000041')"),
        set_cell("opportunities", "amount", "lots", row=1),
    ),
    "unparsable date": Case(
        problems("opportunities.close_date: cannot be read as a date: 1 row (e.g. 'O0000001')"),
        set_cell("opportunities", "close_date", "2026-13-45"),
    ),
    "negative amount": Case(
        problems("opportunities.amount: must be >= 0: 1 row (e.g. 'O0000001')"),
        set_cell("opportunities", "amount", "-61800"),
    ),
    "negative quota": Case(
        problems("quotas.quota: must be >= 0: 1 row (e.g. '-85000')"),
        set_cell("quotas", "quota", "-85000", row=1),
    ),
    "duplicate ids": Case(
        problems(
            "opportunities.opportunity_id: duplicate values: 2 rows (e.g. 'O0000001')",
            "stage_history.opportunity_id: not found in opportunities.opportunity_id: 2 rows "
            "(e.g. 'O0000041')",
        ),
        set_cell("opportunities", "opportunity_id", "O0000001", row=1),
    ),
    "rep that does not exist": Case(
        problems(
            "opportunities.rep_id: not found in reps.rep_id: 1 row (e.g. 'O0000001')",
        ),
        set_cell("opportunities", "rep_id", "R-GHOST"),
    ),
    "stage that does not exist": Case(
        problems("opportunities.stage: not found in stages.stage: 1 row (e.g. 'O0000001')"),
        set_cell("opportunities", "stage", "Closed Lost Forever"),
    ),
    "close before create": Case(
        problems(
            "opportunities.close_date: closed deal has close_date before its created_at date: "
            "1 row (e.g. 'O0000001')"
        ),
        set_cell("opportunities", "close_date", "2001-01-01"),
    ),
    "forecast category not allowed": Case(
        problems(
            "forecast_submissions.category: must be one of commit, best_case, pipeline: "
            "1 row (e.g. 'maybe')"
        ),
        set_cell("forecast_submissions", "category", "maybe"),
    ),
    "empty table": Case(
        problems("opportunities: table has no rows"),
        keep_header("opportunities", "stage_history"),
    ),
    "empty CSV file": Case(
        problems(
            "stages: table has no rows",
            "stages: none of its contract columns found (a malformed file?); "
            "columns read (e.g. 'column0')",
        ),
        write_bytes("stages.csv", b""),
    ),
    "CSV with a broken row": Case(
        "cannot read {src}/opportunities.csv: line 183 has 3 fields where the header has 14",
        write_bytes("opportunities.csv", b'O9,R0001,"A1,2026-01-01\n', append=True),
    ),
    "CSV that is not UTF-8": Case(
        "cannot read {src}/opportunities.csv: Invalid Input Error: CSV Error on Line: 183\n"
        "Original Line: O0007201,R0041,A001313,2026-09-30 12:15:15,2026-10-21,Prospecting,"
        "False,False,24700.0,USD,pipeline,Event,Mid-Market,Analytics\n"
        "Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.",
        write_bytes(
            "opportunities.csv",
            b"O9,R0001,A1,2026-01-01 00:00:00,2026-02-01,Closed Won,True,True,5,USD,closed,"
            b"Caf\xe9,SMB,Core\n",
            append=True,
        ),
    ),
    "folder with no contract files": Case(
        problems(
            "reps: missing required table",
            "opportunities: missing required table",
            "stages: missing required table",
        ),
        remove(*(f"{t}.csv" for t in ("reps", "opportunities", "stages", "stage_history"))),
        source="{src}",
    ),
    "source path that does not exist": Case(
        "data source {tmp}/nowhere does not exist", source="{tmp}/nowhere"
    ),
    "DuckDB file that is not a database": Case(
        'cannot open DuckDB file {tmp}/crm.duckdb: IO Error: The file "{tmp}/crm.duckdb" '
        "exists, but it is not a valid DuckDB database file!",
        lambda folder: (folder.parent / "crm.duckdb").write_bytes(b"\x00not duckdb" * 400),
        source="{tmp}/crm.duckdb",
    ),
    "source that is neither file, folder nor URL": Case(
        "data source {tmp}/crm.xlsx is not a DuckDB file (.duckdb, .db), a folder of CSV or "
        "Parquet files, or a URL",
        lambda folder: (folder.parent / "crm.xlsx").write_bytes(b"PK"),
        source="{tmp}/crm.xlsx",
    ),
    "database that refuses the connection": Case(
        "cannot connect to postgresql://bob:***@127.0.0.1:1/crm: connection failed: "
        'connection to server at "127.0.0.1", port 1 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?",
        source="postgresql://bob:hunter2@127.0.0.1:1/crm",
    ),
    "unknown preset": Case(
        f"unknown preset 'salesforce-2009'; known presets: {', '.join(KNOWN_PRESETS)}",
        args=("--preset", "salesforce-2009"),
    ),
    "team that does not exist": Case(
        "unknown team 'Atlantis' (teams in the data: Enterprise East, Enterprise West, "
        "Mid-Market, Partners & Channel, SMB)",
        args=("--team", "Atlantis"),
    ),
    "quarter label out of range": Case(
        "quarter '2026Q5' is not a label like 2026Q3", args=("--quarter", "2026Q5")
    ),
    "quarter with no data": Case(
        "quarter 2019Q1 is outside the data: complete quarters run from 2023Q1 to 2026Q3",
        args=("--quarter", "2019Q1"),
    ),
    "quarter not over yet": Case(
        "quarter 2026Q4 is outside the data: complete quarters run from 2023Q1 to 2026Q3",
        args=("--quarter", "2026Q4"),
    ),
    "unknown analysis": Case(
        "unknown analysis 'churn' (known analyses: cohort, forecast_accuracy, funnel, quota)",
        args=("--analysis", "churn"),
    ),
    "unknown params key": Case(
        "{params}: unknown key 'colour' (known keys: analyses, jobs, out, parameters, "
        "quarters, teams)",
        params="colour: blue\n",
    ),
    "params value of the wrong type": Case(
        "{params}: jobs: Input should be a valid integer, unable to parse string as an integer "
        "(got 'many')",
        params="jobs: many\n",
    ),
    "unknown notebook parameter": Case(
        "parameters.funnel.window: the funnel notebook has no such parameter (its parameters: "
        "preset, lead_window_days, qualified_stage, lost_deals)",
        params="parameters: {funnel: {window: 60}}\n",
    ),
    "notebook parameter of the wrong type": Case(
        "parameters.funnel.lead_window_days: parameter 'lead_window_days' is declared int in "
        "the notebook's parameters cell, got 'sixty' (str)",
        params="parameters: {funnel: {lead_window_days: sixty}}\n",
    ),
    "parameter name that is not an identifier": Case(
        "parameters.funnel.x = __import__('os'): not a Python identifier",
        params="parameters: {funnel: {\"x = __import__('os')\": 1}}\n",
    ),
    "parameter the run sets itself": Case(
        "parameters.funnel.team: set by the run itself, not the params file",
        params="parameters: {funnel: {team: West}}\n",
    ),
    "params file that is not YAML": Case(
        "{params}: not valid YAML: while parsing a flow sequence\n"
        '  in "<unicode string>", line 1, column 11:\n'
        "    quarters: [2026Q3\n"
        "              ^\n"
        "expected ',' or ']', but got '<stream end>'\n"
        '  in "<unicode string>", line 2, column 1:\n'
        "    \n"
        "    ^",
        params="quarters: [2026Q3\n",
    ),
    "YAML tag that builds objects": Case(
        "{params}: not valid YAML: could not determine a constructor for the tag "
        "'tag:yaml.org,2002:python/object/apply:os.system'\n"
        '  in "<unicode string>", line 1, column 8:\n'
        "    teams: !!python/object/apply:os.system  ... \n"
        "           ^",
        params="teams: !!python/object/apply:os.system ['touch {tmp}/pwned']\n",
    ),
    "params file that is a list": Case(
        "{params}: expected a mapping of keys, got list", params="- funnel\n- quota\n"
    ),
    "params file that does not exist": Case(
        "params file {tmp}/absent.yaml does not exist", args=("--params", "{tmp}/absent.yaml")
    ),
    "output folder inside a file": Case(
        "output folder {tmp}/a-file/reports is not writable: Not a directory",
        lambda folder: (folder.parent / "a-file").write_text("not a folder"),
        args=("--out", "{tmp}/a-file/reports"),
    ),
    "validate: a broken source": Case(
        problems("opportunities.amount: must be >= 0: 1 row (e.g. 'O0000001')"),
        set_cell("opportunities", "amount", "-1"),
        command="validate",
    ),
}


def _fill(text: str, **places: str) -> str:
    for name, value in places.items():
        text = text.replace("{" + name + "}", value)
    return text


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_exits_2_with_one_message_and_changes_no_report(
    name: str,
    csv_crm: Path,
    tmp_path: Path,
    project: Path,
    salesops: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    case = CASES[name]
    src, out, params = tmp_path / "crm", tmp_path / "out", tmp_path / "quarterly.yaml"
    shutil.copytree(csv_crm, src)
    case.setup(src)
    places = {"src": str(src), "out": str(out), "params": str(params), "tmp": str(tmp_path)}
    earlier = out / "2026Q2" / "all"
    earlier.mkdir(parents=True)
    (earlier / "funnel.html").write_text("<p>last quarter's funnel</p>")
    (out / "2026Q2" / "manifest.json").write_text('{"runs": []}')
    before = snapshot(out)

    args = [case.command, "--source", _fill(case.source, **places)]
    if case.command == "run":
        args += ["--out", str(out), *(_fill(a, **places) for a in case.args)]
    if case.params is not None:
        params.write_text(_fill(case.params, **places), encoding="utf-8")
        args += ["--params", str(params)]
    done = salesops(*args, timeout=90)  # a case that got as far as the kernels fails here

    log_folder = out if case.command == "run" and "--out" not in case.args else project / "reports"
    log = log_folder.resolve() / "salesops.log"
    message = _fill(case.message, **places)
    assert done.returncode == 2, done.stderr
    # run says nothing on stdout; validate first says what it found, then the problems on stderr
    assert done.stdout == "" if case.command == "run" else "Source:" in done.stdout
    assert done.stderr == f"salesops {case.command}: {message}\n(full traceback in {log})\n"
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
    assert snapshot(out, skip=("salesops.log",)) == before
    assert not (tmp_path / "pwned").exists()
    assert "hunter2" not in log.read_text(encoding="utf-8")


def test_zero_jobs_is_refused_by_the_command_line_itself(
    csv_crm: Path, tmp_path: Path, salesops: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    out = tmp_path / "out"
    done = salesops("run", "--source", str(csv_crm), "--out", str(out), "--jobs", "0")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == (
        "salesops run: error: argument --jobs: expected a number of at least 1, got 0"
    )
    assert not out.exists()
