"""What a report is about: the data source, the quarter and the team, with the org's settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from salesops.config import OrgSettings, load_org_settings
from salesops.data.sources import Crm, open_crm
from salesops.errors import ParamsError
from salesops.metrics import Tables
from salesops.metrics.scope import ALL_TEAMS
from salesops.periods import Quarter


@dataclass(frozen=True)
class Scope:
    """One report's subject: ``team`` is a team name or ``"all"``."""

    crm: Crm
    quarter: Quarter
    team: str
    settings: OrgSettings

    @property
    def tables(self) -> Tables:
        return self.crm.tables

    @property
    def previous(self) -> Quarter:
        return self.quarter.previous()

    @property
    def all_teams(self) -> bool:
        return self.team == ALL_TEAMS

    @property
    def team_label(self) -> str:
        return "all teams" if self.all_teams else self.team

    @property
    def breakdown(self) -> str:
        """The natural breakdown: by team across the org, by rep within a team."""
        return "team" if self.all_teams else "rep"

    @property
    def mixed_currencies(self) -> list[str]:
        """Currencies whose deal amounts no rate converted: amount figures would add them up."""
        return list(self.crm.mapping.unconverted_currencies) if self.crm.mapping else []

    @cached_property
    def has_previous(self) -> bool:
        """Whether the data covers the quarter before this one."""
        return self.previous >= self.crm.first_quarter(self.settings.fiscal_year_start_month)


def open_scope(quarter: str, team: str = ALL_TEAMS, source: str = "", preset: str = "") -> Scope:
    """Open the source and check the quarter and team against it.

    Empty ``source`` and ``preset`` mean the org defaults in ``params/org.yaml``.
    """
    settings = load_org_settings()
    crm = open_crm(settings.resolved_source(source or None), preset=preset or settings.preset)
    parsed = Quarter.parse(quarter, settings.fiscal_year_start_month)
    if team != ALL_TEAMS:
        teams = crm.teams()
        if team not in teams:
            raise ParamsError(
                f"team {team!r} is not in the data; teams are: {', '.join(teams)} (or 'all')"
            )
    return Scope(crm=crm, quarter=parsed, team=team, settings=settings)
