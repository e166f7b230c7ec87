"""``salesops run --pdf``: each team's PDF pack, as a reader opens it.

The quick run (two analyses and a stand-in summary) checks what each pack holds, the index's
links, the manifest and the progress output, reuse, and failures; the run of every analysis
checks the layout: contents page, page breaks, A4 pages and their numbers.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from pack_reading import QUARTER, PdfPage, Printed, read_pdf

pytestmark = pytest.mark.slow  # real kernels and Chromium

TEAMS = ("all", "SMB")
KICKER = "SALES OPERATIONS REPORT"  # a report page's header opens with it
A4 = (595, 842)
RIGHT_MARGIN_PT = 12 / 25.4 * 72  # pack.css: 12 mm


def _titles(printed: Printed, team: str) -> dict[str, str]:
    """The title of each report of ``team`` that rendered, by analysis."""
    runs = printed.manifest()["runs"]
    return {r["analysis"]: r["title"] for r in runs if r["team"] == team and r["status"] == "ok"}


def _columns(printed: Printed) -> list[str]:
    """The analyses of the quarter's index, in its column order (English labels)."""
    index = BeautifulSoup((printed.quarter / "index.html").read_text(), "html.parser")
    labels = [th.get_text(strip=True) for th in index.select("table.so-index thead th")][1:]
    return [label.lower().replace(" ", "_") for label in labels]


def _expected_contents(printed: Printed, team: str) -> list[str]:
    """The summary first (for the roll-up, then SMB's), then the analyses in column order."""
    own = _titles(printed, team)
    summaries = [own["summary"]]
    if team == "all":
        summaries.append(f"{_titles(printed, 'SMB')['summary']}: SMB")
    return summaries + [own[a] for a in _columns(printed) if a != "summary" and a in own]


def _page_opens(page: PdfPage, title: str) -> bool:
    """Whether a report page starts on ``page``: its kicker, then its title."""
    return page.text.splitlines()[:2] == [KICKER, title]


def test_each_pack_opens_with_the_summaries_then_the_reports_in_index_order(
    quick: Printed,
) -> None:
    for team in TEAMS:
        contents = quick.contents(team)
        assert [title for title, _page in contents] == _expected_contents(quick, team)
        pages = quick.pages(team)
        for title, start in contents:
            assert _page_opens(pages[start - 1], title.removesuffix(": SMB")), (team, title)
    all_pages = quick.pages("all")
    starts = dict(quick.contents("all"))
    assert "Summary of all for 2026Q3" in all_pages[starts["Team summary"] - 1].text
    assert "Summary of SMB for 2026Q3" in all_pages[starts["Team summary: SMB"] - 1].text


def test_the_index_links_each_teams_pack_in_its_row(quick: Printed) -> None:
    index = BeautifulSoup((quick.quarter / "index.html").read_text(), "html.parser")
    for slug in ("all", "smb"):
        link = index.select_one(f"tr#team-{slug} th .so-pack-link a")
        assert link is not None and link["href"] == f"{slug}/pack.pdf"
        assert link.get_text(" ", strip=True).startswith("PDF pack")
        assert (quick.quarter / link["href"]).read_bytes().startswith(b"%PDF")


def test_the_manifest_and_the_run_tell_each_packs_pages_and_size(quick: Printed) -> None:
    for team in TEAMS:
        entry = quick.pack_entry(team)
        path = quick.quarter / entry["path"]
        assert entry["status"] == "ok" and entry["error"] is None
        assert entry["bytes"] == path.stat().st_size
        assert entry["pages"] == len(read_pdf(path))
        assert f"pack {QUARTER} / {team}: {entry['pages']} pages in " in quick.output
    table = quick.output.split("pdf pack", 1)[1]
    assert f"{QUARTER}   SMB   ok        {quick.pack_entry('SMB')['pages']}" in table


def test_a_run_that_changes_nothing_keeps_each_pack_as_it_is(
    quick: Printed, run_pdf: Callable[..., Printed], copy_of: Callable[[Printed], Printed]
) -> None:
    copy = copy_of(quick)
    before = {team: (copy.quarter / copy.pack_entry(team)["path"]).stat() for team in TEAMS}
    again = run_pdf(copy.root, copy.out)
    for team in TEAMS:
        after = (again.quarter / again.pack_entry(team)["path"]).stat()
        assert after.st_mtime_ns == before[team].st_mtime_ns
        assert again.pack_entry(team)["reused"] is True
    assert "pack 2026Q3 / SMB:" not in again.output  # not printed
    assert "reused" in again.output.split("pdf pack", 1)[1]


def test_a_failed_print_keeps_the_previous_pack_and_fails_no_report(
    quick: Printed,
    run_pdf: Callable[..., Printed],
    copy_of: Callable[[Printed], Printed],
    tmp_path: Path,
) -> None:
    copy = copy_of(quick)
    before = {team: (copy.quarter / copy.pack_entry(team)["path"]).read_bytes() for team in TEAMS}
    # a new parameter changes the summaries, so each pack is printed again; Chromium fails
    params = tmp_path / "quarterly.yaml"
    params.write_text("parameters: {summary: {note: Printed again.}}\n", encoding="utf-8")
    failed = run_pdf(
        copy.root,
        copy.out,
        *("--params", str(params), "--analysis", "summary"),
        SALESOPS_CHROMIUM="/bin/false",
    )
    assert "exit code 0: all 2 reports ok" in failed.output
    for team in TEAMS:
        assert f"warning: the pack of {QUARTER} / {team} was not printed" in failed.output
        entry = failed.pack_entry(team)
        assert entry["status"] == "failed" and "exited with code 1" in entry["error"]
        assert entry["kept"]["path"] == entry["path"]
        assert (failed.quarter / entry["path"]).read_bytes() == before[team]
    index = (failed.quarter / "index.html").read_text()
    assert 'href="smb/pack.pdf"' in index  # the previous pack, still whole


def test_pdf_without_chromium_is_refused_before_any_report_runs(
    quick: Printed, salesops_in: Callable[[Path], Callable[..., subprocess.CompletedProcess[str]]]
) -> None:
    out = quick.root / "refused"
    done = salesops_in(quick.root)(
        *("run", "--pdf", "--out", str(out)), SALESOPS_CHROMIUM="/nowhere/chromium"
    )
    assert done.returncode == 2
    assert "SALESOPS_CHROMIUM='/nowhere/chromium'" in done.stderr
    assert not (out / QUARTER).exists()


@pytest.mark.parametrize("team", TEAMS)
def test_the_contents_page_gives_the_page_each_part_starts_on(full: Printed, team: str) -> None:
    contents = full.contents(team)
    assert [title for title, _page in contents] == _expected_contents(full, team)
    assert len(contents) >= 8  # the summary and every analysis
    pages = full.pages(team)
    for title, start in contents:
        assert _page_opens(pages[start - 1], title.removesuffix(": SMB")), (title, start)
    opening = [n for n, page in enumerate(pages, 1) if page.text.startswith(KICKER + "\n")]
    assert opening == [start for _title, start in contents]  # and no other page opens a report


@pytest.mark.parametrize("team", TEAMS)
def test_every_page_is_a4_numbered_and_holds_its_text_within_the_margins(
    full: Printed, team: str
) -> None:
    pages = full.pages(team)
    assert len(pages) == full.pack_entry(team)["pages"]
    for number, page in enumerate(pages, 1):
        assert abs(page.width - A4[0]) <= 1 and abs(page.height - A4[1]) <= 1
        assert page.text.splitlines()[-1].endswith(f"Page {number} of {len(pages)}")
        assert page.chars_right <= page.width - RIGHT_MARGIN_PT + 1, number  # no table cut


@pytest.mark.parametrize("team", TEAMS)
def test_no_chart_table_row_or_headline_is_cut_across_pages(full: Printed, team: str) -> None:
    pages = full.pages(team)
    images = [image for page in pages for image in page.images]
    for page in pages:
        for image in page.images:
            assert image["x0"] >= 0 and image["top"] >= 0
            assert image["x1"] <= page.width and image["bottom"] <= page.height
    parts = [full.quarter / part for part in full.pack_entry(team)["parts"]]
    starts = [start for _title, start in full.contents(team)] + [len(pages) + 1]
    shown = 0
    for part, first, end in zip(parts, starts, starts[1:], strict=False):
        soup = BeautifulSoup(part.read_text(encoding="utf-8"), "html.parser")
        shown += len(soup.select("img"))
        within = pages[first - 1 : end - 1]
        for row in soup.select("tbody tr"):
            cells = [cell.get_text(" ", strip=True).split() for cell in row.find_all(["th", "td"])]
            if cells and cells[0] and cells[-1]:
                assert _on_one_page(within, cells[0][0], cells[-1][-1]), (part.name, cells)
        values = [value.get_text(strip=True) for value in soup.select(".so-card-value")]
        assert any(all(v in page.text for v in values) for page in within), part.name
    assert len(images) == shown  # a chart cut in two would be drawn on both pages


def _on_one_page(pages: list[PdfPage], first: str, last: str) -> bool:
    """Whether some page has ``first`` with ``last`` on its line or a few lines under it (a cell
    may wrap a word at its hyphen: ``Mid-`` then ``Market``)."""
    return any(
        0 <= b["top"] - a["top"] + 2 <= 42
        for page in pages
        for a in page.words
        if a["text"] == first or (len(a["text"]) > 1 and first.startswith(a["text"]))
        for b in page.words
        if b["text"] == last or (len(b["text"]) > 1 and last.endswith(b["text"]))
    )
