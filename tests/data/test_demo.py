"""The demo CRM: deterministic, inside the contract, and plausible enough to tell a story.

Realism checks are deliberately loose bands around what the generator aims for, so they hold for
any seed while still catching a generator that stopped producing the pattern.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest

from salesops.data.contract import FORECAST_CATEGORIES, TABLES, check
from salesops.data.demo import (
    DEFAULT_SEED,
    DEMO_END,
    DEMO_START,
    SOURCES,
    generate,
    write_demo,
    write_tables,
)
from salesops.errors import ParamsError
from salesops.periods import Quarter

Tables = dict[str, pd.DataFrame]
END = pd.Timestamp(DEMO_END)
HISTORY = [Quarter.containing(DEMO_START).shift(k) for k in range(12)]  # 2023Q4 .. 2026Q3
NEXT = Quarter.containing(DEMO_END).next()  # 2026Q4: its quotas are set by DEMO_END
DATE_COLUMNS = {"hire_date", "end_date", "close_date", "quarter_start", "valid_from", "month"}


@pytest.fixture(scope="module")
def demo() -> Tables:
    return generate(DEFAULT_SEED)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo") / "nested" / "folder" / "demo.duckdb"
    return out, write_demo(out)


def fingerprint(tables: Tables) -> dict[str, int]:
    return {
        name: int(pd.util.hash_pandas_object(frame, index=False).sum())
        for name, frame in tables.items()
    }


def stage_order(demo: Tables) -> pd.Series:
    return demo["stages"].set_index("stage")["sort_order"]


def open_stages(demo: Tables) -> set[str]:
    stages = demo["stages"]
    return set(stages.loc[~stages["is_closed"], "stage"])


def history_steps(demo: Tables) -> pd.DataFrame:
    """Each stage-history row with the sort order of the row before it in the same deal."""
    history = demo["stage_history"].assign(order=lambda h: h["stage"].map(stage_order(demo)))
    history["previous"] = history.groupby("opportunity_id")["order"].shift()
    history["previous_stage"] = history.groupby("opportunity_id")["stage"].shift()
    return history


def won_closes(demo: Tables) -> pd.DataFrame:
    """Closed-won deals with their owner, amount, closing timestamp and quarter start."""
    won_stages = demo["stages"].loc[demo["stages"]["is_won"], "stage"]
    rows = demo["stage_history"][demo["stage_history"]["stage"].isin(won_stages)]
    won = rows[["opportunity_id", "entered_at"]].merge(
        demo["opportunities"][["opportunity_id", "rep_id", "amount", "close_date"]]
    )
    return won.assign(quarter_start=won["close_date"].dt.to_period("Q").dt.start_time)


def commit_calls(demo: Tables) -> pd.DataFrame:
    """Commit calls with W (closed won before the call) and A (closed won in the quarter)."""
    won = won_closes(demo).sort_values("entered_at")
    won["won_so_far"] = won.groupby(["rep_id", "quarter_start"])["amount"].cumsum()
    calls = demo["forecast_submissions"]
    calls = calls[calls["category"] == "commit"].sort_values("submitted_at")
    calls = pd.merge_asof(
        calls,
        won[["rep_id", "quarter_start", "entered_at", "won_so_far"]],
        left_on="submitted_at",
        right_on="entered_at",
        by=["rep_id", "quarter_start"],
        allow_exact_matches=False,
    )
    actual = won.groupby(["rep_id", "quarter_start"])["amount"].sum().rename("actual")
    calls = calls.join(actual, on=["rep_id", "quarter_start"])
    return calls.fillna({"won_so_far": 0.0, "actual": 0.0})


def weekly_calls(demo: Tables, category: str = "commit") -> pd.DataFrame:
    """Each rep's latest call of ``category`` made before each week of the quarter ends (week w
    ends 7w days after the start), from the week of their first call on, with team and actual."""
    calls = demo["forecast_submissions"]
    calls = calls[calls["category"] == category]
    week = (calls["submitted_at"] - calls["quarter_start"]).dt.days // 7 + 1
    latest = (
        calls.assign(week=week)
        .sort_values("submitted_at")
        .groupby(["rep_id", "quarter_start", "week"])["amount"]
        .last()
        .unstack("week")
        .ffill(axis=1)
        .stack()
        .rename("call")
        .reset_index()
    )
    weeks = latest["quarter_start"].map({pd.Timestamp(q.start): q.weeks for q in HISTORY})
    latest = latest[latest["week"] <= weeks].assign(last_week=latest["week"] == weeks)
    actual = won_closes(demo).groupby(["rep_id", "quarter_start"])["amount"].sum()
    latest = latest.join(actual.rename("actual"), on=["rep_id", "quarter_start"])
    latest = latest.fillna({"actual": 0.0})
    return latest.merge(demo["reps"][["rep_id", "team"]])


def scope_calls(demo: Tables, by: list[str], category: str = "commit") -> pd.DataFrame:
    """Per quarter, week and ``by``: the summed latest calls against the scope's actual."""
    calls = weekly_calls(demo, category)
    summed = calls.groupby(["quarter_start", "week", "last_week", *by])["call"].sum()
    won = won_closes(demo).merge(demo["reps"][["rep_id", "team"]])
    actual = won.groupby(["quarter_start", *by])["amount"].sum().rename("actual")
    summed = summed.reset_index().join(actual, on=["quarter_start", *by])
    return summed.assign(ratio=summed["call"] / summed["actual"])


# Determinism and shape


def test_same_seed_gives_identical_tables(demo: Tables) -> None:
    assert fingerprint(generate(DEFAULT_SEED)) == fingerprint(demo)


def test_another_seed_gives_different_people_deals_and_calls(demo: Tables) -> None:
    other = fingerprint(generate(DEFAULT_SEED + 1))
    mine = fingerprint(demo)
    for name in ("reps", "leads", "opportunities", "stage_history", "quotas"):
        assert other[name] != mine[name], name
    assert other["forecast_submissions"] != mine["forecast_submissions"]


def test_every_contract_table_has_contract_columns_in_contract_order(demo: Tables) -> None:
    assert set(demo) == set(TABLES)
    for name, frame in demo.items():
        assert list(frame.columns) == list(TABLES[name].columns), name


def test_column_dtypes_follow_the_conventions(demo: Tables) -> None:
    for name, frame in demo.items():
        for column in frame.columns:
            series = frame[column]
            where = f"{name}.{column}"
            if column.endswith("_at") or column in DATE_COLUMNS:
                assert series.dtype == "datetime64[ns]", where
                if column in DATE_COLUMNS:  # dates sit at midnight
                    assert (series.dropna() == series.dropna().dt.normalize()).all(), where
            elif column in ("amount", "quota", "rate", "probability", "mrr"):
                assert series.dtype == "float64", where
            elif column in ("is_closed", "is_won"):
                assert series.dtype == "bool", where
            elif column == "sort_order":
                assert series.dtype == "int64", where
            else:
                assert series.dtype == object, where
                assert series.dropna().map(type).eq(str).all(), where


def test_scale_two_doubles_the_teams_with_suffixed_names(demo: Tables) -> None:
    bigger = generate(DEFAULT_SEED, scale=2)
    teams = set(bigger["reps"]["team"])
    assert len(teams) == 10
    assert set(demo["reps"]["team"]) < teams
    assert {"Enterprise East 2", "Partners & Channel 2"} < teams
    assert 1.5 < len(bigger["opportunities"]) / len(demo["opportunities"]) < 2.5
    assert bigger["reps"]["rep_id"].is_unique and bigger["reps"]["rep_name"].is_unique


@pytest.mark.parametrize("scale", [0, -1, 1.5, True])
def test_scale_below_one_or_fractional_is_a_params_error(scale: object) -> None:
    with pytest.raises(ParamsError, match="scale"):
        generate(DEFAULT_SEED, scale)  # type: ignore[arg-type]


# Contract invariants, checked with plain pandas


def test_ids_are_unique_and_every_reference_resolves(demo: Tables) -> None:
    reps, opps, leads = demo["reps"], demo["opportunities"], demo["leads"]
    for name, column in [("reps", "rep_id"), ("opportunities", "opportunity_id"),
                         ("leads", "lead_id"), ("stages", "stage")]:  # fmt: skip
        assert demo[name][column].is_unique, column
    rep_ids = set(reps["rep_id"])
    for name in ("opportunities", "quotas", "forecast_submissions"):
        assert demo[name]["rep_id"].isin(rep_ids).all(), name
    assert leads["rep_id"].dropna().isin(rep_ids).all()
    assert opps["stage"].isin(demo["stages"]["stage"]).all()
    assert demo["stage_history"]["stage"].isin(demo["stages"]["stage"]).all()
    assert demo["stage_history"]["opportunity_id"].isin(opps["opportunity_id"]).all()
    assert opps["opportunity_id"].isin(demo["stage_history"]["opportunity_id"]).all()
    linked = leads["opportunity_id"].dropna()
    assert linked.is_unique and linked.isin(opps["opportunity_id"]).all()
    assert not demo["quotas"].duplicated(["rep_id", "quarter_start"]).any()


def test_amounts_and_quotas_are_non_negative_and_categories_known(demo: Tables) -> None:
    for name, column in [("opportunities", "amount"), ("stage_history", "amount"),
                         ("quotas", "quota"), ("forecast_submissions", "amount")]:  # fmt: skip
        assert (demo[name][column] >= 0).all(), name
    assert set(demo["forecast_submissions"]["category"]) == set(FORECAST_CATEGORIES)
    assert set(demo["opportunities"]["currency"]) == {"USD"}
    fx = demo["fx_rates"].set_index("currency")["rate"]
    assert fx["USD"] == 1.0 and {"EUR", "GBP"} <= set(fx.index)


def test_stages_table_defines_order_and_flags(demo: Tables) -> None:
    stages = demo["stages"].set_index("stage")
    assert list(stages["sort_order"]) == [1, 2, 3, 4, 5, 6, 7]
    assert stages["is_closed"].sum() == 2 and stages["is_won"].sum() == 1
    won = stages[stages["is_won"]].iloc[0]
    lost = stages[stages["is_closed"] & ~stages["is_won"]].iloc[0]
    assert (won["probability"], lost["probability"]) == (1.0, 0.0)
    open_probability = stages.loc[~stages["is_closed"], "probability"]
    assert open_probability.is_monotonic_increasing and open_probability.between(0, 1).all()


def test_closed_deals_close_on_or_after_the_day_they_were_created(demo: Tables) -> None:
    opps = demo["opportunities"]
    closed = opps[opps["is_closed"]]
    assert (closed["close_date"] >= closed["created_at"].dt.normalize()).all()
    stages = demo["stages"].set_index("stage")
    assert (opps["is_closed"] == opps["stage"].map(stages["is_closed"])).all()
    assert (opps["is_won"] == opps["stage"].map(stages["is_won"])).all()


def test_converted_leads_convert_after_creation_and_just_before_their_deal(demo: Tables) -> None:
    leads = demo["leads"]
    converted = leads[leads["status"] == "converted"]
    assert converted["converted_at"].notna().all() and converted["opportunity_id"].notna().all()
    others = leads[leads["status"] != "converted"]
    assert others["converted_at"].isna().all() and others["opportunity_id"].isna().all()
    assert set(leads["status"]) == {"open", "converted", "disqualified"}
    assert (converted["converted_at"] >= converted["created_at"]).all()
    deal_created = converted["opportunity_id"].map(
        demo["opportunities"].set_index("opportunity_id")["created_at"]
    )
    lead_to_deal = deal_created - converted["converted_at"]
    assert lead_to_deal.between(pd.Timedelta(0), pd.Timedelta(hours=1)).all()


def test_opportunity_row_is_the_last_stage_history_state(demo: Tables) -> None:
    opps = demo["opportunities"].set_index("opportunity_id")
    last = demo["stage_history"].groupby("opportunity_id").tail(1).set_index("opportunity_id")
    last = last.loc[opps.index]
    assert (last["stage"] == opps["stage"]).all()
    assert (last["amount"] == opps["amount"]).all()
    assert (last["forecast_category"] == opps["forecast_category"]).all()
    closed = opps["is_closed"]
    # A closed deal's close_date is the day it entered its closed stage.
    assert (last.loc[closed, "entered_at"].dt.normalize() == opps.loc[closed, "close_date"]).all()
    assert (last.loc[~closed, "close_date"] == opps.loc[~closed, "close_date"]).all()
    first = demo["stage_history"].groupby("opportunity_id").head(1).set_index("opportunity_id")
    assert (first.loc[opps.index, "entered_at"] == opps["created_at"]).all()
    assert (
        demo["stage_history"].groupby("opportunity_id")["entered_at"].is_monotonic_increasing.all()
    )


def test_forecast_category_follows_the_stage(demo: Tables) -> None:
    opps = demo["opportunities"]
    stages = demo["stages"].set_index("stage")
    won = opps["stage"].map(stages["is_won"])
    closed = opps["stage"].map(stages["is_closed"])
    assert (opps.loc[won, "forecast_category"] == "closed").all()
    assert (opps.loc[closed & ~won, "forecast_category"] == "omitted").all()
    assert opps.loc[~closed, "forecast_category"].isin(FORECAST_CATEGORIES).all()


def test_nothing_happens_after_demo_end_and_something_happens_on_it(demo: Tables) -> None:
    day_after = END + pd.Timedelta(days=1)
    for name, frame in demo.items():
        for column in frame.columns:
            if column.endswith("_at") or column in DATE_COLUMNS - {"close_date"}:
                values = frame[column].dropna()
                if (name, column) == ("quotas", "quarter_start"):  # next quarter's are set
                    values = values[values != pd.Timestamp(NEXT.start)]
                assert (values < day_after).all(), f"{name}.{column}"
    opps = demo["opportunities"]
    assert (opps.loc[opps["is_closed"], "close_date"] <= END).all()
    calls = demo["forecast_submissions"]["submitted_at"]
    assert (calls.dt.normalize() == END).any()  # "as of" reads 2026-09-30


def test_every_deal_is_owned_by_a_rep_employed_when_it_closed_or_on_demo_end(
    demo: Tables,
) -> None:
    opps = demo["opportunities"].merge(demo["reps"], on="rep_id")
    day = opps["close_date"].where(opps["is_closed"], END)
    assert (opps["hire_date"] <= day).all()
    assert (opps["end_date"].isna() | (opps["end_date"] >= day)).all()


# Realism: people


def test_five_teams_of_six_to_ten_reps_on_demo_end(demo: Tables) -> None:
    reps = demo["reps"]
    employed = reps[
        (reps["hire_date"] <= END) & (reps["end_date"].isna() | (reps["end_date"] >= END))
    ]
    headcount = employed.groupby("team").size()
    assert set(headcount.index) == {"Enterprise East", "Enterprise West", "Mid-Market", "SMB",
                                    "Partners & Channel"}  # fmt: skip
    assert headcount.between(6, 10).all()
    assert reps["rep_name"].is_unique and (reps["role"] == "AE").all()
    assert {"Zoë Müller", "José Núñez"} <= set(reps["rep_name"])
    assert reps["manager"].notna().all() and reps.groupby("team")["manager"].nunique().eq(1).all()


def test_reps_leave_hand_over_and_are_hired_across_many_quarters(demo: Tables) -> None:
    reps = demo["reps"]
    leavers = reps[reps["end_date"].notna()]
    assert len(leavers) >= 5
    assert (reps["hire_date"] < pd.Timestamp(DEMO_START)).any()
    hired_in_history = reps.loc[reps["hire_date"] >= pd.Timestamp(DEMO_START), "hire_date"]
    assert hired_in_history.dt.to_period("Q").nunique() >= 6
    # Each leaver's seat is taken by someone in the same team hired up to five weeks before.
    for _, leaver in leavers.iterrows():
        team = reps[(reps["team"] == leaver["team"]) & (reps["rep_id"] != leaver["rep_id"])]
        handover = team["hire_date"].between(leaver["end_date"] - timedelta(days=36),
                                             leaver["end_date"])  # fmt: skip
        assert handover.any(), leaver["rep_id"]


# Realism: deals and stages


def test_win_rate_is_plausible_and_varies_by_team_and_rep(demo: Tables) -> None:
    closed = demo["opportunities"].query("is_closed").merge(demo["reps"][["rep_id", "team"]])
    assert 0.15 <= closed["is_won"].mean() <= 0.40
    by_team = closed.groupby("team")["is_won"].mean()
    assert by_team.max() - by_team.min() >= 0.03
    per_rep = closed.groupby("rep_id")["is_won"].agg(["mean", "size"])
    busy = per_rep[per_rep["size"] >= 30]["mean"]
    assert busy.max() - busy.min() >= 0.15


def test_volume_segments_amounts_and_cycles_are_plausible(demo: Tables) -> None:
    opps = demo["opportunities"]
    assert 5_000 <= len(opps) <= 8_000
    won = opps[opps["is_won"]]
    median_amount = won.groupby("segment")["amount"].median()
    assert median_amount["Enterprise"] > median_amount["Mid-Market"] > median_amount["SMB"]
    cycle = (won["close_date"] - won["created_at"].dt.normalize()).dt.days
    median_cycle = cycle.groupby(won["segment"]).median()
    assert median_cycle["Enterprise"] > median_cycle["Mid-Market"] > median_cycle["SMB"]
    assert median_cycle.between(10, 150).all()
    assert set(opps["source"]) == set(SOURCES)
    assert opps["account_id"].nunique() < len(opps)  # accounts buy more than once


def test_fourth_quarters_book_more_than_the_average_quarter(demo: Tables) -> None:
    won = demo["opportunities"].query("is_won")
    by_quarter = won.groupby(won["close_date"].dt.to_period("Q"))["amount"].sum()
    history = by_quarter[[pd.Period(str(q), "Q") for q in HISTORY]]
    fourth = history[history.index.quarter == 4]
    assert len(fourth) == 3 and fourth.mean() > history.mean()


def test_deals_mostly_drop_early_some_skip_a_stage_and_a_few_step_back(demo: Tables) -> None:
    steps = history_steps(demo)
    open_names = open_stages(demo)
    both_open = steps["stage"].isin(open_names) & steps["previous_stage"].isin(open_names)
    skipped = both_open & (steps["order"] - steps["previous"] > 1)
    backward = both_open & (steps["order"] < steps["previous"])
    deals = steps["opportunity_id"].nunique()
    assert 0.01 * deals < skipped.sum() < 0.3 * deals
    assert 0 < backward.sum() < 0.05 * deals
    # Lost deals end in the lost stage from several stages; early stages lose the most.
    stages = demo["stages"]
    lost_stage = stages.loc[stages["is_closed"] & ~stages["is_won"], "stage"].iloc[0]
    lost_from = steps.loc[steps["stage"] == lost_stage, "previous_stage"].value_counts()
    assert len(lost_from) >= 4 and lost_from.idxmax() == "Prospecting"


def test_stage_snapshots_show_slipping_close_dates_and_changing_amounts(demo: Tables) -> None:
    history = demo["stage_history"]
    in_flight = history[history["stage"].isin(open_stages(demo))]
    per_deal = in_flight.groupby("opportunity_id").agg(
        first_close=("close_date", "first"), last_close=("close_date", "last"),
        first_amount=("amount", "first"), last_amount=("amount", "last"),
    )  # fmt: skip
    slipped = (per_deal["last_close"] > per_deal["first_close"]).mean()
    repriced = (per_deal["last_amount"] != per_deal["first_amount"]).mean()
    assert 0.1 < slipped < 0.9 and 0.1 < repriced < 0.9


def test_open_pipeline_on_demo_end_is_current_future_and_stale(demo: Tables) -> None:
    opps = demo["opportunities"]
    open_deals = opps[~opps["is_closed"]]
    assert len(open_deals) >= 100
    next_quarter = Quarter.containing(DEMO_END).next()
    assert (open_deals["close_date"].dt.to_period("Q") == pd.Period(str(next_quarter), "Q")).any()
    assert (open_deals["close_date"] < END).any()  # stale deals nobody updated
    assert open_deals["stage"].nunique() == len(open_stages(demo))
    assert (open_deals["created_at"] >= END - pd.Timedelta(days=90)).mean() > 0.3


def test_each_quarter_opens_with_pipeline_due_in_it(demo: Tables) -> None:
    history = demo["stage_history"]
    open_names = open_stages(demo)
    for quarter in HISTORY:
        start, end = pd.Timestamp(quarter.start), pd.Timestamp(quarter.end)
        snapshot = history[history["entered_at"] < start].groupby("opportunity_id").tail(1)
        due = snapshot[snapshot["stage"].isin(open_names) & (snapshot["close_date"] >= start)
                       & (snapshot["close_date"] < end)]  # fmt: skip
        assert len(due) >= 50 and due["amount"].sum() > 0, quarter.label


# Realism: leads


def test_leads_outnumber_deals_and_convert_at_source_specific_rates(demo: Tables) -> None:
    leads, opps = demo["leads"], demo["opportunities"]
    assert 3.0 <= len(leads) / len(opps) <= 4.5
    conversion = leads.groupby("source")["status"].apply(lambda s: (s == "converted").mean())
    assert set(conversion.index) == set(SOURCES)
    assert conversion.between(0.05, 0.26).all() and conversion.max() - conversion.min() > 0.1
    assert 0.05 < leads["rep_id"].isna().mean() < 0.3
    assert (leads.loc[leads["created_at"] > END - pd.Timedelta(days=30), "status"] == "open").any()
    converted = leads[leads["status"] == "converted"]
    lag = (converted["converted_at"] - converted["created_at"]).dt.days
    assert lag.min() >= 0 and lag.median() < 30 and lag.max() > 60
    without_lead = opps[~opps["opportunity_id"].isin(converted["opportunity_id"])]
    assert 0.1 < len(without_lead) / len(opps) < 0.6
    assert without_lead["source"].value_counts().idxmax() == "Outbound"


def test_assigned_leads_belong_to_reps_employed_when_they_came_in(demo: Tables) -> None:
    leads = demo["leads"].dropna(subset=["rep_id"]).merge(demo["reps"], on="rep_id")
    day = leads["created_at"].dt.normalize()
    assert (leads["hire_date"] <= day).all()
    assert (leads["end_date"].isna() | (leads["end_date"] >= day)).all()


# Realism: quotas


def team_quarter_quotas(demo: Tables) -> pd.DataFrame:
    """Quotas with the rep's team, dates and tenure in quota quarters (0 in the quarter that
    holds their 90th day)."""
    quotas = demo["quotas"].merge(demo["reps"][["rep_id", "team", "hire_date", "end_date"]])
    first = (quotas["hire_date"] + pd.Timedelta(days=90)).dt.to_period("Q")
    tenure = quotas["quarter_start"].dt.to_period("Q") - first
    return quotas.assign(tenure=tenure.map(lambda offset: offset.n))


def quota_steps(demo: Tables) -> pd.DataFrame:
    """Each rep's quota over their quota the quarter before, and over the median of that ratio
    among the team's fully ramped reps (tenure 2 or more in both quarters): territory and season
    cancel out, leaving the step of the rep's ramp."""
    quotas = team_quarter_quotas(demo).sort_values(["rep_id", "quarter_start"])
    before = quotas.groupby("rep_id")[["quarter_start", "quota"]].shift()
    consecutive = (
        before["quarter_start"] + pd.offsets.QuarterBegin(startingMonth=1)
        == (quotas["quarter_start"])
    )
    steps = quotas[consecutive].assign(step=quotas["quota"] / before["quota"])
    ramped = steps[steps["tenure"] >= 3]
    season = ramped.groupby(["team", "quarter_start"])["step"].median().rename("season")
    steps = steps.join(season, on=["team", "quarter_start"])
    return steps.assign(ramp_step=steps["step"] / steps["season"])


def test_quotas_only_while_employed_and_ramped_for_new_hires(demo: Tables) -> None:
    quotas = team_quarter_quotas(demo)
    quarter_last_day = quotas["quarter_start"] + pd.offsets.QuarterEnd(0)
    assert (quotas["hire_date"] <= quarter_last_day).all()
    assert (quotas["end_date"].isna() | (quotas["end_date"] >= quarter_last_day)).all()
    assert (quotas["tenure"] >= 0).all()
    starts = {pd.Timestamp(q.start) for q in [*HISTORY, NEXT]}
    assert set(quotas["quarter_start"]) == starts
    # 50 % then 75 % of full in the first two quota quarters, full from the third: the quota
    # steps by 0.75 / 0.5 = 1.5, then by 1 / 0.75 = 4/3, then as the team's (1); rounding to
    # 1,000 on quotas of 20,000 and more moves a step by under 5 %.
    steps = quota_steps(demo).dropna(subset=["ramp_step"])
    expected = steps["tenure"].map({1: 1.5, 2: 4 / 3}).fillna(1.0)
    assert np.allclose(steps["ramp_step"], expected, rtol=0.05)
    assert (steps["tenure"] == 1).sum() >= 10 and (steps["tenure"] == 2).sum() >= 10


def test_quotas_follow_territories_within_a_team(demo: Tables) -> None:
    quotas = team_quarter_quotas(demo)
    ramped = quotas[
        (quotas["tenure"] >= 2) & (quotas["quarter_start"] == pd.Timestamp(HISTORY[-1].start))
    ]
    spread = ramped.groupby("team")["quota"].agg(lambda q: q.max() / q.min())
    assert len(spread) == 5 and (spread > 1.2).all()  # a team's reps carry different numbers


def test_fourth_quarter_quotas_are_higher(demo: Tables) -> None:
    full = team_quarter_quotas(demo).groupby(["team", "quarter_start"])["quota"].max().unstack()
    assert (full[pd.Timestamp("2025-10-01")] > full[pd.Timestamp("2025-07-01")]).all()


def test_next_quarters_quotas_are_set_for_everyone_employed_on_demo_end(demo: Tables) -> None:
    reps, quotas = demo["reps"], team_quarter_quotas(demo)
    upcoming = quotas[quotas["quarter_start"] == pd.Timestamp(NEXT.start)]
    assert set(upcoming["rep_id"]) == set(reps.loc[reps["end_date"].isna(), "rep_id"])
    assert upcoming["end_date"].isna().all() and (upcoming["quota"] > 0).all()
    # Ramped by tenure like any quarter, and the fourth-quarter season: a fully ramped rep's quota
    # steps up by 1.15 x 1.1 ** 0.25 = 1.177 from the quarter before.
    steps = quota_steps(demo)
    steps = steps[steps["quarter_start"] == pd.Timestamp(NEXT.start)]
    assert steps.loc[steps["tenure"] >= 3, "step"].between(1.177 / 1.05, 1.177 * 1.05).all()
    expected = steps["tenure"].map({1: 1.5, 2: 4 / 3}).fillna(1.0)
    assert np.allclose(steps["ramp_step"], expected, rtol=0.05)


def attainment(demo: Tables) -> pd.DataFrame:
    """Won amount over quota per rep and history quarter, recomputed from the tables."""
    won = won_closes(demo).groupby(["rep_id", "quarter_start"])["amount"].sum()
    quotas = demo["quotas"][demo["quotas"]["quarter_start"] <= END]
    quotas = quotas.join(won, on=["rep_id", "quarter_start"]).fillna({"amount": 0.0})
    return quotas.assign(attainment=quotas["amount"] / quotas["quota"])


def shape(attained: pd.Series) -> pd.Series:
    """Median, share at or above quota, above 200 % and under 50 % of some attainments."""
    return pd.Series(
        {
            "median": attained.median(),
            "at_quota": (attained >= 1).mean(),
            "above_200": (attained > 2).mean(),
            "under_50": (attained < 0.5).mean(),
        }
    )


def test_attainment_is_centred_under_quota_with_a_right_tail(demo: Tables) -> None:
    # What sales orgs report: the median rep attains 80-90 %, 35-50 % of reps make quota, a long
    # right tail of which only a few reps pass 200 %, and a fifth or more under 50 %.
    frame = attainment(demo)
    across = shape(frame["attainment"])
    assert 0.8 <= across["median"] <= 0.9 and 0.35 <= across["at_quota"] <= 0.5
    assert across["above_200"] < 0.08 and 0.15 <= across["under_50"] <= 0.35
    latest = shape(
        frame.loc[frame["quarter_start"] == pd.Timestamp(HISTORY[-1].start), "attainment"]
    )
    assert 0.7 <= latest["median"] <= 1.0 and 0.3 <= latest["at_quota"] <= 0.55
    assert latest["above_200"] < 0.1
    # Every quarter: the tail never turns into a second hump.
    by_quarter = frame.groupby("quarter_start")["attainment"].apply(shape).unstack()
    assert by_quarter["median"].between(0.65, 1.1).all()
    assert by_quarter["at_quota"].between(0.25, 0.6).all()
    assert (by_quarter["above_200"] < 0.15).all()


# Realism: forecast calls


def test_calls_are_cumulative_commit_includes_closed_won(demo: Tables) -> None:
    calls = demo["forecast_submissions"].pivot_table(
        index=["rep_id", "submitted_at"], columns="category", values="amount"
    )
    assert (calls["best_case"] >= calls["commit"]).all()
    assert (calls["pipeline"] >= calls["best_case"]).all()
    commits = commit_calls(demo)
    assert (commits["amount"] >= commits["won_so_far"]).all()


def test_every_employed_rep_calls_weekly_on_mondays_and_on_the_last_day(demo: Tables) -> None:
    calls = demo["forecast_submissions"]
    days = calls["submitted_at"].dt.normalize()
    last_days = {pd.Timestamp(q.last_day) for q in HISTORY}
    assert ((days.dt.dayofweek == 0) | days.isin(last_days)).all()
    assert (calls["quarter_start"] == days.dt.to_period("Q").dt.start_time).all()
    reps = demo["reps"]
    employed_on_end = reps[reps["end_date"].isna()]["rep_id"]
    assert set(calls.loc[days == END, "rep_id"]) == set(employed_on_end)


def test_early_calls_carry_each_reps_habit_of_both_signs(demo: Tables) -> None:
    calls = commit_calls(demo)
    calls = calls[calls["actual"] > 0]
    first_week = calls[calls["submitted_at"] < calls["quarter_start"] + pd.Timedelta(days=7)]
    log_ratio = np.log(first_week["amount"].clip(lower=1) / first_week["actual"])
    per_rep = log_ratio.groupby(first_week["rep_id"]).mean()
    assert (per_rep < np.log(0.85)).sum() >= 3  # sandbaggers
    assert (per_rep > np.log(1.15)).sum() >= 3  # over-callers
    # The bias is the rep's habit: it repeats from one half of the quarters to the other (for
    # reps with three quarters or more in each half, so one odd quarter does not decide it).
    half = first_week["quarter_start"].dt.year * 4 + first_week["quarter_start"].dt.quarter
    halves = log_ratio.groupby([first_week["rep_id"], half % 2]).agg(["mean", "size"]).unstack()
    halves = halves[(halves["size"] >= 3).all(axis=1)]["mean"]
    assert len(halves) >= 20 and halves[0].corr(halves[1]) > 0.5


def test_team_calls_miss_early_and_land_near_but_not_on_actual(demo: Tables) -> None:
    teams = scope_calls(demo, ["team"])
    early = (teams.loc[teams["week"] == 1, "ratio"] - 1).abs()
    # A team's reps share errors, so team totals miss early rather than averaging out.
    assert 0.08 <= early.median() <= 0.35 and (early > 0.15).mean() >= 0.25
    final = (teams.loc[teams["last_week"], "ratio"] - 1).abs()
    assert len(final) == 5 * len(HISTORY)
    assert (final <= 0.10).mean() >= 0.9 and final.max() <= 0.25  # a leaver's stale call
    assert 0.01 <= final.median() <= 0.08  # close, but nobody knows the outcome exactly
    # Errors shrink as the quarter goes on.
    by_week = (teams["ratio"] - 1).abs().groupby(teams["week"]).median()
    assert by_week[1] > by_week[7] > by_week[13]


def test_all_teams_call_misses_often_in_week_one_and_rarely_late(demo: Tables) -> None:
    org = scope_calls(demo, [])
    week_one = org.loc[org["week"] == 1, "ratio"]
    assert len(week_one) == len(HISTORY)
    assert ((week_one - 1).abs() > 0.10).sum() >= 3
    in_band = org["ratio"].between(0.85, 1.15)
    early, late = in_band[org["week"] <= 4].mean(), in_band[org["week"] >= 10].mean()
    assert early < late and late >= 0.9


def test_mid_quarter_rep_calls_have_a_realistic_error(demo: Tables) -> None:
    calls = weekly_calls(demo)
    recent = calls[calls["quarter_start"] >= pd.Timestamp(HISTORY[-4].start)]
    for week, low, high in [(recent["week"] == 7, 0.10, 0.40), (recent["last_week"], 0.01, 0.10)]:
        rows = recent[week]
        wape = (rows["call"] - rows["actual"]).abs().sum() / rows["actual"].sum()
        assert low <= wape <= high
    last = calls[calls["last_week"] & (calls["actual"] > 0)]
    assert ((last["call"] / last["actual"] - 1).abs() <= 0.10).mean() > 0.8


def test_best_case_sits_above_commit_early_and_near_actual_late(demo: Tables) -> None:
    commit, best = scope_calls(demo, []), scope_calls(demo, [], "best_case")
    week_one = (best["call"] / commit["call"])[commit["week"] == 1]
    assert week_one.between(1.1, 1.4).mean() >= 0.8
    final = best.loc[best["last_week"], "ratio"]
    assert (final >= 1.0).mean() >= 0.8 and final.between(0.95, 1.25).all()


# DuckDB file


def test_write_demo_round_trips_with_date_and_timestamp_types(
    demo: Tables, written: tuple[Path, dict[str, int]]
) -> None:
    out, counts = written
    assert counts == {name: len(frame) for name, frame in demo.items()}
    with duckdb.connect(str(out), read_only=True) as con:
        types = dict(
            ((table, column), kind)
            for table, column, kind in con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
            ).fetchall()
        )
        for name, frame in demo.items():
            read = con.table(name).df()
            assert list(read.columns) == list(frame.columns), name
            for column in frame.columns:
                if column.endswith("_at"):
                    assert types[name, column] == "TIMESTAMP"
                    read[column] = read[column].astype("datetime64[ns]")
                elif column in DATE_COLUMNS:
                    assert types[name, column] == "DATE"
                    read[column] = read[column].astype("datetime64[ns]")
            pd.testing.assert_frame_equal(read, frame, check_dtype=False, obj=name)
    assert sorted(p.name for p in out.parent.iterdir()) == ["demo.duckdb"]


def test_written_demo_passes_the_contract_check(written: tuple[Path, dict[str, int]]) -> None:
    out, counts = written
    con = ibis.duckdb.connect(str(out), read_only=True)
    try:
        assert check({name: con.table(name) for name in counts}) == []
    finally:
        con.disconnect()


def test_failed_write_keeps_the_old_file_and_leaves_no_partial_one(tmp_path: Path) -> None:
    out = tmp_path / "demo.duckdb"
    write_tables(out, {"marker": pd.DataFrame({"version": ["old"]})})
    broken = {
        "marker": pd.DataFrame({"version": ["new"]}),
        "quotas": pd.DataFrame({"rep_id": ["R0001"], "quarter_start": ["not a date"]}),
    }
    with pytest.raises(duckdb.Error):
        write_tables(out, broken)
    assert [p.name for p in tmp_path.iterdir()] == ["demo.duckdb"]
    with duckdb.connect(str(out), read_only=True) as con:
        assert con.execute("SELECT version FROM marker").fetchall() == [("old",)]
        tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
    assert tables == {"marker"}
