"""What the reliability tests build on: a small CRM, written as CSV files, and snapshots of the
output folders that a failure must leave as they were."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from salesops.data.demo import generate

QUARTER = "2026Q3"  # the demo data ends on 2026-09-30: its last complete quarter


def small_crm() -> dict[str, pd.DataFrame]:
    """The demo CRM (seed 7) thinned to every 40th deal, and the activities and content events
    of those deals: same shape, a fraction of the rows."""
    tables = generate(seed=7)
    deals = tables["opportunities"].iloc[::40]
    tables["opportunities"] = deals
    for name in ("stage_history", "deal_changes"):
        rows = tables[name]
        tables[name] = rows[rows.opportunity_id.isin(deals.opportunity_id)]
    tables["leads"] = tables["leads"].iloc[::100].assign(opportunity_id=None)
    tables["forecast_submissions"] = tables["forecast_submissions"].iloc[::50]
    for name in ("activities", "content_events"):  # those on the kept deals, 1 in 40 of the rest
        rows = tables[name]
        loose = rows.opportunity_id.isna()
        kept = rows[
            (loose & (rows.index % 40 == 0)) | rows.opportunity_id.isin(deals.opportunity_id)
        ]
        tables[name] = kept
    activities = tables["activities"]
    known_lead = activities.lead_id.isin(tables["leads"].lead_id)
    tables["activities"] = activities.assign(lead_id=activities.lead_id.where(known_lead))
    tables["logins"] = tables["logins"].iloc[::4]
    return tables


def write_csv_folder(folder: Path, tables: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def snapshot(folder: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes (``skip``: names left out)."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name not in skip
    }
