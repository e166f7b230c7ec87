"""Where the time of one report goes: kernel start, imports, queries, charts, other cell work, and
rendering the page.

The notebook runs in a real kernel (nbclient), started anew or forked from a fork server that has
finished its imports, with two cells added around it: the first imports
what the notebook will import and wraps the DuckDB backend's ``execute``/``to_pyarrow`` (queries)
and the chart functions plus ``Figure.savefig`` (charts) with timers, counting only the outermost
timed call; the last prints the totals. Everything else the notebook's cells spend (opening the
source, tables, prose, display) is "other cell work". Rendering is ``render_report`` on the
executed notebook without the added cells.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from salesops import config
from salesops.report.kernels.forkserver import fork_server
from salesops.report.kernels.running import RunningKernels, kernel_environment
from salesops.report.kernels.start import TrackedKernelManager, shutdown, started_kernel
from salesops.report.outcome import Outcome
from salesops.report.pages.report import PageInfo, render_report

INSTRUMENT = """\
import json as _json, time as _time
import ibis.backends.duckdb as _duckdb, matplotlib.figure as _figure, salesops.charts as _charts
import salesops.analyses.{analysis}

_spent = {{"queries": 0.0, "charts": 0.0}}
_depth = [0]

def _timed(kind, function):
    def timed(*args, **kwargs):
        _depth[0] += 1
        started = _time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            _depth[0] -= 1
            if _depth[0] == 0:
                _spent[kind] += _time.perf_counter() - started
    return timed

for _name in ("execute", "to_pyarrow"):
    setattr(_duckdb.Backend, _name, _timed("queries", getattr(_duckdb.Backend, _name)))
_figure.Figure.savefig = _timed("charts", _figure.Figure.savefig)
for _name, _value in list(vars(_charts).items()):
    if callable(_value) and getattr(_value, "__module__", "").startswith("salesops.charts"):
        setattr(_charts, _name, _timed("charts", _value))
"""
REPORT = "print(_json.dumps(_spent))"
CUTS = {
    "kernel start": "fork kernels from a process that has them started (see the forked column)",
    "imports": "import less at start, or fork kernels that have imported (see the forked column)",
    "queries": "push more into fewer queries (one query per section, shared CTEs)",
    "charts": "draw fewer or lighter figures (lower dpi, SVG, no seaborn styling per call)",
    "other cell work": "cheaper tables and prose (fewer Styler passes)",
    "rendering": "a lighter page template (fewer nbconvert preprocessors)",
}


def _cell_seconds(cell: nbformat.NotebookNode) -> float:
    timing = cell.metadata["execution"]
    started = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
    ended = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    return (ended - started).total_seconds()


def profile_report(
    analysis: str, source: Path, quarter: str, team: str, *, forked: bool = False
) -> dict[str, object]:
    """Seconds per component of one report, their total, and the cut that would matter most;
    ``forked`` runs it in a kernel forked from a fork server that has done its imports."""
    nb = load_notebook_node(str(config.NOTEBOOKS_DIR / f"{analysis}.ipynb"))
    nb = parameterize_notebook(nb, {"quarter": quarter, "team": team, "source": str(source)})
    nb.cells.insert(0, nbformat.v4.new_code_cell(INSTRUMENT.format(analysis=analysis)))
    nb.cells.append(nbformat.v4.new_code_cell(REPORT))
    env = kernel_environment(config.ROOT)
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(fork_server(env, enabled=forked))
        if server is not None:  # a first kernel waits for the server's imports; time the next
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            stack.enter_context(started_kernel("python3", folder, env, RunningKernels(server)))
        km = TrackedKernelManager(fork_server=server, kernel_name="python3")
        stack.callback(shutdown, km)
        client = NotebookClient(
            nb,
            km=km,
            timeout=600,
            record_timing=True,
            resources={"metadata": {"path": str(config.NOTEBOOKS_DIR)}},
        )
        started = time.perf_counter()
        with client.setup_kernel(env=env):
            kernel_start = time.perf_counter() - started
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    spent = json.loads(code[-1].outputs[0]["text"])
    ran = [cell for cell in code[1:-1] if "execution" in cell.metadata]  # not Explore's
    cells = sum(_cell_seconds(cell) for cell in ran)
    nb.cells = nb.cells[1:-1]
    started = time.perf_counter()
    render_report(Outcome.read(nb), _page(analysis, quarter, team))
    components = {
        "kernel start": kernel_start,
        "imports": _cell_seconds(code[0]),
        "queries": spent["queries"],
        "charts": spent["charts"],
        "other cell work": cells - spent["queries"] - spent["charts"],
        "rendering": time.perf_counter() - started,
    }
    largest = max(components, key=components.__getitem__)
    return {
        "report": f"{analysis}, {team}, {quarter}, {'forked' if forked else 'new'} kernel",
        "seconds": components,
        "total_s": sum(components.values()),
        "largest": largest,
        "cut": CUTS[largest],
    }


def _page(analysis: str, quarter: str, team: str) -> PageInfo:
    return PageInfo(
        title=analysis,
        team=team,
        quarter=quarter,
        data_as_of=quarter,
        generated_at=datetime.now(UTC).isoformat(),
        provenance={},
    )
