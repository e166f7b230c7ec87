"""Funnel metrics on a hand-built quarter (2026Q1) whose answers are worked out below."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from tiny_crm import STAGES, crm, deal, rep, step

from salesops.errors import ParamsError
from salesops.metrics import MissingTableError
from salesops.metrics.funnel import (
    cycle_length,
    funnel_headline,
    lead_conversion,
    sales_velocity,
    stage_reach,
    time_in_stage,
    win_rate,
    win_rate_by,
)
from salesops.periods import Quarter

Q1 = Quarter.parse("2026Q1")
REPS = [rep("r1", "East"), rep("r2", "West"), rep("r3", "North")]

# d1-d6 and d8 are created in Q1 (the reach cohort); d7 in 2025Q4.
# Closed in Q1: d1 won 1000, d5 won 200; d2 lost 500, d4 lost 300, d6 lost 100.
DEALS = [
    deal(
        "d1",
        "r1",
        "2026-01-05",
        "2026-02-11",
        "Closed Won",
        1000,
        source="Inbound",
        segment="Enterprise",
    ),
    deal(
        "d2", "r1", "2026-01-08", "2026-02-08", "Closed Lost", 500, source="Inbound", segment="SMB"
    ),
    deal("d3", "r1", "2026-01-10", "2026-05-01", "Discovery", 800),
    deal("d4", "r2", "2026-02-01", "2026-02-05", "Closed Lost", 300, segment="SMB"),
    deal(
        "d5", "r1", "2026-02-01", "2026-03-30", "Closed Won", 200, source="Partner", segment="SMB"
    ),
    deal(
        "d6", "r2", "2026-01-20", "2026-01-20", "Closed Lost", 100, source="Partner", segment="SMB"
    ),
    deal("d7", "r1", "2025-12-31", "2026-06-01", "Qualification", 700),
    deal("d8", "r2", "2026-03-25", "2026-06-01", "Qualification", 50),
]
HISTORY = [
    # d1 walks every stage: P 2 days, Q 3.5, D 9.5, Pr 12, N 10, then won
    step("d1", "Prospecting", "2026-01-05"),
    step("d1", "Qualification", "2026-01-07"),
    step("d1", "Discovery", "2026-01-10 12:00"),
    step("d1", "Proposal", "2026-01-20"),
    step("d1", "Negotiation", "2026-02-01"),
    step("d1", "Closed Won", "2026-02-11"),
    # d2 skips Qualification, then is lost from Proposal: P 1, D 10, Pr 20
    step("d2", "Prospecting", "2026-01-08"),
    step("d2", "Discovery", "2026-01-09"),
    step("d2", "Proposal", "2026-01-19"),
    step("d2", "Closed Lost", "2026-02-08"),
    # d3 moves back from Discovery to Qualification and on again: P 2, Q 3, D 1, Q 4, still in D
    step("d3", "Prospecting", "2026-01-10"),
    step("d3", "Qualification", "2026-01-12"),
    step("d3", "Discovery", "2026-01-15"),
    step("d3", "Qualification", "2026-01-16"),
    step("d3", "Discovery", "2026-01-20"),
    # d4 starts at Qualification (Prospecting skipped), lost after 4 days
    step("d4", "Qualification", "2026-02-01"),
    step("d4", "Closed Lost", "2026-02-05"),
    # d5 jumps from Prospecting straight to won after 57 days (Feb has 28)
    step("d5", "Prospecting", "2026-02-01"),
    step("d5", "Closed Won", "2026-03-30"),
    # d6 is lost the day it is created: it reached nothing
    step("d6", "Closed Lost", "2026-01-20"),
    # d7 (created in 2025Q4) leaves Prospecting on Jan 2: a 2-day visit that ends in Q1
    step("d7", "Prospecting", "2025-12-31"),
    step("d7", "Qualification", "2026-01-02"),
    # d8 leaves Prospecting on Apr 2: the visit ends in Q2
    step("d8", "Prospecting", "2026-03-25"),
    step("d8", "Qualification", "2026-04-02"),
]


def _lead(lead_id: str, rep_id: str | None, created: str, converted: str | None = None) -> dict:
    return {
        "lead_id": lead_id,
        "rep_id": rep_id,
        "created_at": created,
        "converted_at": converted,
        "status": "converted" if converted else "open",
    }


LEADS = [
    _lead("l1", "r1", "2026-01-10", "2026-04-09"),  # 89 days: inside 90
    _lead("l2", "r1", "2026-01-10", "2026-04-11"),  # 91 days: outside 90
    _lead("l3", "r2", "2026-02-01"),
    _lead("l4", None, "2026-03-01", "2026-03-05"),  # no rep: counts for all teams only
    _lead("l5", "r1", "2025-12-20", "2026-01-05"),  # created in 2025Q4
]


@pytest.fixture(scope="module")
def tables() -> dict:
    return crm(REPS, DEALS, history=HISTORY, leads=LEADS)


def test_win_rate_by_count_and_amount(tables: dict) -> None:
    # 2 won of 5 closed; 1200 won of 2100 closed; average won deal 1200 / 2 = 600
    win = win_rate(tables, Q1)
    assert (win.closed, win.won, win.lost, win.rate) == (5, 2, 3, 0.4)
    assert (win.won_amount, win.closed_amount, win.avg_won_deal) == (1200, 2100, 600)
    assert win.amount_rate == pytest.approx(1200 / 2100)
    assert win.rate_low < 0.4 < win.rate_high and win.small_sample


def _blank_lost(deals: list[dict], keep: set[str], blank: float | None = None) -> list[dict]:
    """The deals with the amount of every lost deal not in ``keep`` blanked, as many CRMs do
    (``blank`` 0: as the presets read a blank amount)."""
    return [
        {**d, "amount": blank}
        if d["is_closed"] and not d["is_won"] and d["opportunity_id"] not in keep
        else d
        for d in deals
    ]


def test_the_amount_win_rate_is_withheld_when_most_lost_deals_have_no_amount() -> None:
    # Q1 lost d2, d4, d6; with d4 and d6 blank, 2 of 3 lost have no amount: closed amount would
    # be 1200 won + 500 (d2) and the rate 1200 / 1700 reads far too high: withheld
    win = win_rate(crm(REPS, _blank_lost(DEALS, keep={"d2"})), Q1)
    assert (win.lost, win.lost_without_amount, win.amount_rate) == (3, 2, None)
    assert (win.rate, win.won_amount) == (0.4, 1200)  # counts and won amount stand


def test_a_lost_deal_worth_0_has_no_amount_too() -> None:
    # the presets read a blank amount as 0: d4 and d6 at 0 are 2 of 3 lost without an amount,
    # and 1200 / (1200 + 500 + 0 + 0) would again read too high: withheld
    win = win_rate(crm(REPS, _blank_lost(DEALS, keep={"d2"}, blank=0.0)), Q1)
    assert (win.lost, win.lost_without_amount, win.amount_rate) == (3, 2, None)


def test_the_amount_win_rate_stands_while_at_most_half_the_lost_deals_lack_an_amount() -> None:
    # only d6 (100) blank: 1 of 3; rate = 1200 / (1200 + 500 + 300) = 0.6
    win = win_rate(crm(REPS, _blank_lost(DEALS, keep={"d2", "d4"})), Q1)
    assert win.lost_without_amount == 1 and win.amount_rate == pytest.approx(0.6)


def test_the_amount_win_rate_by_group_is_withheld_where_most_lost_deals_have_no_amount() -> None:
    # East lost d2 (kept, 500): 1200 / 1700; West lost d4 and d6, both blank: withheld
    rates = win_rate_by(crm(REPS, _blank_lost(DEALS, keep={"d2"})), Q1).set_index("team")
    assert rates.at["East", "amount_rate"] == pytest.approx(1200 / 1700)
    assert math.isnan(rates.at["West", "amount_rate"])
    assert rates["lost_without_amount"].to_dict() == {"East": 0, "West": 2}


def test_win_rate_of_one_team(tables: dict) -> None:
    east = win_rate(tables, Q1, "East")  # d1, d2, d5
    assert (east.closed, east.won, east.won_amount) == (3, 2, 1200)
    assert east.rate == pytest.approx(2 / 3)


def test_a_team_with_no_closed_deals_has_no_rate_and_no_error(tables: dict) -> None:
    north = win_rate(tables, Q1, "North")
    assert (north.closed, north.won, north.rate, north.amount_rate) == (0, 0, None, None)
    assert north.avg_won_deal is None and north.rate_low is None and north.small_sample


def test_a_team_that_won_nothing_has_a_zero_rate_and_no_average_deal(tables: dict) -> None:
    west = win_rate(tables, Q1, "West")  # d4 and d6 lost
    assert (west.closed, west.rate, west.avg_won_deal) == (2, 0.0, None)


def test_win_rate_by_team_for_all_and_by_rep_within_a_team(tables: dict) -> None:
    teams = win_rate_by(tables, Q1)
    assert teams["team"].tolist() == ["East", "West"]  # North closed nothing: no row
    assert teams["closed"].tolist() == [3, 2] and teams["won_amount"].tolist() == [1200, 0]
    reps = win_rate_by(tables, Q1, "East")
    assert reps[["rep_id", "rep_name", "closed", "won"]].values.tolist() == [["r1", "Rep r1", 3, 2]]


def test_win_rate_by_source_reads_a_missing_source_as_unknown(tables: dict) -> None:
    # Inbound d1 won 1000, d2 lost; Partner d5 won 200, d6 lost; unknown d4 lost
    sources = win_rate_by(tables, Q1, by="source").set_index("source")
    assert sources.index.tolist() == ["Inbound", "Partner", "unknown"]
    assert sources["win_rate"].tolist() == [0.5, 0.5, 0.0]
    assert sources["won_amount"].tolist() == [1000, 200, 0]


def test_win_rate_by_segment(tables: dict) -> None:
    segments = win_rate_by(tables, Q1, by="segment").set_index("segment")
    assert segments.loc["Enterprise", ["closed", "won"]].tolist() == [1, 1]
    assert segments.loc["SMB", ["closed", "won", "lost"]].tolist() == [4, 1, 3]


def test_win_rate_by_an_unknown_breakdown_is_a_params_error(tables: dict) -> None:
    with pytest.raises(ParamsError, match="region"):
        win_rate_by(tables, Q1, by="region")  # type: ignore[arg-type]


def test_stage_reach_back_fills_skipped_stages(tables: dict) -> None:
    # cohort d1-d6, d8. Reached (skipped): P 6 (d4); Q 6 (d2, d5); D 4 (d5); Pr 3 (d5);
    # N 2 (d5); Won 2. d3's move back counts once; d6, lost at once, reached nothing.
    reach = stage_reach(tables, Q1).set_index("stage")
    assert reach.index.tolist() == [s for s, *_ in STAGES[:6]]
    assert reach["reached"].tolist() == [6, 6, 4, 3, 2, 2]
    assert reach["skipped"].tolist() == [1, 2, 1, 1, 1, 0]
    assert reach["step_conversion"].tolist()[1:] == pytest.approx([1, 4 / 6, 3 / 4, 2 / 3, 1])
    assert math.isnan(reach["step_conversion"].iloc[0])
    assert reach["cumulative_conversion"].tolist() == pytest.approx(
        [1, 1, 4 / 6, 3 / 6, 2 / 6, 2 / 6]
    )
    assert reach["drop_off"].tolist()[1:] == pytest.approx([0, 1 / 3, 1 / 4, 1 / 3, 0])


def test_a_stage_nobody_reached_has_zero_and_then_undefined_steps(tables: dict) -> None:
    # West: d4 (P skipped, Q) and d8 (P, Q); nobody went further
    reach = stage_reach(tables, Q1, "West").set_index("stage")
    assert reach["reached"].tolist() == [2, 2, 0, 0, 0, 0]
    assert reach.loc["Discovery", "step_conversion"] == 0
    assert reach["step_conversion"].iloc[3:].isna().all()


def test_stage_reach_needs_stage_history(tables: dict) -> None:
    without = {**tables, "stage_history": None}
    with pytest.raises(MissingTableError, match="Stage reach needs the stage_history table"):
        stage_reach(without, Q1)


def test_time_in_stage_counts_visits_that_ended_in_the_quarter(tables: dict) -> None:
    # P: d1 2, d2 1, d3 2, d5 57, d7 2 (d8's ends in Q2) -> median 2, mean 12.8
    # Q: d1 3.5, d3 3 and 4, d4 4 -> median 3.75, mean 3.625; D: 9.5, 10, 1; Pr: 12, 20; N: 10
    stages = time_in_stage(tables, Q1).set_index("stage")
    assert stages["visits"].tolist() == [5, 4, 3, 2, 1]
    assert stages["median_days"].tolist() == pytest.approx([2, 3.75, 9.5, 16, 10])
    assert stages["mean_days"].tolist() == pytest.approx([12.8, 3.625, 20.5 / 3, 16, 10])


def test_time_in_stage_of_a_team_without_visits_is_empty_not_an_error(tables: dict) -> None:
    north = time_in_stage(tables, Q1, "North")
    assert north["visits"].tolist() == [0] * 5 and north["median_days"].isna().all()


def test_lead_conversion_within_the_window(tables: dict) -> None:
    # l1 (89 days) and l4 converted within 90 days of the 4 leads created in Q1
    leads = lead_conversion(tables, Q1)
    assert (leads.leads, leads.converted, leads.rate, leads.window_days) == (4, 2, 0.5, 90)
    assert lead_conversion(tables, Q1, window_days=120).converted == 3
    east = lead_conversion(tables, Q1, "East")  # l1 and l2; l4 has no rep
    assert (east.leads, east.converted) == (2, 1)


def test_lead_conversion_needs_leads(tables: dict) -> None:
    with pytest.raises(MissingTableError, match="leads"):
        lead_conversion({**tables, "leads": None}, Q1)


def test_cycle_length_censors_open_deals_at_the_quarter_end(tables: dict) -> None:
    # won: d1 37 days, d5 57; open on Mar 31: d8 6, d3 80, d7 90 (censored); lost excluded.
    # S(37) = 3/4 (4 at risk), S(57) = 3/4 * 2/3 = 1/2 -> median 57; won-only median 47
    cycle = cycle_length(tables, Q1)
    assert (cycle.deals, cycle.won, cycle.censored) == (5, 2, 3)
    assert cycle.median_days == 57 and cycle.median_won_days == 47
    assert cycle.curve["survival"].iloc[-1] == pytest.approx(0.5)
    assert cycle.lost_deals == "excluded" and cycle.since == "2025Q2"


def test_cycle_length_can_censor_lost_deals_at_their_close(tables: dict) -> None:
    # adds d2 (31 days), d4 (4), d6 (0) as censored: the same two events, the same median
    cycle = cycle_length(tables, Q1, lost="censor")
    assert (cycle.deals, cycle.won, cycle.censored) == (8, 2, 6)
    assert cycle.median_days == 57


def test_cycle_length_curve_matches_lifelines(tables: dict) -> None:
    cycle = cycle_length(tables, Q1, lost="censor")
    durations = [37, 57, 80, 90, 6, 31, 4, 0]
    events = [True, True, False, False, False, False, False, False]
    fitter = KaplanMeierFitter().fit(durations, events)
    expected = fitter.survival_function_at_times(cycle.curve["time"]).to_numpy()
    assert cycle.curve["survival"].to_numpy() == pytest.approx(expected)


def test_sales_velocity_by_hand(tables: dict) -> None:
    # open at the end of Q1 in Qualification or later: d3 (Discovery), d7 (Qualification);
    # d8 was still in Prospecting. 2 x 0.4 x 600 / 57 days
    velocity = sales_velocity(tables, Q1)
    assert (velocity.qualified_stage, velocity.open_qualified) == ("Qualification", 2)
    assert velocity.open_qualified_amount == 1500
    assert velocity.per_day == pytest.approx(2 * 0.4 * 600 / 57)
    later = sales_velocity(tables, Q1, qualified_stage="Discovery")
    assert later.open_qualified == 1 and later.per_day == pytest.approx(0.4 * 600 / 57)


def test_without_stage_history_deals_open_at_quarter_end_stay_in_the_velocity() -> None:
    # No history. Won in Q1: w2 10 days (300), w3 20 (300), w1 30 (600); l1 lost: rate 3/4,
    # average won 400. Open on Apr 1: o1 and o2 closed later (stage then unknown: counted),
    # o3 still in Prospecting (before Qualification: not counted).
    # Time to win: o2, o3 censored at 30, o1 at 58; S(10) = 5/6, S(20) = 4/6, S(30) = 4/6 * 3/4
    # = 1/2: median 30. Velocity = 2 x 0.75 x 400 / 30 = 20 a day.
    deals = [
        deal("w1", "r1", "2026-01-05", "2026-02-04", "Closed Won", 600),
        deal("w2", "r1", "2026-01-10", "2026-01-20", "Closed Won", 300),
        deal("w3", "r1", "2026-01-10", "2026-01-30", "Closed Won", 300),
        deal("l1", "r1", "2026-01-05", "2026-02-04", "Closed Lost", 100),
        deal("o1", "r1", "2026-02-01", "2026-04-20", "Closed Won", 1000),
        deal("o2", "r1", "2026-03-01", "2026-05-10", "Closed Lost", 500),
        deal("o3", "r1", "2026-03-01", "2026-06-01", "Prospecting", 200),
    ]
    velocity = sales_velocity(crm(REPS, deals), Q1)
    assert (velocity.open_qualified, velocity.open_unknown_stage) == (2, 2)
    assert (velocity.open_qualified_amount, velocity.cycle_days) == (1500, 30)
    assert velocity.per_day == pytest.approx(20)


def test_sales_velocity_rejects_a_stage_that_is_not_open(tables: dict) -> None:
    with pytest.raises(ParamsError, match="Closed Won"):
        sales_velocity(tables, Q1, qualified_stage="Closed Won")


def test_funnel_headline_is_json_ready_and_agrees_with_the_sections(tables: dict) -> None:
    headline = funnel_headline(tables, Q1)
    json.dumps(headline, allow_nan=False)
    assert (headline["closed_deals"], headline["won_deals"], headline["win_rate"]) == (5, 2, 0.4)
    assert (headline["won_amount"], headline["median_cycle_days"]) == (1200, 57)
    assert headline["stage_conversion"]["Prospecting"] is None
    assert headline["stage_conversion"]["Discovery"] == pytest.approx(4 / 6)
    assert headline["lead_conversion"] == 0.5 and headline["lead_window_days"] == 90
    assert headline["velocity_per_day"] == pytest.approx(480 / 57)
    assert headline["missing_tables"] == []


def test_funnel_headline_without_optional_tables_or_deals() -> None:
    headline = funnel_headline(crm(REPS, []), Q1)
    json.dumps(headline, allow_nan=False)
    assert (headline["closed_deals"], headline["win_rate"], headline["won_amount"]) == (0, None, 0)
    assert headline["median_cycle_days"] is None and headline["velocity_per_day"] is None
    assert headline["stage_conversion"] is None and headline["lead_conversion"] is None
    assert headline["missing_tables"] == ["stage_history", "leads"]


def _random_crm(seed: int) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """A few hundred deals with random paths: skips, moves back, wins, losses, open deals."""
    rng = np.random.default_rng(seed)
    deals, history = [], []
    for i in range(300):
        created = pd.Timestamp("2025-12-01") + pd.Timedelta(hours=int(rng.integers(0, 24 * 150)))
        at, order = created, int(rng.integers(1, 4))
        for _ in range(int(rng.integers(1, 6))):
            history.append(step(f"o{i}", STAGES[order - 1][0], str(at)))
            order = int(np.clip(order + rng.choice([-1, 1, 2, 3], p=[0.15, 0.5, 0.25, 0.1]), 1, 5))
            at += pd.Timedelta(days=int(rng.integers(0, 20)))
        ending = rng.choice(["open", "Closed Won", "Closed Lost"])
        stage = STAGES[order - 1][0] if ending == "open" else str(ending)
        if ending != "open" and rng.random() < 0.8:
            history.append(step(f"o{i}", stage, str(at)))
        close = (at + pd.Timedelta(days=1)).date().isoformat()
        deals.append(
            deal(
                f"o{i}",
                f"r{i % 3 + 1}",
                str(created),
                close,
                stage,
                float(rng.integers(1, 50)),
                source=str(rng.choice(["Inbound", "Partner", "Outbound"])),
            )
        )
    return crm(REPS, deals, history=history), pd.DataFrame(deals), pd.DataFrame(history)


def test_stage_reach_matches_a_plain_pandas_count_on_random_deals() -> None:
    tables, deals, history = _random_crm(5)
    order = {s: (o, closed, won) for s, o, closed, won in STAGES}
    cohort = deals[deals["created_at"].between("2026-01-01", "2026-03-31 23:59:59")]
    reached = {s: 0 for s, *_ in STAGES[:6]}
    visited = dict.fromkeys(reached, 0)
    for row in cohort.itertuples():
        seen = set(history.loc[history["opportunity_id"] == row.opportunity_id, "stage"])
        seen.add(row.stage)
        won = any(order[s][2] for s in seen)
        top = max((order[s][0] for s in seen if not order[s][1]), default=0)
        for stage, sort_order, _, is_won in STAGES[:6]:
            if is_won:
                reached[stage] += won
            elif won or top >= sort_order:
                reached[stage] += 1
                visited[stage] += stage in seen
    reach = stage_reach(tables, Q1).set_index("stage")
    assert reach["reached"].to_dict() == reached
    skipped = {s: reached[s] - visited[s] for s in reached}
    skipped["Closed Won"] = 0
    assert reach["skipped"].to_dict() == skipped


def test_win_rates_by_source_match_pandas_on_random_deals() -> None:
    tables, deals, _ = _random_crm(9)
    deals["close_date"] = pd.to_datetime(deals["close_date"])
    closed = deals[deals["is_closed"] & deals["close_date"].between("2026-01-01", "2026-03-31")]
    expected = closed.groupby("source").agg(closed=("is_won", "size"), won=("is_won", "sum"))
    expected["won_amount"] = closed[closed["is_won"]].groupby("source")["amount"].sum()
    rates = win_rate_by(tables, Q1, by="source").set_index("source").sort_index()
    assert rates["closed"].tolist() == expected["closed"].tolist()
    assert rates["win_rate"].to_numpy() == pytest.approx(
        (expected["won"] / expected["closed"]).to_numpy()
    )
    assert rates["won_amount"].to_numpy() == pytest.approx(
        expected["won_amount"].fillna(0).to_numpy()
    )
