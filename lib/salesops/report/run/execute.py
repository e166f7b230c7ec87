"""Execute one report notebook with papermill in a fresh kernel, and say how it ended.

Each run gets its own kernel (see ``salesops.report.kernels.start``) and temporary working
folder; the kernel is handed to papermill, which injects the parameters and runs every cell. The
executed notebook is read once into an ``Outcome``.

How papermill 2.7 / nbclient 0.11 report each ending, and the ``FailureKind`` recorded here:

- ``error``: a cell raised; papermill saves the notebook, then raises PapermillExecutionError.
- ``timeout``: a cell outran the cell timeout; nbclient raises CellTimeoutError (the kernel is
  left running: it is shut down here).
- ``dead_kernel``: the kernel process died (or never came up after the retry); DeadKernelError.
- ``stopped_early``: ``sys.exit(0)`` in a cell; papermill treats SystemExit 0 as success and
  returns normally, but the cells after it never ran (their execution_count stays None).
- ``bad_parameter``: the notebook cannot take the run's parameters (checked before any kernel
  starts), or papermill fails to inject them.
- ``interrupted``: the run was stopped (Ctrl-C, SIGTERM) while this notebook ran or waited.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.execute import remove_error_markers

from salesops.i18n import N_
from salesops.report.kernels.running import RunningKernels
from salesops.report.kernels.start import (
    KernelStartError,
    TrackedKernelManager,
    exit_status,
    started_kernel,
)
from salesops.report.outcome import HEADING, Failure, Outcome
from salesops.report.run.grid import Job
from salesops.vocabulary import FailureKind

ENGINE = "salesops"
IOPUB_TIMEOUT_S = 30  # wait for a cell's last outputs; nbclient's 4 s is tight under load
LOG_TAIL_LINES = 20  # of the kernel's log, for a kernel that died or never started
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_SKIP_TAG = "skip-execution"


class _SaveAtEndEngine(NBClientEngine):
    """papermill's nbclient engine, saving the notebook once when it stops (finished, failed or
    timed out) instead of before and after every cell: each save serialises every output so far,
    images included, which cost the run a tenth of a second per report."""

    @classmethod
    def execute_managed_notebook(
        cls, nb_man: NotebookExecutionManager, kernel_name: str, **kwargs: Any
    ) -> None:
        save = nb_man.save
        nb_man.save = lambda **_: None  # type: ignore[method-assign]
        try:
            super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
        finally:
            nb_man.save = save  # type: ignore[method-assign]  # papermill then saves once


papermill_engines.register(ENGINE, _SaveAtEndEngine)


def execute_job(
    job: Job, *, cell_timeout: int, env: Mapping[str, str], kernels: RunningKernels
) -> Outcome:
    """Run ``job``'s notebook in a fresh kernel and classify how it ended (never raises)."""
    if kernels.stopping.is_set():
        return _interrupted()
    try:
        prepared = papermill.execute_notebook(
            str(job.notebook), None, parameters=job.parameters, prepare_only=True
        )
    except Exception as exc:  # papermill could not inject the parameters
        return Outcome.read(
            _read(job.notebook),
            Failure(
                FailureKind.BAD_PARAMETER,
                section=N_("Parameters"),
                ename=type(exc).__name__,
                evalue=f"papermill could not inject the parameters: {exc}",
            ),
        )
    if job.problem:
        failure = Failure(FailureKind.BAD_PARAMETER, section=N_("Parameters"), evalue=job.problem)
        return Outcome.read(prepared, failure)
    kernel_name = prepared.metadata.get("kernelspec", {}).get("name") or "python3"
    with tempfile.TemporaryDirectory(prefix="salesops-run-") as tmp:
        workdir = Path(tmp)
        try:
            with started_kernel(kernel_name, workdir, env, kernels) as km:
                if km is None:
                    return _interrupted()
                return _execute(job, km, workdir, prepared, cell_timeout, kernels)
        except KernelStartError as exc:
            return Outcome.read(
                prepared,
                Failure(
                    FailureKind.DEAD_KERNEL,
                    section=N_("Kernel start"),
                    ename="KernelStartError",
                    evalue=str(exc),
                    traceback=_log_tail(workdir / "kernel.log"),
                ),
            )


def _execute(
    job: Job,
    km: TrackedKernelManager,
    workdir: Path,
    prepared: NotebookNode,
    cell_timeout: int,
    kernels: RunningKernels,
) -> Outcome:
    """papermill on a started kernel; its exceptions become outcomes."""
    executed = workdir / "executed.ipynb"

    def partial() -> NotebookNode:
        return _read(executed) if executed.exists() else prepared

    try:
        papermill.execute_notebook(
            str(job.notebook),
            str(executed),
            parameters=job.parameters,
            kernel_name=km.kernel_name,
            progress_bar=False,
            engine_name=ENGINE,
            km=km,
            execution_timeout=cell_timeout,
            iopub_timeout=IOPUB_TIMEOUT_S,
        )
    except PapermillExecutionError as exc:
        nb = remove_error_markers(_read(executed))
        return Outcome.read(
            nb,
            Failure(
                FailureKind.ERROR,
                section=section_of(nb, exc.cell_index),
                cell_index=exc.cell_index,
                ename=exc.ename,
                evalue=exc.evalue,
                traceback=strip_ansi("\n".join(exc.traceback)),
            ),
        )
    except CellTimeoutError:
        nb = partial()
        index = last_started_cell(nb)
        return Outcome.read(
            nb,
            Failure(
                FailureKind.TIMEOUT,
                section=section_of(nb, index),
                cell_index=index,
                ename="CellTimeoutError",
                evalue=f"a cell ran longer than the {cell_timeout} s cell timeout",
            ),
        )
    except DeadKernelError:
        if kernels.stopping.is_set():
            return _interrupted()
        nb = partial()
        index = last_started_cell(nb)
        return Outcome.read(
            nb,
            Failure(
                FailureKind.DEAD_KERNEL,
                section=section_of(nb, index),
                cell_index=index,
                ename="DeadKernelError",
                evalue=f"the kernel process died while this cell ran ({exit_status(km)})",
                traceback=_log_tail(workdir / "kernel.log"),
            ),
        )
    except Exception as exc:  # anything else still fails only this run
        if kernels.stopping.is_set():
            return _interrupted()
        return Outcome.read(
            partial(),
            Failure(
                FailureKind.ERROR,
                section=N_("Running the notebook"),
                ename=type(exc).__name__,
                evalue=str(exc),
            ),
        )
    return classify_completed(_read(executed))


def _interrupted() -> Outcome:
    """Nothing of an interrupted run is written, so it carries an empty notebook."""
    return Outcome(
        nb=nbformat.v4.new_notebook(),
        failure=Failure(
            FailureKind.INTERRUPTED,
            ename="Interrupted",
            evalue="the run was stopped before this report finished",
        ),
    )


def classify_completed(nb: NotebookNode) -> Outcome:
    """A notebook papermill finished without error: ok, or stopped early by ``sys.exit(0)``."""
    skipped = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and cell.source.strip()
        and _SKIP_TAG not in cell.metadata.get("tags", [])
        and cell.get("execution_count") is None
    ]
    if not skipped:
        return Outcome.read(nb)
    stop = next(
        (
            index
            for index, cell in enumerate(nb.cells)
            if any(out.get("ename") == "SystemExit" for out in cell.get("outputs", []))
        ),
        last_started_cell(nb),
    )
    count = len(skipped)
    return Outcome.read(
        nb,
        Failure(
            FailureKind.STOPPED_EARLY,
            section=section_of(nb, stop),
            cell_index=stop,
            ename="SystemExit",
            evalue=(
                f"sys.exit() ended the notebook here and {count} code "
                f"cell{'s' if count != 1 else ''} after it did not run"
            ),
        ),
    )


def last_started_cell(nb: NotebookNode) -> int | None:
    """Index of the last code cell papermill started (the one running when execution ended)."""
    started = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time")
    ]
    return started[-1] if started else None


def section_of(nb: NotebookNode, index: int | None) -> str:
    """The nearest markdown heading above cell ``index`` (its text), or "" when there is none."""
    if index is None:
        return ""
    for cell in reversed(nb.cells[: index + 1]):
        if cell.cell_type == "markdown":
            headings = HEADING.findall(cell.source)
            if headings:
                return headings[-1][1]
    return ""


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes (IPython colours its tracebacks)."""
    return _ANSI.sub("", text)


def _read(path: Path) -> NotebookNode:
    return nbformat.read(path, as_version=4)


def _log_tail(path: Path) -> str:
    """The kernel's last words, for a kernel that died or never started."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line for line in text.splitlines() if "without encryption" not in line]
    return strip_ansi("\n".join(kept[-LOG_TAIL_LINES:]))
