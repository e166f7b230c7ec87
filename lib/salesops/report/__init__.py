"""Running and rendering the reports: the grid, execution, pages, the quarter's index and manifest.

``salesops.report.run.run_reports`` is the entry point; the runner knows notebooks only as files
with parameters.
"""

import sys

# jsonschema, which nbformat imports, compiles 39 IRI grammars (about 2.5 s) at import when the
# optional rfc3987_syntax package is installed; notebooks never use the "iri" format, so the run
# tells jsonschema that package is absent.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
