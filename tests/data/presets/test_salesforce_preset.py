"""The Salesforce preset on a hand-written export with the quirks of real ones (crm_exports)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from crm_exports import salesforce_export, write

from salesops.data.sources import Crm, open_crm
from salesops.metrics.funnel import stage_reach, win_rate
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return salesforce_export(tmp_path_factory.mktemp("salesforce"))


@pytest.fixture(scope="module")
def crm(export: Path) -> Crm:
    return open_crm(export, preset="salesforce")


def _frame(crm: Crm, table: str, key: str) -> pd.DataFrame:
    return crm.table(table).to_pandas().set_index(key).sort_index()


def test_the_export_meets_the_contract_with_every_table_mapped(crm: Crm) -> None:
    assert crm.problems() == []
    assert crm.missing == ["content_events"]  # no standard object holds enablement content
    assert crm.unconverted_currencies == []
    assert "Salesforce has no standard object for enablement content" in crm.summary()


def test_deals_take_flags_from_isclosed_iswon_and_amounts_in_the_corporate_currency(
    crm: Crm,
) -> None:
    deals = _frame(crm, "opportunities", "opportunity_id")
    # O6 is deleted; stage names are translated (Gagné, Perdu), flags come from 0/1 columns
    assert deals.index.tolist() == ["O1", "O2", "O3", "O4", "O5", "O7"]
    assert deals["is_won"].tolist() == [True, False, False, False, True, True]
    assert deals["is_closed"].tolist() == [True, True, False, False, True, True]
    # EUR at 0.8 per USD: 8000 -> 10000, "5,000.00" -> 6250; O4's empty Amount reads 0
    assert deals["amount"].tolist() == [12000, 10000, 6250, 0, 10000, 4000]
    assert set(deals["currency"]) == {"USD"}
    # "07/02/2026 10:00" is US month-first; "30.11.2026" European
    assert deals.loc["O2", "created_at"] == pd.Timestamp("2026-07-02 10:00")
    assert deals.loc["O3", "close_date"] == pd.Timestamp("2026-11-30")


def test_a_deal_won_before_it_was_created_starts_on_its_close_date_and_is_reported(
    crm: Crm,
) -> None:
    deals = _frame(crm, "opportunities", "opportunity_id")
    assert deals.loc["O5", "created_at"] == pd.Timestamp("2026-07-10")
    assert any("closed before they were created" in n and "O5" in n for n in crm.mapping.notes)


def test_stages_keep_the_org_order_and_flags_whatever_their_names(crm: Crm) -> None:
    stages = crm.table("stages").to_pandas().sort_values("sort_order")
    assert stages["stage"].tolist() == ["Prospecção", "Négociation", "Gagné", "Perdu"]
    assert stages["is_won"].tolist() == [False, False, True, False]
    assert stages["probability"].tolist() == pytest.approx([0.1, 0.5, 1.0, 0.0])


def test_history_keeps_the_first_entry_into_each_stage_and_one_spelling_of_accents(
    crm: Crm,
) -> None:
    history = crm.table("stage_history").to_pandas()
    o1 = history[history.opportunity_id == "O1"].sort_values("entered_at")
    # O1 has two Prospecção rows (an amount change on 07-05): the first one counts
    assert o1["stage"].tolist() == ["Prospecção", "Négociation", "Gagné"]
    assert o1["entered_at"].iloc[0] == pd.Timestamp("2026-07-01 09:00")
    # O3's Négociation is written decomposed in the file and still matches the stage
    assert set(history[history.opportunity_id == "O3"]["stage"]) == {"Prospecção", "Négociation"}


def test_every_opportunityhistory_row_is_a_deal_change_in_contract_words(crm: Crm) -> None:
    changes = crm.table("deal_changes").to_pandas()
    changes = changes.sort_values(["opportunity_id", "changed_at"], ignore_index=True)
    # all 12 rows, O1's amount change on 07-05 included (stage_history keeps 10 of them)
    assert len(changes) == 12
    o1 = changes[changes.opportunity_id == "O1"]
    assert o1["changed_at"].tolist() == [
        pd.Timestamp(f"2026-{day} 09:00") for day in ("07-01", "07-05", "07-20", "08-14")
    ]
    assert o1["amount"].tolist() == [10000, 11000, 12000, 12000]
    assert o1["stage"].tolist() == ["Prospecção", "Prospecção", "Négociation", "Gagné"]
    assert o1["forecast_category"].tolist() == ["pipeline", "pipeline", "best_case", "closed"]
    assert o1["close_date"].iloc[-1] == pd.Timestamp("2026-08-14")
    # O2's 8000 EUR in USD like its deal; O3's decomposed Négociation matches the stage
    assert changes[changes.opportunity_id == "O2"]["amount"].tolist() == [10000, 10000]
    assert set(changes[changes.opportunity_id == "O3"]["stage"]) == {"Prospecção", "Négociation"}
    assert "deal_changes           <- OpportunityHistory (every saved change)" in crm.summary()


def test_teams_come_from_roles_and_a_rep_without_one_is_unassigned(crm: Crm) -> None:
    reps = _frame(crm, "reps", "rep_id")
    # U9 manages but owns nothing, so is no rep; User.csv is Windows-1252
    assert reps.index.tolist() == ["U1", "U2", "U3"]
    assert reps["team"].tolist() == ["Enterprise", "Mid-Market", "Unassigned"]
    assert reps.loc["U2", "rep_name"] == "José Núñez"
    assert reps.loc["U1", "manager"] == "Mo Manager"
    assert reps.loc["U3", "end_date"] == pd.Timestamp("2026-08-31")


def test_quotas_and_calls_are_summed_per_fiscal_quarter_from_period(crm: Crm) -> None:
    quotas = _frame(crm, "quotas", "rep_id")
    # U1: three monthly quotas 5000 + 5000 + 10000; U2: 12000 EUR = 15000 USD (quantity row out)
    assert quotas["quota"].tolist() == [20000, 15000]
    assert set(quotas["quarter_start"]) == {pd.Timestamp(Q3.start)}
    calls = crm.table("forecast_submissions").to_pandas().set_index("category")
    # Closed is not a call category
    assert calls["amount"].sort_index().to_dict() == {"best_case": 15000, "commit": 10000}


def test_a_lead_converted_on_its_creation_day_converts_after_it_was_created(crm: Crm) -> None:
    leads = _frame(crm, "leads", "lead_id")
    # L2 is owned by a queue, not a rep; its ConvertedDate is a date on the day it was created
    assert leads.loc["L2", "rep_id"] is None
    assert leads.loc["L2", "converted_at"] == pd.Timestamp("2026-07-01 15:00")


def test_win_rate_and_stage_reach_of_the_quarter(crm: Crm) -> None:
    # closed in Q3: O1 won 12000, O5 won 10000, O7 won 4000, O2 lost 10000 (8000 EUR)
    rate = win_rate(crm.tables, Q3)
    assert (rate.closed, rate.won, rate.rate) == (4, 3, 0.75)
    assert (rate.won_amount, rate.closed_amount) == (26000, 36000)
    # created in Q3: O1 P-N-won, O2 P-lost, O3 P-N, O4 P, O5 won only (created_at moved to its
    # close date 07-10, still in Q3). P reached by all 5 (O5 back-filled), N by O1, O3, O5
    reach = stage_reach(crm.tables, Q3).set_index("stage")
    assert reach["reached"].tolist() == [5, 3, 2]
    assert reach["skipped"].tolist() == [1, 1, 0]
    assert reach["step_conversion"].tolist()[1:] == pytest.approx([3 / 5, 2 / 3])


def test_history_that_starts_after_deals_were_created_is_reported(crm: Crm) -> None:
    # OpportunityHistory begins 2026-06-01; O7 was created on 2026-05-20
    [note] = [n for n in crm.mapping.notes if n.startswith("Stage history starts")]
    assert "2026-06-01" in note and "1 deal created before then has" in note
    assert "read conversion from 2026Q3 on" in note


def test_dated_rates_convert_by_close_date(export: Path, tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "dated")
    # EUR at 0.5 per USD from August: O2 (closes 09-01) 8000 -> 16000; O3 (closes 11-30) too
    write(
        folder,
        "DatedConversionRate.csv",
        """
        Id,IsoCode,ConversionRate,StartDate,NextStartDate
        D1,EUR,0.8,2026-01-01,2026-08-01
        D2,EUR,0.5,2026-08-01,
        """,
    )
    deals = _frame(open_crm(folder, preset="salesforce"), "opportunities", "opportunity_id")
    assert deals.loc[["O2", "O3"], "amount"].tolist() == [16000, 10000]


def test_several_currencies_without_rates_are_left_as_found_and_flagged(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "norates")
    (folder / "CurrencyType.csv").unlink()
    crm = open_crm(folder, preset="salesforce")
    deals = _frame(crm, "opportunities", "opportunity_id")
    assert deals.loc["O2", ["amount", "currency"]].tolist() == [8000, "EUR"]
    assert crm.unconverted_currencies == ["EUR"]
    assert "add CurrencyType.csv" in crm.summary()
    # counts still add up: 4 closed, 3 won
    assert win_rate(crm.tables, Q3).closed == 4


def test_missing_optional_objects_switch_off_their_sections_in_words(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "bare")
    gone = ("OpportunityHistory", "Lead", "ForecastingQuota", "ForecastingItem", "Task", "Event")
    for name in (*gone, "LoginHistory"):
        (folder / f"{name}.csv").unlink()
    crm = open_crm(folder, preset="salesforce")
    assert set(crm.missing) == {
        "stage_history",
        "deal_changes",
        "leads",
        "quotas",
        "forecast_submissions",
        "activities",
        "logins",
        "content_events",
    }
    summary = crm.summary()
    assert "No Lead.csv: lead conversion off; tick Lead in the export" in summary
    assert (
        "No OpportunityHistory.csv: stage conversion, time in stage and pipeline flow off"
        in summary
    )
    assert "No Task.csv: calls, emails and tasks (touches per deal, activity per rep) off" in (
        summary
    )
    assert "No LoginHistory.csv: CRM adoption from sign-ins off" in summary
    assert crm.problems() == []


def test_without_opportunitystage_the_order_is_inferred_from_history(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "nostages")
    (folder / "OpportunityStage.csv").unlink()
    crm = open_crm(folder, preset="salesforce")
    stages = crm.table("stages").to_pandas().sort_values("sort_order")
    # open stages by their average place in deals' histories, then won, then lost
    assert stages["stage"].tolist() == ["Prospecção", "Négociation", "Gagné", "Perdu"]
    assert stages["is_closed"].tolist() == [False, False, True, True]
    assert "Stage order was inferred" in crm.summary()


def test_team_from_the_manager_when_the_mapping_file_says_so(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "manager")
    mapping = write(tmp_path, "mapping.yaml", "preset: salesforce\nteam: manager")
    reps = open_crm(folder, preset=str(mapping)).table("reps").to_pandas()
    assert set(reps["team"]) == {"Mo Manager"}


def test_empty_required_lookups_are_named_in_the_log_and_by_the_contract(tmp_path: Path) -> None:
    folder = salesforce_export(tmp_path / "lookups")
    text = (folder / "Opportunity.csv").read_text(encoding="utf-8")
    (folder / "Opportunity.csv").write_text(text.replace("O3,U3,", "O3,,"), encoding="utf-8")
    crm = open_crm(folder, preset="salesforce")
    assert "1 Opportunity row has an empty OwnerId" in crm.summary()
    [problem] = crm.problems()
    assert (problem.table, problem.column, problem.rule, problem.examples) == (
        "opportunities",
        "rep_id",
        "missing values",
        ["O3"],
    )


def test_field_history_gives_stage_history_when_opportunityhistory_is_absent(
    tmp_path: Path,
) -> None:
    folder = salesforce_export(tmp_path / "fieldhistory")
    (folder / "OpportunityHistory.csv").unlink()
    write(
        folder,
        "OpportunityFieldHistory.csv",
        """
        Id,OpportunityId,Field,OldValue,NewValue,CreatedDate
        H1,O1,StageName,Prospecção,Négociation,2026-07-20T09:00:00.000Z
        H2,O1,Amount,10000,12000,2026-07-21T09:00:00.000Z
        H3,O1,StageName,Négociation,Gagné,2026-08-14T09:00:00.000Z
        """,
    )
    crm = open_crm(folder, preset="salesforce")
    history = crm.table("stage_history").to_pandas().sort_values("entered_at")
    # the first change's old value is the stage O1 was created in, entered at its creation
    assert history["stage"].tolist() == ["Prospecção", "Négociation", "Gagné"]
    assert history["entered_at"].tolist() == [
        pd.Timestamp("2026-07-01 09:00"),
        pd.Timestamp("2026-07-20 09:00"),
        pd.Timestamp("2026-08-14 09:00"),
    ]


def test_closed_tasks_and_events_are_activities_on_deals_accounts_and_leads(crm: Crm) -> None:
    activities = _frame(crm, "activities", "activity_id")
    rows = activities[["rep_id", "type", "direction", "opportunity_id", "lead_id", "account_id"]]
    # T5 is open, T7 a manager's (U9 owns nothing), T8 deleted; E2 an invitee's copy, E4 in 2099,
    # E5 a series master. T2's WhatId is an account (001); T3's WhoId the lead L1; T6 (LinkedIn)
    # reads as other; T9 is an internal call, T10 a call logged as a task of type Call
    assert rows.astype(object).where(rows.notna(), None).to_dict("index") == {
        "E1": _activity("U1", "meeting", None, "O1", None, "A1"),
        "E3": _activity("U1", "meeting", None, None, None, "A4"),
        "T1": _activity("U1", "call", "outbound", "O1", None, "A1"),
        "T10": _activity("U2", "call", "outbound", "O5", None, "A3"),
        "T2": _activity("U2", "email", None, None, None, "001A3"),
        "T3": _activity("U1", "call", "inbound", None, "L1", None),
        "T4": _activity("U1", "email", "outbound", "O4", None, "A1"),
        "T6": _activity("U1", "other", None, "O1", None, "A1"),
        "T9": _activity("U2", "call", None, "O2", None, "A2"),
    }
    # a task takes place on its ActivityDate, at its creation time when created that day; an
    # all-day event at midnight
    assert activities.loc[["T1", "T2", "E1", "E3"], "occurred_at"].tolist() == [
        pd.Timestamp("2026-07-03 10:15"),
        pd.Timestamp("2026-07-08"),  # 07/08/2026, logged the next day
        pd.Timestamp("2026-07-21 14:00"),
        pd.Timestamp("2026-08-05"),
    ]
    summary = crm.summary()
    assert "1 activity dated after today (meetings planned, tasks due) left out" in summary
    assert "1 activity logged by users who are not reps, or by no one, left out" in summary


def _activity(
    rep: str,
    kind: str,
    direction: str | None,
    deal: str | None,
    lead: str | None,
    account: str | None,
) -> dict[str, str | None]:
    return {
        "rep_id": rep,
        "type": kind,
        "direction": direction,
        "opportunity_id": deal,
        "lead_id": lead,
        "account_id": account,
    }


def test_login_history_gives_the_reps_successful_sign_ins(crm: Crm) -> None:
    logins = crm.table("logins").to_pandas().sort_values("login_at")
    # H2 failed (Invalid Password); H4 is the manager U9, who is no rep
    assert list(zip(logins["rep_id"], logins["login_at"], strict=True)) == [
        ("U1", pd.Timestamp("2026-07-01 08:30")),
        ("U2", pd.Timestamp("2026-07-02 08:45")),
        ("U3", pd.Timestamp("2026-08-04 09:00")),
    ]


def test_opportunity_type_maps_to_the_deal_type_and_unknown_types_are_counted(crm: Crm) -> None:
    deals = _frame(crm, "opportunities", "opportunity_id")
    assert deals["deal_type"].tolist() == [
        "new_business",  # New Business
        "expansion",  # Existing Customer - Upgrade
        "renewal",  # Renewal
        "renewal",  # Existing Customer - Replacement
        None,  # Pilot: not a type the preset knows
        None,  # no Type
    ]
    assert "1 deal with an Opportunity Type the preset does not know ('Pilot')" in crm.summary()


def test_campaign_costs_are_marketing_spend_by_month_and_channel_beside_spend_csv(
    crm: Crm,
) -> None:
    spend = crm.table("spend").to_pandas()
    spend = spend.sort_values(["month", "category", "channel"]).reset_index(drop=True)
    rows = spend[["month", "category", "channel", "team", "amount", "currency"]]
    # July: the web campaigns (1,500 + 500) under the LeadSource's spelling Web; the trade show
    # 4,000 EUR at 0.8 per USD; August: the partner day. C5 has no ActualCost yet, C6 is
    # deleted. The sales rows come from spend.csv.
    assert rows.values.tolist() == [
        [pd.Timestamp("2026-07-01"), "marketing", "Trade Show", None, 5000.0, "USD"],
        [pd.Timestamp("2026-07-01"), "marketing", "Web", None, 2000.0, "USD"],
        [pd.Timestamp("2026-07-01"), "sales", None, "Enterprise", 20000.0, "USD"],
        [pd.Timestamp("2026-08-01"), "marketing", "Partner", None, 800.0, "USD"],
        [pd.Timestamp("2026-08-01"), "sales", None, "Enterprise", 21000.0, "USD"],
    ]
    assert "spend                  <- Campaign (ActualCost by StartDate's month and Type) + " in (
        crm.summary()
    )
    revenue = crm.table("recurring_revenue").to_pandas()
    assert sorted(revenue["account_id"]) == ["A1", "A3", "A3"]


def test_a_spend_csv_with_marketing_rows_replaces_the_campaigns(
    export: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "finance"
    shutil.copytree(export, folder)
    write(
        folder,
        "spend.csv",
        """
        month,category,channel,team,amount,currency
        2026-07-01,marketing,Web,,7000,USD
        2026-07-01,sales,,Enterprise,20000,USD
        """,
    )
    crm = open_crm(folder, preset="salesforce")
    assert crm.problems() == []
    assert crm.table("spend").to_pandas()["amount"].sum() == 27000.0
    assert "spend.csv holds marketing spend: it replaces the Campaigns' ActualCost" in (
        crm.summary()
    )


def test_without_campaign_or_spend_csv_spend_is_missing_in_words(
    export: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "nocampaign"
    shutil.copytree(export, folder)
    for name in ("Campaign.csv", "spend.csv", "recurring_revenue.csv"):
        (folder / name).unlink()
    crm = open_crm(folder, preset="salesforce")
    assert {"spend", "recurring_revenue"} <= set(crm.missing)
    summary = crm.summary()
    assert "No Campaign.csv: marketing spend (customer acquisition cost, payback" in summary
    assert "No recurring_revenue file: revenue retention (NRR, GRR)" in summary
