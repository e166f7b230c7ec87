"""Where a report's files go, atomic writes (a file is replaced only by a complete new one), and
reading a JSON file the run wrote back."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from salesops.errors import ParamsError
from salesops.report.run.grid import Job, contained_path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` atomically (see ``atomic_write_bytes``)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in the file at ``path``; empty when the file is missing, unreadable, or
    holds anything but an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def require_writable_folder(folder: Path) -> None:
    """Create ``folder`` if needed and prove a file can be written there; ParamsError if not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".write-check."):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ParamsError(f"output folder {folder} is not writable: {reason}") from None


@dataclass(frozen=True)
class ReportFiles:
    """Where one report's files go: ``<out>/<quarter>/<team-slug>/<analysis>.{ipynb,html,json}``."""

    folder: Path
    notebook: Path
    page: Path
    headline: Path

    @classmethod
    def of(cls, out_dir: Path, job: Job) -> ReportFiles:
        folder = contained_path(out_dir, job.quarter, job.team_slug)
        return cls(
            folder=folder,
            notebook=contained_path(folder, f"{job.analysis}.ipynb"),
            page=contained_path(folder, f"{job.analysis}.html"),
            headline=contained_path(folder, f"{job.analysis}.json"),
        )

    def all_exist(self) -> bool:
        return self.notebook.is_file() and self.page.is_file() and self.headline.is_file()

    def relative_to(self, base: Path) -> dict[str, str]:
        return {
            kind: path.relative_to(base).as_posix()
            for kind, path in (
                ("notebook", self.notebook),
                ("page", self.page),
                ("headline", self.headline),
            )
        }
