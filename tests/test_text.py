"""The bulletin's wording: Chinese numerals and the published sentences, verbatim."""

from __future__ import annotations

import pytest

from hotline_lib.core.numbers import chinese_month, chinese_number
from hotline_lib.core.text import html, rank_label, sentence

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages


@pytest.mark.parametrize("number, text", [(1, "一"), (2, "二"), (10, "十"), (11, "十一"), (12, "十二"), (20, "二十"), (31, "三十一")])
def test_chinese_number(number, text):
    assert chinese_number(number) == text


@pytest.mark.parametrize("month, text", [(1, "一月份"), (10, "十月份"), (12, "十二月份")])
def test_chinese_month(month, text):
    assert chinese_month(month) == text


@pytest.mark.parametrize("bad", [0, 13, -1])
def test_chinese_month_rejects_impossible_months(bad):
    with pytest.raises(ValueError):
        chinese_month(bad)


def test_rank_label():
    assert (rank_label(1), rank_label(2)) == ("第一", "第二")


def test_header_and_channel_sentences(reference_figures):
    o = reference_figures["overview"]
    assert sentence("header", "2020", 12, o) == "2020年12月，全区共签收工单3717件，办结工单3514件(含上月流转工单），回访工单3327件。"
    assert sentence("channels", o) == "其中，“市长信箱”40件、“我的长沙”34件，“联动警情”、“好差评”、“人民网”等共5件。"


def test_channel_sentence_without_grouped_channels():
    o = {"channels_named": {"市长信箱": 3}, "channels_grouped": {"names": [], "total": 0}}
    assert sentence("channels", o) == "其中，“市长信箱”3件。"


def test_city_ranking_sentence():
    assert sentence("city_ranking", "12月份", "内五区", "第二", "第一") == "12月份，我区12345政务热线工作满意度在内五区排名第二，总分排名第一。"


def test_units_with_display_names():
    by_unit = [("区行政执法局", 6), ("区市场监督管理局", 1), ("马王堆街道办事处", 1)]
    assert sentence("units_with_counts", by_unit) == "区行政执法局6件、区市场监督管理局1件、马王堆街道办事处1件。"


def test_epidemic_sentence(reference_figures):
    assert sentence("epidemic", "12月份", reference_figures["epidemic"]) == (
        "12月份共签收疫情工单45件，办结疫情工单38件，占本月工单办结总数的1.08%。其中，咨询2件，求助40件，建议1件，投诉2件，"
        "回访不满意1件，满意率为97.78%。疫情工单主要集中在：")


def test_html_fragments_escape_data():
    import pandas as pd

    from hotline_lib.render.section import Section, section_html

    section = Section("units", "2020-12", heading="区内情况统计")
    section.table(pd.DataFrame({"单 位": ["<script>alert(1)</script>"], "回访满意率": ["0.00%"]}))
    fragment = section_html(section, "二")
    assert "<script>" not in fragment and "&lt;script&gt;alert(1)&lt;/script&gt;" in fragment


def test_html_fragments_mask_personal_numbers():
    from hotline_lib.render.section import Block, Section, section_html

    section = Section("case_story", "2020-12", heading="优秀案例分享")
    section.blocks.append(Block("paragraph", text="市民13812345678来电<b>"))
    fragment = section_html(section, "五")   # masked when printed, even if a record was not masked
    assert "138****5678" in fragment and "13812345678" not in fragment and "&lt;b&gt;" in fragment
