"""The analyses the committed notebooks declare, found the way ``salesops run`` finds them."""

from __future__ import annotations

from salesops import config
from salesops.report.run.grid import find_notebooks

ANALYSES = tuple(find_notebooks(config.NOTEBOOKS_DIR).analyses)
