"""Enablement: who shared content in a quarter, and the win rates of deals with and without it.

A deal closed in the quarter is "with content" when an asset was shared on it (a content_events
share naming the deal) from its creation to the end of its close day, by any rep. The two win
rates are compared with a two-proportion test: a difference is associated with sharing content,
not shown to come from it (better deals may simply get more content). Needs content_events.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import pandas as pd
from ibis import _

from salesops.i18n import N_
from salesops.metrics import Tables, plain_int, require
from salesops.metrics.activity import active_reps
from salesops.metrics.scope import scoped_by_rep, scoped_opportunities, within
from salesops.metrics.stats import (
    SMALL_SAMPLE,
    TwoProportionResult,
    is_small_sample,
    ratio,
    two_proportion_test,
)
from salesops.metrics.touches import during_life
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

SECTION = N_("Enablement")
SHARE = "share"
TOP_ASSETS = 20


@dataclass(frozen=True)
class Enablement:
    """Content shared by the active reps of ``team`` in ``quarter``, and the deals closed in it.

    ``active_reps`` (``activity.active_reps``), ``reps_sharing`` (those who shared content in the
    quarter) and ``share_of_reps_sharing`` = reps_sharing / active_reps. Deals closed in the
    quarter with content shared on them: ``deals_with``, ``won_with``, ``win_rate_with``; the
    others: ``deals_without``, ``won_without``, ``win_rate_without`` (None without deals).
    ``test``: the two-proportion test of win_rate_with against win_rate_without;
    ``small_sample_with`` and ``small_sample_without``: too few deals to read the rate.
    ``top_assets``: asset_id, shares (in the quarter), deals (closed in the quarter that it was
    shared on), won, win_rate; most shared first. ``by_rep``: rep_id, rep_name, team, shares,
    deals_closed, won; most shares first."""

    quarter: str
    team: str
    active_reps: int
    reps_sharing: int
    share_of_reps_sharing: float | None
    deals_with: int
    won_with: int
    win_rate_with: float | None
    deals_without: int
    won_without: int
    win_rate_without: float | None
    test: TwoProportionResult
    small_sample_with: bool
    small_sample_without: bool
    top_assets: pd.DataFrame
    by_rep: pd.DataFrame


def enablement(
    tables: Tables,
    quarter: Quarter,
    team: str = ALL_TEAMS,
    *,
    top: int = TOP_ASSETS,
    small_sample: int = SMALL_SAMPLE,
) -> Enablement:
    """Who of ``team``'s active reps shared content in ``quarter`` (a share event in it), and the
    win rates of the team's deals closed in it with and without content shared on them (any
    rep's share naming the deal, from its created_at to the end of its close day), compared by
    ``two_proportion_test``: an association, not a cause. ``top``: the most shared assets (by
    the team's reps in the quarter), ties by deals then asset_id. A rate over fewer than
    ``small_sample`` deals is flagged. Three queries. Needs content_events."""
    events = require(tables, "content_events", SECTION)
    shares = events.filter(events.event == SHARE)
    closed = _closed_deals(tables, quarter, team)
    on_deals = _shared_on(shares, closed)
    by_rep = _by_rep(tables, quarter, team, shares, closed)

    content = on_deals.select(shared_deal="opportunity_id").distinct()
    flagged = closed.left_join(content, closed.opportunity_id == content.shared_deal)
    flagged = flagged.mutate(with_content=flagged.shared_deal.notnull())
    totals = (
        flagged.aggregate(
            deals_with=flagged.with_content.sum(),
            won_with=(flagged.with_content & flagged.is_won).sum(),
            deals=_.count(),
            won=flagged.is_won.sum(),
        )
        .execute()
        .iloc[0]
    )
    deals_with, won_with = plain_int(totals["deals_with"]), plain_int(totals["won_with"])
    deals_without = plain_int(totals["deals"]) - deals_with
    won_without = plain_int(totals["won"]) - won_with
    reps_sharing = int((by_rep["shares"] > 0).sum())
    return Enablement(
        quarter=quarter.label,
        team=team,
        active_reps=len(by_rep),
        reps_sharing=reps_sharing,
        share_of_reps_sharing=ratio(reps_sharing, len(by_rep)),
        deals_with=deals_with,
        won_with=won_with,
        win_rate_with=ratio(won_with, deals_with),
        deals_without=deals_without,
        won_without=won_without,
        win_rate_without=ratio(won_without, deals_without),
        test=two_proportion_test(won_with, deals_with, won_without, deals_without),
        small_sample_with=is_small_sample(deals_with, small_sample),
        small_sample_without=is_small_sample(deals_without, small_sample),
        top_assets=_top_assets(scoped_by_rep(shares, tables, team), on_deals, quarter, top),
        by_rep=by_rep,
    )


def _closed_deals(tables: Tables, quarter: Quarter, team: str) -> ibis.Table:
    deals = scoped_opportunities(tables, team)
    closed = deals.filter(deals.is_closed & within(deals.close_date, quarter.start, quarter.end))
    return closed.select("opportunity_id", "rep_id", "created_at", "close_date", "is_won")


def _shared_on(shares: ibis.Table, closed: ibis.Table) -> ibis.Table:
    """Each (asset, closed deal) shared on it during its life: asset_id, opportunity_id,
    is_won."""
    named = shares.filter(shares.opportunity_id.notnull()).select(
        "asset_id", "occurred_at", deal_id="opportunity_id"
    )
    pairs = named.join(closed, named.deal_id == closed.opportunity_id)
    pairs = pairs.filter(during_life(pairs.occurred_at, pairs.created_at, pairs.close_date))
    return pairs.select("asset_id", "opportunity_id", "is_won").distinct()


def _by_rep(
    tables: Tables, quarter: Quarter, team: str, shares: ibis.Table, closed: ibis.Table
) -> pd.DataFrame:
    reps = active_reps(tables, quarter, team).select("rep_id", "rep_name", "team")
    in_quarter = shares.filter(within(shares.occurred_at, quarter.start, quarter.end))
    shared = in_quarter.group_by("rep_id").aggregate(shares=_.count())
    owned = closed.group_by("rep_id").aggregate(deals_closed=_.count(), won=_.is_won.sum())
    rows = reps.left_join(shared, reps.rep_id == shared.rep_id)
    rows = rows.select("rep_id", "rep_name", "team", "shares")
    rows = rows.left_join(owned, rows.rep_id == owned.rep_id)
    frame = rows.select(
        "rep_id",
        "rep_name",
        "team",
        shares=rows.shares.fill_null(0),
        deals_closed=rows.deals_closed.fill_null(0),
        won=rows.won.fill_null(0),
    ).execute()
    for column in ("shares", "deals_closed", "won"):
        frame[column] = frame[column].astype("int64")
    frame = frame.sort_values(["shares", "rep_name", "rep_id"], ascending=[False, True, True])
    return frame.reset_index(drop=True)


def _top_assets(
    shares: ibis.Table, on_deals: ibis.Table, quarter: Quarter, top: int
) -> pd.DataFrame:
    in_quarter = shares.filter(within(shares.occurred_at, quarter.start, quarter.end))
    counts = in_quarter.group_by("asset_id").aggregate(shares=_.count())
    deals = on_deals.group_by(deal_asset="asset_id").aggregate(deals=_.count(), won=_.is_won.sum())
    rows = counts.outer_join(deals, counts.asset_id == deals.deal_asset)
    rows = rows.select(
        asset_id=ibis.coalesce(rows.asset_id, rows.deal_asset),
        shares=rows.shares.fill_null(0),
        deals=rows.deals.fill_null(0),
        won=rows.won.fill_null(0),
    )
    rows = rows.order_by([ibis.desc("shares"), ibis.desc("deals"), "asset_id"]).limit(top)
    frame = rows.execute()
    for column in ("shares", "deals", "won"):
        frame[column] = frame[column].astype("int64")
    frame["win_rate"] = [ratio(w, n) for w, n in zip(frame["won"], frame["deals"], strict=True)]
    frame["win_rate"] = frame["win_rate"].astype("float64")
    return frame.reset_index(drop=True)
