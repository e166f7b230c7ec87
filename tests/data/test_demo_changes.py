"""The demo's deal_changes: consistent with the deals and their stage history, with pushes,
requotes and forecast moves between stage entries, drawn without disturbing the other tables."""

from __future__ import annotations

import pandas as pd
import pytest

from salesops.data import demo as demo_module
from salesops.data.demo import DEFAULT_SEED, DEMO_END, generate

Tables = dict[str, pd.DataFrame]
STATE = ["stage", "amount", "close_date", "forecast_category"]


@pytest.fixture(scope="module")
def demo() -> Tables:
    return generate(DEFAULT_SEED)


@pytest.fixture(scope="module")
def steps(demo: Tables) -> pd.DataFrame:
    """Each change after a deal's first, with the state before it (``*_before``)."""
    changes = demo["deal_changes"]
    before = changes.groupby("opportunity_id")[STATE].shift().add_suffix("_before")
    return changes.join(before).dropna(subset=["stage_before"])


def pushes_per_deal(demo: Tables, steps: pd.DataFrame) -> pd.Series:
    """Close-date pushes without a stage change, per deal (0 for deals without one)."""
    pushed = (steps["close_date"] > steps["close_date_before"]) & (
        steps["stage"] == steps["stage_before"]
    )
    counts = pushed.groupby(steps["opportunity_id"]).sum()
    return counts.reindex(demo["opportunities"]["opportunity_id"], fill_value=0)


def test_rows_run_by_deal_then_time_from_creation_to_demo_end(demo: Tables) -> None:
    changes = demo["deal_changes"]
    assert changes["opportunity_id"].is_monotonic_increasing
    assert changes.groupby("opportunity_id")["changed_at"].is_monotonic_increasing.all()
    assert changes["changed_at"].max() <= pd.Timestamp(DEMO_END) + pd.Timedelta(days=1)
    assert changes[STATE].notna().all().all()
    first = changes.groupby("opportunity_id").head(1).set_index("opportunity_id")
    created = demo["opportunities"].set_index("opportunity_id")["created_at"]
    assert (first["changed_at"] == created.loc[first.index]).all()
    assert set(first.index) == set(created.index)


def test_a_deals_last_change_is_its_current_state(demo: Tables) -> None:
    opportunities = demo["opportunities"].set_index("opportunity_id")
    last = demo["deal_changes"].groupby("opportunity_id").tail(1).set_index("opportunity_id")
    pd.testing.assert_frame_equal(last.loc[opportunities.index, STATE], opportunities[STATE])


def test_every_stage_entry_is_a_change_at_the_same_time_with_the_same_state(
    demo: Tables,
) -> None:
    history = demo["stage_history"].rename(columns={"entered_at": "changed_at"})
    matched = history.merge(
        demo["deal_changes"], on=["opportunity_id", "changed_at"], suffixes=("", "_change")
    )
    assert len(matched) == len(history)
    for column in STATE:
        assert (matched[column] == matched[f"{column}_change"]).all(), column
    assert len(demo["deal_changes"]) > 1.1 * len(history)  # and changes between entries


def test_some_deals_slip_several_times_and_slipped_deals_lose_more_often(
    demo: Tables, steps: pd.DataFrame
) -> None:
    pushes = pushes_per_deal(demo, steps)
    assert (pushes >= 2).sum() > 100
    assert 0.08 < (pushes >= 1).mean() < 0.4
    deals = demo["opportunities"].set_index("opportunity_id")
    closed = deals[deals["is_closed"]]
    slipped = pushes.loc[closed.index] >= 1
    assert closed.loc[slipped, "is_won"].mean() < 0.8 * closed.loc[~slipped, "is_won"].mean()


def test_amounts_are_requoted_up_and_down_between_stage_entries(steps: pd.DataFrame) -> None:
    same_stage = steps[steps["stage"] == steps["stage_before"]]
    change = same_stage["amount"] - same_stage["amount_before"]
    assert (change > 0).sum() > 100 and (change < 0).sum() > 100


def test_forecast_categories_move_toward_the_outcome(demo: Tables, steps: pd.DataFrame) -> None:
    same_stage = steps[steps["stage"] == steps["stage_before"]]
    moves = same_stage.groupby(["forecast_category_before", "forecast_category"]).size()
    outcome = demo["opportunities"].set_index("opportunity_id")["is_won"]
    committed = same_stage[
        (same_stage["forecast_category_before"] == "best_case")
        & (same_stage["forecast_category"] == "commit")
    ]
    assert len(committed) > 50 and outcome.loc[committed["opportunity_id"]].all()
    assert moves[("commit", "best_case")] > 20  # pushed out of commit
    assert moves[("best_case", "pipeline")] + moves[("commit", "pipeline")] > 20


def test_changes_come_from_their_own_random_stream(
    demo: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo_module, "_CHANGES_STREAM", demo_module._CHANGES_STREAM + 1)
    other = generate(DEFAULT_SEED)
    for name, frame in demo.items():
        if name != "deal_changes":
            pd.testing.assert_frame_equal(other[name], frame, obj=name)
    assert not other["deal_changes"].equals(demo["deal_changes"])
