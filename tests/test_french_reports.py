"""A quarter of the demo in French, through the real command: every word from the catalogue in
French, numbers in French format, ``lang="fr"``, and the same locale-free JSON as in English."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from notebook_analyses import ANALYSES
from salesops import messages
from salesops.data.demo import write_demo

pytestmark = pytest.mark.slow

QUARTER = "2026Q2"
# English number formats: "31%", "$1.2M", "1,234", "2.5" (the footer's version numbers aside;
# "p = 0,036" is a French p-value)
ENGLISH_NUMBERS = {
    "percent": re.compile(r"\d%"),
    "dollar first": re.compile(r"\$\d"),
    # "1,234": an English thousand; "0,001" is a French decimal (a p-value), never a thousand
    "comma thousands": re.compile(r"(?<!p = )(?<![\d,])[1-9]\d{0,2},\d{3}(?!\d)"),
    "point decimals": re.compile(r"\d\.\d"),
}
# French: "31 %", "1,2 M$US", "6 986 200 $US" (the page text with its no-break spaces as spaces)
FRENCH_NUMBERS = re.compile(r"\d %|\d (?:k|M|Md)?(?:€|\$US)")


def _run(folder: Path, source: Path, *locale: str) -> Path:
    out = folder / (locale[-1] if locale else "en")
    done = subprocess.run(
        [
            *(sys.executable, "-m", "salesops", "run", "--quarter", QUARTER),
            *("--team", "SMB", "--source", str(source), "--out", str(out), "--jobs", "2"),
            *locale,
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out / QUARTER


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("french")
    source = folder / "demo.duckdb"
    write_demo(source)
    return _run(folder, source), _run(folder, source, "--locale", "fr_FR")


def _english_left(message_id: str, translations: tuple[str, ...]) -> list[str]:
    """The words of an msgid that a French page must not show: each stretch between
    placeholders of at least two words and 12 characters that its French does not keep."""
    stretches = (s.strip(" .,:;()") for s in re.split(r"\{[^{}]*\}", message_id))
    return [
        s for s in stretches if len(s) >= 12 and " " in s and not any(s in t for t in translations)
    ]


def _visible(page: Path) -> tuple[BeautifulSoup, str]:
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for footer in soup.select("footer"):  # provenance: versions and hashes, not prose
        footer.decompose()
    alts = " ".join(str(img.get("alt", "")) for img in soup.find_all("img"))
    return soup, " ".join(soup.get_text(" ").split()) + " " + alts


def test_no_catalogue_words_are_left_in_english_on_any_french_page(runs) -> None:
    _english, french = runs
    stretches = []
    for message in messages.read("fr"):
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            stretches += [s for i in ids for s in _english_left(i, strings)]
    assert len(stretches) > 200  # the catalogue is read, not empty
    pages = sorted(french.rglob("*.html"))
    assert len(pages) == 1 + 2 * len(ANALYSES)  # the index, every analysis for SMB and all teams
    for page in pages:
        soup, text = _visible(page)
        assert soup.html is not None and soup.html.get("lang") == "fr", page
        left = sorted({s for s in stretches if s in text})
        assert not left, f"{page.name}: English left: {left[:5]}"


def test_french_pages_write_numbers_the_french_way(runs) -> None:
    _english, french = runs
    for page in sorted(french.rglob("*.html")):
        _soup, text = _visible(page)
        for name, pattern in ENGLISH_NUMBERS.items():
            found = [text[max(m.start() - 25, 0) : m.end() + 10] for m in pattern.finditer(text)]
            assert not found, f"{page.name}: {name}: {found[:3]}"
        if page.name != "index.html":
            assert FRENCH_NUMBERS.search(text), page.name
    index = (french / "index.html").read_text(encoding="utf-8")
    assert "T2 2026" in index and "2026Q2" not in BeautifulSoup(index, "html.parser").h1.text


def test_the_json_is_locale_free_and_equals_the_english_run(runs) -> None:
    english, french = runs
    documents = sorted(p.relative_to(english) for p in english.rglob("*.json"))
    assert len(documents) >= 9  # eight headlines and the manifest
    for name in documents:
        if name.name == "manifest.json":
            continue
        en = json.loads((english / name).read_text(encoding="utf-8"))
        fr = json.loads((french / name).read_text(encoding="utf-8"))
        assert fr["quarter"] == QUARTER
        en_numbers = {k: v for k, v in en.items() if k != "cards"}
        fr_numbers = {k: v for k, v in fr.items() if k != "cards"}
        assert fr_numbers == en_numbers, name
        assert [c["label"] for c in fr["cards"]] != [c["label"] for c in en["cards"]], name
