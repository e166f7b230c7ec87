"""The activity and adoption sections: what reps logged each week, and how many used the CRM in
enough of the quarter's weeks."""

from __future__ import annotations

import pandas as pd

from salesops import charts, formatting, present
from salesops.analyses.data import keeps_data
from salesops.analyses.efficiency.base import EfficiencySections, reps_text, weeks_text
from salesops.analyses.sections import chart_rows, needs_tables
from salesops.data.contract import ACTIVITY_TYPES
from salesops.i18n import N_, _, ngettext
from salesops.metrics import activity
from salesops.metrics.activity import LOW_ACTIVITY_SHARE, QUARTER_WEEKS
from salesops.present import Text, escape_markdown

MAX_NAMES = 5  # low-activity reps named in the summary; the table lists every one
TYPE_LABELS = {
    "call": N_("Calls"),
    "email": N_("Emails"),
    "meeting": N_("Meetings"),
    "task": N_("Tasks"),
    "other": N_("Other"),
}


class ActivitySections(EfficiencySections):
    """Activities per rep and week, the reps who log almost nothing, and CRM adoption."""

    @keeps_data
    @needs_tables
    def activity(self) -> present.Stack | Text:
        """Activities per week by type: per rep within a team, per team across the org."""
        found = self.quarter_activity(self.scope.quarter)
        if found.by_rep.empty:
            return self._nothing(_("{team}: no active rep in {quarter}."))
        rows, left_out = self._activity_rows(found)
        fig = charts.activity_by_type(
            rows,
            {kind: _(label) for kind, label in TYPE_LABELS.items()},
            found.activities_per_rep_week,
            _("Median rep"),
            title=_("Activities per rep and week"),
        )
        caption = _(
            "Activities each active rep logged per week of {quarter} they were employed in, by "
            "type; the dashed line is the median rep's {median}."
        ).format(
            quarter=self._quarter_text(), median=formatting.decimal(found.activities_per_rep_week)
        )
        if self.scope.all_teams:
            caption += " " + _(
                "Across teams, each bar is a team's activities over its reps' weeks."
            )
        alt = _("Stacked bar chart of activities per week by type, {count}.").format(
            count=reps_text(found.active_reps)
        )
        columns = ["rep_name", *self._team_column, "weeks", "activities", "per_week"]
        return present.stack(
            present.figure(fig, caption=caption + left_out, alt=alt, frame=rows),
            self.table(
                found.by_rep[[*columns, *ACTIVITY_TYPES]],
                {
                    "weeks": "count",
                    "activities": "count",
                    "per_week": "decimal",
                    **dict.fromkeys(ACTIVITY_TYPES, "count"),
                },
                caption=_("Every active rep, most activities per week first."),
                labels={
                    "rep_name": _("Rep"),
                    "team": _("Team"),
                    "weeks": _("Weeks"),
                    "activities": _("Activities"),
                    "per_week": _("Per week"),
                    **{kind: _(label) for kind, label in TYPE_LABELS.items()},
                },
            ),
        )

    def _activity_rows(self, found: activity.RepActivity) -> tuple[pd.DataFrame, str]:
        """The chart's bars (name, a weekly rate per type): each rep, or across teams each team,
        and the caption's sentence on the bars left out."""
        rows = found.by_team if self.scope.all_teams else found.by_rep
        names = rows["team"] if self.scope.all_teams else rows["rep_name"]
        bars = pd.concat([names.rename("name"), activity.weekly_by_type(rows)], axis=1)
        bars["total"] = bars[list(ACTIVITY_TYPES)].sum(axis=1)
        bars = bars.sort_values("total", ascending=False)
        return chart_rows(bars, "total", N_("most activities per week"))

    @keeps_data
    @needs_tables
    def low_activity(self) -> present.Table | Text:
        """The active reps who logged almost nothing: under a quarter of their team's median."""
        found = self.quarter_activity(self.scope.quarter)
        if found.by_rep.empty:  # "every active rep" of none would be no news
            return self._nothing(_("{team}: no active rep in {quarter}."))
        low = found.by_rep[found.by_rep["low"]].sort_values(["per_week", "rep_name"])
        if low.empty:
            return Text(
                _(
                    "Every active rep of {team} logged at least {share} of their team's median."
                ).format(team=self._team_text(), share=formatting.percent(LOW_ACTIVITY_SHARE))
            )
        return self.table(
            low[["rep_name", *self._team_column, "weeks", "activities", "per_week"]],
            {"weeks": "count", "activities": "count", "per_week": "decimal"},
            caption=_(
                "Reps who logged fewer activities per week than {share} of their team's median "
                "rep: a sign of unlogged work as much as of little work."
            ).format(share=formatting.percent(LOW_ACTIVITY_SHARE)),
            labels={
                "rep_name": _("Rep"),
                "team": _("Team"),
                "weeks": _("Weeks"),
                "activities": _("Activities"),
                "per_week": _("Per week"),
            },
        )

    @keeps_data
    @needs_tables
    def adoption(self) -> present.Stack | Text:
        """Reps by the number of weeks they used the CRM in, and the share who adopted it."""
        found = self.quarter_adoption(self.scope.quarter)
        if found.by_rep.empty:
            return self._nothing(_("{team}: no active rep in {quarter}."))
        fig = charts.weeks_active(
            found.by_rep, self.adoption_weeks, QUARTER_WEEKS, title=_("Weeks with CRM use")
        )
        caption = _(
            "Active reps by the number of the quarter's {weeks} weeks in which they signed in to "
            "the CRM or logged an activity. An adopter used it in at least {needed} (or in every "
            "week they were employed, when fewer): {adopters} of {active}, {share}."
        ).format(
            weeks=formatting.count(QUARTER_WEEKS),
            needed=formatting.count(self.adoption_weeks),
            adopters=formatting.count(found.adopters),
            active=reps_text(found.active_reps),
            share=formatting.percent(found.share),
        )
        alt = _("Bar chart of active reps by weeks with CRM use.")
        by_team = found.by_team if self.scope.all_teams else found.by_rep
        table = (
            self._adoption_counts(by_team, "team", _("Team"))
            if self.scope.all_teams
            else self.table(
                by_team[["rep_name", "weeks_employed", "weeks_active", "adopter"]],
                {"weeks_employed": "count", "weeks_active": "count", "adopter": "yes_no"},
                labels={
                    "rep_name": _("Rep"),
                    "weeks_employed": _("Weeks employed"),
                    "weeks_active": _("Weeks with CRM use"),
                    "adopter": _("Adopter"),
                },
            )
        )
        return present.stack(
            present.figure(fig, caption=caption, alt=alt, frame=found.by_rep), table
        )

    @keeps_data
    @needs_tables
    def adoption_trend(self) -> present.Stack | Text:
        """The share of active reps who adopted the CRM in each of the last four quarters."""
        trend = self._once(
            "adoption_trend",
            self.scope.quarter,
            lambda: activity.adoption_trend(
                self.scope.tables, self.trend_quarters, self.scope.team, self.adoption_weeks
            ),
        )
        shown = trend.assign(quarter=trend["quarter"].map(formatting.quarter))
        fig = charts.quarter_trend(
            shown, {"share": _("CRM adoption")}, percent=True, title=_("CRM adoption by quarter")
        )
        return present.stack(
            present.figure(
                fig,
                caption=_("The share of active reps who used the CRM in at least {needed}.").format(
                    needed=weeks_text(self.adoption_weeks)
                ),
                alt=_("Line chart of CRM adoption by quarter."),
                frame=trend,
            ),
            self._adoption_counts(shown, "quarter", _("Quarter")),
        )

    def _adoption_counts(self, rows: pd.DataFrame, by: str, label: str) -> present.Table:
        """Active reps, adopters and their share per team or quarter (``by``, headed ``label``)."""
        return self.table(
            rows,
            {"active_reps": "count", "adopters": "count", "share": "percent"},
            labels={
                by: label,
                "active_reps": _("Active reps"),
                "adopters": _("Adopters"),
                "share": _("Adoption"),
            },
        )

    def _activity_sentences(self) -> list[str]:
        now = self.now
        if now["activities_per_rep_week"] is None:
            return []
        found = self.quarter_activity(self.scope.quarter)
        told = [
            _("The median active rep logged {rate} activities a week.").format(
                rate=formatting.decimal(now["activities_per_rep_week"])
            )
        ]
        if low := found.low_activity_reps:
            names = ", ".join(escape_markdown(name) for name in low[:MAX_NAMES])
            if len(low) > MAX_NAMES:
                more = _("{names} and {count} more").format(
                    names=names, count=formatting.count(len(low) - MAX_NAMES)
                )
                names = more
            told.append(
                ngettext(
                    "{count} rep logged almost nothing ({names}): check what goes unlogged.",
                    "{count} reps logged almost nothing ({names}): check what goes unlogged.",
                    len(low),
                ).format(count=formatting.count(len(low)), names=names)
            )
        return told

    def _adoption_sentence(self) -> str:
        now = self.now
        if now["crm_adoption"] is None:
            return ""
        found = self.quarter_adoption(self.scope.quarter)
        return _(
            "{adopters} of {active} used the CRM in at least {needed} of the quarter's {weeks} "
            "weeks ({share})."
        ).format(
            adopters=formatting.count(found.adopters),
            active=reps_text(found.active_reps),
            needed=formatting.count(self.adoption_weeks),
            weeks=formatting.count(QUARTER_WEEKS),
            share=formatting.percent(found.share),
        )

    def _activity_notes(self) -> list[str]:
        notes = []
        if self.scope.crm.has("activities"):
            notes.append(
                _(
                    "Active reps have a quota for the quarter or own a deal open during it. "
                    "Activities per week count the activities a rep logged over the weeks of the "
                    "quarter they were employed in; a rep under {share} of their team's median "
                    "rep is named as logging almost nothing."
                ).format(share=formatting.percent(LOW_ACTIVITY_SHARE))
            )
        if self.scope.crm.has("activities") or self.scope.crm.has("logins"):
            notes.append(
                _(
                    "A quarter has {weeks} weeks of seven days from its first day, the last one "
                    "taking the one or two days left. A rep used the CRM in a week with a sign-in "
                    "or a logged activity; an adopter used it in at least {needed} weeks (the "
                    "adoption_weeks parameter), or in every week they were employed when fewer."
                ).format(
                    weeks=formatting.count(QUARTER_WEEKS),
                    needed=formatting.count(self.adoption_weeks),
                )
            )
        return notes
