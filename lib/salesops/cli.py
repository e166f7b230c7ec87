"""The ``salesops`` command: make the demo CRM, validate a source, render the quarterly reports.

Input errors (``SalesopsError``) print one message and exit 2; an unexpected failure prints one
line naming the log file that holds the full traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from salesops import __version__, config
from salesops.errors import ContractError, SalesopsError

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesops", description="Sales-operations reports per team and quarter."
    )
    parser.add_argument("--version", action="version", version=f"salesops {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="make the demo CRM (a DuckDB file)")
    demo.add_argument("--out", type=Path, default=config.DEFAULT_SOURCE, help="file to write")
    demo.add_argument("--seed", type=int, default=7, help="random seed (same seed, same data)")
    demo.add_argument("--scale", type=_positive_int, default=1, help="multiply teams and reps")

    validate = commands.add_parser("validate", help="check a source against the data contract")
    validate.add_argument("--source", default=None, help="DuckDB file, folder or URL")
    validate.add_argument("--preset", default=None, help="CRM export preset of a folder source")

    run = commands.add_parser("run", help="render reports (default: latest quarter, every team)")
    run.add_argument("--quarter", action="append", default=[], help="2026Q3 or latest; repeats")
    run.add_argument("--team", action="append", default=[], help="team name or all; repeats")
    run.add_argument("--analysis", action="append", default=[], help="notebook name; repeats")
    run.add_argument("--source", default=None, help="DuckDB file, folder or URL")
    run.add_argument("--preset", default=None, help="CRM export preset of a folder source")
    run.add_argument("--params", type=Path, default=None, help="quarterly run file (YAML)")
    run.add_argument("--out", type=Path, default=None, help="output folder (default reports/)")
    run.add_argument("--jobs", type=_positive_int, default=None, help="reports at once")
    run.add_argument("--force", action="store_true", help="re-render even when unchanged")
    run.add_argument(
        "--no-rollup", action="store_true", help="leave out the all-teams roll-up report"
    )
    return parser


def _demo(args: argparse.Namespace) -> int:
    from salesops.data.demo import write_demo

    started = datetime.now(UTC)
    counts = write_demo(args.out, seed=args.seed, scale=args.scale)
    seconds = (datetime.now(UTC) - started).total_seconds()
    rows = ", ".join(f"{table} {n:,}" for table, n in counts.items())
    size_mb = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size_mb:.1f} MB) in {seconds:.1f} s: {rows}")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from salesops.data.sources import open_crm

    settings = config.load_org_settings()
    crm = open_crm(settings.resolved_source(args.source), preset=args.preset or settings.preset)
    print(crm.summary())
    problems = crm.problems()
    if problems:
        print(ContractError(problems, source=crm.label), file=sys.stderr)
        return EXIT_BAD_INPUT
    print("The data meets the contract.")
    return EXIT_OK


def _run(args: argparse.Namespace) -> int:
    from salesops.report.run import RunRequest, run_reports

    request = RunRequest(
        quarters=args.quarter,
        teams=args.team,
        analyses=args.analysis,
        source=args.source,
        preset=args.preset,
        params_file=args.params,
        out_dir=args.out,
        jobs=args.jobs,
        force=args.force,
        rollup=not args.no_rollup,
    )
    return run_reports(request).exit_code


_COMMANDS = {"demo": _demo, "validate": _validate, "run": _run}


def _log_path() -> Path:
    return config.REPORTS_DIR / "salesops.log"


def _log_traceback() -> Path | None:
    """Append the current exception's traceback to the log; None when the log cannot be written."""
    path = _log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now(UTC).isoformat()} salesops {' '.join(sys.argv[1:])}\n")
            log.write(traceback.format_exc())
    except OSError:
        return None
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``salesops`` command; returns the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except SalesopsError as exc:
        _log_traceback()
        print(f"salesops {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"salesops {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one line, the traceback goes to the log
        log = _log_traceback()
        where = f" (full traceback in {log})" if log else ""
        print(f"salesops {args.command}: unexpected error: {exc}{where}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
