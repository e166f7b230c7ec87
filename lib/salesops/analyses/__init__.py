"""The analyses as notebooks read them: one module (or package) per notebook, each a thin story
over metrics.

A notebook opens a ``Scope`` (source, quarter, team, org settings) and calls one function per
section; each returns something IPython displays (cards, figures, tables, sentences). A report
of many sections is a package of section classes (``pipeline``). The modules compose
``salesops.metrics``, ``salesops.charts`` and ``salesops.present``; they hold no formulas. A
report keeps the raw frame behind every table and chart it showed in ``report.data`` (see
``salesops.analyses.data``), and its scope the team's Ibis tables in ``scope.team_tables``.

A project root outside this checkout (``SALESOPS_ROOT``) may hold analyses of its own in its
``lib/salesops/analyses/``, where ``salesops new-analysis`` writes them: that folder is searched
after this package's, so ``salesops.analyses.NAME`` finds them too.
"""

from salesops.config import ANALYSES_DIR

if ANALYSES_DIR.is_dir() and not ANALYSES_DIR.samefile(__path__[0]):
    __path__.append(str(ANALYSES_DIR))
