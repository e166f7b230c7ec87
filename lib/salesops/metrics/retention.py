"""Revenue retention and customer lifetime value, from each account's monthly recurring revenue.

Net and gross revenue retention follow GitLab's definition: the accounts paying twelve months
before the quarter's last month, their MRR then (A) and now (B, 0 without a row); NRR = ΣB / ΣA,
GRR = Σmin(A, B) / ΣA. Sums first, never an average of per-account percentages; accounts new
since then are left out. Lifetime value = ARPA × gross margin / monthly revenue churn.

An account belongs to the team of the owner of its latest won deal closed by the quarter's last
day (``account_teams``); an account without one counts for all teams only. Sums of money are
exact (``exact_sum``), so ratios do not drift with the order the backend adds rows in. Needs
recurring_revenue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import ibis
import pandas as pd
from ibis import _

from salesops.errors import ParamsError
from salesops.i18n import N_
from salesops.metrics import Tables, plain_float, plain_int, require
from salesops.metrics.scope import (
    EXACT,
    exact_sum,
    month_index,
    scoped_opportunities,
    stack,
    within,
)
from salesops.metrics.stats import ratio
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

SECTION = N_("Revenue retention")
LIFETIME_SECTION = N_("Customer lifetime value")
LTV_TO_CAC_BENCHMARK = 3  # the field's usual floor for lifetime value over acquisition cost
RETENTION_MONTHS = 12
STATUSES = ("expanded", "flat", "contracted", "churned")
GROSS_MARGIN = 0.75  # the org setting's default


@dataclass(frozen=True)
class Retention:
    """Revenue retention and lifetime value of ``team``'s accounts in ``quarter``.

    ``month``: the quarter's last month (its first day); ``base_month``: twelve months before.
    The base accounts have MRR A > 0 in base_month: ``customers`` of them, ``starting_mrr`` =
    ΣA, ``retained_mrr`` = ΣB (B: their MRR in month, 0 without a row), ``kept_mrr`` =
    Σmin(A, B); ``nrr`` = ΣB / ΣA and ``grr`` = Σmin(A, B) / ΣA (None without base accounts);
    ``churned_customers``: those with B = 0, ``logo_churn`` = churned / customers. ``mrr``: the
    accounts' MRR in month, ``paying_customers``: accounts with MRR > 0 in it, ``arpa`` = mrr /
    paying_customers. ``monthly_churn``: MRR lost over the quarter's three months (each month's
    drop from the month before, per account, contraction included) / the MRR of the months
    before. ``cltv`` = arpa × ``gross_margin`` / monthly_churn (None when the churn is 0 or
    None). ``by_status``: status (expanded, flat, contracted, churned), customers, mrr_then,
    mrr_now of the base accounts, in that order."""

    quarter: str
    team: str
    month: date
    base_month: date
    customers: int
    starting_mrr: float
    retained_mrr: float
    kept_mrr: float
    nrr: float | None
    grr: float | None
    churned_customers: int
    logo_churn: float | None
    mrr: float
    paying_customers: int
    arpa: float | None
    monthly_churn: float | None
    cltv: float | None
    gross_margin: float
    by_status: pd.DataFrame


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month (negative: before)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _last_month(quarter: Quarter) -> date:
    """The first day of ``quarter``'s last month."""
    return add_months(quarter.start, 2)


def check_gross_margin(gross_margin: float) -> None:
    """``ParamsError`` unless 0 < gross_margin <= 1 (a share of revenue, as the org setting)."""
    if not 0 < gross_margin <= 1:
        raise ParamsError(f"gross margin must be above 0 and at most 1, got {gross_margin}")


def account_teams(tables: Tables, day: date) -> ibis.Table:
    """Each account's team on ``day``: account_id, team (of the owner of the account's latest won
    deal closed on or before ``day``; ties: the later created_at, then the larger
    opportunity_id). Every team's deals count; an account without such a deal has no row."""
    deals = scoped_opportunities(tables)
    won = deals.filter(deals.is_won & deals.account_id.notnull() & (deals.close_date <= day))
    latest_first = ibis.window(
        group_by=won.account_id,
        order_by=[
            ibis.desc(won.close_date),
            ibis.desc(won.created_at),
            ibis.desc(won.opportunity_id),
        ],
    )
    ranked = won.mutate(rank=ibis.row_number().over(latest_first))
    return ranked.filter(ranked.rank == 0).select("account_id", "team")


def scoped_revenue(tables: Tables, team: str, day: date, section: str = SECTION) -> ibis.Table:
    """The recurring_revenue rows of ``team``'s accounts (``account_teams`` on ``day``); every
    row for all teams, accounts without a won deal included. Needs recurring_revenue (else
    ``MissingTableError`` naming ``section``)."""
    revenue = require(tables, "recurring_revenue", section)
    if team == ALL_TEAMS:
        return revenue
    teams = account_teams(tables, day)
    mine = teams.filter(teams.team == team).select(team_account="account_id")
    return revenue.semi_join(mine, revenue.account_id == mine.team_account)


def retention(
    tables: Tables, quarter: Quarter, team: str = ALL_TEAMS, *, gross_margin: float = GROSS_MARGIN
) -> Retention:
    """NRR, GRR and logo churn of ``team``'s accounts over the twelve months to ``quarter``'s last
    month (GitLab's definition, sums first; new accounts left out), its MRR, ARPA, monthly
    revenue churn and lifetime value (see ``Retention``). Two queries. Needs
    recurring_revenue."""
    check_gross_margin(gross_margin)
    figures = _figures(tables, [quarter], team).iloc[0]
    month = _last_month(quarter)
    return Retention(
        quarter=quarter.label,
        team=team,
        month=month,
        base_month=add_months(month, -RETENTION_MONTHS),
        customers=plain_int(figures["customers"]),
        starting_mrr=_money(figures["starting"]),
        retained_mrr=_money(figures["retained"]),
        kept_mrr=_money(figures["kept"]),
        nrr=ratio(plain_float(figures["retained"]), plain_float(figures["starting"])),
        grr=ratio(plain_float(figures["kept"]), plain_float(figures["starting"])),
        churned_customers=plain_int(figures["churned"]),
        logo_churn=ratio(plain_int(figures["churned"]), plain_int(figures["customers"])),
        mrr=_money(figures["mrr"]),
        paying_customers=plain_int(figures["paying"]),
        arpa=_arpa(figures),
        monthly_churn=_monthly_churn(figures),
        cltv=_cltv(figures, gross_margin),
        gross_margin=gross_margin,
        by_status=_by_status(tables, quarter, team),
    )


def retention_trend(
    tables: Tables,
    quarters: Sequence[Quarter],
    team: str = ALL_TEAMS,
    *,
    gross_margin: float = GROSS_MARGIN,
) -> pd.DataFrame:
    """``retention``'s quarter (label), nrr, grr, logo_churn, cltv and mrr for each of
    ``quarters``, in their order, from one query. Needs recurring_revenue."""
    check_gross_margin(gross_margin)
    columns = ["quarter", "nrr", "grr", "logo_churn", "cltv", "mrr"]
    if not quarters:
        require(tables, "recurring_revenue", SECTION)
        return pd.DataFrame(columns=columns)
    figures = _figures(tables, quarters, team)
    rows = []
    for quarter, (_label, row) in zip(quarters, figures.iterrows(), strict=True):
        starting = plain_float(row["starting"])
        rows.append(
            {
                "quarter": quarter.label,
                "nrr": ratio(plain_float(row["retained"]), starting),
                "grr": ratio(plain_float(row["kept"]), starting),
                "logo_churn": ratio(plain_int(row["churned"]), plain_int(row["customers"])),
                "cltv": _cltv(row, gross_margin),
                "mrr": _money(row["mrr"]),
            }
        )
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns[1:]:
        frame[column] = frame[column].astype("float64")
    return frame


def ltv_to_cac(cltv: float | None, cac: float | None) -> float | None:
    """Lifetime value over acquisition cost, cltv / cac; None when either is missing or cac is
    0. The field reads 3 (``LTV_TO_CAC_BENCHMARK``) as the usual floor: a line, not a verdict."""
    return ratio(cltv, cac)


def _money(value: object) -> float:
    number = plain_float(value)
    return 0.0 if number is None else number


def _arpa(row: pd.Series) -> float | None:
    return ratio(plain_float(row["mrr"]), plain_int(row["paying"]))


def _monthly_churn(row: pd.Series) -> float | None:
    return ratio(plain_float(row["lost"]), plain_float(row["exposed"]))


def _cltv(row: pd.Series, gross_margin: float) -> float | None:
    arpa, churn = _arpa(row), _monthly_churn(row)
    return None if arpa is None else ratio(arpa * gross_margin, churn)


def _base_accounts(revenue: ibis.Table, quarter: Quarter) -> ibis.Table:
    """The accounts with MRR > 0 in the base month: account_id, then (A), now (B, 0 without a
    row), kept (min(A, B)), status."""
    month = _last_month(quarter)
    base = add_months(month, -RETENTION_MONTHS)
    rows = revenue.filter(revenue.month.isin([base, month]))
    accounts = rows.group_by("account_id").aggregate(
        then=rows.mrr.sum(where=rows.month == base),
        now=rows.mrr.sum(where=rows.month == month),
    )
    accounts = accounts.filter(accounts.then > 0).mutate(now=_.now.fill_null(0.0))
    return accounts.mutate(
        kept=ibis.ifelse(_.now < _.then, _.now, _.then),
        status=ibis.cases(
            (_.now == 0, "churned"),
            (_.now > _.then, "expanded"),
            (_.now == _.then, "flat"),
            else_="contracted",
        ),
    )


def _month_churn(revenue: ibis.Table, quarter: Quarter) -> ibis.Table:
    """One row: lost (Σ over the quarter's months m and accounts of max(MRR(m-1) - MRR(m), 0),
    worked out in decimals) and exposed (Σ MRR(m-1))."""
    before = revenue.filter(
        within(revenue.month, add_months(quarter.start, -1), _last_month(quarter))
    )
    following = revenue.filter(within(revenue.month, quarter.start, quarter.end)).select(
        next_account="account_id", next_index=month_index(revenue.month), next_mrr="mrr"
    )
    pairs = before.left_join(
        following,
        (before.account_id == following.next_account)
        & (following.next_index == month_index(before.month) + 1),
    )
    drop = pairs.mrr.cast(EXACT) - pairs.next_mrr.fill_null(0.0).cast(EXACT)
    lost = ibis.ifelse(drop > 0, drop, ibis.literal(0).cast(EXACT))
    return pairs.aggregate(lost=exact_sum(lost), exposed=exact_sum(pairs.mrr))


def _figures(tables: Tables, quarters: Sequence[Quarter], team: str) -> pd.DataFrame:
    """Per quarter, in order: customers, starting, retained, kept, churned (the base accounts),
    mrr and paying (the quarter's last month), lost and exposed (``_month_churn``). One
    query."""
    parts = []
    for quarter in dict.fromkeys(quarters):
        revenue = scoped_revenue(tables, team, quarter.last_day)
        accounts = _base_accounts(revenue, quarter)
        cohort = accounts.aggregate(
            customers=_.count(),
            starting=exact_sum(accounts.then),
            retained=exact_sum(accounts.now),
            kept=exact_sum(accounts.kept),
            churned=(accounts.now == 0).sum(),
        )
        now = revenue.month == _last_month(quarter)
        month = revenue.aggregate(
            mrr=exact_sum(revenue.mrr, where=now), paying=(now & (revenue.mrr > 0)).sum()
        )
        row = cohort.cross_join(month).cross_join(_month_churn(revenue, quarter))
        parts.append(row.mutate(period=ibis.literal(quarter.label)))
    figures = stack(*parts).execute().set_index("period")
    return figures.loc[[quarter.label for quarter in quarters]]


def _by_status(tables: Tables, quarter: Quarter, team: str) -> pd.DataFrame:
    accounts = _base_accounts(scoped_revenue(tables, team, quarter.last_day), quarter)
    counts = (
        accounts.group_by("status")
        .aggregate(
            customers=_.count(), mrr_then=exact_sum(accounts.then), mrr_now=exact_sum(accounts.now)
        )
        .execute()
        .set_index("status")
    )
    frame = counts.reindex(list(STATUSES)).rename_axis("status").reset_index()
    frame["customers"] = frame["customers"].fillna(0).astype("int64")
    for column in ("mrr_then", "mrr_now"):
        frame[column] = frame[column].astype("float64").fillna(0.0)
    return frame[["status", "customers", "mrr_then", "mrr_now"]]
