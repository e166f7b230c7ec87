"""``copy_tables`` writes contract tables into a database with contract types, replacing old ones;
the test cluster goes away completely when it stops."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from postgres import cluster, server_bin

from salesops.data.demo import generate, write_tables
from salesops.data.load import copy_tables
from salesops.data.sources import open_crm
from salesops.errors import SourceError

pytestmark = pytest.mark.slow

# Ibis writes strings as unbounded VARCHAR, which PostgreSQL treats exactly as TEXT
OPPORTUNITY_TYPES = {
    "opportunity_id": "character varying",
    "created_at": "timestamp without time zone",
    "close_date": "date",
    "is_won": "boolean",
    "amount": "double precision",
}


def _conninfo(url: str) -> str:
    parts = urlsplit(url)
    return (
        f"host={parts.hostname} port={parts.port} user={parts.username} "
        f"password={parts.password} dbname={parts.path.lstrip('/')}"
    )


@pytest.fixture(scope="module")
def load_url(postgres_url: str) -> Iterator[str]:
    """A database of its own in the session's cluster, so the parity data stays untouched."""
    with psycopg.connect(_conninfo(postgres_url), autocommit=True) as con:
        con.execute("CREATE DATABASE load_check")
    yield postgres_url.rsplit("/", 1)[0] + "/load_check"


def test_copy_tables_gives_postgres_columns_the_contract_types(load_url: str) -> None:
    frames = generate()
    counts = copy_tables({"opportunities": frames["opportunities"]}, load_url)
    assert counts == {"opportunities": len(frames["opportunities"])}
    with psycopg.connect(_conninfo(load_url)) as con:
        rows = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'opportunities' AND character_maximum_length IS NULL"
        ).fetchall()
        sort_order = con.execute(
            "SELECT data_type FROM information_schema.columns WHERE column_name = 'sort_order'"
        ).fetchall()
    types = dict(rows)
    assert {name: types[name] for name in OPPORTUNITY_TYPES} == OPPORTUNITY_TYPES
    assert sort_order == []  # only the tables asked for are written
    copy_tables({"stages": frames["stages"]}, load_url)
    with psycopg.connect(_conninfo(load_url)) as con:
        kind = con.execute(
            "SELECT data_type FROM information_schema.columns WHERE column_name = 'sort_order'"
        ).fetchone()
    assert kind == ("bigint",)


def test_copy_tables_replaces_a_table_that_is_already_there(load_url: str) -> None:
    reps = generate()["reps"]
    copy_tables({"reps": reps}, load_url)
    copy_tables({"reps": reps.head(3)}, load_url)
    assert open_crm(load_url).row_counts()["reps"] == 3


def test_copy_tables_keeps_missing_values_null_not_nan(load_url: str) -> None:
    history = generate()["stage_history"].head(100)
    history = history.assign(amount=history["amount"].where(history.index % 2 == 0))
    copy_tables({"stage_history": history}, load_url)
    with psycopg.connect(_conninfo(load_url)) as con:
        (nulls,) = con.execute("SELECT count(*) FROM stage_history WHERE amount IS NULL").fetchone()
        (nans,) = con.execute("SELECT count(*) FROM stage_history WHERE amount = 'NaN'").fetchone()
    assert nulls == 50
    assert nans == 0


def test_copy_tables_copies_an_opened_crm_into_a_duckdb_url(tmp_path: Path) -> None:
    frames = generate()
    write_tables(tmp_path / "source.duckdb", frames)
    counts = copy_tables(open_crm(tmp_path / "source.duckdb"), f"duckdb:///{tmp_path}/copy.duckdb")
    copied = open_crm(tmp_path / "copy.duckdb")
    assert counts == {name: len(frame) for name, frame in frames.items()}
    assert copied.row_counts() == counts
    assert copied.problems() == []


def test_copy_tables_names_the_contract_column_a_frame_lacks(tmp_path: Path) -> None:
    quotas = generate()["quotas"].drop(columns="quota")
    with pytest.raises(SourceError, match="table quotas has no column quota"):
        copy_tables({"quotas": quotas}, f"duckdb:///{tmp_path}/copy.duckdb")


def test_copy_tables_refuses_a_table_outside_the_contract(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="'deals' is not a contract table"):
        copy_tables({"deals": generate()["opportunities"]}, f"duckdb:///{tmp_path}/x.duckdb")


def test_the_test_cluster_leaves_no_server_and_no_folder_behind() -> None:
    bin_dir = server_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed; install it with: apt-get install -y postgresql")
    before = set(Path("/tmp").glob("salesops-pg-*"))
    with cluster(bin_dir) as url:
        port = urlsplit(url).port
        assert _servers_on(port), "the server did not start"
        assert len(set(Path("/tmp").glob("salesops-pg-*")) - before) == 1
    assert _servers_on(port) == []
    assert set(Path("/tmp").glob("salesops-pg-*")) - before == set()


def _servers_on(port: int | None) -> list[int]:
    """Live (not zombie) processes whose command line serves ``port``."""
    live = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if f"-p {port} " in command and state != "Z":
            live.append(int(proc.name))
    return live
