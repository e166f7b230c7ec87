"""``salesops send``: email each team's pack of a quarter to its recipients, once.

Each recipient gets a message of their own. A recipient whose pack is missing, too large with
no link to give, or whom the server refuses or cannot be reached for, is reported and the
others are still sent theirs; the exit code is then ``FAILED``. Bad settings are a
``ParamsError`` before anything is sent. The send holds the reports folder's lock, so it waits
for a run writing the packs, and two sends never mail the same recipient twice.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TextIO

from salesops import config
from salesops.delivery.message import addressed, headline, pack_message
from salesops.delivery.packs import Pack, PackProblem, find_pack, resolve_quarter
from salesops.delivery.record import Delivered, DeliveryRecord
from salesops.delivery.settings import DELIVERY_PARAMS, DeliverySettings, load_delivery_settings
from salesops.delivery.smtp import DeliveryFailure, Mailer, SmtpSettings
from salesops.errors import ParamsError
from salesops.i18n import use_locale
from salesops.report.run.files import require_writable_folder
from salesops.report.run.folders import known_folders, output_lock
from salesops.report.run.grid import contained_path
from salesops.vocabulary import ALL_TEAMS, PACK_NAME, ExitCode


@dataclass(frozen=True)
class SendRequest:
    """What ``salesops send`` was asked: the quarter, the teams (none: all), the files, and
    whether to send at all (``dry_run``) or again (``force``)."""

    quarter: str = "latest"
    teams: list[str] = field(default_factory=list)
    out_dir: Path | None = None
    delivery_file: Path | None = None
    org_params_file: Path | None = None
    dry_run: bool = False
    force: bool = False


def _size(size: int) -> str:
    """A file size for the terminal: "2.4 MB", "180 kB"."""
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f} MB"
    return f"{max(round(size / 1000), 1)} kB"


def _team(team: str) -> str:
    """A team as the terminal names it; the roll-up is the leadership pack."""
    return "all teams" if team == ALL_TEAMS else team


def _selected_teams(settings: DeliverySettings, requested: list[str], path: Path) -> list[str]:
    """The teams to send, the all-teams pack first, in the file's order; ``requested`` narrows
    them (``all`` is the all-teams pack) and must name teams the file lists."""
    listed = [ALL_TEAMS, *settings.teams]
    unknown = [name for name in dict.fromkeys(requested) if name not in listed]
    if unknown:
        names = ", ".join(map(repr, settings.teams)) or "none"
        raise ParamsError(
            f"--team {unknown[0]!r}: {path} lists no recipients for it (teams there: {names}; "
            "all is the all-teams pack)"
        )
    return [team for team in listed if not requested or team in requested]


def _link(pack: Pack, settings: DeliverySettings, path: Path) -> str | None:
    """None when ``pack`` goes as an attachment, else the link that replaces it."""
    if pack.size <= settings.attachment_limit_bytes:
        return None
    link = settings.link(pack.quarter, pack.folder)
    if link is None:
        raise PackProblem(
            f"the pack is {_size(pack.size)}, over the attachment_limit_mb of "
            f"{settings.attachment_limit_mb:g} MB, and {path} sets no base_url to link to it"
        )
    return link


class _Unrecorded(Exception):
    """A message went out but the record of it could not be written."""


class _Sender:
    """One send: goes through the teams, tells the terminal, records what went out."""

    def __init__(
        self,
        request: SendRequest,
        settings: DeliverySettings,
        out_dir: Path,
        quarter: str,
        delivery_file: Path,
        output: TextIO,
    ) -> None:
        self.request = request
        self.settings = settings
        self.out_dir = out_dir
        self.quarter = quarter
        self.delivery_file = delivery_file
        self.output = output
        self.record = DeliveryRecord(contained_path(out_dir, quarter), quarter)
        self.tally: Counter[str] = Counter()

    def say(self, status: str, team: str, recipient: str, text: str) -> None:
        self.tally[status] += 1
        self.output.write(f"{status:<10} {_team(team)} -> {recipient}: {text}\n")
        self.output.flush()

    def team(self, team: str, folders: dict[str, str], mailer: Mailer | None) -> bool:
        """Send ``team``'s pack to each of its recipients not sent it yet (``mailer`` None: say
        what would be sent); False when a delivery could not be recorded, which stops the send."""
        recipients = self.settings.recipients(team)
        try:
            pack = find_pack(self.out_dir, self.quarter, team, folders)
            link = _link(pack, self.settings, self.delivery_file)
        except PackProblem as problem:
            for recipient in recipients:
                self.say("FAILED", team, recipient, str(problem))
            return True
        how = (
            f"{pack.attachment_name} attached ({_size(pack.size)})"
            if link is None
            else f"link to {link} ({_size(pack.size)}, too large to attach)"
        )
        message: EmailMessage | None = None
        for recipient in recipients:
            if skipped := self._already_sent(pack, recipient):
                self.say("skipped", team, recipient, skipped)
            elif mailer is None:
                self.say("would send", team, recipient, how)
            else:
                try:
                    if message is None:
                        cards = headline(pack)
                        message = pack_message(
                            pack, sender=self.settings.sender, link=link, cards=cards
                        )
                    self._mail(mailer, message, pack, recipient, link)
                except DeliveryFailure as failure:
                    self.say("FAILED", team, recipient, str(failure))
                    continue
                except OSError as exc:  # reading the pack to attach it
                    reason = f"cannot read {pack.path}: {exc.strerror or exc}"
                    self.say("FAILED", team, recipient, reason)
                    continue
                except _Unrecorded as unrecorded:
                    self.say("sent", team, recipient, how)
                    self.output.write(f"salesops send: {unrecorded}\n")
                    return False
                self.say("sent", team, recipient, how)
        return True

    def _already_sent(self, pack: Pack, recipient: str) -> str | None:
        """Why ``recipient`` is not sent ``pack`` (it was, and no ``--force``), else None."""
        before = None if self.request.force else self.record.last(pack.team, recipient)
        if before is None:
            return None
        if before.pack_sha256 != pack.sha256:
            changed = "the pack has changed since (--force sends the new one)"
            return f"already sent {before.sent_at}; {changed}"
        return f"already sent {before.sent_at} (--force sends it again)"

    def _mail(
        self, mailer: Mailer, message: EmailMessage, pack: Pack, recipient: str, link: str | None
    ) -> None:
        """Send ``message`` to ``recipient`` and record it; DeliveryFailure when it was not
        sent, _Unrecorded when it was but the record could not be written."""
        sender = self.settings.sender_address
        addressed(message, recipient, domain=sender.rsplit("@", 1)[1])
        mailer.send(message, sender, recipient)
        delivered = Delivered(
            quarter=self.quarter,
            team=pack.team,
            recipient=recipient,
            pack_sha256=pack.sha256,
            sent_at=datetime.now(UTC).isoformat(timespec="seconds"),
            message_id=str(message["Message-ID"]),
            sent_as="attachment" if link is None else "link",
        )
        try:
            self.record.add(delivered)
        except OSError as exc:
            raise _Unrecorded(
                f"cannot record it in {self.record.path} ({exc.strerror or exc}): stopped, so "
                "that nothing goes out unrecorded"
            ) from None

    def unlisted(self, folders: dict[str, str]) -> list[str]:
        """The teams with a pack this quarter and no recipients in the settings file."""
        return [
            _team(team)
            for team, folder in folders.items()
            if not self.settings.recipients(team)
            and contained_path(self.out_dir, self.quarter, folder, PACK_NAME).is_file()
        ]

    def summary(self) -> str:
        t = self.tally
        if self.request.dry_run:
            counts = f"{t['would send']} to send, {t['skipped']} already sent, {t['FAILED']} failed"
            return f"salesops send: {self.quarter}: dry run, nothing sent: {counts}"
        counts = f"{t['sent']} sent, {t['skipped']} already sent, {t['FAILED']} failed"
        where = f" (recorded in {self.record.path})" if t["sent"] else ""
        return f"salesops send: {self.quarter}: {counts}{where}"


def _default_out() -> Path:
    """The reports folder of ``salesops run`` without ``--out``."""
    spec_out = config.load_run_spec().out
    return config.ROOT / spec_out if spec_out else config.REPORTS_DIR


def send_packs(request: SendRequest, output: TextIO | None = None) -> ExitCode:
    """Send (or with ``dry_run`` list) the quarter's packs; the exit code says whether any
    recipient failed. Progress goes to ``output`` (standard output by default)."""
    output = output or sys.stdout
    delivery_file = request.delivery_file or DELIVERY_PARAMS
    settings = load_delivery_settings(delivery_file)
    org = config.load_org_settings(request.org_params_file)
    smtp = None if request.dry_run else SmtpSettings.from_environment()
    out_dir = request.out_dir or _default_out()
    quarter = resolve_quarter(out_dir, request.quarter)
    teams = _selected_teams(settings, request.teams, delivery_file)
    if smtp is None:
        output.write(f"salesops send: {quarter} from {out_dir} (dry run: nothing is sent)\n")
    else:
        login = f" as {smtp.user}" if smtp.user else ""
        output.write(
            f"salesops send: {quarter} from {out_dir} via {smtp.address} ({smtp.security}){login}\n"
        )
        require_writable_folder(contained_path(out_dir, quarter))
    with use_locale(org.locale), contextlib.ExitStack() as stack:
        mailer = None
        if smtp is not None:  # the lock first: a run writing the packs finishes before we read
            stack.enter_context(output_lock(out_dir, sys.stderr, "send"))
            mailer = stack.enter_context(Mailer(smtp))
        sender = _Sender(request, settings, out_dir, quarter, delivery_file, output)
        folders = known_folders(out_dir)
        finished = all(sender.team(team, folders, mailer) for team in teams)  # stops unrecorded
    if finished and not request.teams and (unlisted := sender.unlisted(folders)):
        output.write(f"no recipients in {delivery_file} for: {', '.join(unlisted)}\n")
    output.write(sender.summary() + "\n")
    return ExitCode.OK if finished and not sender.tally["FAILED"] else ExitCode.FAILED
