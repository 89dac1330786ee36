"""Why each point was lost: the assignments behind each count a scoring rule deducts for.

One row per counted assignment, from the appendix's own flags (``assignment_flags``), so that per unit
and count the rows add up to the appendix (发回重办数: their 次数). Only order numbers, units and the
platform's times: never the citizen's text or phone number. Definitions: docs/figures.md, "Detail rows".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotline_lib.figures.counts import assignment_flags, month_bounds
from hotline_lib.figures.exempt import exemption_matches
from hotline_lib.io.validation import TIMEZONE

#: The times shown, header -> assignment field.
TIMES = {"派单时间": "dispatched_at", "签收时限": "sign_due", "签收时间": "unit_signed_at", "退回时间": "returned_at",
         "退回时限": "return_due", "办结时间": "unit_completed_at", "办结时限": "complete_due"}
#: Each count a rule deducts for, with the times that explain it. 延期驳回 has none: the platform's
#: exports hold no time for a rejected extension.
SHOWN = {
    "未按时签收数": ["派单时间", "签收时限", "签收时间"],
    "未及时退回数": ["退回时间", "退回时限"],
    "退单驳回数": ["退回时间"],
    "发回重办数": ["办结时间"],
    "延期驳回数": [],
    "未按时办结数": ["办结时间", "办结时限"],
}
DETAIL_COUNTS = list(SHOWN)
#: Counts with a due time: (event, due). Lateness is event − due, in hours.
LATE = {"未按时签收数": ("unit_signed_at", "sign_due"), "未及时退回数": ("returned_at", "return_due"),
        "未按时办结数": ("unit_completed_at", "complete_due")}
DETAIL_COLUMNS = ["部门名称", "计数", "工单编号", *TIMES, "超时小时", "次数", "状态"]
UNSIGNED = "未签收"


def china_time(times: pd.Series) -> pd.Series:
    """Zone-aware times as China Standard Time without a zone: what a spreadsheet shows as a date-time."""
    return times.dt.tz_convert(TIMEZONE).dt.tz_localize(None)


def _rows(assignments: pd.DataFrame, count: pd.Series, column: str, month_end: pd.Timestamp) -> pd.DataFrame:
    """The detail rows of one count column: the assignments it counts (``count`` > 0)."""
    chosen = count.to_numpy() > 0
    a = assignments.loc[chosen]
    frame = pd.DataFrame({"部门名称": a["unit"].astype(str).to_numpy(), "计数": column,
                          "工单编号": a["order_id"].astype("string").to_numpy()})
    for header, field in TIMES.items():
        times = china_time(a[field]).to_numpy() if header in SHOWN[column] else np.full(len(a), np.datetime64("NaT", "ns"))
        frame[header] = pd.Series(times, dtype="datetime64[ns]")
    hours = pd.Series(np.nan, index=a.index)
    unsigned = pd.Series(False, index=a.index)
    if column in LATE:
        event, due = LATE[column]
        happened = a[event]
        if column == "未按时签收数":
            # counted while neither signed nor returned: late until the end of the month (at least 0)
            unsigned = happened.isna()
            happened = happened.where(~unsigned, month_end)
        # tenths of an hour, half up as every figure of the bulletin (6 h 03 min is 6.1)
        hours = np.floor((happened - a[due]).dt.total_seconds().clip(lower=0) / 360 + 0.5) / 10
    frame["超时小时"] = hours.to_numpy(dtype="float64", na_value=np.nan)
    frame["次数"] = count[chosen].astype("int64").to_numpy()
    frame["状态"] = pd.array(np.where(unsigned.to_numpy(), UNSIGNED, None), dtype="string")
    frame["_position"] = np.flatnonzero(chosen)
    return frame


def _all_details(assignments: pd.DataFrame, month: str) -> pd.DataFrame:
    flags = assignment_flags(assignments, month)
    _, end = month_bounds(month)
    frames = [_rows(assignments, flags[column], column, end) for column in DETAIL_COUNTS]
    details = pd.concat(frames, ignore_index=True).astype({"部门名称": "string", "计数": "string", "工单编号": "string"})
    order = details["计数"].map({c: i for i, c in enumerate(DETAIL_COUNTS)})
    return (details.assign(_order=order).sort_values(["部门名称", "_order", "工单编号", "派单时间"], kind="stable")
            .drop(columns="_order").reset_index(drop=True))


def _exempted(assignments: pd.DataFrame, month: str, exemptions) -> pd.DataFrame:
    """The matched exemptions (``exemption_matches``) keyed like the detail rows."""
    if exemptions is None or len(exemptions) == 0:
        return pd.DataFrame({"_position": pd.Series([], dtype="int64"), "计数": pd.Series([], dtype="string"),
                             "原因": pd.Series([], dtype="string"), "批准人": pd.Series([], dtype="string")})
    matches = exemption_matches(assignments, month, exemptions)
    return matches[["_position", "计数", "原因", "批准人"]].astype({"计数": "string"})


def deduction_details(assignments: pd.DataFrame, month: str, exemptions: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per assignment behind each count a rule deducts for in month M (``DETAIL_COUNTS``):
    部门名称, 计数 (the count column), 工单编号, the times the rule has (China Standard Time, no zone;
    blank where the rule has none), 超时小时 (hours after the due time, one decimal; an unsigned
    assignment is late until the end of M; blank without a due time), 次数 (1, or the 发回重办次数)
    and 状态 (未签收 for an unsigned assignment). With ``exemptions`` (``read_exemptions``) the rows they
    exempt are left out, so that the rows still add up to the appendix after exemptions; see
    ``exempted_details`` for those. Sorted by unit, count (in the appendix's order) and order."""
    details = _all_details(assignments, month)
    exempted = _exempted(assignments, month, exemptions)
    keep = details.merge(exempted[["_position", "计数"]].assign(_exempt=True), on=["_position", "计数"], how="left")
    return details[keep["_exempt"].isna().to_numpy()].reset_index(drop=True)[DETAIL_COLUMNS]


def exempted_details(assignments: pd.DataFrame, month: str, exemptions: pd.DataFrame) -> pd.DataFrame:
    """The detail rows that ``exemptions`` take out in month M (the columns of ``deduction_details``),
    each with the exemption's 原因 and 批准人. 回访不满意 exemptions have no detail row (a visit is not a
    deduction count): see ``applied_exemptions`` for every exemption."""
    details = _all_details(assignments, month)
    exempted = _exempted(assignments, month, exemptions)
    rows = details.merge(exempted, on=["_position", "计数"], how="inner")
    return rows.drop(columns="_position").reset_index(drop=True)[[*DETAIL_COLUMNS, "原因", "批准人"]]
