"""The kernels of a run: their environment, and the ones in flight, which an interrupted run
kills together. Each kernel is started by ``salesops.report.kernels.start``.

No jupyter_client here: a run that reuses every report starts no kernel and does without it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jupyter_client import AsyncKernelManager

    from salesops.report.kernels.forkserver import KernelForkServer


class RunningKernels:
    """The kernels in flight, so an interrupted run can stop every one of them.

    Workers run in threads (see ``salesops.report.run.runner``); ``stop_all`` is called from the
    main thread and kills each kernel's process group, which makes its worker's papermill call end
    with DeadKernelError within about a second.
    """

    def __init__(self, fork_server: KernelForkServer | None = None) -> None:
        self.fork_server = fork_server
        self._lock = threading.Lock()
        self._managers: set[AsyncKernelManager] = set()
        self.stopping = threading.Event()

    def add(self, km: AsyncKernelManager) -> bool:
        """Track a started kernel; False (and not tracked) when the run is already stopping."""
        with self._lock:
            if self.stopping.is_set():
                return False
            self._managers.add(km)
            return True

    def discard(self, km: AsyncKernelManager) -> None:
        with self._lock:
            self._managers.discard(km)

    def stop_all(self) -> None:
        """Refuse new kernels and kill the process group of every kernel in flight."""
        with self._lock:
            self.stopping.set()
            managers = list(self._managers)
        for km in managers:
            kill_kernel_group(km)


def kill_kernel_group(km: AsyncKernelManager) -> None:
    provisioner = km.provisioner
    pgid = getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)
    if pgid:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)


def kernel_environment(root: Path) -> dict[str, str]:
    """The environment of every kernel: this process's, made quiet, plus ``SALESOPS_ROOT``."""
    env = dict(os.environ)
    env.update(
        MPLBACKEND="Agg",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        TQDM_DISABLE="1",
        SALESOPS_ROOT=str(root),
    )
    return env
