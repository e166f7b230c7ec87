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
        if isinstance(dep, str) and not dep.startswith(("python=", "pip")):
            name, spec = _split(dep)
            deps[CONDA_TO_PYPI.get(name, name)] = spec
        elif not ((isinstance(dep, str) and dep in {"pip"}) or str(dep).startswith("python=")):
            rest.append(dep)
    return deps, rest


def test_environment_yml_lists_the_same_dependencies_as_pyproject() -> None:
    conda, _ = _conda()
    assert conda == _pyproject()


def test_environment_yml_pins_python_311_and_installs_the_project_with_dev_extras() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
    _, rest = _conda()
    assert {"pip": ["-e .[dev]"]} in rest


def test_sqlglot_is_capped_below_the_release_that_breaks_ibis_create_table() -> None:
    assert _pyproject()["sqlglot"] == "<30.18"


def test_nbconvert_floor_carries_the_security_fixes() -> None:
    assert _pyproject()["nbconvert"] == ">=7.17.1"
