"""Small CRM exports written by hand, in the shapes Salesforce, HubSpot and spreadsheets give.

The Salesforce export carries the quirks of real ones: Windows-1252 and BOM-prefixed files,
booleans as 0/1, TRUE/FALSE and true/false, dates in ISO, US and European forms, stage names
translated and accented (one decomposed), two currencies, a deleted row, a deal won before it was
created, a deal older than the stage history, a rep without a role and a lead owned by a queue;
its tasks, events and sign-ins hold what the preset leaves out (an open task, an invitee's copy
of a meeting, a series master, a meeting years ahead, a deleted task, a manager's call, a failed
sign-in).
"""

from __future__ import annotations

import codecs
from pathlib import Path


def write(folder: Path, name: str, text: str, encoding: str = "utf-8", bom: bool = False) -> Path:
    """``text`` (dedented lines) as ``folder/name`` in ``encoding``, optionally with a UTF-8 BOM."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [line.strip() for line in text.strip().splitlines()]
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    path = folder / name
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    return path


def add_column(path: Path, name: str, values: tuple[str, ...]) -> None:
    """Append the column ``name`` with ``values`` (one a row, in order) to a CSV file ``write``
    wrote (UTF-8, CRLF)."""
    lines = path.read_bytes().decode("utf-8").split("\r\n")[:-1]
    cells = (name, *values)
    rows = [f"{line},{cell}" for line, cell in zip(lines, cells, strict=True)]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8"))


# Opportunity.Type of O1 to O7: known types, one the preset does not know (Pilot), one empty
OPPORTUNITY_TYPES = (
    "New Business",
    "Existing Customer - Upgrade",
    "Renewal",
    "Existing Customer - Replacement",
    "Pilot",
    "Pilot",
    "",
)
NEGOCIATION_NFD = "Ne\u0301gociation"  # decomposed é, as some tools write it


def salesforce_export(folder: Path) -> Path:
    """One Salesforce data export; the numbers the tests expect are worked out in their comments."""
    write(
        folder,
        "UserRole.csv",
        """
        Id,Name
        R1,Enterprise
        R2,Mid-Market
        """,
    )
    write(
        folder,
        "User.csv",
        """
        Id,Name,FirstName,LastName,UserRoleId,ManagerId,Title,IsActive,CreatedDate,LastModifiedDate
        U1,Ana Lima,Ana,Lima,R1,U9,Account Executive,1,2024-01-08T09:00:00.000Z,2026-01-02
        U2,José Núñez,José,Núñez,R2,U9,,1,2024-03-04T09:00:00.000Z,2026-01-02
        U3,Zoë Ødegaard,Zoë,Ødegaard,,U9,,0,2025-02-03T09:00:00.000Z,2026-08-31T17:00:00.000Z
        U9,Mo Manager,Mo,Manager,R1,,VP Sales,1,2023-01-02T09:00:00.000Z,2026-01-02
        """,
        encoding="windows-1252",
    )
    write(
        folder,
        "OpportunityStage.csv",
        """
        Id,MasterLabel,ApiName,SortOrder,IsClosed,IsWon,DefaultProbability,IsActive
        S1,Prospecção,Prospecção,1,FALSE,FALSE,10,TRUE
        S2,Négociation,Négociation,2,FALSE,FALSE,50,TRUE
        S3,Gagné,Gagné,3,TRUE,TRUE,100,TRUE
        S4,Perdu,Perdu,4,TRUE,FALSE,0,TRUE
        """,
        bom=True,
    )
    write(
        folder,
        "Opportunity.csv",
        """
        Id,OwnerId,AccountId,Name,StageName,IsClosed,IsWon,Amount,CurrencyIsoCode,CloseDate,CreatedDate,ForecastCategoryName,LeadSource,IsDeleted
        O1,U1,A1,Big one,Gagné,1,1,12000,USD,2026-08-14,2026-07-01T09:00:00.000Z,Closed,Web,0
        O2,U2,A2,Lost one,Perdu,1,0,8000,EUR,2026-09-01,07/02/2026 10:00,Omitted,Partner,0
        O3,U3,,Open,Négociation,0,0,"5,000.00",EUR,30.11.2026,2026-08-03 11:00:00,Best Case,Web,0
        O4,U1,A1,No amount,Prospecção,0,0,,USD,2026-12-15,2026-09-20T12:00:00Z,Pipeline,,0
        O5,U2,A3,Entered late,Gagné,1,1,10000,USD,2026-07-10,2026-07-15T08:00:00.000Z,Closed,Web,0
        O6,U2,A3,Deleted,Gagné,1,1,99999,USD,2026-07-11,2026-07-01T08:00:00.000Z,Closed,Web,1
        O7,U1,A4,Before go-live,Gagné,1,1,4000,USD,2026-07-20,2026-05-20T08:00:00.000Z,Closed,Web,0
        """,
    )
    add_column(folder / "Opportunity.csv", "Type", OPPORTUNITY_TYPES)
    write(
        folder,
        "OpportunityHistory.csv",
        f"""
        OpportunityId,StageName,CreatedDate,Amount,CloseDate,ForecastCategory
        O1,Prospecção,2026-07-01T09:00:00.000Z,10000,2026-09-30,Pipeline
        O1,Prospecção,2026-07-05T09:00:00.000Z,11000,2026-09-30,Pipeline
        O1,Négociation,2026-07-20T09:00:00.000Z,12000,2026-09-30,BestCase
        O1,Gagné,2026-08-14T09:00:00.000Z,12000,2026-08-14,Closed
        O2,Prospecção,2026-07-02T10:00:00.000Z,8000,2026-09-30,Pipeline
        O2,Perdu,2026-09-01T10:00:00.000Z,8000,2026-09-01,Omitted
        O3,Prospecção,2026-08-03T11:00:00.000Z,5000,2026-11-30,Pipeline
        O3,{NEGOCIATION_NFD},2026-09-10T11:00:00.000Z,5000,2026-11-30,BestCase
        O4,Prospecção,2026-09-20T12:00:00.000Z,,2026-12-15,Pipeline
        O5,Gagné,2026-07-15T08:00:00.000Z,10000,2026-07-10,Closed
        O7,Négociation,2026-06-01T08:00:00.000Z,4000,2026-07-31,BestCase
        O7,Gagné,2026-07-20T08:00:00.000Z,4000,2026-07-20,Closed
        """,
    )
    write(
        folder,
        "CurrencyType.csv",
        """
        Id,IsoCode,ConversionRate,IsCorporate,IsActive
        C1,USD,1,true,true
        C2,EUR,0.8,false,true
        """,
    )
    write(
        folder,
        "Lead.csv",
        """
        Id,CreatedDate,LeadSource,OwnerId,Status,IsConverted,ConvertedDate,ConvertedOpportunityId
        L1,2026-06-20T08:00:00.000Z,Web,U1,Qualified,1,2026-07-01,O1
        L2,2026-07-01T15:00:00.000Z,Partner,00G000000000001,Qualified,1,2026-07-01,
        L3,2026-07-03T08:00:00.000Z,Web,U2,Open,0,,
        """,
    )
    write(
        folder,
        "Period.csv",
        """
        Id,Type,StartDate,EndDate,Number
        Y26,Year,2026-01-01,2026-12-31,1
        P1,Quarter,2026-01-01,2026-03-31,1
        P2,Quarter,2026-04-01,2026-06-30,2
        P3,Quarter,2026-07-01,2026-09-30,3
        P4,Quarter,2026-10-01,2026-12-31,4
        """,
    )
    write(
        folder,
        "ForecastingQuota.csv",
        """
        Id,QuotaOwnerId,StartDate,QuotaAmount,CurrencyIsoCode,IsAmount
        Q1,U1,2026-07-01,5000,USD,true
        Q2,U1,2026-08-01,5000,USD,true
        Q3,U1,2026-09-01,10000,USD,true
        Q4,U2,2026-07-01,12000,EUR,true
        Q5,U2,2026-07-01,40,,false
        """,
    )
    write(
        folder,
        "ForecastingItem.csv",
        """
        Id,OwnerId,PeriodId,ForecastCategoryName,ForecastAmount,LastModifiedDate
        F1,U1,P3,Commit,10000,2026-07-06T17:00:00.000Z
        F2,U1,P3,Best Case,15000,2026-07-06T17:00:00.000Z
        F3,U1,P3,Closed,12000,2026-07-06T17:00:00.000Z
        """,
    )
    write(
        folder,
        "Task.csv",
        """
        Id,OwnerId,WhatId,WhoId,AccountId,ActivityDate,CreatedDate,TaskSubtype,Type,CallType,Status,IsClosed,IsDeleted
        T1,U1,O1,003C1,A1,2026-07-03,2026-07-03T10:15:00.000Z,Call,Call,Outbound,Completed,1,0
        T2,U2,001A3,,,07/08/2026,2026-07-09T08:00:00.000Z,Email,Email,,Completed,1,0
        T3,U1,,L1,,2026-06-25,2026-06-25T09:30:00.000Z,Call,,Inbound,Completed,1,0
        T4,U1,O4,,A1,2026-09-21,2026-09-21T15:00:00.000Z,ListEmail,,,Completed,1,0
        T5,U1,O3,,,2026-12-15,2026-09-30T09:00:00.000Z,Task,Other,,Not Started,0,0
        T6,U1,O1,,A1,2026-07-10,2026-07-10T11:00:00.000Z,LinkedIn,,,Completed,1,0
        T7,U9,O1,,A1,2026-07-11,2026-07-11T09:00:00.000Z,Call,Call,Outbound,Completed,1,0
        T8,U2,O2,,A2,2026-07-04,2026-07-04T09:00:00.000Z,Call,Call,Outbound,Completed,1,1
        T9,U2,O2,,A2,2026-09-01,2026-09-01T10:30:00.000Z,Call,Call,Internal,Completed,1,0
        T10,U2,O5,,A3,2026-07-12,2026-07-12T16:45:00.000Z,Task,Call,Outbound,Completed,1,0
        """,
    )
    write(
        folder,
        "Event.csv",
        """
        Id,OwnerId,WhatId,WhoId,AccountId,ActivityDateTime,StartDateTime,ActivityDate,EventSubtype,IsChild,IsRecurrence,IsAllDayEvent,IsDeleted
        E1,U1,O1,,A1,2026-07-21T14:00:00.000Z,2026-07-21T14:00:00.000Z,2026-07-21,Event,0,0,0,0
        E2,U2,O1,,A1,2026-07-21T14:00:00.000Z,2026-07-21T14:00:00.000Z,2026-07-21,Event,1,0,0,0
        E3,U1,,,A4,,,2026-08-05,Event,0,0,1,0
        E4,U1,O3,,,2099-01-15T10:00:00.000Z,2099-01-15T10:00:00.000Z,2099-01-15,Event,0,0,0,0
        E5,U1,O1,,A1,2026-07-28T09:00:00.000Z,2026-07-28T09:00:00.000Z,2026-07-28,Event,0,1,0,0
        """,
    )
    write(
        folder,
        "LoginHistory.csv",
        """
        Id,UserId,LoginTime,LoginType,Status
        H1,U1,2026-07-01T08:30:00.000Z,Application,Success
        H2,U1,2026-07-01T08:31:00.000Z,Application,Invalid Password
        H3,U2,2026-07-02T08:45:00.000Z,Application,Success
        H4,U9,2026-07-02T09:00:00.000Z,Application,Success
        H5,U3,2026-08-04T09:00:00.000Z,Application,Success
        """,
    )
    write(
        folder,
        "Campaign.csv",
        """
        Id,Name,Type,StartDate,ActualCost,BudgetedCost,CurrencyIsoCode,IsDeleted
        C1,July webinar,web,2026-07-09,1500,2000,USD,0
        C2,Salon Paris,Trade Show,2026-07-20,"4,000.00",5000,EUR,0
        C3,Partner day,Partner,2026-08-02T10:00:00.000Z,800,,USD,0
        C4,Webinar again,Web,2026-07-28,500,,USD,0
        C5,Planned,Webinar,2026-10-01,,5000,USD,0
        C6,Deleted,Web,2026-07-01,999,,USD,1
        """,
    )
    write_finance(folder)
    return folder


def write_finance(folder: Path) -> None:
    """What finance and billing add beside any CRM export: sales spend and recurring revenue."""
    write(
        folder,
        "spend.csv",
        """
        month,category,channel,team,amount,currency
        2026-07-01,sales,,Enterprise,20000,USD
        2026-08-01,sales,,Enterprise,21000,USD
        """,
    )
    write(
        folder,
        "recurring_revenue.csv",
        """
        account_id,month,mrr,currency
        A1,2026-09-01,1000,USD
        A3,2026-08-01,833.33,USD
        A3,2026-09-01,833.33,USD
        """,
    )


def hubspot_export(folder: Path) -> Path:
    """HubSpot as a warehouse sync writes it (Fivetran table and column names), two pipelines.

    Dates are epoch milliseconds in ``deal_stage`` and in close-date values of
    ``deal_property_history`` (as the sync writes them), ISO elsewhere. Engagements are in the
    ``engagement`` table and per kind (``engagement_call``, ...), some in one only; the login
    history is the account's export.
    """
    write(
        folder,
        "deal_pipeline.csv",
        """
        pipeline_id,label,display_order,active
        default,Sales,0,true
        renewals,Renewals,1,true
        """,
    )
    write(
        folder,
        "deal_pipeline_stage.csv",
        """
        stage_id,pipeline_id,label,display_order,probability,closed_won,active
        appointmentscheduled,default,Rendez-vous,0,0.2,false,true
        contractsent,default,Contrat envoyé,1,0.8,false,true
        closedwon,default,Gagné,2,1.0,true,true
        closedlost,default,Perdu,3,0.0,false,true
        r_open,renewals,Renewal due,0,0.5,false,true
        r_won,renewals,Renewed,1,1.0,true,true
        """,
    )
    write(
        folder,
        "owner.csv",
        """
        owner_id,first_name,last_name,email,created_at
        101,Ana,Lima,ana@example.com,2024-01-08T09:00:00Z
        102,Ben,Ode,ben@example.com,
        """,
    )
    write(
        folder,
        "team.csv",
        """
        id,name
        7,Enterprise
        8,SMB
        """,
    )
    write(
        folder,
        "owner_team.csv",
        """
        owner_id,team_id,is_primary
        101,8,false
        101,7,true
        102,8,true
        """,
    )
    write(
        folder,
        "deal.csv",
        """
        deal_id,owner_id,deal_pipeline_id,deal_pipeline_stage_id,property_createdate,property_closedate,property_amount,property_amount_in_home_currency,property_deal_currency_code,is_deleted,property_dealtype
        1,101,default,closedwon,2026-07-01T09:00:00Z,2026-08-14T00:00:00Z,9000,10000,EUR,false,newbusiness
        2,102,default,closedlost,2026-07-02T10:00:00Z,2026-09-01T00:00:00Z,5000,5000,USD,false,existingbusiness
        3,101,default,contractsent,2026-08-03T11:00:00Z,2026-11-30T00:00:00Z,3000,3000,USD,false,partnership
        4,102,renewals,r_won,2026-07-05T11:00:00Z,2026-09-15T00:00:00Z,2000,2000,USD,false,Renewal
        5,101,default,closedwon,2026-07-06T11:00:00Z,2026-07-20T00:00:00Z,1000,1000,USD,true,newbusiness
        """,
    )
    write(
        folder,
        "deal_stage.csv",
        """
        deal_id,value,date_entered
        1,appointmentscheduled,1782896400000
        1,contractsent,1783328400000
        1,closedwon,1786698000000
        2,appointmentscheduled,1782986400000
        2,closedlost,1788253200000
        3,contractsent,1785754800000
        4,r_open,1783249200000
        4,r_won,1789462800000
        """,
    )
    write(
        folder,
        "deal_property_history.csv",
        """
        deal_id,name,value,timestamp,source
        3,dealstage,contractsent,2026-08-03T11:00:00Z,CRM_UI
        3,closedate,1789430400000,2026-08-03T11:00:00Z,CRM_UI
        3,amount_in_home_currency,2500,2026-08-03T11:00:00Z,CALCULATED
        3,amount,2500,2026-08-03T11:00:00Z,CRM_UI
        3,amount_in_home_currency,3000,2026-08-20T09:30:00Z,CALCULATED
        3,amount,2800,2026-08-20T09:30:00Z,CRM_UI
        3,closedate,1795996800000,2026-09-20T14:00:00Z,CRM_UI
        3,dealname,Renewal of the big one,2026-09-20T14:00:00Z,CRM_UI
        1,dealstage,closedwon,2026-08-14T09:00:00Z,CRM_UI
        1,closedate,1786665600000,2026-08-14T09:00:00Z,CRM_UI
        5,closedate,1786665600000,2026-07-20T09:00:00Z,CRM_UI
        """,
    )
    hubspot_engagements(folder)
    write(  # from billing; no spend.csv
        folder,
        "recurring_revenue.csv",
        """
        account_id,month,mrr,currency
        C1,2026-09-01,800,USD
        """,
    )
    write(
        folder,
        "login_history.csv",
        """
        Login timestamp,User email,IP address,Location,Type,User agent
        2026-07-01T08:30:00Z,ana@example.com,203.0.113.5,Lisbon,Password login,Mozilla/5.0
        2026-07-01T09:00:00Z,ANA@example.com,203.0.113.5,Lisbon,Single sign-on (SSO) login,
        2026-07-02T03:00:00Z,ben@example.com,198.51.100.7,,HubSpot tools login,
        2026-07-02T08:45:00Z,admin@example.com,198.51.100.9,Boston,Password login,Mozilla/5.0
        2026-07-03T08:15:00Z,ben@example.com,198.51.100.7,Boston,Password login,Mozilla/5.0
        """,
    )
    return folder


def hubspot_engagements(folder: Path) -> None:
    """Engagements as Fivetran syncs them: the engagement table, one table per kind (910 and 911
    are in theirs only, 908 and 909 in the engagement table only), and the associations."""
    write(
        folder,
        "engagement.csv",
        """
        id,type,owner_id,timestamp,active
        901,CALL,101,2026-07-03T10:00:00Z,true
        902,INCOMING_EMAIL,102,2026-07-10T11:00:00Z,true
        903,MEETING,101,2026-07-21T14:00:00Z,true
        904,NOTE,101,2026-07-22T09:00:00Z,true
        905,TASK,102,2026-08-01T09:00:00Z,true
        906,MEETING,101,2099-03-01T10:00:00Z,true
        907,EMAIL,,2026-08-02T10:00:00Z,true
        908,POSTAL_MAIL,102,2026-08-03T10:00:00Z,true
        909,EMAIL,101,2026-08-04T10:00:00Z,true
        911,TASK,102,2026-08-20T09:00:00Z,true
        """,
    )
    for kind, columns, rows in (
        ("call", "property_hs_call_direction", ["901,2026-07-03T10:00:00Z,101,OUTBOUND"]),
        ("email", "property_hs_email_direction", ["902,2026-07-10T11:00:00Z,102,INCOMING_EMAIL",
                                                   "907,2026-08-02T10:00:00Z,,EMAIL",
                                                   "910,2026-08-05T10:00:00Z,101,FORWARDED_EMAIL"]),
        ("meeting", "property_hs_meeting_title", ["903,2026-07-21T14:00:00Z,101,Demo",
                                                  "906,2099-03-01T10:00:00Z,101,Renewal"]),
        ("note", "property_hs_note_body", ["904,2026-07-22T09:00:00Z,101,Asked for a quote"]),
        ("task", "property_hs_task_status", ["905,2026-08-01T09:00:00Z,102,COMPLETED",
                                             "911,2026-08-20T09:00:00Z,102,NOT_STARTED"]),
    ):  # fmt: skip
        header = f"engagement_id,property_hs_timestamp,property_hubspot_owner_id,{columns}"
        write(folder, f"engagement_{kind}.csv", "\n".join([header, *rows]))
    write(
        folder,
        "engagement_deal.csv",
        """
        engagement_id,deal_id
        901,1
        902,2
        903,3
        903,1
        905,5
        909,4
        """,
    )
    write(
        folder,
        "engagement_company.csv",
        """
        engagement_id,company_id
        901,7001
        902,7002
        904,7001
        """,
    )


GENERIC_MAPPING = """
preset: generic
day_first: true
tables:
  reps:
    file: vendeurs.csv
    columns: {rep_id: ID, rep_name: Nom, team: Équipe, hire_date: Embauche}
    constants: {role: AE}
  opportunities:
    file: affaires.csv
    columns:
      opportunity_id: ID
      rep_id: Vendeur
      created_at: Créée le
      close_date: Clôture
      stage: Étape
      is_closed: Fermée
      is_won: Gagnée
      amount: Montant
      deal_type: Type
    values:
      is_closed: {Oui: "true", Non: "false"}
      is_won: {Oui: "true", Non: "false"}
      deal_type: {Nouveau: new_business, Extension: expansion, Renouvellement: renewal}
    dates: {created_at: "%d/%m/%Y %Hh%M"}
    constants: {currency: EUR}
  stages:
    columns: {stage: Étape, sort_order: Ordre, is_closed: Fermée, is_won: Gagnée}
  stage_history:
    file: historique.csv
    columns: {opportunity_id: Affaire, stage: Étape, entered_at: Date}
  activities:
    file: activites.csv
    columns:
      activity_id: N°
      rep_id: Vendeur
      type: Type
      occurred_at: Date
      direction: Sens
      opportunity_id: Affaire
      account_id: Compte
    values:
      type: {Appel: call, Courriel: email, Rendez-vous: meeting, Tâche: task, Note: other}
      direction: {Entrant: inbound, Sortant: outbound}
  logins:
    file: connexions.csv
    columns: {rep_id: Utilisateur, login_at: Connexion}
  content_events:
    file: contenus.csv
    columns:
      rep_id: Vendeur
      asset_id: Document
      event: Action
      occurred_at: Quand
      opportunity_id: Affaire
    values:
      event: {Consulté: view, Partagé: share}
    dates: {occurred_at: "%d/%m/%Y %Hh%M"}
  spend:
    file: depenses.csv
    columns: {month: Mois, category: Poste, channel: Canal, team: Équipe, amount: Montant}
    values:
      category: {Marketing: marketing, Ventes: sales}
    constants:
      currency: EUR
"""


def generic_export(folder: Path) -> Path:
    """A French spreadsheet export in Windows-1252, day-first dates, mapped by GENERIC_MAPPING;
    its activities, sign-ins and the enablement tool's views and shares in UTF-8."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mapping.yaml").write_text(GENERIC_MAPPING, encoding="utf-8")
    write(
        folder,
        "vendeurs.csv",
        """
        ID;Nom;Équipe;Embauche
        V1;Amélie Roux;Île-de-France;08/01/2024
        V2;Bruno Côté;Québec;04/03/2024
        """,
        encoding="windows-1252",
    )
    write(
        folder,
        "affaires.csv",
        """
        ID;Vendeur;Créée le;Clôture;Étape;Fermée;Gagnée;Montant;Type
        A1;V1;01/07/2026 09h00;14/08/2026;Gagné;Oui;Oui;1200;Nouveau
        A2;V2;02/07/2026 10h00;01/09/2026;Perdu;Oui;Non;800;Extension
        A3;V1;03/08/2026 11h00;30/11/2026;Proposition;Non;Non;500;
        """,
        encoding="windows-1252",
    )
    write(
        folder,
        "stages.csv",
        """
        Étape,Ordre,Fermée,Gagnée
        Prospect,1,0,0
        Proposition,2,0,0
        Gagné,3,1,1
        Perdu,4,1,0
        """,
        bom=True,
    )
    write(
        folder,
        "historique.csv",
        """
        Affaire,Étape,Date
        A1,Prospect,01/07/2026 09:00
        A1,Proposition,20/07/2026 09:00
        A1,Gagné,14/08/2026 09:00
        A2,Prospect,02/07/2026 10:00
        A2,Perdu,01/09/2026 10:00
        A3,Proposition,03/08/2026 11:00
        """,
    )
    write(
        folder,
        "activites.csv",
        """
        N°;Vendeur;Type;Date;Sens;Affaire;Compte
        X1;V1;Appel;02/07/2026 10:00;Sortant;A1;C1
        X2;V2;Courriel;03/07/2026 11:30;Entrant;;C2
        X3;V1;Rendez-vous;20/07/2026 14:00;;A1;C1
        X4;V2;Tâche;05/09/2026 09:00;;A2;
        """,
    )
    write(
        folder,
        "connexions.csv",
        """
        Utilisateur,Connexion
        V1,01/07/2026 08:30
        V2,02/07/2026 08:45
        """,
    )
    write(
        folder,
        "contenus.csv",
        """
        Vendeur;Document;Action;Quand;Affaire
        V1;étude-de-cas-03;Consulté;15/07/2026 09h00;
        V1;étude-de-cas-03;Partagé;15/07/2026 10h00;A1
        """,
    )
    write(
        folder,
        "depenses.csv",
        """
        Mois;Poste;Canal;Équipe;Montant
        01/07/2026;Marketing;Salons;;3000
        01/08/2026;Ventes;;Québec;12500
        """,
    )
    write(
        folder,
        "recurring_revenue.csv",
        """
        account_id,month,mrr,currency
        C1,2026-09-01,100,EUR
        """,
    )
    return folder
