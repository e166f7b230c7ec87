"""Deterministic synthetic CRM: the contract tables for three years of a five-team sales org.

Every number is drawn from one ``numpy.random.default_rng(seed)`` in a fixed order, so a seed names
one dataset exactly, independent of today's date. ``scale`` multiplies the teams (5 * scale) and
with them every row count. Days are integers counted from ``_EPOCH``; timestamps are seconds.

The story: reps hold seats in teams, leave and hand over to a successor hired a few weeks before;
deals are created by employed reps (ramping in their first four months), walk the stages in order
(most drop early, some skip a stage, a few step back), and close with an end-of-quarter push that
is strongest in Q4. Deals already open on ``DEMO_START`` come from a warm-up period, so the first
quarter opens with pipeline. Quotas and forecast calls are set from what the reps actually book;
the next quarter's quotas are already set on ``DEMO_END``.

Deal changes (close-date pushes, requotes, forecast-category moves between stage entries) come
from a second generator, seeded with ``(seed, _CHANGES_STREAM)``, and the activities, sign-ins and
content events (``demo_activity``) from a third, seeded with ``(seed, _ACTIVITY_STREAM)``, and the
deals' types, spend and recurring revenue (``demo_revenue``) from a fourth, seeded with
``(seed, _REVENUE_STREAM)``, so that every other table is the same with or without them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from ibis.backends.sql.datatypes import DuckDBType

from salesops.data import contract, demo_activity, demo_revenue
from salesops.data.contract import FORECAST_CATEGORIES
from salesops.errors import ParamsError

DEMO_START = date(2023, 10, 1)
DEMO_END = date(2026, 9, 30)
DEFAULT_SEED = 7

_EPOCH = date(2023, 1, 1)  # warm-up start: deals open on DEMO_START were created from here on
_EPOCH64 = np.datetime64(_EPOCH, "D")
_START = (DEMO_START - _EPOCH).days
_END = (DEMO_END - _EPOCH).days
_NEVER = 10**6  # end day of a rep who is still employed
_DAY = 86_400
_HOUR = 3_600

SEGMENTS = ("Enterprise", "Mid-Market", "SMB")
SOURCES = ("Inbound", "Outbound", "Partner", "Event", "Referral")
PRODUCTS = ("Core Platform", "Analytics", "Integrations", "Premium Support", "Enterprise Suite")
STAGES = (
    "Prospecting",
    "Qualification",
    "Discovery",
    "Proposal",
    "Negotiation",
    "Closed Won",
    "Closed Lost",
)
_WON, _LOST = 5, 6  # stage codes of the closed stages
_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")  # of deals
_PIPELINE, _BEST_CASE, _COMMIT = 0, 1, 2  # category codes of open deals


@dataclass(frozen=True)
class _TeamProfile:
    name: str
    regions: tuple[str, ...]
    segment_mix: tuple[float, float, float]  # Enterprise, Mid-Market, SMB
    deals_per_month: float  # per fully ramped rep
    source_mix: tuple[float, float, float, float, float]  # in SOURCES order


_DIRECT = (0.30, 0.32, 0.08, 0.12, 0.18)
_TEAMS = (
    _TeamProfile("Enterprise East", ("East",), (0.85, 0.15, 0.0), 3.0, _DIRECT),
    _TeamProfile("Enterprise West", ("West",), (0.85, 0.15, 0.0), 3.0, _DIRECT),
    _TeamProfile("Mid-Market", ("East", "Central", "West"), (0.1, 0.8, 0.1), 4.5, _DIRECT),
    _TeamProfile("SMB", ("Central", "West"), (0.0, 0.15, 0.85), 6.5, _DIRECT),
    _TeamProfile("Partners & Channel", ("EMEA", "East"), (0.2, 0.5, 0.3), 4.0,
                 (0.10, 0.10, 0.60, 0.10, 0.10)),
)  # fmt: skip

# Per segment (Enterprise, Mid-Market, SMB).
_MEDIAN_AMOUNT = np.array([60_000.0, 20_000.0, 6_000.0])
_AMOUNT_SIGMA = np.array([0.55, 0.5, 0.45])
_WON_CYCLE_DAYS = np.array([115.0, 60.0, 28.0])
_BASE_WIN = np.array([0.24, 0.28, 0.31])
_SKIP = np.array([[0.03, 0.08, 0.03], [0.04, 0.12, 0.04], [0.05, 0.22, 0.05]])  # Qual, Disc, Prop
_SKIP_NEGOTIATION = np.array([0.03, 0.08, 0.20])  # won deals that close straight from Proposal
_PRODUCT_MIX = np.array(
    [[0.25, 0.15, 0.10, 0.05, 0.45], [0.45, 0.25, 0.15, 0.10, 0.05], [0.70, 0.15, 0.10, 0.05, 0.0]]
)
_STAGE_WEIGHT = np.array([0.6, 0.9, 1.1, 1.2, 1.2])  # relative time spent in each open stage
_LOST_AT = np.array([0.34, 0.26, 0.18, 0.13, 0.09])  # last open stage reached by lost deals
_STEP_BACK = 0.06  # deals in Negotiation that return to Proposal once
_NEGLECTED = 0.2  # lost deals left open 1-8 months before clean-up closes them (stale pipeline)
_MONTH_FACTOR = np.array([0.85, 0.95, 1.05, 0.95, 1.0, 1.0, 0.85, 0.85, 1.05, 1.15, 1.15, 0.9])
_GROWTH = 0.10  # yearly growth of deal flow and quotas
_Q4_WIN_LIFT = 1.35  # budget flush: deals due in Q4 win more often
_PUSH = (0.30, 0.70)  # share of won deals due early in a quarter pulled back (after Q1-3, after Q4)
_FROM_LEAD = np.array([0.95, 0.12, 0.85, 0.95, 0.90])  # share of deals that come from a lead
_LEAD_CONVERSION = np.array([0.20, 0.07, 0.24, 0.12, 0.25])  # per source
_QUOTA_SEASON = np.array([0.90, 1.00, 1.00, 1.15])  # Q1..Q4
_RAMP = np.array([0.50, 0.75])  # share of full quota in the first two quarters of tenure
_FIRST_QUOTA_DAY = 90  # a rep's first quota quarter holds this day of tenure (onboarding done)
_MEDIAN_ATTAINMENT = 0.85
# Forecast calls. A rep's habit score z ~ N(0, 1) maps piecewise linearly to the log bias of their
# early commit calls: 40 % sandbag (20-40 % under), a third over-call (15-35 % over), the rest
# call within a few percent.
_HABIT_Z = np.array([-2.0, -0.25, -0.1, 0.3, 0.44, 2.0])
_HABIT_BIAS = np.log([0.60, 0.80, 0.96, 1.04, 1.15, 1.35])
_BIAS_KEPT = 0.08  # share of the habit bias left in the last call of a quarter
_MOOD_SD = 0.12  # log error shared by every team in a quarter (the market's mood)
_TEAM_SD = 0.17  # log error shared by a team's reps in a quarter (the team's read of its deals)
_READ_SD = 0.18  # log error of one rep's read of their quarter
_WOBBLE_SD = 0.04  # week-to-week wobble of a call
_ERROR_KEPT = 0.10  # share of the spread of those errors left in the last call
_SLIP = 0.03  # mean log share of actual that late calls commit and that slips out of the quarter
_PLAN_PULL = 0.15  # the first call leans this far from the outcome toward the rep's plan
# Deal changes between stage entries (drawn from their own stream: see ``_deal_changes``).
_CHANGES_STREAM = 17  # second word of the seed of that stream
_PUSH_KEPT = {_WON: 0.35, _LOST: 0.9}  # chance a rep pushes a close date that passed, by outcome
_PUSH_OPEN = 0.7  # the same for deals still open
_PUSH_DAYS = (14, 61)  # how far a push moves the close date
_RESIZE = 0.15  # chance the amount is requoted between two stage entries
_RESIZE_SD = 0.15  # log spread of a requote
_DOWNGRADE = 0.3  # chance a push takes a commit deal back to best case
_UPGRADE = 0.5  # chance a best-case deal is committed before it is won
_FADE = 0.3  # chance a committed or best-case deal falls back to pipeline before it is lost
_ACTIVITY_STREAM = 23  # second word of the seed of activities, sign-ins and content events
_REVENUE_STREAM = 29  # second word of the seed of deal types, spend and recurring revenue

_FIRST_NAME_TEXT = (
    "Aaliyah Adam Aisha Alejandro Amara Ana Andrei Anika Ben Björn Camila Carlos Chen Chloé Chris "
    "Dana Daniel Deepa Diego Elena Emeka Emma Ethan Fatima Felix Grace Hannah Hiro Ibrahim Inés "
    "Isaac Jamal Jana Jonas José Julia Kai Kavya Laura Leo Liam Lina Lucas Maya Mei Mia Mohammed "
    "Nadia Noah Nora Olivia Omar Priya Rafael Renée Rosa Ryan Sam Sara Sofia Søren Tariq Tom Uma "
    "Victor Wei Yara Yusuf Zoë Zara"
)
_LAST_NAME_TEXT = (
    "Adeyemi Ahmed Almeida Andersen Bauer Becker Bianchi Brown Castro Chen Costa Dubois Evans "
    "Fischer Fernández García Green Gupta Hansen Haddad Ito Jensen Johnson Kim Kowalski Kumar "
    "Larsen Lee Lopez Martin Meyer Morales Müller Murphy Nakamura Nguyen Novak Núñez O'Brien "
    "Okafor Olsen Park Patel Perez Petrov Quinn Rahman Reyes Rossi Santos Schmidt Silva Singh "
    "Smith Suzuki Tanaka Taylor Thompson Walker Wang Weber Williams Wilson Yamamoto Young Zhang"
)
_FIRST_NAMES = _FIRST_NAME_TEXT.split()
_LAST_NAMES = _LAST_NAME_TEXT.split()
_FIXED_NAMES = ("Zoë Müller", "José Núñez")


@dataclass(frozen=True)
class _Staff:
    """Reps in rep_id order, as parallel arrays."""

    team: np.ndarray  # team index
    hire: np.ndarray  # first day employed
    end: np.ndarray  # last day employed, _NEVER while employed
    successor: np.ndarray  # rep who took over the seat, -1 if none
    volume: np.ndarray  # deal-flow multiplier
    win: np.ndarray  # win-probability multiplier
    size: np.ndarray  # deal-size multiplier
    habit: np.ndarray  # forecasting habit score ~ N(0, 1): low sandbags, high over-calls
    upside: np.ndarray  # share of actual the early best-case call adds on top of commit

    def employed(self, rep: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (self.hire[rep] <= day) & (day <= self.end[rep])


@dataclass(frozen=True)
class _Deals:
    """Opportunities in opportunity_id order and their stage-history rows, as arrays."""

    owner: np.ndarray
    creator: np.ndarray
    segment: np.ndarray
    source: np.ndarray
    product: np.ndarray
    account: np.ndarray
    created: np.ndarray  # seconds
    close_day: np.ndarray  # actual close day, or expected close day while open
    closed_at: np.ndarray  # seconds of the closing row, -1 while open
    stage: np.ndarray
    amount: np.ndarray
    category: np.ndarray
    row_deal: np.ndarray
    row_stage: np.ndarray
    row_at: np.ndarray  # seconds
    row_amount: np.ndarray
    row_close_day: np.ndarray
    row_category: np.ndarray


def _dates(days: np.ndarray) -> np.ndarray:
    return (_EPOCH64 + np.asarray(days, dtype=np.int64)).astype("datetime64[ns]")


def _stamps(seconds: np.ndarray) -> np.ndarray:
    epoch = _EPOCH64.astype("datetime64[s]")
    return (epoch + np.asarray(seconds, dtype=np.int64)).astype("datetime64[ns]")


def _quarter_of(days: np.ndarray) -> np.ndarray:
    """Calendar quarter index (months since 1970-01 // 3) of each day."""
    months = (_EPOCH64 + np.asarray(days, dtype=np.int64)).astype("datetime64[M]")
    return months.astype(np.int64) // 3


def _quarter_start(quarter: np.ndarray) -> np.ndarray:
    months = np.datetime64("1970-01", "M") + 3 * np.asarray(quarter, dtype=np.int64)
    return (months.astype("datetime64[D]") - _EPOCH64).astype(np.int64)


def _pick(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probabilities`` (rows sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    cumulative[:, -1] = 1.0
    return (rng.random(len(probabilities))[:, None] >= cumulative).sum(axis=1)


def _ids(prefix: str, count: int, width: int) -> np.ndarray:
    width = max(width, len(str(count)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, count + 1)], dtype=object)


def _deal_ids(count: int) -> np.ndarray:
    return _ids("O", count, 7)


def _round(values: np.ndarray, step: float) -> np.ndarray:
    return np.round(np.asarray(values, dtype=np.float64) / step) * step


def _person_names(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct full names; a middle initial extends the pool when it runs out."""
    first, last = len(_FIRST_NAMES), len(_LAST_NAMES)
    names = list(_FIXED_NAMES)
    initial = 0
    while len(names) < count:
        middle = f" {chr(ord('A') + initial - 1)}." if initial else ""
        for i in rng.permutation(first * last):
            name = f"{_FIRST_NAMES[i // last]}{middle} {_LAST_NAMES[i % last]}"
            if name not in _FIXED_NAMES:
                names.append(name)
        initial += 1
    return names[:count]


def _team_names(scale: int) -> list[str]:
    """Five base teams per scale step; copies after the first are suffixed 2, 3, ..."""
    return [t.name + (f" {copy + 1}" if copy else "") for copy in range(scale) for t in _TEAMS]


def _profile(team: np.ndarray) -> np.ndarray:
    """Index into ``_TEAMS`` of each team (team k copies profile k mod 5)."""
    return team % len(_TEAMS)


def _seats(
    rng: np.random.Generator, n_teams: int
) -> tuple[list[int], list[int], list[int], list[int]]:
    """Seat by seat: the first holder, then hand-overs; departures stop 75 days before DEMO_END.

    A successor is hired 1-5 weeks before the predecessor leaves, so every seat is staffed at any
    time after it opened and each team's headcount on DEMO_END is its seat count (6-10).
    """
    team: list[int] = []
    hire: list[int] = []
    end: list[int] = []
    successor: list[int] = []
    for t in range(n_teams):
        seats = int(rng.integers(6, 11))
        opened_later = rng.random(seats) < 0.15
        opened_later[:4] = False
        for s in range(seats):
            if opened_later[s]:
                day = int(rng.integers(_START, _END - 120))
            else:
                day = _START - int(rng.integers(30, 6 * 365))
            previous = -1
            while True:
                if previous >= 0:
                    successor[previous] = len(team)
                team.append(t)
                hire.append(day)
                successor.append(-1)
                leaves = max(day, _START) + 150 + int(rng.exponential(3.5 * 365))
                if leaves > _END - 75:
                    end.append(_NEVER)
                    break
                end.append(leaves)
                previous, day = len(team) - 1, leaves - int(rng.integers(7, 36))
    return team, hire, end, successor


def _staff(rng: np.random.Generator, n_teams: int) -> _Staff:
    team, hire, end, successor = (np.array(a, dtype=np.int64) for a in _seats(rng, n_teams))
    order = np.argsort(hire, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    successor = np.where(successor[order] >= 0, rank[successor[order]], -1)
    n = len(order)
    return _Staff(
        team=team[order],
        hire=hire[order],
        end=end[order],
        successor=successor,
        volume=rng.lognormal(0.0, 0.2, n),
        win=rng.lognormal(0.0, 0.2, n),
        size=rng.lognormal(0.0, 0.1, n),
        habit=rng.standard_normal(n),
        upside=rng.uniform(0.1, 0.3, n),
    )


def _reps_frame(rng: np.random.Generator, staff: _Staff, teams: list[str]) -> pd.DataFrame:
    n = len(staff.team)
    names = _person_names(rng, n + len(teams))
    rep_names = np.array(names[:n], dtype=object)[rng.permutation(n)]
    managers = np.array(names[n:], dtype=object)
    profiles = _profile(staff.team)
    region_pick = rng.integers(0, 6, n)  # 6 is a multiple of every team's region count
    regions = np.array(
        [
            _TEAMS[p].regions[k % len(_TEAMS[p].regions)]
            for p, k in zip(profiles, region_pick, strict=True)
        ],
        dtype=object,
    )
    end = pd.Series(_dates(np.where(staff.end == _NEVER, 0, staff.end)))
    return pd.DataFrame(
        {
            "rep_id": _ids("R", n, 4),
            "rep_name": rep_names,
            "team": np.array(teams, dtype=object)[staff.team],
            "manager": managers[staff.team],
            "region": regions,
            "role": np.full(n, "AE", dtype=object),
            "hire_date": _dates(staff.hire),
            "end_date": end.where(staff.end != _NEVER),
        }
    )


def _creations(rng: np.random.Generator, staff: _Staff) -> tuple[np.ndarray, np.ndarray]:
    """(creator, created day) of every deal: Poisson per rep and month while employed.

    Rate = team deals per month x rep volume x ramp (20 % rising to 100 % over four months of
    tenure) x month-of-year factor x 10 % yearly growth x share of the month employed.
    """
    months = np.arange(np.datetime64(_EPOCH, "M"), np.datetime64(DEMO_END, "M") + 1)
    first = (months.astype("datetime64[D]") - _EPOCH64).astype(np.int64)
    after = np.minimum(((months + 1).astype("datetime64[D]") - _EPOCH64).astype(np.int64), _END + 1)
    lo = np.maximum(staff.hire[:, None], first[None, :])
    hi = np.minimum(staff.end[:, None] + 1, after[None, :])
    span = np.clip(hi - lo, 0, None)
    tenure = (lo + hi) / 2 - staff.hire[:, None]
    ramp = np.clip(0.2 + 0.8 * tenure / 120, 0.2, 1.0)
    years = ((first + after) / 2 - _START) / 365.25
    per_month = np.array([t.deals_per_month for t in _TEAMS])[_profile(staff.team)]
    rate = (
        (per_month * staff.volume)[:, None]
        * ramp
        * _MONTH_FACTOR[months.astype(np.int64) % 12][None, :]
        * ((1 + _GROWTH) ** years)[None, :]
        * span
        / (after - first)[None, :]
    )
    counts = rng.poisson(rate).ravel()
    creator = np.repeat(np.repeat(np.arange(len(staff.team)), len(months)), counts)
    start = np.repeat(lo.ravel(), counts)
    created = start + (rng.random(counts.sum()) * np.repeat(span.ravel(), counts)).astype(np.int64)
    return creator, created


@dataclass(frozen=True)
class _Paths:
    """Which open stages each deal visits, when, and how it ends (before truncation at DEMO_END)."""

    visit: np.ndarray  # (n, 5) bool
    entry: np.ndarray  # (n, 5) entry day of each open stage
    back: np.ndarray  # returns Negotiation -> Proposal -> Negotiation
    back_days: np.ndarray  # (n, 2) entry days of the two step-back rows
    won: np.ndarray
    close: np.ndarray  # closing day (may lie after DEMO_END: still open)
    natural_cycle: np.ndarray  # days a full path would take


def _paths(
    rng: np.random.Generator,
    staff: _Staff,
    team_win: np.ndarray,
    creator: np.ndarray,
    created: np.ndarray,
    segment: np.ndarray,
    amount: np.ndarray,
) -> _Paths:
    """Stage paths: outcome, last stage reached, skips, step-backs, timings and the quarter push.

    Time in stage ~ Gamma(2) around the segment's cycle x stage weight x a deal factor; win
    probability = segment base x rep x team x (amount / segment median)^-0.2 (big deals lose
    more often), lifted in Q4; lost deals stop at a stage drawn from
    ``_LOST_AT``; some lost deals sit untouched for months before they are closed. Won deals due in
    a quarter's first three weeks are often pulled into the last days of the previous quarter
    (more often into Q4).
    """
    n = len(creator)
    mean_days = (_WON_CYCLE_DAYS[segment] * rng.lognormal(0.0, 0.35, n))[:, None] * (
        _STAGE_WEIGHT / _STAGE_WEIGHT.sum()
    )
    gaps = np.ceil(rng.gamma(2.0, mean_days / 2.0)).astype(np.int64)
    natural_cycle = gaps.sum(axis=1)
    due_q4 = _quarter_of(created + natural_cycle) % 4 == 3
    p_win = _BASE_WIN[segment] * staff.win[creator] * team_win[staff.team[creator]]
    p_win *= (amount / _MEDIAN_AMOUNT[segment]) ** -0.2
    won = rng.random(n) < np.clip(np.where(due_q4, p_win * _Q4_WIN_LIFT, p_win), 0.03, 0.85)
    last = np.where(won, 4, _pick(rng, np.tile(_LOST_AT, (n, 1))))  # last open stage, 0-based

    visit = np.arange(5)[None, :] <= last[:, None]
    skip = np.zeros((n, 5), dtype=bool)
    skip[:, 1:4] = (rng.random((n, 3)) < _SKIP[segment]) & (
        np.arange(1, 4)[None, :] < last[:, None]
    )
    skip[:, 4] = won & (rng.random(n) < _SKIP_NEGOTIATION[segment])
    visit &= ~skip

    spent = gaps * visit
    entry = created[:, None] + np.cumsum(spent, axis=1) - spent
    back = visit[:, 4] & (last == 4) & (rng.random(n) < _STEP_BACK)
    back_gaps = np.ceil(rng.gamma(2.0, mean_days[:, 3:5] / 2.0)).astype(np.int64) * back[:, None]
    back_days = entry[:, 4:5] + gaps[:, 4:5] + np.cumsum(back_gaps, axis=1) - back_gaps
    neglected = ~won & (rng.random(n) < _NEGLECTED)
    close = created + spent.sum(axis=1) + back_gaps.sum(axis=1)
    close += np.where(neglected, rng.integers(30, 241, n), 0)

    last_open = np.where(
        back, back_days[:, 1], entry[np.arange(n), 4 - np.argmax(visit[:, ::-1], 1)]
    )
    quarter = _quarter_of(close)
    q_start = _quarter_start(quarter)
    push = np.where(quarter % 4 == 0, _PUSH[1], _PUSH[0])  # quarter % 4 == 0: previous one is Q4
    pulled = q_start - rng.integers(1, 5, n)
    pull = won & (close - q_start < 21) & (rng.random(n) < push) & (pulled > last_open)
    close = np.where(pull, pulled, close)
    return _Paths(visit, entry, back, back_days, won, close, natural_cycle)


def _history_rows(
    rng: np.random.Generator, paths: _Paths
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(deal, stage code, day, seconds into the day) of each stage entry up to DEMO_END.

    Rows are sorted by deal, then by their place in the path: open stages in order, the two
    step-back rows, then the closing stage.
    """
    n = len(paths.won)
    visited, stage = np.nonzero(paths.visit)
    backs = np.flatnonzero(paths.back)
    parts = [
        (visited, stage, paths.entry[visited, stage], stage * 10),
        (backs, np.full(len(backs), 3), paths.back_days[backs, 0], np.full(len(backs), 41)),
        (backs, np.full(len(backs), 4), paths.back_days[backs, 1], np.full(len(backs), 42)),
        (np.arange(n), np.where(paths.won, _WON, _LOST), paths.close, np.full(n, 90)),
    ]
    deal, stage, day, order = (np.concatenate(column) for column in zip(*parts, strict=True))
    keep = day <= _END
    sort = np.lexsort((order[keep], deal[keep]))
    seconds = rng.integers(8 * _HOUR, 19 * _HOUR, len(sort))
    return deal[keep][sort], stage[keep][sort], day[keep][sort], seconds


def _owners(staff: _Staff, creator: np.ndarray, last_day: np.ndarray) -> np.ndarray:
    """Deals still open when their rep leaves pass to whoever took over the seat."""
    owner = creator.copy()
    while True:
        moves = (staff.end[owner] < last_day) & (staff.successor[owner] >= 0)
        if not moves.any():
            return owner
        owner = np.where(moves, staff.successor[owner], owner)


def _deals(rng: np.random.Generator, staff: _Staff, n_teams: int) -> _Deals:
    """Opportunities and their stage history.

    Snapshots: the amount drifts toward its final value for half the deals (early quotes run
    higher); the expected close date starts optimistic (created + 0.65 x natural cycle), slips
    later for a third of deals and is never set in the past at the moment of a stage entry.
    Forecast category follows the stage (Proposal mostly best case, Negotiation mostly commit).
    """
    creator, created_day = _creations(rng, staff)
    n = len(creator)
    profiles = _profile(staff.team[creator])
    segment = _pick(rng, np.array([t.segment_mix for t in _TEAMS])[profiles])
    source = _pick(rng, np.array([t.source_mix for t in _TEAMS])[profiles])
    product = _pick(rng, _PRODUCT_MIX[segment])
    amount = _round(
        _MEDIAN_AMOUNT[segment] * staff.size[creator] * rng.lognormal(0.0, _AMOUNT_SIGMA[segment]),
        100,
    )
    amount = np.maximum(amount, 500.0)
    team_win = rng.lognormal(0.0, 0.12, n_teams)
    paths = _paths(rng, staff, team_win, creator, created_day, segment, amount)
    optimism = rng.lognormal(np.log(0.65), 0.25, n)
    planned = created_day + np.maximum(7, np.round(paths.natural_cycle * optimism)).astype(np.int64)
    slip = np.where(rng.random(n) < 0.35, rng.integers(14, 91, n), 0)
    ahead = rng.integers(7, 46, n)
    drift = np.where(rng.random(n) < 0.5, rng.normal(0.06, 0.15, n), 0.0)

    # Warm-up deals count only if still open on DEMO_START; ids follow creation time.
    kept = np.flatnonzero(paths.close >= _START)
    created_sec = created_day * _DAY + rng.integers(8 * _HOUR, 18 * _HOUR, n)
    kept = kept[np.argsort(created_sec[kept], kind="stable")]
    renumber = np.full(n, -1)
    renumber[kept] = np.arange(len(kept))

    row_deal, row_stage, row_day, row_tod = _history_rows(rng, paths)
    row_deal = renumber[row_deal]
    rows = np.flatnonzero(row_deal >= 0)
    rows = rows[np.argsort(row_deal[rows], kind="stable")]  # keeps each deal's path order
    row_deal, row_stage, row_day, row_tod = (
        a[rows] for a in (row_deal, row_stage, row_day, row_tod)
    )
    first = np.r_[True, row_deal[1:] != row_deal[:-1]]
    row_at = row_day * _DAY + row_tod
    row_at[first] = created_sec[kept][row_deal[first]]  # the Prospecting row is the creation

    counts = np.bincount(row_deal, minlength=len(kept))
    starts = np.cumsum(counts) - counts
    rank = np.arange(len(row_deal)) - starts[row_deal]
    frac = rank / np.maximum(counts[row_deal] - 1, 1)
    d = kept[row_deal]
    row_amount = _round(amount[d] * np.exp(drift[d] * (1 - frac)), 100)
    closed_row = row_stage >= _WON
    expected = np.maximum(
        planned[d] + np.round(slip[d] * frac).astype(np.int64), row_day + ahead[d]
    )
    row_close_day = np.where(closed_row, row_day, expected)
    u = rng.random(len(row_deal))
    row_category = np.select(
        [row_stage <= 2, row_stage == 3, row_stage == 4, row_stage == _WON],
        [0, np.where(u < 0.2, 2, 1), np.where(u < 0.25, 1, 2), 3],
        4,
    )

    final = starts + counts - 1
    stage = row_stage[final]
    closed = stage >= _WON
    closed_at = np.where(closed, row_at[final], -1)
    close_day = row_close_day[final]
    owner = _owners(staff, creator[kept], np.where(closed, close_day, _END))
    team = staff.team[creator[kept]]
    pool = np.maximum(10, np.ceil(0.45 * np.bincount(team, minlength=n_teams))).astype(np.int64)
    offset = np.cumsum(pool) - pool
    account = offset[team] + (rng.random(len(kept)) * pool[team]).astype(np.int64)
    return _Deals(
        owner=owner,
        creator=creator[kept],
        segment=segment[kept],
        source=source[kept],
        product=product[kept],
        account=account,
        created=created_sec[kept],
        close_day=close_day,
        closed_at=closed_at,
        stage=stage,
        amount=row_amount[final],
        category=row_category[final],
        row_deal=row_deal,
        row_stage=row_stage,
        row_at=row_at,
        row_amount=row_amount,
        row_close_day=row_close_day,
        row_category=row_category,
    )


@dataclass(frozen=True)
class _Changes:
    """Deal-change rows in (deal, time) order; -1 (NaN for amounts) where a field is unchanged."""

    deal: np.ndarray
    at: np.ndarray  # seconds
    stage: np.ndarray
    amount: np.ndarray
    close_day: np.ndarray
    category: np.ndarray


def _between(rng: np.random.Generator, day0: np.ndarray, day1: np.ndarray) -> np.ndarray:
    """Seconds of a working hour on a day strictly between ``day0`` and ``day1`` (2+ days apart)."""
    day = rng.integers(day0 + 1, day1)
    return day * _DAY + rng.integers(8 * _HOUR, 19 * _HOUR, len(day))


def _pushes(
    rng: np.random.Generator,
    deals: _Deals,
    i: np.ndarray,
    day1: np.ndarray,
    keep: np.ndarray,
    downgradable: np.ndarray,
) -> _Changes:
    """Close-date pushes between stage-history rows ``i`` and ``i + 1`` (next day ``day1``).

    Each time the expected close date passes before the next stage entry, the rep moves it out
    within a few days with chance ``keep`` (else it stays in the past); never beyond the next
    open stage entry's close date. A push may take a ``downgradable`` commit deal to best case.
    """
    next_open = deals.row_stage[i + 1] < _WON
    cap = np.where(next_open, deals.row_close_day[i + 1], _NEVER)
    current = deals.row_close_day[i].copy()
    active = np.arange(len(i))
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    while len(active):
        noticed = current[active] + rng.integers(0, 4, len(active))
        pushed = (noticed < day1[active]) & (rng.random(len(active)) < keep[active])
        active, noticed = active[pushed], noticed[pushed]
        moved = np.minimum(current[active] + rng.integers(*_PUSH_DAYS, len(active)), cap[active])
        current[active] = moved
        seconds = noticed * _DAY + rng.integers(8 * _HOUR, 19 * _HOUR, len(active))
        parts.append((active, seconds, moved))
    which, at, moved = (np.concatenate(column) for column in zip(*parts, strict=True))
    downgrade = downgradable[which] & (rng.random(len(which)) < _DOWNGRADE)
    n = len(which)
    category = np.where(downgrade, _BEST_CASE, -1)
    return _Changes(deals.row_deal[i[which]], at, _kept(n), np.full(n, np.nan), moved, category)


def _kept(count: int) -> np.ndarray:
    """Codes of a field a change leaves as it was."""
    return np.full(count, -1)


def _deal_changes(rng: np.random.Generator, deals: _Deals) -> _Changes:
    """Every stage-history row as a change, and the changes between them, fields carried forward.

    Between two stage entries of a deal: close-date pushes (``_pushes``; lost deals are pushed
    more often, and neglected ones many times), a requote of the amount up or down, and forecast
    moves before the deal closes: best case to commit before a win, commit or best case back to
    pipeline before a loss. Nothing changes after a deal's last stage entry, so its last change is
    its current state.
    """
    i = np.flatnonzero(deals.row_deal[:-1] == deals.row_deal[1:])  # rows with a next row
    deal = deals.row_deal[i]
    day0, day1 = deals.row_at[i] // _DAY, deals.row_at[i + 1] // _DAY
    roomy = day1 - day0 >= 2
    outcome = deals.stage[deal]
    won = outcome == _WON
    category = deals.row_category[i]

    closing = roomy & (deals.row_stage[i + 1] >= _WON)
    movable = np.where(won, category == _BEST_CASE, np.isin(category, (_BEST_CASE, _COMMIT)))
    moves = closing & movable & (rng.random(len(i)) < np.where(won, _UPGRADE, _FADE))
    moved = np.flatnonzero(moves)

    keep = np.select([won, outcome == _LOST], [_PUSH_KEPT[_WON], _PUSH_KEPT[_LOST]], _PUSH_OPEN)
    pushes = _pushes(rng, deals, i, day1, keep, (category == _COMMIT) & ~moves)

    resized = np.flatnonzero(roomy & (rng.random(len(i)) < _RESIZE))
    before = deals.row_amount[i[resized]]
    requote = np.maximum(_round(before * rng.lognormal(0.0, _RESIZE_SD, len(resized)), 100), 500.0)
    requote = np.where(requote == before, requote + 100, requote)

    n_resized, n_moved = len(resized), len(moved)
    parts = [
        _Changes(
            deals.row_deal, deals.row_at, deals.row_stage, deals.row_amount,
            deals.row_close_day, deals.row_category,
        ),
        pushes,
        _Changes(
            deal[resized], _between(rng, day0[resized], day1[resized]), _kept(n_resized),
            requote, _kept(n_resized), _kept(n_resized),
        ),
        _Changes(
            deal[moved], _between(rng, day0[moved], day1[moved]), _kept(n_moved),
            np.full(n_moved, np.nan), _kept(n_moved), np.where(won[moved], _COMMIT, _PIPELINE),
        ),
    ]  # fmt: skip
    fields = ("deal", "at", "stage", "amount", "close_day", "category")
    merged = {f: np.concatenate([getattr(p, f) for p in parts]) for f in fields}
    kind = np.repeat(np.arange(len(parts)), [len(p.deal) for p in parts])
    order = np.lexsort((kind, merged["at"], merged["deal"]))
    merged = {f: v[order] for f, v in merged.items()}
    for f in ("stage", "amount", "close_day", "category"):  # every deal starts with a full row
        given = ~np.isnan(merged[f]) if f == "amount" else merged[f] >= 0
        merged[f] = merged[f][np.maximum.accumulate(np.where(given, np.arange(len(given)), 0))]
    return _Changes(**merged)


def _opportunity_frames(deals: _Deals, rep_ids: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = _deal_ids(len(deals.owner))
    stages = np.array(STAGES, dtype=object)
    categories = np.array(_CATEGORIES, dtype=object)
    opportunities = pd.DataFrame(
        {
            "opportunity_id": ids,
            "rep_id": rep_ids[deals.owner],
            "account_id": _ids("A", int(deals.account.max()) + 1, 6)[deals.account],
            "created_at": _stamps(deals.created),
            "close_date": _dates(deals.close_day),
            "stage": stages[deals.stage],
            "is_closed": deals.stage >= _WON,
            "is_won": deals.stage == _WON,
            "amount": deals.amount,
            "currency": np.full(len(ids), "USD", dtype=object),
            "forecast_category": categories[deals.category],
            "source": np.array(SOURCES, dtype=object)[deals.source],
            "segment": np.array(SEGMENTS, dtype=object)[deals.segment],
            "product": np.array(PRODUCTS, dtype=object)[deals.product],
        }
    )
    stage_history = pd.DataFrame(
        {
            "opportunity_id": ids[deals.row_deal],
            "stage": stages[deals.row_stage],
            "entered_at": _stamps(deals.row_at),
            "amount": deals.row_amount,
            "close_date": _dates(deals.row_close_day),
            "forecast_category": categories[deals.row_category],
        }
    )
    return opportunities, stage_history


def _changes_frame(changes: _Changes, n_deals: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "opportunity_id": _deal_ids(n_deals)[changes.deal],
            "changed_at": _stamps(changes.at),
            "stage": np.array(STAGES, dtype=object)[changes.stage],
            "amount": changes.amount,
            "close_date": _dates(changes.close_day),
            "forecast_category": np.array(_CATEGORIES, dtype=object)[changes.category],
        }
    )


def _employed_reps(rng: np.random.Generator, staff: _Staff, day: np.ndarray) -> np.ndarray:
    """A rep employed on each day, uniformly among them (by redrawing the ones who were not)."""
    rep = rng.integers(0, len(staff.team), len(day))
    bad = ~staff.employed(rep, day)
    while bad.any():
        rep[bad] = rng.integers(0, len(staff.team), bad.sum())
        bad[bad] = ~staff.employed(rep[bad], day[bad])
    return rep


def _leads(
    rng: np.random.Generator, staff: _Staff, deals: _Deals, rep_ids: np.ndarray
) -> pd.DataFrame:
    """Converted leads behind most non-outbound deals, plus the leads that never converted.

    A converted lead is created days to months before its deal (median 12 days, never before its
    rep's hire) and converts at, or up to an hour before, the deal's creation; leads before
    DEMO_START are not kept. Per source, unconverted leads are added so that conversion =
    ``_LEAD_CONVERSION``; 15 % are unassigned; the older an unconverted lead, the likelier it is
    disqualified rather than still open.
    """
    n = len(deals.owner)
    has_lead = rng.random(n) < _FROM_LEAD[deals.source]
    converted_at = deals.created - np.where(rng.random(n) < 0.5, 0, rng.integers(1, _HOUR, n))
    lag = np.clip(np.round(rng.lognormal(np.log(12), 1.0, n)), 1, 180).astype(np.int64)
    lead_created = converted_at - lag * _DAY - rng.integers(0, 8 * _HOUR, n)
    lead_created = np.maximum(lead_created, staff.hire[deals.creator] * _DAY)  # rep owns it
    converted = np.flatnonzero(has_lead & (lead_created >= _START * _DAY))

    per_source = np.bincount(deals.source[converted], minlength=len(SOURCES))
    extra = np.round(per_source * (1 - _LEAD_CONVERSION) / _LEAD_CONVERSION).astype(np.int64)
    m = int(extra.sum())
    source = np.repeat(np.arange(len(SOURCES)), extra)
    day = rng.integers(_START, _END + 1, m)
    created = day * _DAY + rng.integers(0, _DAY, m)
    rep = np.where(rng.random(m) < 0.15, -1, _employed_reps(rng, staff, day))
    age = _END - day
    p_open = np.where(age < 30, 0.85, np.where(age < 90, 0.5, 0.04))
    status = np.where(rng.random(m) < p_open, "open", "disqualified")

    opportunity_ids = _deal_ids(n)
    nat = np.full(m, np.datetime64("NaT"), dtype="datetime64[ns]")
    frame = pd.DataFrame(
        {
            "created_at": np.concatenate([_stamps(lead_created[converted]), _stamps(created)]),
            "source": np.array(SOURCES, dtype=object)[
                np.concatenate([deals.source[converted], source])
            ],
            "rep_id": np.concatenate(
                [rep_ids[deals.creator[converted]], np.where(rep >= 0, rep_ids[rep], None)]
            ),
            "status": np.concatenate([np.full(len(converted), "converted"), status]).astype(object),
            "converted_at": np.concatenate([_stamps(converted_at[converted]), nat]),
            "opportunity_id": np.concatenate([opportunity_ids[converted], np.full(m, None)]),
        }
    )
    frame = frame.sort_values("created_at", kind="stable", ignore_index=True)
    frame.insert(0, "lead_id", _ids("L", len(frame), 7))
    return frame


@dataclass(frozen=True)
class _Quarters:
    """Quarters of the history: calendar index (months since 1970 // 3), first day, end day."""

    index: np.ndarray
    start: np.ndarray
    after: np.ndarray

    @classmethod
    def of_history(cls) -> _Quarters:
        index = np.arange(_quarter_of(np.array([_START]))[0], _quarter_of(np.array([_END]))[0] + 1)
        return cls(index, _quarter_start(index), _quarter_start(index + 1))

    def and_next(self) -> _Quarters:
        """These quarters and the one after them (quotas for it are set before it starts)."""
        index = np.r_[self.index, self.index[-1] + 1]
        return _Quarters(index, _quarter_start(index), _quarter_start(index + 1))


def _bookings(staff: _Staff, deals: _Deals, quarters: _Quarters) -> np.ndarray:
    """Closed-won amount per (rep, quarter) by close date and current owner."""
    won = np.flatnonzero(deals.stage == _WON)
    column = _quarter_of(deals.close_day[won]) - quarters.index[0]
    booked = np.zeros((len(staff.team), len(quarters.index)))
    np.add.at(booked, (deals.owner[won], column), deals.amount[won])
    return booked


def _quotas(
    staff: _Staff, booked: np.ndarray, quarters: _Quarters, n_teams: int, rep_ids: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray]:
    """Quota rows and the quota per (rep, quarter), 0 where the rep holds none.

    ``quarters`` may run past the booked ones (``booked`` has a column for each of the first): the
    quarter after DEMO_END has quotas already, for the reps employed on DEMO_END. A rep's first
    quota quarter is the one that holds their 90th day (onboarding done, and most of the deals a
    successor inherits closed); quotas stop with the quarter in which they leave. In the first two
    quota quarters it is 50/75 % of full.

    Quotas are planned from what reps book, per territory: full quota = team level x season
    (Q4 x 1.15) x 10 % yearly growth x the territory's potential (the rep's deal flow x win rate x
    deal size, averaging 1 in a team), where the level is the team's average bookings per unit of
    that plan over fully ramped reps; scaled so that the median rep attains 85 %; rounded to
    1,000. Splitting the team's number by territory, and starting quotas once onboarding is done,
    keep attainment centred under 100 % with a right tail, instead of a second hump of reps far
    above quota (new hires on a small quota closing inherited deals, big territories).
    """
    tenure = quarters.index[None, :] - _quarter_of(staff.hire + _FIRST_QUOTA_DAY)[:, None]
    held = (tenure >= 0) & (staff.end[:, None] >= quarters.after[None, :] - 1)
    years = ((quarters.start + quarters.after) / 2 - _START) / 365.25
    season = _QUOTA_SEASON[quarters.index % 4] * (1 + _GROWTH) ** years
    territory = staff.volume * staff.win * staff.size
    territory /= (np.bincount(staff.team, territory) / np.bincount(staff.team))[staff.team]
    ramp = np.where(tenure < len(_RAMP), _RAMP[np.clip(tenure, 0, len(_RAMP) - 1)], 1.0)
    unit = territory[:, None] * season[None, :]
    past = booked.shape[1]
    rep, col = np.nonzero(held[:, :past] & (ramp[:, :past] == 1.0))
    level = np.bincount(staff.team[rep], booked[rep, col] / unit[rep, col], minlength=n_teams)
    level /= np.bincount(staff.team[rep], minlength=n_teams)
    plan = level[staff.team][:, None] * unit * ramp
    rep, col = np.nonzero(held[:, :past])
    scale = np.median(booked[rep, col] / plan[rep, col]) / _MEDIAN_ATTAINMENT
    by_rep = np.where(held, _round(plan * scale, 1_000), 0.0)
    rep, col = np.nonzero(held)
    frame = pd.DataFrame(
        {
            "rep_id": rep_ids[rep],
            "quarter_start": _dates(quarters.start[col]),
            "quota": by_rep[rep, col],
        }
    )
    frame = frame.sort_values(["quarter_start", "rep_id"], ignore_index=True)
    return frame, by_rep


def _call_slots(quarters: _Quarters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(quarter, day, is the quarter's last day) of every call slot: Mondays, then the last day."""
    slot_q, slot_day, slot_last = [], [], []
    for q, (start, after) in enumerate(zip(quarters.start, quarters.after, strict=True)):
        weekday = (_EPOCH64 + start - np.datetime64("1970-01-05")).astype(np.int64) % 7  # Mon 0
        mondays = np.arange(start + (-weekday) % 7, after, 7)
        days = mondays if mondays[-1] == after - 1 else np.r_[mondays, after - 1]
        slot_q += [q] * len(days)
        slot_day += list(days)
        slot_last += [False] * len(mondays) + [True] * (len(days) - len(mondays))
    return np.array(slot_q), np.array(slot_day), np.array(slot_last)


def _forecast_submissions(
    rng: np.random.Generator,
    staff: _Staff,
    deals: _Deals,
    quarters: _Quarters,
    quota: np.ndarray,
    n_teams: int,
    rep_ids: np.ndarray,
) -> pd.DataFrame:
    """Weekly cumulative calls (Mondays 08-12 h, plus the quarter's last day 14-18 h).

    With W = closed won so far, A = closed won at quarter end, r = share of the quarter left and
    P = 85 % of the rep's quota (0 without one), a rep expects E = A + 0.15 r (P - A) (early in the
    quarter the outcome is barely visible and the call leans on the plan) and calls
    commit = max(W, E exp(e)) with the log error
    e = b (0.08 + 0.92 sqrt r) + (mood + team + read + wobble) (0.1 + 0.9 r) + slip (1 - r).
    b is the rep's habit (``_HABIT_BIAS``); the mood is shared by every team in the quarter and
    the team error by a team's reps in the quarter, so team totals miss as well; the read is the
    rep's own for the quarter and the wobble changes weekly; slip (0-6 %) is what late calls
    commit that then slips out of the quarter. Early team calls miss by 10-30 %, the last ones by
    a few percent, mostly over.
    best case = commit + (A + 0.2 x quota) x upside x (0.25 + 0.75 r);
    pipeline = best case + (A - W + quota) x r^0.7. Each part above W is rounded to 100.
    """
    slot_q, slot_day, slot_last = _call_slots(quarters)
    rep, slot = np.nonzero(
        (staff.hire[:, None] <= slot_day[None, :]) & (slot_day[None, :] <= staff.end[:, None])
    )
    q, day = slot_q[slot], slot_day[slot]
    hour = np.where(slot_last[slot], 14, 8)
    at = day * _DAY + hour * _HOUR + rng.integers(0, 4 * _HOUR, len(rep))
    n_quarters = len(quarters.index)
    mood = rng.normal(0.0, _MOOD_SD, n_quarters)
    team_error = mood[None, :] + rng.normal(0.0, _TEAM_SD, (n_teams, n_quarters))
    read = rng.normal(0.0, _READ_SD, (len(staff.team), n_quarters))
    slip = rng.uniform(0.0, 2 * _SLIP, (len(staff.team), n_quarters))
    wobble = rng.normal(0.0, _WOBBLE_SD, len(rep))

    won = np.flatnonzero(deals.stage == _WON)
    key = deals.owner[won] * 2**32 + deals.closed_at[won]
    sort = np.argsort(key, kind="stable")
    key = key[sort]
    total = np.r_[0.0, np.cumsum(deals.amount[won][sort])]

    def won_before(seconds: np.ndarray) -> np.ndarray:
        return total[np.searchsorted(key, rep * 2**32 + seconds, side="left")]

    opened = won_before(quarters.start[q] * _DAY)
    so_far = won_before(at) - opened
    actual = won_before(quarters.after[q] * _DAY) - opened
    left = 1 - (day - quarters.start[q]) / (quarters.after[q] - 1 - quarters.start[q])
    rep_quota = quota[rep, q]
    expected = actual + _PLAN_PULL * left * (_MEDIAN_ATTAINMENT * rep_quota - actual)
    bias = np.interp(staff.habit, _HABIT_Z, _HABIT_BIAS)[rep]
    spread = _ERROR_KEPT + (1 - _ERROR_KEPT) * left
    error = bias * (_BIAS_KEPT + (1 - _BIAS_KEPT) * np.sqrt(left))
    error += (team_error[staff.team[rep], q] + read[rep, q] + wobble) * spread
    error += slip[rep, q] * (1 - left)
    commit = so_far + _round(np.maximum(expected * np.exp(error) - so_far, 0.0), 100)
    upside = (actual + 0.2 * rep_quota) * staff.upside[rep] * (0.25 + 0.75 * left)
    best_case = commit + _round(upside, 100)
    pipeline = best_case + _round((actual - so_far + rep_quota) * left**0.7, 100)
    by_category = {"commit": commit, "best_case": best_case, "pipeline": pipeline}
    calls = np.stack([by_category[c] for c in FORECAST_CATEGORIES], axis=1)
    k = len(FORECAST_CATEGORIES)
    frame = pd.DataFrame(
        {
            "rep_id": np.repeat(rep_ids[rep], k),
            "quarter_start": np.repeat(_dates(quarters.start[q]), k),
            "submitted_at": np.repeat(_stamps(at), k),
            "category": np.tile(np.array(FORECAST_CATEGORIES, dtype=object), len(rep)),
            "amount": calls.ravel(),
        }
    )
    return frame.sort_values(["submitted_at", "rep_id"], kind="stable", ignore_index=True)


def _stages() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "stage": np.array(STAGES, dtype=object),
            "sort_order": np.arange(1, len(STAGES) + 1, dtype=np.int64),
            "is_closed": np.array([False] * 5 + [True, True]),
            "is_won": np.array([False] * 5 + [True, False]),
            "probability": np.array([0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 0.0]),
        }
    )


def _fx_rates() -> pd.DataFrame:
    """Deal amounts are USD; EUR and GBP bill some customers' recurring revenue."""
    return pd.DataFrame(
        {
            "currency": np.array(["USD", "EUR", "GBP"], dtype=object),
            "rate": np.array([1.0, 1.08, 1.27]),
            "valid_from": _dates(np.full(3, _START)),
        }
    )


def generate(seed: int = DEFAULT_SEED, scale: int = 1) -> dict[str, pd.DataFrame]:
    """Every contract table of the demo CRM for ``seed``, with 5 x ``scale`` teams.

    Columns follow the contract's names and order; ``*_at`` are naive UTC ``datetime64[ns]``,
    dates are ``datetime64[ns]`` at midnight, amounts float64, flags bool, ids strings.
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 1:
        raise ParamsError(f"demo scale must be a whole number of at least 1, got {scale!r}")
    rng = np.random.default_rng(seed)
    teams = _team_names(scale)
    staff = _staff(rng, len(teams))
    reps = _reps_frame(rng, staff, teams)
    rep_ids = reps["rep_id"].to_numpy()
    deals = _deals(rng, staff, len(teams))
    opportunities, stage_history = _opportunity_frames(deals, rep_ids)
    leads = _leads(rng, staff, deals, rep_ids)
    quarters = _Quarters.of_history()
    booked = _bookings(staff, deals, quarters)
    quotas, quota = _quotas(staff, booked, quarters.and_next(), len(teams), rep_ids)
    forecasts = _forecast_submissions(rng, staff, deals, quarters, quota, len(teams), rep_ids)
    changes = _deal_changes(np.random.default_rng([seed, _CHANGES_STREAM]), deals)
    activity_rng = np.random.default_rng([seed, _ACTIVITY_STREAM])
    activity = demo_activity.tables(activity_rng, reps, opportunities, leads, DEMO_END)
    fx_rates = _fx_rates()
    revenue_rng = np.random.default_rng([seed, _REVENUE_STREAM])
    deal_types, revenue = demo_revenue.tables(
        revenue_rng, reps, opportunities, fx_rates, SOURCES, DEMO_START, DEMO_END
    )
    opportunities = opportunities.assign(deal_type=deal_types)
    return {
        "reps": reps,
        "leads": leads,
        "opportunities": opportunities,
        "stage_history": stage_history,
        "deal_changes": _changes_frame(changes, len(opportunities)),
        "stages": _stages(),
        "quotas": quotas,
        "forecast_submissions": forecasts,
        **activity,
        **revenue,
        "fx_rates": fx_rates,
    }


def _typed(name: str, column: str) -> str:
    """SQL of a frame's column as written: cast to its contract type in a contract table, else
    as DuckDB reads the frame (the demo marker)."""
    spec = contract.TABLES.get(name)
    if spec is None or column not in spec.columns:
        return f'"{column}"'
    return f'CAST("{column}" AS {DuckDBType.to_string(spec.columns[column])}) AS "{column}"'


def write_tables(out: Path, tables: Mapping[str, pd.DataFrame]) -> dict[str, int]:
    """Write ``tables`` into a new DuckDB file at ``out``, all or nothing; row counts per table.

    The columns of contract tables take their contract types. The file is built beside ``out``
    under a temporary name and moved into place with ``os.replace``, so a reader sees the old
    file or the complete new one, never a partial one.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    leftovers = (temporary, temporary.with_name(temporary.name + ".wal"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(temporary)) as con:
            for name, frame in tables.items():
                columns = ", ".join(_typed(name, column) for column in frame.columns)
                con.register("incoming", frame)
                con.execute(f'CREATE TABLE "{name}" AS SELECT {columns} FROM incoming')
                con.unregister("incoming")
        os.replace(temporary, out)
    except BaseException:
        for path in leftovers:
            path.unlink(missing_ok=True)
        raise
    return {name: len(frame) for name, frame in tables.items()}


DEMO_MARKER = "salesops_demo"  # a one-row table (seed, scale): the file is a demo, not a real CRM


def write_demo(out: Path, seed: int = DEFAULT_SEED, scale: int = 1) -> dict[str, int]:
    """Generate the demo CRM and write it, with its ``DEMO_MARKER`` table, to the DuckDB file
    ``out``; row counts per contract table."""
    marker = pd.DataFrame({"seed": [seed], "scale": [scale]})
    counts = write_tables(out, {**generate(seed, scale), DEMO_MARKER: marker})
    del counts[DEMO_MARKER]
    return counts
