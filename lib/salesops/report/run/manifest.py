"""The quarter's ``manifest.json``: what ran, how it ended, with which code and data; cache keys;
each team's PDF pack.

This module alone reads and writes manifests. A report is reused when its cache key (notebook
bytes, salesops version and source files, parameters, data fingerprint, org settings) matches
the last successful run recorded for it and its files are still there
(``PreviousManifest.reusable``).
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import salesops
import salesops.analyses
from salesops.errors import SalesopsError
from salesops.report.run.files import ReportFiles, atomic_write_text, read_json_object
from salesops.report.run.grid import ReportKey, contained_path

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
STOPPED = ("interrupted", "not_started")  # statuses of reports an interruption kept from ending
_PACKAGE_DIR = Path(salesops.__file__).resolve().parent
_CODE_PATTERNS = ("**/*.py", "report/pages/templates/**/*", "locales/**/*.po")  # words too


@dataclass
class RunRecord:
    """One report's entry in the manifest.

    ``status`` is ``ok``, ``failed``, ``interrupted`` (stopped while it ran) or ``not_started``
    (still queued when the run was stopped); ``kept`` holds the previous successful entry of such
    a report, whose files are still in place.
    """

    quarter: str
    team: str
    team_slug: str
    analysis: str
    parameters: dict[str, Any]
    status: str
    title: str = ""
    duration_s: float = 0.0
    started: str | None = None
    finished: str | None = None
    cache_key: str = ""
    reused: bool = False
    error: dict[str, Any] | None = None
    files: dict[str, str] = field(default_factory=dict)
    kept: dict[str, Any] | None = None

    @property
    def key(self) -> ReportKey:
        return (self.quarter, self.team, self.analysis)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> RunRecord:
        """A record read back from a manifest (keys this version does not know are ignored)."""
        return cls(**{f.name: entry[f.name] for f in fields(cls) if f.name in entry})


@dataclass
class PackRecord:
    """A team's PDF pack in the manifest; ``path`` and ``parts`` (its pages, in order) are
    relative to the quarter's folder.

    ``status`` is ``ok``, or ``failed`` when it could not be printed: ``error`` says why and
    ``kept`` holds the entry of the previous pack, whose file is still in place. ``parts_key`` is
    the hash of what the pack shows: an unchanged one is not printed again.
    """

    quarter: str
    team: str
    team_slug: str
    path: str
    status: str
    pages: int = 0
    bytes: int = 0
    parts: list[str] = field(default_factory=list)
    parts_key: str = ""
    duration_s: float = 0.0
    printed: str | None = None
    reused: bool = False
    error: str | None = None
    kept: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> PackRecord:
        """A record read back from a manifest (keys this version does not know are ignored)."""
        return cls(**{f.name: entry[f.name] for f in fields(cls) if f.name in entry})

    def shown(self) -> PackRecord | None:
        """The pack a reader gets: this one when it printed, else the previous one it kept."""
        if self.status == "ok":
            return self
        return PackRecord.from_dict(self.kept) if self.kept else None


def code_fingerprint() -> str:
    """Hash of the salesops version, its Python source, report templates and message catalogues
    (a corrected translation renders the reports again), and of the
    analyses of a project root outside the package (``salesops.analyses``)."""
    digest = hashlib.sha256(salesops.__version__.encode())
    files = {path for pattern in _CODE_PATTERNS for path in _PACKAGE_DIR.glob(pattern)}
    for path in sorted(p for p in files if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(_PACKAGE_DIR).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for folder in salesops.analyses.__path__[1:]:  # a project root's own analyses, if any
        for path in sorted(Path(folder).glob("*.py")):
            digest.update(f"analyses/{path.name}".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def cache_key(
    notebook: Path,
    code: str,
    parameters: Mapping[str, Any],
    data_fingerprint: str,
    *,
    settings: Mapping[str, Any],
) -> str:
    """Hash of everything a report depends on: notebook, code, parameters, data and the org
    settings (currency, fiscal year, small-sample size, ...) its kernel reads."""
    digest = hashlib.sha256(notebook.read_bytes())
    digest.update(code.encode())
    digest.update(json.dumps(dict(parameters), sort_keys=True, default=str).encode())
    digest.update(data_fingerprint.encode())
    digest.update(json.dumps(dict(settings), sort_keys=True, default=str).encode())
    return digest.hexdigest()


def git_revision(root: Path) -> str | None:
    """``git rev-parse --short HEAD`` of the project, or None outside a git checkout."""
    if not (root / ".git").exists():
        return None
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    revision = done.stdout.strip()
    return revision if done.returncode == 0 and revision else None


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def software_versions(root: Path) -> dict[str, str | None]:
    """Versions that explain a report: salesops, its git revision, Python and the notebook stack."""
    return {
        "salesops": salesops.__version__,
        "git_revision": git_revision(root),
        "python": platform.python_version(),
        "papermill": _version("papermill"),
        "nbclient": _version("nbclient"),
        "nbconvert": _version("nbconvert"),
    }


class PreviousManifest:
    """A quarter's manifest as an earlier run left it; empty when there is none or it cannot be
    read: its source facts (``data``), its code fingerprint (``code``), its entries (``runs``)
    and packs (``packs``), as ``write_manifest`` wrote them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        document = read_json_object(path)
        self.data: Any = document.get("data")
        self.code: Any = document.get("code_fingerprint")
        self.runs = _entries(document.get("runs"))
        self.packs = _entries(document.get("packs"))
        self._successful: dict[ReportKey, dict[str, Any]] = {}
        for run in self.runs:  # a stopped report stands for the successful entry it kept
            entry = run.get("kept") if run.get("status") in STOPPED else run
            if isinstance(entry, dict) and entry.get("status") == "ok" and entry.get("cache_key"):
                self._successful[(entry["quarter"], entry["team"], entry["analysis"])] = entry

    def last_success(self, key: ReportKey) -> dict[str, Any] | None:
        """The last successful entry of report ``key``, which a stopped report keeps."""
        return self._successful.get(key)

    def reusable(
        self, key: ReportKey, current_key: str, files: ReportFiles
    ) -> dict[str, Any] | None:
        """The entry to reuse for report ``key``: its last successful one, when its cache key is
        ``current_key`` (nothing the report depends on changed) and its files are all there."""
        entry = self.last_success(key)
        if entry is None or entry.get("cache_key") != current_key or not files.all_exist():
            return None
        return entry

    def last_pack(self, team: str) -> PackRecord | None:
        """The last pack printed for ``team`` whose file is still as it was written."""
        for entry in self.packs:
            try:
                pack = PackRecord.from_dict(entry).shown()
                path = contained_path(self.path.parent, pack.path) if pack else None
            except (TypeError, AttributeError, SalesopsError):
                continue
            if pack and pack.team == team and path and _size(path) == pack.bytes:
                return pack
        return None

    def intact_records(self) -> list[RunRecord]:
        """The entries whose page and headline are linked and whose files are all still there."""
        intact = []
        for entry in self.runs:
            try:
                record = RunRecord.from_dict(entry)
                files = [contained_path(self.path.parent, f) for f in record.files.values()]
            except (TypeError, AttributeError, SalesopsError):
                continue
            linked = {"page", "headline"} <= record.files.keys()
            if linked and all(f.is_file() for f in files):
                intact.append(record)
        return intact


def _entries(listed: Any) -> list[dict[str, Any]]:
    """The objects of a manifest's list; none when it is not a list."""
    if not isinstance(listed, list):
        return []
    return [entry for entry in listed if isinstance(entry, dict)]


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def write_manifest(
    path: Path,
    *,
    quarter: str,
    status: str,
    exit_code: int | None,
    generated_at: str,
    versions: Mapping[str, str | None],
    data: Mapping[str, Any],
    code: str,
    records: Iterable[RunRecord],
    skipped: Mapping[str, str],
    packs: Iterable[PackRecord] = (),
) -> None:
    """Write the quarter's manifest atomically; ``status`` is ``complete`` or ``interrupted``;
    ``skipped`` names the broken notebooks the run left out, with the reason; ``packs`` are the
    teams' PDF packs."""
    document = {
        "format": MANIFEST_FORMAT,
        "quarter": quarter,
        "status": status,
        "exit_code": exit_code,
        "generated_at": generated_at,
        "versions": dict(versions),
        "data": dict(data),
        "code_fingerprint": code,
        "runs": [record.to_dict() for record in records],
        "skipped_notebooks": dict(skipped),
        "packs": [pack.to_dict() for pack in packs],
    }
    atomic_write_text(path, json.dumps(document, indent=2, default=str) + "\n")
