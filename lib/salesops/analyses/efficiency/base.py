"""What every part of the efficiency report shares: its parameters, the data's last day and each
quarter's results, computed once."""

from __future__ import annotations

from datetime import date
from functools import cached_property

from salesops import formatting
from salesops.analyses.report import QuarterReport
from salesops.analyses.scope import Scope
from salesops.i18n import ngettext
from salesops.metrics import activity, enablement, touches
from salesops.periods import Quarter


class EfficiencySections(QuarterReport):
    """The efficiency report's state: ``adoption_weeks`` (the weeks of CRM use that make a rep an
    adopter) and each quarter's touches, rep activity, adoption and enablement."""

    def __init__(self, scope: Scope, adoption_weeks: int) -> None:
        super().__init__(scope)
        self.adoption_weeks = adoption_weeks

    @cached_property
    def as_of(self) -> date:
        """The data's last day (``Crm.as_of``): later weeks of a quarter are still to come."""
        return self.scope.crm.as_of()

    def _cut_off(self, quarter: Quarter) -> date | None:
        """The data's last day when it falls inside ``quarter``: weeks after it are not counted."""
        return self.as_of if self.as_of < quarter.last_day else None

    def quarter_touches(self, quarter: Quarter) -> touches.Touches:
        """Touches on the team's deals closed in ``quarter`` (``metrics.touches``)."""
        return self._once(
            "touches",
            quarter,
            lambda: touches.touches_per_deal(self.scope.tables, quarter, self.scope.team),
        )

    def quarter_activity(self, quarter: Quarter) -> activity.RepActivity:
        """What the team's active reps logged in ``quarter`` (``metrics.activity``)."""
        return self._once(
            "activity",
            quarter,
            lambda: activity.rep_activity(
                self.scope.tables, quarter, self.scope.team, as_of=self._cut_off(quarter)
            ),
        )

    def quarter_adoption(self, quarter: Quarter) -> activity.Adoption:
        """CRM adoption of the team's active reps in ``quarter`` (``metrics.activity``)."""
        return self._once(
            "adoption",
            quarter,
            lambda: activity.crm_adoption(
                self.scope.tables,
                quarter,
                self.scope.team,
                weeks_needed=self.adoption_weeks,
                as_of=self._cut_off(quarter),
            ),
        )

    def quarter_enablement(self, quarter: Quarter) -> enablement.Enablement:
        """Content shared by the team in ``quarter`` and its deals' win rates."""
        return self._once(
            "enablement",
            quarter,
            lambda: enablement.enablement(self.scope.tables, quarter, self.scope.team),
        )

    @property
    def _team_column(self) -> list[str]:
        """The team column of a rep table: shown across teams only."""
        return ["team"] if self.scope.all_teams else []


def reps_text(count: int) -> str:
    """How many reps, in the reader's language: "12 reps"."""
    return ngettext("{count} rep", "{count} reps", count).format(count=formatting.count(count))


def weeks_text(weeks: int) -> str:
    """How many weeks: "10 weeks"."""
    return ngettext("{count} week", "{count} weeks", weeks).format(count=formatting.count(weeks))
