"""The HubSpot preset on a warehouse-sync export with two pipelines (crm_exports)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from crm_exports import hubspot_export, write

from salesops.data.sources import Crm, open_crm
from salesops.metrics.flow import pipeline_flow
from salesops.metrics.funnel import stage_reach, win_rate
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hubspot_export(tmp_path_factory.mktemp("hubspot"))


@pytest.fixture(scope="module")
def crm(export: Path) -> Crm:
    return open_crm(export, preset="hubspot")


@pytest.fixture(scope="module")
def sales_only(export: Path, tmp_path_factory: pytest.TempPathFactory) -> Crm:
    mapping = write(tmp_path_factory.mktemp("map"), "m.yaml", "preset: hubspot\npipelines: [Sales]")
    return open_crm(export, preset=str(mapping))


def test_the_export_meets_the_contract(crm: Crm) -> None:
    assert crm.problems() == []
    assert set(crm.missing) == {
        "leads",
        "quotas",
        "forecast_submissions",
        "content_events",
        "spend",
        "fx_rates",
    }


def test_stages_of_two_pipelines_are_named_and_ordered_by_pipeline(crm: Crm) -> None:
    stages = crm.table("stages").to_pandas().sort_values("sort_order")
    assert stages["stage"].tolist() == [
        "Sales / Rendez-vous",
        "Sales / Contrat envoyé",
        "Sales / Gagné",
        "Sales / Perdu",
        "Renewals / Renewal due",
        "Renewals / Renewed",
    ]
    # won by closed_won; Perdu is closed because its probability is 0, whatever its label
    assert stages["is_won"].tolist() == [False, False, True, False, False, True]
    assert stages["is_closed"].tolist() == [False, False, True, True, False, True]


def test_deals_use_the_amount_in_company_currency_and_skip_deleted_ones(crm: Crm) -> None:
    deals = crm.table("opportunities").to_pandas().set_index("opportunity_id").sort_index()
    assert deals.index.tolist() == ["1", "2", "3", "4"]
    assert deals["amount"].tolist() == [10000, 5000, 3000, 2000]
    assert set(deals["currency"]) == {"USD"}
    assert deals.loc["4", "stage"] == "Renewals / Renewed"


def test_reps_take_their_primary_team_and_their_first_deal_as_hire_date(crm: Crm) -> None:
    reps = crm.table("reps").to_pandas().set_index("rep_id").sort_index()
    assert reps["team"].tolist() == ["Enterprise", "SMB"]
    assert reps["rep_name"].tolist() == ["Ana Lima", "Ben Ode"]
    assert reps.loc["102", "hire_date"] == pd.Timestamp("2026-07-02")


def test_history_from_epoch_milliseconds(crm: Crm) -> None:
    history = crm.table("stage_history").to_pandas()
    entered = history.set_index(["opportunity_id", "stage"])["entered_at"]
    assert entered[("1", "Sales / Contrat envoyé")] == pd.Timestamp("2026-07-06 09:00")


def test_deal_property_history_gives_one_change_per_moment_in_the_deals_currency(
    crm: Crm,
) -> None:
    changes = crm.table("deal_changes").to_pandas().sort_values(["opportunity_id", "changed_at"])
    # deal 5 is deleted; dealname is not tracked; "amount" (deal currency) gives way to the
    # amount in company currency, which the deals' amounts use too
    assert changes["opportunity_id"].tolist() == ["1", "3", "3", "3"]
    three = changes[changes["opportunity_id"] == "3"]
    assert three["changed_at"].tolist() == [
        pd.Timestamp("2026-08-03 11:00"),
        pd.Timestamp("2026-08-20 09:30"),
        pd.Timestamp("2026-09-20 14:00"),
    ]
    assert three["stage"].tolist()[0] == "Sales / Contrat envoyé"
    assert three["amount"].tolist()[:2] == [2500, 3000] and pd.isna(three["amount"].iloc[2])
    assert three["close_date"].tolist()[0] == pd.Timestamp("2026-09-15")
    assert pd.isna(three["close_date"].iloc[1])
    assert three["close_date"].iloc[2] == pd.Timestamp("2026-11-30")
    won = changes[changes["opportunity_id"] == "1"].iloc[0]
    assert (won["stage"], won["close_date"]) == ("Sales / Gagné", pd.Timestamp("2026-08-14"))


def test_pipeline_flow_sees_a_hubspot_deal_resized_and_pushed_out(crm: Crm) -> None:
    # deal 3: created in Q3 due 15 Sep at 2 500, requoted to 3 000, pushed to 30 Nov on 20 Sep
    deals = pipeline_flow(crm.tables, Q3).deals.set_index("opportunity_id")
    three = deals.loc["3"]
    assert (three["entry"], three["exit"]) == ("new", "pushed_out")
    assert (three["entry_amount"], three["exit_amount"]) == (2500, 3000)


def test_win_rate_across_pipelines(crm: Crm) -> None:
    # closed in Q3: 1 won 10000, 4 won 2000 (renewal), 2 lost 5000
    rate = win_rate(crm.tables, Q3)
    assert (rate.closed, rate.won, rate.won_amount, rate.closed_amount) == (3, 2, 12000, 17000)


def test_one_pipeline_gives_a_clean_funnel(sales_only: Crm) -> None:
    # deals 1 (R, C, won), 2 (R, lost), 3 (enters at C: R back-filled); deal 4 is a renewal
    assert sales_only.problems() == []
    rate = win_rate(sales_only.tables, Q3)
    assert (rate.closed, rate.won, rate.rate) == (2, 1, 0.5)
    reach = stage_reach(sales_only.tables, Q3).set_index("stage")
    assert reach.index.tolist() == ["Rendez-vous", "Contrat envoyé", "Gagné"]
    assert reach["reached"].tolist() == [3, 2, 1]
    assert reach["skipped"].tolist() == [1, 0, 0]
    assert reach["step_conversion"].tolist()[1:] == pytest.approx([2 / 3, 1 / 2])


def test_deals_in_the_crm_export_shape_name_stages_and_owners_by_label(tmp_path: Path) -> None:
    folder = hubspot_export(tmp_path / "ui")
    (folder / "deal_stage.csv").unlink()
    write(
        folder,
        "deal.csv",
        """
        Record ID,Deal owner,Pipeline,Deal Stage,Create Date,Close Date,Amount
        1,Ana Lima,Sales,Gagné,2026-07-01 09:00,2026-08-14,10000
        2,ben@example.com,Sales,Perdu,2026-07-02 10:00,2026-09-01,5000
        """,
    )
    crm = open_crm(folder, preset="hubspot")
    deals = crm.table("opportunities").to_pandas().set_index("opportunity_id").sort_index()
    assert deals["rep_id"].tolist() == ["101", "102"]
    assert deals["stage"].tolist() == ["Sales / Gagné", "Sales / Perdu"]
    assert "stage_history" in crm.missing


def test_date_entered_properties_give_stage_history(tmp_path: Path) -> None:
    folder = hubspot_export(tmp_path / "entered")
    (folder / "deal_stage.csv").unlink()
    write(
        folder,
        "deal.csv",
        """
        deal_id,owner_id,deal_pipeline_id,deal_pipeline_stage_id,property_createdate,property_closedate,property_amount,property_hs_date_entered_appointmentscheduled,property_hs_date_entered_closedwon
        1,101,default,closedwon,2026-07-01T09:00:00Z,2026-08-14,9000,2026-07-01T09:00:00Z,2026-08-14T09:00:00Z
        3,101,default,contractsent,2026-08-03T11:00:00Z,2026-11-30,3000,2026-08-03T11:00:00Z,
        """,
    )
    crm = open_crm(folder, preset="hubspot")
    history = crm.table("stage_history").to_pandas().sort_values(["opportunity_id", "entered_at"])
    assert list(zip(history["opportunity_id"], history["stage"], strict=True)) == [
        ("1", "Sales / Rendez-vous"),
        ("1", "Sales / Gagné"),
        ("3", "Sales / Rendez-vous"),
    ]


def test_engagements_are_activities_on_their_first_deal_and_company(crm: Crm) -> None:
    activities = crm.table("activities").to_pandas().set_index("activity_id").sort_index()
    columns = ["rep_id", "type", "direction", "opportunity_id", "account_id"]
    rows = activities[columns].astype(object).where(activities[columns].notna(), None)
    # 906 is in 2099, 907 has no owner, 911 is a task not done (NOT_STARTED in its own table)
    assert {k: list(v.values()) for k, v in rows.to_dict("index").items()} == {
        "901": ["101", "call", "outbound", "1", "7001"],
        "902": ["102", "email", "inbound", "2", "7002"],
        "903": ["101", "meeting", None, "1", None],  # deals 3 and 1: the lowest id
        "904": ["101", "other", None, None, "7001"],  # a note
        "905": ["102", "task", None, None, None],  # its deal 5 is deleted
        "908": ["102", "other", None, None, None],  # POSTAL_MAIL, in the engagement table only
        "909": ["101", "email", "outbound", "4", None],  # EMAIL: sent, in the engagement table
        "910": ["101", "email", None, None, None],  # FORWARDED_EMAIL, in its own table only
    }
    assert activities["lead_id"].isna().all()
    assert activities.loc["901", "occurred_at"] == pd.Timestamp("2026-07-03 10:00")
    summary = crm.summary()
    assert "1 activity dated after today (meetings planned, tasks due) left out" in summary
    assert "1 activity logged by users who are not reps, or by no one, left out" in summary
    assert "1 activity associated with several deals" in summary


def test_the_login_history_gives_the_owners_sign_ins(crm: Crm) -> None:
    logins = crm.table("logins").to_pandas().sort_values("login_at")
    # by email in any case; the 03:00 "HubSpot tools login" is a scheduled process, and
    # admin@example.com owns nothing
    assert list(zip(logins["rep_id"], logins["login_at"], strict=True)) == [
        ("101", pd.Timestamp("2026-07-01 08:30")),
        ("101", pd.Timestamp("2026-07-01 09:00")),
        ("102", pd.Timestamp("2026-07-03 08:15")),
    ]


def test_logins_name_owners_by_user_id_and_failed_ones_are_left_out(tmp_path: Path) -> None:
    folder = hubspot_export(tmp_path / "api")
    write(
        folder,
        "owner.csv",
        """
        owner_id,first_name,last_name,email,user_id
        101,Ana,Lima,ana@example.com,5001
        102,Ben,Ode,ben@example.com,5002
        """,
    )
    (folder / "login_history.csv").unlink()
    write(
        folder,
        "account_login_history.csv",
        """
        loginAt,userId,email,loginSucceeded
        2026-07-01T08:30:00.000Z,5001,,true
        2026-07-01T08:29:00.000Z,5002,ben@example.com,false
        1783418400000,5002,ben@old-domain.example,true
        """,
    )
    logins = open_crm(folder, preset="hubspot").table("logins").to_pandas()
    assert sorted(zip(logins["rep_id"], logins["login_at"], strict=True)) == [
        ("101", pd.Timestamp("2026-07-01 08:30")),
        ("102", pd.Timestamp("2026-07-07 10:00")),  # epoch milliseconds
    ]


def test_without_engagements_or_login_history_the_sections_are_off_in_words(
    tmp_path: Path,
) -> None:
    folder = hubspot_export(tmp_path / "bare")
    for path in [*folder.glob("engagement*.csv"), folder / "login_history.csv"]:
        path.unlink()
    crm = open_crm(folder, preset="hubspot")
    assert {"activities", "logins"} <= set(crm.missing)
    summary = crm.summary()
    assert "No engagement files (engagement, engagement_call, ...): activities off." in summary
    assert "No login history file" in summary
    assert crm.problems() == []


def test_dealtype_maps_to_the_deal_type_and_finance_files_are_read_beside_the_export(
    crm: Crm,
) -> None:
    deals = crm.table("opportunities").to_pandas().set_index("opportunity_id").sort_index()
    # newbusiness, existingbusiness, an unknown partnership (empty), Renewal in any case
    assert deals["deal_type"].tolist() == ["new_business", "expansion", None, "renewal"]
    summary = crm.summary()
    assert "1 deal with a dealtype the preset does not know ('partnership')" in summary
    assert "No spend file: customer acquisition cost (CAC)" in summary
    assert "add spend.csv (month, category" in summary
    revenue = crm.table("recurring_revenue").to_pandas()
    assert revenue[["account_id", "mrr"]].values.tolist() == [["C1", 800.0]]
    assert "recurring_revenue      <- recurring_revenue.csv (contract columns)" in summary
