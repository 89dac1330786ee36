"""How a notebook shows a table: one static HTML (a pandas Styler set up here and nowhere else) so that
JupyterLab shows every column, Chinese headers whole, text left and numbers right, missing values
blank, no 0-based row numbers beside a table's own key, and an empty table as one sentence.

The table keeps the class "dataframe" (tests and readers of executed notebooks look for it) and
carries no script, so papermill and nbconvert keep it as it is."""

from __future__ import annotations

import re
from decimal import Decimal

import numpy as np
import pandas as pd

from hotline_lib.core.i18n import gettext

#: A text cell that reads as a number as the bulletin prints it: "1,234", "-0.5", "99.10%".
NUMBER_TEXT = re.compile(r"[-+]?\d[\d,]*(\.\d+)?%?")

#: Of a longer table, this many rows from its start and as many from its end are shown.
SHOWN_ROWS = 30

#: The look of every table a notebook shows: headers wrap only between words (a CJK header stays whole).
TABLE_STYLES = [
    {"selector": "", "props": "border-collapse: collapse; font-size: 12px;"},
    {"selector": "th", "props": "word-break: keep-all; white-space: normal; vertical-align: bottom; "
                                "min-width: 3em; padding: 2px 6px;"},
    {"selector": "td", "props": "vertical-align: top; padding: 2px 6px;"},
]

#: A text column's cells: wide enough for a unit's name on one or two lines; numbers never wrap.
TEXT_CELL = "text-align: left; word-break: normal; white-space: normal; min-width: 8em; max-width: 32em;"
NUMBER_CELL = "text-align: right; white-space: nowrap;"


class ShownFrame(pd.DataFrame):
    """A DataFrame like any other (``section.table`` takes it) that a notebook shows as ``table_html``.
    Anything computed from it is a plain DataFrame again."""

    _metadata = ["empty_sentence", "missing_text", "caption_text"]

    @property
    def _constructor(self):
        return pd.DataFrame

    def _repr_html_(self) -> str:
        return table_html(self, **shown_options(self))


def shown_options(frame: pd.DataFrame) -> dict:
    """How ``frame`` asked to be shown (``showing``); a plain DataFrame, the defaults."""
    return {"empty": getattr(frame, "empty_sentence", None), "missing": getattr(frame, "missing_text", ""),
            "caption": getattr(frame, "caption_text", "")}


def showing(frame: pd.DataFrame, empty: str | None = None, missing: str = "", caption: str = "") -> ShownFrame:
    """``frame`` as a ``ShownFrame``: ``empty`` is said instead of an empty table (None: "（无）"),
    ``missing`` stands in every missing cell (the bulletin writes "—" in some tables), ``caption``
    is the table's title."""
    result = ShownFrame(frame)
    result.empty_sentence, result.missing_text, result.caption_text = empty, missing, caption
    return result


def is_missing(value) -> bool:
    """NaN, NaT, None and <NA> alike (a list or other container is never missing)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_text(value, missing: str = "") -> str:
    """A cell as shown: missing as ``missing``, whole floats without ".0", others to two decimals."""
    if is_missing(value):
        return missing
    if isinstance(value, (float, np.floating)):
        return np.format_float_positional(float(value), precision=2, trim="-")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value)
    return str(value)


def is_number_column(column: pd.Series) -> bool:
    """Right-aligned: numbers, and texts that all read as numbers ("99.10%", "69.9")."""
    if pd.api.types.is_bool_dtype(column.dtype):
        return False
    if pd.api.types.is_numeric_dtype(column.dtype):
        return True
    values = [v for v in column if not is_missing(v)]
    return bool(values) and all(isinstance(v, (int, float, Decimal, np.number)) and not isinstance(v, bool)
                                or isinstance(v, str) and NUMBER_TEXT.fullmatch(v.strip()) for v in values)


def is_positional(index: pd.Index) -> bool:
    """Row numbers, not a key: a RangeIndex, or an unnamed integer index (what is left of one after
    rows are chosen). A table's own key (月份, 单位) is a named index and stays."""
    return isinstance(index, pd.RangeIndex) or (index.nlevels == 1 and index.name is None
                                                and pd.api.types.is_integer_dtype(index.dtype))


def table_html(frame: pd.DataFrame, empty: str | None = None, missing: str = "", caption: str = "",
               shown_rows: int = SHOWN_ROWS) -> str:
    """The static HTML a notebook shows for ``frame`` (mask its texts first: ``masked_frame``)."""
    if len(frame) == 0:
        sentence = _escape(empty if empty is not None else gettext("(none)"))
        return (f'<p class="table-caption"><b>{_escape(caption)}</b></p>' if caption else "") + \
            f'<p class="empty-table">{sentence}</p>'
    count = len(frame)
    part = pd.concat([frame.iloc[:shown_rows], frame.iloc[-shown_rows:]]) if count > 2 * shown_rows else frame
    styler = part.style.format(lambda v: _escape(cell_text(v, missing)))   # any value escaped, not only a str
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    styler = styler.set_table_attributes('class="dataframe"').set_table_styles(TABLE_STYLES + _alignment(part))
    if is_positional(frame.index):
        styler = styler.hide(axis="index")
    if caption:
        styler = styler.set_caption(_escape(caption))
    html = styler.to_html()
    if part is not frame:
        html += '<p class="rows-shown">' + _escape(gettext("{count} rows; the first {shown} and the last {shown} are shown",
                                                           count=count, shown=shown_rows)) + "</p>"
    return html


def _alignment(frame: pd.DataFrame) -> list[dict]:
    """Per column (by position, so that repeated names work): text left, numbers right, its header alike."""
    styles = []
    for i in range(frame.shape[1]):
        number = is_number_column(frame.iloc[:, i])
        styles.append({"selector": f"td.col{i}", "props": NUMBER_CELL if number else TEXT_CELL})
        styles.append({"selector": f"th.col_heading.col{i}", "props": f"text-align: {'right' if number else 'left'};"})
    styles.append({"selector": "th.row_heading", "props": "text-align: left;"})
    return styles


def _escape(text: str) -> str:
    from html import escape

    return escape(str(text))
