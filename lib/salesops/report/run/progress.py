"""Progress of a run, one line per event, and the closing summary table."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import TextIO

from salesops.report.run.grid import Job
from salesops.report.run.manifest import PackRecord, RunRecord


def _printable(text: str) -> str:
    """``text`` safe for one terminal line: control characters become ``?``."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _label(quarter: str, team: str, analysis: str) -> str:
    return _printable(f"{quarter} / {team} / {analysis}")


def _seconds(record: RunRecord) -> str:
    """What a report took in this run: "reused" took none, "-" never started."""
    if record.reused:
        return "reused"
    return "-" if record.status == "not_started" else f"{record.duration_s:.1f}"


class Progress:
    """Writes ``[  12.3s] finished 2026Q3 / West / funnel in 8.1 s (done 3/8, running 2, ...)``.

    Safe to call from the worker threads.
    """

    def __init__(self, stream: TextIO, total: int) -> None:
        self._stream = stream
        self._total = total
        self._lock = threading.Lock()
        self._started_at = time.monotonic()
        self.done = 0
        self.running = 0
        self.failed = 0

    def _emit(self, text: str) -> None:
        elapsed = time.monotonic() - self._started_at
        counts = f"done {self.done}/{self._total}, running {self.running}, failed {self.failed}"
        self._stream.write(f"[{elapsed:7.1f}s] {text} ({counts})\n")
        self._stream.flush()

    def note(self, text: str) -> None:
        """A line that is not about one report."""
        with self._lock:
            self._stream.write(f"{_printable(text)}\n")
            self._stream.flush()

    def started(self, job: Job) -> None:
        with self._lock:
            self.running += 1
            self._emit(f"started  {_label(job.quarter, job.team, job.analysis)}")

    def reused(self, record: RunRecord) -> None:
        with self._lock:
            self.done += 1
            label = _label(record.quarter, record.team, record.analysis)
            self._emit(f"reused   {label} (unchanged since {record.finished})")

    def finished(self, record: RunRecord) -> None:
        """A report that ran: ok, failed, or stopped by an interruption."""
        with self._lock:
            self.running -= 1
            label = _label(record.quarter, record.team, record.analysis)
            if record.status == "ok":
                self.done += 1
                self._emit(f"finished {label} in {record.duration_s:.1f} s")
            elif record.status == "failed":
                self.done += 1
                self.failed += 1
                message = (record.error or {}).get("message", "")
                message = _printable(message.splitlines()[0] if message else "")
                self._emit(f"failed   {label} after {record.duration_s:.1f} s: {message}")
            else:
                self._emit(f"stopped  {label}")

    def summary(
        self,
        records: Iterable[RunRecord],
        exit_code: int,
        reason: str,
        packs: Iterable[PackRecord] = (),
    ) -> None:
        """The table of every report (team, analysis, status, seconds; see ``_seconds``), the
        table of the PDF packs, if any, with their pages, and the exit code."""
        rows = [
            (
                _printable(r.quarter),
                _printable(r.team),
                _printable(r.analysis),
                r.status + (f" ({r.error['kind']})" if r.status == "failed" and r.error else ""),
                _seconds(r),
            )
            for r in records
        ]
        lines = _table(("quarter", "team", "analysis", "status", "seconds"), rows)
        pack_rows = [
            (
                _printable(p.quarter),
                _printable(p.team),
                p.status if p.status == "ok" or p.kept is None else f"{p.status} (previous kept)",
                str(p.pages) if p.status == "ok" else "-",
                "reused" if p.reused else f"{p.duration_s:.1f}",
            )
            for p in packs
        ]
        if pack_rows:
            lines += ["", *_table(("quarter", "team", "pdf pack", "pages", "seconds"), pack_rows)]
        with self._lock:
            self._stream.write("\n" + "\n".join(lines) + "\n")
            self._stream.write(f"exit code {exit_code}: {reason}\n")
            self._stream.flush()


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """``rows`` under ``header`` in columns, the last one aligned right."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(
            cell.rjust(width) if i == len(header) - 1 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in [header, *rows]
    ]
