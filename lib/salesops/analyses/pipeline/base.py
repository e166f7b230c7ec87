"""What every part of the pipeline report shares: its parameters, the data's last day and a few
ways of naming deals."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from salesops import formatting
from salesops.analyses.report import QuarterReport
from salesops.analyses.scope import Scope
from salesops.i18n import _, ngettext
from salesops.metrics.flow import Flow, pipeline_flow
from salesops.metrics.slippage import Slippage
from salesops.metrics.stalls import Stalled
from salesops.periods import Quarter
from salesops.present import Text, escape_markdown


class PipelineSections(QuarterReport):
    """The pipeline report's state: ``landing_week``, ``stalled_lookback`` and the results each
    quarter computes once (``_flows``, ``_slippages``, ``_stalls``, by quarter label)."""

    def __init__(self, scope: Scope, landing_week: int, stalled_lookback: int) -> None:
        super().__init__(scope)
        self.landing_week = landing_week
        self.stalled_lookback = stalled_lookback
        self._flows: dict[str, Flow] = {}
        self._slippages: dict[str, Slippage] = {}
        self._stalls: dict[str, Stalled] = {}

    @cached_property
    def as_of(self) -> date:
        """The data's last day (``Crm.as_of``): the weeks after it are still to come."""
        return self.scope.crm.as_of()

    def quarter_flow(self, quarter: Quarter) -> Flow:
        """The team's pipeline flow in ``quarter`` (``metrics.flow.pipeline_flow``)."""
        if quarter.label not in self._flows:
            self._flows[quarter.label] = pipeline_flow(self.scope.tables, quarter, self.scope.team)
        return self._flows[quarter.label]

    @property
    def _team_column(self) -> list[str]:
        """The team column of a deal or rep table: shown across teams only."""
        return ["team"] if self.scope.all_teams else []

    def _nothing_in_play(self) -> Text:
        return Text(
            _("No deal of {team} was in the pipeline due in {quarter}.").format(
                team=escape_markdown(self.scope.team_label),
                quarter=formatting.quarter(self.scope.quarter),
            )
        )


def deals_text(count: int) -> str:
    """How many deals, in the reader's language: "12 deals"."""
    return ngettext("{count} deal", "{count} deals", count).format(count=formatting.count(count))
