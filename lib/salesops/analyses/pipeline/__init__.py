"""The pipeline report: how the pipeline due in the quarter moved from its start to its end, what
slipped and stalled, how bookings paced and where the quarter was heading.

Each part is a class of sections (``flow_sections``, ``slippage_sections``, ``stall_sections``,
``landing_sections``); ``PipelineReport`` joins them with the headline, summary and caveats.
"""

from __future__ import annotations

from typing import Any

from salesops import formatting, present
from salesops.analyses.pipeline.base import deals_text
from salesops.analyses.pipeline.flow_sections import FlowSections, amount_of, count_of
from salesops.analyses.pipeline.landing_sections import LandingSections
from salesops.analyses.pipeline.slippage_sections import SlippageSections
from salesops.analyses.pipeline.stall_sections import StallSections
from salesops.analyses.report import FigurePart, joined
from salesops.analyses.scope import open_scope
from salesops.analyses.sections import (
    bullet_list,
    definitions_note,
    missing_tables_note,
    mixed_currency_sentence,
    value,
    withhold_amount_cards,
)
from salesops.errors import ParamsError
from salesops.i18n import N_, _
from salesops.metrics import landing
from salesops.periods import Quarter
from salesops.present import Card, Text

ANALYSIS = "pipeline"
LANDING_WEEKS = range(1, 15)  # landing_week: allowed 1..14
STALLED_LOOKBACKS = range(1, 9)  # stalled_lookback: allowed 1..8
ENABLES = {
    "deal_changes": N_("a complete pipeline flow (pulls, pushes and resizes) or slippage"),
    "stage_history": N_("time in stage for stalled deals"),
    "quotas": N_("pacing against quota"),
}


class PipelineReport(FlowSections, SlippageSections, StallSections, LandingSections):
    """Every section of the pipeline notebook; each quarter's flow, slippage and stalled deals
    are computed once."""

    def figure_parts(self) -> tuple[FigurePart, ...]:
        return (self._flow_figures, self._slippage_figures, self._stall_figures, self._landing)

    def figures(self, quarter: Quarter) -> dict[str, Any]:
        return joined(self.figure_parts(), quarter)

    def _flow_figures(self, quarter: Quarter) -> dict[str, Any]:
        flow = self.quarter_flow(quarter)
        start, end = amount_of(flow.totals, "start"), amount_of(flow.totals, "end")
        return {
            "flow": {name: None if t is None else dict(t) for name, t in flow.totals.items()},
            "flow_complete": flow.complete,
            "start_amount": start,
            "end_amount": end,
            "net_change": None if start is None or end is None else end - start,
            "won_amount": amount_of(flow.totals, "won"),
            "pushed_out_amount": amount_of(flow.totals, "pushed_out"),
        }

    def _slippage_figures(self, quarter: Quarter) -> dict[str, Any]:
        slipped = self.quarter_slippage(quarter) if self.scope.crm.has("deal_changes") else None
        return {
            "slipped_share": None if slipped is None else slipped.slipped_share,
            "slipped_amount": None if slipped is None else slipped.slipped_amount,
            "overdue_amount": None if slipped is None else slipped.overdue_amount,
            "pushes_per_deal": None if slipped is None else slipped.pushes_per_deal,
            "pushed_twice": None if slipped is None else slipped.pushed_twice_count,
        }

    def _stall_figures(self, quarter: Quarter) -> dict[str, Any]:
        stalled = self.quarter_stalled(quarter) if self.scope.crm.has("stage_history") else None
        return {
            "stalled_deals": None if stalled is None else stalled.deals,
            "stalled_amount": None if stalled is None else stalled.amount,
            "stalled_share": None if stalled is None else stalled.share_of_open_amount,
        }

    def _landing(self, quarter: Quarter) -> dict[str, Any]:
        return landing.landing_headline(
            self.scope.tables, quarter, self.scope.team, week=self.landing_week, as_of=self.as_of
        )

    def headline(self) -> present.Headline:
        """Cards: the pipeline at the start and at the end, what was won, the start pipeline that
        slipped, the stalled amount and where the quarter was heading at ``landing_week``."""
        now, before, prev = self.now, self.before, formatting.quarter(self.scope.previous)
        currency = self.scope.settings.currency

        def money(key: str, label: str, note: str | None, higher_is_better: bool = True) -> Card:
            return Card.compare(
                label,
                now[key],
                value(before, key),
                "money",
                versus=prev,
                higher_is_better=higher_is_better,
                currency=currency,
                note=note,
            )

        cards = [
            money("start_amount", _("Start pipeline"), deals_text(count_of(now, "start"))),
            money("end_amount", _("End pipeline"), _("still open and due in the quarter"), False),
            money("won_amount", _("Won from the pipeline"), deals_text(count_of(now, "won"))),
            Card.compare(
                _("Start pipeline slipped"),
                now["slipped_share"],
                value(before, "slipped_share"),
                "percent",
                versus=prev,
                higher_is_better=False,
                note=self._slipped_note(),
            ),
            money("stalled_amount", _("Stalled pipeline"), self._stalled_note(), False),
            money("projected_landing", _("Projected landing"), self._landing_note()),
        ]
        if self.scope.mixed_currencies:
            cards = withhold_amount_cards(cards, {card.label for card in cards})
        return present.headline(ANALYSIS, self.scope.team, self.scope.quarter.label, now, cards)

    def summary(self) -> Text:
        """The answer in sentences: where the pipeline started, what came and went, where it
        ended, what slipped and stalled, and where the quarter was heading; without deal_changes,
        what the data cannot show."""
        if self.scope.mixed_currencies:
            return Text(mixed_currency_sentence(self.scope.mixed_currencies))
        if not self.current.in_play:
            return self._nothing_in_play()
        then = [self._slipped_sentence(), self._stalled_sentence(), *self._landing_sentences()]
        paragraphs = (self._flow_sentences(), [sentence for sentence in then if sentence])
        return Text("\n\n".join(" ".join(told) for told in paragraphs if told))

    def caveats(self) -> Text:
        """The deals each edge rule decided, the conventions, currencies and missing tables."""
        notes = self._flow_notes() + self._slippage_notes() + self._stalled_notes()
        notes += self._landing_notes() + self.scope.currency_notes
        notes += missing_tables_note(
            self.scope.crm.missing, {table: _(does) for table, does in ENABLES.items()}
        )
        return bullet_list([*notes, definitions_note("pipeline-flow")])


def open_report(
    quarter: str,
    team: str = "all",
    source: str = "",
    preset: str = "",
    *,
    locale: str = "",
    landing_week: int = 7,
    stalled_lookback: int = 4,
) -> PipelineReport:
    """The pipeline report for a notebook's parameters: ``landing_week`` (1 to 14) is the week
    of the quarter whose landing estimate the headline shows, ``stalled_lookback`` (1 to 8) how
    many quarters of stage exits set the time in stage beyond which an open deal is stalled."""
    if landing_week not in LANDING_WEEKS:
        raise ParamsError(f"landing_week must be 1 to 14, not {landing_week}")
    if stalled_lookback not in STALLED_LOOKBACKS:
        raise ParamsError(f"stalled_lookback must be 1 to 8, not {stalled_lookback}")
    scope = open_scope(quarter, team, source, preset, locale)
    return PipelineReport(scope, landing_week, stalled_lookback)
