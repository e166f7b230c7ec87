"""Presets: mappings from CRM export folders onto the data contract, by name.

A preset loads an export folder into an in-memory DuckDB (all text) and defines one SQL view per
contract table it can build; ``sources.open_crm`` then conforms and checks those views like any
other source. Each preset records what it found, mapped and missed in a ``MappingLog``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ibis

from salesops import config
from salesops.data import contract
from salesops.data.locations import MAPPING_FILE
from salesops.data.presets import generic, hubspot, repairs, salesforce
from salesops.data.presets.export import Export
from salesops.data.presets.log import MappingLog
from salesops.data.presets.mapping import Context, MappingFile, load_mapping

PRESETS: dict[str, Callable[[Context], Export]] = {
    "generic": generic.map_export,
    "salesforce": salesforce.map_export,
    "hubspot": hubspot.map_export,
}
KNOWN_PRESETS: tuple[str, ...] = tuple(PRESETS)
# what to add to convert deal amounts, in the export's terms (``sources.Crm.currency_note``)
RATES_HINTS = {
    "generic": "fx_rates.csv (currency, rate to the reporting currency)",
    "salesforce": salesforce.RATES_HINT,
    "hubspot": hubspot.RATES_HINT,
}


@dataclass
class MappedExport:
    """The contract views of an export folder (as text), its files, and the mapping log."""

    con: ibis.BaseBackend
    tables: dict[str, ibis.Table]
    files: dict[str, Path]
    log: MappingLog


def resolve(preset: str | None, mapping: Path | None = None) -> tuple[str, MappingFile | None]:
    """The preset name and mapping file for ``--preset`` and an optional mapping path.

    ``preset`` may be a preset name or the path of a mapping file (``.yaml``/``.yml``, relative
    to the working folder or the project root) whose ``preset`` key names the preset; otherwise
    ``mapping``, else ``params/mapping.yaml`` when it exists, supplies the options. Raises
    ValueError for an unknown name.
    """
    text = preset or ""
    if text.lower().endswith((".yaml", ".yml")):
        path = Path(text).expanduser()
        # a relative path is taken from the working folder, else from the project root
        if not path.is_absolute() and not path.exists():
            path = config.ROOT / path
        chosen = load_mapping(path)
        return chosen.preset, chosen
    if text and text not in PRESETS:
        raise ValueError(text)
    if mapping is not None:
        chosen = load_mapping(mapping)
    elif MAPPING_FILE.is_file():
        chosen = load_mapping(MAPPING_FILE)
    else:
        chosen = None
    name = text or (chosen.preset if chosen else "generic")
    return name, chosen


def map_folder(
    name: str, folder: Path, mapping: MappingFile | None, *, currency: str, start_month: int
) -> MappedExport:
    """Map the export ``folder`` with the preset ``name`` onto contract views."""
    options = mapping or MappingFile.model_validate({"preset": name})
    ctx = Context(folder, options, currency, start_month)
    export = PRESETS[name](ctx)
    repairs.repair(export, _fills(name, options))
    found = [
        table
        for table in contract.TABLES
        if export.scalar(
            f"SELECT count(*) FROM information_schema.tables WHERE table_name = '{table}'"
        )
    ]
    for table in found:  # read and map the files once, not again in every query of a report
        export.db.execute(f'CREATE TEMP TABLE "{table}_mapped" AS SELECT * FROM "{table}"')
    export.db.execute("RESET threads")  # mapped: the reports' queries may use every core
    tables = {table: export.con.table(f"{table}_mapped") for table in found}
    return MappedExport(export.con, tables, export.files, export.log)


def _fills(name: str, options: MappingFile) -> dict[str, dict[str, str]]:
    """Blank cells to fill per contract table and column. In every export a deal without an
    amount is worth 0 (CRMs leave it blank until a rep sets it, and often blank a lost deal's);
    the generic preset's mapping file adds fills of its own and may replace that one."""
    fills: dict[str, dict[str, str]] = {"opportunities": {"amount": "0"}}
    if name == "generic":
        for table, spec in options.tables.items():
            if spec.fill:
                fills[table] = {**fills.get(table, {}), **spec.fill}
    return fills
