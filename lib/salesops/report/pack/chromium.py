"""Debian's Chromium, headless, printing an HTML file to PDF; one process per print.

The program is ``$SALESOPS_CHROMIUM`` when set, else ``/usr/bin/chromium`` or ``chromium`` on the
``PATH``. Each print gets a fresh profile folder and a session of its own, so that several print
at once and ``stop_all`` ends every process a print started.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
from pathlib import Path

from salesops.errors import ParamsError, shorten

CHROMIUM_ENV = "SALESOPS_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
PRINT_TIMEOUT_S = 300
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--mute-audio",
    "--no-pdf-header-footer",
)


class PrintError(Exception):
    """Chromium printed no PDF: why, in one line."""


def find_chromium() -> str:
    """The Chromium program to print with; ParamsError saying how to get one when there is none."""
    named = os.environ.get(CHROMIUM_ENV, "").strip()
    if named:
        found = shutil.which(named)
        if found is None:
            raise ParamsError(
                f"--pdf prints with {CHROMIUM_ENV}={named!r}, which is not a program: name "
                f"Chromium's program there, or unset it to use {DEFAULT_CHROMIUM}"
            )
        return found
    found = shutil.which(DEFAULT_CHROMIUM) or shutil.which("chromium")
    if found is None:
        raise ParamsError(
            f"--pdf prints the packs with Chromium, which is not at {DEFAULT_CHROMIUM}: install "
            f"it (apt-get install chromium) or name its program in {CHROMIUM_ENV}"
        )
    return found


class Printer:
    """Prints with ``program``, each print within ``timeout`` seconds; safe to share between
    threads."""

    def __init__(self, program: str, timeout: float = PRINT_TIMEOUT_S) -> None:
        self.program = program
        self.timeout = timeout
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._stopping = False

    def print_pdf(self, html: Path, pdf: Path) -> bytes:
        """Print ``html`` into ``pdf`` (its profile goes beside it) and return the PDF's bytes."""
        pdf.unlink(missing_ok=True)
        command = [
            self.program,
            *_FLAGS,
            f"--user-data-dir={pdf.parent / 'chromium-profile'}",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        with self._lock:
            if self._stopping:
                raise PrintError("the run was stopped")
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
            self._running.add(process)
        try:
            _out, err = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            process.communicate()
            raise PrintError(f"Chromium took longer than {self.timeout:g} s to print") from None
        finally:
            with self._lock:
                self._running.discard(process)
        if self._stopping:
            raise PrintError("the run was stopped")
        data = pdf.read_bytes() if pdf.is_file() else b""
        if process.returncode != 0 or not data.startswith(b"%PDF"):
            raise PrintError(
                f"Chromium ({self.program}) exited with code {process.returncode} without "
                f"printing a PDF{_last_line(err)}"
            )
        return data

    def stop_all(self) -> None:
        """Kill every print running, and refuse new ones."""
        with self._lock:
            self._stopping = True
            running = list(self._running)
        for process in running:
            _kill(process)


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill ``process`` and whatever it started (its session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _last_line(stderr: bytes) -> str:
    """Chromium's last word on stderr, past its complaints of a missing D-Bus (no desktop)."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines()]
    lines = [line for line in lines if line and "dbus" not in line.lower()]
    return f": {shorten(lines[-1])}" if lines else ""
