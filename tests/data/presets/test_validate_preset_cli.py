"""``salesops validate --preset salesforce`` through the real command line: output and exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crm_exports import generic_export, salesforce_export, write


def validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "salesops", "validate", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_clean_export_prints_what_was_found_mapped_and_noted_and_exits_0(
    tmp_path: Path,
) -> None:
    folder = salesforce_export(tmp_path / "export")
    done = validate("--preset", "salesforce", "--source", str(folder))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Preset: salesforce" in out
    assert "User.csv (4 rows, windows-1252)" in out
    assert "OpportunityStage.csv (4 rows, utf-8 with BOM)" in out
    assert "stage_history          <- OpportunityHistory (first entry into each stage)" in out
    assert "1 deal closed before they were created" in out
    assert out.rstrip().endswith("The data meets the contract.")


def test_a_broken_export_lists_every_problem_and_exits_2(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "export")
    write(
        folder,
        "Opportunity.csv",
        """
        Id,OwnerId,StageName,IsClosed,IsWon,Amount,CloseDate,CreatedDate
        O1,U1,Gagné,1,1,12000,2026-08-14,2026-07-01T09:00:00.000Z
        O2,U404,Perdu,1,0,8000,someday,2026-07-02T10:00:00.000Z
        O3,,Négociation,0,0,5000,2026-11-30,2026-08-03T11:00:00.000Z
        """,
    )
    done = validate("--preset", "salesforce", "--source", str(folder))
    assert done.returncode == 2
    assert (
        "opportunities.close_date: cannot be read as a date: 1 row (e.g. 'O2': 'someday')"
        in done.stderr
    )
    assert "opportunities.rep_id: missing values: 1 row (e.g. 'O3')" in done.stderr
    assert "opportunities.rep_id: not found in reps.rep_id: 1 row (e.g. 'O2')" in done.stderr
    # the history still names deals the rewritten Opportunity.csv no longer has
    assert "stage_history.opportunity_id: not found in opportunities.opportunity_id: 4 rows" in (
        done.stderr
    )


def test_an_unknown_preset_is_named_with_the_known_ones(tmp_path: Path) -> None:
    done = validate("--preset", "pipedrive", "--source", str(tmp_path))
    assert done.returncode == 2
    assert "unknown preset 'pipedrive'; known presets: generic, salesforce, hubspot" in done.stderr


def _generic_deals(folder: Path, rows: str, mapping: str = "") -> Path:
    """The generic export with ``affaires.csv`` rewritten to ``rows`` and ``mapping`` added to
    the opportunities' entry of its mapping file; the path of that mapping file."""
    generic_export(folder)
    write(
        folder,
        "affaires.csv",
        "ID;Vendeur;Créée le;Clôture;Étape;Fermée;Gagnée;Montant\n" + rows.strip(),
        encoding="windows-1252",
    )
    path = folder / "mapping.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "    constants: {currency: EUR}\n"
    path.write_text(text.replace(anchor, anchor + mapping), encoding="utf-8")
    return path


def test_a_date_no_order_reads_is_named_with_its_row_and_text(tmp_path: Path) -> None:
    mapping = _generic_deals(
        tmp_path / "export",
        """
        A1;V1;01/07/2026 09h00;31-31-2018;Gagné;Oui;Oui;1200
        A2;V2;02/07/2026 10h00;01-09-2026;Perdu;Oui;Non;800
        A3;V1;03/08/2026 11h00;30.11.2026;Proposition;Non;Non;500
        """,
    )
    done = validate("--preset", str(mapping), "--source", str(tmp_path / "export"))
    assert done.returncode == 2
    # day first: 01-09-2026 is read (1 September); 31-31-2018 is no date in any order
    assert (
        "opportunities.close_date: cannot be read as a date: 1 row (e.g. 'A1': '31-31-2018')"
        in done.stderr
    )
    assert done.stderr.count("cannot be read") == 1


def test_blank_cells_are_filled_per_column_as_the_mapping_file_says(tmp_path: Path) -> None:
    deals = """
        A1;V1;01/07/2026 09h00;14/08/2026;Gagné;Oui;Oui;1200
        A2;V2;02/07/2026 10h00;01/09/2026;Perdu;Oui;Non;800
        A3;V1;03/08/2026 11h00;;Proposition;Non;Non;
        A4;V2;04/08/2026 11h00;;Proposition;Non;Non;300
        """
    bare = _generic_deals(tmp_path / "bare", deals)
    done = validate("--preset", str(bare), "--source", str(tmp_path / "bare"))
    assert done.returncode == 2
    assert "opportunities.close_date: missing values: 2 rows (e.g. 'A3', 'A4')" in done.stderr
    # every export reads a deal without an amount as worth 0, and says so
    assert "opportunities.amount: 1 blank cell filled with '0' (e.g. A3)." in done.stdout
    assert "opportunities.amount" not in done.stderr
    # YAML reads 0 as a number and 2026-12-31 as a date: both are taken as the cell's text
    fill = "    fill: {amount: 0, close_date: 2026-12-31}\n"
    filled = _generic_deals(tmp_path / "filled", deals, fill)
    done = validate("--preset", str(filled), "--source", str(tmp_path / "filled"))
    assert done.returncode == 0, done.stderr
    assert "opportunities.amount: 1 blank cell filled with '0' (e.g. A3)." in done.stdout
    assert (
        "opportunities.close_date: 2 blank cells filled with '2026-12-31' (e.g. A3, A4)."
        in done.stdout
    )
