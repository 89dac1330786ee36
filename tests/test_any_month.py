"""Text that is right for any district's month (issue [12]): the sentences of empty months (no
epidemic order, no 营商环境 order, no unit below the threshold, no excellent unit), chart titles from
the same threshold as their headings, 满分 only at full marks, the case story as Markdown, and one
warning per left-out section naming the number it would have had."""

from __future__ import annotations

import copy
from decimal import Decimal

import docx
import nbformat
import pandas as pd
import papermill
import pytest
import yaml

from hotline_lib.analysis.bulletin import (excellent_criteria, has_business_orders, low_satisfaction_chart_rows,
                                           low_satisfaction_figures, low_satisfaction_units)
from hotline_lib.core.config import notebooks_dir
from hotline_lib.core.i18n import Message
from hotline_lib.core.story import story_blocks
from hotline_lib.core.text import sentence
from hotline_lib.render.docx import bulletin_docx
from hotline_lib.render.page import left_out_warnings
from hotline_lib.render.section import SECTION_MIME, Section, records_from_notebook, section_html, sections_from_notebook


# 1. Epidemic orders ---------------------------------------------------------------------------------

def _no_epidemic(reference: dict) -> dict:
    """The epidemic figures of a month without epidemic orders, as figures.counts.epidemic gives them."""
    return {**reference, "signed": 0, "completed": 0, "share_of_month_completed": "0.00%",
            "by_appeal_type": {k: 0 for k in reference["by_appeal_type"]}, "visited_unsatisfied": 0,
            "satisfaction": "100.00%", "top_categories": []}


def test_a_month_without_epidemic_orders_says_so_in_one_sentence(reference_figures):
    text = sentence("epidemic", "3月份", _no_epidemic(reference_figures["epidemic"]))
    assert text == "3月份未签收疫情相关工单。"


def test_the_epidemic_sentence_ends_with_a_colon_only_when_the_table_follows(reference_figures):
    figures = {**reference_figures["epidemic"], "top_categories": []}
    text = sentence("epidemic", "12月份", figures)
    assert text.endswith("满意率为97.78%。") and "集中在" not in text


# 2. 营商环境 orders ----------------------------------------------------------------------------------

def test_no_business_orders_is_a_sentence_not_a_table_of_zeros(reference_figures):
    empty = {"complaints": {"total": 0, "by_unit": {}}, "praise": {"total": 0, "by_unit": {}}}
    assert has_business_orders(empty) is False
    assert has_business_orders(reference_figures["business_environment"]) is True
    assert has_business_orders({**empty, "praise": {"total": 1, "by_unit": {"区卫健局": 1}}}) is True
    assert sentence("no_business_orders") == "本月未签收营商环境、行政效能类工单。"


# 3. No unit below the threshold, no excellent unit --------------------------------------------------

def test_no_excellent_unit_and_no_low_unit_read_as_sentences():
    criteria = excellent_criteria(70, 100, 30, full_marks=70)
    assert sentence("excellent", criteria, []) == \
        "（一）本月我区12345政务热线工作暂无完成度较好单位（总分70分满分、满意度100%、工单签收数30件以上）。"
    assert sentence("excellent", criteria, ["文艺路街道办事处", "东湖街道办事处"]) == \
        "（一）我区12345政务热线工作完成度较好单位（总分70分满分、满意度100%、工单签收数30件以上）：文艺路街道办事处、东湖街道办事处。"
    assert sentence("no_low_satisfaction", "95%") == "本月各单位回访满意度均不低于95%。"


# 4. Chart titles from the threshold ---------------------------------------------------------------

@pytest.fixture
def scored() -> pd.DataFrame:
    return pd.DataFrame({
        "类别": ["街道", "街道", "区直部门"], "部门名称": ["文艺路街道办事处", "马坡岭街道办事处", "行政执法局"],
        "签收总数": [40, 49, 411], "回访工单总数": [30, 39, 396], "回访满意数": [30, 35, 383],
        "回访满意度": [Decimal("100.00"), Decimal("89.74"), Decimal("96.72")], "总分": [Decimal("70"), Decimal("68.5"), Decimal("66.2")]})


@pytest.mark.parametrize("threshold, units", [(97, ["马坡岭街道办事处", "行政执法局"]), (95.5, ["马坡岭街道办事处"]), (80, [])])
def test_the_chart_shows_the_units_of_the_heading_and_says_the_same_threshold(scored, threshold, units):
    low = low_satisfaction_units(scored, threshold)
    label = low_satisfaction_figures(low, threshold)["threshold"]
    assert label == f"{threshold:g}%"
    assert sentence("low_satisfaction_heading", label) == "（二）" + sentence("low_satisfaction_title", label)
    assert sentence("low_satisfaction_title", label) == f"满意度低于{threshold:g}%的单位"
    rows = low_satisfaction_chart_rows(low)
    assert rows["单 位"].tolist() == units and all(rows["rate"] < threshold)


def test_the_top_categories_chart_is_titled_as_its_heading():
    assert sentence("top_categories_heading") == "（一）" + sentence("top_categories_title")


# 5. 满分 only at full marks ---------------------------------------------------------------------------

@pytest.mark.parametrize("score, satisfaction, base, expected", [
    (70, 100, 70, "总分70分满分、满意度100%、工单签收数30件以上"),
    (65, 100, 70, "总分不低于65分、满意度100%、工单签收数30件以上"),
    (100, 98.5, 100, "总分100分满分、满意度不低于98.5%、工单签收数30件以上"),
    (Decimal("69.5"), Decimal("100.00"), 70, "总分不低于69.5分、满意度100%、工单签收数30件以上"),
])
def test_the_excellent_criteria_say_full_marks_only_when_the_threshold_is_the_base(score, satisfaction, base, expected):
    assert excellent_criteria(score, satisfaction, 30, full_marks=base) == expected


# 6. The case story as Markdown --------------------------------------------------------------------

STORY = ("# 某小区**噪音**扰民问题\n\n市民<script>alert('x')</script>来电，**电话13812345678**，*韭菜园街道*当天处理。\n"
         "第二段：身份证号430102199001011234。\n\n- 现场查看\n- 协调整改\n\n号码138**1234**5678拆开写。\n")


def test_the_story_is_read_as_headings_paragraphs_and_emphasis():
    blocks = story_blocks(STORY)
    assert [kind for kind, _ in blocks] == ["subheading", "paragraph", "paragraph", "paragraph", "paragraph", "paragraph"]
    assert blocks[0][1] == [("某小区", ""), ("噪音", "strong"), ("扰民问题", "")]
    assert ("韭菜园街道", "em") in blocks[1][1] and blocks[1][1][0] == ("市民<script>alert('x')</script>来电，", "")
    assert [runs for _, runs in blocks[3:5]] == [[("• 现场查看", "")], [("• 协调整改", "")]]


def test_the_story_is_masked_and_escaped_in_the_page():
    section = Section("case_story", "2020-12", heading="优秀案例分享").markdown(STORY)
    page = section_html(section, "五")
    assert "<h3>某小区<strong>噪音</strong>扰民问题</h3>" in page and "# 某小区" not in page
    assert "<strong>电话138****5678</strong>" in page and "<em>韭菜园街道</em>" in page
    assert "<script" not in page and "&lt;script&gt;" in page
    for number in ("13812345678", "430102199001011234", "12345678拆开"):
        assert number not in page and number not in str(section.to_dict())
    assert "号码138****5678拆开写。" in page   # masked although emphasis split it, the emphasis dropped


def test_the_story_keeps_its_heading_and_emphasis_in_word(settings, tmp_path):
    section = Section("case_story", "2020-12", heading="优秀案例分享").markdown(STORY)
    restored = Section.from_dict(section.to_dict())   # as sections.json gives it back
    out = bulletin_docx([restored], settings, tmp_path / "b.docx", "标题")
    paragraphs = docx.Document(str(out)).paragraphs
    heading = next(p for p in paragraphs if p.text == "某小区噪音扰民问题")
    assert heading.style.name == "Heading 2"
    body = next(p for p in paragraphs if p.text.startswith("市民"))
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in body.runs if r.bold or r.italic] == \
        [("电话138****5678", True, False), ("韭菜园街道", False, True)]
    assert "<script>" in body.text   # Word has no markup to run: the text as written


# 7. One warning per left-out section, numbered as it would have been -------------------------------

def _record(key: str, heading: str = "", omitted: str | None = None) -> Section:
    section = Section(key, "2020-12", heading=heading, numbered=bool(heading))
    if omitted:
        section.omitted = {"msgid": omitted, "fields": {"path": f"/data/{key}"}}
    return section


RECORDS = [_record("overview"), _record("city_ranking", "全市排名情况", "no city ranking for this month ({path})"),
           _record("units", "区内情况统计"), _record("features", "本月热线特点"), _record("epidemic", "疫情工单数据"),
           _record("case_story", "优秀案例分享", "no case story for this month ({path})"), _record("appendix")]


def test_a_left_out_section_is_warned_once_in_chinese_with_the_number_it_would_have_had():
    assert left_out_warnings(RECORDS) == ["警告：本月没有全市排名（/data/city_ranking）：通报略去第一部分“全市排名情况”",
                                          "警告：本月没有典型案例（/data/case_story）：通报略去第四部分“优秀案例分享”"]


def test_the_warning_is_english_when_asked(monkeypatch):
    monkeypatch.setenv("HOTLINE_LANG", "en")
    assert left_out_warnings(RECORDS[4:]) == [
        "WARNING: no case story for this month (/data/case_story): section 二, 优秀案例分享, is left out"]


def test_a_left_out_record_is_not_a_section_of_the_bulletin(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda data, raw=False: shown.append(data))
    _record("case_story", "优秀案例分享").leave_out(Message("no case story for this month ({path})",
                                                          path="/data/cases/2020-12.md"))
    (data,) = shown
    assert data["text/plain"] == "本月没有典型案例（/data/cases/2020-12.md）：本节不进入通报"
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("section.leave_out(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={SECTION_MIME: data[SECTION_MIME], "text/plain": ""})]
    notebook.cells.append(cell)
    notebook = nbformat.reads(nbformat.writes(notebook), as_version=4)
    assert sections_from_notebook(notebook) == []
    assert [r.omitted_reason for r in records_from_notebook(notebook)] == [
        Message("no case story for this month ({path})", path="/data/cases/2020-12.md")]


# The units section of a district whose thresholds leave no unit on either list ------------------------

@pytest.mark.slow
def test_the_units_section_with_no_excellent_unit_no_low_unit_and_a_lower_score_threshold(sample_dir, tmp_path, monkeypatch):
    from hotline_lib.core.config import settings_file

    settings = yaml.safe_load(settings_file().read_text(encoding="utf-8"))
    changed = copy.deepcopy(settings)
    changed["excellent"].update(score=65, min_signed=100000)
    changed["low_satisfaction_below"] = 50
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(changed, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "03_units.ipynb"
    papermill.execute_notebook(str(notebooks_dir() / "03_units.ipynb"), str(out), kernel_name="python3",
                               progress_bar=False, cwd=str(notebooks_dir()), parameters={"workspace": {"data": str(sample_dir), "settings_file": str(path)}})
    (section,) = sections_from_notebook(nbformat.read(out, as_version=4))
    assert [(b.kind, b.text) for b in section.blocks] == [
        ("paragraph", "（一）本月我区12345政务热线工作暂无完成度较好单位（总分不低于65分、满意度100%、工单签收数100000件以上）。"),
        ("subheading", "（二）满意度低于50%的单位"),
        ("paragraph", "本月各单位回访满意度均不低于50%。")]
    assert section.figures["low_satisfaction_units"] == {"threshold": "50%", "rows": []}


@pytest.mark.parametrize("lang, expected", [(None, "警告：找不到字体"), ("en", "WARNING: 找不到字体")])
def test_a_kernels_log_warning_is_in_the_readers_language_and_reaches_the_report(monkeypatch, lang, expected):
    import logging

    from hotline_lib.core.i18n import LogFormatter
    from hotline_lib.render.notebooks import kernel_warnings

    if lang:
        monkeypatch.setenv("HOTLINE_LANG", lang)
    record = logging.LogRecord("matplotlib", logging.WARNING, __file__, 1, "找不到字体", None, None)
    line = LogFormatter().format(record)
    assert line == expected
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("m = hb.load_month(month)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stderr", text=f"{line}\n其他输出\n")]
    notebook.cells.append(cell)
    assert kernel_warnings(notebook) == [expected]


def test_the_e_mail_digest_says_when_no_unit_is_below_the_threshold():
    from hotline_lib.deliver.mail import digest_parts

    units = Section("units", "2020-12", heading="区内情况统计")
    units.paragraph(sentence("excellent", "总分70分满分", []))
    units.subheading(sentence("low_satisfaction_heading", "97%"))
    units.paragraph(sentence("no_low_satisfaction", "97%"))
    _, parts = digest_parts([units])
    assert parts == [{"heading": "满意度低于97%的单位", "items": [("paragraph", "本月各单位回访满意度均不低于97%。")]}]
