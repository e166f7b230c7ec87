"""The unit-economics report on a CRM small enough to follow by hand, on the demo with and
without its spend and recurring revenue, and in French."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pytest

from salesops.analyses import unit_economics
from salesops.analyses.unit_economics import UnitEconomicsReport
from salesops.data import contract
from salesops.data.demo import write_tables
from salesops.errors import ParamsError
from salesops.metrics import acquisition, retention
from salesops.periods import Quarter
from salesops.present import ReportFigure, Stack, Table, Text, escape_markdown

Tables = dict[str, pd.DataFrame]
Q3 = "2026Q3"
SECTIONS = ("acquisition_trend", "channels", "retention", "retention_trend", "lifetime_value")
NEEDS = {  # the table each section needs and the section's name in its sentence
    "acquisition_trend": ("spend", "Acquisition cost"),
    "channels": ("spend", "Acquisition cost"),
    "retention": ("recurring_revenue", "Revenue retention"),
    "retention_trend": ("recurring_revenue", "Revenue retention"),
    "lifetime_value": ("recurring_revenue", "Revenue retention"),
}
CARDS = [
    "New customers",
    "Acquisition cost (CAC)",
    "CAC payback, months",
    "LTV:CAC",
    "Net revenue retention",
    "Gross revenue retention",
]

# --- a CRM small enough to follow by hand ------------------------------------------------------
#
# Two reps: e1 (East) and w1 (West). Won deals, by account (a new customer is an account's first
# won deal):
#   A3 w1 2025-04-10 $1,200 (new) | A2 e1 2025-05-10 $2,400 (new) | A1 e1 2025-06-10 $1,200 (new)
#   A4 e1 2026-07-10 $600 new, source web | A1 e1 2026-07-20 $600 expansion
#   A5 w1 2026-08-01 $2,400 new, source events | A2 e1 2026-08-15 $1,000 renewal
# MRR by month (no row: no revenue):
#   A1 $100 from 2025-06 to 2026-07, $150 from 2026-08   (expanded)
#   A2 $200 from 2025-06 to 2026-06, $120 from 2026-07   (contracted)
#   A3 $100 from 2025-06 to 2026-07, none after           (churned in August)
#   A4 $50 from 2026-08; A5 $200 from 2026-09            (new in 2026Q3: not in retention)
# Retention, 2026-09 against 2025-09: A = 100 + 200 + 100 = 400, B = 150 + 120 + 0 = 270,
#   C = 100 + 120 + 0 = 220: NRR 270/400 = 67.5 %, GRR 220/400 = 55 %, 1 of 3 churned.
# Monthly churn in 2026Q3: July loses 80 (A2) of June's 400, August 100 (A3) of July's 320,
#   September nothing of August's 320: 180 / 1,040 = 9/52. September's MRR 520 over 4 paying
#   customers = $130; CLTV = 130 × 0.75 / (9/52) = $563.33.
# Spend 2026Q3: marketing web $300 a month (no team), events $600 in August (East); sales East
#   $500 and West $300 a month: $3,900 in all. 2026Q2: the same without events: $3,300.
# Acquisition, all teams: 2 new customers (A4, A5): CAC $1,950. New MRR: A4's first month
#   with revenue after its July close is August ($50), A5's September ($200): $250; payback =
#   3,900 / (250 × 0.75) = 20.8 months. CAC ratio = (new 600 + 2,400 + expansion 600) × 0.75 /
#   3,300 = 0.818. Recurring revenue: 2026Q2 3 × 400 = 1,200; 2026Q3 320 + 320 + 520 = 1,160:
#   magic number = (1,160 - 1,200) × 4 / 3,300 = -0.048. LTV:CAC = 563.33 / 1,950 = 0.29.
# East: spend 600 + 1,500 = $2,100 for 1 new customer (A4): payback 2,100 / (50 × 0.75) = 56.
REPS = [("e1", "Ann Ames", "East"), ("w1", "Eve Eng", "West")]
STAGES = [
    ("Prospecting", 1, False, False),
    ("Closed Won", 2, True, True),
    ("Closed Lost", 3, True, False),
]
DEALS = [  # opportunity_id, rep_id, account, close_date, amount, deal_type, source
    ("d1", "w1", "A3", "2025-04-10", 1200.0, "new_business", "web"),
    ("d2", "e1", "A2", "2025-05-10", 2400.0, "new_business", "web"),
    ("d3", "e1", "A1", "2025-06-10", 1200.0, "new_business", "web"),
    ("d4", "e1", "A4", "2026-07-10", 600.0, "new_business", "web"),
    ("d5", "e1", "A1", "2026-07-20", 600.0, "expansion", "web"),
    ("d6", "w1", "A5", "2026-08-01", 2400.0, "new_business", "events"),
    ("d7", "e1", "A2", "2026-08-15", 1000.0, "renewal", "web"),
]
SUMMARY = (
    "2 new customers were won in 2026Q3, for $3.9k of sales and marketing spend: $2k each. "
    "Their gross margin pays that back in 20.8 months. "
    "Customers of a year ago pay 68% of what they paid then (55% before expansion); 1 of 3 left. "
    "A customer is worth $563 of gross margin over its lifetime, 0.3 times what it cost to win."
)


def frame(name: str, rows: Iterable[dict]) -> pd.DataFrame:
    """A contract table from rows; a column the rows leave out is null."""
    return pd.DataFrame(list(rows), columns=list(contract.TABLES[name].columns))


def months(first: str, last: str) -> list[pd.Timestamp]:
    return list(pd.date_range(first, last, freq="MS"))


def mrr_rows() -> list[tuple[str, pd.Timestamp, float]]:
    rows = [("A1", m, 100.0) for m in months("2025-06-01", "2026-07-01")]
    rows += [("A1", m, 150.0) for m in months("2026-08-01", "2026-09-01")]
    rows += [("A2", m, 200.0) for m in months("2025-06-01", "2026-06-01")]
    rows += [("A2", m, 120.0) for m in months("2026-07-01", "2026-09-01")]
    rows += [("A3", m, 100.0) for m in months("2025-06-01", "2026-07-01")]
    rows += [("A4", m, 50.0) for m in months("2026-08-01", "2026-09-01")]
    rows += [("A5", pd.Timestamp("2026-09-01"), 200.0)]
    return rows


def spend_rows() -> list[tuple[pd.Timestamp, str, str | None, str | None, float]]:
    rows = []
    for month in months("2026-04-01", "2026-09-01"):
        rows += [
            (month, "marketing", "web", None, 300.0),
            (month, "sales", None, "East", 500.0),
            (month, "sales", None, "West", 300.0),
        ]
    return [*rows, (pd.Timestamp("2026-08-01"), "marketing", "events", "East", 600.0)]


def tiny_tables() -> Tables:
    return {
        "reps": frame(
            "reps",
            (
                {"rep_id": r, "rep_name": n, "team": t, "role": "AE", "hire_date": "2024-01-01"}
                for r, n, t in REPS
            ),
        ),
        "stages": frame(
            "stages",
            ({"stage": s, "sort_order": o, "is_closed": c, "is_won": w} for s, o, c, w in STAGES),
        ),
        "opportunities": frame(
            "opportunities",
            (
                {
                    "opportunity_id": d,
                    "rep_id": r,
                    "account_id": a,
                    "created_at": pd.Timestamp(close) - pd.Timedelta(days=30),
                    "close_date": pd.Timestamp(close),
                    "stage": "Closed Won",
                    "is_closed": True,
                    "is_won": True,
                    "amount": amount,
                    "currency": "USD",
                    "deal_type": kind,
                    "source": source,
                }
                for d, r, a, close, amount, kind, source in DEALS
            ),
        ),
        "spend": frame(
            "spend",
            (
                {
                    "month": m,
                    "category": c,
                    "channel": ch,
                    "team": t,
                    "amount": amount,
                    "currency": "USD",
                }
                for m, c, ch, t, amount in spend_rows()
            ),
        ),
        "recurring_revenue": frame(
            "recurring_revenue",
            ({"account_id": a, "month": m, "mrr": v, "currency": "USD"} for a, m, v in mrr_rows()),
        ),
    }


def source(tmp_path_factory: pytest.TempPathFactory, name: str, tables: Tables) -> str:
    path = tmp_path_factory.mktemp("unit_economics") / f"{name}.duckdb"
    write_tables(path, tables)
    return str(path)


def without(tables: Tables, *names: str) -> Tables:
    return {name: table for name, table in tables.items() if name not in names}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> str:
    return source(tmp_path_factory, "tiny", tiny_tables())


@pytest.fixture(scope="module")
def tiny_report(tiny: str) -> UnitEconomicsReport:
    return unit_economics.open_report(Q3, "all", tiny)


def table_of(section: Stack) -> Table:
    return next(part for part in section.parts if isinstance(part, Table))


def figure_of(section: Stack) -> ReportFigure:
    return next(part for part in section.parts if isinstance(part, ReportFigure))


def test_the_figures_of_the_tiny_crm_are_worked_out_by_hand(
    tiny_report: UnitEconomicsReport,
) -> None:
    now = tiny_report.now
    assert (now["new_customers"], now["spend"], now["cac"]) == (2, 3900.0, 1950.0)
    assert (now["marketing_spend"], now["sales_spend"]) == (1500.0, 2400.0)
    assert (now["new_mrr"], now["new_mrr_from"]) == (250.0, "recurring_revenue")
    assert now["cac_payback_months"] == pytest.approx(20.8)
    assert now["cac_ratio"] == pytest.approx(2700 / 3300)
    assert now["magic_number"] == pytest.approx(-160 / 3300)
    assert (now["nrr"], now["grr"]) == (0.675, 0.55)
    assert (now["retention_customers"], now["churned_customers"]) == (3, 1)
    assert now["logo_churn"] == pytest.approx(1 / 3)
    assert (now["arpa"], now["monthly_churn"]) == (130.0, pytest.approx(9 / 52))
    assert now["cltv"] == pytest.approx(130 * 0.75 * 52 / 9)
    assert now["ltv_to_cac"] == pytest.approx(130 * 0.75 * 52 / 9 / 1950)
    assert now["gross_margin"] == 0.75


def test_the_summary_of_the_tiny_crm_reads_word_for_word(tiny_report: UnitEconomicsReport) -> None:
    assert tiny_report.summary().markdown == SUMMARY


def test_the_headline_cards_of_the_tiny_crm(tiny_report: UnitEconomicsReport) -> None:
    cards = {card.label: card for card in tiny_report.headline().cards}
    assert list(cards) == CARDS
    shown = {label: (card.value, card.note) for label, card in cards.items()}
    assert shown == {
        "New customers": ("2", ""),
        "Acquisition cost (CAC)": ("$2k", ""),  # 1.95 rounds as written, half to even: 2.0
        "CAC payback, months": ("20.8", "field aims: 12 to 18"),
        "LTV:CAC": ("0.3", "field aims: 3 or more"),
        "Net revenue retention": ("68%", ""),
        "Gross revenue retention": ("55%", ""),
    }
    # 2026Q2 won no new customer: no CAC then, so no change; a lower CAC would read as better
    assert cards["Acquisition cost (CAC)"].change is None
    # 2026Q2 (June against June 2025: A1 and A3 at 100, A2 at 200) kept every dollar
    nrr = cards["Net revenue retention"]
    assert (nrr.change, nrr.direction, nrr.good) == ("-32.5 pts vs 2026Q2", "down", False)


def test_the_sections_of_the_tiny_crm(tiny_report: UnitEconomicsReport) -> None:
    trend = tiny_report.acquisition_trend()
    assert table_of(trend).rows[-1] == ("2026Q3", "$3,900", "2", "$1,950", "20.8", "0.82", "-0.05")
    assert figure_of(trend).frame["quarter"].tolist()[-1] == "2026Q3"
    channels = tiny_report.channels()
    assert table_of(channels).rows == (
        ("web", "$900", "1", "$900"),
        ("events", "$600", "1", "$600"),
    )
    kept = tiny_report.retention()
    assert table_of(kept).rows == (
        ("Expanded", "1", "$100", "$150"),
        ("Unchanged", "0", "$0", "$0"),
        ("Contracted", "1", "$200", "$120"),
        ("Churned", "1", "$100", "$0"),
    )
    assert figure_of(kept).caption.startswith(
        "Monthly recurring revenue of the customers who paid in 2025-09, then and in 2026-09: "
        "net revenue retention = 68% (revenue now / then), gross = 55%"
    )
    assert table_of(tiny_report.lifetime_value()).rows[-1] == (
        "2026Q3",
        "$130",
        "17%",
        "$563",
        "$1,950",
        "0.3",
    )


def test_one_team_counts_its_own_spend_and_customers(tiny: str) -> None:
    east = unit_economics.open_report(Q3, "East", tiny).now
    # East: events $600 and sales $1,500; the web spend has no team
    assert (east["spend"], east["new_customers"], east["cac"]) == (2100.0, 1, 2100.0)
    assert east["cac_payback_months"] == pytest.approx(56.0)
    # East's customers of a year ago: A1 (100 -> 150) and A2 (200 -> 120)
    assert (east["nrr"], east["grr"]) == (270 / 300, 220 / 300)


def test_a_gross_margin_of_one_pays_back_sooner(tiny: str) -> None:
    report = unit_economics.open_report(Q3, "all", tiny, gross_margin=1.0)
    assert report.now["cac_payback_months"] == pytest.approx(3900 / 250)
    assert "Gross margin 100% (gross_margin in params/org.yaml)." in report.caveats().markdown


@pytest.mark.parametrize("margin", [0.0, 1.5, -0.5])
def test_a_gross_margin_out_of_range_is_refused(tiny: str, margin: float) -> None:
    with pytest.raises(ParamsError, match=r"^gross_margin must be above 0 and at most 1 "):
        unit_economics.open_report(Q3, "all", tiny, gross_margin=margin)


@pytest.mark.parametrize("section", SECTIONS)
def test_each_section_says_which_table_it_needs(
    tmp_path_factory: pytest.TempPathFactory, section: str
) -> None:
    table, name = NEEDS[section]
    bare = source(tmp_path_factory, f"no_{table}", without(tiny_tables(), table))
    shown = getattr(unit_economics.open_report(Q3, "all", bare), section)()
    assert isinstance(shown, Text)
    assert shown.markdown == escape_markdown(
        f"{name} needs the {table} table, which this source does not have."
    )


def test_without_either_table_the_page_says_so(tmp_path_factory: pytest.TempPathFactory) -> None:
    bare = source(tmp_path_factory, "bare", without(tiny_tables(), "spend", "recurring_revenue"))
    report = unit_economics.open_report(Q3, "all", bare)
    assert report.summary().markdown == (
        "The data has no spend and no recurring revenue: unit economics cannot be read from it."
    )
    notes = {card.label: (card.value, card.note) for card in report.headline().cards}
    assert notes["Acquisition cost (CAC)"] == ("n/a", "needs the spend table")
    assert notes["Net revenue retention"] == ("n/a", "needs the recurring_revenue table")
    assert report.now["cac"] is None and report.now["nrr"] is None


def test_without_recurring_revenue_payback_comes_from_bookings(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    spend_only = source(tmp_path_factory, "spend_only", without(tiny_tables(), "recurring_revenue"))
    report = unit_economics.open_report(Q3, "all", spend_only)
    # new customers' MRR = their first deals' amounts / 12 = (600 + 2,400) / 12 = 250
    assert (report.now["new_mrr"], report.now["new_mrr_from"]) == (250.0, "bookings")
    assert report.now["magic_number"] is None
    assert "its first deal's amount / 12" in report.caveats().markdown


def test_spend_in_a_currency_no_rate_converts_is_withheld_in_words(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    tables = tiny_tables()
    tables["spend"].loc[0, "currency"] = "EUR"
    mixed = source(tmp_path_factory, "mixed", tables)
    report = unit_economics.open_report(Q3, "all", mixed)
    sentence = escape_markdown(
        "The spend table has amounts in EUR besides the reporting currency and no rate converts "
        "them (add fx_rates): its figures are not shown."
    )
    assert report.channels().markdown == sentence
    assert report.now["cac"] is None and report.now["nrr"] == 0.675
    assert sentence in report.caveats().markdown


def test_the_demo_figures_are_the_metrics() -> None:
    report = unit_economics.open_report(Q3)
    tables, quarter = report.scope.tables, Quarter.parse(Q3)
    bought = acquisition.acquisition(tables, quarter, gross_margin=0.75)
    kept = retention.retention(tables, quarter, gross_margin=0.75)
    now = report.now
    assert now["cac"] == bought.cac and now["new_customers"] == bought.new_customers
    assert now["cac_payback_months"] == bought.payback_months
    assert now["magic_number"] == bought.magic_number
    assert (now["nrr"], now["grr"], now["cltv"]) == (kept.nrr, kept.grr, kept.cltv)
    assert now["ltv_to_cac"] == retention.ltv_to_cac(kept.cltv, bought.cac)


def test_the_page_reads_in_french(tiny: str) -> None:
    report = unit_economics.open_report(Q3, "all", tiny, locale="fr_FR")
    labels = [card.label for card in report.headline().cards]
    assert labels != CARDS
    summary = report.summary().markdown
    assert summary.startswith("2 nouveaux clients ont été gagnés en T3 2026")
    assert "20,8\u00a0mois" in summary
    assert "docs/metrics.md#unit-economics" in report.caveats().markdown
