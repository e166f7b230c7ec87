"""The generic preset: files holding the contract tables, under their names or others.

Per contract table the mapping file may name the file, rename columns, map values, give date
formats, constant columns and fills of blank cells (which ``repairs`` applies, as for every
preset); every value is then read with the export quirks (booleans in any spelling, dates in
several formats, numbers with thousands separators, names NFC-normalised). Without a mapping file
each table's file and columns go by their contract names. A required contract column the file
lacks stays absent, so the contract check reports it as missing; a nullable one (``reps.region``)
becomes a column of nulls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from salesops.data import contract
from salesops.data.presets import quirks
from salesops.data.presets.export import Export

if TYPE_CHECKING:  # the mapping file lists the presets
    from salesops.data.presets.mapping import Context, TableMapping

OBJECTS: dict[str, tuple[str, ...]] = {table: () for table in contract.TABLES}
_NAMES = {"stage", "team"}


def _value(export: Export, ctx: Context, table: str, column: str, spec: TableMapping) -> str | None:
    """SQL for one contract column, or None when neither the file nor a constant gives it."""
    if column in spec.constants:
        raw = quirks.quoted(spec.constants[column])
    elif export.has_column(table, spec.columns.get(column, column)):
        raw = export.column(table, spec.columns.get(column, column))
    elif contract.TABLES[table].fields[column].nullable:
        return "NULL"
    else:
        return None
    if column in spec.values:
        cases = " ".join(
            f"WHEN {quirks.quoted(a)} THEN {quirks.quoted(b)}"
            for a, b in spec.values[column].items()
        )
        raw = f"(CASE {quirks.text(raw)} {cases} ELSE {raw} END)"
    dtype = contract.TABLES[table].columns[column]
    formats = (spec.dates[column],) if column in spec.dates else ()
    if dtype.is_boolean():
        return quirks.boolean(raw)
    if dtype.is_timestamp():
        return quirks.timestamp(raw, day_first=ctx.mapping.day_first, formats=formats)
    if dtype.is_date():
        return quirks.date(raw, day_first=ctx.mapping.day_first, formats=formats)
    if dtype.is_numeric():
        return quirks.number(raw)
    return quirks.name(raw) if column in _NAMES else quirks.text(raw)


def table_sql(export: Export, ctx: Context, table: str) -> str:
    """SQL of the contract columns of the file of ``table`` in a loaded export."""
    mapping = ctx.mapping.table(table)
    values = {c: _value(export, ctx, table, c, mapping) for c in contract.TABLES[table].columns}
    select = ", ".join(f"{sql} AS {c}" for c, sql in values.items() if sql is not None)
    return f"SELECT {select} FROM {export.table(table)}"


def file_origin(export: Export, ctx: Context, table: str) -> str:
    """The file of ``table`` and its column renames, as the mapping log names them."""
    renames = [f"{c} <- {s}" for c, s in ctx.mapping.table(table).columns.items()]
    return export.files[table].name + (f" ({', '.join(renames)})" if renames else "")


def map_views(export: Export, ctx: Context) -> None:
    """Define each contract table's file of a loaded export as a view of contract columns."""
    log = export.log
    for table, spec in contract.TABLES.items():
        if not export.has(table):
            if not spec.required:
                log.miss(f"No {table} file: {spec.enables} off.")
            continue
        export.view(table, table_sql(export, ctx, table))
        log.map(table, file_origin(export, ctx, table))


# Contract tables no CRM holds, read from files of the contract's shape beside every export
SHARED = {
    "spend": "spend.csv (month, category, channel, team, amount, currency) from finance",
    "recurring_revenue": "recurring_revenue.csv (account_id, month, mrr, currency) from billing",
}


def map_shared(export: Export, ctx: Context) -> None:
    """In a CRM preset: the ``SHARED`` tables the preset did not map itself, from their files
    (read as the generic preset reads them, the mapping file's ``tables`` applying)."""
    for table, file in SHARED.items():
        if export.has_table(table):
            continue
        if not export.has(table):
            export.log.miss(
                f"No {table} file: {contract.TABLES[table].enables} off; add {file} to the folder."
            )
            continue
        export.view(table, table_sql(export, ctx, table))
        export.log.map(table, file_origin(export, ctx, table) + " (contract columns)")
