"""Faults of the disk during a run: a full disk and an output folder that turns read-only while
the kernels run. Each fails the run (exit 1) with the reason, and every earlier file stays whole.

Both need a real filesystem that can fill up or turn read-only: a small tmpfs, which only root
may mount; elsewhere they skip. The other run faults (a cell raising, a cell timing out, the
kernel killed, ``sys.exit(0)``, a read-only team folder, Ctrl-C) are in tests/report/test_run.py.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fixture_data import QUARTER, snapshot

from salesops.report.run import RunRequest, run_reports

FIXTURE_NOTEBOOKS = Path(__file__).parents[1] / "fixtures" / "notebooks"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs, unmounted afterwards."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or 'not root'}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> None:
    with (disk / "filler").open("wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


class _RemountWhenStarted(io.StringIO):
    """A progress stream that turns ``disk`` read-only once the first report has started."""

    def __init__(self, disk: Path) -> None:
        super().__init__()
        self.disk = disk

    def write(self, text: str) -> int:
        if "started" in text and "started" not in self.getvalue():
            subprocess.run(["mount", "-o", "remount,ro", str(self.disk)], check=True)
        return super().write(text)


def _full(disk: Path) -> io.StringIO:
    _fill(disk)
    return io.StringIO()


FAULTS: dict[str, tuple[Callable[[Path], io.StringIO], str]] = {
    "disk full": (_full, "No space left on device"),
    "output folder read-only mid-run": (_RemountWhenStarted, "Read-only file system"),
}


@pytest.mark.slow
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_disk_fault_fails_the_run_and_keeps_every_earlier_file(
    fault: str, small_disk: Path, csv_crm: Path, tmp_path: Path
) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(FIXTURE_NOTEBOOKS / "ok.ipynb", notebooks / "ok.ipynb")
    out = small_disk / "reports"

    def request(progress: io.StringIO, force: bool) -> RunRequest:
        return RunRequest(
            source=str(csv_crm),
            teams=["SMB"],
            rollup=False,
            out_dir=out,
            notebooks_dir=notebooks,
            jobs=1,
            force=force,
            progress=progress,
        )

    assert run_reports(request(io.StringIO(), force=False)).exit_code == 0
    before = snapshot(out)
    make_fault, reason = FAULTS[fault]

    summary = run_reports(request(make_fault(small_disk), force=True))

    (record,) = summary.records
    assert (summary.exit_code, record.status, record.error["kind"]) == (1, "failed", "write_failed")
    folder = out / QUARTER / "smb"
    assert record.error["evalue"] == f"could not write {folder}: {reason}"
    assert summary.reason == (
        f"1 of 1 reports failed; the index or manifest could not be written: {reason}"
    )
    assert snapshot(out) == before
