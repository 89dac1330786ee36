"""The detail rows behind each deducted count: hand-made assignments, and December 2020 of the sample
row by row against its raw assignments, the counts and the published appendix."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from hotline_lib.figures.counts import in_month, unit_counts
from hotline_lib.figures.details import DETAIL_COLUMNS, DETAIL_COUNTS, TIMES, deduction_details
from hotline_lib.figures.month import compute_month
from tests.conftest import APPENDIX
from tests.test_figures import M, SIGN, assignments

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

T = pd.Timestamp
SIGNED = {**SIGN, "unit_signed_at": "2021-03-10 10:00:00"}
COMPLETE = {**SIGNED, "complete_due": "2021-03-20 12:00:00"}

CASES = {
    "signed late": ({**SIGN, "unit_signed_at": "2021-03-10 12:30:00"},
                    [{"计数": "未按时签收数", "派单时间": T("2021-03-10 09:00"), "签收时限": T("2021-03-10 11:00"),
                      "签收时间": T("2021-03-10 12:30"), "超时小时": 1.5, "次数": 1}]),
    "unsigned: late until the end of the month": (
        {**SIGN, "dispatched_at": "2021-03-31 09:00:00", "sign_due": "2021-03-31 11:00:00"},
        [{"计数": "未按时签收数", "派单时间": T("2021-03-31 09:00"), "签收时限": T("2021-03-31 11:00"), "签收时间": pd.NaT,
          "超时小时": 13.0, "次数": 1, "状态": "未签收"}]),
    "unsigned, due after the month: counted, not yet late": (
        {**SIGN, "dispatched_at": "2021-03-31 23:00:00", "sign_due": "2021-04-01 01:00:00"},
        [{"计数": "未按时签收数", "超时小时": 0.0, "状态": "未签收"}]),
    "signed at the deadline": ({**SIGN, "unit_signed_at": "2021-03-10 11:00:00"}, []),
    "returned late and refused": (
        {**SIGN, "returned_at": "2021-03-10 12:06:00", "return_due": "2021-03-10 10:00:00", "return_rejected": True},
        [{"计数": "未及时退回数", "退回时间": T("2021-03-10 12:06"), "退回时限": T("2021-03-10 10:00"), "派单时间": pd.NaT,
          "超时小时": 2.1, "次数": 1},
         {"计数": "退单驳回数", "退回时间": T("2021-03-10 12:06"), "退回时限": pd.NaT, "超时小时": math.nan, "次数": 1}]),
    "sent back twice": ({**COMPLETE, "unit_completed_at": "2021-03-12 10:00:00", "redo_count": 2},
                        [{"计数": "发回重办数", "办结时间": T("2021-03-12 10:00"), "办结时限": pd.NaT, "超时小时": math.nan, "次数": 2}]),
    "extension rejected: no time in the exports": (
        {**COMPLETE, "unit_completed_at": "2021-03-12 10:00:00", "extension_rejected": True},
        [{"计数": "延期驳回数", **{header: pd.NaT for header in TIMES}, "超时小时": math.nan, "次数": 1}]),
    "completed late": ({**COMPLETE, "unit_completed_at": "2021-03-20 18:03:00"},
                       [{"计数": "未按时办结数", "办结时间": T("2021-03-20 18:03"), "办结时限": T("2021-03-20 12:00"),
                         "签收时间": pd.NaT, "超时小时": 6.1, "次数": 1}]),
    "completed late in the next month": ({**COMPLETE, "unit_completed_at": "2021-04-01 00:00:00"}, []),
    "signed late, dispatched in the month before": (
        {**SIGN, "dispatched_at": "2021-02-28 23:00:00", "sign_due": "2021-03-01 01:00:00",
         "unit_signed_at": "2021-03-01 08:00:00"}, []),
}


@pytest.mark.parametrize("row, expected", CASES.values(), ids=CASES.keys())
def test_detail_rows(row, expected):
    details = deduction_details(assignments({**row, "order_id": "0012"}), M)
    assert list(details.columns) == DETAIL_COLUMNS
    assert len(details) == len(expected)
    for (_, got), want in zip(details.iterrows(), expected):
        assert got["部门名称"] == "甲街道办事处" and got["工单编号"] == "0012"
        for column, value in {"状态": None, **want}.items():
            if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
                assert pd.isna(got[column]), column
            else:
                assert got[column] == value, column


def test_times_are_china_time_without_a_zone_and_order_numbers_text():
    details = deduction_details(assignments({**SIGN, "order_id": "000123", "unit_signed_at": "2021-03-10 12:30:00"}), M)
    assert all(str(details[header].dtype) == "datetime64[ns]" for header in TIMES)
    assert details.at[0, "签收时间"] == T("2021-03-10 12:30") and details.at[0, "工单编号"] == "000123"


def test_rows_of_several_units_sorted_by_unit_then_count():
    frame = assignments({**SIGN, "unit": "乙局", "unit_completed_at": "2021-03-20 13:00:00", "complete_due": "2021-03-20 12:00:00",
                         "unit_signed_at": "2021-03-10 10:00:00"},
                        {**SIGN, "unit_signed_at": "2021-03-10 12:00:00"}, {**SIGNED, "redo_count": 1})
    details = deduction_details(frame, M)
    assert details[["部门名称", "计数"]].values.tolist() == [["乙局", "未按时办结数"], ["甲街道办事处", "未按时签收数"]]


def test_no_citizen_text_even_when_the_frame_holds_some():
    frame = assignments({**SIGN, "unit_signed_at": "2021-03-10 12:30:00"}).assign(content="张三 13812345678", caller_phone="13812345678")
    details = deduction_details(frame, M)
    assert list(details.columns) == DETAIL_COLUMNS
    assert "13812345678" not in details.astype(str).to_string()


# December 2020 of the sample ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def december(sample_dir, tmp_path_factory):
    return compute_month("2020-12", sample_dir, out_dir=tmp_path_factory.mktemp("out"))


def test_rows_add_up_to_the_counts_and_the_published_appendix(december):
    details = deduction_details(december.exports.assignments, "2020-12")
    per_unit = details.groupby(["部门名称", "计数"])["次数"].sum().unstack(fill_value=0).reindex(columns=DETAIL_COUNTS, fill_value=0)
    counts = unit_counts(december.exports.assignments, "2020-12")[DETAIL_COUNTS]
    published = pd.read_csv(APPENDIX, dtype=str).set_index("部门名称")[DETAIL_COUNTS].astype(int)
    assert counts.to_numpy().sum() > 40 and len(details) > 40   # something to check
    for unit in published.index:
        for column in DETAIL_COUNTS:
            rows = int(per_unit.at[unit, column]) if unit in per_unit.index else 0
            counted = int(counts.at[unit, column]) if unit in counts.index else 0
            assert rows == counted == published.at[unit, column], (unit, column)
    assert set(per_unit.index) <= set(published.index)


def _china(times: pd.Series) -> pd.Series:
    return times.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)


def test_each_row_is_its_raw_assignment(december):
    a = december.exports.assignments
    details = deduction_details(a, "2020-12")
    orders = set(december.exports.orders["order_id"])
    end = pd.Timestamp("2021-01-01")
    for row in details.to_dict("records"):
        assert row["工单编号"] in orders
        raw = a[(a["order_id"] == row["工单编号"]) & (a["unit"] == row["部门名称"])]
        assert len(raw) >= 1
        raw = raw.assign(**{header: _china(raw[field]) for header, field in TIMES.items()})
        column = row["计数"]
        if column == "未按时签收数":
            raw = raw[raw["派单时间"] == row["派单时间"]]
            assert in_month(a.loc[raw.index, "dispatched_at"], "2020-12").all()
            if row["状态"] == "未签收":
                assert raw["签收时间"].isna().all() and raw["退回时间"].isna().all()
                assert row["超时小时"] == round(max(0, (end - row["签收时限"]).total_seconds() / 3600), 1)
            else:
                assert (raw["签收时间"] == row["签收时间"]).all() and row["签收时间"] > row["签收时限"]
        elif column in ("未及时退回数", "退单驳回数"):
            raw = raw[raw["退回时间"] == row["退回时间"]]
            assert in_month(a.loc[raw.index, "returned_at"], "2020-12").all()
            if column == "未及时退回数":
                assert row["退回时间"] > row["退回时限"] and (raw["退回时限"] == row["退回时限"]).all()
            else:
                assert raw["return_rejected"].all()
        else:
            raw = raw[in_month(a.loc[raw.index, "unit_completed_at"], "2020-12")]
            if column == "未按时办结数":
                raw = raw[raw["办结时间"] == row["办结时间"]]
                assert row["办结时间"] > row["办结时限"] and (raw["办结时限"] == row["办结时限"]).all()
            elif column == "发回重办数":
                raw = raw[raw["办结时间"] == row["办结时间"]]
                assert (raw["redo_count"] == row["次数"]).all()
            else:
                assert raw["extension_rejected"].any()
        assert len(raw) >= 1, row
        if column in ("未按时签收数", "未及时退回数", "未按时办结数"):
            assert row["超时小时"] >= 0
