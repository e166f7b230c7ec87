"""The data contract of docs/contract.md: the canonical tables, their columns and their rules.

Each table becomes a ``pandera.ibis`` DataFrameSchema (dtype, nullability, uniqueness, range and
membership checks), so one place defines a column. ``check`` compiles those schemas into Ibis
aggregates instead of calling pandera's ``validate``, because in pandera 0.35 the Ibis backend runs
one query per check, evaluates checks through positional joins, ignores ``Column(unique=True)``,
pulls failing checks into pandas and gives no row counts. Cross-table rules and example rows are
plain Ibis for the same reason: every count and every LIMIT 5 of examples runs in the backend.

The schemas are built on first use: reading a source only needs the column types (``conform``),
and importing pandera would add a third of a second to every report's start.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.datatypes as dt
from ibis import _

from salesops.errors import ContractProblem
from salesops.periods import MIN_YEAR

if TYPE_CHECKING:
    import pandera.ibis as pa
    from pandera.api.checks import Check

MAX_EXAMPLES = 5
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline")
ACTIVITY_TYPES = ("call", "email", "meeting", "task", "other")
DIRECTIONS = ("inbound", "outbound")
CONTENT_EVENTS = ("view", "share")
DEAL_TYPES = ("new_business", "expansion", "renewal")
SPEND_CATEGORIES = ("marketing", "sales")
DOCS = "docs/contract.md"  # generated from this module by ``python -m salesops.data.contract_doc``

# Bounds that keep every figure printable: larger amounts are typing slips (or infinity), and a
# report that sums them would print a number of hundreds of digits.
MAX_AMOUNT = 1e15
MAX_RATE = 1e6  # one unit of any currency is worth less than a million of any other
# Dates: none before the first quarter a report can name; events (what happened) at most a week
# ahead of today, for clocks and time zones; plans (expected close dates, quota quarters, hire
# and leaving dates) at most five years ahead.
DATE_FLOOR = date(MIN_YEAR, 1, 1)
EVENT_GRACE_DAYS = 7
PLAN_HORIZON_YEARS = 5
Dated = Literal["event", "plan"]
_FUTURE = {
    "event": f"must be at most {EVENT_GRACE_DAYS} days after today",
    "plan": f"must be at most {PLAN_HORIZON_YEARS} years after today",
}
FLOOR_RULE = f"must be on or after {DATE_FLOOR.isoformat()}"
CONTROL_RULE = "must hold no control character (NUL, tab, line break, ...)"
# C0 control characters and DEL, as a regular expression every backend reads (no NUL in the SQL)
_CONTROL = r"[\x00-\x1f\x7f]"

STRING = dt.String()
TIMESTAMP = dt.Timestamp()  # naive, meaning UTC
_ZONED = dt.Timestamp(timezone="UTC")
DATE = dt.Date()
FLOAT = dt.Float64()
BOOLEAN = dt.Boolean()
INTEGER = dt.Int64()

# a value check: the name of a pandera ``Check`` constructor and its arguments
CheckSpec = tuple[str, tuple[Any, ...]]
_AMOUNT: tuple[CheckSpec, ...] = (("ge", (0,)), ("le", (MAX_AMOUNT,)))


@dataclass(frozen=True)
class ColumnSpec:
    """A contract column: its Ibis type, whether it may be null or repeat, its value checks,
    what it holds, for a date whether it records an event or a plan (see ``DATE_FLOOR``), and
    whether a source may leave it out (``optional``: read as empty when absent)."""

    dtype: dt.DataType
    description: str
    nullable: bool = False
    unique: bool = False
    checks: tuple[CheckSpec, ...] = ()
    dated: Dated | None = None
    optional: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A contract table: its columns, whether a source must have it, how rows are named.

    ``id`` is the column that names an offending row in examples (None when the table has no id;
    examples then show the offending values, or the ``label`` column for missing values).
    ``unique`` is a key of several columns; ``enables`` says what an optional table switches on.
    """

    name: str
    description: str
    fields: dict[str, ColumnSpec]
    required: bool
    id: str | None
    label: str
    unique: tuple[str, ...] = ()
    enables: str = ""

    @property
    def columns(self) -> dict[str, dt.DataType]:
        """Contract columns in contract order, with their Ibis types."""
        return {name: column.dtype for name, column in self.fields.items()}

    @functools.cached_property
    def schema(self) -> pa.DataFrameSchema:
        """The table as a ``pandera.ibis`` DataFrameSchema (pandera is imported here)."""
        import pandera.ibis as pa
        from pandera.api.checks import Check

        def checks(column: ColumnSpec) -> list[Check]:
            return [getattr(Check, name)(*args) for name, args in column.checks]

        columns = {
            name: pa.Column(c.dtype, nullable=c.nullable, unique=c.unique, checks=checks(c))
            for name, c in self.fields.items()
        }
        return pa.DataFrameSchema(columns, name=self.name, unique=list(self.unique) or None)


def _table(
    name: str,
    description: str,
    columns: dict[str, ColumnSpec],
    *,
    required: bool,
    id: str | None = None,
    label: str | None = None,
    unique: tuple[str, ...] = (),
    enables: str = "",
) -> TableSpec:
    return TableSpec(
        name,
        description,
        columns,
        required,
        id,
        label or id or next(iter(columns)),
        unique,
        enables,
    )


_TABLE_LIST = [
    _table(
        "reps",
        "The sales reps: one row per rep, with their team and when they joined and left.",
        {
            "rep_id": ColumnSpec(
                STRING, "The rep's id; deals, leads and quotas name it.", unique=True
            ),
            "rep_name": ColumnSpec(STRING, "The name reports show."),
            "team": ColumnSpec(STRING, "The team the rep sells in: reports are made per team."),
            "manager": ColumnSpec(STRING, "The rep's manager.", nullable=True),
            "region": ColumnSpec(STRING, "The rep's region.", nullable=True),
            "role": ColumnSpec(STRING, "The rep's role (AE, SDR, ...)."),
            "hire_date": ColumnSpec(
                DATE, "The day the rep started: tenure and ramp count from it.", dated="plan"
            ),
            "end_date": ColumnSpec(
                DATE, "The day the rep left; empty while they stay.", nullable=True, dated="plan"
            ),
        },
        required=True,
        id="rep_id",
    ),
    _table(
        "opportunities",
        "The deals: one row per opportunity, with its owner, dates, stage, outcome and amount.",
        {
            "opportunity_id": ColumnSpec(STRING, "The deal's id.", unique=True),
            "rep_id": ColumnSpec(STRING, "The deal's owner, a reps.rep_id."),
            "account_id": ColumnSpec(STRING, "The customer's account.", nullable=True),
            "created_at": ColumnSpec(TIMESTAMP, "When the deal was created.", dated="event"),
            "close_date": ColumnSpec(
                DATE,
                "The day a closed deal closed; an open deal's expected close date (required "
                "on open deals too: pipeline and coverage are counted by it).",
                dated="plan",
            ),
            "stage": ColumnSpec(STRING, "The deal's current stage, a stages.stage."),
            "is_closed": ColumnSpec(BOOLEAN, "Whether the deal is closed, won or lost."),
            "is_won": ColumnSpec(BOOLEAN, "Whether the deal is won (a won deal is closed)."),
            "amount": ColumnSpec(FLOAT, "The deal's amount, in its currency.", checks=_AMOUNT),
            "currency": ColumnSpec(
                STRING, "The ISO 4217 code of the amount's currency (USD, EUR, ...)."
            ),
            "forecast_category": ColumnSpec(
                STRING, "The rep's forecast category for the deal (commit, ...).", nullable=True
            ),
            "source": ColumnSpec(STRING, "Where the deal came from (inbound, ...).", nullable=True),
            "segment": ColumnSpec(STRING, "The customer segment (SMB, ...).", nullable=True),
            "product": ColumnSpec(STRING, "The product sold.", nullable=True),
            "deal_type": ColumnSpec(
                STRING,
                "What the deal sells: a new customer's first purchase (new_business), more to a "
                "customer (expansion) or the same again (renewal). Optional column.",
                nullable=True,
                checks=(("isin", (list(DEAL_TYPES),)),),
                optional=True,
            ),
        },
        required=True,
        id="opportunity_id",
    ),
    _table(
        "stages",
        "The pipeline's stages in funnel order, with their closed and won flags.",
        {
            "stage": ColumnSpec(
                STRING, "The stage's name, as deals and history give it.", unique=True
            ),
            "sort_order": ColumnSpec(INTEGER, "The stage's place in the funnel.", unique=True),
            "is_closed": ColumnSpec(BOOLEAN, "Whether a deal in this stage is closed."),
            "is_won": ColumnSpec(BOOLEAN, "Whether a deal in this stage is won."),
            "probability": ColumnSpec(
                FLOAT,
                "The stage's win probability, 0 to 1.",
                nullable=True,
                checks=(("in_range", (0, 1)),),
            ),
        },
        required=True,
        id="stage",
    ),
    _table(
        "stage_history",
        "Every stage each deal entered, and when, with the deal's amount and close date then.",
        {
            "opportunity_id": ColumnSpec(STRING, "The deal, an opportunities.opportunity_id."),
            "stage": ColumnSpec(STRING, "The stage entered, a stages.stage."),
            "entered_at": ColumnSpec(TIMESTAMP, "When the deal entered the stage.", dated="event"),
            "amount": ColumnSpec(
                FLOAT,
                "The deal's amount then, in the deal's currency.",
                nullable=True,
                checks=_AMOUNT,
            ),
            "close_date": ColumnSpec(
                DATE, "The deal's expected close date then.", nullable=True, dated="plan"
            ),
            "forecast_category": ColumnSpec(
                STRING, "The deal's forecast category then.", nullable=True
            ),
        },
        required=False,
        label="opportunity_id",
        enables="stage conversion and time in stage",
    ),
    _table(
        "deal_changes",
        "Every recorded change of each deal, and when, with the deal's state after the change (a "
        "deal's state at the start of a day is the one after its last change before that day).",
        {
            "opportunity_id": ColumnSpec(STRING, "The deal, an opportunities.opportunity_id."),
            "changed_at": ColumnSpec(TIMESTAMP, "When the change was recorded.", dated="event"),
            "stage": ColumnSpec(
                STRING, "The deal's stage after the change, a stages.stage.", nullable=True
            ),
            "amount": ColumnSpec(
                FLOAT,
                "The deal's amount after the change, in the deal's currency.",
                nullable=True,
                checks=_AMOUNT,
            ),
            "close_date": ColumnSpec(
                DATE,
                "The deal's close date after the change: expected while open, actual once closed.",
                nullable=True,
                dated="plan",
            ),
            "forecast_category": ColumnSpec(
                STRING,
                "The deal's forecast category after the change (pipeline, best_case, commit, "
                "closed, omitted).",
                nullable=True,
            ),
        },
        required=False,
        label="opportunity_id",
        enables="pipeline flow (deals added, pushed, pulled in, resized, won and lost)",
    ),
    _table(
        "leads",
        "The leads, when they came in and whether they became a deal.",
        {
            "lead_id": ColumnSpec(STRING, "The lead's id.", unique=True),
            "created_at": ColumnSpec(TIMESTAMP, "When the lead came in.", dated="event"),
            "source": ColumnSpec(STRING, "Where the lead came from.", nullable=True),
            "rep_id": ColumnSpec(STRING, "The rep working the lead, a reps.rep_id.", nullable=True),
            "status": ColumnSpec(STRING, "The lead's status (open, converted, ...)."),
            "converted_at": ColumnSpec(
                TIMESTAMP, "When the lead became a deal.", nullable=True, dated="event"
            ),
            "opportunity_id": ColumnSpec(STRING, "The deal the lead became.", nullable=True),
        },
        required=False,
        id="lead_id",
        enables="lead conversion",
    ),
    _table(
        "quotas",
        "Each rep's quota per quarter, in the org currency.",
        {
            "rep_id": ColumnSpec(STRING, "The rep, a reps.rep_id."),
            "quarter_start": ColumnSpec(DATE, "The first day of the quarter.", dated="plan"),
            "quota": ColumnSpec(
                FLOAT,
                "What the rep is to book in the quarter, in the org currency.",
                checks=_AMOUNT,
            ),
        },
        required=False,
        label="rep_id",
        unique=("rep_id", "quarter_start"),
        enables="quota attainment and coverage",
    ),
    _table(
        "forecast_submissions",
        "The forecast calls reps made during a quarter, per category, in the org currency.",
        {
            "rep_id": ColumnSpec(STRING, "The rep who called, a reps.rep_id."),
            "quarter_start": ColumnSpec(DATE, "The first day of the quarter called.", dated="plan"),
            "submitted_at": ColumnSpec(TIMESTAMP, "When the call was made.", dated="event"),
            "category": ColumnSpec(
                STRING,
                "The category called.",
                checks=(("isin", (list(FORECAST_CATEGORIES),)),),
            ),
            "amount": ColumnSpec(FLOAT, "The amount called, in the org currency.", checks=_AMOUNT),
        },
        required=False,
        label="rep_id",
        enables="forecast accuracy from submitted calls (otherwise rebuilt from stage history)",
    ),
    _table(
        "activities",
        "The calls, emails, meetings and tasks reps logged, with the deal, lead or account each "
        "was about.",
        {
            "activity_id": ColumnSpec(STRING, "The activity's id.", unique=True),
            "rep_id": ColumnSpec(STRING, "The rep who logged it, a reps.rep_id."),
            "type": ColumnSpec(
                STRING,
                "What kind of activity it was.",
                checks=(("isin", (list(ACTIVITY_TYPES),)),),
            ),
            "occurred_at": ColumnSpec(TIMESTAMP, "When it took place.", dated="event"),
            "direction": ColumnSpec(
                STRING,
                "Whether the customer or the rep reached out.",
                nullable=True,
                checks=(("isin", (list(DIRECTIONS),)),),
            ),
            "opportunity_id": ColumnSpec(
                STRING, "The deal it was about, an opportunities.opportunity_id.", nullable=True
            ),
            "lead_id": ColumnSpec(STRING, "The lead it was about, a leads.lead_id.", nullable=True),
            "account_id": ColumnSpec(
                STRING,
                "The account it was about (an activity with no deal counts toward a deal of "
                "that account open at the time, or opened or closed within 14 days of it).",
                nullable=True,
            ),
        },
        required=False,
        id="activity_id",
        enables="touches per deal, activity per rep and CRM adoption",
    ),
    _table(
        "logins",
        "Each time a rep signed in to the CRM.",
        {
            "rep_id": ColumnSpec(STRING, "The rep who signed in, a reps.rep_id."),
            "login_at": ColumnSpec(TIMESTAMP, "When they signed in.", dated="event"),
        },
        required=False,
        label="rep_id",
        enables="CRM adoption from sign-ins (otherwise from logged activities alone)",
    ),
    _table(
        "content_events",
        "Each time a rep viewed or shared an enablement asset, and the deal it was shared on.",
        {
            "rep_id": ColumnSpec(STRING, "The rep, a reps.rep_id."),
            "asset_id": ColumnSpec(STRING, "The asset (deck, case study, battle card, ...)."),
            "event": ColumnSpec(
                STRING,
                "What the rep did with it.",
                checks=(("isin", (list(CONTENT_EVENTS),)),),
            ),
            "occurred_at": ColumnSpec(TIMESTAMP, "When.", dated="event"),
            "opportunity_id": ColumnSpec(
                STRING,
                "The deal it was shared on, an opportunities.opportunity_id.",
                nullable=True,
            ),
        },
        required=False,
        label="rep_id",
        enables="enablement (content shared and the win rates with and without it)",
    ),
    _table(
        "spend",
        "Sales and marketing spend per month, as finance books it, by channel and team where "
        "known.",
        {
            "month": ColumnSpec(
                DATE, "The month spent in, as its first day (2026-07-01).", dated="event"
            ),
            "category": ColumnSpec(
                STRING,
                "Marketing (campaigns, events, ads) or sales (salaries, commissions, tools).",
                checks=(("isin", (list(SPEND_CATEGORIES),)),),
            ),
            "channel": ColumnSpec(
                STRING,
                "The marketing channel, named as opportunities.source names where deals came "
                "from (so that spend per channel meets the customers it brought).",
                nullable=True,
            ),
            "team": ColumnSpec(
                STRING,
                "The team it was spent for, a reps.team; empty: counted for all teams only.",
                nullable=True,
            ),
            "amount": ColumnSpec(FLOAT, "What was spent, in its currency.", checks=_AMOUNT),
            "currency": ColumnSpec(STRING, "The ISO 4217 code of the amount's currency."),
        },
        required=False,
        label="month",
        enables="customer acquisition cost (CAC), payback, CAC ratio and magic number",
    ),
    _table(
        "recurring_revenue",
        "Each customer account's monthly recurring revenue (MRR), one row per account and month "
        "billed; a month without a row is a month without revenue.",
        {
            "account_id": ColumnSpec(STRING, "The account, as opportunities.account_id names it."),
            "month": ColumnSpec(DATE, "The month, as its first day (2026-07-01).", dated="event"),
            "mrr": ColumnSpec(
                FLOAT,
                "The account's recurring revenue that month, in its currency.",
                checks=_AMOUNT,
            ),
            "currency": ColumnSpec(STRING, "The ISO 4217 code of the MRR's currency."),
        },
        required=False,
        label="account_id",
        unique=("account_id", "month"),
        enables="revenue retention (NRR, GRR), logo churn, lifetime value and the magic number",
    ),
    _table(
        "fx_rates",
        "Rates that convert deal amounts into the org currency (currency in params/org.yaml).",
        {
            "currency": ColumnSpec(STRING, "The ISO 4217 code of the currency converted."),
            "rate": ColumnSpec(
                FLOAT,
                "What one unit of the currency is worth in the org currency (the org "
                "currency's own rate, if given, is 1).",
                checks=(("gt", (0,)), ("le", (MAX_RATE,))),
            ),
            "valid_from": ColumnSpec(
                DATE,
                "The first close date the rate applies to, until the next one; empty: the "
                "rate for close dates no dated rate covers.",
                nullable=True,
                dated="plan",
            ),
        },
        required=False,
        label="currency",
        unique=("currency", "valid_from"),
        enables="multi-currency amounts",
    ),
]

TABLES: dict[str, TableSpec] = {spec.name: spec for spec in _TABLE_LIST}
REQUIRED_TABLES: tuple[str, ...] = tuple(n for n, s in TABLES.items() if s.required)
OPTIONAL_TABLES: tuple[str, ...] = tuple(n for n, s in TABLES.items() if not s.required)


@dataclass(frozen=True)
class Reference:
    """A cross-table rule: every non-null ``table.column`` appears in ``target.target_column``."""

    table: str
    column: str
    target: str
    target_column: str


REFERENCES = (
    Reference("opportunities", "rep_id", "reps", "rep_id"),
    Reference("opportunities", "stage", "stages", "stage"),
    Reference("stage_history", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("stage_history", "stage", "stages", "stage"),
    Reference("deal_changes", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("deal_changes", "stage", "stages", "stage"),
    Reference("leads", "rep_id", "reps", "rep_id"),
    Reference("quotas", "rep_id", "reps", "rep_id"),
    Reference("forecast_submissions", "rep_id", "reps", "rep_id"),
    Reference("activities", "rep_id", "reps", "rep_id"),
    Reference("activities", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("activities", "lead_id", "leads", "lead_id"),
    Reference("logins", "rep_id", "reps", "rep_id"),
    Reference("content_events", "rep_id", "reps", "rep_id"),
    Reference("content_events", "opportunity_id", "opportunities", "opportunity_id"),
)


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row; ``breaks`` maps typed columns to True for bad rows."""

    table: str
    column: str
    rule: str
    needs: tuple[str, ...]
    breaks: Callable[[Mapping[str, ibis.Value]], ibis.BooleanValue]


def latest_day(dated: Dated) -> date:
    """The last day an event or a plan may fall on: today (UTC) plus the grace or the horizon."""
    today = datetime.now(UTC).date()
    if dated == "event":
        return today + timedelta(days=EVENT_GRACE_DAYS)
    return today.replace(year=today.year + PLAN_HORIZON_YEARS) - timedelta(days=1)


def _day(value: ibis.Value) -> ibis.Value:
    return value.date() if value.type().is_timestamp() else value


ROW_RULES = (
    RowRule(
        "opportunities",
        "close_date",
        "closed deal has close_date before its created_at date",
        ("is_closed", "close_date", "created_at"),
        lambda c: c["is_closed"] & (c["close_date"] < c["created_at"].date()),
    ),
    RowRule(
        "opportunities",
        "close_date",
        f"closed deal has close_date more than {EVENT_GRACE_DAYS} days after today",
        ("is_closed", "close_date"),
        # a closed deal's close date is an event; an open deal's is a plan (the column's rule)
        lambda c: c["is_closed"] & (c["close_date"] > latest_day("event")),
    ),
    RowRule(
        "opportunities",
        "is_won",
        "won but not closed",
        ("is_won", "is_closed"),
        lambda c: c["is_won"] & ~c["is_closed"],
    ),
    RowRule(
        "stages",
        "is_won",
        "won but not closed",
        ("is_won", "is_closed"),
        lambda c: c["is_won"] & ~c["is_closed"],
    ),
    *(
        RowRule(
            name,
            "month",
            "month is not the first day of a month",
            ("month",),
            lambda c: c["month"].day() != 1,
        )
        for name in ("spend", "recurring_revenue")
    ),
    RowRule(
        "leads",
        "converted_at",
        "converted_at before created_at",
        ("converted_at", "created_at"),
        lambda c: c["converted_at"] < c["created_at"],
    ),
)

_TYPE_WORDS = {DATE: "a date", TIMESTAMP: "a timestamp", FLOAT: "a number", INTEGER: "an integer"}


def _type_word(dtype: dt.DataType) -> str:
    return _TYPE_WORDS.get(dtype, "true/false" if dtype.is_boolean() else str(dtype))


def _spec(table_name: str) -> TableSpec:
    try:
        return TABLES[table_name]
    except KeyError:
        known = ", ".join(TABLES)
        raise ValueError(f"{table_name!r} is not a contract table ({known})") from None


def _found_columns(table: ibis.Table) -> dict[str, str]:
    """Contract name -> the table's own column name, matched case-insensitively."""
    return {name.lower(): name for name in table.columns}


def _typed_columns(spec: TableSpec, table: ibis.Table) -> dict[str, ibis.Value]:
    """Each contract column as an expression on ``table``: as is, try-cast, or a typed null."""
    found = _found_columns(table)
    typed: dict[str, ibis.Value] = {}
    for name, dtype in spec.columns.items():
        if name not in found:
            typed[name] = ibis.null(dtype)
            continue
        column = table[found[name]]
        if column.type().copy(nullable=True) == dtype:
            typed[name] = column
        elif dtype.is_timestamp() and column.type().is_string():
            # through a zoned timestamp, so that text with an offset (+02:00) lands on UTC
            typed[name] = column.try_cast(_ZONED).cast(dtype)
        else:
            typed[name] = column.try_cast(dtype)
    return typed


def conform(table_name: str, table: ibis.Table) -> ibis.Table:
    """The contract columns of ``table`` in contract order, cast to contract types.

    Names match case-insensitively; a value that cannot be cast becomes null (``check`` reports it),
    an absent column becomes a typed null column (``check`` reports it too).
    """
    return table.select(**_typed_columns(_spec(table_name), table))


@dataclass(frozen=True)
class _Rule:
    column: str | None
    rule: str
    breaks: ibis.BooleanValue
    example: ibis.Value
    found: ibis.Value | None = None  # the text found beside each example row id


def _is_missing(raw: ibis.Value, value: ibis.Value) -> ibis.BooleanValue:
    """Null as found, or NaN once typed (text "NaN" casts to a NaN, not to a cast failure)."""
    if value.type().is_floating():
        return raw.isnull() | value.isnan().fill_null(False)
    return raw.isnull()


def _number(x: float) -> str:
    """A bound as the rule states it: 0, 1, 1e6, 1e15."""
    return f"{x:.0e}".replace("e+0", "e").replace("e+", "e") if abs(x) >= 1e5 else f"{x:g}"


def _check_breaks(check: Check, value: ibis.Value) -> tuple[str, ibis.BooleanValue]:
    """The rule text and the Ibis predicate for the pandera built-in checks the contract uses.

    An upper bound also refuses infinity (NaN is a missing value, not a breach).
    """
    stats = check.statistics
    if check.name == "greater_than_or_equal_to":
        return f"must be >= {_number(stats['min_value'])}", value < stats["min_value"]
    if check.name == "greater_than":
        return f"must be > {_number(stats['min_value'])}", value <= stats["min_value"]
    if check.name == "less_than_or_equal_to":
        bound = _number(stats["max_value"])
        return f"must be a finite number <= {bound}", value > stats["max_value"]
    if check.name == "in_range":
        low, high = stats["min_value"], stats["max_value"]
        below = value < low if stats["include_min"] else value <= low
        above = value > high if stats["include_max"] else value >= high
        return f"must be between {low} and {high}", below | above
    if check.name == "isin":
        allowed = stats["allowed_values"]
        return "must be one of " + ", ".join(map(str, allowed)), ~value.isin(allowed)
    raise TypeError(f"the contract has no Ibis form of pandera check {check.name!r}")


def _value_rules(column: ColumnSpec, value: ibis.Value) -> list[tuple[str, ibis.BooleanValue]]:
    """Rules every value of a kind obeys: dates within the floor and the column's horizon, text
    without control characters (a NUL byte breaks SQL and files downstream)."""
    if column.dated:
        day = _day(value)
        return [
            (FLOOR_RULE, day < DATE_FLOOR),
            (_FUTURE[column.dated], day > latest_day(column.dated)),
        ]
    if column.dtype.is_string():
        return [(CONTROL_RULE, value.re_search(_CONTROL))]
    return []


def type_word(dtype: dt.DataType) -> str:
    """A contract type in a word: text, date, timestamp, number, integer, true/false."""
    return "text" if dtype.is_string() else _type_word(dtype).split(" ")[-1]


def rule_texts(column: ColumnSpec) -> list[str]:
    """The value rules of ``column`` as ``check`` words them (for the contract's documentation)."""
    from pandera.api.checks import Check

    value = ibis.null(column.dtype)
    texts = [_check_breaks(getattr(Check, n)(*args), value)[0] for n, args in column.checks]
    return texts + [text for text, _breaks in _value_rules(column, value)]


def _column_rules(spec: TableSpec, table: ibis.Table, typed: dict[str, ibis.Value]) -> list[_Rule]:
    found = _found_columns(table)
    row_id = typed[spec.id].cast(STRING) if spec.id else None
    rules: list[_Rule] = []
    for name, column in spec.schema.columns.items():
        if name not in found:
            continue
        raw, value = table[found[name]], typed[name]
        shown = row_id if row_id is not None else raw.cast(STRING)
        if raw.type().copy(nullable=True) != column.dtype.type:
            bad_cast = raw.notnull() & value.isnull()
            rule = f"cannot be read as {_type_word(value.type())}"
            found_text = raw.cast(STRING) if row_id is not None else None
            rules.append(_Rule(name, rule, bad_cast, shown, found_text))
        if not column.nullable:
            label = row_id if row_id is not None else typed[spec.label].cast(STRING)
            rules.append(_Rule(name, "missing values", _is_missing(raw, value), label))
        # NaN compares above every number in DuckDB, PostgreSQL and Spark: it is no breach
        present = ~_is_missing(value, value) if value.type().is_floating() else value.notnull()
        for check in column.checks:
            text, breaks = _check_breaks(check, value)
            rules.append(_Rule(name, text, present & breaks, shown))
        rules += [
            _Rule(name, text, value.notnull() & breaks, shown)
            for text, breaks in _value_rules(spec.fields[name], value)
        ]
    for row_rule in ROW_RULES:
        if row_rule.table == spec.name and all(c in found for c in row_rule.needs):
            shown = row_id if row_id is not None else typed[row_rule.column].cast(STRING)
            breaks = row_rule.breaks(typed).fill_null(False)
            rules.append(_Rule(row_rule.column, row_rule.rule, breaks, shown))
    return rules


def _examples(rows: ibis.Table) -> list[object]:
    """Up to MAX_EXAMPLES distinct non-null values of ``rows.example``, sorted, in the backend."""
    shown = rows.select("example").filter(_.example.notnull()).distinct()
    return shown.order_by("example").limit(MAX_EXAMPLES).to_pyarrow()["example"].to_pylist()


def _found_examples(rows: ibis.Table) -> tuple[list[object], list[object]]:
    """Up to MAX_EXAMPLES distinct (``example``, ``found``) rows, sorted, in the backend."""
    shown = rows.filter(_.example.notnull()).distinct().order_by("example", "found")
    pairs = shown.limit(MAX_EXAMPLES).to_pyarrow()
    return pairs["example"].to_pylist(), pairs["found"].to_pylist()


def _unique_keys(spec: TableSpec, table: ibis.Table) -> list[list[str]]:
    """The table's unique keys whose columns are all present."""
    keys = [[name] for name, column in spec.schema.columns.items() if column.unique]
    if spec.schema.unique:
        keys.append(list(spec.schema.unique))
    found = _found_columns(table)
    return [key for key in keys if all(c in found for c in key)]


def _row_problems(
    spec: TableSpec, table: ibis.Table, typed: dict[str, ibis.Value]
) -> list[ContractProblem]:
    """Column and row rules counted in one aggregate, which also spots repeated single keys."""
    rules = _column_rules(spec, table, typed)
    keys = _unique_keys(spec, table)
    measures = {f"r{i}": rule.breaks.sum() for i, rule in enumerate(rules)}
    for i, key in enumerate(keys):
        if len(key) == 1:
            value = typed[key[0]]
            measures[f"u{i}"] = value.count() - value.nunique()
    if not measures:
        return []
    row = table.aggregate(**measures).to_pyarrow().to_pylist()[0]
    problems = []
    for i, rule in enumerate(rules):
        bad = int(row[f"r{i}"] or 0)
        if bad:
            rows = table.filter(rule.breaks)
            if rule.found is None:
                examples, found = _examples(rows.select(example=rule.example)), []
            else:
                examples, found = _found_examples(
                    rows.select(example=rule.example, found=rule.found)
                )
            problem = ContractProblem(spec.name, rule.column, rule.rule, bad, examples, found)
            problems.append(problem)
    for i, key in enumerate(keys):
        if row.get(f"u{i}", 1):
            problems += _duplicate_problems(spec, table, typed, key)
    return problems


def _duplicate_problems(
    spec: TableSpec, table: ibis.Table, typed: dict[str, ibis.Value], key: list[str]
) -> list[ContractProblem]:
    """Rows whose key appears more than once; a null single-column key is a 'missing value'.

    Examples are the ids of those rows where the table has an id, else the repeated keys.
    """
    keyed = table.select(**{c: typed[c] for c in key})
    if len(key) == 1:
        keyed = keyed.filter(keyed[key[0]].notnull())
    groups = keyed.group_by(key).aggregate(n=_.count()).filter(_.n > 1)
    bad = int(groups.aggregate(rows=_.n.sum()).to_pyarrow()["rows"][0].as_py() or 0)
    if not bad:
        return []
    if spec.id:
        rows = table.select(**{c: typed[c] for c in key}, example=typed[spec.id])
        shown = rows.semi_join(groups, key).select(example=_.example.cast(STRING))
    else:
        parts = [groups[c].cast(STRING).fill_null("null") for c in key]
        example = parts[0]
        for part in parts[1:]:
            example = example.concat(" ", part)
        shown = groups.select(example=example)
    if len(key) == 1:
        column, rule = key[0], "duplicate values"
    else:
        column, rule = None, "duplicate " + " and ".join(key)
    return [ContractProblem(spec.name, column, rule, bad, _examples(shown))]


def _reference_problems(
    spec: TableSpec,
    table: ibis.Table,
    typed: dict[str, ibis.Value],
    tables: Mapping[str, ibis.Table],
) -> list[ContractProblem]:
    found = _found_columns(table)
    problems = []
    for ref in REFERENCES:
        if ref.table != spec.name or ref.column not in found or ref.target not in tables:
            continue
        target = tables[ref.target]
        if ref.target_column not in _found_columns(target):
            continue
        target_key = _typed_columns(TABLES[ref.target], target)[ref.target_column]
        known = target.select(key=target_key).filter(_.key.notnull()).distinct()
        shown = typed[spec.id] if spec.id else typed[ref.column]
        rows = table.select(key=typed[ref.column], example=shown.cast(STRING))
        orphans = rows.filter(_.key.notnull()).anti_join(known, "key")
        bad = int(orphans.count().to_pyarrow().as_py())
        if bad:
            rule = f"not found in {ref.target}.{ref.target_column}"
            problems.append(ContractProblem(spec.name, ref.column, rule, bad, _examples(orphans)))
    return problems


def with_rate(
    rows: ibis.Table, fx_rates: ibis.Table, currency: str, day: str = "close_date"
) -> ibis.Table:
    """Conformed ``rows`` with ``fx_rate``, what one unit of the row's ``currency`` is worth in
    ``currency`` on its ``day`` (a deal's close date, a spend or revenue month): 1 for
    ``currency`` itself; else the rate of the row's currency with the latest ``valid_from`` on or
    before the day, else its undated rate; null when none applies.

    Each rate covers the days from its ``valid_from`` to the next one's (the undated rate: the
    days before the first), so a row meets one rate at most and keeps its place: no key needed.
    """
    rates = fx_rates.filter(_.rate > 0)
    dated = rates.filter(_.valid_from.notnull())
    following = ibis.window(group_by="currency", order_by="valid_from")
    dated = dated.select(
        fx_currency=_.currency,
        fx_rate=_.rate,
        fx_from=_.valid_from,
        fx_until=_.valid_from.lead().over(following),
    )
    first = dated.group_by("fx_currency").aggregate(first_from=_.fx_from.min())
    undated = rates.filter(_.valid_from.isnull())
    undated = undated.left_join(first, undated.currency == first.fx_currency).select(
        fx_currency=undated.currency,
        fx_rate=undated.rate,
        fx_from=ibis.null(DATE),
        fx_until=first.first_from,
    )
    covers = ibis.union(dated, undated)
    when = rows[day]
    applies = (
        (rows.currency == covers.fx_currency)
        & (covers.fx_from.isnull() | (covers.fx_from <= when))
        & (covers.fx_until.isnull() | (when < covers.fx_until))
    )
    joined = rows.left_join(covers, applies)
    rate = ibis.ifelse(joined.currency == currency, ibis.literal(1.0), joined.fx_rate)
    return joined.select(*rows.columns, fx_rate=rate)


# tables whose amounts fx_rates converts: the day a row's rate is taken on, the column that
# names an unconvertible row, and how the rule words that day
CONVERTED = {
    "opportunities": ("close_date", "opportunity_id", "the deal's close date"),
    "spend": ("month", "month", "the month spent"),
    "recurring_revenue": ("month", "account_id", "the month billed"),
}


def _rate_problems(tables: Mapping[str, ibis.Table], currency: str) -> list[ContractProblem]:
    """Rates that cannot convert amounts into ``currency``: a rate other than 1 for ``currency``
    itself (the rates would be into another currency), and deals, spend and revenue rows whose
    currency has no rate on their day (``CONVERTED``)."""
    if "fx_rates" not in tables or not all(
        c in _found_columns(tables["fx_rates"]) for c in ("currency", "rate")
    ):
        return []  # a missing column is a problem of its own
    fx = conform("fx_rates", tables["fx_rates"])
    problems = []
    own = fx.filter((fx.currency == currency) & (fx.rate != 1)).select(example=_.rate.cast(STRING))
    if bad := int(own.count().to_pyarrow().as_py()):
        rule = f"the org currency {currency} must have rate 1 (rates convert into it)"
        problems.append(ContractProblem("fx_rates", "rate", rule, bad, _examples(own)))
    for name, (day, shown, words) in CONVERTED.items():
        if name not in tables or not all(
            c in _found_columns(tables[name]) for c in ("currency", day)
        ):
            continue
        rows = conform(name, tables[name])
        unrated = with_rate(rows, fx, currency, day).filter(
            _.fx_rate.isnull() & _.currency.notnull()
        )
        if bad := int(unrated.count().to_pyarrow().as_py()):
            rule = f"no fx_rates rate into {currency} on {words}"
            example = unrated.select(example=unrated[shown].cast(STRING))
            problems.append(ContractProblem(name, "currency", rule, bad, _examples(example)))
    return problems


def missing_text(table: str, column: str | None = None) -> str:
    """What a missing table or column holds, and where the contract is written down."""
    spec = TABLES[table]
    what = spec.fields[column].description if column else spec.description
    return f"{what[0].lower()}{what[1:].rstrip('.')}; see {DOCS}"


def check(tables: Mapping[str, ibis.Table], currency: str | None = None) -> list[ContractProblem]:
    """Every broken contract rule in ``tables`` (contract name -> table, raw or conformed).

    Reports missing required tables and missing columns, values that cannot be cast, missing
    values, duplicates, ranges and allowed values, rules across columns, and references between
    tables; each with its row count and up to five examples. Absent optional tables are fine.
    With the org ``currency``, also the deals that fx_rates cannot convert into it.
    """
    problems: list[ContractProblem] = []
    for name, spec in TABLES.items():
        if name not in tables:
            if spec.required:
                rule = f"missing required table ({missing_text(name)})"
                problems.append(ContractProblem(name, None, rule, 0))
            continue
        table = tables[name]
        found = _found_columns(table)
        absent = [c for c in spec.columns if c not in found and not spec.fields[c].optional]
        if not any(c in found for c in spec.columns):
            # one problem, not one per column: such a file was read wrongly or is another table
            rule = "none of its contract columns found (a malformed file?); columns read"
            shown = list(table.columns)[:MAX_EXAMPLES]
            problems.append(ContractProblem(name, None, rule, 0, shown))
            continue
        problems += [
            ContractProblem(name, c, f"missing column ({missing_text(name, c)})", 0) for c in absent
        ]
        typed = _typed_columns(spec, table)
        problems += _row_problems(spec, table, typed)
        problems += _reference_problems(spec, table, typed, tables)
    if currency is not None:
        problems += _rate_problems(tables, currency)
    return problems
