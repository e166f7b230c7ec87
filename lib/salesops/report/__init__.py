"""Running and rendering the reports: the grid, execution, pages, the quarter's index and manifest.

``salesops.report.run.run_reports`` is the entry point; the runner knows notebooks only as files
with parameters.
"""
