"""Touches per deal: the calls, emails and meetings logged on each deal closed in a quarter.

An activity counts toward one deal (``attributed_activities``): the deal it names; else, when it
names an account, a deal of that account open at the time, or opened or closed within
ACCOUNT_WINDOW_DAYS of it. A deal's touches are the calls, emails and meetings attributed to it
from its creation to the end of its close day (``touches_per_deal``). Deals are in the team of
their owner, whoever logged the activity. Needs activities.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import ibis
import pandas as pd
from ibis import _

from salesops.i18n import N_
from salesops.metrics import Tables, plain_int, require
from salesops.metrics.funnel import UNKNOWN
from salesops.metrics.scope import days_between, scoped_opportunities, within
from salesops.metrics.stats import ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

TOUCH_TYPES = ("call", "email", "meeting")
ACCOUNT_WINDOW_DAYS = 14
SECTION = N_("Touches per deal")
OUTCOMES = ("won", "lost")


@dataclass(frozen=True)
class Touches:
    """Touches on the deals of ``team`` closed in ``quarter``.

    ``won_deals`` and ``lost_deals``: the deals closed in the quarter, each counted with its
    touches, none included; ``median_won`` and ``median_lost``: the exact median touches (the mean
    of the two middle values for an even count; None without deals); ``mean_won`` and
    ``mean_lost`` likewise; ``won_without_touches`` and ``lost_without_touches``: deals with
    none. ``touches``: every touch counted; ``attributed_by_account``: those counted through
    their account. ``distribution``: outcome ("won", "lost"), touches, deals (the histogram).
    ``by_segment``: segment (UNKNOWN without one), won_deals, median_won, lost_deals,
    median_lost. ``by_type``: outcome, type, per_deal (touches of that type per deal of that
    outcome; NaN without deals)."""

    quarter: str
    team: str
    won_deals: int
    lost_deals: int
    median_won: float | None
    median_lost: float | None
    mean_won: float | None
    mean_lost: float | None
    won_without_touches: int
    lost_without_touches: int
    touches: int
    attributed_by_account: int
    distribution: pd.DataFrame
    by_segment: pd.DataFrame
    by_type: pd.DataFrame


def attributed_activities(tables: Tables, team: str = ALL_TEAMS) -> ibis.Table:
    """Every activity with ``deal_id``, the deal it counts toward, and ``attributed_by``, how.

    "deal": the activity names the deal (its opportunity_id). "account": it names no deal but an
    account, and the deal is one of that account's that was open at the time (created at or
    before it, and not closed or closed on or after its day), or created within
    ACCOUNT_WINDOW_DAYS (14) days after it, or closed within 14 days before it (from the end of
    the close day). Several such deals: open at the time first, then the nearest in time (for an
    open deal the latest created, else the shortest gap), then the smallest opportunity_id. No
    deal: both null. Accounts are matched among every team's deals, so an activity counts for
    one deal only; ``team`` keeps the activities of its reps' deals (an activity with no deal is
    in the all-teams table only). Needs activities."""
    activities = require(tables, "activities", SECTION)
    matched = _account_deals(activities, scoped_opportunities(tables))
    rows = activities.left_join(matched, activities.activity_id == matched.matched_activity)
    named = rows.opportunity_id.notnull()
    rows = rows.mutate(
        deal_id=ibis.coalesce(rows.opportunity_id, rows.account_deal),
        attributed_by=ibis.cases(
            (named, "deal"), (rows.account_deal.notnull(), "account"), else_=ibis.null("string")
        ),
    ).drop("matched_activity", "account_deal")
    if team == ALL_TEAMS:
        return rows
    deals = scoped_opportunities(tables, team)
    return rows.semi_join(deals, rows.deal_id == deals.opportunity_id)


def touches_per_deal(tables: Tables, quarter: Quarter, team: str = ALL_TEAMS) -> Touches:
    """Touches on each deal of ``team`` closed in ``quarter`` (is_closed, close_date in the
    quarter): the TOUCH_TYPES activities attributed to it (``attributed_activities``) from its
    created_at to the end of its close day. A deal with none counts 0. The backend returns the
    histogram (per outcome, segment and touch count) and per-type counts; medians and means are
    worked out from them. Needs activities."""
    closed = _closed_deals(tables, {quarter.label: (quarter.start, quarter.end)}, team)
    lived = _counted(tables, closed)
    deals = _deal_touches(closed, lived)
    deals = deals.mutate(segment=deals.segment.fill_null(UNKNOWN))
    histogram = (
        deals.group_by(["is_won", "segment", "touches"])
        .aggregate(deals=_.count(), by_account=_.by_account.sum())
        .execute()
    )
    histogram["outcome"] = histogram["is_won"].map({True: "won", False: "lost"})
    histogram["deals"] = histogram["deals"].astype("int64")
    histogram["touches"] = histogram["touches"].astype("int64")
    distribution = histogram.groupby(["outcome", "touches"], as_index=False)["deals"].sum()
    distribution = _in_outcome_order(distribution, ["touches"])
    summary = {outcome: _summary(_pairs(distribution, outcome)) for outcome in OUTCOMES}
    counted = int((distribution["touches"] * distribution["deals"]).sum())
    return Touches(
        quarter=quarter.label,
        team=team,
        won_deals=summary["won"].deals,
        lost_deals=summary["lost"].deals,
        median_won=summary["won"].median,
        median_lost=summary["lost"].median,
        mean_won=summary["won"].mean,
        mean_lost=summary["lost"].mean,
        won_without_touches=summary["won"].without,
        lost_without_touches=summary["lost"].without,
        touches=counted,
        attributed_by_account=plain_int(histogram["by_account"].astype("float64").sum()),
        distribution=distribution,
        by_segment=_by_segment(histogram),
        by_type=_by_type(lived, summary),
    )


def touches_trend(
    tables: Tables, quarters: Sequence[Quarter], team: str = ALL_TEAMS
) -> pd.DataFrame:
    """``touches_per_deal``'s deal counts and medians for each of ``quarters``, in their order,
    from one query: quarter (label), won_deals, median_won, lost_deals, median_lost. Needs
    activities."""
    columns = ["quarter", "won_deals", "median_won", "lost_deals", "median_lost"]
    periods = {q.label: (q.start, q.end) for q in quarters}
    if not periods:
        return pd.DataFrame(columns=columns)
    closed = _closed_deals(tables, periods, team)
    deals = _deal_touches(closed, _counted(tables, closed))
    histogram = deals.group_by(["period", "is_won", "touches"]).aggregate(deals=_.count()).execute()
    rows = []
    for quarter in quarters:
        row = {"quarter": quarter.label}
        for outcome, won in zip(OUTCOMES, (True, False), strict=True):
            mine = histogram[(histogram["period"] == quarter.label) & (histogram["is_won"] == won)]
            summary = _summary(zip(mine["touches"], mine["deals"], strict=True))
            row[f"{outcome}_deals"] = summary.deals
            row[f"median_{outcome}"] = summary.median
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def during_life(
    at: ibis.TimestampValue, created_at: ibis.TimestampValue, close_date: ibis.DateValue
) -> ibis.BooleanValue:
    """Whether ``at`` falls in a closed deal's life: from its created_at to the end of its close
    day (``at``'s day on or before close_date)."""
    return (at >= created_at) & (at.date() <= close_date)


def _account_deals(activities: ibis.Table, deals: ibis.Table) -> ibis.Table:
    """For each activity that names an account but no deal, the one deal of the account it
    counts toward (see ``attributed_activities``): matched_activity (its id), account_deal."""
    loose = activities.filter(activities.opportunity_id.isnull() & activities.account_id.notnull())
    loose = loose.select("activity_id", "account_id", "occurred_at")
    candidates = deals.filter(deals.account_id.notnull()).select(
        "account_id", "created_at", "close_date", "is_closed", account_deal="opportunity_id"
    )
    pairs = loose.join(candidates, "account_id")
    at, created, closed = pairs.occurred_at, pairs.created_at, pairs.close_date
    open_then = ibis.ifelse(pairs.is_closed, during_life(at, created, closed), created <= at)
    opened_after = (created > at) & (days_between(at, created) <= ACCOUNT_WINDOW_DAYS)
    # from the end of the close day: a day after its midnight
    closed_gap = days_between(closed, at) - 1
    closed_before = pairs.is_closed & (at.date() > closed) & (closed_gap <= ACCOUNT_WINDOW_DAYS)
    pairs = pairs.filter(open_then | opened_after | closed_before)
    gap = ibis.cases(
        (open_then, days_between(created, at)),
        (opened_after, days_between(at, created)),
        else_=closed_gap,
    )
    pairs = pairs.mutate(rank_open=ibis.ifelse(open_then, 0, 1), gap=gap)
    order = ibis.window(
        group_by=pairs.activity_id, order_by=[pairs.rank_open, pairs.gap, pairs.account_deal]
    )
    pairs = pairs.mutate(rank=ibis.row_number().over(order))
    return pairs.filter(pairs.rank == 0).select("account_deal", matched_activity="activity_id")


def _closed_deals(
    tables: Tables, periods: Mapping[str, tuple[date, date]], team: str
) -> ibis.Table:
    """The deals of ``team`` closed in one of ``periods`` (label -> start, end), by close_date:
    opportunity_id, created_at, close_date, is_won, segment and ``period`` (the label)."""
    deals = scoped_opportunities(tables, team)
    closed = deals.filter(deals.is_closed)
    period = ibis.cases(
        *((within(closed.close_date, start, end), label) for label, (start, end) in periods.items())
    )
    closed = closed.mutate(period=period)
    closed = closed.filter(closed.period.notnull())
    return closed.select(
        "opportunity_id", "created_at", "close_date", "is_won", "segment", "period"
    )


def _counted(tables: Tables, closed: ibis.Table) -> ibis.Table:
    """The touches counted on ``closed`` deals: TOUCH_TYPES activities attributed to one from
    its created_at to the end of its close day, with the deal's columns."""
    activities = attributed_activities(tables)  # ``closed`` holds the team's deals
    touches = activities.filter(activities.type.isin(TOUCH_TYPES) & activities.deal_id.notnull())
    touches = touches.select("deal_id", "type", "occurred_at", "attributed_by")
    lived = touches.join(closed, touches.deal_id == closed.opportunity_id)
    return lived.filter(during_life(lived.occurred_at, lived.created_at, lived.close_date))


def _deal_touches(closed: ibis.Table, lived: ibis.Table) -> ibis.Table:
    """One row per ``closed`` deal: period, is_won, segment, touches (its ``lived`` touches, 0
    without), by_account (those attributed through the account)."""
    counts = lived.group_by("deal_id").aggregate(
        touches=_.count(), by_account=(_.attributed_by == "account").sum()
    )
    deals = closed.left_join(counts, closed.opportunity_id == counts.deal_id)
    return deals.select(
        "period",
        "is_won",
        "segment",
        touches=deals.touches.fill_null(0),
        by_account=deals.by_account.fill_null(0),
    )


def _pairs(frame: pd.DataFrame, outcome: str) -> Iterable[tuple[int, int]]:
    mine = frame[frame["outcome"] == outcome]
    return zip(mine["touches"], mine["deals"], strict=True)


class _Outcome(NamedTuple):
    """The deals of one outcome: how many, their median and mean touches, and how many had none."""

    deals: int
    median: float | None
    mean: float | None
    without: int


def _summary(pairs: Iterable[tuple[int, int]]) -> _Outcome:
    """deals, median, mean and without (deals with no touch) of a histogram's (touches, deals)."""
    counts = sorted((int(touches), int(deals)) for touches, deals in pairs)
    deals = sum(n for _touches, n in counts)
    total = sum(touches * n for touches, n in counts)
    without = sum(n for touches, n in counts if touches == 0)
    return _Outcome(deals, _median(counts), ratio(total, deals), without)


def _median(counts: Iterable[tuple[int, int]]) -> float | None:
    """The exact median of integer values given as (value, how many) pairs: the middle value,
    or the mean of the two middle values for an even count (``statistics.median``'s). None when
    there are none."""
    ordered = sorted((int(value), int(n)) for value, n in counts if n > 0)
    size = sum(n for _value, n in ordered)
    if size == 0:
        return None
    lower, upper = (size - 1) // 2, size // 2  # 0-based positions of the middle values
    middle, seen = [], 0
    for value, n in ordered:
        middle += [value] * sum(seen <= p < seen + n for p in (lower, upper))
        seen += n
    return (middle[0] + middle[1]) / 2


def _in_outcome_order(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``frame`` with won rows first, then lost, each sorted by ``by``."""
    order = frame["outcome"].map({outcome: k for k, outcome in enumerate(OUTCOMES)})
    frame = frame.assign(_order=order).sort_values(["_order", *by]).drop(columns="_order")
    return frame.reset_index(drop=True)


def _by_segment(histogram: pd.DataFrame) -> pd.DataFrame:
    rows = []
    segments = sorted(set(histogram["segment"]), key=lambda s: (s == UNKNOWN, s))
    for segment in segments:
        mine = histogram[histogram["segment"] == segment]
        row: dict = {"segment": segment}
        for outcome in OUTCOMES:
            summary = _summary(_pairs(mine, outcome))
            row[f"{outcome}_deals"] = summary.deals
            row[f"median_{outcome}"] = summary.median
        rows.append(row)
    columns = ["segment", "won_deals", "median_won", "lost_deals", "median_lost"]
    return pd.DataFrame(rows, columns=columns)


def _by_type(lived: ibis.Table, summary: Mapping[str, _Outcome]) -> pd.DataFrame:
    counts = lived.group_by(["is_won", "type"]).aggregate(touches=_.count()).execute()
    found = {(bool(r.is_won), r.type): int(r.touches) for r in counts.itertuples()}
    rows = []
    for outcome, won in zip(OUTCOMES, (True, False), strict=True):
        deals = summary[outcome].deals
        for kind in TOUCH_TYPES:
            per_deal = ratio(found.get((won, kind), 0), deals)
            rows.append({"outcome": outcome, "type": kind, "per_deal": per_deal})
    frame = pd.DataFrame(rows, columns=["outcome", "type", "per_deal"])
    frame["per_deal"] = frame["per_deal"].astype("float64")
    return frame
