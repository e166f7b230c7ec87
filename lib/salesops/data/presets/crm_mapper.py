"""What the Salesforce and HubSpot mappers share: a mapper over one loaded CRM export, and the
views that every CRM's deals and reps become the same way.

A CRM mapper builds a deals table (``id``, ``owner``, ``account``, the ``deal_dates``, ``stage``,
``fc`` for the forecast category, ``source``, ``deal_type`` in contract words or null, and what
it needs for the rest) and a reps table
(the contract's reps columns, ``team`` null where the export names none); ``opportunities_view``
and ``reps_view`` put the contract views over them. Its activities and sign-ins, in tables of the
columns ``activities_view`` and ``logins_view`` name, become views of the reps' own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from salesops.data.presets import quirks
from salesops.data.presets.export import Export
from salesops.errors import SourceError
from salesops.formatting import count

if TYPE_CHECKING:  # the mapping file lists the presets, which are built on this module
    from salesops.data.presets.mapping import Context

UNASSIGNED = "Unassigned"  # the team of a rep whose export names none
# an activity that has taken place (a time that cannot be read is kept: the contract names it)
_TAKEN_PLACE = "(at_ts IS NULL OR at_ts <= CAST(now() AS TIMESTAMP))"


def activities(n: int) -> str:
    """``n`` activit(y|ies), in words."""
    return f"{count(n)} activit{'y' if n == 1 else 'ies'}"


def full_name(first: str, last: str) -> str:
    """SQL of a first and a last name joined by a space; null when both are empty."""
    return f"nullif(trim(concat_ws(' ', {quirks.text(first)}, {quirks.text(last)})), '')"


class CrmMapper:
    """Builds the contract views of one loaded CRM export: ``x`` the export, ``ctx`` the mapping
    file and org settings, ``log`` what was mapped and noticed."""

    def __init__(self, export: Export, ctx: Context) -> None:
        self.x, self.ctx, self.log = export, ctx, export.log

    def c(self, obj: str, *names: str, alias: str = "") -> str:
        """The first of ``names`` the object has (any case) as SQL, else ``NULL``."""
        return self.x.column(obj, *names, alias=alias)

    def miss_absent(self, enables: Mapping[str, str], sentence: str) -> None:
        """Log each object of ``enables`` (object -> what it enables) that the export lacks, in
        ``sentence`` (a format with ``{obj}`` and ``{enables}``)."""
        for obj, what in enables.items():
            if not self.x.has(obj):
                self.log.miss(sentence.format(obj=obj, enables=what))

    def flag_is_not(self, value: bool, obj: str, *names: str, alias: str = "") -> str:
        """SQL true where the object's flag (the first of ``names`` it has) is not ``value``, an
        empty flag included; TRUE when the object has none (a deleted flag, say)."""
        flag = self.c(obj, *names, alias=alias)
        return "TRUE" if flag == "NULL" else f"{quirks.is_true(flag)} IS NOT {str(value).upper()}"

    @staticmethod
    def deal_dates(created: str, close: str, *, day_first: bool = False) -> str:
        """SQL of a deal's dates as the deals table holds them: ``created_text`` and
        ``close_text`` (contract text), ``created_ts`` (TIMESTAMP) and ``close_day`` (DATE)."""
        created_ts = quirks.parsed_timestamp(created, day_first=day_first)
        close_ts = quirks.parsed_timestamp(close, day_first=day_first)
        return (
            f"{quirks.timestamp(created, day_first=day_first)} AS created_text, "
            f"{created_ts} AS created_ts, {quirks.date(close, day_first=day_first)} AS close_text, "
            f"CAST({close_ts} AS DATE) AS close_day"
        )

    def opportunities_view(
        self,
        deals: str,
        origin: str,
        *,
        is_closed: str,
        is_won: str,
        amount: str,
        currency: str,
        deal_type: str = "NULL",
    ) -> None:
        """The opportunities view over ``deals`` (the deals table, or a join on it), with the SQL
        of the columns each CRM reads its own way; mapped from ``origin``."""
        self.x.view(
            "opportunities",
            "SELECT id AS opportunity_id, owner AS rep_id, account AS account_id, "
            "created_text AS created_at, close_text AS close_date, stage, "
            f"{is_closed} AS is_closed, {is_won} AS is_won, {amount} AS amount, "
            f"{currency} AS currency, fc AS forecast_category, source, NULL AS segment, "
            f"NULL AS product, {deal_type} AS deal_type FROM {deals}",
        )
        self.log.map("opportunities", origin)

    def team_column(self, obj: str, column: str, *, alias: str, file: str) -> str:
        """SQL of the team in the object's ``column`` (the mapping file's ``team``); SourceError
        when the object's ``file`` lacks it."""
        if not self.x.has_column(obj, column):
            raise SourceError(
                f"the mapping file takes the team from {obj}.{column}, which {file} lacks"
            )
        return quirks.name(self.c(obj, column, alias=alias))

    def reps_view(self, reps: str, origin: str, *, lacking: str) -> None:
        """The reps view over the table ``reps``, a rep without a team in ``UNASSIGNED``; mapped
        from ``origin``, with a note of how many reps have no ``lacking`` (their team's source)."""
        self.x.view(
            "reps",
            f"SELECT rep_id, rep_name, coalesce(team, {quirks.quoted(UNASSIGNED)}) AS team, "
            f"manager, region, role, hire_date, end_date FROM {reps}",
        )
        self.log.map("reps", origin)
        if no_team := self.x.count(reps, "team IS NULL"):
            self.log.note(
                f"{count(no_team)} reps have no {lacking}: their team reads {UNASSIGNED!r}."
            )

    def ids_of(self, table: str, column: str) -> str:
        """SQL of the ``column`` values of ``table``; none when the export has no such table."""
        if self.x.has_table(table):
            return f"SELECT {column} FROM {table}"
        return "SELECT NULL::VARCHAR WHERE FALSE"

    def _of_reps(self, column: str, reps: str) -> str:
        """SQL true where ``column`` names a rep of the table ``reps`` (TRUE without the table)."""
        if not self.x.has_table(reps):
            return "TRUE"
        return f"coalesce({column} IN (SELECT rep_id FROM {reps}), FALSE)"

    def activities_view(self, rows: str, reps: str, origin: str) -> None:
        """The activities view over the table ``rows`` (``id``, ``owner``, ``type``,
        ``direction``, ``deal``, ``lead``, ``account`` as the contract reads them; ``at_ts``, the
        TIMESTAMP, and ``at_text``, the text, of when it took place): those of the reps in the
        table ``reps`` that have taken place, with a note of how many others were left out and
        why. Mapped from ``origin``."""
        x, of_reps = self.x, self._of_reps("owner", reps)
        x.view(
            "activities",
            "SELECT id AS activity_id, owner AS rep_id, type, at_text AS occurred_at, direction, "
            "deal AS opportunity_id, lead AS lead_id, account AS account_id "
            f"FROM {rows} WHERE {of_reps} AND {_TAKEN_PLACE}",
        )
        self.log.map("activities", origin)
        if ahead := x.count(rows, f"NOT {_TAKEN_PLACE}"):
            self.log.note(
                f"{activities(ahead)} dated after today (meetings planned, tasks due) left out: "
                "they have not taken place."
            )
        if others := x.count(rows, f"NOT {of_reps}"):
            self.log.note(
                f"{activities(others)} logged by users who are not reps, or by no one, left out."
            )

    def logins_view(self, rows: str, reps: str, origin: str) -> None:
        """The logins view over the table ``rows`` (``rep``, ``at_text``): the sign-ins of the
        reps in the table ``reps`` (other users sign in too). Mapped from ``origin``."""
        self.x.view(
            "logins",
            f"SELECT rep AS rep_id, at_text AS login_at FROM {rows} "
            f"WHERE {self._of_reps('rep', reps)}",
        )
        self.log.map("logins", origin)
