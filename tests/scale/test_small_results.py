"""No metric pulls a table into pandas: on the demo at scale 10 (~70k deals, ~270k stage history
rows), every notebook computes and displays all of its sections while the largest result the
backend hands to Python stays an aggregate of a few thousand rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis.backends.duckdb
import nbformat
import pandas as pd
import pyarrow as pa
import pytest
from IPython.core.interactiveshell import InteractiveShell

from notebook_analyses import ANALYSES
from salesops import config
from salesops.data.demo import write_demo

pytestmark = pytest.mark.slow

SCALE = 10
LARGEST_RESULT = 5_000


def _rows(result: Any) -> int:
    """Rows in what the backend returned: a frame or table's length, 1 for a scalar."""
    if isinstance(result, pd.DataFrame | pd.Series | pa.Table | pa.Array | pa.ChunkedArray):
        return len(result)
    return 1


@pytest.fixture(scope="module")
def scaled_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("scaled") / "demo.duckdb"
    return path, write_demo(path, scale=SCALE)


@pytest.fixture
def results(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Every result the DuckDB backend returns to Python, as (method, rows)."""
    seen: list[tuple[str, int]] = []
    backend = ibis.backends.duckdb.Backend
    for method in ("execute", "to_pyarrow", "to_pyarrow_batches"):
        original = getattr(backend, method)

        def recorded(
            self: Any, *args: Any, _original: Any = original, _name: str = method, **kwargs: Any
        ) -> Any:
            result = _original(self, *args, **kwargs)
            if _name == "to_pyarrow_batches":
                result = result.read_all()  # a stream is whatever it adds up to
                seen.append((_name, _rows(result)))
                return result.to_reader()
            seen.append((_name, _rows(result)))
            return result

        monkeypatch.setattr(backend, method, recorded)
    yield seen


def _code_cells(analysis: str) -> list[str]:
    """The report's code cells; the Explore cells fetch deals for an analyst on purpose."""
    notebook = nbformat.read(config.NOTEBOOKS_DIR / f"{analysis}.ipynb", as_version=4)
    return [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and "explore" not in cell.metadata.get("tags", [])
    ]


def test_the_scaled_demo_is_big_enough_to_tell(scaled_demo: tuple[Path, dict[str, int]]) -> None:
    _, rows = scaled_demo
    assert rows["opportunities"] > 60_000
    assert rows["stage_history"] > 250_000
    assert rows["leads"] > 200_000


@pytest.mark.parametrize("analysis", ANALYSES)
def test_every_section_of_a_notebook_brings_back_only_small_aggregates(
    analysis: str,
    scaled_demo: tuple[Path, dict[str, int]],
    results: list[tuple[str, int]],
) -> None:
    source, _ = scaled_demo
    shell = InteractiveShell.instance()
    cells = _code_cells(analysis)
    # the parameters cell as written, then the source and scope under test
    for code in [cells[0], f"source = {str(source)!r}\nteam = 'all'", *cells[1:]]:
        outcome = shell.run_cell(code, silent=False, store_history=False)
        outcome.raise_error()
    assert len(results) >= 5, "the backend hook saw no queries"
    largest = max(results, key=lambda item: item[1])
    assert largest[1] < LARGEST_RESULT, f"{analysis} pulled {largest[1]:,} rows via {largest[0]}"
