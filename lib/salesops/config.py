"""Project paths and the params files: org defaults and the quarterly run, validated by pydantic.

Params files are YAML read with the safe loader, without anchors and aliases and at most
``MAX_YAML_DEPTH`` levels deep; an unknown key or a bad value raises ``ParamsError`` naming the file
and the key, and echoes at most an excerpt of the value. Credentials never go in a params file: a
source URL that holds a password or token is given whole in the ``SALESOPS_SOURCE`` environment
variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from salesops.errors import ParamsError, excerpt, shorten
from salesops.i18n import parse_locale


def _find_root() -> Path:
    """The project root: ``SALESOPS_ROOT`` if set, else the checkout that holds ``lib/salesops``."""
    env = os.environ.get("SALESOPS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "notebooks").is_dir():
            return parent
    return Path.cwd()


ROOT = _find_root()
NOTEBOOKS_DIR = ROOT / "notebooks"
ANALYSES_DIR = ROOT / "lib" / "salesops" / "analyses"  # report modules; new-analysis writes here
PARAMS_DIR = ROOT / "params"
REPORTS_DIR = ROOT / "reports"
DATA_DIR = ROOT / "data"
DEFAULT_SOURCE = DATA_DIR / "demo.duckdb"
ORG_PARAMS = PARAMS_DIR / "org.yaml"
ORG_PARAMS_ENV = "SALESOPS_ORG_PARAMS"  # another org settings file, as a run hands it to kernels
SOURCE_ENV = "SALESOPS_SOURCE"
RUN_PARAMS = PARAMS_DIR / "quarterly.yaml"
MAX_JOBS = 64  # reports at once, from the params file or --jobs
MAX_YAML_DEPTH = 20  # params files nest three or four levels; the YAML composer recurses per level
SHOWN_PROBLEMS = 5  # validation problems named in one message; the rest are counted


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrgSettings(_Strict):
    """Org-wide defaults shared by every analysis and run."""

    source: str = ""
    preset: str = ""
    fiscal_year_start_month: int = Field(1, ge=1, le=12)
    currency: str = Field("USD", min_length=3, max_length=3)
    ramp_months: int = Field(3, ge=0, le=24)
    small_sample: int = Field(20, ge=1)
    lead_conversion_window_days: int = Field(90, ge=1)
    gross_margin: float = Field(0.75, gt=0, le=1)
    cell_timeout_seconds: int = Field(600, ge=1)
    locale: str = Field("en_US", description="the reader's language and number format, e.g. fr_FR")

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        try:
            return str(parse_locale(value))
        except ParamsError as error:
            raise ValueError(str(error)) from None

    def resolved_source(self, override: str | None = None) -> str:
        """The source to open: the override (``--source``), else ``$SALESOPS_SOURCE``, else the
        configured one, else the demo file."""
        return override or os.environ.get(SOURCE_ENV) or self.source or str(DEFAULT_SOURCE)


class RunSpec(_Strict):
    """The quarterly run: which quarters, teams and analyses to render."""

    quarters: list[str] = Field(default_factory=lambda: ["latest"])
    teams: list[str] | Literal["all"] = "all"
    analyses: list[str] | Literal["all"] = "all"
    jobs: int | None = Field(None, ge=1, le=MAX_JOBS)
    out: str = ""
    parameters: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="per-analysis notebook parameters, e.g. {funnel: {lead_window_days: 60}}",
    )

    @field_validator("quarters")
    @classmethod
    def _quarters_not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one quarter, or 'latest'")
        return value


class _Refused(yaml.MarkedYAMLError):
    """YAML that is valid but not accepted in a params file."""


class _ParamsLoader(yaml.SafeLoader):
    """The safe loader without anchors and aliases, and at most ``MAX_YAML_DEPTH`` levels deep.

    Aliases let a few hundred bytes expand into gigabytes (the "billion laughs"), and params files
    have no use for them; the depth cap keeps the recursive composer from running out of stack.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if getattr(event, "anchor", None):  # an anchor (&name), or an alias (*name) of one
            problem = "YAML anchors and aliases (&name, *name) are not allowed"
            raise _Refused(problem=problem, problem_mark=event.start_mark)
        if self.depth >= MAX_YAML_DEPTH:
            problem = f"YAML nested more than {MAX_YAML_DEPTH} levels deep"
            raise _Refused(problem=problem, problem_mark=event.start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping with ``_ParamsLoader``; an empty file is an empty mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ParamsError(f"params file {path} does not exist") from exc
    except OSError as exc:  # a folder, a file that cannot be read
        raise ParamsError(f"cannot read params file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ParamsError(
            f"params file {path} is not UTF-8 text: {exc.reason} at byte {exc.start}"
        ) from None
    try:
        data = yaml.load(text, Loader=_ParamsLoader)  # a SafeLoader: builds no Python objects
    except _Refused as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ParamsError(f"{path}: {exc.problem}{where}") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of keys, got {type(data).__name__}")
    return data


M = TypeVar("M", bound=BaseModel)


def _validate(model: type[M], data: dict[str, Any], path: Path) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        lines = [_problem(model, err) for err in errors[:SHOWN_PROBLEMS]]
        if len(errors) > SHOWN_PROBLEMS:
            lines.append(f"and {len(errors) - SHOWN_PROBLEMS:,} more")
        raise ParamsError(f"{path}: " + "; ".join(lines)) from None


def _problem(model: type[BaseModel], err: Any) -> str:
    """One validation error: the key, and an excerpt of the value (a file may hold megabytes)."""
    key = ".".join(str(p) for p in err["loc"]) or "(top level)"
    if err["type"] == "extra_forbidden":
        known = ", ".join(sorted(model.model_fields))
        return f"unknown key {excerpt(key)} (known keys: {known})"
    return f"{shorten(key)}: {err['msg']} (got {excerpt(err.get('input'))})"


def load_org_settings(path: Path | None = None) -> OrgSettings:
    """Org defaults from ``path``, else ``$SALESOPS_ORG_PARAMS``, else ``params/org.yaml``
    (defaults when the file is absent)."""
    path = path or Path(os.environ.get(ORG_PARAMS_ENV) or ORG_PARAMS)
    if not path.exists():
        return OrgSettings()
    return _validate(OrgSettings, read_yaml(path), path)


def load_run_spec(path: Path | None = None) -> RunSpec:
    """The quarterly run from ``params/quarterly.yaml`` (defaults when the file is absent)."""
    path = path or RUN_PARAMS
    if not path.exists():
        return RunSpec()
    return _validate(RunSpec, read_yaml(path), path)
