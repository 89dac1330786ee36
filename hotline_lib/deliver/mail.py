"""E-mail delivery of a month's bulletin: one MIME message (a short text body with the headline
figures, the bulletin inline as the HTML part and attached), saved as .eml and optionally sent.

The SMTP password comes only from the environment (HOTLINE_SMTP_PASSWORD), never from a flag or a
file in the repository. A month is recorded as sent (outputs/<month>/sent.json) only after the
server accepted the message for every recipient.
"""

from __future__ import annotations

import json
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from hotline_lib.core.config import outputs_dir
from hotline_lib.core.errors import HotlineError
from hotline_lib.core.utils import atomic_path, exclusive, write_text_atomic

PASSWORD_VARIABLE = "HOTLINE_SMTP_PASSWORD"
USER_VARIABLE = "HOTLINE_SMTP_USER"
SENDER_VARIABLE = "HOTLINE_SMTP_FROM"


class EmailError(HotlineError):
    """The message could not be built or the server did not take it."""


@dataclass
class Delivery:
    eml: Path
    subject: str
    recipients: list[str]
    sent: bool


def headline_text(figures: dict, title: str) -> str:
    """The plain-text body: the title and the month's headline figures."""
    o = figures["overview"]
    lines = [title, "", f"签收工单 {o['orders_signed']} 件，办结工单 {o['orders_completed_incl_carried_over']} 件（含上月流转），"
             f"回访工单 {o['orders_visited']} 件。"]
    city = figures.get("city_ranking")
    if city:
        lines.append(city["sentence"])
    low = figures.get("low_satisfaction_units", {}).get("rows", [])
    if low:
        lines.append(f"满意度低于{figures['low_satisfaction_units']['threshold']}的单位：" + "、".join(r["unit"] for r in low) + "。")
    lines += ["", f"完整通报见本邮件正文（HTML）及附件 bulletin_{figures['month']}.html。"]
    return "\n".join(lines) + "\n"


def build_message(month_dir: Path, recipients: list[str], sender: str) -> EmailMessage:
    """The message for one rendered month (bulletin.html and figures.json must exist, and
    manifest.json, which a render writes last: without it the render was interrupted and the two
    files may come from different runs)."""
    html_path, figures_path = month_dir / "bulletin.html", month_dir / "figures.json"
    if not html_path.exists() or not figures_path.exists():
        raise EmailError(f"{month_dir}: no rendered bulletin; run `hotline report {month_dir.name}` first")
    if not (month_dir / "manifest.json").exists():
        raise EmailError(f"{month_dir}: the last render did not finish (no manifest.json); "
                         f"run `hotline report {month_dir.name}` again")
    figures = json.loads(figures_path.read_text(encoding="utf-8"))
    page = html_path.read_text(encoding="utf-8")
    title = _title(page) or f"{month_dir.name} 情况通报"
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=sender.split("@")[-1] if "@" in sender else "localhost")
    message.set_content(headline_text(figures, title))
    message.add_alternative(page, subtype="html")
    message.add_attachment(page.encode("utf-8"), maintype="text", subtype="html", filename=f"bulletin_{month_dir.name}.html")
    return message


def _title(page: str) -> str | None:
    import re

    found = re.search(r"<title>(.*?)</title>", page)
    return found.group(1) if found else None


def parse_server(server: str) -> tuple[str, int]:
    """HOST:PORT (port 587 when left out)."""
    host, _, port = server.rpartition(":") if ":" in server else (server, "", "587")
    if not host or not port.isdigit():
        raise EmailError(f"--smtp must look like smtp.example.org:587; got {server!r}")
    return host, int(port)


def send(message: EmailMessage, server: str, starttls: bool = True, timeout: float = 30) -> None:
    """Hand the message to an SMTP server: STARTTLS when offered (required with ``starttls``), login
    when HOTLINE_SMTP_USER is set (password from HOTLINE_SMTP_PASSWORD)."""
    host, port = parse_server(server)
    user, password = os.environ.get(USER_VARIABLE), os.environ.get(PASSWORD_VARIABLE)
    if user and not password:
        raise EmailError(f"{USER_VARIABLE} is set but {PASSWORD_VARIABLE} is not")
    try:
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            elif starttls and user:
                raise EmailError(f"{host}:{port} does not offer STARTTLS; refusing to send a password in clear text")
            if user:
                smtp.login(user, password)
            refused = smtp.send_message(message)
            if refused:
                raise EmailError(f"{host}:{port} refused {', '.join(refused)}")
    except EmailError:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        who = ", ".join(f"{r} ({code} {text.decode(errors='replace') if isinstance(text, bytes) else text})"
                        for r, (code, text) in exc.recipients.items())
        raise EmailError(f"{host}:{port} refused the recipient {who}") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise EmailError(f"{host}:{port} refused the login ({exc.smtp_code})") from None
    except smtplib.SMTPException as exc:
        raise EmailError(f"{host}:{port}: {exc}") from None
    except ConnectionRefusedError:
        raise EmailError(f"could not connect to {host}:{port}: connection refused") from None
    except OSError as exc:
        raise EmailError(f"could not connect to {host}:{port}: {exc.strerror or exc}") from None


def refuse_personal_data(eml: Path, raw: bytes) -> None:
    """Nothing is written or e-mailed while the message (subject, body or the attached bulletin) holds
    an unmasked phone, ID or bank card number: the same scan as ``hotline check-privacy``."""
    from hotline_lib.core.privacy import scan_file

    findings = scan_file(eml, raw)
    if findings:
        first = findings[0]
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        raise EmailError(f"the e-mail of {eml.parent.name} holds an unmasked {first.kind} ({first.masked}){more}: "
                         f"not e-mailed; check {eml.parent / 'bulletin.html'} and {eml.parent / 'figures.json'}, "
                         "mask it in the data and render again")


def deliver(month: str, recipients: list[str], server: str | None = None, dry_run: bool = False,
            sender: str | None = None, out_dir=None, starttls: bool = True) -> Delivery:
    """Build the month's message, save it as bulletin.eml, and send it unless ``dry_run`` or no server."""
    from hotline_lib.core.months import check_month

    check_month(month)
    if not recipients:
        raise EmailError("give at least one recipient with --to")
    for address in recipients:
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise EmailError(f"not an e-mail address: {address!r}")
    month_dir = Path(out_dir or outputs_dir()) / month
    sender = sender or os.environ.get(SENDER_VARIABLE) or "hotline-bulletin@localhost"
    message = build_message(month_dir, recipients, sender)
    eml = month_dir / "bulletin.eml"
    raw = message.as_bytes()
    refuse_personal_data(eml, raw)
    with exclusive(month_dir / ".lock", f"the outputs of {month} in {month_dir}"), atomic_path(eml) as tmp:
        tmp.write_bytes(raw)
    sent = False
    if server and not dry_run:
        send(message, server, starttls=starttls)
        sent = True
        record = {"sent_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "to": recipients,
                  "server": server, "message_id": message["Message-ID"]}
        log = month_dir / "sent.json"
        history = json.loads(log.read_text(encoding="utf-8")) if log.exists() else []
        write_text_atomic(log, json.dumps(history + [record], ensure_ascii=False, indent=2) + "\n")
    return Delivery(eml, message["Subject"], recipients, sent)
