"""Where a report's files go, and atomic writes: a report is replaced only by a complete new one."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from salesops.errors import ParamsError
from salesops.report.grid import Job, contained_path


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
