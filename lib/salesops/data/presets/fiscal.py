"""Fiscal quarters in SQL, for presets that place quotas and forecast calls in quarters."""

from __future__ import annotations


def quarter_start(day: str, start_month: int) -> str:
    """SQL for the first day of the fiscal quarter holding the DATE ``day``.

    Fiscal quarters start in ``start_month`` and every third month from it (the rule of
    ``salesops.periods``): shift back to calendar quarters, truncate, shift forward.
    """
    shift = (start_month - 1) % 3
    if not shift:
        return f"CAST(date_trunc('quarter', {day}) AS DATE)"
    return (
        f"CAST(date_trunc('quarter', {day} - INTERVAL {shift} MONTH) "
        f"+ INTERVAL {shift} MONTH AS DATE)"
    )
