"""The month's e-mail: a digest made for mail clients (inline styles, cid: charts, under 100 KB),
the bulletin attached under its title, the privacy scan of every attachment, and delivery against
a real SMTP server on the loopback interface (aiosmtpd, started by the test)."""

from __future__ import annotations

import base64
import email
import json
import re
import shutil
import socket
from email import policy
from email.header import decode_header, make_header
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.text import SAMPLE_NOTICE
from hotline_lib.deliver.mail import EmailError, deliver

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

runner = CliRunner()
TITLE = "芙蓉区12345政务热线十二月份情况通报"
STEM = "芙蓉区12345政务热线2020年12月情况通报"
HEADLINE = "2020年12月，全区共签收工单3717件，办结工单3514件(含上月流转工单），回访工单3327件。"


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
def rendered(report_2020_12, tmp_path_factory):
    """A copy of the rendered month with the page only (tests that need the PDF or Word file plant
    their own); a copy, so that sent.json and .eml files stay out of the shared render."""
    out = tmp_path_factory.mktemp("mail-out")
    shutil.copytree(report_2020_12.html.parent, out / "2020-12", ignore=shutil.ignore_patterns("bulletin.pdf", "bulletin.docx"))
    return out


def test_message_received_over_loopback(rendered, smtp_server):
    inbox, server = smtp_server()
    result = runner.invoke(app, ["email", "2020-12", "--to", "leader@example.org", "--to", "office@example.org",
                                 "--smtp", server, "--out", str(rendered), "--sample-ok"])   # the sample's month
    assert result.exit_code == 0, result.output
    (recipients, raw), = inbox.messages
    assert recipients == ["leader@example.org", "office@example.org"]
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == TITLE
    html_part = message.get_body(preferencelist=("html",))
    assert HEADLINE in html_part.get_content() and html_part.get_content_type() == "text/html"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "签收工单3717件" in text and "排名第二" in text
    # the bulletin travels whole as an attachment: SMTP carries it unchanged (base64)
    attachment, = message.iter_attachments()
    assert attachment.get_filename() == f"{STEM}.html"
    assert attachment.get_content().encode("utf-8") == (rendered / "2020-12" / "bulletin.html").read_bytes()
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
    month = _month_copy(rendered, tmp_path)
    port = _free_port()
    result = runner.invoke(app, ["email", "2020-12", "--to", "a@example.org", "--smtp", f"127.0.0.1:{port}",
                                 "--out", str(month.parent), "--sample-ok"])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: could not connect to 127.0.0.1:{port}: connection refused"
    assert not (month / "sent.json").exists()   # the pending record is taken back: certainly not sent


def test_rejected_recipient_is_one_clear_error(rendered, smtp_server, tmp_path):
    month = _month_copy(rendered, tmp_path)
    inbox, server = smtp_server(refuse="nobody@example.org")
    with pytest.raises(EmailError, match="refused the recipient nobody@example.org"):
        deliver("2020-12", ["nobody@example.org"], server, out_dir=month.parent, sample_ok=True)
    assert inbox.messages == [] and not (month / "sent.json").exists()   # certainly not sent: no record


def test_password_never_comes_from_a_flag():
    result = runner.invoke(app, ["email", "--help"])
    assert "--password" not in result.stdout and "HOTLINE_SMTP_PASSWORD" in result.stdout


def test_month_not_rendered(tmp_path):
    result = runner.invoke(app, ["email", "2020-11", "--to", "a@example.org", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "run `hotline report 2020-11` first" in result.stderr



# ---- the body, made for mail clients -------------------------------------------------------------

@pytest.fixture(scope="module")
def eml(rendered):
    delivery = deliver("2020-12", ["office@example.org"], dry_run=True, out_dir=rendered)
    return delivery.eml.read_bytes()


def _tree(part, depth=0) -> list[str]:
    lines = ["  " * depth + part.get_content_type()]
    if part.is_multipart():
        for child in part.iter_parts():
            lines += _tree(child, depth + 1)
    return lines


class _Elements(HTMLParser):
    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def test_mime_structure(eml):
    message = email.message_from_bytes(eml, policy=policy.default)
    assert _tree(message) == ["multipart/mixed", "  multipart/alternative", "    text/plain", "    multipart/related",
                              "      text/html", "      image/png", "      image/png", "      image/png", "  text/html"]
    related = message.get_payload()[0].get_payload()[1]
    assert related.get_content_type() == "multipart/related" and related.get_param("type") in (None, "text/html")
    assert related.get_payload()[0].get_content_type() == "text/html"   # the root part comes first


def test_html_part_is_small_inline_styled_and_self_contained(eml, rendered):
    message = email.message_from_bytes(eml, policy=policy.default)
    html_part = message.get_body(preferencelist=("html",))
    page = html_part.get_content()
    assert len(page.encode("utf-8")) < 100_000
    elements = _Elements(page).elements
    tags = {tag for tag, _ in elements}
    assert "style" not in tags and "link" not in tags and "script" not in tags and "<style" not in page.lower()
    sources = [attrs.get("src", "") for _, attrs in elements if "src" in attrs]
    assert len(sources) == 3 and not [s for s in sources if not s.startswith("cid:")]
    assert "data:" not in "".join(sources)
    # every cid: has its part in the related container, and every image part is used
    ids = {part["Content-ID"].strip("<>"): part for part in message.walk() if part["Content-ID"]}
    assert {s[4:] for s in sources} == set(ids)
    charts = [p.get_content() for p in ids.values()]
    assert all(c.startswith(b"\x89PNG") for c in charts)
    # the same PNGs as the section records
    from hotline_lib.render.section import read_sections

    recorded = [b.png for s in read_sections(rendered / "2020-12" / "sections.json") for b in s.charts if s.key != "appendix"]
    assert charts == recorded
    # their displayed size is set by attributes (Outlook), the column is a table at most 720 px wide
    images = [attrs for tag, attrs in elements if tag == "img"]
    assert all(attrs["width"] == "680" and int(attrs["height"]) > 100 for attrs in images)
    widths = [int(attrs["width"]) for tag, attrs in elements if tag == "table" and attrs.get("width", "").isdigit()]
    assert widths == [720]
    styled = [attrs["style"] for tag, attrs in elements if tag in {"p", "td", "th", "h1", "h2"}]
    assert styled and all("'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', sans-serif" in style for style in styled)
    assert "@font-face" not in page and "class=\"num\"" in page
    # the digest: the headline, the city ranking, the units under the threshold, the top categories
    text = re.sub(r"<[^>]+>", "", page)
    for expected in (HEADLINE, "12月份，我区12345政务热线工作满意度在内五区排名第二", "满意度低于97%的单位", "马坡岭街道办事处",
                     "89.74%", "群众反映突出的前几类问题", "消费维权", "1143", f"附件：{STEM}.html"):
        assert expected in text, expected
    assert "文艺路街道办事处" not in text   # the appendix stays in the attachment


@pytest.mark.slow
def test_digest_in_chromium(eml, browser, tmp_path):
    """What a mail client shows: the digest with its cid: images resolved (here as data: URIs)."""
    message = email.message_from_bytes(eml, policy=policy.default)
    page_html = message.get_body(preferencelist=("html",)).get_content()
    for part in message.walk():
        if part["Content-ID"]:
            uri = "data:image/png;base64," + base64.b64encode(part.get_content()).decode("ascii")
            page_html = page_html.replace(f"cid:{part['Content-ID'].strip('<>')}", uri)
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(page_html, wait_until="load")
    assert [url for url in requests if not url.startswith(("data:", "about:"))] == []
    text = page.inner_text("body")
    assert HEADLINE in text and "排名第二" in text
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.getBoundingClientRect().width])")
    assert len(images) == 3 and all(done and natural > 100 and 600 < shown <= 680 for done, natural, shown in images)
    column = page.evaluate("document.querySelector('table[width=\"720\"]').getBoundingClientRect().width")
    assert column == 720   # one column of 720 px on a wide screen
    widest = page.evaluate("Math.max(...[...document.querySelectorAll('table[width=\"720\"] *')].map(e => e.getBoundingClientRect().width))")
    assert widest <= 720
    page.screenshot(path=str(tmp_path / "digest.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 800})   # a phone: the column shrinks, nothing overflows
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
    page.close()


# ---- the sample's bulletin says so, and is not sent without --sample-ok ---------------------------

def _bodies(raw: bytes) -> tuple[str, str]:
    """(plain text, HTML as text) of a message's digest."""
    message = email.message_from_bytes(raw, policy=policy.default)
    page = message.get_body(preferencelist=("html",)).get_content()
    return message.get_body(preferencelist=("plain",)).get_content(), re.sub(r"<[^>]+>", "", page)


def _record_sample(month: Path, value) -> None:
    """manifest.json of a copied month saying ``value`` under "sample" (None: an older render, no such key)."""
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    manifest.pop("sample")
    if value is not None:
        manifest["sample"] = value
    (month / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")


def test_the_dry_run_of_the_sample_says_so_under_the_title(eml):
    text, page = _bodies(eml)
    assert text.splitlines()[:2] == [TITLE, SAMPLE_NOTICE]
    assert page.index(TITLE) < page.index(SAMPLE_NOTICE) < page.index(HEADLINE)


def test_the_sample_is_sent_only_with_sample_ok(rendered, smtp_server, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_LANG", "zh_CN")   # the message as the office reads it
    month = _month_copy(rendered, tmp_path)
    inbox, server = smtp_server()
    command = ["email", "2020-12", "--to", "a@example.org", "--smtp", server, "--out", str(month.parent)]
    result = runner.invoke(app, command)
    assert result.exit_code == 1 and inbox.messages == [] and not (month / "sent.json").exists()
    assert result.stderr == "错误：2020-12：本通报由样例数据（虚构）生成，不发送；确要发送请加 --sample-ok\n"
    result = runner.invoke(app, command + ["--sample-ok"])
    assert result.exit_code == 0, result.output
    (_, raw), = inbox.messages
    assert SAMPLE_NOTICE in _bodies(raw)[0] and SAMPLE_NOTICE in _bodies(raw)[1]
    assert json.loads((month / "sent.json").read_text(encoding="utf-8"))[-1]["to"] == ["a@example.org"]


def test_a_month_not_of_the_sample_is_sent_and_unmarked(rendered, smtp_server, tmp_path):
    month = _month_copy(rendered, tmp_path)
    _record_sample(month, False)   # what a render of a district's own exports records
    inbox, server = smtp_server()
    result = runner.invoke(app, ["email", "2020-12", "--to", "a@example.org", "--smtp", server, "--out", str(month.parent)])
    assert result.exit_code == 0, result.output
    (_, raw), = inbox.messages
    text, page = _bodies(raw)
    assert HEADLINE in text and HEADLINE in page
    assert "样例数据" not in text and "样例数据" not in page


def test_an_older_render_that_does_not_say_is_not_sent(rendered, smtp_server, tmp_path):
    month = _month_copy(rendered, tmp_path)
    _record_sample(month, None)
    inbox, server = smtp_server()
    command = ["email", "2020-12", "--to", "a@example.org", "--out", str(month.parent)]
    result = runner.invoke(app, [*command, "--smtp", server])
    assert result.exit_code == 1 and inbox.messages == []
    assert "does not say whether the bulletin was made from the sample data" in result.stderr
    assert "run `hotline report 2020-12` again" in result.stderr
    assert runner.invoke(app, [*command, "--dry-run"]).exit_code == 0   # writing bulletin.eml is fine


# ---- attachments ---------------------------------------------------------------------------------

def _month_copy(rendered, tmp_path, pdf=False, docx=False):
    from test_privacy import docx_with_text, pdf_with_text

    month = tmp_path / "out" / "2020-12"
    shutil.copytree(rendered / "2020-12", month, ignore=shutil.ignore_patterns("*.eml", "sent.json", "notebooks",
                                                                          "bulletin.pdf", "bulletin.docx"))
    if pdf:
        (month / "bulletin.pdf").write_bytes(pdf_with_text("bulletin 2020-12"))
    if docx:
        (month / "bulletin.docx").write_bytes(docx_with_text([TITLE], [HEADLINE]))
    return month


def _attachments(path) -> list[tuple[str, str]]:
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    return [(part.get_filename(), part.get_content_type()) for part in message.iter_attachments()]


def test_attachment_names_are_the_title_for_every_client(eml):
    raw = eml.decode("ascii")   # an e-mail is 7-bit: every name is encoded
    expected = f"{STEM}.html"
    disposition = re.search(r"^Content-Disposition: attachment;\n filename\*=utf-8''(\S+)$", raw, re.M)
    content_type = re.search(r'^Content-Type: text/html; charset="utf-8";\n name="([^"]+)"$', raw, re.M)
    assert disposition and content_type
    assert unquote(disposition[1]) == expected                                   # RFC 2231
    assert content_type[1].startswith("=?utf-8?B?")
    assert str(make_header(decode_header(content_type[1]))) == expected            # RFC 2047
    assert all(len(word) <= 75 for word in content_type[1].split())
    message = email.message_from_bytes(eml, policy=policy.default)
    attachment, = message.iter_attachments()
    assert attachment.get_filename() == expected and attachment.get_param("name") == expected
    assert "十二月份" not in expected


def test_attach_formats(rendered, tmp_path):
    month = _month_copy(rendered, tmp_path, pdf=True, docx=True)
    out = str(month.parent)
    docx_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    def run(*options):
        result = runner.invoke(app, ["email", "2020-12", "--to", "a@example.org", "--dry-run", "--out", out, *options])
        assert result.exit_code == 0, result.output
        return _attachments(month / "bulletin.eml")

    assert run() == [(f"{STEM}.html", "text/html"), (f"{STEM}.pdf", "application/pdf"), (f"{STEM}.docx", docx_type)]
    assert run("--attach", "pdf") == [(f"{STEM}.pdf", "application/pdf")]
    assert run("--attach", "docx,html") == [(f"{STEM}.docx", docx_type), (f"{STEM}.html", "text/html")]
    with_deductions = run("--attach", "pdf", "--attach-deductions")
    assert with_deductions == [(f"{STEM}.pdf", "application/pdf"),
                               ("芙蓉区12345政务热线2020年12月扣分明细.xlsx",
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    raw = (month / "bulletin.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=policy.default)
    workbook = list(message.iter_attachments())[1].get_content()
    assert workbook == (month / "扣分明细.xlsx").read_bytes()
    # the line naming the attachments follows them
    assert f"附件：{STEM}.pdf；芙蓉区12345政务热线2020年12月扣分明细.xlsx。" in message.get_body(("plain",)).get_content()


def test_a_missing_or_unknown_format_is_one_error_line(rendered, tmp_path):
    month = _month_copy(rendered, tmp_path, pdf=True)
    out = str(month.parent)
    result = runner.invoke(app, ["email", "2020-12", "--to", "a@example.org", "--dry-run", "--out", out, "--attach", "html,docx"])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "bulletin.docx" in result.stderr and "docx format" in result.stderr
    assert not (month / "bulletin.eml").exists()
    result = runner.invoke(app, ["email", "2020-12", "--to", "a@example.org", "--dry-run", "--out", out, "--attach", "odt"])
    assert result.exit_code == 1 and "--attach takes html, pdf, docx" in result.stderr and "odt" in result.stderr


# ---- privacy: every attachment is read -----------------------------------------------------------

def _plant(month, kind: str) -> tuple[list[str], str]:
    """An unmasked phone planted in a copy of the month's document of ``kind``: (options, attachment)."""
    from test_privacy import docx_with_text, pdf_with_text

    if kind == "pdf":
        (month / "bulletin.pdf").write_bytes(pdf_with_text("bulletin 2020-12", "Tel 13812345678"))
        return ["--attach", "html,pdf"], f"{STEM}.pdf, page 1"
    if kind == "docx":
        (month / "bulletin.docx").write_bytes(docx_with_text([TITLE], ["市民来电，联系电话138", "1234", "5678。"]))
        return ["--attach", "html,docx"], f"{STEM}.docx, word/document.xml"
    import openpyxl

    workbook = openpyxl.load_workbook(month / "扣分明细.xlsx")
    workbook["明细"].append(["回电13812345678"])
    workbook.save(month / "扣分明细.xlsx")
    return ["--attach", "html", "--attach-deductions"], "芙蓉区12345政务热线2020年12月扣分明细.xlsx, xl/"


@pytest.mark.parametrize("kind", ["pdf", "docx", "xlsx"])
def test_email_refuses_and_check_privacy_finds_a_number_in_each_attachment_type(rendered, tmp_path, kind):
    month = _month_copy(rendered, tmp_path)
    options, where = _plant(month, kind)
    result = runner.invoke(app, ["email", "2020-12", "--to", "a@example.org", "--smtp", "127.0.0.1:9",
                                 "--out", str(month.parent), *options])
    assert result.exit_code == 1
    assert f"holds an unmasked mobile phone (138****5678) in the attachment {where}" in result.stderr
    assert "not e-mailed" in result.stderr and "13812345678" not in result.output
    assert not (month / "bulletin.eml").exists() and not (month / "sent.json").exists()
    result = runner.invoke(app, ["check-privacy", str(month)])
    assert result.exit_code == 1 and "unmasked mobile phone (138****5678)" in result.output
    found = [line for line in result.output.splitlines() if "138****5678" in line]
    assert len(found) == 1 and Path(found[0].split(",")[0]).suffix == f".{kind}"
    assert "13812345678" not in result.output


# ---- never sent twice: sent.json, pending before the server is contacted ------------------------

class CutOff(Inbox):
    """A server that takes the message and drops the connection before it answers."""

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        server.transport.close()
        return "250 Message accepted"


def _email(month: Path, server: str, *options: str):
    return runner.invoke(app, ["email", "2020-12", "--to", "a@example.org", "--smtp", server, "--out", str(month.parent),
                               "--sample-ok", *options])


def _records(month: Path) -> list[dict]:
    return json.loads((month / "sent.json").read_text(encoding="utf-8"))


def test_a_corrupt_sent_json_stops_before_any_mail(rendered, smtp_server, tmp_path):
    month = _month_copy(rendered, tmp_path)
    corrupt = '[{"status": "sent", "sent_at": "2021-01-05T02:00:00+00:00", "to": ["a@exa'   # cut off mid-write
    (month / "sent.json").write_text(corrupt, encoding="utf-8")
    inbox, server = smtp_server()
    result = _email(month, server)
    assert result.exit_code == 1 and inbox.messages == []
    assert result.stderr.startswith(f"Error: {month / 'sent.json'} cannot be read (JSONDecodeError: ")
    assert "whether 2020-12 was e-mailed is unknown, so nothing is sent" in result.stderr
    assert "repair the file or move it away" in result.stderr and len(result.stderr.splitlines()) == 1
    assert (month / "sent.json").read_text(encoding="utf-8") == corrupt
    (month / "sent.json").write_text('{"sent_at": "2021-01-05"}', encoding="utf-8")   # JSON, but not a list
    result = _email(month, server)
    assert result.exit_code == 1 and inbox.messages == [] and "is not a list of sendings" in result.stderr


def test_a_sent_month_is_mailed_again_only_with_resend(rendered, smtp_server, tmp_path):
    month = _month_copy(rendered, tmp_path)
    inbox, server = smtp_server()
    assert _email(month, server).exit_code == 0
    (record,) = _records(month)
    received = email.message_from_bytes(inbox.messages[0][1], policy=policy.default)
    assert record["status"] == "sent" and record["message_id"] == received["Message-ID"]
    result = _email(month, server)
    assert result.exit_code == 1 and len(inbox.messages) == 1
    assert f"2020-12 was e-mailed on {record['sent_at']} to a@example.org" in result.stderr
    assert "not sent again; --resend sends it again" in result.stderr
    result = _email(month, server, "--resend")
    assert result.exit_code == 0, result.output
    assert len(inbox.messages) == 2 and [r["status"] for r in _records(month)] == ["sent", "sent"]
    assert runner.invoke(app, ["email", "2020-12", "--to", "a@example.org", "--dry-run", "--out",
                               str(month.parent)]).exit_code == 0   # writing bulletin.eml is fine


def test_a_sending_cut_off_stays_pending_and_is_not_repeated(rendered, tmp_path):
    month = _month_copy(rendered, tmp_path)
    inbox = CutOff()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        server = f"127.0.0.1:{controller.port}"
        result = _email(month, server)
        assert result.exit_code == 1 and len(inbox.messages) == 1
        assert "the connection broke while the message was handed over" in result.stderr
        assert "it may have arrived; check the mailbox, then --resend sends it again" in result.stderr
        (record,) = _records(month)
        received = email.message_from_bytes(inbox.messages[0][1], policy=policy.default)
        assert record["status"] == "pending" and record["message_id"] == received["Message-ID"]
        result = _email(month, server)   # the retry a user makes: refused, nothing sent twice
        assert result.exit_code == 1 and len(inbox.messages) == 1
        assert f"2020-12 may have been e-mailed already: the sending of {record['sent_at']}" in result.stderr
        assert record["message_id"] in result.stderr
    finally:
        controller.stop()
    # a pending month is protected like a sent one: a render leaves it alone without --force
    from hotline_lib.render.publish import is_sent

    assert is_sent(month)


# ---- addresses: lists parsed as lists, no header injection ----------------------------------------

def test_a_comma_separated_to_is_two_recipients(rendered, smtp_server, tmp_path):
    month = _month_copy(rendered, tmp_path)
    inbox, server = smtp_server()
    result = runner.invoke(app, ["email", "2020-12", "--to", "a@example.org, evil@example.com", "--smtp", server,
                                 "--out", str(month.parent), "--sample-ok"])
    assert result.exit_code == 0, result.output
    (recipients, raw), = inbox.messages
    assert recipients == ["a@example.org", "evil@example.com"]
    assert email.message_from_bytes(raw, policy=policy.default)["To"] == "a@example.org, evil@example.com"
    assert _records(month)[-1]["to"] == ["a@example.org", "evil@example.com"]


@pytest.mark.parametrize("options, message", [
    (["--to", "a@example.org\r\nBcc: evil@example.com"],
     "Error: --to 'a@example.org\\r\\nBcc: evil@example.com' holds a line break: an address is one line"),
    (["--to", "a@example.org", "--from", "office@example.org\nBcc: evil@example.com"],
     "Error: --from 'office@example.org\\nBcc: evil@example.com' holds a line break: an address is one line"),
    (["--to", "a@example.org, evil"], "Error: not an e-mail address in --to: 'evil'"),
    (["--to", "a@example.org", "--from", "a@example.org, b@example.org"],
     "Error: --from takes one address; got 2: 'a@example.org, b@example.org'"),
])
def test_a_bad_address_is_one_line_and_nothing_is_written(rendered, smtp_server, tmp_path, options, message):
    month = _month_copy(rendered, tmp_path)
    inbox, server = smtp_server()
    result = runner.invoke(app, ["email", "2020-12", *options, "--smtp", server, "--out", str(month.parent), "--sample-ok"])
    assert result.exit_code == 1 and result.stderr == message + "\n"
    assert inbox.messages == [] and not (month / "bulletin.eml").exists() and not (month / "sent.json").exists()


def test_a_sender_with_a_name_keeps_the_message_id_well_formed(rendered):
    delivery = deliver("2020-12", ["a@example.org"], dry_run=True, out_dir=rendered, sender="热线办 <office@example.org>")
    message = email.message_from_bytes(delivery.eml.read_bytes(), policy=policy.default)
    assert message["From"].addresses[0].addr_spec == "office@example.org"
    assert message["From"].addresses[0].display_name == "热线办"
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", message["Message-ID"])
