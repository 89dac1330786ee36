"""Every error the package raises on purpose; the CLI turns each into one line on stderr.

An error carries its message as a key (the English msgid, core/i18n.py) and fields, not as text:
``str(error)`` says it in the reader's language when it is shown, and ``error.translated("zh")``
in Chinese for a file written for people.
"""

from __future__ import annotations

from pathlib import Path

from hotline_lib.core.i18n import N_, Message, gettext


class HotlineError(Exception):
    """Base class: an expected failure with a message fit for the user."""

    def __init__(self, message: str | Message, **fields):
        self.message = message if isinstance(message, Message) else Message(message, **fields)
        super().__init__(self.message.msgid)

    def translated(self, lang: str | None = None) -> str:
        return self.message.translated(lang)

    def __str__(self) -> str:
        return self.translated()

    def __reduce__(self):
        """Rebuilt whole in another process (a parallel render), fields and location included."""
        return (_rebuild, (type(self), self.__dict__))


def _rebuild(cls: type, state: dict) -> HotlineError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    error.args = (state["message"].msgid,)
    return error


class InputError(HotlineError):
    """Bad input data, located as precisely as we can: file, sheet, row, column."""

    def __init__(self, message: str | Message, *, path: str | Path | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None, **fields):
        super().__init__(message, **fields)
        self.path, self.sheet, self.row, self.column = path, sheet, row, column

    @property
    def reason(self) -> str:
        """The message without its location, in the reader's language."""
        return self.message.translated()

    def where(self, lang: str | None = None) -> str:
        """The location, as "x.csv, sheet 'S', row 2, column 'X'" (or its Chinese), empty when unknown."""
        parts = []
        if self.path is not None:
            parts.append(str(self.path))
        if self.sheet is not None:
            parts.append(gettext("sheet {sheet!r}", lang, sheet=self.sheet))
        if self.row is not None:
            parts.append(gettext("row {row}", lang, row=self.row))
        if self.column is not None:
            parts.append(gettext("column {column!r}", lang, column=self.column))
        return gettext(", ", lang).join(parts)

    def translated(self, lang: str | None = None) -> str:
        reason, where = self.message.translated(lang), self.where(lang)
        return gettext("{where}: {reason}", lang, where=where, reason=reason) if where else reason


class RulesError(HotlineError):
    """A rules file (scoring) that does not validate."""


class SettingsError(HotlineError):
    """A settings or unit-directory file that does not validate."""


class UnknownUnitError(InputError):
    """An export names a member unit that the unit directory does not know."""


class ReportError(HotlineError):
    """A bulletin section failed to execute or render."""


class SentBulletin(HotlineError):
    """The month was e-mailed: its bulletin is a published document, re-rendered only with --force."""


class BrowserNotFound(ReportError):
    """No Chromium-family browser to print bulletin.pdf with (hotline_lib/render/pdf.py); the other
    formats are written all the same."""

    def __init__(self, configured: str | None = None):
        self.configured = configured
        if configured:
            super().__init__(N_("HOTLINE_BROWSER={configured} is not a browser that can run: no PDF written"),
                             configured=configured)
        else:
            super().__init__(N_("PDF output needs a Chromium-family browser (chromium, google-chrome or msedge; "
                                "or set HOTLINE_BROWSER to one): none found"))
