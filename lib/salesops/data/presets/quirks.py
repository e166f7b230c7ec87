"""The quirks of real CRM exports as DuckDB SQL over text columns, one function per kind of value.

Every function takes a SQL expression over a VARCHAR column and returns a SQL expression whose
value is contract-ready text: ``true``/``false``, ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS`` (UTC),
a plain number. A value that cannot be read is passed through unchanged, so that the contract
check names it ("cannot be read as a date", with examples) instead of it silently becoming null.
"""

from __future__ import annotations

TRUE_WORDS = ("1", "true", "t", "yes", "y")
FALSE_WORDS = ("0", "false", "f", "no", "n")

_MONTH_FIRST = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M")
_DAY_FIRST = ("%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M %p", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")
_OTHER = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d, %Y",
)


def quoted(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _words(words: tuple[str, ...]) -> str:
    return ", ".join(quoted(w) for w in words)


def text(expr: str) -> str:
    """Trimmed text; an empty cell is null (exports write nulls as empty strings)."""
    return f"nullif(trim({expr}), '')"


def name(expr: str) -> str:
    """A name matched across files (stages, teams): trimmed and Unicode-NFC-normalised, so that
    an accented stage written precomposed in one file and decomposed in another is one stage."""
    return f"nfc_normalize({text(expr)})"


def boolean(expr: str) -> str:
    """1/0, true/false in any case, t/f, yes/no as ``true``/``false``."""
    value = f"lower({text(expr)})"
    return (
        f"(CASE WHEN {value} IN ({_words(TRUE_WORDS)}) THEN 'true' "
        f"WHEN {value} IN ({_words(FALSE_WORDS)}) THEN 'false' ELSE {text(expr)} END)"
    )


def is_true(expr: str) -> str:
    """A SQL boolean for internal logic: true only for a true word, null when empty."""
    return f"try_cast({boolean(expr)} AS BOOLEAN)"


def parsed_timestamp(expr: str, *, day_first: bool = False) -> str:
    """A SQL TIMESTAMP (UTC) or null: ISO 8601 with or without time or offset (an offset is
    converted to UTC, no offset means UTC), epoch milliseconds (warehouse syncs), then
    03/04/2026-style dates month first (US exports) unless ``day_first``, dotted European dates,
    and named months."""
    value = text(expr)
    slashed = (_DAY_FIRST if day_first else _MONTH_FIRST) + (
        "%d/%m/%Y" if day_first else "%m/%d/%Y",
    )
    formats = "[" + ", ".join(quoted(f) for f in slashed + _OTHER) + "]"
    return (
        f"coalesce(try_cast(try_cast({value} AS TIMESTAMPTZ) AS TIMESTAMP), "
        f"CASE WHEN regexp_full_match({value}, '\\d{{12,13}}') "
        f"THEN make_timestamp(CAST({value} AS BIGINT) * 1000) END, "
        f"try_strptime({value}, {formats}))"
    )


def timestamp(expr: str, *, day_first: bool = False, formats: tuple[str, ...] = ()) -> str:
    """Text ``YYYY-MM-DD HH:MM:SS`` in UTC; ``formats`` (strptime) are tried first."""
    parsed = parsed_timestamp(expr, day_first=day_first)
    if formats:
        listed = "[" + ", ".join(quoted(f) for f in formats) + "]"
        parsed = f"coalesce(try_strptime({text(expr)}, {listed}), {parsed})"
    return f"coalesce(strftime({parsed}, '%Y-%m-%d %H:%M:%S'), {text(expr)})"


def date(expr: str, *, day_first: bool = False, formats: tuple[str, ...] = ()) -> str:
    """Text ``YYYY-MM-DD``, from a date or a timestamp (its UTC day)."""
    parsed = parsed_timestamp(expr, day_first=day_first)
    if formats:
        listed = "[" + ", ".join(quoted(f) for f in formats) + "]"
        parsed = f"coalesce(try_strptime({text(expr)}, {listed}), {parsed})"
    return f"coalesce(strftime({parsed}, '%Y-%m-%d'), {text(expr)})"


def parsed_number(expr: str) -> str:
    """A SQL DOUBLE or null: plain numbers, and thousands separated by commas (1,234.50)."""
    value = text(expr)
    plain = f"CASE WHEN regexp_full_match({value}, '-?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?') "
    plain += f"THEN replace({value}, ',', '') ELSE {value} END"
    return f"try_cast({plain} AS DOUBLE)"


def number(expr: str) -> str:
    """Text of a plain number (see ``parsed_number``), else the value as found."""
    return f"coalesce(CAST({parsed_number(expr)} AS VARCHAR), {text(expr)})"
