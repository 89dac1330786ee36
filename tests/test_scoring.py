"""The 70-point rules of docs/scoring.md, one by one, with the published 2020-12 values."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_lib.scoring.leaderboard import score_file
from hotline_lib.scoring.score import competition_rank, score_units
from tests.conftest import APPENDIX, unit_row

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

D = Decimal


def score_one(rules, **overrides) -> Decimal:
    return score_units(pd.DataFrame([unit_row(**overrides)]), rules)["总分"].iloc[0]


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, D("70")),
        ({"未按时签收数": 1}, D("69.9")),              # 统计局
        ({"未按时签收数": 3}, D("69.7")),              # 发展和改革局
        ({"未及时退回数": 7}, D("69.3")),              # 7 x 0.1
        ({"退单驳回数": 10}, D("68.0")),               # 生态环境分局
        ({"发回重办数": 1}, D("69.8")),                # 城市管理局
        ({"延期驳回数": 2}, D("69.6")),                # assumed 0.2 each
        ({"按时办结率": D("97.22"), "未按时签收数": 1}, D("64.3")),   # 韭菜园: 70 - 0.1 - 5.56 = 64.34
        ({"按时办结率": D("90.24")}, D("60")),         # capped at -10
        ({"按时办结率": D("33.33"), "未按时签收数": 2}, D("59.8")),   # 征地事务中心
        ({"延期办理率": D("32.00"), "未按时签收数": 1}, D("69.5")),   # 棚户区: 2 points over 30% -> -0.4
        ({"延期办理率": D("30.00")}, D("70")),         # at the threshold: no deduction
        ({"延期办理率": D("24.00")}, D("70")),         # 市场监管
        ({"重复交办率": D("50.00")}, D("70")),         # no rule for it
        ({"回访满意度": D("99.00")}, D("69.8")),       # the only unit below 100%: rank 1
    ],
)
def test_single_rule(rules, overrides, expected):
    assert score_one(rules, **overrides) == expected


def test_worked_example_xianghu(rules):
    # 70 - 0.2 (退单驳回) - 0.2 (发回重办) - 10 (on-time 90.24%, capped) = 59.6
    assert score_one(rules, 退单驳回数=1, 发回重办数=1, 按时办结率=D("90.24")) == D("59.6")


def test_worked_example_renshe_rounds_half_up(rules):
    # 70 - 0.1 - 2.18 - 0.2 = 67.52 -> 67.5
    assert score_one(rules, 未及时退回数=1, 按时办结率=D("98.91"), 回访满意度=D("99.72")) == D("67.5")


@pytest.mark.parametrize(
    "overrides, expected",
    [
        # 70 - 0.2 (on-time 99.90%) - 0.1 - 0.05 (extension 30.25%) = 69.65 -> 69.7 (banker's: 69.6; floats: 69.6)
        ({"按时办结率": D("99.90"), "未及时退回数": 1, "延期办理率": D("30.25")}, D("69.7")),
        # 70 - 0.4 - 0.1 - 0.1 - 0.05 = 69.35 -> 69.4
        ({"按时办结率": D("99.80"), "未及时退回数": 1, "未按时签收数": 1, "延期办理率": D("30.25")}, D("69.4")),
        # 70 - 0.02 - 0.3 = 69.68 -> 69.7
        ({"按时办结率": D("99.99"), "未及时退回数": 3}, D("69.7")),
        # 70 - 0.06 = 69.94 -> 69.9
        ({"按时办结率": D("99.97")}, D("69.9")),
    ],
)
def test_rounding_is_half_up_to_one_decimal(rules, overrides, expected):
    assert score_one(rules, **overrides) == expected


def test_satisfaction_ranking_ties_share_the_smaller_rank(rules):
    rows = [unit_row("甲", 回访满意度=D("99.93")), unit_row("乙", 回访满意度=D("99.93")),
            unit_row("丙", "街道", 回访满意度=D("98.00")), unit_row("丁", 回访满意度=D("100.00"))]
    scored = score_units(pd.DataFrame(rows), rules).set_index("部门名称")
    assert scored["回访满意度扣分"].to_dict() == {"甲": D("0.2"), "乙": D("0.2"), "丙": D("0.6"), "丁": D("0")}


def test_satisfaction_ranks_streets_and_departments_together(rules):
    rows = [unit_row("街道一", "街道", 回访满意度=D("99.00")), unit_row("部门一", "区直部门", 回访满意度=D("98.00"))]
    scored = score_units(pd.DataFrame(rows), rules).set_index("部门名称")
    assert scored.loc["部门一", "总分"] == D("69.6")


@pytest.mark.parametrize("scores, expected", [([70, 70, 69.9], [1, 1, 3]), ([68, 69, 69, 70], [4, 2, 2, 1]), ([70], [1])])
def test_competition_rank(scores, expected):
    assert competition_rank(pd.Series(scores)).tolist() == expected


def test_reference_table_scores_and_ranks_all_45_units():
    board = score_file(APPENDIX, check=True)
    assert board.units == 45 and board.mismatches == []
    scored = board.table.set_index("部门名称")
    assert scored.loc["人力资源和社会保障局", "总分"] == "67.5"
    assert scored.loc["湘湖管理局", ["总分", "排名"]].tolist() == ["59.6", 14]
    assert scored.loc["马坡岭街道办事处", "回访满意度扣分"] == "2"


def test_check_reports_a_changed_score(tmp_path, appendix_text):
    changed = appendix_text.replace("湘湖管理局,44,0,0,1,41,4,90.24%,0,1,37,37,100.00%,10.00%,0.00%,59.6,14",
                                    "湘湖管理局,44,0,0,1,41,4,90.24%,0,1,37,37,100.00%,10.00%,0.00%,59.7,14")
    path = tmp_path / "changed.csv"
    path.write_text(changed, encoding="utf-8")
    board = score_file(path, check=True)
    assert board.mismatches == ["湘湖管理局: 总分 59.7 published, 59.6 computed; 排名 14 published, 14 computed"]


# Property tests ---------------------------------------------------------------------------------

rates = st.decimals(min_value=0, max_value=100, places=2)
counts = st.integers(min_value=0, max_value=500)
unit_rows = st.fixed_dictionaries({
    "未按时签收数": counts, "未及时退回数": counts, "退单驳回数": counts, "发回重办数": counts, "延期驳回数": counts,
    "按时办结率": rates, "回访满意度": rates, "延期办理率": rates,
})


@settings(max_examples=60, deadline=None)
@given(st.lists(unit_rows, min_size=1, max_size=8))
def test_score_between_floor_and_base(rules, faults):
    rows = [unit_row(f"单位{i}", "街道" if i % 2 else "区直部门", **f) for i, f in enumerate(faults)]
    scores = score_units(pd.DataFrame(rows), rules)["总分"]
    assert all(D(0) <= s <= rules.base for s in scores)


@settings(max_examples=60, deadline=None)
@given(unit_rows, st.sampled_from(["未按时签收数", "未及时退回数", "退单驳回数", "发回重办数", "延期驳回数"]),
       st.sampled_from(["按时办结率", "回访满意度"]))
def test_adding_a_fault_never_raises_a_score(rules, faults, count_column, rate_column):
    others = [unit_row("其他单位", 回访满意度=D("99.50"))]
    before = score_units(pd.DataFrame([unit_row("甲", **faults), *others]), rules).iloc[0]["总分"]
    worse = dict(faults)
    worse[count_column] += 1
    assert score_units(pd.DataFrame([unit_row("甲", **worse), *others]), rules).iloc[0]["总分"] <= before
    worse = dict(faults)
    worse[rate_column] = max(faults[rate_column] - D("0.01"), D(0))
    assert score_units(pd.DataFrame([unit_row("甲", **worse), *others]), rules).iloc[0]["总分"] <= before


@settings(max_examples=60, deadline=None)
@given(st.lists(st.decimals(min_value=0, max_value=70, places=1), min_size=1, max_size=30))
def test_ranks_are_a_competition_ranking(scores):
    ranks = competition_rank(pd.Series([float(s) for s in scores])).tolist()
    for score, rank in zip(scores, ranks):
        assert rank == 1 + sum(other > score for other in scores)
