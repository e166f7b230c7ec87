"""Benchmarks of the quarterly run, each measured against its baseline in the same command.

``make bench`` (or ``python -m bench``) prints a table and writes ``bench/results.json``:

1. batch: ``salesops run`` for 2 teams x every analysis against the usual shell loop, one report
   after another: the papermill CLI, then ``jupyter nbconvert --no-input``. Target: at most 0.25.
2. warm re-run: the same ``salesops run`` again with nothing changed, against the first run.
   Target: at most 0.05.
3. data scale: one team's reports (every analysis) on the demo at ``--scale`` 50 against 1 (10
   shown too).
   Targets: at most 2x the time, and each kernel's peak memory under 1 GB (ratio to 1 GB <= 1).
4. metrics engine: funnel and quota headline figures through Ibis on DuckDB against plain pandas
   at scale 50, same numbers. Target: at most 0.2 (5x faster).
5. anatomy of one report (funnel, one team, scale 1): kernel start, imports, queries, charts,
   other cell work, rendering, in a kernel started anew and in one forked from the run's fork
   server; printed with the cut that would matter most.
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

import psutil

from bench import anatomy, engine
from bench.scale import ANALYSES, TEAM, run_reports
from salesops import __version__, config
from salesops.data.demo import write_demo
from salesops.periods import Quarter

TEAMS = ("Enterprise East", "SMB")
QUARTER = "2026Q3"
BIN = Path(sys.executable).parent
RESULTS = Path(__file__).with_name("results.json")
SCALES = (1, 10, 50)
GB = 1024.0


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
    """The same 8 reports as the loop: without the all-teams roll-up, which the loop lacks."""
    command = [
        str(BIN / "salesops"),
        "run",
        "--quarter",
        QUARTER,
        "--source",
        str(source),
        "--out",
        str(out),
        "--no-rollup",
    ]
    for team in TEAMS:
        command += ["--team", team]
    for analysis in ANALYSES:
        command += ["--analysis", analysis]
    return [command + (["--force"] if force else [])]


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "processor": platform.processor() or platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "salesops": __version__,
    }


def _row(name: str, baseline: float, measured: float, target: float, unit: str = "s") -> dict:
    return {
        "benchmark": name,
        "baseline": baseline,
        "measured": measured,
        "unit": unit,
        "ratio": measured / baseline,
        "target": target,
    }


def scale_rows(work: Path) -> tuple[list[dict], list[dict]]:
    """Rows 3: time at scale 50 against 1, and the largest kernel's peak against 1 GB."""
    runs = []
    for scale in SCALES:
        source = work / f"scale{scale}.duckdb"
        write_demo(source, scale=scale)
        runs.append(run_reports(BIN / "salesops", source, work / f"scale{scale}", scale, QUARTER))
    first, last = runs[0], runs[-1]
    rows = [
        _row(
            f"data scale: {TEAM} x {len(ANALYSES)} reports, scale 50 vs 1",
            first.seconds,
            last.seconds,
            2.0,
        ),
        _row(
            "data scale: peak kernel memory at scale 50 vs 1 GB", GB, last.peak_kernel_mb, 1.0, "MB"
        ),
    ]
    return rows, [vars(run) for run in runs]


def _print(rows: list[dict]) -> None:
    print(f"{'benchmark':66} {'baseline':>10} {'measured':>10} {'ratio':>6} {'target':>7}")
    for row in rows:
        met = "met" if row["ratio"] <= row["target"] else "missed"
        unit = row["unit"]
        print(
            f"{row['benchmark']:66} {row['baseline']:9.1f}{unit:<1} {row['measured']:9.1f}{unit:<1}"
            f" {row['ratio']:6.3f} {'<=' + str(row['target']):>7} {met}"
        )


def main() -> int:
    quarter = Quarter.parse(QUARTER)
    with tempfile.TemporaryDirectory(prefix="salesops-bench-") as tmp:
        work = Path(tmp)
        source = work / "demo.duckdb"
        write_demo(source)
        loop_out, run_out = work / "loop", work / "reports"
        loop_out.mkdir()
        loop = _timed(shell_loop(source, loop_out))
        first = _timed(salesops_run(source, run_out, force=True))
        warm = _timed(salesops_run(source, run_out, force=False))
        scaled, scale_runs = scale_rows(work)
        versus = engine.compare(work / "scale50.duckdb", quarter, TEAM)
        where = anatomy.profile_report("funnel", source, QUARTER, TEAM)
        forked = anatomy.profile_report("funnel", source, QUARTER, TEAM, forked=True)
    rows = [
        _row(
            f"batch: salesops run vs papermill + nbconvert loop (2 teams x {len(ANALYSES)})",
            loop,
            first,
            0.25,
        ),
        _row("warm re-run vs first run", first, warm, 0.05),
        *scaled,
        _row(
            "metrics engine: Ibis/DuckDB vs pandas, funnel + quota, scale 50",
            versus["pandas_s"],
            versus["ibis_s"],
            0.2,
        ),
    ]
    _print(rows)
    print(
        "\nscale runs: "
        + "; ".join(
            f"scale {r['scale']}: {r['seconds']:.1f}s, peak kernel {r['peak_kernel_mb']:.0f} MB"
            for r in scale_runs
        )
    )
    print(
        f"\nwhere one report's time goes ({where['report']}, {where['total_s']:.1f}s;"
        f" forked: {forked['total_s']:.1f}s):"
    )
    for part, seconds in where["seconds"].items():
        share = 100 * seconds / where["total_s"]
        print(
            f"  {part:16} {seconds:6.2f}s {share:5.1f} %   forked {forked['seconds'][part]:6.2f}s"
        )
    print(f"  the cut that would matter: {where['largest']}: {where['cut']}")
    print(f"  in a forked kernel: {forked['largest']}: {forked['cut']}")
    RESULTS.write_text(
        json.dumps(
            {
                "machine": machine(),
                "results": rows,
                "scale_runs": scale_runs,
                "engine": versus,
                "anatomy": where,
                "anatomy_forked": forked,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"results: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
