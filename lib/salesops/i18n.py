"""The reader's language: the active locale, and the message catalogue every word goes through.

``gettext("Win rate")`` returns the words in the active locale's language when its catalogue
(``lib/salesops/locales/<language>/LC_MESSAGES/salesops.po``) has them, else the English msgid.
Numbers and dates follow the locale whether or not its language has a catalogue
(``salesops.formatting``). A report's process has one locale: ``set_locale`` is called once, when
the report opens (the org's ``locale`` setting or ``salesops run --locale``).
"""

from __future__ import annotations

import gettext as _gettext
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from salesops.errors import ParamsError

DEFAULT_LOCALE = "en_US"
DOMAIN = "salesops"
CATALOGUES = Path(__file__).parent / "locales"

_active = DEFAULT_LOCALE
_BLANK_LINES = re.compile(r"\n[ \t]*\n")
_HEADING = re.compile(r"^(#{1,6}[ \t]+)(.*)$", re.DOTALL)


def parse_locale(name: str) -> Locale:
    """``name`` (``fr_FR``, ``fr-FR``, ``fr``) as a Babel locale; a clear error when unknown."""
    try:
        return Locale.parse(str(name).strip().replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        raise ParamsError(
            f"locale {name!r} is not one Babel knows; use a name like en_US or fr_FR"
        ) from None


def set_locale(name: str) -> None:
    """Make ``name`` the locale of every word and number from here on (checked first)."""
    global _active
    _active = str(parse_locale(name))


def active_locale() -> Locale:
    return parse_locale(_active)


@contextmanager
def use_locale(name: str) -> Iterator[None]:
    """``name`` as the active locale inside the block, the previous one after it."""
    previous = _active
    set_locale(name)
    try:
        yield
    finally:
        set_locale(previous)


def languages() -> list[str]:
    """The languages with a catalogue, besides English (the msgids)."""
    return sorted(p.parent.parent.name for p in CATALOGUES.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


@cache
def _translations(language: str) -> _gettext.NullTranslations:
    path = CATALOGUES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as po:
        catalogue = read_po(po, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)  # fuzzy entries are left out: they read in English
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def translations(locale: str | Locale | None = None) -> _gettext.NullTranslations:
    """The catalogue of ``locale``'s language (the active locale by default)."""
    language = (parse_locale(str(locale)) if locale else active_locale()).language
    return _translations(language)


def gettext(message: str) -> str:
    """``message`` in the active language; the msgid itself when there is no translation."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for ``n``, in the active language."""
    return translations().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the active language, told apart from the same English word by ``context``."""
    return translations().pgettext(context, message)


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """A markdown cell as (prefix, block) pairs, blocks apart by blank lines; a heading's prefix
    is its hashes ("## "), its block the words."""
    blocks = []
    for block in _BLANK_LINES.split(text.strip()):
        heading = _HEADING.match(block)
        blocks.append((heading.group(1), heading.group(2)) if heading else ("", block))
    return [(prefix, block) for prefix, block in blocks if block.strip()]


def translate_markdown(text: str) -> str:
    """A notebook's markdown cell in the active language, block by block as the catalogue has it."""
    if active_locale().language == "en":
        return text
    return "\n\n".join(prefix + gettext(block) for prefix, block in markdown_blocks(text))


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (translate when shown)."""
    return message


_ = gettext
