"""The generic preset with a mapping file: renamed files and columns, value maps, date formats."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from crm_exports import generic_export, write

from salesops import config
from salesops.data import presets
from salesops.data.presets.mapping import load_mapping
from salesops.data.sources import Crm, open_crm
from salesops.errors import ParamsError, SourceError
from salesops.metrics.funnel import stage_reach, win_rate
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generic_export(tmp_path_factory.mktemp("generic"))


@pytest.fixture(scope="module")
def crm(export: Path) -> Crm:
    return open_crm(export, preset=str(export / "mapping.yaml"))


def test_the_mapped_export_meets_the_contract(crm: Crm) -> None:
    assert crm.problems() == []
    assert "quotas" in crm.missing
    assert "No quotas file: quota attainment and coverage off." in crm.summary()


def test_columns_values_dates_and_constants_are_mapped(crm: Crm) -> None:
    deals = crm.table("opportunities").to_pandas().set_index("opportunity_id").sort_index()
    assert deals["is_won"].tolist() == [True, False, False]
    assert deals["is_closed"].tolist() == [True, True, False]
    assert deals.loc["A1", "created_at"] == pd.Timestamp("2026-07-01 09:00")
    # day first: 01/09/2026 is 1 September
    assert deals.loc["A2", "close_date"] == pd.Timestamp("2026-09-01")
    assert set(deals["currency"]) == {"EUR"}
    reps = crm.table("reps").to_pandas().set_index("rep_id").sort_index()
    assert reps["team"].tolist() == ["Île-de-France", "Québec"]
    assert reps["role"].tolist() == ["AE", "AE"]


def test_win_rate_and_stage_reach(crm: Crm) -> None:
    # closed in Q3: A1 won 1200, A2 lost 800
    rate = win_rate(crm.tables, Q3)
    assert (rate.closed, rate.won, rate.won_amount, rate.closed_amount) == (2, 1, 1200, 2000)
    # A1 P, Pr, won; A2 P; A3 enters at Proposition (Prospect back-filled)
    reach = stage_reach(crm.tables, Q3).set_index("stage")
    assert reach["reached"].tolist() == [3, 2, 1]
    assert reach["skipped"].tolist() == [1, 0, 0]


def test_a_value_no_format_reads_is_a_contract_problem_with_its_row(tmp_path: Path) -> None:
    folder = generic_export(tmp_path / "bad")
    text = (folder / "historique.csv").read_text().replace("03/08/2026 11:00", "sometime")
    (folder / "historique.csv").write_text(text)
    problems = open_crm(folder, preset=str(folder / "mapping.yaml")).problems()
    assert [(p.table, p.column, p.rule, p.rows) for p in problems] == [
        ("stage_history", "entered_at", "cannot be read as a timestamp", 1)
    ]
    assert problems[0].examples == ["sometime"]


def test_an_unknown_key_in_the_mapping_file_is_named(tmp_path: Path) -> None:
    folder = generic_export(tmp_path / "typo")
    write(folder, "mapping.yaml", "preset: generic\ndayfirst: true")
    with pytest.raises(ParamsError, match="unknown key 'dayfirst'"):
        open_crm(folder, preset=str(folder / "mapping.yaml"))


def test_the_example_mapping_file_is_valid() -> None:
    example = load_mapping(config.PARAMS_DIR / "mapping.example.yaml")
    assert example.tables["opportunities"].values["is_won"] == {"Yes": "true", "No": "false"}
    files = {table: example.tables[table].file for table in ("activities", "logins")}
    assert files == {"activities": "activity_export.csv", "logins": "user_logins.csv"}
    assert example.tables["content_events"].values["event"] == {"Viewed": "view", "Shared": "share"}


def test_activities_logins_and_content_events_map_like_any_contract_table(crm: Crm) -> None:
    activities = crm.table("activities").to_pandas().set_index("activity_id").sort_index()
    # type and direction through the value maps; dates day first (05/09/2026 is 5 September);
    # the file has no lead column: lead_id is empty
    assert activities["type"].tolist() == ["call", "email", "meeting", "task"]
    assert activities["direction"].tolist()[:2] == ["outbound", "inbound"]
    assert activities["direction"].iloc[2:].isna().all() and activities["lead_id"].isna().all()
    assert activities["opportunity_id"].tolist()[::2] == ["A1", "A1"]
    assert activities.loc["X2", "account_id"] == "C2" and pd.isna(
        activities.loc["X2", "opportunity_id"]
    )
    assert activities.loc["X4", "occurred_at"] == pd.Timestamp("2026-09-05 09:00")
    logins = crm.table("logins").to_pandas().sort_values("login_at")
    assert logins["login_at"].tolist() == [
        pd.Timestamp("2026-07-01 08:30"),
        pd.Timestamp("2026-07-02 08:45"),
    ]
    events = crm.table("content_events").to_pandas().sort_values("occurred_at")
    # the enablement tool's "%d/%m/%Y %Hh%M" times; the share is on deal A1
    assert events[["event", "opportunity_id"]].values.tolist() == [["view", None], ["share", "A1"]]
    assert events["occurred_at"].tolist() == [
        pd.Timestamp("2026-07-15 09:00"),
        pd.Timestamp("2026-07-15 10:00"),
    ]
    assert "content_events         <- contenus.csv (rep_id <- Vendeur" in crm.summary()


def test_a_mapping_file_maps_folders_only_not_a_duckdb_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        presets, "MAPPING_FILE", write(tmp_path, "mapping.yaml", "preset: salesforce")
    )
    crm = open_crm(config.DEFAULT_SOURCE)
    assert crm.mapping is None and crm.has("reps")


def test_a_header_that_names_a_column_twice_is_named_with_its_file(tmp_path: Path) -> None:
    folder = generic_export(tmp_path / "twice")
    path = folder / "affaires.csv"
    text = path.read_text(encoding="windows-1252").replace(";Montant", ";montant", 1)
    path.write_text(text.replace("Étape;", "Montant;", 1), encoding="windows-1252")
    with pytest.raises(SourceError, match=r"affaires\.csv: its header names montant twice"):
        open_crm(folder, preset=str(folder / "mapping.yaml"))


def test_spend_recurring_revenue_and_deal_types_map_like_any_contract_table(crm: Crm) -> None:
    deals = crm.table("opportunities").to_pandas().set_index("opportunity_id").sort_index()
    assert deals["deal_type"].tolist() == ["new_business", "expansion", None]
    spend = crm.table("spend").to_pandas().sort_values("month")
    # day first: 01/08/2026 is 1 August; the categories through the value map, EUR a constant
    assert spend[["month", "category", "channel", "team", "amount"]].values.tolist() == [
        [pd.Timestamp("2026-07-01"), "marketing", "Salons", None, 3000.0],
        [pd.Timestamp("2026-08-01"), "sales", None, "Québec", 12500.0],
    ]
    assert set(spend["currency"]) == {"EUR"}
    revenue = crm.table("recurring_revenue").to_pandas()
    assert revenue[["account_id", "mrr", "currency"]].values.tolist() == [["C1", 100.0, "EUR"]]
