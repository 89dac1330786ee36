"""The orders table of notebooks/explore/orders.ipynb (hotline_lib/render/orders_table.py): its options,
and the table itself in headless Chromium (itables' offline bundle, no notebook): a click on a column
name sorts, a column's search box filters, and the Excel button writes the rows left, masked, with
text that starts like a formula kept as text (read back with openpyxl). The same table in JupyterLab,
with the project's font, is tests/test_lab.py's."""

from __future__ import annotations

import json
import re
import zipfile

import openpyxl
import pandas as pd
import pytest

from hotline_lib.analysis.explore import SHOWN
from hotline_lib.render import orders_table
from hotline_lib.render.fonts import EMBEDDED_NAME

COLUMNS = orders_table.table_columns(list(SHOWN.values()))
FORMULAS = ['=HYPERLINK("http://example.invalid","点我")', "+1+2 加号开头", "-3+4 减号开头", "@SUM(1+1) 艾特开头"]


def _rows(contents: list[str], units: list[str]) -> pd.DataFrame:
    """Raw ``month_orders``-like rows: one per content, order ids 0201…, signed a minute apart."""
    count = len(contents)
    times = pd.Series(pd.date_range("2020-12-01 08:00", periods=count, freq="min", tz="Asia/Shanghai"))
    text = {column: pd.array(["x"] * count, dtype="string") for column in SHOWN}
    return pd.DataFrame({**text, "order_id": pd.array([f"02{i:02d}" for i in range(1, count + 1)], dtype="string"),
                         "content": pd.array(contents, dtype="string"), "unit": pd.array(units, dtype="string"),
                         "signed_at": times, "dispatched_at": times, "unit_signed_at": times,
                         "unit_completed_at": times, "completed_at": times})


def test_language_is_the_shipped_chinese_inline():
    language = orders_table.datatables_language()
    assert language["search"] == "搜索:" and language["info"] == "正在显示第 _START_ 至 _END_ 条记录，共 _TOTAL_ 条"
    assert language["buttons"]["pageLength"]["_"] == "显示 %d 行"
    assert "url" not in language   # inline: no file fetched
    assert language is not orders_table.datatables_language()   # each table its own copy


def test_options():
    columns = list(SHOWN.values())
    options = orders_table.orders_table_options(columns, "2020-12 工单明细")
    assert options["text_in_header_can_be_selected"] is False
    assert options["column_filters"] in ("header", "footer")
    assert options["columnDefs"] == [{"targets": [columns.index("诉求内容")], "width": orders_table.WRAPPED_WIDTH,
                                      "className": orders_table.WRAPPED_CLASS}]
    excel = [b for b in options["buttons"] if isinstance(b, dict) and b["extend"] == "excelHtml5"]
    assert len(excel) == 1 and excel[0]["filename"] == "2020-12 工单明细"
    assert f'"{EMBEDDED_NAME}"' in options["css"] and f"td.{orders_table.WRAPPED_CLASS}" in options["css"]
    assert "white-space: normal" in options["css"]


def test_html_carries_masked_rows_and_the_chinese_strings():
    html = orders_table.orders_table_html(_rows(["市民电话13812345678，身份证430102199001011234", "楼道灯坏了"],
                                                ["甲局", "乙局"]))
    assert "13812345678" not in html and "430102199001011234" not in html
    assert "138****5678" in html
    args = json.loads(re.search(r"let dt_args = (\{.*?\});\n", html, re.S).group(1))
    assert args["language"]["search"] == "搜索:" and "url" not in args["language"]
    assert "text_in_header_can_be_selected" not in args   # False: itables leaves DataTables' own sorting on
    assert args["column_filters"] == "footer"


def test_columns_status_beside_the_unit_and_missing_values_blank():
    assert COLUMNS[COLUMNS.index("承办单位") + 1] == "月末状态" and sorted(COLUMNS) == sorted(SHOWN.values())
    rows = _rows(["没有派单的工单"], [None])
    shown, _ = orders_table.orders_table(rows)
    assert list(shown.columns) == COLUMNS and shown.loc[0, "承办单位"] == ""
    assert "NaN" not in orders_table.orders_table_html(rows) and "<NA>" not in orders_table.orders_table_html(rows)


def _page(tmp_path, frame: pd.DataFrame) -> str:
    from itables import options
    from itables.javascript import generate_init_offline_itables_html

    page = tmp_path / "orders.html"
    page.write_text('<!doctype html><html><head><meta charset="utf-8"></head><body>'
                    + generate_init_offline_itables_html(options.dt_bundle)
                    + orders_table.orders_table_html(frame, "导出测试") + "</body></html>", encoding="utf-8")
    return page.as_uri()


def _number(order_id: str) -> int:
    return int(order_id[2:])


SHOWN_ROWS = "() => [...document.querySelectorAll('.dt-scroll-body tbody tr')].map(r => r.cells[0].textContent)"


@pytest.mark.slow
def test_sort_filter_and_export_in_chromium(browser, tmp_path):
    contents = [*FORMULAS, "市民电话13812345678反映噪音"]
    units = ["乙局", "甲局", "丙局", "甲局", "甲局"]
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(_page(tmp_path, _rows(contents, units)))
        page.wait_for_selector(".dt-container .dt-scroll-body tbody tr")
        assert page.evaluate(SHOWN_ROWS) == ["0201", "0202", "0203", "0204", "0205"]
        assert page.locator(".dt-search label").inner_text() == "搜索:"
        # a click on the column name 承办单位 sorts the rows by it
        header = page.locator(".dt-scroll-head thead th", has_text="承办单位")
        header.locator(".dt-column-title").click()
        page.wait_for_function(f"() => ({SHOWN_ROWS})()[0] !== '0201'")
        by_unit = [units[_number(order) - 1] for order in page.evaluate(SHOWN_ROWS)]
        assert by_unit != units and by_unit in (sorted(units), sorted(units, reverse=True))
        # the search box of 承办单位 keeps its rows
        boxes = page.locator(".dt-scroll-foot tfoot input")
        assert boxes.count() == len(SHOWN)
        box = boxes.nth(COLUMNS.index("承办单位"))
        box.press_sequentially("甲局")
        box.press("Enter")   # Playwright inserts Chinese without key events; a person's input method sends keyup
        page.wait_for_function(f"() => ({SHOWN_ROWS})().length === 3")
        kept = page.evaluate(SHOWN_ROWS)
        assert sorted(kept) == ["0202", "0204", "0205"]
        with page.expect_download() as download:
            page.locator("button.buttons-excel").click()
        assert download.value.suggested_filename == "导出测试.xlsx"
        path = tmp_path / "export.xlsx"
        download.value.save_as(path)
    finally:
        context.close()
    sheet = openpyxl.load_workbook(path).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows() if any(c.value is not None for c in row)]
    assert rows[0] == COLUMNS
    content = rows[0].index("诉求内容")
    assert [row[0] for row in rows[1:]] == kept                       # the rows left, in the table's order
    assert [row[content] for row in rows[1:]] == [contents[_number(i) - 1].replace("13812345678", "138****5678") for i in kept]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    with zipfile.ZipFile(path) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml                        # no formula anywhere
    assert "13812345678" not in xml
