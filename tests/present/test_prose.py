from __future__ import annotations

import html
import re

import pytest

from salesops.present import (
    Text,
    amount_change_sentence,
    escape_markdown,
    missing_section,
    rate_change_sentence,
)


def _shown(markdown: str) -> str:
    """The text a reader sees once the markdown is rendered to HTML."""
    inner = re.search(r"<p>(.*)</p>", Text(markdown)._repr_html_(), re.S).group(1)
    return html.unescape(inner)


def test_rate_change_sentence_significant() -> None:
    # 24/100 vs 40/100: pooled p = 0.32, se = sqrt(0.32 * 0.68 * 2/100) = 0.0660,
    # z = -0.16 / 0.0660 = -2.43, two-sided p = 0.015
    sentence = rate_change_sentence("Win rate", 24, 100, 40, 100, "2026Q2", "2026Q3")
    assert sentence == (
        "Win rate fell from 40% in 2026Q2 to 24% in 2026Q3 (n=100 vs 100); "
        "the change is significant at 95% (p=0.015)."
    )


def test_rate_change_sentence_within_noise() -> None:
    # 33/100 vs 30/100: pooled 0.315, se = 0.0657, z = 0.457, p = 0.65
    sentence = rate_change_sentence("Win rate", 33, 100, 30, 100, "2026Q2", "2026Q3")
    assert sentence == (
        "Win rate rose from 30% in 2026Q2 to 33% in 2026Q3 (n=100 vs 100); "
        "the change is within noise (p=0.65)."
    )


def test_rate_change_sentence_flags_small_samples() -> None:
    sentence = rate_change_sentence("Win rate", 5, 12, 61, 198, "2026Q2", "2026Q3")
    assert sentence.endswith("(p=0.43). Fewer than 20 deals in 2026Q3: read it as a rough guide.")


def test_rate_change_sentence_for_equal_rates_says_held() -> None:
    sentence = rate_change_sentence("Win rate", 31, 100, 62, 200)
    assert sentence.startswith(
        "Win rate held at 31% from the previous quarter to this quarter (n=200 vs 100)"
    )


def test_rate_change_sentence_without_counts() -> None:
    assert rate_change_sentence("Win rate", 0, 0, 5, 10) == (
        "Win rate is not available for this quarter: there were no deals to count."
    )
    assert rate_change_sentence("Win rate", 5, 25, 0, 0, "2026Q2") == (
        "Win rate was 20% in this quarter (n=25); there is no figure for 2026Q2 to compare with."
    )
    assert rate_change_sentence("Win rate", 1, 5, 0, 0).endswith(
        "compare with. Fewer than 20 deals in this quarter: read it as a rough guide."
    )


def test_amount_change_sentence() -> None:
    sentence = amount_change_sentence("Won amount", 1_500_000, 1_200_000, "2026Q2", "2026Q3")
    assert _shown(sentence) == "Won amount rose from $1.2M in 2026Q2 to $1.5M in 2026Q3 (+25%)."
    assert _shown(amount_change_sentence("Won amount", 950, None)) == (
        "Won amount was $950 in this quarter; "
        "there is no figure for the previous quarter to compare with."
    )
    assert amount_change_sentence("Won amount", None, 5) == (
        "Won amount is not available for this quarter."
    )


def test_missing_section_names_the_table() -> None:
    sentence = missing_section("Forecast accuracy from submitted calls", "forecast_submissions")
    assert _shown(sentence) == (
        "Forecast accuracy from submitted calls is not shown: "
        "the data has no forecast_submissions table."
    )


def test_escaped_markdown_renders_back_to_the_literal_text(hostile: str) -> None:
    assert _shown(escape_markdown(hostile)) == hostile


def test_escape_markdown_leaves_no_markup_or_line_structure() -> None:
    escaped = escape_markdown("# Title\n- item *bold* _x_ `code` <b>&amp;")
    assert "\n" not in escaped
    assert "<" not in escaped and ">" not in escaped
    assert re.search(r"(?<!\\)[#*_`\[\]()-]", escaped) is None


def test_text_never_passes_raw_html_or_script_links(hostile: str, assert_inert) -> None:
    assert_inert(Text(hostile)._repr_html_())
    assert_inert(Text(escape_markdown(hostile))._repr_html_())


def test_text_mimebundle_offers_markdown_and_html() -> None:
    bundle = Text("**Win rate** fell.")._repr_mimebundle_()
    assert bundle["text/markdown"] == "**Win rate** fell."
    assert "<strong>Win rate</strong> fell." in bundle["text/html"]


@pytest.mark.parametrize(
    "build",
    [
        lambda s: rate_change_sentence(s, 5, 30, 9, 30, s, s),
        lambda s: amount_change_sentence(s, 10.0, 5.0, s, s),
        lambda s: missing_section(s, s),
    ],
)
def test_sentences_escape_every_string_they_are_given(build, hostile: str, assert_inert) -> None:
    markup = Text(build(hostile))._repr_html_()
    assert_inert(markup)
    assert hostile in _shown(build(hostile))
