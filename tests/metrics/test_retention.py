"""Revenue retention and lifetime value on a hand-built CRM, worked out in the comments.

2026Q3's last month is September 2026; its base month September 2025. Each account's MRR:

    account  team   Sep 2025  Jun 2026  Jul 2026  Aug 2026  Sep 2026  status
    up       East       1000      1000      1000      1200      1200  expanded
    same     East        500       500       500       500       500  flat (exactly)
    down     East        800       800       800       700       600  contracted
    gone     East        700       700       700         -         -  churned
    new      East          -         -         -         -       900  new: not a base account
    trial    East          0         -         -         -         -  A = 0: not a base account
    west     West        400       400       400       400         0  churned (a 0 row)
    legacy   -           300       300       300       300       300  flat, all teams only

A team's accounts are those whose latest won deal (by the quarter's last day) its reps closed:
every East account has one of e1's deals, west one of w1's; legacy has none.

East: base accounts up, same, down, gone = 4; ΣA = 3000, ΣB = 1200 + 500 + 600 + 0 = 2300,
Σmin(A, B) = 1000 + 500 + 600 + 0 = 2100: NRR = 2300 / 3000, GRR = 0.7; 1 churned: 0.25.
September's MRR: 1200 + 500 + 600 + 900 = 3200 from 4 paying accounts: ARPA 800.
Monthly churn: July loses 0, August gone's 700 and down's 100, September down's 100 = 900, over
the MRR of June, July and August, 3000 + 3000 + 2400 = 8400. CLTV = 800 x 0.75 / (900 / 8400)
= 5600.
"""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest
from tiny_crm import crm, deal, rep, table

from salesops.data import contract
from salesops.errors import ParamsError
from salesops.metrics import MissingTableError
from salesops.metrics.retention import (
    LTV_TO_CAC_BENCHMARK,
    STATUSES,
    account_teams,
    ltv_to_cac,
    retention,
    retention_trend,
    scoped_revenue,
)
from salesops.periods import Quarter

Q2, Q3 = Quarter.parse("2026Q2"), Quarter.parse("2026Q3")
REPS = [rep("e1"), rep("e2"), rep("w1", "West")]
MONTHS = ("2025-09", "2026-06", "2026-07", "2026-08", "2026-09")
MRR = {
    "up": (1000, 1000, 1000, 1200, 1200),
    "same": (500, 500, 500, 500, 500),
    "down": (800, 800, 800, 700, 600),
    "gone": (700, 700, 700, None, None),
    "new": (None, None, None, None, 900),
    "trial": (0, None, None, None, None),
    "west": (400, 400, 400, 400, 0),
    "legacy": (300, 300, 300, 300, 300),
}
REVENUE = [
    {"account_id": account, "month": f"{month}-01", "mrr": mrr, "currency": "USD"}
    for account, row in MRR.items()
    for month, mrr in zip(MONTHS, row, strict=True)
    if mrr is not None
]


def _won(name: str, owner: str, account: str, close: str, created: str = "2025-01-01 00:00"):
    return deal(name, owner, created, close, "Closed Won", 1000.0, account_id=account)


DEALS = [
    *(_won(f"D-{a}", "e1", a, "2025-03-01") for a in ("up", "same", "down", "gone", "trial")),
    _won("D-new", "e2", "new", "2026-08-15"),
    _won("D-west", "w1", "west", "2025-03-01"),
    # "up" is sold to again by West after the quarter: still East's in 2026Q3
    _won("D-up2", "w1", "up", "2026-10-15"),
    # "tie": two won deals on one day, the later created (e2's) decides
    _won("T1", "w1", "tie", "2026-03-01", "2026-01-01 00:00"),
    _won("T2", "e2", "tie", "2026-03-01", "2026-02-01 00:00"),
]


def tables(revenue: list[dict] | None = REVENUE) -> dict[str, ibis.Table]:
    crm_tables = crm(REPS, DEALS)
    if revenue is not None:
        crm_tables["recurring_revenue"] = table("recurring_revenue", revenue)
    return {name: contract.conform(name, t) for name, t in crm_tables.items()}


def test_nrr_grr_and_logo_churn_of_a_team_by_hand() -> None:
    result = retention(tables(), Q3, "East")
    assert (result.quarter, result.team, result.gross_margin) == ("2026Q3", "East", 0.75)
    assert (result.month, result.base_month) == (date(2026, 9, 1), date(2025, 9, 1))
    assert result.customers == 4  # new and trial are left out
    assert (result.starting_mrr, result.retained_mrr, result.kept_mrr) == (3000.0, 2300.0, 2100.0)
    assert result.nrr == 2300 / 3000 and result.grr == 0.7
    assert (result.churned_customers, result.logo_churn) == (1, 0.25)
    assert list(result.by_status.columns) == ["status", "customers", "mrr_then", "mrr_now"]
    assert [tuple(row) for row in result.by_status.itertuples(index=False)] == [
        ("expanded", 1, 1000.0, 1200.0),
        ("flat", 1, 500.0, 500.0),
        ("contracted", 1, 800.0, 600.0),
        ("churned", 1, 700.0, 0.0),
    ]


def test_all_teams_count_accounts_without_a_won_deal() -> None:
    # East's 4, west (churned through a 0 row) and legacy (flat): ΣA 3700, ΣB 2600, Σmin 2400
    result = retention(tables(), Q3)
    assert result.customers == 6
    assert (result.starting_mrr, result.retained_mrr, result.kept_mrr) == (3700.0, 2600.0, 2400.0)
    assert (result.nrr, result.grr) == (2600 / 3700, 2400 / 3700)
    assert (result.churned_customers, result.logo_churn) == (2, 2 / 6)
    assert list(result.by_status["customers"]) == [1, 2, 1, 2]
    west = retention(tables(), Q3, "West")
    assert (west.customers, west.nrr, west.grr, west.logo_churn) == (1, 0.0, 0.0, 1.0)
    assert (west.mrr, west.paying_customers, west.arpa, west.cltv) == (0.0, 0, None, None)
    assert west.monthly_churn == 400 / 1200


def test_nrr_and_grr_match_pandas_sums_first() -> None:
    # independently: sums of the base accounts' MRR, never a mean of per-account rates
    frame = pd.DataFrame(REVENUE)
    then = frame[frame["month"] == "2025-09-01"].set_index("account_id")["mrr"]
    now = frame[frame["month"] == "2026-09-01"].set_index("account_id")["mrr"]
    base = then[then > 0]
    later = now.reindex(base.index).fillna(0.0)
    result = retention(tables(), Q3)
    assert result.nrr == later.sum() / base.sum()
    assert result.grr == later.clip(upper=base).sum() / base.sum()
    assert result.nrr != (later / base).mean()


def test_monthly_churn_and_lifetime_value_by_hand() -> None:
    result = retention(tables(), Q3, "East")
    assert (result.mrr, result.paying_customers, result.arpa) == (3200.0, 4, 800.0)
    assert result.monthly_churn == 900 / 8400
    assert result.cltv == pytest.approx(5600.0, rel=1e-12)
    assert result.cltv == 800 * 0.75 / (900 / 8400)
    half = retention(tables(), Q3, "East", gross_margin=0.5)
    assert half.cltv == pytest.approx(800 * 0.5 * 8400 / 900, rel=1e-12)
    # all teams: + west's 400 lost in September over 1200, legacy's 900 kept
    every = retention(tables(), Q3)
    assert every.monthly_churn == 1300 / 10500


def test_ltv_to_cac() -> None:
    assert LTV_TO_CAC_BENCHMARK == 3
    assert ltv_to_cac(5600.0, 1400.0) == 4.0
    assert ltv_to_cac(4200.0, 1400.0) == LTV_TO_CAC_BENCHMARK  # exactly on the line
    assert ltv_to_cac(None, 1400.0) is None
    assert ltv_to_cac(5600.0, None) is None
    assert ltv_to_cac(5600.0, 0.0) is None


def test_an_accounts_team_is_that_of_its_latest_won_deal() -> None:
    teams = account_teams(tables(), Q3.last_day).execute().set_index("account_id")["team"]
    assert teams.to_dict() == {
        "up": "East",  # West's D-up2 closes after the quarter
        "same": "East",
        "down": "East",
        "gone": "East",
        "trial": "East",
        "new": "East",
        "west": "West",
        "tie": "East",  # same close day: the later created deal
    }
    assert (
        account_teams(tables(), date(2026, 10, 31))
        .execute()
        .set_index("account_id")
        .loc["up", "team"]
        == "West"
    )
    east = scoped_revenue(tables(), "East", Q3.last_day).execute()
    assert set(east["account_id"]) == {"up", "same", "down", "gone", "new", "trial"}
    assert len(scoped_revenue(tables(), "all", Q3.last_day).execute()) == len(REVENUE)


def test_retention_trend_gives_each_quarter_in_order() -> None:
    # 2026Q2: June 2026 against June 2025, which has no rows: no base accounts; June's MRR
    # 1000 + 500 + 800 + 700 = 3000; no months before it: no churn, no CLTV
    frame = retention_trend(tables(), [Q2, Q3], "East")
    assert list(frame.columns) == ["quarter", "nrr", "grr", "logo_churn", "cltv", "mrr"]
    assert list(frame["quarter"]) == ["2026Q2", "2026Q3"]
    assert frame.iloc[0][["nrr", "grr", "logo_churn", "cltv"]].isna().all()
    assert frame.iloc[0]["mrr"] == 3000.0
    q3 = retention(tables(), Q3, "East")
    assert tuple(frame.iloc[1][["nrr", "grr", "logo_churn", "cltv", "mrr"]]) == (
        q3.nrr,
        q3.grr,
        q3.logo_churn,
        q3.cltv,
        q3.mrr,
    )
    backwards = retention_trend(tables(), [Q3, Q2], "East")
    assert list(backwards["quarter"]) == ["2026Q3", "2026Q2"]
    assert list(backwards["mrr"]) == [3200.0, 3000.0]
    assert retention_trend(tables(), []).empty


def test_an_empty_quarter_has_no_rates() -> None:
    result = retention(tables(), Quarter.parse("2024Q1"))
    assert (result.customers, result.starting_mrr, result.mrr, result.paying_customers) == (
        0,
        0.0,
        0.0,
        0,
    )
    assert (result.nrr, result.grr, result.logo_churn) == (None, None, None)
    assert (result.arpa, result.monthly_churn, result.cltv) == (None, None, None)
    assert list(result.by_status["status"]) == list(STATUSES)
    assert list(result.by_status["customers"]) == [0, 0, 0, 0]


def test_retention_needs_recurring_revenue_and_a_gross_margin_in_range() -> None:
    for call in (retention, retention_trend):
        with pytest.raises(MissingTableError) as raised:
            call(tables(None), Q3 if call is retention else [Q3])
        assert (raised.value.table, raised.value.section) == (
            "recurring_revenue",
            "Revenue retention",
        )
    with pytest.raises(ParamsError):
        retention(tables(), Q3, gross_margin=0.0)


def test_every_query_compiles_for_postgres_and_spark(portable_queries: None) -> None:
    result = retention(tables(), Q3, "East")
    assert (result.customers, result.grr, result.monthly_churn) == (4, 0.7, 900 / 8400)
    assert list(result.by_status["customers"]) == [1, 1, 1, 1]
    frame = retention_trend(tables(), [Q2, Q3])
    assert list(frame["quarter"]) == ["2026Q2", "2026Q3"]
