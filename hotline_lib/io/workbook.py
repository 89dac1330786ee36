"""Spreadsheets for people, made for Excel and WPS: numbers as numbers with a format by column, text
always as text (never a formula, a link or a number), the header frozen and filterable, columns wide
enough for Chinese, set up to print (io/printing.py: landscape, one page wide, the header row on every
page, title and page numbers), and the file moved into place whole.

``pandas.to_excel`` turns a cell starting with "=" into a formula; this writer never does.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import unicodedata
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import HotlineError
from hotline_lib.core.i18n import names
from hotline_lib.core.utils import atomic_path
from hotline_lib.io.printing import set_print_setup
from hotline_lib.io.workbook_columns import column_width, prepared_column

#: Column kinds and their Excel number formats. A rate is a Decimal percentage (98.91) written as the
#: fraction 0.9891 under "0.00%", so Excel computes with it and shows "98.91%".
FORMATS = {"points": "0.00", "rate": "0.00%", "count": "0", "hours": "0.0", "datetime": "yyyy-mm-dd hh:mm",
           "number": "General", "text": "@"}

# Name endings, tried in this order (see infer_kind).
_ENDINGS = [
    ("datetime", ("时间", "日期", "时限")),
    ("hours", ("时长", "小时", "(小时)", "（小时）")),
    ("points", ("分",)),
    ("rate", ("率", "满意度")),
    ("count", ("数", "件数", "排名", "名次", "件")),
]
_MAX_WIDTH = 60
#: Rows of a sheet whose values are converted together (io/workbook_columns.py).
_BLOCK_ROWS = 50_000
_BAD_SHEET_CHARACTERS = set("[]:*?/\\")


def infer_kind(name: str, column: pd.Series | None = None) -> str:
    """A column's kind from its name, then its values: ends with 时间/日期/时限 → datetime, 时长/小时 →
    hours, 分 (总分, 扣分) → points, 率/满意度 → rate, 数/件数/排名/名次/件 → count; otherwise a
    date-time column is datetime, a column of numbers only is "number" (General) and anything else text.
    """
    text = str(name).strip()
    for kind, endings in _ENDINGS:
        if text.endswith(endings):
            return kind
    if column is not None:
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            return "datetime"
        if pd.api.types.is_bool_dtype(column.dtype):   # 是/否, never a number
            return "text"
        if pd.api.types.is_numeric_dtype(column.dtype):   # numbers only: no need to look at each value
            return "number" if column.notna().any() else "text"
        if isinstance(column.dtype, pd.StringDtype):   # text only
            return "text"
        values = [v for v in column if not _is_missing(v)]
        if values and all(_is_number(v) for v in values):
            return "number"
    return "text"


def column_kinds(frame: pd.DataFrame, kinds: dict[str, str] | None = None) -> list[str]:
    """The kind of every column of ``frame``: ``kinds[name]`` where given, else inferred from the name."""
    kinds = kinds or {}
    unknown = sorted({kind for kind in kinds.values() if kind not in FORMATS})
    if unknown:
        raise HotlineError("unknown column kind {kinds}; expected one of {formats}", kinds=names(unknown),
                           formats=names(FORMATS))
    return [kinds[name] if name in kinds else infer_kind(name, frame.iloc[:, i] if _by_values(name) else None)
            for i, name in enumerate(frame.columns)]


def _by_values(name) -> bool:
    """Whether a column's kind depends on its values: its name ends with none of the known endings."""
    text = str(name).strip()
    return not any(text.endswith(endings) for _, endings in _ENDINGS)


def display_width(text: str) -> int:
    """Columns a text takes on screen: East Asian wide and full-width characters count 2."""
    return _width(str(text))


@lru_cache(maxsize=65536)
def _width(text: str) -> int:
    # remembered: a month's workbooks size the same unit names, rules and times again and again
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, Decimal) and value.is_nan()


def _is_number(value) -> bool:
    return isinstance(value, (numbers.Number, Decimal)) and not isinstance(value, bool)


def _shown(value, kind: str) -> str:
    """About what Excel will show in the cell: only used to size the column."""
    if _is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    if _is_number(value):
        number = float(value)
        return {"points": f"{number:.2f}", "rate": f"{number:.2f}%", "count": f"{number:.0f}",
                "hours": f"{number:.1f}"}.get(kind, f"{number:g}")
    if isinstance(value, (dt.datetime, dt.date)):
        return "yyyy-mm-dd hh:mm"
    return str(value)


def _check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or set(name) & _BAD_SHEET_CHARACTERS or name.startswith("'") or name.endswith("'"):
        raise HotlineError("not a usable sheet name: {name!r} (1 to 31 characters, none of [ ] : * ? / \\, "
                           "no apostrophe at either end)", name=name)


def _write_cell(sheet, row: int, col: int, value, kind: str, style) -> None:
    if _is_missing(value):
        return  # a blank cell, not "nan" nor 0
    if isinstance(value, str):
        sheet.write_string(row, col, value, style["text"])
    elif isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否", style["text"])
    elif _is_number(value):
        if kind == "rate":  # 98.91 (%) is the fraction 0.9891, shown as 98.91% by the cell's format
            value = (value if isinstance(value, Decimal) else Decimal(str(value))) / 100
        sheet.write_number(row, col, float(value), style["number"] if kind == "text" else style[kind])
    elif isinstance(value, pd.Timestamp) or isinstance(value, (dt.datetime, dt.date)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:  # Excel has no time zones: the wall-clock time as the data has it
            stamp = stamp.tz_localize(None)
        sheet.write_datetime(row, col, stamp.to_pydatetime(), style["datetime"])
    else:
        sheet.write_string(row, col, str(value), style["text"])


def write_workbook(path: str | Path, sheets: dict[str, pd.DataFrame], kinds: dict[str, str] | None = None,
                   title: str = "") -> Path:
    """Write ``sheets`` (sheet name → table, in order) to the .xlsx ``path``; ``kinds`` overrides the
    kind inferred from a column name (``{"按时办结率": "points"}``), in every sheet. ``title`` (the month,
    the unit…) heads every printed page, with the sheet's name."""
    import xlsxwriter

    for name in sheets:
        _check_sheet_name(name)
    sheet_kinds = {name: column_kinds(frame, kinds) for name, frame in sheets.items()}  # errors before any file
    path = Path(path)
    with atomic_path(path) as tmp:
        # in_memory: the sheets are assembled in memory, not in a temporary file each (these are
        # tables of a month, and a render writes 29 of them: 0.3 s → 0.2 s)
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False, "in_memory": True})
        style = {kind: book.add_format({"num_format": number_format}) for kind, number_format in FORMATS.items()}
        header = book.add_format({"bold": True, "valign": "top"})
        for name, frame in sheets.items():
            sheet = book.add_worksheet(name)
            _write_sheet(sheet, frame, sheet_kinds[name], style, header)
            set_print_setup(sheet, name, title)
        book.close()
    return path


def _distinct(values) -> list:
    """The distinct values of a column, in order; equal values of different types (1, 1.0, True)
    kept apart, as they are shown differently; every value when one cannot be hashed."""
    try:
        return [value for _, value in dict.fromkeys((type(value), value) for value in values)]
    except TypeError:
        return list(values)


def _write_sheet(sheet, frame: pd.DataFrame, kinds: list[str], style, header) -> None:
    for col, name in enumerate(frame.columns):
        sheet.write_string(0, col, str(name), header)
    # each column taken out of the frame once (a Series each time costs more than a small sheet's
    # cells: a month writes about 110 sheets), prepared at once (io/workbook_columns.py: its values
    # converted and its writer chosen from its dtype), a block of rows at a time (a column's Python
    # values held for one block only), then written row by row, so the shared strings keep their order
    whole = [column for _, column in frame.items()]
    for start in range(0, len(frame), _BLOCK_ROWS):
        block = whole if len(frame) <= _BLOCK_ROWS else [column.iloc[start:start + _BLOCK_ROWS] for column in whole]
        columns = [prepared_column(block[col], kind, style, sheet) for col, kind in enumerate(kinds)]
        for offset in range(min(_BLOCK_ROWS, len(frame) - start)):
            row = start + offset + 1
            for col, (values, write, cell_format) in enumerate(columns):
                value = values[offset]
                if write is None:   # a column of mixed values: cell by cell
                    _write_cell(sheet, row, col, value, kinds[col], style)
                elif value is not None:
                    write(row, col, value, cell_format)
    widths = [max(display_width(str(name)), _column_width(whole[col], kind))
              for col, (name, kind) in enumerate(zip(frame.columns, kinds))]
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(width + 2, _MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    if len(frame.columns):
        sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)


def _column_width(column: pd.Series, kind: str) -> int:
    """The widest value of a column as Excel shows it; each distinct value sized once (a month's 明细
    repeats its units, rules and flags on every row), a column of one dtype without a call per value."""
    fast = column_width(column, kind, _shown, display_width)
    if fast is not None:
        return fast
    return max([0] + [display_width(_shown(value, kind)) for value in _distinct(column)])
