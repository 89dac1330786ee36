"""Exploring beyond the bulletin (notebooks/explore/): one unit across months, one month's orders.

One unit: its appendix counts, rates, 总分 and the points each rule took, month by month, taken from
``trends.unit_month_table`` (never recomputed). One month: its orders with their assignments, masked
for display and filtered; time to sign and to complete per assignment, with medians per unit; the
backlog at month end. Definitions: docs/figures.md, "Exploration figures". Charts are drawn in the
notebooks, from these frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import Message, names
from hotline_lib.core.privacy import mask_personal
from hotline_lib.core.utils import closest_matches
from hotline_lib.figures.counts import APPENDIX_COLUMNS, format_unit_figures, in_month, month_bounds
from hotline_lib.io.directory import UnitDirectory
from hotline_lib.scoring.score import RANK, SCORE
from hotline_lib.scoring.unit_table import RATE_COLUMNS, UNIT

DEDUCTION_SUFFIX = "扣分"
EARNED_SUFFIX, BONUS_SUFFIX = "得分", "加分"   # score_table's columns of the items that earn points, and bonuses
MONTH_LABEL = "月份"

# One unit across months ---------------------------------------------------------------------------


def resolve_unit(units: UnitDirectory, spelling: str | None) -> str:
    """The unit's name for its name, display name or any alias (None: the directory's first unit, so
    that a notebook's default works in any district's folder); otherwise an error naming the closest
    units, so that a typo in a notebook parameter is fixed at once."""
    if spelling is None:
        if not units.names:
            raise InputError("the unit directory is empty: run `hotline units --from-exports` first",
                             path=units.source or "units.yaml")
        return units.names[0]
    name = units.resolve(spelling)
    if name is not None:
        return name
    close = units.closest(spelling)
    hint = Message("closest: {units}", units=names(close)) if close else Message("no unit there is named like it")
    raise InputError("unit {unit!r} is not in the unit directory{directory}; {hint}", unit=mask_personal(str(spelling)),
                     directory=f" {units.source}" if units.source else "", hint=hint)


def unit_history(unit_months: pd.DataFrame, unit: str) -> pd.DataFrame:
    """One row per month (index 月份, in month order) of one unit: its row of ``unit_month_table``."""
    rows = unit_months[unit_months[UNIT] == unit]
    if rows.empty:
        raise InputError("no figures for unit {unit!r} in these months", unit=unit)
    return rows.drop(columns=[UNIT]).set_index("month").sort_index().rename_axis(MONTH_LABEL)


def monthly_figures(history: pd.DataFrame) -> pd.DataFrame:
    """The appendix columns of a unit's history as the bulletin prints them (rates as "99.10%")."""
    return format_unit_figures(history[APPENDIX_COLUMNS])


def rates(history: pd.DataFrame) -> pd.DataFrame:
    """month × rate (float %, the four appendix rates), for charts."""
    return history[RATE_COLUMNS].astype(float)


def rate_limits(values: pd.Series, padding: float = 0.25, least: float = 1.0) -> tuple[float, float]:
    """A chart axis fitted to one rate's months (a 0–100 axis flattens every change): the range padded
    by ``padding`` of it (at least ``least`` points each side, room for the labels), within 0–100."""
    values = values.dropna().astype(float)
    if values.empty:
        return 0.0, 100.0
    pad = max((values.max() - values.min()) * padding, least)
    return max(0.0, float(values.min()) - pad), min(100.0, float(values.max()) + pad)


def points_lost(history: pd.DataFrame, taken_only: bool = False, full: dict | None = None) -> pd.DataFrame:
    """month × rule: points each deduction took (the ``…扣分`` columns of ``score_units``, named by rule).
    ``full``: item key -> its full marks, under a scheme whose items earn points (连云港's): an item's
    points short of them (its ``…得分`` column) count as lost too; blank in a month it was not scored on.

    ``taken_only`` keeps the rules that took points in at least one month (what a stacked bar shows).
    """
    columns = [c for c in history.columns if str(c).endswith(DEDUCTION_SUFFIX)]
    lost = history[columns].astype(float).rename(columns=lambda c: c[: -len(DEDUCTION_SUFFIX)])
    for key, marks in (full or {}).items():
        if f"{key}{EARNED_SUFFIX}" in history.columns:
            lost[key] = float(marks) - history[f"{key}{EARNED_SUFFIX}"].astype(float)
    return lost.loc[:, lost.sum() > 0] if taken_only else lost


def score_table(history: pd.DataFrame) -> pd.DataFrame:
    """month × (``…得分`` per item that earns points, ``…扣分`` per rule, 总分, 排名): how each month's
    score came about (the suffix keeps 回访满意度扣分 apart from the rate 回访满意度). 排名 is blank in a
    month the unit was not ranked (不参评)."""
    earned = {c: history[c].astype(float) for c in history.columns if str(c).endswith((EARNED_SUFFIX, BONUS_SUFFIX))}
    rank = history[RANK]
    rank = rank.astype("int64") if rank.notna().all() else rank.astype("Int64")
    return points_lost(history).add_suffix(DEDUCTION_SUFFIX).assign(**earned, **{SCORE: history[SCORE].astype(float), RANK: rank})


def score_axis_top(history: pd.DataFrame, rules) -> float:
    """The top of a chart of the unit's 总分: its group's full marks (芙蓉区 70, 连云港's 县 150) and a little room."""
    full = {info.name: info.full_marks for info in rules.group_list()}
    marks = [float(full[kind]) for kind in history["类别"].dropna().unique() if kind in full] or [float(history[SCORE].max())]
    return max(marks) * 1.03


# One month's orders ---------------------------------------------------------------------------

NOT_DISPATCHED, UNSIGNED, RETURNED, IN_PROGRESS, COMPLETED = "未派单", "未签收", "已退回", "办理中", "已办结"
STATUSES = [NOT_DISPATCHED, UNSIGNED, RETURNED, IN_PROGRESS, COMPLETED]
STATUS = "status"

ORDER_FIELDS = ["order_id", "signed_at", "channel", "appeal_type", "category", "content", "completed_at", "visit_result"]
ASSIGNMENT_FIELDS = ["order_id", "unit", "dispatched_at", "unit_signed_at", "returned_at", "return_rejected",
                     "unit_completed_at"]
#: What the notebook shows, with its Chinese label. Not the caller's phone number: the table does not need it.
SHOWN = {"order_id": "工单编号", "signed_at": "签收时间", "channel": "来源渠道", "appeal_type": "诉求类型",
         "category": "问题分类", "content": "诉求内容", "unit": "承办单位", "dispatched_at": "派单时间",
         "unit_signed_at": "单位签收时间", "unit_completed_at": "单位办结时间", "completed_at": "办结时间",
         "visit_result": "回访结果", STATUS: "月末状态"}
#: The order number is the one text column left as it is: it is how an analyst finds the order.
UNMASKED = {"order_id"}
FILTERS = {"unit": "承办单位", "category": "问题分类", "channel": "来源渠道", STATUS: "月末状态"}


def _before(times: pd.Series, end: pd.Timestamp) -> pd.Series:
    return (times < end).fillna(False).astype(bool)


def month_end_status(rows: pd.DataFrame, month: str) -> pd.Series:
    """Each row's state at the end of M (an assignment's, or the order's when it has none)."""
    _, end = month_bounds(month)
    refused = rows["return_rejected"].fillna(False).astype(bool)
    dispatched = _before(rows["dispatched_at"], end)
    choices = [_before(rows["unit_completed_at"], end) | (rows["unit"].isna() & _before(rows["completed_at"], end)),
               _before(rows["returned_at"], end) & ~refused,
               _before(rows["unit_signed_at"], end),
               dispatched]
    return pd.Series(np.select(choices, [COMPLETED, RETURNED, IN_PROGRESS, UNSIGNED], NOT_DISPATCHED),
                     index=rows.index, name=STATUS)


def month_orders(orders: pd.DataFrame, assignments: pd.DataFrame, month: str) -> pd.DataFrame:
    """Orders signed in M, one row per assignment (an order with none keeps one row), with each row's
    state at the end of M. Raw values: mask with ``display_orders`` before showing."""
    signed = orders.loc[in_month(orders["signed_at"], month), ORDER_FIELDS]
    rows = signed.merge(assignments[ASSIGNMENT_FIELDS], on="order_id", how="left")
    rows = rows.sort_values(["signed_at", "order_id", "dispatched_at"], kind="stable").reset_index(drop=True)
    return rows.assign(**{STATUS: month_end_status(rows, month)})


def _check_value(table: pd.DataFrame, column: str, value) -> None:
    known = STATUSES if column == STATUS else table[column].dropna().astype(str).unique().tolist()
    if value not in known:
        close = closest_matches(value, known)
        listed = known if len(known) <= 10 else [*sorted(known)[:5], "…"]
        hint = (Message("closest: {units}", units=names(map(mask_personal, close))) if close
                else Message("values: {values}", values=names(mask_personal(str(v)) for v in listed)))
        raise InputError("no order here has {field} {value!r}; {hint}", field=FILTERS[column],
                         value=mask_personal(str(value)), hint=hint)


def filter_orders(table: pd.DataFrame, unit: str | None = None, category: str | None = None,
                  channel: str | None = None, status: str | None = None,
                  units: UnitDirectory | None = None) -> pd.DataFrame:
    """The rows of ``month_orders`` matching every filter given (None: no filter).

    A unit is any spelling the directory knows when ``units`` is given (a known unit with no order is
    an empty table); category and channel must occur among the rows, status be one of ``STATUSES``:
    anything else is an error naming the closest values.
    """
    if unit is not None and units is not None:
        unit = resolve_unit(units, unit)
    keep = pd.Series(True, index=table.index)
    for column, value in [("unit", unit), ("category", category), ("channel", channel), (STATUS, status)]:
        if value is None:
            continue
        if not (column == "unit" and units is not None):
            _check_value(table, column, value)
        keep &= (table[column] == value).fillna(False).astype(bool)
    return table[keep]


def display_orders(table: pd.DataFrame) -> pd.DataFrame:
    """The rows as the notebook shows them: Chinese labels, times to the minute, and every text column
    but the order number masked (phone, ID and card numbers, e-mail addresses)."""
    shown = table[list(SHOWN)].copy()
    for column in shown.columns:
        if isinstance(shown[column].dtype, pd.DatetimeTZDtype):
            shown[column] = shown[column].dt.strftime("%Y-%m-%d %H:%M")
        elif column not in UNMASKED:
            shown[column] = shown[column].astype(object).map(mask_personal, na_action="ignore")
    return shown.rename(columns=SHOWN).reset_index(drop=True)


def status_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Rows per month-end state, in ``STATUSES`` order (zeros included)."""
    counts = table[STATUS].value_counts().reindex(STATUSES, fill_value=0)
    return counts.rename_axis(FILTERS[STATUS]).to_frame("派单数")


# Times and backlog ----------------------------------------------------------------------------

def time_to_sign(assignments: pd.DataFrame, month: str) -> pd.DataFrame:
    """Assignments signed in M: unit, and hours from 派单时间 to the unit's 签收时间."""
    signed = assignments[in_month(assignments["unit_signed_at"], month)]
    hours = (signed["unit_signed_at"] - signed["dispatched_at"]).dt.total_seconds() / 3600
    return pd.DataFrame({"order_id": signed["order_id"], "unit": signed["unit"], "hours": hours}).dropna(subset=["hours"])


def time_to_complete(assignments: pd.DataFrame, month: str) -> pd.DataFrame:
    """Assignments completed in M: unit, and days from the unit's 签收时间 to its 办结时间."""
    done = assignments[in_month(assignments["unit_completed_at"], month)]
    days = (done["unit_completed_at"] - done["unit_signed_at"]).dt.total_seconds() / 86400
    return pd.DataFrame({"order_id": done["order_id"], "unit": done["unit"], "days": days}).dropna(subset=["days"])


def unit_medians(signing: pd.DataFrame, completing: pd.DataFrame) -> pd.DataFrame:
    """Per unit: assignments signed and their median hours to sign; completed and median days to complete."""
    sign = signing.groupby("unit").agg(**{"签收派单数": ("hours", "size"), "签收时长中位数（小时）": ("hours", "median")})
    done = completing.groupby("unit").agg(**{"办结派单数": ("days", "size"), "办结时长中位数（天）": ("days", "median")})
    table = sign.join(done, how="outer")
    for column in ["签收派单数", "办结派单数"]:
        table[column] = table[column].fillna(0).astype("int64")
    return table.round(2).sort_index().rename_axis(FILTERS["unit"])


def backlog(assignments: pd.DataFrame, month: str) -> pd.DataFrame:
    """Assignments in hand at the end of M: signed before it and not completed before it, with their
    age then (days since signing)."""
    _, end = month_bounds(month)
    held = _before(assignments["unit_signed_at"], end) & ~_before(assignments["unit_completed_at"], end)
    rows = assignments[held]
    age = (end - rows["unit_signed_at"]).dt.total_seconds() / 86400
    return pd.DataFrame({"order_id": rows["order_id"], "unit": rows["unit"], "age_days": age})


BACKLOG_RATE = "月末积压率（%）"


def backlog_by_unit(assignments: pd.DataFrame, month: str) -> pd.DataFrame:
    """Per unit with a backlog at the end of M: assignments held, assignments signed in M, the backlog
    as a rate of them (held ÷ signed in M, %, one decimal: a count alone cannot compare a unit signing 50
    with one signing 1,500; NaN when the unit signed none in M) and the oldest one's age; highest rate first."""
    held = backlog(assignments, month)
    signed = assignments.loc[in_month(assignments["unit_signed_at"], month), "unit"].value_counts()
    table = held.groupby("unit").agg(**{"月末积压派单数": ("age_days", "size"), "最长积压天数": ("age_days", "max")})
    table.insert(1, "当月签收派单数", signed.reindex(table.index, fill_value=0).astype("int64"))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(table["当月签收派单数"] > 0, 100 * table["月末积压派单数"] / table["当月签收派单数"], np.nan)
    table.insert(2, BACKLOG_RATE, rate)
    table = table.round({BACKLOG_RATE: 1, "最长积压天数": 1})
    table = table.sort_values([BACKLOG_RATE, "月末积压派单数", "最长积压天数"], ascending=False, kind="stable", na_position="last")
    return table.rename_axis(FILTERS["unit"])
