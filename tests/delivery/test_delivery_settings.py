"""Bad delivery settings and SMTP variables: one message naming the file, key or variable, exit
2, nothing sent, and no password or token echoed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from mail_server import QUARTER, Send, Server

from salesops.delivery.settings import DELIVERY_PARAMS, load_delivery_settings

KNOWN = "attachment_limit_mb, base_url, leadership, sender, teams"


def test_the_example_settings_file_is_valid() -> None:
    settings = load_delivery_settings(DELIVERY_PARAMS)
    assert settings.sender_address == "salesops@example.com"
    assert settings.attachment_limit_mb == 10 and settings.base_url == ""
    assert "SMB" in settings.teams and settings.leadership


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"teems": {}}, f"unknown key 'teems' (known keys: {KNOWN})"),
        (
            {"teams": {"SMB": ["bob@"]}},
            "teams.SMB.0: not an email address like name@example.com (got 'bob@')",
        ),
        (
            {"teams": {"SMB": "smb@example.com"}},
            "teams.SMB: Input should be a valid list (got 'smb@example.com')",
        ),
        (
            {"teams": {"SMB": ["a@example.com", "A@example.com"]}},
            "teams.SMB: lists A@example.com twice",
        ),
        ({"teams": {"all": ["a@example.com"]}}, "teams: 'all' is the all-teams pack: list its"),
        ({"leadership": ["vp@example"]}, "leadership.0: not an email address like"),
        ({"sender": "Sales Operations"}, "sender: not an address like 'Sales Operations <sal"),
        ({"attachment_limit_mb": 0}, "attachment_limit_mb: Input should be greater than 0"),
        ({"base_url": "reports.example.com"}, "base_url: not a URL like https://reports.exam"),
    ],
)
def test_a_bad_setting_is_named_with_its_value(
    send: Send, delivery: Callable[..., Path], keys: dict[str, Any], message: str
) -> None:
    settings = delivery(**keys)
    code, out, err = send("--dry-run", settings=settings)
    assert (code, out) == (2, "")
    assert err.startswith(f"salesops send: {settings}: {message}")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("keys", "key"),
    [
        ({"password": "hunter2-secret"}, "password"),
        ({"smtp": {"host": "smtp.example.com", "smtp_pass": "hunter2-secret"}}, "smtp.smtp_pass"),
        ({"base_url": "https://bob:hunter2-secret@reports.example.com"}, "base_url"),
        ({"base_url": "https://reports.example.com/?sig=hunter2-secret"}, "base_url"),
    ],
)
def test_a_credential_in_the_file_is_refused_without_echoing_it(
    send: Send, reports: Path, delivery: Callable[..., Path], keys: dict[str, Any], key: str
) -> None:
    settings = delivery(**keys)
    code, out, err = send("--dry-run", settings=settings)
    assert code == 2 and err.startswith(f"salesops send: {settings}: {key}: ")
    assert "hunter2" not in out + err + (reports / "salesops.log").read_text("utf-8")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "set SALESOPS_SMTP_HOST to the mail server (or give --dry-run)"),
        ({"HOST": "smtp.example.com", "SECURITY": "tls"}, "SALESOPS_SMTP_SECURITY is starttls"),
        ({"HOST": "smtp.example.com", "PORT": "smtp"}, "SALESOPS_SMTP_PORT is a port from 1 to"),
        ({"HOST": "smtp.example.com", "USER": "bob"}, "SALESOPS_SMTP_USER is set but SALESOP"),
        (
            {"HOST": "bob:hunter2-secret@smtp.example.com"},
            "SALESOPS_SMTP_HOST is a host name like smtp.example.com",
        ),
        (
            {"HOST": "smtp.example.com", "SECURITY": "none"}
            | {"USER": "bob", "PASSWORD": "hunter2-secret"},
            "SALESOPS_SMTP_SECURITY=none would send the password unencrypted to smtp.example.com",
        ),
    ],
)
def test_bad_smtp_variables_are_named_before_anything_is_sent(
    send: Send, reports: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD"):
        monkeypatch.delenv(f"SALESOPS_SMTP_{name}", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"SALESOPS_SMTP_{name}", value)
    code, out, err = send()
    assert (code, out) == (2, "")
    assert err.startswith(f"salesops send: {message}")
    assert "hunter2" not in err + (reports / "salesops.log").read_text("utf-8")
    assert not (reports / QUARTER / "delivery.json").exists()


def test_an_unreadable_record_stops_the_send_before_any_message(
    smtp: Server, reports: Path, send: Send
) -> None:
    record = reports / QUARTER / "delivery.json"
    record.write_text('{"deliveries": [{"team": "SMB"}]}', encoding="utf-8")
    code, _out, err = send()
    assert code == 2 and smtp.mailbox.received == []
    assert err.startswith(f"salesops send: {record} cannot be read (an entry is not ")
    assert "restore it, or delete it to send every pack of the quarter again" in err
