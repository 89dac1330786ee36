"""What a new office met trying the rules (issue 23's follow-ups): a group naming an unknown unit is
stopped when the rules are loaded, naming the rules file; `hotline stats --rules` writes every column
the rules read, so that `hotline score --rules` takes its output; `hotline score --rules` works outside
a working folder; the score help fits any scheme; a misspelt optional key gets its likely spelling; a
blank rate of a unit with nothing to count is what the rules say, not an error."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import RULES_DIR
from hotline_lib.core.errors import RulesError
from hotline_lib.figures.counts import APPENDIX_COLUMNS
from hotline_lib.scoring.rules import load_rules

runner = CliRunner()
D = Decimal


def _sanlv_naming(tmp_path, *units) -> str:
    """sanlv with its street group listing ``units`` by name."""
    raw = yaml.safe_load((RULES_DIR / "sanlv.yaml").read_text(encoding="utf-8"))
    raw["groups"]["街乡镇"]["units"] = list(units)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


# 1. a group naming an unknown unit: at load time, the rules file named ----------------------------

UNKNOWN = {"zh": "：groups.街乡镇.units：单位 '文艺路街道办事' 不在现有单位之中：是否应为 '文艺路街道办事处'？",
           "en": ": groups.街乡镇.units: unit '文艺路街道办事' is not among the units there are: did you mean '文艺路街道办事处'?"}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("args", [["report", "2020-12"], ["explain", "2020-12", "湘湖管理局"],
                                  ["trends", "--from", "2020-01", "--to", "2020-02"], ["stats", "--month", "2020-12"]],
                         ids=["report", "explain", "trends", "stats"])
def test_a_group_naming_a_unit_the_directory_lacks_stops_before_any_input(tmp_path, monkeypatch, lang, args):
    """The repository's working folder (its unit directory: 芙蓉区's), data that is not there: the rules are
    checked first, so the error is theirs, one line naming the rules file, the key and the name."""
    monkeypatch.setenv("HOTLINE_LANG", lang)
    rules = _sanlv_naming(tmp_path, "文艺路街道办事处", "文艺路街道办事")
    option = ["--rules", rules]
    result = runner.invoke(app, [*args, *option, "--data", str(tmp_path / "nothing-here")])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [("错误：" if lang == "zh" else "Error: ") + rules + UNKNOWN[lang]]


def test_score_in_a_working_folder_checks_the_units_against_its_directory(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("类别,部门名称,回访工单总数,回访满意数,基本满意数,已联系数,已解决数\n街道,文艺路街道办事,10,10,0,10,10\n",
                     encoding="utf-8")
    rules = _sanlv_naming(tmp_path, "文艺路街道办事")
    result = runner.invoke(app, ["score", str(table), "--rules", rules])
    assert result.exit_code == 1 and result.stderr == "错误：" + rules + UNKNOWN["zh"] + "\n"
    assert "规则：" not in result.stderr


def test_score_outside_a_working_folder_names_the_rules_file_for_a_unit_the_table_lacks(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTLINE_HOME")
    monkeypatch.chdir(tmp_path)
    table = tmp_path / "t.csv"
    table.write_text("类别,部门名称,回访工单总数,回访满意数,基本满意数,已联系数,已解决数\n街道,甲街道,10,10,0,10,10\n",
                     encoding="utf-8")
    rules = _sanlv_naming(tmp_path, "甲街道", "乙街道")
    result = runner.invoke(app, ["score", str(table), "--rules", rules])
    assert result.exit_code == 1
    assert result.stderr == f"错误：{rules}：groups.街乡镇.units：单位 '乙街道' 不在现有单位之中：是否应为 '甲街道'？\n"


def test_an_empty_directory_knows_no_units_yet(tmp_path):
    from hotline_lib.scoring.workspace_rules import rules_for_units

    directory = tmp_path / "units.yaml"
    directory.write_text("units: []\n", encoding="utf-8")
    assert rules_for_units(_sanlv_naming(tmp_path, "甲街道"), directory).groups["街乡镇"].units == ["甲街道"]
    directory.write_text("units:\n  - {name: 乙街道, kind: 街道}\n", encoding="utf-8")
    with pytest.raises(RulesError, match="'甲街道' 不在现有单位之中：是否应为 '乙街道'"):
        rules_for_units(_sanlv_naming(tmp_path, "甲街道"), directory)


# 2. hotline stats --rules: every column the rules read -----------------------------------------

def _half_up(value: Decimal, step: str = "0.01") -> Decimal:
    return value.quantize(D(step), rounding=ROUND_HALF_UP)


def _sanlv_by_hand(row) -> Decimal:
    """北京's three rates from the counts, each rounded to two decimals, weighted 0.1 / 0.5 / 0.4."""
    visits = int(row["回访工单总数"])
    if visits == 0:
        return D(100)
    rate = lambda part: _half_up(D(part) * 100 / visits)    # noqa: E731
    contacted, resolved = rate(int(row["已联系数"])), rate(int(row["已解决数"]))
    satisfied = rate(D(int(row["回访满意数"])) - D("0.1") * int(row["基本满意数"]))
    return _half_up(D("0.1") * contacted + D("0.5") * resolved + D("0.4") * satisfied)


def test_stats_with_rules_writes_what_score_under_them_reads(sample_dir, tmp_path):
    figures = tmp_path / "stats.csv"
    stats = runner.invoke(app, ["stats", "--month", "2020-12", "--data", str(sample_dir), "--out", str(tmp_path / "out"),
                                "--rules", "sanlv", "--output", str(figures)])
    assert stats.exit_code == 0, stats.output
    written = pd.read_csv(figures, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(written.columns) == ["类别", "部门名称", *APPENDIX_COLUMNS, "已联系数", "已解决数", "基本满意数"]
    scored_file = tmp_path / "scored.csv"
    score = runner.invoke(app, ["score", str(figures), "--rules", "sanlv", "--output", str(scored_file)])
    assert score.exit_code == 0, score.output
    scored = pd.read_csv(scored_file, dtype=str, keep_default_na=False, encoding="utf-8-sig").set_index("部门名称")
    assert len(scored) == len(written) == 45
    # 文艺路街道办事处: 51 visits, 51 contacted, 42 resolved, 51 satisfied of which 7 基本满意:
    # 100% x 0.1 + 82.35% x 0.5 + (51 - 0.7) / 51 = 98.63% x 0.4 = 10 + 41.175 + 39.452 = 90.627 -> 90.63
    wenyi = written.set_index("部门名称").loc["文艺路街道办事处"]
    assert wenyi[["回访工单总数", "已联系数", "已解决数", "回访满意数", "基本满意数"]].tolist() == ["51", "51", "42", "51", "7"]
    assert scored.loc["文艺路街道办事处", ["三率综合得分", "总分"]].tolist() == ["90.63", "90.63"]
    for _, row in written.iterrows():
        assert D(scored.loc[row["部门名称"], "总分"]) == _sanlv_by_hand(row), row["部门名称"]


def test_stats_says_which_columns_of_the_rules_no_export_gives(sample_dir, tmp_path):
    raw = yaml.safe_load((RULES_DIR / "furong.yaml").read_text(encoding="utf-8"))
    raw["columns"] = ["表扬数"]
    raw["deductions"]["表扬"] = {"kind": "per_count", "column": "表扬数", "points": 0}
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["stats", "--month", "2020-12", "--data", str(sample_dir), "--out", str(tmp_path / "out"),
                                 "--rules", str(rules)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split(",") == ["类别", "部门名称", *APPENDIX_COLUMNS]
    assert "furong 还要读取 表扬数，导出数据中没有这些列：运行 `hotline score` 前请补入表中" in result.stderr.splitlines()


# 3. hotline score --rules outside a working folder ------------------------------------------------

def test_score_with_rules_works_outside_a_working_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("HOTLINE_HOME")
    monkeypatch.chdir(tmp_path)
    table = tmp_path / "t.csv"
    # 95, 80, (90 - 1) / 100 = 89: 9.5 + 40 + 35.6 = 85.1
    table.write_text("类别,部门名称,回访工单总数,回访满意数,基本满意数,已联系数,已解决数\n街道,甲街道,100,90,10,95,80\n",
                     encoding="utf-8")
    own = tmp_path / "own.yaml"
    own.write_text((RULES_DIR / "sanlv.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    for rules in ("sanlv", str(own)):
        result = runner.invoke(app, ["score", str(table), "--rules", rules])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[1] == "街乡镇,甲街道,85.1,85.1,1,是,"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["own.yaml", "t.csv"]


# 4. the score help, for any scheme -------------------------------------------------------------

@pytest.mark.parametrize("lang, words, stale", [("zh", "每项的得分、扣分或加分", "每一项扣分"),
                                                 ("en", "the points of every item of the rules", "every deduction")])
def test_the_score_help_fits_a_scheme_that_earns_points(monkeypatch, lang, words, stale):
    monkeypatch.setenv("HOTLINE_LANG", lang)
    result = runner.invoke(app, ["score", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert words in result.output and stale not in result.output


# 5. a misspelt optional key -------------------------------------------------------------------

TYPOS = [
    ("furong", lambda r: r["deductions"]["按时办结率"].update(cpa=r["deductions"]["按时办结率"].pop("cap")),
     "deductions.按时办结率.cpa", "deductions.按时办结率.cap"),
    ("furong", lambda r: r["rounding"].update(flor=r["rounding"].pop("floor")), "rounding.flor", "rounding.floor"),
    ("furong", lambda r: r.update(roundng=r.pop("rounding")), "roundng", "rounding"),
    ("lianyungang", lambda r: r["groups"]["县"].update(full_mark=r["groups"]["县"].pop("full_marks")),
     "groups.县.full_mark", "groups.县.full_marks"),
    ("lianyungang", lambda r: r["items"]["按时办结率"].update(flor=0), "items.按时办结率.flor", "items.按时办结率.floor"),
    ("hangzhou", lambda r: r["grades"][0].update(min_percnt=r["grades"][0].pop("min_percent", 95)),
     "grades.0.min_percnt", "grades.0.min_percent"),
    ("sanlv", lambda r: r["indicators"]["响应率"].update(emtpy="zero"), "indicators.响应率.emtpy", "indicators.响应率.empty"),
    ("sanlv", lambda r: r.update(colums=["表扬数"]), "colums", "columns"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("scheme, edit, typo, meant", TYPOS, ids=[case[2] for case in TYPOS])
def test_a_misspelt_optional_key_gets_its_likely_spelling(tmp_path, monkeypatch, lang, scheme, edit, typo, meant):
    monkeypatch.setenv("HOTLINE_LANG", lang)
    raw = yaml.safe_load((RULES_DIR / f"{scheme}.yaml").read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(path)
    expected = (f"{path}：未知的键 '{typo}'：是否应为 '{meant}'？" if lang == "zh"
                else f"{path}: unknown key '{typo}': did you mean '{meant}'?")
    assert str(error.value) == expected


def test_an_unknown_key_like_none_gets_no_guess(tmp_path):
    raw = yaml.safe_load((RULES_DIR / "furong.yaml").read_text(encoding="utf-8"))
    raw["deductions"]["按时办结率"]["xyz"] = 1
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(path)
    assert str(error.value) == f"{path}：未知的键 'deductions.按时办结率.xyz'"


# 6. a blank rate of a unit with nothing to count --------------------------------------------------

FURONG_HEADER = ("类别,部门名称,签收总数,未按时签收数,未及时退回数,退单驳回数,办结工单（含上月流转工单）,未按时办结数,按时办结率,"
                 "延期驳回数,发回重办数,回访工单总数,回访满意数,回访满意度,延期办理率,重复交办率\n")


def _score(tmp_path, table: str, rules: str = "furong"):
    source, out = tmp_path / "t.csv", tmp_path / "scored.csv"
    source.write_text(table, encoding="utf-8")
    result = runner.invoke(app, ["score", str(source), "--rules", rules, "--output", str(out)])
    written = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig") if result.exit_code == 0 else None
    return result, written


def test_furong_a_unit_with_no_orders_and_blank_rates_loses_nothing(tmp_path):
    """As the bulletin computes it (figures/counts.py): nothing completed, nothing visited: 100% on time
    and satisfied, 0% extended; 70, ranked with the other units at full marks. 甲局: 1 late sign-in (0.1),
    9 of 10 on time (90%: capped 10), the only unit below 100% satisfied (0.2): 59.7."""
    result, written = _score(tmp_path, FURONG_HEADER + "区直部门,甲局,10,1,0,0,10,1,90.00%,0,0,10,9,90.00%,0.00%,0.00%\n"
                                                       "区直部门,乙局,0,0,0,0,0,0,,0,0,0,0,,,\n"
                                                       "区直部门,丙局,3,0,0,0,2,0,100.00%,0,0,2,2,100.00%,0.00%,0.00%\n")
    assert result.exit_code == 0, result.output
    rows = {r["部门名称"]: (r["按时办结率扣分"], r["回访满意度扣分"], r["延期办理率扣分"], r["总分"], r["排名"])
            for _, r in written.iterrows()}
    assert rows == {"乙局": ("0", "0", "0", "70", "1"), "丙局": ("0", "0", "0", "70", "1"), "甲局": ("10", "0.2", "0", "59.7", "3")}


@pytest.mark.parametrize("lang, expected", [("zh", "t.csv，第 2 行，'按时办结率' 列：单元格为空"),
                                            ("en", "t.csv, row 2, column '按时办结率': empty cell")])
def test_furong_a_blank_rate_with_orders_to_count_stays_an_error(tmp_path, monkeypatch, lang, expected):
    monkeypatch.setenv("HOTLINE_LANG", lang)
    result, _ = _score(tmp_path, FURONG_HEADER + "区直部门,乙局,1,0,0,0,1,0,,0,0,0,0,,,\n")
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1 and expected in result.stderr


def test_the_rules_say_what_a_unit_with_nothing_to_count_gets(tmp_path):
    """An indicator of the rate's key states its base and its ``empty``: here 0%, so a unit with no visits
    and a blank 回访满意度 earns nothing on it; a blank 按时办结率 over no completed order takes the
    table's convention, 100%, full marks."""
    rules = tmp_path / "own.yaml"
    rules.write_text("""
name: 某区考核
indicators:
  回访满意度: {numerator: 回访满意数, denominator: 回访工单总数, empty: zero}
items:
  按时办结率: {kind: rate, full: 50, target: 100, points_per_point: 1}
  回访满意度: {kind: rate, full: 50, target: 100, points_per_point: 1}
groups:
  部门: {kinds: [区直部门]}
""", encoding="utf-8")
    table = ("类别,部门名称,办结工单（含上月流转工单）,按时办结率,回访工单总数,回访满意数,回访满意度\n"
             "区直部门,甲局,0,,0,0,\n区直部门,乙局,10,90,10,10,100\n")
    result, written = _score(tmp_path, table, str(rules))
    assert result.exit_code == 0, result.output
    rows = {r["部门名称"]: (r["按时办结率得分"], r["回访满意度得分"], r["总分"]) for _, r in written.iterrows()}
    assert rows == {"甲局": ("50", "0", "50"), "乙局": ("40", "50", "90")}
