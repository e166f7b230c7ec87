"""The Salesforce data export (Setup > Data Export): one CSV per object, named after the object.

Choices: stages, their order and their closed and won flags come from OpportunityStage
(SortOrder, IsClosed, IsWon; never from stage names); without it, from the deals' own IsClosed and
IsWon and the order deals move through OpportunityHistory. A rep's team is their role
(UserRole.Name) unless the mapping file says ``team: manager`` or names a User column. Stage
history is the first OpportunityHistory (and OpportunityFieldHistory) entry into each stage per
deal. Amounts are converted to the corporate currency with DatedConversionRate by close date, else
CurrencyType (ConversionRate = units per corporate unit). Quarters of quotas and forecast calls
come from Period when present. A rep's hire date is the user's CreatedDate (Salesforce has none).

Activities are the closed Tasks (TaskSubtype Call, Email, ListEmail, Task or Cadence, else Type;
other subtypes such as LinkedIn read as other; CallType gives a call's direction, list emails are
outbound) and the Events (meetings; invitees' copies and recurring-series masters left out),
each on the deal its WhatId names (an Opportunity of the export, ids 006...), else on the
account (AccountId, or a WhatId with prefix 001), and on the lead its WhoId names (a Lead of the
export, ids 00Q...; contacts, 003..., are not read). A task took place on its ActivityDate, at
the time it was created when that is the same day. Activities of users who own no deals, leads,
quotas or calls, and those still ahead, are left out. Sign-ins are LoginHistory's successful ones
(Data Loader exports it; Setup's Data Export does not). Salesforce has no standard object for
enablement content: map the enablement tool's export of views and shares with the generic
preset.

A deal's type is its Type: New Business and New Customer are new business; Existing Customer -
Upgrade and other upgrades, upsells, add-ons and expansions are expansion; Renewal, Existing
Customer - Replacement and - Downgrade are renewal; any other Type leaves the deal type empty (the
mapping log counts them). Marketing spend is the Campaigns' ActualCost in the month of their
StartDate, per channel: the Campaign's Type, spelled as a LeadSource of the deals when one matches
it (Opportunity.CampaignId is not read: spend meets deals by channel, not by campaign). Sales spend
and recurring revenue come from spend.csv and recurring_revenue.csv in contract shape beside the
export; a spend.csv that holds marketing rows replaces the Campaigns' costs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from salesops.data.presets import generic, quirks, repairs
from salesops.data.presets.crm_mapper import CrmMapper, full_name
from salesops.data.presets.export import Export
from salesops.data.presets.fiscal import quarter_start
from salesops.formatting import count
from salesops.periods import Quarter

if TYPE_CHECKING:  # the mapping file lists the presets
    from salesops.data.presets.mapping import Context

OBJECTS: dict[str, tuple[str, ...]] = {
    name: ()
    for name in (
        "Opportunity",
        "OpportunityHistory",
        "OpportunityFieldHistory",
        "OpportunityStage",
        "User",
        "UserRole",
        "Lead",
        "Period",
        "CurrencyType",
        "DatedConversionRate",
        "ForecastingQuota",
        "ForecastingItem",
        "ForecastingSubmissionItem",
        "Task",
        "Event",
        "LoginHistory",
        "Campaign",
    )
}

ENABLES = {
    "Opportunity": "every report (the deals themselves)",
    "User": "the reps and their teams",
    "OpportunityStage": "the org's own stage order (otherwise inferred from OpportunityHistory)",
    "OpportunityHistory": "stage conversion, time in stage and pipeline flow",
    "UserRole": "teams from roles",
    "Lead": "lead conversion",
    "Period": "the fiscal calendar of quotas and forecast calls",
    "CurrencyType": "amounts converted to the corporate currency",
    "ForecastingQuota": "quota attainment and coverage",
    "ForecastingItem": "forecast accuracy from submitted calls (otherwise rebuilt from history)",
    "Task": "calls, emails and tasks (touches per deal, activity per rep)",
    "Event": "meetings among the activities",
    "Campaign": "marketing spend (customer acquisition cost, payback, magic number)",
}
# Task subtypes and types (lower case) -> contract activity types; any other reads as other
_TASK_TYPES = {
    "call": "call",
    "email": "email",
    "listemail": "email",
    "meeting": "meeting",
    "task": "task",
    "cadence": "task",
}


def _deal_type(expr: str) -> str:
    """SQL of the contract deal type of an Opportunity Type (see the module's docstring)."""
    word = f"lower(trim({quirks.text(expr)}))"
    return (
        f"(CASE WHEN {word} IN ('new business', 'new customer', 'new', 'newbusiness') "
        "THEN 'new_business' "
        f"WHEN {word} LIKE '%renewal%' OR {word} LIKE '%replacement%' OR {word} LIKE '%downgrade%' "
        "THEN 'renewal' "
        f"WHEN {word} LIKE '%upgrade%' OR {word} LIKE '%upsell%' OR {word} LIKE '%up-sell%' "
        f"OR {word} LIKE '%add-on%' OR {word} LIKE '%expansion%' OR {word} LIKE '%cross%' "
        f"OR {word} LIKE 'existing%' THEN 'expansion' "
        f"WHEN {word} LIKE '%new business%' OR {word} LIKE '%new customer%' "
        "THEN 'new_business' END)"
    )


def _forecast_category(expr: str) -> str:
    """Salesforce forecast categories in contract words (Forecast is the API name of Commit)."""
    word = f"replace(lower({quirks.text(expr)}), ' ', '')"
    return (
        f"(CASE WHEN {word} IN ('bestcase', 'mostlikely') THEN 'best_case' "
        f"WHEN {word} IN ('commit', 'forecast') THEN 'commit' ELSE {word} END)"
    )


def _activity_type(word: str) -> str:
    """SQL of the contract type of a lower-case Task subtype or type (a task when empty)."""
    cases = " ".join(
        f"WHEN {quirks.quoted(k)} THEN {quirks.quoted(v)}" for k, v in _TASK_TYPES.items()
    )
    return f"(CASE coalesce({word}, 'task') {cases} ELSE 'other' END)"


class _Mapper(CrmMapper):
    """Builds the contract views of one export, in dependency order."""

    def __init__(self, export: Export, ctx: Context) -> None:
        super().__init__(export, ctx)
        self.corporate = ctx.currency

    def _not_deleted(self, obj: str) -> str:
        return self.flag_is_not(True, obj, "IsDeleted")

    def run(self) -> None:
        self.miss_absent(
            ENABLES, "No {obj}.csv: {enables} off; tick {obj} in the export to add it."
        )
        self._currency()
        self._calendar()
        if self.x.has("Opportunity"):
            self._opportunity_base()
            self._history()
            self._stages()
            self._opportunities()
            self._history_view()
        if self.x.has("User"):
            self._reps()
        if self.x.has("Lead"):
            self._leads()
        if self.x.has("ForecastingQuota"):
            self._quotas()
        self._forecasts()
        self._activities()
        self._logins()
        self._spend()
        self.log.miss(
            "Salesforce has no standard object for enablement content: enablement is off; "
            "map your enablement tool's export of views and shares with the generic preset."
        )

    # currencies -------------------------------------------------------------------------------

    def _currency(self) -> None:
        x, t = self.x, quirks.text
        rates = []
        if x.has("CurrencyType"):
            corporate = x.scalar(
                f"SELECT {t(self.c('CurrencyType', 'IsoCode'))} FROM {x.table('CurrencyType')} "
                f"WHERE {quirks.is_true(self.c('CurrencyType', 'IsCorporate'))} LIMIT 1"
            )
            if corporate and corporate != self.ctx.currency:
                self.log.note(
                    f"The corporate currency is {corporate} but params/org.yaml says "
                    f"{self.ctx.currency}: amounts are in {corporate}; set currency: {corporate}."
                )
            self.corporate = str(corporate or self.ctx.currency)
            rates.append(
                f"SELECT {t(self.c('CurrencyType', 'IsoCode'))} AS iso, "
                f"{quirks.parsed_number(self.c('CurrencyType', 'ConversionRate'))} AS rate, "
                f"NULL::DATE AS valid_from, NULL::DATE AS valid_to FROM {x.table('CurrencyType')}"
            )
        if x.has("DatedConversionRate"):
            dated = "DatedConversionRate"
            rates.append(
                f"SELECT {t(self.c(dated, 'IsoCode'))}, "
                f"{quirks.parsed_number(self.c(dated, 'ConversionRate'))}, "
                f"CAST({quirks.parsed_timestamp(self.c(dated, 'StartDate'))} AS DATE), "
                f"CAST({quirks.parsed_timestamp(self.c(dated, 'NextStartDate'))} AS DATE) "
                f"FROM {x.table(dated)}"
            )
        if not rates:
            rates.append(
                "SELECT NULL::VARCHAR AS iso, NULL::DOUBLE AS rate, NULL::DATE AS valid_from, "
                "NULL::DATE AS valid_to WHERE FALSE"
            )
        x.db.execute("CREATE TABLE sf_rates AS " + " UNION ALL ".join(rates))
        # a dated rate for the day when one covers it, else the static rate; 1 for the corporate
        x.db.execute(
            f"CREATE MACRO sf_rate(cur, d) AS CASE WHEN cur = {quirks.quoted(self.corporate)} "
            "THEN 1.0 ELSE coalesce("
            "(SELECT max(rate) FROM sf_rates WHERE iso = cur AND valid_from IS NOT NULL "
            "AND valid_from <= d AND (valid_to IS NULL OR d < valid_to)), "
            "(SELECT max(rate) FROM sf_rates WHERE iso = cur AND valid_from IS NULL)) END"
        )
        if x.has("DatedConversionRate") or x.has("CurrencyType"):
            x.view(
                "fx_rates",
                "SELECT iso AS currency, CAST(1.0 / nullif(rate, 0) AS VARCHAR) AS rate, "
                "strftime(valid_from, '%Y-%m-%d') AS valid_from FROM sf_rates",
            )
            self.log.map(
                "fx_rates", "CurrencyType, DatedConversionRate (rate = 1 / ConversionRate)"
            )

    def _amount(self, raw: str, cur: str, day: str) -> str:
        """Amount text in the corporate currency; as found when no rate covers ``cur``."""
        value = quirks.parsed_number(raw)
        return (
            f"(CASE WHEN {value} IS NULL THEN {quirks.text(raw)} "
            f"ELSE CAST({value} / coalesce(sf_rate({cur}, {day}), 1.0) AS VARCHAR) END)"
        )

    def _currency_of(self, cur: str, day: str) -> str:
        """The corporate currency once converted, else the amount's own currency."""
        corporate = quirks.quoted(self.corporate)
        return f"(CASE WHEN sf_rate({cur}, {day}) IS NULL THEN {cur} ELSE {corporate} END)"

    # calendar ---------------------------------------------------------------------------------

    def _calendar(self) -> None:
        x, p = self.x, "Period"
        if x.has(p):
            kind = f"lower({quirks.text(self.c(p, 'Type'))})"
            start = f"CAST({quirks.parsed_timestamp(self.c(p, 'StartDate'))} AS DATE)"
            end = f"CAST({quirks.parsed_timestamp(self.c(p, 'EndDate'))} AS DATE)"
            x.db.execute(
                f"CREATE TABLE sf_periods AS SELECT {quirks.text(self.c(p, 'Id'))} AS id, "
                f"{kind} AS kind, {start} AS start_date, {end} AS end_date FROM {x.table(p)}"
            )
            months = x.rows(
                "SELECT DISTINCT month(start_date) FROM sf_periods WHERE kind = 'year' ORDER BY 1"
            )
            if len(months) == 1 and months[0][0] != self.ctx.start_month:
                self.log.note(
                    f"Period says the fiscal year starts in month {months[0][0]}, params/org.yaml "
                    f"in month {self.ctx.start_month}: set fiscal_year_start_month: "
                    f"{months[0][0]}."
                )
            if x.count("sf_periods", "kind = 'quarter' AND day(start_date) <> 1"):
                self.log.note(
                    "Period has quarters that do not start on the 1st (a 4-4-5 calendar): quotas "
                    "and calls follow Period, report quarters follow whole months."
                )
        else:
            x.db.execute(
                "CREATE TABLE sf_periods (id VARCHAR, kind VARCHAR, start_date DATE, end_date DATE)"
            )
        fallback = quarter_start("d", self.ctx.start_month)
        x.db.execute(
            "CREATE MACRO sf_quarter_start(d) AS coalesce((SELECT max(start_date) FROM sf_periods "
            f"WHERE kind = 'quarter' AND start_date <= d AND d <= end_date), {fallback})"
        )

    # deals ------------------------------------------------------------------------------------

    def _opportunity_base(self) -> None:
        x, o, q = self.x, "Opportunity", quirks
        closed, won = self.c(o, "IsClosed"), self.c(o, "IsWon")
        x.db.execute(
            f"CREATE TABLE sf_opportunity AS SELECT {q.text(self.c(o, 'Id'))} AS id, "
            f"{q.text(self.c(o, 'OwnerId'))} AS owner, "
            f"{q.text(self.c(o, 'AccountId'))} AS account, "
            f"{self.deal_dates(self.c(o, 'CreatedDate'), self.c(o, 'CloseDate'))}, "
            f"{q.name(self.c(o, 'StageName'))} AS stage, "
            f"{q.boolean(closed)} AS closed_text, {q.boolean(won)} AS won_text, "
            f"{self.c(o, 'Amount')} AS raw_amount, "
            f"coalesce({q.text(self.c(o, 'CurrencyIsoCode'))}, {q.quoted(self.corporate)}) AS cur, "
            f"{_forecast_category(self.c(o, 'ForecastCategoryName', 'ForecastCategory'))} AS fc, "
            f"{q.name(self.c(o, 'LeadSource'))} AS source, "
            f"{q.text(self.c(o, 'Type'))} AS type_text, "
            f"{_deal_type(self.c(o, 'Type'))} AS deal_type, "
            f"{q.text(self.c(o, 'StageSortOrder'))} AS stage_sort_order "
            f"FROM {x.table(o)} WHERE {self._not_deleted(o)}"
        )
        for column, what in (("owner", "OwnerId"), ("stage", "StageName"), ("id", "Id")):
            if empty := x.count("sf_opportunity", f"{column} IS NULL"):
                rows = f"{count(empty)} Opportunity row{' has' if empty == 1 else 's have'}"
                self.log.note(
                    f"{rows} an empty {what}: the contract check lists them; fill it in "
                    "Salesforce or leave those rows out of the export."
                )

    def _history(self) -> None:
        """All stage entries, from OpportunityHistory and OpportunityFieldHistory's StageName."""
        x, q = self.x, quirks
        parts = []
        if x.has("OpportunityHistory"):
            h = "OpportunityHistory"
            parts.append(
                f"SELECT {q.text(self.c(h, 'OpportunityId'))} AS opportunity_id, "
                f"{q.name(self.c(h, 'StageName'))} AS stage, "
                f"{q.parsed_timestamp(self.c(h, 'CreatedDate'))} AS entered_ts, "
                f"{q.timestamp(self.c(h, 'CreatedDate'))} AS entered_text, "
                f"{self.c(h, 'Amount')} AS raw_amount, "
                f"{q.date(self.c(h, 'CloseDate'))} AS close_text, "
                f"{_forecast_category(self.c(h, 'ForecastCategory'))} AS fc, 1 AS rank "
                f"FROM {x.table(h)} WHERE {self._not_deleted(h)}"
            )
        if x.has("OpportunityFieldHistory"):
            f, table = "OpportunityFieldHistory", x.table("OpportunityFieldHistory")
            changes = (
                f"SELECT {q.text(self.c(f, 'OpportunityId'))} AS opportunity_id, "
                f"{q.name(self.c(f, 'OldValue'))} AS old_stage, "
                f"{q.name(self.c(f, 'NewValue'))} AS new_stage, "
                f"{q.parsed_timestamp(self.c(f, 'CreatedDate'))} AS ts, "
                f"{q.timestamp(self.c(f, 'CreatedDate'))} AS ts_text FROM {table} "
                f"WHERE lower({q.text(self.c(f, 'Field'))}) = 'stagename'"
            )
            x.db.execute(f"CREATE TABLE sf_stage_changes AS {changes}")
            nulls = "NULL::VARCHAR AS raw_amount, NULL::VARCHAR AS close_text, NULL::VARCHAR AS fc"
            parts.append(
                "SELECT opportunity_id, new_stage AS stage, ts AS entered_ts, "
                f"ts_text AS entered_text, {nulls}, 2 AS rank FROM sf_stage_changes"
            )
            # the stage a deal was created in: the old value of its first change, at creation
            parts.append(
                "SELECT c.opportunity_id, c.old_stage AS stage, o.created_ts AS entered_ts, "
                f"o.created_text AS entered_text, {nulls}, 3 AS rank FROM sf_stage_changes AS c "
                "JOIN sf_opportunity AS o ON o.id = c.opportunity_id "
                "QUALIFY row_number() OVER (PARTITION BY c.opportunity_id ORDER BY c.ts) = 1"
            )
        if not parts:
            self.has_history = False
            return
        self.has_history = True
        x.db.execute(
            "CREATE TABLE sf_history AS SELECT * FROM ("
            + " UNION ALL ".join(f"({part})" for part in parts)
            + ") "
            "WHERE stage IS NOT NULL QUALIFY row_number() OVER "
            "(PARTITION BY opportunity_id, stage ORDER BY entered_ts NULLS LAST, rank) = 1"
        )

    def _stages(self) -> None:
        x, q, s = self.x, quirks, "OpportunityStage"
        if x.has(s):
            label = f"coalesce({q.name(self.c(s, 'ApiName'))}, {q.name(self.c(s, 'MasterLabel'))})"
            chance = q.parsed_number(self.c(s, "DefaultProbability"))
            x.view(
                "stages",
                f"SELECT {label} AS stage, {q.number(self.c(s, 'SortOrder'))} AS sort_order, "
                f"{q.boolean(self.c(s, 'IsClosed'))} AS is_closed, "
                f"{q.boolean(self.c(s, 'IsWon'))} AS is_won, "
                f"CAST({chance} / 100 AS VARCHAR) AS probability FROM {x.table(s)}",
            )
            self.log.map("stages", "OpportunityStage (SortOrder, IsClosed, IsWon)")
            return
        if not x.has_column("Opportunity", "IsClosed") or not x.has_column("Opportunity", "IsWon"):
            self.log.miss(
                "Neither OpportunityStage.csv nor Opportunity.IsClosed/IsWon: the stages table "
                "cannot be built; tick OpportunityStage in the export."
            )
            return
        history = (
            "SELECT stage, avg(position) AS position FROM (SELECT stage, row_number() OVER "
            "(PARTITION BY opportunity_id ORDER BY entered_ts, rank) AS position FROM sf_history) "
            "GROUP BY stage"
            if self.has_history
            else "SELECT NULL::VARCHAR AS stage, NULL::DOUBLE AS position WHERE FALSE"
        )
        x.view(
            "stages",
            "WITH flags AS (SELECT stage, bool_or(try_cast(closed_text AS BOOLEAN)) AS closed, "
            "bool_or(try_cast(won_text AS BOOLEAN)) AS won, "
            "min(try_cast(stage_sort_order AS INTEGER)) AS given FROM sf_opportunity "
            "WHERE stage IS NOT NULL GROUP BY stage), "
            f"seen AS ({history}), "
            "every AS (SELECT stage FROM flags UNION SELECT stage FROM seen) "
            "SELECT e.stage, CAST(row_number() OVER (ORDER BY coalesce(f.closed, FALSE), "
            "f.given NULLS LAST, coalesce(f.won, FALSE) DESC, s.position NULLS LAST, e.stage) "
            "AS VARCHAR) AS sort_order, CAST(coalesce(f.closed, FALSE) AS VARCHAR) AS is_closed, "
            "CAST(coalesce(f.won, FALSE) AS VARCHAR) AS is_won, NULL AS probability "
            "FROM every AS e LEFT JOIN flags AS f USING (stage) LEFT JOIN seen AS s USING (stage)",
        )
        how = "StageSortOrder" if x.has_column("Opportunity", "StageSortOrder") else "history"
        self.log.map("stages", f"Opportunity (IsClosed, IsWon; order from {how})")
        self.log.note(
            "Stage order was inferred (no OpportunityStage.csv): tick OpportunityStage in the "
            "export to use the org's own order."
        )

    def _opportunities(self) -> None:
        flags = (
            "(SELECT stage, is_closed, is_won FROM stages)"
            if self.x.has_table("stages")
            else ("(SELECT NULL::VARCHAR AS stage, NULL AS is_closed, NULL AS is_won WHERE FALSE)")
        )
        self.x.db.execute(
            "CREATE TABLE sf_deals AS SELECT o.*, coalesce(o.closed_text, s.is_closed) AS closed, "
            "coalesce(o.won_text, s.is_won) AS won "
            f"FROM sf_opportunity AS o LEFT JOIN {flags} AS s ON s.stage = o.stage"
        )
        self.opportunities_view(
            "sf_deals",
            "Opportunity (flags from IsClosed/IsWon, else the stage's)",
            is_closed="closed",
            is_won="won",
            amount=self._amount("raw_amount", "cur", "close_day"),
            currency=self._currency_of("cur", "close_day"),
            deal_type="deal_type" if self.x.has_column("Opportunity", "Type") else "NULL",
        )
        unknown = self.x.rows(
            "SELECT type_text, count(*) FROM sf_opportunity WHERE type_text IS NOT NULL "
            "AND deal_type IS NULL GROUP BY 1 ORDER BY 2 DESC, 1"
        )
        if unknown:
            rows = sum(int(str(n)) for _type, n in unknown)
            types = ", ".join(repr(t) for t, _n in unknown[:5])
            self.log.note(
                f"{repairs.deals(rows)} with an Opportunity Type the preset does not know "
                f"({types}): their deal type is empty."
            )

    def _history_view(self) -> None:
        if not self.has_history:
            return
        x = self.x
        currency = f"coalesce(o.cur, {quirks.quoted(self.corporate)})"
        x.view(
            "stage_history",
            "SELECT h.opportunity_id, h.stage, h.entered_text AS entered_at, "
            f"{self._amount('h.raw_amount', currency, 'o.close_day')} "
            "AS amount, h.close_text AS close_date, h.fc AS forecast_category "
            "FROM sf_history AS h LEFT JOIN sf_opportunity AS o ON o.id = h.opportunity_id",
        )
        sources = [n for n in ("OpportunityHistory", "OpportunityFieldHistory") if x.has(n)]
        self.log.map("stage_history", " + ".join(sources) + " (first entry into each stage)")
        self._mid_funnel()
        self._changes_view()

    def _changes_view(self) -> None:
        """Every OpportunityHistory row (one per save of a deal's stage, amount, close date or
        forecast category) as a deal change, amounts converted like the deal's."""
        x, q, h = self.x, quirks, "OpportunityHistory"
        if not x.has(h):
            return
        currency = f"coalesce(o.cur, {q.quoted(self.corporate)})"
        x.view(
            "deal_changes",
            f"SELECT {q.text(self.c(h, 'OpportunityId', alias='h'))} AS opportunity_id, "
            f"{q.timestamp(self.c(h, 'CreatedDate', alias='h'))} AS changed_at, "
            f"{q.name(self.c(h, 'StageName', alias='h'))} AS stage, "
            f"{self._amount(self.c(h, 'Amount', alias='h'), currency, 'o.close_day')} AS amount, "
            f"{q.date(self.c(h, 'CloseDate', alias='h'))} AS close_date, "
            f"{_forecast_category(self.c(h, 'ForecastCategory', alias='h'))} AS forecast_category "
            f"FROM {x.table(h)} AS h LEFT JOIN sf_opportunity AS o "
            f"ON o.id = {q.text(self.c(h, 'OpportunityId', alias='h'))} "
            f"WHERE {self.flag_is_not(True, h, 'IsDeleted', alias='h')}",
        )
        self.log.map("deal_changes", "OpportunityHistory (every saved change)")

    def _mid_funnel(self) -> None:
        """History that starts after deals were created: the org went live, or history was cut."""
        x = self.x
        start = x.scalar("SELECT min(entered_ts) FROM sf_history")
        if start is None:
            return
        if before := x.count("sf_opportunity", f"created_ts < TIMESTAMP '{start}'"):
            first = Quarter.containing(start.date(), self.ctx.start_month)
            whole = first if first.start == start.date() else first.next()
            self.log.note(
                f"Stage history starts on {start:%Y-%m-%d} (the org went live then, or older "
                f"history was not kept): {repairs.deals(before)} created before then "
                f"{'has' if before == 1 else 'have'} no record of early stages, so stage "
                "conversion of older deals would count only those that lasted until then; "
                f"read conversion from {whole} on."
            )
        if bare := x.count(
            "sf_opportunity AS o ANTI JOIN sf_history AS h ON h.opportunity_id = o.id"
        ):
            self.log.note(
                f"{repairs.deals(bare)} without stage history: their current stage is the only "
                "evidence of how far they got."
            )

    # people -----------------------------------------------------------------------------------

    def _owners(self) -> str:
        """SQL of every user id that carries a number: owners of deals, leads, quotas, calls."""
        refs = []
        for obj, column in (
            ("Opportunity", "OwnerId"),
            ("Lead", "OwnerId"),
            ("ForecastingQuota", "QuotaOwnerId"),
            ("ForecastingItem", "OwnerId"),
            ("ForecastingSubmissionItem", "OwnerId"),
        ):
            if self.x.has_column(obj, column):
                refs.append(
                    f"SELECT {quirks.text(self.c(obj, column))} AS id FROM {self.x.table(obj)}"
                )
        return " UNION ".join(refs) or "SELECT NULL::VARCHAR AS id WHERE FALSE"

    def _team(self) -> str:
        choice = self.ctx.mapping.team or "role"
        if choice == "role":
            if not self.x.has("UserRole"):
                return "NULL"
            return quirks.name(self.c("UserRole", "Name", alias="r"))
        if choice == "manager":
            return quirks.name(self.c("User", "Name", alias="m"))
        return self.team_column("User", choice, alias="u", file="User.csv")

    def _reps(self) -> None:
        x, q, u = self.x, quirks, "User"
        first, last = self.c(u, "FirstName", alias="u"), self.c(u, "LastName", alias="u")
        name = (
            f"coalesce({q.text(self.c(u, 'Name', alias='u'))}, {full_name(first, last)}, "
            f"{q.text(self.c(u, 'Id', alias='u'))})"
        )
        role_join = (
            f"LEFT JOIN {x.table('UserRole')} AS r ON "
            f"{q.text(self.c('UserRole', 'Id', alias='r'))} = "
            f"{q.text(self.c(u, 'UserRoleId', alias='u'))}"
            if x.has("UserRole")
            else ""
        )
        role_name = q.name(self.c("UserRole", "Name", alias="r")) if x.has("UserRole") else "NULL"
        active = q.is_true(self.c(u, "IsActive", alias="u"))
        x.db.execute(
            f"CREATE TABLE sf_reps AS SELECT {q.text(self.c(u, 'Id', alias='u'))} AS rep_id, "
            f"{name} AS rep_name, {self._team()} AS team, "
            f"{q.text(self.c(u, 'Name', alias='m'))} AS manager, NULL AS region, "
            f"coalesce({q.text(self.c(u, 'Title', alias='u'))}, {role_name}, 'rep') AS role, "
            f"{q.date(self.c(u, 'CreatedDate', alias='u'))} AS hire_date, "
            f"CASE WHEN {active} = FALSE THEN {q.date(self.c(u, 'LastModifiedDate', alias='u'))} "
            f"END AS end_date FROM {x.table(u)} AS u {role_join} "
            f"LEFT JOIN {x.table(u)} AS m ON {q.text(self.c(u, 'Id', alias='m'))} "
            f"= {q.text(self.c(u, 'ManagerId', alias='u'))} "
            f"WHERE {q.text(self.c(u, 'Id', alias='u'))} IN ({self._owners()})"
        )
        source = {"role": "UserRole.Name", "manager": "the manager's name"}.get(
            self.ctx.mapping.team or "role", f"User.{self.ctx.mapping.team}"
        )
        origin = f"User (owners of deals, leads, quotas, calls; team from {source})"
        self.reps_view("sf_reps", origin, lacking=source)

    def _leads(self) -> None:
        x, q, lead = self.x, quirks, "Lead"
        created = q.parsed_timestamp(self.c(lead, "CreatedDate"))
        converted = q.parsed_timestamp(self.c(lead, "ConvertedDate"))
        is_converted = q.is_true(self.c(lead, "IsConverted"))
        owner = q.text(self.c(lead, "OwnerId"))
        # ConvertedDate is a date: on the day of creation it would precede the creation time
        converted_at = (
            f"CASE WHEN {is_converted} IS NOT FALSE AND {converted} IS NOT NULL THEN "
            f"strftime(greatest({converted}, {created}), '%Y-%m-%d %H:%M:%S') END"
        )
        x.view(
            "leads",
            f"SELECT {q.text(self.c(lead, 'Id'))} AS lead_id, "
            f"{q.timestamp(self.c(lead, 'CreatedDate'))} AS created_at, "
            f"{q.name(self.c(lead, 'LeadSource'))} AS source, "
            f"CASE WHEN {owner} IN (SELECT rep_id FROM sf_reps) THEN {owner} END AS rep_id, "
            f"coalesce({q.text(self.c(lead, 'Status'))}, 'unknown') AS status, "
            f"{converted_at} AS converted_at, "
            f"{q.text(self.c(lead, 'ConvertedOpportunityId'))} AS opportunity_id "
            f"FROM {x.table(lead)} WHERE {self._not_deleted(lead)}",
        )
        self.log.map("leads", "Lead (owners that are not users, such as queues, read as none)")

    # quotas and calls -------------------------------------------------------------------------

    def _period_start(self, obj: str) -> str:
        """SQL DATE of a row's period: its StartDate, else its PeriodId's start in Period."""
        start = f"CAST({quirks.parsed_timestamp(self.c(obj, 'StartDate', alias='t'))} AS DATE)"
        period = (
            f"(SELECT start_date FROM sf_periods AS p WHERE p.id = "
            f"{quirks.text(self.c(obj, 'PeriodId', alias='t'))})"
        )
        return f"coalesce({start}, {period})"

    def _row_currency(self, obj: str) -> str:
        """SQL of a row's currency: its CurrencyIsoCode, else the corporate currency."""
        code = quirks.text(self.c(obj, "CurrencyIsoCode", alias="t"))
        return f"coalesce({code}, {quirks.quoted(self.corporate)})"

    def _amount_rows(self, obj: str) -> str:
        """``WHERE`` of amount (not quantity) rows, when the object says which are which."""
        return self.flag_is_not(False, obj, "IsAmount", alias="t")

    def _quotas(self) -> None:
        x, q, f = self.x, quirks, "ForecastingQuota"
        day = self._period_start(f)
        cur = self._row_currency(f)
        value = q.parsed_number(self.c(f, "QuotaAmount", alias="t"))
        x.view(
            "quotas",
            f"SELECT rep_id, strftime(quarter_start, '%Y-%m-%d') AS quarter_start, "
            "CAST(sum(quota) AS VARCHAR) AS quota FROM ("
            f"SELECT {q.text(self.c(f, 'QuotaOwnerId', alias='t'))} AS rep_id, "
            f"sf_quarter_start({day}) AS quarter_start, "
            f"{value} / coalesce(sf_rate({cur}, {day}), 1.0) AS quota "
            f"FROM {x.table(f)} AS t WHERE {self._amount_rows(f)}) GROUP BY ALL",
        )
        self.log.map("quotas", "ForecastingQuota (QuotaAmount summed per rep and fiscal quarter)")

    def _forecasts(self) -> None:
        x, q = self.x, quirks
        obj = next((o for o in ("ForecastingSubmissionItem", "ForecastingItem") if x.has(o)), None)
        if obj is None:
            return
        if not x.has("Period") and not x.has_column(obj, "StartDate"):
            self.log.miss(f"{obj}.csv needs Period.csv to place each call in its quarter.")
            return
        day = self._period_start(obj)
        category = _forecast_category(self.c(obj, "ForecastCategoryName", alias="t"))
        submitted = q.parsed_timestamp(
            self.c(
                obj, "SubmittedDate", "LastModifiedDate", "SystemModstamp", "CreatedDate", alias="t"
            )
        )
        cur = self._row_currency(obj)
        value = q.parsed_number(self.c(obj, "ForecastAmount", "Amount", alias="t"))
        x.view(
            "forecast_submissions",
            "SELECT rep_id, strftime(quarter_start, '%Y-%m-%d') AS quarter_start, "
            "strftime(max(submitted), '%Y-%m-%d %H:%M:%S') AS submitted_at, category, "
            "CAST(sum(amount) AS VARCHAR) AS amount FROM ("
            f"SELECT {q.text(self.c(obj, 'OwnerId', alias='t'))} AS rep_id, "
            f"sf_quarter_start({day}) AS quarter_start, {submitted} AS submitted, "
            f"{category} AS category, {value} / coalesce(sf_rate({cur}, {day}), 1.0) AS amount "
            f"FROM {x.table(obj)} AS t WHERE {self._amount_rows(obj)}) "
            "WHERE category IN ('commit', 'best_case', 'pipeline') "
            "GROUP BY rep_id, quarter_start, category",
        )
        self.log.map(
            "forecast_submissions",
            f"{obj} (Commit, Best Case, Pipeline as rolled up; Closed and Omitted left out)",
        )
        if obj == "ForecastingItem":
            self.log.note(
                "ForecastingItem holds each rep's latest call per period only: forecast accuracy "
                "by week has one point per quarter."
            )

    # activities and sign-ins -----------------------------------------------------------------

    def _about(self, obj: str) -> str:
        """SQL of an activity's id, owner and what it was about: ``what``, ``who``, ``account``."""
        q = quirks
        return (
            f"{q.text(self.c(obj, 'Id'))} AS id, {q.text(self.c(obj, 'OwnerId'))} AS owner, "
            f"{q.text(self.c(obj, 'WhatId'))} AS what, {q.text(self.c(obj, 'WhoId'))} AS who, "
            f"{q.text(self.c(obj, 'AccountId'))} AS account"
        )

    def _tasks(self) -> str:
        """SQL of the closed Tasks as activity rows (see the module's docstring)."""
        q, t = quirks, "Task"
        subtype = f"lower({q.text(self.c(t, 'TaskSubtype'))})"
        kind = (
            f"CASE WHEN coalesce({subtype}, 'task') = 'task' "
            f"THEN lower({q.text(self.c(t, 'Type'))}) ELSE {subtype} END"
        )
        call = q.text(self.c(t, "CallType"))
        direction = (
            f"CASE lower({call}) WHEN 'inbound' THEN 'inbound' WHEN 'outbound' THEN 'outbound' "
            f"WHEN 'internal' THEN NULL "
            f"ELSE coalesce({call}, CASE WHEN {subtype} = 'listemail' THEN 'outbound' END) END"
        )
        return (
            "SELECT * EXCLUDE (created, day), CASE WHEN day IS NULL OR day = CAST(created AS DATE) "
            "THEN created ELSE CAST(day AS TIMESTAMP) END AS at_ts FROM ("
            f"SELECT {self._about(t)}, {_activity_type(kind)} AS type, {direction} AS direction, "
            f"{q.parsed_timestamp(self.c(t, 'CreatedDate'))} AS created, "
            f"CAST({q.parsed_timestamp(self.c(t, 'ActivityDate'))} AS DATE) AS day, "
            f"coalesce({q.text(self.c(t, 'ActivityDate'))}, {q.text(self.c(t, 'CreatedDate'))}) "
            f"AS raw_at FROM {self.x.table(t)} "
            f"WHERE {self._not_deleted(t)} AND {self.flag_is_not(False, t, 'IsClosed')})"
        )

    def _events(self) -> str:
        """SQL of the Events as meetings (invitees' copies and series masters left out)."""
        q, e = quirks, "Event"
        times = [self.c(e, name) for name in ("ActivityDateTime", "StartDateTime", "ActivityDate")]
        return (
            f"SELECT {self._about(e)}, 'meeting' AS type, NULL AS direction, "
            f"coalesce({', '.join(q.text(t) for t in times)}) AS raw_at, "
            f"coalesce({', '.join(q.parsed_timestamp(t) for t in times)}) AS at_ts "
            f"FROM {self.x.table(e)} WHERE {self._not_deleted(e)} "
            f"AND {self.flag_is_not(True, e, 'IsChild')} "
            f"AND {self.flag_is_not(True, e, 'IsRecurrence')}"
        )

    def _activities(self) -> None:
        x = self.x
        found = [obj for obj in ("Task", "Event") if x.has(obj)]
        if not found:
            return
        rows = {"Task": self._tasks, "Event": self._events}
        x.db.execute(
            "CREATE TABLE sf_activities AS SELECT id, owner, type, direction, at_ts, "
            "coalesce(strftime(at_ts, '%Y-%m-%d %H:%M:%S'), raw_at) AS at_text, "
            f"CASE WHEN what IN ({self.ids_of('sf_opportunity', 'id')}) THEN what END AS deal, "
            f"CASE WHEN who IN ({self.ids_of('leads', 'lead_id')}) THEN who END AS lead, "
            "coalesce(account, CASE WHEN what LIKE '001%' THEN what END) AS account FROM ("
            + " UNION ALL BY NAME ".join(f"({rows[obj]()})" for obj in found)
            + ")"
        )
        self.activities_view(
            "sf_activities",
            "sf_reps",
            f"{' + '.join(found)} (WhatId a deal or an account, WhoId a lead)",
        )

    def _logins(self) -> None:
        x, q, h = self.x, quirks, "LoginHistory"
        if not x.has(h):
            self.log.miss(
                "No LoginHistory.csv: CRM adoption from sign-ins off (logged activities alone "
                "count); export LoginHistory with Data Loader to add it."
            )
            return
        status = f"lower({q.text(self.c(h, 'Status'))})"
        x.db.execute(
            f"CREATE TABLE sf_logins AS SELECT {q.text(self.c(h, 'UserId'))} AS rep, "
            f"{q.timestamp(self.c(h, 'LoginTime'))} AS at_text FROM {x.table(h)} "
            f"WHERE coalesce({status}, 'success') = 'success'"
        )
        self.logins_view("sf_logins", "sf_reps", "LoginHistory (the reps' successful sign-ins)")

    # spend -----------------------------------------------------------------------------------

    def _spend(self) -> None:
        """Marketing spend from the Campaigns (see the module's docstring), with spend.csv's rows
        if the folder has one; a spend.csv with marketing rows replaces the Campaigns' costs."""
        x, q, c = self.x, quirks, "Campaign"
        if not x.has(c):
            return
        if x.has("spend"):
            x.db.execute(f"CREATE TABLE sf_spend_file AS {generic.table_sql(x, self.ctx, 'spend')}")
            if x.count("sf_spend_file", "lower(category) = 'marketing'"):
                self.log.note(
                    f"{x.files['spend'].name} holds marketing spend: it replaces the Campaigns' "
                    "ActualCost (both would count the same money twice)."
                )
                return
        start = f"CAST({q.parsed_timestamp(self.c(c, 'StartDate'))} AS DATE)"
        month = f"CAST(date_trunc('month', {start}) AS DATE)"
        kind = q.name(self.c(c, "Type"))
        cur = f"coalesce({q.text(self.c(c, 'CurrencyIsoCode'))}, {q.quoted(self.corporate)})"
        cost = q.parsed_number(self.c(c, "ActualCost"))
        known = self.ids_of("sf_opportunity", "source")
        channel = (
            f"coalesce((SELECT min(s.source) FROM ({known}) AS s(source) "
            f"WHERE lower(s.source) = lower({kind})), {kind})"
        )
        rows = (
            f"SELECT strftime(month, '%Y-%m-%d') AS month, 'marketing' AS category, channel, "
            "NULL AS team, CAST(sum(amount) AS VARCHAR) AS amount, currency FROM ("
            f"SELECT {month} AS month, {channel} AS channel, "
            f"{cost} / coalesce(sf_rate({cur}, {month}), 1.0) AS amount, "
            f"{self._currency_of(cur, month)} AS currency FROM {x.table(c)} "
            f"WHERE {self._not_deleted(c)} AND {cost} IS NOT NULL AND {cost} <> 0) "
            "GROUP BY ALL"
        )
        origin = "Campaign (ActualCost by StartDate's month and Type)"
        if x.has("spend"):
            rows = f"{rows} UNION ALL BY NAME SELECT * FROM sf_spend_file"
            origin += f" + {x.files['spend'].name}"
        x.view("spend", rows)
        self.log.map("spend", origin)


def map_views(export: Export, ctx: Context) -> None:
    """Define the contract views over a loaded Salesforce export."""
    _Mapper(export, ctx).run()
