"""The data contract: each rule rejects a hand-broken copy of the tiny CRM in conftest, by name."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import ibis
import pandas as pd
import pytest

from salesops.data import contract, demo, sources
from salesops.errors import ContractError, ContractProblem

Frames = dict[str, pd.DataFrame]
Load = Callable[[Frames], dict[str, ibis.Table]]


def _set(table: str, row: int, column: str, value: object) -> Callable[[Frames], None]:
    def breaks(frames: Frames) -> None:
        frames[table].loc[row, column] = value

    return breaks


def _append_copy(table: str, row: int) -> Callable[[Frames], None]:
    def breaks(frames: Frames) -> None:
        frame = frames[table]
        frames[table] = pd.concat([frame, frame.iloc[[row]]], ignore_index=True)

    return breaks


DOCS = "docs/contract.md)"
STAGES = "the pipeline's stages in funnel order, with their closed and won flags; see " + DOCS

# (how the tiny CRM is broken, the one problem expected). Rows are 0-based positions in conftest.
BROKEN = {
    "duplicate rep id": (
        _append_copy("reps", 2),  # r3 twice
        ContractProblem("reps", "rep_id", "duplicate values", 2, ["r3"]),
    ),
    "rep without team": (
        _set("reps", 2, "team", None),
        ContractProblem("reps", "team", "missing values", 1, ["r3"]),
    ),
    "negative deal amount": (
        _set("opportunities", 1, "amount", -1.0),
        ContractProblem("opportunities", "amount", "must be >= 0", 1, ["o2"]),
    ),
    "deal in a stage the stages table lacks": (
        _set("opportunities", 2, "stage", "Negotiation"),
        ContractProblem("opportunities", "stage", "not found in stages.stage", 1, ["o3"]),
    ),
    "deal owned by an unknown rep": (
        _set("opportunities", 3, "rep_id", "r9"),
        ContractProblem("opportunities", "rep_id", "not found in reps.rep_id", 1, ["o4"]),
    ),
    "closed deal that closes the day before it was created": (
        _set("opportunities", 0, "close_date", date(2026, 6, 30)),  # o1 created 2026-07-01
        ContractProblem(
            "opportunities",
            "close_date",
            "closed deal has close_date before its created_at date",
            1,
            ["o1"],
        ),
    ),
    "open deal marked won": (
        _set("opportunities", 2, "is_won", True),
        ContractProblem("opportunities", "is_won", "won but not closed", 1, ["o3"]),
    ),
    "two stages with one sort order": (
        _set("stages", 3, "sort_order", 3),  # Lost takes Won's place
        ContractProblem("stages", "sort_order", "duplicate values", 2, ["Lost", "Won"]),
    ),
    "stage probability above one": (
        _set("stages", 1, "probability", 1.5),
        ContractProblem("stages", "probability", "must be between 0 and 1", 1, ["Proposal"]),
    ),
    "history entry in an unknown stage": (
        _set("stage_history", 1, "stage", "Qualify"),  # no id: the value is the example
        ContractProblem("stage_history", "stage", "not found in stages.stage", 1, ["Qualify"]),
    ),
    "history of an unknown deal": (
        _set("stage_history", 7, "opportunity_id", "o9"),
        ContractProblem(
            "stage_history",
            "opportunity_id",
            "not found in opportunities.opportunity_id",
            1,
            ["o9"],
        ),
    ),
    "history entry without a time": (
        _set("stage_history", 7, "entered_at", pd.NaT),  # no id: the row's deal names it
        ContractProblem("stage_history", "entered_at", "missing values", 1, ["o4"]),
    ),
    "change of an unknown deal": (
        _set("deal_changes", 8, "opportunity_id", "o9"),  # no id: the value is the example
        ContractProblem(
            "deal_changes",
            "opportunity_id",
            "not found in opportunities.opportunity_id",
            1,
            ["o9"],
        ),
    ),
    "change into an unknown stage": (
        _set("deal_changes", 2, "stage", "Qualify"),
        ContractProblem("deal_changes", "stage", "not found in stages.stage", 1, ["Qualify"]),
    ),
    "change without a time": (
        _set("deal_changes", 1, "changed_at", pd.NaT),  # the row's deal names it
        ContractProblem("deal_changes", "changed_at", "missing values", 1, ["o1"]),
    ),
    "change to a negative amount": (
        _set("deal_changes", 1, "amount", -100.0),
        ContractProblem("deal_changes", "amount", "must be >= 0", 1, ["-100.0"]),
    ),
    "change to a close date before the floor": (
        _set("deal_changes", 8, "close_date", date(1989, 12, 31)),
        ContractProblem(
            "deal_changes", "close_date", "must be on or after 1990-01-01", 1, ["1989-12-31"]
        ),
    ),
    "lead without status": (
        _set("leads", 1, "status", None),
        ContractProblem("leads", "status", "missing values", 1, ["l2"]),
    ),
    "lead converted before it was created": (
        _set("leads", 0, "converted_at", pd.Timestamp("2026-06-19 08:00")),  # created 06-20
        ContractProblem("leads", "converted_at", "converted_at before created_at", 1, ["l1"]),
    ),
    "lead of an unknown rep": (
        _set("leads", 1, "rep_id", "r9"),  # a lead without rep is fine, an unknown one is not
        ContractProblem("leads", "rep_id", "not found in reps.rep_id", 1, ["l2"]),
    ),
    "negative quota": (
        _set("quotas", 2, "quota", -5.0),
        ContractProblem("quotas", "quota", "must be >= 0", 1, ["-5.0"]),
    ),
    "quota of an unknown rep": (
        _set("quotas", 2, "rep_id", "r9"),
        ContractProblem("quotas", "rep_id", "not found in reps.rep_id", 1, ["r9"]),
    ),
    "two quotas for one rep and quarter": (
        _append_copy("quotas", 0),
        ContractProblem("quotas", None, "duplicate rep_id and quarter_start", 2, ["r1 2026-07-01"]),
    ),
    "forecast call in an unknown category": (
        _set("forecast_submissions", 2, "category", "upside"),
        ContractProblem(
            "forecast_submissions",
            "category",
            "must be one of commit, best_case, pipeline",
            1,
            ["upside"],
        ),
    ),
    "forecast call of an unknown rep": (
        _set("forecast_submissions", 2, "rep_id", "r9"),
        ContractProblem("forecast_submissions", "rep_id", "not found in reps.rep_id", 1, ["r9"]),
    ),
    "negative forecast call": (
        _set("forecast_submissions", 0, "amount", -10.0),
        ContractProblem("forecast_submissions", "amount", "must be >= 0", 1, ["-10.0"]),
    ),
    "activity of an unknown type": (
        _set("activities", 3, "type", "visit"),
        ContractProblem(
            "activities", "type", "must be one of call, email, meeting, task, other", 1, ["t4"]
        ),
    ),
    "call in no known direction": (
        _set("activities", 0, "direction", "internal"),
        ContractProblem("activities", "direction", "must be one of inbound, outbound", 1, ["t1"]),
    ),
    "activity on an unknown deal": (
        _set("activities", 2, "opportunity_id", "o9"),
        ContractProblem(
            "activities", "opportunity_id", "not found in opportunities.opportunity_id", 1, ["t3"]
        ),
    ),
    "activity on an unknown lead": (
        _set("activities", 3, "lead_id", "l9"),
        ContractProblem("activities", "lead_id", "not found in leads.lead_id", 1, ["t4"]),
    ),
    "two activities with one id": (
        _append_copy("activities", 1),
        ContractProblem("activities", "activity_id", "duplicate values", 2, ["t2"]),
    ),
    "login of an unknown rep": (
        _set("logins", 1, "rep_id", "r9"),
        ContractProblem("logins", "rep_id", "not found in reps.rep_id", 1, ["r9"]),
    ),
    "login without a time": (
        _set("logins", 2, "login_at", pd.NaT),  # no id: the row's rep names it
        ContractProblem("logins", "login_at", "missing values", 1, ["r3"]),
    ),
    "content event that is neither a view nor a share": (
        _set("content_events", 0, "event", "download"),
        ContractProblem("content_events", "event", "must be one of view, share", 1, ["download"]),
    ),
    "content shared on an unknown deal": (
        _set("content_events", 1, "opportunity_id", "o9"),
        ContractProblem(
            "content_events",
            "opportunity_id",
            "not found in opportunities.opportunity_id",
            1,
            ["o9"],
        ),
    ),
    "negative fx rate": (
        _set("fx_rates", 1, "rate", -1.1),
        ContractProblem("fx_rates", "rate", "must be > 0", 1, ["-1.1"]),
    ),
    "fx rate of zero": (
        _set("fx_rates", 1, "rate", 0.0),
        ContractProblem("fx_rates", "rate", "must be > 0", 1, ["0.0"]),
    ),
    # values a report cannot print or sum: infinity, 290-digit amounts (the bound is 1e15)
    "infinite deal amount": (
        _set("opportunities", 1, "amount", float("inf")),
        ContractProblem("opportunities", "amount", "must be a finite number <= 1e15", 1, ["o2"]),
    ),
    "deal amount of 1e300": (
        _set("opportunities", 1, "amount", 1e300),
        ContractProblem("opportunities", "amount", "must be a finite number <= 1e15", 1, ["o2"]),
    ),
    "infinite quota": (
        _set("quotas", 0, "quota", float("inf")),
        ContractProblem("quotas", "quota", "must be a finite number <= 1e15", 1, ["inf"]),
    ),
    "deal created in 1900": (
        _set("opportunities", 0, "created_at", pd.Timestamp("1900-01-01")),
        ContractProblem("opportunities", "created_at", "must be on or after 1990-01-01", 1, ["o1"]),
    ),
    "lead created in 2062": (
        _set("leads", 1, "created_at", pd.Timestamp("2062-01-15 09:00")),
        ContractProblem("leads", "created_at", "must be at most 7 days after today", 1, ["l2"]),
    ),
    "open deal expected to close in 2999": (
        _set("opportunities", 3, "close_date", date(2999, 1, 1)),
        ContractProblem(
            "opportunities", "close_date", "must be at most 5 years after today", 1, ["o4"]
        ),
    ),
    "lost deal closed a month from now": (
        _set("opportunities", 1, "close_date", date.today() + timedelta(days=30)),
        ContractProblem(
            "opportunities",
            "close_date",
            "closed deal has close_date more than 7 days after today",
            1,
            ["o2"],
        ),
    ),
    "NUL byte in a team name": (
        _set("reps", 2, "team", "West\x00"),
        ContractProblem(
            "reps", "team", "must hold no control character (NUL, tab, line break, ...)", 1, ["r3"]
        ),
    ),
}


def test_the_valid_tiny_crm_has_no_problems(frames: Frames, load: Load) -> None:
    assert contract.check(load(frames)) == []


@pytest.mark.parametrize("case", list(BROKEN), ids=list(BROKEN))
def test_each_rule_rejects_its_broken_table_by_table_column_rule_and_example(
    case: str, frames: Frames, load: Load
) -> None:
    breaks, expected = BROKEN[case]
    breaks(frames)
    problems = contract.check(load(frames))
    assert problems == [expected]
    message = str(problems[0])
    assert message.startswith(f"{expected.table}.{expected.column or ''}".rstrip("."))
    assert expected.rule in message and repr(expected.examples[0]) in message


def test_closing_on_the_creation_day_or_an_open_deal_expected_before_creation_is_fine(
    frames: Frames, load: Load
) -> None:
    # o2 (closed) was created 2026-07-02 10:00 and closes that same day: allowed.
    # o4 (open) expects to close before its creation date: an expectation, not a broken fact.
    frames["opportunities"].loc[1, "close_date"] = date(2026, 7, 2)
    frames["opportunities"].loc[3, "close_date"] = date(2026, 9, 1)
    assert contract.check(load(frames)) == []


def test_missing_required_tables_and_columns_are_problems_missing_optional_tables_are_not(
    frames: Frames, load: Load
) -> None:
    del frames["stages"], frames["quotas"], frames["leads"]
    frames["reps"] = frames["reps"].drop(columns=["region"])
    problems = contract.check(load(frames))
    # The rules that need stages (deal and history stages known) are skipped, not failed.
    assert problems == [
        ContractProblem("reps", "region", "missing column (the rep's region; see " + DOCS, 0),
        ContractProblem("stages", None, "missing required table (" + STAGES, 0),
    ]
    # each says what the table or column holds, and where the whole contract is written down
    assert str(problems[1]) == f"stages: missing required table ({STAGES}"


def test_every_broken_rule_is_reported_at_once(frames: Frames, load: Load) -> None:
    for name in (
        "negative deal amount",
        "lead without status",
        "two quotas for one rep and quarter",
    ):
        BROKEN[name][0](frames)
    del frames["stages"]
    problems = contract.check(load(frames))
    error = ContractError(problems, source="tiny.duckdb")
    assert [(p.table, p.column) for p in error.problems] == [
        ("opportunities", "amount"),
        ("stages", None),
        ("leads", "status"),
        ("quotas", None),
    ]
    text = str(error)
    assert text.startswith("4 data contract problems in tiny.duckdb:")
    assert "opportunities.amount: must be >= 0: 1 row (e.g. 'o2')" in text


def test_examples_are_capped_at_five_sorted_ids_while_rows_count_all(
    frames: Frames, load: Load
) -> None:
    # Seven extra deals o5..o11 with negative amounts: 7 rows, first five ids in sorted order.
    extra = pd.concat([frames["opportunities"].iloc[[0]]] * 7, ignore_index=True)
    extra["opportunity_id"] = [f"o{k}" for k in range(5, 12)]
    extra["amount"] = -1.0
    frames["opportunities"] = pd.concat([frames["opportunities"], extra], ignore_index=True)
    (problem,) = contract.check(load(frames))
    assert problem.rows == 7
    assert problem.examples == ["o10", "o11", "o5", "o6", "o7"]


def test_values_that_do_not_cast_are_problems_naming_the_rows_not_crashes(
    frames: Frames, load: Load
) -> None:
    # Opportunities as a CSV reader may see them: every column text, two values unreadable.
    text = frames["opportunities"].astype(str).replace({"None": None, "nan": None})
    text.loc[1, "created_at"] = "last tuesday"  # o2
    text.loc[2, "amount"] = "n/a"  # o3
    text.loc[3, "is_closed"] = "maybe"  # o4
    frames["opportunities"] = text
    tables = load(frames)
    problems = contract.check(tables)
    assert problems == [
        ContractProblem("opportunities", "created_at", "cannot be read as a timestamp", 1, ["o2"]),
        ContractProblem("opportunities", "is_closed", "cannot be read as true/false", 1, ["o4"]),
        ContractProblem("opportunities", "amount", "cannot be read as a number", 1, ["o3"]),
    ]
    conformed = contract.conform("opportunities", tables["opportunities"]).to_pandas()
    assert conformed["amount"].tolist()[:2] == [12000.0, 8000.0]
    assert pd.isna(conformed.loc[2, "amount"]) and pd.isna(conformed.loc[1, "created_at"])


def test_conform_matches_names_case_insensitively_orders_casts_and_fills_absent_columns() -> None:
    raw = ibis.memtable(
        {
            "Extra": [1],
            "Probability": ["0.25"],
            "IS_WON": [0],
            "is_closed": ["true"],
            "sort_order": [2.0],
            "Stage": [7],
        }
    )
    conformed = contract.conform("stages", raw)
    assert conformed.schema() == ibis.schema(contract.TABLES["stages"].columns)
    assert conformed.to_pandas().to_dict("records") == [
        {"stage": "7", "sort_order": 2, "is_closed": True, "is_won": False, "probability": 0.25}
    ]
    reps = contract.conform("reps", ibis.memtable({"rep_id": ["r1"]}))
    assert list(reps.columns) == list(contract.TABLES["reps"].columns)
    assert reps.schema()["hire_date"].is_date() and reps.to_pandas().loc[0, "team"] is None


def test_tables_split_into_required_and_optional_as_the_design_says() -> None:
    assert contract.REQUIRED_TABLES == ("reps", "opportunities", "stages")
    assert set(contract.OPTIONAL_TABLES) == {
        "stage_history",
        "deal_changes",
        "leads",
        "quotas",
        "forecast_submissions",
        "activities",
        "logins",
        "content_events",
        "spend",
        "recurring_revenue",
        "fx_rates",
    }
    for spec in contract.TABLES.values():
        assert spec.required != bool(spec.enables)
        for name, dtype in spec.columns.items():
            if name.endswith("_at"):
                assert dtype == ibis.dtype("timestamp")
            if name.endswith("_date") or name == "quarter_start":
                assert dtype == ibis.dtype("date")


def test_the_demo_crm_meets_the_contract(load: Load) -> None:
    tables = load(demo.generate())
    assert set(tables) == set(contract.TABLES)
    assert contract.check(tables) == []


def test_an_open_deal_may_close_years_ahead_and_a_closed_one_a_few_days_ahead(
    frames: Frames, load: Load
) -> None:
    # plans may lie 5 years ahead, events 7 days: both bounds are inclusive
    frames["opportunities"].loc[3, "close_date"] = contract.latest_day("plan")  # o4, open
    frames["opportunities"].loc[1, "close_date"] = contract.latest_day("event")  # o2, lost
    frames["reps"].loc[0, "hire_date"] = contract.DATE_FLOOR
    frames["opportunities"].loc[0, "amount"] = contract.MAX_AMOUNT
    assert contract.check(load(frames)) == []


def test_rates_convert_into_the_org_currency_or_name_the_deals_they_cannot(
    frames: Frames, load: Load
) -> None:
    # o3 is in EUR, closing 2026-11-30; EUR has a rate from 2026-01-01 on, USD a rate of 1
    assert contract.check(load(frames), "USD") == []
    frames["opportunities"].loc[2, "close_date"] = date(2025, 12, 31)  # before the EUR rate
    frames["opportunities"].loc[3, "currency"] = "XYZ"  # o4: a code no rate has
    frames["fx_rates"].loc[0, "rate"] = 0.9  # USD itself: these rates are not into USD
    assert contract.check(load(frames), "USD") == [
        ContractProblem(
            "fx_rates",
            "rate",
            "the org currency USD must have rate 1 (rates convert into it)",
            1,
            ["0.9"],
        ),
        ContractProblem(
            "opportunities",
            "currency",
            "no fx_rates rate into USD on the deal's close date",
            2,
            ["o3", "o4"],
        ),
    ]


def test_docs_contract_md_is_generated_from_the_contract() -> None:
    from salesops.data import contract_doc

    written = (Path(__file__).parents[2] / contract.DOCS).read_text(encoding="utf-8")
    assert written == contract_doc.render(), (
        f"{contract.DOCS} differs from the contract; regenerate it: {contract_doc.COMMAND} "
        "(or make docs)"
    )


# Deal types, spend and recurring revenue


def test_a_source_may_leave_out_the_deal_type_column(frames: Frames, load: Load) -> None:
    frames["opportunities"] = frames["opportunities"].drop(columns="deal_type")
    assert contract.check(load(frames), "USD") == []
    conformed = contract.conform("opportunities", load(frames)["opportunities"]).to_pandas()
    assert conformed["deal_type"].isna().all()


def test_a_deal_type_outside_the_three_is_a_problem(frames: Frames, load: Load) -> None:
    frames["opportunities"].loc[3, "deal_type"] = "upsell"  # o4
    assert contract.check(load(frames)) == [
        ContractProblem(
            "opportunities",
            "deal_type",
            "must be one of new_business, expansion, renewal",
            1,
            ["o4"],
        )
    ]


@pytest.mark.parametrize("table", ["spend", "recurring_revenue"])
def test_a_month_that_is_not_a_first_day_is_a_problem(
    table: str, frames: Frames, load: Load
) -> None:
    frames[table].loc[0, "month"] = date(2026, 9, 15)
    problems = contract.check(load(frames))
    assert [(p.table, p.column, p.rule, p.rows) for p in problems] == [
        (table, "month", "month is not the first day of a month", 1)
    ]
    assert problems[0].examples == ["2026-09-15"]


def test_a_second_row_for_an_account_and_month_is_a_problem(frames: Frames, load: Load) -> None:
    frames["recurring_revenue"] = pd.concat(
        [frames["recurring_revenue"]] * 2, ignore_index=True
    ).assign(mrr=[1000.0, 1200.0])
    assert contract.check(load(frames)) == [
        ContractProblem(
            "recurring_revenue", None, "duplicate account_id and month", 2, ["a1 2026-09-01"]
        )
    ]


def test_spend_and_revenue_need_no_deal_behind_them_and_may_be_zero(
    frames: Frames, load: Load
) -> None:
    # an account billed outside the CRM's deals, a month of no spend: both fine
    extra = pd.DataFrame(
        {"account_id": ["z9"], "month": [date(2026, 8, 1)], "mrr": [0.0], "currency": ["USD"]}
    )
    frames["recurring_revenue"] = pd.concat([frames["recurring_revenue"], extra])
    frames["spend"].loc[0, "amount"] = 0.0
    assert contract.check(load(frames), "USD") == []


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("category", "finance", "must be one of marketing, sales"),
        ("amount", -5.0, "must be >= 0"),
    ],
)
def test_a_spend_category_or_amount_outside_the_rules_is_a_problem(
    column: str, value: object, rule: str, frames: Frames, load: Load
) -> None:
    frames["spend"].loc[1, column] = value
    problems = contract.check(load(frames))
    assert [(p.table, p.column, p.rule, p.rows) for p in problems] == [("spend", column, rule, 1)]


def test_fx_rates_convert_spend_and_revenue_by_month_from_a_dated_change_on(
    frames: Frames, load: Load
) -> None:
    # EUR is worth 1.1 from 2026-01-01 and 1.2 from 2026-08-01: July's rows at 1.1, August's and
    # September's at 1.2; a rate from mid-September (1.5) applies from October's rows only
    rates = pd.DataFrame(
        {
            "currency": ["EUR", "EUR"],
            "rate": [1.2, 1.5],
            "valid_from": [date(2026, 8, 1), date(2026, 9, 15)],
        }
    )
    frames["fx_rates"] = pd.concat([frames["fx_rates"], rates], ignore_index=True)
    frames["spend"]["currency"] = "EUR"
    frames["recurring_revenue"] = pd.DataFrame(
        {
            "account_id": ["a1"] * 4,
            "month": [date(2026, m, 1) for m in (7, 8, 9, 10)],
            "mrr": [1000.0] * 4,
            "currency": ["EUR"] * 4,
        }
    )
    tables = load(frames)
    assert contract.check(tables, "USD") == []
    converted = sources._conformed(tables, "USD")  # as every source is read
    revenue = converted["recurring_revenue"].to_pandas().sort_values("month")
    assert revenue["mrr"].round(6).tolist() == [1100.0, 1200.0, 1200.0, 1500.0]
    assert set(revenue["currency"]) == {"USD"}
    spend = converted["spend"].to_pandas()
    by_month = spend.groupby(spend["month"].astype(str))["amount"].sum().round(6).to_dict()
    raw = frames["spend"].groupby(frames["spend"]["month"].astype(str))["amount"].sum()
    assert by_month == {
        "2026-07-01": round(raw["2026-07-01"] * 1.1, 6),
        "2026-08-01": round(raw["2026-08-01"] * 1.2, 6),
        "2026-09-01": round(raw["2026-09-01"] * 1.2, 6),
    }


def test_spend_or_revenue_no_rate_converts_is_a_problem_naming_the_month_or_account(
    frames: Frames, load: Load
) -> None:
    frames["spend"].loc[0, "currency"] = "XYZ"  # July's East marketing
    frames["spend"].loc[3, "month"] = date(2025, 12, 1)  # EUR, before its first rate
    frames["recurring_revenue"].loc[0, "currency"] = "GBP"  # no rate at all
    assert contract.check(load(frames), "USD") == [
        ContractProblem(
            "spend",
            "currency",
            "no fx_rates rate into USD on the month spent",
            2,
            ["2025-12-01", "2026-07-01"],
        ),
        ContractProblem(
            "recurring_revenue",
            "currency",
            "no fx_rates rate into USD on the month billed",
            1,
            ["a1"],
        ),
    ]
