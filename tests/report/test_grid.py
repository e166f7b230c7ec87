"""The run grid: analyses found by their parameters cell, safe slugs, checked parameters."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from salesops.errors import ParamsError
from salesops.periods import Quarter
from salesops.report.run import grid

FIXTURES = Path(__file__).parents[1] / "fixtures" / "notebooks"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    ("team", "slug"),
    [
        ("West Coast", "west-coast"),
        ("Zürich Süd", "zurich-sud"),
        ("Partners & Channel", "partners-channel"),
        ("../../etc/passwd", "etc-passwd"),
        ("Sales/EMEA", "sales-emea"),
        ("<script>alert('x')</script>", "script-alert-x-script"),
        ("all", "all"),
    ],
)
def test_slug_keeps_letters_digits_and_dashes(team: str, slug: str) -> None:
    assert grid.slugify(team) == slug


@pytest.mark.parametrize("team", ["", "日本営業", "../..", "   ", "🚀"])
def test_slug_of_a_name_without_ascii_letters_is_a_short_hash(team: str) -> None:
    slug = grid.slugify(team)
    assert SLUG.match(slug) and slug.startswith("team-")
    assert slug != grid.slugify(team + "x")


def test_contained_path_refuses_anything_outside_the_base(tmp_path: Path) -> None:
    assert grid.contained_path(tmp_path, "2026Q3", "smb") == tmp_path.resolve() / "2026Q3" / "smb"
    for parts in (("..", "elsewhere"), ("2026Q3", "../../x"), ("/etc/passwd",)):
        with pytest.raises(ParamsError, match="outside the output folder"):
            grid.contained_path(tmp_path, *parts)
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(ParamsError, match="outside the output folder"):
        grid.contained_path(tmp_path, "link", "file.html")


def test_a_notebook_with_a_parameters_cell_is_an_analysis(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "ok.ipynb", tmp_path / "funnel.ipynb")
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "scratch.ipynb")
    assert list(grid.find_notebooks(tmp_path).analyses) == ["funnel"]
    shutil.copy(FIXTURES / "ok.ipynb", tmp_path / "churn.ipynb")
    assert list(grid.find_notebooks(tmp_path).analyses) == ["churn", "funnel"]
    shutil.copy(FIXTURES / "ok.ipynb", tmp_path / "summary.ipynb")  # it sums up: first
    assert list(grid.find_notebooks(tmp_path).analyses) == ["summary", "churn", "funnel"]


def test_unknown_analysis_lists_the_known_ones(tmp_path: Path) -> None:
    known = {"cohort": tmp_path / "cohort.ipynb", "funnel": tmp_path / "funnel.ipynb"}
    notebooks = grid.Notebooks(known, {"draft": "notebook draft.ipynb cannot be read"})
    assert list(grid.select_analyses(notebooks, [])) == ["cohort", "funnel"]
    assert list(grid.select_analyses(notebooks, ["funnel"])) == ["funnel"]
    with pytest.raises(ParamsError, match=r"unknown analysis 'funel' \(known analyses: cohort, f"):
        grid.select_analyses(notebooks, ["funel"])
    with pytest.raises(ParamsError, match=r"^analysis 'draft' \(notebook draft.ipynb cannot be"):
        grid.select_analyses(notebooks, ["funnel", "draft"])


def test_a_broken_notebook_is_set_aside_and_the_others_are_analyses(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "ok.ipynb", tmp_path / "funnel.ipynb")
    (tmp_path / "draft.ipynb").write_text('{"cells": [')
    _parameters_notebook(tmp_path, "quarter: str = (\n").rename(tmp_path / "half.ipynb")
    _parameters_notebook(tmp_path, "n: int = 1  # allowed: 1..x\n").rename(tmp_path / "r.ipynb")
    notebooks = grid.find_notebooks(tmp_path)
    assert list(notebooks.analyses) == ["funnel"]
    assert sorted(notebooks.broken) == ["draft", "half", "r"]
    assert notebooks.broken["draft"].startswith(f"notebook {tmp_path}/draft.ipynb cannot be read")
    assert "not valid Python" in notebooks.broken["half"]
    assert notebooks.broken["r"] == (
        f"the parameters cell of {tmp_path}/r.ipynb: n: cannot read the allowed values '1..x'"
    )


@pytest.mark.parametrize(
    ("allowed", "inside", "outside", "words"),
    [
        ("-1, 1..", [-1, 1, 10**9], [-5, 0], "-1, or 1 or more"),
        ("0..24", [0, 12, 24], [-1, 25], "0 to 24"),
        ("..0.5", [0.5, -3.0], [0.75], "0.5 or less"),
        ('"exclude", "censor"', ["exclude", "censor"], ["Exclude", ""], "'exclude', or 'censor'"),
    ],
)
def test_a_parameter_takes_only_the_values_its_comment_allows(
    allowed: str, inside: list, outside: list, words: str
) -> None:
    default = repr(inside[0])
    declared = {"inferred_type_name": "None", "default": default, "help": f"x; allowed: {allowed}"}
    assert all(grid.parameter_problem("p", value, declared) is None for value in inside)
    for value in outside:
        assert grid.parameter_problem("p", value, declared) == (
            f"parameter 'p' must be {words} (allowed: {allowed} in the notebook's parameters "
            f"cell), got {value!r}"
        )


def test_quarters_are_checked_against_the_data() -> None:
    latest, earliest = Quarter(2026, 3), Quarter(2023, 4)
    picked = grid.resolve_quarters(["latest", "2026Q3", "2025q1"], latest=latest, earliest=earliest)
    assert [q.label for q in picked] == ["2026Q3", "2025Q1"]
    for label in ("2026Q4", "2023Q3"):
        with pytest.raises(ParamsError, match=f"{label}.*from 2023Q4 to 2026Q3"):
            grid.resolve_quarters([label], latest=latest, earliest=earliest)
    with pytest.raises(ParamsError, match="not a label like 2026Q3"):
        grid.resolve_quarters(["last"], latest=latest, earliest=earliest)


def test_data_with_no_complete_quarter_runs_none_not_an_empty_one() -> None:
    # every deal is in 2026Q3, still in progress: "latest" (2026Q2) holds nothing to report
    for label in ("latest", "2026Q2", "2026Q3"):
        with pytest.raises(ParamsError, match=r"no complete quarter yet: .* in 2026Q3"):
            grid.resolve_quarters([label], latest=Quarter(2026, 2), earliest=Quarter(2026, 3))


def test_the_rollup_always_comes_first_and_unknown_teams_are_named() -> None:
    known = ["East", "West"]
    assert grid.resolve_teams([], known) == ["all", "East", "West"]
    assert grid.resolve_teams(["all"], known) == ["all", "East", "West"]
    assert grid.resolve_teams(["West"], known) == ["all", "West"]
    assert grid.resolve_teams(["West"], known, rollup=False) == ["West"]
    assert grid.resolve_teams([], known, rollup=False) == ["East", "West"]
    with pytest.raises(ParamsError, match=r"unknown team 'North' \(teams in the data: East, W"):
        grid.resolve_teams(["West", "North"], known)


def test_values_must_have_the_declared_type() -> None:
    declared = grid.declared_parameters(FIXTURES / "timeout.ipynb")
    assert grid.parameter_problem("seconds", 2, declared["seconds"]) is None
    assert grid.parameter_problem("seconds", 2.5, declared["seconds"]) is None
    assert "declared float" in grid.parameter_problem("seconds", "2", declared["seconds"])
    assert "declared float" in grid.parameter_problem("seconds", True, declared["seconds"])
    untyped = {"inferred_type_name": "None", "default": "[1, 2]"}
    assert grid.parameter_problem("weeks", [3], untyped) is None
    assert "declared list" in grid.parameter_problem("weeks", 3, untyped)
    optional = {"inferred_type_name": "int | None", "default": "None"}
    assert grid.parameter_problem("cap", None, optional) is None
    assert grid.parameter_problem("cap", 3, optional) is None


def test_params_file_parameters_must_be_declared_identifiers_of_the_right_type() -> None:
    analyses = {"timeout": FIXTURES / "timeout.ipynb"}
    declared = {"timeout": grid.declared_parameters(FIXTURES / "timeout.ipynb")}
    known = ["ok", "timeout"]
    grid.check_extra_parameters(analyses, known, {"timeout": {"seconds": 1}}, declared)
    grid.check_extra_parameters(analyses, known, {"ok": {"anything": 1}}, declared)  # not run
    cases = {
        "no such parameter": {"timeout": {"minutes": 1}},
        "declared float": {"timeout": {"seconds": "soon"}},
        "not a Python identifier": {"timeout": {"import os; x": 1}},
        "set by the run itself": {"timeout": {"team": "West"}},
        "unknown analysis 'funnel'": {"funnel": {"seconds": 1}},
    }
    for message, extra in cases.items():
        with pytest.raises(ParamsError, match=re.escape(message)):
            grid.check_extra_parameters(analyses, known, extra, declared)


def test_grid_injects_run_parameters_and_flags_notebooks_that_cannot_take_them() -> None:
    analyses = {name: FIXTURES / f"{name}.ipynb" for name in ("ok", "bad_parameter", "timeout")}
    declared = {name: grid.declared_parameters(path) for name, path in analyses.items()}
    jobs = grid.expand_grid(
        [Quarter(2026, 3)],
        ["all", "../West"],
        analyses,
        source="crm.duckdb",
        preset="generic",
        locale="fr_FR",
        extra={"timeout": {"seconds": 0.5}},
        declared=declared,
        folders={"all": "all", "../West": "west"},
    )
    assert [(j.team_slug, j.analysis) for j in jobs] == [
        ("all", "ok"),
        ("all", "bad_parameter"),
        ("all", "timeout"),
        ("west", "ok"),
        ("west", "bad_parameter"),
        ("west", "timeout"),
    ]
    ok, bad, timeout = jobs[3:]
    # preset and locale go only to notebooks that declare them (these fixtures do not)
    assert ok.parameters == {"quarter": "2026Q3", "team": "../West", "source": "crm.duckdb"}
    assert ok.problem is None and timeout.parameters["seconds"] == 0.5
    assert bad.problem and "'quarter' is declared int" in bad.problem


def _parameters_notebook(folder: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), cell]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python"}
    path = folder / "cell.ipynb"
    nbformat.write(nb, path)
    return path


def test_declared_parameters_read_a_plain_cell_as_papermill_does(tmp_path: Path) -> None:
    from papermill.inspection import inspect_notebook

    source = 'quarter: str = "2026Q3"  # fiscal quarter\nteam: str = "all"\nwindow = 90  # days\n'
    path = _parameters_notebook(tmp_path, source)
    assert grid.declared_parameters(path) == inspect_notebook(str(path))
    assert grid.declared_parameters(path)["window"] == {
        "name": "window",
        "inferred_type_name": "None",
        "default": "90",
        "help": "days",
    }


def test_declared_parameters_read_the_forms_a_line_by_line_reading_gets_wrong(
    tmp_path: Path,
) -> None:
    """A '#' inside a string, a union annotation, a value over several lines, a statement that
    is not an assignment: papermill 2.6's regular expressions misread each of these."""
    source = (
        "name = 'a # not a comment'\n"
        "limit: int | None = None  # at most\n"
        "options = {\n    'a': 1,\n}  # mapping\n"
        "import math\n"
        "x = math.pi\n"
        "print(x)\n"
    )
    declared = grid.declared_parameters(_parameters_notebook(tmp_path, source))
    assert {
        name: (d["inferred_type_name"], d["default"], d["help"]) for name, d in declared.items()
    } == {
        "name": ("None", "'a # not a comment'", ""),
        "limit": ("int | None", "None", "at most"),
        "options": ("None", "{\n    'a': 1,\n}", "mapping"),
        "x": ("None", "math.pi", ""),
    }


def test_a_parameters_cell_that_is_not_python_is_named(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("quarter: str = (\n")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nbformat.write(nb, tmp_path / "broken.ipynb")
    with pytest.raises(ParamsError, match=r"parameters cell of .*broken.ipynb is not valid Python"):
        grid.declared_parameters(tmp_path / "broken.ipynb")
