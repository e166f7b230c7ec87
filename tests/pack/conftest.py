"""Real runs of ``salesops run --pdf`` on the demo CRM, printed by Debian's Chromium, and their
packs read back with pdfplumber.

Two runs, each once per session, in project roots of their own: a quick one of two analyses and
a stand-in summary notebook (``tests/fixtures/notebooks/summary.ipynb``) for SMB and the
all-teams roll-up, and one of every analysis, started from a copy of the quick one's output so
that the reports they share are reused.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from pack_reading import QUARTER, Printed

from salesops import config
from salesops.data.demo import write_demo

Run = Callable[..., subprocess.CompletedProcess[str]]

CHROMIUM = "/usr/bin/chromium"
SUMMARY_NOTEBOOK = Path(__file__).parents[1] / "fixtures" / "notebooks" / "summary.ipynb"
QUICK_ANALYSES = ("funnel", "quota")


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def demo_crm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pack-crm") / "demo.duckdb"
    write_demo(path)
    return path


@pytest.fixture(scope="session")
def pack_project(tmp_path_factory: pytest.TempPathFactory) -> Callable[[list[Path]], Path]:
    """``pack_project(notebooks)``: a project root whose notebooks folder holds these."""

    def make(notebooks: list[Path]) -> Path:
        root = tmp_path_factory.mktemp("pack-project")
        (root / "notebooks").mkdir()
        for notebook in notebooks:
            shutil.copy(notebook, root / "notebooks" / notebook.name)
        return root

    return make


@pytest.fixture(scope="session")
def run_pdf(
    demo_crm: Path, chromium: str, salesops_in: Callable[[Path], Run]
) -> Callable[..., Printed]:
    """``run_pdf(root, out, *args, **env)``: ``salesops run --pdf`` of the demo's SMB and
    roll-up in project root ``root`` into ``out``; fails the test unless it exits 0."""

    def run(root: Path, out: Path, *args: str, **env: str) -> Printed:
        done = salesops_in(root)(
            *("run", "--pdf", "--quarter", QUARTER, "--team", "SMB", "--jobs", "2"),
            *("--source", str(demo_crm), "--out", str(out), *args),
            **env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return Printed(root, out, done.stdout + done.stderr)

    return run


@pytest.fixture(scope="session")
def quick(
    pack_project: Callable[[list[Path]], Path],
    run_pdf: Callable[..., Printed],
    tmp_path_factory: pytest.TempPathFactory,
) -> Printed:
    """Funnel, quota and the stand-in summary, for SMB and the roll-up, with their packs."""
    notebooks = [config.NOTEBOOKS_DIR / f"{name}.ipynb" for name in QUICK_ANALYSES]
    root = pack_project([*notebooks, SUMMARY_NOTEBOOK])
    return run_pdf(root, tmp_path_factory.mktemp("quick") / "reports")


@pytest.fixture(scope="session")
def full(
    quick: Printed,
    pack_project: Callable[[list[Path]], Path],
    run_pdf: Callable[..., Printed],
    tmp_path_factory: pytest.TempPathFactory,
) -> Printed:
    """Every analysis, into a copy of the quick run's folder (whose summaries stay)."""
    out = tmp_path_factory.mktemp("full") / "reports"
    shutil.copytree(quick.out, out)
    return run_pdf(pack_project(sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))), out)


@pytest.fixture
def copy_of(tmp_path: Path) -> Callable[[Printed], Printed]:
    """A copy of a run's folder, for a test that runs again into it."""

    def copy(printed: Printed) -> Printed:
        out = tmp_path / "reports"
        shutil.copytree(printed.out, out)
        return Printed(printed.root, out, printed.output)

    return copy
