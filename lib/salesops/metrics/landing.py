"""Pacing and landing: bookings week by week against past quarters, and where a quarter lands.

Week w of a quarter ends ``quarter.week_end(w)`` (7w days after the start, capped at the
quarter's end), as forecast accuracy counts weeks; "at the end of week w" is the midnight starting
that day. ``as_of`` is the last day the data covers (``Crm.as_of()``): a week is covered when its
last day is on or before it. Bookings are the closed-won amount by close date (``closed_totals``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import ibis
import numpy as np
import pandas as pd

from salesops.errors import ParamsError
from salesops.metrics import Tables, plain_float, require
from salesops.metrics.pipeline import UNKNOWN_STAGE, deal_snapshots
from salesops.metrics.scope import exact_sum, scoped_by_rep, scoped_opportunities
from salesops.metrics.stats import at_least, at_most, ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

# pacing columns and how many quarters back each looks
COMPARISONS = (("this_quarter", 0), ("previous_quarter", 1), ("last_year", 4))
LANDING_CONFIDENCE = 0.8
LOOKBACK_QUARTERS = 4
STAGE_HISTORY, OPPORTUNITIES = "stage_history", "opportunities"
LANDING_COLUMNS = [
    "week",
    "week_end",
    "won_to_date",
    "open_amount",
    "not_in_pipeline",
    "expected",
    "low",
    "high",
]

Point = tuple[Quarter, int]  # a quarter and one of its weeks


def _covered(week_end: date, as_of: date | None) -> bool:
    """Whether data up to ``as_of`` (inclusive; None: all) covers the week ending before
    ``week_end``."""
    return as_of is None or week_end <= as_of + timedelta(days=1)


def _between(value: ibis.Value, start: ibis.Value, end: ibis.Value) -> ibis.BooleanValue:
    """``start <= value < end`` for date columns (``within`` with bounds from a table)."""
    return (value >= start) & (value < end)


def _points(points: Sequence[Point]) -> ibis.Table:
    """One row per point: point (its index), quarter_start, quarter_end and week_end (exclusive)."""
    return ibis.memtable(
        {
            "point": list(range(len(points))),
            "quarter_start": [quarter.start for quarter, _ in points],
            "quarter_end": [quarter.end for quarter, _ in points],
            "week_end": [quarter.week_end(week) for quarter, week in points],
        },
        schema={
            "point": "int64",
            "quarter_start": "date",
            "quarter_end": "date",
            "week_end": "date",
        },
    )


def _booked(tables: Tables, points: ibis.Table, team: str) -> ibis.Table:
    """Per point: won_to_date (bookings with close date in [quarter start, week end)) and
    bookings (the whole quarter's); null when nothing was won."""
    deals = scoped_opportunities(tables, team)
    won = deals.filter(deals.is_closed & deals.is_won).select("close_date", "amount")
    rows = points.left_join(won, _between(won.close_date, points.quarter_start, points.quarter_end))
    return rows.group_by("point").aggregate(
        won_to_date=exact_sum(rows.amount, rows.close_date < rows.week_end),
        bookings=exact_sum(rows.amount),
    )


def _quota(tables: Tables, quarter: Quarter, team: str) -> ibis.Table | None:
    """One row: the team's quota for the quarter (null without rows); None without quotas."""
    quotas = tables.get("quotas")
    if quotas is None:
        return None
    scoped = scoped_by_rep(quotas, tables, team)
    scoped = scoped.filter(scoped.quarter_start == quarter.start)
    return scoped.aggregate(quota=exact_sum(scoped.quota))


def pacing(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, as_of: date | None = None
) -> pd.DataFrame:
    """Cumulative bookings at the end of each week of ``quarter``, beside the same week of the
    previous quarter and of the same quarter last year, and the quarter's quota.

    Week w's value is the bookings with close date in [quarter start, week_end(w)). A comparison
    quarter with fewer weeks carries its last week on; a week whose last day is after ``as_of``
    (the data's last day) is NaN. quota = the team's quota rows for the quarter (NaN without).
    Columns: week, week_end, this_quarter, previous_quarter, last_year, quota. One query.
    """
    periods = {name: quarter.previous(back) for name, back in COMPARISONS}
    points = [(period, week) for period in periods.values() for week in range(1, period.weeks + 1)]
    rows = _booked(tables, _points(points), team)
    quota = _quota(tables, quarter, team)
    if quota is not None:
        rows = rows.cross_join(quota).select("point", "won_to_date", "quota")
    frame = rows.execute()
    won = frame.set_index("point")["won_to_date"].astype("float64").fillna(0.0)
    quota_total = plain_float(frame["quota"].iloc[0]) if quota is not None else None
    index = {point: number for number, point in enumerate(points)}
    records = []
    for week in range(1, quarter.weeks + 1):
        record: dict[str, Any] = {"week": week, "week_end": quarter.week_end(week)}
        for name, period in periods.items():
            point = (period, min(week, period.weeks))
            covered = _covered(period.week_end(point[1]), as_of)
            record[name] = float(won[index[point]]) if covered else math.nan
        record["quota"] = math.nan if quota_total is None else quota_total
        records.append(record)
    return pd.DataFrame.from_records(
        records,
        columns=["week", "week_end", *(name for name, _ in COMPARISONS), "quota"],
    )


def _rate_points(point: Point, lookback_quarters: int) -> list[Point]:
    """The same week of the ``lookback_quarters`` quarters before the point's quarter, oldest
    first: capped at each one's last week, and its last week when the point is at its quarter's
    last."""
    quarter, week = point
    last = week >= quarter.weeks
    return [
        (past, past.weeks if last else min(week, past.weeks))
        for past in quarter.previous().trailing(lookback_quarters)
    ]


def _lookback(points: Sequence[Point], lookback_quarters: int) -> list[Point]:
    """The rate points of all ``points``, each once."""
    return list(
        dict.fromkeys(r for point in points for r in _rate_points(point, lookback_quarters))
    )


def _due_open(tables: Tables, points: Sequence[Point], team: str) -> ibis.Table:
    """Per point and stage, the open pipeline: deals open at the week's end with their close date,
    as then recorded, in the quarter (``deal_snapshots`` at the week-end days, one call), less
    those already counted in won to date. deals and won (how many of them the deals' current
    values show won with a close date in the quarter), open_amount, open_square (sum of amount²)
    and won_amount (the current amount of the won ones)."""
    days = sorted({quarter.week_end(week) for quarter, week in points})
    snapshot = deal_snapshots(tables, days, team)
    deals = require(tables, "opportunities")
    now = deals.select(
        "opportunity_id",
        now_won=deals.is_closed & deals.is_won,
        now_close="close_date",
        now_amount="amount",
    )
    table = _points(points)
    rows = snapshot.join(table, snapshot.as_of == table.week_end).join(now, "opportunity_id")
    rows = rows.mutate(
        counted_won=rows.now_won & _between(rows.now_close, rows.quarter_start, rows.as_of),
        won_in_quarter=rows.now_won
        & _between(rows.now_close, rows.quarter_start, rows.quarter_end),
    )
    due = _between(rows.close_date, rows.quarter_start, rows.quarter_end)
    rows = rows.filter(rows.is_open & due & ~rows.counted_won)
    return rows.group_by(["point", "stage"]).aggregate(
        deals=rows.count(),
        won=rows.won_in_quarter.sum(),
        open_amount=exact_sum(rows.amount),
        open_square=exact_sum(rows.amount * rows.amount),
        won_amount=exact_sum(rows.now_amount, rows.won_in_quarter),
    )


def _windows(
    targets: Sequence[Point], lookback_quarters: int, index: dict[Point, int]
) -> pd.DataFrame:
    """One row per target (its position in ``targets``) and each of its rate points (``source``,
    its index among the queried points)."""
    pairs = [
        (target, index[past])
        for target, point in enumerate(targets)
        for past in _rate_points(point, lookback_quarters)
    ]
    return pd.DataFrame(pairs, columns=["target", "source"], dtype="int64")


def _rates(pipeline: pd.DataFrame, window: pd.DataFrame, by_stage: bool) -> np.ndarray:
    """Each pipeline row's rate: won / deals over its target's window at its stage, or over the
    whole window (every stage) for UNKNOWN_STAGE, a stage the window has no deal at, and every row
    when not ``by_stage``; NaN when the window has no deal."""
    per_stage = window.groupby(["target", "stage"])[["deals", "won"]].sum()
    overall = window.groupby("target")[["deals", "won"]].sum()
    stage = per_stage.reindex(pd.MultiIndex.from_frame(pipeline[["target", "stage"]]))
    whole = overall.reindex(pipeline["target"])
    stage_rate = (stage["won"] / stage["deals"].where(stage["deals"] > 0)).to_numpy()
    overall_rate = (whole["won"] / whole["deals"].where(whole["deals"] > 0)).to_numpy()
    usable = by_stage & (pipeline["stage"] != UNKNOWN_STAGE).to_numpy() & ~np.isnan(stage_rate)
    return np.where(usable, stage_rate, overall_rate)


@dataclass(frozen=True)
class _Outcomes:
    """What the queried points held: ``cells`` (``_due_open`` rows, point the index in ``index``)
    and ``booked`` (per point: won_to_date, bookings, not_in_pipeline, in_data)."""

    cells: pd.DataFrame
    booked: pd.DataFrame
    index: dict[Point, int]
    lookback_quarters: int
    by_stage: bool

    @classmethod
    def query(
        cls,
        tables: Tables,
        points: Sequence[Point],
        team: str,
        lookback_quarters: int,
        first_day: date | None,
    ) -> _Outcomes:
        """Two queries for every point. not_in_pipeline = bookings - won to date - the won open
        pipeline's (current) amount: the bookings from deals not open and due at the week's end;
        in_data = the quarter ended after ``first_day``."""
        index = {point: number for number, point in enumerate(dict.fromkeys(points))}
        cells = _due_open(tables, list(index), team).execute()
        cells = cells.sort_values(["point", "stage"], ignore_index=True)  # sums in one order
        cells = cells.astype({"deals": "float64", "won": "float64"})
        for column in ("open_amount", "open_square", "won_amount"):
            cells[column] = cells[column].astype("float64").fillna(0.0)
        booked = _booked(tables, _points(list(index)), team).execute().set_index("point")
        booked = booked.astype("float64").reindex(range(len(index))).fillna(0.0)
        won_open = cells.groupby("point")["won_amount"].sum().reindex(booked.index, fill_value=0.0)
        booked["not_in_pipeline"] = booked["bookings"] - booked["won_to_date"] - won_open
        booked["in_data"] = [_in_data(quarter, first_day) for quarter, _ in index]
        by_stage = tables.get("stage_history") is not None
        return cls(cells, booked, index, lookback_quarters, by_stage)

    def estimate(self, targets: Sequence[Point]) -> pd.DataFrame:
        """Per target (in order): won_to_date, bookings, open_amount, not_in_pipeline (the mean
        over its rate points in the data), expected, variance (sum amount² p (1 - p))."""
        windows = _windows(targets, self.lookback_quarters, self.index)
        window = windows.merge(self.cells, left_on="source", right_on="point")
        sources = [self.index[point] for point in targets]
        own = pd.DataFrame({"target": range(len(targets)), "source": sources})
        pipeline = own.merge(self.cells, left_on="source", right_on="point")
        rate = _rates(pipeline, window, self.by_stage)
        amount, square = pipeline["open_amount"], pipeline["open_square"]
        parts = pd.DataFrame(
            {
                "target": pipeline["target"],
                "open_amount": amount,
                # an open amount with no rate to weigh it leaves the projection undefined
                "weighted": (amount * rate).where(amount > 0, 0.0),
                "variance": (square * rate * (1 - rate)).where(square > 0, 0.0),
            }
        )
        positions = pd.RangeIndex(len(targets))
        per_target = parts.groupby("target").agg(lambda values: values.sum(skipna=False))
        per_target = per_target.reindex(positions, fill_value=0.0)
        past = windows.join(self.booked, on="source")
        past = past[past["in_data"]]
        late = past.groupby("target")["not_in_pipeline"].mean().reindex(positions, fill_value=0.0)
        mine = self.booked.iloc[sources].set_index(positions)
        return pd.DataFrame(
            {
                "won_to_date": mine["won_to_date"],
                "bookings": mine["bookings"],
                "open_amount": per_target["open_amount"],
                "not_in_pipeline": late,
                "expected": mine["won_to_date"] + per_target["weighted"] + late,
                "variance": per_target["variance"],
            }
        )


def _relative_errors(outcomes: _Outcomes, targets: Sequence[Point]) -> pd.Series:
    """Per target: the root mean square, over its rate points with a projection, of (bookings -
    expected) / expected; NaN when none has one."""
    past = _lookback(targets, outcomes.lookback_quarters)
    projected = outcomes.estimate(past)
    expected = projected["expected"].where(projected["expected"] > 0)
    error = (projected["bookings"] - expected) / expected
    windows = _windows(
        targets, outcomes.lookback_quarters, {point: n for n, point in enumerate(past)}
    )
    squares = (error**2).reindex(windows["source"]).to_numpy()
    mean_square = pd.Series(squares).groupby(windows["target"].to_numpy()).mean()
    return np.sqrt(mean_square).reindex(pd.RangeIndex(len(targets)))


def _projections(
    tables: Tables,
    points: Sequence[Point],
    team: str,
    lookback_quarters: int,
    confidence: float,
    first_day: date | None,
) -> pd.DataFrame:
    """Per point (in order): won_to_date, bookings, open_amount, not_in_pipeline, expected, low,
    high.

    expected = won to date + sum over open deals of amount x its stage's in-quarter win rate at
    the week + not_in_pipeline. The interval's half-width is z times the larger of the spread of
    independent deals (sqrt of sum amount² p(1 - p)) and the rate points' root mean square
    relative error times expected; low is kept at won to date at least. Two queries, whatever the
    number of points; ``first_day``: the data's (``_first_day``).
    """
    if not 0 < confidence < 1:
        raise ParamsError(f"landing confidence must be between 0 and 1, got {confidence}")
    if lookback_quarters < 1:
        raise ParamsError(f"landing lookback must be 1 quarter or more, got {lookback_quarters}")
    past = _lookback(points, lookback_quarters)
    every = [*points, *past, *_lookback(past, lookback_quarters)]
    outcomes = _Outcomes.query(tables, every, team, lookback_quarters, first_day)
    result = outcomes.estimate(points)
    expected, won = result["expected"], result["won_to_date"]
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    deals_spread = np.sqrt(result["variance"])
    past_spread = (_relative_errors(outcomes, points) * expected).fillna(0.0)
    spread = z * np.maximum(deals_spread, past_spread)
    result["low"] = np.maximum(expected - spread, won)
    result["high"] = expected + spread
    return result.drop(columns="variance").rename_axis("point")


def landing_basis(tables: Tables) -> str:
    """Where deal states and stage win rates come from: "stage_history", or "opportunities"
    (current values: what the deals became, not what was known at the week's end)."""
    return OPPORTUNITIES if tables.get("stage_history") is None else STAGE_HISTORY


def landing(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    lookback_quarters: int = LOOKBACK_QUARTERS,
    as_of: date | None = None,
    confidence: float = LANDING_CONFIDENCE,
) -> pd.DataFrame:
    """Where the quarter was heading at the end of each week covered by ``as_of`` (all weeks when
    None).

    At week w, expected = won to date + sum over open stages s of (open amount due in the quarter
    at stage s) x (s's in-quarter win rate at week w) + not_in_pipeline. The rate, by count: of
    the deals open and due in their quarter at the end of week w of the ``lookback_quarters``
    quarters before this one, at stage s then, the share won with a close date in that quarter
    (a deal at UNKNOWN_STAGE, at a stage none of them was at, or without stage_history takes the
    share over every stage). not_in_pipeline: the mean over those quarters of their bookings from
    deals not open and due at week w. low and high: the ``confidence`` (80 %) interval, the wider
    of independent deals' and the past quarters' relative errors'. actual = the quarter's
    bookings once its last day is covered (as_of None: assumed covered), else NaN.
    Columns: week, week_end, won_to_date, open_amount, not_in_pipeline, expected, low, high,
    actual, basis.
    """
    weeks = [w for w in range(1, quarter.weeks + 1) if _covered(quarter.week_end(w), as_of)]
    frame = pd.DataFrame({"week": weeks, "week_end": [quarter.week_end(w) for w in weeks]})
    if weeks:
        points = [(quarter, w) for w in weeks]
        first_day = _first_day(tables)
        projected = _projections(tables, points, team, lookback_quarters, confidence, first_day)
        frame = pd.concat([frame, projected.reset_index(drop=True)], axis=1)
    else:
        frame = frame.reindex(columns=[*LANDING_COLUMNS, "bookings"], fill_value=math.nan)
    complete = as_of is None or quarter.last_day <= as_of
    frame["actual"] = frame["bookings"] if complete else math.nan
    frame["basis"] = landing_basis(tables)
    return frame[[*LANDING_COLUMNS, "actual", "basis"]]


@dataclass(frozen=True)
class Backtest:
    """Landing projections made at week ``week`` of past quarters against their bookings.

    ``quarters``: quarter, week, projected, low, high, actual, error (projected - actual), oldest
    first. Over the ``scored`` quarters with a projection: wape = sum |error| / sum actual, bias =
    sum error / sum actual (None when their actual sums to 0), and ``inside_interval``, how many
    landed within [low, high]."""

    week: int
    quarters: pd.DataFrame
    wape: float | None
    bias: float | None
    scored: int
    inside_interval: int


def _first_day(tables: Tables) -> date | None:
    """The day the data's first deal was created (one query); None without deals."""
    first = require(tables, "opportunities").created_at.min().execute()
    return None if first is None or pd.isna(first) else pd.Timestamp(first).date()


def _in_data(quarter: Quarter, first_day: date | None) -> bool:
    """Whether ``quarter`` ended after the data's first deal was created."""
    return first_day is not None and quarter.end > first_day


def _backtest_quarters(
    quarter: Quarter, lookback_quarters: int, first_day: date | None
) -> list[Quarter]:
    """The ``lookback_quarters`` quarters before ``quarter``, oldest first, in the data."""
    return [q for q in quarter.previous().trailing(lookback_quarters) if _in_data(q, first_day)]


def _backtest_points(periods: Sequence[Quarter], week: int) -> list[Point]:
    if week < 1:
        raise ParamsError(f"landing week must be 1 or later, got {week}")
    return [(period, min(week, period.weeks)) for period in periods]


def _backtest(periods: Sequence[Quarter], week: int, projected: pd.DataFrame) -> Backtest:
    """The ``Backtest`` of ``periods`` from their rows of ``_projections`` (in order)."""
    rows = projected.reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "quarter": [period.label for period in periods],
            "week": [min(week, period.weeks) for period in periods],
            "projected": rows["expected"],
            "low": rows["low"],
            "high": rows["high"],
            "actual": rows["bookings"],
        }
    )
    frame["error"] = frame["projected"] - frame["actual"]
    scored = frame.dropna(subset=["projected"])
    actual = float(scored["actual"].sum())
    inside = at_least(scored["actual"], scored["low"]) & at_most(scored["actual"], scored["high"])
    return Backtest(
        week=week,
        quarters=frame,
        wape=ratio(float(scored["error"].abs().sum()), actual),
        bias=ratio(float(scored["error"].sum()), actual),
        scored=len(scored),
        inside_interval=int(inside.sum()),
    )


def landing_backtest(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    week: int,
    lookback_quarters: int = LOOKBACK_QUARTERS,
    confidence: float = LANDING_CONFIDENCE,
) -> Backtest:
    """The landing each of the ``lookback_quarters`` quarters before ``quarter`` projected at its
    week ``week`` (capped at its last week; win rates from the ``lookback_quarters`` quarters
    before *that* quarter, at the same week), against its bookings. Quarters that ended before the
    data's first deal are left out. Three queries for all the quarters."""
    first_day = _first_day(tables)
    periods = _backtest_quarters(quarter, lookback_quarters, first_day)
    points = _backtest_points(periods, week)
    if not points:
        return _backtest([], week, pd.DataFrame(columns=["expected", "low", "high", "bookings"]))
    projected = _projections(tables, points, team, lookback_quarters, confidence, first_day)
    return _backtest(periods, week, projected)


def landing_headline(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    week: int,
    lookback_quarters: int = LOOKBACK_QUARTERS,
    as_of: date | None = None,
    confidence: float = LANDING_CONFIDENCE,
) -> dict[str, Any]:
    """The landing headline as a JSON-safe dict: the projection at week ``week`` (capped at the
    quarter's last week; None when ``as_of`` does not cover it) and the backtest at that week.

    Keys: projected_landing, landing_low, landing_high, landing_actual (None until the quarter is
    covered), landing_wape, landing_bias, landing_quarters (backtest quarters scored),
    landing_inside_interval (of those, how many landed within their interval), landing_week,
    landing_basis. One batch of queries for the quarter and its backtest quarters.
    """
    first_day = _first_day(tables)
    periods = _backtest_quarters(quarter, lookback_quarters, first_day)
    current = (quarter, min(week, quarter.weeks))
    points = [*_backtest_points(periods, week), current]
    projected = _projections(tables, points, team, lookback_quarters, confidence, first_day)
    backtest = _backtest(periods, week, projected.iloc[:-1])
    row = projected.iloc[-1]
    shown = _covered(quarter.week_end(current[1]), as_of)
    complete = as_of is None or quarter.last_day <= as_of
    return {
        "projected_landing": plain_float(row["expected"]) if shown else None,
        "landing_low": plain_float(row["low"]) if shown else None,
        "landing_high": plain_float(row["high"]) if shown else None,
        "landing_actual": plain_float(row["bookings"]) if complete else None,
        "landing_wape": backtest.wape,
        "landing_bias": backtest.bias,
        "landing_quarters": backtest.scored,
        "landing_inside_interval": backtest.inside_interval,
        "landing_week": current[1],
        "landing_basis": landing_basis(tables),
    }
