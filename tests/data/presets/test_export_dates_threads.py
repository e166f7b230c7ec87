"""An export whose dates are not ISO is read without crashing the process.

DuckDB 1.5 now and then crashed (SIGSEGV) when several threads read such dates with strptime:
a demo-sized export with day-first dates killed about one report kernel in three. The export is
therefore mapped on one thread, and the reports' queries get every core back afterwards.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from salesops.config import DEFAULT_SOURCE

pytestmark = pytest.mark.slow

MAPPING = """preset: generic
day_first: true
tables:
  opportunities:
    file: deals.csv
    columns:
      opportunity_id: Deal ID
      created_at: Created
      close_date: Close Date
      is_closed: Is Closed
      is_won: Is Won
    values:
      is_closed: {"Yes": "true", "No": "false"}
      is_won: {"Yes": "true", "No": "false"}
"""

OPEN_MANY_TIMES = """
import sys
from pathlib import Path
from salesops.data.sources import open_crm
for _ in range(12):
    crm = open_crm(Path(sys.argv[1]), preset=sys.argv[2])
    deals = crm.tables["opportunities"]
    deals.group_by("rep_id").aggregate(n=deals.count(), last=deals.close_date.max()).execute()
threads = crm.con.raw_sql("SELECT current_setting('threads')").fetchone()[0]
print("threads", threads)
"""


@pytest.fixture(scope="module")
def day_first_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's tables as a generic export whose deals have day-first dates with dashes."""
    folder = tmp_path_factory.mktemp("export")
    with duckdb.connect(str(DEFAULT_SOURCE), read_only=True) as demo:
        for table in ("reps", "stages", "opportunities"):
            frame = demo.sql(f"SELECT * FROM {table}").df()
            if table == "opportunities":  # as a CRM writes them: lost deals have no amount
                frame.loc[frame["is_closed"] & ~frame["is_won"], "amount"] = None
                frame["created_at"] = frame["created_at"].dt.strftime("%d-%m-%Y %H:%M")
                frame["close_date"] = pd.to_datetime(frame["close_date"]).dt.strftime("%d-%m-%Y")
                for flag in ("is_closed", "is_won"):
                    frame[flag] = frame[flag].map({True: "Yes", False: "No"})
                names = {"opportunity_id": "Deal ID", "created_at": "Created"}
                names |= {"close_date": "Close Date", "is_closed": "Is Closed", "is_won": "Is Won"}
                frame.rename(columns=names).to_csv(folder / "deals.csv", index=False)
            else:
                frame.to_csv(folder / f"{table}.csv", index=False)
    (folder / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return folder


def test_day_first_dates_are_read_again_and_again_without_a_crash(day_first_export: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", OPEN_MANY_TIMES, str(day_first_export),
         str(day_first_export / "mapping.yaml")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    # mapped on one thread, queried on the session's usual number of threads
    assert done.stdout.split() == ["threads", str(duckdb.connect().sql(
        "SELECT current_setting('threads')").fetchone()[0])]  # fmt: skip
