"""The HTML a run publishes: a report's page (``report``), the quarter's index (``index``), and
the layout and templates they share (``layout``, ``templates/``)."""
