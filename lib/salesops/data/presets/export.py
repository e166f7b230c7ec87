"""An export folder loaded into an in-memory DuckDB: files found by object name, decoded, as text.

Each file becomes a table of VARCHAR columns (``src_<object>``), so that the preset's SQL decides
how every value is read and the contract check can name any value it could not read. Encodings:
UTF-8 with or without a byte-order mark is read as is; anything that is not valid UTF-8 is taken
as Windows-1252 (Excel's and Salesforce's Western default, a superset of Latin-1 for printable
text) and transcoded to a temporary UTF-8 copy, which is dropped once loaded.
"""

from __future__ import annotations

import codecs
import gzip
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

import duckdb
import ibis

from salesops.data.presets.log import MappingLog
from salesops.data.presets.quirks import quoted
from salesops.errors import SourceError

Encoding = Literal["auto", "utf-8", "windows-1252"]  # how to read an export's text files
FILE_SUFFIXES = (".csv.gz", ".csv", ".parquet")
_BOM = codecs.BOM_UTF8
_CHUNK = 1 << 20


def _open_bytes(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")


def detect_encoding(path: Path) -> str:
    """``utf-8 with BOM``, ``utf-8`` or ``windows-1252``: the first that decodes the whole file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with _open_bytes(path) as handle:
        head = handle.read(len(_BOM))
        if head == _BOM:
            return "utf-8 with BOM"
        try:
            decoder.decode(head)
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "windows-1252"
    return "utf-8"


def _transcode(path: Path, into: Path) -> Path:
    """A UTF-8 copy of a Windows-1252 file in the folder ``into``."""
    target = into / (path.name.removesuffix(".gz") if path.name.endswith(".gz") else path.name)
    with (
        _open_bytes(path) as raw,
        codecs.getreader("windows-1252")(raw, errors="replace") as text,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        shutil.copyfileobj(text, out, _CHUNK)
    return target


def _stem(path: Path) -> str:
    lower = path.name.lower()
    suffix = next((s for s in FILE_SUFFIXES if lower.endswith(s)), "")
    return lower.removesuffix(suffix) if suffix else ""


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Export:
    """The loaded export: DuckDB tables ``src_<object>`` and their columns, and the log."""

    log: MappingLog
    con: ibis.BaseBackend = field(repr=False)
    files: dict[str, Path] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def db(self) -> duckdb.DuckDBPyConnection:
        return self.con.con

    def has(self, obj: str) -> bool:
        return obj in self.columns

    def table(self, obj: str) -> str:
        """The SQL name of the object's table."""
        return _sql_name(f"src_{obj}")

    def has_column(self, obj: str, *names: str) -> bool:
        return self.has(obj) and any(n.lower() in self.columns[obj] for n in names)

    def column(self, obj: str, *names: str, alias: str = "") -> str:
        """The first of ``names`` the object has (any case) as SQL, else ``NULL``."""
        for name in names:
            found = self.columns.get(obj, {}).get(name.lower())
            if found:
                return f"{alias}.{_sql_name(found)}" if alias else _sql_name(found)
        return "NULL"

    def view(self, name: str, sql: str) -> None:
        self.db.execute(f"CREATE OR REPLACE VIEW {_sql_name(name)} AS {sql}")

    def scalar(self, sql: str) -> object:
        row = self.db.execute(sql).fetchone()
        return row[0] if row else None

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        return self.db.execute(sql).fetchall()

    def count(self, rows: str, where: str = "TRUE") -> int:
        """How many rows of ``rows`` (a table, view or join in SQL) match ``where``."""
        return int(self.scalar(f"SELECT count(*) FROM {rows} WHERE {where}") or 0)

    def has_table(self, name: str) -> bool:
        """Whether the export's database holds a table or view ``name`` (a mapped one, say)."""
        return bool(self.count("information_schema.tables", f"table_name = {quoted(name)}"))


def _find(
    folder: Path, names: Mapping[str, tuple[str, ...]], renamed: Mapping[str, str]
) -> dict[str, Path]:
    """Object -> its file: the name given in the mapping file, else the first alias found."""
    by_stem: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and _stem(path):
            by_stem.setdefault(_stem(path), path)
    files: dict[str, Path] = {}
    for obj, aliases in names.items():
        if obj in renamed:
            path = folder / renamed[obj]
            if not path.is_file():
                raise SourceError(f"the mapping file names {path} for {obj}, which does not exist")
            files[obj] = path
            continue
        for alias in (obj, *aliases):
            key = re.sub(r"\s+", "_", alias.lower())
            if key in by_stem:
                files[obj] = by_stem[key]
                break
    return files


def load_export(
    folder: Path,
    names: Mapping[str, tuple[str, ...]],
    log: MappingLog,
    *,
    encoding: Encoding,
    renamed: Mapping[str, str],
) -> Export:
    """Load the files of ``folder`` that hold the objects ``names`` (object -> other file stems).

    The session time zone is UTC, so timestamps with an offset land on UTC and those without
    one are taken as UTC.
    """
    if not folder.is_dir():
        raise SourceError(
            f"the {log.preset} preset reads a folder of export files; {folder} is not"
        )
    con = ibis.duckdb.connect()
    con.raw_sql("SET TimeZone = 'UTC'")
    # DuckDB 1.5 crashes now and then when several threads read dates with strptime in this
    # session: the export is read and mapped on one thread (map_folder then lifts the limit)
    con.raw_sql("SET threads = 1")
    export = Export(log=log, con=con)
    with tempfile.TemporaryDirectory(prefix="salesops-export-") as scratch:
        for obj, path in _find(folder, names, renamed).items():
            _load_file(export, obj, path, encoding, Path(scratch))
    return export


def _load_file(export: Export, obj: str, path: Path, encoding: Encoding, scratch: Path) -> None:
    target = export.table(obj)
    try:
        if path.name.lower().endswith(".parquet"):
            used = "parquet"
            select = f"SELECT COLUMNS(*)::VARCHAR FROM read_parquet({_literal(path)})"
        else:
            used = detect_encoding(path) if encoding == "auto" else encoding
            readable = _transcode(path, scratch) if used == "windows-1252" else path
            select = (
                f"SELECT * FROM read_csv({_literal(readable)}, all_varchar = true, header = true)"
            )
            check_header(export.db, readable, path)
        export.db.execute(f"CREATE TABLE {target} AS {select}")
    except duckdb.Error as exc:
        raise SourceError(f"cannot read {path}: {exc}") from exc
    names = [row[0] for row in export.db.execute(f"DESCRIBE {target}").fetchall()]
    export.columns[obj] = {n.lower(): n for n in names}
    export.files[obj] = path
    export.log.read(obj, path, export.count(target), used)


def _literal(path: Path) -> str:
    return quoted(str(path))


def check_header(db: duckdb.DuckDBPyConnection, path: Path, shown: Path | None = None) -> None:
    """SourceError naming the columns a CSV file's header names twice (in any case): DuckDB
    would rename the second (``amount_1``) and only the first would be read, which a contract
    problem about other rows would not explain. ``shown`` is the file to name, if not ``path``."""
    first = f"SELECT * FROM read_csv({_literal(path)}, all_varchar = true, header = false) LIMIT 1"
    names = [str(cell).strip().lower() for cell in db.execute(first).fetchone() or () if cell]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise SourceError(
            f"cannot read {shown or path}: its header names {', '.join(twice)} twice "
            "(the columns of one name must be one column)"
        )
