"""``salesops run``: check the grid, run the reports several at once, write index and manifest.

Everything is checked before the first kernel starts (``salesops.report.run.plan``); bad input
raises a SalesopsError. Meanwhile the fork server (``salesops.report.kernels.forkserver``) imports
what the reports
need, so that each report's kernel starts as a fork of it. Reports then run on a thread pool: each
thread only waits on its own kernel process, so threads cost nothing, share the progress stream and
let the main thread kill every kernel when the run is interrupted. An interrupted run (Ctrl-C,
SIGTERM) still writes its index and manifests, telling the reports that finished, the ones it
stopped (``interrupted``) and the ones still queued (``not_started``) apart, then raises
KeyboardInterrupt. A write that fails (a full disk, a folder turned read-only) fails its report, or
the run when it is the index or manifest, and leaves the previous file whole. Once the reports
are done, ``--pdf`` prints each team's PDF pack (``salesops.report.pack``) before the index,
which links the packs, and the manifests, which record them.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from salesops import config
from salesops.errors import SalesopsError
from salesops.i18n import N_, use_locale
from salesops.report.kernels.forkserver import fork_server
from salesops.report.kernels.running import RunningKernels, kernel_environment
from salesops.report.pack.chromium import Printer
from salesops.report.pack.packs import PackPublisher, PackSettings
from salesops.report.pack.parts import plan_packs
from salesops.report.pages.index import IndexEntry, render_index
from salesops.report.pages.layout import PageContext
from salesops.report.run import grid
from salesops.report.run.files import ReportFiles, atomic_write_text, read_json_object
from salesops.report.run.grid import Job, ReportKey
from salesops.report.run.manifest import (
    MANIFEST_NAME,
    STOPPED,
    PackRecord,
    PreviousManifest,
    RunRecord,
    cache_key,
    software_versions,
    write_manifest,
)
from salesops.report.run.plan import RunPlan, RunRequest, current_fingerprint, plan_run
from salesops.report.run.progress import Progress
from salesops.vocabulary import ExitCode, FailureKind


@dataclass
class RunSummary:
    """How the run went: one record per report, the exit code (``OK``, or ``FAILED`` when some
    report failed; an interrupted run raises KeyboardInterrupt instead) and why."""

    records: list[RunRecord]
    exit_code: ExitCode
    reason: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM stops the run the way Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _papermill_quiet() -> Iterator[None]:
    """papermill logs each timeout and dead kernel; the run reports them in its own words."""
    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


class _Runner:
    """Executes a plan: reuse what is unchanged, run the rest, write index and manifests."""

    def __init__(
        self, plan: RunPlan, request: RunRequest, kernels: RunningKernels, env: dict[str, str]
    ) -> None:
        self.plan = plan
        self.force = request.force
        self.kernels = kernels
        self.interrupted = False
        self.env = env
        self.generated_at = _now()
        self.progress = Progress(request.progress or sys.stderr, total=len(plan.jobs))
        self.versions = software_versions(config.ROOT)
        self.code = plan.code
        self.fingerprint = plan.source.fingerprint
        self.fingerprint_after: str | None = None  # set when the data changed during the run
        self.as_of = plan.source.as_of.isoformat()
        self.previous = {
            q.label: PreviousManifest(grid.contained_path(plan.out_dir, q.label, MANIFEST_NAME))
            for q in plan.quarters
        }
        self.earlier = self._earlier_records()
        self.context = PageContext(
            generated_at=self.generated_at,
            data_as_of=self.as_of,
            provenance=self._provenance(),
        )
        self.packs = PackPublisher(
            PackSettings(self.code, plan.settings.locale, self.as_of, self.generated_at),
            self.previous,
            self.progress,
            Printer(plan.chromium) if plan.chromium else None,
            plan.workers,
        )

    def _earlier_records(self) -> list[RunRecord]:
        """Reports of earlier runs outside this grid whose files are still there: a run for one
        team keeps the other teams in the quarter's index and manifest."""
        in_grid = {job.key for job in self.plan.jobs}
        return [
            record
            for label, manifest in self.previous.items()
            for record in manifest.intact_records()
            if record.quarter == label and record.key not in in_grid
        ]

    def _provenance(self) -> dict[str, str]:
        rows = {  # labels in English: the page translates them
            N_("Data source"): self.plan.source.label,
            N_("Data fingerprint"): self.fingerprint,
            N_("Data as of"): self.as_of,
            "salesops": self.versions["salesops"] or "",
            N_("Git revision"): self.versions["git_revision"] or "none",
            "papermill": self.versions["papermill"] or "",
            "nbconvert": self.versions["nbconvert"] or "",
        }
        return {key: str(value) for key, value in rows.items()}

    def _manifest_parameters(self, job: Job) -> dict[str, Any]:
        """The job's parameters with the source as its redacted label (never a password)."""
        return {**job.parameters, "source": self.plan.source.label}

    def _record(self, job: Job, key: str, **fields: Any) -> RunRecord:
        files = ReportFiles.of(self.plan.out_dir, job)
        return RunRecord(
            quarter=job.quarter,
            team=job.team,
            team_slug=job.team_slug,
            analysis=job.analysis,
            parameters=self._manifest_parameters(job),
            cache_key=key,
            files=files.relative_to(grid.contained_path(self.plan.out_dir, job.quarter)),
            **fields,
        )

    def reusable(self, job: Job, key: str) -> RunRecord | None:
        """The previous successful record of ``job`` when nothing it depends on has changed."""
        if self.force:
            return None
        files = ReportFiles.of(self.plan.out_dir, job)
        previous = self.previous[job.quarter].reusable(job.key, key, files)
        if previous is None:
            return None
        return self._record(
            job,
            key,
            title=previous.get("title", ""),
            status="ok",
            duration_s=previous.get("duration_s", 0.0),
            started=previous.get("started"),
            finished=previous.get("finished"),
            reused=True,
        )

    def run_one(self, job: Job, key: str) -> RunRecord:
        """Execute and write one report; every failure is recorded, none escapes."""
        # papermill and nbconvert take a second to import: a run that reuses every report skips it
        import nbformat

        from salesops.report.outcome import Failure, Outcome
        from salesops.report.run.execute import execute_job
        from salesops.report.run.outputs import hide_source, report_title, write_report

        if self.kernels.stopping.is_set():
            return self.not_started(job, key)
        started, clock = _now(), time.monotonic()
        self.progress.started(job)
        try:
            outcome = execute_job(
                job, cell_timeout=self.plan.cell_timeout, env=self.env, kernels=self.kernels
            )
        except Exception as exc:  # e.g. the notebook vanished mid-run: this report fails alone
            outcome = Outcome(
                nb=nbformat.v4.new_notebook(),
                failure=Failure(
                    FailureKind.ERROR,
                    section=N_("Running the notebook"),
                    ename=type(exc).__name__,
                    evalue=str(exc),
                ),
            )
        failure = outcome.failure
        interrupted = failure is not None and failure.kind == FailureKind.INTERRUPTED
        if not interrupted:
            hide_source(outcome.nb, job.parameters["source"], self.plan.source.label)
            files = ReportFiles.of(self.plan.out_dir, job)
            try:
                outcome = write_report(files, job, outcome, self.context)
            except OSError as exc:
                write_failed = Failure(
                    FailureKind.WRITE_FAILED,
                    section=N_("Writing the report"),
                    ename=type(exc).__name__,
                    evalue=f"could not write {files.folder}: {exc.strerror or exc}",
                )
                outcome = outcome.failed(write_failed)
            except Exception as exc:  # keep going when one report fails
                error = Failure(
                    FailureKind.ERROR,
                    section=N_("Writing the report"),
                    ename=type(exc).__name__,
                    evalue=str(exc),
                )
                outcome = outcome.failed(error)
        record = self._record(
            job,
            key,
            title=report_title(job, outcome),
            status="interrupted" if interrupted else outcome.status,
            duration_s=round(time.monotonic() - clock, 2),
            started=started,
            finished=_now(),
            error=outcome.failure.record() if outcome.failure else None,
        )
        if interrupted:
            record.kept = self.previous[job.quarter].last_success(record.key)
        self.progress.finished(record)
        return record

    def not_started(self, job: Job, key: str) -> RunRecord:
        """The record of a report the interruption kept from starting."""
        record = self._record(job, key, title="", status="not_started")
        record.kept = self.previous[job.quarter].last_success(record.key)
        return record

    def execute(self) -> list[RunRecord]:
        """Every job's record, in grid order; ``interrupted`` is set when the run was stopped."""
        keyed = [
            (
                job,
                cache_key(
                    job.notebook,
                    self.code,
                    job.parameters,
                    self.fingerprint,
                    settings=self.plan.settings.model_dump(mode="json"),
                ),
            )
            for job in self.plan.jobs
        ]
        done: dict[ReportKey, RunRecord] = {}
        pending: list[tuple[Job, str]] = []
        for job, key in keyed:
            reused = self.reusable(job, key)
            if reused:
                done[reused.key] = reused
                self.progress.reused(reused)
            else:
                pending.append((job, key))
        if pending:
            self._run_pool(pending, done, keyed)
        return self._in_order(done, keyed)

    def _run_pool(
        self,
        pending: list[tuple[Job, str]],
        done: dict[ReportKey, RunRecord],
        keyed: list[tuple[Job, str]],
    ) -> None:
        """Run ``pending`` on the thread pool into ``done``; on an interruption, stop the kernels,
        drop the queue and gather the reports that were running."""
        pool = ThreadPoolExecutor(max_workers=self.plan.workers, thread_name_prefix="report")
        futures: list[Future[RunRecord]] = []
        try:
            for job, key in pending:  # one by one: an interruption meanwhile knows each future
                futures.append(pool.submit(self.run_one, job, key))
            for future in as_completed(futures):
                record = future.result()
                done[record.key] = record
        except KeyboardInterrupt:
            self.interrupted = True
            self.progress.note("interrupted: stopping the kernels in flight")
            self.kernels.stop_all()
            pool.shutdown(wait=False, cancel_futures=True)
            # a future cancelled in the queue never completes (wait() on it would never return):
            # wait only for those a worker took, which end once their kernels are killed
            taken = [future for future in futures if not future.cancelled()]
            wait(taken)
            for future in taken:
                if future.exception() is None:
                    record = future.result()
                    done[record.key] = record
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def recheck_data(self, records: list[RunRecord]) -> None:
        """Take the data's fingerprint again once reports ran. If the data changed meanwhile,
        those reports may hold numbers of either version: say so, and clear their cache keys so
        that no later run reuses them, even once the data is as it was."""
        ran = [r for r in records if not r.reused and r.status not in STOPPED]
        if not ran:
            return
        try:
            after = current_fingerprint(self.plan.location, self.plan.preset)
        except (SalesopsError, OSError) as exc:
            after = f"unreadable: {exc}"
        if after == self.fingerprint:
            return
        self.fingerprint_after = after
        for record in ran:
            record.cache_key = ""
        self.progress.note(
            f"warning: the data changed while the reports ran (fingerprint {self.fingerprint} "
            f"at the start, {after} at the end): the {len(ran)} reports that ran may mix both "
            "and will be rendered again by the next run"
        )

    def _in_order(
        self, done: dict[ReportKey, RunRecord], keyed: list[tuple[Job, str]]
    ) -> list[RunRecord]:
        """Records in grid order; a job with none was kept from starting by an interruption."""
        return [done.get(job.key) or self.not_started(job, key) for job, key in keyed]

    def publish_packs(self, records: list[RunRecord]) -> list[PackRecord]:
        """Each team's pack: printed for the teams of this run when it prints packs and was not
        interrupted, else kept when its reports did not change (see ``PackPublisher``)."""
        published = _published([*records, *self.earlier])
        plans = [
            plan
            for quarter in self.plan.quarters
            for plan in plan_packs(
                grid.contained_path(self.plan.out_dir, quarter.label),
                quarter.label,
                [record for record in published if record.quarter == quarter.label],
            )
        ]
        in_run = {(job.quarter, job.team) for job in self.plan.jobs}
        to_print = [] if self.interrupted else [p for p in plans if (p.quarter, p.team) in in_run]
        packs = self.packs.publish(plans, to_print)
        self.interrupted = self.interrupted or self.packs.interrupted
        return packs

    def write_manifests(
        self,
        records: list[RunRecord],
        packs: list[PackRecord],
        *,
        status: str,
        exit_code: ExitCode | None,
    ) -> None:
        for quarter in self.plan.quarters:
            write_manifest(
                grid.contained_path(self.plan.out_dir, quarter.label, MANIFEST_NAME),
                quarter=quarter.label,
                status=status,
                exit_code=exit_code,
                generated_at=self.generated_at,
                versions=self.versions,
                data=self._data_record(),
                code=self.code,
                records=[r for r in [*records, *self.earlier] if r.quarter == quarter.label],
                skipped=self.plan.skipped,
                packs=[pack for pack in packs if pack.quarter == quarter.label],
            )

    def _data_record(self) -> dict[str, Any]:
        """The manifest's ``data``: the source's facts, and ``fingerprint_after`` when the data
        changed during the run."""
        data = self.plan.source.to_manifest()
        if self.fingerprint_after is not None:
            data["fingerprint_after"] = self.fingerprint_after
        return data

    def write_indexes(self, records: list[RunRecord], packs: list[PackRecord]) -> list[Path]:
        """``<out>/<quarter>/index.html`` for each quarter, linking every team x analysis and
        each team's PDF pack."""
        pages = []
        for quarter in self.plan.quarters:
            folder = grid.contained_path(self.plan.out_dir, quarter.label)
            previous = quarter.previous()
            has_previous = grid.contained_path(self.plan.out_dir, previous.label, "index.html")
            entries = [
                self._index_entry(record, folder)
                for record in _published([*records, *self.earlier])
                if record.quarter == quarter.label
            ]
            page = render_index(
                quarter.label,
                entries,
                f"../{previous.label}/index.html" if has_previous.is_file() else None,
                self.generated_at,
                data_as_of=self.as_of,
                provenance=self.context.provenance,
                packs={
                    pack.team: shown.path
                    for pack in packs
                    if pack.quarter == quarter.label and (shown := pack.shown())
                },
            )
            path = folder / "index.html"
            atomic_write_text(path, page)
            pages.append(path)
        return pages

    @staticmethod
    def _index_entry(record: RunRecord, folder: Path) -> IndexEntry:
        headline = read_json_object(folder / record.files["headline"])
        return IndexEntry(
            team=record.team,
            team_slug=record.team_slug,
            analysis=record.analysis,
            title=record.title or record.analysis,
            status=record.status,
            href=record.files["page"],
            cards=list(headline.get("cards") or []) if record.status == "ok" else [],
            error=(record.error or {}).get("message"),
            reused=record.reused,
        )


def _published(records: list[RunRecord]) -> list[RunRecord]:
    """What the index shows: a report the interruption stopped shows the previous report it kept,
    or nothing when there is none (it has no page)."""
    shown = []
    for record in records:
        if record.status not in STOPPED:
            shown.append(record)
        elif record.kept is not None:
            shown.append(RunRecord.from_dict(record.kept))
    return shown


def _exit(records: list[RunRecord], interrupted: bool) -> tuple[ExitCode, str]:
    """The exit code and its reason: ``INTERRUPTED``, else ``FAILED`` when any report failed."""
    if interrupted:
        counts = {s: sum(r.status == s for r in records) for s in STOPPED}
        finished = len(records) - sum(counts.values())
        return ExitCode.INTERRUPTED, (
            f"interrupted: {finished} of {len(records)} reports finished, "
            f"{counts['interrupted']} stopped, {counts['not_started']} not started"
        )
    failed = sum(r.status != "ok" for r in records)
    if failed:
        return ExitCode.FAILED, f"{failed} of {len(records)} reports failed"
    return ExitCode.OK, f"all {len(records)} reports ok ({sum(r.reused for r in records)} reused)"


def run_reports(request: RunRequest) -> RunSummary:
    """Render every report of the request; see the module docstring for the guarantees.

    Raises KeyboardInterrupt, once the index and manifests are written, when the run was
    interrupted."""
    env = kernel_environment(config.ROOT)
    if request.org_params_file is not None:  # the kernels read the same org settings
        env[config.ORG_PARAMS_ENV] = str(request.org_params_file.resolve())
    # the fork server starts first, so that its imports overlap the checks of the plan; the
    # output folder's lock, taken by the plan, is held until the manifests are written
    with contextlib.ExitStack() as hold:
        with fork_server(env, enabled=request.fork_kernels) as server:
            plan = plan_run(request, hold)
            hold.enter_context(use_locale(plan.settings.locale))  # pages and index
            runner = _Runner(plan, request, RunningKernels(server), env)
            quarters = ", ".join(q.label for q in plan.quarters)
            runner.progress.note(
                f"salesops run: {len(plan.jobs)} reports for {quarters} from "
                f"{plan.source.label}, {plan.workers} at once, into {plan.out_dir}"
            )
            for name, reason in plan.skipped.items():
                runner.progress.note(f"warning: skipped the notebook {name}: {reason}")
            with _sigterm_interrupts(), _papermill_quiet():
                records = runner.execute()
            runner.recheck_data(records)
        return _publish(runner, records)


def _publish(runner: _Runner, records: list[RunRecord]) -> RunSummary:
    """Print the packs, write the indexes and manifests, print the summary; KeyboardInterrupt if
    interrupted."""
    with _sigterm_interrupts():
        packs = runner.publish_packs(records)
    exit_code, reason = _exit(records, runner.interrupted)
    status = "interrupted" if runner.interrupted else "complete"
    pages: list[Path] = []
    try:
        pages = runner.write_indexes(records, packs)
        runner.write_manifests(records, packs, status=status, exit_code=exit_code)
    except OSError as exc:  # a full disk or a folder gone read-only: the old files stay whole
        exit_code = ExitCode.INTERRUPTED if runner.interrupted else ExitCode.FAILED
        reason += f"; the index or manifest could not be written: {exc.strerror or exc}"
    runner.progress.summary(records, exit_code, reason, packs)
    for page in pages:
        runner.progress.note(f"index: {page}")
    if runner.interrupted:
        raise KeyboardInterrupt
    return RunSummary(records=records, exit_code=exit_code, reason=reason)
