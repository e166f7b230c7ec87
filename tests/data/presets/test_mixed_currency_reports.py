"""An export in several currencies with no rate table: amount figures are withheld in words,
counts still show (the Salesforce export of crm_exports without CurrencyType.csv)."""

from __future__ import annotations

from pathlib import Path

import pytest
from crm_exports import salesforce_export

from salesops.analyses import funnel, quota


@pytest.fixture
def unconverted(tmp_path: Path) -> str:
    folder = salesforce_export(tmp_path / "norates")
    (folder / "CurrencyType.csv").unlink()
    return str(folder)


def test_funnel_withholds_amount_cards_but_keeps_the_win_rate(unconverted: str) -> None:
    report = funnel.open_report("2026Q3", "all", unconverted, "salesforce")
    cards = {card["label"]: card for card in report.headline().record()["cards"]}
    assert cards["Won amount"]["value"] == "n/a"
    assert cards["Average won deal"]["value"] == "n/a"
    assert cards["Win rate"]["value"] == "75%"  # 3 won of 4 closed, counts are unaffected
    summary = report.summary().markdown
    assert "Amounts are not shown" in summary and "EUR" in summary
    assert "Amounts are not shown" in report.caveats().markdown


def test_quota_sections_say_which_table_would_convert_the_amounts(unconverted: str) -> None:
    report = quota.open_report("2026Q3", "all", unconverted, "salesforce")
    assert all(card["value"] == "n/a" for card in report.headline().record()["cards"])
    for section in (report.summary(), report.distribution(), report.breakdown()):
        assert "CurrencyType" in section.markdown
