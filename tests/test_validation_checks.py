"""The vectorised checks of typed export rows (io/validation.py ``CHECKS``): one reject per row and
column, the first failed check of a cell winning, in a fixed order (checks across columns, then the
columns in turn), as rejects.csv has always listed them."""

from __future__ import annotations

import pandas as pd

from hotline_lib.io.validation import EARLIEST, FUTURE, validate


def _raw(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype="string")
    frame["_file"], frame["_sheet"], frame["_row"] = "派单.csv", "", range(2, len(rows) + 2)
    return frame


GOOD = {"order_id": "A1", "unit": "东湖街道办事处", "dispatched_at": "2020-12-01 09:00:00", "sign_due": "2020-12-01 12:00:00",
        "unit_signed_at": "2020-12-01 10:00:00", "unit_completed_at": "2020-12-02 10:00:00", "complete_due": "2020-12-05 09:00:00",
        "redo_count": "0", "unit_visit_result": "满意"}


def test_each_failed_cell_is_one_reject_in_the_order_of_the_checks():
    raw = _raw([GOOD,
                {**GOOD, "order_id": None, "unit_completed_at": "1999-01-01 10:00:00", "unit_visit_result": "很好"},
                {**GOOD, "dispatched_at": "2099-01-01 09:00:00", "redo_count": "-1", "complete_due": None},
                {**GOOD, "returned_at": "2020-12-01 11:00:00"}])
    valid, rejects = validate(raw, "assignments", {})
    assert valid["order_id"].tolist() == ["A1"] and valid.index.tolist() == [0]
    assert rejects[["row", "column", "reason"]].values.tolist() == [
        # completed before it was dispatched, before it was signed and before 2000: the first check
        # across columns is said, once
        [3, "unit_completed_at", "unit_completed_at is before dispatched_at"],
        [3, "order_id", "missing value"],
        [3, "unit_visit_result", "not one of 满意/基本满意/不满意"],
        [4, "unit_signed_at", "unit_signed_at is before dispatched_at"],
        [4, "unit_completed_at", "unit_completed_at is before dispatched_at"],
        [4, "complete_due", "complete_due missing while unit_completed_at is set"],
        [4, "dispatched_at", FUTURE],
        [4, "redo_count", "negative count"],
        [5, "return_due", "return_due missing while returned_at is set"]]
    assert rejects["value"].iloc[0] == "1999-01-01 10:00:00" and pd.isna(rejects["value"].iloc[1])   # as the file had it


def test_orders_checks_times_and_allowed_values():
    raw = _raw([{"order_id": "B1", "received_at": "1970-01-01 08:00:00", "signed_at": "2020-12-01 09:00:00",
                 "visit_result": "满意", "appeal_type": "闲聊"},
                {"order_id": "", "received_at": "2020-12-01 08:00:00", "signed_at": "2020-11-30 09:00:00"}])
    valid, rejects = validate(raw, "orders", {})
    assert valid.empty
    assert rejects[["row", "column", "reason"]].values.tolist() == [
        [2, "appeal_type", "not one of 咨询/求助/投诉/建议/表扬"],
        [2, "received_at", EARLIEST],
        [3, "signed_at", "signed_at is before received_at"],
        [3, "order_id", "missing value"]]
