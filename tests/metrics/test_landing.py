"""Pacing and landing on hand-built CRMs.

2026Q3 runs Jul 1 to Oct 1 (92 days, 14 weeks): week 1 is Jul 1-7 (ends Jul 8), week 2 Jul 8-14
(ends Jul 15), week 13 Sep 23-29 (ends Sep 30) and week 14 is Sep 30 alone. 2026Q2 runs Apr 1 to
Jul 1 (91 days, 13 weeks); 2025Q3 has 14 weeks like 2026Q3.
"""

from __future__ import annotations

import json
import math
from datetime import date
from typing import Any

import ibis
import numpy as np
import pytest
from scipy.stats import norm
from tiny_crm import crm, deal, rep, step

from salesops.errors import ParamsError
from salesops.metrics.landing import landing, landing_backtest, landing_headline, pacing
from salesops.metrics.quota import quota_headline
from salesops.periods import Quarter

Q3 = Quarter.parse("2026Q3")
REPS = [rep("r1", "East"), rep("r2", "West")]

# ---- pacing ----------------------------------------------------------------------------------

PACING_DEALS = [
    deal("a1", "r1", "2026-06-01", "2026-07-07", "Closed Won", 100),  # last day of week 1
    deal("a2", "r1", "2026-06-01", "2026-07-08", "Closed Won", 200),  # first day of week 2
    deal("a3", "r1", "2026-06-01", "2026-09-30", "Closed Won", 400),  # week 14, the last day
    deal("a4", "r1", "2026-06-01", "2026-07-10", "Closed Lost", 500),  # lost: not bookings
    deal("a5", "r1", "2026-06-01", "2026-07-20", "Proposal", 800),  # open: not bookings
    deal("b1", "r2", "2026-06-01", "2026-07-09", "Closed Won", 20_000),  # West, week 2
    # 2026Q2: Apr 1 is week 1's first day, Jun 30 is in week 13 (its last)
    deal("p1", "r1", "2026-03-01", "2026-04-01", "Closed Won", 50),
    deal("p2", "r1", "2026-03-01", "2026-06-30", "Closed Won", 1000),
    # 2025Q3: Jul 1 is week 1, Sep 30 is week 14
    deal("y1", "r1", "2025-06-01", "2025-07-01", "Closed Won", 7),
    deal("y2", "r1", "2025-06-01", "2025-09-30", "Closed Won", 3),
]
PACING_QUOTAS = [
    {"rep_id": "r1", "quarter_start": "2026-07-01", "quota": 1000.0},
    {"rep_id": "r2", "quarter_start": "2026-07-01", "quota": 500.0},
    {"rep_id": "r1", "quarter_start": "2026-04-01", "quota": 999.0},  # another quarter's
]


def test_pacing_sums_bookings_week_by_week_against_last_quarter_and_last_year() -> None:
    frame = pacing(crm(REPS, PACING_DEALS, quotas=PACING_QUOTAS), Q3, "East").set_index("week")
    assert list(frame.index) == list(range(1, 15))
    assert frame.loc[1, "week_end"] == date(2026, 7, 8) and frame.loc[14, "week_end"] == Q3.end
    # this quarter: a1 (Jul 7) in week 1; a2 (Jul 8) from week 2; a3 (Sep 30) only in week 14
    assert frame.loc[1, "this_quarter"] == 100
    assert list(frame.loc[2:13, "this_quarter"]) == [300] * 12  # 100 + 200
    assert frame.loc[14, "this_quarter"] == 700  # 100 + 200 + 400
    # 2026Q2: p1 from week 1, p2 (Jun 30) in its week 13, which carries on into week 14
    assert list(frame.loc[1:12, "previous_quarter"]) == [50] * 12
    assert list(frame.loc[13:14, "previous_quarter"]) == [1050, 1050]
    # 2025Q3: y1 from week 1, y2 (Sep 30) in week 14
    assert list(frame.loc[1:13, "last_year"]) == [7] * 13 and frame.loc[14, "last_year"] == 10
    # East's quota is r1's 2026Q3 row, on every week
    assert list(frame["quota"]) == [1000] * 14


def test_pacing_of_every_team_and_without_quotas() -> None:
    every = pacing(crm(REPS, PACING_DEALS, quotas=PACING_QUOTAS), Q3).set_index("week")
    # West's b1 (Jul 9) joins from week 2: 100 + 200 + 20 000
    assert every.loc[1, "this_quarter"] == 100 and every.loc[2, "this_quarter"] == 20_300
    assert every.loc[1, "quota"] == 1500  # 1000 + 500
    bare = pacing(crm(REPS, PACING_DEALS), Q3)
    assert bare["quota"].isna().all() and bare["this_quarter"].iloc[-1] == 20_700


def test_pacing_leaves_weeks_the_data_does_not_cover_blank() -> None:
    tables = crm(REPS, PACING_DEALS)
    # Jul 14 is week 2's last day: weeks 1 and 2 are known, week 3 is not
    frame = pacing(tables, Q3, "East", as_of=date(2026, 7, 14)).set_index("week")
    assert list(frame.loc[1:2, "this_quarter"]) == [100, 300]
    assert frame.loc[3:, "this_quarter"].isna().all()
    assert frame.loc[14, "previous_quarter"] == 1050 and frame.loc[14, "last_year"] == 10
    # one day earlier week 2 is not over
    early = pacing(tables, Q3, "East", as_of=date(2026, 7, 13)).set_index("week")
    assert early.loc[1, "this_quarter"] == 100 and math.isnan(early.loc[2, "this_quarter"])


# ---- landing ---------------------------------------------------------------------------------

# East's past: at the end of week 2 of 2026Q1 (Jan 15) and of 2026Q2 (Apr 15), the deals open with
# their close date, as then recorded, in the quarter, by stage then, and whether each was won with
# a close date in that quarter:
#   Proposal: a1 won, a2 (due Mar 1 on Jan 15, pushed to Apr 20 and won then) not in 2026Q1;
#     a2 again on Apr 15 (due Apr 20) won, b1 lost -> 2 / 4 = 0.5
#   Negotiation: a3 won, a4 lost, b3 won, b5 won -> 3 / 4 = 0.75
#   Discovery: b4 lost; UNKNOWN_STAGE: b6 (no history) won
#   every stage: 6 won of 10 -> 0.6
# a5 was due in May on Jan 15 (not then due in 2026Q1), pulled in and won on Feb 20; a6 and b8 were
# created after week 2. They are the bookings not in the pipeline at week 2: 2026Q1 600 + 400 =
# 1 000 (of 3 000 booked), 2026Q2 2 000 (of 5 100); their mean is 1 500. 2025Q3 and 2025Q4 ended
# before the first deal (Jan 2 2026): they give no rates and are left out of the mean (with them
# it would be 750). West's w1, counted, would make Proposal 3 / 5.
PAST_DEALS = [
    deal("a1", "r1", "2026-01-02 09:00", "2026-02-10", "Closed Won", 1_000),
    deal("a2", "r1", "2026-01-02 09:00", "2026-04-20", "Closed Won", 500),
    deal("a3", "r1", "2026-01-02 09:00", "2026-03-15", "Closed Won", 1_000),
    deal("a4", "r1", "2026-01-02 09:00", "2026-03-20", "Closed Lost", 800),
    deal("a5", "r1", "2026-01-02 09:00", "2026-02-20", "Closed Won", 600),
    deal("a6", "r1", "2026-02-01 09:00", "2026-03-01", "Closed Won", 400),
    deal("b1", "r1", "2026-04-02 09:00", "2026-05-10", "Closed Lost", 700),
    deal("b3", "r1", "2026-04-02 09:00", "2026-06-01", "Closed Won", 1_500),
    deal("b4", "r1", "2026-04-02 09:00", "2026-06-10", "Closed Lost", 300),
    deal("b5", "r1", "2026-04-02 09:00", "2026-06-20", "Closed Won", 900),
    deal("b6", "r1", "2026-04-02 09:00", "2026-05-01", "Closed Won", 200),
    deal("b8", "r1", "2026-05-01 09:00", "2026-06-15", "Closed Won", 2_000),
    deal("w1", "r2", "2026-04-02 09:00", "2026-05-01", "Closed Won", 900),
]
PAST_STEPS = [
    step("a1", "Proposal", "2026-01-05 09:00", close_date="2026-02-10"),
    step("a1", "Closed Won", "2026-02-10 09:00"),
    step("a2", "Proposal", "2026-01-05 09:00", close_date="2026-03-01"),
    step("a2", "Proposal", "2026-03-01 09:00", close_date="2026-04-20"),
    step("a2", "Closed Won", "2026-04-20 09:00"),
    step("a3", "Negotiation", "2026-01-05 09:00", close_date="2026-03-15"),
    step("a3", "Closed Won", "2026-03-15 09:00"),
    step("a4", "Negotiation", "2026-01-05 09:00", close_date="2026-03-20"),
    step("a4", "Closed Lost", "2026-03-20 09:00"),
    step("a5", "Proposal", "2026-01-05 09:00", close_date="2026-05-05"),
    step("a5", "Proposal", "2026-02-01 09:00", close_date="2026-02-20"),
    step("a5", "Closed Won", "2026-02-20 09:00"),
    step("a6", "Negotiation", "2026-02-01 09:00", close_date="2026-03-01"),
    step("a6", "Closed Won", "2026-03-01 09:00"),
    step("b1", "Proposal", "2026-04-03 09:00", close_date="2026-05-10"),
    step("b1", "Closed Lost", "2026-05-10 09:00"),
    step("b3", "Negotiation", "2026-04-03 09:00", close_date="2026-06-01"),
    step("b3", "Closed Won", "2026-06-01 09:00"),
    step("b4", "Discovery", "2026-04-03 09:00", close_date="2026-06-10"),
    step("b4", "Closed Lost", "2026-06-10 09:00"),
    step("b5", "Negotiation", "2026-04-03 09:00", close_date="2026-06-20"),
    step("b5", "Closed Won", "2026-06-20 09:00"),
    step("b8", "Negotiation", "2026-05-01 09:00", close_date="2026-06-15"),
    step("b8", "Closed Won", "2026-06-15 09:00"),
    step("w1", "Proposal", "2026-04-03 09:00", close_date="2026-05-01"),
    step("w1", "Closed Won", "2026-05-01 09:00"),
]
# East's 2026Q3: c1 at Proposal from Jul 2 (won Aug 20), c2 at Negotiation (lost Sep 10), c3 at
# Negotiation until won on Jul 10, c4 at Proposal but due next quarter
QUARTER_DEALS = [
    deal("c1", "r1", "2026-07-01 09:00", "2026-08-20", "Closed Won", 10_000),
    deal("c2", "r1", "2026-06-20 09:00", "2026-09-10", "Closed Lost", 4_000),
    deal("c3", "r1", "2026-06-25 09:00", "2026-07-10", "Closed Won", 3_000),
    deal("c4", "r1", "2026-06-01 09:00", "2026-10-15", "Proposal", 9_999),
]
QUARTER_STEPS = [
    step("c1", "Prospecting", "2026-07-01 09:00", amount=10_000.0, close_date="2026-08-20"),
    step("c1", "Proposal", "2026-07-02 09:00", amount=10_000.0, close_date="2026-08-20"),
    step("c1", "Closed Won", "2026-08-20 10:00"),
    step("c2", "Negotiation", "2026-06-20 09:00", amount=4_000.0, close_date="2026-09-10"),
    step("c2", "Closed Lost", "2026-09-10 10:00"),
    step("c3", "Negotiation", "2026-06-25 09:00", amount=3_000.0, close_date="2026-07-10"),
    step("c3", "Closed Won", "2026-07-10 11:00"),
    step("c4", "Proposal", "2026-06-01 09:00", amount=9_999.0, close_date="2026-10-15"),
]


def landing_crm(extra_deals: list[dict] | None = None, extra_steps: list[dict] | None = None):
    deals = PAST_DEALS + QUARTER_DEALS + (extra_deals or [])
    return crm(REPS, deals, history=PAST_STEPS + QUARTER_STEPS + (extra_steps or []))


def test_landing_weighs_each_stage_by_its_in_quarter_win_rate_at_the_week() -> None:
    frame = landing(landing_crm(), Q3, "East").set_index("week")
    assert list(frame.index) == list(range(1, 15)) and set(frame["basis"]) == {"stage_history"}
    # end of week 2 (Jul 15): c3 won on Jul 10; c1 10 000 at Proposal and c2 4 000 at
    # Negotiation open: 3 000 + 10 000 x 0.5 + 4 000 x 0.75 + 1 500 = 12 500
    week2 = frame.loc[2]
    assert (week2["won_to_date"], week2["open_amount"]) == (3_000, 14_000)
    assert week2["not_in_pipeline"] == pytest.approx(1_500)
    assert week2["expected"] == pytest.approx(12_500)
    # end of week 1 (Jul 8), with week 1's rates (Jan 8, Apr 8: the same deals at the same stages,
    # nothing won yet) and the same 1 500: c3 still open at Negotiation:
    # 10 000 x 0.5 + (4 000 + 3 000) x 0.75 + 1 500 = 11 750
    week1 = frame.loc[1]
    assert (week1["won_to_date"], week1["open_amount"]) == (0, 17_000)
    assert week1["expected"] == pytest.approx(11_750)
    # the quarter is over (no as_of): c3 + c1 were booked
    assert set(frame["actual"]) == {13_000}
    # after c1's win (Aug 20) and c2's loss (Sep 10) nothing is open, and by week 12 (Mar 26, Jun
    # 24) 2026Q1 and 2026Q2 had booked all they would: expected is what was won, and so were the
    # two past quarters' projections at week 12: no error, no interval
    week12 = frame.loc[12]
    assert (week12["won_to_date"], week12["open_amount"], week12["expected"]) == (13_000, 0, 13_000)
    assert (week12["not_in_pipeline"], week12["low"], week12["high"]) == (0, 13_000, 13_000)


def test_a_deal_won_after_its_quarter_counts_as_not_won_in_it() -> None:
    # end of week 1 of 2026Q2 (Apr 8): e1 due May 1, then pushed to Oct 20 and won that day; e2
    # due May 10 and won then: Proposal's rate is 1 / 2, not 2 / 2. x1, at Proposal on Jul 8:
    # 1 000 x 0.5 = 500 (2026Q2 booked nothing but e2, which was in the pipeline)
    deals = [
        deal("e1", "r1", "2026-04-01 09:00", "2026-10-20", "Closed Won", 100),
        deal("e2", "r1", "2026-04-01 09:00", "2026-05-10", "Closed Won", 100),
        deal("x1", "r1", "2026-07-01 09:00", "2026-08-01", "Closed Lost", 1_000),
    ]
    steps = [
        step("e1", "Proposal", "2026-04-01 09:00", close_date="2026-05-01"),
        step("e1", "Proposal", "2026-05-01 09:00", close_date="2026-10-20"),
        step("e1", "Closed Won", "2026-10-20 09:00"),
        step("e2", "Proposal", "2026-04-01 09:00", close_date="2026-05-10"),
        step("e2", "Closed Won", "2026-05-10 09:00"),
        step("x1", "Proposal", "2026-07-02 09:00", close_date="2026-08-01"),
        step("x1", "Closed Lost", "2026-08-01 09:00"),
    ]
    tables = crm(REPS, deals, history=steps)
    week1 = landing(tables, Q3, "East", lookback_quarters=1).iloc[0]
    assert (week1["open_amount"], week1["not_in_pipeline"]) == (1_000, 0)
    assert week1["expected"] == pytest.approx(500)


def test_a_deal_at_an_unknown_stage_or_a_stage_without_history_takes_the_overall_rate() -> None:
    # c5 at Qualification (no past deal was there at week 2) and c6 with no history row (created
    # before Jul 15, lost on Aug 1: open then at UNKNOWN_STAGE) take 0.6:
    # 12 500 + (2 000 + 1 000) x 0.6 = 14 300
    c5 = deal("c5", "r1", "2026-06-10 09:00", "2026-09-01", "Closed Lost", 2_000)
    c6 = deal("c6", "r1", "2026-06-01 09:00", "2026-08-01", "Closed Lost", 1_000)
    steps = [
        step("c5", "Qualification", "2026-06-10 09:00", close_date="2026-09-01"),
        step("c5", "Closed Lost", "2026-09-01 09:00"),
    ]
    week2 = landing(landing_crm([c5, c6], steps), Q3, "East").set_index("week").loc[2]
    assert week2["open_amount"] == 17_000 and week2["expected"] == pytest.approx(14_300)


def test_a_win_dated_before_it_was_recorded_counts_once() -> None:
    # c7 won with a close date of Jul 5, but its history records the win on Jul 20: at the end of
    # week 2 it counts in won to date (bookings by close date), not again in the open pipeline
    c7 = deal("c7", "r1", "2026-06-01 09:00", "2026-07-05", "Closed Won", 2_000)
    steps = [
        step("c7", "Negotiation", "2026-06-01 09:00", amount=2_000.0, close_date="2026-07-05"),
        step("c7", "Closed Won", "2026-07-20 09:00"),
    ]
    week2 = landing(landing_crm([c7], steps), Q3, "East").set_index("week").loc[2]
    assert (week2["won_to_date"], week2["open_amount"]) == (5_000, 14_000)
    assert week2["expected"] == pytest.approx(14_500)  # 12 500 + 2 000


def test_without_stage_history_every_open_deal_takes_the_overall_rate() -> None:
    tables = crm(REPS, PAST_DEALS + QUARTER_DEALS)
    week2 = landing(tables, Q3, "East").set_index("week").loc[2]
    # current values: on Jan 15, a1, a3, a5 (won) and a4 due in 2026Q1 (a2 is due Apr 20 now); on
    # Apr 15, a2, b3, b5, b6 (won), b1 and b4: 7 won of 10 -> 0.7. Not in the pipeline: a6's 400
    # and b8's 2 000, mean 1 200. On Jul 15 c1 and c2 were open (closed since: UNKNOWN_STAGE), c3
    # won: 3 000 + (10 000 + 4 000) x 0.7 + 1 200 = 14 000
    assert week2["expected"] == pytest.approx(14_000) and week2["basis"] == "opportunities"


def test_the_rates_are_those_of_the_same_week_of_past_quarters() -> None:
    # 2026Q2: z1 due Apr 10 and won then, z2 due Jun 20 and lost. At the end of its week 1 (Apr 8)
    # both were open: 1 / 2; at the end of week 2 (Apr 15) z1 was won, z2 alone open: 0 / 1.
    # x1, open and due in 2026Q3: week 1 1 000 x 0.5 = 500, week 2 1 000 x 0 = 0
    deals = [
        deal("z1", "r1", "2026-04-02", "2026-04-10", "Closed Won"),
        deal("z2", "r1", "2026-04-02", "2026-06-20", "Closed Lost"),
        deal("x1", "r1", "2026-07-02", "2026-08-01", "Closed Lost", 1_000),
    ]
    frame = landing(crm(REPS, deals), Q3, lookback_quarters=1)
    assert list(frame["expected"].iloc[:2]) == pytest.approx([500, 0])
    assert list(frame["not_in_pipeline"].iloc[:2]) == [0, 0]


def test_the_last_week_reads_the_last_week_of_past_quarters() -> None:
    # 2026Q1 has 13 weeks, 2025Q4 14. At the end of 2026Q1 (Apr 1), m1 (due Mar 15) is still open:
    # its rate is that of 2025Q4's end (Jan 1), when k1 (won Dec 31) was won and k2 alone open:
    # 0 / 1. Read at 2025Q4's week 13 (Dec 31), k1 open then would make it 1 / 2 and the landing
    # 700 + 500: at its end a quarter lands on what it booked.
    deals = [
        deal("k1", "r1", "2025-10-02", "2025-12-31", "Closed Won", 1_000),
        deal("k2", "r1", "2025-10-02", "2025-12-15", "Proposal", 100),
        deal("m1", "r1", "2026-01-05", "2026-03-15", "Proposal", 1_000),
        deal("m2", "r1", "2026-01-05", "2026-02-01", "Closed Won", 700),
    ]
    quarter = Quarter.parse("2026Q1")
    last = landing(crm(REPS, deals), quarter, lookback_quarters=1).iloc[-1]
    assert (last["week"], last["open_amount"], last["actual"]) == (13, 1_000, 700)
    assert (last["expected"], last["low"], last["high"]) == (700, 700, 700)


def test_landing_stops_at_the_last_week_the_data_covers() -> None:
    # Jul 21 is week 3's last day: three weeks, and no actual before the quarter is over
    frame = landing(landing_crm(), Q3, "East", as_of=date(2026, 7, 21))
    assert list(frame["week"]) == [1, 2, 3] and frame["actual"].isna().all()
    assert landing(landing_crm(), Q3, "East", as_of=date(2026, 9, 30))["actual"].iloc[-1] == 13_000
    assert landing(landing_crm(), Q3, "East", as_of=date(2026, 7, 6)).empty


# ---- interval --------------------------------------------------------------------------------

# No stage history, rates from the one quarter before. 2026Q3 at week 2 (Jul 15): x3 won 300 on
# Jul 5; x1 and x2 (2 000 each) open. 2026Q2 at week 2 (Apr 15): v1 won, v2 lost -> 0.5; v3,
# created after, booked 500 not in the pipeline. expected = 300 + 4 000 x 0.5 + 500 = 2 800.
INTERVAL_DEALS = [
    deal("v1", "r1", "2026-04-02", "2026-05-01", "Closed Won", 1_000),
    deal("v2", "r1", "2026-04-02", "2026-05-02", "Closed Lost", 1_000),
    deal("v3", "r1", "2026-05-01", "2026-06-01", "Closed Won", 500),
    deal("x1", "r1", "2026-07-02", "2026-08-01", "Closed Won", 2_000),
    deal("x2", "r1", "2026-07-02", "2026-08-02", "Closed Lost", 2_000),
    deal("x3", "r1", "2026-07-02", "2026-07-05", "Closed Won", 300),
]


def interval_week2(earlier: list[dict]) -> Any:
    tables = crm(REPS, INTERVAL_DEALS + earlier)
    return landing(tables, Q3, lookback_quarters=1).set_index("week").loc[2]


def test_the_interval_is_the_wider_of_independent_deals_and_past_errors() -> None:
    z = norm.ppf(0.9)  # 80 %, two-sided
    # each open deal wins alone with its rate: sd = sqrt(2 x 2 000² x 0.5 x 0.5) = 1 414.2
    deals_spread = z * np.sqrt(2 * 2_000**2 * 0.25)
    # no deal before 2026Q2: it has no rates, so no projection and no past error to weigh:
    # 2 800 +- 1.2816 x 1 414.2 = [987.6, 4 612.4]
    alone = interval_week2([])
    assert alone["expected"] == pytest.approx(2_800)
    assert (alone["low"], alone["high"]) == pytest.approx(
        (2_800 - deals_spread, 2_800 + deals_spread)
    )
    assert (alone["low"], alone["high"]) == pytest.approx((987.6, 4_612.4), abs=0.1)
    # 2026Q1 (Jan 15): u1 won, u2 lost -> 0.5: 2026Q2 projected 2 000 x 0.5 = 1 000 and booked
    # 1 500: error 0.5 of the projection, 0.5 x 2 800 = 1 400, under 1 414.2: the deals' spread
    half = [
        deal("u1", "r1", "2026-01-02", "2026-02-01", "Closed Won"),
        deal("u2", "r1", "2026-01-02", "2026-02-02", "Closed Lost"),
    ]
    same = interval_week2(half)
    assert (same["low"], same["high"]) == pytest.approx((alone["low"], alone["high"]))
    # u1 won, u2, u3, u4 lost -> 0.25: 2026Q2 projected 500 and booked 1 500: error 2, so 2 800 x 2
    # = 5 600 x 1.2816 = 7 177 each side; low stops at the 300 already won
    quarter = [
        *half,
        *(deal(f"u{n}", "r1", "2026-01-02", "2026-02-03", "Closed Lost") for n in (3, 4)),
    ]
    wide = interval_week2(quarter)
    assert wide["expected"] == pytest.approx(2_800)
    assert (wide["low"], wide["high"]) == pytest.approx((300, 2_800 + z * 5_600))


# ---- backtest --------------------------------------------------------------------------------

# No stage history: every open deal takes the overall rate of the 2 quarters before its quarter,
# at the same week. At week 2 (Jul 15, Oct 15, Jan 15, Apr 15) the deals open and due then:
#   2025Q3: y1 won, y2 lost; 2025Q4: y4 won, y3 lost; 2026Q1: u2 won, u3 lost (u1, won Jan 5, in
#   won to date); 2026Q2: v2 won (v1 won Apr 3, in won to date; v3, created Apr 20, booked 1 000
#   not in the pipeline).
#   2026Q1 (rates from 2025Q3-Q4: 2 / 4): 1 000 + 0.5 x (2 000 + 4 000) + 0 = 4 000 against u1 +
#     u2 = 3 000: error +1 000.
#   2026Q2 (rates from 2025Q4-2026Q1: 2 / 4; nothing missed the pipeline then): 500 + 0.5 x 5 000
#     = 3 000 against 6 500: error -3 500.
#   WAPE = (1 000 + 3 500) / (3 000 + 6 500) = 4 500 / 9 500; bias = -2 500 / 9 500.
BACKTEST_DEALS = [
    deal("y1", "r1", "2025-07-01", "2025-08-01", "Closed Won", 100),
    deal("y2", "r1", "2025-07-01", "2025-08-02", "Closed Lost", 100),
    deal("y3", "r1", "2025-07-01", "2025-11-01", "Closed Lost", 100),
    deal("y4", "r1", "2025-07-01", "2025-11-02", "Closed Won", 100),
    deal("u1", "r1", "2025-12-01", "2026-01-05", "Closed Won", 1_000),
    deal("u2", "r1", "2025-12-01", "2026-02-10", "Closed Won", 2_000),
    deal("u3", "r1", "2025-12-01", "2026-03-01", "Closed Lost", 4_000),
    deal("v1", "r1", "2026-03-01", "2026-04-03", "Closed Won", 500),
    deal("v2", "r1", "2026-03-01", "2026-05-20", "Closed Won", 5_000),
    deal("v3", "r1", "2026-04-20", "2026-06-01", "Closed Won", 1_000),
]


def test_backtest_wape_and_bias_on_two_past_quarters() -> None:
    backtest = landing_backtest(crm(REPS, BACKTEST_DEALS), Q3, week=2, lookback_quarters=2)
    frame = backtest.quarters
    assert list(frame["quarter"]) == ["2026Q1", "2026Q2"] and list(frame["week"]) == [2, 2]
    assert list(frame["projected"]) == pytest.approx([4_000, 3_000])
    assert list(frame["actual"]) == [3_000, 6_500]
    assert list(frame["error"]) == pytest.approx([1_000, -3_500])
    assert backtest.wape == pytest.approx(4_500 / 9_500)
    assert backtest.bias == pytest.approx(-2_500 / 9_500)
    assert (backtest.week, backtest.scored) == (2, 2)
    # past errors: 2025Q4 projected its 100 (rates from 2025Q3: 0.5 x 200) exactly, 2025Q3 had no
    # rates; 2026Q1 ran 1 000 / 4 000 = 0.25 high. 2026Q1: root mean square 0 (2025Q4 alone);
    # 2026Q2: sqrt((0² + 0.25²) / 2) x 3 000 = 530, under its deals' 2 500: both intervals are the
    # deals' ones. 2026Q1: 4 000 +- 1.28155 x sqrt(2 000² + 4 000²) / 2 = [1 134.4, 6 865.6]:
    # 3 000 is inside; 2026Q2: 3 000 +- 1.28155 x 5 000 x 0.5 = 3 203.9, low kept at the 500 won:
    # 6 500 is above
    assert list(frame["low"]) == pytest.approx([1_134.4, 500], abs=0.1)
    assert list(frame["high"]) == pytest.approx([6_865.6, 6_203.9], abs=0.1)
    assert backtest.inside_interval == 1


def test_backtest_skips_quarters_before_the_first_deal() -> None:
    backtest = landing_backtest(crm(REPS, BACKTEST_DEALS), Q3, week=2, lookback_quarters=5)
    # 2025Q2 ended before y1 was created (Jul 1 2025); 2025Q3 has no quarter before it to weigh
    # y1 and y2, open on Jul 15: no projection, left out of WAPE and bias
    assert list(backtest.quarters["quarter"]) == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    assert math.isnan(backtest.quarters["projected"].iloc[0]) and backtest.scored == 3


def test_landing_headline_is_json_ready() -> None:
    tables = crm(REPS, BACKTEST_DEALS)
    headline = landing_headline(tables, Quarter.parse("2026Q2"), week=2, lookback_quarters=2)
    json.dumps(headline)
    # 2026Q2 at week 2 is the backtest's second row; its backtest is 2025Q4 and 2026Q1:
    #   2025Q4 (rates from 2025Q2-Q3: 1 of 2): on Oct 15 y3, y4 open: 0.5 x 200 = 100, actual 100
    #   2026Q1 (rates from 2025Q3-Q4: 0.5): 4 000 against 3 000
    assert headline["projected_landing"] == pytest.approx(3_000)
    assert headline["landing_actual"] == 6_500
    assert headline["landing_wape"] == pytest.approx(1_000 / 3_100)
    assert headline["landing_bias"] == pytest.approx(1_000 / 3_100)
    assert (headline["landing_week"], headline["landing_quarters"]) == (2, 2)
    assert headline["landing_inside_interval"] == 2
    assert headline["landing_basis"] == "opportunities"
    # 3 000 +- 3 203.9, low kept at the 500 won
    assert headline["landing_low"] == 500
    assert headline["landing_high"] == pytest.approx(6_203.9, abs=0.1)
    # the same quarter before its week 2 is over: no projection and no actual yet
    early = landing_headline(
        tables, Quarter.parse("2026Q2"), week=2, lookback_quarters=2, as_of=date(2026, 4, 10)
    )
    assert early["projected_landing"] is None and early["landing_actual"] is None


def test_landing_parameters_are_checked() -> None:
    tables = crm(REPS, BACKTEST_DEALS)
    with pytest.raises(ParamsError, match="week"):
        landing_backtest(tables, Q3, week=0)
    with pytest.raises(ParamsError, match="confidence"):
        landing(tables, Q3, confidence=1.5)
    with pytest.raises(ParamsError, match="lookback"):
        landing(tables, Q3, lookback_quarters=0)


# ---- demo ----------------------------------------------------------------------------------


def test_the_last_weeks_won_to_date_is_the_quarters_bookings_on_the_demo(
    demo_tables: dict[str, ibis.Table], portable_queries: None
) -> None:
    tables = demo_tables
    quarter = Quarter.parse("2026Q2")
    frame = landing(tables, quarter, "SMB")
    pace = pacing(tables, quarter, "SMB")
    backtest = landing_backtest(tables, quarter, "SMB", week=7)
    bookings = quota_headline(tables, quarter, "SMB")["bookings_total"]
    assert len(frame) == quarter.weeks and bookings > 0
    assert frame["won_to_date"].iloc[-1] == pytest.approx(bookings)
    assert frame["actual"].iloc[-1] == pytest.approx(bookings)
    # at its end a quarter lands on what it booked: the open deals then are overdue, and past
    # quarters' overdue deals were never won within them
    assert frame["expected"].iloc[-1] == pytest.approx(bookings)
    assert pace["this_quarter"].iloc[-1] == pytest.approx(bookings)
    assert backtest.scored == 4 and list(backtest.quarters["actual"] > 0) == [True] * 4
