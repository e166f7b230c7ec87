"""The quirks of real CRM exports as DuckDB SQL over text columns, one function per kind of value.

Every function takes a SQL expression over a VARCHAR column and returns a SQL expression whose
value is contract-ready text: ``true``/``false``, ``YYYY-MM-DD``, ``YYYY-MM-DD HH:MM:SS`` (UTC),
a plain number. A value that cannot be read is passed through unchanged, so that the contract
check names it ("cannot be read as a date", with examples) instead of it silently becoming null.
"""

from __future__ import annotations

TRUE_WORDS = ("1", "true", "t", "yes", "y")
FALSE_WORDS = ("0", "false", "f", "no", "n")

_TIMES = (" %I:%M:%S %p", " %I:%M %p", " %H:%M:%S", " %H:%M", "")  # or none
_MONTH_FIRST = tuple(f"%m/%d/%Y{time}" for time in _TIMES)
_DAY_FIRST = tuple(f.replace("%m/%d", "%d/%m") for f in _MONTH_FIRST)
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
# day and month of one or two digits and a four-digit year, separated by / - or .
_NUMERIC_DATE = r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})"


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


def _listed(formats: tuple[str, ...]) -> str:
    return "[" + ", ".join(quoted(f) for f in formats) + "]"


def parsed_timestamp(expr: str, *, day_first: bool = False) -> str:
    """A SQL TIMESTAMP (UTC) or null.

    Day, month and year in digits with any separator (/, - or .), with or without a time, are
    read month first (US exports) unless ``day_first``; dotted ones that cannot be month first
    (30.11.2026) day first, as Europe writes them. Anything else: ISO 8601 with or without time or
    offset (an offset is converted to UTC, no offset means UTC), epoch milliseconds (warehouse
    syncs), year-first slashed dates and named months.
    """
    value = text(expr)
    slashed = f"regexp_replace({value}, {quoted(_NUMERIC_DATE)}, '\\1/\\2/\\3')"
    order = _DAY_FIRST if day_first else _MONTH_FIRST
    return (
        f"CASE WHEN regexp_matches({value}, {quoted(_NUMERIC_DATE)}) "
        f"THEN coalesce(try_strptime({slashed}, {_listed(order)}), "
        f"try_strptime({value}, {_listed(_OTHER)})) "
        f"ELSE coalesce(try_cast(try_cast({value} AS TIMESTAMPTZ) AS TIMESTAMP), "
        f"CASE WHEN regexp_full_match({value}, '\\d{{12,13}}') "
        f"THEN make_timestamp(CAST({value} AS BIGINT) * 1000) END, "
        f"try_strptime({value}, {_listed(_OTHER)})) END"
    )


def _written(expr: str, written: str, day_first: bool, formats: tuple[str, ...]) -> str:
    """The parsed timestamp written with the strftime format ``written``, else the value as
    found; ``formats`` (strptime) are tried first."""
    parsed = parsed_timestamp(expr, day_first=day_first)
    if formats:
        parsed = f"coalesce(try_strptime({text(expr)}, {_listed(formats)}), {parsed})"
    return f"coalesce(strftime({parsed}, {quoted(written)}), {text(expr)})"


def timestamp(expr: str, *, day_first: bool = False, formats: tuple[str, ...] = ()) -> str:
    """Text ``YYYY-MM-DD HH:MM:SS`` in UTC; ``formats`` (strptime) are tried first."""
    return _written(expr, "%Y-%m-%d %H:%M:%S", day_first, formats)


def date(expr: str, *, day_first: bool = False, formats: tuple[str, ...] = ()) -> str:
    """Text ``YYYY-MM-DD``, from a date or a timestamp (its UTC day)."""
    return _written(expr, "%Y-%m-%d", day_first, formats)


def parsed_number(expr: str) -> str:
    """A SQL DOUBLE or null: plain numbers, and thousands separated by commas (1,234.50)."""
    value = text(expr)
    plain = f"CASE WHEN regexp_full_match({value}, '-?\\d{{1,3}}(,\\d{{3}})+(\\.\\d+)?') "
    plain += f"THEN replace({value}, ',', '') ELSE {value} END"
    return f"try_cast({plain} AS DOUBLE)"


def number(expr: str) -> str:
    """Text of a plain number (see ``parsed_number``), else the value as found."""
    return f"coalesce(CAST({parsed_number(expr)} AS VARCHAR), {text(expr)})"
