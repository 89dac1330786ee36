"""The bulletin under any rules file: the sample month rendered under furong and lianyungang (appendix by
group with its full marks, 红黑榜, 得分明细, figures unchanged), the 完成度较好 threshold relative to each
group's full marks, and `hotline explain` naming earned items."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import published_settings, workspace
from hotline_lib.analysis.bulletin import excellent_criteria
from hotline_lib.analysis.scheme import excellent_thresholds, full_marks_by_group
from hotline_lib.cli import app
from hotline_lib.core.config import SOURCE_ROOT
from hotline_lib.render.section import read_sections
from hotline_lib.scoring.rules import load_rules, rules_path

runner = CliRunner()
#: 连云港's groups go by 类别 县 / 区 / 市直部门: the sample's streets as 区, its departments as 市直部门.
LIANYUNGANG_KINDS = {"街道": "区", "区直部门": "市直部门"}
SCHEMES = ("furong", "lianyungang", "sanlv", "hangzhou")


def lianyungang_folder(folder):
    """The sample's units and settings as a district on lianyungang has them (`hotline init --rules
    lianyungang` sets excellent.score to 100)."""
    units = (SOURCE_ROOT / "data" / "units.yaml").read_text(encoding="utf-8")
    for old, new in LIANYUNGANG_KINDS.items():
        units = units.replace(f"kind: {old},", f"kind: {new},")
    # the published layout (热点诉求 off) like the other schemes' renders, so that figures.json compares
    settings = re.sub(r"(?m)^  score: 70", "  score: 100", published_settings().read_text(encoding="utf-8"))
    (folder / "units.yaml").write_text(units, encoding="utf-8")
    (folder / "settings.yaml").write_text(settings, encoding="utf-8")
    return {"units": folder / "units.yaml", "settings": folder / "settings.yaml"}


@pytest.fixture(scope="module")
def rendered(sample_dir, tmp_path_factory):
    """2020-12 of the sample rendered (html) under each shipped scheme (sanlv and hangzhou read the
    sample's 基本满意数, 已联系数 and 已解决数; their groups take the sample's 类别 or volumes as they are)."""
    from hotline_lib.render.kernel import Kernel
    from hotline_lib.render.month import render_month

    results = {}
    with Kernel(workspace(sample_dir).notebooks) as kernel:   # one kernel, as a batch worker keeps one
        for scheme in SCHEMES:
            out = tmp_path_factory.mktemp(scheme)
            paths = lianyungang_folder(out) if scheme == "lianyungang" else {}
            results[scheme] = render_month("2020-12", workspace(sample_dir, out, rules=rules_path(scheme), **paths),
                                           formats=["html"], kernel=kernel)
    return results


def _section(result, key):
    return next((s for s in read_sections(result.html.parent / "sections.json") if s.key == key), None)


def _frame(block) -> pd.DataFrame:
    return pd.DataFrame(block.rows, columns=block.columns)


def test_furong_has_no_red_black_section_and_no_warning_for_it(rendered):
    result = rendered["furong"]
    assert "red_black_list" not in result.sections and result.sections[-1] == "appendix"
    assert not [w for w in result.warnings if "09_red_black_list" in w or "红黑榜" in w], result.warnings
    assert "红黑榜" not in result.html.read_text(encoding="utf-8")
    captions = [t.caption for t in _section(result, "appendix").tables]
    assert captions == ["一、街道（2020年12月)", "二、区直部门（2020年12月)"]
    assert (result.html.parent / "扣分明细.xlsx").exists() and not (result.html.parent / "得分明细.xlsx").exists()


def test_lianyungang_appendix_by_group_with_its_full_marks_and_items(rendered):
    rules = load_rules("lianyungang")
    appendix = _section(rendered["lianyungang"], "appendix")
    captions = [t.caption for t in appendix.tables]
    assert captions == ["一、区（满分100分）（2020年12月)", "二、市直部门（满分100分）（2020年12月)"]
    departments = _frame(appendix.tables[1])
    assert list(departments.columns) == ["部门名称", "签收总数", "及时签收率", "按时办结率", "满意率", "及时签收率得分",
                                         "按时办结率得分", "满意率得分", "答复规范得分", "其他考核得分", "总分", "排名"]
    assert list(_frame(appendix.tables[0]).columns) == ["部门名称", "签收总数", "区考核得分", "总分", "排名"]
    item = rules.items["满意率"]
    for _, row in departments.iterrows():   # each 满意率得分 by the rule's own arithmetic on the rate shown
        rate = Decimal(row["满意率"].rstrip("%"))
        want = item.full - item.points_per_point * max(item.target - rate, Decimal(0))
        assert Decimal(row["满意率得分"]) == want.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        parts = sum(Decimal(row[c]) for c in departments.columns if c.endswith("得分"))
        assert Decimal(row["总分"]) == parts
    assert len(departments) == departments["部门名称"].nunique() > 20
    assert departments["总分"].map(Decimal).is_monotonic_decreasing   # ranked within the group


def test_lianyungang_black_list_is_the_bottom_three_departments_with_their_lost_items(rendered):
    result = rendered["lianyungang"]
    assert result.sections[-2:] == ["appendix", "red_black_list"]
    board = _section(result, "red_black_list")
    assert board.numbered is False and [b.text for b in board.blocks if b.kind == "subheading"] == ["黑榜（各组后3名，并列的都列入）"]
    black = _frame(board.tables[0])
    departments = _frame(_section(result, "appendix").tables[1])
    ranks = departments["排名"].astype(int)
    cut = sorted(ranks, reverse=True)[2]   # the third-worst place: ties at it included
    assert set(black["部门名称"]) == set(departments.loc[ranks >= cut, "部门名称"])
    assert set(black["组别"]) == {"市直部门"}   # the 区, all at their full marks, lost nothing
    worst = black.iloc[0]
    assert Decimal(worst["总分"]) == departments["总分"].map(Decimal).min()
    lost = departments.set_index("部门名称").loc[worst["部门名称"]]
    named = dict(re.findall(r"([^、]+?)失([\d.]+)分", worst["失分情况"]))
    assert {k: Decimal(v) for k, v in named.items()} == {
        key: rules_full - Decimal(lost[f"{key}得分"]) for key, rules_full in
        [(k, i.full) for k, i in load_rules("lianyungang").items.items() if f"{k}得分" in lost.index]
        if rules_full > Decimal(lost[f"{key}得分"])}
    figures = json.loads(result.figures.read_text(encoding="utf-8"))
    assert [u["unit"] for u in figures["red_black_list"]["black"]] == black["部门名称"].tolist()


@pytest.mark.parametrize("scheme", SCHEMES[1:])
def test_figures_unchanged_across_schemes(rendered, scheme):
    furong, other = (json.loads(rendered[s].figures.read_text(encoding="utf-8")) for s in ("furong", scheme))
    scheme_keys = {"excellent_units", "red_black_list"}
    assert {k: v for k, v in furong.items() if k not in scheme_keys} == {k: v for k, v in other.items() if k not in scheme_keys}
    assert not rendered[scheme].warnings


def test_hangzhou_grades_by_share_of_full_marks_and_lists_small_units_unranked(rendered):
    rules = load_rules("hangzhou")
    appendix = _section(rendered["hangzhou"], "appendix")
    assert [t.caption for t in appendix.tables] == [f"{n}、{g}（满分100分）（2020年12月)" for n, g in
                                                   zip("一二三四", rules.groups)]
    assert "red_black_list" not in rendered["hangzhou"].sections
    for table in appendix.tables:
        frame = _frame(table)
        assert frame.columns[-1] == "等级"
        if table.caption.startswith("四、"):   # under 20 orders: 不公布, no grade
            assert set(frame["排名"]) == {"不公布"} and set(frame["等级"]) == {""}
            assert (frame["签收总数"].astype(int) < 20).all()
            continue
        last = frame["排名"].astype(int) == frame["排名"].astype(int).max()
        for (_, row), is_last in zip(frame.iterrows(), last):
            score = Decimal(row["总分"])
            want = "优秀" if score >= 95 else "达标" if score >= 90 else "黄牌" if is_last else "未达标"
            assert row["等级"] == want, row.to_dict()


def test_sanlv_draws_both_lists(rendered):
    board = _section(rendered["sanlv"], "red_black_list")
    assert [b.text for b in board.blocks if b.kind == "subheading"] == ["红榜（各组前5名，并列的都列入）",
                                                                       "黑榜（全部单位后5名，并列的都列入）"]
    red, black = (_frame(t) for t in board.tables)
    assert set(red["组别"]) == {"街乡镇", "部门"} and (red["排名"].astype(int) <= 5).all()
    scores = pd.concat([_frame(t) for t in _section(rendered["sanlv"], "appendix").tables])["总分"].map(Decimal)
    fifth = sorted(scores)[4]
    assert sorted(black["总分"].map(Decimal)) == sorted(s for s in scores if s <= fifth)   # all groups at 100 full marks


def test_the_excellent_sentence_names_each_schemes_full_marks(rendered):
    furong, lianyungang = (json.loads(rendered[s].figures.read_text(encoding="utf-8")) for s in ("furong", "lianyungang"))
    assert furong["excellent_units"]["criteria"] == "总分70分满分、满意度100%、工单签收数30件以上"
    assert lianyungang["excellent_units"]["criteria"] == "总分100分满分、满意度100%、工单签收数30件以上"


def test_lianyungang_earned_points_workbook_and_recovery(rendered):
    folder = rendered["lianyungang"].html.parent
    assert (folder / "得分明细.xlsx").exists() and not (folder / "扣分明细.xlsx").exists()
    sheets = pd.read_excel(folder / "得分明细.xlsx", sheet_name=None, engine="openpyxl")
    assert {"及时签收率得分", "按时办结率得分", "满意率得分"} <= set(sheets["汇总"].columns)
    recovery = sheets["挽回"]
    late = recovery[recovery["规则"] == "按时办结率"]
    assert len(late)
    for _, row in late.iterrows():   # full marks at 95%: the fewest late completions fewer that reach it
        fewer = next(n for n in range(int(row["件数"]) + 1)
                     if Decimal(row["基数"] - row["件数"] + n) * 100 / Decimal(int(row["基数"])) >= 95)
        assert row["需减少件数"] == fewer, row["说明"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "得分明细.xlsx" in manifest["files"] and all(f.startswith("得分明细/") for f in manifest["unit_files"].values())


def test_excellent_threshold_is_relative_to_each_groups_full_marks():
    furong, lianyungang = load_rules("furong"), load_rules("lianyungang")
    assert excellent_thresholds(furong, 70) == {"街道": 70, "区直部门": 70}
    assert excellent_thresholds(furong, 65) == {"街道": 65, "区直部门": 65}
    assert excellent_thresholds(lianyungang, 100) == {"县": 150, "区": 100, "市直部门": 100}
    assert excellent_thresholds(lianyungang, None) == {"县": 150, "区": 100, "市直部门": 100}   # thresholds.excellent
    assert excellent_thresholds(lianyungang, 90) == {"县": 135, "区": 90, "市直部门": 90}
    full = full_marks_by_group(lianyungang)
    assert excellent_criteria(excellent_thresholds(lianyungang, 100), 100, 30, full) == \
        "总分县150分满分、区和市直部门100分满分、满意度100%、工单签收数30件以上"
    assert excellent_criteria(excellent_thresholds(lianyungang, 90), 98, 30, full, groups=["区", "市直部门"]) == \
        "总分不低于90分、满意度不低于98%、工单签收数30件以上"
    assert excellent_criteria(excellent_thresholds(furong, 70), 100, 30, full_marks_by_group(furong)) == \
        excellent_criteria(70, 100, 30, 70) == "总分70分满分、满意度100%、工单签收数30件以上"


def test_explain_under_lianyungang_names_the_earned_items(rendered, sample_dir, tmp_path):
    paths = lianyungang_folder(tmp_path)
    result = runner.invoke(app, ["explain", "2020-12", "征地事务中心", "--data", str(sample_dir), "--rules", "lianyungang",
                                 "--units", str(paths["units"]), "--settings", str(paths["settings"])])
    assert result.exit_code == 0, result.output
    departments = _frame(_section(rendered["lianyungang"], "appendix").tables[1]).set_index("部门名称")
    row = departments.loc["征地事务中心"]
    assert f"（市直部门，满分 100 分）2020-12：总分 {row['总分']}，市直部门第 {row['排名']} 名" in result.output
    for item in ("及时签收率", "按时办结率", "满意率", "答复规范", "其他考核"):
        assert re.search(rf"│ {item}\s*│.*│ {re.escape(row[item + '得分'])}\s*│", result.output), item
    assert "各项得分" in result.output and "扣分" not in result.output.split("怎样挽回")[0]


@pytest.mark.parametrize("name, scheme, kind", [
    ("东海县", "lianyungang", "县"), ("海州区", "lianyungang", "区"), ("市体育局", "lianyungang", "市直部门"),
    ("东海县", "furong", "区直部门"), ("文艺路街道办事处", "furong", "街道"), ("民政局", "furong", "区直部门"),
])
def test_units_from_exports_guesses_the_kinds_the_scheme_groups_by(name, scheme, kind):
    from hotline_lib.io.units_from_exports import draft_lines, guess_kind

    kinds = load_rules(scheme).accepted_kinds
    assert guess_kind(name, kinds) == kind
    comment = draft_lines(pd.DataFrame({"name": [name], "rows": [1], "kind": [kind]}), pd.Timestamp("2021-03-01").date(),
                          kinds)[0]
    assert ("…县为县，…区为区，…板块为板块，其余为市直部门" if scheme == "lianyungang"
            else "…街道办事处、…街道、…镇、…乡为街道，其余为区直部门") in comment
