"""The enablement sections: who shared content, and how the deals it was shared on fared."""

from __future__ import annotations

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.efficiency.base import EfficiencySections, reps_text
from salesops.analyses.sections import needs_tables
from salesops.i18n import _
from salesops.metrics import enablement
from salesops.metrics.stats import wilson_interval
from salesops.present import Text, p_value_text

ALPHA = 0.05  # the test's significance level (stats.two_proportion_test's default)


class EnablementSections(EfficiencySections):
    """Content shared in the quarter and the win rates of deals with and without it."""

    @keeps_data
    @needs_tables
    def enablement(self) -> present.Stack | Text:
        """The win rates of deals closed with content shared on them and without, with the test
        of their difference."""
        found = self.quarter_enablement(self.scope.quarter)
        if not found.deals_with + found.deals_without:
            return self._nothing(_("No deal of {team} closed in {quarter}."))
        groups = self._groups(found)
        fig = charts.win_rates_with_content(groups, title=_("Win rate with and without content"))
        return present.stack(
            present.figure(
                fig,
                caption=self._test_sentence(found),
                alt=_("Bar chart of the win rates of deals with and without shared content."),
                frame=groups,
            ),
            self.table(
                groups[["label", "deals", "won", "win_rate"]],
                {"deals": "count", "won": "count", "win_rate": "percent"},
                labels={
                    "label": _("Deals closed"),
                    "deals": _("Deals"),
                    "won": _("Won"),
                    "win_rate": _("Win rate"),
                },
            ),
        )

    def _groups(self, found: enablement.Enablement) -> pd.DataFrame:
        rows = [
            (_("With content shared"), found.deals_with, found.won_with),
            (_("Without"), found.deals_without, found.won_without),
        ]
        frame = pd.DataFrame(rows, columns=["label", "deals", "won"])
        intervals = [wilson_interval(won, deals) for _label, deals, won in rows]
        return frame.assign(
            win_rate=[found.win_rate_with, found.win_rate_without],
            low=[low for low, _high in intervals],
            high=[high for _low, high in intervals],
        )

    @keeps_data
    @needs_tables
    def content_assets(self) -> present.Table | Text:
        """The assets shared most in the quarter, with the deals they were shared on."""
        found = self.quarter_enablement(self.scope.quarter)
        if found.top_assets.empty:
            return self._nothing(_("No rep of {team} shared content in {quarter}."))
        return self.table(
            found.top_assets,
            {"shares": "count", "deals": "count", "won": "count", "win_rate": "percent"},
            caption=_(
                "The {count} assets shared most in {quarter}; deals are the closed deals they "
                "were shared on."
            ).format(count=formatting.count(len(found.top_assets)), quarter=self._quarter_text()),
            labels={
                "asset_id": _("Asset"),
                "shares": _("Shares"),
                "deals": _("Deals closed"),
                "won": _("Won"),
                "win_rate": _("Win rate"),
            },
        )

    def _test_sentence(self, found: enablement.Enablement) -> str:
        """The difference in words: associated with, never caused; within noise when it is."""
        test = found.test
        if found.small_sample_with or found.small_sample_without:
            return _(
                "Too few deals on one side to compare: {with_} with content and {without} without."
            ).format(
                with_=formatting.count(found.deals_with),
                without=formatting.count(found.deals_without),
            )
        rates = {
            "with_": formatting.percent(found.win_rate_with),
            "without": formatting.percent(found.win_rate_without),
            "p": p_value_text(test.p_value),
        }
        if not test.significant:
            return _(
                "Deals with content shared won {with_} of the time and the others {without}: a "
                "difference within noise ({p})."
            ).format(**rates)
        return _(
            "Sharing content is associated with a {direction} win rate: {with_} against "
            "{without} ({p}). An association, not a cause: reps may share content on the "
            "deals they already expect to win."
        ).format(direction=_("higher") if test.diff > 0 else _("lower"), **rates)

    def _enablement_sentence(self) -> str:
        now = self.now
        if now["content_share_reps"] is None:
            return ""
        found = self.quarter_enablement(self.scope.quarter)
        shared = _("{sharing} of {active} shared content ({share}).").format(
            sharing=formatting.count(found.reps_sharing),
            active=reps_text(found.active_reps),
            share=formatting.percent(found.share_of_reps_sharing),
        )
        if not found.deals_with + found.deals_without:
            return shared
        return f"{shared} {self._test_sentence(found)}"

    def _enablement_notes(self) -> list[str]:
        if not self.scope.crm.has("content_events"):
            return []
        return [
            _(
                "A deal had content shared when a rep shared an asset on it between its creation "
                "and the end of its close day. The two win rates are compared with a two-sided "
                "two-proportion z-test at {alpha}; a lower p-value is a clearer difference, never "
                "a cause."
            ).format(alpha=formatting.percent(ALPHA))
        ]
