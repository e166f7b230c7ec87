"""The forecast-accuracy report: how close weekly calls came to the actual, and who is biased."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.report import QuarterReport
from salesops.analyses.scope import Scope, open_scope
from salesops.analyses.sections import (
    bullet_list,
    missing_tables_note,
    mixed_currency_sentence,
    needs_amounts,
    needs_tables,
    value,
    withhold_amount_cards,
)
from salesops.errors import ParamsError
from salesops.metrics import MissingTableError, forecast, pipeline
from salesops.metrics.scope import ALL_TEAMS
from salesops.metrics.stats import at_least
from salesops.periods import Quarter
from salesops.present import Card, Text, escape_markdown

ANALYSIS = "forecast_accuracy"
ENABLES = {
    "forecast_submissions": "accuracy of the calls reps submitted (calls are rebuilt from "
    "stage history instead)",
    "quotas": "pipeline coverage of the quota",
}
NO_CALLS = (
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
        now, before, prev = self.now, self.before, self.scope.previous.label
        week = self.at_week
        accuracy_now = (now["accuracy_by_week"] or {}).get(week)
        accuracy_before = ((value(before, "accuracy_by_week") or {}) or {}).get(week)
        cards = [
            Card.compare(
                "Closed won (actual)",
                now["actual"],
                value(before, "actual"),
                "money",
                versus=prev,
                currency=self.scope.settings.currency,
            ),
            Card.compare(
                f"Commit accuracy, week {week}",
                accuracy_now,
                accuracy_before,
                versus=prev,
                note=f"ratio {formatting.percent((now['ratio_by_week'] or {}).get(week))}",
            ),
            Card.compare(
                "Final commit accuracy",
                now["final_accuracy"],
                value(before, "final_accuracy"),
                versus=prev,
            ),
            Card.compare(
                "Forecast error (WAPE)",
                now["wape"],
                value(before, "wape"),
                versus=prev,
                higher_is_better=False,
                note=f"week {week}, last four quarters",
            ),
            Card(
                "Forecast bias",
                formatting.percent(now["bias"], signed=True),
                note=_bias_words(now["bias"]),
            ),
            Card(
                "Pipeline coverage",
                formatting.multiple(now["pipeline_coverage"]),
                note=f"required {formatting.multiple(now['required_coverage'])} at the win rate",
            ),
        ]
        if self.scope.mixed_currencies:
            cards = withhold_amount_cards(cards, {card.label for card in cards})
        return present.headline(ANALYSIS, self.scope.team, self.scope.quarter.label, now, cards)

    def summary(self) -> Text:
        """The answer in sentences: how far off the calls were, which way, and the coverage."""
        now, week = self.now, self.at_week
        quarter = self.scope.quarter.label
        ratio = (now["ratio_by_week"] or {}).get(week)
        if self.scope.mixed_currencies:
            return Text(mixed_currency_sentence(self.scope.mixed_currencies))
        if not now["actual"]:
            return Text(
                f"Nothing closed won in {quarter} for {escape_markdown(self.scope.team_label)}, "
                "so forecast accuracy is not defined."
            )
        if not now["accuracy_by_week"]:
            return Text(
                "Forecast calls are not available: the data has neither forecast_submissions nor "
                "stage_history to rebuild them from."
            )
        basis = "submitted" if now["basis"] == "submitted" else "rebuilt from stage history"
        parts = [
            f"At week {week} the commit call ({basis}) stood at "
            f"{formatting.percent(ratio)} of what finally closed won "
            f"({formatting.money(now['actual'], self.scope.settings.currency)}); "
            f"{now['weeks_in_band']} of {len(now['accuracy_by_week'])} weekly calls were within "
            "85-115 %.",
            f"Across reps and the last four quarters the mid-quarter call missed by "
            f"{formatting.percent(now['wape'])} (WAPE) and {_bias_words(now['bias'])} "
            f"({formatting.percent(now['bias'], signed=True)}).",
        ]
        if now["pipeline_coverage"] is not None and now["required_coverage"] is not None:
            enough = at_least(now["pipeline_coverage"], now["required_coverage"])
            parts.append(
                f"The quarter opened with {formatting.multiple(now['pipeline_coverage'])} pipeline "
                f"coverage against the {formatting.multiple(now['required_coverage'])} the win "
                f"rate requires: {'enough' if enough else 'thin'}."
            )
        return Text(" ".join(parts))

    @keeps_data
    @needs_tables
    @needs_amounts
    def accuracy_by_week(self) -> present.Stack:
        """The commit and best-case calls as a share of the actual, week by week."""
        weeks = self.weeks
        fig = charts.accuracy_by_week(weeks, title="Forecast as a share of what closed")
        caption = (
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
                labels={"week_end": "Week ends before", "best_case": "Best case"},
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
        left_out = f" The {len(ranked) - len(steady)} small samples are left out."
        if len(ranked) <= TOP_REPS * 2:
            shown, note = ranked, ""
        elif len(steady) <= TOP_REPS * 2:
            shown, note = steady, left_out
        else:
            shown = pd.concat([steady.head(TOP_REPS), steady.tail(TOP_REPS)])
            note = (
                f" The {TOP_REPS} most over- and under-calling of the others are shown.{left_out}"
            )
        fig = charts.rep_bias(
            shown.rename(columns={"rep_name": "rep"}),
            title=f"Forecast bias by rep at week {self.at_week}",
        )
        caption = (
            f"Sum of (call - actual) / sum of actual per rep over the last four quarters, at week "
            f"{self.at_week}: above zero over-calls, below zero sandbags. Reps with fewer than "
            f"{small} won deals are small samples: hatched and ranked after the others.{note}"
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
                    "rep_name": "Rep",
                    "won_deals": "Won deals",
                    "forecast": "Called",
                    "wape": "WAPE",
                },
            ),
        )

    @keeps_data
    @needs_tables
    @needs_amounts
    def by_quarter(self) -> present.Table:
        """WAPE and bias per quarter for the last four quarters."""
        table = forecast.forecast_error_by_quarter(self.errors)
        return self.table(
            table,
            {
                "rep_quarters": "count",
                "actual": "money",
                "wape_at_week": "percent",
                "bias_at_week": "percent",
                "wape_final": "percent",
                "bias_final": "percent",
            },
            caption=f"Forecast error by quarter (week {self.at_week} and final call)",
            labels={
                "rep_quarters": "Rep-quarters",
                "wape_at_week": f"WAPE, week {self.at_week}",
                "bias_at_week": f"Bias, week {self.at_week}",
                "wape_final": "WAPE, final call",
                "bias_final": "Bias, final call",
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
                    "group": "All teams" if group == ALL_TEAMS else group,
                    "pipeline": cov.pipeline,
                    "quota": cov.quota,
                    "coverage": cov.coverage,
                    "required": cov.required_coverage,
                }
            )
        frame = pd.DataFrame(rows)
        if frame["coverage"].isna().all():
            return Text("Pipeline coverage needs quotas for the quarter; the data has none.")
        fig = charts.pipeline_coverage(frame, title="Pipeline coverage at the quarter's start")
        caption = (
            f"Open pipeline due in {self.scope.quarter.label} as of "
            f"{self.scope.quarter.start:%Y-%m-%d} divided by the quota; the mark shows the "
            "coverage needed at the last four quarters' win rate (1 / win rate)."
            + (
                f" {len(teams)} teams: each team's report shows its own."
                if len(groups) == 1 and teams
                else ""
            )
        )
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
            ),
        )

    def caveats(self) -> Text:
        """The basis of the calls, small samples, missing tables and conventions."""
        now = self.now
        notes = []
        if now["basis"] != "submitted" and self.scope.crm.has("stage_history"):
            notes.append(
                "The data has no forecast submissions: each week's call is rebuilt from stage "
                "history (closed won to date plus open deals in the commit category due this "
                "quarter), not what reps actually called."
            )
        missing = self.scope.crm.missing
        if now["basis"] is None:  # no calls at all: one sentence instead of rough WAPE and bias
            notes.append(NO_CALLS)
            missing = [table for table in missing if table != "forecast_submissions"]
        elif (now["rep_quarters"] or 0) < self.scope.settings.small_sample:
            notes.append(
                f"Only {now['rep_quarters'] or 0} rep-quarters of calls: WAPE and bias are rough."
            )
        notes += self.scope.currency_notes
        notes += missing_tables_note(missing, ENABLES)
        rollup = (
            "cumulative (a commit call includes closed won; best case includes commit)"
            if self.options.rollup == "cumulative"
            else "by category (closed won is added to commit, and commit to best case)"
        )
        notes += [
            f"Calls roll up {rollup}.",
            "Accuracy = 1 - |F - A| / A; WAPE = sum |F - A| / sum A and bias = sum (F - A) / sum A "
            "over reps and the last four quarters.",
            f"Week w ends 7 x w days after the quarter starts; the mid-quarter figures use week "
            f"{self.at_week}.",
            "Coverage = open pipeline due in the quarter on its first day / (quota - booked); "
            "required coverage = 1 / win rate of the four quarters before.",
        ]
        return bullet_list(notes)


def _bias_words(bias: float | None) -> str:
    """Bias in words: under UNBIASED either way is unbiased; UNBIASED itself (give or take float
    drift) already leans."""
    if bias is None:
        return "bias is not defined"
    if not at_least(abs(bias), UNBIASED):
        return "calls were unbiased"
    return "calls ran high (over-calling)" if bias > 0 else "calls ran low (sandbagging)"


def open_report(
    quarter: str,
    team: str = "all",
    source: str = "",
    preset: str = "",
    *,
    at_week: int = forecast.AT_WEEK,
    rollup: str = "cumulative",
) -> ForecastAccuracyReport:
    """The forecast-accuracy report for a notebook's parameters."""
    if rollup not in ("cumulative", "category"):
        raise ParamsError(f"rollup must be 'cumulative' or 'category', not {rollup!r}")
    if not 1 <= at_week <= 14:
        raise ParamsError(f"at_week must be a week of the quarter (1 to 14), not {at_week}")
    options = ForecastOptions(at_week=at_week, rollup=rollup)  # type: ignore[arg-type]
    return ForecastAccuracyReport(open_scope(quarter, team, source, preset), options)
