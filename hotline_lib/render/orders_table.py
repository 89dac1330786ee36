"""The interactive orders table of notebooks/explore/orders.ipynb (itables, DataTables in the notebook):
every option set here, once, so that the notebook makes one call (``show_orders``).

- In Chinese: DataTables' zh strings (the official i18n plug-in's, shipped in
  hotline_lib/locale/datatables/zh-CN.json) passed inline through the ``language`` option, never a
  ``language.url`` (no file is fetched: the notebook works offline).
- Drawn in the project's CJK font: the controls (search boxes, the page-length menu, the buttons) take
  the page's font instead of the browser's form font (Arial and no Chinese on a machine without
  Chinese fonts), with the font JupyterLab carries (``Hotline CJK``, hotline_lib/lab/custom/custom.css)
  after it.
- A click on a column name sorts (itables' ``text_in_header_can_be_selected=False``; its default sorts
  on the small arrow only). A search box for each column, right under the column names: itables'
  ``column_filters="footer"`` (its "header" would put the box in place of the name, leaving no name to
  click), the footer row drawn above the rows by CSS (the scrolled table's head, footer and body are
  three boxes of one flex column). A box filters as the person types (itables listens to keyup/change).
- 诉求内容 wraps in a column of fixed width, and 月末状态 stands right after 承办单位: a long text no
  longer pushes who has the order and where it stands off screen. A missing value is blank, not "NaN".
- The Excel button of DataTables Buttons (``excelHtml5``, in itables' offline bundle) writes the rows
  the searches left, in their order, to an .xlsx made in the browser. Buttons writes a text cell as an
  inline string (``t="inlineStr"``), never a formula: a citizen's text starting with "=" stays text.
  Only a value that reads as a number whole (digits, a sign, a decimal point; no leading 0) becomes a
  number cell.

The rows are masked (``display_orders``: phone, ID and card numbers, e-mail addresses) before they
reach the table: the table, the notebook and the export never hold them.
"""

from __future__ import annotations

import importlib.resources
import json

import pandas as pd

from hotline_lib.analysis.explore import SHOWN, STATUS, display_orders
from hotline_lib.render.fonts import EMBEDDED_NAME, FONT_NAME

LANGUAGE_FILE = "zh-CN.json"
#: The column that wraps, and its width.
WRAPPED = SHOWN["content"]
UNIT_LABEL, STATUS_LABEL = SHOWN["unit"], SHOWN[STATUS]
WRAPPED_WIDTH = "28em"
WRAPPED_CLASS = "hb-wrap"
EXCEL_BUTTON = "导出 Excel（当前筛选的行）"
ROWS_PER_PAGE = 10

#: Fonts: the page's (Lab's content font where Lab shows the table), then the project's CJK font.
FONT_FAMILY = f'var(--jp-content-font-family, system-ui, sans-serif), "{EMBEDDED_NAME}", "{FONT_NAME}", sans-serif'

CSS = f"""
.dt-container, .dt-container input, .dt-container select, .dt-container button, .dt-container table.dataTable {{
  font-family: {FONT_FAMILY};
}}
.dt-container table.dataTable.nowrap td.{WRAPPED_CLASS} {{
  white-space: normal; word-break: break-all; min-width: {WRAPPED_WIDTH}; max-width: {WRAPPED_WIDTH};
}}
.dt-container .dt-scroll {{ display: flex; flex-direction: column; }}
.dt-container .dt-scroll-head {{ order: 0; }}
.dt-container .dt-scroll-foot {{ order: 1; }}
.dt-container .dt-scroll-body {{ order: 2; }}
.dt-container table.dataTable tfoot th {{ padding: 2px 4px; border-top: none; }}
.dt-container table.dataTable tfoot input {{ width: 100%; min-width: 4em; box-sizing: border-box; font-weight: normal; }}
.dt-container table.dataTable th, .dt-container table.dataTable td {{ text-align: left; vertical-align: top; }}
"""


def datatables_language() -> dict:
    """DataTables' strings in Chinese (zh-CN.json, as the official i18n plug-in has them)."""
    text = (importlib.resources.files("hotline_lib") / "locale" / "datatables" / LANGUAGE_FILE).read_text(encoding="utf-8")
    return json.loads(text)


def orders_table_options(columns: list[str], file_name: str = "工单明细") -> dict:
    """The keyword arguments of ``itables.show`` for a table with these ``columns`` (display labels);
    ``file_name``: the exported workbook's name, without ".xlsx"."""
    wrapped = [columns.index(WRAPPED)] if WRAPPED in columns else []
    return {
        "language": datatables_language(),
        "text_in_header_can_be_selected": False,
        "column_filters": "footer",
        "columnDefs": [{"targets": wrapped, "width": WRAPPED_WIDTH, "className": WRAPPED_CLASS}] if wrapped else [],
        "buttons": ["pageLength", {"extend": "excelHtml5", "text": EXCEL_BUTTON, "filename": file_name, "title": None,
                     "exportOptions": {"modifier": {"search": "applied", "order": "applied"}}}],
        "layout": {"topStart": "buttons", "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"},
        "pageLength": ROWS_PER_PAGE,
        "lengthMenu": [ROWS_PER_PAGE, 50, 200, {"label": "全部", "value": -1}],
        "classes": "display nowrap compact",
        "css": CSS,
        "scrollX": True,
        "maxBytes": 0,
        "showIndex": False,
        "order": [],
        # DataTables from the notebook (``init_notebook_mode(connected=False)``), never from a CDN
        "connected": False,
        # DataTables takes nested strings (``language.buttons.pageLength``...); itables' type hints
        # expect flat ones and would print a warning under the table
        "warn_on_unexpected_option_type": False,
    }


def table_columns(columns: list[str]) -> list[str]:
    """The columns in the table's order: 月末状态 right after 承办单位, so that who has the order and
    where it stands show beside its text, before the five times."""
    order = [c for c in columns if c != STATUS_LABEL]
    if STATUS_LABEL in columns:
        order.insert(order.index(UNIT_LABEL) + 1 if UNIT_LABEL in order else len(order), STATUS_LABEL)
    return order


def orders_table(rows: pd.DataFrame, file_name: str = "工单明细") -> tuple[pd.DataFrame, dict]:
    """``month_orders`` rows (raw) masked for display (``display_orders``), in the table's column order,
    a missing value blank (not "NaN": an order not dispatched has no unit); and the table's options."""
    shown = display_orders(rows)
    shown = shown[table_columns(list(shown.columns))].astype(object)
    shown = shown.where(shown.notna(), "")
    return shown, orders_table_options(list(shown.columns), file_name)


def orders_table_html(rows: pd.DataFrame, file_name: str = "工单明细") -> str:
    """The HTML ``show_orders`` displays (the rows as JSON and the options; DataTables itself comes from
    ``init_notebook_mode``)."""
    from itables import to_html_datatable

    shown, options = orders_table(rows, file_name)
    return to_html_datatable(shown, **options)


def show_orders(rows: pd.DataFrame, file_name: str = "工单明细") -> None:
    """Show ``month_orders`` rows (raw: they are masked here) as the interactive table; the Excel
    button names its file ``file_name``.xlsx."""
    from itables import show

    shown, options = orders_table(rows, file_name)
    show(shown, **options)
