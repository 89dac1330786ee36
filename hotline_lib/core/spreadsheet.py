"""Text from the data never runs as a formula when a person opens one of our CSV files in Excel or WPS.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return
before one) as a formula: a unit named ``=1+2`` would show 3, and ``@SUM(1+1)*cmd|' /C calc'!A0`` could
start a program. A leading apostrophe makes the cell text.
"""

from __future__ import annotations

import pandas as pd
from pandas.api.types import is_object_dtype, is_string_dtype

#: What a spreadsheet takes for the start of a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse_text(value):
    """``value`` with an apostrophe in front when it is text a spreadsheet would run; anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def is_text_column(column: pd.Series) -> bool:
    """Object or string dtype: a column that holds text (and may hold anything), not a number column."""
    return is_object_dtype(column.dtype) or is_string_dtype(column.dtype)


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns and header cannot run as formulas.

    Decided by column, not by value: in a text column every string that starts like a formula gets a
    leading apostrophe, even one that reads as a number ("-1" is text there, and "-1+2" would run);
    number columns stay numbers. The original frame is left as it is.
    """
    defused = frame.copy()
    for position in range(defused.shape[1]):
        column = defused.iloc[:, position]
        if is_text_column(column):
            defused.isetitem(position, column.map(defuse_text, na_action="ignore").astype(column.dtype))
    defused.columns = [defuse_text(name) for name in defused.columns]
    return defused
