"""Turn a run request into a checked plan, before any kernel starts.

Params files, analyses and their parameters, the output folder, the source (validated against
the contract), the quarters and the teams are all checked here; bad input raises SalesopsError.
Then the run takes the output folder's lock (see ``salesops.report.run.folders``), waiting for
another run that holds it, and gives each team its folder.
A source taken from ``$SALESOPS_SOURCE`` stays in the environment, which the kernels inherit: it
is injected as an empty ``source``, so its credentials never become a notebook parameter.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from salesops import config
from salesops.data.locations import absolute, contract_files, files_fingerprint, redact
from salesops.errors import (
    ContractError,
    ContractProblem,
    ParamsError,
    SalesopsError,
    SourceError,
)
from salesops.i18n import parse_locale
from salesops.periods import Quarter, last_complete_quarter
from salesops.report.pack.chromium import find_chromium
from salesops.report.run import grid
from salesops.report.run.files import require_writable_folder
from salesops.report.run.folders import output_lock, team_folders
from salesops.report.run.grid import Job
from salesops.report.run.manifest import MANIFEST_NAME, PreviousManifest, code_fingerprint
from salesops.vocabulary import ALL_TEAMS

if TYPE_CHECKING:
    from salesops.data.sources import Crm


@dataclass
class RunRequest:
    """What to render; empty lists and None fall back to the params files and config defaults.

    ``teams`` may name ``all`` for every team in the data; the all-teams roll-up (team
    ``ALL_TEAMS``) is part of the run unless ``rollup`` is off.
    """

    quarters: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    analyses: list[str] = field(default_factory=list)
    source: str | None = None
    preset: str | None = None
    params_file: Path | None = None
    org_params_file: Path | None = None
    out_dir: Path | None = None
    jobs: int | None = None
    force: bool = False
    rollup: bool = True
    fork_kernels: bool = True  # kernels forked from one that has the libraries imported
    notebooks_dir: Path | None = None
    cell_timeout: int | None = None
    locale: str | None = None  # the reader's language and number format; None: the org's
    pdf: bool = False  # print each team's PDF pack once its reports are rendered
    progress: TextIO | None = None


@dataclass(frozen=True)
class SourceFacts:
    """What a run needs to know of its checked source; the manifest keeps it as ``data``."""

    label: str  # where the data is, never with a password
    fingerprint: str
    as_of: date
    first_day: date | None  # of the earliest deal
    teams: list[str]

    @classmethod
    def of(cls, crm: Crm, fingerprint: str) -> SourceFacts:
        return cls(crm.label, fingerprint, crm.as_of(), crm.first_day(), crm.teams())

    def to_manifest(self) -> dict[str, Any]:
        return {
            "source": self.label,
            "fingerprint": self.fingerprint,
            "as_of": self.as_of.isoformat(),
            "first_day": self.first_day and self.first_day.isoformat(),
            "teams": self.teams,
        }

    @classmethod
    def from_manifest(cls, data: dict[str, Any]) -> SourceFacts:
        """The facts a manifest recorded; KeyError, TypeError or ValueError when it lacks them."""
        first_day = data["first_day"]
        teams = data["teams"]
        if not isinstance(teams, list) or not all(isinstance(team, str) for team in teams):
            raise TypeError("teams is not a list of names")
        return cls(
            label=str(data["source"]),
            fingerprint=str(data["fingerprint"]),
            as_of=date.fromisoformat(data["as_of"]),
            first_day=date.fromisoformat(first_day) if first_day else None,
            teams=teams,
        )

    def first_quarter(self, start_month: int) -> Quarter:
        """The quarter of the earliest deal: the first a report may ask for."""
        if self.first_day is None:
            return self.latest_quarter(start_month)
        return Quarter.containing(self.first_day, start_month)

    def latest_quarter(self, start_month: int) -> Quarter:
        return last_complete_quarter(self.as_of, start_month)


@dataclass
class RunPlan:
    """A checked run: its jobs, quarters, output folder, workers, cell timeout, what it knows of
    its source (and where the source is, with the preset that reads it), the code fingerprint
    and org settings (both part of every cache key), the broken notebooks it left out, and the
    Chromium that prints the PDF packs."""

    jobs: list[Job]
    quarters: list[Quarter]
    out_dir: Path
    workers: int
    cell_timeout: int
    source: SourceFacts
    code: str
    settings: config.OrgSettings
    location: str  # the source as given (a URL's password too): never written anywhere
    preset: str | None
    skipped: dict[str, str]  # broken notebooks left out: why
    chromium: str | None = None  # the program that prints the PDF packs, when the run prints them


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


@contextlib.contextmanager
def _reading(source: str) -> Iterator[None]:
    """A backend failure while reading ``source`` as one SourceError line; ours pass as is."""
    try:
        yield
    except SalesopsError:
        raise
    except Exception as exc:  # e.g. a CSV that is not UTF-8 fails only when scanned
        raise SourceError(f"cannot read {redact(source)}: {redact(_first_line(exc))}") from None


def _rollup_name_problem(crm: Crm) -> list[ContractProblem]:
    """A team named like the all-teams roll-up (``ALL_TEAMS``) would be taken for it: the reps
    that have it."""
    if ALL_TEAMS not in crm.teams():
        return []
    reps = crm.table("reps")
    ids = reps.filter(reps.team == ALL_TEAMS).rep_id.to_pyarrow().to_pylist()
    rule = f"team {ALL_TEAMS!r} names the all-teams roll-up (rename that team)"
    return [ContractProblem("reps", "team", rule, len(ids), sorted(ids)[:5])]


def _check(crm: Crm, source: str) -> None:
    """Every contract problem, required tables with no rows, and a team named like the roll-up,
    at once as a ContractError."""
    from salesops.data import contract

    with _reading(source):
        counts = crm.row_counts()
        problems = [
            ContractProblem(name, None, "table has no rows", 0)
            for name in contract.REQUIRED_TABLES
            if counts.get(name) == 0
        ]
        problems += crm.problems()
        if not problems:  # teams are read from reps, which must meet the contract first
            problems += _rollup_name_problem(crm)
    if problems:
        raise ContractError(problems, source=crm.label)


def open_checked(source: str, preset: str | None, *, describe_to: TextIO | None = None) -> Crm:
    """Open ``source`` and check it (see ``_check``).

    ``describe_to`` receives what was found and mapped first, so a failing check still shows it.
    """
    # Ibis and DuckDB load here: a run whose files were checked before does without them
    from salesops.data.sources import open_crm

    with _reading(source):
        crm = open_crm(source, preset=preset)
        if describe_to is not None:
            print(crm.summary(), file=describe_to)
    _check(crm, source)
    return crm


def known_facts(out_dir: Path, label: str, fingerprint: str, code: str) -> SourceFacts | None:
    """The facts of these very files as a run into ``out_dir`` with this very code recorded them.

    A run writes a manifest only after its source passed the check, so a manifest there with the
    same source, data fingerprint and code fingerprint stands for the check, and its facts for
    the queries that found them.
    """
    for path in out_dir.glob(f"*/{MANIFEST_NAME}"):
        manifest = PreviousManifest(path)
        try:
            facts = SourceFacts.from_manifest(manifest.data)
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        if (facts.label, facts.fingerprint, manifest.code) == (label, fingerprint, code):
            return facts
    return None


def current_fingerprint(location: str, preset: str | None) -> str:
    """The source's fingerprint as it is now, taken the way ``_checked_facts`` takes it."""
    files = contract_files(location, preset)
    if files:
        return files_fingerprint(files)
    from salesops.data.sources import open_crm

    with _reading(location):
        return open_crm(location, preset=preset).fingerprint()


def _checked_facts(source: str, preset: str | None, out_dir: Path, code: str) -> SourceFacts:
    """The source's facts: recorded ones for files already checked by this code (so a run that
    reuses every report neither opens nor queries the source), else opened, checked and found."""
    files = contract_files(source, preset)
    if files:
        known = known_facts(out_dir, source, files_fingerprint(files), code)
        if known is not None:
            return known
    crm = open_checked(source, preset)
    with _reading(source):
        return SourceFacts.of(crm, crm.fingerprint())


def plan_run(request: RunRequest, hold: contextlib.ExitStack) -> RunPlan:
    """Load and check everything the run needs; raises SalesopsError on any bad input.

    The output folder's lock is entered on ``hold``: the caller keeps it until the run's
    manifests are written."""
    for named in (request.params_file, request.org_params_file):
        if named is not None and not named.is_file():
            raise ParamsError(f"params file {named} does not exist")
    chromium = find_chromium() if request.pdf else None
    settings = config.load_org_settings(request.org_params_file)
    if request.locale:
        settings = settings.model_copy(update={"locale": str(parse_locale(request.locale))})
    spec = config.load_run_spec(request.params_file)
    notebooks = grid.find_notebooks(request.notebooks_dir or config.NOTEBOOKS_DIR)
    spec_analyses = [] if spec.analyses == "all" else spec.analyses
    analyses = grid.select_analyses(notebooks, request.analyses or spec_analyses)
    declared = {name: grid.declared_parameters(path) for name, path in analyses.items()}
    known = [*notebooks.analyses, *notebooks.broken]  # a broken draft's parameters wait for it
    grid.check_extra_parameters(analyses, known, spec.parameters, declared)

    out_dir = request.out_dir or (config.ROOT / spec.out if spec.out else config.REPORTS_DIR)
    require_writable_folder(out_dir)

    source = absolute(settings.resolved_source(request.source))
    preset = request.preset or settings.preset or None
    code = code_fingerprint()
    facts = _checked_facts(source, preset, out_dir, code)
    start_month = settings.fiscal_year_start_month
    quarters = grid.resolve_quarters(
        request.quarters or spec.quarters,
        latest=facts.latest_quarter(start_month),
        earliest=facts.first_quarter(start_month),
    )
    spec_teams = [] if spec.teams == "all" else spec.teams
    teams = grid.resolve_teams(request.teams or spec_teams, facts.teams, rollup=request.rollup)
    for quarter in quarters:
        require_writable_folder(grid.contained_path(out_dir, quarter.label))
    hold.enter_context(output_lock(out_dir, request.progress or sys.stderr))
    folders = team_folders(out_dir, [*facts.teams, *teams])
    jobs = grid.expand_grid(
        quarters,
        teams,
        analyses,
        source="" if source == os.environ.get(config.SOURCE_ENV) else source,
        preset=preset or "",
        locale=settings.locale,
        extra=spec.parameters,
        declared=declared,
        folders=folders,
    )
    return RunPlan(
        jobs=jobs,
        quarters=quarters,
        out_dir=out_dir.resolve(),
        workers=request.jobs or spec.jobs or os.cpu_count() or 1,
        cell_timeout=request.cell_timeout or settings.cell_timeout_seconds,
        source=facts,
        code=code,
        settings=settings,
        location=source,
        preset=preset,
        skipped=notebooks.broken,
        chromium=chromium,
    )
