"""Chinese first: which language a person reads, and the one message catalogue that says it.

Messages are written in code in English (the msgid, with ``{name}`` fields) and translated to Chinese
by hotline_lib/locale/zh_CN/LC_MESSAGES/hotline.po (compiled to hotline.mo, which is what is read:
the standard library's gettext, no extra package at run time). The language is resolved at each call,
never at import, so one process (a test, a notebook) can switch it with HOTLINE_LANG.
"""

from __future__ import annotations

import gettext as _gettext
import logging
import os
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "hotline"
CATALOGUES = {"zh": "zh_CN"}
#: Chinese unless someone asked for another language: the analysts of a district office read Chinese.
DEFAULT = "zh"
#: Checked in this order, the first one set decides (as gettext itself does).
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
NO_PREFERENCE = {"", "c", "posix"}


def _from_tag(tag: str) -> str | None:
    """zh or en for a language tag (zh_CN.UTF-8, en-US, fr), None for no preference (C, POSIX, empty)."""
    first = tag.split(":")[0].split(".")[0].split("@")[0].strip().lower()
    if first in NO_PREFERENCE:
        return None
    return "zh" if first.startswith("zh") else "en"


def language() -> str:
    """The language of messages now: HOTLINE_LANG, else the locale; a C/POSIX or missing locale is no
    preference, so Chinese. Any other explicit language gets English, the closer of the two."""
    chosen = _from_tag(os.environ.get("HOTLINE_LANG", ""))
    if chosen:
        return chosen
    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable, "").strip()
        if value:
            return _from_tag(value) or DEFAULT
    return DEFAULT


@cache
def _catalogue(lang: str) -> _gettext.NullTranslations:
    """English is the msgids themselves; a missing Chinese catalogue is a packaging bug, so it raises."""
    if lang not in CATALOGUES:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[CATALOGUES[lang]])


def _field(value, lang: str):
    """A field that is itself a message (or an error carrying one) is said in the same language."""
    translated = getattr(value, "translated", None)
    return translated(lang) if callable(translated) else value


def gettext(msgid: str, lang: str | None = None, **fields) -> str:
    """``msgid`` in ``lang`` (default: language()), its ``{name}`` fields filled in."""
    lang = lang or language()
    text = _catalogue(lang).gettext(msgid)
    return text.format(**{name: _field(value, lang) for name, value in fields.items()}) if fields else text


_ = gettext


def N_(msgid: str) -> str:
    """Marks a msgid for the catalogue where it is translated later (a help text, a choice of message)."""
    return msgid


class Message:
    """A msgid and its fields, translated only when shown: an error is raised in code, read by a person."""

    __slots__ = ("msgid", "fields")

    def __init__(self, msgid: str, **fields):
        self.msgid, self.fields = msgid, fields

    def translated(self, lang: str | None = None) -> str:
        return gettext(self.msgid, lang, **self.fields)

    def __str__(self) -> str:
        return self.translated()

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, **{self.fields!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Message) and (self.msgid, self.fields) == (other.msgid, other.fields)

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __reduce__(self):
        return (_message, (self.msgid, self.fields))


def _message(msgid: str, fields: dict) -> Message:
    return Message(msgid, **fields)



#: Between the names of a list (columns, units, options): "、" in Chinese. A template, not ", " itself:
#: that msgid is the comma between the parts of a location ("x.csv，第 2 行"), "，" in Chinese.
NAMES = N_("{names}, {name}")


class Joined:
    """Several messages as one field, joined by a separator that is a msgid itself ("; " is "；"), or
    the template of two (NAMES, whose separator is what it puts between its fields)."""

    __slots__ = ("items", "separator")

    def __init__(self, items, separator: str = N_("; ")):
        self.items, self.separator = list(items), separator

    def translated(self, lang: str | None = None) -> str:
        lang = lang or language()
        separator = gettext(self.separator, lang, names="", name="")
        return separator.join(str(_field(item, lang)) for item in self.items)

    def __str__(self) -> str:
        return self.translated()

    def __reduce__(self):
        return (Joined, (self.items, self.separator))


def names(items) -> Joined:
    """A list of names as a message field: "a, b, c" in English, "a、b、c" in Chinese."""
    return Joined(map(str, items), NAMES)


class LogFormatter(logging.Formatter):
    """A log line in the reader's language ("警告：…", "WARNING: …" in English), so that a section
    notebook's warnings read like every other message of a render."""

    LEVELS = {"WARNING": N_("WARNING: {message}"), "ERROR": N_("Error: {message}"), "CRITICAL": N_("Error: {message}")}

    def format(self, record: logging.LogRecord) -> str:
        template = self.LEVELS.get(record.levelname)
        message = record.getMessage()
        return gettext(template, message=message) if template else f"{record.levelname}: {message}"
