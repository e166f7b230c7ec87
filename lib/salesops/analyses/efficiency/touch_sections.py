"""The touches sections: how many calls, emails and meetings the quarter's closed deals took."""

from __future__ import annotations

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.efficiency.base import EfficiencySections
from salesops.analyses.sections import needs_tables
from salesops.i18n import _, ngettext
from salesops.metrics import funnel, touches
from salesops.present import Text


def outcome_labels() -> dict[str, str]:
    """The legend label of each outcome, in the reader's language."""
    return {"won": _("Won deals"), "lost": _("Lost deals")}


class TouchSections(EfficiencySections):
    """Touches per closed deal: their spread, by segment, and over the last four quarters."""

    @keeps_data
    @needs_tables
    def touches(self) -> present.Stack | Text:
        """The spread of touches per deal closed in the quarter, won against lost."""
        found = self.quarter_touches(self.scope.quarter)
        if not found.won_deals + found.lost_deals:
            return self._nothing(_("No deal of {team} closed in {quarter}."))
        fig = charts.touch_distribution(
            found.distribution,
            outcome_labels(),
            {"won": found.median_won, "lost": found.median_lost},
            title=_("Touches per closed deal"),
        )
        caption = _(
            "Calls, emails and meetings logged on each deal closed in {quarter}, from its creation "
            "to the end of its close day, as a share of the won and of the lost deals; the dashed "
            "lines mark the medians. An activity logged on the account, not the deal, counts "
            "toward the account's deal open at the time."
        ).format(quarter=self._quarter_text())
        alt = _(
            "Histogram of touches per deal: won deals took a median of {won}, lost deals {lost}."
        ).format(
            won=formatting.decimal(found.median_won), lost=formatting.decimal(found.median_lost)
        )
        summary = pd.DataFrame(
            {
                "outcome": [outcome_labels()["won"], outcome_labels()["lost"]],
                "deals": [found.won_deals, found.lost_deals],
                "median": [found.median_won, found.median_lost],
                "mean": [found.mean_won, found.mean_lost],
            }
        )
        return present.stack(
            present.figure(fig, caption=caption, alt=alt, frame=found.distribution),
            self.table(
                summary,
                {"deals": "count", "median": "decimal", "mean": "decimal"},
                labels={
                    "outcome": _("Outcome"),
                    "deals": _("Deals"),
                    "median": _("Median touches"),
                    "mean": _("Mean touches"),
                },
            ),
        )

    @keeps_data
    @needs_tables
    def touches_by_segment(self) -> present.Table | Text:
        """Median touches of won and lost deals in each customer segment."""
        found = self.quarter_touches(self.scope.quarter)
        if found.by_segment.empty:
            return self._nothing(_("No deal of {team} closed in {quarter}."))
        shown = found.by_segment.replace({"segment": {funnel.UNKNOWN: _(funnel.UNKNOWN)}})
        return self.table(
            shown,
            {
                "won_deals": "count",
                "median_won": "decimal",
                "lost_deals": "count",
                "median_lost": "decimal",
            },
            caption=_("Touches per deal closed in {quarter}, by customer segment.").format(
                quarter=self._quarter_text()
            ),
            labels={
                "segment": _("Segment"),
                "won_deals": _("Won deals"),
                "median_won": _("Median touches, won"),
                "lost_deals": _("Lost deals"),
                "median_lost": _("Median touches, lost"),
            },
        )

    @keeps_data
    @needs_tables
    def touches_trend(self) -> present.Stack | Text:
        """Median touches of won and lost deals in each of the last four quarters."""
        trend = self._touches_trend()
        shown = trend.assign(quarter=trend["quarter"].map(formatting.quarter))
        fig = charts.quarter_trend(
            shown,
            {"median_won": _("Won deals"), "median_lost": _("Lost deals")},
            title=_("Median touches per closed deal"),
        )
        return present.stack(
            present.figure(
                fig,
                caption=_("The median touches of the deals closed in each quarter."),
                alt=_("Line chart of the median touches of won and lost deals by quarter."),
                frame=trend,
            ),
            self.table(
                shown,
                {
                    "won_deals": "count",
                    "median_won": "decimal",
                    "lost_deals": "count",
                    "median_lost": "decimal",
                },
                labels={
                    "quarter": _("Quarter"),
                    "won_deals": _("Won deals"),
                    "median_won": _("Median touches, won"),
                    "lost_deals": _("Lost deals"),
                    "median_lost": _("Median touches, lost"),
                },
            ),
        )

    def _touches_trend(self) -> pd.DataFrame:
        return self._once(
            "touches_trend",
            self.scope.quarter,
            lambda: touches.touches_trend(self.scope.tables, self.trend_quarters, self.scope.team),
        )

    def _touches_sentence(self) -> str:
        now = self.now
        if now["touches_per_won_deal"] is None:
            return ""
        found = self.quarter_touches(self.scope.quarter)
        sentence = ngettext(
            "The {count} deal won took a median of {won} calls, emails and meetings",
            "The {count} deals won took a median of {won} calls, emails and meetings",
            found.won_deals,
        ).format(count=formatting.count(found.won_deals), won=formatting.decimal(found.median_won))
        if found.median_lost is None:
            return sentence + "."
        return _("{sentence}; lost deals took {lost}.").format(
            sentence=sentence, lost=formatting.decimal(found.median_lost)
        )

    def _touches_notes(self) -> list[str]:
        if not self.scope.crm.has("activities"):
            return []
        return [
            _(
                "A touch is a call, an email or a meeting on the deal between its creation and "
                "the end of its close day. An activity logged on an account and no deal counts "
                "toward that account's deal open at the time, or opened up to {days} days after "
                "it, or closed up to {days} days before it (one deal: open at the time first, "
                "then the nearest)."
            ).format(days=formatting.count(touches.ACCOUNT_WINDOW_DAYS))
        ]
