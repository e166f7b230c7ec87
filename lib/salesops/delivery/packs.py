"""A quarter's packs in the reports folder: ``<out>/<quarter>/<team-folder>/pack.pdf``.

The folder of a team name is the one ``<out>/teams.json`` records (``all`` for the roll-up). A
quarter is given as ``2026Q3`` or ``latest``, the newest quarter the reports folder holds.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from salesops.errors import ParamsError
from salesops.periods import Quarter
from salesops.report.run.grid import contained_path
from salesops.vocabulary import PACK_NAME

_QUARTER_FOLDER = re.compile(r"\d{4}Q[1-4]")


class PackProblem(Exception):
    """A team's pack cannot be sent (missing, unreadable, too large to attach with no link to
    give instead); the text says why."""


@dataclass(frozen=True)
class Pack:
    """One team's pack for a quarter, as found on disk: where, how big, its SHA-256."""

    quarter: str
    team: str
    folder: str
    path: Path
    size: int
    sha256: str

    @property
    def attachment_name(self) -> str:
        """The file name the recipient sees: ``salesops-2026Q3-smb.pdf``."""
        return f"salesops-{self.quarter}-{self.folder}.pdf"


def quarters_in(out_dir: Path) -> list[str]:
    """The quarters the reports folder holds, oldest first."""
    if not out_dir.is_dir():
        return []
    names = (p.name for p in out_dir.iterdir() if p.is_dir())
    return sorted(name for name in names if _QUARTER_FOLDER.fullmatch(name))


def resolve_quarter(out_dir: Path, requested: str) -> str:
    """The label of ``requested`` (``2026Q3``, ``latest``) among the quarters of ``out_dir``."""
    held = quarters_in(out_dir)
    if requested.strip().lower() == "latest":
        if not held:
            raise ParamsError(f"{out_dir} holds no quarter's reports: run salesops run --pdf first")
        return held[-1]
    label = Quarter.parse(requested).label
    if label not in held:
        there = ", ".join(held) or "none"
        raise ParamsError(f"{out_dir} holds no reports for {label} (quarters there: {there})")
    return label


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def find_pack(out_dir: Path, quarter: str, team: str, folders: dict[str, str]) -> Pack:
    """``team``'s pack for ``quarter``; PackProblem when the team or its pack is not there."""
    folder = folders.get(team)
    if folder is None:
        raise PackProblem(
            f"no team named {team!r} in {out_dir / 'teams.json'} (names are compared exactly "
            "as the data spells them)"
        )
    path = contained_path(out_dir, quarter, folder, PACK_NAME)
    try:
        size, sha256 = path.stat().st_size, _sha256(path)
    except FileNotFoundError:
        making = f"salesops run --quarter {quarter} --pdf makes it"
        raise PackProblem(f"no pack: {path} does not exist ({making})") from None
    except OSError as exc:
        raise PackProblem(f"cannot read {path}: {exc.strerror or exc}") from None
    return Pack(quarter, team, folder, path, size, sha256)
