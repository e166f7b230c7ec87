"""Params files: safe YAML, pydantic validation, errors that name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from salesops.config import ROOT, load_org_settings, load_run_spec
from salesops.errors import ParamsError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_committed_params_files_are_valid() -> None:
    assert load_org_settings(ROOT / "params" / "org.yaml").fiscal_year_start_month == 1
    assert load_run_spec(ROOT / "params" / "quarterly.yaml").quarters == ["latest"]


def test_unknown_key_is_named_with_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match=r"unknown key 'ramp_month'.*ramp_months"):
        load_org_settings(_write(tmp_path, "ramp_month: 3\n"))


def test_bad_value_is_named_with_what_was_given(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match=r"fiscal_year_start_month.*13"):
        load_org_settings(_write(tmp_path, "fiscal_year_start_month: 13\n"))
    with pytest.raises(ParamsError, match=r"jobs"):
        load_run_spec(_write(tmp_path, "jobs: many\n"))


def test_yaml_tags_that_build_python_objects_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="not valid YAML"):
        load_org_settings(_write(tmp_path, "source: !!python/object/apply:os.system ['true']\n"))


def test_a_list_where_a_mapping_belongs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="expected a mapping"):
        load_run_spec(_write(tmp_path, "- funnel\n"))


def test_missing_files_mean_defaults(tmp_path: Path) -> None:
    assert load_run_spec(tmp_path / "absent.yaml").teams == "all"
    assert load_org_settings(tmp_path / "absent.yaml").currency == "USD"
