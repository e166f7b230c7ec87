"""Kernels forked from a process that has already imported the report libraries.

A new Python kernel spends over a second importing pandas, matplotlib, Ibis and ``salesops``
before a report's first query; with several reports at once on a few cores, those imports are a
third of a run. So a run starts one fork server, which imports them once, and each report's
kernel is a fork of it: a new process that shares no state with any other report, but whose
imports are done.

Three processes take part:

- the run (``KernelForkServer``) opens the listening socket, starts the server on it (stand-ins
  that come before the server is ready wait in the socket's backlog), and has jupyter_client
  launch ``python -m salesops.report.kernels.forkserver connect SOCKET -- ARGS`` where it would
  have launched ``python -m ipykernel_launcher ARGS``;
- that stand-in hands the server its working folder, environment and standard streams, then
  stands for the kernel: it passes on the signals it gets (interrupt, terminate) and exits when
  the kernel exits, with the same status, so jupyter_client manages one ordinary process;
- the server forks one kernel per stand-in and tells the stand-in its pid, then how it ended.
  A stand-in that dies (the run kills it) takes its kernel along; when the run closes the
  server's stdin, the server kills what is left and exits; a kernel whose server dies exits too
  (ipykernel's parent poller).

A stand-in that cannot reach the server starts an ordinary kernel instead.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import logging
import os
import pkgutil
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

MODULE = "salesops.report.kernels.forkserver"
KERNEL_MODULE = "ipykernel_launcher"
# what every report imports; the analysis modules are added, so a new one is preloaded too
PRELOAD = (
    "ipykernel.kernelapp",
    "ibis.backends.duckdb",
    "matplotlib.pyplot",
    "seaborn",
    "scipy.stats",
)
MAX_REQUEST = 1 << 20  # bytes of one request: working folder, environment and arguments
SERVER_STOP_TIMEOUT_S = 10
_log = logging.getLogger(__name__)
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1)


def available() -> bool:
    """Whether this platform can fork kernels (POSIX, with descriptor passing)."""
    return hasattr(os, "fork") and hasattr(socket, "send_fds")


class KernelForkServer:
    """The run's side: the server process, and the command that launches a kernel through it."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="salesops-kernels-"))  # only we may connect
        self.socket_path = self.folder / "server.sock"
        self.used = False  # whether a kernel was launched through it
        try:
            self.process = self._start(env)
        except OSError:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def _start(self, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        # listening before the server starts: a stand-in that comes early waits in the backlog
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with listener, (self.folder / "server.log").open("ab") as log:
            listener.bind(str(self.socket_path))
            listener.listen(64)
            return subprocess.Popen(
                [sys.executable, "-m", MODULE, "serve", str(listener.fileno())],
                pass_fds=(listener.fileno(),),
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=log,
                env=dict(env),
                cwd=self.folder,
                start_new_session=True,  # Ctrl-C reaches the run, which stops the kernels
            )

    def command(self, cmd: Sequence[str]) -> list[str]:
        """``cmd`` through the server when it starts ipykernel on this interpreter, else as is."""
        ours = (
            len(cmd) >= 3
            and list(cmd[1:3]) == ["-m", KERNEL_MODULE]
            and os.path.abspath(cmd[0]) == os.path.abspath(sys.executable)  # same environment
            and self.process.poll() is None
        )
        if not ours:
            return list(cmd)
        self.used = True
        return [sys.executable, "-m", MODULE, "connect", str(self.socket_path), "--", *cmd[3:]]

    def close(self) -> None:
        """Stop the server (it kills any kernel left) and remove its folder; a server that had
        stopped early is logged with its last words (its kernels were started from scratch)."""
        if not self.folder.exists():  # closed already
            return
        early = self.process.poll()
        if not self.used:  # no kernel to stop; it may still be importing
            self.process.kill()
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        try:
            self.process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if early:
            log = (self.folder / "server.log").read_text(encoding="utf-8", errors="replace")
            _log.warning(
                "the kernel fork server stopped early (exit status %s), so kernels were started "
                "from scratch; its last words:\n%s",
                early,
                "\n".join(log.splitlines()[-10:]),
            )
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def fork_server(
    env: Mapping[str, str], *, enabled: bool = True
) -> Iterator[KernelForkServer | None]:
    """A started fork server for the block, or None when disabled or unavailable here."""
    if not (enabled and available()):
        yield None
        return
    try:
        server = KernelForkServer(env)
    except OSError as exc:  # no socket or no process: kernels are started from scratch
        _log.warning("the kernel fork server could not start (%s); kernels start from scratch", exc)
        yield None
        return
    try:
        yield server
    finally:
        server.close()


def preload() -> None:
    """Import what every report imports, so that each forked kernel finds it done."""
    import salesops.analyses

    names = [
        *PRELOAD,
        *(f"salesops.analyses.{m.name}" for m in pkgutil.iter_modules(salesops.analyses.__path__)),
    ]
    for name in names:
        with contextlib.suppress(Exception):  # a kernel imports what it needs, and says why not
            importlib.import_module(name)


class _Server:
    """Fork a kernel per stand-in; tell each stand-in how its kernel ended."""

    def __init__(self, listener: socket.socket) -> None:
        self.listener = listener
        self.selector = selectors.DefaultSelector()
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_write, False)
        signal.set_wakeup_fd(self.wake_write)  # a SIGCHLD makes select return
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run decides when the server stops
        self.kernels: dict[int, socket.socket | None] = {}  # pid: its stand-in's connection
        self.selector.register(listener, selectors.EVENT_READ, "accept")
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "run")
        self.selector.register(self.wake_read, selectors.EVENT_READ, "child")

    def serve(self) -> None:
        while True:
            for key, _events in self.selector.select():
                if key.data == "accept":
                    self.accept()
                elif key.data == "run":
                    if not os.read(key.fd, 512):  # the run closed our stdin: it is over
                        self.stop()
                        return
                elif key.data == "child":
                    os.read(self.wake_read, 512)
                    self.reap()
                else:
                    self.stand_in_gone(key.data)

    def accept(self) -> None:
        conn, _address = self.listener.accept()
        try:
            message, fds, _flags, _address = socket.recv_fds(conn, MAX_REQUEST, 3)
            request = json.loads(message)
        except (OSError, ValueError):
            conn.close()
            return
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:  # out of processes or memory: the stand-in starts an ordinary kernel
            pid = -1
        if pid == 0:
            self.become_kernel(conn, request, fds)
        for fd in fds:
            os.close(fd)
        if pid < 0:
            conn.close()
            return
        self.kernels[pid] = conn
        self.selector.register(conn, selectors.EVENT_READ, pid)
        with contextlib.suppress(OSError):
            conn.send(b"pid %d" % pid)

    def stand_in_gone(self, pid: int) -> None:
        """The stand-in hung up (it was killed): its kernel goes too."""
        conn = self.kernels.get(pid)
        if conn is None:
            return
        self.selector.unregister(conn)
        conn.close()
        self.kernels[pid] = None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.kernels.pop(pid, None)
            if conn is not None:
                self.selector.unregister(conn)
                with contextlib.suppress(OSError):
                    conn.send(b"exit %d" % os.waitstatus_to_exitcode(status))
                conn.close()

    def stop(self) -> None:
        for pid in self.kernels:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in list(self.kernels):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.listener.close()

    def become_kernel(self, conn: socket.socket, request: dict, fds: list[int]) -> NoReturn:
        """In the forked child: drop the server's state, take the stand-in's, run ipykernel."""
        code = 1
        try:
            os.setsid()
            signal.set_wakeup_fd(-1)
            for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self.selector.close()
            self.listener.close()
            os.close(self.wake_read)
            os.close(self.wake_write)
            for other in self.kernels.values():
                if other is not None:
                    other.close()
            conn.close()
            for target, fd in enumerate(fds):  # the stand-in's stdin, stdout and stderr
                if fd != target:
                    os.dup2(fd, target)
                    os.close(fd)
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            _reseed_numpy()
            sys.argv = [
                KERNEL_MODULE,
                *request["argv"],
                f"--IPKernelApp.parent_handle={os.getppid()}",  # exit if the server dies
            ]
            code = _run_kernel()
        except BaseException:
            traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)


def _reseed_numpy() -> None:
    """Forked kernels would share numpy's global random state; give each its own."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _run_kernel() -> int:
    """ipykernel's launcher, in this process; its exit status."""
    from ipykernel import kernelapp

    code = 0
    try:
        kernelapp.launch_new_instance()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    atexit._run_exitfuncs()  # what the interpreter would run at exit, as an ordinary kernel does
    return code


def serve(listener_fd: int) -> None:
    """The server, on the listening socket the run handed over: preload, then serve."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does; the kernel adds its own folder back
    preload()
    _Server(socket.socket(fileno=listener_fd)).serve()


def stand_in(path: str, argv: list[str]) -> NoReturn:
    """Have the server fork the kernel, then stand for it; an ordinary kernel if that fails."""
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        conn.connect(path)
        request = {"cwd": os.getcwd(), "env": dict(os.environ), "argv": argv}
        socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
        reply = conn.recv(64)
        if not reply.startswith(b"pid "):
            raise ValueError(reply)
        kernel = int(reply.removeprefix(b"pid "))
    except (OSError, ValueError):
        os.execv(sys.executable, [sys.executable, "-m", KERNEL_MODULE, *argv])

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(kernel, signum)

    for signum in _FORWARDED:
        signal.signal(signum, forward)
    reply = conn.recv(64)  # blocks until the kernel ends; signals are forwarded meanwhile
    code = int(reply.removeprefix(b"exit ")) if reply.startswith(b"exit ") else 1
    if code < 0:  # killed by a signal: end the same way, so the run reports it truly
        with contextlib.suppress(OSError, ValueError):  # SIGKILL takes no handler
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    os._exit(code)


def main(argv: Sequence[str]) -> None:
    """``serve LISTENING-FD`` or ``connect SOCKET -- KERNEL-ARGS``."""
    match list(argv):
        case ["serve", listener_fd]:
            serve(int(listener_fd))
        case ["connect", path, "--", *kernel_args]:
            stand_in(path, kernel_args)
        case _:
            sys.exit(f"usage: python -m {MODULE} serve LISTENING-FD | connect SOCKET -- ARGS")


if __name__ == "__main__":
    main(sys.argv[1:])
