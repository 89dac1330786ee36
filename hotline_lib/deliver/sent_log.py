"""outputs/<month>/sent.json: every sending of a month's bulletin, so that a month is never mailed twice.

Why pending first: the server may take the message and the connection break before we hear so (or
the process be killed right after). A record written only after sending then never exists, and a
retry mails the recipients a second time. So a send is recorded as ``pending`` (with its Message-ID)
before the first word to the server and as ``sent`` once the server has accepted it; a month with
either is not mailed again without --resend. A send that certainly never reached the server (refused
connection, login, recipients) takes its pending record back out.

A sent.json that cannot be read is an error before anything is sent: we cannot tell whether the
month was mailed. Records written before pending existed have no ``status``: they were sent.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from hotline_lib.core.errors import HotlineError
from hotline_lib.core.utils import write_text_atomic

PENDING, SENT = "pending", "sent"


class SentLogError(HotlineError):
    """sent.json cannot be read, or says the month was (maybe) mailed already."""


def read_sent_log(path: Path) -> list[dict]:
    """The records of sent.json (none when there is no file); an unreadable file is a SentLogError."""
    if not path.exists():
        return []
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise SentLogError("{path} cannot be read ({reason}): whether {month} was e-mailed is unknown, so nothing is "
                           "sent; check the mailbox, then repair the file or move it away", path=path,
                           reason=f"{type(exc).__name__}: {exc}", month=path.parent.name) from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise SentLogError("{path} is not a list of sendings: whether {month} was e-mailed is unknown, so nothing is "
                           "sent; check the mailbox, then repair the file or move it away", path=path,
                           month=path.parent.name)
    return records


def status(record: dict) -> str:
    return record.get("status", SENT)


def check_not_sent(path: Path, records: list[dict]) -> None:
    """A month with a pending or sent record is not mailed again (``--resend`` skips this check)."""
    if not records:
        return
    last = records[-1]
    if status(last) == PENDING:
        raise SentLogError("{month} may have been e-mailed already: the sending of {time} (Message-ID {id}) did not "
                           "finish ({path}); check the mailbox, then --resend sends it again", month=path.parent.name,
                           time=last.get("sent_at", "?"), id=last.get("message_id", "?"), path=path)
    raise SentLogError("{month} was e-mailed on {time} to {recipients} ({path}): not sent again; --resend sends it "
                       "again", month=path.parent.name, time=last.get("sent_at", "?"),
                       recipients=", ".join(last.get("to", [])), path=path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _write(path: Path, records: list[dict]) -> None:
    write_text_atomic(path, json.dumps(records, ensure_ascii=False, indent=2) + "\n")


def record_pending(path: Path, records: list[dict], recipients: list[str], server: str, message_id: str) -> list[dict]:
    """sent.json with this sending as pending, written before talking to the server."""
    records = [*records, {"status": PENDING, "sent_at": _now(), "to": recipients, "server": server,
                          "message_id": message_id}]
    _write(path, records)
    return records


def record_sent(path: Path, records: list[dict], refused: list[str] | None = None) -> None:
    """The pending sending (the last record) as sent: the server accepted the message."""
    last = {**records[-1], "status": SENT, "sent_at": _now()}
    if refused:
        last["refused"] = refused
    _write(path, [*records[:-1], last])


def drop_pending(path: Path, records: list[dict]) -> None:
    """Take the pending sending back out: it certainly never reached the server."""
    earlier = records[:-1]
    if earlier:
        _write(path, earlier)
    else:
        path.unlink(missing_ok=True)
