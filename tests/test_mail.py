"""E-mail against a real SMTP server on the loopback interface (aiosmtpd, started by the test)."""

from __future__ import annotations

import email
import json
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.deliver.mail import EmailError, deliver

runner = CliRunner()
TITLE = "芙蓉区12345政务热线十二月份情况通报"


class Inbox:
    def __init__(self, refuse: str | None = None):
        self.messages: list[tuple[list[str], bytes]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and address == self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    servers = []

    def start(refuse=None):
        inbox = Inbox(refuse)
        controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
        controller.start()
        servers.append(controller)
        return inbox, f"127.0.0.1:{controller.port}"

    yield start
    for controller in servers:
        controller.stop()


@pytest.fixture(scope="module")
def rendered(report_2020_12):
    return report_2020_12.html.parent.parent


def test_message_received_over_loopback(rendered, smtp_server):
    inbox, server = smtp_server()
    result = runner.invoke(app, ["email", "2020-12", "--to", "leader@example.org", "--to", "office@example.org",
                                 "--smtp", server, "--out", str(rendered)])
    assert result.exit_code == 0, result.output
    (recipients, raw), = inbox.messages
    assert recipients == ["leader@example.org", "office@example.org"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == TITLE
    html_part = message.get_body(preferencelist=("html",))
    # SMTP carries text with CRLF line ends; apart from that the HTML part is the bulletin itself
    received = html_part.get_content().replace("\r\n", "\n").rstrip("\n")
    assert received == (rendered / "2020-12" / "bulletin.html").read_text(encoding="utf-8").rstrip("\n")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "签收工单 3717 件" in text and "排名第二" in text
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments == ["bulletin_2020-12.html"]
    sent = json.loads((rendered / "2020-12" / "sent.json").read_text(encoding="utf-8"))
    assert sent[-1]["to"] == ["leader@example.org", "office@example.org"]
    assert (rendered / "2020-12" / "bulletin.eml").read_bytes().startswith(b"Subject:")


def test_dry_run_only_writes_the_eml(rendered, smtp_server):
    inbox, server = smtp_server()
    delivery = deliver("2020-12", ["a@example.org"], server, dry_run=True, out_dir=rendered)
    assert not delivery.sent and inbox.messages == []
    parsed = email.message_from_bytes(delivery.eml.read_bytes(), policy=policy.default)
    assert parsed["Subject"] == TITLE


def test_refused_connection_is_one_clear_error_and_nothing_is_marked_sent(rendered, tmp_path):
    sent_log = rendered / "2020-12" / "sent.json"
    before = sent_log.read_text(encoding="utf-8") if sent_log.exists() else None
    port = _free_port()
    result = runner.invoke(app, ["email", "2020-12", "--to", "a@example.org", "--smtp", f"127.0.0.1:{port}", "--out", str(rendered)])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: could not connect to 127.0.0.1:{port}: connection refused"
    assert (sent_log.read_text(encoding="utf-8") if sent_log.exists() else None) == before


def test_rejected_recipient_is_one_clear_error(rendered, smtp_server):
    inbox, server = smtp_server(refuse="nobody@example.org")
    with pytest.raises(EmailError, match="refused the recipient nobody@example.org"):
        deliver("2020-12", ["nobody@example.org"], server, out_dir=rendered)
    assert inbox.messages == []


def test_password_never_comes_from_a_flag():
    result = runner.invoke(app, ["email", "--help"])
    assert "--password" not in result.stdout and "HOTLINE_SMTP_PASSWORD" in result.stdout


def test_month_not_rendered(tmp_path):
    result = runner.invoke(app, ["email", "2020-11", "--to", "a@example.org", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "run `hotline report 2020-11` first" in result.stderr
