"""Presets: mappings from CRM export folders onto the data contract, by name.

A preset (one record each in ``registry``) loads an export folder into an in-memory DuckDB (all
text) and defines one SQL view per contract table it can build; ``sources.open_crm`` then conforms
and checks those views like any other source. Each preset records what it found, mapped and missed
in a ``MappingLog``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis

from salesops import config
from salesops.data import contract
from salesops.data.locations import MAPPING_FILE
from salesops.data.presets import generic, repairs
from salesops.data.presets.export import load_export
from salesops.data.presets.log import MappingLog
from salesops.data.presets.mapping import Context, MappingFile, load_mapping
from salesops.data.presets.registry import DEFAULT_PRESET, PRESETS


@dataclass
class MappedExport:
    """The contract views of an export folder (as text), its files, and the mapping log."""

    con: ibis.BaseBackend
    tables: dict[str, ibis.Table]
    files: dict[str, Path]
    log: MappingLog


def resolve(preset: str | None) -> tuple[str, MappingFile | None]:
    """The preset name and mapping file for ``--preset``.

    ``preset`` may be a preset name or the path of a mapping file (``.yaml``/``.yml``, relative
    to the working folder or the project root) whose ``preset`` key names the preset; otherwise
    ``params/mapping.yaml``, when it exists, supplies the options. Raises ValueError for an
    unknown name.
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
    chosen = load_mapping(MAPPING_FILE) if MAPPING_FILE.is_file() else None
    name = text or (chosen.preset if chosen else DEFAULT_PRESET)
    return name, chosen


def map_folder(
    name: str, folder: Path, mapping: MappingFile | None, *, currency: str, start_month: int
) -> MappedExport:
    """Map the export ``folder`` with the preset ``name`` onto contract views."""
    preset = PRESETS[name]
    options = mapping or MappingFile.model_validate({"preset": name})
    export = load_export(
        folder,
        preset.files,
        MappingLog(name),
        encoding=options.encoding,
        renamed=preset.renamed_files(options),
    )
    ctx = Context(options, currency, start_month)
    preset.maps(export, ctx)
    if not preset.contract_tables:
        generic.map_shared(export, ctx)
    repairs.repair(export, preset.blank_fills(options))
    found = [table for table in contract.TABLES if export.has_table(table)]
    for table in found:  # read and map the files once, not again in every query of a report
        export.db.execute(f'CREATE TEMP TABLE "{table}_mapped" AS SELECT * FROM "{table}"')
    export.db.execute("RESET threads")  # mapped: the reports' queries may use every core
    tables = {table: export.con.table(f"{table}_mapped") for table in found}
    return MappedExport(export.con, tables, export.files, export.log)
