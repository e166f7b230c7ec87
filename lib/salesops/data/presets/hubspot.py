"""HubSpot deals, pipelines and stages, owners (and teams, stage history, engagements, sign-ins)
as exports name them.

Reads the tables of the common warehouse syncs (Fivetran: ``deal``, ``deal_pipeline``,
``deal_pipeline_stage``, ``owner``, ``deal_stage``, ``deal_property_history``, ``team``,
``owner_team``, ``engagement`` and ``engagement_call``, ``_email``, ``_meeting``, ``_note``,
``_task`` with their ``engagement_deal`` and ``engagement_company`` associations; Airbyte and
Stitch ``properties_*`` columns) and the CRM's own CSV export (column titles such as "Record ID",
"Deal Stage", "Deal owner"; name other file names in the mapping file's ``files``), and the
account login history (Settings > Security > Export account login history).

Choices: a stage is closed and won by its pipeline metadata (``closed_won``/``is_closed``), else by
its probability (1 won, 0 lost), never by its label; with several pipelines a stage is named
"<pipeline> / <stage>" and ordered by pipeline, then stage display order; deals and history may
name a stage by id or by label, an owner by id, name or email. Amounts are the amount in company
currency when the export has it. A rep's team is their primary HubSpot team (``team``/
``owner_team``, or an owner ``team`` column) unless the mapping file names an owner column; their
hire date is when the owner was created, else their first deal.

Engagements are activities: calls, emails, meetings and tasks as such, notes as other; a call's
direction is its hs_call_direction, an email's its hs_email_direction (EMAIL outbound,
INCOMING_EMAIL inbound, FORWARDED_EMAIL none). Each counts toward its first associated deal
(lowest id) and company; contacts are not read, as HubSpot also logs an engagement on the
contact's company. Tasks not completed, engagements still ahead and those of no owner are left
out. Sign-ins are the successful logins of owners (matched by user id, else by email), not
HubSpot's own scheduled processes ("HubSpot tools login"). HubSpot holds no enablement content
events in this preset.

A deal's type is its dealtype: newbusiness is new business, existingbusiness expansion, renewal
renewal; other values leave it empty. Spend and recurring revenue come from spend.csv and
recurring_revenue.csv in contract shape beside the export.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from salesops.data.presets import quirks
from salesops.data.presets.crm_mapper import CrmMapper, activities, full_name
from salesops.data.presets.export import Export

if TYPE_CHECKING:  # the mapping file lists the presets
    from salesops.data.presets.mapping import Context

OBJECTS: dict[str, tuple[str, ...]] = {
    "deals": ("deal", "all-deals"),
    "pipelines": ("deal_pipeline", "deal_pipelines", "pipeline"),
    "stages": ("deal_pipeline_stage", "deal_pipeline_stages", "pipeline_stages", "pipeline_stage"),
    "owners": ("owner", "users"),
    "history": ("deal_stage", "deal_stages", "deal_stage_history"),
    "property_history": ("deal_property_history",),
    "teams": ("team",),
    "owner_teams": ("owner_team",),
    "engagements": ("engagement",),
    "calls": ("engagement_call", "engagements_calls"),
    "emails": ("engagement_email", "engagements_emails"),
    "meetings": ("engagement_meeting", "engagements_meetings"),
    "notes": ("engagement_note", "engagements_notes"),
    "tasks": ("engagement_task", "engagements_tasks"),
    "engagement_deals": ("engagement_deal",),
    "engagement_companies": ("engagement_company",),
    "logins": ("login_history", "account_login_history", "login-history"),
}

DEAL = {
    "id": ("deal_id", "hs_object_id", "Record ID", "id"),
    "owner": (
        "owner_id",
        "property_hubspot_owner_id",
        "properties_hubspot_owner_id",
        "hubspot_owner_id",
        "Deal owner",
    ),
    "pipeline": ("deal_pipeline_id", "property_pipeline", "properties_pipeline", "pipeline"),
    "stage": (
        "deal_pipeline_stage_id",
        "property_dealstage",
        "properties_dealstage",
        "dealstage",
        "Deal Stage",
    ),
    "created": ("property_createdate", "properties_createdate", "createdate", "Create Date"),
    "close": ("property_closedate", "properties_closedate", "closedate", "Close Date"),
    "home_amount": (
        "property_amount_in_home_currency",
        "properties_amount_in_home_currency",
        "amount_in_home_currency",
        "Amount in company currency",
    ),
    "amount": ("property_amount", "properties_amount", "amount"),
    "currency": (
        "property_deal_currency_code",
        "properties_deal_currency_code",
        "deal_currency_code",
        "Currency",
    ),
    "deleted": ("is_deleted", "_fivetran_deleted", "archived"),
    "source": ("property_hs_analytics_source", "properties_hs_analytics_source", "Original Source"),
    "forecast": (
        "property_hs_manual_forecast_category",
        "properties_hs_manual_forecast_category",
        "hs_manual_forecast_category",
        "Forecast category",
    ),
    "account": ("company_id", "associated_company_id", "Associated Company IDs"),
    "deal_type": ("property_dealtype", "properties_dealtype", "dealtype", "Deal Type"),
}
# HubSpot's deal types (dealtype, lower case, spaces and dashes dropped) -> contract deal types
DEAL_TYPES = {
    "newbusiness": "new_business",
    "existingbusiness": "expansion",
    "renewal": "renewal",
}
# Engagement columns: per kind (calls, ...; hs_* properties) and in the engagement file
ENGAGEMENT = {
    "id": ("engagement_id", "hs_object_id", "id", "Record ID"),
    "owner": (
        "property_hubspot_owner_id",
        "properties_hubspot_owner_id",
        "hubspot_owner_id",
        "owner_id",
        "Activity assigned to",
    ),
    "time": (
        "property_hs_timestamp",
        "properties_hs_timestamp",
        "hs_timestamp",
        "timestamp",
        "Activity date",
    ),
    "type": ("type", "engagement_type"),
    "task_status": (
        "property_hs_task_status",
        "properties_hs_task_status",
        "hs_task_status",
        "Task status",
    ),
    "deals": ("Associated Deal IDs",),  # in the CRM's export; ';' between ids
    "companies": ("Associated Company IDs",),
}
# the files of one kind of engagement -> its contract type, and the column of its direction
KINDS = {
    "calls": ("call", ("property_hs_call_direction", "properties_hs_call_direction",
                       "hs_call_direction", "Call direction")),
    "emails": ("email", ("property_hs_email_direction", "properties_hs_email_direction",
                         "hs_email_direction", "Email direction")),
    "meetings": ("meeting", ()),
    "notes": ("other", ()),
    "tasks": ("task", ()),
}  # fmt: skip
# engagement types (lower case) -> contract types; any other reads as other
_TYPES = {
    "call": "call",
    "email": "email",
    "incoming_email": "email",
    "forwarded_email": "email",
    "meeting": "meeting",
    "task": "task",
}
LOGIN = {
    "user": ("userId", "user_id", "User ID"),
    "email": ("email", "user_email", "User email", "Email", "User"),
    "time": ("loginAt", "login_at", "Login timestamp", "Login time", "Time", "Date"),
    "succeeded": ("loginSucceeded", "login_succeeded", "Succeeded"),
    "type": ("Type", "Login type", "loginType"),
}
ENABLES = {
    "deals": "every report (the deals themselves)",
    "stages": "stage order and closed/won flags",
    "owners": "the reps",
    "history": "stage conversion and time in stage (unless deals have hs_date_entered_*)",
    "property_history": "pipeline flow (close dates pushed and pulled, amounts changed)",
}
# deal_property_history names -> the deal_changes column each one changes
_TRACKED = {
    "dealstage": "stage",
    "amount_in_home_currency": "amount",
    "amount": "amount",
    "closedate": "close_date",
    "hs_manual_forecast_category": "forecast_category",
}
_DATE_ENTERED = "^(property_|properties_)?hs_date_entered_(.+)$"


def _direction(expr: str) -> str:
    """SQL of a call's or an email's direction in contract words; a value not known is kept."""
    word = f"lower({quirks.text(expr)})"
    return (
        f"(CASE WHEN {word} IN ('inbound', 'incoming_email') THEN 'inbound' "
        f"WHEN {word} IN ('outbound', 'email') THEN 'outbound' "
        f"WHEN {word} = 'forwarded_email' THEN NULL ELSE {quirks.text(expr)} END)"
    )


def _first_id(expr: str) -> str:
    """SQL of the first of the ';'-separated ids of a cell."""
    return quirks.text(f"split_part({quirks.text(expr)}, ';', 1)")


def _deal_type(expr: str) -> str:
    """SQL of the contract deal type of a HubSpot dealtype; null for any other value."""
    word = f"regexp_replace(lower({quirks.text(expr)}), '[\\s_-]', '', 'g')"
    cases = " ".join(
        f"WHEN {quirks.quoted(k)} THEN {quirks.quoted(v)}" for k, v in DEAL_TYPES.items()
    )
    return f"(CASE {word} {cases} END)"


def _forecast_category(expr: str) -> str:
    word = f"replace(replace(lower({quirks.text(expr)}), ' ', '_'), 'commited', 'commit')"
    return f"(CASE {word} WHEN 'bestcase' THEN 'best_case' ELSE {word} END)"


class _Mapper(CrmMapper):
    def _not_deleted(self, obj: str, alias: str = "") -> str:
        return self.flag_is_not(True, obj, *DEAL["deleted"], alias=alias)

    def run(self) -> None:
        self.miss_absent(ENABLES, "No {obj} file: {enables} off.")
        self.log.miss(
            "HubSpot exports no quotas, forecast calls, leads or content events in this preset: "
            "quota attainment and enablement are off, forecast accuracy is rebuilt from stage "
            "history; add quotas.csv and friends in contract shape with the generic preset to "
            "enable them."
        )
        if self.x.has("owners"):
            self._owners()
        if self.x.has("stages"):
            self._stages()
        if self.x.has("deals"):
            self._deals()
        if self.x.has("owners"):
            self._reps()
            self._logins()
        self._engagements()

    def _owners(self) -> None:
        x, q, o = self.x, quirks, "owners"
        first = self.c(o, "first_name", "firstName", "First Name")
        last = self.c(o, "last_name", "lastName", "Last Name")
        x.db.execute(
            f"CREATE TABLE hs_owners AS SELECT "
            f"{q.text(self.c(o, 'owner_id', 'id', 'ownerId'))} AS id, "
            f"{full_name(first, last)} AS name, "
            f"{q.text(self.c(o, 'email', 'Email'))} AS email, "
            f"{q.text(self.c(o, 'user_id', 'userId', 'User ID'))} AS user_id FROM {x.table(o)}"
        )

    def _stages(self) -> None:
        x, q, s = self.x, quirks, "stages"
        pipeline = q.text(self.c(s, "pipeline_id", "pipelineId", "pipeline", alias="s"))
        if x.has("pipelines"):
            p = "pipelines"
            pipelines = (
                f"SELECT {q.text(self.c(p, 'pipeline_id', 'id', 'pipelineId'))} AS id, "
                f"{q.name(self.c(p, 'label', 'name'))} AS label, "
                f"{q.parsed_number(self.c(p, 'display_order', 'displayOrder'))} AS position "
                f"FROM {x.table(p)}"
            )
        else:
            pipelines = (
                "SELECT NULL::VARCHAR AS id, NULL AS label, NULL::DOUBLE AS position WHERE FALSE"
            )
        chance = q.parsed_number(self.c(s, "probability", "metadata.probability", alias="s"))
        x.db.execute(f"CREATE TABLE hs_pipelines AS {pipelines}")
        x.db.execute(
            f"CREATE TABLE hs_all_stages AS SELECT "
            f"{q.text(self.c(s, 'stage_id', 'id', 'stageId', alias='s'))} AS stage_id, "
            f"{q.name(self.c(s, 'label', 'name', alias='s'))} AS label, {pipeline} AS pipeline_id, "
            f"coalesce(p.label, {pipeline}) AS pipeline_label, p.position AS pipeline_position, "
            f"{q.parsed_number(self.c(s, 'display_order', 'displayOrder', alias='s'))} "
            "AS position, "
            f"CASE WHEN {chance} > 1 THEN {chance} / 100 ELSE {chance} END AS probability, "
            f"{q.is_true(self.c(s, 'closed_won', 'is_closed_won', alias='s'))} AS closed_won, "
            f"{q.is_true(self.c(s, 'is_closed', 'isClosed', 'metadata.isClosed', alias='s'))} "
            f"AS is_closed FROM {x.table(s)} AS s LEFT JOIN hs_pipelines AS p ON p.id = {pipeline} "
            f"WHERE {self._not_deleted(s, 's')}"
        )
        kept = self.ctx.mapping.pipelines
        if kept:
            listed = ", ".join(q.quoted(k) for k in kept)
            keep = f"pipeline_id IN ({listed}) OR pipeline_label IN ({listed})"
        else:
            keep = "TRUE"
        several = (
            int(
                x.scalar(f"SELECT count(DISTINCT pipeline_id) FROM hs_all_stages WHERE {keep}") or 0
            )
            > 1
        )
        named = "pipeline_label || ' / ' || label" if several else "label"
        x.db.execute(
            f"CREATE TABLE hs_stages AS SELECT *, {named} AS stage, "
            "coalesce(closed_won, probability = 1, FALSE) AS won, "
            "coalesce(is_closed, closed_won OR probability IN (0, 1), FALSE) AS closed, "
            "row_number() OVER (ORDER BY pipeline_position NULLS LAST, pipeline_id, "
            f"position NULLS LAST, stage_id) AS sort_order FROM hs_all_stages WHERE {keep}"
        )
        x.view(
            "stages",
            "SELECT stage, CAST(sort_order AS VARCHAR) AS sort_order, "
            "CAST(closed OR won AS VARCHAR) AS is_closed, CAST(won AS VARCHAR) AS is_won, "
            "CAST(probability AS VARCHAR) AS probability FROM hs_stages",
        )
        how = " (named '<pipeline> / <stage>')" if several else ""
        self.log.map("stages", f"{x.files['stages'].name}{how}; won/closed from metadata")

    def _stage_of(self, value: str, pipeline: str) -> str:
        """SQL of the contract stage for a stage id or label (within the pipeline, if known)."""
        if not self.x.has("stages"):
            return quirks.name(value)
        v, p = quirks.text(value), quirks.text(pipeline)
        return (
            f"coalesce((SELECT stage FROM hs_stages WHERE stage_id = {v} LIMIT 1), "
            f"(SELECT stage FROM hs_stages WHERE lower(label) = lower(nfc_normalize({v})) "
            f"AND ({p} IS NULL OR {p} IN (pipeline_id, pipeline_label)) ORDER BY sort_order "
            f"LIMIT 1), nfc_normalize({v}))"
        )

    def _in_pipelines(self, pipeline: str) -> str:
        kept = self.ctx.mapping.pipelines
        if not kept or not self.x.has("stages"):
            return "TRUE"
        p = quirks.text(pipeline)
        return (
            f"{p} IN (SELECT pipeline_id FROM hs_stages UNION SELECT pipeline_label FROM hs_stages)"
        )

    def _owner_of(self, value: str) -> str:
        if not self.x.has("owners"):
            return quirks.text(value)
        v = quirks.text(value)
        return (
            f"coalesce((SELECT id FROM hs_owners WHERE id = {v}), (SELECT id FROM hs_owners "
            f"WHERE lower(name) = lower({v}) OR lower(email) = lower({v}) LIMIT 1), {v})"
        )

    def _deals(self) -> None:
        x, q, d = self.x, quirks, "deals"
        created, close = self.c(d, *DEAL["created"]), self.c(d, *DEAL["close"])
        home = x.has_column(d, *DEAL["home_amount"])
        amount = self.c(d, *(DEAL["home_amount"] if home else DEAL["amount"]))
        currency = (
            q.quoted(self.ctx.currency)
            if home
            else f"coalesce({q.text(self.c(d, *DEAL['currency']))}, {q.quoted(self.ctx.currency)})"
        )
        pipeline = self.c(d, *DEAL["pipeline"])
        x.db.execute(
            f"CREATE TABLE hs_deals AS SELECT {q.text(self.c(d, *DEAL['id']))} AS id, "
            f"{self._owner_of(self.c(d, *DEAL['owner']))} AS owner, "
            f"{q.text(self.c(d, *DEAL['account']))} AS account, "
            f"{self.deal_dates(created, close, day_first=self.ctx.mapping.day_first)}, "
            f"{self._stage_of(self.c(d, *DEAL['stage']), pipeline)} AS stage, "
            f"{pipeline} AS pipeline, {amount} AS raw_amount, {currency} AS currency, "
            f"{_forecast_category(self.c(d, *DEAL['forecast']))} AS fc, "
            f"{q.name(self.c(d, *DEAL['source']))} AS source, "
            f"{q.text(self.c(d, *DEAL['deal_type']))} AS type_text, "
            f"{_deal_type(self.c(d, *DEAL['deal_type']))} AS deal_type "
            f"FROM {x.table(d)} WHERE {self._not_deleted(d)} AND {self._in_pipelines(pipeline)}"
        )
        flags = (
            "SELECT stage, closed OR won AS closed, won FROM hs_stages"
            if x.has("stages")
            else "SELECT NULL::VARCHAR AS stage, NULL::BOOLEAN AS closed, NULL::BOOLEAN AS won "
            "WHERE FALSE"
        )
        what = "amount in company currency" if home else "amount in each deal's currency"
        self.opportunities_view(
            f"hs_deals LEFT JOIN ({flags}) AS s USING (stage)",
            f"{x.files[d].name} ({what}; flags from the stage)",
            is_closed="CAST(s.closed AS VARCHAR)",
            is_won="CAST(s.won AS VARCHAR)",
            amount=q.number("raw_amount"),
            currency="currency",
            deal_type="deal_type" if x.has_column(d, *DEAL["deal_type"]) else "NULL",
        )
        if unknown := x.rows(
            "SELECT DISTINCT type_text FROM hs_deals WHERE type_text IS NOT NULL "
            "AND deal_type IS NULL ORDER BY 1 LIMIT 5"
        ):
            rows = x.count("hs_deals", "type_text IS NOT NULL AND deal_type IS NULL")
            self.log.note(
                f"{rows:,} deal{'' if rows == 1 else 's'} with a dealtype the preset does not "
                f"know ({', '.join(repr(t) for (t,) in unknown)}): their deal type is empty."
            )
        self._history(pipeline)
        self._changes(amount_property="amount_in_home_currency" if home else "amount")

    def _changes(self, amount_property: str) -> None:
        """deal_property_history (one row per property set) as deal changes: the properties set
        at the same moment make one change, the others are left null (unchanged). The amount is
        the property the deals' amount comes from, so both are in the same currency."""
        x, q, h = self.x, quirks, "property_history"
        if not x.has(h):
            return
        prop, value = f"lower({q.text(self.c(h, 'name', 'property'))})", self.c(h, "value")
        names = [n for n, column in _TRACKED.items() if column != "amount" or n == amount_property]
        picked = {column: n for n, column in _TRACKED.items() if n in names}

        def set_to(column: str, expr: str) -> str:
            return f"CASE WHEN {prop} = {q.quoted(picked[column])} THEN {expr} END AS {column}"

        deal = q.text(self.c(h, "deal_id", "dealId", "objectId"))
        changed = q.parsed_timestamp(self.c(h, "timestamp", "change_timestamp"))
        rows = (
            f"SELECT {deal} AS opportunity_id, {changed} AS changed_ts, "
            f"{set_to('stage', self._stage_of(value, 'NULL'))}, "
            f"{set_to('amount', q.number(value))}, {set_to('close_date', q.date(value))}, "
            f"{set_to('forecast_category', _forecast_category(value))} "
            f"FROM {x.table(h)} WHERE {prop} IN ({', '.join(q.quoted(n) for n in names)})"
        )
        x.view(
            "deal_changes",
            "SELECT opportunity_id, strftime(changed_ts, '%Y-%m-%d %H:%M:%S') AS changed_at, "
            "max(stage) AS stage, max(amount) AS amount, max(close_date) AS close_date, "
            f"max(forecast_category) AS forecast_category FROM ({rows}) "
            "WHERE opportunity_id IN (SELECT id FROM hs_deals) GROUP BY opportunity_id, changed_ts",
        )
        self.log.map("deal_changes", f"{x.files[h].name} ({', '.join(names)})")

    def _history(self, pipeline: str) -> None:
        x, q = self.x, quirks
        parts = []
        if x.has("history"):
            h = "history"
            deal = q.text(self.c(h, "deal_id", "dealId", "objectId"))
            parts.append(
                f"SELECT {deal} AS opportunity_id, "
                f"{self._stage_of(self.c(h, 'value', 'dealstage', 'stage_id', 'stage'), 'NULL')} "
                f"AS stage, {q.parsed_timestamp(self.c(h, 'date_entered', 'timestamp'))} "
                f"AS entered_ts FROM {x.table(h)}"
            )
        entered = [c for c in x.columns["deals"].values() if re.match(_DATE_ENTERED, c, re.I)]
        if entered and x.has("stages"):
            listed = ", ".join(f'"{c}"' for c in entered)
            parts.append(
                "SELECT opportunity_id, (SELECT stage FROM hs_stages WHERE stage_id = "
                "regexp_extract(column_name, '" + _DATE_ENTERED + "', 2, 'i') LIMIT 1) AS stage, "
                f"{q.parsed_timestamp('entered')} AS entered_ts FROM (UNPIVOT (SELECT "
                f"{q.text(self.c('deals', *DEAL['id']))} AS opportunity_id, {listed} "
                f"FROM {x.table('deals')}) ON {listed} INTO NAME column_name VALUE entered)"
            )
        if not parts:
            return
        x.view(
            "stage_history",
            "SELECT opportunity_id, stage, strftime(entered_ts, '%Y-%m-%d %H:%M:%S') AS "
            "entered_at, NULL AS amount, NULL AS close_date, NULL AS forecast_category FROM ("
            + " UNION ALL ".join(parts)
            + ") WHERE stage IS NOT NULL AND opportunity_id IN (SELECT id FROM hs_deals) "
            "QUALIFY row_number() OVER (PARTITION BY opportunity_id, stage "
            "ORDER BY entered_ts NULLS LAST) = 1",
        )
        origin = "deal_stage rows" if x.has("history") else ""
        if entered and x.has("stages"):
            origin = " + ".join(filter(None, [origin, "hs_date_entered_* columns"]))
        self.log.map("stage_history", f"{origin} (first entry into each stage)")

    def _reps(self) -> None:
        x, q, o = self.x, quirks, "owners"
        choice = self.ctx.mapping.team or "team"
        if choice != "team":
            team = self.team_column(o, choice, alias="o", file="the owners file")
            source = f"owners.{choice}"
        elif x.has("teams") and x.has("owner_teams"):
            t, ot = "teams", "owner_teams"
            team = (
                f"(SELECT {q.name(self.c(t, 'name', 'label', alias='t'))} FROM {x.table(ot)} AS ot "
                f"JOIN {x.table(t)} AS t ON {q.text(self.c(t, 'id', 'team_id', alias='t'))} = "
                f"{q.text(self.c(ot, 'team_id', alias='ot'))} WHERE "
                f"{q.text(self.c(ot, 'owner_id', alias='ot'))} = "
                f"{q.text(self.c(o, 'owner_id', 'id', alias='o'))} ORDER BY "
                f"{q.is_true(self.c(ot, 'is_primary', 'primary', alias='ot'))} DESC NULLS LAST "
                "LIMIT 1)"
            )
            source = "the owner's primary team"
        else:
            team = q.name(self.c(o, "team", "primary_team", "Teams", alias="o"))
            source = "the owners' team column"
        owner_id = q.text(self.c(o, "owner_id", "id", "ownerId", alias="o"))
        created = q.parsed_timestamp(self.c(o, "created_at", "createdAt", "Created at", alias="o"))
        first_deal = f"(SELECT min(created_ts) FROM hs_deals WHERE owner = {owner_id})"
        x.db.execute(
            f"CREATE TABLE hs_reps AS SELECT {owner_id} AS rep_id, "
            f"coalesce(h.name, h.email, {owner_id}) AS rep_name, {team} AS team, NULL AS manager, "
            f"NULL AS region, 'rep' AS role, strftime(coalesce({created}, {first_deal}), "
            f"'%Y-%m-%d') AS hire_date, NULL AS end_date FROM {x.table(o)} AS o "
            f"JOIN hs_owners AS h ON h.id = {owner_id}"
        )
        self.reps_view("hs_reps", f"{x.files[o].name} (team from {source})", lacking="team")

    # engagements and sign-ins -----------------------------------------------------------------

    def _engagement_rows(self, obj: str, kind: str, direction: str) -> str:
        """SQL of one engagement file's rows: ``id``, ``type``, ``owner``, ``at_ts``, ``raw_at``,
        ``direction``, ``deal`` and ``company`` (the first of the cell's, unchecked), and ``kept``
        (not deleted, and done if a task)."""
        q, day_first = quirks, self.ctx.mapping.day_first
        at = self.c(obj, *ENGAGEMENT["time"])
        status = f"lower({q.text(self.c(obj, *ENGAGEMENT['task_status']))})"
        return (
            f"SELECT {q.text(self.c(obj, *ENGAGEMENT['id']))} AS id, {kind} AS type, "
            f"{self._owner_of(self.c(obj, *ENGAGEMENT['owner']))} AS owner, "
            f"{q.parsed_timestamp(at, day_first=day_first)} AS at_ts, {q.text(at)} AS raw_at, "
            f"{direction} AS direction, "
            f"{_first_id(self.c(obj, *ENGAGEMENT['deals']))} AS deal, "
            f"{_first_id(self.c(obj, *ENGAGEMENT['companies']))} AS company, "
            f"{self._not_deleted(obj)} AND coalesce({status}, 'completed') = 'completed' AS kept "
            f"FROM {self.x.table(obj)}"
        )

    def _general_rows(self) -> str:
        """SQL of the engagement file's rows, typed by its type column."""
        q = quirks
        word = f"lower({q.text(self.c('engagements', *ENGAGEMENT['type']))})"
        cases = " ".join(f"WHEN {q.quoted(k)} THEN {q.quoted(v)}" for k, v in _TYPES.items())
        kind = f"(CASE {word} {cases} ELSE 'other' END)"
        email = f"CASE WHEN {word} LIKE '%email' THEN {_direction(word)} END"
        return self._engagement_rows("engagements", kind, email)

    def _associated(self, obj: str, column: str, within: str | None = None) -> str:
        """SQL of a table (``id``, ``first``, ``several``): each engagement's lowest associated
        ``column`` of the association file ``obj``, among ``within`` (SQL of ids) if given."""
        if not self.x.has(obj):
            return "(SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS first, FALSE AS several)"
        value = quirks.text(self.c(obj, column))
        among = f"{value} IN ({within})" if within else f"{value} IS NOT NULL"
        return (
            f"(SELECT {quirks.text(self.c(obj, 'engagement_id'))} AS id, min({value}) AS first, "
            f"count(DISTINCT {value}) > 1 AS several FROM {self.x.table(obj)} "
            f"WHERE {among} GROUP BY 1)"
        )

    def _engagement_tables(self, files: list[str]) -> None:
        """``hs_typed``, the rows of each kind's file among ``files``, and ``hs_general``, the
        engagement file's; either may be empty."""
        typed = [
            self._engagement_rows(
                obj, quirks.quoted(KINDS[obj][0]), _direction(self.c(obj, *KINDS[obj][1]))
            )
            for obj in files
        ]
        general = [self._general_rows()] if self.x.has("engagements") else []
        empty = f"SELECT * FROM ({(typed + general)[0]}) WHERE FALSE"  # the columns, no rows
        self.x.db.execute("CREATE TABLE hs_typed AS " + " UNION ALL ".join(typed or [empty]))
        self.x.db.execute("CREATE TABLE hs_general AS " + (general or [empty])[0])

    def _engagements(self) -> None:
        """The activities view over the engagement files: each kind's file (calls, ...) and the
        engagement file, joined by id where both hold an engagement."""
        x = self.x
        files = [obj for obj in KINDS if x.has(obj)]
        if not files and not x.has("engagements"):
            self.log.miss("No engagement files (engagement, engagement_call, ...): activities off.")
            return
        self._engagement_tables(files)
        deal_ids = self.ids_of("hs_deals", "id")
        deals = self._associated("engagement_deals", "deal_id", deal_ids)
        companies = self._associated("engagement_companies", "company_id")
        listed = "coalesce(t.deal, g.deal)"
        x.db.execute(
            "CREATE TABLE hs_engagements AS SELECT coalesce(t.id, g.id) AS id, "
            "coalesce(t.type, g.type) AS type, coalesce(t.owner, g.owner) AS owner, "
            "coalesce(t.at_ts, g.at_ts) AS at_ts, "
            "coalesce(strftime(coalesce(t.at_ts, g.at_ts), '%Y-%m-%d %H:%M:%S'), t.raw_at, "
            "g.raw_at) AS at_text, coalesce(t.direction, g.direction) AS direction, "
            f"coalesce(d.first, CASE WHEN {listed} IN ({deal_ids}) THEN {listed} END) AS deal, "
            "NULL AS lead, coalesce(c.first, t.company, g.company) AS account, "
            "coalesce(d.several, FALSE) AS several "
            "FROM hs_typed AS t FULL JOIN hs_general AS g ON g.id = t.id "
            f"LEFT JOIN {deals} AS d ON d.id = coalesce(t.id, g.id) "
            f"LEFT JOIN {companies} AS c ON c.id = coalesce(t.id, g.id) "
            "WHERE coalesce(t.kept, TRUE) AND coalesce(g.kept, TRUE)"
        )
        read = ("engagements", *files, "engagement_deals", "engagement_companies")
        origin = ", ".join(x.files[obj].name for obj in read if x.has(obj))
        self.activities_view("hs_engagements", "hs_reps", origin)
        if several := x.count("hs_engagements", "several"):
            self.log.note(
                f"{activities(several)} associated with several deals: each counts toward the "
                "first (lowest id) of them."
            )

    def _logins(self) -> None:
        x, q, f = self.x, quirks, "logins"
        if not x.has(f):
            self.log.miss(
                "No login history file (Settings > Security > Export account login history): "
                "CRM adoption from sign-ins off (logged activities alone count)."
            )
            return
        user, email = q.text(self.c(f, *LOGIN["user"])), q.text(self.c(f, *LOGIN["email"]))
        owner = (
            f"coalesce((SELECT id FROM hs_owners WHERE user_id = {user} LIMIT 1), "
            f"(SELECT id FROM hs_owners WHERE lower(email) = lower({email}) LIMIT 1))"
        )
        at = q.timestamp(self.c(f, *LOGIN["time"]), day_first=self.ctx.mapping.day_first)
        kind = f"lower({q.text(self.c(f, *LOGIN['type']))})"
        x.db.execute(
            f"CREATE TABLE hs_logins AS SELECT {owner} AS rep, {at} AS at_text "
            f"FROM {x.table(f)} WHERE {self.flag_is_not(False, f, *LOGIN['succeeded'])} "
            f"AND coalesce({kind}, '') NOT LIKE '%tools%'"
        )
        origin = f"{x.files[f].name} (successful sign-ins of owners, by user id or email)"
        self.logins_view("hs_logins", "hs_reps", origin)


def map_views(export: Export, ctx: Context) -> None:
    """Define the contract views over a loaded HubSpot export."""
    _Mapper(export, ctx).run()
