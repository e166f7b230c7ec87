"""The CRM presets, one record each: adding a preset is writing its module and adding its record.

Everything else that names the presets reads them here: the mapping file's ``preset`` choices,
the error that lists the known presets, the preset ``validate`` prints, and what it says to add to
convert deal amounts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from salesops.data.presets import generic, hubspot, salesforce
from salesops.data.presets.export import Export

if TYPE_CHECKING:  # the mapping file lists the presets of this module
    from salesops.data.presets.mapping import Context, MappingFile

Fills = Mapping[str, Mapping[str, str]]  # contract table -> column -> the value of blank cells

# In every export a deal without an amount is worth 0: CRMs leave it blank until a rep sets it,
# and often blank a lost deal's.
BLANK_AMOUNT_IS_ZERO: Fills = {"opportunities": {"amount": "0"}}


@dataclass(frozen=True)
class Preset:
    """One CRM preset.

    ``objects`` is what it reads (object -> the other stems its file may have), ``maps`` defines
    the contract views over the loaded export, ``rates_hint`` says what to add to convert deal
    amounts in the export's terms, ``fills`` the blank cells filled in every export it reads.
    With ``contract_tables`` its files hold the contract tables: the mapping file's ``tables``
    (file names, fills, ...) apply, and a source that is not a folder is read as the contract.
    """

    name: str
    objects: Mapping[str, tuple[str, ...]]
    maps: Callable[[Export, Context], None]
    rates_hint: str
    fills: Fills = field(default_factory=lambda: BLANK_AMOUNT_IS_ZERO)
    contract_tables: bool = False

    @property
    def files(self) -> dict[str, tuple[str, ...]]:
        """What it reads: its objects, and the files of ``generic.SHARED`` (contract tables no
        CRM holds, such as spend and recurring revenue, that every preset reads beside them)."""
        return {**{table: () for table in generic.SHARED}, **self.objects}

    def renamed_files(self, options: MappingFile) -> dict[str, str]:
        """Object -> its file name, where the mapping file names it."""
        renamed = dict(options.files)
        if self.contract_tables:
            renamed |= {table: spec.file for table, spec in options.tables.items() if spec.file}
        return renamed

    def blank_fills(self, options: MappingFile) -> dict[str, dict[str, str]]:
        """Blank cells to fill per contract table and column: the preset's, and the mapping
        file's where its tables apply (which may replace the preset's)."""
        fills = {table: dict(columns) for table, columns in self.fills.items()}
        if self.contract_tables:
            for table, spec in options.tables.items():
                if spec.fill:
                    fills[table] = {**fills.get(table, {}), **spec.fill}
        return fills


DEFAULT_PRESET = "generic"  # a mapping file's, when it names none

PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "generic",
            generic.OBJECTS,
            generic.map_views,
            "fx_rates.csv (currency, rate to the reporting currency)",
            contract_tables=True,
        ),
        Preset(
            "salesforce",
            salesforce.OBJECTS,
            salesforce.map_views,
            "CurrencyType.csv (or DatedConversionRate.csv)",
        ),
        Preset(
            "hubspot",
            hubspot.OBJECTS,
            hubspot.map_views,
            "the deals' amount in company currency (amount_in_home_currency)",
        ),
    )
}
