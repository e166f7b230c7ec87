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

from salesops import formatting
from salesops.i18n import _, translate_markdown
from salesops.report.outcome import Failure, Outcome
from salesops.report.pages.layout import (
    TEMPLATES,
    display_day,
    display_time,
    provenance_rows,
    relative_href,
    render_page,
    team_label,
)
from salesops.vocabulary import HEADLINE_MIMETYPE, NEXT_STEPS, FailureKind

_THREAD = threading.local()

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


@dataclass(frozen=True)
class PageInfo:
    """What a page says about its run besides the notebook: header and footer."""

    title: str
    team: str
    quarter: str
    data_as_of: str
    generated_at: str
    provenance: dict[str, str]
    notebook_href: str | None = None


def render_report(outcome: Outcome, info: PageInfo) -> str:
    """The self-contained HTML page of one run; a failure page when ``outcome.failure`` is set.

    The outcome's headline cards open the page; the headline's in-body copy is dropped.
    """
    failure = outcome.failure
    cells = _page_cells(outcome.nb, failed=failure is not None)
    page_nb = nbformat.v4.new_notebook(cells=cells, metadata=outcome.nb.metadata)
    html, _resources = _exporter().from_notebook_node(page_nb)
    body, toc, lede = _finish_body(html)
    notice = None
    if failure is not None:
        notice = {
            "what": describe_failure(failure),
            "next": _(NEXT_STEPS[failure.kind]),
            "traceback": strip_ansi(failure.traceback).strip(),
        }
    return render_page(
        "report.html.j2",
        kicker=_("Sales operations report"),
        heading=info.title,
        lede=lede,
        team=team_label(info.team),
        quarter=formatting.quarter(info.quarter),
        facts=_facts(
            (_("Team"), team_label(info.team)),
            (_("Quarter"), formatting.quarter(info.quarter)),
            (_("Data as of"), display_day(info.data_as_of)),
            (_("Generated"), display_time(info.generated_at)),
        ),
        cards=_cards(outcome.headline),
        toc=toc,
        body=Markup(body),  # nbconvert's rendering of trusted notebook content
        failure=notice,
        notebook_href=info.notebook_href and relative_href(info.notebook_href),
        provenance=provenance_rows(info.provenance),
    )


def describe_failure(failure: Failure) -> str:
    """What failed in plain words, e.g. 'This report could not be completed. The section
    "Breakdown" failed: ValueError: no quota rows for 2026Q3.'"""
    section = _(failure.section) if failure.section else ""
    error = _error_text(failure)
    match failure.kind:
        case FailureKind.ERROR if section and error:
            detail = _('The section "{section}" failed: {error}')
        case FailureKind.ERROR if section:
            detail = _('The section "{section}" failed')
        case FailureKind.ERROR if error:
            detail = _("The report failed: {error}")
        case FailureKind.ERROR:
            detail = _("The report failed")
        case FailureKind.TIMEOUT:
            limit = _SECONDS.search(strip_ansi(failure.evalue))
            if section:
                detail = (
                    _('The section "{section}" took longer than the {limit}-second limit')
                    if limit
                    else _('The section "{section}" took longer than its time limit')
                )
            else:
                detail = (
                    _("The report took longer than the {limit}-second limit")
                    if limit
                    else _("The report took longer than its time limit")
                )
            error = limit[1] if limit else ""
        case FailureKind.DEAD_KERNEL:
            detail = (
                _(
                    'The section "{section}" stopped because the Python process running the '
                    "report ended unexpectedly, most often for lack of memory"
                )
                if section
                else _(
                    "The report stopped because the Python process running the report ended "
                    "unexpectedly, most often for lack of memory"
                )
            )
        case FailureKind.STOPPED_EARLY:
            error = _first_line(failure.evalue)
            if section:
                detail = (
                    _('The notebook stopped early in the section "{section}": {error}')
                    if error
                    else _('The notebook stopped early in the section "{section}"')
                )
            else:
                detail = (
                    _("The notebook stopped early: {error}")
                    if error
                    else _("The notebook stopped early")
                )
        case FailureKind.BAD_PARAMETER:
            detail = (
                _("A parameter of this run was not accepted: {error}")
                if error
                else _("A parameter of this run was not accepted")
            )
        case FailureKind.WRITE_FAILED:
            detail = (
                _("The report ran, but its files could not be saved: {error}")
                if error
                else _("The report ran, but its files could not be saved")
            )
        case FailureKind.INTERRUPTED:
            detail = _("The run was stopped before this report was finished")
    text = detail.format(section=section, error=error, limit=error)
    end = "" if text.endswith((".", "!", "?")) else "."
    return _("This report could not be completed. {detail}").format(detail=text + end)


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


def _page_cells(nb: nbformat.NotebookNode, *, failed: bool) -> list[nbformat.NotebookNode]:
    """The cells a reader sees.

    Drops parameter cells, papermill's error banners, stderr (warnings, logs), error outputs,
    bare reprs and the headline bundle (the page's cards show it). On a failed run the cells
    after the last one that ran are dropped too: their sections never happened.
    """
    cells = [c for c in nb.cells if not _HIDDEN_TAGS.intersection(c.metadata.get("tags", []))]
    if failed:
        ran = [
            i
            for i, c in enumerate(cells)
            if c.cell_type == "code" and (c.get("execution_count") is not None or c.get("outputs"))
        ]
        cells = cells[: ran[-1] + 1] if ran else []
    kept = []
    for cell in cells:
        if cell.cell_type == "markdown":
            kept.append(nbformat.NotebookNode({**cell, "source": translate_markdown(cell.source)}))
            continue
        if cell.cell_type != "code":
            kept.append(cell)
            continue
        outputs = [
            output
            for output in cell.outputs
            if HEADLINE_MIMETYPE not in output.get("data", {}) and _shown(output)
        ]
        if outputs:
            kept.append(nbformat.NotebookNode({**cell, "outputs": outputs}))
    return kept


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


def _error_text(failure: Failure) -> str:
    """``ename: evalue`` on one line, ANSI codes stripped, cut to a readable length."""
    parts = (strip_ansi(failure.ename).strip(), _first_line(failure.evalue))
    return ": ".join(part for part in parts if part)


def _first_line(text: str) -> str:
    """The first line of ``text``, ANSI codes stripped, cut to a readable length."""
    line = strip_ansi(text).strip().split("\n", 1)[0].strip()
    if len(line) > _MAX_ERROR_CHARS:
        line = line[: _MAX_ERROR_CHARS - 1].rstrip() + "…"
    return line
