"""The words the run and the notebooks share, each defined here once.

A notebook marks its headline with ``HEADLINE_MIMETYPE`` and names the all-teams scope
``ALL_TEAMS``; the run reads both, records how a report failed as a ``FailureKind`` (its page says
``NEXT_STEPS[kind]``, in English: its page translates it) and ends with an ``ExitCode``.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from salesops.i18n import N_

HEADLINE_MIMETYPE = "application/vnd.salesops.headline+json"
ALL_TEAMS = "all"  # the team of the all-teams roll-up, and of every metric's whole-org scope
SUMMARY = "summary"  # the analysis that sums up the others: first in the index and the pack
PACK_NAME = "pack.pdf"  # a team's PDF pack in its folder, written by run --pdf, emailed by send


class FailureKind(StrEnum):
    """How a report failed, as its manifest entry, headline JSON and page record it."""

    ERROR = "error"  # a cell raised
    TIMEOUT = "timeout"  # a cell outran the cell timeout
    DEAD_KERNEL = "dead_kernel"  # the kernel process died, or never came up
    STOPPED_EARLY = "stopped_early"  # sys.exit() in a cell: the cells after it never ran
    BAD_PARAMETER = "bad_parameter"  # the notebook cannot take the run's parameters
    WRITE_FAILED = "write_failed"  # the report ran, but its files could not be written
    INTERRUPTED = "interrupted"  # the run was stopped (Ctrl-C, SIGTERM) before it finished


# What the reader of a failed report's page does next, one entry per kind.
NEXT_STEPS: dict[FailureKind, str] = {
    FailureKind.ERROR: N_(
        "If the message points to missing or wrong data, correct it in the CRM or the source "
        "and run the report again; otherwise send this page to the sales-operations analysts."
    ),
    FailureKind.TIMEOUT: N_(
        "Run the report again: a busy data source is the usual cause. If it keeps timing out, "
        "raise the time limit (cell_timeout_seconds in params/org.yaml) and run it again."
    ),
    FailureKind.DEAD_KERNEL: N_(
        "Run the report again with fewer reports at once (salesops run --jobs 1). If it stops "
        "again, send this page to the sales-operations analysts."
    ),
    FailureKind.STOPPED_EARLY: N_(
        "Run the report again. If it stops at the same place, send this page to the "
        "sales-operations analysts."
    ),
    FailureKind.BAD_PARAMETER: N_(
        "Check the team and quarter this report was run for (params/quarterly.yaml or the "
        "salesops run options), then run it again."
    ),
    FailureKind.WRITE_FAILED: N_(
        "Check that the reports folder has free space and can be written to, then run the "
        "report again."
    ),
    FailureKind.INTERRUPTED: N_(
        "Run the reports again: the run keeps the reports that are already complete and "
        "finishes this one."
    ),
}


class ExitCode(IntEnum):
    """How the ``salesops`` command, and ``salesops run`` in particular, ends."""

    OK = 0  # every report rendered (or reused)
    FAILED = 1  # some report failed (the rest are published), or an unexpected error
    BAD_INPUT = 2  # the input was refused before anything ran
    INTERRUPTED = 130  # Ctrl-C or SIGTERM
