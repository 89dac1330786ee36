"""The rules tried as a new office would: `hotline score` on hand-written tables under each shipped
scheme and under a scheme written from docs/scoring.md alone (every figure worked out by hand in the
comments), the mistakes an office makes in a table or a rules file as one located line in both
languages, `rules show` without English or internal keys, and properties of all four schemes."""

from __future__ import annotations

import re
from decimal import Decimal

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import RULES_DIR
from hotline_lib.core.errors import RulesError
from hotline_lib.scoring.columns import COMPLETED
from hotline_lib.scoring.rules import load_rules, shipped_rules
from hotline_lib.scoring.table import score_table

D = Decimal
runner = CliRunner()

#: A city's own scheme, written from docs/scoring.md alone: 签收及时率 15, 按时办结率 25, 满意率 40
#: ((满意 + 0.8 × 基本满意) ÷ 回访), 工作配合 10 by hand, 1 point a 表扬 up to 5, two groups by 类别,
#: grades A/B/C/D, the bottom 2 of all units on the 黑榜.
CITY = """
name: 某市12345工单办理考核
base: 0
full_marks: 90
columns: [表扬数]
indicators:
  签收及时率: {numerator: {签收总数: 1, 未按时签收数: -1}, denominator: 签收总数}
  满意率: {numerator: {回访满意数: 1, 基本满意数: -0.2}, denominator: 回访工单总数}
items:
  签收及时率: {kind: rate, full: 15, target: 98, points_per_point: 1}
  按时办结率: {kind: rate, full: 25, target: 95, points_per_point: 2}
  满意率: {kind: rate, full: 40, target: 90, points_per_point: 2}
  工作配合: {kind: manual, full: 10}
bonuses:
  表扬: {kind: per_count, column: 表扬数, points: 1, cap: 5}
bonus_cap: 5
groups:
  街道: {kinds: [街道], full_marks: 90}
  部门: {kinds: [区直部门], full_marks: 90}
rounding: {rate: 0.01, item: 0.01, step: 0.01}
grades: [{name: A, min_percent: 90}, {name: B, min_percent: 80}, {name: C, min_percent: 60}, {name: D}]
black_list: {size: 2, within: all}
"""

FURONG_HEADER = ("类别,部门名称,签收总数,未按时签收数,未及时退回数,退单驳回数,办结工单（含上月流转工单）,未按时办结数,按时办结率,"
                 "延期驳回数,发回重办数,回访工单总数,回访满意数,回访满意度,延期办理率,重复交办率\n")

SCORED = [
    ("lianyungang", "类别,部门名称,及时签收率,按时办结率,满意率,答复规范\n"
     # 94.995 -> 95.00: 10; 97.99: 12.5 + 12.5 - 0.5 x 0.01 = 24.995 -> 25.00: 100, tied with 交通局
     "市直部门,教育局,94.995,95,97.99,10\n市直部门,交通局,100,100,100,10\n"
     # 80% sign-in: 10 - 15 -> 0; empty 答复规范: its default 10: 0 + 20 + 25 + 10 + 35 = 90
     "市直部门,公安局,80,100,98,\n"
     # 10 + 14.82 + 19.75 + 9 + 35
     "市直部门,体育局,100,89.82,87.5,9\n"
     # rates of 0: 0 + 0 + 12.5 (the fixed part) + 0 + 35
     "市直部门,住建局,0,0,0,0\n"
     "县,东海县,,,,\n区,海州区,,,,\n板块,开发区,,,,\n",
     {"教育局": ("100", "1", ""), "交通局": ("100", "1", ""), "公安局": ("90", "3", "是"), "体育局": ("88.57", "4", "是"),
      "住建局": ("47.5", "5", "是"), "东海县": ("150", "1", ""), "海州区": ("100", "1", ""), "开发区": ("100", "1", "")}),
    ("sanlv", "类别,部门名称,回访工单总数,回访满意数,基本满意数,已联系数,已解决数\n"
     # 95, 80, (90 - 1) / 100 = 89: 9.5 + 40 + 35.6 = 85.1
     "街道,甲街道,100,90,10,95,80\n"
     # no visits: nothing to count, 已联系数 and 已解决数 may be empty; every rate 100%
     "街道,乙街道,0,0,0,,\n"
     # 100, 100, (3 - 0.3) / 3 = 90: 10 + 50 + 36
     "区直部门,戊局,3,3,3,3,3\n区直部门,丁局,10,0,0,0,0\n",
     # every unit is on a 红榜 of 5 per group, so none on the 黑榜
     {"甲街道": ("85.1", "2", "是", ""), "乙街道": ("100", "1", "是", ""), "戊局": ("96", "1", "是", ""),
      "丁局": ("0", "2", "是", "")}),
    ("hangzhou", "类别,部门名称,签收总数,未按时签收数,按时办结率,回访工单总数,回访满意数\n"
     "街道,甲,300,0,100,100,95\n"        # 20 + 40 + 38 = 98 优秀
     "街道,乙,300,30,90,100,90\n"        # 18 + 36 + 36 = 90: 达标 at the line
     "街道,丁,80,8,80,50,40\n"           # 18 + 32 + 32 = 82, last of 80-299: 黄牌
     "街道,丙,299,0,100,100,100\n"
     "街道,庚,19,0,50,10,1\n"            # 20 + 20 + 4 = 44; under 20: 不公布, no grade
     "街道,辛,0,0,100,0,0\n",            # no orders: 100, 不公布
     {"甲": ("98", "1", "优秀"), "乙": ("90", "2", "达标"), "丙": ("100", "1", "优秀"), "丁": ("82", "2", "黄牌"),
      "庚": ("44", "不公布", ""), "辛": ("100", "不公布", "")}),
    ("furong", FURONG_HEADER +
     # 0.3 + 0.1 + 0.4 + 0.2 + (100 - 96.30) x 2 = 7.4 + 0.2 (1st of 4 below 100%) + (31.5 - 30) x 0.2 = 0.3: 70 - 8.9
     "街道,甲街道,60,3,1,2,54,2,96.30%,0,1,51,50,98.04%,31.5%,0.00%\n"
     "街道,乙街道,0,0,0,0,0,0,100%,0,0,0,0,100%,0%,0%\n"
     # 0%: capped at 10; 90% ties for 2nd of those below 100%: 0.4
     "街道,丙街道,10,0,0,0,10,10,0%,0,0,10,9,90.00%,0%,0%\n"
     # 延期办理率 100%: 70 x 0.2 = 14, no cap
     "区直部门,丁局,10,0,0,0,10,0,100%,0,0,10,10,100%,100%,0%\n"
     "区直部门,戊局,10,0,0,0,10,0,100%,0,0,10,9,90%,0%,0%\n区直部门,己局,10,0,0,0,10,0,100%,0,0,10,9,90%,0%,0%\n",
     {"甲街道": ("61.1", "2"), "乙街道": ("70", "1"), "丙街道": ("59.6", "3"), "丁局": ("56", "3"), "戊局": ("69.6", "1"),
      "己局": ("69.6", "1")}),
    ("city", "类别,部门名称,签收总数,未按时签收数,按时办结率,回访工单总数,回访满意数,基本满意数,表扬数\n"
     "街道,东街道,100,0,100,50,50,0,7\n"          # 90 + 5 (7 表扬, capped at 5): above full marks by the bonus
     "街道,西街道,100,3,94.5,40,36,10,0\n"        # 97%: 14; 94.5%: 24; (36 - 2) / 40 = 85%: 30; + 10 = 78 B
     "街道,南街道,0,0,100,0,0,0,0\n"              # nothing to count: full marks 90 A
     "区直部门,财政局,10,1,80,10,9,9,1\n"         # 90%: 7; 80%: 0; (9 - 1.8) / 10 = 72%: 4; + 10 + 1 = 22 D
     "区直部门,审计局,10,1,80,10,9,9,1\n"
     "区直部门,民政局,200,0,100,100,100,0,0\n",
     {"东街道": ("95", "1", "A", ""), "西街道": ("78", "3", "B", ""), "南街道": ("90", "2", "A", ""),
      "财政局": ("22", "2", "D", "是"), "审计局": ("22", "2", "D", "是"), "民政局": ("90", "1", "A", "")}),
    # more late sign-ins than orders signed, as the published appendix has (征地事务中心: 1 signed, 2 late):
    # 及时签收率 0%, not -100%: 0 + 20 + 25 + 10 + 35 = 90 (hangzhou: 0 + 40 + 40 = 80, not 60)
    ("lianyungang", "类别,部门名称,签收总数,未按时签收数,按时办结率,回访工单总数,回访满意数\n市直部门,征地事务中心,1,2,100,3,3\n",
     {"征地事务中心": ("90", "1", "是")}),
    ("hangzhou", "类别,部门名称,签收总数,未按时签收数,按时办结率,回访工单总数,回访满意数\n区直部门,征地事务中心,20,40,100,3,3\n",
     {"征地事务中心": ("80", "1", "黄牌")}),
    # a declared count column of 0s and 1s is counts, not fractions: 1 表扬 is 1 point, not 5
    ("city", "类别,部门名称,签收总数,未按时签收数,按时办结率,回访工单总数,回访满意数,基本满意数,表扬数\n"
     "街道,东街道,100,0,100,50,50,0,1\n街道,西街道,100,0,100,50,50,0,0\n",
     {"东街道": ("91", "1", "A", ""), "西街道": ("90", "2", "A", "")}),
]


def _rules_arg(scheme: str, tmp_path) -> str:
    if scheme != "city":
        return scheme
    path = tmp_path / "city.yaml"
    path.write_text(CITY, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("scheme, table, expected", SCORED, ids=[f"{case[0]}-{i}" for i, case in enumerate(SCORED)])
def test_score_by_hand(tmp_path, scheme, table, expected):
    source, out = tmp_path / "table.csv", tmp_path / "scored.csv"
    source.write_text(table, encoding="utf-8")
    result = runner.invoke(app, ["score", str(source), "--rules", _rules_arg(scheme, tmp_path), "--output", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig").set_index("部门名称")
    extra = [c for c in ("等级", "红榜", "黑榜") if c in written.columns]
    assert {unit: tuple(written.loc[unit, ["总分", "排名", *extra]]) for unit in written.index} == expected


BAD_TABLES = [
    # an empty count a unit's rate needs: one located line (it was a NaN traceback)
    ("sanlv", "类别,部门名称,回访工单总数,回访满意数,基本满意数,已联系数,已解决数\n街道,甲,100,90,10,,80\n街道,乙,10,10,0,10,10\n",
     "第 2 行，'已联系数' 列：单元格为空", "row 2, column '已联系数': empty cell"),
    ("sanlv", "类别,部门名称,回访工单总数,回访满意数,基本满意数,已联系数,已解决数\n街道,甲,100,90,10,101,80\n",
     "第 2 行：响应率 为 101%，不在 0% 到 100% 之间：请核对 已联系数、回访工单总数",
     "row 2: 响应率 = 101%, not between 0% and 100%: check 已联系数, 回访工单总数"),
    ("lianyungang", "类别,部门名称,回访工单总数,回访满意数,及时签收率,按时办结率\n市直部门,甲,10,11,100,100\n",
     "第 2 行：满意率 为 110%", "row 2: 满意率 = 110%"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("scheme, table, zh, en", BAD_TABLES)
def test_a_bad_table_is_one_located_line(tmp_path, monkeypatch, lang, scheme, table, zh, en):
    monkeypatch.setenv("HOTLINE_LANG", lang)
    source = tmp_path / "t.csv"
    source.write_text(table, encoding="utf-8")
    result = runner.invoke(app, ["score", str(source), "--rules", scheme])
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert (zh if lang == "zh" else en) in result.stderr and "Traceback" not in result.stderr


def _city(edit) -> dict:
    raw = yaml.safe_load(CITY)
    edit(raw)
    return raw


BAD_RULES = [
    ("typo in a key", lambda r: r["items"]["签收及时率"].update(point_per_point=r["items"]["签收及时率"].pop("points_per_point")),
     "：未知的键 'items.签收及时率.point_per_point'：是否应为 'items.签收及时率.points_per_point'？",
     ": unknown key 'items.签收及时率.point_per_point': did you mean 'items.签收及时率.points_per_point'?"),
    ("weights not summing", lambda r: r["items"]["签收及时率"].update(full=16),
     "groups.街道.full_marks：声明为 90，但基础分与各项满分合计为 91",
     "groups.街道.full_marks: 90 declared, but base and the items' full marks add up to 91"),
    ("unknown column", lambda r: r["bonuses"]["表扬"].update(column="表彰数"),
     "bonuses.表扬.column：'表彰数' 不是单位统计表的列：", "bonuses.表扬.column: '表彰数' is not a column of the unit table: "),
    ("target above 100", lambda r: r["items"]["满意率"].update(target=980),
     "items.满意率.target：980 大于 100", "items.满意率.target: 980 is above 100"),
    ("share above 100", lambda r: r["grades"][0].update(min_percent=190),
     "grades.0.min_percent：190 大于 100", "grades.0.min_percent: 190 is above 100"),
    ("rounding step not a power of ten", lambda r: r["rounding"].update(step=0.05),
     "rounding.step：0.05 不是可用的取整单位：应为 1、0.1、0.01 这样的 10 的整数次幂",
     "rounding.step: 0.05 is not a rounding step: a power of ten such as 1, 0.1 or 0.01"),
    ("rounding step zero", lambda r: r["rounding"].update(rate=0), "rounding.rate：0 不是可用的取整单位",
     "rounding.rate: 0 is not a rounding step"),
    ("a list of none", lambda r: r["black_list"].update(size=0), "black_list.size：0 小于 1", "black_list.size: 0 is below 1"),
    ("a choice", lambda r: r["black_list"].update(within="everyone"),
     "black_list.within：'everyone' 不是可选值之一：group、all", "black_list.within: 'everyone' is not one of group, all"),
    ("kind", lambda r: r["items"]["工作配合"].update(kind="manul"),
     "items.工作配合.kind：'manul' 不是可用的种类：rate、manual、weighted",
     "items.工作配合.kind: 'manul' is not an available kind: rate, manual, weighted"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name, edit, zh, en", BAD_RULES, ids=[case[0] for case in BAD_RULES])
def test_a_mistake_in_an_offices_rules_is_one_line(tmp_path, monkeypatch, lang, name, edit, zh, en):
    monkeypatch.setenv("HOTLINE_LANG", lang)
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(_city(edit), allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(path)
    text = str(error.value)
    assert "\n" not in text and (zh if lang == "zh" else en) in text and " or '" not in text


def test_the_office_scheme_needs_no_code_and_reads_as_written(tmp_path):
    path = tmp_path / "city.yaml"
    path.write_text(CITY, encoding="utf-8")
    shown = runner.invoke(app, ["rules", "show", str(path)])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    bonus = next(i for i, line in enumerate(lines) if line.startswith("  （五）表扬："))
    assert lines[bonus + 1] == "  加分合计最多5分。"      # with the items, not after the indicators
    assert "  满意率 = （满意数 + 0.8×基本满意数） ÷ 回访工单总数（满意数 = 回访满意数 − 基本满意数）；回访工单总数为0的按100%计。" in lines
    assert "等级：81分及以上的为A；72分及以上的为B；54分及以上的为C；其余为D。" in lines
    assert "黑榜：全部单位中得分后2名（并列的一并列入，不同组按得分占本组满分的比例比较）；得满分的单位不列入。" in lines


@pytest.mark.parametrize("scheme", sorted(shipped_rules()))
def test_rules_show_has_no_english_nor_internal_keys(scheme):
    shown = runner.invoke(app, ["rules", "show", scheme])
    assert shown.exit_code == 0, shown.output
    assert re.findall(r"[A-Za-z_]{2,}", shown.output) == []
    assert not any(key in shown.output for key in ("其他考核（", "县考核（", "区考核（"))   # titles, not keys


# Properties of the four schemes -----------------------------------------------------------------

KINDS = {"furong": ["街道", "区直部门"], "lianyungang": ["县", "区", "市直部门"], "sanlv": ["街道", "区直部门"],
         "hangzhou": ["街道", "区直部门"]}


def _rate(part: int, whole: int) -> Decimal:
    return D(100) if whole == 0 else (D(part) * 100 / whole).quantize(D("0.01"))


@st.composite
def unit_rows(draw):
    signed = draw(st.integers(0, 400))
    completed = draw(st.integers(0, signed))
    visited = draw(st.integers(0, completed))
    satisfied = draw(st.integers(0, visited))
    late = draw(st.integers(0, completed))
    row = {"签收总数": signed, "未按时签收数": draw(st.integers(0, signed)), "未及时退回数": draw(st.integers(0, 5)),
           "退单驳回数": draw(st.integers(0, 5)), COMPLETED: completed, "未按时办结数": late,
           "按时办结率": _rate(completed - late, completed), "延期驳回数": 0, "发回重办数": draw(st.integers(0, 5)),
           "回访工单总数": visited, "回访满意数": satisfied, "回访满意度": _rate(satisfied, visited),
           "延期办理率": draw(st.decimals(0, 100, places=0)), "重复交办率": D(0), "基本满意数": draw(st.integers(0, satisfied)),
           "已联系数": draw(st.integers(0, visited)), "已解决数": draw(st.integers(0, visited))}
    return row, draw(st.integers(0, 2))


def _level(grade, rules, full) -> Decimal:
    """A grade's threshold in points (-1 for a band without one: 黄牌, 其余)."""
    band = next(g for g in rules.grades if g.name == grade)
    threshold = band.threshold(full)
    return D(-1) if threshold is None else threshold


@settings(max_examples=40, deadline=None)
@given(st.lists(unit_rows(), min_size=1, max_size=12), st.sampled_from(sorted(KINDS)))
def test_every_scheme_scores_within_full_marks_ranks_with_ties_and_grades_monotone(rows, scheme):
    rules = load_rules(scheme)
    kinds = KINDS[scheme]
    table = pd.DataFrame([{"类别": kinds[k % len(kinds)], "部门名称": f"单位{i}", **row} for i, (row, k) in enumerate(rows)])
    scored = score_table(table, rules)
    full = {info.name: info.full_marks for info in rules.group_list()}
    assert sorted(scored["部门名称"]) == sorted(table["部门名称"])
    for group, members in scored.groupby("类别"):
        assert all(D(0) <= s <= full[group] for s in members["总分"])
        ranked = members.dropna(subset=["排名"])
        scores = ranked["总分"].tolist()
        for score, rank in zip(scores, ranked["排名"]):
            assert rank == 1 + sum(other > score for other in scores)      # competition ranking: 1, 1, 3
        if rules.grades:
            levels = [(s, _level(g, rules, full[group])) for s, g in zip(ranked["总分"], ranked["等级"])]
            assert all(la >= lb for sa, la in levels for sb, lb in levels if sa > sb)
            assert all(la == lb for sa, la in levels for sb, lb in levels if sa == sb)
    if "黑榜" in scored.columns:
        black = scored[scored["黑榜"]]
        assert all(s < full[g] for s, g in zip(black["总分"], black["类别"]))
        assert not (scored.get("红榜", False) & scored["黑榜"]).any()


def test_rules_show_without_a_name_shows_the_working_folders_scheme(tmp_path, monkeypatch):
    folder = tmp_path / "某某区"
    made = runner.invoke(app, ["init", str(folder), "--district", "某某区", "--rules", "hangzhou"])
    assert made.exit_code == 0, made.output
    monkeypatch.setenv("HOTLINE_HOME", str(folder))
    shown = runner.invoke(app, ["rules", "show"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0] == "12345热线效能指数考核（按工单量分组）"


# `rules show` as the new-user trial read it --------------------------------------------------------

#: (scheme, a line its `rules show` prints): outside a working folder, with a new folder's settings.
SHOWN = [
    ("lianyungang", "  按时办结率 = 按时办结的工单 ÷ 办结工单（含上月流转工单），由导出数据计算；办结工单（含上月流转工单）为0的按100%计。"),
    ("hangzhou", "  不足20件（不公布）：签收总数19件及以下的单位，不参加排名。"),
    ("hangzhou", "  按时办结率 = 按时办结的工单 ÷ 办结工单（含上月流转工单），由导出数据计算；办结工单（含上月流转工单）为0的按100%计。"),
    ("hangzhou", "完成度较好单位：总分达到满分（本办法满分100分），回访满意度100%，签收工单30件及以上，参加排名。"),
    ("sanlv", "  满意率 = （满意数 + 0.9×基本满意数） ÷ 回访工单总数（满意数 = 回访满意数 − 基本满意数）；回访工单总数为0的按100%计。"),
    ("furong", "完成度较好单位：总分达到满分（本办法满分70分），回访满意度100%，签收工单30件及以上。"),
    ("lianyungang", "完成度较好单位：总分达到本组满分（本办法满分150、100分），回访满意度100%，签收工单30件及以上。"),
]


@pytest.mark.parametrize("scheme, line", SHOWN)
def test_rules_show_says_each_rate_group_and_condition_as_the_scheme_does(tmp_path, monkeypatch, scheme, line):
    monkeypatch.delenv("HOTLINE_HOME", raising=False)
    monkeypatch.chdir(tmp_path)   # no working folder: the settings a new one gets
    shown = runner.invoke(app, ["rules", "show", scheme])
    assert shown.exit_code == 0, shown.output
    assert line in shown.output.splitlines()
    assert "满分100分）：签收总数19件及以下" not in shown.output and "− 0.1×基本满意数" not in shown.output


def test_rules_show_in_a_working_folder_says_its_settings_conditions(tmp_path, monkeypatch):
    from hotline_lib.io.project import init_project

    init_project(tmp_path / "office", "某某区")
    settings = tmp_path / "office" / "data" / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    chosen = yaml.safe_load(text)["excellent"]
    assert (chosen["score"], chosen["satisfaction"], chosen["min_signed"]) == (70, 100, 30)   # the edits below change them
    text = text.replace("  score: 70", "  score: 63").replace("  satisfaction: 100", "  satisfaction: 95").replace(
        "  min_signed: 30", "  min_signed: 20")
    settings.write_text(text.replace("  excluded: []", "  excluded: [甲局, 乙局]"), encoding="utf-8")
    monkeypatch.delenv("HOTLINE_HOME", raising=False)
    monkeypatch.chdir(tmp_path / "office")
    own = runner.invoke(app, ["rules", "show"])
    assert own.exit_code == 0, own.output
    # 63 of furong's 70; the settings' score is said only of the folder's own scheme
    assert "完成度较好单位：总分不低于63分（本办法满分70分），回访满意度不低于95%，签收工单20件及以上；甲局、乙局不列入。" in own.output
    other = runner.invoke(app, ["rules", "show", "lianyungang"])
    assert "完成度较好单位：总分达到本组满分（本办法满分150、100分），回访满意度不低于95%，签收工单20件及以上；甲局、乙局不列入。" in other.output


@pytest.mark.parametrize("weights, expected", [
    ({"回访满意数": D(1), "基本满意数": D("-0.1")}, {"满意数": D(1), "基本满意数": D("0.9")}),
    ({"回访满意数": D(1), "基本满意数": D(-1)}, {"满意数": D(1)}),          # 基本满意 not counted at all
    ({"回访满意数": D(1)}, {"回访满意数": D(1)}),                            # nothing to restate
    ({"已解决数": D("0.5"), "回访满意数": D(1), "基本满意数": D("-0.2")}, {"已解决数": D("0.5"), "满意数": D(1), "基本满意数": D("0.8")}),
])
def test_satisfaction_is_restated_over_satisfied_and_basic(weights, expected):
    from hotline_lib.scoring.describe import satisfaction_weights

    assert satisfaction_weights(weights) == expected


# report, explain and trends take a shipped scheme's name as `hotline score` does --------------------

@pytest.mark.parametrize("command", [["report", "2020-12"], ["trends", "--from", "2020-11", "--to", "2020-12"]])
def test_report_and_trends_take_a_shipped_schemes_name(sample_dir, tmp_path, monkeypatch, command):
    import hotline_lib.cli as cli
    import hotline_lib.render.trends as trends

    used = []

    def recorded(*args):
        workspace = next(a for a in args if hasattr(a, "rules_file"))
        used.append(workspace.rules_file)
        (tmp_path / "trends.html").write_text("", encoding="utf-8")
        return tmp_path / "trends.html"
    monkeypatch.setattr(cli, "_report_month", recorded)   # the render itself: tests/test_scheme_bulletin.py
    monkeypatch.setattr(trends, "render_trends", recorded)
    result = runner.invoke(app, [*command, "--data", str(sample_dir), "--out", str(tmp_path / "out"), "--rules", "sanlv"])
    assert result.exit_code == 0, result.output
    assert used == [shipped_rules()["sanlv"]]


@pytest.mark.parametrize("command", [["report", "2020-12"], ["explain", "2020-12", "人社局"],
                                     ["trends", "--from", "2020-11", "--to", "2020-12"]])
def test_an_unknown_schemes_name_is_one_line_listing_the_shipped_ones(command):
    result = runner.invoke(app, [*command, "--rules", "suzhou"])   # stopped before anything is read or written
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "错误：suzhou：没有这个规则文件，也不是随软件提供的方案（furong、hangzhou、lianyungang、sanlv）"]
