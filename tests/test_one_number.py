"""One number has one function: a month with approved exemptions (核减) shows the same 总分 and the
same exempted counts in the rendered bulletin's appendix, `hotline explain`, the 扣分明细 workbook,
the trends page's unit table, the exploration notebook's unit history and the two-month comparison; and the trends notice an
edited exemptions file within one process, as the bulletin does."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pandas as pd
import pytest
from typer.testing import CliRunner

from hotline_lib.analysis import compare, explore
from hotline_lib.analysis.bulletin import load_month
from hotline_lib.analysis.explain import explain_unit
from hotline_lib.analysis.trends import load_trends, score_history
from hotline_lib.cli import app
from hotline_lib.render.section import read_sections
from hotline_lib.scoring.score import SCORE

from conftest import workspace

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("english")]

MONTH = "2020-12"
UNIT = "湘湖管理局"
#: rule of the exemptions file -> the appendix count it lowers; 湘湖管理局 has 4 late completions and 1 refused return
EXEMPTED = {"未按时办结": "未按时办结数", "退单驳回": "退单驳回数"}
HEADER = "工单编号,部门名称,规则,原因,批准人\n"


def exemption_rows(data, unit: str, rules) -> list[str]:
    """One exemption of ``unit`` per rule, each for the first order its detail rows list in MONTH."""
    details = load_month(MONTH, data).deductions.details
    mine = details[details["部门名称"] == unit]
    return [f"{mine.loc[mine['规则'] == rule, '工单编号'].iloc[0]},{unit},{rule},核实为非本单位原因,王五" for rule in rules]


@pytest.fixture(scope="module")
def exempted(sample_dir, tmp_path_factory):
    """A copy of the sample whose 2020-12 exemptions take out one late completion and the refused
    return of 湘湖管理局, rendered: (data folder, the render's result)."""
    from hotline_lib.render.month import render_month

    base = tmp_path_factory.mktemp("one-number")
    data = base / "data"
    shutil.copytree(sample_dir, data)
    (data / "exemptions").mkdir()
    (data / "exemptions" / f"{MONTH}.csv").write_text(HEADER + "\n".join(exemption_rows(data, UNIT, EXEMPTED)) + "\n",
                                                    encoding="utf-8")
    return data, render_month(MONTH, workspace(data, base / "out"))


def appendix_rows(result) -> pd.DataFrame:
    """Every unit's row of the rendered appendix (sections.json), cells as printed, by 部门名称."""
    blocks = [block for section in read_sections(result.html.parent / "sections.json") for block in section.blocks
              if block.kind == "table" and block.css_class == "appendix"]
    assert len(blocks) == 2                                   # 街道 and 区直部门
    return pd.concat([pd.DataFrame(b.rows, columns=b.columns) for b in blocks]).set_index("部门名称")


def workbook_sheet(result, name: str) -> pd.DataFrame:
    return pd.read_excel(result.html.parent / "扣分明细.xlsx", sheet_name=name, dtype={"工单编号": str, "总分": str},
                         engine="openpyxl")


def test_an_exempted_unit_has_one_score_and_one_count_everywhere(exempted, sample_dir):
    data, result = exempted
    before = load_trends(MONTH, MONTH, str(sample_dir)).unit_months.set_index("部门名称").loc[UNIT]
    assert (before[SCORE], before["未按时办结数"], before["退单驳回数"]) == (Decimal("59.6"), 4, 1)   # the published row

    appendix = appendix_rows(result).loc[UNIT]
    explanation = explain_unit(MONTH, UNIT, data)
    printed = CliRunner().invoke(app, ["explain", MONTH, "湘湖管理局", "--data", str(data)])
    summary = workbook_sheet(result, "汇总").set_index("部门名称")
    details = workbook_sheet(result, "明细")
    mine = details[details["部门名称"] == UNIT]
    trends = load_trends("2020-01", MONTH, str(data))
    trend_row = trends.unit_months[trends.unit_months["month"] == MONTH].set_index("部门名称").loc[UNIT]
    history = explore.unit_history(trends.unit_months, UNIT)

    score = explanation.score
    assert score != before[SCORE]
    assert printed.exit_code == 0 and f"总分 {score}" in printed.output
    assert appendix[SCORE] == str(score) and Decimal(summary.at[UNIT, SCORE]) == score
    assert trend_row[SCORE] == score and score_history(trends.unit_months).at[UNIT, MONTH] == float(score)
    assert explore.score_table(history).at[MONTH, SCORE] == float(score)
    assert int(explore.score_table(history).at[MONTH, "排名"]) == explanation.rank == int(appendix["排名"])

    for rule, column in EXEMPTED.items():
        count = int(before[column]) - 1
        assert int(appendix[column]) == count and trend_row[column] == count and history.at[MONTH, column] == count, column
        assert int(mine.loc[mine["规则"] == rule, "次数"].sum()) == count, rule
    rate = explore.monthly_figures(history).at[MONTH, "按时办结率"]
    assert appendix["按时办结率"] == rate and rate in explanation.rules.set_index("规则").at["按时办结率", "依据"]
    compared = compare.compare_unit(trends.unit_months, UNIT, "2020-11", MONTH)   # the two-month comparison too
    assert compared.at[SCORE, MONTH] == str(score) and compared.at["排名", MONTH] == appendix["排名"]
    assert [compared.at[column, MONTH] for column in EXEMPTED.values()] == [appendix[c] for c in EXEMPTED.values()]
    assert compared.at["按时办结率", MONTH] == appendix["按时办结率"]
    assert workbook_sheet(result, "核减")["部门名称"].tolist() == [UNIT, UNIT]


def test_every_units_score_on_the_trends_page_is_the_bulletins(exempted):
    data, result = exempted
    trends = score_history(load_trends(MONTH, MONTH, str(data)).unit_months)[MONTH]
    printed = appendix_rows(result)[SCORE].astype(float)
    summary = workbook_sheet(result, "汇总").set_index("部门名称")[SCORE].astype(float)
    assert len(trends) == len(printed) == len(summary) == 45
    pd.testing.assert_series_equal(trends.sort_index(), printed.sort_index(), check_names=False)
    pd.testing.assert_series_equal(trends.sort_index(), summary.sort_index(), check_names=False)


def test_the_trends_notice_an_edited_exemptions_file(sample_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(sample_dir / "exports", data / "exports")
    (data / "exemptions").mkdir()
    path = data / "exemptions" / f"{MONTH}.csv"

    def xianghu() -> pd.Series:
        unit_months = load_trends(MONTH, MONTH, str(data)).unit_months
        return unit_months.set_index("部门名称").loc[UNIT, [SCORE, "未按时办结数", "按时办结率", "退单驳回数"]]

    without = xianghu()
    rows = exemption_rows(data, UNIT, EXEMPTED)
    path.write_text(HEADER + rows[0] + "\n", encoding="utf-8")
    late_only = xianghu()
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    both = xianghu()
    month = load_month(MONTH, data).scored.set_index("部门名称").loc[UNIT]
    path.unlink()
    again = xianghu()
    assert without.tolist() == again.tolist() == [Decimal("59.6"), 4, Decimal("90.24"), 1]   # the published row
    assert late_only.tolist() == [Decimal("59.6"), 3, Decimal("92.68"), 1]   # 按时办结率's points are capped at 10 either way
    assert both.tolist()[1:] == [3, Decimal("92.68"), 0] and both[SCORE] > without[SCORE]
    assert both.tolist() == month[both.index].tolist()                       # the bulletin's row
