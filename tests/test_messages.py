"""The message catalogue: every msgid of the code, templates and notebooks has its French."""

from __future__ import annotations

import json

import pytest
from babel.messages.pofile import read_po

from salesops import i18n, messages


def test_every_msgid_has_a_french_translation() -> None:
    assert i18n.languages() == ["fr"]
    missing = messages.untranslated("fr")
    assert not missing, f"{len(missing)} msgids without French (make messages): {missing[:10]}"


def test_the_catalogue_holds_no_msgid_the_project_no_longer_uses() -> None:
    gathered = {m.id for m in messages.gather() if m.id}
    stale = [m.id for m in messages.read("fr") if m.id and m.id not in gathered]
    assert not stale, f"stale entries (make messages removes them): {stale[:10]}"


def test_translations_keep_every_placeholder() -> None:
    for message in messages.read("fr"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(messages.placeholders(ids[-1]))
        for text in filter(None, strings):  # an empty one is the test above's
            assert set(messages.placeholders(text)) == wanted, (message.id, text)


def test_a_markdown_cell_is_translated_block_by_block() -> None:
    cell = "## Time to win\n\nHow long deals take to win, counting the ones still open."
    assert i18n.markdown_blocks(cell) == [
        ("## ", "Time to win"),
        ("", "How long deals take to win, counting the ones still open."),
    ]
    with i18n.use_locale("fr_FR"):
        french = i18n.translate_markdown(cell)
    assert french.startswith("## ") and "Time to win" not in french
    assert i18n.translate_markdown(cell) == cell  # English: the notebook's own words


@pytest.mark.parametrize("notebook", sorted(p.name for p in messages.NOTEBOOKS.glob("*.ipynb")))
def test_every_markdown_block_of_a_notebook_reads_in_french(notebook: str) -> None:
    cells = json.loads((messages.NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    markdown = [
        "".join(cell["source"])
        for cell in cells
        if cell["cell_type"] == "markdown"
        and "explore" not in cell.get("metadata", {}).get("tags", [])  # analysts' cells: English
    ]
    assert markdown
    with i18n.use_locale("fr_FR"):
        for text in markdown:
            english = [block for _prefix, block in i18n.markdown_blocks(text)]
            french = [block for _p, block in i18n.markdown_blocks(i18n.translate_markdown(text))]
            assert not set(english) & set(french), text


@pytest.mark.parametrize("name", ["fr", "fr_FR", "fr-FR", "de_DE", "pt_BR"])
def test_any_locale_babel_knows_is_accepted(name: str) -> None:
    i18n.set_locale(name)
    assert i18n.active_locale().language == name[:2]


def test_an_unknown_locale_is_a_clear_error() -> None:
    from salesops.errors import ParamsError

    with pytest.raises(ParamsError, match="locale 'xx_YY' is not one Babel knows"):
        i18n.set_locale("xx_YY")


def test_the_po_file_reads_back_with_its_plural_forms() -> None:
    with messages.po_path("fr").open("rb") as po:
        catalogue = read_po(po)
    assert catalogue.num_plurals == 3 and not catalogue.fuzzy
