"""What every preset does to the contract views it mapped, before the contract check.

The same fact of an export gets the same repair and the same note (with a count and example ids),
whichever CRM wrote it: blank cells a fill covers take the fill's value, and a closed deal whose
close date is before its creation (entered after the fact) starts on its close date. Each repair
puts a new view over the one before, so every preset's SQL stays as it was written.
"""

from __future__ import annotations

from collections.abc import Mapping

from salesops.data import contract
from salesops.data.presets import quirks
from salesops.data.presets.export import Export
from salesops.formatting import count

# a closed deal (flag as text) whose close day is before the UTC day of its creation
_BACKWARDS = (
    "coalesce(try_cast(is_closed AS BOOLEAN) AND try_cast(close_date AS DATE) "
    "< CAST(try_cast(created_at AS TIMESTAMPTZ) AS DATE), FALSE)"
)


def deals(n: int) -> str:
    """``n`` deal(s), in words."""
    return f"{count(n)} deal{'' if n == 1 else 's'}"


def repair(export: Export, fills: Mapping[str, Mapping[str, str]]) -> None:
    """Fill blank cells (contract table -> column -> value), then start deals closed before
    they were created on their close date; each noted in the export's log."""
    for table, columns in fills.items():
        if _has_columns(export, table, *columns):
            _fill(export, table, columns)
    if _has_columns(export, "opportunities", "created_at", "close_date", "is_closed"):
        _closed_before_created(export)


def _has_columns(export: Export, table: str, *columns: str) -> bool:
    rows = export.rows(
        f"SELECT column_name FROM information_schema.columns WHERE table_name = '{table}'"
    )
    return bool(rows) and set(columns) <= {str(r[0]) for r in rows}


def _layer(export: Export, table: str, step: str, replaced: Mapping[str, str]) -> None:
    """Put a view ``table`` over the one before (renamed ``<table>_<step>``) with the columns
    ``replaced`` by SQL over it."""
    below = f"{table}_{step}"
    export.db.execute(f'ALTER VIEW "{table}" RENAME TO "{below}"')
    columns = ", ".join(f"{sql} AS {column}" for column, sql in replaced.items())
    export.view(table, f'SELECT * REPLACE ({columns}) FROM "{below}"')


def _examples(export: Export, table: str, where: str) -> tuple[int, str]:
    """How many rows of ``table`` match ``where``, and up to five of their ids."""
    spec = contract.TABLES[table]
    key = spec.id or spec.label
    n = export.count(f'"{table}"', where)
    rows = export.rows(f'SELECT DISTINCT {key} FROM "{table}" WHERE {where} ORDER BY 1 LIMIT 5')
    return n, ", ".join(str(r[0]) for r in rows)


def _fill(export: Export, table: str, columns: Mapping[str, str]) -> None:
    blank = {column: f"{quirks.text(column)} IS NULL" for column in columns}
    found = {column: _examples(export, table, where) for column, where in blank.items()}
    replaced = {c: f"coalesce({quirks.text(c)}, {quirks.quoted(v)})" for c, v in columns.items()}
    _layer(export, table, "unfilled", replaced)
    for column, (n, shown) in found.items():
        if n:
            cells = f"{count(n)} blank cell{'' if n == 1 else 's'}"
            export.log.note(
                f"{table}.{column}: {cells} filled with {columns[column]!r} (e.g. {shown})."
            )


def _closed_before_created(export: Export) -> None:
    n, shown = _examples(export, "opportunities", _BACKWARDS)
    if not n:
        return
    day = "strftime(try_cast(close_date AS DATE), '%Y-%m-%d 00:00:00')"
    started = f"CASE WHEN {_BACKWARDS} THEN {day} ELSE created_at END"
    _layer(export, "opportunities", "as_found", {"created_at": started})
    export.log.note(
        f"{deals(n)} closed before they were created (entered after the fact, e.g. {shown}): "
        "created_at is set to the close date, so their cycle is 0 days."
    )
