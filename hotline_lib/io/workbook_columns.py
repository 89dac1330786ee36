"""A workbook column prepared once from its dtype (io/workbook.py): its values converted for Excel
and its writer chosen for the whole column, and its width measured without a call per cell.

Why: a month's 扣分明细 at 10 M rows is about a million cells, and deciding each cell's type, blank
and format one value at a time cost more than xlsxwriter's writing of it. The cells written are the
same as ``workbook._write_cell`` writes them; a column of mixed values (object dtype) is left to it.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

#: What a date-time cell shows (its format), for the column's width.
DATETIME_SHOWN = "yyyy-mm-dd hh:mm"


def _kind_of_dtype(column: pd.Series) -> str | None:
    """bool, datetime, number or text for a column of one dtype; None for mixed (object) values."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return "number"
    if isinstance(dtype, pd.StringDtype):
        return "text"
    return None


#: Excel's day 0 (1900 dates) and the serial past which it counts 29 Feb 1900, a day that never was.
_EPOCH = np.datetime64("1899-12-31T00:00:00", "us")
_LEAP_BUG_SERIAL = 61
_DAY_US = 86_400_000_000


def excel_serials(stamps: np.ndarray) -> np.ndarray:
    """Excel serial numbers of wall-clock ``stamps`` (datetime64[us]), computed as xlsxwriter computes
    each (days + (seconds + microseconds / 1e6) / 86400, one more past 28 Feb 1900), float for float."""
    delta = (stamps - _EPOCH).astype("int64")
    days, rest = np.divmod(delta, _DAY_US)
    seconds, micros = np.divmod(rest, 1_000_000)
    serials = days.astype("float64") + (seconds.astype("float64") + micros.astype("float64") / 1e6) / (60 * 60 * 24)
    return np.where(serials > 59, serials + 1, serials)


def _with_blanks(values, missing) -> list:
    """``values`` with None where ``missing`` (a blank cell: never "nan" nor 0)."""
    return [None if blank else value for value, blank in zip(values, missing)]


def prepared_column(column: pd.Series, kind: str, style: dict, sheet) -> tuple[list, object, object]:
    """(values, write, cell format): ``write(row, col, value, cell format)`` for each value that is
    not None; write None when the column holds mixed values (then each cell is decided alone)."""
    dtype_kind = _kind_of_dtype(column)
    if dtype_kind is None:
        return column.tolist(), None, None
    missing = column.isna().to_numpy()
    if dtype_kind == "bool":   # 是/否, never a number
        values = ["是" if value else "否" for value in column.tolist()]
        return _with_blanks(values, missing), sheet.write_string, style["text"]
    if dtype_kind == "datetime":
        if getattr(column.dtype, "tz", None) is not None:   # Excel has no time zones: the wall-clock time
            column = column.dt.tz_localize(None)
        serials = excel_serials(column.to_numpy(dtype="datetime64[us]"))
        if not missing.all() and serials[~missing].min() <= _LEAP_BUG_SERIAL:   # before March 1900: xlsxwriter's rules
            return _with_blanks(column.dt.to_pydatetime().tolist(), missing), sheet.write_datetime, style["datetime"]
        # a date-time cell is its serial number under a date format (the same XML as write_datetime)
        return _with_blanks(serials.tolist(), missing), sheet.write_number, style["datetime"]
    if dtype_kind == "number":
        cell_format = style["number"] if kind == "text" else style[kind]
        if kind == "rate":   # 98.91 (%) is the fraction 0.9891, shown as 98.91% by the cell's format
            values = [None if blank else float(Decimal(str(value)) / 100) for value, blank in zip(column.tolist(), missing)]
        else:
            values = [None if blank else float(value) for value, blank in zip(column.tolist(), missing)]
        return values, sheet.write_number, cell_format
    return _with_blanks(column.tolist(), missing), sheet.write_string, style["text"]


def column_width(column: pd.Series, kind: str, shown, measure) -> int | None:
    """The widest of a column's values as shown (``shown(value, kind)``, measured by ``measure``), each
    distinct value once; None for a column of bool or mixed values (measured value by value)."""
    dtype_kind = _kind_of_dtype(column)
    if dtype_kind in (None, "bool"):
        return None
    if dtype_kind == "datetime":
        return measure(DATETIME_SHOWN) if column.notna().any() else 0
    # the distinct values first, then the blanks among them left out (a Series without its blanks
    # costs more than a small column's cells)
    distinct = [value for value in pd.unique(column.to_numpy()).tolist() if not pd.isna(value)]
    if not distinct:
        return 0
    if dtype_kind == "number":
        return max(measure(shown(value, kind)) for value in distinct)
    return max(len(value) if value.isascii() else measure(value) for value in distinct)
