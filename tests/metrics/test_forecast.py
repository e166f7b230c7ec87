"""Forecast accuracy on hand-built calls (2026Q1: 13 weeks, week w ends Jan 1 + 7w days)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from tiny_crm import crm, deal, rep, step

from salesops.errors import ParamsError
from salesops.metrics import MissingTableError
from salesops.metrics.forecast import (
    REBUILT,
    SUBMITTED,
    forecast_by_week,
    forecast_error,
    forecast_error_by_quarter,
    forecast_headline,
    rep_forecast_errors,
    reps_by_bias,
)
from salesops.periods import Quarter

Q1 = Quarter.parse("2026Q1")
REPS = [rep("r1", "East"), rep("r2", "Central"), rep("r3", "West")]
# Closed-won in Q1: r1 300 (Jan 10, week 2) + 200 (Feb 20, week 8); r2 500 (Mar 15, week 11).
# In 2025Q4: r1 250.
DEALS = [
    deal("w1", "r1", "2025-12-01", "2026-01-10", "Closed Won", 300),
    deal("w2", "r1", "2025-12-01", "2026-02-20", "Closed Won", 200),
    deal("w3", "r2", "2025-12-01", "2026-03-15", "Closed Won", 500),
    deal("l1", "r3", "2025-12-01", "2026-03-01", "Closed Lost", 900),
    deal("q4", "r1", "2025-10-01", "2025-12-01", "Closed Won", 250),
]


def _call(rep_id: str, at: str, category: str, amount: float, quarter: str = "2026-01-01") -> dict:
    return {
        "rep_id": rep_id,
        "quarter_start": quarter,
        "submitted_at": at,
        "category": category,
        "amount": amount,
    }


CALLS = [
    _call("r1", "2026-01-03", "commit", 400),
    _call("r1", "2026-01-08 00:00", "commit", 450),  # exactly at week 1's end: counts from week 2
    _call("r1", "2026-02-10", "commit", 500),  # week 6
    _call("r1", "2026-01-03", "best_case", 600),
    _call("r1", "2026-01-03", "pipeline", 9000),  # not a forecast category here
    _call("r2", "2026-01-20", "commit", 300),  # week 3
    _call("r2", "2026-03-01", "commit", 480),  # week 9
    _call("r2", "2026-01-20", "best_case", 700),
    _call("r3", "2026-01-05", "commit", 100),
    _call("r1", "2025-11-01", "commit", 200, "2025-10-01"),  # 2025Q4, before its week 7 ends
    _call("r3", "2025-12-01", "commit", 999, "2025-10-01"),  # 2025Q4, after its week 7
]


@pytest.fixture(scope="module")
def tables() -> dict:
    return crm(REPS, DEALS, calls=CALLS)


def _week(frame: pd.DataFrame, category: str = "commit") -> pd.DataFrame:
    return frame[frame["category"] == category].set_index("week")


def test_commit_forecast_sums_each_reps_latest_call_before_the_week_ends(tables: dict) -> None:
    # w1 400 + 100; w2 450 + 100; w3 + r2 300 = 850; w6 r1 500 -> 900; w9 r2 480 -> 1080
    weeks = _week(forecast_by_week(tables, Q1))
    assert weeks.index.tolist() == list(range(1, 14))
    assert weeks["forecast"].tolist() == [500, 550, 850, 850, 850, 900, 900, 900] + [1080] * 5
    assert (weeks["actual"] == 1000).all() and (weeks["basis"] == SUBMITTED).all()
    assert weeks.loc[1, "accuracy"] == 0.5 and weeks.loc[9, "accuracy"] == pytest.approx(0.92)
    assert weeks.loc[9, "ratio"] == pytest.approx(1.08) and weeks.loc[9, "error"] == 80
    # the band is 85-115 %, edges included: week 3 at exactly 85 % is in
    assert weeks["in_band"].tolist() == [False, False] + [True] * 11


def test_best_case_forecast_takes_the_best_case_calls_as_they_are(tables: dict) -> None:
    best = _week(forecast_by_week(tables, Q1), "best_case")
    assert best.loc[1, "forecast"] == 600 and best.loc[3, "forecast"] == 1300


def test_category_rollup_adds_closed_won_to_date(tables: dict) -> None:
    # won before the week's end: 0 (w1), 300 (w2-w7), 500 (w8-w10), 1000 (w11-w13)
    weeks = forecast_by_week(tables, Q1, rollup="category")
    commit, best = _week(weeks), _week(weeks, "best_case")
    assert commit.loc[[1, 2, 8, 13], "forecast"].tolist() == [500, 850, 1400, 2080]
    # best case + commit + closed: 600 + 500 + 0, then 600 + 550 + 300
    assert best.loc[[1, 2], "forecast"].tolist() == [1100, 1450]


def test_weeks_before_anyone_called_have_no_forecast(tables: dict) -> None:
    # Central (r2) first calls in week 3: 300 against 500 won
    weeks = _week(forecast_by_week(tables, Q1, "Central"))
    assert weeks.loc[[1, 2], "forecast"].isna().all() and weeks.loc[[1, 2], "accuracy"].isna().all()
    assert weeks.loc[3, "forecast"] == 300 and weeks.loc[3, "accuracy"] == pytest.approx(0.6)


def test_a_best_case_call_alone_makes_no_commit_forecast() -> None:
    tables = crm([rep("r1")], DEALS[:1], calls=[_call("r1", "2026-01-03", "best_case", 70)])
    weeks = forecast_by_week(tables, Q1)
    assert _week(weeks)["forecast"].isna().all()
    assert (_week(weeks, "best_case")["forecast"] == 70).all()
    errors = rep_forecast_errors(tables, Q1, quarters=1)
    assert errors["forecast_at_week"].isna().all() and errors["actual"].tolist() == [300]


def test_accuracy_is_undefined_when_nothing_was_won(tables: dict) -> None:
    weeks = _week(forecast_by_week(tables, Q1, "West"))  # called 100, won nothing
    assert (weeks["forecast"] == 100).all() and (weeks["actual"] == 0).all()
    assert weeks["accuracy"].isna().all() and weeks["in_band"].isna().all()


def test_an_unknown_rollup_is_a_params_error(tables: dict) -> None:
    with pytest.raises(ParamsError, match="rollup"):
        forecast_by_week(tables, Q1, rollup="weighted")  # type: ignore[arg-type]


def test_rep_errors_at_week_seven_and_at_the_final_call(tables: dict) -> None:
    # week 7 ends Feb 19: r1 500, r2 300, r3 100; final: r1 500, r2 480, r3 100
    errors = rep_forecast_errors(tables, Q1, quarters=1).set_index("rep_id")
    assert errors["forecast_at_week"].to_dict() == {"r1": 500, "r2": 300, "r3": 100}
    assert errors["forecast_final"].to_dict() == {"r1": 500, "r2": 480, "r3": 100}
    assert errors["actual"].to_dict() == {"r1": 500, "r2": 500, "r3": 0}
    # WAPE = (0 + 200 + 100) / 1000, bias = (0 - 200 + 100) / 1000
    at_week = forecast_error(errors.reset_index())
    assert (at_week.wape, at_week.bias, at_week.rep_quarters) == (0.3, -0.1, 3)
    final = forecast_error(errors.reset_index(), "final")  # (0 + 20 + 100) / 1000, (0 - 20 + 100)
    assert final.wape == pytest.approx(0.12) and final.bias == pytest.approx(0.08)


def test_wape_and_bias_pool_reps_over_four_quarters(tables: dict) -> None:
    # 2025Q4 adds r1: 200 called by week 7 against 250 won. r3's 999 came after week 7, so
    # only its final call counts. At week 7: (300 + 50) / 1250 and (-100 - 50) / 1250.
    errors = rep_forecast_errors(tables, Q1)
    assert sorted(set(errors["quarter"])) == ["2025Q4", "2026Q1"]
    pooled = forecast_error(errors)
    assert (pooled.wape, pooled.bias, pooled.rep_quarters) == (0.28, -0.12, 4)
    # final calls: Q1 |0| + |-20| + |100|, Q4 |-50| + |999|, all over 1250
    final = forecast_error(errors, "final")
    assert final.wape == pytest.approx(1169 / 1250) and final.bias == pytest.approx(1029 / 1250)
    by_quarter = forecast_error_by_quarter(errors).set_index("quarter")
    assert by_quarter.loc["2025Q4", ["wape_at_week", "bias_at_week"]].tolist() == [0.2, -0.2]
    assert by_quarter.loc["2026Q1", "wape_at_week"] == 0.3


def test_reps_ranked_by_bias_most_over_called_first(tables: dict) -> None:
    # r1: (500 + 200) vs (500 + 250) -> -50 / 750; r2: 300 vs 500 -> -0.4; r3 won nothing: last
    ranked = reps_by_bias(rep_forecast_errors(tables, Q1))
    assert ranked["rep_id"].tolist() == ["r1", "r2", "r3"]
    assert ranked["bias"].iloc[0] == pytest.approx(-50 / 750) and ranked["bias"].iloc[1] == -0.4
    assert pd.isna(ranked["bias"].iloc[2]) and ranked["quarters"].tolist() == [2, 1, 1]


def test_reps_on_few_won_deals_are_flagged_and_ranked_after_the_others() -> None:
    # r4 won one deal of 10 against a call of 40: +300 %, on one won deal. With a small sample
    # under 2 won deals, r1 (3 won: w1, w2 and 2025Q4's q4) leads; r2 (1 won), r3 (none) and r4
    # follow, most over-called first: r4 +3.0, r2 -0.4, r3 undefined.
    deals = [*DEALS, deal("t1", "r4", "2025-12-01", "2026-02-01", "Closed Won", 10)]
    calls = [*CALLS, _call("r4", "2026-01-05", "commit", 40)]
    errors = rep_forecast_errors(crm([*REPS, rep("r4", "West")], deals, calls=calls), Q1)
    ranked = reps_by_bias(errors, small_sample=2)
    assert ranked["rep_id"].tolist() == ["r1", "r4", "r2", "r3"]
    assert ranked["won_deals"].tolist() == [3, 1, 1, 0]
    assert ranked["small_sample"].tolist() == [False, True, True, True]
    assert ranked["bias"].iloc[1] == 3.0


def test_an_invalid_week_is_a_params_error(tables: dict) -> None:
    with pytest.raises(ParamsError, match="week"):
        rep_forecast_errors(tables, Q1, at_week=0)


# Rebuilt from stage history (no forecast_submissions), r1 only:
# a: Proposal Jan 2 (100, best case), Negotiation Jan 20 (120, commit), won Feb 10 (120)
# b: Discovery Jan 5 (50, commit), lost Mar 1; c: commit but closing in Q2: never counted
REBUILT_DEALS = [
    deal("a", "r1", "2026-01-02", "2026-02-10", "Closed Won", 120),
    deal("b", "r1", "2026-01-05", "2026-03-01", "Closed Lost", 50),
    deal("c", "r1", "2026-01-06", "2026-04-15", "Negotiation", 200),
]
REBUILT_HISTORY = [
    step(
        "a",
        "Proposal",
        "2026-01-02",
        amount=100.0,
        close_date="2026-02-15",
        forecast_category="best_case",
    ),
    step(
        "a",
        "Negotiation",
        "2026-01-20",
        amount=120.0,
        close_date="2026-02-15",
        forecast_category="commit",
    ),
    step(
        "a",
        "Closed Won",
        "2026-02-10",
        amount=120.0,
        close_date="2026-02-10",
        forecast_category="closed",
    ),
    step(
        "b",
        "Discovery",
        "2026-01-05",
        amount=50.0,
        close_date="2026-03-10",
        forecast_category="commit",
    ),
    step(
        "b",
        "Closed Lost",
        "2026-03-01",
        amount=50.0,
        close_date="2026-03-01",
        forecast_category="omitted",
    ),
    step(
        "c",
        "Negotiation",
        "2026-01-06",
        amount=200.0,
        close_date="2026-04-15",
        forecast_category="commit",
    ),
]


def test_without_submissions_the_calls_are_rebuilt_from_stage_history() -> None:
    # week 1: commit b 50, best case + a 100 = 150; week 3: a 120 + b 50 = 170;
    # week 6: a won 120 + b 50 = 170; week 9: b lost -> 120; A = 120
    tables = crm([rep("r1")], REBUILT_DEALS, history=REBUILT_HISTORY)
    weeks = forecast_by_week(tables, Q1)
    commit, best = _week(weeks), _week(weeks, "best_case")
    assert commit.loc[[1, 3, 6, 9, 13], "forecast"].tolist() == [50, 170, 170, 120, 120]
    assert best.loc[1, "forecast"] == 150
    assert commit.loc[1, "accuracy"] == pytest.approx(1 - 70 / 120)
    assert commit.loc[13, "accuracy"] == 1
    assert (weeks["basis"] == REBUILT).all()
    errors = rep_forecast_errors(tables, Q1, quarters=1)
    assert errors[["forecast_at_week", "forecast_final", "actual"]].values.tolist() == [
        [170, 120, 120]
    ]


def test_without_submissions_or_history_the_forecast_is_a_missing_table() -> None:
    tables = crm([rep("r1")], REBUILT_DEALS)
    with pytest.raises(MissingTableError, match="forecast_submissions") as raised:
        forecast_by_week(tables, Q1)
    assert "stage_history" in str(raised.value)
    headline = forecast_headline(tables, Q1)
    assert headline["actual"] == 120 and headline["accuracy_by_week"] is None
    assert headline["wape"] is None
    assert headline["missing_tables"] == ["forecast_submissions", "quotas"]


def test_forecast_headline_is_json_ready(tables: dict) -> None:
    headline = forecast_headline(tables, Q1, "East")
    json.dumps(headline, allow_nan=False)
    # East is r1 alone: 400, then 450, then 500 from week 6, against 500 won
    assert headline["actual"] == 500 and headline["basis"] == SUBMITTED
    assert headline["accuracy_by_week"]["1"] == 0.8 and headline["accuracy_by_week"]["13"] == 1
    assert list(headline["accuracy_by_week"]) == [str(w) for w in range(1, 14)]
    assert headline["final_commit"] == 500 and headline["final_best_case"] == 600
    # pooled over 2025Q4 and 2026Q1 at week 7: (|200 - 250| + 0) / 750, (-50 + 0) / 750
    assert headline["wape"] == pytest.approx(50 / 750)
    assert headline["bias"] == pytest.approx(-50 / 750)
    assert headline["pipeline_coverage"] is None and headline["missing_tables"] == ["quotas"]


def test_weekly_forecast_and_wape_match_pandas_on_random_calls() -> None:
    rng = np.random.default_rng(3)
    reps = [rep(f"r{i}", "East" if i % 2 else "West") for i in range(8)]
    start = pd.Timestamp("2026-01-01")
    calls = [
        _call(f"r{rng.integers(0, 8)}", str(start + pd.Timedelta(minutes=int(m))), str(c), float(a))
        for m, c, a in zip(
            rng.integers(-5 * 1440, 95 * 1440, 300),
            rng.choice(["commit", "best_case"], 300),
            rng.integers(10, 1000, 300),
            strict=True,
        )
    ]
    deals = [
        deal(
            f"o{i}",
            f"r{rng.integers(0, 8)}",
            "2025-12-01",
            str((start + pd.Timedelta(days=int(rng.integers(0, 95)))).date()),
            str(rng.choice(["Closed Won", "Closed Lost"])),
            float(rng.integers(10, 500)),
        )
        for i in range(200)
    ]
    tables = crm(reps, deals, calls=calls)
    frame_calls, frame_deals = pd.DataFrame(calls), pd.DataFrame(deals)
    frame_calls["submitted_at"] = pd.to_datetime(frame_calls["submitted_at"])
    frame_deals["close_date"] = pd.to_datetime(frame_deals["close_date"])
    won = frame_deals[
        frame_deals["is_won"] & frame_deals["close_date"].between(start, "2026-03-31")
    ]
    actual = won.groupby("rep_id")["amount"].sum()

    def latest(end: pd.Timestamp) -> pd.Series:
        made = frame_calls[
            (frame_calls["category"] == "commit") & (frame_calls["submitted_at"] < end)
        ]
        return made.sort_values("submitted_at").groupby("rep_id")["amount"].last()

    weeks = _week(forecast_by_week(tables, Q1))
    for w in range(1, 14):
        expected = latest(pd.Timestamp(Q1.week_end(w)))
        assert weeks.loc[w, "forecast"] == pytest.approx(expected.sum())
    called = latest(pd.Timestamp(Q1.week_end(7)))
    pairs = pd.concat([called.rename("F"), actual.rename("A")], axis=1).dropna(subset=["F"])
    pairs["A"] = pairs["A"].fillna(0)
    pooled = forecast_error(rep_forecast_errors(tables, Q1, quarters=1))
    assert pooled.wape == pytest.approx((pairs["F"] - pairs["A"]).abs().sum() / pairs["A"].sum())
    assert pooled.bias == pytest.approx((pairs["F"] - pairs["A"]).sum() / pairs["A"].sum())
