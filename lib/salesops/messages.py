"""The message catalogue: every word a reader sees, gathered from the code, templates and notebooks.

``python -m salesops.messages update`` gathers the msgids (``_()``, ``ngettext()``, ``pgettext()``
and ``N_()`` in ``lib/salesops``, ``{% trans %}`` and ``_()`` in the page templates, and the
markdown of the notebooks, block by block) and merges them into each language's ``.po`` file;
``check`` lists the msgids a catalogue does not translate and exits 1 when there are any.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract
from babel.messages.pofile import read_po, write_po

from salesops.i18n import CATALOGUES, DOMAIN, languages, markdown_blocks

PACKAGE = Path(__file__).parent
NOTEBOOKS = PACKAGE.parent.parent / "notebooks"
_HIDDEN_TAGS = {"explore"}
_PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


def _from_code() -> Iterator[tuple[str, int, str | tuple[str, ...], str | None]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        with path.open("rb") as code:
            for line, message, _comments, context in extract(
                "python", code, keywords=DEFAULT_KEYWORDS
            ):
                yield str(path.relative_to(PACKAGE)), line, message, context
    for path in sorted(PACKAGE.rglob("*.j2")):
        with path.open("rb") as template:
            for line, message, _comments, context in extract(
                "jinja2.ext:babel_extract",
                template,
                keywords=DEFAULT_KEYWORDS,
                options={"trimmed": "true"},
            ):
                yield str(path.relative_to(PACKAGE)), line, message, context


def _from_notebooks() -> Iterator[tuple[str, int, str, None]]:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells, 1):
            tags = set(cell.get("metadata", {}).get("tags", []))
            if cell["cell_type"] != "markdown" or tags & _HIDDEN_TAGS:
                continue
            for _prefix, block in markdown_blocks("".join(cell["source"])):
                yield f"notebooks/{path.name}", number, block, None


def gather() -> Catalog:
    """Every msgid of the project, with where it comes from."""
    catalogue = Catalog(domain=DOMAIN, project="salesops", charset="utf-8")
    for where, line, message, context in [*_from_code(), *_from_notebooks()]:
        if message and (not isinstance(message, tuple) or message[0]):
            catalogue.add(message, locations=[(where, line)], context=context)
    return catalogue


def po_path(language: str) -> Path:
    return CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _new(language: str) -> Catalog:
    catalogue = Catalog(
        locale=language,
        domain=DOMAIN,
        project="salesops",
        version="",
        copyright_holder="the salesops authors",
        msgid_bugs_address="",
        last_translator="the salesops authors",
        language_team=language,
        header_comment=f"# {language} catalogue of salesops: `make messages` gathers new msgids.",
    )
    catalogue.fuzzy = False
    return catalogue


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as po:
        return read_po(po, locale=language, domain=DOMAIN)


def update(language: str) -> Catalog:
    """Merge the gathered msgids into ``language``'s catalogue (new ones untranslated)."""
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue = read(language) if path.exists() else _new(language)
    created = catalogue.creation_date
    catalogue.update(gather(), no_fuzzy_matching=True)
    catalogue.obsolete.clear()
    catalogue.creation_date = created  # no churn in the header when nothing else changed
    with path.open("wb") as po:
        write_po(po, catalogue, width=100, include_lineno=False)
    return catalogue


def untranslated(language: str) -> list[str]:
    """The gathered msgids ``language``'s catalogue lacks, leaves empty or marks fuzzy."""
    catalogue = read(language)
    missing = []
    for message in gather():
        if not message.id:
            continue
        found = catalogue.get(message.id, context=message.context)
        strings = found.string if found else None
        texts = strings if isinstance(strings, tuple) else (strings,)
        if found is None or found.fuzzy or not all(texts):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders of a message, sorted."""
    return sorted(_PLACEHOLDER.findall(text))


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    status = 0
    for language in languages():
        if command == "update":
            update(language)
        missing = untranslated(language)
        for msgid in missing:
            print(f"{language}: untranslated: {msgid!r}")
        status = status or bool(missing)
        print(f"{language}: {len(read(language))} entries, {len(missing)} untranslated")
    return int(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
