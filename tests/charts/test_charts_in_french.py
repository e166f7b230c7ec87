"""Charts read in French: their words from the catalogue, ticks and months in the locale."""

from __future__ import annotations

import pandas as pd
import pytest
from chart_examples import EXAMPLES
from matplotlib.axes import Axes

from salesops import charts
from salesops.i18n import use_locale


def plain(text: str) -> str:
    """``text`` with the narrow and non-breaking spaces of French numbers as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def ticks(ax: Axes, axis: str, values: list[float]) -> list[str]:
    """The labels ``axis`` gives ticks at ``values``, as a drawn chart writes them."""
    formatter = (ax.xaxis if axis == "x" else ax.yaxis).get_major_formatter()
    formatter.set_locs(values)
    return [plain(formatter(value, i)) for i, value in enumerate(values)]


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_chart_has_its_default_title_in_french(name: str) -> None:
    chart, frame = EXAMPLES[name]
    english = chart(frame).axes[0].get_title("left")
    with use_locale("fr_FR"):
        french = chart(frame).axes[0].get_title("left")
        empty = chart(frame.iloc[0:0]).axes[0]
    assert french and french != english
    assert [t.get_text() for t in empty.texts] == ["Aucune donnée"]


def test_time_to_close_in_french_names_axes_medians_and_days(words) -> None:
    curve = pd.DataFrame({"time": [10, 50, 1500.0], "survival": [0.9, 0.45, 0.2]})
    with use_locale("fr_FR"):
        ax = charts.time_to_close(curve, outcome="won").axes[0]
        text = plain(words(ax))
        assert "Délai de clôture" in text
        assert "Part des affaires gagnées" in text
        assert "Jours depuis la création de l'affaire" in text
        assert "Médiane 50 jours" in text
        assert ticks(ax, "y", [0.0, 0.5]) == ["0 %", "50 %"]
        assert ticks(ax, "x", [0, 1200]) == ["0", "1 200"]


def test_bar_labels_in_french_use_french_words_and_numbers(words) -> None:
    rates = pd.DataFrame({"group": ["PME", "Comptes"], "won": [600, 9], "closed": [2000, 10]})
    with use_locale("fr_FR"):
        text = plain(words(charts.win_rate_by_group(rates).axes[0]))
        funnel = charts.stage_funnel(pd.DataFrame({"stage": ["A", "B"], "reached": [2000, 1500]}))
        steps = plain(words(funnel.axes[0]))
    assert "30 % (n = 2 000)" in text
    assert "90 % (n = 10, petit échantillon)" in text
    assert "1 500  ·  étape 75 %  ·  cumul 75 %" in steps


def test_coverage_ticks_read_decimal_commas_where_the_ticks_need_them(words) -> None:
    coverage = pd.DataFrame({"group": ["Est"], "coverage": [0.8], "required": [1.2]})
    with use_locale("fr_FR"):
        ax = charts.pipeline_coverage(coverage).axes[0]
        assert ticks(ax, "x", [0.0, 0.5, 1.0, 1.5]) == ["0,0×", "0,5×", "1,0×", "1,5×"]
        assert ticks(ax, "x", [0.0, 1.0, 2.0]) == ["0×", "1×", "2×"]
        text = plain(words(ax))
    assert "0,8× (requis 1,2×, insuffisant)" in text
    assert "Requis : 1 / taux de gain" in text


def test_heatmap_months_and_ramp_quarters_read_in_french() -> None:
    cohorts = pd.DataFrame(
        {"cohort": ["2026-01", "2026-09"], "age_months": [0, 0], "won_share": [0.1, 0.2]}
    )
    ramp = pd.DataFrame({"hire_quarter": ["2025Q3"], "tenure_month": [1], "bookings": [20_000.0]})
    with use_locale("fr_FR"):
        heatmap = charts.won_share_heatmap(cohorts).axes[0]
        curves = charts.ramp_curves(ramp, currency="EUR").axes[0]
        assert ticks(curves, "y", [0, 20_000]) == ["0 €", "20 k€"]
    assert [t.get_text() for t in heatmap.get_yticklabels()] == ["janv. 2026", "sept. 2026"]
    assert heatmap.get_ylabel() == "Mois de création"
    assert [line.get_label() for line in curves.lines] == ["T3 2025"]
    assert curves.get_legend().get_title().get_text() == "Trimestre d'embauche"


def test_quota_charts_in_french_count_reps_and_mark_the_quota(words) -> None:
    reps = pd.DataFrame({"rep": ["Ann", "Bob"], "attainment": [1.2, 0.5], "ramping": [True, False]})
    with use_locale("fr_FR"):
        spread = plain(words(charts.attainment_distribution(reps).axes[0]))
        bars = plain(words(charts.rep_attainment(reps).axes[0]))
        one = plain(words(charts.attainment_distribution(reps.iloc[:1]).axes[0]))
    assert "1 sur 2 commerciaux au quota ou au-dessus (50 %)" in spread
    assert "100 % du quota" in spread
    assert "120 % (en montée en charge)" in bars
    assert "1 sur 1 commercial au quota ou au-dessus (100 %)" in one
