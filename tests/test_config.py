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


def _laughs(levels: int) -> str:
    """A billion-laughs list nested ``levels`` deep: each level lists the previous one nine times,
    so it expands to 9**levels strings (9**9 = 387,420,489) from a few hundred bytes."""
    items = ["&l0 [" + ", ".join(["lol"] * 9) + "]"]
    items += [f"&l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "quarters: [" + ", ".join(items) + "]\n"


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    path = _write(tmp_path, _laughs(9))
    assert len(path.read_bytes()) < 600
    with pytest.raises(ParamsError) as caught:
        load_run_spec(path)
    assert str(caught.value) == (
        f"{path}: YAML anchors and aliases (&name, *name) are not allowed (line 1, column 12)"
    )


def test_deep_nesting_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "quarters: " + "[" * 10_000 + "]" * 10_000 + "\n")
    with pytest.raises(ParamsError) as caught:
        load_run_spec(path)
    assert str(caught.value) == (
        f"{path}: YAML nested more than 20 levels deep (line 1, column 30)"
    )


def test_a_long_bad_value_is_echoed_as_a_short_excerpt(tmp_path: Path) -> None:
    with pytest.raises(ParamsError) as caught:
        load_run_spec(_write(tmp_path, "jobs: " + "x" * 100_000 + "\n"))
    echoed = str(caught.value).split("(got ", 1)[1]
    assert echoed == "'" + "x" * 78 + "…)"  # 80 characters of the repr, the last an ellipsis


def test_a_long_unknown_key_is_echoed_as_a_short_excerpt(tmp_path: Path) -> None:
    with pytest.raises(ParamsError) as caught:
        load_org_settings(_write(tmp_path, "? " + "k" * 100_000 + "\n: 1\n"))
    assert len(str(caught.value)) < 400 and "'kkkk" in str(caught.value)


def test_thousands_of_bad_values_are_summed_up(tmp_path: Path) -> None:
    with pytest.raises(ParamsError) as caught:
        load_run_spec(_write(tmp_path, "quarters: [" + ", ".join(["[]"] * 5000) + "]\n"))
    message = str(caught.value)
    assert message.endswith("; and 4,995 more") and message.count("quarters.") == 5
