"""The three files of one report: the executed notebook, its HTML page and its headline JSON.

Each is written to a temporary file in its folder and renamed over the old one, so a reader
never sees a half-written report.
"""

from __future__ import annotations

import json
from typing import Any

import nbformat
from nbformat import NotebookNode

from salesops.data.locations import redact
from salesops.i18n import N_, _
from salesops.report.outcome import Failure, Outcome
from salesops.report.pages.layout import PageContext
from salesops.report.pages.report import PageInfo, render_report
from salesops.report.run.files import ReportFiles, atomic_write_text
from salesops.report.run.grid import Job
from salesops.vocabulary import FailureKind


def hide_source(nb: NotebookNode, source: str, label: str) -> None:
    """Replace the source as given (a URL may hold a password) by its redacted ``label`` where
    papermill recorded it: the injected parameters cell and the notebook's metadata."""
    if not source or source == label:
        return
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = cell.source.replace(source, label)
    parameters = nb.metadata.get("papermill", {}).get("parameters") or {}
    if parameters.get("source") == source:
        parameters["source"] = label


def report_title(job: Job, outcome: Outcome) -> str:
    """The notebook's first ``#`` heading in the reader's language, else the analysis name in
    words."""
    return _(outcome.title) if outcome.title else job.analysis.replace("_", " ").capitalize()


def headline_document(job: Job, outcome: Outcome) -> dict[str, Any]:
    """``<analysis>.json``: analysis, team, quarter, status, the headline metrics, the cards.

    Metrics come from the last headline output the notebook displayed; a failed run carries the
    failure's record instead. The run's own keys win over a metric of the same name.
    """
    fixed: dict[str, Any] = {
        "analysis": job.analysis,
        "team": job.team,
        "quarter": job.quarter,
        "status": outcome.status,
    }
    if outcome.failure is not None:
        return {**fixed, "error": outcome.failure.record(), "cards": []}
    headline = outcome.headline or {}
    metrics = headline.get("metrics") or {}
    extra = {key: value for key, value in metrics.items() if key not in fixed and key != "cards"}
    return {**fixed, **extra, "cards": list(headline.get("cards") or [])}


def _page(job: Job, outcome: Outcome, context: PageContext, title: str) -> str:
    info = PageInfo(
        title=title,
        team=job.team,
        quarter=job.quarter,
        data_as_of=context.data_as_of,
        generated_at=context.generated_at,
        provenance={
            **context.provenance,
            N_("Notebook"): job.notebook.name,
            N_("Parameters"): ", ".join(
                f"{name}={redact(str(value))!r}" for name, value in job.parameters.items()
            ),
        },
        notebook_href=f"{job.analysis}.ipynb",
    )
    return render_report(outcome, info)


def write_report(files: ReportFiles, job: Job, outcome: Outcome, context: PageContext) -> Outcome:
    """Render and write the report's three files; returns the outcome as finally recorded.

    A page that fails to render turns the run into an ``error`` in section "Rendering the page"
    and gets a failure page instead. OSError from writing propagates to the caller.
    """
    title = report_title(job, outcome)
    try:
        page = _page(job, outcome, context, title)
    except Exception as exc:  # a rendering bug fails this report only, with a failure page
        outcome = outcome.failed(
            Failure(
                FailureKind.ERROR,
                section=N_("Rendering the page"),
                ename=type(exc).__name__,
                evalue=str(exc),
            )
        )
        page = _page(job, outcome, context, title)
    atomic_write_text(files.notebook, nbformat.writes(outcome.nb))
    atomic_write_text(files.page, page)
    document = headline_document(job, outcome)
    atomic_write_text(files.headline, json.dumps(document, indent=2, default=str) + "\n")
    return outcome
