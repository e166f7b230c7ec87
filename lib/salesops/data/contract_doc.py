"""docs/contract.md, written from ``salesops.data.contract`` so that the two cannot disagree.

Regenerate after changing the contract: ``.venv/bin/python -m salesops.data.contract_doc >
docs/contract.md`` (``make docs`` does the same); a test fails while the file differs.
"""

from __future__ import annotations

from salesops.data import contract
from salesops.data.contract import TABLES, ColumnSpec, TableSpec

COMMAND = ".venv/bin/python -m salesops.data.contract_doc > docs/contract.md"

_INTRO = f"""\
# The data contract

<!-- Generated from lib/salesops/data/contract.py by `{COMMAND}`
(or `make docs`); edit the code, not this file. -->

Every source (a DuckDB file, a folder of CSV or Parquet files, a database URL, a CRM export read
by a preset) is read as the tables below. Table and column names match case-insensitively; other
columns are ignored. `salesops validate --source ...` checks every rule here and names the rows
that break one; `salesops run` checks the same rules first and runs nothing when one is broken.

- **Required tables**: {", ".join(contract.REQUIRED_TABLES)}. **Optional tables**:
  {", ".join(contract.OPTIONAL_TABLES)}; a missing one switches off what it enables, and the
  reports say so.
- **May be empty**: a column marked *no* must have a value in every row. A value that cannot be
  read as the column's type is a problem, not an empty value.
- **Dates** are never before {contract.DATE_FLOOR.isoformat()}. An *event* (something that
  happened: a deal created, a stage entered, a call made, a deal closed) is at most
  {contract.EVENT_GRACE_DAYS} days after today (UTC), for clocks and time zones. A *plan* (an
  open deal's expected close date, a quota's quarter, a hire or leaving date) is at most
  {contract.PLAN_HORIZON_YEARS} years ahead. A closed deal's `close_date` is an event, an open
  deal's a plan. Timestamps without a time zone are UTC.
- **Columns** a source may leave out say "Optional column."; left out, they are read as empty.
- **Amounts** (deal and history amounts, quotas, forecast calls, spend, recurring revenue) are
  finite numbers from 0 to {contract._number(contract.MAX_AMOUNT)}.
- **Currencies**: deal amounts are in the deal's `currency`; stage history amounts in their
  deal's; spend and recurring revenue in their row's; quotas and forecast calls in the org
  currency (`currency` in `params/org.yaml`). With an `fx_rates` table, deal and stage history
  amounts, spend and recurring revenue are converted into the org currency when the source is
  opened (amount × the rate of the deal's currency on its close date, of a spend or revenue row's
  currency on its month), and every row whose currency has no rate above 0 is a problem. Without
  one, deals all in one currency are reported in it, with its sign and a sentence saying so; deals
  in several currencies have their amount figures withheld (counts are shown), and `validate`
  says which rate table to add.
- **Text** holds no control characters (NUL, tab, line break, ...).
- **Latest quarter**: `--quarter latest` is the last quarter that is over both in the data (its
  last event) and by today's date.
"""


# stated once in the introduction, not on every column
_GENERAL_RULES = (contract.FLOOR_RULE, contract.CONTROL_RULE)


def _column_row(table: TableSpec, name: str, column: ColumnSpec) -> str:
    rules = [text for text in contract.rule_texts(column) if text not in _GENERAL_RULES]
    rules = (
        (["unique"] if column.unique else [])
        + ([f"{'an' if column.dated == 'event' else 'a'} {column.dated}"] if column.dated else [])
        + rules
    )
    rules += [
        f"must be in `{ref.target}.{ref.target_column}`"
        for ref in contract.REFERENCES
        if (ref.table, ref.column) == (table.name, name)
    ]
    cells = (
        f"`{name}`",
        contract.type_word(column.dtype),
        "yes" if column.nullable else "no",
        "; ".join(rules),
        column.description,
    )
    return "| " + " | ".join(cells) + " |"


def _table_section(table: TableSpec) -> list[str]:
    kind = "Required." if table.required else f"Optional: switches on {table.enables}."
    lines = [f"## {table.name}", "", f"{table.description} {kind}"]
    if table.unique:
        lines[-1] += f" One row per {' and '.join(f'`{c}`' for c in table.unique)}."
    lines += [
        "",
        "| column | type | may be empty | rules | what it holds |",
        "|---|---|---|---|---|",
        *(_column_row(table, name, column) for name, column in table.fields.items()),
    ]
    row_rules = [r for r in contract.ROW_RULES if r.table == table.name]
    if row_rules:
        lines += ["", "Problems across columns of a row:", ""]
        lines += [f"- `{r.column}`: {r.rule}." for r in row_rules]
    return [*lines, ""]


def render() -> str:
    """The whole of docs/contract.md."""
    lines = [_INTRO]
    for table in TABLES.values():
        lines += _table_section(table)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
