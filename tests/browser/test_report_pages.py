"""The leadership pages as a reader's browser shows them: Chromium over HTTP on 127.0.0.1.

Screenshots of every page (desktop 1280x800 and phone 390x844, first screen and whole page)
land in reports/screenshots/ for a person to look at.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from notebook_analyses import ANALYSES

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).parents[2] / "reports" / "screenshots"
QUARTER = "2026Q3"  # the demo data ends on 2026-09-30
REPORT_PAGES = tuple(f"{QUARTER}/{team}/{a}.html" for team in ("smb", "all") for a in ANALYSES)
INDEX_PAGE = f"{QUARTER}/index.html"
FAILED_PAGE = f"failed/{QUARTER}/smb/raises.html"

# The same pages in French: longer words must fit the same first screen and print the same way.
FRENCH_PAGES = tuple(
    f"fr/{path}" for path in (INDEX_PAGE, *REPORT_PAGES[: len(ANALYSES)], FAILED_PAGE)
)
ALL_PAGES = (INDEX_PAGE, *REPORT_PAGES, FAILED_PAGE, *FRENCH_PAGES)
# What code looks like on screen: an import line, the notebooks' entry call, a method call.
CODE_ON_SCREEN = re.compile(r"\bimport [a-z_]+|open_report\(|\breport\.[a-z_]+")
DESKTOP = (1280, 800)
PHONE = (390, 844)
# A4 inside the stylesheet's @page margins (15 mm top and bottom, 12 mm either side), in CSS px.
A4_CONTENT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)
A4_CONTENT_HEIGHT = round((297 - 2 * 15) / 25.4 * 96)


@pytest.mark.parametrize("path", ALL_PAGES)
def test_page_loads_with_no_console_error_no_outside_request_and_no_code(
    visit, site: str, path: str
) -> None:
    seen = visit(path)
    assert seen.errors == []
    outside = [u for u in seen.requests if not u.startswith((site + "/", "data:"))]
    assert outside == []
    text = seen.page.inner_text("body")
    assert CODE_ON_SCREEN.findall(text) == []
    assert seen.page.locator("pre code, .jp-InputArea, .input_area").count() == 0


def test_every_index_link_opens_a_page(visit, site: str) -> None:
    page = visit(INDEX_PAGE).page
    hrefs = page.eval_on_selector_all("a.so-entry-link", "links => links.map(a => a.href)")
    assert len(hrefs) == 2 * len(ANALYSES)  # SMB and All teams, every analysis
    for href in hrefs:
        response = page.goto(href)
        assert response is not None and response.status == 200, href
        assert page.locator("h1.so-title").inner_text()
        notebook = page.locator(".so-download a")
        assert notebook.count() == 1
        download = page.request.get(
            page.url.rsplit("/", 1)[0] + "/" + notebook.get_attribute("href")
        )
        assert download.status == 200 and download.json()["cells"]


@pytest.mark.parametrize("path", REPORT_PAGES[:4])
def test_contents_links_bring_their_heading_to_the_top(visit, path: str) -> None:
    page = visit(path).page
    links = page.locator("nav.so-toc a")
    assert links.count() >= 3
    for i in range(links.count()):
        link = links.nth(i)
        anchor = link.get_attribute("href")
        link.click()
        page.wait_for_function(f"location.hash === {anchor!r}")
        page.wait_for_timeout(50)
        heading = page.locator(anchor)
        assert heading.inner_text() == link.inner_text()
        top = heading.evaluate("h => h.getBoundingClientRect().top")
        at_bottom = page.evaluate(
            "Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight"
        )
        # A last section shorter than the screen cannot scroll higher than the page's end.
        assert abs(top) <= 2 or (at_bottom and 0 <= top < 800), (anchor, top)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("path", (INDEX_PAGE, *REPORT_PAGES[:4], FAILED_PAGE, *FRENCH_PAGES))
def test_headline_figures_fit_the_first_screen_and_screenshots_are_written(
    visit, path: str, size: tuple[int, int]
) -> None:
    width, height = size
    page = visit(path, width, height).page
    name = path.replace("/", "_").removesuffix(".html") + ("-desktop" if width > 600 else "-phone")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")
    page.screenshot(path=SCREENSHOTS / f"{name}-full.png", full_page=True)
    assert (SCREENSHOTS / f"{name}.png").read_bytes().startswith(b"\x89PNG")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width  # nothing pushes the page sideways
    if path.endswith(INDEX_PAGE):
        first = page.locator("a.so-entry-link").first
        assert first.evaluate("a => a.getBoundingClientRect().bottom") <= height
        return
    if path.endswith(FAILED_PAGE):
        return  # the failure test below reads its first screen
    values = page.locator(".so-card-value")
    assert values.count() >= 3
    for i in range(values.count()):
        box = values.nth(i).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, i


@pytest.mark.parametrize("path", (*REPORT_PAGES[:4], *FRENCH_PAGES[1:5]))
def test_page_prints_on_a4_with_no_figure_cut_across_pages(visit, path: str) -> None:
    page = visit(path, A4_CONTENT_WIDTH, A4_CONTENT_HEIGHT).page
    page.emulate_media(media="print")
    figures = page.locator("figure.so-figure")
    assert figures.count() >= 1
    for i in range(figures.count()):
        figure = figures.nth(i)
        assert figure.evaluate("f => getComputedStyle(f).breakInside") == "avoid"
        assert figure.locator("figcaption").inner_text().strip()
        assert figure.locator("img").get_attribute("alt").strip() not in ("", "Chart")
        box = figure.bounding_box()
        assert box is not None and box["height"] <= A4_CONTENT_HEIGHT, (i, box)
        assert box["x"] + box["width"] <= A4_CONTENT_WIDTH + 1, (i, box)
    for card in page.locator(".so-card").all():
        assert card.evaluate("c => getComputedStyle(c).breakInside") == "avoid"
    length = page.evaluate("document.documentElement.scrollHeight")
    pdf = page.pdf(format="A4")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and pages >= 2
    # Every figure fits a page, so break-inside: avoid can always be honoured, and a figure
    # moved to the next page leaves at most one page's gap: no more pages than the page's
    # length takes, and one per figure.
    assert pages <= math.ceil(length / A4_CONTENT_HEIGHT) + figures.count()


def test_failed_page_says_what_failed_first_and_folds_the_traceback(visit) -> None:
    seen = visit(FAILED_PAGE)
    page = seen.page
    first = page.locator("main > *").first
    assert first.get_attribute("class") == "so-failure"
    what = page.locator(".so-failure-what")
    assert what.inner_text().startswith("This report could not be completed.")
    assert 'The section "Breakdown" failed' in what.inner_text()
    box = what.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800
    assert "Failed" in page.locator("header .so-status").inner_text()
    traceback = page.locator("details.so-traceback pre")
    assert not traceback.is_visible()
    assert "ValueError" not in page.inner_text("body").split("Technical details")[1]
    page.locator("details.so-traceback summary").click()
    assert traceback.is_visible() and "ValueError" in traceback.inner_text()
    assert page.locator(".so-partial").inner_text().count("never runs") == 0
