"""Benchmarks of the quarterly run, each measured against its baseline in the same command.

``make bench`` (or ``python -m bench``) prints a table and writes ``bench/results.json``:

1. batch: ``salesops run`` for 2 teams x 4 analyses against the usual shell loop, one report after
   another: the papermill CLI, then ``jupyter nbconvert --no-input``. Target: at most 0.25.
2. warm re-run: the same ``salesops run`` again with nothing changed, against the first run.
   Target: at most 0.05.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from salesops import __version__, config
from salesops.data.demo import write_demo

TEAMS = ("Enterprise East", "SMB")
ANALYSES = ("funnel", "cohort", "forecast_accuracy", "quota")
QUARTER = "2026Q3"
BIN = Path(sys.executable).parent
RESULTS = Path(__file__).with_name("results.json")


def _timed(commands: Sequence[Sequence[str]]) -> float:
    """Wall seconds to run ``commands`` one after another; any failure stops the benchmark."""
    started = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, capture_output=True, cwd=config.ROOT)
    return time.perf_counter() - started


def shell_loop(source: Path, out: Path) -> list[list[str]]:
    """The usual loop: papermill's CLI per report, then nbconvert's CLI without code cells."""
    commands = []
    for team in TEAMS:
        for analysis in ANALYSES:
            executed = out / f"{team.replace(' ', '_')}-{analysis}.ipynb"
            commands.append(
                [
                    str(BIN / "papermill"),
                    "--log-level",
                    "WARNING",
                    str(config.NOTEBOOKS_DIR / f"{analysis}.ipynb"),
                    str(executed),
                    "-p",
                    "quarter",
                    QUARTER,
                    "-p",
                    "team",
                    team,
                    "-p",
                    "source",
                    str(source),
                ]
            )
            commands.append(
                [
                    str(BIN / "jupyter"),
                    "nbconvert",
                    "--to",
                    "html",
                    "--no-input",
                    str(executed),
                ]
            )
    return commands


def salesops_run(source: Path, out: Path, *, force: bool) -> list[list[str]]:
    command = [
        str(BIN / "salesops"),
        "run",
        "--quarter",
        QUARTER,
        "--source",
        str(source),
        "--out",
        str(out),
    ]
    for team in TEAMS:
        command += ["--team", team]
    for analysis in ANALYSES:
        command += ["--analysis", analysis]
    return [command + (["--force"] if force else [])]


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "salesops": __version__,
    }


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="salesops-bench-") as tmp:
        work = Path(tmp)
        source = work / "demo.duckdb"
        write_demo(source)
        loop_out, run_out = work / "loop", work / "reports"
        loop_out.mkdir()
        loop = _timed(shell_loop(source, loop_out))
        first = _timed(salesops_run(source, run_out, force=True))
        warm = _timed(salesops_run(source, run_out, force=False))
    rows = [
        {
            "benchmark": "batch: salesops run vs papermill + nbconvert loop (2 teams x 4)",
            "baseline_s": loop,
            "measured_s": first,
            "ratio": first / loop,
            "target": 0.25,
        },
        {
            "benchmark": "warm re-run vs first run",
            "baseline_s": first,
            "measured_s": warm,
            "ratio": warm / first,
            "target": 0.05,
        },
    ]
    print(f"{'benchmark':66} {'baseline':>9} {'measured':>9} {'ratio':>6} {'target':>7}")
    for row in rows:
        met = "met" if row["ratio"] <= row["target"] else "missed"
        print(
            f"{row['benchmark']:66} {row['baseline_s']:8.1f}s {row['measured_s']:8.1f}s "
            f"{row['ratio']:6.3f} {'<=' + str(row['target']):>7} {met}"
        )
    RESULTS.write_text(json.dumps({"machine": machine(), "results": rows}, indent=2) + "\n")
    print(f"results: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
