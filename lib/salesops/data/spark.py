"""Spark as a source: a ``pyspark://`` URL opens a session of its own in every report's kernel.

``pyspark:///ABSOLUTE/FOLDER`` reads the contract tables from Parquet in that folder, which every
session finds; ``pyspark://`` reads the session's current database (a cluster's metastore).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import ibis

from salesops.data import contract
from salesops.errors import SourceError

SCHEME = "pyspark"
# What a pyspark:// URL's query does not say: each report is a short batch job with its own session.
_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.log.level": "ERROR",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
}
_LOCAL_SHUFFLE_PARTITIONS = "2"  # local mode: the tables are small, 200 tasks cost seconds


def _parquet_tables(folder: Path) -> dict[str, Path]:
    """Contract table name -> its Parquet data in ``folder``: a ``<table>.parquet`` file, or a
    ``<table>`` (or ``<table>.parquet``) folder of Parquet parts as Spark writes a table."""
    tables: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        lower = path.name.lower()
        name = lower.removesuffix(".parquet")
        if name not in contract.TABLES or not (path.is_dir() or lower.endswith(".parquet")):
            continue
        if name in tables:
            raise SourceError(
                f"{folder} has two copies of {name}: {tables[name].name} and {path.name}"
            )
        tables[name] = path
    return tables


def _parquet_files(tables: dict[str, Path]) -> dict[str, Path]:
    """The files holding ``tables``, keyed by table (and part), for the data fingerprint; Spark's
    bookkeeping (``_SUCCESS``, ``.crc`` files), which readers skip, is left out too."""
    files: dict[str, Path] = {}
    for name, path in tables.items():
        if path.is_file():
            files[name] = path
            continue
        for part in sorted(path.rglob("*")):
            inner = part.relative_to(path)
            if part.is_file() and not any(p.startswith(("_", ".")) for p in inner.parts):
                files[f"{name}/{inner}"] = part
    return files


def open_spark(url: str, label: str) -> tuple[ibis.BaseBackend, dict[str, Path]]:
    """A Spark session for ``pyspark://[/FOLDER][?SETTING=VALUE&...]``, and the files it reads.

    The query's Spark settings (``spark.master=local[2]``, ...) go to the session builder, over
    the Spark environment (``spark-defaults.conf``, ``PYSPARK_SUBMIT_ARGS``); unless the query says
    otherwise the UI and its progress bars are off and the log level is ERROR (the session time
    zone is UTC, as Ibis sets it). Without a folder the contract tables are those of the session's
    current database (a cluster's metastore). With a folder (an absolute path) each contract table
    there in Parquet is read as a temporary view: every report's kernel starts a session of its
    own, and all of them see the same files. The folder is also the session's warehouse, so
    ``load.copy_tables`` writes its tables there (into a folder that does not hold them yet: Spark
    will not make a new table over an existing table folder). ``label`` names the source in
    errors.
    """
    from pyspark.sql import SparkSession  # only a Spark source needs PySpark installed

    parts = urlsplit(url)
    if parts.netloc:
        raise SourceError(
            f"{label}: a {SCHEME} URL names an absolute folder with three slashes, "
            f"{SCHEME}:///path/to/folder, or none, {SCHEME}://"
        )
    settings = {**_DEFAULTS, **dict(parse_qsl(parts.query, keep_blank_values=True))}
    folder = Path(unquote(parts.path)) if parts.path.strip("/") else None
    tables: dict[str, Path] = {}
    if folder is not None:
        if not folder.is_dir():
            raise SourceError(f"{label}: {folder} is not a folder")
        tables = _parquet_tables(folder)
        settings.setdefault("spark.sql.warehouse.dir", str(folder))
    # Spark's Python workers run `python3` from the PATH unless told otherwise, and refuse to
    # serve a driver of another minor version: they run this interpreter
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    context = session.sparkContext
    if context.master.startswith("local") and not context.getConf().contains(
        "spark.sql.shuffle.partitions"
    ):
        session.conf.set("spark.sql.shuffle.partitions", _LOCAL_SHUFFLE_PARTITIONS)
    con = ibis.pyspark.connect(session)
    if folder is None:
        return con, {}
    for name in contract.TABLES:  # a session this process opened before may hold other views
        if name in tables:
            session.read.parquet(str(tables[name])).createOrReplaceTempView(name)
        else:
            session.catalog.dropTempView(name)
    return con, _parquet_files(tables)
