"""The pipeline report on a CRM small enough to follow by hand, on the demo, and in French."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from salesops.analyses import pipeline
from salesops.data import contract
from salesops.data.demo import write_tables
from salesops.errors import ParamsError
from salesops.i18n import use_locale
from salesops.metrics.flow import FLOW, flow_residual, pipeline_flow
from salesops.metrics.landing import landing_headline
from salesops.metrics.slippage import slippage
from salesops.metrics.stalls import stalled_deals
from salesops.present import ReportFigure, Stack, Table, Text, escape_markdown

STAGES = [  # stage, sort_order, is_closed, is_won
    ("Prospecting", 1, False, False),
    ("Discovery", 2, False, False),
    ("Proposal", 3, False, False),
    ("Closed Won", 4, True, True),
    ("Closed Lost", 5, True, False),
]
CLOSED = {stage: (closed, won) for stage, _order, closed, won in STAGES}
REPS = [("r1", "Ann East", "East"), ("r2", "Bob West", "West")]
# 2026Q2 (Apr 1 to Jul 1), current values; the comment gives entry -> exit, amounts in -> out:
DEALS = [
    ("a1", "r1", "2026-02-01", "2026-05-10", "Closed Won", 120.0),  # start 100 -> won 120
    ("a2", "r1", "2026-03-01", "2026-08-15", "Prospecting", 200.0),  # start 200 -> pushed out
    ("a3", "r1", "2026-04-10", "2026-05-01", "Closed Lost", 50.0),  # new 50 -> lost 50
    ("a4", "r2", "2026-03-01", "2026-06-30", "Proposal", 250.0),  # pulled in 300 -> end 250
    ("a5", "r2", "2026-01-10", "2026-05-20", "Discovery", 400.0),  # start 400 -> end 400
    ("x1", "r1", "2026-01-01", "2026-03-20", "Closed Won", 500.0),  # won in Q1: not in play
]
CHANGES = [  # opportunity_id, changed_at, stage, amount, close_date
    ("a1", "2026-02-01 09:00", "Prospecting", 100.0, "2026-05-15"),
    ("a1", "2026-05-10 16:00", "Closed Won", 120.0, "2026-05-10"),
    ("a2", "2026-03-01 09:00", "Prospecting", 200.0, "2026-06-10"),
    ("a2", "2026-06-20 09:00", None, None, "2026-08-15"),
    ("a3", "2026-04-10 09:00", "Prospecting", 50.0, "2026-05-31"),
    ("a3", "2026-05-01 09:00", "Closed Lost", 50.0, "2026-05-01"),
    ("a4", "2026-03-01 09:00", "Prospecting", 300.0, "2026-09-01"),
    ("a4", "2026-04-20 09:00", "Proposal", None, "2026-06-30"),
    ("a4", "2026-05-01 09:00", None, 250.0, None),
    ("a5", "2026-01-10 09:00", "Discovery", 400.0, "2026-05-20"),
    ("x1", "2026-01-01 09:00", "Prospecting", 500.0, "2026-03-20"),
    ("x1", "2026-03-20 09:00", "Closed Won", 500.0, "2026-03-20"),
]
# by hand: start a1 100 + a2 200 + a5 400 = 700 (3 deals); pulled in a4 300; new a3 50;
# increased a1 +20; decreased a4 -50; won a1 120; lost a3 50; pushed out a2 200;
# end a4 250 + a5 400 = 650 (2 deals): 700 + 300 + 50 + 20 - 50 - 120 - 50 - 200 = 650
TOTALS = {
    "start": (3, 700.0),
    "pulled_in": (1, 300.0),
    "pushed_in": (0, 0.0),
    "new": (1, 50.0),
    "increased": (1, 20.0),
    "decreased": (1, 50.0),
    "won": (1, 120.0),
    "lost": (1, 50.0),
    "pushed_out": (1, 200.0),
    "pulled_out": (0, 0.0),
    "end": (2, 650.0),
}


def frame(name: str, rows: list[dict]) -> pd.DataFrame:
    """A contract table from rows; a column the rows leave out is null."""
    return pd.DataFrame(rows, columns=list(contract.TABLES[name].columns))


def tiny_tables(with_changes: bool = True, currencies: dict[str, str] | None = None) -> dict:
    currencies = currencies or {}
    tables = {
        "reps": frame(
            "reps",
            [
                {"rep_id": r, "rep_name": n, "team": t, "role": "AE", "hire_date": "2024-01-01"}
                for r, n, t in REPS
            ],
        ),
        "stages": frame(
            "stages",
            [{"stage": s, "sort_order": o, "is_closed": c, "is_won": w} for s, o, c, w in STAGES],
        ),
        "opportunities": frame(
            "opportunities",
            [
                {
                    "opportunity_id": d,
                    "rep_id": r,
                    "created_at": pd.Timestamp(created),
                    "close_date": pd.Timestamp(close),
                    "stage": stage,
                    "is_closed": CLOSED[stage][0],
                    "is_won": CLOSED[stage][1],
                    "amount": amount,
                    "currency": currencies.get(d, "USD"),
                }
                for d, r, created, close, stage, amount in DEALS
            ],
        ),
    }
    if with_changes:
        tables["deal_changes"] = frame(
            "deal_changes",
            [
                {
                    "opportunity_id": d,
                    "changed_at": pd.Timestamp(at),
                    "stage": stage,
                    "amount": amount,
                    "close_date": pd.Timestamp(close) if close else None,
                }
                for d, at, stage, amount, close in CHANGES
            ],
        )
    return tables


@pytest.fixture
def tiny(tmp_path: Path) -> str:
    path = tmp_path / "tiny.duckdb"
    write_tables(path, tiny_tables())
    return str(path)


def table_of(section: Stack) -> Table:
    return next(part for part in section.parts if isinstance(part, Table))


def test_headline_figures_are_the_flow_worked_out_by_hand(tiny: str) -> None:
    report = pipeline.open_report("2026Q2", "all", tiny)
    now = report.now
    assert {name: (t["count"], t["amount"]) for name, t in now["flow"].items()} == TOTALS
    assert now["flow_complete"] is True
    assert (now["start_amount"], now["end_amount"], now["net_change"]) == (700.0, 650.0, -50.0)
    assert (now["won_amount"], now["pushed_out_amount"]) == (120.0, 200.0)
    flow = pipeline_flow(report.scope.tables, report.scope.quarter)
    assert now["flow"] == flow.totals
    assert set(report.flow_deals["opportunity_id"]) == {"a1", "a2", "a3", "a4", "a5"}

    headline = report.headline()
    assert headline.record()["metrics"]["flow"]["end"] == {"count": 2, "amount": 650.0}
    cards = {card.label: card for card in headline.cards}
    assert list(cards) == [
        "Start pipeline",
        "End pipeline",
        "Won from the pipeline",
        "Start pipeline slipped",
        "Stalled pipeline",
        "Projected landing",
    ]
    assert (cards["Start pipeline"].value, cards["Start pipeline"].note) == ("$700", "3 deals")
    # a2, 200 of the start's 700, pushed out: 28.6 %; its one push (Jun 20) of 5 deals in play
    slipped = cards["Start pipeline slipped"]
    assert (slipped.value, slipped.note) == ("29%", "$200 not closed in the quarter")
    assert now["slipped_share"] == pytest.approx(200 / 700)
    assert (now["slipped_amount"], now["pushes_per_deal"], now["pushed_twice"]) == (200.0, 0.2, 0)
    # no stage_history: stalled deals cannot be judged, and the card says why
    stalled = cards["Stalled pipeline"]
    assert (stalled.value, stalled.note) == ("n/a", "needs the stage_history table")
    assert (now["stalled_deals"], now["stalled_amount"]) == (None, None)
    # 2026Q1: x1 created and won, nothing open at its end; a larger end pipeline is worse
    end = cards["End pipeline"]
    assert (end.value, end.change, end.direction, end.good) == (
        "$650",
        "+$650 vs 2026Q1",
        "up",
        False,
    )


def test_the_flow_table_lists_the_eleven_steps_and_adds_up(tiny: str) -> None:
    report = pipeline.open_report("2026Q2", "all", tiny)
    section = report.flow()
    steps = table_of(section)
    assert steps.columns == ("Step", "Deals", "Amount")
    assert [row[0] for row in steps.rows] == [
        "Start of quarter",
        "Pulled in",
        "Pushed in",
        "New",
        "Increased",
        "Decreased",
        "Won",
        "Lost",
        "Pushed out",
        "Pulled out",
        "End of quarter",
    ]
    assert steps.rows[3] == ("New", "1", "$50")
    kept = report.data["flow"]
    amounts = dict(zip(FLOW, kept["amount"], strict=True))
    totals = {name: {"count": 0, "amount": amounts[name]} for name in FLOW}
    assert flow_residual(totals) == pytest.approx(0, abs=0.005)
    chart = report.data["flow_chart"]
    assert list(chart["kind"]) == ["total", *["up"] * 4, *["down"] * 5, "total"]
    assert isinstance(section.parts[0], ReportFigure) and section.parts[0].png


def test_the_breakdown_by_team_adds_up_per_team_and_to_the_totals(tiny: str) -> None:
    report = pipeline.open_report("2026Q2", "all", tiny)
    section = report.flow_breakdown()
    rows = report.data["flow_breakdown"].set_index("team")
    # East: start a1 100 + a2 200; entered a3 50; resized a1 +20; won 120, lost 50, pushed out
    # 200; end 0. West: start a5 400; entered a4 300; resized a4 -50; end 650
    assert rows.loc["East"].to_dict() == {
        "start": 300.0,
        "entered": 50.0,
        "resized": 20.0,
        "won": 120.0,
        "lost": 50.0,
        "pushed_out": 200.0,
        "pulled_out": 0.0,
        "end": 0.0,
        "net_change": -300.0,
    }
    assert rows.loc["West", ["start", "entered", "resized", "end", "net_change"]].tolist() == [
        400.0,
        300.0,
        -50.0,
        650.0,
        250.0,
    ]
    identity = (
        rows["start"]
        + rows["entered"]
        + rows["resized"]
        - rows[["won", "lost", "pushed_out", "pulled_out"]].sum(axis=1)
    )
    assert identity.tolist() == rows["end"].tolist()
    assert rows["won"].sum() == TOTALS["won"][1] and rows["end"].sum() == TOTALS["end"][1]
    drawn = report.data["flow_breakdown_chart"]
    assert drawn[["group", "entered", "exited", "net_change"]].values.tolist() == [
        ["West", 300.0, 0.0, 250.0],
        ["East", 50.0, 370.0, -300.0],
    ]
    assert table_of(section).columns[0] == "Team"


def test_the_breakdown_of_one_team_is_by_rep(tiny: str) -> None:
    report = pipeline.open_report("2026Q2", "West", tiny)
    assert report.now["start_amount"] == 400.0 and report.now["end_amount"] == 650.0
    report.flow_breakdown()
    assert report.data["flow_breakdown"]["rep"].tolist() == ["Bob West"]


def test_without_deal_changes_the_summary_says_what_cannot_be_seen(tmp_path: Path) -> None:
    path = tmp_path / "no-changes.duckdb"
    write_tables(path, tiny_tables(with_changes=False))
    report = pipeline.open_report("2026Q2", "all", str(path))
    # current values: start a1 120 + a4 250 + a5 400 = 770 (a2 is due in Q3 now); new a3 50;
    # won a1 120; lost a3 50; end a4 250 + a5 400 = 650
    now = report.now
    assert now["flow_complete"] is False
    assert (now["start_amount"], now["end_amount"], now["pushed_out_amount"]) == (
        770.0,
        650.0,
        None,
    )
    summary = report.summary().markdown
    assert summary == (
        "For all teams, the pipeline due in 2026Q2 started at $770 (3 deals). During the "
        "quarter $50 entered it as new deals, $120 was won and $50 lost. It ended at $650 (2 "
        "deals still open and due in the quarter). The data has no deal\\_changes table, so "
        "pulls, pushes and resizes cannot be seen: only the start, new, won, lost and end are "
        "shown, from each deal's current close date and amount; a deal\\_changes table would "
        "show them."
    )
    pushed = report.headline().cards[3]
    assert (pushed.value, pushed.note) == ("n/a", "needs the deal_changes table")
    steps = table_of(report.flow())
    assert steps.rows[1] == ("Pulled in", "n/a", "n/a")
    assert len(report.data["flow_chart"]) == 5  # start, new, won, lost, end
    report.flow_breakdown()
    east = report.data["flow_breakdown"].set_index("team").loc["East"]
    assert east[["entered", "resized", "pushed_out", "pulled_out"]].isna().all()
    assert report.data["flow_breakdown_chart"]["exited"].isna().all()
    caveats = report.caveats().markdown
    assert (
        "- The data has no deal\\_changes table, so a complete pipeline flow \\(pulls\\, "
        "pushes and resizes\\) or slippage is not shown." in caveats
    )
    assert "each deal is read from its current close date and amount" in caveats


def test_the_caveats_count_the_deals_each_edge_rule_decided(tiny: str) -> None:
    notes = pipeline.open_report("2026Q2", "all", tiny).caveats().markdown.split("\n")
    # a3 was created and closed inside the quarter; no other edge applies
    assert notes[0] == (
        "- 1 deal was created and closed inside the quarter: it enters as new, at the amount it "
        "was created with, and leaves as won or lost."
    )
    assert not any("came back" in note or "reopened" in note for note in notes)
    assert notes[-1].startswith("- How these numbers are defined: docs/metrics.md#pipeline-flow")


def test_amounts_in_unconverted_currencies_are_withheld(tmp_path: Path) -> None:
    path = tmp_path / "mixed.duckdb"
    write_tables(path, tiny_tables(currencies={"a5": "EUR"}))
    report = pipeline.open_report("2026Q2", "all", str(path))
    assert {card.value for card in report.headline().cards} == {"n/a"}
    assert isinstance(report.flow(), Text) and isinstance(report.flow_breakdown(), Text)
    assert report.summary().markdown.startswith("Amounts are not shown")


def test_a_quarter_with_nothing_in_play_reads_as_a_sentence(tiny: str) -> None:
    report = pipeline.open_report("2025Q3", "all", tiny)
    sentence = "No deal of all teams was in the pipeline due in 2025Q3."
    assert report.summary().markdown == sentence
    assert report.flow().markdown == sentence and report.flow_breakdown().markdown == sentence


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"landing_week": 0}, "landing_week must be 1 to 14, not 0"),
        ({"landing_week": 15}, "landing_week must be 1 to 14, not 15"),
        ({"stalled_lookback": 9}, "stalled_lookback must be 1 to 8, not 9"),
    ],
)
def test_parameters_out_of_range_are_refused(tiny: str, options: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        pipeline.open_report("2026Q2", "all", tiny, **options)


def test_parameters_are_kept_on_the_report(tiny: str) -> None:
    report = pipeline.open_report("2026Q2", "all", tiny, landing_week=14, stalled_lookback=1)
    assert (report.landing_week, report.stalled_lookback) == (14, 1)


def test_the_demo_report_of_one_team_is_its_pipeline_flow(demo_source: str) -> None:
    report = pipeline.open_report("2026Q2", "SMB", demo_source)
    flow = pipeline_flow(report.scope.tables, report.scope.quarter, "SMB")
    assert flow.complete and report.now["flow"] == flow.totals
    assert report.now["start_amount"] == flow.totals["start"]["amount"]
    assert report.now["net_change"] == pytest.approx(
        flow.totals["end"]["amount"] - flow.totals["start"]["amount"]
    )
    assert report.headline().record()["metrics"]["won_amount"] == flow.totals["won"]["amount"]
    report.flow()
    assert report.data["flow"]["amount"].tolist() == [flow.totals[n]["amount"] for n in FLOW]
    report.flow_breakdown()
    reps = report.data["flow_breakdown"]
    for column in ("start", "won", "lost", "pushed_out", "end"):
        assert reps[column].sum() == pytest.approx(flow.totals[column]["amount"])
    entries = sum(flow.totals[n]["amount"] for n in ("pulled_in", "pushed_in", "new"))
    assert reps["entered"].sum() == pytest.approx(entries)
    assert set(reps["rep"]) <= set(report.scope.team_tables["reps"].execute()["rep_name"])
    assert report.flow_deals.equals(flow.deals)
    summary = report.summary().markdown
    assert summary.startswith("For SMB, the pipeline due in 2026Q2 started at ")


def plain(text: str) -> str:
    """``text`` with the narrow and non-breaking spaces of French numbers as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def test_the_flow_reads_in_french_numbers(demo_source: str) -> None:
    report = pipeline.open_report("2026Q2", "SMB", demo_source)
    flow = pipeline_flow(report.scope.tables, report.scope.quarter, "SMB")
    start = flow.totals["start"]
    with use_locale("fr_FR"):
        section = report.flow()
        figure = next(part for part in section.parts if isinstance(part, ReportFigure))
        headline = report.headline()
    first = table_of(section).rows[0]
    assert plain(first[1]) == f"{start['count']:,}".replace(",", " ")
    assert plain(first[2]) == f"{round(start['amount']):,} $US".replace(",", " ")
    assert "T2 2026" in figure.caption and "2026Q2" not in figure.caption
    assert plain(headline.cards[0].change or "").endswith("vs T1 2026")


def test_slippage_sections_worked_out_by_hand(tiny: str) -> None:
    report = pipeline.open_report("2026Q2", "all", tiny)
    section = report.slippage()
    assert isinstance(section, Stack)
    # a2 (200 of the start's 700) pushed out on Jun 20, the quarter's one push, 5 deals in play
    assert section.parts[0].markdown == (
        "29% of the pipeline due in 2026Q2 at its start ($200 of $700; 1 deal) was pushed out to "
        "a later quarter. The 5 deals in play had 1 close-date push (0.2 per deal)."
    )
    reps = report.data["slippage"]
    # Ann East: a1, a2, a3 in play, a2 pushed once; Bob West: a4 (pulled in), a5; both under 20
    assert reps[["rep_name", "deals", "pushes", "pushed_deals", "note"]].values.tolist() == [
        ["Ann East", 3, 1, 1, "small sample"],
        ["Bob West", 2, 0, 0, "small sample"],
    ]
    assert reps["pushes_per_deal"].tolist() == pytest.approx([1 / 3, 0.0])
    assert table_of(section).rows[0][4] == "0.3"
    assert report.pushed_twice().markdown == (
        "No deal in play had its close date pushed twice or more in 2026Q2."
    )


def test_stalled_sections_say_they_need_stage_history(tiny: str) -> None:
    report = pipeline.open_report("2026Q2", "all", tiny)
    needs = escape_markdown(
        "Stalled deals needs the stage_history table, which this source does not have."
    )
    for section in (report.stalled, report.stalled_by_rep, report.stalled_top):
        assert section().markdown == needs
    assert "stalled_lookback" not in report.caveats().markdown


def test_pacing_worked_out_by_hand(tiny: str) -> None:
    report = pipeline.open_report("2026Q2", "all", tiny)
    report.pacing()
    weeks = report.data["pacing"]
    # the data's last day is Jun 20 (a2's push): week 11 ends Jun 17, week 12 on Jun 24 is to come.
    # a1 won 120 on May 10, in week 6 (May 6 to May 13); x1 won 500 on Mar 20, in 2026Q1's
    # week 12 (Mar 19 to Mar 26); nothing was won in 2025Q2.
    assert report.as_of.isoformat() == "2026-06-20"
    assert weeks["this_quarter"].tolist()[:11] == [0.0] * 5 + [120.0] * 6
    assert weeks["this_quarter"].iloc[11:].isna().all()
    assert weeks["previous_quarter"].tolist()[:13] == [0.0] * 11 + [500.0] * 2
    assert (weeks["last_year"].iloc[:11] == 0.0).all()
    assert weeks.columns.tolist() == [
        "week",
        "week_end",
        "this_quarter",
        "previous_quarter",
        "last_year",
    ]


def test_the_demo_sections_show_the_metrics(demo_source: str) -> None:
    report = pipeline.open_report("2026Q3", "SMB", demo_source)
    tables, quarter = report.scope.tables, report.scope.quarter
    slipped = slippage(tables, quarter, "SMB")
    stalled = stalled_deals(tables, quarter, "SMB", as_of=quarter.end)
    headline = landing_headline(tables, quarter, "SMB", week=7, as_of=report.as_of)
    now = report.now
    assert (now["slipped_share"], now["pushes_per_deal"]) == (
        slipped.slipped_share,
        slipped.pushes_per_deal,
    )
    assert (now["stalled_deals"], now["stalled_amount"]) == (stalled.deals, stalled.amount)
    assert {key: now[key] for key in headline} == pytest.approx(headline)  # sums' order varies
    assert report.as_of == quarter.last_day  # the demo covers the whole quarter

    report.slippage()
    assert report.data["slippage"]["pushes"].sum() == slipped.pushes
    report.pushed_twice()
    twice = report.data["pushed_twice"]
    assert len(twice) == min(20, slipped.pushed_twice_count)
    assert (twice["pushes"] >= 2).all() and twice["amount"].is_monotonic_decreasing
    report.stalled()
    assert report.data["stalled"]["stalled_amount"].sum() == pytest.approx(stalled.amount)
    report.stalled_by_rep()
    assert report.data["stalled_by_rep"]["stalled_amount"].sum() == pytest.approx(stalled.amount)
    report.stalled_top()
    top = report.data["stalled_top"]
    assert len(top) == min(20, stalled.deals)
    assert (top["days_in_stage"] > top["p75_days"]).all()
    report.landing()
    weeks = report.data["landing_chart"]
    row = weeks[weeks["week"] == 7].iloc[0]
    assert (row["expected"], row["low"], row["high"]) == pytest.approx(
        (headline["projected_landing"], headline["landing_low"], headline["landing_high"])
    )
    assert (weeks["actual"] == headline["landing_actual"]).all()
    section = report.backtest()
    assert report.data["backtest"]["error"].abs().sum() / report.data["backtest"][
        "actual"
    ].sum() == pytest.approx(headline["landing_wape"])
    assert section.parts[0].markdown.startswith(
        "Made the same way in each of the last 4 quarters, the estimate was off by "
    )


def test_a_landing_without_past_quarters_says_why_it_is_missing(tiny: str) -> None:
    # the data starts on 2026-01-01 (x1): 2026Q1 has no earlier quarter to take win rates from,
    # though its week 7 (to Feb 19) is long covered (the data runs to Jun 20)
    report = pipeline.open_report("2026Q1", "all", tiny)
    cards = {card.label: card for card in report.headline().cards}
    landing = cards["Projected landing"]
    assert (landing.value, landing.note) == (
        "n/a",
        "no earlier quarter in the data to take win rates from",
    )
    assert report.now["projected_landing"] is None
    assert report.backtest().markdown == (
        "No earlier quarter in the data to test the landing estimate on."
    )
