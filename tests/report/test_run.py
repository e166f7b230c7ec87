"""End-to-end runs with real papermill kernels, nbconvert pages and a DuckDB source.

Kernel tests are few and share work: one grid run checks files, pages, index, manifest, reuse
and force; one run covers every failure fixture; one checks a failed write; one interrupts a
run in a child process.
"""

from __future__ import annotations

import html
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

from salesops import config
from salesops.errors import ParamsError, SalesopsError, SourceError
from salesops.report.run.plan import RunRequest
from salesops.report.run.runner import run_reports

QUARTER = "2026Q3"  # the demo data ends on 2026-09-30: its last complete quarter


def _request(
    tmp_path: Path, source: str, notebooks: Path, params: Path, **fields: object
) -> RunRequest:
    return RunRequest(
        quarters=["latest"],
        source=source,
        params_file=params,
        out_dir=tmp_path / "reports",
        notebooks_dir=notebooks,
        jobs=2,
        progress=io.StringIO(),
        **fields,  # type: ignore[arg-type]
    )


def _manifest(out: Path) -> dict:
    return json.loads((out / QUARTER / "manifest.json").read_text(encoding="utf-8"))


def _page_text(path: Path) -> str:
    return html.unescape(path.read_text(encoding="utf-8"))


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.parent != folder
    }


@pytest.mark.slow
def test_a_grid_of_teams_renders_every_report_then_reuses_them(
    tmp_path: Path,
    crm_source: str,
    notebooks: Callable[..., Path],
    run_file: Callable[[str], Path],
) -> None:
    teams = ["../../etc/passwd", "<script>alert('west')</script>"]
    request = _request(
        tmp_path, crm_source, notebooks("ok"), run_file(f"teams: {json.dumps(teams)}\n")
    )
    out = tmp_path / "reports"
    (out / "2026Q2").mkdir(parents=True)
    (out / "2026Q2" / "index.html").write_text("<p>last quarter</p>")

    summary = run_reports(request)

    assert (summary.exit_code, summary.reason) == (0, "all 3 reports ok (0 reused)")
    slugs = {"all": "all", teams[0]: "etc-passwd", teams[1]: "script-alert-west-script"}
    assert sorted(p.name for p in (out / QUARTER).iterdir()) == sorted(
        [*slugs.values(), "index.html", "manifest.json"]
    )
    assert not (tmp_path / "etc").exists()
    for team, slug in slugs.items():
        folder = out / QUARTER / slug
        assert sorted(p.name for p in folder.iterdir()) == ["ok.html", "ok.ipynb", "ok.json"]
        headline = json.loads((folder / "ok.json").read_text())
        assert headline["team"] == team and headline["quarter"] == QUARTER
        assert headline["status"] == "ok" and headline["team_name_length"] == len(team)
        assert headline["cards"] == [{"label": "Team name length", "value": str(len(team))}]
        assert headline["mplbackend"] == "Agg"
        assert headline["salesops_root"] == str(config.ROOT)
        assert not Path(headline["cwd"]).exists()  # its own working folder, removed afterwards
        executed = nbformat.read(folder / "ok.ipynb", as_version=4)
        code = [c for c in executed.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code)
        assert "injected-parameters" in code[1].metadata.tags
        page = (folder / "ok.html").read_text(encoding="utf-8")
        assert "Fixture report" in page and "display(bundle" not in page
        assert f'quarter = "{QUARTER}"' not in page
        assert "<script>alert" not in page
    assert not list(out.rglob("scratch.txt"))

    index = (out / QUARTER / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{slug}/ok.html"' in index for slug in slugs.values())
    assert 'href="../2026Q2/index.html"' in index
    assert "<script>alert" not in index and "&lt;script&gt;alert" in index

    manifest = _manifest(out)
    assert (manifest["status"], manifest["exit_code"]) == ("complete", 0)
    assert manifest["data"]["source"] == crm_source and len(manifest["data"]["fingerprint"]) > 8
    assert {"salesops", "git_revision", "python", "papermill", "nbconvert"} <= set(
        manifest["versions"]
    )
    runs = manifest["runs"]
    assert [r["team"] for r in runs] == list(slugs)
    assert all(r["status"] == "ok" and not r["reused"] and r["duration_s"] > 0 for r in runs)
    assert runs[1]["parameters"] == {"quarter": QUARTER, "team": teams[0], "source": crm_source}
    progress = request.progress.getvalue()
    assert progress.count("] started  ") == 3 and progress.count("] finished ") == 3
    assert "done 3/3, running 0, failed 0" in progress and "exit code 0" in progress

    before = _snapshot(out / QUARTER)
    request.progress = io.StringIO()
    started = time.monotonic()
    again = run_reports(request)
    code = _manifest(out)["code_fingerprint"]
    assert code == manifest["code_fingerprint"], "lib/salesops changed while the test ran"
    assert time.monotonic() - started < 15
    assert (again.exit_code, again.reason) == (0, "all 3 reports ok (3 reused)")
    assert _snapshot(out / QUARTER) == before
    assert all(r["reused"] for r in _manifest(out)["runs"])
    assert request.progress.getvalue().count("] reused   ") == 3

    request.force, request.teams = True, ["SMB"]
    request.progress = io.StringIO()
    forced = run_reports(request)
    assert [(r.team, r.reused) for r in forced.records] == [("all", False), ("SMB", False)]
    assert [r["team"] for r in _manifest(out)["runs"]] == ["all", "SMB", *teams]  # others kept
    index = (out / QUARTER / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{slug}/ok.html"' in index for slug in [*slugs.values(), "smb"])


EXPECTED = {  # fixture -> kind, section, words the failure page must show
    "ok": (None, "", "Fixture report"),
    "raises": ("error", "Breakdown", "ValueError: no deals in stage 'Negotiation'"),
    "timeout": ("timeout", "Wait", "3-second"),
    "kernel_dies": ("dead_kernel", "Crash", "Crash"),
    "sysexit0": ("stopped_early", "Exit", "1 code cell after it did not run"),
    "bad_parameter": ("bad_parameter", "Parameters", "'quarter' is declared int"),
}


@pytest.mark.slow
def test_each_failure_is_classified_and_the_other_reports_complete(
    tmp_path: Path,
    crm_source: str,
    notebooks: Callable[..., Path],
    run_file: Callable[[str], Path],
) -> None:
    request = _request(
        tmp_path, crm_source, notebooks(*EXPECTED), run_file("teams: [SMB]\n"), cell_timeout=3
    )
    summary = run_reports(request)

    assert (summary.exit_code, summary.reason) == (1, "10 of 12 reports failed")
    out = tmp_path / "reports" / QUARTER
    runs = {(r["team"], r["analysis"]): r for r in _manifest(out.parent)["runs"]}
    for team, slug in (("all", "all"), ("SMB", "smb")):
        for analysis, (kind, section, words) in EXPECTED.items():
            run = runs[(team, analysis)]
            headline = json.loads((out / slug / f"{analysis}.json").read_text())
            assert _page_text(out / slug / f"{analysis}.html").count(words) >= 1, analysis
            assert (out / slug / f"{analysis}.ipynb").is_file()
            if kind is None:
                assert run["status"] == headline["status"] == "ok" and run["error"] is None
                continue
            assert run["status"] == headline["status"] == "failed", analysis
            assert run["error"]["kind"] == headline["error"]["kind"] == kind
            assert run["error"]["section"] == section, analysis
            if kind != "bad_parameter":  # its page names the parameter, not a section
                assert section in _page_text(out / slug / f"{analysis}.html")
    assert "killed by signal SIGKILL" in runs[("SMB", "kernel_dies")]["error"]["evalue"]
    raised = nbformat.read(out / "smb" / "raises.ipynb", as_version=4)
    errors = [o for c in raised.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [e.ename for e in errors] == ["ValueError"]
    stopped = nbformat.read(out / "smb" / "sysexit0.ipynb", as_version=4)
    assert stopped.cells[-1].execution_count is None
    progress = request.progress.getvalue()
    assert "failed (timeout)" in progress and "exit code 1: 10 of 12 reports failed" in progress
    assert "Failed" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_a_report_that_cannot_be_written_fails_alone(
    tmp_path: Path,
    crm_source: str,
    notebooks: Callable[..., Path],
    run_file: Callable[[str], Path],
) -> None:
    request = _request(tmp_path, crm_source, notebooks("ok"), run_file("teams: [SMB]\n"))
    blocked = tmp_path / "reports" / QUARTER / "smb"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("a file where the team's folder should be")

    summary = run_reports(request)

    assert summary.exit_code == 1
    smb = next(r for r in summary.records if r.team == "SMB")
    rollup = next(r for r in summary.records if r.team == "all")
    assert rollup.status == "ok" and (blocked.parent / "all" / "ok.html").is_file()
    assert smb.status == "failed" and smb.error["kind"] == "write_failed"
    assert smb.error["evalue"].startswith(f"could not write {blocked}")
    assert _manifest(tmp_path / "reports")["runs"][1]["error"]["kind"] == "write_failed"


CHILD = """
import json, sys
from pathlib import Path
from salesops.report.run.plan import RunRequest
from salesops.report.run.runner import run_reports

args = json.loads(sys.argv[1])
request = RunRequest(
    source=args["source"], params_file=Path(args["params"]), out_dir=Path(args["out"]),
    notebooks_dir=Path(args["notebooks"]), jobs=2, cell_timeout=120,
    fork_kernels=args["fork_kernels"],
)
try:
    sys.exit(run_reports(request).exit_code)
except KeyboardInterrupt:
    sys.exit(130)
"""


# a report's kernel is launched as ipykernel_launcher, or through a stand-in that connects to the
# run's fork server; the server and the kernels forked from it carry the server's command line
KERNEL_LAUNCHES = (b"ipykernel_launcher", b"salesops.report.kernels.forkserver\x00connect")
KERNEL_PROCESSES = (b"ipykernel_launcher", b"salesops.report.kernels.forkserver")


def _processes_marked(marker: str, commands: tuple[bytes, ...]) -> list[int]:
    """Live processes whose environment carries ``marker`` and whose command has one of
    ``commands``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in environ and any(c in command for c in commands):
            found.append(int(entry.name))
    return found


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds kernels through /proc")
@pytest.mark.parametrize("fork_kernels", [True, False], ids=["forked", "started"])
def test_an_interrupted_run_keeps_the_previous_reports_and_no_kernels(
    fork_kernels: bool,
    tmp_path: Path,
    crm_source: str,
    notebooks: Callable[..., Path],
    run_file: Callable[[str], Path],
) -> None:
    folder = notebooks("timeout")
    quick = "teams: [SMB]\nparameters:\n  timeout:\n    seconds: 0.1\n"
    request = _request(tmp_path, crm_source, folder, run_file(quick))
    assert run_reports(request).exit_code == 0
    out = tmp_path / "reports"
    before = _snapshot(out / QUARTER)

    slow = run_file(quick.replace("0.1", "60"))
    marker = uuid.uuid4().hex
    args = {
        "source": crm_source,
        "params": str(slow),
        "out": str(out),
        "notebooks": str(folder),
        "fork_kernels": fork_kernels,
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(args)],
        env={**os.environ, "SALESOPS_TEST_MARKER": marker},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        running = _wait_for(
            lambda: len(_processes_marked(marker, KERNEL_LAUNCHES)) == 2 or child.poll(), 90
        )
        assert running and child.poll() is None, "both reports should be running"
        time.sleep(1.5)
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, stderr
    assert "interrupted" in stderr
    assert _wait_for(lambda: not _processes_marked(marker, KERNEL_PROCESSES), 5), (
        "no kernel (nor the fork server) may outlive the run"
    )
    assert _snapshot(out / QUARTER) == before
    manifest = _manifest(out)
    assert manifest["status"] == "interrupted"
    assert [r["status"] for r in manifest["runs"]] == ["interrupted", "interrupted"]
    assert all(r["kept"]["status"] == "ok" for r in manifest["runs"])

    request.progress = io.StringIO()
    resumed = run_reports(request)  # the quick parameters again: the kept reports still hold
    assert resumed.exit_code == 0 and all(r.reused for r in resumed.records)


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"teams": ["North"]}, ParamsError, r"unknown team 'North' \(teams in the data: "),
        ({"analyses": ["funnel"]}, ParamsError, r"unknown analysis 'funnel' \(known analyses: ok"),
        ({"quarters": ["2030Q1"]}, ParamsError, r"2030Q1 is outside the data: .* to 2026Q3"),
        ({"source": "missing.duckdb"}, SourceError, r"missing.duckdb does not exist"),
        ({"out_dir": "file/reports"}, ParamsError, r"is not writable"),
        ({"params_file": "parameters: {ok: {team_size: big}}"}, ParamsError, r"got 'big'"),
    ],
)
def test_bad_input_is_refused_before_any_kernel_starts(
    tmp_path: Path,
    crm_source: str,
    notebooks: Callable[..., Path],
    run_file: Callable[[str], Path],
    change: dict[str, str | list[str]],
    error: type[SalesopsError],
    message: str,
) -> None:
    folder = notebooks("ok")
    nb = nbformat.read(folder / "ok.ipynb", as_version=4)
    nb.cells[1].source += "\nteam_size: int = 5"
    nbformat.write(nb, folder / "ok.ipynb")
    (tmp_path / "file").write_text("not a folder")
    request = _request(tmp_path, crm_source, folder, run_file("teams: all\n"))
    for field, value in change.items():
        if field == "out_dir":
            value = tmp_path / str(value)
        elif field == "params_file":
            value = run_file(str(value))
        setattr(request, field, value)
    with pytest.raises(error, match=message):
        run_reports(request)
    assert not (tmp_path / "reports" / QUARTER).exists()
    assert request.progress.getvalue() == ""


@pytest.mark.slow
def test_a_source_given_as_a_relative_path_reaches_the_kernels(
    tmp_path: Path, crm_source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(crm_source, tmp_path / "crm.duckdb")
    monkeypatch.chdir(tmp_path)
    summary = run_reports(
        RunRequest(
            quarters=[QUARTER],
            teams=["SMB"],
            analyses=["quota"],
            source="crm.duckdb",
            out_dir=tmp_path / "reports",
            rollup=False,
            progress=io.StringIO(),
        )
    )
    assert (summary.exit_code, summary.reason) == (0, "all 1 reports ok (0 reused)")
    assert summary.records[0].parameters["source"] == str(tmp_path / "crm.duckdb")


@pytest.mark.slow
def test_the_org_settings_file_reaches_the_kernels_and_a_change_renders_again(
    tmp_path: Path,
    crm_source: str,
    notebooks: Callable[..., Path],
    run_file: Callable[[str], Path],
) -> None:
    org = tmp_path / "org.yaml"
    org.write_text("small_sample: 20\n")
    request = _request(
        tmp_path, crm_source, notebooks("ok"), run_file("teams: [SMB]\n"), org_params_file=org
    )
    request.rollup = False
    headline = tmp_path / "reports" / QUARTER / "smb" / "ok.json"
    assert run_reports(request).reason == "all 1 reports ok (0 reused)"
    assert json.loads(headline.read_text())["small_sample"] == 20  # the kernel read this file
    request.progress = io.StringIO()
    assert run_reports(request).reason == "all 1 reports ok (1 reused)"
    org.write_text("small_sample: 30\n")
    request.progress = io.StringIO()
    assert run_reports(request).reason == "all 1 reports ok (0 reused)"
    assert json.loads(headline.read_text())["small_sample"] == 30
