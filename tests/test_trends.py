"""Trend functions on small frames (环比/同比 with missing months, a unit that appears mid-range), and
notebooks/trends.ipynb rendered as the trends page."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from hotline_lib.analysis import compare, trends
from hotline_lib.core.months import months_between
from hotline_lib.core.errors import HotlineError
from hotline_lib.analysis.trends import (change, change_rates, format_headline_table, headline_table, heatmaps_by_kind, largest_score_falls, median_handling_days,
                                        time_to_close, unit_heatmap)
from hotline_lib.io.validation import parse_times

from conftest import workspace

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages


def test_change_rates_month_on_month_and_year_on_year():
    series = pd.DataFrame({"orders": [100, 110, 99]}, index=["2020-01", "2020-02", "2021-01"])
    rates = change_rates(series)
    assert math.isnan(rates.loc["2020-01", "orders_环比"])            # nothing before
    assert rates.loc["2020-02", "orders_环比"] == 10.0
    assert math.isnan(rates.loc["2021-01", "orders_环比"])            # 2020-12 missing
    assert rates.loc["2021-01", "orders_同比"] == -1.0                # against 2020-01
    assert math.isnan(rates.loc["2020-02", "orders_同比"])


def test_change_rate_against_zero_is_missing():
    rates = change_rates(pd.DataFrame({"orders": [0, 5]}, index=["2020-01", "2020-02"]))
    assert math.isnan(rates.loc["2020-02", "orders_环比"])


@pytest.mark.parametrize("current, base, rate, expected", [
    (99.10, 99.20, True, -0.10),     # a rate: the difference, in 百分点 (not -0.10 %)
    (97.50, 95.00, True, 2.50),
    (80.00, 0.00, True, 80.00),      # a rate from 0% still has a difference
    (110, 100, False, 10.00),        # a count: relative, in %
    (99, 100, False, -1.00),
    (1365, 1200, False, 13.75),
])
def test_change_of_a_rate_is_in_points_of_a_count_relative(current, base, rate, expected):
    assert float(change(current, base, rate)) == expected


def test_change_rates_give_the_satisfaction_in_points():
    series = pd.DataFrame({"orders_signed": [1000, 1100], "satisfaction": [99.20, 99.10]}, index=["2020-11", "2020-12"])
    rates = change_rates(series)
    assert rates.loc["2020-12", "satisfaction_环比"] == -0.10
    assert rates.loc["2020-12", "orders_signed_环比"] == 10.0


def test_headline_table_heads_rate_changes_with_points():
    series = pd.DataFrame({"orders_signed": [1000, 1100], "orders_completed": [900, 990], "orders_visited": [500, 400],
                           "satisfaction": [99.20, 99.10]}, index=["2020-11", "2020-12"])
    table = headline_table(series)
    assert list(table.columns) == ["签收工单", "签收环比", "签收同比", "办结工单", "办结环比", "办结同比", "回访工单",
                                   "区回访满意度", "区回访满意度环比（百分点）"]
    shown = format_headline_table(table).loc["2020-12"]
    assert shown["区回访满意度环比（百分点）"] == "-0.10" and shown["区回访满意度"] == "99.10%"
    assert shown["签收环比"] == "10.00%" and shown["办结环比"] == "10.00%"


def _unit_months(rows, kinds=None):
    frame = pd.DataFrame(rows, columns=["部门名称", "month", "回访满意度", "回访工单总数", "按时办结率", "办结工单（含上月流转工单）", "总分"])
    return frame.assign(类别=frame["部门名称"].map(kinds)) if kinds else frame


def test_a_unit_that_appears_mid_range_has_no_rate_before():
    frame = _unit_months([["甲", "2020-01", 100, 0, 100, 0, 70], ["甲", "2020-02", 95.5, 20, 100, 10, 69],
                          ["乙", "2020-01", 99, 10, 100, 5, 69.8], ["乙", "2020-02", 98, 10, 90, 5, 59.8]])
    table = unit_heatmap(frame, "回访满意度")
    assert np.isnan(table.loc["甲", "2020-01"]) and table.loc["甲", "2020-02"] == 95.5


def test_largest_score_falls_lists_only_falls_biggest_first():
    frame = _unit_months([["甲", "2020-01", 100, 1, 100, 1, 70], ["甲", "2020-02", 100, 1, 100, 1, 69.5],
                          ["乙", "2020-01", 100, 1, 100, 1, 69.8], ["乙", "2020-02", 100, 1, 100, 1, 59.8],
                          ["丙", "2020-01", 100, 1, 100, 1, 60], ["丙", "2020-02", 100, 1, 100, 1, 70]])
    falls = largest_score_falls(frame)
    assert list(falls.index) == ["乙", "甲"] and falls["变化"].tolist() == [-10.0, -0.5]


def test_heat_maps_group_units_by_kind_in_directory_order():
    rows = [[unit, month, 99, 10, 95, 10, 70] for month in ["2020-01", "2020-02"] for unit in ["乙街道", "丙局", "甲街道", "丁局"]]
    frame = _unit_months(rows, {"乙街道": "街道", "甲街道": "街道", "丙局": "区直部门", "丁局": "区直部门"})
    frame.loc[(frame["部门名称"] == "丁局") & (frame["month"] == "2020-01"), "办结工单（含上月流转工单）"] = 0
    tables = heatmaps_by_kind(frame, "按时办结率")
    assert list(tables) == ["街道", "区直部门"]
    assert list(tables["街道"].index) == ["乙街道", "甲街道"] and list(tables["区直部门"].index) == ["丙局", "丁局"]
    assert list(tables["街道"].columns) == ["2020-01", "2020-02"]
    assert np.isnan(tables["区直部门"].loc["丁局", "2020-01"]) and tables["区直部门"].loc["丁局", "2020-02"] == 95
    assert list(unit_heatmap(frame, "回访满意度", kind="区直部门").index) == ["丙局", "丁局"]


def test_time_to_close_and_median_handling_days():
    orders = pd.DataFrame({"signed_at": parse_times(pd.Series(["2020-01-02 08:00:00", "2020-01-03 08:00:00", "2019-12-30 08:00:00"], dtype="string")),
                           "completed_at": parse_times(pd.Series(["2020-01-03 08:00:00", "2020-01-13 08:00:00", None], dtype="string"))})
    assert time_to_close(orders, ["2020-01"]).tolist() == [1.0, 10.0]
    assignments = pd.DataFrame({"unit": ["甲", "甲", "甲", "乙"],
                                "unit_signed_at": parse_times(pd.Series(["2020-01-01 08:00:00"] * 4, dtype="string")),
                                "unit_completed_at": parse_times(pd.Series(["2020-01-02 08:00:00", "2020-01-04 08:00:00",
                                                                            "2020-01-11 08:00:00", "2020-02-05 08:00:00"], dtype="string"))})
    table = median_handling_days(assignments, ["2020-01"])
    assert table.loc["甲"].tolist() == [3, 3.0] and "乙" not in table.index


@pytest.mark.parametrize("start, end, count", [("2020-01", "2021-06", 18), ("2020-12", "2020-12", 1), ("2020-11", "2021-02", 4)])
def test_months_between(start, end, count):
    months = months_between(start, end)
    assert len(months) == count and months[0] == start and months[-1] == end


def test_months_between_rejects_a_reversed_range():
    with pytest.raises(HotlineError, match="before"):
        months_between("2021-01", "2020-12")


@pytest.mark.slow
@pytest.mark.parametrize("start, end", [("2020-01", "2021-06"), ("2020-07", "2021-06")])
def test_trends_page(sample_dir, tmp_path, start, end):
    """The notebook shows its work (tables, seaborn code); the page shows the tables, charts and headings."""
    from hotline_lib.render.trends import render_trends

    page = render_trends(start, end, workspace(sample_dir, tmp_path)).read_text(encoding="utf-8")
    assert f"芙蓉区12345政务热线工单趋势（{start} 至 {end}）" in page
    assert len(re.findall(r"<img[^>]* src=\"data:image/png;base64,", page)) == 7
    assert "<script" not in page.lower() and "环比" in page and "同比" in page and "总分下降最多的单位" in page
    assert 'class="dataframe"' in page and "区回访满意度" in page and re.search(r">\d{2,3}\.\d{2}%<", page)
    assert "papermill" not in page and "heatmaps_by_kind" not in page  # notebook-only notes stay off the page
    executed = json.loads((tmp_path / f"trends_{start}_{end}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    assert any("sns." in "".join(c["source"]) for c in code)
    assert any("dataframe" in "".join(o.get("data", {}).get("text/html", "")) for c in code for o in c["outputs"])
    printed = "".join("".join(o.get("text", "")) for c in code for o in c["outputs"])
    t = trends.load_trends(start, end, workspace(sample_dir, tmp_path))
    fallen = trends.largest_score_falls(t.unit_months, n=1).index[0]
    top = trends.categories_over_time(t.exports.orders, t.months, n=1).columns[0]
    assert compare.unit_detail(fallen, start, end) in printed         # under the heat maps: the unit that fell most
    assert compare.category_detail(top, start, end) in printed        # under the category chart: the largest category
    assert f"papermill notebooks/explore/orders.ipynb outputs/orders.ipynb -p month {end} -p category" in printed


@pytest.mark.slow
def test_trends_page_of_one_month_reads_sensibly(sample_dir, tmp_path):
    """One month: no 总分 rise or fall to list (a sentence says why, no chart of one point per unit), and
    the count of closed orders is a whole number, not "3514.00"."""
    from hotline_lib.render.trends import render_trends

    month = "2020-12"
    page = render_trends(month, month, workspace(sample_dir, tmp_path)).read_text(encoding="utf-8")
    assert f"所选范围只有 {month} 一个月，总分升降要从两个月起比较。" in page and "（无）" not in page
    assert len(re.findall(r"<img[^>]* src=\"data:image/png;base64,", page)) == 6   # the score chart left out
    t = trends.load_trends(month, month, workspace(sample_dir, tmp_path))
    closed = len(trends.time_to_close(t.exports.orders, t.months))
    assert closed > 0 and re.search(rf">\s*{closed}\s*<", page) and f"{closed}.00" not in page
