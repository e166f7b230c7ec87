from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd
import pytest

from salesops.present import table

FRAME = pd.DataFrame(
    {
        "rep": ["Ann", None],
        "won": [1_234_567.4, np.nan],
        "win_rate": [0.314, 0.5],
        "deals": [1234, 5],
        "cycle": [41.6, 1],
    }
)
FORMATS = {"won": "money", "win_rate": "percent", "deals": "count", "cycle": "days"}


def _cells(markup: str) -> list[tuple[str, str]]:
    return re.findall(r'<td class="(so-\w+)">(.*?)</td>', markup)


def test_table_formats_each_column_and_reads_missing_as_n_a() -> None:
    markup = table(FRAME, FORMATS)._repr_html_()
    assert [text for _, text in _cells(markup)] == [
        "Ann", "$1,234,567", "31%", "1,234", "42 days",
        "n/a", "n/a", "50%", "5", "1 day",
    ]  # fmt: skip


def test_table_right_aligns_numbers_and_left_aligns_text() -> None:
    markup = table(FRAME, FORMATS)._repr_html_()
    assert [kind for kind, _ in _cells(markup)][:5] == ["so-text"] + ["so-num"] * 4
    assert 'class="so-table"' in markup
    assert ".so-table td.so-num,.so-table th.so-num{text-align:right" in markup


def test_table_has_a_caption_and_a_plain_text_fallback() -> None:
    result = table(FRAME, FORMATS, caption="Reps")
    assert "<caption>Reps</caption>" in result._repr_html_()
    plain = result._repr_mimebundle_()["text/plain"]
    assert plain.splitlines()[0] == "Reps"
    assert "$1,234,567" in plain


def test_table_refuses_formats_for_missing_columns_or_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="lacks"):
        table(FRAME, {"quota": "money"})
    with pytest.raises(ValueError, match="unknown column formats"):
        table(FRAME, {"won": "euros"})  # type: ignore[dict-item]


def test_every_cell_header_and_caption_is_escaped(hostile: str, assert_inert) -> None:
    frame = pd.DataFrame({hostile: [hostile], "won": [1.0]})
    markup = table(frame, {"won": "money"}, caption=hostile)._repr_html_()
    assert_inert(markup)
    assert markup.count(hostile.replace("<", "&lt;").replace(">", "&gt;")) == 3


def test_headers_read_as_words_unless_labelled() -> None:
    frame = pd.DataFrame({"won_amount": [1.0], "amount_rate": [0.5]})
    shown = table(frame, {"won_amount": "money"}, labels={"amount_rate": "Win rate by amount"})
    assert shown.columns == ("Won amount", "Win rate by amount")


def test_table_keeps_its_frame_raw_with_each_columns_format() -> None:
    frame = FRAME.iloc[[1, 0]]  # a sorted frame: its index is 1, 0
    shown = table(frame, FORMATS)
    assert shown.formats == ("text", "money", "percent", "count", "days")
    pd.testing.assert_frame_equal(shown.frame, frame.reset_index(drop=True))
    assert shown.frame["won"].iloc[1] == 1_234_567.4  # the number, not "$1,234,567"


def test_the_frame_is_not_part_of_equality_nor_of_the_text() -> None:
    other = FRAME.assign(won=FRAME["won"] + 0.05)  # 1,234,567.45 still shows $1,234,567
    assert table(FRAME, FORMATS) == table(other, FORMATS)
    assert "1234567.4" not in repr(table(FRAME, FORMATS))


def test_dates_read_as_iso_days_and_ratios_as_multiples() -> None:
    frame = pd.DataFrame(
        {
            "week_end": [date(2026, 7, 8), pd.Timestamp("2026-07-15 09:30"), pd.NaT],
            "coverage": [2.84, np.nan, 1.0],
        }
    )
    shown = table(frame, {"week_end": "date", "coverage": "multiple"})
    assert shown.rows == (
        ("2026-07-08", "2.8×"),
        ("2026-07-15", "n/a"),
        ("n/a", "1.0×"),
    )
    # multiples stay left-aligned beside their label, as the coverage table shows them
    assert shown.numeric == (False, False)
