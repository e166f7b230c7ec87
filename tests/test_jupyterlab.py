"""The analyst's JupyterLab: the real server lists and serves the notebooks, and the funnel and
pipeline notebooks run as they are in kernels the server starts, cell by cell over the kernel
websocket."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import websocket

from notebook_analyses import ANALYSES
from salesops.vocabulary import HEADLINE_MIMETYPE

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).parents[1]
JUPYTER = Path(sys.executable).parent / "jupyter"
NOTEBOOKS = {f"{name}.ipynb" for name in ANALYSES}
CELL_TIMEOUT = 300


@dataclass
class Lab:
    """A running JupyterLab server: its process, address and token."""

    process: subprocess.Popen[bytes]
    base: str
    token: str

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The server's REST API; the JSON answer, or None for an empty one."""
        request = urllib.request.Request(
            f"{self.base}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
        return json.loads(text) if text else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid``, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    port, token = _free_port(), secrets.token_hex(16)
    log = (tmp_path / "lab.log").open("wb")
    env = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
    }
    process = subprocess.Popen(
        [
            *(str(JUPYTER), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1"),
            *(f"--ServerApp.port={port}", f"--IdentityProvider.token={token}"),
            *(f"--ServerApp.root_dir={PROJECT}", "--ServerApp.port_retries=0"),
            "--ServerApp.allow_root=True",  # CI containers run as root
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    server = Lab(process, f"http://127.0.0.1:{port}", token)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "lab.log").read_text()
            try:
                server.call("GET", "/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "jupyter lab did not start within 60 s"
                time.sleep(0.5)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _execute(channel: websocket.WebSocket, code: str) -> tuple[str, list[dict[str, Any]]]:
    """Run ``code`` in the kernel: the reply's status and every iopub message it caused."""
    msg_id = uuid.uuid4().hex
    channel.send(
        json.dumps(
            {
                "header": {
                    "msg_id": msg_id,
                    "msg_type": "execute_request",
                    "username": "test",
                    "session": uuid.uuid4().hex,
                    "date": "",
                    "version": "5.3",
                },
                "parent_header": {},
                "metadata": {},
                "content": {"code": code, "silent": False, "store_history": True},
                "channel": "shell",
                "buffers": [],
            }
        )
    )
    status, outputs, idle = None, [], False
    deadline = time.monotonic() + CELL_TIMEOUT
    while status is None or not idle:
        assert time.monotonic() < deadline, f"cell did not finish in {CELL_TIMEOUT} s:\n{code}"
        message = json.loads(channel.recv())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = message["header"]["msg_type"]
        if message["channel"] == "shell" and kind == "execute_reply":
            status = message["content"]["status"]
        elif kind == "status":
            idle = message["content"]["execution_state"] == "idle"
        elif message["channel"] == "iopub":
            outputs.append(message)
    return status, outputs


def _run_in_a_lab_kernel(lab: Lab, name: str) -> tuple[dict[str, Any], set[int]]:
    """Run every code cell of ``notebooks/NAME.ipynb`` as served, in a kernel the server starts,
    as an analyst would; the one headline it displays, and the kernel's processes."""
    notebook = lab.call("GET", f"/api/contents/notebooks/{name}.ipynb")
    assert notebook["type"] == "notebook"
    cells = notebook["content"]["cells"]
    assert any("parameters" in c["metadata"].get("tags", []) for c in cells)

    kernel = lab.call("POST", "/api/kernels", {"name": "python3", "path": "notebooks"})
    url = lab.base.replace("http", "ws", 1) + f"/api/kernels/{kernel['id']}/channels"
    channel = websocket.create_connection(
        url, header=[f"Authorization: token {lab.token}"], timeout=CELL_TIMEOUT
    )
    kernel_processes = _children(lab.process.pid)
    assert kernel_processes  # the kernel runs under the server
    headlines = []
    try:
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            status, outputs = _execute(channel, cell["source"])
            errors = [o["content"] for o in outputs if o["header"]["msg_type"] == "error"]
            assert (status, errors) == ("ok", []), cell["source"]
            headlines += [
                o["content"]["data"][HEADLINE_MIMETYPE]
                for o in outputs
                if HEADLINE_MIMETYPE in o["content"].get("data", {})
            ]
    finally:
        channel.close()
    lab.call("DELETE", f"/api/kernels/{kernel['id']}")
    assert len(headlines) == 1
    assert (headlines[0]["analysis"], headlines[0]["team"], headlines[0]["quarter"]) == (
        name,
        "all",
        "2026Q3",
    )
    return headlines[0], kernel_processes


def test_lab_lists_serves_and_runs_the_notebooks_then_leaves_nothing_behind(lab: Lab) -> None:
    listing = lab.call("GET", "/api/contents/notebooks")
    assert {item["name"] for item in listing["content"]} >= NOTEBOOKS

    funnel, kernel_processes = _run_in_a_lab_kernel(lab, "funnel")
    assert 0 < funnel["metrics"]["win_rate"] < 1
    assert funnel["cards"][0]["label"] == "Win rate"
    pipeline, more_processes = _run_in_a_lab_kernel(lab, "pipeline")
    assert pipeline["metrics"]["flow"]["end"]["count"] > 0
    assert pipeline["cards"][0]["label"] == "Start pipeline"
    kernel_processes |= more_processes

    assert lab.call("GET", "/api/kernels") == []
    lab.call("POST", "/api/shutdown")
    assert lab.process.wait(timeout=30) == 0
    assert not [pid for pid in kernel_processes if Path(f"/proc/{pid}").exists()]
