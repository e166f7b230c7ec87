"""The mail server, from the environment only, and one connection to it for a whole send.

``SALESOPS_SMTP_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD`` and ``_SECURITY`` (``starttls``, the
default, ``ssl`` or ``none``) say where and how. The password is never part of a message: every
failure's text goes through ``Mailer.safe`` first. A password is sent unencrypted (``none``) only
to this machine, e.g. a local relay.
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from types import TracebackType
from typing import Literal, cast, get_args

from salesops.data.locations import redact
from salesops.errors import ParamsError

Security = Literal["starttls", "ssl", "none"]
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
TIMEOUT_SECONDS = 30
ENV = "SALESOPS_SMTP_"


@dataclass(frozen=True)
class SmtpSettings:
    """Where the mail server is, how to reach it and whom to log in as (no login when no user)."""

    host: str
    port: int
    security: Security
    user: str = ""
    password: str = field(default="", repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> SmtpSettings:
        """The settings of the ``SALESOPS_SMTP_*`` variables; ParamsError naming a bad one."""
        host = environ.get(f"{ENV}HOST", "").strip()
        if not host:
            raise ParamsError(f"set {ENV}HOST to the mail server (or give --dry-run)")
        if any(c in host for c in "@/ \t") or (":" in host and not _is_ip(host)):
            raise ParamsError(  # not echoed: it may hold a user and password
                f"{ENV}HOST is a host name like smtp.example.com, with the port in {ENV}PORT "
                f"and the login in {ENV}USER and {ENV}PASSWORD"
            )
        security = environ.get(f"{ENV}SECURITY", "starttls").strip().lower()
        if security not in get_args(Security):
            raise ParamsError(f"{ENV}SECURITY is starttls, ssl or none, got {security!r}")
        port_text = environ.get(f"{ENV}PORT", "").strip()
        port = DEFAULT_PORTS[security]
        if port_text:
            if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
                raise ParamsError(f"{ENV}PORT is a port from 1 to 65535, got {port_text!r}")
            port = int(port_text)
        user = environ.get(f"{ENV}USER", "")
        password = environ.get(f"{ENV}PASSWORD", "")
        if bool(user) != bool(password):
            given, missing = ("USER", "PASSWORD") if user else ("PASSWORD", "USER")
            raise ParamsError(f"{ENV}{given} is set but {ENV}{missing} is not: set both or neither")
        if password and security == "none" and host not in LOCAL_HOSTS:
            raise ParamsError(
                f"{ENV}SECURITY=none would send the password unencrypted to {host}: "
                "use starttls or ssl (none logs in only to this machine)"
            )
        return cls(host, port, cast(Security, security), user, password)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class DeliveryFailure(Exception):
    """One message could not be sent; its text says why, for the sender's terminal."""


class Mailer:
    """One SMTP connection, opened on the first message and again after one is dropped.

    A failure to connect or to log in fails the rest of the send without trying again: the
    server will not be any nearer for the next recipient, and repeated bad logins lock accounts.
    """

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: str | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._drop(polite=True)

    def safe(self, text: str) -> str:
        """``text`` without the password, however a server or library came to echo it."""
        password = self.settings.password
        return redact(text.replace(password, "***") if password else text)

    def send(self, message: EmailMessage, sender: str, recipient: str) -> None:
        """Send ``message`` to ``recipient`` alone; DeliveryFailure saying why it was not."""
        smtp = self._connection()
        try:
            smtp.send_message(message, from_addr=sender, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = exc.recipients.get(recipient, (0, b""))
            reason = self._said("the server refused the address", code, reply)
            raise DeliveryFailure(reason) from None
        except smtplib.SMTPResponseException as exc:  # the sender or the message refused
            if exc.smtp_code == 421:  # the server is closing the connection
                self._drop(polite=False)
            reason = self._said("the server refused the message", exc.smtp_code, exc.smtp_error)
            raise DeliveryFailure(reason) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._drop(polite=False)
            what = str(exc) or type(exc).__name__
            reason = f"the connection to {self.settings.address} failed: {what}"
            raise DeliveryFailure(self.safe(reason)) from None

    def _said(self, what: str, code: int, reply: bytes | str) -> str:
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        return self.safe(f"{what}: {code} {' '.join(text.split())}")

    def _connection(self) -> smtplib.SMTP:
        if self._unreachable:
            raise DeliveryFailure(self._unreachable)
        if self._smtp is not None and self._smtp.sock is not None:
            return self._smtp
        try:
            self._smtp = self._connect()
        except DeliveryFailure as failure:
            self._unreachable = f"not tried: {failure}"
            raise
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_SECONDS, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
                if s.security == "starttls":
                    smtp.starttls(context=context)
            if s.user:
                smtp.login(s.user, s.password)
        except smtplib.SMTPAuthenticationError as exc:
            self._close(smtp)
            what = f"{s.address} refused the login of {s.user}"
            raise DeliveryFailure(self._said(what, exc.smtp_code, exc.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as exc:
            self._close(smtp)
            what = str(exc) or type(exc).__name__
            reason = f"cannot connect to {s.address} ({s.security}): {what}"
            raise DeliveryFailure(self.safe(reason)) from None
        return smtp

    def _drop(self, *, polite: bool) -> None:
        """Close the connection: with QUIT when ``polite`` and it is still up."""
        smtp, self._smtp = self._smtp, None
        if smtp is not None and polite and smtp.sock is not None:
            try:
                smtp.quit()
                return
            except (smtplib.SMTPException, OSError):
                pass
        self._close(smtp)

    @staticmethod
    def _close(smtp: smtplib.SMTP | None) -> None:
        if smtp is not None:
            smtp.close()
