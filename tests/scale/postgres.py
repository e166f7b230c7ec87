"""A throw-away PostgreSQL cluster for tests: initdb in a temporary folder, a free port on
127.0.0.1, a password-protected role, stopped and removed at the end.

PostgreSQL refuses to run as root, so as root the server binaries run as the ``postgres`` user
(``runuser``); as anyone else they run as that user. The binaries are Debian's
(``/usr/lib/postgresql/<version>/bin``), the newest version found.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

ROLE = "salesops"
DATABASE = "salesops"
BIN_GLOB = "/usr/lib/postgresql/*/bin"
# durability is pointless for a cluster that lives for one test session
FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def server_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb, or None when not installed."""
    found = [Path(p) for p in glob.glob(BIN_GLOB) if (Path(p) / "initdb").exists()]
    return max(found, key=lambda p: int(p.parent.name), default=None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip() or done.stdout}")


@contextlib.contextmanager
def cluster(bin_dir: Path) -> Iterator[str]:
    """Run a new cluster and yield ``postgresql://salesops:<password>@127.0.0.1:<port>/salesops``.

    Passwords are checked (scram-sha-256) on TCP and on the socket. The folder and every server
    process are gone when the block exits, also after an error.
    """
    folder = Path(tempfile.mkdtemp(prefix="salesops-pg-"))
    data, log = folder / "data", folder / "server.log"
    password = secrets.token_urlsafe(18)
    port = _free_port()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    password_file = folder / "password"
    password_file.write_text(password + "\n")
    if os.geteuid() == 0:
        os.chown(password_file, owner.pw_uid, owner.pw_gid)
    pg_ctl = str(bin_dir / "pg_ctl")
    started = False
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                ROLE,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--no-sync",
            ]
        )
        password_file.unlink()
        options = f"-p {port} -h 127.0.0.1 -k {folder} {FAST}"
        _run([pg_ctl, "start", "-w", "-t", "60", "-D", str(data), "-l", str(log), "-o", options])
        started = True
        url = f"postgresql://{ROLE}:{password}@127.0.0.1:{port}/{DATABASE}"
        admin = f"host=127.0.0.1 port={port} user={ROLE} password={password} dbname=postgres"
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f"CREATE DATABASE {DATABASE}")
        yield url
    finally:
        if started:
            _run([pg_ctl, "stop", "-w", "-m", "fast", "-D", str(data)])
        shutil.rmtree(folder, ignore_errors=True)
