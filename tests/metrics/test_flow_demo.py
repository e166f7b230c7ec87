"""The pipeline flow on the demo, every team and every quarter: the identity holds to the cent,
and its start and end agree with the pipeline worked out independently from deal_changes."""

from __future__ import annotations

from datetime import date

import ibis
import pandas as pd
import pytest

from salesops.metrics.flow import EXITS, Flow, flow_residual, pipeline_flow
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS

QUARTERS = [Quarter.parse(f"{year}Q{n}") for year in (2023, 2024, 2025) for n in (1, 2, 3, 4)]
QUARTERS += [Quarter.parse(f"2026Q{n}") for n in (1, 2, 3)]


@pytest.fixture(scope="module")
def flows(demo_tables: dict[str, ibis.Table]) -> dict[Quarter, Flow]:
    """Each quarter's flow for all teams (a team's deals are classified as they are there)."""
    return {quarter: pipeline_flow(demo_tables, quarter) for quarter in QUARTERS}


def _totals(deals: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Flow totals of some deals in play, summed here from their entries and exits."""
    change = deals["exit_amount"] - deals["entry_amount"]
    totals = {
        name: {
            "count": int((deals[side] == name).sum()),
            "amount": deals[amount][deals[side] == name].sum(),
        }
        for side, amount, names in (
            ("entry", "entry_amount", ("start", "pulled_in", "pushed_in", "new")),
            ("exit", "exit_amount", EXITS),
        )
        for name in names
    }
    totals["increased"] = {"count": int((change > 0).sum()), "amount": change[change > 0].sum()}
    totals["decreased"] = {"count": int((change < 0).sum()), "amount": -change[change < 0].sum()}
    return totals


def _pipeline_on(frames: dict[str, pd.DataFrame], day: date, quarter: Quarter) -> pd.DataFrame:
    """Deals open at the start of ``day`` with their close date, as then recorded, in ``quarter``
    (each deal's last change before that midnight), with their team: pandas, not the metric."""
    changes = frames["deal_changes"]
    known = changes[changes["changed_at"] < pd.Timestamp(day)]
    state = known.groupby("opportunity_id").last()  # last non-null value of each field
    stages = frames["stages"].set_index("stage")["is_closed"]
    close = pd.to_datetime(state["close_date"])
    due = (close >= pd.Timestamp(quarter.start)) & (close < pd.Timestamp(quarter.end))
    held = state[~state["stage"].map(stages).astype(bool) & due]
    deals = frames["opportunities"].set_index("opportunity_id")
    teams = frames["reps"].set_index("rep_id")["team"]
    return held.assign(team=deals.loc[held.index, "rep_id"].map(teams))


@pytest.mark.parametrize("quarter", QUARTERS, ids=str)
def test_the_identity_holds_to_the_cent_for_every_team(
    quarter: Quarter, flows: dict[Quarter, Flow]
) -> None:
    flow = flows[quarter]
    assert flow.complete and len(flow.deals) > 0
    assert flow.deals["opportunity_id"].is_unique  # one entry and one exit per deal in play
    by_team = {ALL_TEAMS: flow.deals, **dict(tuple(flow.deals.groupby("team")))}
    for team, deals in by_team.items():
        totals = _totals(deals)
        assert flow_residual(totals, "count") == 0, (quarter, team)
        assert flow_residual(totals) == pytest.approx(0, abs=0.005), (quarter, team)
    for name, total in _totals(flow.deals).items():
        assert flow.totals[name] == {
            "count": total["count"],
            "amount": pytest.approx(total["amount"]),
        }


@pytest.mark.parametrize("quarter", QUARTERS, ids=str)
def test_start_and_end_are_the_pipeline_recorded_on_the_first_and_last_day(
    quarter: Quarter, frames: dict[str, pd.DataFrame], flows: dict[Quarter, Flow]
) -> None:
    deals = flows[quarter].deals
    for side, day, amount in (
        ("entry", quarter.start, "entry_amount"),
        ("exit", quarter.end, "exit_amount"),
    ):
        name = "start" if side == "entry" else "end"
        expected = _pipeline_on(frames, day, quarter)
        found = deals[deals[side] == name].set_index("opportunity_id")
        assert sorted(found.index) == sorted(expected.index), (quarter, name)
        per_team = found.groupby("team")[amount].sum()
        assert per_team.to_dict() == pytest.approx(
            expected.groupby("team")["amount"].sum().to_dict()
        )
