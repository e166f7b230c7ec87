"""The demo CRM's activities, sign-ins and content events: the tables of sales efficiency.

Drawn from the reps, deals and leads frames ``demo.generate`` made, with a generator of their
own, so that every other table is the same with or without them. Times are seconds from the
Monday on or before the first deal's creation; a week runs from Monday to Sunday.

The story: reps call, email and meet about their deals between creation and close, won deals far
more than lost ones (meetings above all) and Enterprise deals more than SMB ones; lost deals are
worked early, then left to go stale. A fifth of deal activities are logged on the account only,
and reps touch the account in the weeks before some deals open. Assigned leads get a call or an
email or two; reps log tasks of their own. Each rep has weeks away from the CRM (no sign-in,
nothing logged): most reps hardly any, a few reps many, and about one rep in twenty-two rarely logs
anything at all. In a week at work a rep signs in on most working days. Reps view and share forty
enablement assets: a fifth never share, some share a lot, and deals that are won were shared on
more often than deals that are lost. Nothing happens outside a rep's employment (from the hire
date, before the end date) or after the last day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from salesops.data.contract import ACTIVITY_TYPES

_DAY = 86_400
_HOUR = 3_600
_WORK = (8 * _HOUR, 18 * _HOUR)  # working hours (UTC)
_CALL, _EMAIL, _MEETING, _TASK, _OTHER = range(len(ACTIVITY_TYPES))
_WON, _LOST, _OPEN = range(3)  # deal outcomes

# Reps: one in twenty-two rarely logs anything; one in five has many weeks away from the CRM.
_RARE_LOGGERS = 0.045
_PATCHY = 0.2
_WEEKS_AT_WORK = {"steady": (0.94, 1.0), "patchy": (0.4, 0.7), "rare": (0.3, 0.3)}
_RARELY_LOGGED = 0.12  # share of their activities a rare logger logs
_SIGN_IN = {"steady": (0.75, 0.95), "rare": (0.3, 0.5)}  # chance per working day at work
_WEEKEND_SIGN_IN = 0.04
_SECOND_SIGN_IN = 0.15  # chance of a second sign-in in the afternoon
_NEVER_SHARE = 0.22  # reps who never share content

# Deal touches. A won deal of its segment's usual cycle gets about this many activities; lost and
# open deals fewer; the count grows with the square root of the deal's length.
_TOUCHES = {"Enterprise": 22.0, "Mid-Market": 13.0, "SMB": 7.5}
_CYCLE_DAYS = {"Enterprise": 115.0, "Mid-Market": 60.0, "SMB": 28.0}
_MEETING_LIFT = {"Enterprise": 1.4, "Mid-Market": 1.0, "SMB": 0.7}
_OUTCOME_TOUCHES = np.array([1.0, 0.45, 0.7])
_SKEW = np.array([0.85, 1.8, 1.0])  # u ** skew places touches in the deal's life: lost ones early
_MIX = np.array(
    [  # call, email, meeting, task, other; by outcome
        [0.28, 0.38, 0.24, 0.06, 0.04],
        [0.37, 0.45, 0.08, 0.06, 0.04],
        [0.32, 0.42, 0.16, 0.06, 0.04],
    ]
)
_ACCOUNT_ONLY = 0.2  # deal activities logged on the account, not the deal
_PROSPECTED = 0.35  # deals whose account was touched in the 40 days before they opened
_PROSPECT_TOUCHES = 1.6
_OUTBOUND = {_CALL: 0.78, _EMAIL: 0.6}  # the rest inbound; other types have no direction
# Touches per lead by status; a lead neither converted nor open (disqualified) gets fewer, in the
# days it was worked before it was dropped.
_LEAD_TOUCHES = {"converted": 2.2, "open": 1.0}
_DROPPED_TOUCHES, _DROPPED_DAYS = 0.5, 21
_LEAD_MIX = np.array([0.45, 0.5, 0.0, 0.05, 0.0])
_OWN_TASKS = 0.4  # per rep and week at work; tasks two in three, the rest other

# Content: asset kinds and how many of each; a share is attached to its deal nine times in ten.
_ASSETS = {"deck": 8, "case-study": 12, "battle-card": 8, "one-pager": 8, "roi-calculator": 4}
_SHARED = np.array([0.42, 0.26, 0.34])  # chance a deal is shared on, by outcome, for a mean rep
_ATTACHED = 0.9
_VIEWED_FIRST = 0.7  # shares preceded by a view of the asset up to five days before
_BROWSING = 0.6  # views per rep and week at work


@dataclass(frozen=True)
class _Clock:
    """Seconds and days from ``epoch`` (a Monday); events fall on days ``first`` to ``last``."""

    epoch: np.datetime64
    first: int
    last: int

    @classmethod
    def spanning(cls, first: pd.Timestamp, last: date) -> _Clock:
        day = np.datetime64(first.date(), "D")
        monday = (day - np.datetime64("1970-01-05", "D")).astype(np.int64) % 7
        epoch = day - monday
        return cls(epoch, int(monday), int((np.datetime64(last, "D") - epoch).astype(np.int64)))

    def days(self, values: pd.Series) -> np.ndarray:
        return (values.to_numpy("datetime64[D]") - self.epoch).astype(np.int64)

    def seconds(self, values: pd.Series) -> np.ndarray:
        return (values.to_numpy("datetime64[s]") - self.epoch).astype(np.int64)

    def stamps(self, seconds: np.ndarray) -> np.ndarray:
        return (self.epoch + seconds.astype("timedelta64[s]")).astype("datetime64[ns]")

    @property
    def closing(self) -> int:
        """The end of the working day on ``last``, in seconds."""
        return self.last * _DAY + _WORK[1]


@dataclass(frozen=True)
class _Reps:
    """Reps in rep_id order: employment in days (from ``hire``, or the clock's first day, to
    before ``end``), weeks at work, habits."""

    hire: np.ndarray
    end: np.ndarray
    at_work: np.ndarray  # (rep, week): whether the rep used the CRM that week
    logs: np.ndarray  # share of activities the rep logs
    signs_in: np.ndarray  # chance of a sign-in on a working day at work
    shares: np.ndarray  # content-sharing habit, 0 for reps who never share

    def employed(self, rep: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """Whether each rep is employed at each time."""
        day = seconds // _DAY
        return (self.hire[rep] <= day) & (day < self.end[rep])

    def working(self, rep: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """Whether each rep is employed and at work in the CRM at each time."""
        week = np.clip(seconds // _DAY // 7, 0, self.at_work.shape[1] - 1)
        return self.employed(rep, seconds) & self.at_work[rep, week]


@dataclass(frozen=True)
class _Deals:
    """Deals in opportunity_id order: owner, account and the span the owner works them."""

    owner: np.ndarray
    account: np.ndarray  # index into ``accounts``
    accounts: np.ndarray
    outcome: np.ndarray
    segment: pd.Series
    created: np.ndarray
    start: np.ndarray  # seconds: creation, or the owner's hire if later
    finish: np.ndarray  # seconds: close (open deals: the last day), or before the owner left


@dataclass(frozen=True)
class _Drafts:
    """Activities before logging: -1 where a deal, lead or account is not named."""

    rep: np.ndarray
    at: np.ndarray
    kind: np.ndarray
    deal: np.ndarray
    lead: np.ndarray
    account: np.ndarray

    @staticmethod
    def joined(parts: list[_Drafts]) -> _Drafts:
        fields = ("rep", "at", "kind", "deal", "lead", "account")
        return _Drafts(**{f: np.concatenate([getattr(p, f) for p in parts]) for f in fields})

    def where(self, keep: np.ndarray) -> _Drafts:
        return _Drafts(self.rep[keep], self.at[keep], self.kind[keep], self.deal[keep],
                       self.lead[keep], self.account[keep])  # fmt: skip


def _none(count: int) -> np.ndarray:
    """``count`` rows that name nothing (-1)."""
    return np.full(count, -1)


def _draw(rng: np.random.Generator, table: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One categorical draw per item from the distribution ``table[rows]`` (rows sum to 1)."""
    cumulative = np.cumsum(table, axis=1)[:, :-1]
    return (rng.random(len(rows))[:, None] >= cumulative[rows]).sum(axis=1)


def _spread(
    rng: np.random.Generator, counts: np.ndarray, lo: np.ndarray, hi: np.ndarray, skew: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(item, seconds) of ``counts[i]`` times between ``lo[i]`` and ``hi[i]`` per item, at
    ``u ** skew[i]`` of the way, moved to working hours on a working day."""
    item = np.repeat(np.arange(len(counts)), counts)
    share = rng.random(len(item)) ** skew[item]
    at = lo[item] + (share * (hi - lo)[item]).astype(np.int64)
    day = at // _DAY
    weekend = day % 7 - 4
    day -= np.where((weekend > 0) & (rng.random(len(day)) < 0.9), weekend, 0)  # back to Friday
    at = day * _DAY + rng.integers(*_WORK, len(day))
    return item, np.clip(at, lo[item], hi[item])


def _reps(rng: np.random.Generator, reps: pd.DataFrame, clock: _Clock) -> _Reps:
    n = len(reps)
    kind = np.full(n, "steady", dtype=object)
    order = rng.permutation(n)
    rare = max(1, round(n * _RARE_LOGGERS))
    kind[order[:rare]] = "rare"
    kind[order[rare : rare + round(n * _PATCHY)]] = "patchy"
    weekly = np.zeros(n)
    for habit, (low, high) in _WEEKS_AT_WORK.items():
        weekly = np.where(kind == habit, rng.uniform(low, high, n), weekly)
    rarely = kind == "rare"
    return _Reps(
        hire=np.maximum(clock.days(reps["hire_date"]), clock.first),
        end=np.where(reps["end_date"].isna(), clock.last + 1, clock.days(reps["end_date"])),
        at_work=rng.random((n, clock.last // 7 + 1)) < weekly[:, None],
        logs=np.where(rarely, _RARELY_LOGGED, rng.uniform(0.8, 1.0, n)),
        signs_in=np.where(
            rarely, rng.uniform(*_SIGN_IN["rare"], n), rng.uniform(*_SIGN_IN["steady"], n)
        ),
        shares=np.where(rng.random(n) < _NEVER_SHARE, 0.0, rng.lognormal(0.0, 0.6, n)),
    )


def _deals(opportunities: pd.DataFrame, reps: pd.DataFrame, staff: _Reps, clock: _Clock) -> _Deals:
    owner = pd.Index(reps["rep_id"]).get_indexer(opportunities["rep_id"])
    closed, won = opportunities["is_closed"].to_numpy(), opportunities["is_won"].to_numpy()
    created = clock.seconds(opportunities["created_at"])
    close = clock.days(opportunities["close_date"]) * _DAY + _WORK[1]
    account, accounts = pd.factorize(opportunities["account_id"])
    finish = np.minimum(np.where(closed, close, clock.closing), staff.end[owner] * _DAY - 1)
    return _Deals(
        owner=owner,
        account=account,
        accounts=np.asarray(accounts, dtype=object),
        outcome=np.where(won, _WON, np.where(closed, _LOST, _OPEN)),
        segment=opportunities["segment"],
        created=created,
        start=np.maximum(created, staff.hire[owner] * _DAY),
        finish=finish,
    )


def _deal_touches(rng: np.random.Generator, deals: _Deals) -> _Drafts:
    """Activities on each deal while its owner works it; a fifth named by the account only."""
    span = np.maximum(deals.finish - deals.start, 0) / _DAY
    cycle = deals.segment.map(_CYCLE_DAYS).to_numpy()
    expected = deals.segment.map(_TOUCHES).to_numpy() * _OUTCOME_TOUCHES[deals.outcome]
    expected *= np.sqrt(np.clip(span / cycle, 0.2, 3.0)) * rng.lognormal(0.0, 0.35, len(span))
    counts = rng.poisson(np.where(span > 0, expected, 0.0))
    deal, at = _spread(rng, counts, deals.start, deals.finish, _SKEW[deals.outcome])

    lifts = deals.segment.map(_MEETING_LIFT).to_numpy()
    levels, group = np.unique(lifts, return_inverse=True)
    mixes = np.repeat(_MIX, len(levels), axis=0)  # row: outcome * len(levels) + lift level
    mixes[:, _MEETING] *= np.tile(levels, len(_MIX))
    mixes /= mixes.sum(axis=1, keepdims=True)
    kind = _draw(rng, mixes, deals.outcome[deal] * len(levels) + group[deal])
    named = rng.random(len(deal)) >= _ACCOUNT_ONLY
    m = len(deal)
    return _Drafts(deals.owner[deal], at, kind, np.where(named, deal, -1), _none(m),
                   deals.account[deal])  # fmt: skip


def _prospecting(rng: np.random.Generator, deals: _Deals) -> _Drafts:
    """Calls and emails on the account in the 40 days before some deals open."""
    n = len(deals.owner)
    counts = rng.poisson(_PROSPECT_TOUCHES, n) * (rng.random(n) < _PROSPECTED)
    lo, hi = deals.created - 40 * _DAY, deals.created - _HOUR
    deal, at = _spread(rng, counts, lo, hi, np.ones(n))
    m = len(deal)
    kind = np.where(rng.random(m) < 0.5, _CALL, _EMAIL)
    return _Drafts(deals.owner[deal], at, kind, _none(m), _none(m), deals.account[deal])


def _lead_touches(
    rng: np.random.Generator, leads: pd.DataFrame, reps: pd.DataFrame, clock: _Clock
) -> _Drafts:
    """A few calls and emails on each assigned lead until it converts or is dropped."""
    rep = pd.Index(reps["rep_id"]).get_indexer(leads["rep_id"])
    created = clock.seconds(leads["created_at"])
    status = leads["status"].to_numpy()
    converted = clock.seconds(leads["converted_at"].fillna(leads["created_at"]))
    hi = np.select(
        [status == "converted", status == "open"],
        [converted, np.full(len(rep), clock.closing)],
        np.minimum(created + _DROPPED_DAYS * _DAY, clock.closing),
    )
    expected = leads["status"].map(_LEAD_TOUCHES).fillna(_DROPPED_TOUCHES).to_numpy()
    counts = rng.poisson(expected) * (rep >= 0)
    lead, at = _spread(rng, counts, created, np.maximum(hi, created), np.ones(len(rep)))
    m = len(lead)
    kind = _draw(rng, _LEAD_MIX[None, :], np.zeros(m, dtype=np.int64))
    return _Drafts(rep[lead], at, kind, _none(m), lead, _none(m))


def _weekly(
    rng: np.random.Generator, rate: float, at_work: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(rep, seconds) of Poisson(``rate``) events per rep and week at work, each at a working
    hour of a working day of its week."""
    counts = rng.poisson(rate, at_work.shape) * at_work
    rep, week = np.nonzero(counts)
    rep, week = np.repeat(rep, counts[rep, week]), np.repeat(week, counts[rep, week])
    day = week * 7 + rng.integers(0, 5, len(rep))
    return rep, day * _DAY + rng.integers(*_WORK, len(rep))


def _own_tasks(rng: np.random.Generator, staff: _Reps) -> _Drafts:
    """Tasks (and some other activities) reps log about nothing in particular."""
    rep, at = _weekly(rng, _OWN_TASKS, staff.at_work)
    m = len(rep)
    kind = np.where(rng.random(m) < 2 / 3, _TASK, _OTHER)
    return _Drafts(rep, at, kind, _none(m), _none(m), _none(m))


def _activities(
    rng: np.random.Generator,
    staff: _Reps,
    deals: _Deals,
    reps: pd.DataFrame,
    opportunities: pd.DataFrame,
    leads: pd.DataFrame,
    clock: _Clock,
) -> pd.DataFrame:
    """Every activity drafted, as logged: by reps at work, the share each rep logs."""
    drafts = _Drafts.joined(
        [
            _deal_touches(rng, deals),
            _prospecting(rng, deals),
            _lead_touches(rng, leads, reps, clock),
            _own_tasks(rng, staff),
        ]
    )
    logged = staff.working(drafts.rep, drafts.at) & (drafts.at <= clock.closing)
    logged &= rng.random(len(logged)) < staff.logs[drafts.rep]
    kept = drafts.where(np.flatnonzero(logged))
    kept = kept.where(np.lexsort((kept.rep, kept.at)))
    return _frame(
        {
            "activity_id": np.array(
                [f"T{i:07d}" for i in range(1, len(kept.at) + 1)], dtype=object
            ),
            "rep_id": reps["rep_id"].to_numpy()[kept.rep],
            "type": np.array(ACTIVITY_TYPES, dtype=object)[kept.kind],
            "occurred_at": clock.stamps(kept.at),
            "direction": _directions(rng, kept.kind),
            "opportunity_id": _named(opportunities["opportunity_id"], kept.deal),
            "lead_id": _named(leads["lead_id"], kept.lead),
            "account_id": _named(deals.accounts, kept.account),
        }
    )


def _directions(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Outbound or inbound for calls and emails (``_OUTBOUND``), None for the rest."""
    outbound = np.zeros(len(kind))
    for which, share in _OUTBOUND.items():
        outbound[kind == which] = share
    inbound = (rng.random(len(kind)) >= outbound) & (outbound > 0)
    return np.array([None, "outbound", "inbound"], dtype=object)[(outbound > 0) * 1 + inbound]


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A frame over fresh column arrays as they are: copying millions of ids into one block of
    columns would take seconds at scale 50."""
    return pd.DataFrame(columns, copy=False)


def _named(ids: pd.Series | np.ndarray, index: np.ndarray) -> np.ndarray:
    """The id at each index, None where the index is -1."""
    return np.append(np.asarray(ids, dtype=object), None)[index]


def _logins(
    rng: np.random.Generator, staff: _Reps, rep_ids: np.ndarray, clock: _Clock
) -> pd.DataFrame:
    """A morning sign-in on most working days of each week at work, now and then a second one
    in the afternoon, rarely one at a weekend."""
    days = np.arange(clock.last + 1)
    chance = np.where(days % 7 < 5, staff.signs_in[:, None], _WEEKEND_SIGN_IN)
    employed = (staff.hire[:, None] <= days) & (days < staff.end[:, None])
    signed = employed & staff.at_work[:, days // 7] & (rng.random(chance.shape) < chance)
    rep, day = np.nonzero(signed)
    morning = day * _DAY + np.clip(rng.normal(8.5 * _HOUR, _HOUR, len(day)), 0, 12 * _HOUR)
    again = np.flatnonzero(rng.random(len(day)) < _SECOND_SIGN_IN)
    afternoon = day[again] * _DAY + rng.integers(13 * _HOUR, 18 * _HOUR, len(again))
    rep, at = np.r_[rep, rep[again]], np.r_[morning.astype(np.int64), afternoon]
    order = np.lexsort((rep, at))
    return _frame({"rep_id": rep_ids[rep[order]], "login_at": clock.stamps(at[order])})


def _asset_ids() -> tuple[np.ndarray, np.ndarray]:
    """Asset ids (``case-study-07``) and how often each is picked (a few are favourites)."""
    ids = [f"{kind}-{i:02d}" for kind, count in _ASSETS.items() for i in range(1, count + 1)]
    weight = np.arange(1, len(ids) + 1) ** -0.8
    return np.array(ids, dtype=object), weight / weight.sum()


def _content_events(
    rng: np.random.Generator, staff: _Reps, deals: _Deals, deal_ids: np.ndarray,
    rep_ids: np.ndarray, clock: _Clock,
) -> pd.DataFrame:  # fmt: skip
    """Shares on deals (more often on deals that are won), most after a view of the asset, and
    the views of reps browsing in their weeks at work."""
    assets, popularity = _asset_ids()
    n = len(deals.owner)
    chance = np.clip(_SHARED[deals.outcome] * staff.shares[deals.owner], 0.0, 0.9)
    counts = (rng.random(n) < chance) * (1 + rng.poisson(0.7, n)) * (deals.finish > deals.start)
    deal, shared_at = _spread(rng, counts, deals.start, deals.finish, np.full(n, 0.8))
    shared = rng.choice(len(assets), len(deal), p=popularity)
    on_deal = np.where(rng.random(len(deal)) < _ATTACHED, deal, -1)
    first = np.flatnonzero(rng.random(len(deal)) < _VIEWED_FIRST)
    viewed_at = shared_at[first] - rng.integers(_HOUR, 5 * _DAY, len(first))
    browser, browsed_at = _weekly(rng, _BROWSING, staff.at_work)
    browsed = rng.choice(len(assets), len(browser), p=popularity)

    rep = np.r_[deals.owner[deal], deals.owner[deal[first]], browser]
    at = np.r_[shared_at, viewed_at, browsed_at]
    asset = np.r_[shared, shared[first], browsed]
    share = np.arange(len(rep)) < len(deal)
    on_deal = np.r_[on_deal, _none(len(rep) - len(deal))]
    kept = np.flatnonzero(staff.employed(rep, at) & (at <= clock.closing))
    kept = kept[np.lexsort((rep[kept], at[kept]))]
    return _frame(
        {
            "rep_id": rep_ids[rep[kept]],
            "asset_id": assets[asset[kept]],
            "event": np.where(share[kept], "share", "view").astype(object),
            "occurred_at": clock.stamps(at[kept]),
            "opportunity_id": _named(deal_ids, on_deal[kept]),
        }
    )


def tables(
    rng: np.random.Generator,
    reps: pd.DataFrame,
    opportunities: pd.DataFrame,
    leads: pd.DataFrame,
    last: date,
) -> dict[str, pd.DataFrame]:
    """The activities, logins and content_events tables of the demo CRM whose reps, deals and
    leads are given, with nothing after the day ``last``."""
    clock = _Clock.spanning(opportunities["created_at"].min(), last)
    staff = _reps(rng, reps, clock)
    deals = _deals(opportunities, reps, staff, clock)
    rep_ids = reps["rep_id"].to_numpy()
    deal_ids = opportunities["opportunity_id"].to_numpy()
    return {
        "activities": _activities(rng, staff, deals, reps, opportunities, leads, clock),
        "logins": _logins(rng, staff, rep_ids, clock),
        "content_events": _content_events(rng, staff, deals, deal_ids, rep_ids, clock),
    }
