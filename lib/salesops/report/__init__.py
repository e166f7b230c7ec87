"""Running the reports and rendering their pages, in three rooms.

- ``run``: the run itself: the plan and its grid of jobs, executing each notebook, writing its
  files, the output folder, the manifest and the progress; ``run.runner.run_reports`` is the
  entry point, and knows notebooks only as files with parameters;
- ``kernels``: each report's kernel, started (forked from a fork server when it can) and tracked;
- ``pages``: the HTML of a report and of the quarter's index, and their templates.

``outcome`` is what the run and the pages share: one executed notebook, read once. The arrows go
one way: ``run`` uses ``kernels`` and ``pages``, never the other way round.
"""

import sys

# jsonschema, which nbformat imports, compiles 39 IRI grammars (about 2.5 s) at import when the
# optional rfc3987_syntax package is installed; notebooks never use the "iri" format, so the run
# tells jsonschema that package is absent.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
