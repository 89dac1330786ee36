"""E-mail delivery of a month's bulletin, made for mail clients, saved as .eml and optionally sent.

The body is a digest of the month built from its section records (sections.json): the headline
sentence, the city ranking, the units below the satisfaction threshold, the top categories, the
three charts, and a line naming the attachments. Mail clients are not browsers: Gmail clips an HTML
body over about 102 KB and ignores a large <style> block, Gmail and Outlook do not show data: images,
Outlook lays out HTML with Word's engine. So the digest is small (well under 100 KB), every style is
inline (css-inline), the layout is one table column at most 720 px wide, and the charts are parts
of the message referred to by cid:. The bulletin itself (HTML, and PDF and Word when rendered) goes
as attachments named by its title.

MIME structure (the one Apple Mail and Thunderbird write and every client reads; a text-only client
shows the plain text and no image parts)::

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain                 the digest as text
    │   └── multipart/related
    │       ├── text/html              the digest (cid: images)
    │       └── image/png ×3           Content-ID <…> (email.utils.make_msgid), inline
    ├── text/html                      attachment 芙蓉区12345政务热线2020年12月情况通报.html
    ├── application/pdf                attachment ….pdf (when requested or present)
    ├── application/vnd…document       attachment ….docx (when requested or present)
    └── application/vnd…sheet          attachment …扣分明细.xlsx (--attach-deductions)

Each attachment names its file twice, set explicitly: ``filename*=utf-8''…`` (RFC 2231, one
parameter, not split into continuations) on Content-Disposition, and ``name="=?utf-8?B?…?="`` (RFC
2047) on Content-Type, which Outlook and Chinese webmail read.

The SMTP password comes only from the environment (HOTLINE_SMTP_PASSWORD), never from a flag or a
file in the repository. Each sending is recorded in outputs/<month>/sent.json as pending before the
server is contacted and as sent once it accepted the message (deliver/sent_log.py): a month is never
mailed twice without --resend.
"""

from __future__ import annotations

import base64
import os
import re
import smtplib
import ssl
import struct
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, MIMEPart
from email.utils import formatdate, make_msgid, parseaddr
from functools import cache
from pathlib import Path
from urllib.parse import quote

from hotline_lib.core.config import TEMPLATES_DIR, outputs_dir
from hotline_lib.core.errors import HotlineError
from hotline_lib.core.filenames import safe_file_names
from hotline_lib.core.i18n import Message, names
from hotline_lib.core.text import SAMPLE_NOTICE
from hotline_lib.core.utils import atomic_path, exclusive

PASSWORD_VARIABLE = "HOTLINE_SMTP_PASSWORD"
USER_VARIABLE = "HOTLINE_SMTP_USER"
SENDER_VARIABLE = "HOTLINE_SMTP_FROM"

#: The formats a bulletin may be attached in: file in the month folder, MIME type.
FORMATS = {"html": ("bulletin.html", "text/html"),
           "pdf": ("bulletin.pdf", "application/pdf"),
           "docx": ("bulletin.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")}
DEDUCTIONS = ("扣分明细.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
#: Width of the body's one column and of the charts in it (column minus its padding), in CSS pixels.
COLUMN_WIDTH = 720
IMAGE_WIDTH = 680
#: What the digest's HTML part may weigh: Gmail clips a body over about 102 KB.
HTML_LIMIT = 100_000
# Headers we write ourselves (the attachments' file names) are kept as written, never refolded into
# RFC 2231 continuations, which some clients do not put together again.
MAIL_POLICY = policy.default.clone(refold_source="none")


class EmailError(HotlineError):
    """The message could not be built or the server did not take it."""


@dataclass
class Delivery:
    eml: Path
    subject: str
    recipients: list[str]
    sent: bool
    attachments: list[str] = field(default_factory=list)


@dataclass
class Attachment:
    """A file sent with the message, under the name the recipient sees."""

    path: Path
    filename: str
    content_type: str


@dataclass
class Digest:
    """The body: HTML (styles inline, charts as ``cid:``), plain text, and the charts by Content-ID."""

    html: str
    text: str
    images: dict[str, bytes]      # Content-ID with its angle brackets -> PNG


# ---- the attachments ---------------------------------------------------------------------------

def attachment_name(title: str, month: str, suffix: str, kind: str = "情况通报") -> str:
    """The file name a recipient sees: the bulletin's title with the month as 2020年12月 (a title
    says 十二月份, which sorts badly in a folder), ``kind`` in place of 情况通报.

    >>> attachment_name("芙蓉区12345政务热线十二月份情况通报", "2020-12", ".pdf")
    '芙蓉区12345政务热线2020年12月情况通报.pdf'
    """
    from hotline_lib.core.text import month_label

    dated = f"{int(month[:4])}年{int(month[5:])}月"
    label = month_label(month)
    stem = title.replace(label, dated, 1) if label in title else f"{title}{dated}"
    if kind != "情况通报":
        stem = stem.replace("情况通报", kind) if "情况通报" in stem else f"{stem}{kind}"
    return safe_file_names([stem], suffix, fallback="bulletin")[stem]


def parse_formats(attach: str | list[str] | None) -> list[str] | None:
    """``html,pdf,docx`` (or a list of them) as a list; None means every format present."""
    if attach is None:
        return None
    items = attach if isinstance(attach, list) else [attach]
    formats = [f.strip().lower() for item in items for f in item.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise EmailError("--attach takes {formats} separated by commas; got {got}", formats=names(FORMATS),
                         got=names(unknown) if unknown else Message("nothing"))
    return list(dict.fromkeys(formats))


def choose_attachments(month_dir: Path, title: str, formats: list[str] | None = None,
                       deductions: bool = False) -> list[Attachment]:
    """The files to attach: each format in ``formats`` (None: every format present in the month
    folder), then 扣分明细.xlsx with ``deductions``. A requested file that is missing is an error."""
    month = month_dir.name
    chosen = []
    for fmt in formats if formats is not None else list(FORMATS):
        filename, content_type = FORMATS[fmt]
        path = month_dir / filename
        if not path.exists():
            if formats is None:
                continue
            raise EmailError("{path}: the {format} format was asked for with --attach but is not in {folder}; "
                             "render it first, or leave {format} out of --attach", path=path, format=fmt, folder=month_dir)
        chosen.append(Attachment(path, attachment_name(title, month, path.suffix), content_type))
    if deductions:
        path = month_dir / DEDUCTIONS[0]
        earned = month_dir / ("得分" + DEDUCTIONS[0][2:])   # a scheme that earns points names it 得分明细
        path = earned if not path.exists() and earned.exists() else path
        if not path.exists():
            raise EmailError("{path}: no 扣分明细 workbook for --attach-deductions; run `hotline report {month}` again",
                             path=path, month=month)
        chosen.append(Attachment(path, attachment_name(title, month, ".xlsx", path.stem), DEDUCTIONS[1]))
    return chosen


def attachment_part(attachment: Attachment) -> MIMEPart:
    """One attachment: base64, named by both ``filename*`` (RFC 2231) and ``name`` (RFC 2047)."""
    maintype, subtype = attachment.content_type.split("/")
    part = MIMEPart(policy=MAIL_POLICY)
    part.set_content(attachment.path.read_bytes(), maintype=maintype, subtype=subtype)
    encoding = part["Content-Transfer-Encoding"]
    for header in ("Content-Type", "Content-Transfer-Encoding", "Content-Disposition"):
        del part[header]
    charset = '; charset="utf-8"' if maintype == "text" else ""
    part.set_raw("Content-Type", f'{attachment.content_type}{charset};\n name="{encoded_words(attachment.filename)}"')
    part.set_raw("Content-Disposition", f"attachment;\n filename*=utf-8''{quote(attachment.filename, safe='')}")
    part["Content-Transfer-Encoding"] = encoding
    return part


def encoded_words(text: str, limit: int = 75) -> str:
    """``text`` as RFC 2047 encoded words (utf-8, base64), each at most ``limit`` characters and
    never splitting a character, separated by spaces (which a decoder drops between encoded words)."""
    words, chunk = [], ""
    for char in text:
        candidate = chunk + char
        if len(_encoded_word(candidate)) > limit and chunk:
            words.append(_encoded_word(chunk))
            candidate = char
        chunk = candidate
    if chunk:
        words.append(_encoded_word(chunk))
    return " ".join(words)


def _encoded_word(text: str) -> str:
    return "=?utf-8?B?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


# ---- the digest --------------------------------------------------------------------------------

def digest_parts(sections) -> tuple[str, list[dict]]:
    """(headline sentence, parts) picked from the section records: the city ranking (sentence,
    table, chart), the units below the threshold (the units section's （二） table and its chart, or
    the sentence saying there is none),
    the top categories (the features section's first table and its chart); a section that is not
    there is left out."""
    by_key = {s.key: s for s in sections}
    overview = by_key.get("overview")
    headline = overview.paragraphs[0] if overview and overview.paragraphs else ""
    parts = []
    city = by_key.get("city_ranking")
    if city:
        items = [("paragraph", city.paragraphs[0])] if city.paragraphs else []
        items += _first(city.blocks, "table") + _first(city.blocks, "chart")
        parts.append({"heading": city.heading or "全市排名情况", "items": items})
    units = by_key.get("units")
    if units:
        blocks = _after_subheading(units.blocks, "（二）")
        heading = next((_unnumbered(b.text) for b in units.blocks if b.kind == "subheading" and b.text.startswith("（二）")),
                       units.heading)
        items = _first(blocks, "table") + _first(blocks, "chart")
        # no unit below the threshold: the sentence that says so ("本月各单位回访满意度均不低于97%。")
        sentence = next((b.text for b in blocks if b.kind == "paragraph"), None) if not items else None
        parts.append({"heading": heading, "items": items or ([("paragraph", sentence)] if sentence else [])})
    features = by_key.get("features")
    if features:
        heading = next((_unnumbered(b.text) for b in features.blocks if b.kind == "subheading"), features.heading)
        parts.append({"heading": heading, "items": _first(features.blocks, "table") + _first(features.blocks, "chart")})
    return headline, [p for p in parts if p["items"]]


def _first(blocks, kind: str) -> list[tuple[str, object]]:
    found = next((b for b in blocks if b.kind == kind), None)
    return [(kind, found)] if found else []


def _after_subheading(blocks, prefix: str):
    """The blocks after the sub-heading that starts with ``prefix`` (all blocks when there is none)."""
    for index, block in enumerate(blocks):
        if block.kind == "subheading" and block.text.startswith(prefix):
            return blocks[index + 1:]
    return blocks


def _unnumbered(text: str) -> str:
    return re.sub(r"^[（(][一二三四五六七八九十]+[)）]\s*", "", text)


def build_digest(sections, title: str, attachments: list[str], domain: str = "localhost", sample: bool = False) -> Digest:
    """The body of the month's e-mail from its section records (``read_sections``): HTML with every
    style inline and no <style> block, the charts as ``cid:`` images, and the same as plain text.
    ``sample``: the month was rendered from the generated sample, and both bodies say so under the title."""
    import css_inline

    from hotline_lib.render.section import is_number

    headline, parts = digest_parts(sections)
    images: dict[str, bytes] = {}
    for part in parts:
        for index, (kind, block) in enumerate(part["items"]):
            if kind == "chart":
                cid = make_msgid(idstring=f"chart{len(images) + 1}", domain=domain)
                images[cid] = block.png
                width, height = _png_size(block.png)
                shown = min(IMAGE_WIDTH, width)
                part["items"][index] = ("chart", {"cid": cid[1:-1], "width": shown, "height": round(height * shown / width),
                                                  "alt": block.alt or "图表"})
    note = "以上为本月通报摘要，完整通报（含各单位考核得分排行榜）见附件。"
    footer = "本邮件由 hotline-bulletin 根据12345政务热线工单数据生成。"
    notice = SAMPLE_NOTICE if sample else ""
    page = _template("digest.html.j2").render(
        title=title, sample_notice=notice, headline=headline, parts=parts, attachments=attachments,
        attachments_note=note, footer=footer, is_number=is_number, column_width=COLUMN_WIDTH, image_width=IMAGE_WIDTH)
    inlined = css_inline.inline(page, keep_style_tags=False, keep_link_tags=False, keep_at_rules=False,
                                load_remote_stylesheets=False)
    if re.search(r"<style\b", inlined, re.IGNORECASE):
        raise EmailError("the e-mail body still has a <style> block after inlining")
    size = len(inlined.encode("utf-8"))
    if size > HTML_LIMIT:
        raise EmailError("the e-mail body is {size} KB, more than the {limit} KB a mail client shows unclipped",
                         size=size // 1000, limit=HTML_LIMIT // 1000)
    return Digest(inlined, digest_text(title, headline, parts, attachments, note, notice), images)


def digest_text(title: str, headline: str, parts: list[dict], attachments: list[str], note: str,
                sample_notice: str = "") -> str:
    """The plain-text alternative: the same digest, tables as lines of cells."""
    lines = [title, *([sample_notice] if sample_notice else []), "", headline]
    for part in parts:
        lines += ["", f"【{part['heading']}】"]
        for kind, item in part["items"]:
            if kind == "paragraph":
                lines.append(item)
            elif kind == "table":
                lines += ["　".join(row) for row in ([item.columns] if item.columns else []) + item.rows]
            elif kind == "chart":
                lines.append(f"（图：{item['alt']}，见 HTML 版本）")
    lines += ["", "附件：" + "；".join(attachments) + "。", note]
    from hotline_lib.core.privacy import mask_personal

    return "\n".join(mask_personal(line) for line in lines).replace("\n\n\n", "\n\n") + "\n"


def _png_size(png: bytes) -> tuple[int, int]:
    if png[:8] != b"\x89PNG\r\n\x1a\n" or len(png) < 24:
        return IMAGE_WIDTH, IMAGE_WIDTH // 2
    return struct.unpack(">II", png[16:24])


def _finalize(value):
    import markupsafe

    from hotline_lib.core.privacy import mask_personal

    masked = mask_personal(value)
    return markupsafe.Markup(masked) if isinstance(value, markupsafe.Markup) else masked


@cache
def _template(name: str):
    import jinja2

    # like the bulletin's (core/text.py): every value printed is masked, then HTML-escaped
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR / "mail"), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                     finalize=_finalize)
    return environment.get_template(name)


# ---- the message -------------------------------------------------------------------------------

def build_message(month_dir: Path, recipients: list[str], sender: str, formats: list[str] | None = None,
                  deductions: bool = False) -> EmailMessage:
    """The message for one rendered month: the digest (from sections.json) as plain text and HTML
    with its charts, and the bulletin attached (``formats``: None for every format present).

    bulletin.html and sections.json must exist, and manifest.json, which a render writes last:
    without it the render was interrupted and the files may come from different runs."""
    from hotline_lib.render.manifest import made_from_sample
    from hotline_lib.render.section import read_sections

    html_path, sections_path = month_dir / "bulletin.html", month_dir / "sections.json"
    if not html_path.exists():
        raise EmailError("{folder}: no rendered bulletin; run `hotline report {month}` first", folder=month_dir,
                         month=month_dir.name)
    if not (month_dir / "manifest.json").exists():
        raise EmailError("{folder}: the last render did not finish (no manifest.json); run `hotline report {month}` "
                         "again", folder=month_dir, month=month_dir.name)
    if not sections_path.exists():
        raise EmailError("{path}: not found (rendered by an older version); run `hotline report {month}` again",
                         path=sections_path, month=month_dir.name)
    try:
        sections = read_sections(sections_path)
    except (ValueError, KeyError, TypeError) as exc:
        raise EmailError("{path}: not a section record file ({reason}); run `hotline report {month}` again",
                         path=sections_path, reason=str(exc), month=month_dir.name) from None
    title = _title(html_path.read_text(encoding="utf-8")) or f"{month_dir.name} 情况通报"
    attachments = choose_attachments(month_dir, title, formats, deductions)
    address = parseaddr(sender)[1]   # the sender may carry a name: "办公室 <office@example.org>"
    domain = address.rsplit("@", 1)[-1] if "@" in address else "localhost"
    digest = build_digest(sections, title, [a.filename for a in attachments], domain,
                          sample=made_from_sample(month_dir) is True)

    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = title
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    html_part = message.get_payload()[1]
    for cid, png in digest.images.items():
        html_part.add_related(png, maintype="image", subtype="png", cid=cid, disposition="inline")
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]    # once, at the top
    message.make_mixed()
    for attachment in attachments:
        message.attach(attachment_part(attachment))
    return message


def _title(page: str) -> str | None:
    found = re.search(r"<title>(.*?)</title>", page)
    return found.group(1) if found else None


def parse_server(server: str) -> tuple[str, int]:
    """HOST:PORT (port 587 when left out)."""
    host, _, port = server.rpartition(":") if ":" in server else (server, "", "587")
    if not host or not port.isdigit():
        raise EmailError("--smtp must look like smtp.example.org:587; got {server!r}", server=server)
    return host, int(port)


class NotSent(EmailError):
    """The server certainly did not take the message (no connection, login or recipient refused)."""


def send(message: EmailMessage, server: str, starttls: bool = True, timeout: float = 30) -> list[str]:
    """Hand the message to an SMTP server: STARTTLS when offered (required with ``starttls``), login
    when HOTLINE_SMTP_USER is set (password from HOTLINE_SMTP_PASSWORD). Returns the recipients the
    server refused while taking the message for the others. A failure before the message was handed
    over (or that the server answered with a refusal) is NotSent; one while it was being handed over
    (the connection broke, a timeout) is an EmailError: the message may have arrived."""
    host, port = parse_server(server)
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    if user and not password:
        raise NotSent("{user} is set but {password} is not", user=USER_VARIABLE, password=PASSWORD_VARIABLE)
    handing_over = False
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            elif starttls and user:
                raise NotSent("{host}:{port} does not offer STARTTLS; refusing to send a password in clear text",
                              host=host, port=port)
            if user:
                smtp.login(user, password)
            handing_over = True
            refused = smtp.send_message(message)
            return sorted(refused)
    except EmailError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        who = ", ".join(f"{r} ({code} {text.decode(errors='replace') if isinstance(text, bytes) else text})"
                        for r, (code, text) in exc.recipients.items())
        raise NotSent("{host}:{port} refused the recipient {who}", host=host, port=port, who=who) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise NotSent("{host}:{port} refused the login ({code})", host=host, port=port, code=exc.smtp_code) from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:   # the server answered: not taken
        raise NotSent("{host}:{port}: {reason}", host=host, port=port, reason=str(exc)) from None
    except (smtplib.SMTPException, OSError) as exc:
        reason = (exc.strerror if isinstance(exc, OSError) else None) or str(exc) or type(exc).__name__
        if handing_over:
            raise EmailError("{host}:{port}: the connection broke while the message was handed over ({reason}): it may "
                             "have arrived; check the mailbox, then --resend sends it again", host=host, port=port,
                             reason=reason) from None
        if isinstance(exc, ConnectionRefusedError):
            raise NotSent("could not connect to {host}:{port}: connection refused", host=host, port=port) from None
        if isinstance(exc, smtplib.SMTPException):
            raise NotSent("{host}:{port}: {reason}", host=host, port=port, reason=reason) from None
        raise NotSent("could not connect to {host}:{port}: {reason}", host=host, port=port, reason=reason) from None


def refuse_personal_data(eml: Path, raw: bytes) -> None:
    """Nothing is written or e-mailed while the message (subject, body, any attachment: HTML, PDF,
    Word, Excel) holds an unmasked phone, ID or bank card number: the same scan as ``hotline
    check-privacy``, which reads every part and attachment as text, and the charts (inline and in the
    attached bulletin) through the strings drawn on them (sections.json)."""
    from hotline_lib.core.privacy import scan_chart_texts, scan_file

    findings = scan_file(eml, raw) + scan_chart_texts(eml.parent / "sections.json")
    if findings:
        first = findings[0]
        more = Message(" (and {count} more)", count=len(findings) - 1) if len(findings) > 1 else ""
        where = Message(" in the {part}", part=first.where) if first.where and first.where != "headers" else ""
        raise EmailError("the e-mail of {month} holds an unmasked {kind} ({masked}){where}{more}: not e-mailed; check "
                         "{page} and {figures}, mask it in the data and render again", month=eml.parent.name,
                         kind=Message(first.kind), masked=first.masked, where=where, more=more,
                         page=eml.parent / "bulletin.html", figures=eml.parent / "figures.json")


def refuse_sample(month_dir: Path, sample_ok: bool = False) -> None:
    """A bulletin of the generated sample is not sent unless ``sample_ok`` (--sample-ok): its figures
    are made up, and a recipient must never take it for the district's. Its manifest.json decides; one
    that does not say (an older render) is not sent either, until the month is rendered again."""
    from hotline_lib.render.manifest import made_from_sample

    sample = made_from_sample(month_dir)
    if sample is None:
        raise EmailError("{path} does not say whether the bulletin was made from the sample data (an older render): "
                         "not sent; run `hotline report {month}` again", path=month_dir / "manifest.json",
                         month=month_dir.name)
    if sample and not sample_ok:
        raise EmailError("{month}: this bulletin was made from the sample data (样例数据, made up): not sent; "
                         "--sample-ok sends it anyway", month=month_dir.name)


def deliver(month: str, recipients: list[str], server: str | None = None, dry_run: bool = False,
            sender: str | None = None, out_dir=None, starttls: bool = True,
            attach: str | list[str] | None = None, deductions: bool = False, sample_ok: bool = False,
            resend: bool = False) -> Delivery:
    """Build the month's message, save it as bulletin.eml, and send it unless ``dry_run`` or no server.

    ``recipients``: each item may list several addresses, separated by commas (deliver/addresses.py);
    ``attach``: the bulletin's formats to attach (``"html,pdf,docx"`` or a list; None: every format
    present in the month folder); ``deductions``: attach 扣分明细.xlsx too; ``sample_ok``: send a
    bulletin of the sample data too (``refuse_sample``; bulletin.eml is written either way);
    ``resend``: send a month that sent.json says was sent, or may have been (deliver/sent_log.py)."""
    from hotline_lib.core.months import check_month
    from hotline_lib.deliver.addresses import parse_addresses, parse_sender

    check_month(month)
    if not recipients:
        raise EmailError("give at least one recipient with --to")
    recipients = parse_addresses("--to", recipients)
    month_dir = Path(out_dir or outputs_dir()) / month
    from hotline_lib.render.publish import recover

    recover(month_dir)   # a render killed while committing: finished (or undone) before the month is read
    sender = parse_sender(sender or os.environ.get(SENDER_VARIABLE) or "hotline-bulletin@localhost")
    sending = bool(server and not dry_run)
    log = month_dir / "sent.json"
    if sending:   # before any work: a month whose sendings cannot be read is not sent
        _check_sendable(log, resend)
    message = build_message(month_dir, recipients, sender, parse_formats(attach), deductions)
    eml = month_dir / "bulletin.eml"
    raw = message.as_bytes()
    refuse_personal_data(eml, raw)
    lock = Message("the outputs of {month} in {folder}", month=month, folder=month_dir)
    with exclusive(month_dir / ".lock", lock):
        with atomic_path(eml) as tmp:
            tmp.write_bytes(raw)
        if sending:
            refuse_sample(month_dir, sample_ok)
            _send_once(message, server, starttls, log, resend, recipients)
    attached = [part.get_filename() for part in message.iter_attachments()]
    return Delivery(eml, message["Subject"], recipients, sending, attached)


def _check_sendable(log: Path, resend: bool) -> list[dict]:
    """The month's sendings (sent.json), read; without ``resend`` none may be pending or sent."""
    from hotline_lib.deliver.sent_log import check_not_sent, read_sent_log

    records = read_sent_log(log)
    if not resend:
        check_not_sent(log, records)
    return records


def _send_once(message: EmailMessage, server: str, starttls: bool, log: Path, resend: bool,
               recipients: list[str]) -> None:
    """Send, recorded in sent.json as pending before the first word to the server and as sent after;
    a sending that certainly failed is taken back out, one that may have arrived stays pending."""
    from hotline_lib.deliver.sent_log import drop_pending, record_pending, record_sent

    records = _check_sendable(log, resend)   # again, holding the lock: another run may have sent meanwhile
    records = record_pending(log, records, recipients, server, message["Message-ID"])
    try:
        refused = send(message, server, starttls=starttls)
    except NotSent:
        drop_pending(log, records)
        raise
    record_sent(log, records, refused)
    if refused:
        raise EmailError("sent, but {server} refused {recipients}", server=server, recipients=names(refused))
