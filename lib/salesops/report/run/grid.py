"""The run grid: quarter x team x analysis, each a notebook with checked parameters.

Analyses are the notebooks that have a cell tagged ``parameters``; adding a notebook adds an
analysis. The grid always starts with the all-teams roll-up (team ``ALL_TEAMS``, ``all``, in
folder ``all``), which leadership reads first, followed by the selected teams. Team names reach
the filesystem only through ``slugify`` (see ``salesops.report.run.folders`` for which folder a
name gets) and ``contained_path``.
"""

from __future__ import annotations

import ast
import hashlib
import json
import keyword
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salesops.errors import ParamsError, excerpt
from salesops.periods import Quarter
from salesops.vocabulary import ALL_TEAMS, SUMMARY

ReportKey = tuple[str, str, str]  # quarter, team, analysis
RUN_PARAMETERS = ("quarter", "team", "source")
_SLUG_MAX = 60
_ALLOWED = re.compile(r"\ballowed:\s*(.+?)\s*$")  # in a parameter's help comment
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
    "none": (type(None),),
    "nonetype": (type(None),),
}


@dataclass(frozen=True)
class Job:
    """One report: a notebook run for a quarter and a team with its injected parameters.

    ``problem`` is set when the notebook cannot take these parameters (e.g. it declares
    ``quarter`` as a number); such a job fails as ``bad_parameter`` without starting a kernel.
    """

    quarter: str
    team: str
    team_slug: str
    analysis: str
    notebook: Path
    parameters: dict[str, Any] = field(hash=False)
    problem: str | None = None

    @property
    def key(self) -> ReportKey:
        return (self.quarter, self.team, self.analysis)


def _parameters_source(path: Path) -> str | None:
    """The source of the notebook's first code cell tagged ``parameters``; None if it has none.

    The notebook is read as JSON: the run plans without importing nbformat or papermill.
    """
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError) as exc:
        raise ParamsError(f"notebook {path} cannot be read: {exc}") from None
    for cell in cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code" and "parameters" in tags:
            source = cell.get("source", "")
            return "".join(source) if isinstance(source, list) else str(source)
    return None


def has_parameters_cell(path: Path) -> bool:
    """Whether the notebook at ``path`` has a code cell tagged ``parameters``."""
    return _parameters_source(path) is not None


@dataclass(frozen=True)
class Notebooks:
    """The notebooks folder: its analyses, and the notebooks that cannot be one (stem -> why:
    not readable as a notebook, or a parameters cell that does not parse)."""

    analyses: dict[str, Path]
    broken: dict[str, str]


def find_notebooks(notebooks_dir: Path) -> Notebooks:
    """Every ``*.ipynb`` in ``notebooks_dir`` by file stem, sorted with ``SUMMARY`` first: those
    with a ``parameters`` cell are analyses; one without is no analysis (a scratch notebook) and
    is left out."""
    if not notebooks_dir.is_dir():
        raise ParamsError(f"notebooks folder {notebooks_dir} does not exist")
    analyses: dict[str, Path] = {}
    broken: dict[str, str] = {}
    for path in sorted(notebooks_dir.glob("*.ipynb"), key=lambda p: (p.stem != SUMMARY, p.name)):
        try:
            if has_parameters_cell(path):
                _check_declarations(path)
                analyses[path.stem] = path
        except ParamsError as exc:
            broken[path.stem] = str(exc)
    if not analyses and not broken:
        raise ParamsError(f"no notebook with a cell tagged 'parameters' in {notebooks_dir}")
    return Notebooks(analyses, broken)


def _check_declarations(notebook: Path) -> None:
    """The parameters cell parses, and so does every ``allowed:`` in it; ParamsError if not."""
    for name, record in declared_parameters(notebook).items():
        try:
            _allowed(record["help"])
        except ParamsError as exc:
            raise ParamsError(f"the parameters cell of {notebook}: {name}: {exc}") from None


def select_analyses(notebooks: Notebooks, requested: Iterable[str]) -> dict[str, Path]:
    """The requested analyses in the order given (every one when none or ``all``); a broken
    notebook is refused only when it is named."""
    known = notebooks.analyses
    names = list(dict.fromkeys(requested))
    if not names or names == ["all"]:
        return dict(known)
    broken = [f"{name!r} ({notebooks.broken[name]})" for name in names if name in notebooks.broken]
    if broken:
        raise ParamsError(f"analysis {'; '.join(broken)}")
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ParamsError(
            f"unknown analysis {', '.join(map(repr, unknown))} (known analyses: {', '.join(known)})"
        )
    return {name: known[name] for name in names}


def short_hash(text: str, length: int = 8) -> str:
    """The first ``length`` hex digits of the SHA-256 of ``text``'s exact UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def slugify(team: str) -> str:
    """A folder name for ``team``: lowercase ASCII letters, digits and dashes, never empty.

    Accents are transliterated (``Zürich`` -> ``zurich``); anything else becomes a dash, so
    ``../../etc/passwd`` -> ``etc-passwd``. A name with no letters or digits left gets a short
    hash of the name (``team-1a2b3c4d``).
    """
    ascii_text = unicodedata.normalize("NFKD", team).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[:_SLUG_MAX].rstrip("-")
    return slug or f"team-{short_hash(team)}"


def contained_path(base: Path, *parts: str) -> Path:
    """``base / parts`` resolved; ParamsError if the result would leave ``base``."""
    root = base.resolve()
    target = root.joinpath(*parts).resolve()
    if not target.is_relative_to(root):
        raise ParamsError(f"refusing to write {target}: it is outside the output folder {root}")
    return target


def resolve_quarters(
    requested: Iterable[str], *, latest: Quarter, earliest: Quarter
) -> list[Quarter]:
    """Quarter labels (or ``latest``) checked against the data's complete quarters, de-duplicated.

    ``latest`` is the data's last complete quarter; a label after it or before ``earliest``
    is a ParamsError that names the range, and so is any request when the data's first quarter
    (``earliest``) has not ended yet.
    """
    if earliest > latest:
        raise ParamsError(
            f"the data has no complete quarter yet: its first deal is in {earliest.label}, which "
            "has not ended; a run renders complete quarters (a notebook reads one in progress)"
        )
    quarters: list[Quarter] = []
    for label in requested:
        if str(label).strip().lower() == "latest":
            quarter = latest
        else:
            quarter = Quarter.parse(label, latest.start_month)
            if not earliest <= quarter <= latest:
                raise ParamsError(
                    f"quarter {quarter.label} is outside the data: complete quarters run "
                    f"from {earliest.label} to {latest.label}"
                )
        if quarter not in quarters:
            quarters.append(quarter)
    if not quarters:
        raise ParamsError("no quarter to run: give a label like 2026Q3, or latest")
    return quarters


def resolve_teams(
    requested: Iterable[str], known: Iterable[str], *, rollup: bool = True
) -> list[str]:
    """``all`` (the roll-up) first unless ``rollup`` is off, then the requested teams; ``all``
    alone selects every team."""
    known_teams = list(known)
    names = list(dict.fromkeys(str(team) for team in requested))
    if not names or ALL_TEAMS in names:
        selected = known_teams
    else:
        unknown = [name for name in names if name not in known_teams]
        if unknown:
            raise ParamsError(
                f"unknown team {', '.join(map(repr, unknown))} "
                f"(teams in the data: {', '.join(known_teams) or 'none'})"
            )
        selected = names
    teams = [team for team in selected if team != ALL_TEAMS]
    return [ALL_TEAMS, *teams] if rollup else teams


def _accepted_types(type_name: str, default: str) -> tuple[type, ...] | None:
    """Python types a parameter accepts, from its annotation or else its default's literal type.

    None means the declaration cannot be checked (an annotation this function does not know).
    """
    if type_name in ("", "None"):  # papermill's name for "no annotation"
        try:
            value = ast.literal_eval(default)
        except (ValueError, SyntaxError):
            return None
        return None if value is None else (type(value),)
    accepted: list[type] = []
    for part in re.split(r"\s*\|\s*", type_name.strip()):
        base = part.split("[", 1)[0].strip().lower()
        if base in ("optional", "typing.optional"):
            inner = _accepted_types(part[part.index("[") + 1 : -1], default)
            if inner is None:
                return None
            accepted.extend((*inner, type(None)))
        elif base in _PYTHON_TYPES:
            accepted.extend(_PYTHON_TYPES[base])
        else:
            return None
    return tuple(accepted)


def _allowed(help_text: str) -> tuple[str, list[tuple[Any, Any]]] | None:
    """The values a parameter's help comment allows after ``allowed:``: the text and its
    (low, high) pairs (``-1, 1..3650``: -1, or 1 to 3650; ``0..``: 0 or more; ``"a", "b"``:
    either word); None when it declares none. A declaration that does not parse is a
    ParamsError."""
    found = _ALLOWED.search(help_text)
    if not found:
        return None
    pairs = []
    for item in found.group(1).split(","):
        low, dots, high = item.strip().partition("..")
        try:
            bounds = [ast.literal_eval(b.strip()) if b.strip() else None for b in (low, high)]
        except (ValueError, SyntaxError):
            raise ParamsError(f"cannot read the allowed values {found.group(1)!r}") from None
        pairs.append((bounds[0], bounds[1]) if dots else (bounds[0], bounds[0]))
    return found.group(1), pairs


def _range_words(low: Any, high: Any) -> str:
    """``(1, None)`` reads "1 or more", ``(0, 24)`` "0 to 24", ``(-1, -1)`` "-1"."""
    if low == high:
        return repr(low)
    if high is None:
        return f"{low!r} or more"
    if low is None:
        return f"{high!r} or less"
    return f"{low!r} to {high!r}"


def _in_words(pairs: list[tuple[Any, Any]]) -> str:
    """``[(-1, -1), (1, None)]`` reads "-1, or 1 or more"."""
    return ", or ".join(_range_words(low, high) for low, high in pairs)


def _within(value: Any, low: Any, high: Any) -> bool:
    """``low <= value <= high`` (an open end when None), False for values that do not compare."""
    try:
        return (low is None or low <= value) and (high is None or value <= high)
    except TypeError:
        return False


def parameter_problem(name: str, value: Any, declared: Mapping[str, Any]) -> str | None:
    """Why ``value`` cannot be given to the declared parameter ``name``, or None if it can: its
    type (the annotation, else the default's) or the values its help comment allows."""
    type_name = str(declared.get("inferred_type_name") or "")
    types = _accepted_types(type_name, declared["default"])
    if types is None:
        return None
    bool_as_number = isinstance(value, bool) and bool not in types
    if isinstance(value, types) and not bool_as_number:
        allowed = _allowed(str(declared.get("help") or ""))
        if allowed is None or any(_within(value, low, high) for low, high in allowed[1]):
            return None
        return (
            f"parameter {name!r} must be {_in_words(allowed[1])} (allowed: {allowed[0]} in the "
            f"notebook's parameters cell), got {excerpt(value)}"
        )
    wanted = type_name if type_name not in ("", "None") else types[0].__name__
    return (
        f"parameter {name!r} is declared {wanted} in the notebook's parameters cell, "
        f"got {excerpt(value)} ({type(value).__name__})"
    )


def declared_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """Names, annotated types, defaults and help of the notebook's parameters cell.

    The same record per name as papermill's ``inspect_notebook`` (``inferred_type_name`` is
    "None" without an annotation; ``default`` is the value's source text; ``help`` the comment
    after it), read with ``ast``. A cell that is not valid Python is a ParamsError.
    """
    source = _parameters_source(notebook) or ""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParamsError(
            f"the parameters cell of {notebook} is not valid Python: {exc.msg} (line {exc.lineno})"
        ) from None
    lines = source.splitlines()
    declared: dict[str, dict[str, Any]] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and node.value is not None:
            target, annotation = node.target, ast.get_source_segment(source, node.annotation)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, annotation = node.targets[0], "None"
        else:
            continue
        if not isinstance(target, ast.Name) or node.end_lineno is None:
            continue
        after = lines[node.end_lineno - 1][node.end_col_offset or 0 :].strip()
        declared[target.id] = {
            "name": target.id,
            "inferred_type_name": annotation or "None",
            "default": ast.get_source_segment(source, node.value),
            "help": after[1:].strip() if after.startswith("#") else "",
        }
    return declared


def check_extra_parameters(
    analyses: Mapping[str, Path],
    known: Iterable[str],
    extra: Mapping[str, Mapping[str, Any]],
    declared: Mapping[str, Mapping[str, Mapping[str, Any]]],
) -> None:
    """Per-analysis parameters from the run file: known analysis, identifier, declared, typed."""
    known_names = list(known)
    problems: list[str] = []
    for analysis, values in extra.items():
        if analysis not in known_names:
            problems.append(
                f"parameters for unknown analysis {analysis!r} "
                f"(known analyses: {', '.join(known_names)})"
            )
            continue
        if analysis not in analyses:
            continue
        for name, value in values.items():
            where = f"parameters.{analysis}.{name}"
            if not name.isidentifier() or keyword.iskeyword(name):
                problems.append(f"{where}: not a Python identifier")
            elif name in RUN_PARAMETERS:
                problems.append(f"{where}: set by the run itself, not the params file")
            elif name not in declared[analysis]:
                names = ", ".join(n for n in declared[analysis] if n not in RUN_PARAMETERS)
                problems.append(
                    f"{where}: the {analysis} notebook has no such parameter "
                    f"(its parameters: {names or 'none besides quarter, team, source'})"
                )
            else:
                problem = parameter_problem(name, value, declared[analysis][name])
                if problem:
                    problems.append(f"{where}: {problem}")
    if problems:
        raise ParamsError("; ".join(problems))


def _run_parameter_problem(
    run_values: Mapping[str, Any], declared: Mapping[str, Any]
) -> str | None:
    """Why the notebook cannot take the run's own parameters (quarter, team, source)."""
    missing = [name for name in RUN_PARAMETERS if name not in declared]
    if missing:
        return f"the notebook's parameters cell does not declare {', '.join(missing)}"
    for name, value in run_values.items():
        problem = parameter_problem(name, value, declared[name])
        if problem:
            return problem
    return None


def expand_grid(
    quarters: Iterable[Quarter],
    teams: Iterable[str],
    analyses: Mapping[str, Path],
    *,
    source: str,
    preset: str,
    locale: str,
    extra: Mapping[str, Mapping[str, Any]],
    declared: Mapping[str, Mapping[str, Mapping[str, Any]]],
    folders: Mapping[str, str],
) -> list[Job]:
    """Every quarter x team x analysis, in that order, with the parameters to inject.

    ``preset`` and ``locale`` are injected only into notebooks that declare them; ``folders``
    gives each team's folder.
    """
    team_list = list(teams)
    jobs: list[Job] = []
    for quarter in quarters:
        for team in team_list:
            for analysis, notebook in analyses.items():
                run_values: dict[str, Any] = {
                    "quarter": quarter.label,
                    "team": team,
                    "source": source,
                }
                if preset and "preset" in declared[analysis]:
                    run_values["preset"] = preset
                if "locale" in declared[analysis]:
                    run_values["locale"] = locale
                jobs.append(
                    Job(
                        quarter=quarter.label,
                        team=team,
                        team_slug=folders[team],
                        analysis=analysis,
                        notebook=notebook,
                        parameters={**run_values, **extra.get(analysis, {})},
                        problem=_run_parameter_problem(run_values, declared[analysis]),
                    )
                )
    return jobs
