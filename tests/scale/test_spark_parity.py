"""The same quarterly run on Spark (PySpark in local mode) as on DuckDB: every report renders,
every headline number agrees to 1e-9, and Spark's console chatter stays out of the pages.

The demo is copied with ``copy_tables`` into a folder that the ``pyspark://`` URL names; every
report's kernel starts a Spark session of its own and reads the tables from there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from parity import ANALYSES, QUARTER, SCOPES, differences, headline_files, run_reports

from salesops.data.demo import generate
from salesops.data.load import copy_tables
from salesops.data.sources import open_crm
from salesops.errors import SourceError

pytestmark = pytest.mark.slow

# One core per report (a run renders two at once), and a JVM that compiles for a short life.
SETTINGS = "spark.master=local[1]&spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1"
SPARK_CHATTER = re.compile(r"log4j|NativeCodeLoader|SparkContext|WARN |jdk\.incubator")


def _java_version() -> int | None:
    """The major version of the Java that PySpark starts (``$JAVA_HOME/bin/java``, else
    ``java`` on the PATH), or None when there is none."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home, "bin", "java")) if home else shutil.which("java")
    if not java or not Path(java).is_file():
        return None
    done = subprocess.run([java, "-version"], capture_output=True, text=True)
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if done.returncode != 0 or not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


@pytest.fixture(scope="session")
def java() -> None:
    """Skips when there is no Java that Spark 4 runs on."""
    version = _java_version()
    if version is None or version < 17:
        found = "no java" if version is None else f"Java {version}"
        pytest.skip(
            f"Spark 4 needs Java 17 or later ({found} found through JAVA_HOME or the PATH); "
            "install it with: apt-get install -y openjdk-17-jre-headless"
        )


@pytest.fixture(scope="module")
def spark_url(java: None, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A ``pyspark://`` URL of a folder holding the demo, written there by Spark."""
    folder = tmp_path_factory.mktemp("spark")
    url = f"pyspark://{folder}?{SETTINGS}"
    copy_tables(generate(), url)
    return url


@pytest.fixture(scope="module")
def spark_run(
    spark_url: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("parity") / "spark"
    return run_reports(spark_url, out), out


def test_copy_tables_round_trips_the_demo_through_spark_with_no_contract_problem(
    spark_url: str,
) -> None:
    crm = open_crm(spark_url)
    try:
        assert crm.con.name == "pyspark"
        counts = {name: len(frame) for name, frame in generate().items()}
        assert crm.row_counts() == counts
        assert crm.problems() == []
        assert crm.missing == []
        assert crm.label == spark_url
    finally:
        crm.con.disconnect()


def test_every_report_renders_on_spark_without_spark_log_lines(
    spark_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = spark_run
    assert done.returncode == 0, done.stdout + done.stderr
    for scope in SCOPES:
        for analysis in ANALYSES:
            record = json.loads((out / QUARTER / scope / f"{analysis}.json").read_text())
            assert record["status"] == "ok", (scope, analysis, record)
            page = (out / QUARTER / scope / f"{analysis}.html").read_text()
            assert len(page) > 10_000
            assert not SPARK_CHATTER.search(page), (scope, analysis)


@pytest.mark.usefixtures("java")  # before the DuckDB run, which is for nothing without Java
def test_every_headline_number_on_spark_equals_duckdb(
    spark_run: tuple[subprocess.CompletedProcess[str], Path],
    duckdb_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    (duck, duck_out), (spark, spark_out) = duckdb_run, spark_run
    assert duck.returncode == 0 and spark.returncode == 0, duck.stderr + spark.stderr
    found = []
    for name in headline_files():
        left = json.loads((duck_out / name).read_text())
        right = json.loads((spark_out / name).read_text())
        found += differences(left, right, str(name))
    assert found == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pyspark://data/crm", "absolute folder with three slashes"),
        ("pyspark:///{tmp}/absent", "is not a folder"),
        ("pyspark:///{tmp}/twice", "two copies of reps"),
    ],
)
def test_a_pyspark_url_that_names_no_usable_folder_fails_before_spark_starts(
    tmp_path: Path, name: str, message: str
) -> None:
    (tmp_path / "twice" / "reps").mkdir(parents=True)
    (tmp_path / "twice" / "reps.parquet").write_bytes(b"")
    with pytest.raises(SourceError, match=message):
        open_crm(name.format(tmp=str(tmp_path).lstrip("/")))
