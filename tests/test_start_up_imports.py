"""Each report's kernel starts by importing its analysis: what it need not load, it must not.

seaborn with scipy.stats takes about a second to import and pandera a third of one; the analyses
load seaborn and scipy only inside the charts and curves that use them, and the contract builds
its pandera schemas only when a source is checked, which happens in the run, not in a kernel.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from salesops import config
from salesops.report.run.grid import find_notebooks

NOT_AT_START = ("seaborn", "scipy.stats", "pandera", "papermill", "nbconvert")


@pytest.mark.parametrize("analysis", sorted(find_notebooks(config.NOTEBOOKS_DIR).analyses))
def test_an_analysis_starts_without_the_heavy_libraries(analysis: str) -> None:
    script = (
        f"import json, sys; import salesops.analyses.{analysis}; "
        f"print(json.dumps([m for m in {NOT_AT_START!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []
