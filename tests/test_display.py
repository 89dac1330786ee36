"""hb.shown, the one way a notebook shows a table: every column, text left and numbers right, missing
cells blank, no 0-based index beside a table's own key, an empty table as one sentence; and the
units notebook, executed, shows 回访满意度 in its main table."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest

from hotline_lib import notebook as hb
from hotline_lib.core.config import notebooks_dir


class _Table(HTMLParser):
    """The header texts and body rows of the first table, and its CSS."""

    def __init__(self):
        super().__init__()
        self.headers, self.rows, self.css, self._cell, self._in_style, self._row = [], [], "", None, False, None

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self._in_style = True
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td"):
            self._cell = [tag, dict(attrs).get("class", ""), ""]

    def handle_data(self, data):
        if self._in_style:
            self.css += data
        elif self._cell is not None:
            self._cell[2] += data

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False
        elif tag in ("th", "td") and self._cell is not None:
            self._row.append(tuple(self._cell))
            self._cell = None
        elif tag == "tr":
            if all(kind == "th" for kind, _, _ in self._row) and not self.rows:
                self.headers.append([text for _, _, text in self._row])
            else:
                self.rows.append(self._row)


def _parse(html: str) -> _Table:
    table = _Table()
    table.feed(html)
    return table


def _alignment(css: str, column: int) -> str:
    rule = re.search(r"td\.col%d\s*\{([^}]*)\}" % column, css)
    return re.search(r"text-align:\s*(\w+)", rule.group(1)).group(1)


def test_a_wide_table_shows_every_column_by_its_exact_name():
    columns = [f"指标{i}（%）" for i in range(24)] + ["回访满意度"]
    frame = pd.DataFrame([[float(i) for i in range(25)]] * 3, columns=columns)
    html = hb.shown(frame)._repr_html_()
    table = _parse(html)
    assert table.headers == [columns]
    assert [text for _, _, text in table.rows[0]][-2:] == ["23", "24.00%"]   # the rate as the bulletin prints it
    assert "..." not in html and "…" not in html
    assert 'class="dataframe"' in html and "<script" not in html.lower()


def test_text_is_left_aligned_and_numbers_right():
    frame = pd.DataFrame({"单 位": ["文艺路街道办事处", "湘湖管理局"], "签收总数": [12, 7],
                          "回访满意度": [99.1, 100], "总分": [69.9, 70.0]})
    table = _parse(hb.shown(frame)._repr_html_())
    assert [_alignment(table.css, i) for i in range(4)] == ["left", "right", "right", "right"]
    assert [text for _, _, text in table.rows[0]] == ["文艺路街道办事处", "12", "99.10%", "69.9"]
    assert re.search(r"th\s*\{[^}]*word-break:\s*keep-all", table.css)


def test_missing_values_are_blank_or_the_given_dash():
    frame = pd.DataFrame({"工单编号": ["001", None], "办结时间": [pd.Timestamp("2020-12-03 10:00"), pd.NaT],
                          "扣分": [0.5, np.nan], "次数": pd.array([1, None], dtype="Int64")})
    rows = _parse(hb.shown(frame)._repr_html_()).rows
    assert [text for _, _, text in rows[0]] == ["001", "2020-12-03 10:00:00", "0.5", "1"]
    assert [text for _, _, text in rows[1]] == ["", "", "", ""]
    dashed = _parse(hb.shown(frame, missing="—")._repr_html_()).rows
    assert [text for _, _, text in dashed[1]] == ["—"] * 4


def test_a_range_index_is_hidden_and_an_own_key_shown():
    frame = pd.DataFrame({"排名": [1, 2], "单 位": ["甲", "乙"]})
    html = hb.shown(frame)._repr_html_()
    assert "row_heading level0" not in html
    assert [[text for _, _, text in row] for row in _parse(html).rows] == [["1", "甲"], ["2", "乙"]]
    chosen = _parse(hb.shown(frame.iloc[[1]])._repr_html_())   # rows chosen: still no row numbers
    assert [[text for _, _, text in row] for row in chosen.rows] == [["2", "乙"]]
    keyed = _parse(hb.shown(frame.set_index("单 位"))._repr_html_())
    assert [[text for _, _, text in row] for row in keyed.rows] == [["甲", "1"], ["乙", "2"]]


def test_every_cell_header_and_caption_is_escaped():
    frame = pd.DataFrame({"<i>列</i>": ["<b>市民</b>", ["<s>"]]}).set_index(pd.Index(["<u>甲</u>", "乙"], name="单位"))
    html = hb.shown(frame, caption="<em>附件</em>")._repr_html_()
    assert "<b>" not in html and "<s>" not in html and "<i>" not in html and "<u>" not in html and "<em>" not in html
    assert "&lt;b&gt;市民&lt;/b&gt;" in html and "&lt;i&gt;列&lt;/i&gt;" in html and "&lt;em&gt;附件" in html


def test_an_empty_table_is_one_sentence():
    empty = pd.DataFrame(columns=["工单编号", "规则"])
    assert hb.shown(empty)._repr_html_() == '<p class="empty-table">（无）</p>'
    assert hb.shown(empty, empty="本月无核减")._repr_html_() == '<p class="empty-table">本月无核减</p>'


def test_the_frame_returned_is_the_table_a_section_takes():
    frame = pd.DataFrame({"单 位": ["甲"], "回访满意度": [99.1]})
    result = hb.shown(frame)
    assert isinstance(result, pd.DataFrame) and result.to_dict("list") == {"单 位": ["甲"], "回访满意度": ["99.10%"]}
    section = hb.Section("units", "2020-12", heading="区内情况统计").table(result)
    assert section.blocks[-1].rows == [["甲", "99.10%"]]
    assert type(result.reset_index(drop=True)) is pd.DataFrame   # anything derived is a plain frame


def test_a_long_table_shows_its_ends_and_says_so():
    frame = pd.DataFrame({"序号": range(100), "单 位": [f"单位{i}" for i in range(100)]})
    html = hb.shown(frame)._repr_html_()
    units = [row[1][2] for row in _parse(html).rows]
    assert units[:2] == ["单位0", "单位1"] and units[-1] == "单位99" and len(units) == 60
    assert "共 100 行" in html


@pytest.mark.slow
def test_the_units_notebook_shows_every_column_of_its_main_table(sample_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA", str(sample_dir))
    path = notebooks_dir() / "03_units.ipynb"
    out = tmp_path / path.name
    papermill.execute_notebook(str(path), str(out), kernel_name="python3", progress_bar=False, cwd=str(path.parent))
    executed = nbformat.read(out, as_version=4)
    main = next(c for c in executed.cells if "hb.shown(scored)" in c.source)
    (html,) = [o["data"]["text/html"] for o in main.outputs if "text/html" in o.get("data", {})]
    table = _parse(html)
    assert "回访满意度" in table.headers[0] and "总分" in table.headers[0] and "…" not in html
    assert "row_heading level0" not in html    # the table's own 排名, no 0-based index beside it
    assert len(table.rows) == len(re.findall(r"<tr>", html)) - 1
