"""The data contract of DESIGN section 2: the canonical tables, their columns and their rules.

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
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt
from ibis import _

from salesops.errors import ContractProblem

if TYPE_CHECKING:
    import pandera.ibis as pa
    from pandera.api.checks import Check

MAX_EXAMPLES = 5
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline")

STRING = dt.String()
TIMESTAMP = dt.Timestamp()  # naive, meaning UTC
_ZONED = dt.Timestamp(timezone="UTC")
DATE = dt.Date()
FLOAT = dt.Float64()
BOOLEAN = dt.Boolean()
INTEGER = dt.Int64()

# a value check: the name of a pandera ``Check`` constructor and its arguments
CheckSpec = tuple[str, tuple[Any, ...]]
_NON_NEGATIVE: CheckSpec = ("ge", (0,))


@dataclass(frozen=True)
class ColumnSpec:
    """A contract column: its Ibis type, whether it may be null or repeat, its value checks."""

    dtype: dt.DataType
    nullable: bool = False
    unique: bool = False
    checks: tuple[CheckSpec, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A contract table: its columns, whether a source must have it, how rows are named.

    ``id`` is the column that names an offending row in examples (None when the table has no id;
    examples then show the offending values, or the ``label`` column for missing values).
    ``unique`` is a key of several columns; ``enables`` says what an optional table switches on.
    """

    name: str
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
    columns: dict[str, ColumnSpec],
    *,
    required: bool,
    id: str | None = None,
    label: str | None = None,
    unique: tuple[str, ...] = (),
    enables: str = "",
) -> TableSpec:
    return TableSpec(
        name, columns, required, id, label or id or next(iter(columns)), unique, enables
    )


_TABLE_LIST = [
    _table(
        "reps",
        {
            "rep_id": ColumnSpec(STRING, unique=True),
            "rep_name": ColumnSpec(STRING),
            "team": ColumnSpec(STRING),
            "manager": ColumnSpec(STRING, nullable=True),
            "region": ColumnSpec(STRING, nullable=True),
            "role": ColumnSpec(STRING),
            "hire_date": ColumnSpec(DATE),
            "end_date": ColumnSpec(DATE, nullable=True),
        },
        required=True,
        id="rep_id",
    ),
    _table(
        "opportunities",
        {
            "opportunity_id": ColumnSpec(STRING, unique=True),
            "rep_id": ColumnSpec(STRING),
            "account_id": ColumnSpec(STRING, nullable=True),
            "created_at": ColumnSpec(TIMESTAMP),
            "close_date": ColumnSpec(DATE),
            "stage": ColumnSpec(STRING),
            "is_closed": ColumnSpec(BOOLEAN),
            "is_won": ColumnSpec(BOOLEAN),
            "amount": ColumnSpec(FLOAT, checks=(_NON_NEGATIVE,)),
            "currency": ColumnSpec(STRING),
            "forecast_category": ColumnSpec(STRING, nullable=True),
            "source": ColumnSpec(STRING, nullable=True),
            "segment": ColumnSpec(STRING, nullable=True),
            "product": ColumnSpec(STRING, nullable=True),
        },
        required=True,
        id="opportunity_id",
    ),
    _table(
        "stages",
        {
            "stage": ColumnSpec(STRING, unique=True),
            "sort_order": ColumnSpec(INTEGER, unique=True),
            "is_closed": ColumnSpec(BOOLEAN),
            "is_won": ColumnSpec(BOOLEAN),
            "probability": ColumnSpec(FLOAT, nullable=True, checks=(("in_range", (0, 1)),)),
        },
        required=True,
        id="stage",
    ),
    _table(
        "stage_history",
        {
            "opportunity_id": ColumnSpec(STRING),
            "stage": ColumnSpec(STRING),
            "entered_at": ColumnSpec(TIMESTAMP),
            "amount": ColumnSpec(FLOAT, nullable=True, checks=(_NON_NEGATIVE,)),
            "close_date": ColumnSpec(DATE, nullable=True),
            "forecast_category": ColumnSpec(STRING, nullable=True),
        },
        required=False,
        label="opportunity_id",
        enables="stage conversion and time in stage",
    ),
    _table(
        "leads",
        {
            "lead_id": ColumnSpec(STRING, unique=True),
            "created_at": ColumnSpec(TIMESTAMP),
            "source": ColumnSpec(STRING, nullable=True),
            "rep_id": ColumnSpec(STRING, nullable=True),
            "status": ColumnSpec(STRING),
            "converted_at": ColumnSpec(TIMESTAMP, nullable=True),
            "opportunity_id": ColumnSpec(STRING, nullable=True),
        },
        required=False,
        id="lead_id",
        enables="lead conversion",
    ),
    _table(
        "quotas",
        {
            "rep_id": ColumnSpec(STRING),
            "quarter_start": ColumnSpec(DATE),
            "quota": ColumnSpec(FLOAT, checks=(_NON_NEGATIVE,)),
        },
        required=False,
        label="rep_id",
        unique=("rep_id", "quarter_start"),
        enables="quota attainment and coverage",
    ),
    _table(
        "forecast_submissions",
        {
            "rep_id": ColumnSpec(STRING),
            "quarter_start": ColumnSpec(DATE),
            "submitted_at": ColumnSpec(TIMESTAMP),
            "category": ColumnSpec(STRING, checks=(("isin", (list(FORECAST_CATEGORIES),)),)),
            "amount": ColumnSpec(FLOAT, checks=(_NON_NEGATIVE,)),
        },
        required=False,
        label="rep_id",
        enables="forecast accuracy from submitted calls (otherwise rebuilt from stage history)",
    ),
    _table(
        "fx_rates",
        {
            "currency": ColumnSpec(STRING),
            "rate": ColumnSpec(FLOAT, checks=(_NON_NEGATIVE,)),
            "valid_from": ColumnSpec(DATE, nullable=True),
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
    Reference("leads", "rep_id", "reps", "rep_id"),
    Reference("quotas", "rep_id", "reps", "rep_id"),
    Reference("forecast_submissions", "rep_id", "reps", "rep_id"),
)


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row; ``breaks`` maps typed columns to True for bad rows."""

    table: str
    column: str
    rule: str
    needs: tuple[str, ...]
    breaks: Callable[[Mapping[str, ibis.Value]], ibis.BooleanValue]


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


def _is_missing(raw: ibis.Value, value: ibis.Value) -> ibis.BooleanValue:
    """Null as found, or NaN once typed (text "NaN" casts to a NaN, not to a cast failure)."""
    if value.type().is_floating():
        return raw.isnull() | value.isnan().fill_null(False)
    return raw.isnull()


def _check_breaks(check: Check, value: ibis.Value) -> tuple[str, ibis.BooleanValue]:
    """The rule text and the Ibis predicate for the pandera built-in checks the contract uses."""
    stats = check.statistics
    if check.name == "greater_than_or_equal_to":
        return f"must be >= {stats['min_value']}", value < stats["min_value"]
    if check.name == "in_range":
        low, high = stats["min_value"], stats["max_value"]
        below = value < low if stats["include_min"] else value <= low
        above = value > high if stats["include_max"] else value >= high
        return f"must be between {low} and {high}", below | above
    if check.name == "isin":
        allowed = stats["allowed_values"]
        return "must be one of " + ", ".join(map(str, allowed)), ~value.isin(allowed)
    raise TypeError(f"the contract has no Ibis form of pandera check {check.name!r}")


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
            rules.append(_Rule(name, rule, bad_cast, shown))
        if not column.nullable:
            label = row_id if row_id is not None else typed[spec.label].cast(STRING)
            rules.append(_Rule(name, "missing values", _is_missing(raw, value), label))
        for check in column.checks:
            text, breaks = _check_breaks(check, value)
            rules.append(_Rule(name, text, value.notnull() & breaks, shown))
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
            examples = _examples(table.filter(rule.breaks).select(example=rule.example))
            problems.append(ContractProblem(spec.name, rule.column, rule.rule, bad, examples))
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


def check(tables: Mapping[str, ibis.Table]) -> list[ContractProblem]:
    """Every broken contract rule in ``tables`` (contract name -> table, raw or conformed).

    Reports missing required tables and missing columns, values that cannot be cast, missing
    values, duplicates, ranges and allowed values, rules across columns, and references between
    tables; each with its row count and up to five examples. Absent optional tables are fine.
    """
    problems: list[ContractProblem] = []
    for name, spec in TABLES.items():
        if name not in tables:
            if spec.required:
                problems.append(ContractProblem(name, None, "missing required table", 0))
            continue
        table = tables[name]
        found = _found_columns(table)
        absent = [c for c in spec.columns if c not in found]
        if len(absent) == len(spec.columns):
            # one problem, not one per column: such a file was read wrongly or is another table
            rule = "none of its contract columns found (a malformed file?); columns read"
            shown = list(table.columns)[:MAX_EXAMPLES]
            problems.append(ContractProblem(name, None, rule, 0, shown))
            continue
        problems += [ContractProblem(name, c, "missing column", 0) for c in absent]
        typed = _typed_columns(spec, table)
        problems += _row_problems(spec, table, typed)
        problems += _reference_problems(spec, table, typed, tables)
    return problems
