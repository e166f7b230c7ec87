"""Leadership HTML for one run: the report page, or a page that says what failed.

nbconvert renders the notebook's cells with our template (``templates/salesops``, built on
``lab``): outputs and prose, no code, no prompts. The page around them (header, headline cards,
contents, failure notice, footer) comes from ``templates/pages`` through a Jinja environment with
autoescape on, so every string from the data is escaped in one place. Pages load nothing from
anywhere: the stylesheet is inlined and images are data URIs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import nbformat
from bs4 import BeautifulSoup
from markupsafe import Markup
from nbconvert import HTMLExporter
from nbconvert.filters.ansi import strip_ansi
from traitlets.config import Config

from salesops.report.pages import (
    TEMPLATES,
    display_time,
    provenance_rows,
    relative_href,
    render_page,
    team_label,
)

HEADLINE_MIMETYPE = "application/vnd.salesops.headline+json"
_THREAD = threading.local()
FAILURE_KINDS = frozenset(
    {
        "error",
        "timeout",
        "dead_kernel",
        "stopped_early",
        "bad_parameter",
        "write_failed",
        "interrupted",
    }
)

# Cells no reader sees: papermill's parameter cells and the error banners it inserts, and a
# notebook's Explore section (cells tagged "explore"), which is for analysts in JupyterLab.
_HIDDEN_TAGS = frozenset(
    {"parameters", "injected-parameters", "papermill-error-cell-tag", "explore"}
)
# What a page may show, best first; scripts, widgets and LaTeX (it needs MathJax) never.
_DISPLAY_PRIORITY = [
    "text/html",
    "text/markdown",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/plain",
]
# A bare Python repr such as "<Figure size 640x480 with 1 Axes>": noise, not a result.
_BARE_REPR = re.compile(r"<[^<>\n]*>\s*")
# The limit in a timeout's message: "after 600 seconds", "the 600 s cell timeout".
_SECONDS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:-second|seconds?|s)\b")
_MAX_ERROR_CHARS = 300

_NEXT_STEPS = {
    "error": (
        "If the message points to missing or wrong data, correct it in the CRM or the source "
        "and run the report again; otherwise send this page to the sales-operations analysts."
    ),
    "timeout": (
        "Run the report again: a busy data source is the usual cause. If it keeps timing out, "
        "raise the time limit (cell_timeout_seconds in params/org.yaml) and run it again."
    ),
    "dead_kernel": (
        "Run the report again with fewer reports at once (salesops run --jobs 1). If it stops "
        "again, send this page to the sales-operations analysts."
    ),
    "stopped_early": (
        "Run the report again. If it stops at the same place, send this page to the "
        "sales-operations analysts."
    ),
    "bad_parameter": (
        "Check the team and quarter this report was run for (params/quarterly.yaml or the "
        "salesops run options), then run it again."
    ),
    "write_failed": (
        "Check that the reports folder has free space and can be written to, then run the "
        "report again."
    ),
    "interrupted": (
        "Run the reports again: the run keeps the reports that are already complete and "
        "finishes this one."
    ),
}


@dataclass(frozen=True)
class FailureInfo:
    """What stopped a run: the section it was in, the error, and the kind of failure.

    ``kind`` is one of ``FAILURE_KINDS``; for a timeout, ``evalue`` names the limit ("the 600 s
    cell timeout", "after 600 seconds"). ``section`` may be empty (before any section).
    """

    section: str
    ename: str
    evalue: str
    traceback: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {self.kind!r}; one of {sorted(FAILURE_KINDS)}")


@dataclass(frozen=True)
class PageInfo:
    """What a page says about its run besides the notebook: header, status and footer."""

    title: str
    analysis: str
    team: str
    quarter: str
    data_as_of: str
    generated_at: str
    provenance: dict[str, str]
    status: str
    failure: FailureInfo | None = None
    notebook_href: str | None = None
    headline: dict[str, Any] | None = None


def render_report(nb: nbformat.NotebookNode, info: PageInfo) -> str:
    """The self-contained HTML page of one run; a failure page when ``info.status == "failed"``.

    Headline cards come from ``info.headline``, else from the notebook's headline bundle, and
    open the page; the bundle's in-body copy is dropped.
    """
    failure = info.failure if info.status == "failed" else None
    if info.status == "failed" and failure is None:
        raise ValueError("a failed page needs info.failure")
    cells, bundle = _page_cells(nb, failed=failure is not None)
    page_nb = nbformat.v4.new_notebook(cells=cells, metadata=nb.metadata)
    html, _ = _exporter().from_notebook_node(page_nb)
    body, toc, lede = _finish_body(html)
    headline = info.headline if info.headline is not None else bundle
    notice = None
    if failure is not None:
        notice = {
            "what": describe_failure(failure),
            "next": _NEXT_STEPS[failure.kind],
            "traceback": strip_ansi(failure.traceback).strip(),
        }
    return render_page(
        "report.html.j2",
        kicker="Sales operations report",
        heading=info.title,
        lede=lede,
        team=team_label(info.team),
        quarter=info.quarter,
        facts=_facts(
            ("Team", team_label(info.team)),
            ("Quarter", info.quarter),
            ("Data as of", info.data_as_of),
            ("Generated", display_time(info.generated_at)),
        ),
        cards=_cards(headline),
        toc=toc,
        body=Markup(body),  # nbconvert's rendering of trusted notebook content
        failure=notice,
        notebook_href=info.notebook_href and relative_href(info.notebook_href),
        provenance=provenance_rows(info.provenance),
    )


def describe_failure(failure: FailureInfo) -> str:
    """What failed in plain words, e.g. 'This report could not be completed. The section
    "Breakdown" failed: ValueError: no quota rows for 2026Q3.'"""
    where = f'The section "{failure.section}"' if failure.section else "The report"
    error = _error_text(failure)
    cause = f": {error}" if error else ""
    match failure.kind:
        case "error":
            detail = f"{where} failed{cause}"
        case "timeout":
            limit = _SECONDS.search(strip_ansi(failure.evalue))
            detail = f"{where} took longer than " + (
                f"the {limit[1]}-second limit" if limit else "its time limit"
            )
        case "dead_kernel":
            detail = (
                f"{where} stopped because the Python process running the report ended "
                "unexpectedly, most often for lack of memory"
            )
        case "stopped_early":
            evalue = _first_line(failure.evalue)
            inside = f' in the section "{failure.section}"' if failure.section else ""
            detail = f"The notebook stopped early{inside}" + (f": {evalue}" if evalue else "")
        case "bad_parameter":
            detail = f"A parameter of this run was not accepted{cause}"
        case "write_failed":
            detail = f"The report ran, but its files could not be saved{cause}"
        case _:  # interrupted
            detail = "The run was stopped before this report was finished"
    end = "" if detail.endswith((".", "!", "?")) else "."
    return f"This report could not be completed. {detail}{end}"


def _exporter() -> HTMLExporter:
    """This thread's exporter: compiling its templates takes a fifth of a second, and exporters
    keep per-call state, so each thread makes one and never shares it."""
    exporter: HTMLExporter | None = getattr(_THREAD, "exporter", None)
    if exporter is None:
        config = Config(
            {
                "TemplateExporter": {
                    "exclude_input": True,
                    "exclude_input_prompt": True,
                    "exclude_output_prompt": True,
                },
                "NbConvertBase": {"display_data_priority": _DISPLAY_PRIORITY},
                "CSSHTMLHeaderPreprocessor": {"enabled": False},  # code highlighting: no code
            }
        )
        exporter = HTMLExporter(
            config=config, extra_template_basedirs=[str(TEMPLATES)], template_name="salesops"
        )
        _THREAD.exporter = exporter
    return exporter


def _page_cells(
    nb: nbformat.NotebookNode, *, failed: bool
) -> tuple[list[nbformat.NotebookNode], dict[str, Any] | None]:
    """The cells a reader sees, and the last headline payload among the outputs.

    Drops parameter cells, papermill's error banners, stderr (warnings, logs), error outputs,
    bare reprs and the headline bundle itself. On a failed run the cells after the last one
    that ran are dropped too: their sections never happened.
    """
    cells = [c for c in nb.cells if not _HIDDEN_TAGS.intersection(c.metadata.get("tags", []))]
    if failed:
        ran = [
            i
            for i, c in enumerate(cells)
            if c.cell_type == "code" and (c.get("execution_count") is not None or c.get("outputs"))
        ]
        cells = cells[: ran[-1] + 1] if ran else []
    headline: dict[str, Any] | None = None
    kept = []
    for cell in cells:
        if cell.cell_type != "code":
            kept.append(cell)
            continue
        outputs = []
        for output in cell.outputs:
            data = output.get("data", {})
            if HEADLINE_MIMETYPE in data:
                headline = data[HEADLINE_MIMETYPE]
            elif _shown(output):
                outputs.append(output)
        if outputs:
            kept.append(nbformat.NotebookNode({**cell, "outputs": outputs}))
    return kept, headline


def _shown(output: nbformat.NotebookNode) -> bool:
    if output.output_type == "stream":
        return output.name == "stdout"
    if output.output_type == "error":
        return False
    data = output.get("data", {})
    if set(data) == {"text/plain"}:
        return not _BARE_REPR.fullmatch(data["text/plain"])
    return any(mimetype in data for mimetype in _DISPLAY_PRIORITY)


def _finish_body(html: str) -> tuple[str, list[tuple[str, str]], str]:
    """nbconvert's body tidied, its contents ((id, text) of every ``##`` heading) and its lede.

    The notebook's ``#`` title goes (the page header carries the title), and the paragraphs
    under it become the lede the header shows: the question the page answers, read before the
    answers. The pilcrow links go; a repeated heading id gets a suffix so each contents link
    lands on its own section.
    """
    soup = BeautifulSoup(html, "html.parser")
    lede = ""
    title = soup.select_one(".so-md h1")
    if title is not None:
        cell = title.find_parent(class_="so-md")
        title.decompose()
        paragraphs = cell.find_all("p", recursive=False)
        lede = " ".join(p.get_text(" ", strip=True) for p in paragraphs)
        for paragraph in paragraphs:
            paragraph.decompose()
        if not cell.get_text(strip=True):
            cell.decompose()
    for link in soup.select("a.anchor-link"):
        link.decompose()
    seen: set[str] = set()
    toc = []
    for heading in soup.find_all(re.compile(r"^h[1-6]$"), id=True):
        anchor, n = heading["id"], 2
        while anchor in seen:
            anchor, n = f"{heading['id']}-{n}", n + 1
        seen.add(anchor)
        heading["id"] = anchor
        if heading.name == "h2":
            toc.append((anchor, heading.get_text(" ", strip=True)))
    return str(soup), toc, lede


def _cards(headline: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    cards = (headline or {}).get("cards") or []
    return [card for card in cards if isinstance(card, Mapping)]


def _facts(*facts: tuple[str, str]) -> list[tuple[str, str]]:
    return [(label, value) for label, value in facts if value]


def _error_text(failure: FailureInfo) -> str:
    """``ename: evalue`` on one line, ANSI codes stripped, cut to a readable length."""
    parts = (strip_ansi(failure.ename).strip(), _first_line(failure.evalue))
    return ": ".join(part for part in parts if part)


def _first_line(text: str) -> str:
    """The first line of ``text``, ANSI codes stripped, cut to a readable length."""
    line = strip_ansi(text).strip().split("\n", 1)[0].strip()
    if len(line) > _MAX_ERROR_CHARS:
        line = line[: _MAX_ERROR_CHARS - 1].rstrip() + "…"
    return line
