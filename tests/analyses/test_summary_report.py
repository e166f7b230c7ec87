"""The quarterly summary: which changes are beyond noise, which become highlights and in what
words, and the scorecard's record; figures built by hand, the answers worked out in comments.
That every scorecard value equals its analysis's JSON is checked on a real run in
tests/test_end_to_end.py."""

from __future__ import annotations

import pytest
from statsmodels.stats.proportion import proportions_ztest

from salesops.analyses.scope import open_scope
from salesops.analyses.sections import counts, rate_evidence, share_evidence
from salesops.analyses.summary import SummaryReport
from salesops.analyses.summary.highlights import MOST, choose
from salesops.analyses.summary.scorecard import KEY_FIGURES, AnalysisFigures, Score, scores
from salesops.periods import Quarter

FIGURE = {(figure.analysis, figure.key): figure for figure in KEY_FIGURES}


def score(analysis: str, key: str, now: float | None, before: float | None, evidence="record"):
    return Score(FIGURE[(analysis, key)], now, before, None, evidence, "untested")


@pytest.mark.parametrize(
    ("now", "before"),
    [((59, 200), (41, 200)), ((30, 100), (28, 100)), ((2, 10), (0, 12)), ((50, 100), (50, 100))],
)
def test_rate_evidence_is_the_pooled_z_test_of_statsmodels(now, before) -> None:
    _z, p = proportions_ztest([now[0], before[0]], [now[1], before[1]])
    expected = "significant" if p < 0.05 else "within_noise"
    assert rate_evidence(now, before) == expected


def test_rate_evidence_needs_both_counts_and_counts_undo_the_share() -> None:
    assert rate_evidence((3, 10), None) == rate_evidence((3, 10), (0, 0)) == "untested"
    # 57 of 193 closed deals is a win rate of 0.29533678756476683: the hits come back exactly
    assert counts({"win_rate": 57 / 193, "closed_deals": 193}, "win_rate", "closed_deals") == (
        57,
        193,
    )
    assert counts({"win_rate": None, "closed_deals": 5}, "win_rate", "closed_deals") is None
    assert counts(None, "win_rate", "closed_deals") is None


def test_share_evidence_tests_the_counts_behind_two_quarters_shares() -> None:
    now, before = (
        {"win_rate": 59 / 200, "closed_deals": 200},
        {"win_rate": 0.205, "closed_deals": 200},
    )
    _z, p = proportions_ztest([59, 41], [200, 200])
    assert p < 0.05
    assert share_evidence(now, before, "win_rate", "closed_deals") == "significant"
    assert share_evidence(now, None, "win_rate", "closed_deals") == "untested"


def test_highlights_are_material_changes_beyond_noise_largest_first() -> None:
    found = choose(
        [
            score("quota", "bookings_total", 105_000, 100_000),  # +5 % exactly: material
            score("quota", "team_attainment", 0.315, 0.30),  # +5 %, 0.0499999... in floats
            score("funnel", "win_rate", 0.40, 0.20, "significant"),  # +100 %
            score("efficiency", "crm_adoption", 0.90, 0.60, "within_noise"),  # +50 %, noise
            score("funnel", "median_cycle_days", 20, 40, "untested"),  # -50 %, no test
            score("pipeline", "slipped_share", 0.10, 0.0),  # from 0: infinitely large
            score("unit_economics", "cac", 10_400, 10_000),  # +4 %: too small
            score("unit_economics", "nrr", 1.05, None),  # nothing to compare with
        ]
    )
    keys = [highlight.score.figure.key for highlight in found]
    assert keys == ["slipped_share", "win_rate", "bookings_total", "team_attainment"]


def test_at_most_five_highlights() -> None:
    many = [score("quota", "bookings_total", 100 + k, 50) for k in range(8)]
    assert len(choose(many)) == MOST == 5
    assert [h.score.value for h in choose(many)] == [107, 106, 105, 104, 103]  # largest first


def test_a_highlight_in_words() -> None:
    (bookings,) = choose([score("quota", "bookings_total", 1_200_000, 1_500_000)])
    sentence = bookings.sentence(Quarter.parse("2026Q2"), "USD")
    assert sentence == "Bookings: down from $1.5M in 2026Q2 to $1.2M (-$300k (-20%))."
    (rate,) = choose([score("funnel", "win_rate", 0.31, 0.24, "significant")])
    assert rate.sentence(Quarter.parse("2026Q2"), "EUR") == (
        "Win rate: up from 24% in 2026Q2 to 31% (+7.0 pts)."
    )


def test_scores_take_each_figure_from_its_analysis_and_leave_out_empty_ones() -> None:
    funnel = AnalysisFigures(
        now={"win_rate": 0.5, "closed_deals": 40, "median_cycle_days": None},
        previous_quarter={"win_rate": 0.25, "closed_deals": 40, "median_cycle_days": None},
        last_year=None,
    )
    found = scores({"funnel": funnel})
    assert [(s.figure.key, s.value, s.previous_quarter, s.last_year) for s in found] == [
        ("win_rate", 0.5, 0.25, None)
    ]
    # 20 of 40 against 10 of 40: z = 0.25 / sqrt(0.375 * 0.625 * 2 / 40) = 2.31, p = 0.021
    assert (found[0].evidence, found[0].evidence_year) == ("significant", "untested")


@pytest.fixture(scope="module")
def tiny_summary(demo_source: str) -> SummaryReport:
    """A summary of hand-made figures over the demo's scope: quota and funnel only."""
    analyses = {
        "quota": AnalysisFigures(
            now={"bookings_total": 90_000.0, "team_attainment": 0.9, "next_quarter_coverage": 2.5},
            previous_quarter={
                "bookings_total": 120_000.0,
                "team_attainment": 1.2,
                "next_quarter_coverage": 2.5,
            },
            last_year={
                "bookings_total": 60_000.0,
                "team_attainment": 0.6,
                "next_quarter_coverage": 2.0,
            },
        ),
        "funnel": AnalysisFigures(
            now={"win_rate": 0.3, "closed_deals": 100, "median_cycle_days": 30.0},
            previous_quarter={"win_rate": 0.28, "closed_deals": 100, "median_cycle_days": 35.0},
            last_year=None,
        ),
    }
    return SummaryReport(open_scope("2026Q3", "SMB", demo_source), analyses, reports={})


def test_the_summary_record_cards_and_sentences_of_hand_made_figures(tiny_summary) -> None:
    record = tiny_summary.now
    assert [(e["analysis"], e["key"]) for e in record["scorecard"]] == [
        ("quota", "bookings_total"),
        ("quota", "team_attainment"),
        ("funnel", "win_rate"),
        ("funnel", "median_cycle_days"),
        ("quota", "next_quarter_coverage"),
    ]
    first = record["scorecard"][0]
    assert {k: first[k] for k in ("label", "value", "previous_quarter", "last_year")} == {
        "label": "Bookings",
        "value": 90_000.0,
        "previous_quarter": 120_000.0,
        "last_year": 60_000.0,
    }
    # bookings -25 %, attainment -25 %: both records; win rate 30 of 100 against 28 of 100 is
    # p = 0.76, noise; time to win has no test; coverage did not move
    assert record["highlights"] == [
        "Bookings: down from $120k in 2026Q2 to $90k (-$30k (-25%)).",
        "Bookings against quota: down from 120% in 2026Q2 to 90% (-30.0 pts).",
    ]
    cards = {card.label: card for card in tiny_summary.headline().cards}
    assert cards["Win rate"].to_text() == ("Win rate: 30% (Up: +2.0 pts vs 2026Q2, within noise)")
    assert cards["Bookings"].note == "+$30k (+50%) vs 2025Q3"
    # the median is in the scorecard, not on a card
    assert list(cards) == [
        "Bookings",
        "Bookings against quota",
        "Win rate",
        "Next quarter's coverage",
    ]
    changes = tiny_summary.changes()
    moves = tiny_summary.data["changes_chart"]
    assert moves["relative_change"].round(4).tolist() == [-0.25, -0.25, 0.0714, -0.1429, 0.0]
    assert moves["beyond_noise"].tolist() == [True, True, False, False, True]
    assert changes.caption and changes.png.startswith(b"\x89PNG")
    summary = tiny_summary.summary().markdown
    assert summary.count("](quota.html)") == 2 and "[Quota attainment]" in summary
    amounts, shares, days, multiples = tiny_summary.scorecard().parts
    assert amounts.caption == "Amounts" and amounts.rows == (
        ("Bookings", "$90,000", "$120,000", "-$30,000", "$60,000", "$30,000", "Quota attainment"),
    )
    assert shares.rows[1][:4] == ("Win rate", "30%", "28%", "+2.0 pts")
    assert days.rows == (
        ("Median time to win", "30 days", "35 days", "-5 days", "n/a", "n/a", "Funnel"),
    )
    assert multiples.rows[0][1:6] == ("2.5×", "2.5×", "0.0×", "2.0×", "0.5×")
    assert tiny_summary.data["scorecard"]["now"].tolist() == [90_000.0]
