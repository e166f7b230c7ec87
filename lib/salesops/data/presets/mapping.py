"""The mapping file (``params/mapping.yaml``): how an export that is not quite the contract maps.

One file describes one export: which preset reads it, the file encoding, how dates are written,
the Salesforce or HubSpot options, and for the generic preset per contract table the file, column
renames, value maps, date formats and constant columns. Read with the safe loader and validated
like every params file: an unknown key or a bad value is a ``ParamsError`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from salesops import config
from salesops.errors import ParamsError

Encoding = Literal["auto", "utf-8", "windows-1252"]


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


class MappingFile(_Strict):
    """A whole mapping file; every key is optional."""

    preset: Literal["generic", "salesforce", "hubspot"] = "generic"
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


def load_mapping(path: Path) -> MappingFile:
    """The mapping file at ``path``, validated; ParamsError when it is absent or invalid."""
    if not path.is_file():
        raise ParamsError(f"mapping file {path} does not exist")
    return config._validate(MappingFile, config.read_yaml(path), path)


@dataclass(frozen=True)
class Context:
    """What a preset needs besides the files: the mapping file and the org settings it uses."""

    folder: Path
    mapping: MappingFile
    currency: str = "USD"
    start_month: int = 1
