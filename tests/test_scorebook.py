"""Why each point was lost (汇总, 挽回), the workbook for Excel and WPS, and no formula from the data in
any spreadsheet we write (issue [8])."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import units_file
from hotline_lib.core.errors import HotlineError
from hotline_lib.core.numbers import ratio_percent
from hotline_lib.core.spreadsheet import defuse_formulas
from hotline_lib.io.workbook import display_width, infer_kind, write_workbook
from hotline_lib.scoring.breakdown import RATE_COUNTS, points_table, recovery
from hotline_lib.scoring.leaderboard import score_file
from hotline_lib.scoring.rules import PerCount, RankBelow
from hotline_lib.scoring.score import deduction_column, score_units
from hotline_lib.scoring.unit_table import read_unit_table
from tests.conftest import APPENDIX

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

D = Decimal
runner = CliRunner()
EVIL = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def scored():
    from hotline_lib.scoring.rules import load_rules

    rules = load_rules()
    return score_units(read_unit_table(APPENDIX, rules).values, rules)


def by_unit(table: pd.DataFrame, rule: str | None = None) -> pd.DataFrame:
    rows = table if rule is None else table[table["规则"] == rule]
    return rows.set_index("部门名称")


def rounded(lost: Decimal, rules) -> Decimal:
    """Independently of score.py: base − lost, half up to the step, floored."""
    return max((rules.base - lost).quantize(rules.rounding.step, rounding=ROUND_HALF_UP), rules.rounding.floor)


# 汇总 ---------------------------------------------------------------------------------------------

def test_points_table_has_every_unit_in_published_order_with_one_column_per_rule(scored, rules):
    table = points_table(scored, rules)
    assert list(table.columns) == ["类别", "部门名称", *rules.deductions, "总分", "排名"]
    assert list(rules.deductions)[-3:] == ["按时办结率", "回访满意度", "延期办理率"]
    assert len(table) == 45 and set(table["类别"]) == {"街道", "区直部门"}
    assert table["部门名称"].tolist() == score_file(APPENDIX).table["部门名称"].tolist()
    assert all(isinstance(value, Decimal) for label in rules.deductions for value in table[label])


def test_base_less_the_rule_columns_is_the_score_for_all_45_units(scored, rules):
    table = points_table(scored, rules)
    for _, row in table.iterrows():
        lost = sum((row[label] for label in rules.deductions), D(0))
        assert rounded(lost, rules) == row["总分"], row["部门名称"]
    published = pd.read_csv(APPENDIX, dtype=str).set_index("部门名称")["总分"].map(D)
    assert table.set_index("部门名称")["总分"].to_dict() == published.to_dict()


@pytest.mark.parametrize("unit, lost, raw, score", [
    ("人力资源和社会保障局", {"未及时退回": D("0.1"), "按时办结率": D("2.18"), "回访满意度": D("0.2")}, D("67.52"), D("67.5")),
    ("湘湖管理局", {"退单驳回": D("0.2"), "发回重办": D("0.2"), "按时办结率": D("10")}, D("59.6"), D("59.6")),
    ("生态环境分局", {"退单驳回": D("2.0")}, D("68"), D("68")),
])
def test_worked_examples(scored, rules, unit, lost, raw, score):
    row = by_unit(points_table(scored, rules)).loc[unit]
    assert {label: row[label] for label in rules.deductions if row[label] != 0} == lost
    assert rules.base - sum(lost.values()) == raw and row["总分"] == score


# 挽回 ---------------------------------------------------------------------------------------------

def test_on_time_rate_renshe_one_fewer_late(scored, rules):
    row = by_unit(recovery(scored, rules), "按时办结率").loc["人力资源和社会保障局"]
    assert (row["件数"], row["基数"], row["现状"], row["扣分"]) == (4, 367, D("98.91"), D("2.18"))
    assert (row["少一件后"], row["少一件后扣分"]) == (D("99.18"), D("1.64"))
    assert row["每件扣分"] == D("0.54") and row["未封顶扣分"] == D("2.18")
    assert (row["目标"], row["需减少件数"], row["不扣分需减少件数"]) == ("不扣分", 4, 4)
    assert "少 1 件：99.18%，扣 1.64 分" in row["说明"]


def test_on_time_rate_xianghu_under_the_cap(scored, rules):
    row = by_unit(recovery(scored, rules), "按时办结率").loc["湘湖管理局"]
    assert (row["件数"], row["基数"], row["现状"]) == (4, 41, D("90.24"))
    assert (row["扣分"], row["未封顶扣分"]) == (D("10"), D("19.52"))
    assert (row["少一件后"], row["少一件后扣分"]) == (D("92.68"), D("10"))       # still capped
    assert (row["目标"], row["需减少件数"], row["达到后"], row["达到后扣分"]) == ("降到封顶以下", 2, D("95.12"), D("9.76"))
    assert ratio_percent(41 - 4 + 2, 41) == D("95.12")                             # 39 of 41 on time
    assert "已封顶，未封顶为 19.52 分" in row["说明"] and "少 2 件降到封顶以下：95.12%，扣 9.76 分" in row["说明"]


def test_satisfaction_ranking_matches_the_published_appendix(scored, rules):
    rows = by_unit(recovery(scored, rules), "回访满意度")
    assert len(rows) == 10 and sorted(rows["名次"]) == list(range(1, 11))
    assert (rows["扣分"] == rows["名次"].map(lambda k: D("0.2") * k)).all()
    renshe = rows.loc["人力资源和社会保障局"]
    assert (renshe["名次"], renshe["扣分"], renshe["件数"], renshe["基数"]) == (1, D("0.2"), 1, 363)
    assert (renshe["目标"], renshe["需减少件数"], renshe["达到后"], renshe["达到后扣分"]) == ("退出扣分名单", 1, D("100.00"), D("0"))
    assert "低于 100% 的 10 个单位中排第 1 名，扣 0.2 分" in renshe["说明"]
    mapoling = rows.loc["马坡岭街道办事处"]                                         # 35 of 39, 89.74%, last
    assert (mapoling["名次"], mapoling["扣分"]) == (10, D("2.0"))
    assert (mapoling["目标"], mapoling["需减少件数"], mapoling["达到后"], mapoling["达到后扣分"]) == ("名次前移", 3, D("97.44"), D("1.4"))
    assert mapoling["不扣分需减少件数"] == 4


def test_extension_rate_inferred_from_the_rate(scored, rules):
    row = by_unit(recovery(scored, rules), "延期办理率").loc["棚户区改造事务中心"]   # 32% of 22 completed
    assert (row["件数"], row["基数"], row["扣分"]) == (7, 22, D("0.4"))
    assert (row["少一件后"], row["少一件后扣分"], row["需减少件数"]) == (D("27"), D("0"), 1)
    assert "由比率推算" in row["说明"]


def test_one_row_per_unit_and_rate_rule_that_took_points(scored, rules):
    table = recovery(scored, rules)
    expected = {(unit, label) for label, rule in rules.deductions.items() if not isinstance(rule, PerCount)
                for unit in scored.loc[scored[deduction_column(label)] > 0, "部门名称"]}
    assert set(zip(table["部门名称"], table["规则"])) == expected and len(table) == len(expected) == 15
    order = score_file(APPENDIX).table["部门名称"].tolist()
    assert table["部门名称"].map(order.index).is_monotonic_increasing


def _rescore(scored, rules, unit, label, left):
    """Score the whole table again with the unit's rate recomputed from ``left`` faults: score.py's
    own answer to the what-if."""
    rule = rules.deductions[label]
    counts = RATE_COUNTS[rule.column]
    changed = scored.copy()
    index = changed.index[changed["部门名称"] == unit][0]
    total = int(changed.at[index, counts.total])
    changed.at[index, rule.column] = counts.rate(left, total)
    again = score_units(changed[[c for c in scored.columns if not c.endswith("扣分") and c not in ("总分", "排名")]], rules)
    return again.at[index, deduction_column(label)], again


def _place(table, rule, unit) -> int:
    """1 + the units strictly better and below target; 0 when the unit is not below target."""
    rate = table.loc[table["部门名称"] == unit, rule.column].iloc[0]
    column = table[rule.column]
    return 0 if rate >= rule.target else 1 + int(((column < rule.target) & (column > rate)).sum())


def _check_against_rescoring(scored, rules):
    table = recovery(scored, rules)
    assert len(table)
    for row in table.itertuples(index=False):
        unit, label, faults = row.部门名称, row.规则, row.件数
        points, _ = _rescore(scored, rules, unit, label, faults - 1)
        assert points == row.少一件后扣分, (unit, label)
        after, again = _rescore(scored, rules, unit, label, faults - row.需减少件数)
        assert after == row.达到后扣分, (unit, label)
        rule = rules.deductions[label]
        if row.需减少件数 > 1:   # one fault fewer than that is not enough
            short, short_table = _rescore(scored, rules, unit, label, faults - row.需减少件数 + 1)
            if row.目标 == "降到封顶以下":
                assert short == rule.cap and after < rule.cap
            elif row.目标 == "名次前移":
                assert _place(short_table, rule, unit) == int(row.名次) and _place(again, rule, unit) < int(row.名次)
            else:
                assert short > 0 and after == 0
        zero, _ = _rescore(scored, rules, unit, label, faults - row.不扣分需减少件数)
        assert zero == 0
    return table


def test_every_what_if_is_what_scoring_the_changed_table_gives(scored, rules):
    _check_against_rescoring(scored, rules)


def test_recovery_follows_another_districts_rules(scored, rules):
    """Not 芙蓉区's numbers: other targets, caps, thresholds and points per rank."""
    deductions = dict(rules.deductions)
    deductions["按时办结率"] = deductions["按时办结率"].model_copy(update={"target": D(99), "points_per_point": D(1), "cap": D(3)})
    deductions["回访满意度"] = RankBelow(kind="rank_below", column="回访满意度", target=D("99.5"), points_per_rank=D("0.5"), cap=D(2))
    deductions["延期办理率"] = deductions["延期办理率"].model_copy(update={"threshold": D(5), "points_per_point": D("0.1")})
    other = rules.model_copy(update={"deductions": deductions})
    rescored = score_units(scored[[c for c in scored.columns if not c.endswith("扣分") and c not in ("总分", "排名")]], other)
    table = _check_against_rescoring(rescored, other)
    xianghu = by_unit(table, "按时办结率").loc["湘湖管理局"]        # 90.24% against 99: 8.76 -> capped at 3
    assert (xianghu["扣分"], xianghu["未封顶扣分"], xianghu["目标"]) == (D("3"), D("8.76"), "降到封顶以下")
    assert xianghu["需减少件数"] == 3 and xianghu["达到后"] == D("97.56")     # 40 of 41: 1.44 points
    assert set(by_unit(table, "延期办理率").index) >= {"棚户区改造事务中心", "市场监督管理局", "住房和城乡建设局"}
    assert (by_unit(table, "回访满意度")["扣分"] <= 2).all()


# the workbook writer ------------------------------------------------------------------------------

def test_display_width_counts_chinese_as_two():
    assert display_width("部门名称") == 8 and display_width("ab") == 2 and display_width("９９％") == 6


@pytest.mark.parametrize("name, kind", [("总分", "points"), ("退单驳回扣分", "points"), ("按时办结率", "rate"),
                                        ("回访满意度", "rate"), ("签收总数", "count"), ("排名", "count"),
                                        ("需减少件数", "count"), ("受理时间", "datetime"), ("办理时长", "hours"),
                                        ("部门名称", "text"), ("说明", "text")])
def test_kind_from_the_column_name(name, kind):
    assert infer_kind(name) == kind


def test_workbook_cells_numbers_text_and_blanks(tmp_path):
    frame = pd.DataFrame({
        "部门名称": ["=1+2", "0201234", EVIL, None],
        "扣分": [D("2.18"), D("0"), D("0.400"), None],
        "按时办结率": [D("98.91"), D("100.00"), 90.24, pd.NA],
        "签收总数": pd.array([367, 41, 0, None], dtype="Int64"),
        "办理时长": [1.25, 0.0, 12.0, float("nan")],
        "受理时间": [dt.datetime(2020, 12, 1, 8, 30), pd.Timestamp("2020-12-31 23:59"), pd.NaT, None],
        "现状": [D("1"), D("2"), D("3"), D("4")],
    })
    path = write_workbook(tmp_path / "t.xlsx", {"表一": frame}, kinds={"现状": "rate"})
    assert path == tmp_path / "t.xlsx" and [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]   # nothing left beside it
    ws = openpyxl.load_workbook(path)["表一"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:G5"
    assert [c.value for c in ws[1]] == list(frame.columns)
    names = [ws.cell(r, 1) for r in range(2, 6)]
    assert [c.value for c in names[:3]] == ["=1+2", "0201234", EVIL] and all(c.data_type == "s" for c in names[:3])
    assert names[3].value is None
    assert [(ws.cell(2, c).value, ws.cell(2, c).number_format) for c in range(2, 8)] == [
        (2.18, "0.00"), (0.9891, "0.00%"), (367, "0"), (1.25, "0.0"), (dt.datetime(2020, 12, 1, 8, 30), "yyyy-mm-dd hh:mm"), (0.01, "0.00%")]
    assert ws.cell(4, 3).value == pytest.approx(0.9024) and ws.cell(4, 2).value == 0.4
    assert all(ws.cell(5, c).value is None for c in range(1, 7))
    assert ws.column_dimensions["A"].width >= display_width(EVIL)


def test_workbook_refuses_a_bad_sheet_name_and_leaves_nothing(tmp_path):
    with pytest.raises(HotlineError, match="sheet name"):
        write_workbook(tmp_path / "t.xlsx", {"a/b": pd.DataFrame({"x": [1]})})
    assert list(tmp_path.iterdir()) == []


# no formula from the data ------------------------------------------------------------------------

def test_defuse_formulas_by_column():
    frame = pd.DataFrame({"名称": ["=1+2", "+1", "-1", "@A1", "\tx", "\r=1", "ok", None],
                          "数": [-1, 2, 3, 4, 5, 6, 7, 8], "=头": ["a"] * 8})
    defused = defuse_formulas(frame)
    assert defused["名称"].tolist()[:7] == ["'=1+2", "'+1", "'-1", "'@A1", "'\tx", "'\r=1", "ok"]
    assert pd.isna(defused["名称"].iloc[7])
    assert defused["数"].tolist() == frame["数"].tolist() and defused["数"].dtype == frame["数"].dtype
    assert list(defused.columns) == ["名称", "数", "'=头"]
    assert frame["名称"].iloc[0] == "=1+2"   # the original is left as it is


@pytest.fixture
def evil_appendix(tmp_path):
    table = pd.read_csv(APPENDIX, dtype=str, keep_default_na=False)
    table.loc[table["部门名称"] == "湘湖管理局", "部门名称"] = "=1+2"
    table.loc[table["部门名称"] == "生态环境分局", "部门名称"] = EVIL
    path = tmp_path / "appendix.csv"
    table.to_csv(path, index=False)
    return path


def test_score_csv_and_workbook_keep_formula_like_names_as_text(tmp_path, evil_appendix):
    out, book = tmp_path / "out" / "scored.csv", tmp_path / "out" / "scored.xlsx"
    result = runner.invoke(app, ["score", str(evil_appendix), "-o", str(out), "--workbook", str(book)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "scored.xlsx: 汇总 (45 units) and 挽回" in result.stderr
    csv = pd.read_csv(out, dtype=str, encoding="utf-8-sig").set_index("总分")
    names = set(pd.read_csv(out, dtype=str, encoding="utf-8-sig")["部门名称"])
    assert {"'=1+2", "'" + EVIL} <= names and not any(n.startswith(("=", "@")) for n in names)
    assert csv.loc["59.6", "部门名称"] == "'=1+2"
    ws = openpyxl.load_workbook(book)["汇总"]
    cells = {ws.cell(r, 2).value: ws.cell(r, 2) for r in range(2, ws.max_row + 1)}
    assert cells["=1+2"].data_type == "s" and cells[EVIL].data_type == "s"
    row = cells["=1+2"].row
    assert ws.cell(row, ws.max_column - 1).value == 59.6 and ws.cell(row, ws.max_column - 1).data_type == "n"
    # to standard output too: people redirect it into a file
    printed = runner.invoke(app, ["score", str(evil_appendix)])
    assert printed.exit_code == 0 and "'=1+2" in printed.stdout and "\n=1+2" not in printed.stdout


def test_score_workbook_read_back(tmp_path, rules):
    book = tmp_path / "扣分明细.xlsx"
    result = runner.invoke(app, ["score", str(APPENDIX), "--workbook", str(book), "--check"])
    assert result.exit_code == 0 and "45 of 45 units match" in result.stdout
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["汇总", "挽回"]
    for ws in wb:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    summary = wb["汇总"]
    header = [c.value for c in summary[1]]
    assert header == ["类别", "部门名称", *rules.deductions, "总分", "排名"]
    rule_columns = [header.index(label) + 1 for label in rules.deductions]
    assert summary.max_row == 46
    for r in range(2, summary.max_row + 1):
        points = [summary.cell(r, c) for c in rule_columns]
        total = summary.cell(r, header.index("总分") + 1)
        assert all(c.data_type == "n" and c.number_format == "0.00" for c in points)
        assert total.data_type == "n" and total.number_format == "General"   # 70, 69.9: as published
        lost = sum((D(str(c.value)) for c in points), D(0))
        assert rounded(lost, rules) == D(str(total.value)), summary.cell(r, 2).value
        assert summary.cell(r, header.index("排名") + 1).number_format == "0"
    recovery_sheet = wb["挽回"]
    header = [c.value for c in recovery_sheet[1]]
    rows = {(recovery_sheet.cell(r, 2).value, recovery_sheet.cell(r, 3).value): r for r in range(2, recovery_sheet.max_row + 1)}
    renshe = rows[("人力资源和社会保障局", "按时办结率")]

    def cell(column):
        return recovery_sheet.cell(renshe, header.index(column) + 1)

    assert (cell("现状").value, cell("现状").number_format) == (0.9891, "0.00%")
    assert (cell("少一件后").value, cell("少一件后").number_format) == (0.9918, "0.00%")
    assert (cell("扣分").value, cell("扣分").number_format) == (2.18, "0.00")
    assert (cell("少一件后扣分").value, cell("件数").value, cell("件数").number_format) == (1.64, 4, "0")
    assert cell("说明").data_type == "s"


def test_score_workbook_errors_are_one_line(tmp_path):
    result = runner.invoke(app, ["score", str(tmp_path / "nope.csv"), "--workbook", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1 and result.stderr.strip().splitlines() == [f"Error: {tmp_path / 'nope.csv'}: file not found"]
    (tmp_path / "taken").write_text("x")
    result = runner.invoke(app, ["score", str(APPENDIX), "--workbook", str(tmp_path / "taken" / "x.xlsx")])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output


# rejects.csv and stats' CSV ------------------------------------------------------------------------

ASSIGNMENT_HEADER = ["工单编号", "承办单位", "派单时间", "签收时限", "签收时间", "办结时限", "办结时间", "发回重办次数", "回访结果"]
ORDER_HEADER = ["工单编号", "受理时间", "签收时间", "来源渠道", "诉求类型", "问题分类", "疫情相关", "营商环境", "诉求内容",
                "联系电话", "办结时间", "回访时间", "回访结果"]


def _assignments(rows: int = 3, unit: str = "东湖街道办事处") -> pd.DataFrame:
    return pd.DataFrame([[f"0{i:04d}", unit, "2021-03-02 09:10:00", "2021-03-02 11:10:00", "2021-03-02 09:30:00",
                          "2021-03-07 09:30:00", "2021-03-03 09:00:00", "0", "满意"] for i in range(rows)], columns=ASSIGNMENT_HEADER)


def _orders(rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame([[f"0{i:04d}", "2021-03-02 08:30:00", "2021-03-02 09:00:00", "12345热线", "咨询", "消费维权", "否", "否",
                          "【虚构】市民反映问题", "19900000000", "2021-03-03 09:00:00", "2021-03-04 09:00:00", "满意"]
                         for i in range(rows)], columns=ORDER_HEADER)


@pytest.fixture
def evil_data(tmp_path):
    """A month whose exports hold formula-like text: in a rejected value, a file name and a sheet name;
    and a unit directory whose unit is named like a formula."""
    data = tmp_path / "data"
    (data / "exports").mkdir(parents=True)
    _orders().to_csv(data / "exports" / "orders.csv", index=False)
    assignments = _assignments()
    assignments.loc[0, "发回重办次数"] = EVIL
    assignments.loc[1, "发回重办次数"] = "-1"
    assignments.to_csv(data / "=1+2.csv", index=False)
    more = _assignments(2)
    more["工单编号"] = ["00001", "00002"]
    more.loc[0, "发回重办次数"] = "+2+3"
    with pd.ExcelWriter(data / "more.xlsx", engine="openpyxl") as writer:
        more.to_excel(writer, sheet_name="=1+2", index=False)
    units = yaml.safe_load(units_file().read_text(encoding="utf-8"))
    for unit in units["units"]:
        if unit["name"] == "东湖街道办事处":
            unit["name"], unit["display"] = "=1+2", "=1+2"
            unit["aliases"] = [*unit["aliases"], "东湖街道办事处"]
    (tmp_path / "units.yaml").write_text(yaml.safe_dump(units, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_rejects_and_stats_csv_keep_formula_like_text_as_text(evil_data):
    out = evil_data / "out"
    result = runner.invoke(app, ["stats", "--month", "2021-03", "--data", str(evil_data / "data"), "--out", str(out),
                                 "--units", str(evil_data / "units.yaml"), "-o", str(out / "units.csv")])
    assert result.exit_code == 0, result.output
    rejects = pd.read_csv(out / "2021-03" / "rejects.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    values = dict(zip(rejects["file"] + "|" + rejects["sheet"] + "|" + rejects["row"], rejects["value"]))
    assert values["'=1+2.csv||2"] == "'" + EVIL
    assert values["'=1+2.csv||3"] == "'-1"
    assert values["more.xlsx|'=1+2|2"] == "'+2+3"
    for column in rejects.columns:
        assert not rejects[column].str.startswith(("=", "+", "-", "@", "\t", "\r")).any(), column
    units = pd.read_csv(out / "units.csv", dtype=str, encoding="utf-8-sig")
    assert "'=1+2" in set(units["部门名称"])
    numbers = pd.read_csv(out / "units.csv", encoding="utf-8-sig")
    assert numbers["签收总数"].dtype.kind == "i"   # counts stay numbers


def test_a_rate_that_disagrees_with_its_counts_is_said(scored, rules):
    changed = scored.copy()
    index = changed.index[changed["部门名称"] == "人力资源和社会保障局"][0]
    changed.at[index, "未按时办结数"] = 3          # the table still shows 98.91%
    row = by_unit(recovery(changed, rules), "按时办结率").loc["人力资源和社会保障局"]
    assert row["扣分"] == D("2.18") and row["件数"] == 3 and row["少一件后"] == ratio_percent(365, 367)
    assert "表中比率与件数不符，按件数为 99.18%" in row["说明"]
