"""Who gets which pack: ``params/delivery.yaml``, validated like the other params files.

Recipients are listed per team name as the data spells it; ``leadership`` gets the all-teams
pack. A pack larger than ``attachment_limit_mb`` is sent as a link under ``base_url``, where
the reports folder is published. An unknown key or a bad value raises ``ParamsError`` naming the
file and the key; a credential in the file is refused without echoing it: the SMTP server and
its password come from the environment (``salesops.delivery.smtp``).
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from salesops import config
from salesops.errors import ParamsError
from salesops.vocabulary import ALL_TEAMS

DELIVERY_PARAMS = config.PARAMS_DIR / "delivery.yaml"
DEFAULT_LIMIT_MB = 10.0
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(
    rf"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~-]+)*"
    rf"@(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?"
)
_CREDENTIAL = re.compile(r"(?i)pass|pwd|secret|token|credential|auth|api_?key")


def _address(value: str) -> str:
    """An ASCII address ``name@example.com``, as written (compared case-insensitively)."""
    if len(value) > 254 or not _ADDRESS.fullmatch(value):
        raise PydanticCustomError("email", "not an email address like name@example.com")
    return value


Address = Annotated[str, AfterValidator(_address)]


def _once_each(addresses: list[str]) -> list[str]:
    seen: set[str] = set()
    for address in addresses:
        if address.casefold() in seen:
            raise PydanticCustomError("duplicate", "lists {address} twice", {"address": address})
        seen.add(address.casefold())
    return addresses


Recipients = Annotated[list[Address], AfterValidator(_once_each)]


class DeliverySettings(BaseModel):
    """Who gets each pack, from whom, and when a link replaces the attachment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sender: str = Field(description="the From address, optionally with a name: 'Sales Ops <a@b>'")
    leadership: Recipients = Field(default_factory=list, description="the all-teams pack")
    teams: dict[str, Recipients] = Field(default_factory=dict, description="team name: addresses")
    attachment_limit_mb: float = Field(DEFAULT_LIMIT_MB, gt=0, le=1000)
    base_url: str = Field("", description="where the reports folder is published, for links")

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        name, address = parseaddr(value)
        if not _ADDRESS.fullmatch(address) or any(ord(c) < 32 for c in name):
            raise PydanticCustomError(
                "email", "not an address like 'Sales Operations <salesops@example.com>'"
            )
        return value

    @field_validator("teams")
    @classmethod
    def _no_rollup_team(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if ALL_TEAMS in value:
            raise PydanticCustomError(
                "rollup", "'all' is the all-teams pack: list its recipients under leadership"
            )
        return value

    @field_validator("base_url")
    @classmethod
    def _published_url(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise PydanticCustomError("url", "not a URL like https://reports.example.com/salesops")
        return value.rstrip("/")

    @property
    def sender_address(self) -> str:
        """The sender's bare address, the envelope's MAIL FROM."""
        return parseaddr(self.sender)[1]

    @property
    def attachment_limit_bytes(self) -> int:
        return int(self.attachment_limit_mb * 1_000_000)

    def recipients(self, team: str) -> list[str]:
        """The addresses of ``team``'s pack (``ALL_TEAMS``: leadership)."""
        return list(self.leadership if team == ALL_TEAMS else self.teams.get(team, []))

    def link(self, quarter: str, folder: str) -> str | None:
        """The published address of a pack, None without ``base_url``."""
        return f"{self.base_url}/{quarter}/{folder}/pack.pdf" if self.base_url else None


def _refuse_credentials(data: dict[str, Any], path: Path) -> None:
    """A password or token in the file, or a base URL with more than a folder's address, is an
    error that does not echo it."""
    sections = [("", data)] + [
        (f"{key}.", value)
        for key, value in data.items()
        if key != "teams" and isinstance(value, dict)
    ]
    for prefix, section in sections:
        for key in section:
            if _CREDENTIAL.search(str(key)):
                raise ParamsError(
                    f"{path}: {prefix}{key}: credentials never go in a file: set "
                    "SALESOPS_SMTP_USER and SALESOPS_SMTP_PASSWORD in the environment"
                )
    url = data.get("base_url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is not None and ("@" in parts.netloc or parts.query or parts.fragment):  # no echo
        raise ParamsError(
            f"{path}: base_url: the folder's address alone, with no user, password, query (?) "
            "or fragment (#): a pack's link adds its path to it"
        )


def load_delivery_settings(path: Path | None = None) -> DeliverySettings:
    """The delivery settings of ``path`` (default ``params/delivery.yaml``), validated."""
    path = path or DELIVERY_PARAMS
    data = config.read_yaml(path)
    _refuse_credentials(data, path)
    return config._validate(DeliverySettings, data, path)
