"""Acquisition cost: what a quarter's sales and marketing spend bought in new customers.

A new customer is an account's first won deal among every team's deals (``first_won_deals``),
counted in the quarter of its close_date for the team of its owner. CAC = spend / new customers;
CAC payback = spend / (new MRR × gross margin), in months; CAC ratio = new and expansion
bookings × gross margin / the previous quarter's spend; magic number = the growth in recurring
revenue over the previous quarter, annualised, / the previous quarter's spend. Spend counts for
the team it names; a row without a team counts for all teams only. Amounts are summed exactly
(``exact_sum``). Needs spend; recurring_revenue, where present, gives the new customers' MRR and
the magic number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd
from ibis import _

from salesops.i18n import N_
from salesops.metrics import Tables, plain_float, plain_int, require
from salesops.metrics.retention import (
    GROSS_MARGIN,
    add_months,
    check_gross_margin,
    scoped_revenue,
)
from salesops.metrics.scope import (
    exact_sum,
    month_index,
    scoped_by_rep,
    scoped_opportunities,
    stack,
    within,
)
from salesops.metrics.stats import ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

SECTION = N_("Acquisition cost")
CHANNEL_SECTION = N_("Acquisition cost by channel")
PAYBACK_BENCHMARK_MONTHS = (12, 18)  # the field's usual bound for CAC payback
NEW_MRR_FROM_BOOKINGS_MONTHS = 12  # without recurring_revenue: amounts are annual contract values
MRR_WINDOW_MONTHS = 3  # a new customer's MRR: its first month billed, from the close month on
NEW_BUSINESS, EXPANSION, RENEWAL = "new_business", "expansion", "renewal"
MARKETING, SALES = "marketing", "sales"
FROM_REVENUE, FROM_BOOKINGS = "recurring_revenue", "bookings"
ANNUAL = 4  # quarters in a year: the magic number annualises a quarter's growth
TREND_COLUMNS = ["spend", "new_customers", "cac", "payback_months", "cac_ratio", "magic_number"]
_DEAL_COLUMNS = (
    "opportunity_id",
    "account_id",
    "rep_id",
    "team",
    "created_at",
    "close_date",
    "amount",
    "source",
    "segment",
    "deal_type",
)


@dataclass(frozen=True)
class Acquisition:
    """What ``team``'s spend in ``quarter`` bought.

    ``spend`` = ``marketing_spend`` + ``sales_spend``: the spend rows of the quarter's three
    months naming the team (every row for all teams); None without a row. ``new_customers``:
    first won deals of accounts closed in the quarter by the team's reps; ``new_bookings``: their
    won amount; ``expansion_bookings``: the won amount of the team's other deals of kind
    expansion closed in the quarter (``deal_kind``). ``cac`` = spend / new_customers (None
    without new customers). ``new_mrr``: Σ the new customers' MRR (their first month in
    recurring_revenue from the close month, within MRR_WINDOW_MONTHS; a deal without account, or
    any without recurring_revenue, its amount / 12); None without new customers.
    ``new_mrr_from``: "recurring_revenue" or "bookings". ``payback_months`` = spend / (new_mrr ×
    gross_margin). ``previous_spend``: the previous quarter's spend (None without a row);
    ``cac_ratio`` = (new_bookings + expansion_bookings) × gross_margin / previous_spend;
    ``magic_number`` = (recurring revenue of the quarter − of the previous one) × 4 /
    previous_spend, a quarter's recurring revenue being Σ MRR over its three months of the
    team's accounts (None without recurring_revenue). ``gross_margin``: the org setting used.
    ``by_channel``: channel, spend (marketing), new_customers (whose deal source is the channel),
    cac; most spend first. ``by_month``: month, category, spend for the quarter's three months
    and both categories."""

    quarter: str
    team: str
    spend: float | None
    marketing_spend: float | None
    sales_spend: float | None
    new_customers: int
    new_bookings: float
    expansion_bookings: float
    cac: float | None
    new_mrr: float | None
    new_mrr_from: str
    payback_months: float | None
    previous_spend: float | None
    cac_ratio: float | None
    magic_number: float | None
    gross_margin: float
    by_channel: pd.DataFrame
    by_month: pd.DataFrame


def first_won_deals(tables: Tables) -> ibis.Table:
    """Each account's first won deal among every team's deals (the earliest close_date, then
    created_at, then opportunity_id); a won deal without account_id is a customer of its own and
    keeps its null account_id. Columns: opportunity_id, account_id, rep_id, team, created_at,
    close_date, amount, source, segment, deal_type."""
    deals = scoped_opportunities(tables)
    won = deals.filter(deals.is_won)
    # a deal without account is its own group: nulls partition together, so key on its id
    alone = ibis.ifelse(won.account_id.isnull(), won.opportunity_id, ibis.null("string"))
    first = ibis.window(
        group_by=[won.account_id, alone],
        order_by=[won.close_date, won.created_at, won.opportunity_id],
    )
    ranked = won.mutate(rank=ibis.row_number().over(first))
    return ranked.filter(ranked.rank == 0).select(*_DEAL_COLUMNS)


def new_customer_deals(tables: Tables, quarter: Quarter, team: str = ALL_TEAMS) -> ibis.Table:
    """The first won deals (``first_won_deals``) closed in ``quarter``, of ``team``'s reps: the
    quarter's new customers. A first deal of an account another team sold to since counts for
    the team of its own owner."""
    first = first_won_deals(tables)
    return scoped_by_rep(
        first.filter(within(first.close_date, quarter.start, quarter.end)), tables, team
    )


def deal_kind(tables: Tables) -> ibis.Table:
    """Every won deal with ``kind``, what its bookings count as: an account's first won deal
    (``first_won_deals``) is "new_business", whatever its deal_type; another won deal is
    "renewal" when its deal_type says so and "expansion" otherwise (deal_type expansion,
    new_business on an account that already bought, or null). Columns: those of
    ``first_won_deals`` and kind."""
    deals = scoped_opportunities(tables)
    won = deals.filter(deals.is_won).select(*_DEAL_COLUMNS)
    first = first_won_deals(tables).select(first_id="opportunity_id")
    rows = won.left_join(first, won.opportunity_id == first.first_id)
    kind = ibis.cases(
        (rows.first_id.notnull(), NEW_BUSINESS),
        (rows.deal_type == RENEWAL, RENEWAL),
        else_=EXPANSION,
    )
    return rows.mutate(kind=kind).drop("first_id")


def acquisition(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, gross_margin: float = GROSS_MARGIN
) -> Acquisition:
    """Spend, new customers, CAC, payback, CAC ratio and magic number of ``team`` in ``quarter``
    (see ``Acquisition``), with marketing spend and CAC per channel and spend per month. Five
    queries (four without recurring_revenue). Needs spend."""
    check_gross_margin(gross_margin)
    spend = require(tables, "spend", SECTION)
    figures = _figures(tables, [quarter], team, gross_margin)[0]
    return Acquisition(
        quarter=quarter.label,
        team=team,
        gross_margin=gross_margin,
        by_channel=_by_channel(tables, scoped_spend(spend, team), quarter, team),
        by_month=_by_month(scoped_spend(spend, team), quarter),
        **figures,
    )


def acquisition_trend(
    tables: Tables,
    quarters: Sequence[Quarter],
    team: str = ALL_TEAMS,
    *,
    gross_margin: float = GROSS_MARGIN,
) -> pd.DataFrame:
    """``acquisition``'s quarter (label), spend, new_customers, cac, payback_months, cac_ratio and
    magic_number for each of ``quarters``, in their order: three queries whatever their number
    (two without recurring_revenue). Needs spend."""
    check_gross_margin(gross_margin)
    require(tables, "spend", SECTION)
    columns = ["quarter", *TREND_COLUMNS]
    rows = [
        {"quarter": quarter.label, **{c: figures[c] for c in TREND_COLUMNS}}
        for quarter, figures in zip(
            quarters, _figures(tables, quarters, team, gross_margin), strict=True
        )
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for column in TREND_COLUMNS:
        kind = "int64" if column == "new_customers" else "float64"
        frame[column] = frame[column].astype(kind)
    return frame


def scoped_spend(spend: ibis.Table, team: str) -> ibis.Table:
    """Spend rows naming ``team``; every row for all teams (a row without team only there)."""
    return spend if team == ALL_TEAMS else spend.filter(spend.team == team)


def _period(value: ibis.Value, quarters: Sequence[Quarter]) -> ibis.StringValue:
    """The label of the quarter ``value`` falls in, null outside them."""
    cases = [(within(value, q.start, q.end), q.label) for q in quarters]
    return ibis.cases(*cases, else_=ibis.null("string"))


def _figures(
    tables: Tables, quarters: Sequence[Quarter], team: str, gross_margin: float
) -> list[dict[str, Any]]:
    """Every figure of ``Acquisition`` but the frames, per quarter in order."""
    every = list(dict.fromkeys([*quarters, *(q.previous() for q in quarters)]))
    spend = _spend_totals(scoped_spend(require(tables, "spend", SECTION), team), every)
    customers = _customer_totals(tables, list(dict.fromkeys(quarters)), team)
    has_revenue = tables.get("recurring_revenue") is not None
    growth = _revenue_growth(tables, list(dict.fromkeys(quarters)), team) if has_revenue else {}
    result = []
    for quarter in quarters:
        mine = spend.get(quarter.label, {})
        total = mine.get("spend")
        previous = spend.get(quarter.previous().label, {}).get("spend")
        bought = customers.get(quarter.label, {})
        new = plain_int(bought.get("new_customers"))
        new_mrr = plain_float(bought.get("new_mrr")) if new else None
        change = growth.get(quarter.label)
        result.append(
            {
                "spend": total,
                "marketing_spend": mine.get("marketing_spend"),
                "sales_spend": mine.get("sales_spend"),
                "new_customers": new,
                "new_bookings": plain_float(bought.get("new_bookings")) or 0.0,
                "expansion_bookings": plain_float(bought.get("expansion_bookings")) or 0.0,
                "cac": ratio(total, new),
                "new_mrr": new_mrr,
                "new_mrr_from": FROM_REVENUE if has_revenue else FROM_BOOKINGS,
                "payback_months": (
                    None if new_mrr is None else ratio(total, new_mrr * gross_margin)
                ),
                "previous_spend": previous,
                "cac_ratio": ratio(
                    (plain_float(bought.get("growth_bookings")) or 0.0) * gross_margin, previous
                ),
                "magic_number": None if change is None else ratio(change * ANNUAL, previous),
            }
        )
    return result


def _spend_totals(spend: ibis.Table, quarters: Sequence[Quarter]) -> dict[str, dict[str, float]]:
    """Per quarter label with a spend row: spend, marketing_spend, sales_spend. One query."""
    if not quarters:
        return {}
    rows = spend.mutate(period=_period(spend.month, quarters))
    rows = rows.filter(rows.period.notnull())
    totals = (
        rows.group_by("period")
        .aggregate(
            spend=exact_sum(rows.amount),
            marketing_spend=exact_sum(rows.amount, where=rows.category == MARKETING),
            sales_spend=exact_sum(rows.amount, where=rows.category == SALES),
        )
        .execute()
    )
    return {
        row["period"]: {
            c: plain_float(row[c]) or 0.0 for c in ("spend", "marketing_spend", "sales_spend")
        }
        for row in totals.to_dict("records")
    }


def _customer_totals(
    tables: Tables, quarters: Sequence[Quarter], team: str
) -> dict[str, dict[str, object]]:
    """Per quarter label: new_customers, new_bookings, expansion_bookings, growth_bookings (new
    and expansion) and new_mrr, of the won deals of ``team``'s reps closed in it. One query."""
    if not quarters:
        return {}
    kinds = scoped_by_rep(deal_kind(tables), tables, team)
    rows = kinds.mutate(period=_period(kinds.close_date, quarters))
    rows = rows.filter(rows.period.notnull())
    revenue = tables.get("recurring_revenue")
    if revenue is None:
        rows = rows.mutate(monthly=rows.amount / NEW_MRR_FROM_BOOKINGS_MONTHS)
    else:
        accounts = rows.filter((rows.kind == NEW_BUSINESS) & rows.account_id.notnull())
        first = _first_mrr(accounts, revenue)
        rows = rows.left_join(first, rows.opportunity_id == first.billed_deal)
        rows = rows.mutate(
            monthly=ibis.ifelse(
                rows.account_id.isnull(),
                rows.amount / NEW_MRR_FROM_BOOKINGS_MONTHS,
                rows.first_mrr.fill_null(0.0),
            )
        )
    new = rows.kind == NEW_BUSINESS
    totals = (
        rows.group_by("period")
        .aggregate(
            new_customers=new.sum(),
            new_bookings=exact_sum(rows.amount, where=new),
            expansion_bookings=exact_sum(rows.amount, where=rows.kind == EXPANSION),
            growth_bookings=exact_sum(rows.amount, where=rows.kind.isin([NEW_BUSINESS, EXPANSION])),
            new_mrr=exact_sum(rows.monthly, where=new),
        )
        .execute()
    )
    return {row["period"]: row for row in totals.to_dict("records")}


def _first_mrr(deals: ibis.Table, revenue: ibis.Table) -> ibis.Table:
    """For each deal, its account's MRR in the first month with a recurring_revenue row from
    the close month on, within MRR_WINDOW_MONTHS of it: billed_deal, first_mrr."""
    deals = deals.select(
        billed_deal="opportunity_id",
        deal_account="account_id",
        close_index=month_index(deals.close_date),
    )
    billed = revenue.select("account_id", "mrr", month_number=month_index(revenue.month))
    pairs = deals.join(
        billed,
        (deals.deal_account == billed.account_id)
        & (billed.month_number >= deals.close_index)
        & (billed.month_number < deals.close_index + MRR_WINDOW_MONTHS),
    )
    earliest = ibis.window(group_by=pairs.billed_deal, order_by=pairs.month_number)
    ranked = pairs.mutate(rank=ibis.row_number().over(earliest))
    return ranked.filter(ranked.rank == 0).select("billed_deal", first_mrr="mrr")


def _revenue_growth(tables: Tables, quarters: Sequence[Quarter], team: str) -> dict[str, float]:
    """Per quarter label: Σ MRR over its three months − Σ over the previous quarter's, of the
    team's accounts as of the quarter's last day, summed exactly. One query."""
    if not quarters:
        return {}
    parts = []
    for quarter in quarters:
        revenue = scoped_revenue(tables, team, quarter.last_day, SECTION)
        before = quarter.previous()
        rows = revenue.filter(within(revenue.month, before.start, quarter.end))
        signed = ibis.ifelse(rows.month >= quarter.start, rows.mrr, -rows.mrr)
        parts.append(
            rows.aggregate(change=exact_sum(signed)).mutate(period=ibis.literal(quarter.label))
        )
    growth = stack(*parts).execute()
    return {row["period"]: plain_float(row["change"]) or 0.0 for row in growth.to_dict("records")}


def _by_channel(tables: Tables, spend: ibis.Table, quarter: Quarter, team: str) -> pd.DataFrame:
    marketing = spend.filter(
        within(spend.month, quarter.start, quarter.end) & (spend.category == MARKETING)
    )
    channels = marketing.group_by("channel").aggregate(spend=exact_sum(marketing.amount))
    deals = new_customer_deals(tables, quarter, team)
    bought = deals.group_by(deal_source="source").aggregate(new_customers=_.count())
    rows = channels.left_join(bought, channels.channel == bought.deal_source)
    frame = rows.select("channel", "spend", new_customers=rows.new_customers.fill_null(0)).execute()
    frame["spend"] = frame["spend"].astype("float64")
    frame["new_customers"] = frame["new_customers"].astype("int64")
    frame["cac"] = [
        ratio(s, n) for s, n in zip(frame["spend"], frame["new_customers"], strict=True)
    ]
    frame["cac"] = frame["cac"].astype("float64")
    frame = frame.sort_values(["spend", "channel"], ascending=[False, True], na_position="last")
    return frame.reset_index(drop=True)


def _by_month(spend: ibis.Table, quarter: Quarter) -> pd.DataFrame:
    rows = spend.filter(within(spend.month, quarter.start, quarter.end))
    sums = rows.group_by(["month", "category"]).aggregate(spend=exact_sum(rows.amount)).execute()
    found = {
        (pd.Timestamp(month).date(), category): float(amount)
        for month, category, amount in zip(
            sums["month"], sums["category"], sums["spend"], strict=True
        )
    }
    grid = [
        (month, category, found.get((month, category), 0.0))
        for month in (add_months(quarter.start, k) for k in range(3))
        for category in (MARKETING, SALES)
    ]
    return pd.DataFrame(grid, columns=["month", "category", "spend"])
