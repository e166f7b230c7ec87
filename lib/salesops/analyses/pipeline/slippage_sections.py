"""The slippage sections: the start pipeline pushed out of the quarter, and the deals pushed."""

from __future__ import annotations

from datetime import timedelta

from salesops import formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.pipeline.base import PipelineSections, deals_text
from salesops.analyses.pipeline.flow_sections import STEP_NAMES
from salesops.analyses.sections import needs_amounts, needs_tables, needs_text
from salesops.i18n import _, ngettext
from salesops.metrics import slippage
from salesops.periods import Quarter
from salesops.present import Text


class SlippageSections(PipelineSections):
    """Each quarter's slippage, computed once, and the sections that show this quarter's."""

    def quarter_slippage(self, quarter: Quarter) -> slippage.Slippage:
        """The team's slippage in ``quarter`` (``metrics.slippage``); needs deal_changes."""
        if quarter.label not in self._slippages:
            self._slippages[quarter.label] = slippage.slippage(
                self.scope.tables,
                quarter,
                self.scope.team,
                small_sample=self.scope.settings.small_sample,
                flow=self.quarter_flow(quarter),
                ended=self.as_of + timedelta(days=1) >= quarter.end,
            )
        return self._slippages[quarter.label]

    @keeps_data
    @needs_tables
    @needs_amounts
    def slippage(self) -> present.Stack | Text:
        """The start pipeline pushed out of the quarter, and reps ranked by the close-date pushes
        of their deals in play, small samples last."""
        slipped = self.quarter_slippage(self.scope.quarter)
        if not slipped.deals_in_play:
            return self._nothing_in_play()
        currency, small = self.scope.settings.currency, self.scope.settings.small_sample
        share = (
            _(
                "{share} of the pipeline due in {quarter} at its start ({slipped} of {start}; "
                "{deals}) slipped: {pushed_out} was pushed out to a later quarter and {overdue} "
                "was still open at its end, past its close date."
            )
            if slipped.overdue_deals
            else _(
                "{share} of the pipeline due in {quarter} at its start ({slipped} of {start}; "
                "{deals}) was pushed out to a later quarter."
            )
        ).format(
            share=formatting.percent(slipped.slipped_share),
            quarter=formatting.quarter(self.scope.quarter),
            slipped=formatting.money(slipped.slipped_amount, currency),
            start=formatting.money(slipped.start_amount, currency),
            deals=deals_text(slipped.slipped_deals),
            pushed_out=formatting.money(slipped.slipped_amount - slipped.overdue_amount, currency),
            overdue=formatting.money(slipped.overdue_amount, currency),
        )
        pushes = _("The {deals} in play had {pushes} ({per_deal} per deal).").format(
            deals=deals_text(slipped.deals_in_play),
            pushes=ngettext(
                "{count} close-date push", "{count} close-date pushes", slipped.pushes
            ).format(count=formatting.count(slipped.pushes)),
            per_deal=formatting.decimal(slipped.pushes_per_deal),
        )
        reps = slipped.reps.sort_values("small_sample", kind="stable")
        reps = reps.assign(note=[_("small sample") if s else "" for s in reps["small_sample"]])
        columns = ["rep_name", *self._team_column, "deals", "pushes", "pushes_per_deal"]
        caption = _(
            "Reps by close-date pushes on their deals in play; reps with fewer than {small} deals "
            "in play are small samples, listed after the others."
        ).format(small=formatting.count(small))
        return present.stack(
            Text(f"{share} {pushes}"),
            self.table(
                reps[[*columns, "pushed_deals", "note"]],
                {
                    "deals": "count",
                    "pushes": "count",
                    "pushes_per_deal": "decimal",
                    "pushed_deals": "count",
                },
                caption=caption,
                labels={
                    "rep_name": _("Rep"),
                    "team": _("Team"),
                    "deals": _("Deals in play"),
                    "pushes": _("Pushes"),
                    "pushes_per_deal": _("Pushes per deal"),
                    "pushed_deals": _("Deals pushed"),
                    "note": _("Note"),
                },
            ),
        )

    @keeps_data
    @needs_tables
    @needs_amounts
    def pushed_twice(self) -> present.Table | Text:
        """The largest deals whose close date was pushed twice or more during the quarter."""
        slipped = self.quarter_slippage(self.scope.quarter)
        quarter = formatting.quarter(self.scope.quarter)
        if slipped.pushed_twice.empty:
            return Text(
                _("No deal in play had its close date pushed twice or more in {quarter}.").format(
                    quarter=quarter
                )
            )
        deals = slipped.pushed_twice
        deals = deals.assign(exit=deals["exit"].map(_exit_name))
        caption = ngettext(
            "The {shown} largest of the {count} deal pushed twice or more in {quarter}, by amount "
            "at the quarter's end.",
            "The {shown} largest of the {count} deals pushed twice or more in {quarter}, by "
            "amount at the quarter's end.",
            slipped.pushed_twice_count,
        ).format(
            shown=formatting.count(len(deals)),
            count=formatting.count(slipped.pushed_twice_count),
            quarter=quarter,
        )
        columns = ["opportunity_id", "rep_name", *self._team_column, "pushes"]
        return self.table(
            deals[[*columns, "first_close_date", "close_date", "amount", "exit"]],
            {
                "pushes": "count",
                "first_close_date": "date",
                "close_date": "date",
                "amount": "money",
            },
            caption=caption,
            labels={
                "opportunity_id": _("Deal"),
                "rep_name": _("Rep"),
                "team": _("Team"),
                "pushes": _("Pushes"),
                "first_close_date": _("Close date before"),
                "close_date": _("Close date at the end"),
                "amount": _("Amount"),
                "exit": _("Left the pipeline as"),
            },
        )

    def _slipped_note(self) -> str | None:
        if not self.scope.crm.has("deal_changes"):
            return needs_text("deal_changes")
        amount = formatting.money(self.now["slipped_amount"], self.scope.settings.currency)
        return _("{amount} not closed in the quarter").format(amount=amount)

    def _slipped_sentence(self) -> str:
        now = self.now
        if now["slipped_share"] is None:
            return ""
        return _(
            "{share} of the start pipeline slipped past the quarter; the deals in play had "
            "{per_deal} close-date pushes each on average."
        ).format(
            share=formatting.percent(now["slipped_share"]),
            per_deal=formatting.decimal(now["pushes_per_deal"]),
        )

    def _slippage_notes(self) -> list[str]:
        if not self.scope.crm.has("deal_changes"):
            return []
        return [
            _(
                "A push is a recorded change that leaves an open deal open with a later close "
                "date than just before. The slipped share is the start pipeline's amount, at the "
                "start, of the deals that did not close in the quarter: pushed out, or still open "
                "at its end past their close date."
            )
        ]


def _exit_name(exit: str) -> str:
    """How a deal left the pipeline, as a reader reads it."""
    return _("Still in the pipeline") if exit == "end" else _(STEP_NAMES[exit])
