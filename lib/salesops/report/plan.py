"""Turn a run request into a checked plan, before any kernel starts.

Params files, analyses and their parameters, the output folder, the source (validated against
the contract), the quarters and the teams are all checked here; bad input raises SalesopsError.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from salesops import config
from salesops.data.sources import Crm, open_crm
from salesops.periods import Quarter
from salesops.report import grid
from salesops.report.files import require_writable_folder
from salesops.report.grid import Job


@dataclass
class RunRequest:
    """What to render; empty lists and None fall back to the params files and config defaults.

    ``teams`` may name ``all`` for every team in the data; the all-teams roll-up (team ``all``)
    is part of the run unless ``rollup`` is off.
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
    notebooks_dir: Path | None = None
    cell_timeout: int | None = None
    progress: TextIO | None = None


@dataclass
class RunPlan:
    """A checked run: its jobs, quarters, output folder, workers, cell timeout and source."""

    jobs: list[Job]
    quarters: list[Quarter]
    out_dir: Path
    workers: int
    cell_timeout: int
    crm: Crm


def plan_run(request: RunRequest) -> RunPlan:
    """Load and check everything the run needs; raises SalesopsError on any bad input."""
    settings = config.load_org_settings(request.org_params_file)
    spec = config.load_run_spec(request.params_file)
    known = grid.discover_analyses(request.notebooks_dir or config.NOTEBOOKS_DIR)
    spec_analyses = [] if spec.analyses == "all" else spec.analyses
    analyses = grid.select_analyses(known, request.analyses or spec_analyses)
    declared = {name: grid.declared_parameters(path) for name, path in analyses.items()}
    grid.check_extra_parameters(analyses, known, spec.parameters, declared)

    out_dir = request.out_dir or (config.ROOT / spec.out if spec.out else config.REPORTS_DIR)
    require_writable_folder(out_dir)

    source = settings.resolved_source(request.source)
    preset = request.preset or settings.preset or None
    crm = open_crm(source, preset=preset, validate=True)
    start_month = settings.fiscal_year_start_month
    quarters = grid.resolve_quarters(
        request.quarters or spec.quarters,
        latest=crm.latest_quarter(start_month),
        earliest=crm.first_quarter(start_month),
    )
    spec_teams = [] if spec.teams == "all" else spec.teams
    teams = grid.resolve_teams(request.teams or spec_teams, crm.teams(), rollup=request.rollup)
    for quarter in quarters:
        require_writable_folder(grid.contained_path(out_dir, quarter.label))
    jobs = grid.expand_grid(
        quarters,
        teams,
        analyses,
        source=source,
        preset=preset or "",
        extra=spec.parameters,
        declared=declared,
    )
    return RunPlan(
        jobs=jobs,
        quarters=quarters,
        out_dir=out_dir.resolve(),
        workers=request.jobs or spec.jobs or os.cpu_count() or 1,
        cell_timeout=request.cell_timeout or settings.cell_timeout_seconds,
        crm=crm,
    )
