"""Kernels forked from the run's fork server: fresh, in their own folder, and never left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client import BlockingKernelClient
from jupyter_core.utils import run_sync

from salesops import config
from salesops.report.kernels.forkserver import KernelForkServer, available, fork_server
from salesops.report.kernels.running import RunningKernels, kernel_environment, kill_kernel_group
from salesops.report.kernels.start import TrackedKernelManager, shutdown, started_kernel

pytestmark = pytest.mark.skipif(not available(), reason="forking kernels needs POSIX")

REPORT = """
import json, os, sys
import numpy
print(json.dumps({
    "pid": os.getpid(), "parent": os.getppid(), "folder": os.getcwd(),
    "mark": os.environ.get("SALESOPS_TEST_MARK"), "preloaded": "pandas" in sys.modules,
    "draw": numpy.random.random(), "left_over": "earlier" in globals(),
}))
earlier = True
"""


@pytest.fixture
def server() -> Iterator[KernelForkServer]:
    with fork_server(kernel_environment(config.ROOT)) as started:
        assert started is not None
        yield started


def _client(km: TrackedKernelManager) -> BlockingKernelClient:
    client = BlockingKernelClient(parent=km)  # alive while the process is, not the heartbeat
    client.load_connection_info(km.get_connection_info())
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return client


def _run(km: TrackedKernelManager, code: str, timeout: float = 60) -> tuple[str, dict]:
    """``code``'s printed text and its execute reply's content."""
    printed: list[str] = []

    def hook(message: dict) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    client = _client(km)
    try:
        reply = client.execute_interactive(code, timeout=timeout, output_hook=hook)
    finally:
        client.stop_channels()
    return "".join(printed), reply["content"]


def _gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def _start(server: KernelForkServer | None, folder: Path, **env: str) -> TrackedKernelManager:
    km = TrackedKernelManager(fork_server=server, kernel_name="python3")
    run_sync(km.start_kernel)(env={**kernel_environment(config.ROOT), **env}, cwd=str(folder))
    return km


def test_each_forked_kernel_is_a_fresh_process_with_its_own_folder_and_environment(
    server: KernelForkServer, tmp_path: Path
) -> None:
    seen = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        kernels = RunningKernels(fork_server=server)
        env = {**kernel_environment(config.ROOT), "SALESOPS_TEST_MARK": name}
        with started_kernel("python3", folder, env, kernels) as km:
            assert km is not None
            printed, reply = _run(km, REPORT)
            assert reply["status"] == "ok", reply
            seen.append(json.loads(printed))
            assert "salesops.report.kernels.forkserver" in km.provisioner.process.args
    for name, facts in zip(("first", "second"), seen, strict=True):
        assert facts["parent"] == server.process.pid  # forked, not started anew
        assert facts["folder"] == str(tmp_path / name)
        assert facts["mark"] == name
        assert facts["preloaded"] and not facts["left_over"]
    assert seen[0]["pid"] != seen[1]["pid"]
    assert seen[0]["draw"] != seen[1]["draw"]  # numpy's random state is not shared


def test_the_stand_in_ends_as_its_kernel_ends(server: KernelForkServer, tmp_path: Path) -> None:
    for code, status in (("os._exit(3)", 3), ("os.kill(os.getpid(), signal.SIGKILL)", -9)):
        km = _start(server, tmp_path)
        client = _client(km)
        client.execute(f"import os, signal; {code}")
        process = km.provisioner.process
        process.wait(timeout=30)
        client.stop_channels()
        assert process.returncode == status
        shutdown(km)


def test_an_interrupt_reaches_the_forked_kernel(server: KernelForkServer, tmp_path: Path) -> None:
    km = _start(server, tmp_path)
    client = _client(km)
    try:
        msg_id = client.execute("import time; time.sleep(60)")
        time.sleep(1)
        run_sync(km.interrupt_kernel)()
        reply = client.get_shell_msg(timeout=20)
        while reply["parent_header"]["msg_id"] != msg_id:  # e.g. the kernel_info reply
            reply = client.get_shell_msg(timeout=20)
        assert reply["content"]["ename"] == "KeyboardInterrupt"
    finally:
        client.stop_channels()
        shutdown(km)


def test_killing_the_stand_ins_group_kills_its_kernel(
    server: KernelForkServer, tmp_path: Path
) -> None:
    km = _start(server, tmp_path)
    printed, _reply = _run(km, "import os; print(os.getpid(), os.getppid())")
    kernel, parent = map(int, printed.split())
    assert parent == server.process.pid
    kill_kernel_group(km)  # what an interrupted run does
    assert _gone(kernel)
    shutdown(km)


def test_closing_the_server_kills_the_kernels_left_and_removes_its_folder(
    tmp_path: Path,
) -> None:
    server = KernelForkServer(kernel_environment(config.ROOT))
    km = _start(server, tmp_path)
    printed, _reply = _run(km, "import os; print(os.getpid())")
    server.close()
    assert _gone(int(printed))
    assert server.process.returncode == 0
    assert not server.folder.exists()
    km.provisioner.process.wait(timeout=10)
    shutdown(km)


def test_a_stand_in_that_finds_no_server_starts_an_ordinary_kernel(
    server: KernelForkServer, tmp_path: Path
) -> None:
    command = server.command([sys.executable, "-m", "ipykernel_launcher", "-f", "{x}"])
    assert command[:4] == [sys.executable, "-m", "salesops.report.kernels.forkserver", "connect"]
    server.socket_path.unlink()  # the server is unreachable from now on
    km = _start(server, tmp_path)
    try:
        printed, reply = _run(km, "import os; print(os.getpid())")
        assert reply["status"] == "ok"
        assert int(printed) == km.provisioner.process.pid  # the stand-in became the kernel
    finally:
        shutdown(km)


def test_other_kernels_and_interpreters_are_launched_as_they_are(
    server: KernelForkServer,
) -> None:
    other_kernel = ["/usr/bin/R", "--slave", "-e", "IRkernel::main()", "{connection_file}"]
    other_python = ["/usr/bin/false", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    assert server.command(other_kernel) == other_kernel
    assert server.command(other_python) == other_python


def test_a_run_without_forking_or_without_fork_support_gets_no_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with fork_server(os.environ, enabled=False) as server:
        assert server is None
    monkeypatch.delattr(os, "fork")
    with fork_server(os.environ) as server:
        assert server is None


def test_signals_a_stand_in_forwards_end_a_sleeping_kernel(
    server: KernelForkServer, tmp_path: Path
) -> None:
    km = _start(server, tmp_path)
    printed, _reply = _run(km, "import os; print(os.getpid())")
    km.provisioner.process.send_signal(signal.SIGTERM)
    assert km.provisioner.process.wait(timeout=20) == -signal.SIGTERM
    assert _gone(int(printed))
    shutdown(km)


def test_a_report_is_the_same_from_a_forked_kernel_and_from_a_started_one(
    crm_source: str, tmp_path: Path
) -> None:
    outputs = {}
    for way in ("forked", "started"):
        out = tmp_path / way
        command = ["run", "--source", crm_source, "--out", str(out), "--quarter", "2026Q3"]
        command += ["--team", "SMB", "--analysis", "quota", "--no-rollup", "--jobs", "1"]
        if way == "started":
            command.append("--no-fork")
        done = subprocess.run(
            [sys.executable, "-m", "salesops", *command],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        outputs[way] = json.loads((out / "2026Q3" / "smb" / "quota.json").read_text())
    assert outputs["forked"]["status"] == "ok"
    assert outputs["forked"] == outputs["started"]


def test_a_server_that_cannot_listen_leaves_kernels_to_start_from_scratch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)  # a socket path over the 108 bytes AF_UNIX allows
    deep.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    with fork_server(kernel_environment(config.ROOT)) as server:
        assert server is None
    assert "could not start" in caplog.text
    assert list(deep.iterdir()) == []


def test_a_server_that_stopped_early_is_passed_by_and_reported(
    server: KernelForkServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server.process.kill()
    server.process.wait()
    kernels = RunningKernels(fork_server=server)
    with started_kernel("python3", tmp_path, kernel_environment(config.ROOT), kernels) as km:
        assert km is not None
        assert "ipykernel_launcher" in km.provisioner.process.args
        printed, reply = _run(km, "print(6 * 7)")
        assert reply["status"] == "ok" and printed.strip() == "42"
    server.close()
    assert "stopped early (exit status -9)" in caplog.text


def test_a_server_no_kernel_used_is_stopped_without_waiting_for_its_imports(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with fork_server(kernel_environment(config.ROOT)) as server:  # a run that reuses every report
        assert server is not None
    assert server.process.returncode == -signal.SIGKILL
    assert not server.folder.exists()
    assert "stopped early" not in caplog.text
