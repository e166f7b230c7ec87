"""The ``salesops`` command: make the demo CRM, validate a source, render the quarterly reports.

Input errors (``SalesopsError``) print one message and exit 2; an unexpected failure prints one
line and exits 1. Either way the message names the log file that holds the full traceback:
``salesops.log`` in the run's output folder (``--out``), else in ``reports/``. Secrets in a source
URL are redacted from the terminal and the log alike.
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
from salesops.errors import SalesopsError

LOG_NAME = "salesops.log"

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
    run.add_argument(
        "--org-params", type=Path, default=None, help="org settings file (default params/org.yaml)"
    )
    run.add_argument("--out", type=Path, default=None, help="output folder (default reports/)")
    run.add_argument("--jobs", type=_positive_int, default=None, help="reports at once")
    run.add_argument("--force", action="store_true", help="re-render even when unchanged")
    run.add_argument(
        "--no-rollup", action="store_true", help="leave out the all-teams roll-up report"
    )
    run.add_argument(
        "--no-fork",
        action="store_true",
        help="start every kernel from scratch, not forked from one with the libraries imported",
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
    from salesops.report.plan import open_checked

    settings = config.load_org_settings()
    source = settings.resolved_source(args.source)
    open_checked(source, args.preset or settings.preset or None, describe_to=sys.stdout)
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
        org_params_file=args.org_params,
        out_dir=args.out,
        jobs=args.jobs,
        force=args.force,
        rollup=not args.no_rollup,
        fork_kernels=not args.no_fork,
    )
    return run_reports(request).exit_code


_COMMANDS = {"demo": _demo, "validate": _validate, "run": _run}


def _log_folders(args: argparse.Namespace) -> list[Path]:
    """Where the log may go: the run's output folder first, then ``reports/``."""
    out = getattr(args, "out", None) if args.command == "run" else None
    return [folder for folder in (out, config.REPORTS_DIR) if folder is not None]


def _log_traceback(folders: Sequence[Path], message: str) -> Path | None:
    """Append the message and the current traceback, redacted, to the first log that can be
    written; None when none can."""
    from salesops.data.locations import redact

    command = " ".join(redact(arg) for arg in sys.argv[1:])
    entry = f"--- {datetime.now(UTC).isoformat()} salesops {command}\n{message}\n"
    entry += redact(traceback.format_exc())
    for folder in folders:
        path = folder / LOG_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as log:
                log.write(entry)
        except OSError:
            continue
        return path.resolve()
    return None


def _message(exc: BaseException) -> str:
    """The error's first paragraph, secrets redacted: a backend's long report stays in the log."""
    from salesops.data.locations import redact

    text = redact(str(exc)).strip().split("\n\n", 1)[0]
    return text or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``salesops`` command; returns the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print(f"salesops {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one message, the traceback to the log
        bad_input = isinstance(exc, SalesopsError)
        message = _message(exc) if bad_input else f"unexpected error: {_message(exc)}"
        log = _log_traceback(_log_folders(args), message)
        where = f"\n(full traceback in {log})" if log else ""
        print(f"salesops {args.command}: {message}{where}", file=sys.stderr)
        return EXIT_BAD_INPUT if bad_input else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
