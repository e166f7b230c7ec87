"""The packs of a run: reuse each pack whose parts did not change, print those the run asks
for, several at once, and keep the previous pack whole when a print fails.

A pack is written atomically beside its team's reports. A failed print never fails a report: it
is a warning in the progress output and a ``failed`` entry in the manifest, which keeps the
previous pack's entry. A pack whose parts changed and that the run does not print is out of
date: it leaves the manifest and the index, with a note.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from salesops.report.pack.chromium import Printer, PrintError
from salesops.report.pack.parts import PackPlan
from salesops.report.run.files import atomic_write_bytes
from salesops.report.run.manifest import PackRecord, PreviousManifest
from salesops.report.run.progress import Progress


@dataclass(frozen=True)
class PackSettings:
    """What every pack of a run shares: the code fingerprint and the reader's locale (both part
    of each pack's key), the data's date and the run's time."""

    code: str
    locale: str
    data_as_of: str
    printed_at: str


class PackPublisher:
    """Publishes the packs of a run; ``interrupted`` is set when Ctrl-C or SIGTERM stopped the
    prints (a pack not printed keeps its previous one)."""

    def __init__(
        self,
        settings: PackSettings,
        previous: Mapping[str, PreviousManifest],
        progress: Progress,
        printer: Printer | None,
        workers: int,
    ) -> None:
        self.settings = settings
        self.previous = previous
        self.progress = progress
        self.printer = printer
        self.workers = workers
        self.interrupted = False

    def publish(self, plans: list[PackPlan], to_print: Collection[PackPlan]) -> list[PackRecord]:
        """The record of each published pack of ``plans``, in their order: the previous one
        when its parts did not change, else a new print for those in ``to_print``."""
        done: dict[PackPlan, PackRecord] = {}
        pending: list[tuple[PackPlan, str, PackRecord | None]] = []
        for plan in plans:
            try:
                key = plan.key(
                    code=self.settings.code,
                    locale=self.settings.locale,
                    data_as_of=self.settings.data_as_of,
                )
            except OSError as exc:  # a page gone since the run checked it: no pack
                self.progress.note(f"warning: no pack of {plan.quarter} / {plan.team}: {exc}")
                continue
            last = self.previous[plan.quarter].last_pack(plan.team)
            if last is not None and last.parts_key == key:
                done[plan] = replace(last, reused=True)
            elif self.printer is not None and plan in to_print:
                pending.append((plan, key, last))
            elif last is not None:
                self.progress.note(
                    f"note: the pack of {plan.quarter} / {plan.team} is out of date (its reports "
                    "changed): salesops run --pdf prints it again"
                )
        if pending:
            self._print_all(pending, done)
        return [done[plan] for plan in plans if plan in done]

    def _print_all(
        self,
        pending: list[tuple[PackPlan, str, PackRecord | None]],
        done: dict[PackPlan, PackRecord],
    ) -> None:
        """Print ``pending`` on a thread pool into ``done``; on an interruption, kill the prints
        running and let each pack not printed keep its previous one."""
        assert self.printer is not None
        pool = ThreadPoolExecutor(max_workers=min(self.workers, len(pending)))
        futures: dict[Future[PackRecord], tuple[PackPlan, PackRecord | None]] = {}
        try:
            for plan, key, last in pending:
                futures[pool.submit(self._print_one, plan, key, last)] = (plan, last)
            for future in as_completed(futures):
                done[futures[future][0]] = future.result()
        except KeyboardInterrupt:
            self.interrupted = True
            self.progress.note("interrupted: stopping the packs being printed")
            self.printer.stop_all()
            pool.shutdown(wait=True, cancel_futures=True)
            for future, (plan, last) in futures.items():
                if plan not in done:
                    ended = not future.cancelled() and future.exception() is None
                    done[plan] = future.result() if ended else _failed(plan, last, "stopped", 0)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _print_one(self, plan: PackPlan, key: str, last: PackRecord | None) -> PackRecord:
        """Print and write ``plan``'s pack; a failure is a record, never an exception."""
        # bs4 and pypdf load only to print: a run that reuses every pack does without them
        from salesops.report.pack.document import PackDocument
        from salesops.report.pack.printing import print_pack

        assert self.printer is not None
        clock = time.monotonic()
        label = f"{plan.quarter} / {plan.team}"
        try:
            document = PackDocument(
                plan.parts,
                team=plan.team,
                quarter=plan.quarter,
                data_as_of=self.settings.data_as_of,
                printed_at=self.settings.printed_at,
            )
            printed = print_pack(self.printer, document)
            atomic_write_bytes(plan.path, printed.pdf)
        except Exception as exc:  # keep going when one pack fails
            error = _reason(exc)
            kept = "the previous pack is kept" if last else "there is no previous pack"
            self.progress.note(f"warning: the pack of {label} was not printed ({error}); {kept}")
            return _failed(plan, last, error, time.monotonic() - clock)
        seconds = time.monotonic() - clock
        self.progress.note(f"pack {label}: {printed.pages} pages in {seconds:.1f} s: {plan.path}")
        return _record(
            plan,
            status="ok",
            pages=printed.pages,
            bytes=len(printed.pdf),
            parts=[plan.relative(part.page) for part in plan.parts],
            parts_key=key,
            duration_s=round(seconds, 2),
            printed=datetime.now(UTC).isoformat(timespec="seconds"),
        )


def _reason(exc: Exception) -> str:
    """Why a print failed, in one line."""
    if isinstance(exc, PrintError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"{exc.filename or 'the pack'}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _failed(plan: PackPlan, last: PackRecord | None, error: str, seconds: float) -> PackRecord:
    """The record of a pack not printed, which keeps ``last``, the previous one, if any."""
    return _record(
        plan,
        status="failed",
        error=error,
        duration_s=round(seconds, 2),
        kept=last.to_dict() if last else None,
    )


def _record(plan: PackPlan, **fields: Any) -> PackRecord:
    return PackRecord(
        quarter=plan.quarter,
        team=plan.team,
        team_slug=plan.team_slug,
        path=plan.relative(plan.path),
        **fields,
    )
