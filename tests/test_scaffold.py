"""``salesops new-analysis NAME``: the notebook and report class it writes run in the grid as they
are, and their headline figures are the demo's, worked out again here with pandas.

The scaffold writes into a project root of the test's own (``SALESOPS_ROOT``): the notebook to its
``notebooks/``, the report class to its ``lib/salesops/analyses/``, which ``salesops.analyses``
adds to its path. So the test runs the real command twice, in child processes, and never touches
the checkout's package or notebooks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from salesops import config

NAME = "win_loss"
TEAM, QUARTER = "SMB", "2026Q3"
Q_START, Q_END = "2026-07-01", "2026-10-01"  # 2026Q3 with the fiscal year starting in January

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project root: a notebooks folder and nothing else."""
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    return root


@pytest.fixture
def salesops(project: Path, salesops_in: Callable[[Path], Run]) -> Run:
    """Run ``python -m salesops ARGS`` with the test's project as ``SALESOPS_ROOT``."""
    return salesops_in(project)


def _won_in_quarter() -> tuple[int, float, int]:
    """Deals won, won amount and deals closed of the team in the quarter, by close date, in pandas
    on the demo's own tables (every demo deal is in USD, the reporting currency)."""
    with duckdb.connect(str(config.DEFAULT_SOURCE), read_only=True) as con:
        deals = con.sql("SELECT * FROM opportunities").df()
        reps = con.sql("SELECT rep_id, team FROM reps").df()
    assert set(deals["currency"]) == {"USD"}
    deals = deals.merge(reps, on="rep_id")
    day = deals["close_date"].astype("datetime64[ns]")
    closed = deals[(deals["team"] == TEAM) & deals["is_closed"] & (day >= Q_START) & (day < Q_END)]
    won = closed[closed["is_won"]]
    return len(won), float(won["amount"].sum()), len(closed)


@pytest.mark.slow
def test_a_new_analysis_runs_in_the_grid_as_it_is(
    salesops: Run, project: Path, tmp_path: Path
) -> None:
    made = salesops("new-analysis", NAME)
    assert made.returncode == 0, made.stderr
    notebook = project / "notebooks" / f"{NAME}.ipynb"
    module = project / "lib" / "salesops" / "analyses" / f"{NAME}.py"
    assert notebook.is_file() and module.is_file()
    assert str(notebook) in made.stdout and str(module) in made.stdout
    assert f"salesops run --analysis {NAME} --team" in made.stdout
    lint = [sys.executable, "-m", "ruff", "--config", str(config.ROOT / "pyproject.toml")]
    for check in (["check"], ["format", "--check"]):
        # from the checkout, whose settings (first-party salesops, line length) the module meets
        done = subprocess.run(
            [*lint, *check, str(module)], capture_output=True, text=True, cwd=config.ROOT
        )
        assert done.returncode == 0, done.stdout + done.stderr

    out = tmp_path / "reports"
    ran = salesops(
        "run",
        *("--analysis", NAME, "--team", TEAM, "--quarter", QUARTER, "--no-rollup"),
        *("--source", str(config.DEFAULT_SOURCE), "--out", str(out)),
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    folder = out / QUARTER / "smb"
    page = (folder / f"{NAME}.html").read_text(encoding="utf-8")
    assert "<title>Win loss" in page and "Won deals" in page and "so-table" in page
    assert "Explore" not in page
    document = json.loads((folder / f"{NAME}.json").read_text(encoding="utf-8"))
    won, won_amount, closed = _won_in_quarter()  # on the demo (seed 7): 57 of 193, $509,300
    assert closed > won > 0
    assert document["status"] == "ok"
    assert document["deals_won"] == won
    assert document["deals_closed"] == closed
    assert round(document["won_amount"], 2) == round(won_amount, 2)
    assert document["win_rate"] * closed == pytest.approx(won)  # won / closed
    index = (out / QUARTER / "index.html").read_text(encoding="utf-8")
    assert f"smb/{NAME}.html" in index


@pytest.mark.parametrize("name", ["Win-Loss", "2fast", "class", "win loss", "report", "x" * 41])
def test_a_name_that_is_no_module_name_is_refused(salesops: Run, project: Path, name: str) -> None:
    done = salesops("new-analysis", name)
    assert done.returncode == 2
    assert f"salesops new-analysis: analysis name {name!r}" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(project.rglob("*.ipynb")) and not list(project.rglob("*.py"))


def test_an_existing_analysis_is_replaced_only_with_force(salesops: Run, project: Path) -> None:
    assert salesops("new-analysis", NAME).returncode == 0
    notebook = project / "notebooks" / f"{NAME}.ipynb"
    notebook.write_text("{}", encoding="utf-8")
    again = salesops("new-analysis", NAME)
    assert again.returncode == 2
    assert str(notebook) in again.stderr and "--force" in again.stderr
    assert notebook.read_text(encoding="utf-8") == "{}"
    assert salesops("new-analysis", NAME, "--force").returncode == 0
    assert json.loads(notebook.read_text(encoding="utf-8"))["cells"]
