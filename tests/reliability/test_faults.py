"""Faults during a run and between runs, through the real ``salesops`` command where a signal, a
second run or the output folder shared by runs is involved.

- A full disk and an output folder that turns read-only while the kernels run: each fails the
  run (exit 1) with the reason, and every earlier file stays whole. Both need a real filesystem
  that can fill up or turn read-only: a small tmpfs, which only root may mount; elsewhere they
  skip.
- Ctrl-C or SIGTERM while reports still wait for a free slot: the run ends within seconds (130)
  and its manifest tells the finished, the interrupted and the never started reports apart.
- Teams whose names make the same slug, run one after the other into one output folder: each
  keeps a folder of its own.
- Two runs into one output folder at once: the second waits for the first, and both teams end up
  in the manifest and the index.
- The data changed while the reports ran, then put back: the run warns, and the next run renders
  those reports again instead of reusing them.
- A broken draft notebook beside the analyses: a run of every analysis leaves it out and says
  so; only a run that names it is refused.
- A re-run's closing table says which reports it reused, not how long they once took.

The other run faults (a cell raising, a cell timing out, the kernel killed, ``sys.exit(0)``, a
read-only team folder) are in tests/report/test_run.py.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from fixture_data import QUARTER, snapshot

from salesops.report.run.grid import short_hash
from salesops.report.run.plan import RunRequest
from salesops.report.run.runner import run_reports

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


def _notebooks(project: Path, **copies: str) -> None:
    """The project's own notebooks folder: each name a copy of the named fixture notebook."""
    folder = project / "notebooks"
    folder.unlink()
    folder.mkdir()
    for name, fixture in copies.items():
        shutil.copy(FIXTURE_NOTEBOOKS / f"{fixture}.ipynb", folder / f"{name}.ipynb")


class _Run:
    """``salesops ARGS`` started in the background in ``project``; its stderr gathered as it
    comes, so that a test can wait for a progress line."""

    def __init__(self, project: Path, *args: str) -> None:
        self.child = subprocess.Popen(
            [sys.executable, "-m", "salesops", *args],
            cwd=project,
            env={**os.environ, "SALESOPS_ROOT": str(project)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        assert self.child.stderr is not None
        stream = self.child.stderr
        self.reader = threading.Thread(target=lambda: self.lines.extend(stream), daemon=True)
        self.reader.start()

    def wait_for(self, condition: Callable[[str], bool], seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.child.poll() is None:
            if condition("".join(self.lines)):
                return True
            time.sleep(0.1)
        return condition("".join(self.lines))

    def end(self, seconds: float) -> tuple[int | None, str]:
        """The exit code within ``seconds`` (None: still running, then killed) and stderr."""
        try:
            code: int | None = self.child.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            code = None
            self.child.kill()
            self.child.wait()
        self.reader.join(5)
        return code, "".join(self.lines)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_with_queued_reports_ends_and_says_what_ran(
    signum: signal.Signals, csv_crm: Path, tmp_path: Path, project: Path
) -> None:
    # 3 teams x (quick, slow) on 2 slots: both quick reports of the first two teams finish,
    # their slow ones hang, and Mid-Market's two reports wait in the queue
    _notebooks(project, quick="timeout", slow="timeout")
    params = tmp_path / "quarterly.yaml"
    params.write_text("parameters: {quick: {seconds: 0.1}, slow: {seconds: 120}}\n")
    out = tmp_path / "out"
    run = _Run(
        project,
        *("run", "--source", str(csv_crm), "--out", str(out), "--params", str(params)),
        *("--team", "SMB", "--team", "Mid-Market", "--jobs", "2"),
    )
    try:
        both_slow = run.wait_for(lambda text: text.count("] started  ") == 4, 120)
        assert both_slow, "".join(run.lines)
        time.sleep(1.0)
        run.child.send_signal(signum)
        code, stderr = run.end(30)
    finally:
        if run.child.poll() is None:
            run.child.kill()
    assert code == 130, stderr
    assert "interrupted" in stderr
    manifest = json.loads((out / QUARTER / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["status"], manifest["exit_code"]) == ("interrupted", 130)
    statuses = {(r["team"], r["analysis"]): r["status"] for r in manifest["runs"]}
    assert statuses == {
        ("all", "quick"): "ok",
        ("all", "slow"): "interrupted",
        ("SMB", "quick"): "ok",
        ("SMB", "slow"): "interrupted",
        ("Mid-Market", "quick"): "not_started",
        ("Mid-Market", "slow"): "not_started",
    }
    for slug in ("all", "smb"):
        assert (out / QUARTER / slug / "quick.html").is_file()
        assert not (out / QUARTER / slug / "slow.html").exists()
    index = (out / QUARTER / "index.html").read_text(encoding="utf-8")
    assert 'href="all/quick.html"' in index and 'href="smb/quick.html"' in index
    assert "slow.html" not in index


def _manifest(out: Path) -> dict:
    return json.loads((out / QUARTER / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_teams_whose_names_slug_alike_keep_folders_of_their_own(
    csv_crm: Path,
    tmp_path: Path,
    project: Path,
    salesops: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    src = shutil.copytree(csv_crm, tmp_path / "crm")
    reps = pd.read_csv(src / "reps.csv", dtype=str, keep_default_na=False)
    reps["team"] = reps["team"].replace({"SMB": "Team A", "Mid-Market": "team-a"})
    reps.to_csv(src / "reps.csv", index=False)
    _notebooks(project, ok="ok")
    out = tmp_path / "out"
    for team in ("Team A", "team-a"):  # one after the other, each alone in its run
        done = salesops("run", "--source", str(src), "--out", str(out), "--team", team)
        assert done.returncode == 0, done.stderr

    folders = {r["team"]: r["team_slug"] for r in _manifest(out)["runs"]}
    # the data's teams take folders in code point order: "Team A" < "team-a"
    assert folders == {"all": "all", "Team A": "team-a", "team-a": f"team-a-{short_hash('team-a')}"}
    index = (out / QUARTER / "index.html").read_text(encoding="utf-8")
    for team, folder in folders.items():
        assert json.loads((out / QUARTER / folder / "ok.json").read_text())["team"] == team
        assert f'href="{folder}/ok.html"' in index


@pytest.mark.slow
@pytest.mark.parametrize("first", ["SMB", "Mid-Market"])
def test_two_runs_into_one_folder_at_once_both_land_in_manifest_and_index(
    first: str, csv_crm: Path, tmp_path: Path, project: Path
) -> None:
    second = "Mid-Market" if first == "SMB" else "SMB"
    _notebooks(project, nap="timeout")
    out = tmp_path / "out"
    base = ("run", "--source", str(csv_crm), "--out", str(out), "--no-rollup", "--params")
    long_nap, short_nap = tmp_path / "long.yaml", tmp_path / "short.yaml"
    long_nap.write_text("parameters: {nap: {seconds: 10}}\n")  # outlasts the second's start
    short_nap.write_text("parameters: {nap: {seconds: 0.1}}\n")
    one = _Run(project, *base, str(long_nap), "--team", first)
    try:
        assert one.wait_for(lambda text: "] started  " in text, 60), "".join(one.lines)
        two = _Run(project, *base, str(short_nap), "--team", second)
        try:
            first_code, _ = one.end(60)
            second_code, stderr = two.end(60)
        finally:
            if two.child.poll() is None:
                two.child.kill()
    finally:
        if one.child.poll() is None:
            one.child.kill()
    assert (first_code, second_code) == (0, 0), stderr
    manifest = _manifest(out)
    assert sorted(r["team"] for r in manifest["runs"]) == ["Mid-Market", "SMB"]
    assert all(r["status"] == "ok" for r in manifest["runs"])
    lock = out.resolve() / "salesops.lock"
    waited = (
        f"salesops run: waiting for the run with pid {one.child.pid} to finish (it holds {lock})"
    )
    assert stderr.splitlines()[0] == waited
    index = (out / QUARTER / "index.html").read_text(encoding="utf-8")
    assert 'href="smb/nap.html"' in index and 'href="mid-market/nap.html"' in index


@pytest.mark.slow
def test_reports_of_data_that_changed_during_the_run_are_not_reused(
    csv_crm: Path,
    tmp_path: Path,
    project: Path,
    salesops: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    src = shutil.copytree(csv_crm, tmp_path / "crm")
    _notebooks(project, nap="timeout")
    params = tmp_path / "quarterly.yaml"
    params.write_text("parameters: {nap: {seconds: 4}}\n")
    out = tmp_path / "out"
    args = ("run", "--source", str(src), "--out", str(out), "--params", str(params))
    args += ("--team", "SMB", "--no-rollup")
    deals = src / "opportunities.csv"
    original = deals.read_bytes()
    run = _Run(project, *args)
    try:
        assert run.wait_for(lambda text: "] started  " in text, 60), "".join(run.lines)
        deals.write_bytes(original.replace(b",61800.0,", b",61900.0,", 1))  # the first deal's
        code, stderr = run.end(60)
    finally:
        if run.child.poll() is None:
            run.child.kill()
    deals.write_bytes(original)  # the data as it was when the run started
    assert code == 0, stderr
    assert "warning: the data changed while the reports ran" in stderr
    manifest = _manifest(out)
    assert manifest["data"]["fingerprint_after"] != manifest["data"]["fingerprint"]
    assert [r["cache_key"] for r in manifest["runs"]] == [""]

    again = salesops(*args)
    assert again.returncode == 0, again.stderr
    assert "exit code 0: all 1 reports ok (0 reused)" in again.stderr
    assert "warning" not in again.stderr
    assert _manifest(out)["runs"][0]["cache_key"] != ""


@pytest.mark.slow
def test_a_broken_draft_notebook_stops_only_the_runs_that_name_it(
    csv_crm: Path,
    tmp_path: Path,
    project: Path,
    salesops: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    _notebooks(project, ok="ok")
    (project / "notebooks" / "draft.ipynb").write_text('{"cells": [', encoding="utf-8")
    out = tmp_path / "out"
    args = ("run", "--source", str(csv_crm), "--out", str(out), "--team", "SMB", "--no-rollup")

    done = salesops(*args)

    assert done.returncode == 0, done.stderr
    draft = project / "notebooks" / "draft.ipynb"
    reason = f"notebook {draft} cannot be read: Expecting value: line 1 column 12 (char 11)"
    assert f"warning: skipped the notebook draft: {reason}\n" in done.stderr
    manifest = _manifest(out)
    assert manifest["skipped_notebooks"] == {"draft": reason}
    assert [(r["analysis"], r["status"]) for r in manifest["runs"]] == [("ok", "ok")]

    named = salesops(*args, "--analysis", "draft")
    assert named.returncode == 2
    assert named.stderr.startswith(f"salesops run: analysis 'draft' ({reason})\n")


@pytest.mark.slow
def test_the_closing_table_of_a_re_run_says_reused_instead_of_seconds(
    csv_crm: Path,
    tmp_path: Path,
    project: Path,
    salesops: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    _notebooks(project, ok="ok")
    out = tmp_path / "out"
    args = ("run", "--source", str(csv_crm), "--out", str(out), "--team", "SMB", "--no-rollup")
    assert salesops(*args).returncode == 0
    again = salesops(*args)
    table = again.stderr.split("\n\n", 1)[1].splitlines()
    assert table[:2] == [
        "quarter  team  analysis  status  seconds",
        "2026Q3   SMB   ok        ok       reused",
    ]
