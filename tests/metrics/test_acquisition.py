"""Acquisition cost on a hand-built CRM: spend, new customers, CAC, payback, CAC ratio and magic
number, worked out in the comments.

2026Q3 runs Jul 1 to Oct 1, 2026Q2 Apr 1 to Jul 1. Reps e1, e2 (East) and w1 (West). Won deals
(amount = annual contract value) and their kind:

    A1  acme   e1  Jul 10  12000  ads     new_business   first of acme: new (East)
    A2  acme   e1  Aug 20   6000          new_business   acme bought before: expansion
    A3  acme   e2  Sep  1   3000          renewal        renewal (no growth)
    B1  beta   w1  May 10  24000  events                 first of beta: new (West, 2026Q2)
    B2  beta   e2  Jul 15   2400          (null)         expansion (East)
    D1  delta  e1  Aug  1   7200  ads                    first of delta: new (East), though
    D2  delta  w1  Sep 15   3600          expansion      delta is West's by the quarter's end
    N1  -      e2  Sep 10   1200  events                 no account: a customer of its own, new
    Z2  zeta   w1  Jul 20   4800  ads     renewal        created May 1: zeta's first (new, West)
    Z1  zeta   w1  Jul 20   1200                         created Jun 1, same day: expansion

L1 (acme's, lost) and O1 (open) are no bookings. East in 2026Q3: new customers A1, D1, N1 = 3,
new bookings 12000 + 7200 + 1200 = 20400, expansion A2 + B2 = 8400. West: Z2 = 1 (4800),
expansion Z1 + D2 = 4800. All teams: 4 new, 25200 new, 13200 expansion.

Spend (East unless said; a row without team counts for all teams only):

    2026Q2: Apr sales 4000; May marketing ads 2000; Jun marketing (no team) 1000
    2026Q3: Jul marketing ads 2400, Aug marketing events 600, Aug marketing webinar 600,
            Sep marketing (no channel) 400, Jul sales 4000, Sep sales 1600     = 9600
            Aug marketing ads (no team) 2000
            West: Jul marketing events 1000, Sep sales 3000                    = 4000

East: spend 9600 (marketing 4000, sales 5600), previous 6000; all teams: 15600 (7000, 8600),
previous 7000; West: 4000, no spend in 2026Q2.

Recurring revenue (MRR by month):

    acme    Jul 1000, Aug 1500, Sep 1500
    beta    Apr-Jul 2000, Aug-Sep 2200
    delta   Oct 500                         (D1 closed in Aug: Oct is within three months)
    zeta    Jun 100, Oct 400                (Z2 closed in Jul: Jun is before, Oct too late)
    legacy  May 300, Aug 300                (no won deal: all teams only)
"""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest
from ibis.expr.types import Expr
from tiny_crm import crm, deal, rep, table

from salesops.data import contract
from salesops.errors import ParamsError
from salesops.metrics import MissingTableError, plain_float
from salesops.metrics.acquisition import (
    NEW_MRR_FROM_BOOKINGS_MONTHS,
    PAYBACK_BENCHMARK_MONTHS,
    acquisition,
    acquisition_trend,
    deal_kind,
    first_won_deals,
    new_customer_deals,
)
from salesops.periods import Quarter

Q2, Q3 = Quarter.parse("2026Q2"), Quarter.parse("2026Q3")
REPS = [rep("e1"), rep("e2"), rep("w1", "West")]
WON, LOST = "Closed Won", "Closed Lost"


def _won(name: str, owner: str, account: str | None, close: str, amount: float, **extra) -> dict:
    created = extra.pop("created", "2026-04-01 00:00")
    return deal(name, owner, created, close, WON, amount, account_id=account, **extra)


DEALS = [
    _won("A1", "e1", "acme", "2026-07-10", 12000, source="ads", deal_type="new_business"),
    _won("A2", "e1", "acme", "2026-08-20", 6000, deal_type="new_business"),
    _won("A3", "e2", "acme", "2026-09-01", 3000, deal_type="renewal"),
    _won("B1", "w1", "beta", "2026-05-10", 24000, source="events", created="2026-02-01 00:00"),
    _won("B2", "e2", "beta", "2026-07-15", 2400),
    _won("D1", "e1", "delta", "2026-08-01", 7200, source="ads"),
    _won("D2", "w1", "delta", "2026-09-15", 3600, deal_type="expansion"),
    _won("N1", "e2", None, "2026-09-10", 1200, source="events"),
    _won(
        "Z2",
        "w1",
        "zeta",
        "2026-07-20",
        4800,
        source="ads",
        deal_type="renewal",
        created="2026-05-01 00:00",
    ),
    _won("Z1", "w1", "zeta", "2026-07-20", 1200, created="2026-06-01 00:00"),
    deal("L1", "e1", "2026-04-01 00:00", "2026-08-01", LOST, 5000, account_id="acme"),
    deal("O1", "e1", "2026-04-01 00:00", "2026-12-01", "Proposal", 5000, account_id="omega"),
]


def _spend(month: str, category: str, amount: float, team: str | None = "East", channel=None):
    return {
        "month": month,
        "category": category,
        "channel": channel,
        "team": team,
        "amount": amount,
        "currency": "USD",
    }


SPEND = [
    _spend("2026-04-01", "sales", 4000),
    _spend("2026-05-01", "marketing", 2000, channel="ads"),
    _spend("2026-06-01", "marketing", 1000, team=None),
    _spend("2026-07-01", "marketing", 2400, channel="ads"),
    _spend("2026-08-01", "marketing", 600, channel="events"),
    _spend("2026-08-01", "marketing", 600, channel="webinar"),
    _spend("2026-09-01", "marketing", 400),
    _spend("2026-07-01", "sales", 4000),
    _spend("2026-09-01", "sales", 1600),
    _spend("2026-08-01", "marketing", 2000, team=None, channel="ads"),
    _spend("2026-07-01", "marketing", 1000, team="West", channel="events"),
    _spend("2026-09-01", "sales", 3000, team="West"),
]


def _mrr(account: str, month: str, mrr: float) -> dict:
    return {"account_id": account, "month": month, "mrr": mrr, "currency": "USD"}


REVENUE = [
    _mrr("acme", "2026-07-01", 1000),
    _mrr("acme", "2026-08-01", 1500),
    _mrr("acme", "2026-09-01", 1500),
    *(_mrr("beta", f"2026-{m:02d}-01", 2000) for m in (4, 5, 6, 7)),
    _mrr("beta", "2026-08-01", 2200),
    _mrr("beta", "2026-09-01", 2200),
    _mrr("delta", "2026-10-01", 500),
    _mrr("zeta", "2026-06-01", 100),
    _mrr("zeta", "2026-10-01", 400),
    _mrr("legacy", "2026-05-01", 300),
    _mrr("legacy", "2026-08-01", 300),
]


def tables(
    spend: list[dict] | None = SPEND, revenue: list[dict] | None = REVENUE
) -> dict[str, ibis.Table]:
    crm_tables = crm(REPS, DEALS)
    if spend is not None:
        crm_tables["spend"] = table("spend", spend)
    if revenue is not None:
        crm_tables["recurring_revenue"] = table("recurring_revenue", revenue)
    return {name: contract.conform(name, t) for name, t in crm_tables.items()}


def test_cac_and_payback_of_a_team_by_hand() -> None:
    result = acquisition(tables(), Q3, "East")
    assert (result.quarter, result.team, result.gross_margin) == ("2026Q3", "East", 0.75)
    assert (result.spend, result.marketing_spend, result.sales_spend) == (9600.0, 4000.0, 5600.0)
    assert result.new_customers == 3  # A1, D1 and N1
    assert (result.new_bookings, result.expansion_bookings) == (20400.0, 8400.0)
    assert result.cac == 3200.0  # 9600 / 3
    # new MRR: acme's July 1000, delta's October 500 (within three months of August), N1 has no
    # account: 1200 / 12 = 100. Payback: 9600 / (1600 x 0.75) = 8 months
    assert (result.new_mrr, result.new_mrr_from) == (1600.0, "recurring_revenue")
    assert result.payback_months == 8.0
    assert PAYBACK_BENCHMARK_MONTHS == (12, 18)


def test_cac_of_all_teams_counts_spend_without_a_team() -> None:
    # 9600 East + 2000 without team + 4000 West = 15600 over 4 new customers; the new MRR adds
    # zeta's 0 (its June row is before Z2's close month, October three months after it)
    result = acquisition(tables(), Q3)
    assert (result.spend, result.marketing_spend, result.sales_spend) == (15600.0, 7000.0, 8600.0)
    assert (result.new_customers, result.cac) == (4, 3900.0)
    assert (result.new_bookings, result.expansion_bookings) == (25200.0, 13200.0)
    assert result.new_mrr == 1600.0 and result.payback_months == 13.0  # 15600 / 1200
    west = acquisition(tables(), Q3, "West")
    assert (west.spend, west.new_customers, west.cac) == (4000.0, 1, 4000.0)
    assert west.new_mrr == 0.0 and west.payback_months is None  # zeta bills nothing in time
    assert west.expansion_bookings == 4800.0  # Z1 and D2


def test_cac_matches_pandas_on_the_same_rows() -> None:
    # an independent count: the first won deal per account (or per deal without account), by
    # close date, created_at and id, closed in the quarter; spend summed over the quarter's rows
    deals = pd.DataFrame(DEALS)
    won = deals[deals["is_won"]].sort_values(["close_date", "created_at", "opportunity_id"])
    won["customer"] = won["account_id"].fillna("deal:" + won["opportunity_id"])
    first = won.drop_duplicates("customer")
    new = first[(first["close_date"] >= "2026-07-01") & (first["close_date"] < "2026-10-01")]
    spend = pd.DataFrame(SPEND)
    in_q3 = spend[(spend["month"] >= "2026-07-01") & (spend["month"] < "2026-10-01")]
    result = acquisition(tables(), Q3)
    assert result.new_customers == len(new)
    assert result.spend == in_q3["amount"].sum()
    assert result.cac == in_q3["amount"].sum() / len(new)
    assert result.new_bookings == new["amount"].sum()


def test_payback_from_bookings_without_recurring_revenue() -> None:
    # A1 12000 / 12 + D1 7200 / 12 + N1 1200 / 12 = 1000 + 600 + 100 = 1700
    result = acquisition(tables(revenue=None), Q3, "East")
    assert NEW_MRR_FROM_BOOKINGS_MONTHS == 12
    assert (result.new_mrr, result.new_mrr_from) == (1700.0, "bookings")
    assert result.payback_months == 9600 / (1700 * 0.75)
    assert result.magic_number is None  # no recurring revenue
    assert result.cac == 3200.0  # CAC needs no revenue
    # the gross margin scales payback and the CAC ratio
    half = acquisition(tables(revenue=None), Q3, "East", gross_margin=0.5)
    assert half.payback_months == 9600 / 850 and half.gross_margin == 0.5
    assert half.cac_ratio == 28800 * 0.5 / 6000


def test_cac_ratio_and_magic_number_by_hand() -> None:
    # CAC ratio: (20400 + 8400) x 0.75 / 6000 = 3.6. Magic number: East's accounts at the end of
    # 2026Q3 are acme (A3) and beta (B2; delta is West's, by D2): 2026Q3's revenue 4000 + 6400 =
    # 10400, 2026Q2's 6000 (beta); (10400 - 6000) x 4 / 6000
    east = acquisition(tables(), Q3, "East")
    assert east.previous_spend == 6000.0
    assert east.cac_ratio == 3.6
    assert east.magic_number == 4400 * 4 / 6000
    # all teams: (25200 + 13200) x 0.75 / 7000; revenue 10400 + legacy 300 = 10700 against 6000 +
    # zeta 100 + legacy 300 = 6400
    every = acquisition(tables(), Q3)
    assert every.previous_spend == 7000.0
    assert every.cac_ratio == 38400 * 0.75 / 7000
    assert every.magic_number == 4300 * 4 / 7000
    # West spent nothing in 2026Q2: neither ratio
    west = acquisition(tables(), Q3, "West")
    assert (west.previous_spend, west.cac_ratio, west.magic_number) == (None, None, None)


def test_cac_by_channel_and_spend_by_month() -> None:
    # East's marketing spend per channel and the new customers whose deal came from it: ads
    # 2400 (A1, D1), events 600 (N1), webinar 600 (none: no CAC), no channel 400 (none)
    result = acquisition(tables(), Q3, "East")
    assert list(result.by_channel.columns) == ["channel", "spend", "new_customers", "cac"]
    rows = [
        (channel, spend, customers, plain_float(cac))
        for channel, spend, customers, cac in result.by_channel.itertuples(index=False)
    ]
    assert rows == [
        ("ads", 2400.0, 2, 1200.0),
        ("events", 600.0, 1, 600.0),
        ("webinar", 600.0, 0, None),
        (None, 400.0, 0, None),
    ]
    assert list(result.by_month.columns) == ["month", "category", "spend"]
    assert [tuple(row) for row in result.by_month.itertuples(index=False)] == [
        (date(2026, 7, 1), "marketing", 2400.0),
        (date(2026, 7, 1), "sales", 4000.0),
        (date(2026, 8, 1), "marketing", 1200.0),
        (date(2026, 8, 1), "sales", 0.0),
        (date(2026, 9, 1), "marketing", 400.0),
        (date(2026, 9, 1), "sales", 1600.0),
    ]
    # all teams: ads 2400 + 2000 without team = 4400 for A1, D1 and Z2
    every = acquisition(tables(), Q3).by_channel
    assert tuple(every.iloc[0]) == ("ads", 4400.0, 3, 4400 / 3)
    assert list(every["channel"])[:3] == ["ads", "events", "webinar"]
    assert tuple(every.iloc[1][["spend", "new_customers"]]) == (1600.0, 1)  # 600 + West's 1000


def test_a_new_customer_is_the_accounts_first_won_deal() -> None:
    first = first_won_deals(tables()).execute().set_index("opportunity_id")
    # acme A1, beta B1, delta D1, zeta Z2 (same close day as Z1, created first), N1 on its own
    assert sorted(first.index) == ["A1", "B1", "D1", "N1", "Z2"]
    assert first.loc["N1", "account_id"] is None
    east = new_customer_deals(tables(), Q3, "East").execute()
    assert sorted(east["opportunity_id"]) == ["A1", "D1", "N1"]  # not A2; D1 though delta is West's
    assert list(new_customer_deals(tables(), Q3, "West").execute()["opportunity_id"]) == ["Z2"]
    assert list(new_customer_deals(tables(), Q2, "West").execute()["opportunity_id"]) == ["B1"]
    assert new_customer_deals(tables(), Q2, "East").execute().empty


def test_deal_kinds() -> None:
    kinds = deal_kind(tables()).execute().set_index("opportunity_id")["kind"].to_dict()
    assert kinds == {
        "A1": "new_business",
        "A2": "expansion",  # new_business on an account that already bought
        "A3": "renewal",
        "B1": "new_business",
        "B2": "expansion",  # no deal_type
        "D1": "new_business",
        "D2": "expansion",
        "N1": "new_business",
        "Z2": "new_business",  # its deal_type says renewal, but it is zeta's first
        "Z1": "expansion",
    }


def test_spend_counts_for_the_team_it_names() -> None:
    # one row for West, one without team: East sees neither, all teams both
    spend = [
        _spend("2026-07-01", "sales", 100, team="West"),
        _spend("2026-07-01", "sales", 50, team=None),
    ]
    assert acquisition(tables(spend), Q3, "East").spend is None
    assert acquisition(tables(spend), Q3, "West").spend == 100.0
    assert acquisition(tables(spend), Q3).spend == 150.0


def test_acquisition_trend_gives_each_quarter_in_order_in_three_queries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 2026Q2 for East: 6000 spent, no new customer (B1 is West's), no spend before it
    executed = []
    execute = Expr.execute

    def counting(self: Expr, *args: object, **kwargs: object) -> object:
        executed.append(self)
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(Expr, "execute", counting)
    frame = acquisition_trend(tables(), [Q2, Q3], "East")
    assert len(executed) == 3
    assert list(frame.columns) == [
        "quarter",
        "spend",
        "new_customers",
        "cac",
        "payback_months",
        "cac_ratio",
        "magic_number",
    ]
    assert list(frame["quarter"]) == ["2026Q2", "2026Q3"]
    assert frame.iloc[0]["spend"] == 6000.0 and frame.iloc[0]["new_customers"] == 0
    assert frame.iloc[0][["cac", "payback_months", "cac_ratio", "magic_number"]].isna().all()
    assert tuple(frame.iloc[1][["spend", "new_customers", "cac", "payback_months"]]) == (
        9600.0,
        3,
        3200.0,
        8.0,
    )
    assert frame.iloc[1]["cac_ratio"] == 3.6
    for quarter in (Q3, Q2):  # in any order, each row is the quarter's own figures
        alone = acquisition(tables(), quarter)
        row = acquisition_trend(tables(), [quarter, Q2.previous()]).iloc[0]
        for column in ("spend", "new_customers", "cac", "cac_ratio", "magic_number"):
            assert plain_float(row[column]) == getattr(alone, column)
    assert acquisition_trend(tables(), []).empty


def test_an_empty_quarter_has_no_figures() -> None:
    result = acquisition(tables(), Quarter.parse("2025Q1"))
    assert (result.spend, result.marketing_spend, result.sales_spend) == (None, None, None)
    assert (result.new_customers, result.new_bookings, result.expansion_bookings) == (0, 0.0, 0.0)
    assert (result.cac, result.new_mrr, result.payback_months) == (None, None, None)
    assert (result.previous_spend, result.cac_ratio, result.magic_number) == (None, None, None)
    assert result.by_channel.empty
    assert list(result.by_month["spend"]) == [0.0] * 6
    # spend but no new customer: no CAC
    quiet = acquisition(tables(), Q2, "East")
    assert (quiet.spend, quiet.new_customers, quiet.cac, quiet.new_mrr) == (6000.0, 0, None, None)


def test_acquisition_needs_spend_and_a_gross_margin_in_range() -> None:
    for call in (acquisition, acquisition_trend):
        with pytest.raises(MissingTableError) as raised:
            call(tables(spend=None), Q3 if call is acquisition else [Q3])
        assert (raised.value.table, raised.value.section) == ("spend", "Acquisition cost")
    for margin in (0.0, 1.5):
        with pytest.raises(ParamsError):
            acquisition(tables(), Q3, gross_margin=margin)


def test_every_query_compiles_for_postgres_and_spark(portable_queries: None) -> None:
    result = acquisition(tables(), Q3, "East")
    assert (result.new_customers, result.cac, result.payback_months) == (3, 3200.0, 8.0)
    assert result.magic_number == 4400 * 4 / 6000
    frame = acquisition_trend(tables(), [Q2, Q3], "East")
    assert list(frame["spend"]) == [6000.0, 9600.0]
    assert acquisition(tables(revenue=None), Q3).new_mrr_from == "bookings"
