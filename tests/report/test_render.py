"""The leadership page of one run, rendered by real nbconvert from hand-built executed notebooks."""

from __future__ import annotations

import base64
import random
import re
from dataclasses import replace

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat import v4

from salesops.report.outcome import Failure, Outcome
from salesops.report.pages.layout import display_time
from salesops.report.pages.report import PageInfo, describe_failure, render_report
from salesops.vocabulary import HEADLINE_MIMETYPE, FailureKind

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[x](javascript:alert(1))",
]
# Anything that would make the browser fetch from another host.
EXTERNAL = re.compile(
    r"""(?:src|href|srcset|action|poster)\s*=\s*["']?\s*(?:https?:)?//
      | @import | url\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE | re.VERBOSE,
)
PNG = base64.b64encode(random.Random(7).randbytes(3_000)).decode()
CARDS = [
    {
        "label": "Win rate",
        "value": "24 %",
        "change": "-7 pts",
        "direction": "down",
        "good": False,
        "note": "n=212",
    },
    {
        "label": "Won amount",
        "value": "$1.2M",
        "change": "+8 %",
        "direction": "up",
        "good": True,
        "note": "",
    },
    {
        "label": "Median cycle",
        "value": "41 days",
        "change": None,
        "direction": None,
        "good": None,
        "note": "won deals",
    },
]
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="9"/></svg>'
# As salesops.present.table renders a frame: number columns carry so-num, with its own <style>.
TABLE = (
    '<div class="so-block"><style>.so-table td.so-num{text-align:right}</style>'
    '<table class="so-table"><thead><tr><th scope="col" class="so-text">Rep</th>'
    '<th scope="col" class="so-num">Won</th></tr></thead><tbody>'
    '<tr><td class="so-text">Ana</td><td class="so-num">$1,234</td></tr></tbody></table></div>'
)


def headline_output(cards: list[dict[str, object]]) -> nbformat.NotebookNode:
    payload = {
        "analysis": "funnel",
        "team": "all",
        "quarter": "2026Q3",
        "metrics": {},
        "cards": cards,
    }
    body = (
        '<div class="so-cards">'
        + "".join(f'<div class="so-card">{c["label"]}: {c["value"]}</div>' for c in cards)
        + "</div>"
    )
    return v4.new_output("display_data", data={HEADLINE_MIMETYPE: payload, "text/html": body})


def figure_html(png: str, caption: str) -> str:
    return (
        f'<figure class="so-figure"><img src="data:image/png;base64,{png}" alt="{caption}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def executed_notebook(png: str = PNG) -> nbformat.NotebookNode:
    """A funnel-like notebook as papermill leaves it: parameters, sections, figures, a table."""
    code = v4.new_code_cell
    cells = [
        v4.new_markdown_cell("# Funnel\n\nHow deals move from stage to stage this quarter."),
        code(
            'quarter = "2026Q3"\nteam = "all"  # PARAMETERS_DEFAULT',
            execution_count=1,
            metadata={"tags": ["parameters"]},
            outputs=[v4.new_output("stream", name="stdout", text="PARAMETERS_OUTPUT\n")],
        ),
        code(
            '# Parameters\nteam = "West"  # INJECTED_VALUE',
            execution_count=2,
            metadata={"tags": ["injected-parameters"]},
            outputs=[v4.new_output("stream", name="stdout", text="INJECTED_OUTPUT\n")],
        ),
        code(
            "present.headline(funnel)",
            execution_count=3,
            outputs=[
                v4.new_output("stream", name="stderr", text="FutureWarning: STDERR_NOISE\n"),
                headline_output(CARDS),
            ],
        ),
        v4.new_markdown_cell("## Win rate & cycle\n\nWin rate fell from 31 % to 24 % (n=212)."),
        code(
            "charts.win_rate(funnel)",
            execution_count=4,
            outputs=[
                v4.new_output(
                    "display_data",
                    data={
                        "text/html": figure_html(png, "Win rate by week"),
                        "text/plain": "<Figure size 640x480>",
                    },
                ),
                v4.new_output(
                    "execute_result",
                    data={"text/plain": "<Figure size 640x480 with 1 Axes>"},
                    execution_count=4,
                ),
            ],
        ),
        v4.new_markdown_cell("## Pipeline – coverage at 50%"),
        code(
            "charts.coverage(funnel)",
            execution_count=5,
            outputs=[
                v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"}),
                v4.new_output("display_data", data={"image/svg+xml": SVG}),
                v4.new_output("stream", name="stdout", text="Coverage is read on day one.\n"),
            ],
        ),
        v4.new_markdown_cell("## Breakdown"),
        code(
            "present.table(breakdown)",
            execution_count=6,
            outputs=[
                v4.new_output("execute_result", data={"text/html": TABLE}, execution_count=6),
                v4.new_output(
                    "error", ename="KeyError", evalue="RAW_ERROR_OUTPUT", traceback=["tb"]
                ),
            ],
        ),
        v4.new_markdown_cell("## Breakdown"),
        code(
            "present.note()",
            execution_count=7,
            outputs=[
                v4.new_output(
                    "display_data", data={"text/markdown": "Stages are read from *stages*."}
                ),
            ],
        ),
    ]
    return v4.new_notebook(cells=cells)


INFO = PageInfo(
    title="Funnel",
    team="all",
    quarter="2026Q3",
    data_as_of="2026-09-30",
    generated_at="2026-10-01 07:30 UTC",
    provenance={
        "package_version": "0.1.0",
        "git_revision": "1a2b3c4",
        "nbconvert": "7.17.2",
        "Parameters": "team=all",
    },
    notebook_href="funnel.ipynb",
)


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def outcome(nb: nbformat.NotebookNode, fault: Failure | None = None) -> Outcome:
    return Outcome.read(nb, fault)


@pytest.fixture(scope="module")
def page() -> str:
    return render_report(outcome(executed_notebook()), INFO)


def test_page_shows_no_code_parameters_stderr_or_raw_errors(page: str) -> None:
    for hidden in (
        "PARAMETERS_DEFAULT",
        "PARAMETERS_OUTPUT",
        "INJECTED_VALUE",
        "INJECTED_OUTPUT",
        "STDERR_NOISE",
        "FutureWarning",
        "RAW_ERROR_OUTPUT",
        "present.headline",
        "charts.win_rate",
        "<Figure",
        "In&nbsp;[",
        "jp-InputArea",
        "Traceback",
    ):
        assert hidden not in page
    assert "Coverage is read on day one." in page  # stdout is the notebook's own words


def test_header_names_title_team_quarter_and_dates(page: str) -> None:
    header = soup_of(page).select_one("header.so-header")
    assert header.select_one("h1").get_text() == "Funnel"
    facts = dict(
        zip(
            [dt.get_text() for dt in header.select("dt")],
            [dd.get_text() for dd in header.select("dd")],
            strict=True,
        )
    )
    assert facts == {
        "Team": "All teams",
        "Quarter": "2026Q3",
        "Data as of": "2026-09-30",
        "Generated": "2026-10-01 07:30 UTC",
    }
    assert soup_of(page).title.get_text() == "Funnel · All teams · 2026Q3"
    assert len(soup_of(page).find_all("h1")) == 1  # the notebook's own title is not repeated


def test_contents_links_land_on_their_section_headings(page: str) -> None:
    soup = soup_of(page)
    links = soup.select("nav.so-toc a")
    assert [a.get_text() for a in links] == [
        "Win rate & cycle",
        "Pipeline – coverage at 50%",
        "Breakdown",
        "Breakdown",
    ]
    targets = []
    for link in links:
        matches = soup.find_all(id=link["href"].removeprefix("#"))
        assert len(matches) == 1 and matches[0].name == "h2"
        targets.append(matches[0])
    assert len(set(map(id, targets))) == len(links)  # the repeated heading gets its own anchor
    assert not soup.select("a.anchor-link")


def test_headline_cards_open_the_page_once(page: str) -> None:
    main = soup_of(page).select_one("main")
    first = main.find(True, recursive=False)
    assert "so-headline" in first["class"]
    cards = main.select(".so-card")
    assert [c.select_one(".so-card-value").get_text() for c in cards] == [
        "24 %",
        "$1.2M",
        "41 days",
    ]
    assert len(main.select(".so-cards")) == 1  # the notebook's in-body copy is dropped
    assert cards[0].select_one(".so-card-change").get_text(" ", strip=True) == (
        "▼ Down: -7 pts (worse)"  # direction and judgement in words, not colour alone
    )
    assert "(better)" in cards[1].get_text()
    assert "so-bad" in cards[0]["class"] and "so-good" in cards[1]["class"]


def test_the_last_headline_displayed_gives_the_cards() -> None:
    nb = executed_notebook()
    cards = [{"label": "Bookings", "value": "$9.9M"}]
    nb.cells[5].outputs.append(headline_output(cards))
    html = render_report(outcome(nb), INFO)
    assert [c.get_text(" ", strip=True) for c in soup_of(html).select(".so-card")] == [
        "Bookings $9.9M"
    ]


def test_figures_are_embedded_and_table_numbers_aligned(page: str) -> None:
    body = soup_of(page).select_one("article.so-body")
    figures = body.select("figure.so-figure")
    assert [f.img["src"].split(";")[0] for f in figures] == [
        "data:image/png",
        "data:image/png",
        "data:image/svg+xml",
    ]
    assert figures[0].figcaption.get_text() == "Win rate by week"
    table = body.select_one("table.so-table")
    assert [td["class"] for td in table.select("td")] == [["so-text"], ["so-num"]]
    style = soup_of(page).head.style.get_text()
    assert re.search(r"\.so-body \.so-num,[^{]*\{[^}]*text-align: right", style)


def test_page_is_self_contained_and_printable(page: str) -> None:
    assert not EXTERNAL.search(page)
    soup = soup_of(page)
    assert not soup.find_all(["script", "link", "iframe"])
    style = soup.style.get_text()
    assert "@media print" in style and "size: A4" in style
    assert re.search(r"\.so-figure[^{]*\{[^}]*break-inside: avoid", style)
    assert soup.select_one(".so-download a")["href"] == "funnel.ipynb"
    footer = soup.select_one("footer").get_text(" ", strip=True)
    assert "Package version 0.1.0" in footer and "Git revision 1a2b3c4" in footer
    assert "Parameters team=all" in footer and "nbconvert 7.17.2" in footer


def test_page_with_eight_large_figures_stays_under_one_and_a_half_megabytes() -> None:
    rng = random.Random(1)
    nb = executed_notebook()
    for n in range(8):  # random bytes do not compress: a fair stand-in for an 80 kB chart
        png = base64.b64encode(rng.randbytes(80_000)).decode()
        data = {"image/png": png} if n % 2 else {"text/html": figure_html(png, f"Chart {n}")}
        nb.cells.append(
            v4.new_code_cell(
                "chart", execution_count=10 + n, outputs=[v4.new_output("display_data", data=data)]
            )
        )
    size = len(render_report(outcome(nb), INFO).encode())
    assert 8 * 80_000 * 4 / 3 < size < 1_500_000


def failure(kind: str, **fields: str) -> Failure:
    base = {
        "section": "Breakdown",
        "ename": "ValueError",
        "evalue": "no quota rows for 2026Q3",
        "traceback": "\x1b[0;31mValueError\x1b[0m: no quota rows for 2026Q3",
        "kind": kind,
    }
    return Failure(**{**base, **fields})


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (failure("error"), 'The section "Breakdown" failed: ValueError: no quota rows for 2026Q3.'),
        (
            failure(
                "timeout",
                ename="CellTimeoutError",
                evalue="a cell ran longer than the 600 s cell timeout",
            ),
            'The section "Breakdown" took longer than the 600-second limit.',
        ),
        (
            failure(
                "timeout",
                evalue="A cell timed out while it was being executed, after 90 "
                "seconds.\nHere is a preview of the cell contents:",
            ),
            'The section "Breakdown" took longer than the 90-second limit.',
        ),
        (failure("dead_kernel"), 'The section "Breakdown" stopped because the Python process'),
        (
            failure("stopped_early", ename="SystemExit", evalue="2 code cells did not run"),
            'The notebook stopped early in the section "Breakdown": 2 code cells did not run.',
        ),
        (
            failure(
                "bad_parameter",
                section="Parameters",
                ename="ParameterError",
                evalue="unknown team 'Nord'",
            ),
            "A parameter of this run was not accepted: ParameterError: unknown team 'Nord'.",
        ),
        (
            failure("write_failed", ename="OSError", evalue="[Errno 28] No space left on device"),
            "The report ran, but its files could not be saved: OSError: [Errno 28] No space left",
        ),
        (
            failure("interrupted", section=""),
            "The run was stopped before this report was finished.",
        ),
    ],
)
def test_failure_page_says_what_failed_and_what_to_do(fault: Failure, expected: str) -> None:
    html = render_report(outcome(executed_notebook(), fault), INFO)
    soup = soup_of(html)
    what = soup.select_one(".so-failure-what").get_text()
    assert what.startswith("This report could not be completed. " + expected)
    assert what == describe_failure(fault)
    assert soup.select_one(".so-failure-next").get_text().strip()
    assert "Failed" in soup.select_one("header .so-status").get_text()
    assert soup.select_one("header h1").get_text() == "Funnel"
    assert "Package version" in soup.select_one("footer").get_text()
    traceback = soup.select_one("details.so-traceback pre").get_text()
    assert traceback == "ValueError: no quota rows for 2026Q3"  # ANSI colour codes stripped
    assert "\x1b" not in html and not EXTERNAL.search(html)


def test_failure_page_labels_partial_results_and_drops_sections_never_reached() -> None:
    nb = executed_notebook()
    for cell in nb.cells[8:]:  # papermill clears what it never ran
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.cells[7].outputs.append(
        v4.new_output("error", ename="ValueError", evalue="RAW_ERROR_OUTPUT", traceback=["tb"])
    )
    html = render_report(outcome(nb, failure("error")), INFO)
    partial = soup_of(html).select_one("section.so-partial")
    assert "produced before the failure" in partial.select_one(".so-partial-note").get_text()
    assert [h.get_text() for h in partial.select("h2[id]")][1:] == [
        "Win rate & cycle",
        "Pipeline – coverage at 50%",
    ]
    assert "RAW_ERROR_OUTPUT" not in html and "Breakdown" not in partial.get_text()
    assert not soup_of(html).select("nav.so-toc")


def test_failure_before_any_cell_ran_has_no_partial_section() -> None:
    nb = executed_notebook()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    fault = failure("bad_parameter", section="Parameters", evalue="quarter '2026Q9' is not valid")
    html = render_report(outcome(nb, fault), INFO)
    assert not soup_of(html).select(".so-partial, .so-card")
    assert "quarter &#39;2026Q9&#39; is not valid" in html


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_string_from_the_data_is_escaped(hostile: str) -> None:
    nb = executed_notebook()
    cards = [
        {
            "label": hostile,
            "value": hostile,
            "change": hostile,
            "direction": "up",
            "good": True,
            "note": hostile,
        }
    ]
    nb.cells[3].outputs = [headline_output(cards)]
    info = PageInfo(
        title=hostile,
        team=hostile,
        quarter=hostile,
        data_as_of=hostile,
        generated_at=hostile,
        provenance={hostile: hostile, "parameters": f"team={hostile}"},
        notebook_href="funnel.ipynb",
    )
    fault = Failure(
        FailureKind.ERROR, section=hostile, ename=hostile, evalue=hostile, traceback=hostile
    )
    for html in (render_report(outcome(nb), info), render_report(outcome(nb, fault), info)):
        soup = soup_of(html)
        assert not soup.find_all("script")
        assert not soup.select("[onerror]") and not soup.select('img[src="x"]')
        assert not soup.select('[href^="javascript:"]')
        if "<" in hostile:
            assert hostile not in html
        assert hostile in soup.select_one("header h1").get_text()


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "https://example.com/f.ipynb",
        "//example.com/f.ipynb",
        "\\\\example.com\\f.ipynb",
        " ",
    ],
)
def test_links_must_stay_inside_the_reports_folder(href: str) -> None:
    with pytest.raises(ValueError, match="relative link"):
        render_report(outcome(executed_notebook()), replace(INFO, notebook_href=href))


def test_an_unknown_failure_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="not a valid FailureKind"):
        failure("exploded")
    assert failure("timeout").kind is FailureKind.TIMEOUT


def test_question_under_the_notebook_title_becomes_the_header_lede(page: str) -> None:
    soup = soup_of(page)
    assert soup.select_one("header .so-lede").get_text() == (
        "How deals move from stage to stage this quarter."
    )
    assert "How deals move" not in soup.select_one("article.so-body").get_text()


@pytest.mark.parametrize(
    ("stamp", "shown"),
    [
        ("2026-11-27T07:10:50+00:00", "2026-11-27 07:10 UTC"),
        ("2026-11-27T09:10:50+02:00", "2026-11-27 07:10 UTC"),
        ("2026-10-01 07:30 UTC", "2026-10-01 07:30 UTC"),  # not ISO: shown as given
        ("2026-11-27T07:10:50", "2026-11-27T07:10:50"),  # no time zone: not guessed
    ],
)
def test_generated_time_reads_in_utc_to_the_minute(stamp: str, shown: str) -> None:
    assert display_time(stamp) == shown


@pytest.mark.parametrize(("count", "columns"), [(2, 2), (4, 4), (5, 3), (6, 3), (7, 4)])
def test_five_or_six_cards_sit_in_even_rows_of_three(count: int, columns: int) -> None:
    cards = [{"label": f"Card {i}", "value": str(i)} for i in range(count)]
    html = render_report(replace(outcome(executed_notebook()), headline={"cards": cards}), INFO)
    assert soup_of(html).select_one(".so-cards")["class"] == ["so-cards", f"so-cards-{columns}"]
