"""Open a data source as a CRM on the contract: a DuckDB file, a folder of CSV/Parquet, or a URL.

Opening reads schemas only (every kernel opens the source); data is scanned when a metric, a
validation or a fingerprint asks for it, and then in the backend.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import gzip
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import ibis
from ibis import _

from salesops import config
from salesops.data import contract, presets, spark
from salesops.data.locations import (
    DATABASE_SUFFIXES,
    files_fingerprint,
    is_url,
    redact,
    table_files,
    url_secrets,
)
from salesops.data.presets.export import check_header
from salesops.data.presets.log import MappingLog
from salesops.data.presets.mapping import MappingFile
from salesops.errors import ContractProblem, SourceError
from salesops.periods import Quarter, last_complete_quarter

KNOWN_PRESETS = tuple(presets.PRESETS)


def _scrub(message: str, url: str) -> str:
    """An error message about ``url`` with the URL's secrets removed wherever they appear."""
    for secret in url_secrets(url):
        message = message.replace(secret, "***")
    return redact(message)


def _open_folder(folder: Path) -> tuple[ibis.BaseBackend, dict[str, Path]]:
    """Views over the folder's table files in an in-memory DuckDB.

    CSV columns are read as text (header and dialect sniffed) and typed by ``contract.conform``:
    types sniffed from a sample would make a bad value further down a reader error instead of a
    contract problem that names its rows.
    """
    con = ibis.duckdb.connect()
    # DuckDB 2.0 pushes TRY_CAST into the CSV reader as a strict typed read, so one bad value
    # would fail the whole query; older DuckDB has neither that optimizer nor the problem.
    with contextlib.suppress(duckdb.ParserException):
        con.settings["disabled_optimizers"] = "type_pushdown"
    files = table_files(folder)
    for name, path in files.items():
        try:
            if path.name.lower().endswith(".parquet"):
                con.read_parquet(path, table_name=name)
            else:
                read = len(con.read_csv(path, table_name=name, all_varchar=True).columns)
        except Exception as exc:
            raise SourceError(f"cannot read {path}: {exc}") from exc
        if not path.name.lower().endswith(".parquet"):
            if where := _broken_row(path, read):
                raise SourceError(f"cannot read {path}: {where}")
            check_header(con.con, path)
    return con, files


def _broken_row(path: Path, read: int) -> str | None:
    """Why a CSV file whose header has more fields than the ``read`` columns DuckDB made of it
    is not a table (the first row whose field count differs from the header's); else None."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows, [])
        if len(header) <= read:
            return None
        line = rows.line_num + 1
        for row in rows:
            if row and len(row) != len(header):
                return f"line {line} has {len(row)} fields where the header has {len(header)}"
            line = rows.line_num + 1
    columns = f"{read} column" + ("" if read == 1 else "s")
    return f"its header has {len(header)} fields, but DuckDB could read only {columns}"


def _open_database(path: Path) -> ibis.BaseBackend:
    """A DuckDB file, read-only so that several kernels can read it at once."""
    try:
        return ibis.duckdb.connect(path, read_only=True)
    except Exception as exc:
        raise SourceError(f"cannot open DuckDB file {path}: {exc}") from exc


def _open_url(url: str) -> ibis.BaseBackend:
    try:
        return ibis.connect(url)
    except Exception as exc:
        # no chaining: the original exception may carry the password
        raise SourceError(f"cannot connect to {redact(url)}: {_scrub(str(exc), url)}") from None


def _open(
    source: str | os.PathLike[str] | None,
) -> tuple[ibis.BaseBackend, str, dict[str, Path]]:
    """The backend, its redacted label, and the local files holding the data (keyed by content)."""
    text = os.fspath(source) if source else ""
    if text.lower().startswith(f"{spark.SCHEME}://"):
        try:
            con, files = spark.open_spark(text, redact(text))
        except SourceError:
            raise
        except ImportError:
            raise SourceError(
                f"{redact(text)} needs PySpark: pip install 'ibis-framework[pyspark]'"
            ) from None
        except Exception as exc:
            raise SourceError(f"cannot open {redact(text)}: {_scrub(str(exc), text)}") from None
        return con, redact(text), files
    if is_url(text):
        return _open_url(text), redact(text), {}
    path = Path(text).expanduser() if text else config.DEFAULT_SOURCE
    if not path.exists():
        hint = ""
        if path.resolve() == config.DEFAULT_SOURCE.resolve():
            hint = "; make the demo data with `salesops demo` or `make reports`"
        raise SourceError(f"data source {path} does not exist{hint}")
    if path.is_dir():
        con, files = _open_folder(path)
        return con, str(path), files
    if path.suffix.lower() not in DATABASE_SUFFIXES:
        kinds = "a DuckDB file (.duckdb, .db), a folder of CSV or Parquet files, or a URL"
        raise SourceError(f"data source {path} is not {kinds}")
    return _open_database(path), str(path), {"database": path}


def connect(source: str | os.PathLike[str] | None = None) -> ibis.BaseBackend:
    """An Ibis backend for ``source``: None or "" means ``config.DEFAULT_SOURCE``.

    A ``.duckdb``/``.db`` file opens read-only; a folder of ``<table>.csv``/``.csv.gz``/``.parquet``
    files is read through an in-memory DuckDB; anything with ``scheme://`` goes to ``ibis.connect``.
    """
    return _open(source)[0]


def _table_names(con: ibis.BaseBackend) -> list[str]:
    """Tables and views in the backend's current database."""
    if con.name != "duckdb":
        return list(con.list_tables())
    # ibis 12.0 lists DuckDB tables through a cursor method that DuckDB 2 removed (fixed in later
    # ibis); information_schema answers the same question on every DuckDB version.
    tables = con.table("tables", database="information_schema")
    here = tables.table_catalog.isin([con.current_catalog, "temp"]) & (
        tables.table_schema == con.current_database
    )
    return tables.filter(here).table_name.to_pyarrow().to_pylist()


@dataclass
class Crm:
    """An opened source: its tables conformed to the contract, and what is known about them.

    Deal amounts (and stage history amounts) that fx_rates converts are in ``org_currency``.
    ``raw`` holds the tables as found (before casting), so that ``problems`` can name values that
    did not cast; ``files`` the local files holding the data, keyed by what they hold (the table
    name in a folder, ``database`` for a DuckDB file; empty for a URL).
    """

    con: ibis.BaseBackend = field(repr=False)
    label: str
    tables: dict[str, ibis.Table] = field(repr=False)
    missing: list[str]
    org_currency: str = "USD"
    raw: dict[str, ibis.Table] = field(default_factory=dict, repr=False)
    files: dict[str, Path] = field(default_factory=dict, repr=False)
    mapping: MappingLog | None = field(default=None, repr=False)

    def has(self, name: str) -> bool:
        return name in self.tables

    def table(self, name: str) -> ibis.Table:
        """The conformed table ``name``; SourceError naming it when the source lacks it."""
        if name not in self.tables:
            enables = contract.TABLES[name].enables if name in contract.TABLES else ""
            needed = f" (needed for {enables})" if enables else ""
            raise SourceError(f"{self.label} has no {name} table{needed}")
        return self.tables[name]

    def teams(self) -> list[str]:
        """Distinct non-null ``reps.team``, sorted."""
        reps = self.table("reps")
        teams = reps.select("team").filter(_.team.notnull()).distinct().order_by("team")
        return teams.to_pyarrow()["team"].to_pylist()

    def as_of(self) -> date:
        """The latest event date: deal created, changed or closed, stage entered, call made, lead
        created, activity logged, sign-in, content viewed or shared.

        Open deals' close dates are expectations, not events, so they do not count.
        """
        opportunities = self.table("opportunities")
        days = [
            opportunities.aggregate(day=opportunities.created_at.max().date()),
            opportunities.filter(opportunities.is_closed).aggregate(day=_.close_date.max()),
        ]
        for name, column in (
            ("stage_history", "entered_at"),
            ("deal_changes", "changed_at"),
            ("forecast_submissions", "submitted_at"),
            ("leads", "created_at"),
            ("activities", "occurred_at"),
            ("logins", "login_at"),
            ("content_events", "occurred_at"),
        ):
            if self.has(name):
                table = self.tables[name]
                days.append(table.aggregate(day=table[column].max().date()))
        latest = ibis.union(*days).aggregate(day=_.day.max()).to_pyarrow()["day"][0].as_py()
        if latest is None:
            raise SourceError(f"{self.label} has no dated events to take an as-of date from")
        return latest

    @functools.cached_property
    def currencies(self) -> list[str]:
        """The currencies of the deal amounts as reports see them (after conversion), sorted."""
        deals = self.table("opportunities")
        found = deals.select("currency").filter(_.currency.notnull()).distinct()
        return sorted(found.to_pyarrow()["currency"].to_pylist())

    @property
    def reporting_currency(self) -> str:
        """The currency amounts are reported in: the org's, unless every deal is in one other."""
        found = self.currencies
        return found[0] if len(found) == 1 else self.org_currency

    @property
    def unconverted_currencies(self) -> list[str]:
        """Currencies besides the reporting one that no rate converted: amount figures would add
        different currencies, so reports withhold them."""
        found = self.currencies
        return [c for c in found if c != self.reporting_currency] if len(found) > 1 else []

    def currency_note(self) -> str | None:
        """What validate says of the amounts' currencies when they are not the org's; else None."""
        found, reporting = self.currencies, self.reporting_currency
        if others := self.unconverted_currencies:
            mapped = self.mapping and presets.PRESETS[self.mapping.preset]
            hint = mapped.rates_hint if mapped else "an fx_rates table"
            return (
                f"Deal amounts are in {', '.join(found)} and no rate converts "
                f"{', '.join(others)}: amount figures are withheld from the reports (counts "
                f"are unaffected); add {hint} to convert them."
            )
        if reporting != self.org_currency:
            return (
                f"Amounts are in {reporting}, not the org currency {self.org_currency}: "
                f"reports show {reporting}."
            )
        return None

    def first_quarter(self, start_month: int = 1) -> Quarter:
        """The quarter of the earliest deal: the first a report may ask for."""
        day = self.first_day()
        return (
            self.latest_quarter(start_month)
            if day is None
            else Quarter.containing(day, start_month)
        )

    def latest_quarter(self, start_month: int = 1) -> Quarter:
        """The last quarter whose last day is on or before ``as_of()`` and today."""
        return last_complete_quarter(self.as_of(), start_month)

    def fingerprint(self) -> str:
        """A short hex digest of the data, never of where it lives or how it is reached.

        Local files: their contents (and table names in a folder). URLs: per table, the row count
        and per column a backend aggregate (whole-unit sums of numbers and flags, minimum and
        maximum of dates, maximum and total length of text), so a change that leaves all of those
        equal goes unseen there.
        """
        if self.files:
            return files_fingerprint(self.files)
        digest = hashlib.sha256()
        for name in sorted(self.tables):
            row = self.tables[name].aggregate(**_content_measures(self.tables[name]))
            values = row.to_pyarrow().to_pylist()[0]
            digest.update(json.dumps([name, values], sort_keys=True, default=str).encode())
        return digest.hexdigest()[:16]

    def first_day(self) -> date | None:
        """The day of the earliest deal created; None when there is none."""
        created = self.table("opportunities").created_at.min().to_pyarrow().as_py()
        return created.date() if isinstance(created, datetime) else created

    def row_counts(self) -> dict[str, int]:
        """Rows per table present, in contract order (one query)."""
        if not self.tables:
            return {}
        counts = ibis.union(
            *(t.aggregate(name=ibis.literal(n), rows=_.count()) for n, t in self.tables.items())
        )
        result = counts.to_pyarrow().to_pydict()
        rows = dict(zip(result["name"], result["rows"], strict=True))
        return {name: int(rows[name]) for name in self.tables}

    def problems(self) -> list[ContractProblem]:
        """Every broken contract rule in this source (see ``contract.check``)."""
        return contract.check(self.raw or self.tables, self.org_currency)

    def summary(self) -> str:
        """Plain words on what was found: tables with row counts, what absent tables switch off."""
        lines = [f"Source: {self.label}"]
        counts = self.row_counts()
        lines += [f"  {name:<22}{rows:>10,} rows" for name, rows in counts.items()]
        absent_required = [n for n in contract.REQUIRED_TABLES if n not in self.tables]
        if absent_required:
            lines.append(f"Required tables not found (see {contract.DOCS}):")
            lines += [f"  {name}: {contract.TABLES[name].description}" for name in absent_required]
        # a preset says which export objects are missing in its own terms: not twice
        if self.missing and self.mapping is None:
            lines.append("Optional tables not found, so these analyses are off:")
            lines += [f"  {name}: {contract.TABLES[name].enables}" for name in self.missing]
        if self.mapping is not None:
            lines += self.mapping.lines()
        if "opportunities" in self.tables and (note := self.currency_note()):
            lines += ["Currency:", f"  {note}"]
        return "\n".join(lines)


def _content_measures(table: ibis.Table) -> dict[str, ibis.Scalar]:
    measures: dict[str, ibis.Scalar] = {"rows": _.count()}
    for name, dtype in table.schema().items():
        column = table[name]
        if dtype.is_numeric():
            measures[f"{name}_sum"] = column.round().try_cast("int64").sum()
            measures[f"{name}_max"] = column.max()
        elif dtype.is_boolean():
            measures[f"{name}_sum"] = column.sum()  # PostgreSQL casts boolean to int, not bigint
        elif dtype.is_temporal():
            measures[f"{name}_min"] = column.min()
            measures[f"{name}_max"] = column.max()
        else:
            measures[f"{name}_max"] = column.max()
            measures[f"{name}_len"] = column.length().sum()
    return measures


def _open_export(
    source: str | os.PathLike[str] | None, name: str, options: MappingFile | None
) -> Crm:
    """A CRM export folder mapped by the preset ``name`` (see ``salesops.data.presets``)."""
    text = os.fspath(source) if source else ""
    folder = Path(text).expanduser() if text and not is_url(text) else None
    if folder is None or not folder.is_dir():
        raise SourceError(
            f"the {name} preset reads a folder of export files; {redact(text)} is not"
        )
    settings = config.load_org_settings()
    mapped = presets.map_folder(
        name,
        folder,
        options,
        currency=settings.currency,
        start_month=settings.fiscal_year_start_month,
    )
    return Crm(
        con=mapped.con,
        label=str(folder),
        tables=_conformed(mapped.tables, settings.currency),
        missing=[table for table in contract.OPTIONAL_TABLES if table not in mapped.tables],
        org_currency=settings.currency,
        raw=mapped.tables,
        files=mapped.files,
        mapping=mapped.log,
    )


def open_crm(
    source: str | os.PathLike[str] | None = None,
    *,
    preset: str | None = None,
) -> Crm:
    """Open ``source``, find the contract tables (names matched case-insensitively), conform them.

    ``preset`` names a CRM export mapping of a folder (``salesforce``, ``hubspot``, ``generic``)
    or the path of a mapping file; else ``params/mapping.yaml``, when it exists, gives the options
    for folder sources. Without a preset or mapping file a source holds the contract as is; a
    folder read with a preset (``generic`` too) is an export and gets its repairs.
    """
    try:
        name, options = presets.resolve(preset)
    except ValueError:
        known = ", ".join(KNOWN_PRESETS)
        raise SourceError(f"unknown preset {preset!r}; known presets: {known}") from None
    text = os.fspath(source) if source else ""
    is_folder = bool(text) and not is_url(text) and Path(text).expanduser().is_dir()
    # params/mapping.yaml maps folders only: a DuckDB file or a URL holds the contract as is;
    # a folder named with a preset (generic too) is an export, repaired as every preset's is
    mapped = bool(preset) or options is not None
    if mapped and (is_folder or (preset and not presets.PRESETS[name].contract_tables)):
        return _open_export(source, name, options)
    return _open_contract(source)


def _open_contract(source: str | os.PathLike[str] | None) -> Crm:
    """A source that holds the contract tables as they are."""
    con, label, files = _open(source)
    try:
        found = {name.lower(): name for name in _table_names(con)}
        raw = {name: con.table(found[name]) for name in contract.TABLES if name in found}
    except Exception as exc:
        raise SourceError(f"cannot read the tables of {label}: {redact(str(exc))}") from None
    currency = config.load_org_settings().currency
    return Crm(
        con=con,
        label=label,
        tables=_conformed(raw, currency),
        missing=[name for name in contract.OPTIONAL_TABLES if name not in raw],
        org_currency=currency,
        raw=raw,
        files=files,
    )


def _conformed(raw: dict[str, ibis.Table], currency: str) -> dict[str, ibis.Table]:
    """The tables conformed to the contract, the amounts of deals, their stage history and their
    changes, spend and recurring revenue converted into ``currency`` where fx_rates has a rate
    (see ``contract.with_rate``): once, here, so every metric of every source sums amounts in
    one currency."""
    tables = {name: contract.conform(name, table) for name, table in raw.items()}
    if "fx_rates" not in tables:
        return tables
    for name, (day, _shown, _words) in contract.CONVERTED.items():
        # one small query spares every metric the rate lookup when all rows are in ``currency``
        if name not in tables or not (tables[name].currency != currency).any().to_pyarrow().as_py():
            continue
        rows = contract.with_rate(tables[name], tables["fx_rates"], currency, day)
        if name == "opportunities":
            _convert_history(tables, rows)
        tables[name] = _converted(
            rows, name, "mrr" if name == "recurring_revenue" else "amount", currency
        )
    return tables


def _converted(rows: ibis.Table, name: str, amount: str, currency: str) -> ibis.Table:
    """``rows`` (with ``fx_rate``) with ``amount`` in ``currency`` where a rate applies."""
    rated = rows.fx_rate.notnull()
    return rows.mutate(
        **{amount: ibis.ifelse(rated, rows[amount] * rows.fx_rate, rows[amount])},
        currency=ibis.ifelse(rated, ibis.literal(currency), rows.currency),
    ).select(*contract.TABLES[name].columns)


def _convert_history(tables: dict[str, ibis.Table], deals: ibis.Table) -> None:
    """Stage history and deal changes amounts at their deal's rate (in the deal's currency)."""
    rates = deals.select(rate_id=deals.opportunity_id, rate=deals.fx_rate.fill_null(1.0))
    for name in ("stage_history", "deal_changes"):
        if name in tables:
            history = tables[name]
            joined = history.left_join(rates, history.opportunity_id == rates.rate_id)
            tables[name] = joined.mutate(amount=joined.amount * joined.rate.fill_null(1.0)).select(
                *contract.TABLES[name].columns
            )
