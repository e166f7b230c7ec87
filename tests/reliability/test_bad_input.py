"""The catalogue of bad input: each is refused by the real ``salesops`` command before any kernel
starts, with exit 2 and one message that names what is wrong (table, column, rule, example rows),
never a traceback: the message goes to ``salesops.log`` in the output folder as well, without one,
and no earlier report changes. A usage error (a command-line value argparse refuses) prints the
usage and one line, and writes no log. Each case finishes in seconds and bounded memory."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
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


def beside(name: str, text: str) -> Setup:
    """Write the text file ``{tmp}/name`` next to the CRM folder (an org params or mapping file)."""

    def apply(folder: Path) -> None:
        (folder.parent / name).write_text(text, encoding="utf-8")

    return apply


def laughs(key: str) -> str:
    """``key`` set to a billion-laughs list: each of 9 levels lists the one before 9 times, so
    432 bytes expand to 9**9 = 387,420,489 strings (it took 97 s and 2.8 GB when aliases were
    read)."""
    items = ["&l0 [" + ", ".join(["lol"] * 9) + "]"]
    items += [f"&l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    return f"{key}: [" + ", ".join(items) + "]\n"


@dataclass(frozen=True)
class Case:
    """A bad input: how to break the CRM copy, the extra arguments, the params file, the message.

    ``{src}``, ``{out}``, ``{params}`` and ``{tmp}`` in ``args`` and ``message`` are filled in.
    ``usage``: argparse refuses a command-line value; ``message`` is its last line after
    ``error:``. A ``demo`` case takes no ``--source`` and no ``--out`` but its own ``args``.
    """

    message: str
    setup: Setup = nothing
    args: tuple[str, ...] = ()
    params: str | None = None
    source: str = "{src}"
    command: str = "run"
    env: dict[str, str] = field(default_factory=dict)
    usage: bool = False


STAGES = "the pipeline's stages in funnel order, with their closed and won flags"


def problems(*lines: str) -> str:
    count = f"{len(lines)} data contract problem{'s' if len(lines) != 1 else ''}"
    return f"{count} in {{src}}:\n" + "\n".join(f"  - {line}" for line in lines)


CASES: dict[str, Case] = {
    "missing table": Case(
        problems(f"stages: missing required table ({STAGES}; see docs/contract.md)"),
        remove("stages.csv"),
    ),
    "missing column": Case(
        problems(
            "opportunities.amount: missing column (the deal's amount, in its currency; "
            "see docs/contract.md)"
        ),
        edit("opportunities", lambda f: f.drop(columns="amount")),
    ),
    "wrong type": Case(
        problems(
            "opportunities.amount: cannot be read as a number: 1 row (e.g. 'O0000041': 'lots')"
        ),
        set_cell("opportunities", "amount", "lots", row=1),
    ),
    "unparsable date": Case(
        problems(
            "opportunities.close_date: cannot be read as a date: 1 row "
            "(e.g. 'O0000001': '2026-13-45')"
        ),
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
            "deal_changes.opportunity_id: not found in opportunities.opportunity_id: 6 rows "
            "(e.g. 'O0000041')",
            "activities.opportunity_id: not found in opportunities.opportunity_id: 4 rows "
            "(e.g. 'T0000449', 'T0000472', 'T0000906', 'T0003769')",  # activities of O0000041
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
        keep_header(
            "opportunities", "stage_history", "deal_changes", "activities", "content_events"
        ),
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
        "cannot read {src}/opportunities.csv: line 183 has 3 fields where the header has 15",
        write_bytes("opportunities.csv", b'O9,R0001,"A1,2026-01-01\n', append=True),
    ),
    "CSV that is not UTF-8": Case(
        "cannot read {src}/opportunities.csv: Invalid Input Error: CSV Error on Line: 183\n"
        "Original Line: O0007201,R0041,A001313,2026-09-30 12:15:15,2026-10-21,Prospecting,"
        "False,False,24700.0,USD,pipeline,Event,Mid-Market,Analytics,expansion\n"
        "Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.",
        write_bytes(
            "opportunities.csv",
            b"O9,R0001,A1,2026-01-01 00:00:00,2026-02-01,Closed Won,True,True,5,USD,closed,"
            b"Caf\xe9,SMB,Core,new_business\n",
            append=True,
        ),
    ),
    "folder with no contract files": Case(
        problems(
            "reps: missing required table (the sales reps: one row per rep, with their team "
            "and when they joined and left; see docs/contract.md)",
            "opportunities: missing required table (the deals: one row per opportunity, with "
            "its owner, dates, stage, outcome and amount; see docs/contract.md)",
            f"stages: missing required table ({STAGES}; see docs/contract.md)",
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
        "unknown analysis 'churn' (known analyses: summary, cohort, efficiency, forecast_accuracy, "
        "funnel, pipeline, quota, unit_economics)",
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
        "preset, locale, lead_window_days, qualified_stage, lost_deals)",
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
    "params file with an alias bomb": Case(
        "{params}: YAML anchors and aliases (&name, *name) are not allowed (line 1, column 12)",
        params=laughs("quarters"),
    ),
    "org params file with an alias bomb": Case(
        "{tmp}/org.yaml: YAML anchors and aliases (&name, *name) are not allowed "
        "(line 1, column 10)",
        beside("org.yaml", laughs("source")),
        args=("--org-params", "{tmp}/org.yaml"),
    ),
    "mapping file with an alias bomb": Case(
        "{tmp}/mapping.yaml: YAML anchors and aliases (&name, *name) are not allowed "
        "(line 1, column 13)",
        beside("mapping.yaml", laughs("pipelines")),
        args=("--preset", "{tmp}/mapping.yaml"),
    ),
    "params file nested 10,000 deep": Case(
        "{params}: YAML nested more than 20 levels deep (line 1, column 27)",
        params="teams: " + "[" * 10_000 + "]" * 10_000 + "\n",
    ),
    "params value of a megabyte": Case(
        "{params}: jobs: Input should be a valid integer, unable to parse string as an integer "
        "(got '" + "x" * 78 + "…)",
        params="jobs: " + "x" * 1_000_000 + "\n",
    ),
    "no jobs at once": Case(
        "argument --jobs: expected a number of at least 1, got 0", args=("--jobs", "0"), usage=True
    ),
    "more jobs at once than the params file allows": Case(
        "argument --jobs: expected a number of at most 64, got 1000",
        args=("--jobs", "1000"),
        usage=True,
    ),
    "empty output folder": Case(
        "argument --out: expected a path, got ''", args=("--out", ""), usage=True
    ),
    "demo over a file that is not a demo": Case(
        "{tmp}/crm.duckdb is not a demo CRM made by salesops: give --force to replace it",
        lambda folder: (folder.parent / "crm.duckdb").write_bytes(b"my own CRM"),
        args=("--out", "{tmp}/crm.duckdb"),
        command="demo",
    ),
    "demo into a folder": Case(
        "{tmp} is a folder: name the demo file, e.g. --out {tmp}/demo.duckdb",
        args=("--out", "{tmp}"),
        command="demo",
    ),
    "deal in a currency that fx_rates has no rate for": Case(
        problems(
            "opportunities.currency: no fx_rates rate into USD on the deal's close date: 1 row "
            "(e.g. 'O0000001')"
        ),
        set_cell("opportunities", "currency", "XYZ"),
    ),
    "fx rate of zero": Case(
        problems(
            "fx_rates.rate: must be > 0: 1 row (e.g. '0')",
            # GBP's only rate: the customers billed in GBP can no longer be converted
            "recurring_revenue.currency: no fx_rates rate into USD on the month billed: 392 rows "
            "(e.g. 'A002627', 'A002636', 'A002643', 'A002644', 'A002662')",
        ),
        set_cell("fx_rates", "rate", "0", row=2),
    ),
    "lead created in 2062": Case(
        problems("leads.created_at: must be at most 7 days after today: 1 row (e.g. 'L0000101')"),
        set_cell("leads", "created_at", "2062-01-15 09:00:00", row=1),
    ),
    "open deal expected to close in 2999": Case(
        problems(
            "opportunities.close_date: must be at most 5 years after today: 1 row (e.g. 'O0005921')"
        ),
        set_cell("opportunities", "close_date", "2999-01-01", row=148),
    ),
    "deal created in 1900": Case(
        problems(
            "opportunities.created_at: must be on or after 1990-01-01: 1 row (e.g. 'O0000001')"
        ),
        set_cell("opportunities", "created_at", "1900-01-01 00:00:00"),
    ),
    "infinite amount": Case(
        problems("opportunities.amount: must be a finite number <= 1e15: 1 row (e.g. 'O0000001')"),
        set_cell("opportunities", "amount", "inf"),
    ),
    "amount of 1e300": Case(
        problems("opportunities.amount: must be a finite number <= 1e15: 1 row (e.g. 'O0000001')"),
        set_cell("opportunities", "amount", "1e300"),
    ),
    "infinite quota": Case(
        problems("quotas.quota: must be a finite number <= 1e15: 1 row (e.g. 'inf')"),
        set_cell("quotas", "quota", "inf"),
    ),
    "NUL byte in a team name": Case(
        problems(
            "reps.team: must hold no control character (NUL, tab, line break, ...): 1 row "
            "(e.g. 'R0002')"
        ),
        set_cell("reps", "team", "Mid-Market\x00", row=1),
    ),
    "team named like the all-teams roll-up": Case(
        problems(
            "reps.team: team 'all' names the all-teams roll-up (rename that team): 1 row "
            "(e.g. 'R0001')"
        ),
        set_cell("reps", "team", "all"),
    ),
    "negative demo seed": Case(
        "argument --seed: expected a number of at least 0, got -1",
        args=("--out", "{tmp}/demo.duckdb", "--seed", "-1"),
        command="demo",
        usage=True,
    ),
    "org params file that is a folder": Case(
        "cannot read params file {tmp}: Is a directory", env={"SALESOPS_ORG_PARAMS": "{tmp}"}
    ),
    "params file that is not UTF-8": Case(
        "params file {params} is not UTF-8 text: invalid start byte at byte 7",
        params="teams: \udcff\n",
    ),
    "CSV header naming a column twice": Case(
        "cannot read {src}/opportunities.csv: its header names amount twice "
        "(the columns of one name must be one column)",
        edit("opportunities", lambda f: f.set_axis(["amount", *f.columns[1:]], axis=1)),
    ),
    "notebook parameter outside its allowed values": Case(
        "parameters.funnel.lead_window_days: parameter 'lead_window_days' must be -1, or 1 or "
        "more (allowed: -1, 1.. in the notebook's parameters cell), got -5",
        params="parameters: {funnel: {lead_window_days: -5}}\n",
    ),
}


def _fill(text: str, **places: str) -> str:
    for name, value in places.items():
        text = text.replace("{" + name + "}", value)
    return text


def _arguments(case: Case, places: dict[str, str]) -> list[str]:
    """The command line of ``case``: its source, and for ``run`` the output folder first."""
    args = [case.command]
    if case.command != "demo":
        args += ["--source", _fill(case.source, **places)]
    if case.command == "run":
        args += ["--out", places["out"]]
    args += [_fill(a, **places) for a in case.args]
    if case.params is not None:
        args += ["--params", places["params"]]
    return args


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
    if case.params is not None:  # a lone surrogate escape stands for a byte that is not UTF-8
        params.write_bytes(_fill(case.params, **places).encode("utf-8", "surrogateescape"))

    env = {name: _fill(value, **places) for name, value in case.env.items()}
    done = salesops(*_arguments(case, places), timeout=90, **env)  # kernels would time out

    log_folder = out if case.command == "run" and "--out" not in case.args else project / "reports"
    log = log_folder.resolve() / "salesops.log"
    message = _fill(case.message, **places)
    assert done.returncode == 2, done.stderr
    assert snapshot(out, skip=("salesops.log",)) == before
    assert not (tmp_path / "pwned").exists()
    if case.usage:
        assert done.stderr.splitlines()[-1] == f"salesops {case.command}: error: {message}"
        assert done.stdout == "" and not log.exists()
        return
    # run and demo say nothing on stdout; validate first says what it found, then the problems
    assert done.stdout == "" if case.command != "validate" else "Source:" in done.stdout
    assert done.stderr == f"salesops {case.command}: {message}\n"  # bad input: no traceback line
    logged = log.read_text(encoding="utf-8")
    assert message in logged and "Traceback" not in logged
    assert "hunter2" not in logged


# the broken sources: what run refuses of the data itself, with no other argument
DATA_CASES = [
    name
    for name, case in CASES.items()
    if case.command == "run" and case.source == "{src}" and not case.usage
    if not (case.args or case.params or case.env)
]


@pytest.mark.parametrize("name", DATA_CASES)
def test_validate_refuses_every_source_that_run_refuses_with_the_same_message(
    name: str,
    csv_crm: Path,
    tmp_path: Path,
    salesops: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    case, src = CASES[name], tmp_path / "crm"
    shutil.copytree(csv_crm, src)
    case.setup(src)
    done = salesops("validate", "--source", str(src), timeout=90)
    message = _fill(case.message, src=str(src), tmp=str(tmp_path))
    assert (done.returncode, done.stderr) == (2, f"salesops validate: {message}\n")


EAST, TEAM = "Enterprise East", "Enterprise · Öst"
IN_FOUR_YEARS = (date.today() + timedelta(days=4 * 365)).isoformat()
IN_THREE_DAYS = f"{date.today() + timedelta(days=3)} 09:00:00"
# One value at each bound validate sets, which a run must then render: O0005841 is won on
# 2026-09-01 by R0014 of Enterprise East, whose 2026Q3 quota is row 458 (the bounds: amounts and
# quotas up to 1e15, dates from 1990-01-01, events up to 7 days and plans up to 5 years ahead).
AT_THE_BOUNDS = (
    set_cell("opportunities", "amount", "1e15", row=146),
    set_cell("quotas", "quota", "1e15", row=458),
    set_cell("reps", "hire_date", "1990-01-01", row=13),
    set_cell("opportunities", "close_date", IN_FOUR_YEARS, row=148),  # open
    set_cell("leads", "created_at", IN_THREE_DAYS, row=1),
    edit("reps", lambda f: f.replace({"team": {EAST: TEAM}})),  # no control character
)


@pytest.mark.slow
def test_a_source_at_every_bound_validate_sets_passes_validate_and_renders(
    csv_crm: Path,
    tmp_path: Path,
    salesops: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    src, out = tmp_path / "crm", tmp_path / "out"
    shutil.copytree(csv_crm, src)
    for setup in AT_THE_BOUNDS:
        setup(src)
    assert salesops("validate", "--source", str(src)).returncode == 0
    args = ("--quarter", "2026Q3", "--team", TEAM, "--analysis", "quota", "--analysis", "funnel")
    done = salesops("run", "--source", str(src), "--out", str(out), "--no-rollup", *args)
    assert done.returncode == 0, done.stderr
    for analysis in ("quota", "funnel"):
        page = out / "2026Q3" / "enterprise-ost" / f"{analysis}.json"
        figures = json.loads(page.read_text(encoding="utf-8"))
        assert figures["status"] == "ok"
        # a trillion-scale figure still prints short: "$1000T", not hundreds of digits
        assert all(len(str(card["value"])) <= 12 for card in figures["cards"])
