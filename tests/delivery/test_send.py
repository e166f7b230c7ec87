"""``salesops send`` against a real SMTP server: who gets what, once, in the org's language."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from mail_server import CARDS, LOGIN, PASSWORD, QUARTER, REFUSED, Send, Server, free_port, pdf

from salesops.i18n import _, use_locale
from salesops.present.cards import Card

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
RECIPIENTS = {
    "vp@example.com": "all",
    "cro@example.com": "all",
    "smb-lead@example.com": "smb",
    "smb-ops@example.com": "smb",
    "partners@example.com": "partners-channel",
}


def _record(reports: Path) -> list[dict[str, str]]:
    return json.loads((reports / QUARTER / "delivery.json").read_text("utf-8"))["deliveries"]


def test_each_recipient_gets_their_team_s_pack_attached_once(
    smtp: Server, reports: Path, send: Send
) -> None:
    code, out, _err = send("--quarter", QUARTER)
    assert code == 0, out
    received = smtp.mailbox.received
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(RECIPIENTS)
    for address, folder in RECIPIENTS.items():
        [mail] = smtp.mailbox.to(address)
        assert mail.mail_from == "salesops@example.com"
        assert mail.message["From"] == "Sales Operations <salesops@example.com>"
        assert mail.message["To"] == address
        pack = (reports / QUARTER / folder / "pack.pdf").read_bytes()
        assert mail.attachments() == {f"salesops-{QUARTER}-{folder}.pdf": pack}
    [smb] = smtp.mailbox.to("smb-lead@example.com")
    assert smb.message["Subject"] == "2026Q3 sales report: SMB"
    assert "\n- Win rate: 31% (Up: +4.1 pts vs 2026Q2, better)\n- Bookings: $1.2M\n\n" in smb.body()
    [vp] = smtp.mailbox.to("vp@example.com")
    assert vp.message["Subject"] == "2026Q3 sales report: All teams"
    assert "at a glance" not in vp.body()  # no summary.json: no headline
    assert "sent       SMB -> smb-lead@example.com: salesops-2026Q3-smb.pdf attached" in out
    assert out.endswith(
        f"5 sent, 0 already sent, 0 failed (recorded in {reports}/2026Q3/delivery.json)\n"
    )


def test_the_record_holds_each_delivery_with_its_pack_s_hash_and_message_id(
    smtp: Server, reports: Path, send: Send
) -> None:
    assert send()[0] == 0  # latest: the only quarter
    ids = {r.rcpt_tos[0]: r.message["Message-ID"] for r in smtp.mailbox.received}
    record = _record(reports)
    assert {(e["team"], e["recipient"]) for e in record} == {
        ("all", "vp@example.com"),
        ("all", "cro@example.com"),
        ("SMB", "smb-lead@example.com"),
        ("SMB", "smb-ops@example.com"),
        ("Partners & Channel", "partners@example.com"),
    }
    for entry in record:
        pack = reports / QUARTER / RECIPIENTS[entry["recipient"]] / "pack.pdf"
        assert entry["pack_sha256"] == hashlib.sha256(pack.read_bytes()).hexdigest()
        assert entry["message_id"] == ids[entry["recipient"]]
        assert entry["quarter"] == QUARTER and entry["sent_as"] == "attachment"


def test_a_pack_over_the_limit_goes_as_a_link_under_the_base_url(
    smtp: Server, reports: Path, send: Send, delivery: Callable[..., Path]
) -> None:
    big = pdf("smb", padding=3000)
    (reports / QUARTER / "smb" / "pack.pdf").write_bytes(big)
    settings = delivery(attachment_limit_mb=0.002, base_url="https://reports.example.com/so/")
    code, out, _err = send(settings=settings)
    assert code == 0, out
    [smb] = smtp.mailbox.to("smb-lead@example.com")
    assert smb.attachments() == {}
    link = f"https://reports.example.com/so/{QUARTER}/smb/pack.pdf"
    size = f"{round(len(big) / 1000)} kB"
    assert f"too large to attach ({size}); download it here:\n{link}\n" in smb.body()
    [vp] = smtp.mailbox.to("vp@example.com")  # under the limit: attached
    assert list(vp.attachments()) == [f"salesops-{QUARTER}-all.pdf"]
    assert f"smb-lead@example.com: link to {link} ({size}, too large to attach)" in out
    assert {e["sent_as"] for e in _record(reports) if e["team"] == "SMB"} == {"link"}


def test_over_the_limit_without_a_base_url_fails_that_team_alone(
    smtp: Server, reports: Path, send: Send, delivery: Callable[..., Path]
) -> None:
    (reports / QUARTER / "smb" / "pack.pdf").write_bytes(pdf("smb", padding=3000))
    code, out, _err = send(settings=delivery(attachment_limit_mb=0.002))
    assert code == 1
    assert "FAILED     SMB -> smb-ops@example.com: the pack is 4 kB, over the " in out
    assert "attachment_limit_mb of 0.002 MB, and " in out and "sets no base_url" in out
    assert sorted(r.rcpt_tos[0] for r in smtp.mailbox.received) == [
        "cro@example.com",
        "partners@example.com",
        "vp@example.com",
    ]
    assert out.endswith(
        "3 sent, 0 already sent, 2 failed (recorded in " + f"{reports}/{QUARTER}/delivery.json)\n"
    )


def test_the_email_reads_in_the_org_s_language(smtp: Server, send: Send) -> None:
    code, out, _err = send("--team", "all", "--team", "SMB", locale="fr_FR")
    assert code == 0, out
    [vp] = smtp.mailbox.to("vp@example.com")
    subject = vp.message["Subject"]
    assert "T3 2026" in subject and subject.endswith("Toutes les équipes")
    with use_locale("fr_FR"):
        expected = _("{quarter} sales report: {team}").format(
            quarter="T3 2026", team=_("All teams")
        )
        hello, size = _("Hello,"), _("{size} kB").format(size="1")
    assert subject == expected
    assert vp.message.get_body(("plain",))["Content-Language"] == "fr"
    assert vp.body().startswith(f"{hello}\n\n")
    [smb] = smtp.mailbox.to("smb-lead@example.com")
    assert "T3 2026" in smb.message["Subject"]
    assert f"(salesops-2026Q3-smb.pdf, {size})" in smb.body()
    with use_locale("fr_FR"):
        card = Card(**CARDS[0]).to_text()  # the words of the report's own cards
    assert "Hausse" in card
    assert f"\n- {card}\n" in smb.body()  # the cards as the summary holds them
    assert "sent       SMB -> smb-lead@example.com" in out  # the terminal stays in English


def test_a_refused_recipient_is_reported_and_the_others_get_their_mail(
    smtp: Server, reports: Path, send: Send, delivery: Callable[..., Path]
) -> None:
    settings = delivery(leadership=["vp@example.com", REFUSED, "cro@example.com"])
    code, out, _err = send(settings=settings)
    assert code == 1
    assert f"FAILED     all teams -> {REFUSED}: the server refused the address: 550 5.1.1" in out
    assert len(smtp.mailbox.received) == 5 and not smtp.mailbox.to(REFUSED)
    assert REFUSED not in {e["recipient"] for e in _record(reports)}
    smtp.mailbox.received.clear()
    code, out, _err = send(settings=settings)  # again: only the refused address is tried
    assert code == 1 and smtp.mailbox.received == []
    assert out.endswith("0 sent, 5 already sent, 1 failed\n")


def test_a_second_send_sends_nothing_and_force_sends_again(
    smtp: Server, reports: Path, send: Send
) -> None:
    assert send()[0] == 0
    first = _record(reports)
    smtp.mailbox.received.clear()
    code, out, _err = send()
    assert code == 0 and smtp.mailbox.received == []
    sent_at = next(e["sent_at"] for e in first if e["recipient"] == "vp@example.com")
    assert (
        f"skipped    all teams -> vp@example.com: already sent {sent_at} (--force sends it again)"
        in out
    )
    assert out.endswith("0 sent, 5 already sent, 0 failed\n")
    assert _record(reports) == first
    code, out, _err = send("--force", "--team", "SMB")
    assert code == 0
    assert sorted(r.rcpt_tos[0] for r in smtp.mailbox.received) == [
        "smb-lead@example.com",
        "smb-ops@example.com",
    ]
    assert len(_record(reports)) == 7  # the first deliveries are kept


def test_a_changed_pack_is_not_sent_again_and_the_skip_says_it_changed(
    smtp: Server, reports: Path, send: Send
) -> None:
    assert send("--team", "SMB")[0] == 0
    (reports / QUARTER / "smb" / "pack.pdf").write_bytes(pdf("smb corrected"))
    smtp.mailbox.received.clear()
    code, out, _err = send("--team", "SMB")
    assert code == 0 and smtp.mailbox.received == []
    assert "; the pack has changed since (--force sends the new one)" in out


def test_a_dry_run_prints_the_plan_sends_nothing_and_needs_no_server(
    smtp: Server, reports: Path, send: Send, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SALESOPS_SMTP_HOST")
    code, out, _err = send("--dry-run")
    assert code == 0, out
    assert smtp.mailbox.received == [] and not (reports / QUARTER / "delivery.json").exists()
    assert out.splitlines() == [
        f"salesops send: {QUARTER} from {reports} (dry run: nothing is sent)",
        "would send all teams -> vp@example.com: salesops-2026Q3-all.pdf attached (1 kB)",
        "would send all teams -> cro@example.com: salesops-2026Q3-all.pdf attached (1 kB)",
        "would send SMB -> smb-lead@example.com: salesops-2026Q3-smb.pdf attached (1 kB)",
        "would send SMB -> smb-ops@example.com: salesops-2026Q3-smb.pdf attached (1 kB)",
        "would send Partners & Channel -> partners@example.com: "
        "salesops-2026Q3-partners-channel.pdf attached (1 kB)",
        f"salesops send: {QUARTER}: dry run, nothing sent: 5 to send, 0 already sent, 0 failed",
    ]


def test_a_missing_pack_is_reported_and_the_other_teams_are_sent(
    smtp: Server, reports: Path, send: Send, delivery: Callable[..., Path]
) -> None:
    teams = {
        "Enterprise": ["ent@example.com"],
        "Nowhere": ["no@example.com"],
        "SMB": ["smb-lead@example.com"],
    }
    code, out, _err = send(settings=delivery(teams=teams))
    assert code == 1
    pack = reports / QUARTER / "enterprise" / "pack.pdf"
    assert (
        f"FAILED     Enterprise -> ent@example.com: no pack: {pack} does not exist "
        f"(salesops run --quarter {QUARTER} --pdf makes it)"
    ) in out
    assert (
        f"FAILED     Nowhere -> no@example.com: no team named 'Nowhere' in {reports / 'teams.json'}"
        in out
    )
    assert sorted(r.rcpt_tos[0] for r in smtp.mailbox.received) == [
        "cro@example.com",
        "smb-lead@example.com",
        "vp@example.com",
    ]
    assert "no recipients in " in out and out.rstrip().splitlines()[-2].endswith(
        ": Partners & Channel"
    )


def test_team_narrows_the_send_and_an_unknown_team_is_refused(
    smtp: Server, reports: Path, send: Send
) -> None:
    assert send("--team", "all")[0] == 0
    assert sorted(r.rcpt_tos[0] for r in smtp.mailbox.received) == [
        "cro@example.com",
        "vp@example.com",
    ]
    code, out, err = send("--team", "smb")
    assert code == 2 and out == ""
    assert err.startswith("salesops send: --team 'smb': ") and "lists no recipients for it" in err


def test_latest_is_the_newest_quarter_of_the_reports_folder(
    smtp: Server, reports: Path, send: Send
) -> None:
    (reports / "2026Q2" / "smb").mkdir(parents=True)
    (reports / "2026Q2" / "smb" / "pack.pdf").write_bytes(pdf("smb 2026Q2"))
    code, out, _err = send("--quarter", "latest", "--team", "SMB")
    assert code == 0 and out.startswith(f"salesops send: {QUARTER} from")
    code, out, _err = send("--quarter", "2026Q2", "--team", "SMB")
    assert code == 0 and "salesops-2026Q2-smb.pdf attached" in out
    code, _out, err = send("--quarter", "2025Q4")
    assert code == 2
    there = "quarters there: 2026Q2, 2026Q3"
    assert err == f"salesops send: {reports} holds no reports for 2025Q4 ({there})\n"


def test_a_login_takes_the_password_from_the_environment_and_never_shows_it(
    login_smtp: Server, reports: Path, send: Send, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = send("--team", "SMB")
    assert code == 0, out
    assert f"as {LOGIN}" in out.splitlines()[0]
    assert len(login_smtp.mailbox.received) == 2
    monkeypatch.setenv("SALESOPS_SMTP_PASSWORD", PASSWORD[::-1])
    login_smtp.mailbox.received.clear()
    code, out, err = send("--force")
    assert code == 1 and login_smtp.mailbox.received == []
    assert f"127.0.0.1:{login_smtp.port} refused the login of {LOGIN}: 535" in out
    assert out.count("not tried: ") == 4  # one failed login, not one per recipient
    log = reports / "salesops.log"
    shown = out + err + (log.read_text("utf-8") if log.exists() else "")
    assert PASSWORD not in shown and PASSWORD[::-1] not in shown


def test_the_default_security_is_starttls_with_the_certificate_checked(
    starttls_smtp: Server, send: Send
) -> None:
    code, out, _err = send("--team", "SMB")
    assert code == 0, out
    assert f"via 127.0.0.1:{starttls_smtp.port} (starttls)" in out.splitlines()[0]
    assert len(starttls_smtp.mailbox.received) == 2


def test_ssl_checks_the_server_s_certificate(
    ssl_smtp: Server, send: Send, certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _err = send("--team", "SMB")
    assert code == 1 and ssl_smtp.mailbox.received == []
    assert f"cannot connect to 127.0.0.1:{ssl_smtp.port} (ssl): " in out
    assert "CERTIFICATE_VERIFY_FAILED" in out
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    code, out, _err = send("--team", "SMB")
    assert code == 0, out
    assert len(ssl_smtp.mailbox.received) == 2


def test_an_unreachable_server_fails_every_recipient_after_one_try(
    smtp: Server, reports: Path, send: Send, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nothing listens there
    monkeypatch.setenv("SALESOPS_SMTP_PORT", str(port))
    code, out, _err = send()
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(lines) == 5 and f"cannot connect to 127.0.0.1:{port} (none)" in lines[0]
    assert all("not tried: cannot connect" in line for line in lines[1:])
    assert not (reports / QUARTER / "delivery.json").exists()
