"""The delivery tests' fixtures: the SMTP servers (plain, with a login, with STARTTLS) in the
environment, a reports folder holding a quarter's packs, a delivery settings file, and the real
``salesops send`` run on them."""

from __future__ import annotations

import json
import ssl
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from mail_server import (
    CARDS,
    LOGIN,
    PASSWORD,
    QUARTER,
    TEAMS,
    Mailbox,
    Send,
    Server,
    authenticate,
    pdf,
    serve,
)

from salesops import cli


@pytest.fixture(scope="session")
def _plain_server() -> Iterator[Server]:
    yield from serve(Mailbox())


@pytest.fixture(scope="session")
def _login_server() -> Iterator[Server]:
    yield from serve(
        Mailbox(), authenticator=authenticate, auth_required=True, auth_require_tls=False
    )


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
    names = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        [*command.split(), *names, "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


@pytest.fixture(scope="session")
def _starttls_server(certificate: tuple[Path, Path]) -> Iterator[Server]:
    yield from serve(Mailbox(), tls_context=_server_context(certificate), require_starttls=True)


@pytest.fixture(scope="session")
def _ssl_server(certificate: tuple[Path, Path]) -> Iterator[Server]:
    yield from serve(Mailbox(), ssl_context=_server_context(certificate))


def _use(server: Server, monkeypatch: pytest.MonkeyPatch, **env: str) -> Server:
    """Empty ``server``'s mailbox and point the SMTP variables at it."""
    server.mailbox.received.clear()
    for name in ("USER", "PASSWORD", "SECURITY", "PORT", "HOST"):
        monkeypatch.delenv(f"SALESOPS_SMTP_{name}", raising=False)
    variables = {"HOST": "127.0.0.1", "PORT": str(server.port), "SECURITY": "none", **env}
    for name, value in variables.items():
        monkeypatch.setenv(f"SALESOPS_SMTP_{name}", value)
    return server


@pytest.fixture
def smtp(_plain_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """The plain server, empty, in the environment (no TLS, no login)."""
    return _use(_plain_server, monkeypatch)


@pytest.fixture
def login_smtp(_login_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """The server that requires a login, empty, in the environment with the right login."""
    return _use(_login_server, monkeypatch, USER=LOGIN, PASSWORD=PASSWORD)


@pytest.fixture
def starttls_smtp(
    _starttls_server: Server, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Server:
    """The server that requires STARTTLS, its certificate trusted, security left to default."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    server = _use(_starttls_server, monkeypatch)
    monkeypatch.delenv("SALESOPS_SMTP_SECURITY")
    return server


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A reports folder with the 2026Q3 packs of the roll-up, SMB and Partners & Channel (SMB's
    with a summary of two cards); Enterprise has a folder and no pack."""
    out = tmp_path / "reports"
    out.mkdir()
    (out / "teams.json").write_text(json.dumps({"folders": TEAMS}), encoding="utf-8")
    for folder in ("all", *TEAMS.values()):
        (out / QUARTER / folder).mkdir(parents=True)
        if folder != "enterprise":
            (out / QUARTER / folder / "pack.pdf").write_bytes(pdf(f"{folder} {QUARTER}"))
    summary = {"team": "SMB", "quarter": QUARTER, "cards": CARDS}
    (out / QUARTER / "smb" / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return out


DELIVERY = {
    "sender": "Sales Operations <salesops@example.com>",
    "leadership": ["vp@example.com", "cro@example.com"],
    "teams": {
        "SMB": ["smb-lead@example.com", "smb-ops@example.com"],
        "Partners & Channel": ["partners@example.com"],
    },
}


@pytest.fixture
def delivery(tmp_path: Path) -> Callable[..., Path]:
    """``delivery(**keys)``: a delivery settings file, ``DELIVERY`` with ``keys`` over it."""

    def write(**keys: Any) -> Path:
        path = tmp_path / "delivery.yaml"
        path.write_text(
            yaml.safe_dump({**DELIVERY, **keys}, allow_unicode=True, sort_keys=False), "utf-8"
        )
        return path

    return write


@pytest.fixture
def send(
    tmp_path: Path,
    reports: Path,
    delivery: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> Send:
    """``send(*args, locale=..., settings=path)``: the real ``salesops send`` on ``reports``
    with ``settings`` (default ``DELIVERY``); its exit code, standard output and error."""

    def run(
        *args: str, locale: str = "en_US", settings: Path | None = None
    ) -> tuple[int, str, str]:
        org = tmp_path / "org.yaml"
        org.write_text(f"locale: {locale}\n", encoding="utf-8")
        file = settings or delivery()
        argv = ["send", "--out", str(reports), "--delivery", str(file), "--org-params", str(org)]
        code = cli.main([*argv, *args])
        captured = capsys.readouterr()
        return int(code), captured.out, captured.err

    return run


@pytest.fixture
def ssl_smtp(_ssl_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """The server that speaks TLS from the start, empty, in the environment (its certificate
    not trusted yet: set ``SSL_CERT_FILE``)."""
    return _use(_ssl_server, monkeypatch, SECURITY="ssl")
