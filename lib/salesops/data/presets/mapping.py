"""The mapping file (``params/mapping.yaml``): how an export that is not quite the contract maps.

One file describes one export: which preset reads it, the file encoding, how dates are written,
the Salesforce or HubSpot options, and for the generic preset per contract table the file, column
renames, value maps, date formats, constant columns and fills of blank cells. Read with the safe
loader and validated like every params file: an unknown key, table or column, or a bad value, is a
``ParamsError`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from salesops import config
from salesops.data import contract
from salesops.data.presets.export import Encoding
from salesops.data.presets.registry import DEFAULT_PRESET, PRESETS
from salesops.errors import ParamsError


def _as_text(value: object) -> object:
    """A YAML scalar as the text a cell would hold: 0 -> "0", true -> "true", a date -> ISO."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float | date):
        return value.isoformat() if isinstance(value, date) else str(value)
    return value


Cell = Annotated[str, BeforeValidator(_as_text)]
PresetName = Literal[tuple(PRESETS)]  # the registry's names, as the mapping file's choices


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableMapping(_Strict):
    """One contract table in the generic preset."""

    file: str = Field("", description="file name in the folder; default <table>.csv")
    columns: dict[str, str] = Field(
        default_factory=dict, description="contract column -> column in the file"
    )
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="contract column -> {value in the file: contract value}"
    )
    dates: dict[str, str] = Field(
        default_factory=dict, description="contract column -> strptime format, tried first"
    )
    constants: dict[str, str] = Field(
        default_factory=dict, description="contract column -> the value of every row"
    )
    fill: dict[str, Cell] = Field(
        default_factory=dict,
        description="contract column -> the value of its blank cells, written as the contract "
        "reads it (2026-12-31, 0, true)",
    )

    def columns_named(self) -> set[str]:
        """Every contract column this entry names."""
        named = (self.columns, self.values, self.dates, self.constants, self.fill)
        return {column for mapping in named for column in mapping}


class MappingFile(_Strict):
    """A whole mapping file; every key is optional."""

    preset: PresetName = DEFAULT_PRESET
    encoding: Encoding = "auto"
    day_first: bool = Field(False, description="03/04/2026 is 3 April (default: 4 March)")
    team: str = Field(
        "",
        description="Salesforce: role (default), manager, or a User column such as Sales_Team__c;"
        " HubSpot: team (default) or an owner column",
    )
    pipelines: list[str] = Field(
        default_factory=list, description="HubSpot: keep only these pipelines (label or id)"
    )
    files: dict[str, str] = Field(
        default_factory=dict, description="object -> file name, when the export names it otherwise"
    )
    tables: dict[str, TableMapping] = Field(default_factory=dict)

    @field_validator("tables")
    @classmethod
    def _contract_names(cls, tables: dict[str, TableMapping]) -> dict[str, TableMapping]:
        """Tables and columns must be the contract's: a typo would otherwise map nothing."""
        wrong = sorted(set(tables) - set(contract.TABLES))
        if wrong:
            known = ", ".join(contract.TABLES)
            raise ValueError(f"{', '.join(wrong)}: not contract tables ({known})")
        for table, spec in tables.items():
            columns = contract.TABLES[table].columns
            if unknown := sorted(spec.columns_named() - set(columns)):
                raise ValueError(
                    f"{table}: {', '.join(unknown)}: not columns of {table} ({', '.join(columns)})"
                )
        return tables

    def table(self, name: str) -> TableMapping:
        """The options of the contract table ``name`` (the defaults when none are given)."""
        return self.tables.get(name, TableMapping())


def load_mapping(path: Path) -> MappingFile:
    """The mapping file at ``path``, validated; ParamsError when it is absent or invalid."""
    if not path.is_file():
        raise ParamsError(f"mapping file {path} does not exist")
    return config._validate(MappingFile, config.read_yaml(path), path)


@dataclass(frozen=True)
class Context:
    """What a preset's mapper needs besides the export: the mapping file and the org settings
    it uses."""

    mapping: MappingFile
    currency: str
    start_month: int
