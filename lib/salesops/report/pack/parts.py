"""What a team's pack holds, in order, and the key that tells whether any of it changed.

A pack opens with the team's summary page (the ``summary`` analysis) when it rendered; the
all-teams pack follows it with every team's summary. Then come the team's other reports that
rendered, in the quarter index's column order. Failed reports are left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from salesops.i18n import _
from salesops.report.pages.layout import team_label
from salesops.report.run.grid import contained_path
from salesops.report.run.manifest import RunRecord
from salesops.vocabulary import ALL_TEAMS, PACK_NAME, SUMMARY


@dataclass(frozen=True)
class Part:
    """One report in a pack: its title on the contents page and its HTML page."""

    title: str
    page: Path


@dataclass(frozen=True)
class PackPlan:
    """One team's pack of one quarter (whose folder is ``folder``): its parts, in order."""

    quarter: str
    team: str
    team_slug: str
    folder: Path
    parts: tuple[Part, ...]

    @property
    def path(self) -> Path:
        return contained_path(self.folder, self.team_slug, PACK_NAME)

    def relative(self, path: Path) -> str:
        """``path`` as the quarter's manifest writes it: from the quarter's folder."""
        return path.relative_to(self.folder).as_posix()

    def key(self, *, code: str, locale: str, data_as_of: str) -> str:
        """Hash of everything the pack shows: the code and language that lay it out, the data's
        date, and each part's title and page, byte for byte."""
        digest = hashlib.sha256("\n".join((code, locale, data_as_of)).encode())
        for part in self.parts:
            digest.update(f"\n{part.title}\n{part.page.name}\n".encode())
            digest.update(hashlib.sha256(part.page.read_bytes()).digest())
        return digest.hexdigest()


def plan_packs(folder: Path, quarter: str, published: Sequence[RunRecord]) -> list[PackPlan]:
    """The pack of every team of the quarter's index, in its row order, from the quarter's
    records (``published``, in index order). A team none of whose reports rendered gets none."""
    ok = [record for record in published if record.status == "ok"]
    columns = list(dict.fromkeys(record.analysis for record in published))
    teams = sorted(dict.fromkeys(record.team for record in published), key=lambda t: t != ALL_TEAMS)
    summaries = {record.team: record for record in ok if record.analysis == SUMMARY}
    plans = []
    for team in teams:
        own = {record.analysis: record for record in ok if record.team == team}
        if not own:
            continue
        records = [summaries[team]] if team in summaries else []
        if team == ALL_TEAMS:
            records += [summaries[other] for other in teams if other != team and other in summaries]
        records += [own[a] for a in columns if a != SUMMARY and a in own]
        parts = tuple(_part(folder, record, own_team=team) for record in records)
        slug = next(iter(own.values())).team_slug
        plans.append(PackPlan(quarter, team, slug, folder, parts))
    return plans


def _part(folder: Path, record: RunRecord, *, own_team: str) -> Part:
    """``record``'s page as a part of ``own_team``'s pack: another team's page names its team."""
    title = record.title or record.analysis
    if record.team != own_team:
        title = _("{title}: {team}").format(title=title, team=team_label(record.team))
    return Part(title=title, page=contained_path(folder, record.files["page"]))
