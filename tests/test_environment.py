"""environment.yml (conda) and pyproject.toml list the same dependencies with the same bounds."""

from __future__ import annotations

import re
import tomllib

import yaml

from salesops.config import ROOT

# conda-forge names of packages whose PyPI name differs
CONDA_TO_PYPI = {
    "python-duckdb": "duckdb",
    "ibis-duckdb": "ibis-framework[duckdb,postgres]",
    "ibis-postgres": "ibis-framework[duckdb,postgres]",
    "psycopg": "psycopg[binary]",  # conda's psycopg carries libpq, as the binary wheel does
}
_REQUIREMENT = re.compile(r"^([A-Za-z0-9_.\-]+(?:\[[a-z,]+\])?)\s*(.*)$")


def _split(requirement: str) -> tuple[str, str]:
    match = _REQUIREMENT.match(requirement.strip())
    assert match, f"unreadable requirement {requirement!r}"
    return match.group(1).lower(), match.group(2).replace(" ", "")


def _pyproject() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return dict(_split(r) for r in data["project"]["dependencies"])


def _conda() -> tuple[dict[str, str], list[object]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps: dict[str, str] = {}
    rest: list[object] = []
    for dep in env["dependencies"]:
        if isinstance(dep, str) and not dep.startswith(("python>", "python=", "pip")):
            name, spec = _split(dep)
            deps[CONDA_TO_PYPI.get(name, name)] = spec
        elif not ((isinstance(dep, str) and dep in {"pip"}) or str(dep).startswith("python")):
            rest.append(dep)
    return deps, rest


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    conda, _ = _conda()
    assert conda == _pyproject()


def test_environment_yml_allows_the_pythons_of_pyproject_and_installs_the_dev_extras() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11,<3.14"
    assert f"python{requires}" in env["dependencies"]
    _, rest = _conda()
    assert {"pip": ["-e .[dev]"]} in rest


def test_the_makefile_and_the_classifiers_name_the_pythons_that_requires_python_allows() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    allowed = ["3.13", "3.12", "3.11"]  # requires-python: >=3.11,<3.14
    assert project["requires-python"] == ">=3.11,<3.14"
    classifiers = [c.rsplit(" :: ", 1)[1] for c in project["classifiers"] if "Python :: 3." in c]
    assert sorted(classifiers, reverse=True) == allowed
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^SUPPORTED_PYTHONS := (.+)$", makefile, re.M).group(1).split() == allowed


def test_sqlglot_is_capped_below_the_release_that_breaks_ibis_create_table() -> None:
    assert _pyproject()["sqlglot"] == "<30.18"


def test_nbconvert_floor_carries_the_security_fixes() -> None:
    assert _pyproject()["nbconvert"] == ">=7.17.1"
