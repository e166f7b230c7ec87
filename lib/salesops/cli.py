"""The ``salesops`` command: make the demo CRM, validate a source, render the quarterly reports,
email the packs.

Input errors (``SalesopsError``) print one message and exit ``BAD_INPUT`` (2): a message, not a
crash, so the log gets the message and no traceback. An unexpected failure prints one line, exits
``FAILED`` (1), and names the log that holds its full traceback. The log is ``salesops.log`` in
the run's output folder (``--out``), else in ``reports/``. Secrets in a source URL are redacted
from the terminal and the log alike. Every path on the command line is made absolute against the
folder the command started in, as it is parsed: the reports' kernels run in folders of their own.
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from salesops import __version__, config
from salesops.data.locations import absolute, redact
from salesops.errors import ParamsError, SalesopsError
from salesops.i18n import parse_locale
from salesops.vocabulary import ExitCode

LOG_NAME = "salesops.log"


def _whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (no upper bound when None)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected a number of at least {low}, got {value}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"expected a number of at most {high}, got {value}")
        return value

    return parse


def _path(text: str) -> Path:
    """An argparse type: a path made absolute; an empty one would silently mean this folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a path, got {text!r}")
    return Path(absolute(text))


def _preset(text: str) -> str:
    """A preset name as given, or a mapping file (``.yaml``/``.yml``, as the presets tell them
    apart) made absolute."""
    return absolute(text) if text.lower().endswith((".yaml", ".yml")) else text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="salesops", description="Sales-operations reports per team and quarter."
    )
    parser.add_argument("--version", action="version", version=f"salesops {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="make the demo CRM (a DuckDB file)")
    demo.add_argument("--out", type=_path, default=config.DEFAULT_SOURCE, help="file to write")
    demo.add_argument(
        "--seed", type=_whole_number(0), default=7, help="random seed (same seed, same data)"
    )
    demo.add_argument("--scale", type=_whole_number(1), default=1, help="multiply teams and reps")
    demo.add_argument("--force", action="store_true", help="replace a file that is not a demo")

    validate = commands.add_parser("validate", help="check a source against the data contract")
    validate.add_argument(
        "--source", type=absolute, default=None, help="DuckDB file, folder or URL"
    )
    validate.add_argument(
        "--preset", type=_preset, default=None, help="CRM export preset or mapping file"
    )

    run = commands.add_parser("run", help="render reports (default: latest quarter, every team)")
    run.add_argument("--quarter", action="append", default=[], help="2026Q3 or latest; repeats")
    run.add_argument("--team", action="append", default=[], help="team name or all; repeats")
    run.add_argument("--analysis", action="append", default=[], help="notebook name; repeats")
    run.add_argument("--source", type=absolute, default=None, help="DuckDB file, folder or URL")
    run.add_argument(
        "--preset", type=_preset, default=None, help="CRM export preset or mapping file"
    )
    run.add_argument("--params", type=_path, default=None, help="quarterly run file (YAML)")
    run.add_argument(
        "--org-params", type=_path, default=None, help="org settings file (default params/org.yaml)"
    )
    run.add_argument("--out", type=_path, default=None, help="output folder (default reports/)")
    run.add_argument(
        "--jobs", type=_whole_number(1, config.MAX_JOBS), default=None, help="reports at once"
    )
    run.add_argument(
        "--locale", type=_locale, default=None, help="language and number format, e.g. fr_FR"
    )
    run.add_argument("--force", action="store_true", help="re-render even when unchanged")
    run.add_argument("--pdf", action="store_true", help="also print each team's PDF pack")
    run.add_argument(
        "--no-rollup", action="store_true", help="leave out the all-teams roll-up report"
    )
    run.add_argument(
        "--no-fork",
        action="store_true",
        help="start every kernel from scratch, not forked from one with the libraries imported",
    )

    send = commands.add_parser("send", help="email each team's PDF pack of a quarter")
    send.add_argument(
        "--quarter", default="latest", help="2026Q3 or latest (the reports folder's newest)"
    )
    send.add_argument(
        "--team", action="append", default=[], help="team name, or all for leadership; repeats"
    )
    send.add_argument("--out", type=_path, default=None, help="reports folder (default reports/)")
    send.add_argument(
        "--delivery", type=_path, default=None, help="recipients (default params/delivery.yaml)"
    )
    send.add_argument(
        "--org-params", type=_path, default=None, help="org settings file (default params/org.yaml)"
    )
    send.add_argument("--dry-run", action="store_true", help="say what would go to whom; send none")
    send.add_argument("--force", action="store_true", help="send again to whom it was sent")

    new = commands.add_parser(
        "new-analysis", help="write a notebook and its report class that run as they are"
    )
    new.add_argument("name", metavar="NAME", help="the analysis, a module name such as win_loss")
    new.add_argument("--force", action="store_true", help="replace an existing notebook or module")
    return parser


def _locale(value: str) -> str:
    try:
        return str(parse_locale(value))
    except ParamsError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _is_demo(path: Path) -> bool:
    """Whether ``path`` is a DuckDB file that ``salesops demo`` wrote (it holds the marker)."""
    import duckdb

    from salesops.data.demo import DEMO_MARKER

    query = "SELECT count(*) FROM information_schema.tables WHERE table_name = ?"
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            found = con.execute(query, [DEMO_MARKER]).fetchone()
    except duckdb.Error:  # not a DuckDB file, or one another process is writing
        return False
    return bool(found and found[0])


def _demo(args: argparse.Namespace) -> ExitCode:
    from salesops.data.demo import write_demo

    if args.out.is_dir():
        raise ParamsError(
            f"{args.out} is a folder: name the demo file, e.g. --out {args.out / 'demo.duckdb'}"
        )
    if args.out.exists() and not args.force and not _is_demo(args.out):
        raise ParamsError(
            f"{args.out} is not a demo CRM made by salesops: give --force to replace it"
        )
    started = datetime.now(UTC)
    try:
        counts = write_demo(args.out, seed=args.seed, scale=args.scale)
    except OSError as exc:
        raise ParamsError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    seconds = (datetime.now(UTC) - started).total_seconds()
    rows = ", ".join(f"{table} {n:,}" for table, n in counts.items())
    size_mb = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size_mb:.1f} MB) in {seconds:.1f} s: {rows}")
    return ExitCode.OK


def _validate(args: argparse.Namespace) -> ExitCode:
    from salesops.report.run.plan import open_checked

    settings = config.load_org_settings()
    source = settings.resolved_source(args.source)
    open_checked(source, args.preset or settings.preset or None, describe_to=sys.stdout)
    print("The data meets the contract.")
    return ExitCode.OK


def _run(args: argparse.Namespace) -> ExitCode:
    from salesops.report.run.plan import RunRequest
    from salesops.report.run.runner import run_reports

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
        locale=args.locale,
        force=args.force,
        pdf=args.pdf,
        rollup=not args.no_rollup,
        fork_kernels=not args.no_fork,
    )
    return run_reports(request).exit_code


def _send(args: argparse.Namespace) -> ExitCode:
    from salesops.delivery.send import SendRequest, send_packs

    request = SendRequest(
        quarter=args.quarter,
        teams=args.team,
        out_dir=args.out,
        delivery_file=args.delivery,
        org_params_file=args.org_params,
        dry_run=args.dry_run,
        force=args.force,
    )
    return send_packs(request)


def _new_analysis(args: argparse.Namespace) -> ExitCode:
    from salesops.scaffold import new_analysis

    made = new_analysis(args.name, force=args.force)
    print(f"wrote {made.notebook}\nwrote {made.module}")
    print(
        f"Next: tell the story in the notebook's markdown, put the figures and sections in the "
        f"module, then\n  salesops run --analysis {args.name} --team TEAM\n"
        "(docs/extending.md says what an analysis must declare and show)"
    )
    return ExitCode.OK


_COMMANDS = {
    "demo": _demo,
    "validate": _validate,
    "run": _run,
    "send": _send,
    "new-analysis": _new_analysis,
}


def _log_folders(args: argparse.Namespace) -> list[Path]:
    """Where the log may go: the reports folder of ``run`` or ``send`` first, then ``reports/``."""
    out = getattr(args, "out", None) if args.command in ("run", "send") else None
    return [folder for folder in (out, config.REPORTS_DIR) if folder is not None]


def _log(folders: Sequence[Path], message: str, *, with_traceback: bool) -> Path | None:
    """Append the command, the message and (``with_traceback``) the current traceback, redacted,
    to the first log that can be written; None when none can."""
    command = " ".join(redact(arg) for arg in sys.argv[1:])
    entry = f"--- {datetime.now(UTC).isoformat()} salesops {command}\n{redact(message)}\n"
    if with_traceback:
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
    text = redact(str(exc)).strip().split("\n\n", 1)[0]
    return text or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> ExitCode:
    """Entry point of the ``salesops`` command; returns the exit code."""
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print(f"salesops {args.command}: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except SalesopsError as exc:  # bad input is a message, not a crash: no traceback anywhere
        _log(_log_folders(args), str(exc), with_traceback=False)  # whole, past its first paragraph
        print(f"salesops {args.command}: {_message(exc)}", file=sys.stderr)
        return ExitCode.BAD_INPUT
    except Exception as exc:  # the last line of defence: one message, the traceback to the log
        message = f"unexpected error: {_message(exc)}"
        log = _log(_log_folders(args), message, with_traceback=True)
        where = f"\n(full traceback in {log})" if log else ""
        print(f"salesops {args.command}: {message}{where}", file=sys.stderr)
        return ExitCode.FAILED


if __name__ == "__main__":
    sys.exit(main())
