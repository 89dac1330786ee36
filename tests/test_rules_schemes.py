"""The four shipped schemes scored on small tables worked out by hand, furong unchanged to the digit,
bad rules files as one line in both languages, and the commands on files they wrote."""

from __future__ import annotations

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
from hotline_lib.scoring.rules import excellent_score, load_rules, shipped_rules
from hotline_lib.scoring.table import black_list, group_list, red_list, score_table
from hotline_lib.scoring.unit_table import read_unit_table
from tests.conftest import APPENDIX

D = Decimal
runner = CliRunner()


# furong: today's scheme, unchanged ----------------------------------------------------------------

def test_furong_scores_all_45_published_units_to_the_digit():
    rules = load_rules("furong")
    table = read_unit_table(APPENDIX, rules, require_published=True).values
    scored = score_table(table, rules).set_index("部门名称")
    published = table.set_index("部门名称")
    assert len(scored) == 45
    assert (scored["总分"] == published.loc[scored.index, "总分"]).all()
    assert (scored["排名"].astype(int) == published.loc[scored.index, "排名"]).all()
    assert scored.loc["人力资源和社会保障局", ["按时办结率扣分", "回访满意度扣分", "总分"]].tolist() == [D("2.18"), D("0.2"), D("67.5")]


def test_default_yaml_is_furong_by_another_name():
    assert load_rules(RULES_DIR / "default.yaml") == load_rules("furong")
    assert set(shipped_rules()) == {"furong", "lianyungang", "sanlv", "hangzhou"}


# 连云港 ---------------------------------------------------------------------------------------

def lianyungang_table():
    rows = [("体育局", "100", "100", "100", "9"), ("甲局", "80", "89.82", "87.5", None), ("乙局", "96", "94.5", "97.665", None),
            ("丙局", "94.5", "100", "73", "10")]
    table = pd.DataFrame([{"类别": "市直部门", "部门名称": n, "及时签收率": D(a), "按时办结率": D(b), "满意率": D(c),
                           **({"答复规范": D(m)} if m else {})} for n, a, b, c, m in rows])
    return pd.concat([table, pd.DataFrame([{"类别": "县", "部门名称": "东海县"}, {"类别": "区", "部门名称": "海州区"}])],
                     ignore_index=True)


def test_lianyungang_department_items():
    scored = score_table(lianyungang_table(), load_rules("lianyungang")).set_index("部门名称")
    items = ["及时签收率得分", "按时办结率得分", "满意率得分", "答复规范得分", "其他考核得分", "总分"]
    assert scored.loc["甲局", items].tolist() == [D(0), D("14.82"), D("19.75"), D(10), D(35), D("79.57")]
    # 97.665% is 97.67% before scoring: 25 - 0.5 x 0.33 = 24.835 -> 24.84
    assert scored.loc["乙局", items].tolist() == [D(10), D("19.50"), D("24.84"), D(10), D(35), D("99.34")]
    assert scored.loc["体育局", items].tolist() == [D(10), D(20), D(25), D(9), D(35), D(99)]
    assert scored.loc["丙局", items].tolist() == [D("9.5"), D(20), D("12.5"), D(10), D(35), D(87)]
    assert scored.loc[["乙局", "体育局", "丙局", "甲局"], "排名"].tolist() == [1, 2, 3, 4]


def test_lianyungang_groups_and_black_list():
    rules = load_rules("lianyungang")
    scored = score_table(lianyungang_table(), rules)
    assert [(g.name, g.full_marks, g.units) for g in group_list(rules, scored)] == [
        ("县", 150, ("东海县",)), ("区", 100, ("海州区",)), ("市直部门", 100, ("乙局", "体育局", "丙局", "甲局"))]
    assert scored.set_index("部门名称").loc["东海县", ["县考核得分", "总分", "排名"]].tolist() == [D(150), D(150), 1]
    # 东海县 and 海州区, alone in their groups at full marks, lost nothing: never on the 黑榜
    assert black_list(scored, rules)["部门名称"].tolist() == ["甲局", "丙局", "体育局"]
    assert red_list(scored).empty
    assert excellent_score(rules, "县") == 150 and excellent_score(rules, "市直部门") == 100


# 三率 and 杭州 -------------------------------------------------------------------------------

def test_sanlv_weighted_rates():
    table = pd.DataFrame([
        # 响应 95, 解决 80, 满意 (90 - 0.1 x 20) / 100 = 88: 9.5 + 40 + 35.2 = 84.7
        {"类别": "街道", "部门名称": "甲", "回访工单总数": 100, "已联系数": 95, "已解决数": 80, "回访满意数": 90, "基本满意数": 20},
        # 响应 100, 解决 100, 满意 (3 - 0.1) / 3 = 96.67: 10 + 50 + 38.668 = 98.668 -> 98.67
        {"类别": "区直部门", "部门名称": "乙", "回访工单总数": 3, "已联系数": 3, "已解决数": 3, "回访满意数": 3, "基本满意数": 1},
        {"类别": "区直部门", "部门名称": "丙", "回访工单总数": 0, "已联系数": 0, "已解决数": 0, "回访满意数": 0, "基本满意数": 0},
    ])
    scored = score_table(table, load_rules("sanlv")).set_index("部门名称")
    assert scored["三率综合得分"].to_dict() == {"甲": D("84.70"), "乙": D("98.67"), "丙": D("100.00")}
    assert scored["类别"].to_dict() == {"甲": "街乡镇", "乙": "部门", "丙": "部门"}
    # fewer units than the lists hold: all on the 红榜, so none on the 黑榜 (a unit is never on both)
    assert scored["红榜"].all() and not scored["黑榜"].any()


def test_hangzhou_volume_groups_grades_and_yellow_card():
    def unit(name, signed, late, on_time, visited, satisfied):
        return {"类别": "部门", "部门名称": name, "签收总数": signed, "未按时签收数": late, "按时办结率": D(on_time),
                "回访工单总数": visited, "回访满意数": satisfied}
    table = pd.DataFrame([unit("甲", 350, 0, "100", 100, 100),
                          unit("乙", 320, 32, "85", 100, 90),     # 0.2 x 90 + 0.4 x 85 + 0.4 x 90 = 88, last of 3
                          unit("丙", 400, 0, "95", 100, 88),      # 20 + 38 + 35.2 = 93.2
                          unit("丁", 100, 0, "100", 10, 10),
                          unit("戊", 10, 5, "50", 10, 0)])        # 10 + 20 + 0 = 30; under 20: not published
    scored = score_table(table, load_rules("hangzhou")).set_index("部门名称")
    assert scored["总分"].to_dict() == {"甲": D(100), "丙": D("93.2"), "乙": D(88), "丁": D(100), "戊": D(30)}
    assert scored["等级"].to_dict() == {"甲": "优秀", "丙": "达标", "乙": "黄牌", "丁": "优秀", "戊": None}
    assert scored.loc["丙", "类别"] == "第一组（300件及以上）" and scored.loc["丁", "类别"] == "第二组（80至299件）"
    assert pd.isna(scored.loc["戊", "排名"]) and not scored.loc["戊", "参评"]


# Bad rules files: one line, the key and the bad value, in both languages --------------------------

def _furong(edit) -> dict:
    raw = yaml.safe_load((RULES_DIR / "furong.yaml").read_text(encoding="utf-8"))
    edit(raw)
    return raw


def _sanlv(edit) -> dict:
    raw = yaml.safe_load((RULES_DIR / "sanlv.yaml").read_text(encoding="utf-8"))
    edit(raw)
    return raw


BAD = [
    ("unknown kind", lambda: _furong(lambda r: r["deductions"].update(a={"kind": "bonusx", "column": "签收总数", "points": 1})),
     "deductions.a.kind：'bonusx' 不是可用的种类：per_count、below_target、above_threshold、rank_below",
     "deductions.a.kind: 'bonusx' is not an available kind: per_count, below_target, above_threshold, rank_below"),
    ("kind bonus among deductions", lambda: _furong(lambda r: r["deductions"]["退单驳回"].update(kind="bonus")),
     "deductions.退单驳回.kind：'bonus' 不是可用的种类：per_count、below_target、above_threshold、rank_below",
     "deductions.退单驳回.kind: 'bonus' is not an available kind: per_count, below_target, above_threshold, rank_below"),
    ("weights", lambda: _sanlv(lambda r: r["items"]["三率综合"]["weights"].update(满意率=0.3)),
     "items.三率综合.weights：权重合计为 0.9，不等于 weights_sum 声明的 1",
     "items.三率综合.weights: the weights add up to 0.9, not the 1 declared in weights_sum"),
    ("a rate over a missing column", lambda: _sanlv(lambda r: r["indicators"]["响应率"].update(denominator="回访总数")),
     "indicators.响应率.denominator：'回访总数' 不是单位统计表的列：签收总数、",
     "indicators.响应率.denominator: '回访总数' is not a column of the unit table: 签收总数, "),
    ("an item over a missing column", lambda: _furong(lambda r: r["deductions"]["按时办结率"].update(column="办结率")),
     "deductions.按时办结率.column：'办结率' 不是单位统计表的列：", "deductions.按时办结率.column: '办结率' is not a column of the unit table: "),
    ("group full marks", lambda: yaml.safe_load((RULES_DIR / "lianyungang.yaml").read_text(encoding="utf-8")) | {"groups": {
        "市直部门": {"kinds": ["市直部门"], "full_marks": 90, "items": ["及时签收率", "按时办结率", "满意率", "答复规范", "其他考核"]}}},
     "groups.市直部门.full_marks：声明为 90，但基础分与各项满分合计为 100",
     "groups.市直部门.full_marks: 90 declared, but base and the items' full marks add up to 100"),
    ("not a number", lambda: _furong(lambda r: r["deductions"]["退单驳回"].update(points="很多")),
     "deductions.退单驳回.points：'很多' 不是数字", "deductions.退单驳回.points: '很多' is not a number"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("name, make, zh, en", BAD, ids=[case[0] for case in BAD])
def test_bad_rules_are_one_line_naming_key_and_value(tmp_path, monkeypatch, lang, name, make, zh, en):
    monkeypatch.setenv("HOTLINE_LANG", lang)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(make(), allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(path)
    text = str(error.value)
    assert "\n" not in text and text.startswith(f"{path}{'：' if lang == 'zh' else ': '}")
    assert (zh if lang == "zh" else en) in text
    assert "Input should" not in text and "Input tag" not in text


@pytest.mark.parametrize("lang, expected", [("zh", "groups.市直部门.units：单位 '火星局' 不在现有单位之中"),
                                            ("en", "groups.市直部门.units: unit '火星局' is not among the units there are")])
def test_a_group_naming_an_unknown_unit(tmp_path, monkeypatch, lang, expected):
    monkeypatch.setenv("HOTLINE_LANG", lang)
    raw = yaml.safe_load((RULES_DIR / "lianyungang.yaml").read_text(encoding="utf-8"))
    raw["groups"]["市直部门"]["units"] = ["体育局", "火星局"]
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_rules(path).groups["市直部门"].units == ["体育局", "火星局"]    # unknown units: checked when units are known
    with pytest.raises(RulesError) as error:
        load_rules(path, known_units=["体育局", "甲局"])
    assert expected in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(RulesError) as error:
        score_table(lianyungang_table(), load_rules(path))
    assert expected in str(error.value)


# Commands, on the files they wrote ----------------------------------------------------------------

def test_rules_list_names_each_scheme():
    result = runner.invoke(app, ["rules", "list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"{n}\t{load_rules(n).name}" for n in ("furong", "hangzhou", "lianyungang", "sanlv")]


def test_rules_show_reads_like_a_kaohe_banfa():
    result = runner.invoke(app, ["rules", "show", "lianyungang"])
    assert result.exit_code == 0, result.output
    for line in ["按时办结率（20分）：95%及以上得满分，每低1个百分点扣1分，扣完为止。",
                 "及时签收率（10分）：95%及以上得满分，每低1个百分点扣1分，扣完为止。",
                 "满意率（25分）：其中12.5分直接计入；其余12.5分，98%及以上全得，每低1个百分点扣0.5分，扣完为止。",
                 "答复规范（10分）：人工评定，未评定的按10分计", "县（满分150分）", "根据连云港市公开发布的考核结果（各单位分项得分）推定"]:
        assert line in result.output
    furong = runner.invoke(app, ["rules", "show", str(RULES_DIR / "default.yaml")])
    assert "按时办结率：低于100%的，每低1个百分点扣2分，最多扣10分。" in furong.output and "基础分70分" in furong.output


def test_score_a_lianyungang_table(tmp_path):
    source = tmp_path / "连云港.csv"
    source.write_text("类别,部门名称,及时签收率,按时办结率,满意率,答复规范\n市直部门,体育局,100%,100%,100%,9\n"
                      "市直部门,甲局,80%,89.82%,87.50%,\n县,东海县,,,,\n", encoding="utf-8")
    manual = tmp_path / "人工评定.csv"
    manual.write_text("部门名称,项目,得分,原因\n甲局,其他考核,30,督办件逾期\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["score", str(source), "--rules", "lianyungang", "--output", str(out), "--manual", str(manual)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig").set_index("部门名称")
    assert list(written.columns)[:6] == ["类别", "及时签收率得分", "按时办结率得分", "满意率得分", "答复规范得分", "其他考核得分"]
    assert written.loc["甲局", ["及时签收率得分", "按时办结率得分", "满意率得分", "其他考核得分", "总分", "排名"]].tolist() == \
        ["0", "14.82", "19.75", "30", "74.57", "2"]
    assert written.loc["体育局", ["答复规范得分", "总分", "排名"]].tolist() == ["9", "99", "1"]
    assert written.loc["东海县", ["类别", "县考核得分", "及时签收率得分", "总分"]].tolist() == ["县", "150", "", "150"]


def test_score_names_an_empty_cell_a_group_reads(tmp_path):
    source = tmp_path / "t.csv"
    source.write_text("类别,部门名称,及时签收率,按时办结率,满意率\n市直部门,甲局,80%,,87.5%\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(source), "--rules", "lianyungang"])
    assert result.exit_code == 1 and "t.csv，第 2 行，'按时办结率' 列：单元格为空" in result.stderr and len(result.stderr.splitlines()) == 1


def test_init_with_a_scheme_writes_it_and_matching_settings(tmp_path):
    folder = tmp_path / "海州区"
    result = runner.invoke(app, ["init", str(folder), "--district", "海州区", "--rules", "lianyungang"])
    assert result.exit_code == 0, result.output
    assert (folder / "data" / "rules.yaml").read_bytes() == (RULES_DIR / "lianyungang.yaml").read_bytes()
    assert yaml.safe_load((folder / "data" / "settings.yaml").read_text(encoding="utf-8"))["excellent"]["score"] == 100
    again = runner.invoke(app, ["init", str(folder), "--rules", "sanlv"])
    assert again.exit_code == 1 and "rules.yaml" in again.stderr


def test_init_without_a_scheme_writes_furong(tmp_path):
    folder = tmp_path / "某区"
    assert runner.invoke(app, ["init", str(folder), "--district", "某区"]).exit_code == 0
    assert (folder / "data" / "rules.yaml").read_bytes() == (RULES_DIR / "furong.yaml").read_bytes()
    assert yaml.safe_load((folder / "data" / "settings.yaml").read_text(encoding="utf-8"))["excellent"]["score"] == 70


def test_a_bad_rules_file_on_the_command_line(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(_furong(lambda r: r["deductions"]["退单驳回"].update(kind="bonus")), allow_unicode=True),
                    encoding="utf-8")
    result = runner.invoke(app, ["score", str(APPENDIX), "--rules", str(path)])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "deductions.退单驳回.kind：'bonus' 不是可用的种类" in result.stderr
    unknown = runner.invoke(app, ["rules", "show", "suzhou"])
    assert unknown.exit_code == 1 and "suzhou" in unknown.stderr and "lianyungang" in unknown.stderr


# The hand-judged points file ----------------------------------------------------------------------

@pytest.mark.parametrize("rows, expected", [
    ("体育局,答复规范,9,引用依据不全\n", {"答复规范": {"体育局": D(9)}}),
    ("体育局,答复规范,9,a\n甲局,其他考核,30.5,b\n", {"答复规范": {"体育局": D(9)}, "其他考核": {"甲局": D("30.5")}}),
])
def test_read_manual(tmp_path, rows, expected):
    from hotline_lib.scoring.manual import read_manual

    path = tmp_path / "m.csv"
    path.write_text("部门名称,项目,得分,原因\n" + rows, encoding="utf-8")
    assert read_manual(path, load_rules("lianyungang"), units=["体育局", "甲局"]) == expected
    assert read_manual(tmp_path / "none.csv", load_rules("lianyungang")) == {}


@pytest.mark.parametrize("rows, expected", [
    ("体育局,及时签收率,9,a\n", "第 2 行，'项目' 列：'及时签收率' 不是规则中的人工评定项目：答复规范、其他考核、县考核、区考核"),
    ("体育局,答复规范,11,a\n", "第 2 行，'得分' 列：11 不在 0 到该项满分 10 之间"),
    ("体育局,答复规范,九,a\n", "第 2 行，'得分' 列：不是数字：'九'"),
    ("体育局,答复规范,9,\n", "第 2 行，'原因' 列：单元格为空"),
    ("火星局,答复规范,9,a\n", "第 2 行，'部门名称' 列：单位 '火星局' 不在表中"),
    ("体育局,答复规范,9,a\n体育局,答复规范,8,b\n", "第 3 行，'部门名称' 列：体育局 答复规范：重复给出（另见第 2 行）"),
])
def test_a_bad_manual_file_is_one_located_error(tmp_path, rows, expected):
    from hotline_lib.core.errors import InputError
    from hotline_lib.scoring.manual import read_manual

    path = tmp_path / "m.csv"
    path.write_text("部门名称,项目,得分,原因\n" + rows, encoding="utf-8")
    with pytest.raises(InputError) as error:
        read_manual(path, load_rules("lianyungang"), units=["体育局", "甲局"])
    assert expected in str(error.value) and "\n" not in str(error.value)


# Properties of the count-based schemes --------------------------------------------------------------

@st.composite
def visited_counts(draw):
    visited = draw(st.integers(min_value=0, max_value=300))
    satisfied = draw(st.integers(min_value=0, max_value=visited))
    signed = draw(st.integers(min_value=0, max_value=600))
    return {"回访工单总数": visited, "回访满意数": satisfied, "基本满意数": draw(st.integers(0, satisfied)),
            "已联系数": draw(st.integers(0, visited)), "已解决数": draw(st.integers(0, visited)), "签收总数": signed,
            "未按时签收数": draw(st.integers(0, signed)), "按时办结率": draw(st.decimals(0, 100, places=2))}


@settings(max_examples=40, deadline=None)
@given(st.lists(visited_counts(), min_size=1, max_size=10), st.sampled_from(["sanlv", "hangzhou"]))
def test_count_schemes_score_within_full_marks(units, scheme):
    rules = load_rules(scheme)
    table = pd.DataFrame([{"类别": "街道" if i % 2 else "区直部门", "部门名称": f"单位{i}", **u} for i, u in enumerate(units)])
    scored = score_table(table, rules)
    assert all(D(0) <= s <= 100 for s in scored["总分"])
    for _, group in scored.groupby("类别"):
        ranked = group.dropna(subset=["排名"])
        for score, rank in zip(ranked["总分"], ranked["排名"]):
            assert rank == 1 + sum(other > score for other in ranked["总分"])
