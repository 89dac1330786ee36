"""The section model and the steps the section notebooks take (no kernel: plain frames)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from hotline_lib.analysis.bulletin import (appendix_caption, excellent_units, low_satisfaction_figures,
                                           low_satisfaction_units, pairs_per_row, shown)
from hotline_lib.render.page import bulletin_page, numbering
from hotline_lib.render.section import section_html
from hotline_lib.render.section import SECTION_MIME, Section, is_number, sections_from_notebook

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages


@pytest.fixture
def scored() -> pd.DataFrame:
    """Four scored units, in published order."""
    return pd.DataFrame({
        "类别": ["街道", "街道", "区直部门", "区直部门"],
        "部门名称": ["文艺路街道办事处", "马坡岭街道办事处", "行政审批服务局", "行政执法局"],
        "签收总数": [40, 49, 58, 411], "回访工单总数": [30, 39, 50, 396], "回访满意数": [30, 35, 50, 383],
        "回访满意度": [Decimal("100.00"), Decimal("89.74"), Decimal("100.00"), Decimal("96.72")],
        "总分": [Decimal("70"), Decimal("68.5"), Decimal("70"), Decimal("66.2")],
    })


@pytest.mark.parametrize("text, expected", [("3717", True), ("99.10%", True), ("-2", True), ("68.6", True),
                                            ("1,143", True), ("马坡岭街道办事处", False), ("—", False), ("", False),
                                            ("12月", False)])
def test_is_number(text, expected):
    assert is_number(text) is expected


@pytest.mark.parametrize("threshold, units", [(97, ["马坡岭街道办事处", "行政执法局"]), (95, ["马坡岭街道办事处"]), (80, [])])
def test_low_satisfaction_units_lowest_first(scored, threshold, units):
    low = low_satisfaction_units(scored, threshold)
    assert low["单 位"].tolist() == units
    if units:
        assert low.iloc[0].tolist()[1:4] == [49, 39, 4]


def test_low_satisfaction_figures_print_rates_as_published(scored):
    figures = low_satisfaction_figures(low_satisfaction_units(scored, 97), 97)
    assert figures["threshold"] == "97%"
    assert figures["rows"][0] == {"unit": "马坡岭街道办事处", "signed": 49, "visited": 39, "unsatisfied": 4, "satisfaction": "89.74%"}


@pytest.mark.parametrize("min_signed, excluded, units", [(30, ["行政审批服务局"], ["文艺路街道办事处"]),
                                                         (30, [], ["文艺路街道办事处", "行政审批服务局"]),
                                                         (50, [], ["行政审批服务局"])])
def test_excellent_units(scored, min_signed, excluded, units):
    assert excellent_units(scored, 70, 100, min_signed, excluded)["部门名称"].tolist() == units


def test_shown_prints_rates_and_scores_as_published(scored):
    table = shown(scored)
    assert table["回访满意度"].tolist() == ["100.00%", "89.74%", "100.00%", "96.72%"]
    assert table["总分"].tolist() == ["70", "68.5", "70", "66.2"]


def test_pairs_per_row_fills_the_last_row():
    frame = pd.DataFrame({"类型": ["a", "b", "c"], "工单数量": [3, 2, 1]})
    assert pairs_per_row(frame).values.tolist() == [["a", 3, "b", 2], ["c", 1, "", ""]]


def test_appendix_caption_as_published():
    assert appendix_caption(1, "区直部门", "2020-12") == "二、区直部门（2020年12月)"


def _section(key: str, heading: str = "", numbered: bool = True) -> Section:
    return Section(key, "2020-12", heading=heading, numbered=numbered)


@pytest.mark.parametrize("present, numbers", [
    (["overview", "city", "units", "features", "appendix"], [None, "一", "二", "三", None]),
    (["overview", "units", "features", "appendix"], [None, "一", "二", None]),     # no city ranking: no gap
])
def test_sections_are_numbered_from_those_present(present, numbers):
    sections = [_section(k, heading="" if k == "overview" else k, numbered=k not in ("overview", "appendix")) for k in present]
    assert numbering(sections) == numbers


def test_a_record_masks_text_from_the_data_and_survives_json():
    import json

    section = _section("units", "区内情况统计")
    section.paragraph("市民来电 13812345678")
    section.table(pd.DataFrame({"单 位": ["东湖<script>"], "回访满意率": ["99.10%"]}), caption="表 13912345678")
    section.add_figures(low={"unit": "电话13712345678"})
    again = Section.from_dict(json.loads(json.dumps(section.to_dict())))
    assert again == section
    assert again.paragraphs == ["市民来电 138****5678"]
    assert again.tables[0].caption == "表 139****5678" and again.figures == {"low": {"unit": "电话137****5678"}}


def test_section_html_escapes_and_right_aligns_numbers():
    section = _section("units", "区内情况统计")
    section.table(pd.DataFrame({"单 位": ["东湖<script>"], "签收总数": ["58"]}))
    html = section_html(section, "二")
    assert "<h2>二、区内情况统计</h2>" in html and "<script>" not in html and "东湖&lt;script&gt;" in html
    assert '<th class="num">签收总数</th>' in html and '<td class="num">58</td>' in html and "<td>东湖" in html


def test_a_chart_is_kept_as_png_and_embedded_untouched():
    from matplotlib.figure import Figure

    figure = Figure(figsize=(2, 1))
    figure.add_subplot().plot([0, 1], [13812345678, 13812345679])
    section = _section("units", "区内情况统计").chart(figure, alt="图")
    png = section.charts[0].png
    assert png.startswith(b"\x89PNG")
    import base64

    assert base64.b64encode(png).decode() in bulletin_page("标题", [section], css="")


def test_an_override_is_printed_and_recorded(settings, capsys):
    section = _section("units", "区内情况统计")
    assert section.setting(settings, "low_satisfaction_below") == settings.low_satisfaction_below
    assert section.overrides == {}
    assert section.setting(settings, "low_satisfaction_below", override=95) == 95
    assert section.setting(settings, "excellent.min_signed", override=settings.excellent.min_signed) == 30
    assert section.overrides == {"low_satisfaction_below": {"settings": 97, "used": 95}}
    assert "low_satisfaction_below = 95" in capsys.readouterr().out


def test_records_are_read_back_from_an_executed_notebook_in_order():
    import nbformat

    first, second = _section("overview"), _section("units", "区内情况统计")
    notebook = nbformat.v4.new_notebook()
    for section in (first, second):
        cell = nbformat.v4.new_code_cell("section.record()")
        cell.outputs = [nbformat.v4.new_output("display_data", data={SECTION_MIME: section.to_dict(), "text/html": "<p>"})]
        notebook.cells.append(cell)
    assert sections_from_notebook(nbformat.reads(nbformat.writes(notebook), as_version=4)) == [first, second]
