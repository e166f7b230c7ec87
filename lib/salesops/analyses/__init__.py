"""The analyses as notebooks read them: one module per notebook, each a thin story over metrics.

A notebook opens a ``Scope`` (source, quarter, team, org settings) and calls one function per
section; each returns something IPython displays (cards, figures, tables, sentences). The modules
compose ``salesops.metrics``, ``salesops.charts`` and ``salesops.present``; they hold no formulas.
"""
