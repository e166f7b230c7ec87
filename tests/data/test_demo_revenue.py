"""The demo's deal types, spend and recurring revenue: inside the contract, telling a believable
unit-economics story, and drawn without disturbing the other tables.

The unit economics are worked out here in pandas with the formulas of the analysis (gross margin
0.75): CAC = the quarter's spend / its new customers (accounts whose first won deal closed in it);
CAC payback = spend / (their new MRR x margin); NRR and GRR compare the MRR of the customers of
12 months before the quarter's last month then and now (GRR capped at then); CLTV = ARPA x margin
/ monthly revenue churn (MRR lost to churn and contraction over MRR a month before); magic number
= the change in quarterly recurring revenue x 4 / the previous quarter's spend. The figures seed 7
gives for 2026Q3 are in the comments.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from salesops.data import contract, demo_revenue
from salesops.data import demo as demo_module
from salesops.data.demo import DEFAULT_SEED, DEMO_END, DEMO_START, SOURCES, generate

Tables = dict[str, pd.DataFrame]
NEW = ("spend", "recurring_revenue")
MARGIN = 0.75
MONTHS = pd.date_range(DEMO_START, DEMO_END, freq="MS")


@pytest.fixture(scope="module")
def demo() -> Tables:
    return generate(DEFAULT_SEED)


def in_usd(frame: pd.DataFrame, amount: str, fx_rates: pd.DataFrame) -> pd.Series:
    return frame[amount] * frame["currency"].map(fx_rates.set_index("currency")["rate"])


def quarter_months(quarter: pd.Period) -> pd.DatetimeIndex:
    return pd.date_range(quarter.start_time, quarter.end_time.normalize(), freq="MS")


def unit_economics(demo: Tables, quarter: str) -> dict[str, float]:
    q = pd.Period(quarter, "Q")
    months, previous = quarter_months(q), quarter_months(q - 1)
    spend = demo["spend"].assign(usd=lambda f: in_usd(f, "amount", demo["fx_rates"]))
    revenue = demo["recurring_revenue"].assign(usd=lambda f: in_usd(f, "mrr", demo["fx_rates"]))
    mrr = revenue.pivot_table(index="account_id", columns="month", values="usd", aggfunc="sum")
    mrr = mrr.reindex(columns=MONTHS).fillna(0.0)
    spent = spend.loc[spend["month"].isin(months), "usd"].sum()
    deals = demo["opportunities"]
    won = deals[deals["is_won"] & deals["close_date"].between(months[0], q.end_time)]
    new = won[won["deal_type"] == "new_business"]
    last = months[-1]
    then = mrr.loc[mrr[last - pd.DateOffset(years=1)] > 0, last - pd.DateOffset(years=1)]
    now = mrr.loc[then.index, last]
    lost = []
    for month in months:
        before, after = mrr[month - pd.DateOffset(months=1)], mrr[month]
        lost.append((before - after).clip(lower=0).sum() / before.sum())
    arpa = mrr.loc[mrr[last] > 0, last].mean()
    cac = spent / new["account_id"].nunique()
    cltv = arpa * MARGIN / np.mean(lost)
    previous_spend = spend.loc[spend["month"].isin(previous), "usd"].sum()
    return {
        "new_customers": new["account_id"].nunique(),
        "cac": cac,
        "payback": spent / (new["amount"].sum() / 12 * MARGIN),
        "nrr": now.sum() / then.sum(),
        "grr": np.minimum(now, then).sum() / then.sum(),
        "ltv_cac": cltv / cac,
        "magic": (mrr[months].sum().sum() - mrr[previous].sum().sum()) * 4 / previous_spend,
    }


# The contract


def test_the_tables_and_deal_types_meet_the_contract_and_fx_rates_convert_them(
    demo: Tables,
) -> None:
    con = ibis.duckdb.connect()
    names = ("reps", "opportunities", "stages", *NEW, "fx_rates")
    tables = {name: con.create_table(name, demo[name]) for name in names}
    assert contract.check(tables, currency="USD") == []
    for name in NEW:
        assert list(demo[name].columns) == list(contract.TABLES[name].columns)
    assert list(demo["opportunities"].columns)[-1] == "deal_type"


def test_months_are_first_days_and_an_account_has_one_row_a_month(demo: Tables) -> None:
    for name in NEW:
        month = demo[name]["month"]
        assert (month.dt.day == 1).all() and (month == month.dt.normalize()).all(), name
        assert month.min() >= MONTHS[0] and month.max() == MONTHS[-1], name
    assert not demo["recurring_revenue"].duplicated(["account_id", "month"]).any()


# Deal types


def test_an_accounts_first_won_deal_is_new_business_and_later_ones_expand_or_renew(
    demo: Tables,
) -> None:
    deals = demo["opportunities"]
    won = deals[deals["is_won"]].sort_values(["account_id", "close_date", "opportunity_id"])
    first = ~won["account_id"].duplicated()
    assert (won.loc[first, "deal_type"] == "new_business").all()
    later = won.loc[~first, "deal_type"].value_counts(normalize=True)
    # seed 7: 1,528 new customers; 377 expansions and 130 renewals after their first win
    assert set(later.index) == {"expansion", "renewal"}
    assert 0.6 < later["expansion"] < 0.9


def test_open_and_lost_deals_of_customers_expand_or_renew_and_the_others_are_new(
    demo: Tables,
) -> None:
    deals = demo["opportunities"]
    became = deals[deals["is_won"]].groupby("account_id")["close_date"].min()
    others = deals[~deals["is_won"]]
    known = others["account_id"].map(became) < others["created_at"].dt.normalize()
    assert (others.loc[~known, "deal_type"] == "new_business").all()
    kinds = others.loc[known, "deal_type"].value_counts(normalize=True)
    assert set(kinds.index) == {"expansion", "renewal"} and kinds["expansion"] > 0.5
    assert deals["deal_type"].isin(contract.DEAL_TYPES).all()


# Recurring revenue


def test_every_customer_pays_from_the_month_after_its_first_win_a_twelfth_of_it(
    demo: Tables,
) -> None:
    revenue, deals = demo["recurring_revenue"], demo["opportunities"]
    won = deals[deals["is_won"]].sort_values(["close_date", "opportunity_id"])
    first = won.drop_duplicates("account_id").set_index("account_id")
    assert revenue["account_id"].isin(first.index).all()
    starts = revenue.groupby("account_id")["month"].min()
    expected = (first.loc[starts.index, "close_date"] + pd.offsets.MonthBegin(1)).dt.normalize()
    assert (starts == expected).all()
    # every customer won before the last month pays
    assert set(first.index[first["close_date"] < MONTHS[-1]]) == set(starts.index)
    opening = revenue.sort_values("month").drop_duplicates("account_id").set_index("account_id")
    usd = opening[opening["currency"] == "USD"]
    twelfth = first.loc[usd.index, "amount"] / 12
    # the opening month may hold an expansion closed in the month of the first win
    assert ((usd["mrr"] - twelfth).abs() <= 1).mean() > 0.97


def test_customers_pay_every_month_until_they_leave_some_grow_some_shrink(demo: Tables) -> None:
    revenue = demo["recurring_revenue"].sort_values(["account_id", "month"])
    steps = revenue.groupby("account_id")["month"].diff().dropna()
    assert steps.dt.days.between(28, 31).all()  # no gaps
    last = revenue.groupby("account_id")["month"].max()
    ends = revenue.groupby("account_id").agg(first=("mrr", "first"), last=("mrr", "last"))
    # seed 7: about a fifth of the customers left (no row in the last month), a third pay more
    # than at first, one in ten less
    left = (last < MONTHS[-1]).mean()
    assert 0.1 < left < 0.35
    assert 0.2 < (ends["last"] > ends["first"] * 1.01).mean() < 0.5
    assert 0.03 < (ends["last"] < ends["first"] * 0.99).mean() < 0.25
    deals = demo["opportunities"]
    latest_win = deals[deals["is_won"]].groupby("account_id")["close_date"].max()
    gone = last[last < MONTHS[-1]]
    assert (latest_win[gone.index] < gone + pd.offsets.MonthBegin(1)).all()  # won nothing later


def test_a_few_customers_are_billed_in_currencies_fx_rates_converts(demo: Tables) -> None:
    revenue = demo["recurring_revenue"]
    billed = revenue.groupby("account_id")["currency"].agg(["first", "nunique"])
    assert (billed["nunique"] == 1).all()
    shares = billed["first"].value_counts(normalize=True)
    assert set(shares.index) <= set(demo["fx_rates"]["currency"])
    assert shares["USD"] > 0.9 and shares.drop("USD").sum() > 0


# Spend


def test_spend_covers_every_month_marketing_by_channel_and_sales_by_team(demo: Tables) -> None:
    spend, teams = demo["spend"], set(demo["reps"]["team"])
    assert set(spend["month"]) == set(MONTHS)
    assert (spend.groupby("month")["category"].nunique() == 2).all()
    marketing = spend[spend["category"] == "marketing"]
    assert set(marketing["channel"].dropna()) == set(SOURCES)
    assert marketing["team"].isna().any() and set(marketing["team"].dropna()) == teams
    assert marketing.loc[marketing["team"].isna(), "channel"].isna().all()
    sales = spend[spend["category"] == "sales"]
    assert sales["channel"].isna().all() and sales["team"].notna().all()
    assert (sales.groupby("month")["team"].nunique() == len(teams)).all()
    # seed 7: sales about 70 % of spend; the Partner channel goes mostly to Partners & Channel
    assert 0.6 < sales["amount"].sum() / spend["amount"].sum() < 0.8
    partner = marketing[marketing["channel"] == "Partner"].groupby("team")["amount"].sum()
    assert partner.idxmax() == "Partners & Channel"
    yearly = spend.groupby(spend["month"].dt.to_period("Q"))["amount"].sum()
    assert yearly.iloc[-4:].sum() > yearly.iloc[:4].sum()  # spend grows with the business


# Unit economics


def test_the_last_quarter_reads_like_a_healthy_saas_business(demo: Tables) -> None:
    figures = unit_economics(demo, "2026Q3")
    # seed 7: 119 new customers, CAC 40.0k, payback 20.4 months, NRR 106.4 %, GRR 87.1 %,
    # LTV:CAC 4.7, magic number 0.96
    assert 80 < figures["new_customers"] < 160
    assert 12 < figures["payback"] < 24
    assert 3 < figures["ltv_cac"] < 6
    assert 1.0 < figures["nrr"] < 1.15
    assert 0.85 < figures["grr"] < 0.92
    assert 0.5 < figures["magic"] < 1.2


def test_every_quarter_of_the_last_year_stays_believable(demo: Tables) -> None:
    for quarter in ("2025Q4", "2026Q1", "2026Q2"):
        figures = unit_economics(demo, quarter)
        assert 10 < figures["payback"] < 30, quarter
        assert 0.95 < figures["nrr"] < 1.2 and 0.8 < figures["grr"] < 0.95, quarter
        assert 2 < figures["ltv_cac"] < 9 and 0.4 < figures["magic"] < 1.5, quarter


# Determinism and the other tables


def test_the_same_seed_gives_the_same_tables_and_another_seed_others(demo: Tables) -> None:
    again, other = generate(DEFAULT_SEED), generate(DEFAULT_SEED + 1)
    for name in NEW:
        pd.testing.assert_frame_equal(again[name], demo[name], obj=name)
        assert not other[name].equals(demo[name]), name


def test_the_tables_leave_every_other_table_as_it_was(
    demo: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_module, "_REVENUE_STREAM", demo_module._REVENUE_STREAM + 1)
    restreamed = generate(DEFAULT_SEED)
    for name, frame in demo.items():
        if name in NEW:
            assert not restreamed[name].equals(frame), name
        elif name == "opportunities":  # the rule fixes the type of first wins and new deals
            pd.testing.assert_frame_equal(
                restreamed[name].drop(columns="deal_type"), frame.drop(columns="deal_type")
            )
            same = restreamed[name]["deal_type"] == frame["deal_type"]
            assert not same.all() and same.mean() > 0.8
        else:
            pd.testing.assert_frame_equal(restreamed[name], frame, obj=name)


def test_deal_types_follow_the_rule_without_a_random_draw_where_it_decides() -> None:
    deals = pd.DataFrame(
        {
            "opportunity_id": ["o1", "o2", "o3", "o4", "o5"],
            "account_id": ["a1", "a1", "a1", "a2", None],
            "created_at": pd.to_datetime(
                ["2024-01-01", "2024-03-01", "2024-01-15", "2024-02-01", "2024-02-01"]
            ),
            "close_date": pd.to_datetime(
                ["2024-02-01", "2024-05-01", "2024-03-01", "2024-04-01", "2024-04-01"]
            ),
            "is_won": [True, True, False, False, True],
        }
    )
    kinds = demo_revenue.deal_types(np.random.default_rng(0), deals)
    # o1 first win; o2 a later win; o3 opened before a1 became a customer; o4 of a prospect;
    # o5 has no account
    assert kinds[0] == "new_business" and kinds[1] in ("expansion", "renewal")
    assert kinds[2:].tolist() == ["new_business", "new_business", "new_business"]


def test_scale_two_about_doubles_every_table(demo: Tables) -> None:
    bigger = generate(DEFAULT_SEED, scale=2)
    for name in NEW:
        assert 1.5 < len(bigger[name]) / len(demo[name]) < 2.5, name
    assert set(bigger["spend"]["team"].dropna()) == set(bigger["reps"]["team"])
