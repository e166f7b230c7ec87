"""What the parity tests share: one quarterly run on a source, and where two headlines differ."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path
from typing import Any

from notebook_analyses import ANALYSES

QUARTER = "2026Q3"
TEAM = "SMB"
SCOPES = ("smb", "all")
TOLERANCE = 1e-9


def run_reports(source: str, out: Path) -> subprocess.CompletedProcess[str]:
    """``salesops run`` of QUARTER for TEAM (and the all-teams roll-up), every analysis."""
    command = [sys.executable, "-m", "salesops", "run", "--quarter", QUARTER, "--team", TEAM]
    for analysis in ANALYSES:
        command += ["--analysis", analysis]
    return subprocess.run(
        [*command, "--source", source, "--out", str(out)], capture_output=True, text=True
    )


def headline_files() -> list[Path]:
    """Each report's headline record, relative to the run's output folder."""
    return [Path(QUARTER, scope, f"{analysis}.json") for scope in SCOPES for analysis in ANALYSES]


def differences(left: Any, right: Any, path: str = "") -> list[str]:
    """Where two headline records differ: numbers beyond TOLERANCE, anything else unequal."""
    if isinstance(left, dict) and isinstance(right, dict):
        if left.keys() != right.keys():
            return [f"{path}: keys {sorted(left)} != {sorted(right)}"]
        return [d for key in left for d in differences(left[key], right[key], f"{path}.{key}")]
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        return [
            d
            for i, pair in enumerate(zip(left, right, strict=True))
            for d in differences(*pair, f"{path}[{i}]")
        ]
    numbers = (int, float)
    if isinstance(left, numbers) and isinstance(right, numbers) and not isinstance(left, bool):
        if math.isclose(left, right, rel_tol=TOLERANCE, abs_tol=TOLERANCE):
            return []
        return [f"{path}: {left!r} != {right!r}"]
    return [] if left == right else [f"{path}: {left!r} != {right!r}"]
