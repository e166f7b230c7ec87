"""What the delivery tests build on: a real SMTP server on 127.0.0.1 (aiosmtpd) whose handler
keeps what it receives and refuses one address, and small hand-written PDF packs."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

REFUSED = "nobody@example.com"  # the servers answer 550 to this address
LOGIN, PASSWORD = "salesops", "s3cret-Pa55word"
QUARTER = "2026Q3"
TEAMS = {"SMB": "smb", "Partners & Channel": "partners-channel", "Enterprise": "enterprise"}
CARDS = [
    {"label": "Win rate", "value": "31%", "change": "+4.1 pts vs 2026Q2", "direction": "up"}
    | {"good": True, "note": None},
    {"label": "Bookings", "value": "$1.2M", "change": None, "direction": None, "good": None},
    {"label": "Not a card"},
]


def pdf(text: str, padding: int = 0) -> bytes:
    """A valid one-page PDF that shows ``text``, ``padding`` bytes of comment larger."""
    content = f"BT /F1 24 Tf 72 760 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    document = b"%PDF-1.4\n" + b"%" + b"x" * padding + b"\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return document


@dataclass
class Received:
    """One message as the server took it: the envelope and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    def attachments(self) -> dict[str, bytes]:
        return {
            str(part.get_filename()): part.get_payload(decode=True)
            for part in self.message.iter_attachments()
        }

    def body(self) -> str:
        return self.message.get_body(("plain",)).get_content().replace("\r\n", "\n")


@dataclass
class Mailbox:
    """The handler of the test servers: keeps every message, refuses ``REFUSED``."""

    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(
        self,
        server: SMTPServer,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if r.rcpt_tos == [address]]


@dataclass
class Server:
    """A running test server: where it listens and what it received."""

    port: int
    mailbox: Mailbox


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def authenticate(
    server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        LOGIN.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


def serve(mailbox: Mailbox, **options: Any) -> Iterator[Server]:
    """Run a server for ``mailbox`` on 127.0.0.1 (aiosmtpd ``Controller`` ``options``) until the
    generator is closed."""
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield Server(controller.port, mailbox)
    finally:
        controller.stop()


Send = Callable[..., tuple[int, str, str]]  # the send fixture: exit code, output, error
