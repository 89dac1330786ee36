"""Every error the package raises on purpose; the CLI turns each into one line on stderr."""

from __future__ import annotations

from pathlib import Path


class HotlineError(Exception):
    """Base class: an expected failure with a message fit for the user."""


class InputError(HotlineError):
    """Bad input data, located as precisely as we can: file, sheet, row, column."""

    def __init__(self, message: str, *, path: str | Path | None = None, sheet: str | None = None,
                 row: int | None = None, column: str | None = None):
        self.path, self.sheet, self.row, self.column = path, sheet, row, column
        self.reason = message
        super().__init__(self._format(message))

    def _format(self, message: str) -> str:
        where = []
        if self.path is not None:
            where.append(str(self.path))
        if self.sheet is not None:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {message}" if where else message


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
    """No Chromium-family browser to print bulletin.pdf with (hotline_lib/render/pdf.py): one line, in
    Chinese and English; the other formats are written all the same."""

    def __init__(self, configured: str | None = None):
        self.configured = configured
        if configured:
            message = (f"HOTLINE_BROWSER={configured} 不是可运行的浏览器，未生成 PDF / HOTLINE_BROWSER={configured} "
                       "is not a browser that can run: no PDF written")
        else:
            message = ("未找到 Chromium、Chrome 或 Edge 浏览器，未生成 PDF / PDF output needs a Chromium-family browser "
                       "(chromium, google-chrome or msedge; or set HOTLINE_BROWSER to one): none found")
        super().__init__(message)
