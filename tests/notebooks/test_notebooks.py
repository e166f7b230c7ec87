"""The committed notebooks: clean, thin, and runnable top to bottom with their defaults."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from salesops import config
from salesops.data.demo import write_demo

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
ANALYSES = {"funnel", "cohort", "forecast_accuracy", "quota"}


def test_the_four_analyses_are_notebooks() -> None:
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
    headings = [c.source.split("\n")[0] for c in notebook.cells if c.cell_type == "markdown"]
    assert headings[1] == "## Headline figures" and headings[-1] == "## Caveats and conventions"


@pytest.fixture(scope="module")
def default_demo() -> Path:
    """The demo file the notebooks' default source points at, made when missing."""
    if not config.DEFAULT_SOURCE.exists():
        write_demo(config.DEFAULT_SOURCE)
    return config.DEFAULT_SOURCE


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_with_its_defaults(path: Path, default_demo: Path) -> None:
    # As an analyst in JupyterLab would: a fresh kernel, no injected parameters, run all.
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(config.NOTEBOOKS_DIR)}},
        extra_arguments=[],
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    mimetypes = {key for o in outputs for key in o.get("data", {})}
    assert "application/vnd.salesops.headline+json" in mimetypes
    figures = [o for o in outputs if 'class="so-figure"' in o.get("data", {}).get("text/html", "")]
    assert figures, "every analysis shows at least one figure"
