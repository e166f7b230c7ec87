"""A tiny CRM that meets the contract, as pandas frames, and a loader into an in-memory DuckDB.

Three reps in two teams; four stages (two open, won, lost); four deals: o1 won, o2 lost,
o3 and o4 open. Every optional table is present and consistent with the required ones: among the
activities, a call on o1, an email on o2's account only, a meeting on o1 and a task on lead l1.
Deal types: o1 and o2 are new business, o4 an expansion of a1 (a customer since o1), o3 has none.
Spend: three months of marketing and sales, July's West sales in EUR; a1 pays 1,000 a month from
September, the month after o1 was won.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import date
from pathlib import Path

import ibis
import pandas as pd
import pytest

from salesops import config

Frames = dict[str, pd.DataFrame]
Load = Callable[[Frames], dict[str, ibis.Table]]


def _ts(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)), dtype="datetime64[us]")


def valid_frames() -> Frames:
    reps = pd.DataFrame(
        {
            "rep_id": ["r1", "r2", "r3"],
            "rep_name": ["Ana", "Ben", "Cy"],
            "team": ["East", "East", "West"],
            "manager": ["Mo", "Mo", None],
            "region": ["EMEA", "EMEA", "AMER"],
            "role": ["AE", "AE", "AE"],
            "hire_date": [date(2024, 1, 8), date(2024, 3, 4), date(2025, 2, 3)],
            "end_date": [None, None, date(2026, 8, 31)],
        }
    )
    opportunities = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o2", "o3", "o4"],
            "rep_id": ["r1", "r2", "r3", "r1"],
            "account_id": ["a1", "a2", None, "a1"],
            "created_at": _ts(
                "2026-07-01 09:00", "2026-07-02 10:00", "2026-08-03 11:00", "2026-09-20 12:00"
            ),
            "close_date": [
                date(2026, 8, 14),
                date(2026, 9, 1),
                date(2026, 11, 30),
                date(2026, 12, 15),
            ],
            "stage": ["Won", "Lost", "Proposal", "Prospect"],
            "is_closed": [True, True, False, False],
            "is_won": [True, False, False, False],
            "amount": [12000.0, 8000.0, 5000.0, 3000.0],
            "currency": ["USD", "USD", "EUR", "USD"],
            "forecast_category": ["closed", "omitted", "best_case", "pipeline"],
            "source": ["inbound", "outbound", "partner", "inbound"],
            "segment": ["SMB", "SMB", "MM", "SMB"],
            "product": ["Core", "Core", "Plus", "Core"],
            "deal_type": ["new_business", "new_business", None, "expansion"],
        }
    )
    stages = pd.DataFrame(
        {
            "stage": ["Prospect", "Proposal", "Won", "Lost"],
            "sort_order": pd.array([1, 2, 3, 4], dtype="int64"),
            "is_closed": [False, False, True, True],
            "is_won": [False, False, True, False],
            "probability": [0.1, 0.5, 1.0, 0.0],
        }
    )
    stage_history = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o1", "o1", "o2", "o2", "o3", "o3", "o4"],
            "stage": [
                "Prospect",
                "Proposal",
                "Won",
                "Prospect",
                "Lost",
                "Prospect",
                "Proposal",
                "Prospect",
            ],
            "entered_at": _ts(
                "2026-07-01 09:00",
                "2026-07-20 09:00",
                "2026-08-14 09:00",
                "2026-07-02 10:00",
                "2026-09-01 10:00",
                "2026-08-03 11:00",
                "2026-09-10 11:00",
                "2026-09-20 12:00",
            ),
            "amount": [10000.0, 12000.0, 12000.0, 8000.0, 8000.0, 5000.0, 5000.0, 3000.0],
            "close_date": [date(2026, 9, 30)] * 8,
            "forecast_category": [
                "pipeline",
                "best_case",
                "closed",
                "pipeline",
                "omitted",
                "pipeline",
                "best_case",
                "pipeline",
            ],
        }
    )
    # stage_history's entries, o1's requote on 07-05 and o3's close-date push on 09-15
    deal_changes = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o1", "o1", "o1", "o2", "o2", "o3", "o3", "o3", "o4"],
            "changed_at": _ts(
                "2026-07-01 09:00",
                "2026-07-05 09:00",
                "2026-07-20 09:00",
                "2026-08-14 09:00",
                "2026-07-02 10:00",
                "2026-09-01 10:00",
                "2026-08-03 11:00",
                "2026-09-10 11:00",
                "2026-09-15 11:00",
                "2026-09-20 12:00",
            ),
            "stage": ["Prospect", "Prospect", "Proposal", "Won", "Prospect", "Lost", "Prospect",
                      "Proposal", "Proposal", "Prospect"],
            "amount": [10000.0, 11000.0, 12000.0, 12000.0, 8000.0, 8000.0, 5000.0, 5000.0,
                       5000.0, 3000.0],
            "close_date": [date(2026, 9, 30), date(2026, 9, 30), date(2026, 9, 30),
                           date(2026, 8, 14), date(2026, 9, 30), date(2026, 9, 1),
                           date(2026, 10, 31), date(2026, 10, 31), date(2026, 11, 30),
                           date(2026, 12, 15)],
            "forecast_category": ["pipeline", "pipeline", "best_case", "closed", "pipeline",
                                  "omitted", "pipeline", "best_case", "best_case", "pipeline"],
        }
    )  # fmt: skip
    leads = pd.DataFrame(
        {
            "lead_id": ["l1", "l2"],
            "created_at": _ts("2026-06-20 08:00", "2026-09-25 08:00"),
            "source": ["webinar", None],
            "rep_id": ["r1", None],
            "status": ["converted", "open"],
            "converted_at": _ts("2026-07-01 09:00", None),
            "opportunity_id": ["o1", None],
        }
    )
    quotas = pd.DataFrame(
        {
            "rep_id": ["r1", "r2", "r3"],
            "quarter_start": [date(2026, 7, 1)] * 3,
            "quota": [20000.0, 15000.0, 10000.0],
        }
    )
    forecast_submissions = pd.DataFrame(
        {
            "rep_id": ["r1", "r1", "r2"],
            "quarter_start": [date(2026, 7, 1)] * 3,
            "submitted_at": _ts("2026-07-06 17:00", "2026-07-06 17:00", "2026-07-07 17:00"),
            "category": ["commit", "best_case", "pipeline"],
            "amount": [10000.0, 15000.0, 8000.0],
        }
    )
    activities = pd.DataFrame(
        {
            "activity_id": ["t1", "t2", "t3", "t4"],
            "rep_id": ["r1", "r2", "r1", "r1"],
            "type": ["call", "email", "meeting", "task"],
            "occurred_at": _ts(
                "2026-07-03 10:00", "2026-07-10 11:00", "2026-07-21 14:00", "2026-06-25 09:00"
            ),
            "direction": ["outbound", "inbound", None, None],
            "opportunity_id": ["o1", None, "o1", None],
            "lead_id": [None, None, None, "l1"],
            "account_id": ["a1", "a2", "a1", None],
        }
    )
    logins = pd.DataFrame(
        {
            "rep_id": ["r1", "r2", "r3"],
            "login_at": _ts("2026-07-01 08:30", "2026-07-02 08:45", "2026-08-04 09:00"),
        }
    )
    content_events = pd.DataFrame(
        {
            "rep_id": ["r1", "r1", "r3"],
            "asset_id": ["deck-01", "deck-01", "case-study-02"],
            "event": ["view", "share", "view"],
            "occurred_at": _ts("2026-07-15 09:00", "2026-07-15 10:00", "2026-08-05 15:00"),
            "opportunity_id": [None, "o1", None],
        }
    )
    spend = pd.DataFrame(
        {
            "month": [date(2026, 7, 1)] * 4 + [date(2026, 8, 1)] * 3 + [date(2026, 9, 1)] * 3,
            "category": ["marketing", "marketing", "sales", "sales"] + ["marketing", "sales",
                         "sales"] * 2,
            "channel": ["inbound", "partner", None, None] + ["inbound", None, None] * 2,
            "team": ["East", None, "East", "West"] + ["East", "East", "West"] * 2,
            "amount": [3000.0, 1000.0, 9000.0, 5000.0, 3000.0, 9000.0, 6000.0, 3500.0, 9500.0,
                       6000.0],
            "currency": ["USD", "USD", "USD", "EUR"] + ["USD"] * 6,
        }
    )  # fmt: skip
    recurring_revenue = pd.DataFrame(
        {"account_id": ["a1"], "month": [date(2026, 9, 1)], "mrr": [1000.0], "currency": ["USD"]}
    )
    fx_rates = pd.DataFrame(
        {"currency": ["USD", "EUR"], "rate": [1.0, 1.1], "valid_from": [None, date(2026, 1, 1)]}
    )
    return {
        "reps": reps,
        "opportunities": opportunities,
        "stages": stages,
        "stage_history": stage_history,
        "deal_changes": deal_changes,
        "leads": leads,
        "quotas": quotas,
        "forecast_submissions": forecast_submissions,
        "activities": activities,
        "logins": logins,
        "content_events": content_events,
        "spend": spend,
        "recurring_revenue": recurring_revenue,
        "fx_rates": fx_rates,
    }


@pytest.fixture
def frames() -> Frames:
    """A fresh copy of the valid tiny CRM for each test to break."""
    return valid_frames()


@pytest.fixture
def load() -> Load:
    """Write frames into a fresh in-memory DuckDB and return its tables by name."""
    con = ibis.duckdb.connect()

    def load_frames(frames: Frames) -> dict[str, ibis.Table]:
        return {name: con.create_table(name, df, overwrite=True) for name, df in frames.items()}

    return load_frames


@pytest.fixture
def salesops(
    tmp_path: Path, salesops_in: Callable[[Path], Callable[..., subprocess.CompletedProcess[str]]]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real ``python -m salesops ARGS`` in a project root of the test's own (notebooks
    linked, no params files: the org currency is USD)."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "notebooks").symlink_to(config.NOTEBOOKS_DIR)
    return salesops_in(root)
