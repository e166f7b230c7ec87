"""The pacing and landing sections: bookings week by week, and where the quarter was heading."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.pipeline.base import PipelineSections
from salesops.analyses.sections import needs_amounts
from salesops.i18n import _, ngettext
from salesops.metrics import landing
from salesops.metrics.landing import LANDING_CONFIDENCE
from salesops.present import Text


class LandingSections(PipelineSections):
    """Pacing, the landing estimate week by week and its backtest at ``landing_week``."""

    @cached_property
    def landing_backtest(self) -> landing.Backtest:
        """The landing the last four quarters projected at ``landing_week``, against their
        bookings (``metrics.landing.landing_backtest``)."""
        return landing.landing_backtest(
            self.scope.tables, self.scope.quarter, self.scope.team, week=self.landing_week
        )

    @keeps_data
    @needs_amounts
    def pacing(self) -> present.Stack:
        """Bookings to date by week of the quarter, against the same week of the previous quarter
        and of the same quarter last year, and against quota."""
        quarter = self.scope.quarter
        weeks = landing.pacing(self.scope.tables, quarter, self.scope.team, as_of=self.as_of)
        names = {
            "this_quarter": formatting.quarter(quarter),
            "previous_quarter": formatting.quarter(quarter.previous()),
            "last_year": formatting.quarter(quarter.previous(4)),
        }
        currency = self.scope.settings.currency
        fig = charts.pacing_lines(
            weeks,
            title=_("Bookings by week of {quarter}").format(quarter=names["this_quarter"]),
            labels={**names, "quota": _("Quota")},
            currency=currency,
        )
        caption = self._pacing_caption(weeks, names)
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=weeks),
            self.table(
                weeks[["week", "week_end", *names]],
                {"week": "count", "week_end": "date", **dict.fromkeys(names, "money")},
                labels={"week": _("Week"), "week_end": _("Week ends"), **names},
            ),
        )

    def _pacing_caption(self, weeks: pd.DataFrame, names: dict[str, str]) -> str:
        """Where bookings stood at the last week in the data, against the same week before."""
        currency = self.scope.settings.currency
        known = weeks.dropna(subset=["this_quarter"])
        caption = _(
            "Won amount by close date to the end of each week; the same week of {previous} and "
            "of {last_year} for comparison."
        ).format(previous=names["previous_quarter"], last_year=names["last_year"])
        if not known.empty:
            last = known.iloc[-1]
            caption += " " + _(
                "To the end of week {week}: {now}, against {previous} and {last_year}."
            ).format(
                week=int(last["week"]),
                now=formatting.money(last["this_quarter"], currency),
                previous=formatting.money(last["previous_quarter"], currency),
                last_year=formatting.money(last["last_year"], currency),
            )
        quota = weeks["quota"].dropna()
        if not quota.empty:
            caption += " " + _("The dashed line is the quarter's quota, {quota}.").format(
                quota=formatting.money(quota.iloc[0], currency)
            )
        return caption

    @keeps_data
    @needs_amounts
    def landing(self) -> present.ReportFigure | Text:
        """Where the quarter was heading at the end of each week: won to date, plus the open
        pipeline at each stage's win rate, plus what past quarters booked from deals not yet in
        it; with an interval. The chart's frame holds every week's figures."""
        quarter, currency = self.scope.quarter, self.scope.settings.currency
        weeks = landing.landing(self.scope.tables, quarter, self.scope.team, as_of=self.as_of)
        if weeks.empty:
            return Text(
                _("No week of {quarter} is in the data yet.").format(
                    quarter=formatting.quarter(quarter)
                )
            )
        confidence = formatting.percent(LANDING_CONFIDENCE)
        fig = charts.landing_band(
            weeks,
            title=_("Where {quarter} was heading, week by week").format(
                quarter=formatting.quarter(quarter)
            ),
            labels={
                "won_to_date": _("Won to date"),
                "expected": _("Expected landing"),
                "band": _("{confidence} interval").format(confidence=confidence),
                "actual": _("Actual"),
            },
            currency=currency,
        )
        caption = _(
            "At the end of each week: the amount won so far, plus the open pipeline due in the "
            "quarter at each stage times the share of such deals won in the last {lookback} "
            "quarters, plus what those quarters booked from deals not in the pipeline yet at "
            "that week. The band is the {confidence} interval."
        ).format(lookback=formatting.count(landing.LOOKBACK_QUARTERS), confidence=confidence)
        if landing.landing_basis(self.scope.tables) != "stage_history":
            caption += " " + _(
                "The data has no {table} table: stages are today's, so past weeks look better "
                "informed than they were."
            ).format(table="stage_history")
        return present.figure(fig, caption=caption, alt=caption, frame=weeks)

    @keeps_data
    @needs_amounts
    def backtest(self) -> present.Stack | Text:
        """How far the landing estimate made at ``landing_week`` of each of the last four quarters
        fell from what they booked."""
        tested = self.landing_backtest
        if not tested.scored:
            return Text(_("No earlier quarter in the data to test the landing estimate on."))
        told = self._trust_sentence(tested.scored, tested.wape) if tested.wape is not None else ""
        inside = ngettext(
            "{inside} of the {count} quarter landed inside its {confidence} interval; the "
            "estimate ran {bias} from the actual overall (above zero: too high).",
            "{inside} of the {count} quarters landed inside their {confidence} interval; the "
            "estimate ran {bias} from the actual overall (above zero: too high).",
            tested.scored,
        ).format(
            inside=formatting.count(tested.inside_interval),
            count=formatting.count(tested.scored),
            confidence=formatting.percent(LANDING_CONFIDENCE),
            bias=formatting.percent(tested.bias, signed=True),
        )
        rows = tested.quarters
        rows = rows.assign(quarter=rows["quarter"].map(formatting.quarter))
        amounts = ["projected", "low", "high", "actual", "error"]
        return present.stack(
            Text(f"{told} {inside}".strip()),
            self.table(
                rows[["quarter", *amounts]],
                dict.fromkeys(amounts, "money"),
                caption=_("The landing estimate made at week {week} of past quarters").format(
                    week=tested.week
                ),
                labels={
                    "quarter": _("Quarter"),
                    "projected": _("Expected landing"),
                    "low": _("Low"),
                    "high": _("High"),
                    "actual": _("Actual"),
                    "error": _("Error"),
                },
            ),
        )

    def _landing_note(self) -> str:
        now, currency = self.now, self.scope.settings.currency
        if now["projected_landing"] is None:
            quarter = self.scope.quarter
            week_end = quarter.week_end(min(now["landing_week"], quarter.weeks))
            if week_end > self.as_of + timedelta(days=1):
                return _("week {week} is not in the data yet").format(week=now["landing_week"])
            return _("no earlier quarter in the data to take win rates from")
        return _("at week {week}; {confidence} interval {low} to {high}").format(
            week=now["landing_week"],
            confidence=formatting.percent(LANDING_CONFIDENCE),
            low=formatting.money(now["landing_low"], currency),
            high=formatting.money(now["landing_high"], currency),
        )

    def _landing_sentences(self) -> list[str]:
        now, currency = self.now, self.scope.settings.currency
        if now["projected_landing"] is None:
            return []
        heading = {
            "week": now["landing_week"],
            "expected": formatting.money(now["projected_landing"], currency),
            "confidence": formatting.percent(LANDING_CONFIDENCE),
            "low": formatting.money(now["landing_low"], currency),
            "high": formatting.money(now["landing_high"], currency),
        }
        if now["landing_actual"] is None:
            told = [
                _(
                    "At the end of week {week} the quarter was heading for {expected} "
                    "({confidence} interval: {low} to {high})."
                ).format(**heading)
            ]
        else:
            told = [
                _(
                    "At the end of week {week} the quarter was heading for {expected} "
                    "({confidence} interval: {low} to {high}); it landed at {actual}."
                ).format(**heading, actual=formatting.money(now["landing_actual"], currency))
            ]
        if now["landing_wape"] is not None:
            told.append(self._trust_sentence(now["landing_quarters"], now["landing_wape"]))
        return told

    def _trust_sentence(self, quarters: int, wape: float) -> str:
        """How far the same estimate landed from the actual in past quarters."""
        return ngettext(
            "Made the same way in the last {count} quarter, the estimate was off by {wape} (WAPE).",
            "Made the same way in each of the last {count} quarters, the estimate was off by "
            "{wape} on average (WAPE).",
            quarters,
        ).format(count=formatting.count(quarters), wape=formatting.percent(wape))

    def _landing_notes(self) -> list[str]:
        return [
            _(
                "The landing estimate weighs each stage by the share of deals won from it, by "
                "count: a quarter that hangs on a few large deals can land far from it. Its "
                "interval is the wider of what independent deals would give and how far the "
                "estimate missed in the last {lookback} quarters."
            ).format(lookback=formatting.count(landing.LOOKBACK_QUARTERS))
        ]
