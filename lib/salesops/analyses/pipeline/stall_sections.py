"""The stalled-deal sections: open deals in their stage for longer than most deals stayed there."""

from __future__ import annotations

from datetime import timedelta

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.pipeline.base import PipelineSections, deals_text
from salesops.analyses.sections import needs_amounts, needs_tables, needs_text
from salesops.i18n import _, ngettext
from salesops.metrics import stalls
from salesops.periods import Quarter
from salesops.present import Text, escape_markdown


class StallSections(PipelineSections):
    """Each quarter's stalled deals, computed once, and the sections that show this quarter's."""

    def quarter_stalled(self, quarter: Quarter) -> stalls.Stalled:
        """The team's open deals stalled at the end of ``quarter``, or after the data's last day
        when that comes first (``metrics.stalls.stalled_deals``); needs stage_history."""
        if quarter.label not in self._stalls:
            self._stalls[quarter.label] = stalls.stalled_deals(
                self.scope.tables,
                quarter,
                self.scope.team,
                as_of=min(quarter.end, self.as_of + timedelta(days=1)),
                lookback_quarters=self.stalled_lookback,
            )
        return self._stalls[quarter.label]

    @keeps_data
    @needs_tables
    @needs_amounts
    def stalled(self) -> present.Stack | Text:
        """The open amount in stalled deals by stage, beside each stage's threshold."""
        stalled = self.quarter_stalled(self.scope.quarter)
        when = self._stalled_when(stalled)
        if not stalled.open_deals:
            return Text(
                _("No deal of {team} was open {when}.").format(
                    team=escape_markdown(self.scope.team_label), when=when
                )
            )
        stages = stalled.by_stage
        fig = charts.stalled_by_stage(
            stages,
            title=_("Stalled amount by stage"),
            currency=self.scope.settings.currency,
        )
        caption = _(
            "Open deals {when} that have been in their stage longer than three in four of the "
            "stays in that stage that ended in the last {lookback} quarters (the stage's "
            "threshold, the 75th percentile). A stage with fewer than {min_exits} such stays has "
            "no threshold: its deals are not judged."
        ).format(
            when=when,
            lookback=formatting.count(self.stalled_lookback),
            min_exits=formatting.count(stalls.MIN_EXITS),
        )
        alt = _("Bar chart of the stalled amount by stage: {amount} in {deals} in all.").format(
            amount=formatting.money(stalled.amount, self.scope.settings.currency),
            deals=deals_text(stalled.deals),
        )
        return present.stack(
            present.figure(fig, caption=caption, alt=alt, frame=stages),
            self.table(
                stages[["stage", "p75_days", "open_deals", "stalled_deals", "stalled_amount"]],
                {
                    "p75_days": "days",
                    "open_deals": "count",
                    "stalled_deals": "count",
                    "stalled_amount": "money",
                },
                labels={
                    "stage": _("Stage"),
                    "p75_days": _("Threshold"),
                    "open_deals": _("Open deals"),
                    "stalled_deals": _("Stalled deals"),
                    "stalled_amount": _("Stalled amount"),
                },
            ),
        )

    @keeps_data
    @needs_tables
    @needs_amounts
    def stalled_by_rep(self) -> present.Table | Text:
        """The stalled deals and amount per rep, largest stalled amount first."""
        stalled = self.quarter_stalled(self.scope.quarter)
        if not stalled.deals:
            return self._nothing_stalled(stalled)
        reps = stalled.by_rep[stalled.by_rep["stalled_deals"] > 0]
        columns = ["rep_name", *self._team_column]
        return self.table(
            reps[[*columns, "stalled_deals", "stalled_amount", "open_amount"]],
            {"stalled_deals": "count", "stalled_amount": "money", "open_amount": "money"},
            caption=_("Stalled deals per rep {when}, largest stalled amount first.").format(
                when=self._stalled_when(stalled)
            ),
            labels={
                "rep_name": _("Rep"),
                "team": _("Team"),
                "stalled_deals": _("Stalled deals"),
                "stalled_amount": _("Stalled amount"),
                "open_amount": _("Open amount"),
            },
        )

    @keeps_data
    @needs_tables
    @needs_amounts
    def stalled_top(self) -> present.Table | Text:
        """The largest stalled deals: their stage, days in it and the stage's threshold."""
        stalled = self.quarter_stalled(self.scope.quarter)
        if not stalled.deals:
            return self._nothing_stalled(stalled)
        columns = ["opportunity_id", "rep_name", *self._team_column, "stage"]
        return self.table(
            stalled.top[[*columns, "days_in_stage", "p75_days", "amount", "close_date"]],
            {"days_in_stage": "days", "p75_days": "days", "amount": "money", "close_date": "date"},
            caption=_("The {shown} largest of the {count} stalled {when}.").format(
                shown=formatting.count(len(stalled.top)),
                count=deals_text(stalled.deals),
                when=self._stalled_when(stalled),
            ),
            labels={
                "opportunity_id": _("Deal"),
                "rep_name": _("Rep"),
                "team": _("Team"),
                "stage": _("Stage"),
                "days_in_stage": _("In stage"),
                "p75_days": _("Threshold"),
                "amount": _("Amount"),
                "close_date": _("Close date"),
            },
        )

    def _stalled_note(self) -> str:
        if not self.scope.crm.has("stage_history"):
            return needs_text("stage_history")
        now = self.now
        return ngettext(
            "{count} deal, {share} of the open amount",
            "{count} deals, {share} of the open amount",
            now["stalled_deals"],
        ).format(
            count=formatting.count(now["stalled_deals"]),
            share=formatting.percent(now["stalled_share"]),
        )

    def _stalled_sentence(self) -> str:
        now = self.now
        if now["stalled_deals"] is None:
            return ""
        if not now["stalled_deals"]:
            stalled = self.quarter_stalled(self.scope.quarter)
            judged = stalled.open_deals - stalled.deals_without_threshold
            if judged - stalled.deals_without_history <= 0:
                return _(
                    "No open deal can be judged stalled yet: too few past stays in its stage "
                    "ended in the last {lookback} quarters."
                ).format(lookback=formatting.count(self.stalled_lookback))
            return _("No open deal has been in its stage longer than three in four past stays.")
        return ngettext(
            "{count} open deal worth {amount} ({share} of the open amount) has been in its stage "
            "longer than three in four past stays there.",
            "{count} open deals worth {amount} ({share} of the open amount) have been in their "
            "stage longer than three in four past stays there.",
            now["stalled_deals"],
        ).format(
            count=formatting.count(now["stalled_deals"]),
            amount=formatting.money(now["stalled_amount"], self.scope.settings.currency),
            share=formatting.percent(now["stalled_share"]),
        )

    def _stalled_notes(self) -> list[str]:
        if not self.scope.crm.has("stage_history"):
            return []
        stalled = self.quarter_stalled(self.scope.quarter)
        notes = [
            _(
                "A deal is stalled when it has been in its stage strictly longer than the 75th "
                "percentile of the stays in that stage that ended in the last {lookback} quarters "
                "(the stalled_lookback parameter), among the team's own deals."
            ).format(lookback=formatting.count(self.stalled_lookback))
        ]
        if stalled.deals_without_threshold:
            notes.append(
                ngettext(
                    "{count} open deal is not judged: fewer than {min_exits} stays ended in its "
                    "stage in those quarters.",
                    "{count} open deals are not judged: fewer than {min_exits} stays ended in "
                    "their stage in those quarters.",
                    stalled.deals_without_threshold,
                ).format(
                    count=formatting.count(stalled.deals_without_threshold),
                    min_exits=formatting.count(stalls.MIN_EXITS),
                )
            )
        if stalled.deals_without_history:
            notes.append(
                ngettext(
                    "{count} open deal is not judged: it has no recorded stage entry.",
                    "{count} open deals are not judged: they have no recorded stage entry.",
                    stalled.deals_without_history,
                ).format(count=formatting.count(stalled.deals_without_history))
            )
        return notes

    def _stalled_when(self, stalled: stalls.Stalled) -> str:
        """When deals were judged: at the quarter's end, or on the data's last day."""
        if stalled.as_of >= self.scope.quarter.end:
            return _("at the end of {quarter}").format(
                quarter=formatting.quarter(self.scope.quarter)
            )
        last = stalled.as_of - timedelta(days=1)
        return _("on {day}").format(day=formatting.day(last))

    def _nothing_stalled(self, stalled: stalls.Stalled) -> Text:
        return Text(
            _("No open deal of {team} was stalled {when}.").format(
                team=escape_markdown(self.scope.team_label), when=self._stalled_when(stalled)
            )
        )
