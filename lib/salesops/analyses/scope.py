"""What a report is about: the data source, the quarter and the team, with the org's settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import ibis

from salesops.analyses.sections import mixed_currency_sentence
from salesops.config import OrgSettings, load_org_settings
from salesops.data.sources import Crm, open_crm
from salesops.errors import ParamsError
from salesops.formatting import currency_sign
from salesops.i18n import _, set_locale
from salesops.metrics import Tables
from salesops.metrics.acquisition import scoped_spend
from salesops.metrics.scope import scoped_by_rep, scoped_opportunities, scoped_reps
from salesops.periods import Quarter
from salesops.present import escape_markdown
from salesops.vocabulary import ALL_TEAMS


@dataclass(frozen=True)
class Scope:
    """One report's subject: ``team`` is a team name or ``"all"``; ``settings.currency`` is the
    currency amounts are reported in (``Crm.reporting_currency``)."""

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
        return _("all teams") if self.all_teams else self.team

    @property
    def breakdown(self) -> str:
        """The natural breakdown: by team across the org, by rep within a team."""
        return "team" if self.all_teams else "rep"

    @property
    def mixed_currencies(self) -> list[str]:
        """Currencies whose deal amounts no rate converted: amount figures would add them up."""
        return self.crm.unconverted_currencies

    @property
    def currency_notes(self) -> list[str]:
        """The caveat on amounts: withheld when mixed, or in a currency that is not the org's."""
        if self.mixed_currencies:
            return [mixed_currency_sentence(self.mixed_currencies)]
        shown, org = self.settings.currency, self.crm.org_currency
        if shown == org:
            return []
        sign = currency_sign(shown)
        named = escape_markdown(shown + (f" ({sign})" if sign != shown else ""))
        sentence = _(
            "Amounts are shown in {shown}, the currency of every deal in the data: the org "
            "currency is {org} and no rate converts them (add fx\\_rates to report in {org})."
        )
        return [sentence.format(shown=named, org=escape_markdown(org))]

    @cached_property
    def team_tables(self) -> dict[str, ibis.Table]:
        """The source's tables narrowed to the team, as Ibis expressions for queries of one's own.

        ``reps`` of the team; ``opportunities`` of those reps, with the rep's ``team`` and
        ``rep_name`` (as every metric sees them); ``stage_history`` and ``deal_changes`` of those
        deals; every table with a ``rep_id`` (leads, quotas, forecast calls, activities...) to
        those reps; ``spend`` to the rows naming the team; the others (``stages``, ``fx_rates``,
        ``recurring_revenue``, whose team depends on the day) as they are. Every quarter is
        kept: whether a deal belongs to one by its creation, its close or being open at its end
        is the query's to say (``salesops.metrics.scope.within``).
        """
        return team_tables(self.tables, self.team)

    @property
    def deals(self) -> ibis.Table:
        """``team_tables["opportunities"]``: the team's deals of every quarter."""
        return self.team_tables["opportunities"]

    @cached_property
    def has_previous(self) -> bool:
        """Whether the data covers the quarter before this one."""
        return self.previous >= self.crm.first_quarter(self.settings.fiscal_year_start_month)


def team_tables(tables: Tables, team: str) -> dict[str, ibis.Table]:
    """Each table ``tables`` has, narrowed to ``team`` as ``Scope.team_tables`` says."""
    deals = scoped_opportunities(tables, team)
    narrowed = {"reps": scoped_reps(tables, team), "opportunities": deals}
    for name, table in tables.items():
        if table is None or name in narrowed:
            continue
        if name in ("stage_history", "deal_changes") and team != ALL_TEAMS:
            table = table.semi_join(deals, "opportunity_id")
        elif name == "spend":
            table = scoped_spend(table, team)
        elif "rep_id" in table.columns:
            table = scoped_by_rep(table, tables, team)
        narrowed[name] = table
    return narrowed


def open_scope(
    quarter: str, team: str = ALL_TEAMS, source: str = "", preset: str = "", locale: str = ""
) -> Scope:
    """Open the source and check the quarter and team against it; make ``locale`` the reader's.

    Empty ``source``, ``preset`` and ``locale`` mean the org defaults in ``params/org.yaml``.
    """
    settings = load_org_settings()
    set_locale(locale or settings.locale)
    crm = open_crm(settings.resolved_source(source or None), preset=preset or settings.preset)
    parsed = Quarter.parse(quarter, settings.fiscal_year_start_month)
    if team != ALL_TEAMS:
        teams = crm.teams()
        if team not in teams:
            raise ParamsError(
                f"team {team!r} is not in the data; teams are: {', '.join(teams)} (or 'all')"
            )
    reported = settings.model_copy(update={"currency": crm.reporting_currency})
    return Scope(crm=crm, quarter=parsed, team=team, settings=reported)
