"""The quarter's ``manifest.json``: what ran, how it ended, with which code and data; cache keys.

A run is reused when its cache key (notebook bytes, salesops version and source files,
parameters, data fingerprint) matches the last successful run recorded for it and its files
are still there.
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
from salesops.report.files import atomic_write_text

ReportKey = tuple[str, str, str]  # quarter, team, analysis
MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = 1
STOPPED = ("interrupted", "not_started")  # statuses of reports an interruption kept from ending
_PACKAGE_DIR = Path(salesops.__file__).resolve().parent
_CODE_PATTERNS = ("**/*.py", "report/templates/**/*")


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


def code_fingerprint() -> str:
    """Hash of the salesops version, its Python source and its report templates, and of the
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


def previous_runs(path: Path) -> list[dict[str, Any]]:
    """The run entries of the manifest at ``path``; none when it is missing or unreadable."""
    try:
        runs = json.loads(path.read_text(encoding="utf-8"))["runs"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [run for run in runs if isinstance(run, dict)] if isinstance(runs, list) else []


def reusable_records(path: Path) -> dict[ReportKey, dict[str, Any]]:
    """Successful entries of the previous manifest at ``path``, by (quarter, team, analysis).

    An interrupted or never started entry contributes the successful entry it kept.
    """
    found: dict[ReportKey, dict[str, Any]] = {}
    for run in previous_runs(path):
        entry = run.get("kept") if run.get("status") in STOPPED else run
        if isinstance(entry, dict) and entry.get("status") == "ok" and entry.get("cache_key"):
            found[(entry["quarter"], entry["team"], entry["analysis"])] = entry
    return found


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
) -> None:
    """Write the quarter's manifest atomically; ``status`` is ``complete`` or ``interrupted``;
    ``skipped`` names the broken notebooks the run left out, with the reason."""
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
    }
    atomic_write_text(path, json.dumps(document, indent=2, default=str) + "\n")
