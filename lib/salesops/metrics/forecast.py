"""Forecast accuracy: each week's call against the quarter's closed-won, WAPE and bias.

Week w of a quarter ends ``quarter.week_end(w)`` (7w days after the start, capped at the end);
a call counts for week w if it was submitted before that instant. A forecast F is the sum over
the reps in scope of each rep's latest call of a category; the actual A is the closed-won amount
of the scope's deals with close_date in the quarter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ibis
import pandas as pd
from ibis import _

from salesops.errors import ParamsError
from salesops.i18n import N_
from salesops.metrics import MissingTableError, Tables, plain_float, plain_int, require
from salesops.metrics.pipeline import deal_snapshots, pipeline_coverage
from salesops.metrics.scope import (
    closed_totals,
    midnight,
    scoped_by_rep,
    scoped_opportunities,
    scoped_reps,
    stack,
    within,
)
from salesops.metrics.stats import SMALL_SAMPLE, at_least, at_most, ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

Category = Literal["commit", "best_case"]
Rollup = Literal["cumulative", "category"]
Call = Literal["at_week", "final"]
CATEGORIES: tuple[Category, ...] = ("commit", "best_case")
AT_WEEK = 7
ACCURACY_BAND = (0.85, 1.15)
SUBMITTED, REBUILT = "submitted", "rebuilt from stage history"


def forecast_basis(tables: Tables) -> str:
    """Where calls come from: "submitted" (forecast_submissions) or "rebuilt from stage history".

    Raises ``MissingTableError`` when there is neither table.
    """
    if tables.get("forecast_submissions") is not None:
        return SUBMITTED
    if tables.get("stage_history") is not None:
        return REBUILT
    raise MissingTableError(
        "forecast_submissions",
        N_("Forecast accuracy, with no stage_history to rebuild calls from,"),
    )


def _weeks(quarter: Quarter, weeks: Sequence[int]) -> ibis.Table:
    ends = [quarter.week_end(w) for w in weeks]
    return ibis.memtable(
        {
            "week": [int(w) for w in weeks],
            "week_end": ends,
            "week_end_at": [midnight(d) for d in ends],
        }
    )


def _submitted_calls(
    tables: Tables, quarter: Quarter, team: str, weeks: Sequence[int], rollup: Rollup
) -> ibis.Table:
    """Per rep and week: the rep's latest commit and best-case calls (plus closed-won to date for
    the category rollup), and how many of each category the rep had made (0 or 1)."""
    submissions = require(tables, "forecast_submissions", N_("Forecast accuracy"))
    calls = scoped_by_rep(submissions, tables, team)
    calls = calls.filter(
        (calls.quarter_start == quarter.start) & calls.category.isin(list(CATEGORIES))
    )
    week_table = _weeks(quarter, weeks)
    made = calls.cross_join(week_table).filter(_.submitted_at < _.week_end_at)
    latest_first = ibis.window(
        group_by=[made.rep_id, made.category, made.week],
        order_by=[ibis.desc(made.submitted_at), ibis.desc(made.amount)],
    )
    latest = made.mutate(rank=ibis.row_number().over(latest_first)).filter(_.rank == 0)
    per_rep = latest.group_by(["rep_id", "week"]).aggregate(
        commit=_.amount.sum(where=_.category == "commit"),
        best_case=_.amount.sum(where=_.category == "best_case"),
        commit_calls=(_.category == "commit").sum(),
        best_case_calls=(_.category == "best_case").sum(),
    )
    if rollup == "cumulative":
        return per_rep
    deals = scoped_opportunities(tables, team)
    won = deals.filter(deals.is_won & within(deals.close_date, quarter.start, quarter.end))
    won_to_date = (
        won.cross_join(week_table)
        .filter(_.close_date < _.week_end)
        .group_by(["rep_id", "week"])
        .aggregate(
            commit=ibis.literal(0.0),
            best_case=ibis.literal(0.0),
            commit_calls=ibis.literal(0, "int64"),
            best_case_calls=ibis.literal(0, "int64"),
            won=_.amount.sum(),
        )
    )
    both = (
        stack(per_rep.mutate(won=ibis.literal(0.0)), won_to_date)
        .group_by(["rep_id", "week"])
        .aggregate(
            commit=_.commit.sum(),
            best_case=_.best_case.sum(),
            commit_calls=_.commit_calls.sum(),
            best_case_calls=_.best_case_calls.sum(),
            won=_.won.sum(),
        )
    )
    return both.select(
        "rep_id",
        "week",
        commit=both.commit.fill_null(0) + both.won,
        best_case=both.best_case.fill_null(0) + both.commit.fill_null(0) + both.won,
        commit_calls="commit_calls",
        best_case_calls="best_case_calls",
    )


def _rebuilt_calls(tables: Tables, quarter: Quarter, team: str, weeks: Sequence[int]) -> ibis.Table:
    """Per rep and week, the calls implied by each deal's latest stage_history row before the week
    end: commit = closed-won to date + open commit deals; best case = commit + open best-case
    deals (deals with close_date in the quarter)."""
    week_table = _weeks(quarter, weeks)
    snapshot = deal_snapshots(tables, [quarter.week_end(w) for w in weeks], team)
    in_quarter = snapshot.filter(within(snapshot.close_date, quarter.start, quarter.end))
    per_rep = in_quarter.group_by(["rep_id", "as_of"]).aggregate(
        won=_.amount.sum(where=_.is_won),
        commit_open=_.amount.sum(where=_.is_open & (_.forecast_category == "commit")),
        best_open=_.amount.sum(where=_.is_open & (_.forecast_category == "best_case")),
    )
    per_rep = per_rep.join(week_table, per_rep.as_of == week_table.week_end)
    commit = per_rep.won.fill_null(0) + per_rep.commit_open.fill_null(0)
    return per_rep.select(
        "rep_id",
        "week",
        commit=commit,
        best_case=commit + per_rep.best_open.fill_null(0),
        commit_calls=ibis.literal(1, "int64"),
        best_case_calls=ibis.literal(1, "int64"),
    )


def _calls(
    tables: Tables, quarter: Quarter, team: str, weeks: Sequence[int], rollup: Rollup
) -> ibis.Table:
    if rollup not in ("cumulative", "category"):
        raise ParamsError(f"forecast rollup must be 'cumulative' or 'category', got {rollup!r}")
    if forecast_basis(tables) == SUBMITTED:
        return _submitted_calls(tables, quarter, team, weeks, rollup)
    return _rebuilt_calls(tables, quarter, team, weeks)


def _accuracy(forecast: pd.Series, actual: pd.Series, band: tuple[float, float]) -> pd.DataFrame:
    usable = actual.where(actual > 0)
    share = forecast / usable
    return pd.DataFrame(
        {
            "error": forecast - actual,
            "accuracy": 1 - (forecast - actual).abs() / usable,
            "ratio": share,
            "in_band": (at_least(share, band[0]) & at_most(share, band[1]))
            .astype("boolean")
            .mask(share.isna()),
        }
    )


def forecast_by_week(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    rollup: Rollup = "cumulative",
    band: tuple[float, float] = ACCURACY_BAND,
) -> pd.DataFrame:
    """Each week's commit and best-case forecast F_w against the quarter's actual A.

    F_w = sum over reps of each rep's latest call of the category submitted before week w ends.
    ``rollup="cumulative"`` (default, Salesforce roll-up) takes calls as they are: a commit call
    already includes closed-won and a best-case call includes commit. ``rollup="category"`` reads
    calls as separate buckets: commit + closed-won to date, and best case + commit + closed-won.
    Without forecast_submissions the calls are rebuilt from stage_history (``_rebuilt_calls``).
    accuracy = 1 - |F - A| / A, ratio = F / A, in_band = ratio within ``band`` (85-115 %, ends
    included, ``at_least`` / ``at_most``);
    undefined (NaN/NA) when A is 0 or, for submitted calls, nobody had called yet.
    Columns: week, week_end, category, forecast, actual, error, accuracy, ratio, in_band, basis.
    """
    basis = forecast_basis(tables)
    weeks = list(range(1, quarter.weeks + 1))
    weekly = (
        _calls(tables, quarter, team, weeks, rollup)
        .group_by("week")
        .aggregate(
            commit=_.commit.sum(),
            best_case=_.best_case.sum(),
            commit_calls=_.commit_calls.sum(),
            best_case_calls=_.best_case_calls.sum(),
        )
    )
    deals = scoped_opportunities(tables, team)
    actual = closed_totals(deals, quarter.start, quarter.end).select(actual="won_amount")
    rows = (
        _weeks(quarter, weeks)
        .left_join(weekly, "week")
        .cross_join(actual)
        .select("week", "week_end", *CATEGORIES, "commit_calls", "best_case_calls", "actual")
        .execute()
        .sort_values("week")
    )
    numbers = [*CATEGORIES, "commit_calls", "best_case_calls", "actual"]
    rows[numbers] = rows[numbers].astype("float64").fillna(0.0)
    frames = []
    for category in CATEGORIES:
        called = rows[f"{category}_calls"] > 0
        forecast = rows[category].where(called | (basis == REBUILT))
        frame = pd.DataFrame(
            {
                "week": rows["week"].astype("int64"),
                "week_end": pd.to_datetime(rows["week_end"]).dt.date,
                "category": category,
                "forecast": forecast,
                "actual": rows["actual"],
            }
        )
        frames.append(pd.concat([frame, _accuracy(forecast, rows["actual"], band)], axis=1))
    result = pd.concat(frames, ignore_index=True)
    result["basis"] = basis
    return result


def rep_forecast_errors(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    at_week: int = AT_WEEK,
    quarters: int = 4,
    category: Category = "commit",
    rollup: Rollup = "cumulative",
) -> pd.DataFrame:
    """Per rep and quarter (the ``quarters`` ending with this one): the call at ``at_week`` (default
    week 7, mid-quarter; capped at the last week), the final call (last week), and the actual.

    A rep-quarter appears when the rep called or booked. A forecast is NaN when the rep had not
    called by then (submitted calls); rebuilt calls are always defined. Columns: quarter, rep_id,
    rep_name, forecast_at_week, forecast_final, actual, won_deals (the deals behind actual).
    """
    if at_week < 1:
        raise ParamsError(f"forecast week must be 1 or later, got {at_week}")
    if category not in CATEGORIES:
        raise ParamsError(f"forecast category must be commit or best_case, got {category!r}")
    basis = forecast_basis(tables)
    deals = scoped_opportunities(tables, team)
    parts = []
    for period in quarter.trailing(quarters):
        week, final = min(at_week, period.weeks), period.weeks
        calls = _calls(tables, period, team, sorted({week, final}), rollup)
        calls = calls.select(
            "rep_id",
            at_week=ibis.ifelse(calls.week == week, calls[category], ibis.null("float64")),
            final=ibis.ifelse(calls.week == final, calls[category], ibis.null("float64")),
            calls_at_week=ibis.ifelse(calls.week == week, calls[f"{category}_calls"], 0),
            calls_final=ibis.ifelse(calls.week == final, calls[f"{category}_calls"], 0),
            actual=ibis.literal(0.0),
            won_deals=ibis.literal(0, "int64"),
        )
        won = closed_totals(deals, period.start, period.end, by=["rep_id"]).select(
            "rep_id",
            at_week=ibis.literal(None, "float64"),
            final=ibis.literal(None, "float64"),
            calls_at_week=ibis.literal(0, "int64"),
            calls_final=ibis.literal(0, "int64"),
            actual=_.won_amount.fill_null(0.0),
            won_deals=_.won.cast("int64"),
        )
        per_rep = (
            stack(calls, won)
            .group_by("rep_id")
            .aggregate(
                at_week=_.at_week.sum(),
                final=_.final.sum(),
                calls_at_week=_.calls_at_week.sum(),
                calls_final=_.calls_final.sum(),
                actual=_.actual.sum(),
                won_deals=_.won_deals.sum(),
            )
        )
        parts.append(per_rep.mutate(quarter=ibis.literal(period.label)))
    names = scoped_reps(tables, team).select("rep_id", "rep_name")
    rows = stack(*parts).left_join(names, "rep_id").execute()
    rows = rows.rename(columns={"at_week": "forecast_at_week", "final": "forecast_final"})
    for call in ("at_week", "final"):
        column = f"forecast_{call}"
        if basis == SUBMITTED:
            rows[column] = rows[column].where(rows[f"calls_{call}"] > 0)
        else:
            rows[column] = rows[column].fillna(0.0)
    rows["won_deals"] = rows["won_deals"].astype("float64").fillna(0).astype("int64")
    rows = rows.sort_values(["quarter", "rep_id"]).reset_index(drop=True)
    columns = ["quarter", "rep_id", "rep_name", "forecast_at_week", "forecast_final", "actual"]
    return rows[[*columns, "won_deals"]]


@dataclass(frozen=True)
class ForecastError:
    """Forecast error pooled over rep-quarters; rates are None when nothing was booked."""

    wape: float | None
    bias: float | None
    forecast: float
    actual: float
    rep_quarters: int


def forecast_error(errors: pd.DataFrame, call: Call = "at_week") -> ForecastError:
    """WAPE and signed bias pooled over the rep-quarters of ``rep_forecast_errors`` with a call.

    WAPE = sum |F - A| / sum A; bias = sum (F - A) / sum A (positive: over-called).
    """
    rows = errors.dropna(subset=[f"forecast_{call}"])
    forecast, actual = rows[f"forecast_{call}"], rows["actual"]
    total = float(actual.sum())
    return ForecastError(
        wape=ratio(float((forecast - actual).abs().sum()), total),
        bias=ratio(float((forecast - actual).sum()), total),
        forecast=float(forecast.sum()),
        actual=total,
        rep_quarters=len(rows),
    )


def forecast_error_by_quarter(errors: pd.DataFrame) -> pd.DataFrame:
    """WAPE and bias per quarter, at the chosen week and at the final call (``forecast_error``).

    Columns: quarter, rep_quarters, actual, wape_at_week, bias_at_week, wape_final, bias_final.
    """
    rows = []
    for quarter, group in errors.groupby("quarter", sort=True):
        at_week, final = forecast_error(group, "at_week"), forecast_error(group, "final")
        rows.append(
            {
                "quarter": quarter,
                "rep_quarters": at_week.rep_quarters,
                "actual": float(group["actual"].sum()),
                "wape_at_week": at_week.wape,
                "bias_at_week": at_week.bias,
                "wape_final": final.wape,
                "bias_final": final.bias,
            }
        )
    columns = ["quarter", "rep_quarters", "actual", "wape_at_week", "bias_at_week"]
    return pd.DataFrame(rows, columns=[*columns, "wape_final", "bias_final"])


def reps_by_bias(
    errors: pd.DataFrame, call: Call = "at_week", *, small_sample: int = SMALL_SAMPLE
) -> pd.DataFrame:
    """Reps ranked by signed bias over their called quarters, most over-called first.

    bias = sum (F - A) / sum A and wape = sum |F - A| / sum A per rep (NaN when the rep booked
    nothing; ranked last). A rep whose actual rests on fewer than ``small_sample`` won deals is
    flagged and ranked after every other rep: a tiny actual makes any call look wildly off.
    Columns: rep_id, rep_name, quarters, forecast, actual, bias, wape, won_deals, small_sample.
    """
    rows = errors.dropna(subset=[f"forecast_{call}"]).assign(
        forecast=lambda f: f[f"forecast_{call}"]
    )
    rows = rows.assign(
        error=rows["forecast"] - rows["actual"], abs_error=(rows["forecast"] - rows["actual"]).abs()
    )
    per_rep = rows.groupby(["rep_id", "rep_name"], as_index=False, dropna=False).agg(
        quarters=("quarter", "nunique"),
        forecast=("forecast", "sum"),
        actual=("actual", "sum"),
        error=("error", "sum"),
        abs_error=("abs_error", "sum"),
        won_deals=("won_deals", "sum"),
    )
    booked = per_rep["actual"].where(per_rep["actual"] > 0)
    per_rep["bias"] = per_rep["error"] / booked
    per_rep["wape"] = per_rep["abs_error"] / booked
    per_rep["small_sample"] = per_rep["won_deals"] < small_sample
    per_rep = per_rep.sort_values(
        ["small_sample", "bias", "rep_id"], ascending=[True, False, True], na_position="last"
    )
    columns = ["rep_id", "rep_name", "quarters", "forecast", "actual", "bias", "wape"]
    return per_rep[[*columns, "won_deals", "small_sample"]].reset_index(drop=True)


def forecast_headline(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    at_week: int = AT_WEEK,
    rollup: Rollup = "cumulative",
    quarters: int = 4,
    weekly: pd.DataFrame | None = None,
    errors: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The forecast-accuracy headline figures as a JSON-safe dict (None where undefined).

    ``weekly`` and ``errors``, when given, are ``forecast_by_week`` and ``rep_forecast_errors``
    already computed with the same arguments.

    Keys: actual, basis, rollup, at_week, accuracy_by_week (week number as a string -> commit
    accuracy 1 - |F - A| / A), accuracy_at_week (that of week ``at_week``, None when the calls
    stop earlier), ratio_by_week, final_commit, final_best_case, final_accuracy,
    final_ratio, weeks_in_band, wape and bias (pooled over reps and the ``quarters`` quarters
    ending with this one, at ``at_week``), wape_final_call, bias_final_call, rep_quarters,
    pipeline_coverage, required_coverage (at the quarter's first day), missing_tables.
    """
    deals = scoped_opportunities(tables, team)
    actual_row = closed_totals(deals, quarter.start, quarter.end).execute().iloc[0]
    headline: dict[str, Any] = {
        "actual": plain_float(actual_row["won_amount"]) or 0.0,
        "basis": None,
        "rollup": rollup,
        "at_week": at_week,
        "accuracy_by_week": None,
        "accuracy_at_week": None,
        "ratio_by_week": None,
        "final_commit": None,
        "final_best_case": None,
        "final_accuracy": None,
        "final_ratio": None,
        "weeks_in_band": None,
        "wape": None,
        "bias": None,
        "wape_final_call": None,
        "bias_final_call": None,
        "rep_quarters": None,
        "pipeline_coverage": None,
        "required_coverage": None,
        "missing_tables": [],
    }
    try:
        if weekly is None:
            weekly = forecast_by_week(tables, quarter, team, rollup=rollup)
        if errors is None:
            errors = rep_forecast_errors(
                tables, quarter, team, at_week=at_week, quarters=quarters, rollup=rollup
            )
    except MissingTableError as exc:
        headline["missing_tables"].append(exc.table)
    else:
        commit = weekly[weekly["category"] == "commit"].set_index("week")
        best_case = weekly[weekly["category"] == "best_case"].set_index("week")
        last = int(commit.index.max())
        pooled, final = forecast_error(errors, "at_week"), forecast_error(errors, "final")
        headline.update(
            basis=str(weekly["basis"].iloc[0]),
            accuracy_by_week={str(w): plain_float(v) for w, v in commit["accuracy"].items()},
            accuracy_at_week=plain_float(commit["accuracy"].get(at_week)),
            ratio_by_week={str(w): plain_float(v) for w, v in commit["ratio"].items()},
            final_commit=plain_float(commit.at[last, "forecast"]),
            final_best_case=plain_float(best_case.at[last, "forecast"]),
            final_accuracy=plain_float(commit.at[last, "accuracy"]),
            final_ratio=plain_float(commit.at[last, "ratio"]),
            weeks_in_band=plain_int(commit["in_band"].fillna(False).sum()),
            wape=pooled.wape,
            bias=pooled.bias,
            wape_final_call=final.wape,
            bias_final_call=final.bias,
            rep_quarters=pooled.rep_quarters,
        )
    try:
        coverage = pipeline_coverage(tables, quarter, team)
    except MissingTableError as exc:
        headline["missing_tables"].append(exc.table)
    else:
        headline.update(
            pipeline_coverage=coverage.coverage, required_coverage=coverage.required_coverage
        )
    return headline
