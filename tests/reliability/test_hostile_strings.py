"""One real ``salesops run`` over a CRM whose names are attacks, read through a URL that holds a
password given in ``SALESOPS_SOURCE``: every string from the data reaches HTML escaped, nothing is
written outside the output folder, and the password appears in no file and no output. Refused
URLs keep every spelling of a credential, and any password, off the terminal and the log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from fixture_data import QUARTER, small_crm, snapshot

from notebook_analyses import ANALYSES
from salesops.data.contract import REFERENCES
from salesops.data.demo import write_tables
from salesops.data.locations import redact

SECRET = "pa55-Sekr1t-token"
ATTACKS = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    "../../../escaped/<b onmouseover=alert(1)>",
]
TEAM = "<img src=x onerror=alert('team')> ../../escaped"


def _hostile(values: list[str]) -> dict[str, str]:
    return {value: f"{ATTACKS[i % len(ATTACKS)]} {i}" for i, value in enumerate(sorted(values))}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Run every analysis for a hostile team (and the roll-up) once; the tests inspect it."""
    tmp = tmp_path_factory.mktemp("hostile")
    tables = small_crm()
    reps, deals = tables["reps"], tables["opportunities"]
    team_of = _hostile(list(reps.team.unique()))
    team_of[reps.team.iloc[0]] = TEAM
    reps["team"] = reps.team.map(team_of)
    reps["rep_name"] = reps.rep_name.map(_hostile(list(reps.rep_name)))
    stage_of = _hostile(list(tables["stages"].stage))
    for name in {"stages"} | {r.table for r in REFERENCES if r.target == "stages"}:
        tables[name]["stage"] = tables[name].stage.map(stage_of)
    for column in ("account_id", "source", "segment", "product"):
        deals[column] = deals[column].map(_hostile(list(deals[column].dropna().unique())))
    tables["leads"]["source"] = tables["leads"].source.map(
        _hostile(list(tables["leads"].source.dropna().unique()))
    )
    database = tmp / "crm.duckdb"
    write_tables(database, tables)

    root, out, work = tmp / "project", tmp / "project" / "out", tmp / "work"
    root.mkdir()
    work.mkdir()
    (root / "notebooks").symlink_to(Path(__file__).parents[2] / "notebooks")
    url = f"duckdb://{database}?read_only=true&password={SECRET}"
    before = snapshot(tmp)
    done = subprocess.run(
        [sys.executable, "-m", "salesops", "run", "--team", TEAM, "--out", str(out), "--jobs", "2"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=work,
        env={**os.environ, "SALESOPS_ROOT": str(root), "SALESOPS_SOURCE": url},
    )
    after = snapshot(tmp)
    return {"done": done, "out": out, "tmp": tmp, "before": before, "after": after, "url": url}


def _check_html(markup: str, where: str) -> None:
    soup = BeautifulSoup(markup, "html.parser")
    assert soup.find_all("script") == [], f"a script element in {where}"
    for tag in soup.find_all(True):
        handlers = [name for name in tag.attrs if name.lower().startswith("on")]
        assert handlers == [], f"{where}: <{tag.name}> has {handlers}"
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            value = str(tag.get(name, "")).strip().lower()
            assert not value.startswith("javascript:"), f"{where}: {name}={value!r}"
    assert "<script" not in markup.lower(), f"raw <script in {where}"


@pytest.mark.slow
def test_hostile_names_reach_every_page_escaped_and_no_file_outside_the_output(
    hostile_run: dict[str, object],
) -> None:
    done, out = hostile_run["done"], hostile_run["out"]
    assert isinstance(done, subprocess.CompletedProcess) and isinstance(out, Path)
    assert done.returncode == 0, done.stderr
    manifest = json.loads((out / QUARTER / "manifest.json").read_text(encoding="utf-8"))
    ran = sorted((r["team"], r["analysis"], r["status"]) for r in manifest["runs"])
    assert ran == sorted((t, a, "ok") for t in ("all", TEAM) for a in ANALYSES)
    slug = next(r["team_slug"] for r in manifest["runs"] if r["team"] == TEAM)
    assert slug == "img-src-x-onerror-alert-team-escaped"

    pages = sorted(out.rglob("*.html"))
    assert len(pages) == 1 + 2 * len(ANALYSES)  # every report per team, and the index
    for page in pages:
        _check_html(page.read_text(encoding="utf-8"), str(page))
    team_page = (out / QUARTER / slug / "funnel.html").read_text(encoding="utf-8")
    assert TEAM in BeautifulSoup(team_page, "html.parser").get_text()  # shown, as text
    for notebook in sorted(out.rglob("*.ipynb")):
        for cell in nbformat.read(notebook, as_version=4).cells:
            for output in cell.get("outputs", []):
                markup = output.get("data", {}).get("text/html")
                if markup:
                    _check_html("".join(markup), f"{notebook} cell output")

    tmp = hostile_run["tmp"]
    assert isinstance(tmp, Path)
    before, after = hostile_run["before"], hostile_run["after"]
    assert isinstance(before, dict) and isinstance(after, dict)
    outside = {p for p in after if not p.startswith("project/out/")}
    assert outside == set(before), "no file may be written outside the output folder"
    assert not list(tmp.rglob("escaped")) and not Path("/escaped").exists()


@pytest.mark.slow
def test_a_password_in_the_source_url_reaches_no_file_and_no_output(
    hostile_run: dict[str, object],
) -> None:
    done, out, url = hostile_run["done"], hostile_run["out"], hostile_run["url"]
    assert isinstance(done, subprocess.CompletedProcess) and isinstance(out, Path)
    assert isinstance(url, str)
    manifest = json.loads((out / QUARTER / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data"]["source"] == url.replace(SECRET, "***")
    files = [p for p in out.rglob("*") if p.is_file()]
    # each report (html, ipynb, json) for two scopes; the index, manifest, teams.json, salesops.lock
    assert len(files) == 2 * len(ANALYSES) * 3 + 4
    leaks = [p for p in files if SECRET.encode() in p.read_bytes()]
    assert leaks == []
    assert SECRET not in done.stdout + done.stderr


def test_a_password_in_a_refused_url_reaches_neither_terminal_nor_log(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    url = f"postgresql://sales:{SECRET}@127.0.0.1:1/crm?sslpassword={SECRET}"
    done = subprocess.run(
        [sys.executable, "-m", "salesops", "validate"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SALESOPS_ROOT": str(root), "SALESOPS_SOURCE": url},
    )
    log = root / "reports" / "salesops.log"
    assert done.returncode == 2
    assert done.stderr.startswith(
        "salesops validate: cannot connect to postgresql://sales:***@127.0.0.1:1/crm"
        "?sslpassword=***"
    )
    assert "full traceback" not in done.stderr  # bad input, not a crash
    assert SECRET not in done.stderr + log.read_text(encoding="utf-8")


# every spelling of a credential parameter: each hides its value, in any case
CREDENTIAL_NAMES = [
    "password",
    "passwd",
    "pwd",
    "PWD",
    "sslpassword",
    "token",
    "access_token",
    "sessionToken",
    "secret",
    "client_secret",
    "key",
    "api_key",
    "apikey",
    "ApiKey",
    "private_key",
    "auth",
    "credential",
    "credentials",
    "X-Amz-Credential",
    "signature",
    "X-Amz-Signature",
    "sig",
    "sas",
]
PASSWORDS = [f"{SECRET}/x", f"x/{SECRET}", f"{SECRET}@x", f"x@{SECRET}", f"{SECRET}:x", "a/b@c:d"]


@pytest.mark.parametrize("name", CREDENTIAL_NAMES)
def test_every_credential_parameter_is_hidden(name: str) -> None:
    url = f"snowflake://ana@acct/db?warehouse=wh&{name}={SECRET}&role=sales"
    assert redact(url) == f"snowflake://ana@acct/db?warehouse=wh&{name}=***&role=sales"


def test_parameters_that_are_no_credential_are_shown() -> None:
    url = (
        "pyspark:///crm?spark.master=local[2]&sslmode=require&read_only=true&design=a&keepalives=1"
    )
    assert redact(url) == url


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_url_password_is_hidden_whatever_it_holds(password: str) -> None:
    url = f"postgresql://ana:{password}@db.example.com:5432/crm?application_name=a@b"
    assert redact(url) == "postgresql://ana:***@db.example.com:5432/crm?application_name=a@b"


def test_punctuation_after_a_secret_stays() -> None:
    text = "cannot connect to 'trino://h/c?token=abc': refused (auth=x, pwd=y): password=z."
    shown = "cannot connect to 'trino://h/c?token=***': refused (auth=***, pwd=***): password=***."
    assert redact(text) == shown


def _refused(root: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """``salesops validate ARGS`` in a project of its own; the run and the log it wrote."""
    done = subprocess.run(
        [sys.executable, "-m", "salesops", "validate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SALESOPS_ROOT": str(root), **env},
    )
    return done, (root / "reports" / "salesops.log").read_text(encoding="utf-8")


def test_no_spelling_of_a_credential_reaches_terminal_or_log(tmp_path: Path) -> None:
    database = tmp_path / "crm.duckdb"
    write_tables(database, {"reps": small_crm()["reps"]})
    secrets = {name: f"{SECRET}-{n}" for n, name in enumerate(CREDENTIAL_NAMES)}
    query = "&".join(f"{name}={value}" for name, value in secrets.items())
    done, log = _refused(tmp_path / "project", "--source", f"duckdb://{database}?{query}")
    assert done.returncode == 2, done.stderr
    shown = "&".join(f"{name}=***" for name in CREDENTIAL_NAMES)
    assert done.stderr.startswith(
        f"salesops validate: cannot connect to duckdb://{database}?{shown}:"
    )
    assert f"validate --source duckdb://{database}?{shown}\n" in log  # the command, redacted
    assert SECRET not in done.stdout + done.stderr + log


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_url_password_reaches_neither_terminal_nor_log(tmp_path: Path, password: str) -> None:
    url = f"postgresql://sales:{password}@127.0.0.1:1/crm"
    done, log = _refused(tmp_path / "project", SALESOPS_SOURCE=url)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("salesops validate: cannot connect to postgresql://sales:***@")
    for secret in (SECRET, password):
        assert secret not in done.stdout + done.stderr + log
