"""The output folder that runs share: a lock, so that one run at a time writes it, and the record
of which folder holds which team.

A team's folder is ``slugify(name)`` the first time the name reaches this output folder, unless
another name already has that folder or it is ``all`` (the roll-up's, ``ALL_TEAMS``); then it is
the slug followed by a short hash of the exact name (``team-a-1a2b3c4d``). ``<out>/teams.json``
keeps every name's folder and never changes a recorded one, so a team keeps its folder whichever
teams a run renders, and two names never share a folder. Names are compared exactly as the data
holds them: ``SMB``, ``smb``, ``SMB `` and the NFC and NFD spellings of ``Zürich`` are different
teams.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from salesops.errors import ParamsError
from salesops.report.run.files import atomic_write_text
from salesops.report.run.grid import short_hash, slugify
from salesops.report.run.manifest import MANIFEST_NAME, PreviousManifest
from salesops.vocabulary import ALL_TEAMS

LOCK_NAME = "salesops.lock"
RECORD_NAME = "teams.json"


@contextlib.contextmanager
def output_lock(out_dir: Path, progress: TextIO, command: str = "run") -> Iterator[None]:
    """Hold ``<out>/salesops.lock`` (an exclusive ``flock``) for the block; while another run
    holds it, say so on ``progress`` as ``salesops <command>`` and wait. The lock file holds the
    pid of its holder.

    The lock is held through a read-only descriptor: a file open for writing would keep the
    output folder's filesystem from being remounted read-only while the run goes on."""
    path = out_dir / LOCK_NAME
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            who = f"the run with pid {holder}" if holder.isdigit() else "another run"
            progress.write(f"salesops {command}: waiting for {who} to finish (it holds {path})\n")
            progress.flush()
            fcntl.flock(fd, fcntl.LOCK_EX)
        with contextlib.suppress(OSError):  # the pid only names the holder: a full disk is fine
            path.write_text(f"{os.getpid()}\n", encoding="ascii")
        yield
    finally:
        os.close(fd)  # releases the lock


def _recorded(out_dir: Path) -> dict[str, str]:
    """Name -> folder from ``teams.json``; ParamsError when it is there but unreadable."""
    path = out_dir / RECORD_NAME
    if not path.exists():
        return {}
    try:
        folders = json.loads(path.read_text(encoding="utf-8"))["folders"]
        if not all(isinstance(v, str) and slugify(v) == v for v in folders.values()):
            raise TypeError("a folder is not a slug")
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ParamsError(
            f"{path} cannot be read ({exc}): it records which folder holds which team; "
            "restore it, or delete it to rebuild it from the manifests"
        ) from None
    return dict(folders)


def _from_manifests(out_dir: Path) -> dict[str, str]:
    """Name -> folder as the quarters' manifests recorded them (an output folder without
    ``teams.json`` yet)."""
    found: dict[str, str] = {}
    for path in sorted(out_dir.glob(f"*/{MANIFEST_NAME}")):
        for run in PreviousManifest(path).runs:
            team, folder = run.get("team"), run.get("team_slug")
            if isinstance(team, str) and isinstance(folder, str) and slugify(folder) == folder:
                found.setdefault(team, folder)
    return found


def known_folders(out_dir: Path) -> dict[str, str]:
    """Every team's folder as ``teams.json`` (else the quarters' manifests) records it, and the
    roll-up's; unlike ``team_folders`` it records nothing (for readers of finished reports)."""
    return {**(_recorded(out_dir) or _from_manifests(out_dir)), ALL_TEAMS: ALL_TEAMS}


def _free_folder(name: str, taken: set[str]) -> str:
    """The slug of ``name``, or slug plus a hash of the name when the slug is taken."""
    slug = slugify(name)
    if slug not in taken:
        return slug
    length = 8
    while f"{slug}-{short_hash(name, length)}" in taken:  # a clash of 8 hex digits: take more
        length += 8
    return f"{slug}-{short_hash(name, length)}"


def team_folders(out_dir: Path, teams: Iterable[str]) -> dict[str, str]:
    """The folder of each team (and of the roll-up, ``all``), recording new names in
    ``<out>/teams.json``; call it with the output folder's lock held.

    New names are taken in code point order, so a fresh output folder gives the same folders
    to the same names whatever the run renders, given all the data's teams.
    """
    recorded = _recorded(out_dir)
    folders = {ALL_TEAMS: ALL_TEAMS}
    taken = {ALL_TEAMS}
    seeds = _from_manifests(out_dir) if not recorded else {}
    for name, folder in [*recorded.items(), *seeds.items()]:
        if name != ALL_TEAMS and name not in folders and folder not in taken:
            folders[name] = folder
            taken.add(folder)
    for name in sorted(set(teams) - folders.keys()):
        folders[name] = _free_folder(name, taken)
        taken.add(folders[name])
    kept = {name: folder for name, folder in folders.items() if name != ALL_TEAMS}
    if kept != recorded:
        document = {"folders": dict(sorted(kept.items()))}
        atomic_write_text(
            out_dir / RECORD_NAME, json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        )
    return folders
