"""One export fact, one repair and one note, whatever the preset: a deal closed before it was
created, and blank cells the mapping file fills."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from crm_exports import generic_export, hubspot_export, salesforce_export, write

from salesops.data.sources import Crm, open_crm
from salesops.errors import ParamsError

NOTE = (
    "1 deal closed before they were created (entered after the fact, e.g. {id}): created_at is "
    "set to the close date, so their cycle is 0 days."
)


def _replace(path: Path, old: str, new: str, encoding: str = "utf-8") -> None:
    text = path.read_text(encoding=encoding)
    assert old in text
    path.write_text(text.replace(old, new), encoding=encoding)


def _salesforce(folder: Path) -> tuple[Crm, str, str]:
    # O5: created 2026-07-15, closed won 2026-07-10
    return open_crm(salesforce_export(folder), preset="salesforce"), "O5", "2026-07-10"


def _hubspot(folder: Path) -> tuple[Crm, str, str]:
    hubspot_export(folder)
    # deal 2: created 2026-07-02, closed lost 2026-06-01 instead of 2026-09-01
    _replace(folder / "deal.csv", "2026-09-01T00:00:00Z", "2026-06-01T00:00:00Z")
    return open_crm(folder, preset="hubspot"), "2", "2026-06-01"


def _generic_mapped(folder: Path) -> tuple[Crm, str, str]:
    generic_export(folder)
    # A2: created 02/07/2026, closed lost 01/06/2026 (day first) instead of 01/09/2026
    _replace(folder / "affaires.csv", "01/09/2026", "01/06/2026", encoding="windows-1252")
    return open_crm(folder, preset=str(folder / "mapping.yaml")), "A2", "2026-06-01"


def contract_folder(folder: Path, deals: str) -> Path:
    """A folder of contract-named CSV files: two reps, two stages, ``deals`` as opportunities."""
    write(folder, "reps.csv", "rep_id,rep_name,team,role,hire_date\nR1,Ana,East,AE,2024-01-08")
    write(
        folder,
        "stages.csv",
        "stage,sort_order,is_closed,is_won\nOpen,1,false,false\nWon,2,true,true",
    )
    header = "opportunity_id,rep_id,created_at,close_date,stage,is_closed,is_won,amount,currency"
    write(folder, "opportunities.csv", header + "\n" + deals.strip())
    return folder


def _generic_contract(folder: Path) -> tuple[Crm, str, str]:
    contract_folder(
        folder,
        """
        O1,R1,2026-07-01 09:00:00,2026-08-14,Won,true,true,1200,USD
        O2,R1,2026-07-15 08:00:00,2026-07-10,Won,true,true,800,USD
        """,
    )
    return open_crm(folder, preset="generic"), "O2", "2026-07-10"


@pytest.mark.parametrize(
    "opened", [_salesforce, _hubspot, _generic_mapped, _generic_contract], ids=lambda f: f.__name__
)
def test_a_deal_closed_before_it_was_created_starts_on_its_close_date_in_every_preset(
    tmp_path: Path, opened: object
) -> None:
    crm, deal, closed = opened(tmp_path / "export")  # type: ignore[operator]
    assert crm.problems() == []
    assert NOTE.format(id=deal) in crm.mapping.notes
    deals = crm.table("opportunities").to_pandas().set_index("opportunity_id")
    assert deals.loc[deal, "created_at"] == pd.Timestamp(closed)


def test_without_a_preset_a_contract_folder_must_meet_the_contract(tmp_path: Path) -> None:
    folder = contract_folder(
        tmp_path / "export", "O2,R1,2026-07-15 08:00:00,2026-07-10,Won,true,true,800,USD"
    )
    problems = [p for p in open_crm(folder).problems() if p.column == "close_date"]
    assert [(p.rule, p.examples) for p in problems] == [
        ("closed deal has close_date before its created_at date", ["O2"])
    ]


def test_a_fill_names_a_column_of_its_table_or_is_refused(tmp_path: Path) -> None:
    folder = generic_export(tmp_path / "export")
    _replace(folder / "mapping.yaml", "    constants: {currency: EUR}\n", "    fill: {amout: 0}\n")
    with pytest.raises(ParamsError, match="opportunities: amout: not columns of opportunities"):
        open_crm(folder, preset=str(folder / "mapping.yaml"))
