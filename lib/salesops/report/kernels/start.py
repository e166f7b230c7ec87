"""One report's kernel: started quiet in its own folder, tracked, always shut down.

A kernel is started here rather than by nbclient so that it gets the run's environment and
working folder, one retry when it fails to start, and a place in ``RunningKernels``, from which
an interrupted run kills every kernel in flight. When the run has a fork server
(``salesops.report.kernels.forkserver``), a kernel's first attempt is forked from it; the retry
starts an ordinary one.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync

from salesops.report.kernels.forkserver import KernelForkServer
from salesops.report.kernels.running import RunningKernels

KERNEL_START_TIMEOUT_S = 60
KERNEL_START_ATTEMPTS = 2
NO_HISTORY = "--HistoryManager.hist_file=:memory:"  # parallel kernels, no shared history file


class TrackedKernelManager(AsyncKernelManager):
    """A kernel manager that remembers the clients it hands out (nbclient's included).

    nbclient leaves its client's channels open when it does not own the kernel manager; closing
    them with the kernel frees their sockets and zmq context. With a fork server, the kernel is
    launched through it.
    """

    def __init__(self, fork_server: KernelForkServer | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fork_server = fork_server
        self.handed_out: list[Any] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        return self.fork_server.command(cmd) if self.fork_server else cmd

    def client(self, **kwargs: Any) -> Any:
        client = super().client(**kwargs)
        self.handed_out.append(client)
        return client

    def close_clients(self) -> None:
        while self.handed_out:
            with contextlib.suppress(Exception):
                self.handed_out.pop().stop_channels()


class KernelStartError(RuntimeError):
    """The kernel did not come up, even after a retry."""


def shutdown(km: TrackedKernelManager) -> None:
    km.close_clients()
    with contextlib.suppress(Exception):  # a kernel that is already gone needs no shutdown
        if run_sync(km.is_alive)():
            run_sync(km.shutdown_kernel)(now=True)
    with contextlib.suppress(Exception):
        run_sync(km.cleanup_resources)()


@contextlib.contextmanager
def started_kernel(
    kernel_name: str, workdir: Path, env: Mapping[str, str], kernels: RunningKernels
) -> Iterator[TrackedKernelManager | None]:
    """A started, ready kernel (None when the run is stopping); always shut down afterwards."""
    errors: list[str] = []
    km: TrackedKernelManager | None = None
    with (workdir / "kernel.log").open("ab") as log:
        for attempt in range(KERNEL_START_ATTEMPTS):
            forked = kernels.fork_server if attempt == 0 else None
            km = TrackedKernelManager(fork_server=forked, kernel_name=kernel_name)
            try:
                run_sync(km.start_kernel)(
                    extra_arguments=[NO_HISTORY],
                    env=dict(env),
                    cwd=str(workdir),
                    stdout=log,
                    stderr=log,
                )
                if not kernels.add(km):
                    shutdown(km)
                    km = None
                    break
                client = km.client()
                client.start_channels()
                try:
                    run_sync(client.wait_for_ready)(timeout=KERNEL_START_TIMEOUT_S)
                finally:
                    client.stop_channels()
                break
            except Exception as exc:  # any start failure earns one retry, then a clear error
                errors.append(f"{type(exc).__name__}: {exc}")
                kernels.discard(km)
                shutdown(km)
                km = None
                if kernels.stopping.is_set():
                    break
        if km is None and errors and not kernels.stopping.is_set():
            raise KernelStartError(
                f"the {kernel_name} kernel failed to start {len(errors)} times: {errors[-1]}"
            )
    try:
        yield km
    finally:
        if km is not None:
            kernels.discard(km)
            shutdown(km)


def exit_status(km: AsyncKernelManager) -> str:
    """How the kernel process ended, e.g. "killed by signal SIGKILL" or "exit status 1"."""
    process = getattr(km.provisioner, "process", None)
    code = process.poll() if process is not None else None
    if code is None:
        return "exit status unknown"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by signal {signal.Signals(-code).name}"
    return f"exit status {code}"
