"""``salesops new-analysis NAME``: a notebook and its report class, from templates that run as
they are.

The notebook goes to ``notebooks/NAME.ipynb`` and the class to ``lib/salesops/analyses/NAME.py``
of the project root (``salesops.config``); ``salesops.analyses`` imports from that folder
too when the root is not the checkout the package lives in. The templates are package data in
``scaffold_templates/``, filled in with ``string.Template`` (``$name``, ``$title``, ``$cls``):
Python's braces and JSON's need no escaping that way.
"""

from __future__ import annotations

import keyword
import pkgutil
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from salesops import config
from salesops.errors import ParamsError
from salesops.report.run.files import atomic_write_text

MAX_NAME = 40  # keeps the notebook's cell ids ("NAME-07") and the docstrings within bounds
_NAME = re.compile(rf"[a-z][a-z0-9_]{{0,{MAX_NAME - 1}}}")
_TEMPLATES = resources.files("salesops") / "scaffold_templates"
_PACKAGE_ANALYSES = Path(__file__).resolve().parent / "analyses"


@dataclass(frozen=True)
class Scaffold:
    """What ``new_analysis`` wrote."""

    notebook: Path
    module: Path


def check_name(name: str) -> None:
    """ParamsError unless ``name`` can be a module of ``salesops.analyses`` and an analysis:
    lowercase letters, digits and underscores, from a letter, not a keyword, not a shared module."""
    if not _NAME.fullmatch(name) or keyword.iskeyword(name):
        raise ParamsError(
            f"analysis name {name!r} is not a module name: use lowercase letters, digits and "
            f"underscores, starting with a letter, at most {MAX_NAME} characters, not a Python "
            "keyword (e.g. win_loss)"
        )
    shared = {m.name for m in pkgutil.iter_modules([str(_PACKAGE_ANALYSES)])}
    if name in shared and not (config.NOTEBOOKS_DIR / f"{name}.ipynb").exists():
        raise ParamsError(
            f"analysis name {name!r} is taken: salesops.analyses.{name} is a module the analyses "
            "share (or the package's own analysis); choose another name"
        )


def _fill(template: str, name: str) -> str:
    """The template with the analysis's name, its title (``win_loss`` -> ``Win loss``) and its
    report class (``WinLossReport``)."""
    title = name.replace("_", " ").capitalize()
    cls = "".join(part.capitalize() for part in name.split("_")) + "Report"
    text = (_TEMPLATES / template).read_text(encoding="utf-8")
    return Template(text).substitute(name=name, title=title, cls=cls)


def new_analysis(name: str, *, force: bool = False) -> Scaffold:
    """Write the notebook and the report module of analysis ``name``; ParamsError for a bad name,
    or for either file existing already unless ``force``."""
    check_name(name)
    made = Scaffold(
        notebook=config.NOTEBOOKS_DIR / f"{name}.ipynb",
        module=config.ANALYSES_DIR / f"{name}.py",
    )
    existing = [str(path) for path in (made.notebook, made.module) if path.exists()]
    if existing and not force:
        raise ParamsError(
            f"analysis {name!r} exists ({', '.join(existing)}): give --force to replace it"
        )
    written = {made.notebook: "analysis.ipynb.tmpl", made.module: "analysis.py.tmpl"}
    for path, template in written.items():
        try:
            atomic_write_text(path, _fill(template, name))
        except OSError as exc:
            raise ParamsError(f"cannot write {path}: {exc.strerror or exc}") from None
    return made
