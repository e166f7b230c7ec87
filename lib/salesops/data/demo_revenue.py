"""The demo CRM's deal types, sales and marketing spend and recurring revenue: unit economics.

Drawn from the reps and deals frames ``demo.generate`` made, with a generator of their own, so
that every other table is the same with or without them (the deals gain their ``deal_type``
column only). Months are counted as ``datetime64[M]``; a month's row is dated its first day.

The story: an account's first won deal is new business; its later won deals mostly sell more
(expansion), some renew. Deals still open or lost are expansions or renewals when the account was
already a customer when they were created, else new business. A customer pays a subscription of a
twelfth of its first deal's amount a month from the month after that deal closed; each expansion
adds a twelfth of its amount, each renewal a small price rise. A customer may leave in any month
(no more rows) unless it still wins a deal later; at each anniversary of its subscription a
customer that did not just renew may cut it or buy more seats. Customers of reps in EMEA are
billed in euros or pounds.

Spend runs by month from ``DEMO_START``'s month to ``DEMO_END``'s (the last complete one).
Marketing per channel (the deal sources) grows with the business, peaks in the conference
months, and is split over the teams by the share of each channel's deals they work; a part
(brand) names no channel and no team. Sales is per team: the reps' pay for the days they were
employed that month, and commissions on what the team won.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from salesops.data.contract import DEAL_TYPES

_NEW, _EXPANSION, _RENEWAL = DEAL_TYPES
_RENEWS = 0.25  # later won deals of a customer that renew rather than expand
_RENEWS_OPEN = 0.35  # the same for a customer's open and lost deals
_RENEWAL_RISE = (0.0, 0.07)  # a won renewal's price rise
_RENEWED_MONTHS = 4  # a renewal won this many months before an anniversary settles it
_CHURN = 0.011  # chance a month that a customer leaves (not before its last won deal)
# At each anniversary of a customer that did not just renew: chance it cuts its subscription to
# the share drawn, else chance it buys more seats.
_CONTRACT, _CONTRACT_TO = 0.10, (0.6, 0.9)
_UPSELL, _UPSELL_BY = 0.3, (0.1, 0.4)
_ANNIVERSARIES = 4  # at most this many in the demo's history
_BILLED = {"EUR": 0.45, "GBP": 0.2}  # shares of the EMEA reps' customers billed in these

# Spend (in USD): marketing per channel and month, before growth and season; pay per rep-month;
# commission on won amounts; brand spend as a share of marketing.
_CHANNEL_BUDGET = {
    "Inbound": 150_000.0,
    "Outbound": 40_000.0,
    "Partner": 45_000.0,
    "Event": 90_000.0,
    "Referral": 15_000.0,
}
_EVENT_SEASON = np.array([0.6, 0.8, 1.5, 0.9, 1.0, 1.4, 0.4, 0.5, 1.1, 1.7, 1.1, 1.0])
_BRAND = 0.12
_GROWTH = 0.10  # yearly, as the deal flow's
_REP_MONTH = 22_000.0  # a rep's pay, benefits, tools and share of management and enablement
_COMMISSION = 0.10
_NOISE = 0.08  # log spread of a month's spend line


def _months(days: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]")


def deal_types(rng: np.random.Generator, opportunities: pd.DataFrame) -> np.ndarray:
    """Each deal's type (see the module's docstring); one uniform draw per deal."""
    n = len(opportunities)
    u = rng.random(n)
    account = opportunities["account_id"]
    won = opportunities["is_won"].to_numpy() & account.notna().to_numpy()
    close = opportunities["close_date"].to_numpy("datetime64[D]")
    order = opportunities.assign(_close=close, _row=np.arange(n))[won].sort_values(
        ["account_id", "_close", "opportunity_id"], kind="stable"
    )
    first_rows = order.drop_duplicates("account_id")["_row"].to_numpy()
    first_close = pd.Series(close[first_rows], index=account.to_numpy()[first_rows])
    became = account.map(first_close).to_numpy("datetime64[D]")  # NaT: never a customer
    created = opportunities["created_at"].to_numpy("datetime64[D]")
    known = ~np.isnat(became) & (became < created)
    kinds = np.where(known & (u < _RENEWS_OPEN), _RENEWAL, np.where(known, _EXPANSION, _NEW))
    later = np.where(u < _RENEWS, _RENEWAL, _EXPANSION)
    kinds = np.where(won, later, kinds)
    kinds[first_rows] = _NEW
    return kinds.astype(object)


def _recurring_revenue(
    rng: np.random.Generator,
    reps: pd.DataFrame,
    opportunities: pd.DataFrame,
    kinds: np.ndarray,
    rates: dict[str, tuple[float, np.datetime64]],
    last: np.datetime64,
) -> pd.DataFrame:
    """MRR per customer and month up to the month ``last`` (see the module's docstring); a
    customer is billed in a currency of ``rates`` (currency -> rate, first day it applies) only
    from that month on."""
    rise = rng.uniform(*_RENEWAL_RISE, len(opportunities))
    won = opportunities.assign(
        kind=kinds, rise=rise, month=_months(opportunities["close_date"].to_numpy("datetime64[D]"))
    )
    won = won[won["is_won"] & won["account_id"].notna()]
    won = won.sort_values(["account_id", "close_date", "opportunity_id"], kind="stable")
    accounts = won["account_id"].drop_duplicates().to_numpy()
    k = len(accounts)
    leaves = rng.geometric(_CHURN, k)  # months a customer stays, if it wins nothing later
    draws = rng.random((k, _ANNIVERSARIES, 2))
    cut = rng.uniform(*_CONTRACT_TO, (k, _ANNIVERSARIES))
    more = rng.uniform(*_UPSELL_BY, (k, _ANNIVERSARIES))
    billed = rng.random(k)
    regions = reps.set_index("rep_id")["region"]

    rows: list[tuple[str, np.ndarray, np.ndarray, str]] = []
    groups = won.groupby("account_id", sort=True)
    for i, account in enumerate(accounts):
        deals = groups.get_group(account)
        months = deals["month"].to_numpy("datetime64[M]")
        start = months[0] + 1
        renewal = (deals["kind"] == _RENEWAL).to_numpy()
        if start > last:
            continue
        span = np.arange(start, last + 1)
        level = np.full(len(span), 0.0)
        level[:] = deals["amount"].iloc[0] / 12
        for month, kind, amount, up in zip(
            months[1:],
            deals["kind"].iloc[1:],
            deals["amount"].iloc[1:],
            deals["rise"].iloc[1:],
            strict=True,
        ):
            after = span > month
            if kind == _RENEWAL:
                level[after] *= 1 + up
            else:
                level[after] += amount / 12
        for a in range(_ANNIVERSARIES):
            anniversary = start + 12 * (a + 1)
            if anniversary > last:
                break
            recent = (months >= anniversary - _RENEWED_MONTHS) & (months < anniversary)
            if (renewal & recent).any():
                continue
            at = span >= anniversary
            shrink, grow = draws[i, a]
            if shrink < _CONTRACT:
                level[at] *= cut[i, a]
            elif grow < _UPSELL:
                level[at] *= 1 + more[i, a]
        # the first month without revenue, unless the customer still wins a deal by then
        gone = start + leaves[i]
        end = len(span) if gone <= months[-1] + 1 else int(min(gone - start, len(span)))
        currency, below = "USD", 0.0
        if regions.get(deals["rep_id"].iloc[0]) == "EMEA":
            for code, share in _BILLED.items():
                if below <= billed[i] < below + share and code in rates:
                    currency = code if rates[code][1] <= start.astype("datetime64[D]") else "USD"
                below += share
        mrr = level[:end] / (rates[currency][0] if currency != "USD" else 1.0)
        rows.append((account, span[:end], np.round(mrr), currency))
    lengths = [len(r[1]) for r in rows]
    return pd.DataFrame(
        {
            "account_id": np.repeat(np.array([r[0] for r in rows], dtype=object), lengths),
            "month": np.concatenate([r[1] for r in rows]).astype("datetime64[ns]"),
            "mrr": np.concatenate([r[2] for r in rows]).astype(np.float64),
            "currency": np.repeat(np.array([r[3] for r in rows], dtype=object), lengths),
        }
    )


def _employed_share(reps: pd.DataFrame, months: np.ndarray) -> np.ndarray:
    """(rep, month): the share of each month's days the rep was employed."""
    first = months.astype("datetime64[D]")
    after = (months + 1).astype("datetime64[D]")
    hire = reps["hire_date"].to_numpy("datetime64[D]")
    end = reps["end_date"].to_numpy("datetime64[D]")
    end = np.where(np.isnat(end), np.datetime64("2200-01-01"), end + 1)  # the day after the last
    lo = np.maximum(hire[:, None], first[None, :])
    hi = np.minimum(end[:, None], after[None, :])
    days = np.clip((hi - lo).astype(np.int64), 0, None)
    return days / (after - first).astype(np.int64)[None, :]


def _spend(
    rng: np.random.Generator,
    reps: pd.DataFrame,
    opportunities: pd.DataFrame,
    channels: tuple[str, ...],
    first: np.datetime64,
    last: np.datetime64,
) -> pd.DataFrame:
    """Marketing per channel and team, brand marketing, and sales per team, by month."""
    months = np.arange(first, last + 1)
    teams = np.array(sorted(reps["team"].unique()), dtype=object)
    scale = len(teams) / 5  # the budgets are for the five teams of scale one
    years = (months - first).astype(np.int64) / 12
    growth = (1 + _GROWTH) ** years
    calendar = months.astype(np.int64) % 12
    team_of = reps.set_index("rep_id")["team"]
    deal_team = opportunities["rep_id"].map(team_of)
    mix = pd.crosstab(opportunities["source"], deal_team, normalize="index")
    mix = mix.reindex(index=list(channels), columns=teams, fill_value=0.0)

    parts: list[pd.DataFrame] = []
    for channel in channels:
        season = _EVENT_SEASON[calendar] if channel == "Event" else np.ones(len(months))
        total = _CHANNEL_BUDGET[channel] * scale * growth * season * (1 - _BRAND)
        share = mix.loc[channel].to_numpy()
        amount = total[:, None] * share[None, :]
        parts.append(_lines(months, "marketing", channel, teams, amount))
    brand = sum(_CHANNEL_BUDGET.values()) * scale * growth * _BRAND
    parts.append(_lines(months, "marketing", None, np.array([None]), brand[:, None]))

    pay = _employed_share(reps, months) * _REP_MONTH
    rep_team = pd.Categorical(reps["team"], categories=teams).codes
    salaries = np.zeros((len(months), len(teams)))
    np.add.at(salaries, (slice(None), rep_team), pay.T)
    won = opportunities[opportunities["is_won"]]
    won_month = _months(won["close_date"].to_numpy("datetime64[D]"))
    inside = (won_month >= first) & (won_month <= last)
    commission = np.zeros_like(salaries)
    np.add.at(
        commission,
        (
            (won_month[inside] - first).astype(np.int64),
            pd.Categorical(deal_team[won.index][inside], categories=teams).codes,
        ),
        won["amount"].to_numpy()[inside] * _COMMISSION,
    )
    parts.append(_lines(months, "sales", None, teams, salaries + commission))

    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["amount"] > 0]
    noise = rng.lognormal(0.0, _NOISE, len(frame))
    frame = frame.assign(amount=np.round(frame["amount"].to_numpy() * noise, -1))
    frame = frame.sort_values(["month", "category", "channel", "team"], kind="stable")
    return frame.reset_index(drop=True)


def _lines(
    months: np.ndarray, category: str, channel: str | None, teams: np.ndarray, amount: np.ndarray
) -> pd.DataFrame:
    """Spend rows of one category and channel: a month by team grid of amounts."""
    m, t = amount.shape
    return pd.DataFrame(
        {
            "month": np.repeat(months, t).astype("datetime64[ns]"),
            "category": np.full(m * t, category, dtype=object),
            "channel": np.full(m * t, channel, dtype=object),
            "team": np.tile(teams, m),
            "amount": amount.ravel(),
            "currency": np.full(m * t, "USD", dtype=object),
        }
    )


def tables(
    rng: np.random.Generator,
    reps: pd.DataFrame,
    opportunities: pd.DataFrame,
    fx_rates: pd.DataFrame,
    channels: tuple[str, ...],
    first: date,
    last: date,
) -> tuple[np.ndarray, dict[str, pd.DataFrame]]:
    """The deals' types, and the spend and recurring_revenue tables of the demo CRM whose reps,
    deals and rates (into USD, dated) are given, by month from the month of ``first`` to the
    month of ``last`` (the last complete one); ``channels`` are the deal sources marketing pays
    for."""
    kinds = deal_types(rng, opportunities)
    first_month = np.datetime64(first, "M")
    last_month = np.datetime64(last, "M")
    dated = fx_rates.dropna(subset=["valid_from"]).sort_values("valid_from")
    rates = {
        str(row.currency): (float(row.rate), np.datetime64(row.valid_from, "D"))
        for row in dated.drop_duplicates("currency").itertuples()
        if dated["currency"].eq(row.currency).sum() == 1  # one rate: the same in every month
    }
    revenue = _recurring_revenue(rng, reps, opportunities, kinds, rates, last_month)
    spend = _spend(rng, reps, opportunities, channels, first_month, last_month)
    return kinds, {"spend": spend, "recurring_revenue": revenue}
