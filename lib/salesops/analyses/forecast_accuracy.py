"""The forecast-accuracy report: how close weekly calls came to the actual, and who is biased."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.report import QuarterReport
from salesops.analyses.scope import Scope, open_scope
from salesops.analyses.sections import (
    bullet_list,
    definitions_note,
    missing_tables_note,
    mixed_currency_sentence,
    needs_amounts,
    needs_tables,
    value,
    withhold_amount_cards,
)
from salesops.errors import ParamsError
from salesops.i18n import N_, _, ngettext
from salesops.metrics import MissingTableError, forecast, pipeline
from salesops.metrics.stats import at_least
from salesops.periods import Quarter
from salesops.present import Card, Text, escape_markdown
from salesops.vocabulary import ALL_TEAMS

ANALYSIS = "forecast_accuracy"
ENABLES = {
    "forecast_submissions": N_(
        "accuracy of the calls reps submitted (calls are rebuilt from stage history instead)"
    ),
    "quotas": N_("pipeline coverage of the quota"),
}
NO_CALLS = N_(
    "Forecast accuracy is not shown: the data has neither forecast_submissions (the calls reps "
    "submitted) nor stage_history (to rebuild calls from); add either to switch it on."
)
TOP_REPS = 12
UNBIASED = 0.02  # a pooled bias under 2 % either way reads as unbiased
MAX_TEAM_BARS = 12


@dataclass(frozen=True)
class ForecastOptions:
    """The report's own parameters, named in the caveats."""

    at_week: int = forecast.AT_WEEK
    rollup: forecast.Rollup = "cumulative"


class ForecastAccuracyReport(QuarterReport):
    """Every section of the forecast-accuracy notebook; metrics are computed once and shared."""

    def __init__(self, scope: Scope, options: ForecastOptions) -> None:
        super().__init__(scope)
        self.options = options

    def figures(self, quarter: Quarter) -> dict[str, Any]:
        weekly = errors = None
        if quarter == self.scope.quarter:  # the sections need these too: compute them once
            with contextlib.suppress(MissingTableError):  # the headline says which is missing
                weekly, errors = self.weeks, self.errors
        return forecast.forecast_headline(
            self.scope.tables,
            quarter,
            self.scope.team,
            at_week=self.options.at_week,
            rollup=self.options.rollup,
            weekly=weekly,
            errors=errors,
        )

    @cached_property
    def weeks(self) -> pd.DataFrame:
        return forecast.forecast_by_week(
            self.scope.tables, self.scope.quarter, self.scope.team, rollup=self.options.rollup
        )

    @cached_property
    def errors(self) -> pd.DataFrame:
        return forecast.rep_forecast_errors(
            self.scope.tables,
            self.scope.quarter,
            self.scope.team,
            at_week=self.options.at_week,
            rollup=self.options.rollup,
        )

    @property
    def at_week(self) -> str:
        return str(self.now["at_week"])

    def headline(self) -> present.Headline:
        """Cards: actual, the mid-quarter and final commit accuracy, WAPE, bias, coverage."""
        now, before, prev = self.now, self.before, formatting.quarter(self.scope.previous)
        week = self.at_week
        accuracy_now = (now["accuracy_by_week"] or {}).get(week)
        accuracy_before = ((value(before, "accuracy_by_week") or {}) or {}).get(week)
        ratio = formatting.percent((now["ratio_by_week"] or {}).get(week))
        required = formatting.multiple(now["required_coverage"])
        cards = [
            Card.compare(
                _("Closed won (actual)"),
                now["actual"],
                value(before, "actual"),
                "money",
                versus=prev,
                currency=self.scope.settings.currency,
            ),
            Card.compare(
                _("Commit accuracy, week {week}").format(week=week),
                accuracy_now,
                accuracy_before,
                versus=prev,
                note=_("ratio {ratio}").format(ratio=ratio),
            ),
            Card.compare(
                _("Final commit accuracy"),
                now["final_accuracy"],
                value(before, "final_accuracy"),
                versus=prev,
            ),
            Card.compare(
                _("Forecast error (WAPE)"),
                now["wape"],
                value(before, "wape"),
                versus=prev,
                higher_is_better=False,
                note=_("week {week}, last four quarters").format(week=week),
            ),
            Card(
                _("Forecast bias"),
                formatting.percent(now["bias"], signed=True),
                note=_bias_words(now["bias"]),
            ),
            Card(
                _("Pipeline coverage"),
                formatting.multiple(now["pipeline_coverage"]),
                note=_("required {coverage} at the win rate").format(coverage=required),
            ),
        ]
        if self.scope.mixed_currencies:
            cards = withhold_amount_cards(cards, {card.label for card in cards})
        return present.headline(ANALYSIS, self.scope.team, self.scope.quarter.label, now, cards)

    def summary(self) -> Text:
        """The answer in sentences: how far off the calls were, which way, and the coverage."""
        now, week = self.now, self.at_week
        ratio = (now["ratio_by_week"] or {}).get(week)
        if self.scope.mixed_currencies:
            return Text(mixed_currency_sentence(self.scope.mixed_currencies))
        if not now["actual"]:
            return Text(
                _(
                    "Nothing closed won in {quarter} for {team}, so forecast accuracy is not "
                    "defined."
                ).format(
                    quarter=formatting.quarter(self.scope.quarter),
                    team=escape_markdown(self.scope.team_label),
                )
            )
        if not now["accuracy_by_week"]:
            return Text(
                _(
                    "Forecast calls are not available: the data has neither forecast_submissions "
                    "nor stage_history to rebuild them from."
                )
            )
        calls = (
            _(
                "At week {week} the commit call (submitted) stood at {ratio} of what finally "
                "closed won ({actual}); {in_band} of {weeks} weekly calls were within 85-115 %."
            )
            if now["basis"] == "submitted"
            else _(
                "At week {week} the commit call (rebuilt from stage history) stood at {ratio} of "
                "what finally closed won ({actual}); {in_band} of {weeks} weekly calls were "
                "within 85-115 %."
            )
        )
        parts = [
            calls.format(
                week=week,
                ratio=formatting.percent(ratio),
                actual=formatting.money(now["actual"], self.scope.settings.currency),
                in_band=formatting.count(now["weeks_in_band"]),
                weeks=formatting.count(len(now["accuracy_by_week"])),
            ),
            _(BIAS_SENTENCES[_lean(now["bias"])]).format(
                wape=formatting.percent(now["wape"]),
                bias=formatting.percent(now["bias"], signed=True),
            ),
        ]
        if now["pipeline_coverage"] is not None and now["required_coverage"] is not None:
            enough = at_least(now["pipeline_coverage"], now["required_coverage"])
            coverage = (
                _(
                    "The quarter opened with {coverage} pipeline coverage against the {required} "
                    "the win rate requires: enough."
                )
                if enough
                else _(
                    "The quarter opened with {coverage} pipeline coverage against the {required} "
                    "the win rate requires: thin."
                )
            )
            parts.append(
                coverage.format(
                    coverage=formatting.multiple(now["pipeline_coverage"]),
                    required=formatting.multiple(now["required_coverage"]),
                )
            )
        return Text(" ".join(parts))

    @keeps_data
    @needs_tables
    @needs_amounts
    def accuracy_by_week(self) -> present.Stack:
        """The commit and best-case calls as a share of the actual, week by week."""
        weeks = self.weeks
        fig = charts.accuracy_by_week(weeks, title=_("Forecast as a share of what closed"))
        caption = _(
            "Each week's commit and best-case call (sum of each rep's latest call) divided by the "
            "closed-won amount at quarter end; the band marks 85-115 %."
        )
        wide = weeks.pivot_table(
            index=["week", "week_end"], columns="category", values="forecast", aggfunc="sum"
        ).reset_index()
        wide.columns.name = None
        wide["actual"] = weeks["actual"].iloc[0] if len(weeks) else float("nan")
        commit = weeks[weeks["category"] == "commit"].set_index("week")
        wide["commit_accuracy"] = wide["week"].map(commit["accuracy"])
        columns = [
            c
            for c in ("week", "week_end", "commit", "best_case", "actual", "commit_accuracy")
            if c in wide.columns
        ]
        formats = {c: "money" for c in ("commit", "best_case", "actual") if c in wide.columns}
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=weeks),
            self.table(
                wide[columns],
                {**formats, "week": "count", "week_end": "date", "commit_accuracy": "percent"},
                labels={
                    "week": _("Week"),
                    "week_end": _("Week ends before"),
                    "commit": _("Commit"),
                    "best_case": _("Best case"),
                    "actual": _("Actual"),
                    "commit_accuracy": _("Commit accuracy"),
                },
            ),
        )

    @keeps_data
    @needs_tables
    @needs_amounts
    def reps_by_bias(self) -> present.Stack:
        """Reps ranked by signed bias over the last four quarters (most over-called first); reps
        on fewer won deals than the small-sample rule are flagged and ranked after the others."""
        small = self.scope.settings.small_sample
        ranked = forecast.reps_by_bias(self.errors, small_sample=small)
        steady = ranked[~ranked["small_sample"]]
        small_count = len(ranked) - len(steady)
        left_out = " " + ngettext(
            "The {count} small sample is left out.",
            "The {count} small samples are left out.",
            small_count,
        ).format(count=formatting.count(small_count))
        if len(ranked) <= TOP_REPS * 2:
            shown, note = ranked, ""
        elif len(steady) <= TOP_REPS * 2:
            shown, note = steady, left_out
        else:
            shown = pd.concat([steady.head(TOP_REPS), steady.tail(TOP_REPS)])
            most = _("The {top} most over- and under-calling of the others are shown.")
            note = " " + most.format(top=TOP_REPS) + left_out
        fig = charts.rep_bias(
            shown.rename(columns={"rep_name": "rep"}),
            title=_("Forecast bias by rep at week {week}").format(week=self.at_week),
        )
        caption = (
            _(
                "Sum of (call - actual) / sum of actual per rep over the last four quarters, at "
                "week {week}: above zero over-calls, below zero sandbags. Reps with fewer than "
                "{small} won deals are small samples: hatched and ranked after the others."
            ).format(week=self.at_week, small=formatting.count(small))
            + note
        )
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=shown),
            self.table(
                shown[["rep_name", "quarters", "won_deals", "forecast", "actual", "bias", "wape"]],
                {
                    "quarters": "count",
                    "won_deals": "count",
                    "forecast": "money",
                    "actual": "money",
                    "bias": "percent",
                    "wape": "percent",
                },
                labels={
                    "rep_name": _("Rep"),
                    "quarters": _("Quarters"),
                    "won_deals": _("Won deals"),
                    "forecast": _("Called"),
                    "actual": _("Actual"),
                    "bias": _("Bias"),
                    "wape": _("WAPE"),
                },
            ),
        )

    @keeps_data
    @needs_tables
    @needs_amounts
    def by_quarter(self) -> present.Table:
        """WAPE and bias per quarter for the last four quarters."""
        table = forecast.forecast_error_by_quarter(self.errors)
        week = self.at_week
        return self.table(
            table.assign(quarter=table["quarter"].map(formatting.quarter)),
            {
                "rep_quarters": "count",
                "actual": "money",
                "wape_at_week": "percent",
                "bias_at_week": "percent",
                "wape_final": "percent",
                "bias_final": "percent",
            },
            caption=_("Forecast error by quarter (week {week} and final call)").format(week=week),
            labels={
                "quarter": _("Quarter"),
                "rep_quarters": _("Rep-quarters"),
                "actual": _("Actual"),
                "wape_at_week": _("WAPE, week {week}").format(week=week),
                "bias_at_week": _("Bias, week {week}").format(week=week),
                "wape_final": _("WAPE, final call"),
                "bias_final": _("Bias, final call"),
            },
        )

    @keeps_data
    @needs_tables
    @needs_amounts
    def coverage(self) -> present.Stack | Text:
        """Pipeline coverage at the quarter's start against the coverage the win rate requires."""
        teams = self.scope.crm.teams() if self.scope.all_teams else []
        # one query per team: past a dozen teams the bars stop being readable and the queries add
        # up, so the roll-up shows the total and each team's own report shows its coverage
        groups = [self.scope.team, *(teams if len(teams) <= MAX_TEAM_BARS else [])]
        rows = []
        for group in groups:
            cov = pipeline.pipeline_coverage(self.scope.tables, self.scope.quarter, group)
            rows.append(
                {
                    "group": _("All teams") if group == ALL_TEAMS else group,
                    "pipeline": cov.pipeline,
                    "quota": cov.quota,
                    "coverage": cov.coverage,
                    "required": cov.required_coverage,
                }
            )
        frame = pd.DataFrame(rows)
        if frame["coverage"].isna().all():
            return Text(_("Pipeline coverage needs quotas for the quarter; the data has none."))
        fig = charts.pipeline_coverage(frame, title=_("Pipeline coverage at the quarter's start"))
        caption = _(
            "Open pipeline due in {quarter} as of {day} divided by the quota; the mark shows the "
            "coverage needed at the last four quarters' win rate (1 / win rate)."
        ).format(
            quarter=formatting.quarter(self.scope.quarter),
            day=formatting.day(self.scope.quarter.start),
        )
        if len(groups) == 1 and teams:
            each = _("{count} teams: each team's report shows its own.")
            caption += " " + each.format(count=formatting.count(len(teams)))
        return present.stack(
            present.figure(fig, caption=caption, alt=caption, frame=frame),
            self.table(
                frame.rename(columns={"group": "team"}),
                {
                    "pipeline": "money",
                    "quota": "money",
                    "coverage": "multiple",
                    "required": "multiple",
                },
                labels={
                    "team": _("Team"),
                    "pipeline": _("Pipeline"),
                    "quota": _("Quota"),
                    "coverage": _("Coverage"),
                    "required": _("Required"),
                },
            ),
        )

    def caveats(self) -> Text:
        """The basis of the calls, small samples, missing tables and conventions."""
        now = self.now
        notes = []
        if now["basis"] != "submitted" and self.scope.crm.has("stage_history"):
            notes.append(
                _(
                    "The data has no forecast submissions: each week's call is rebuilt from stage "
                    "history (closed won to date plus open deals in the commit category due this "
                    "quarter), not what reps actually called."
                )
            )
        missing = self.scope.crm.missing
        if now["basis"] is None:  # no calls at all: one sentence instead of rough WAPE and bias
            notes.append(_(NO_CALLS))
            missing = [table for table in missing if table != "forecast_submissions"]
        elif (now["rep_quarters"] or 0) < self.scope.settings.small_sample:
            rep_quarters = now["rep_quarters"] or 0
            notes.append(
                ngettext(
                    "Only {count} rep-quarter of calls: WAPE and bias are rough.",
                    "Only {count} rep-quarters of calls: WAPE and bias are rough.",
                    rep_quarters,
                ).format(count=formatting.count(rep_quarters))
            )
        notes += self.scope.currency_notes
        notes += missing_tables_note(missing, {table: _(does) for table, does in ENABLES.items()})
        rollup = (
            _(
                "Calls roll up cumulative (a commit call includes closed won; best case includes "
                "commit)."
            )
            if self.options.rollup == "cumulative"
            else _(
                "Calls roll up by category (closed won is added to commit, and commit to best "
                "case)."
            )
        )
        notes += [
            rollup,
            _(
                "Accuracy = 1 - |F - A| / A; WAPE = sum |F - A| / sum A and bias = sum (F - A) / "
                "sum A over reps and the last four quarters."
            ),
            _(
                "Week w ends 7 x w days after the quarter starts; the mid-quarter figures use "
                "week {week}."
            ).format(week=self.at_week),
            _(
                "Coverage = open pipeline due in the quarter on its first day / (quota - booked); "
                "required coverage = 1 / win rate of the four quarters before."
            ),
        ]
        return bullet_list([*notes, definitions_note("forecast-accuracy")])


Lean = Literal["undefined", "unbiased", "high", "low"]
BIAS_WORDS: dict[Lean, str] = {
    "undefined": N_("bias is not defined"),
    "unbiased": N_("calls were unbiased"),
    "high": N_("calls ran high (over-calling)"),
    "low": N_("calls ran low (sandbagging)"),
}
BIAS_SENTENCES: dict[Lean, str] = {
    "undefined": N_(
        "Across reps and the last four quarters the mid-quarter call missed by {wape} (WAPE) "
        "and bias is not defined ({bias})."
    ),
    "unbiased": N_(
        "Across reps and the last four quarters the mid-quarter call missed by {wape} (WAPE) "
        "and calls were unbiased ({bias})."
    ),
    "high": N_(
        "Across reps and the last four quarters the mid-quarter call missed by {wape} (WAPE) "
        "and calls ran high (over-calling) ({bias})."
    ),
    "low": N_(
        "Across reps and the last four quarters the mid-quarter call missed by {wape} (WAPE) "
        "and calls ran low (sandbagging) ({bias})."
    ),
}


def _lean(bias: float | None) -> Lean:
    """Which way the calls lean: under UNBIASED either way is unbiased; UNBIASED itself (give or
    take float drift) already leans."""
    if bias is None:
        return "undefined"
    if not at_least(abs(bias), UNBIASED):
        return "unbiased"
    return "high" if bias > 0 else "low"


def _bias_words(bias: float | None) -> str:
    """Bias in words, as a card's note: "calls ran high (over-calling)"."""
    return _(BIAS_WORDS[_lean(bias)])


def open_report(
    quarter: str,
    team: str = "all",
    source: str = "",
    preset: str = "",
    *,
    locale: str = "",
    at_week: int = forecast.AT_WEEK,
    rollup: str = "cumulative",
) -> ForecastAccuracyReport:
    """The forecast-accuracy report for a notebook's parameters."""
    if rollup not in ("cumulative", "category"):
        raise ParamsError(f"rollup must be 'cumulative' or 'category', not {rollup!r}")
    if not 1 <= at_week <= 14:
        raise ParamsError(f"at_week must be a week of the quarter (1 to 14), not {at_week}")
    options = ForecastOptions(at_week=at_week, rollup=rollup)  # type: ignore[arg-type]
    return ForecastAccuracyReport(open_scope(quarter, team, source, preset, locale), options)
