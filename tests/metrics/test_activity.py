"""Active reps, activity per rep and CRM adoption on a hand-built CRM, worked out in the comments.

2026Q3 runs Jul 1 to Oct 1 (92 days). Its weeks, 0-based, start Jul 1 + 7k: week 4 on Jul 29,
week 6 on Aug 12, week 11 on Sep 16, and week 12, the last, runs Sep 23 to Sep 30 (8 days).

Active reps and the weeks they were employed in:
    a1 East  quota                              weeks 0-12  13
    a2 East  open deal, hired Aug 1 (week 4)    weeks 4-12   9
    a3 East  quota, left Jul 14 (week 1)        weeks 0-1    2
    a8 East  deal lost Jul 1, hired Aug 12      weeks 6-12   7
    b1 West  quota, left Jul 20 (week 2)        weeks 0-2    3
    b2 West  quota, left Jul 15 (week 2)        weeks 0-2    3
Not active: a4 (no quota, no deal), a5 (left Jun 30), a6 (a 2026Q2 quota, a deal closed Jun 30),
a7 (a deal created Oct 1).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from tiny_crm import crm, deal, rep, table

from salesops.data.contract import ACTIVITY_TYPES
from salesops.errors import ParamsError
from salesops.metrics import MissingTableError
from salesops.metrics.activity import (
    LOW_ACTIVITY_SHARE,
    QUARTER_WEEKS,
    active_reps,
    adoption_trend,
    crm_adoption,
    rep_activity,
    weekly_by_type,
)
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")
Q2 = Q3.previous()
REPS = [
    rep("a1", "East"),
    rep("a2", "East", hire="2026-08-01"),
    rep("a3", "East", end_date="2026-07-14"),
    rep("a4", "East", role="SDR"),
    rep("a5", "East", end_date="2026-06-30"),
    rep("a6", "East"),
    rep("a7", "East"),
    rep("a8", "East", hire="2026-08-12"),
    rep("b1", "West", end_date="2026-07-20"),
    rep("b2", "West", end_date="2026-07-15"),
]
DEALS = [
    deal("o2", "a2", "2026-06-15 00:00", "2026-09-30", "Proposal"),
    deal("o6", "a6", "2026-03-01 00:00", "2026-06-30", "Closed Won"),
    deal("o7", "a7", "2026-10-01 00:00", "2026-12-01", "Proposal"),
    deal("o8", "a8", "2026-06-01 00:00", "2026-07-01", "Closed Lost"),
]
QUOTAS = [
    {"rep_id": name, "quarter_start": "2026-07-01", "quota": 1000.0}
    for name in ("a1", "a3", "a5", "b1", "b2")
] + [{"rep_id": "a6", "quarter_start": "2026-04-01", "quota": 1000.0}]


def _day(week: int, offset: int = 0) -> str:
    """10:00 on the ``offset``-th day of 2026Q3's week ``week`` (0-based)."""
    return (datetime(2026, 7, 1, 10) + timedelta(days=7 * week + offset)).isoformat()


def _activities() -> list[dict]:
    rows: list[tuple[str, str, str]] = []
    # a1: a call every week (13) and, in week 0, 6 emails, 4 meetings, 2 tasks, 1 other: 26
    rows += [("a1", "call", _day(week)) for week in range(13)]
    for kind, count in (("email", 6), ("meeting", 4), ("task", 2), ("other", 1)):
        rows += [("a1", kind, _day(0, 1))] * count
    rows += [("a1", "call", "2026-06-30 23:59"), ("a1", "call", "2026-10-01 00:00")]  # outside
    # a2: an email in each of weeks 4 to 11 from its hire day on, a meeting in week 11: 9
    rows += [("a2", "email", _day(week, 3)) for week in range(4, 12)]
    rows += [("a2", "meeting", _day(11, 3))]
    # a8: one call, week 6; b1: 4 calls in week 0, 3 in week 1; b2: one call in week 0
    rows += [("a8", "call", _day(6))]
    rows += [("b1", "call", _day(0))] * 4 + [("b1", "call", _day(1))] * 3
    rows += [("b2", "call", _day(0))]
    rows += [("a4", "call", _day(0))] * 5  # not active
    return [
        {"activity_id": f"x{k}", "rep_id": name, "type": kind, "occurred_at": at}
        for k, (name, kind, at) in enumerate(rows)
    ]


def _logins() -> list[dict]:
    # a2 in week 12; a3 in weeks 0 and 1; a8 in weeks 7 to 11; b1 in week 2
    uses = [("a2", 12), ("a3", 0), ("a3", 1), *(("a8", week) for week in range(7, 12)), ("b1", 2)]
    return [{"rep_id": name, "login_at": _day(week, 2)} for name, week in uses]


def tables(*, activities: bool = True, logins: bool = True, quotas: bool = True) -> dict:
    crm_tables = crm(REPS, DEALS, quotas=QUOTAS if quotas else None)
    if activities:
        crm_tables["activities"] = table("activities", _activities())
    if logins:
        crm_tables["logins"] = table("logins", _logins())
    return crm_tables


def _weeks(frame: Any, column: str = "weeks_employed") -> dict[str, int]:
    return dict(zip(frame["rep_id"], frame[column], strict=True))


# ---- active reps ----------------------------------------------------------------------------


def test_active_reps_have_a_quota_or_a_deal_in_the_quarter_and_were_employed_in_it() -> None:
    frame = active_reps(tables(), Q3).execute()
    assert set(frame.columns) == {"rep_id", "rep_name", "team", "weeks_employed"}
    assert _weeks(frame) == {"a1": 13, "a2": 9, "a3": 2, "a8": 7, "b1": 3, "b2": 3}
    assert _weeks(active_reps(tables(), Q3, "West").execute()) == {"b1": 3, "b2": 3}
    # without quotas, only deals make a rep active
    assert _weeks(active_reps(tables(quotas=False), Q3).execute()) == {"a2": 9, "a8": 7}
    # 2026Q2: a6's quota and deal; a2 and a8 own deals open then but were not yet hired
    assert _weeks(active_reps(tables(), Q2).execute()) == {"a6": 13}


def test_every_quarter_has_13_weeks_the_last_of_7_or_8_days() -> None:
    # 2026Q3 (92 days): Sep 22 is in week 11, Sep 23 and Sep 30 in week 12. 2026Q2 (91 days):
    # Jun 23 is in week 11, Jun 24 in week 12. Leaving Jul 7 (week 0) or Jul 8 (week 1).
    hires = {"h1": "2026-09-22", "h2": "2026-09-23", "h3": "2026-09-30"}
    hires |= {"h4": "2026-06-23", "h5": "2026-06-24"}
    reps = [rep(name, hire=day) for name, day in hires.items()]
    reps += [rep("l1", end_date="2026-07-07"), rep("l2", end_date="2026-07-08")]
    quotas = [
        {"rep_id": r["rep_id"], "quarter_start": start, "quota": 1.0}
        for r in reps
        for start in ("2026-04-01", "2026-07-01")
    ]
    crm_tables = crm(reps, [], quotas=quotas)
    assert QUARTER_WEEKS == 13 and Q3.weeks == 14 and Q2.weeks == 13
    q3 = _weeks(active_reps(crm_tables, Q3).execute())
    assert q3 == {"h1": 2, "h2": 1, "h3": 1, "h4": 13, "h5": 13, "l1": 1, "l2": 2}
    q2 = _weeks(active_reps(crm_tables, Q2).execute())
    assert q2 == {"h4": 2, "h5": 1, "l1": 13, "l2": 13}


# ---- activity per rep ----------------------------------------------------------------------


def test_activity_per_rep_week_by_hand() -> None:
    # per week: a1 26 / 13 = 2, a2 9 / 9 = 1, a3 0 / 2 = 0, a8 1 / 7, b1 7 / 3, b2 1 / 3; the
    # median of the six: (1/3 + 1) / 2 = 2/3. a4's and the activities outside the quarter are
    # not counted: 26 + 9 + 1 + 7 + 1 = 44
    result = rep_activity(tables(), Q3)
    assert (result.quarter, result.team, result.as_of) == ("2026Q3", "all", None)
    assert (result.active_reps, result.activities) == (6, 44)
    assert result.activities_per_rep_week == 2 / 3
    by_rep = result.by_rep
    assert list(by_rep.columns) == [
        "rep_id",
        "rep_name",
        "team",
        "weeks",
        "activities",
        "call",
        "email",
        "meeting",
        "task",
        "other",
        "per_week",
        "low",
    ]
    assert list(by_rep["rep_id"]) == ["b1", "a1", "a2", "b2", "a8", "a3"]  # highest rate first
    assert _weeks(by_rep, "weeks") == {"a1": 13, "a2": 9, "a3": 2, "a8": 7, "b1": 3, "b2": 3}
    assert _weeks(by_rep, "per_week") == {
        "a1": 2.0,
        "a2": 1.0,
        "a3": 0.0,
        "a8": 1 / 7,
        "b1": 7 / 3,
        "b2": 1 / 3,
    }
    a1 = by_rep.set_index("rep_id").loc["a1"]
    assert [a1[kind] for kind in ("call", "email", "meeting", "task", "other")] == [13, 6, 4, 2, 1]
    assert a1["activities"] == 26


def test_a_rep_under_a_quarter_of_the_teams_median_is_low_and_one_exactly_at_it_is_not() -> None:
    # East: 0, 1/7, 1, 2 -> median (1/7 + 1) / 2 = 4/7, a quarter of it 1/7: a3 (0) is low, a8
    # (exactly 1/7) is not. West: 1/3 and 7/3 -> median 4/3, a quarter 1/3: b2, exactly at it,
    # is not low, though in floating point 1/3 < 0.25 * (1/3 + 7/3) / 2
    assert LOW_ACTIVITY_SHARE == 0.25
    assert 1 / 3 < 0.25 * ((1 / 3 + 7 / 3) / 2)
    result = rep_activity(tables(), Q3)
    assert result.low_activity_reps == ("Rep a3",)
    assert _weeks(result.by_rep, "low") == {
        "a1": False,
        "a2": False,
        "a3": True,
        "a8": False,
        "b1": False,
        "b2": False,
    }
    # weeks: East 13 + 9 + 2 + 7 = 31, West 3 + 3 = 6; West logged 8 calls and nothing else
    columns = ["team", "active_reps", "activities", "median_per_week", "low_activity_reps"]
    assert [tuple(row) for row in result.by_team[[*columns, "weeks"]].itertuples(index=False)] == [
        ("East", 4, 36, 4 / 7, 1, 31),
        ("West", 2, 8, 4 / 3, 0, 6),
    ]
    assert list(result.by_team.columns) == [*columns, "weeks", *ACTIVITY_TYPES]
    assert result.by_team.set_index("team").loc["West", list(ACTIVITY_TYPES)].tolist() == [
        8,
        0,
        0,
        0,
        0,
    ]


def test_weekly_by_type_divides_each_type_by_the_weeks_counted() -> None:
    # a1: 13 calls, 6 emails, 4 meetings, 2 tasks, 1 other over 13 weeks; West pooled: 8 calls
    # over its reps' 6 weeks = 4/3 a week
    result = rep_activity(tables(), Q3)
    a1 = weekly_by_type(result.by_rep.set_index("rep_id")).loc["a1"]
    assert a1.tolist() == [1.0, 6 / 13, 4 / 13, 2 / 13, 1 / 13]
    west = weekly_by_type(result.by_team.set_index("team")).loc["West"]
    assert west.tolist() == [8 / 6, 0.0, 0.0, 0.0, 0.0]


def test_activity_of_one_team() -> None:
    # West: b1 7/3, b2 1/3 -> 4/3; the activities of East's reps are not West's
    west = rep_activity(tables(), Q3, "West")
    assert (west.active_reps, west.activities, west.activities_per_rep_week) == (2, 8, 4 / 3)
    assert list(west.by_team["team"]) == ["West"] and west.low_activity_reps == ()


def test_as_of_counts_the_weeks_up_to_the_datas_last_day() -> None:
    # Jul 31 is in week 4: weeks 0-4 counted. a2 (hired Aug 1) and a8 (Aug 12) are not yet
    # counted. a1: calls in weeks 0-4 and the 13 of week 0 = 18 over 5 weeks; a3 0 over 2; b1
    # 7 / 3, b2 1 / 3. Median of 0, 1/3, 7/3, 18/5: (1/3 + 7/3) / 2 = 4/3
    result = rep_activity(tables(), Q3, as_of=date(2026, 7, 31))
    assert result.as_of == date(2026, 7, 31)
    assert _weeks(result.by_rep, "weeks") == {"a1": 5, "a3": 2, "b1": 3, "b2": 3}
    assert _weeks(result.by_rep, "activities") == {"a1": 18, "a3": 0, "b1": 7, "b2": 1}
    assert result.activities_per_rep_week == 4 / 3
    # a data's last day after the quarter counts it whole
    later = rep_activity(tables(), Q3, as_of=date(2026, 12, 31))
    assert later.by_rep.equals(rep_activity(tables(), Q3).by_rep)


def test_a_quarter_without_active_reps_has_no_rate() -> None:
    result = rep_activity(tables(), Quarter.parse("2025Q1"))
    assert (result.active_reps, result.activities, result.activities_per_rep_week) == (0, 0, None)
    assert result.by_rep.empty and result.by_team.empty and result.low_activity_reps == ()


def test_activity_per_rep_needs_activities() -> None:
    with pytest.raises(MissingTableError) as raised:
        rep_activity(tables(activities=False), Q3)
    assert (raised.value.table, raised.value.section) == ("activities", "Activity per rep")


# ---- CRM adoption ----------------------------------------------------------------------------


def test_crm_adoption_from_logins_and_activities_by_hand() -> None:
    # weeks active (activities + logins) against min(10, weeks employed):
    # a1 13 >= 10 yes; a2 weeks 4-11 + 12 = 9 >= 9 yes; a3 0-1 = 2 >= 2 yes; a8 6 + 7-11 = 6 < 7
    # no; b1 0-1 + 2 = 3 >= 3 yes; b2 week 0 = 1 < 3 no -> 4 of 6
    result = crm_adoption(tables(), Q3)
    assert (result.quarter, result.team, result.weeks_needed) == ("2026Q3", "all", 10)
    assert result.sources == ("logins", "activities")
    assert (result.active_reps, result.adopters, result.share) == (6, 4, 4 / 6)
    by_rep = result.by_rep
    assert list(by_rep.columns) == [
        "rep_id",
        "rep_name",
        "team",
        "weeks_employed",
        "weeks_active",
        "adopter",
    ]
    assert _weeks(by_rep, "weeks_active") == {"a1": 13, "a2": 9, "a3": 2, "a8": 6, "b1": 3, "b2": 1}
    assert {r for r, yes in zip(by_rep["rep_id"], by_rep["adopter"], strict=True) if yes} == {
        "a1",
        "a2",
        "a3",
        "b1",
    }
    assert [tuple(row) for row in result.by_team.itertuples(index=False)] == [
        ("East", 4, 3, 3 / 4),
        ("West", 2, 1, 1 / 2),
    ]
    # 2 weeks needed: a8 (6) is an adopter too; b2 (1) is not
    assert crm_adoption(tables(), Q3, weeks_needed=2).adopters == 5


def test_crm_adoption_from_either_table_alone() -> None:
    # activities alone: a1 only (a2 8 < 9, b1 2 < 3). Logins alone: a3 only (2 >= 2)
    activities = crm_adoption(tables(logins=False), Q3)
    assert activities.sources == ("activities",)
    assert set(activities.by_rep.loc[activities.by_rep["adopter"], "rep_id"]) == {"a1"}
    logins = crm_adoption(tables(activities=False), Q3)
    assert logins.sources == ("logins",)
    assert set(logins.by_rep.loc[logins.by_rep["adopter"], "rep_id"]) == {"a3"}
    with pytest.raises(MissingTableError) as raised:
        crm_adoption(tables(activities=False, logins=False), Q3)
    assert (raised.value.table, raised.value.section) == ("logins", "CRM adoption")
    with pytest.raises(ParamsError, match="week"):
        crm_adoption(tables(), Q3, weeks_needed=0)


def test_crm_adoption_of_a_team_and_up_to_the_datas_last_day() -> None:
    east = crm_adoption(tables(), Q3, "East")
    assert (east.active_reps, east.adopters, list(east.by_team["team"])) == (4, 3, ["East"])
    # as of Jul 31 (weeks 0-4): a1 5 of 5, a3 2 of 2, b1 3 of 3, b2 1 of 3; a2 and a8 not yet
    early = crm_adoption(tables(), Q3, as_of=date(2026, 7, 31))
    assert _weeks(early.by_rep) == {"a1": 5, "a3": 2, "b1": 3, "b2": 3}
    assert (early.active_reps, early.adopters) == (4, 3)


def test_adoption_trend_gives_each_quarter_in_order() -> None:
    # 2026Q2: a6 alone, who logged nothing; 2026Q3 as above; 2025Q1: no one
    frame = adoption_trend(tables(), [Quarter.parse("2025Q1"), Q2, Q3])
    assert list(frame.columns) == ["quarter", "active_reps", "adopters", "share"]
    assert list(frame["quarter"]) == ["2025Q1", "2026Q2", "2026Q3"]
    assert list(frame["active_reps"]) == [0, 1, 6] and list(frame["adopters"]) == [0, 0, 4]
    assert frame["share"].tolist()[1:] == [0.0, 4 / 6] and frame["share"].isna().tolist()[0]


def test_every_query_compiles_for_postgres_and_spark(portable_queries: None) -> None:
    crm_tables = tables()
    assert len(active_reps(crm_tables, Q3, "East").execute()) == 4
    assert rep_activity(crm_tables, Q3, as_of=date(2026, 7, 31)).active_reps == 4
    assert crm_adoption(crm_tables, Q3).adopters == 4
    assert len(adoption_trend(crm_tables, [Q2, Q3], "West", 2)) == 2
