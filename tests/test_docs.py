"""docs/metrics.md stays honest: every test it cites exists, every metric function is in it, and
every heading (whose GitHub anchor other pages link to) is unique.

"Every metric function" means every public function (no leading underscore) defined in the
metric modules of ``salesops.metrics``: cohort, flow, forecast, funnel, pipeline, quota, scope,
stats.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "metrics.md"
MODULES = (
    "acquisition",
    "activity",
    "cohort",
    "enablement",
    "flow",
    "forecast",
    "funnel",
    "landing",
    "pipeline",
    "quota",
    "retention",
    "scope",
    "slippage",
    "stalls",
    "stats",
    "touches",
)
# `tests/metrics/test_funnel.py::test_win_rate_by_count_and_amount`
TEST_REFERENCE = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _defined_tests(path: Path) -> set[str]:
    """The names of the test functions defined at the top level of ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("test_")
    }


def _metric_functions() -> list[str]:
    names = []
    for name in MODULES:
        module = importlib.import_module(f"salesops.metrics.{name}")
        names += [
            f"{name}.{function}"
            for function, value in vars(module).items()
            if inspect.isfunction(value)
            and value.__module__ == module.__name__
            and not function.startswith("_")
        ]
    return names


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_cited_test_exists() -> None:
    references = TEST_REFERENCE.findall(_doc())
    assert len(references) >= 40, "the doc cites a test for each metric"
    missing = []
    for file, name in sorted(set(references)):
        path = ROOT / file
        if not path.is_file() or name not in _defined_tests(path):
            missing.append(f"{file}::{name}")
    assert not missing, f"docs/metrics.md cites tests that do not exist: {missing}"


@pytest.mark.parametrize("qualified", _metric_functions())
def test_every_metric_function_is_in_the_doc(qualified: str) -> None:
    function = qualified.rsplit(".", 1)[1]
    # named as code: `win_rate`, `funnel.win_rate` or `win_rate()`
    assert re.search(rf"`(?:[\w.]+\.)?{function}(?:\(\))?`", _doc()), (
        f"{qualified} is not described in docs/metrics.md"
    )


def test_headings_are_unique_and_every_link_within_the_doc_lands_on_one() -> None:
    text = _doc()
    headings = [_anchor(h) for h in re.findall(r"^#{2,4} (.+)$", text, flags=re.MULTILINE)]
    repeated = sorted({a for a in headings if headings.count(a) > 1})
    assert not repeated, f"headings repeat, so GitHub numbers their anchors: {repeated}"
    dangling = sorted(set(re.findall(r"\]\(#([\w-]+)\)", text)) - set(headings))
    assert not dangling, f"links to headings that do not exist: {dangling}"


@pytest.mark.parametrize(
    ("analysis", "section"),
    [
        ("funnel", "Funnel"),
        ("cohort", "Cohort"),
        ("forecast_accuracy", "Forecast accuracy"),
        ("quota", "Quota"),
        ("pipeline", "Pipeline flow"),
        ("efficiency", "Efficiency"),
        ("unit_economics", "Unit economics"),
        ("summary", "Quarterly summary"),
    ],
)
def test_each_report_s_caveats_say_where_its_numbers_are_defined(
    analysis: str, section: str
) -> None:
    module = importlib.import_module(f"salesops.analyses.{analysis}")
    caveats = module.open_report("2026Q2").caveats().markdown
    anchor = section.lower().replace(" ", "-")  # how GitHub and JupyterLab name a heading
    assert f"docs/metrics.md#{anchor} in the salesops project" in caveats
    headings = (Path(__file__).parents[1] / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert f"\n## {section}\n" in headings
