"""合计 / 总计 rows: the line many platforms and statistics tables close a table with. It is no order,
no assignment and no unit: it is recognised, left out and listed (with its file, sheet and row), never
read as a record and never an error.

A row among the last CLOSING_ROWS of a table is a total row when one of the table's key cells (工单编号,
部门名称) or its first non-empty cell says 合计 or 总计 ("合  计", "合计：" too); a cell beginning with
either word is not enough ("合计划" is no total). Only the closing rows are looked at: a total closes
a table, and a table of ten million rows is not read twice for it.
"""

from __future__ import annotations

import re

import pandas as pd

from hotline_lib.core.i18n import N_

TOTAL_WORDS = {"合计", "总计"}
#: The reason a total row is left out (rejects.csv says it in Chinese, starting "合计行").
TOTAL_ROW = N_("total row (合计/总计): not a record, left out")
#: How many of a table's last rows may be a total (a 合计 row, then a 总计 row or a note or two).
CLOSING_ROWS = 5
_SPACES_AND_COLON = re.compile(r"[\s\u3000:：]+")


def is_total_label(text) -> bool:
    """Whether a cell says 合计 or 总计, whatever the spaces between its characters or a closing colon."""
    return isinstance(text, str) and _SPACES_AND_COLON.sub("", text) in TOTAL_WORDS


def total_cells(cells: pd.DataFrame, key_columns: list[str]) -> pd.Series:
    """The total rows among the closing rows of a text table (columns as in the file, ``_row`` left
    aside): index -> the column whose cell makes the row a total row (a key column first, else the
    row's first non-empty cell)."""
    columns = [c for c in cells.columns if c != "_row"]
    keys = [c for c in key_columns if c in columns]

    def label_column(values: tuple) -> str | None:
        row = dict(zip(columns, values))
        for column in keys:
            if is_total_label(row[column]):
                return column
        first = next((c for c in columns if isinstance(row[c], str) and row[c].strip()), None)
        return first if first is not None and is_total_label(row[first]) else None

    closing = cells[columns].tail(CLOSING_ROWS)
    found = {index: label_column(values) for index, values in zip(closing.index, closing.itertuples(index=False, name=None))}
    return pd.Series({index: column for index, column in found.items() if column is not None}, dtype=object)
