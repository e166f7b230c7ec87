"""Reading an executed notebook: title, section of a cell, headline, early stops."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from salesops.report.kernels.running import RunningKernels, kernel_environment
from salesops.report.outcome import Outcome
from salesops.report.run.execute import classify_completed, execute_job, section_of, strip_ansi
from salesops.report.run.grid import Job
from salesops.vocabulary import HEADLINE_MIMETYPE, FailureKind

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"


def _ran(source: str, count: int | None, *outputs: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell = new_code_cell(source, execution_count=count, outputs=list(outputs))
    if count is not None:
        cell.metadata["papermill"] = {"start_time": "2026-10-01T00:00:00"}
    return cell


def _headline(value: int) -> nbformat.NotebookNode:
    payload = {"analysis": "funnel", "metrics": {"won_deals": value}, "cards": []}
    return new_output("display_data", data={HEADLINE_MIMETYPE: payload, "text/plain": "headline"})


def _memo() -> nbformat.NotebookNode:
    return new_notebook(
        cells=[
            new_markdown_cell("# Funnel\n\nWhere deals drop out."),
            _ran('team = "all"', 1),
            new_markdown_cell("## Stage conversion\n\n### By stage"),
            _ran("show(stage_reach)", 2, _headline(3)),
            new_markdown_cell("Some prose without a heading."),
            _ran("show(conversion)", 3, _headline(5)),
            _ran("", None),
        ]
    )


def test_title_is_the_first_level_one_heading() -> None:
    assert Outcome.read(_memo()).title == "Funnel"
    assert Outcome.read(new_notebook(cells=[new_markdown_cell("## Only a section")])).title == ""


def test_section_is_the_nearest_heading_above_the_cell() -> None:
    nb = _memo()
    assert section_of(nb, 1) == "Funnel"
    assert section_of(nb, 5) == "By stage"
    assert section_of(nb, None) == ""


def test_headline_is_the_last_bundle_displayed() -> None:
    assert Outcome.read(_memo()).headline["metrics"] == {"won_deals": 5}
    assert Outcome.read(new_notebook()).headline is None


def test_a_notebook_whose_code_cells_all_ran_is_ok() -> None:
    outcome = classify_completed(_memo())
    assert outcome.status == "ok" and outcome.failure is None
    assert (outcome.title, outcome.headline["metrics"]) == ("Funnel", {"won_deals": 5})


def test_code_cells_left_unrun_after_sys_exit_mean_stopped_early() -> None:
    nb = _memo()
    system_exit = new_output("error", ename="SystemExit", evalue="0", traceback=[])
    nb.cells[3] = _ran("sys.exit(0)", 2, system_exit)
    nb.cells[5] = _ran("show(conversion)", None)
    failure = classify_completed(nb).failure
    assert failure is not None
    assert (failure.kind, failure.section, failure.cell_index) == ("stopped_early", "By stage", 3)
    assert "1 code cell after it did not run" in failure.evalue


def test_terminal_colours_are_stripped() -> None:
    assert strip_ansi("\x1b[0;31mValueError\x1b[0m: bad\x1b[K") == "ValueError: bad"


def test_a_kernel_that_cannot_start_is_retried_then_recorded(tmp_path: Path) -> None:
    nb = nbformat.read(FIXTURES / "ok.ipynb", as_version=4)
    nb.metadata.kernelspec.name = "no-such-kernel"
    nbformat.write(nb, tmp_path / "ok.ipynb")
    job = Job(
        "2026Q3",
        "all",
        "all",
        "ok",
        tmp_path / "ok.ipynb",
        {"quarter": "2026Q3", "team": "all", "source": ""},
    )
    failure = execute_job(
        job, cell_timeout=5, env=kernel_environment(tmp_path), kernels=RunningKernels()
    ).failure
    assert failure is not None
    assert (failure.kind, failure.section) == (FailureKind.DEAD_KERNEL, "Kernel start")
    assert "no-such-kernel kernel failed to start 2 times" in failure.evalue
