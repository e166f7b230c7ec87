"""Data scale: one team's reports (every analysis) on the demo at growing scale, with each
kernel's peak memory.

Peak memory is sampled (every 50 ms, with psutil) as the resident set of every kernel process
under the run (an ipykernel, or a kernel forked from the run's fork server); a kernel's peak is the
largest sample seen for it. A forked kernel's resident set counts the pages it shares with the
server, as a kernel started anew would count its own.
"""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from salesops import config
from salesops.report.run.grid import find_notebooks

TEAM = "SMB"
ANALYSES = tuple(find_notebooks(config.NOTEBOOKS_DIR).analyses)  # every analysis
SAMPLE_SECONDS = 0.05
# the server, and the kernels forked from it
FORK_SERVER = "salesops.report.kernels.forkserver serve"


def _is_kernel(process: psutil.Process, run: psutil.Popen) -> bool:
    command = " ".join(process.cmdline())
    forked = FORK_SERVER in command and process.ppid() != run.pid
    return forked or "ipykernel_launcher" in command


@dataclass(frozen=True)
class ScaleRun:
    scale: int
    seconds: float
    peak_kernel_mb: float
    kernels: int


def _kernel_peaks(run: psutil.Popen, peaks: dict[int, int], done: threading.Event) -> None:
    while not done.is_set():
        try:
            children = run.children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for child in children:
            try:
                if _is_kernel(child, run):
                    peaks[child.pid] = max(peaks.get(child.pid, 0), child.memory_info().rss)
            except psutil.Error:
                continue
        done.wait(SAMPLE_SECONDS)


def run_reports(salesops: Path, source: Path, out: Path, scale: int, quarter: str) -> ScaleRun:
    """Render ``TEAM``'s reports (no roll-up) from ``source``; wall time and kernel peaks."""
    command = [str(salesops), "run", "--quarter", quarter, "--team", TEAM, "--no-rollup"]
    for analysis in ANALYSES:
        command += ["--analysis", analysis]
    command += ["--source", str(source), "--out", str(out), "--force"]
    peaks: dict[int, int] = {}
    done = threading.Event()
    started = time.perf_counter()
    run = psutil.Popen(
        command, cwd=config.ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    sampler = threading.Thread(target=_kernel_peaks, args=(run, peaks, done), daemon=True)
    sampler.start()
    output, _ = run.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if run.returncode != 0:
        raise RuntimeError(f"salesops run at scale {scale} failed:\n{output}")
    peak = max(peaks.values(), default=0) / 2**20
    return ScaleRun(scale=scale, seconds=seconds, peak_kernel_mb=peak, kernels=len(peaks))
