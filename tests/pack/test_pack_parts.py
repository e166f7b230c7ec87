"""What a pack holds and how its document is put together, without printing it."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup

from salesops.report.pack.document import PackDocument
from salesops.report.pack.parts import plan_packs
from salesops.report.run.manifest import RunRecord

PAGE = """<!DOCTYPE html><html><body><header><h1 class="so-title">{title}</h1></header>
<main><nav aria-labelledby="toc"><h2 id="toc">Contents</h2><a href="#Breakdowns">Breakdowns</a>
</nav><h2 id="Breakdowns">Breakdowns</h2></main></body></html>"""


def _records(folder: Path) -> list[RunRecord]:
    """SMB's and the roll-up's records in index order, SMB's quota failed; each page written in
    ``folder``."""
    records = []
    for team, slug in (("SMB", "smb"), ("all", "all")):
        for analysis in ("funnel", "summary", "quota"):
            failed = team == "SMB" and analysis == "quota"
            page = f"{slug}/{analysis}.html"
            (folder / slug).mkdir(exist_ok=True)
            (folder / page).write_text(PAGE.format(title=analysis), encoding="utf-8")
            records.append(
                RunRecord(
                    "2026Q3",
                    team,
                    slug,
                    analysis,
                    {},
                    "failed" if failed else "ok",
                    title=analysis.capitalize(),
                    files={"page": page},
                )
            )
    return records


def test_the_summaries_open_a_pack_then_the_reports_that_rendered_in_index_order(
    tmp_path: Path,
) -> None:
    plans = plan_packs(tmp_path, "2026Q3", _records(tmp_path))
    assert [plan.team for plan in plans] == ["all", "SMB"]  # the index's row order
    contents = {plan.team: [part.title for part in plan.parts] for plan in plans}
    assert contents == {
        "all": ["Summary", "Summary: SMB", "Funnel", "Quota"],
        "SMB": ["Summary", "Funnel"],  # its quota failed
    }
    assert plans[1].path == tmp_path / "smb" / "pack.pdf"


def test_a_packs_key_changes_with_any_of_its_pages(tmp_path: Path) -> None:
    plan = plan_packs(tmp_path, "2026Q3", _records(tmp_path))[1]
    key = plan.key(code="c", locale="en_US", data_as_of="2026-09-30")
    assert key == plan.key(code="c", locale="en_US", data_as_of="2026-09-30")
    assert key != plan.key(code="c", locale="fr_FR", data_as_of="2026-09-30")
    plan.parts[1].page.write_text(PAGE.format(title="funnel, again"), encoding="utf-8")
    assert key != plan.key(code="c", locale="en_US", data_as_of="2026-09-30")


def test_each_part_gets_ids_of_its_own_and_the_contents_link_to_the_parts(tmp_path: Path) -> None:
    plan = plan_packs(tmp_path, "2026Q3", _records(tmp_path))[0]
    document = PackDocument(
        plan.parts,
        team='<b>"all"</b>',
        quarter="2026Q3",
        data_as_of="2026-09-30",
        printed_at="2026-10-01T07:30:00+00:00",
    )
    html = document.html([2, 3, 4, 6])
    soup = BeautifulSoup(html, "html.parser")
    ids = [element["id"] for element in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)) == 4 * 3  # each part, its contents title and its heading
    assert soup.select_one("#part-2 a")["href"] == "#part-2-Breakdowns"
    assert soup.select_one("#part-2 nav")["aria-labelledby"] == "part-2-toc"
    entries = [(a["href"], a.get_text(" ", strip=True)) for a in soup.select(".so-contents-list a")]
    assert entries[1] == ("#part-2", "Summary: SMB 3")
    assert "<b>" not in html  # the team's name is escaped, in the page and in its CSS
    assert r'content: "\3c b\3e \22 all\22 \3c /b\3e  · 2026Q3"' in html
    assert 'content: "Page " counter(page) " of " counter(pages)' in html
