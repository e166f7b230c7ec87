"""Fixtures every test folder shares: the real ``salesops`` command in a child process, and each
test starting in the default locale (a report opened in French sets the process's locale)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from salesops.i18n import DEFAULT_LOCALE, set_locale

Run = Callable[..., subprocess.CompletedProcess[str]]


def _command_in(root: Path) -> Run:
    """Run ``python -m salesops ARGS`` in ``root`` as the project root (``SALESOPS_ROOT``);
    extra environment variables as keywords."""

    def run(*args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "salesops", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=root,
            env={**os.environ, "SALESOPS_ROOT": str(root), **env},
        )

    return run


@pytest.fixture(scope="session")
def salesops_in() -> Callable[[Path], Run]:
    """``salesops_in(root)``: the real command, run in the project root ``root``."""
    return _command_in


@pytest.fixture(autouse=True)
def _default_locale() -> None:
    set_locale(DEFAULT_LOCALE)
