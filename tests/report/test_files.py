"""Atomic writes: the old file stays until a complete new one replaces it."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesops.errors import ParamsError
from salesops.report.run.files import atomic_write_bytes, atomic_write_text, require_writable_folder


def test_a_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    page = tmp_path / "2026Q3" / "smb" / "funnel.html"
    atomic_write_text(page, "old")
    atomic_write_text(page, "new ✓")
    assert page.read_text(encoding="utf-8") == "new ✓"
    assert [p.name for p in page.parent.iterdir()] == ["funnel.html"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    page = tmp_path / "funnel.html"
    atomic_write_text(page, "old")
    with pytest.raises(TypeError):
        atomic_write_bytes(page, "text, not bytes")  # type: ignore[arg-type]  # fails mid-write
    assert page.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["funnel.html"]


def test_a_folder_that_cannot_be_written_is_a_params_error(tmp_path: Path) -> None:
    require_writable_folder(tmp_path / "reports")
    assert (tmp_path / "reports").is_dir()
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(ParamsError, match=r"output folder .*taken/reports is not writable"):
        require_writable_folder(tmp_path / "taken" / "reports")
