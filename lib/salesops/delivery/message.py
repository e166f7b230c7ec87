"""The email of one team's pack, in the active locale's words and numbers.

The subject names the quarter and the team; the body says what is attached, or gives the link
when the pack is over the size limit, and lists the quarter's headline cards (as
``Card.to_text`` reads them) when the team's ``summary.json`` holds any. Build the message once
per pack (``pack_message``), then address it to each recipient in turn (``addressed``).
"""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from salesops import formatting
from salesops.delivery.packs import Pack
from salesops.i18n import _, active_locale
from salesops.present.cards import Card
from salesops.report.pages.layout import team_label
from salesops.report.run.files import read_json_object

SUMMARY_NAME = "summary.json"
MAX_CARDS = 6
_CARD_FIELDS = [f.name for f in fields(Card)]


def _card(entry: object) -> Card | None:
    """A card of the summary as the headline record stores it; None for anything else."""
    if not isinstance(entry, dict):
        return None
    try:
        card = Card(**{key: entry[key] for key in _CARD_FIELDS if key in entry})
    except (TypeError, ValueError):  # no label or value, or an unknown direction
        return None
    return card if isinstance(card.label, str) and isinstance(card.value, str) else None


def headline(pack: Pack) -> list[str]:
    """The cards of the team's ``summary.json`` as lines, at most ``MAX_CARDS`` ("Win rate: 31%
    (Up: +4.1 pts vs 2026Q2, better)"); none when the file is missing or holds no cards."""
    entries = read_json_object(pack.path.parent / SUMMARY_NAME).get("cards")
    cards = [_card(entry) for entry in (entries if isinstance(entries, list) else [])]
    return [card.to_text() for card in cards if card][:MAX_CARDS]


def size_text(size: int) -> str:
    """A file size as the reader reads it: "2.4 MB", "180 kB"."""
    if size >= 1_000_000:
        return _("{size} MB").format(size=formatting.decimal(size / 1_000_000, 1))
    return _("{size} kB").format(size=formatting.count(max(size / 1000, 1)))


def subject(pack: Pack) -> str:
    return _("{quarter} sales report: {team}").format(
        quarter=formatting.quarter(pack.quarter), team=team_label(pack.team)
    )


def _body(pack: Pack, link: str | None, cards: list[str]) -> str:
    quarter = formatting.quarter(pack.quarter)
    size = size_text(pack.size)
    if link is None:
        what = _("Attached is the sales report for {quarter} ({file}, {size}).").format(
            quarter=quarter, file=pack.attachment_name, size=size
        )
    else:
        what = _(
            "The sales report for {quarter} is too large to attach ({size}); download it here:"
        ).format(quarter=quarter, size=size)
        what += f"\n{link}"
    paragraphs = [_("Hello,"), what]
    if cards:
        paragraphs.append("\n".join([_("The quarter at a glance:"), *(f"- {c}" for c in cards)]))
    paragraphs.append(
        _("This message was sent by salesops; reply to it to reach the sales operations team.")
    )
    return "\n\n".join(paragraphs) + "\n"


def pack_message(pack: Pack, *, sender: str, link: str | None, cards: list[str]) -> EmailMessage:
    """The email of ``pack`` from ``sender``, not yet addressed: the pack attached, or ``link``
    to it in the body when given."""
    message = EmailMessage()
    message["Subject"] = subject(pack)
    message["From"] = sender
    message.set_content(_body(pack, link, cards))
    message["Content-Language"] = active_locale().language  # the text's, once attachments come
    if link is None:
        message.add_attachment(
            pack.path.read_bytes(),
            maintype="application",
            subtype="pdf",
            filename=pack.attachment_name,
        )
    return message


def addressed(message: EmailMessage, recipient: str, domain: str) -> EmailMessage:
    """``message`` to ``recipient``, dated now, with a Message-ID of its own at ``domain``."""
    for header in ("To", "Date", "Message-ID"):
        del message[header]
    message["To"] = recipient
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=domain)
    return message
