"""The rules language, one construct at a time (scoring/items.py, indicators.py, groups.py, grades.py,
table.py): each with (input, expected) cases worked out by hand from the stated arithmetic."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline_lib.scoring.grades import Board, Grade, grade_of, on_board
from hotline_lib.scoring.groups import Group, Volume, group_of
from hotline_lib.scoring.indicators import Indicator, add_indicators, indicator_value
from hotline_lib.scoring.items import Bonus, ManualItem, RateItem, WeightedItem, bonus_points, item_points, rate_points, weighted_points
from hotline_lib.scoring.parts import half_up
from hotline_lib.scoring.rules import Rules
from hotline_lib.scoring.table import score_table

D = Decimal


def rules_of(**parts) -> Rules:
    return Rules.model_validate({"name": "测试", **parts})


# Rounding ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, step, expected", [
    ("17.665", "0.01", "17.67"), ("2.675", "0.01", "2.68"), ("67.55", "0.1", "67.6"), ("67.52", "0.1", "67.5"),
    ("0.005", "0.01", "0.01"), ("14.82", None, "14.82"), ("99.994999", "0.01", "99.99"),
])
def test_rounding_is_half_up_in_decimal(value, step, expected):
    assert half_up(D(value), D(step) if step else None) == D(expected)


# Items that earn points --------------------------------------------------------------------------

ON_TIME = RateItem(kind="rate", full=20, target=95, points_per_point=1, floor=0)             # 连云港 按时办结率
SIGN_IN = RateItem(kind="rate", full=10, target=95, points_per_point=1, floor=0)             # 及时签收率
SATISFIED = RateItem(kind="rate", full=25, fixed=D("12.5"), target=98, points_per_point=D("0.5"))   # 满意率, 2022


@pytest.mark.parametrize("item, rate, expected", [
    (ON_TIME, "89.82", "14.82"),      # the published example: 20 - 5.18
    (ON_TIME, "95", "20"), (ON_TIME, "100", "20"), (ON_TIME, "94.99", "19.99"),
    (ON_TIME, "75", "0"),             # 20 points below: nothing left
    (ON_TIME, "60", "0"),             # never below the floor
    (SIGN_IN, "80", "0"),             # the published example: 15 below, floor 0
    (SIGN_IN, "94.5", "9.5"), (SIGN_IN, "85.01", "0.01"),
    (SATISFIED, "87.5", "19.75"),     # the published example: 12.5 + 12.5 - 0.5 x 10.5
    (SATISFIED, "98", "25"), (SATISFIED, "97", "24.5"),
    (SATISFIED, "73", "12.5"),        # 25 points below: the variable 12.5 gone, the fixed 12.5 kept
    (SATISFIED, "50", "12.5"),
    (RateItem(kind="rate", full=10, target=30, points_per_point=1, better="lower"), "32", "8"),   # lower is better
    (RateItem(kind="rate", full=10, target=30, points_per_point=1, better="lower"), "20", "10"),
    (RateItem(kind="rate", full=10, target=100, points_per_point=1, cap=8), "100", "8"),            # a cap
    (RateItem(kind="rate", full=10, target=100, points_per_point=1, floor=3), "90", "3"),           # a floor
])
def test_rate_item(item, rate, expected):
    assert rate_points(D(rate), item) == D(expected)


def test_a_rate_item_without_a_rate_gets_full_marks():
    assert rate_points(None, ON_TIME) == 20


@pytest.mark.parametrize("rates, full, expected", [
    ({"响应率": "90", "解决率": "80", "满意率": "95"}, 100, "87"),      # 9 + 40 + 38
    ({"响应率": "100", "解决率": "100", "满意率": "100"}, 100, "100"),
    ({"响应率": "90", "解决率": "80", "满意率": "95"}, 50, "43.5"),
    ({"响应率": "0", "解决率": "0", "满意率": "0"}, 100, "0"),
])
def test_weighted_item(rates, full, expected):
    item = WeightedItem(kind="weighted", full=full, weights={"响应率": D("0.1"), "解决率": D("0.5"), "满意率": D("0.4")},
                        weights_sum=1)
    assert weighted_points({k: D(v) for k, v in rates.items()}, item) == D(expected)


def test_weights_scaled_by_their_declared_sum():
    item = WeightedItem(kind="weighted", full=100, weights={"甲": 1, "乙": 3}, weights_sum=4)
    assert weighted_points({"甲": D(80), "乙": D(100)}, item) == D(95)     # (80 + 300) / 4


@pytest.mark.parametrize("table_value, judged, expected", [
    (None, None, "10"),      # nobody judged: the default (full marks)
    ("9", None, "9"),        # typed in the table (体育局's 答复规范)
    ("9", "7", "7"),         # the month's hand-judged file wins over the table
    (None, "0", "0"),
])
def test_manual_item(table_value, judged, expected):
    table = pd.DataFrame({"部门名称": ["体育局"], **({"答复规范": [D(table_value)]} if table_value else {})})
    manual = {"体育局": D(judged)} if judged else None
    points = item_points(table, "答复规范", ManualItem(kind="manual", full=10), manual)
    assert points.tolist() == [D(expected)]


def test_manual_item_default_below_full():
    table = pd.DataFrame({"部门名称": ["甲"]})
    assert item_points(table, "其他", ManualItem(kind="manual", full=35, default=30)).tolist() == [D(30)]


@pytest.mark.parametrize("count, expected", [(0, "0"), (1, "0.5"), (3, "1.5"), (10, "2")])
def test_bonus_per_count_with_cap(count, expected):
    assert bonus_points(count, Bonus(kind="per_count", column="已解决数", points=D("0.5"), cap=2)) == D(expected)


# Indicators --------------------------------------------------------------------------------------

@pytest.mark.parametrize("numerator, counts, expected", [
    ("已联系数", {"已联系数": 45, "回访工单总数": 50}, "90.00"),
    ({"回访满意数": 1, "基本满意数": D("-0.1")}, {"回访满意数": 50, "基本满意数": 10, "回访工单总数": 60}, "81.67"),  # (40 + 9) / 60
    ({"签收总数": 1, "未按时签收数": -1}, {"签收总数": 200, "未按时签收数": 3}, "98.50"),
    ({"签收总数": 1, "未按时签收数": -1}, {"签收总数": 3, "未按时签收数": 1}, "66.67"),                # 66.666… half up
    ("已联系数", {"已联系数": 1, "回访工单总数": 8}, "12.50"),
])
def test_indicator_rate(numerator, counts, expected):
    denominator = "回访工单总数" if "回访工单总数" in counts else "签收总数"
    indicator = Indicator(numerator=numerator, denominator=denominator)
    assert indicator_value(counts, indicator, D("0.01")) == D(expected)


@pytest.mark.parametrize("empty, expected", [("full", D(100)), ("zero", D(0)), ("not_rated", None)])
def test_indicator_with_nothing_to_count(empty, expected):
    indicator = Indicator(numerator="已联系数", denominator="回访工单总数", empty=empty)
    assert indicator_value({"已联系数": 0, "回访工单总数": 0}, indicator, D("0.01")) == expected


def test_a_rate_given_in_the_table_is_kept():
    table = pd.DataFrame({"部门名称": ["甲"], "满意率": [D("87.5")]})
    added = add_indicators(table, {"满意率": Indicator(numerator="回访满意数", denominator="回访工单总数")}, D("0.01"))
    assert added["满意率"].tolist() == [D("87.50")]


# Groups ------------------------------------------------------------------------------------------

GROUPS = {"县": Group(kinds=["县"]), "重点": Group(units=["港务局"]), "大": Group(kinds=["市直部门"], volume=Volume(min=300)),
          "小": Group(kinds=["市直部门"], volume=Volume(max=299))}


@pytest.mark.parametrize("unit, kind, signed, expected", [
    ("东海县", "县", 10, "县"), ("港务局", "市直部门", 5000, "重点"),   # listed by name: first
    ("公安局", "市直部门", 300, "大"), ("教育局", "市直部门", 299, "小"), ("某区", "区", 10, None),
])
def test_group_of(unit, kind, signed, expected):
    assert group_of({"部门名称": unit, "类别": kind, "签收总数": signed}, "类别", GROUPS) == expected


# Grades and the 红黑榜 --------------------------------------------------------------------------

HANGZHOU = [Grade(name="优秀", min_percent=95), Grade(name="达标", min_percent=90), Grade(name="黄牌", last_in_group=True),
            Grade(name="未达标")]


@pytest.mark.parametrize("score, full, last, expected", [
    ("95", 100, False, "优秀"), ("94.99", 100, False, "达标"), ("90", 100, True, "达标"), ("89.99", 100, True, "黄牌"),
    ("89.99", 100, False, "未达标"), ("142.5", 150, False, "优秀"), ("142.49", 150, False, "达标"),
])
def test_grade_bands(score, full, last, expected):
    assert grade_of(D(score), D(full), last, HANGZHOU) == expected


@pytest.mark.parametrize("values, size, best, expected", [
    ([90, 80, 80, 70], 2, True, [True, True, True, False]),       # a tie at the edge: both in
    ([90, 80, 80, 70], 1, False, [False, False, False, True]),
    ([90, 80, 80, 70], 3, False, [False, True, True, True]),
    ([90, 90, 90], 1, True, [True, True, True]),
    ([90, None, 70], 1, False, [False, False, True]),              # not ranked: on no list
])
def test_lists_include_ties(values, size, best, expected):
    series = pd.Series([float("nan") if v is None else v for v in values])
    groups = pd.Series(["甲"] * len(values))
    assert on_board(series, groups, Board(size=size, within="all"), best).tolist() == expected


# The whole table ---------------------------------------------------------------------------------

def test_min_volume_leaves_small_units_unranked():
    rules = rules_of(items={"综合": {"kind": "manual", "full": 100}}, groups={"全部": {"full_marks": 100}},
                     min_volume={"min": 20})
    table = pd.DataFrame({"部门名称": ["甲", "乙", "丙"], "签收总数": [30, 19, 20], "综合": [D(90), D(100), D(95)]})
    scored = score_table(table, rules).set_index("部门名称")
    assert scored.at["丙", "排名"] == 1 and scored.at["甲", "排名"] == 2 and pd.isna(scored.at["乙", "排名"])
    assert scored["参评"].to_dict() == {"丙": True, "甲": True, "乙": False}


def test_deductions_bonuses_and_earned_points_add_up():
    rules = rules_of(base=10, kinds=["部门"], rounding={"step": "0.01"},
                     items={"答复规范": {"kind": "manual", "full": 10}},
                     deductions={"未按时签收": {"kind": "per_count", "column": "未按时签收数", "points": 0.5}},
                     bonuses={"解决": {"kind": "per_count", "column": "已解决数", "points": 0.2, "cap": 1}}, bonus_cap=0.6)
    table = pd.DataFrame({"部门名称": ["甲"], "类别": ["部门"], "未按时签收数": [3], "已解决数": [10], "答复规范": [D(8)]})
    row = score_table(table, rules).iloc[0]
    # 10 + 8 + min(1, 0.6) - 1.5 = 17.1
    assert (row["答复规范得分"], row["未按时签收扣分"], row["解决加分"], row["总分"]) == (D(8), D("1.5"), D(1), D("17.10"))


def test_each_group_ranks_apart_with_ties():
    rules = rules_of(items={"综合": {"kind": "manual", "full": 100}}, groups={"甲组": {"kinds": ["甲"]}, "乙组": {"kinds": ["乙"]}})
    table = pd.DataFrame({"部门名称": list("abcde"), "类别": ["甲", "甲", "甲", "乙", "乙"],
                          "综合": [D(90), D(95), D(90), D(50), D(60)]})
    scored = score_table(table, rules)
    assert list(zip(scored["类别"], scored["部门名称"], scored["排名"])) == [
        ("甲组", "b", 1), ("甲组", "a", 2), ("甲组", "c", 2), ("乙组", "e", 1), ("乙组", "d", 2)]


# Properties --------------------------------------------------------------------------------------

rates = st.decimals(min_value=0, max_value=100, places=2)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(rates, rates, rates, st.decimals(min_value=0, max_value=10, places=1)), min_size=1, max_size=12))
def test_lianyungang_scores_within_full_marks_and_ranks_a_competition_ranking(rows):
    from hotline_lib.scoring.rules import load_rules

    rules = load_rules("lianyungang")
    table = pd.DataFrame([{"类别": "市直部门", "部门名称": f"单位{i}", "及时签收率": a, "按时办结率": b, "满意率": c, "答复规范": m}
                          for i, (a, b, c, m) in enumerate(rows)])
    scored = score_table(table, rules)
    assert all(D(0) <= s <= 100 for s in scored["总分"])
    ranks, scores = scored["排名"].tolist(), scored["总分"].tolist()
    for score, rank in zip(scores, ranks):
        assert rank == 1 + sum(other > score for other in scores)
    assert sorted(ranks)[0] == 1 and len(ranks) == len(table)
