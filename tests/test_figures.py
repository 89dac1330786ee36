"""Each figure definition on small hand-made frames whose answers were worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from hotline_lib.io.directory import Unit, UnitDirectory
from hotline_lib.figures.counts import assignment_flags, district_figures, in_month, unit_figures
from hotline_lib.io.validation import ASSIGNMENT_FLAGS, ASSIGNMENT_TIMES, ORDER_FLAGS, ORDER_TIMES, parse_times

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

M = "2021-03"
UNITS = UnitDirectory([Unit(name="甲街道办事处", kind="街道", display="甲街道办事处"),
                       Unit(name="乙局", kind="区直部门", display="区乙局"),
                       Unit(name="丙局", kind="区直部门", display="区丙局")])


def assignments(*rows: dict) -> pd.DataFrame:
    """Typed assignments from short dicts (times as text in China Standard Time)."""
    frame = pd.DataFrame(rows)
    for column in ASSIGNMENT_TIMES:
        frame[column] = parse_times(frame.get(column, pd.Series([None] * len(frame))).astype("string"))
    for column in ASSIGNMENT_FLAGS:
        frame[column] = frame.get(column, pd.Series([None] * len(frame))).astype("boolean")
    frame["redo_count"] = frame.get("redo_count", pd.Series([None] * len(frame))).astype("Int64")
    frame["unit_visit_result"] = frame.get("unit_visit_result", pd.Series([None] * len(frame))).astype("string")
    frame["order_id"] = frame.get("order_id", pd.Series([f"{i:03d}" for i in range(len(frame))])).astype("string")
    return frame


def orders(*rows: dict) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in ORDER_TIMES:
        frame[column] = parse_times(frame.get(column, pd.Series([None] * len(frame))).astype("string"))
    for column in ORDER_FLAGS:
        frame[column] = frame.get(column, pd.Series([None] * len(frame))).astype("boolean")
    for column in ["order_id", "channel", "appeal_type", "category", "visit_result"]:
        frame[column] = frame.get(column, pd.Series([None] * len(frame))).astype("string")
    return frame


def district(order_frame: pd.DataFrame, assignment_frame: pd.DataFrame | None = None, settings=None) -> dict:
    """District figures of M (an assignment far outside M stands in when none are given)."""
    from hotline_lib.io.directory import load_settings

    if assignment_frame is None:
        assignment_frame = assignments({"unit": "乙局", "dispatched_at": "2000-01-01 00:00:00", "order_id": "none"})
    return district_figures(order_frame, assignment_frame, M, settings or load_settings())


def figures_of(*rows: dict, unit="甲街道办事处") -> pd.Series:
    table = unit_figures(assignments(*rows), M, UNITS).set_index("部门名称")
    return table.loc[unit]


SIGN = {"unit": "甲街道办事处", "dispatched_at": "2021-03-10 09:00:00", "sign_due": "2021-03-10 11:00:00"}


@pytest.mark.parametrize(
    "signed_at, late",
    [("2021-03-10 11:00:00", 0),   # exactly at the due second: on time
     ("2021-03-10 11:00:01", 1),   # one second after
     ("2021-03-10 10:00:00", 0)],
)
def test_late_signing_at_the_due_second(signed_at, late):
    row = figures_of({**SIGN, "unit_signed_at": signed_at})
    assert (row["签收总数"], row["未按时签收数"]) == (1, late)


def test_unsigned_dispatched_this_month_is_late_but_not_last_months():
    row = figures_of({**SIGN},
                     {**SIGN, "dispatched_at": "2021-02-27 09:00:00", "sign_due": "2021-02-27 11:00:00"})
    assert (row["签收总数"], row["未按时签收数"]) == (0, 1)


def test_signed_next_month_after_due_counts_late_in_the_dispatch_month():
    rows = [{**SIGN, "dispatched_at": "2021-03-31 22:00:00", "sign_due": "2021-04-01 00:00:00",
             "unit_signed_at": "2021-04-01 08:00:00"}]
    assert figures_of(*rows)["未按时签收数"] == 1
    april = unit_figures(assignments(*rows), "2021-04", UNITS).set_index("部门名称").loc["甲街道办事处"]
    assert (april["签收总数"], april["未按时签收数"]) == (1, 0)


def test_returned_late_and_rejected():
    base = {**SIGN, "return_due": "2021-03-11 09:00:00"}
    row = figures_of({**base, "returned_at": "2021-03-11 09:00:00"},                          # on time
                     {**base, "returned_at": "2021-03-11 09:00:01"},                          # late
                     {**base, "returned_at": "2021-03-10 12:00:00", "return_rejected": True},  # refused
                     {**base, "returned_at": "2021-02-11 12:00:00", "return_rejected": True})  # last month
    assert (row["未及时退回数"], row["退单驳回数"], row["未按时签收数"], row["签收总数"]) == (1, 1, 0, 0)


def test_completion_with_carry_over_and_deadlines():
    signed = {**SIGN, "unit_signed_at": "2021-03-10 10:00:00", "complete_due": "2021-03-15 10:00:00"}
    carried = {**signed, "dispatched_at": "2021-02-27 09:00:00", "sign_due": "2021-02-27 11:00:00",
               "unit_signed_at": "2021-02-27 10:00:00", "complete_due": "2021-03-04 10:00:00"}
    row = figures_of({**signed, "unit_completed_at": "2021-03-15 10:00:00", "extension_requested": True},   # on time
                     {**signed, "unit_completed_at": "2021-03-16 10:00:00", "redo_count": 2},             # late
                     {**carried, "unit_completed_at": "2021-03-02 10:00:00", "extension_requested": True,
                      "extension_rejected": True},                                                       # carried over
                     {**signed, "unit_completed_at": "2021-04-02 10:00:00", "redo_count": 5})            # next month
    assert row["签收总数"] == 3 and row["办结工单（含上月流转工单）"] == 3 and row["未按时办结数"] == 1
    assert row["按时办结率"] == Decimal("66.67") and row["发回重办数"] == 2 and row["延期驳回数"] == 1
    assert row["延期办理率"] == Decimal("67")   # 2 of 3, to a whole percent


def test_visits_in_the_next_month_count_in_the_next_month():
    done = {**SIGN, "unit_signed_at": "2021-02-10 10:00:00", "unit_completed_at": "2021-02-26 10:00:00"}
    row = figures_of({**done, "unit_visited_at": "2021-03-01 00:00:00", "unit_visit_result": "满意"},
                     {**done, "unit_visited_at": "2021-03-02 10:00:00", "unit_visit_result": "基本满意"},
                     {**done, "unit_visited_at": "2021-03-03 10:00:00", "unit_visit_result": "不满意"},
                     {**done, "unit_visited_at": "2021-02-28 23:59:59", "unit_visit_result": "不满意"})
    assert (row["回访工单总数"], row["回访满意数"], row["回访满意度"]) == (3, 2, Decimal("66.67"))


def test_co_handled_order_counts_for_both_units():
    both = {"order_id": "0001", "dispatched_at": "2021-03-10 09:00:00", "sign_due": "2021-03-10 11:00:00",
            "unit_signed_at": "2021-03-10 10:00:00"}
    table = unit_figures(assignments({**both, "unit": "甲街道办事处"}, {**both, "unit": "乙局"}), M, UNITS).set_index("部门名称")
    assert table.loc["甲街道办事处", "签收总数"] == 1 and table.loc["乙局", "签收总数"] == 1


def test_a_unit_with_nothing_this_month():
    row = figures_of({**SIGN, "unit_signed_at": "2021-03-10 10:00:00"}, unit="丙局")
    counts = row[["签收总数", "未按时签收数", "办结工单（含上月流转工单）", "回访工单总数"]].tolist()
    assert counts == [0, 0, 0, 0]
    assert (row["按时办结率"], row["回访满意度"], row["延期办理率"], row["重复交办率"]) == (
        Decimal("100.00"), Decimal("100.00"), Decimal("0"), Decimal("0.00"))


def test_repeat_assignment_rate():
    signed = {**SIGN, "unit_signed_at": "2021-03-10 10:00:00"}
    row = figures_of({**signed, "repeat_assigned": True}, signed, signed)
    assert row["重复交办率"] == Decimal("33.33")


@pytest.mark.parametrize("time, inside", [("2021-03-01 00:00:00", True), ("2021-02-28 23:59:59", False),
                                          ("2021-03-31 23:59:59", True), ("2021-04-01 00:00:00", False), (None, False)])
def test_month_boundaries_in_china_standard_time(time, inside):
    assert in_month(parse_times(pd.Series([time], dtype="string")), M).iloc[0] == inside


def test_month_boundary_is_china_time_not_utc():
    # 2021-02-28 16:30 UTC is 2021-03-01 00:30 in China: it belongs to March.
    times = parse_times(pd.Series(["2021-03-01 00:30:00"], dtype="string"))
    assert times.dt.tz_convert("UTC").iloc[0] == pd.Timestamp("2021-02-28 16:30:00", tz="UTC")
    assert in_month(times, M).iloc[0]


# District figures --------------------------------------------------------------------------------

def test_overview_counts_orders_and_carry_over(settings):
    frame = orders(
        {"order_id": "1", "signed_at": "2021-03-02 09:00:00", "channel": "12345热线", "completed_at": "2021-03-03 09:00:00",
         "visited_at": "2021-03-04 09:00:00"},
        {"order_id": "2", "signed_at": "2021-02-26 09:00:00", "channel": "12345热线", "completed_at": "2021-03-01 09:00:00"},
        {"order_id": "3", "signed_at": "2021-03-05 09:00:00", "channel": "人民网"},
        {"order_id": "4", "signed_at": "2021-03-03 09:00:00", "channel": "市长信箱"},
        {"order_id": "5", "signed_at": "2021-03-06 09:00:00", "channel": "市长信箱"},
        {"order_id": "6", "signed_at": "2021-03-04 09:00:00", "channel": "好差评"},
        {"order_id": "7", "signed_at": "2021-03-07 09:00:00", "channel": "我的长沙"},
    )
    result = district(frame)["overview"]
    assert (result["orders_signed"], result["orders_completed_incl_carried_over"], result["orders_visited"]) == (6, 2, 1)
    # 市长信箱 2; then 好差评, 人民网 and 我的长沙 tie at 1 and are ordered by first appearance
    assert result["channels_named"] == {"市长信箱": 2, "好差评": 1}
    assert result["channels_grouped"] == {"names": ["人民网", "我的长沙"], "total": 2}


def test_top_categories_only_counts_orders_signed_in_the_month():
    frame = orders(*[{"order_id": str(i), "signed_at": f"2021-03-{i + 1:02d} 09:00:00", "category": c}
                     for i, c in enumerate(["停车", "噪音", "停车", "物业", "噪音", "停车"])],
                   {"order_id": "x", "signed_at": "2021-02-10 09:00:00", "category": "物业"})
    assert district(frame)["top_categories"][:2] == [{"category": "停车", "orders": 3}, {"category": "噪音", "orders": 2}]


def test_business_environment_units_in_order_of_first_appearance():
    frame = orders(
        {"order_id": "1", "signed_at": "2021-03-05 09:00:00", "business_env": True, "appeal_type": "投诉"},
        {"order_id": "2", "signed_at": "2021-03-02 09:00:00", "business_env": True, "appeal_type": "投诉"},
        {"order_id": "3", "signed_at": "2021-03-09 09:00:00", "business_env": True, "appeal_type": "投诉"},
        {"order_id": "4", "signed_at": "2021-03-09 09:00:00", "business_env": True, "appeal_type": "表扬"},
        {"order_id": "5", "signed_at": "2021-03-09 09:00:00", "business_env": False, "appeal_type": "投诉"},
    )
    a = assignments({"order_id": "1", "unit": "乙局", "dispatched_at": "2021-03-05 09:10:00"},
                    {"order_id": "2", "unit": "甲街道办事处", "dispatched_at": "2021-03-02 09:10:00"},
                    {"order_id": "3", "unit": "乙局", "dispatched_at": "2021-03-09 09:10:00"},
                    {"order_id": "3", "unit": "丙局", "dispatched_at": "2021-03-09 09:05:00", "returned_at": "2021-03-09 10:00:00"},
                    {"order_id": "4", "unit": "丙局", "dispatched_at": "2021-03-09 09:10:00"},
                    {"order_id": "5", "unit": "丙局", "dispatched_at": "2021-03-09 09:10:00"})
    result = district(frame, a)["business_environment"]
    assert result["complaints"] == {"total": 3, "by_unit": {"甲街道办事处": 1, "乙局": 2}}
    assert list(result["complaints"]["by_unit"]) == ["甲街道办事处", "乙局"]   # 丙局 returned order 3
    assert result["praise"] == {"total": 1, "by_unit": {"丙局": 1}}


def test_epidemic_figures_as_published(settings):
    rows = [{"order_id": str(i), "signed_at": "2021-03-02 09:00:00", "epidemic": True, "appeal_type": t, "category": c,
             "completed_at": "2021-03-03 09:00:00" if i < 3 else None, "visit_result": r}
            for i, (t, c, r) in enumerate([("求助", "社区工作", "满意"), ("求助", "卫生服务类", "不满意"), ("咨询", "养老保险", None),
                                           ("求助", "卫生服务类", None)])]
    rows += [{"order_id": f"n{i}", "signed_at": "2021-03-03 09:00:00", "epidemic": False, "category": "养老保险",
              "completed_at": "2021-03-04 09:00:00"} for i in range(3)]
    result = district(orders(*rows))["epidemic"]
    assert (result["signed"], result["completed"], result["share_of_month_completed"]) == (4, 3, "50.00%")
    assert result["by_appeal_type"] == {"咨询": 1, "求助": 3, "建议": 0, "投诉": 0}
    assert (result["visited_unsatisfied"], result["satisfaction"]) == (1, "75.00%")
    # 社区工作 and 养老保险 tie at 1: 养老保险 has more orders this month, so it comes first
    assert result["top_categories"][:3] == [{"category": "卫生服务类", "orders": 2, "share": "50.00%"},
                                            {"category": "养老保险", "orders": 1, "share": "25.00%"},
                                            {"category": "社区工作", "orders": 1, "share": "25.00%"}]


def test_assignment_flags_never_count_missing_times_as_in_month():
    flags = assignment_flags(assignments({**SIGN}), M)
    assert not flags["签收总数"].any() and not flags["办结工单（含上月流转工单）"].any()
