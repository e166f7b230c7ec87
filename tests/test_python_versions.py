"""One team's quarter gives the same headline JSON on every supported Python.

``make test-pythons`` runs this file with each other supported interpreter's venv and names the
main venv's interpreter in ``SALESOPS_REFERENCE_PYTHON``: both render the same reports from the
same demo file, and every ``<analysis>.json`` must be equal, number for number.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from salesops.config import DEFAULT_SOURCE, ROOT

REFERENCE = os.environ.get("SALESOPS_REFERENCE_PYTHON", "")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not REFERENCE, reason="needs SALESOPS_REFERENCE_PYTHON: `make test-pythons` sets it"
    ),
]


def _version(python: str) -> str:
    code = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()


def _render(python: str, out: Path) -> dict[str, object]:
    """Run one team's reports of the demo's latest quarter with ``python``; its JSON by file."""
    done = subprocess.run(
        [python, "-m", "salesops", "run", "--source", str(DEFAULT_SOURCE), "--quarter", "latest",
         "--team", "SMB", "--no-rollup", "--jobs", "2", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {
        str(path.relative_to(out)): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(out.glob("*/*/*.json"))
    }


def test_the_headline_json_equals_the_reference_pythons(tmp_path: Path) -> None:
    assert _version(REFERENCE) != _version(sys.executable), "compare two different Pythons"
    ours = _render(sys.executable, tmp_path / "ours")
    reference = _render(REFERENCE, tmp_path / "reference")
    assert len(ours) >= 4, f"expected the four analyses' JSON, found {sorted(ours)}"
    assert ours == reference
