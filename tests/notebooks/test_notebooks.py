"""The committed notebooks: clean, thin, and runnable top to bottom with their defaults; every
table they show is the formatting of the raw frame ``report.data`` keeps behind it."""

from __future__ import annotations

import base64
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from salesops import config, formatting
from salesops.data.demo import write_demo
from salesops.present import ReportFigure, Table
from salesops.present.tables import yes_no
from salesops.report.outcome import Outcome
from salesops.report.pages.report import PageInfo, render_report

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
ANALYSES = {
    "funnel",
    "cohort",
    "forecast_accuracy",
    "quota",
    "pipeline",
    "efficiency",
    "unit_economics",
    "summary",
}
EXPLORE, SKIP = "explore", "skip-execution"
# The headline figure that the won deals an Explore section drills into add up to.
WON_TOTAL = {"funnel": "won_amount", "quota": "bookings_total"}


def test_the_analyses_are_notebooks() -> None:
    assert {path.stem for path in NOTEBOOKS} == ANALYSES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs_and_with_a_parameters_cell(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    tagged = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_a_memo_that_calls_the_library(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert all(len(source.splitlines()) <= 12 for source in code)
    assert not any(
        line.lstrip().startswith(("def ", "class ")) for s in code for line in s.split("\n")
    )
    report = [c for c in notebook.cells if EXPLORE not in c.metadata.get("tags", [])]
    headings = [c.source.split("\n")[0] for c in report if c.cell_type == "markdown"]
    assert headings[1] == "## Headline figures" and headings[-1] == "## Caveats and conventions"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_ends_with_an_explore_section_that_pages_and_runs_leave_out(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    tagged = [EXPLORE in c.metadata.get("tags", []) for c in notebook.cells]
    start = tagged.index(True)
    assert all(tagged[start:]) and notebook.cells[start].source.startswith("## Explore\n")
    code = [c for c in notebook.cells[start:] if c.cell_type == "code"]
    assert 2 <= len(code) <= 3
    # papermill (nbclient) skips them in a run; JupyterLab runs them
    assert all(SKIP in c.metadata.tags for c in code)


@pytest.fixture(scope="module")
def default_demo() -> Path:
    """The demo file the notebooks' default source points at, made when missing."""
    if not config.DEFAULT_SOURCE.exists():
        write_demo(config.DEFAULT_SOURCE)
    return config.DEFAULT_SOURCE


# Kept in the kernel after the notebook ran: every table and chart in report.data, and the
# deals the Explore section drilled into.
KEEP_CELL = """
import pickle as _pickle
with open({path!r}, "wb") as _file:
    _pickle.dump(
        {{
            "shown": {{name: report.data.shown(name) for name in report.data}},
            "won": won.execute() if "won" in globals() else None,
            "headline": report.now,
        }},
        _file,
    )
"""
# How each column format writes a raw value (salesops.formatting; ISO days; text as is).
FORMATS: dict[str, Callable[[Any], str]] = {
    "money": formatting.money_full,
    "percent": formatting.percent,
    "points": formatting.points,
    "count": formatting.count,
    "decimal": formatting.decimal,
    "ratio": formatting.ratio,
    "yes_no": yes_no,
    "days": formatting.days,
    "multiple": formatting.multiple,
    "date": lambda v: formatting.missing() if pd.isna(v) else v.strftime("%Y-%m-%d"),
    "month": lambda v: (
        formatting.missing() if pd.isna(v) else pd.Period(v, freq="M").strftime("%Y-%m")
    ),
    "text": lambda v: formatting.missing() if pd.isna(v) else str(v),
}
# A number already written for a reader: "$1,234", "31%", "2.8×", "42 days".
FORMATTED_NUMBER = re.compile(r"[-+]?[$€£]?[\d,.]+(%|×| days?)?")
SO_TABLE = re.compile(r'<table class="so-table">.*?</table>', re.DOTALL)


@dataclass
class Run:
    """An executed notebook, the kernel's report.data, and the page rendered from the run."""

    notebook: nbformat.NotebookNode
    kept: dict[str, Any]
    page: str

    def outputs(self, *, explore: bool) -> list[nbformat.NotebookNode]:
        """The outputs of the report's cells, or of its Explore section's."""
        return [
            output
            for cell in self.notebook.cells
            if cell.cell_type == "code" and (EXPLORE in cell.metadata.get("tags", [])) == explore
            for output in cell.outputs
        ]

    def html(self, *, explore: bool) -> str:
        return "\n".join(
            o.get("data", {}).get("text/html", "") for o in self.outputs(explore=explore)
        )


def run_as_in_jupyterlab(path: Path, kept: Path) -> Run:
    """Run all, as an analyst in JupyterLab would: a fresh kernel, no injected parameters, and
    the Explore cells too (JupyterLab ignores the tag that makes a report run skip them)."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(KEEP_CELL.format(path=str(kept))))
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(config.NOTEBOOKS_DIR)}},
        extra_arguments=[],
        skip_cells_with_tag="no-cell-has-this-tag",
    )
    client.execute()
    notebook.cells.pop()
    info = PageInfo(
        title=path.stem,
        team="all",
        quarter="2026Q3",
        data_as_of="2026-09-30",
        generated_at="2026-10-01 07:30 UTC",
        provenance={},
    )
    with kept.open("rb") as file:
        return Run(notebook, pickle.load(file), render_report(Outcome.read(notebook), info))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_with_its_defaults_and_keeps_the_data_of_every_section(
    path: Path, default_demo: Path, tmp_path: Path
) -> None:
    run = run_as_in_jupyterlab(path, tmp_path / "kept.pickle")
    outputs = run.outputs(explore=False) + run.outputs(explore=True)
    assert not [o for o in outputs if o.output_type == "error"]
    mimetypes = {key for o in run.outputs(explore=False) for key in o.get("data", {})}
    assert "application/vnd.salesops.headline+json" in mimetypes
    figures = [o for o in outputs if 'class="so-figure"' in o.get("data", {}).get("text/html", "")]
    assert figures, "every analysis shows at least one figure"

    shown = run.kept["shown"]
    tables = {name: s for name, s in shown.items() if isinstance(s, Table)}
    charts = {name: s for name, s in shown.items() if isinstance(s, ReportFigure)}
    # every table on the page is one report.data keeps, and every kept chart is on the page
    page = run.html(explore=False)
    assert sorted(SO_TABLE.findall(page)) == sorted(
        SO_TABLE.findall(t._repr_html_())[0] for t in tables.values()
    )
    assert charts and all(base64.b64encode(c.png).decode() in page for c in charts.values())
    assert all(isinstance(c.frame, pd.DataFrame) and len(c.frame) for c in charts.values())
    for name, table in tables.items():
        assert_rows_are_the_frame_formatted(name, table)

    # the Explore section ran, its report.data listing names every kept frame, and the won
    # deals it drills into add up, to the cent, to the headline figure they are behind
    listing = "".join(o.get("text", "") for o in run.outputs(explore=True))
    assert all(f"  {name} " in listing for name in shown)
    won, headline = run.kept["won"], run.kept["headline"]
    if path.stem in WON_TOTAL:
        assert won["is_won"].all()
        assert round(won["amount"].sum(), 2) == round(headline[WON_TOTAL[path.stem]], 2)
    assert "Explore" not in run.page and "report.data" not in run.page


def assert_rows_are_the_frame_formatted(name: str, table: Table) -> None:
    """Same rows in the same order, same columns in the same order, each cell its raw value
    written in the column's format; numbers and dates are kept raw, not as display text."""
    frame = table.frame
    assert frame is not None, name
    assert frame.shape == (len(table.rows), len(table.columns)), name
    assert len(table.formats) == len(table.columns), name
    for column, kind in zip(frame.columns, table.formats, strict=True):
        values = frame[column]
        write = (
            partial(FORMATS[kind], currency=table.currency) if kind == "money" else FORMATS[kind]
        )
        written = [write(value) for value in values]
        shown = [row[list(frame.columns).index(column)] for row in table.rows]
        assert written == shown, (name, column)
        if kind in ("money", "percent", "points", "count", "decimal", "ratio", "days", "multiple"):
            assert pd.api.types.is_numeric_dtype(values), (name, column, values.dtype)
        if kind == "text":
            assert not any(FORMATTED_NUMBER.fullmatch(cell) for cell in shown), (name, column)
