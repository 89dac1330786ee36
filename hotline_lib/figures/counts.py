"""Every figure of a month, as pure functions over the typed export frames.

Unit figures (the appendix columns) count assignments (派单); district figures count orders (工单).
Definitions: docs/figures.md. Month M runs from 00:00:00 on its first day, China Standard Time,
to 00:00:00 on the next month's first day (excluded); "after" a due time means strictly later.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from hotline_lib.io.directory import Settings, UnitDirectory
from hotline_lib.core.numbers import format_percent, ratio_percent
from hotline_lib.scoring.unit_table import COMPLETED, RATE_COLUMNS, SATISFIED, SIGNED, VISITED
from hotline_lib.io.validation import TIMEZONE

SATISFIED_RESULTS = ["满意", "基本满意"]
APPENDIX_COLUMNS = [SIGNED, "未按时签收数", "未及时退回数", "退单驳回数", COMPLETED, "未按时办结数", "按时办结率",
                    "延期驳回数", "发回重办数", VISITED, SATISFIED, "回访满意度", "延期办理率", "重复交办率"]


def month_bounds(month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) of a calendar month "YYYY-MM" in China Standard Time."""
    start = pd.Timestamp(f"{month}-01", tz=TIMEZONE)
    return start, start + pd.offsets.MonthBegin(1)


def in_month(times: pd.Series, month: str) -> pd.Series:
    """True where a time falls in the month (missing times never do)."""
    start, end = month_bounds(month)
    return ((times >= start) & (times < end)).fillna(False).astype(bool)


def _after(times: pd.Series, due: pd.Series) -> pd.Series:
    return (times > due).fillna(False).astype(bool)


def _flag(values: pd.Series) -> pd.Series:
    return values.fillna(False).astype(bool)


#: The figures some cities' schemes score and the bulletin does not print (not in APPENDIX_COLUMNS: the
#: published appendix never shows them): visited assignments whose result is 基本满意, whose caller was
#: contacted, whose problem is marked resolved. 已联系数 and 已解决数 are missing (NA), not 0, where the
#: exports do not say (``visit_detail_figures``).
BASIC, CONTACTED, RESOLVED = "基本满意数", "已联系数", "已解决数"
VISIT_DETAIL_COLUMNS = [BASIC, CONTACTED, RESOLVED]
#: The 派单 column each of them is read from (io/visit_details.py).
DETAIL_SOURCES = {CONTACTED: "contacted", RESOLVED: "resolved"}
#: Per detail read from a column: its visited assignments the column says nothing of, and the assignments
#: (of any month) it says something of: none at all means no export holds the column.
DETAIL_UNKNOWN = {figure: f"_{column}_unknown" for figure, column in DETAIL_SOURCES.items()}
DETAIL_HELD = {figure: f"_{column}_held" for figure, column in DETAIL_SOURCES.items()}
APPENDIX_COUNTS = [SIGNED, "未按时签收数", "未及时退回数", "退单驳回数", COMPLETED, "未按时办结数", "延期驳回数", "发回重办数",
                   VISITED, SATISFIED]
UNIT_COUNT_COLUMNS = [*APPENDIX_COUNTS, "_extended", "_repeat", *VISIT_DETAIL_COLUMNS, *DETAIL_UNKNOWN.values(),
                      *DETAIL_HELD.values()]


def assignment_flags(assignments: pd.DataFrame, month: str) -> pd.DataFrame:
    """One boolean (or count) column per appendix count, per assignment, for month M."""
    a = assignments
    signed = in_month(a["unit_signed_at"], month)
    dispatched = in_month(a["dispatched_at"], month)
    # Still unsigned means neither signed nor returned: a return is the unit's answer to the dispatch.
    unsigned = a["unit_signed_at"].isna() & a["returned_at"].isna()
    returned = in_month(a["returned_at"], month)
    completed = in_month(a["unit_completed_at"], month)
    visited = in_month(a["unit_visited_at"], month)
    return pd.DataFrame({
        "unit": a["unit"],
        SIGNED: signed,
        "未按时签收数": dispatched & (_after(a["unit_signed_at"], a["sign_due"]) | unsigned),
        "未及时退回数": returned & _after(a["returned_at"], a["return_due"]),
        "退单驳回数": returned & _flag(a["return_rejected"]),
        COMPLETED: completed,
        "未按时办结数": completed & _after(a["unit_completed_at"], a["complete_due"]),
        "延期驳回数": completed & _flag(a["extension_rejected"]),
        "发回重办数": a["redo_count"].fillna(0).astype("int64").where(completed, 0),
        VISITED: visited,
        SATISFIED: visited & a["unit_visit_result"].isin(SATISFIED_RESULTS).fillna(False).astype(bool),
        "_extended": completed & _flag(a["extension_requested"]),
        "_repeat": signed & _flag(a["repeat_assigned"]),
        **visit_detail_flags(a, visited),
    })


def _optional(assignments: pd.DataFrame, column: str) -> pd.Series:
    """An optional column, all missing when the frame has none (a frame typed before it was read)."""
    if column in assignments.columns:
        return assignments[column]
    return pd.Series(pd.NA, index=assignments.index, dtype="boolean")


def visit_detail_flags(a: pd.DataFrame, visited: pd.Series) -> dict[str, pd.Series]:
    """Per assignment: the VISIT_DETAIL_COLUMNS flags, and for each detail read from a column whether the
    visited assignment's cell is blank (``DETAIL_UNKNOWN``) and whether the cell holds anything (``DETAIL_HELD``)."""
    flags = {BASIC: visited & (a["unit_visit_result"] == "基本满意").fillna(False).astype(bool)}
    for figure, column in DETAIL_SOURCES.items():
        values = _optional(a, column)
        flags[figure] = visited & _flag(values)
        flags[DETAIL_UNKNOWN[figure]] = visited & values.isna().to_numpy()
        flags[DETAIL_HELD[figure]] = values.notna().astype(bool)
    return flags


def unit_counts(assignments: pd.DataFrame, month: str) -> pd.DataFrame:
    """Per unit (index), every count of the appendix for month M (pandas engine)."""
    return assignment_flags(assignments, month).groupby("unit", observed=True).sum(numeric_only=True)[UNIT_COUNT_COLUMNS]


def unit_table(counts: pd.DataFrame, units: UnitDirectory) -> pd.DataFrame:
    """The appendix table from per-unit counts: 类别, 部门名称 and every appendix column, one row per
    directory unit. Counts are ints; rates are Decimal percentages as shown (two decimals; 延期办理率
    to a whole percent, as published). A unit with nothing in M gets zeros and 100% rates."""
    table = units.frame()[["类别", "部门名称"]].set_index("部门名称", drop=False)
    counts = counts.reindex(table.index, fill_value=0).fillna(0).astype("int64")
    for column in APPENDIX_COUNTS:
        table[column] = counts[column]
    table["按时办结率"] = [ratio_percent(c - late, c) for c, late in zip(counts[COMPLETED], counts["未按时办结数"])]
    table["回访满意度"] = [ratio_percent(s, v) for s, v in zip(counts[SATISFIED], counts[VISITED])]
    table["延期办理率"] = [ratio_percent(e, c, step="1", empty=Decimal(0)) for e, c in zip(counts["_extended"], counts[COMPLETED])]
    table["重复交办率"] = [ratio_percent(r, s, empty=Decimal(0)) for r, s in zip(counts["_repeat"], counts[SIGNED])]
    for column, values in visit_detail_figures(counts).items():
        table[column] = values
    return table[["类别", "部门名称", *APPENDIX_COLUMNS, *VISIT_DETAIL_COLUMNS]].reset_index(drop=True)


def visit_detail_figures(counts: pd.DataFrame) -> dict[str, pd.Series]:
    """基本满意数, 已联系数 and 已解决数 per unit (nullable ints) from ``unit_counts``. A figure read from a
    column is missing for every unit when no assignment holds the column (no export has it: the
    missing-column warning names it), and for a unit with a visited assignment whose cell is blank:
    a count that leaves rows out unseen would score a unit on a guess."""
    figures = {BASIC: counts[BASIC].astype("Int64")}
    for figure in DETAIL_SOURCES:
        known = counts[DETAIL_HELD[figure]].sum() > 0
        figures[figure] = counts[figure].astype("Int64").mask(~known | (counts[DETAIL_UNKNOWN[figure]] > 0))
    return figures


def unit_figures(assignments: pd.DataFrame, month: str, units: UnitDirectory) -> pd.DataFrame:
    """The appendix table for month M from typed assignments (see ``unit_table``)."""
    return unit_table(unit_counts(assignments, month), units)


def format_unit_figures(table: pd.DataFrame) -> pd.DataFrame:
    """The appendix table as text, rates as the bulletin prints them ("99.10%")."""
    shown = table.copy()
    for column in RATE_COLUMNS:
        shown[column] = shown[column].map(format_percent)
    return shown


# District figures ------------------------------------------------------------------------------
#
# Each district figure is computed in two steps: small aggregates (counts per value with the value's
# first appearance), which the pandas engine here and the DuckDB engine (figures_sql) compute alike,
# then the same ranking and formatting for both.

@dataclass
class MonthAggregates:
    """What the district figures need of a month, already counted."""

    totals: dict                    # signed, completed, visited (orders in M)
    channels: pd.DataFrame          # value, count, first: non-phone channels of orders signed in M
    categories: pd.DataFrame        # value, count, first: categories of orders signed in M
    business: pd.DataFrame          # appeal, unit, count, first: 营商环境 投诉/表扬 orders by handling unit
    business_totals: dict           # appeal -> orders
    epidemic_totals: dict           # signed, completed, unsatisfied
    epidemic_types: pd.DataFrame    # value, count
    epidemic_categories: pd.DataFrame  # value, count, first


def _epoch_us(times: pd.Series) -> pd.Series:
    """Microseconds since the epoch: how both engines order values by first appearance."""
    return times.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]").astype("int64")


def _value_counts(values: pd.Series, first_seen: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({"value": values, "first": _epoch_us(first_seen)}).dropna(subset=["value"])
    return frame.groupby("value").agg(count=("value", "size"), first=("first", "min")).reset_index()


def handling_units(assignments: pd.DataFrame) -> pd.DataFrame:
    """(order_id, unit) of the units that kept each order: not returned, or returned and refused."""
    kept = assignments["returned_at"].isna() | _flag(assignments["return_rejected"])
    return assignments.loc[kept, ["order_id", "unit"]].drop_duplicates()


def signed_categories(orders: pd.DataFrame, month: str) -> pd.DataFrame:
    """value, count, first: the categories of the orders signed in M (what ``top_categories`` ranks)."""
    signed = orders[in_month(orders["signed_at"], month)]
    return _value_counts(signed["category"], signed["signed_at"])


def month_aggregates(orders: pd.DataFrame, assignments: pd.DataFrame, month: str, settings: Settings) -> MonthAggregates:
    """The month's aggregates with pandas."""
    signed = orders[in_month(orders["signed_at"], month)]
    other = signed[signed["channel"].notna() & (signed["channel"] != settings.phone_channel)]
    business = signed[_flag(signed["business_env"]) & signed["appeal_type"].isin(["投诉", "表扬"])]
    involved = handling_units(assignments).merge(business[["order_id", "signed_at", "appeal_type"]], on="order_id")
    involved["signed_at"] = _epoch_us(involved["signed_at"])
    by_unit = (involved.groupby(["appeal_type", "unit"]).agg(count=("order_id", "nunique"), first=("signed_at", "min"))
               .reset_index().rename(columns={"appeal_type": "appeal"}))
    epidemic = signed[_flag(signed["epidemic"])]
    types = epidemic["appeal_type"].value_counts()
    return MonthAggregates(
        totals={"signed": len(signed), "completed": int(in_month(orders["completed_at"], month).sum()),
                "visited": int(in_month(orders["visited_at"], month).sum())},
        channels=_value_counts(other["channel"], other["signed_at"]),
        categories=signed_categories(signed, month),
        business=by_unit,
        business_totals={k: int(v) for k, v in business["appeal_type"].value_counts().items()},
        epidemic_totals={"signed": len(epidemic), "completed": int(in_month(epidemic["completed_at"], month).sum()),
                         "unsatisfied": int((epidemic["visit_result"] == "不满意").fillna(False).sum())},
        epidemic_types=pd.DataFrame({"value": types.index.astype(str), "count": types.to_numpy()}),
        epidemic_categories=_value_counts(epidemic["category"], epidemic["signed_at"]),
    )


def ranked(counts: pd.DataFrame, volume: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts largest first; ties by ``volume`` (descending), then first appearance, then name."""
    counts = counts.copy()
    counts["volume"] = counts["value"].map(volume.set_index("value")["count"]).fillna(0) if volume is not None else 0
    counts = counts.sort_values(["count", "volume", "first", "value"], ascending=[False, False, True, True], kind="stable")
    return counts.reset_index(drop=True)


def overview(agg: MonthAggregates, settings: Settings) -> dict:
    """Header paragraph: orders signed, completed (carry-over included) and visited in M; channels."""
    channels = ranked(agg.channels)
    named, grouped = channels.head(settings.channels_named), channels.iloc[settings.channels_named:]
    return {
        "orders_signed": int(agg.totals["signed"]),
        "orders_completed_incl_carried_over": int(agg.totals["completed"]),
        "orders_visited": int(agg.totals["visited"]),
        "channels_named": {v: int(c) for v, c in zip(named["value"], named["count"])},
        "channels_grouped": {"names": grouped["value"].tolist(), "total": int(grouped["count"].sum())},
    }


def top_categories(agg: MonthAggregates, n: int) -> list[dict]:
    """The n largest problem categories (问题分类) of the orders signed in M."""
    top = ranked(agg.categories).head(n)
    return [{"category": v, "orders": int(c)} for v, c in zip(top["value"], top["count"])]


def business_environment(agg: MonthAggregates) -> dict:
    """营商环境、行政效能类 orders signed in M: complaints and praise, each with the units involved,
    listed in the order they first appear (by the order's signing time), as published."""
    result = {}
    for key, appeal in [("complaints", "投诉"), ("praise", "表扬")]:
        rows = agg.business[agg.business["appeal"] == appeal].sort_values(["first", "unit"], kind="stable")
        result[key] = {"total": int(agg.business_totals.get(appeal, 0)),
                       "by_unit": {u: int(n) for u, n in zip(rows["unit"], rows["count"])}}
    return result


def epidemic(agg: MonthAggregates, settings: Settings) -> dict:
    """疫情工单: epidemic-related orders signed in M, as the bulletin reports them.

    completed: those of them closed in M; share: of all orders closed in M; satisfaction as
    published: 1 − (visited unsatisfied) / signed.
    """
    totals = agg.epidemic_totals
    total, completed, unsatisfied = int(totals["signed"]), int(totals["completed"]), int(totals["unsatisfied"])
    types = dict(zip(agg.epidemic_types["value"], agg.epidemic_types["count"]))
    by_type = {t: int(types.get(t, 0)) for t in settings.appeal_types}
    by_type.update({t: int(n) for t, n in sorted(types.items(), key=lambda kv: (-kv[1], kv[0])) if t not in by_type})
    top = ranked(agg.epidemic_categories, agg.categories).head(settings.epidemic_top_categories)
    return {
        "signed": total,
        "completed": completed,
        "share_of_month_completed": format_percent(ratio_percent(completed, int(agg.totals["completed"]), empty=Decimal(0))),
        "by_appeal_type": by_type,
        "visited_unsatisfied": unsatisfied,
        "satisfaction": format_percent(ratio_percent(total - unsatisfied, total)),
        "top_categories": [{"category": v, "orders": int(c), "share": format_percent(ratio_percent(c, total))}
                           for v, c in zip(top["value"], top["count"])],
    }


def district_from(agg: MonthAggregates, month: str, settings: Settings) -> dict:
    """Every district figure of month M computable from the exports, from its aggregates."""
    return {
        "month": month,
        "overview": overview(agg, settings),
        "top_categories": top_categories(agg, settings.top_categories),
        "business_environment": business_environment(agg),
        "epidemic": epidemic(agg, settings),
    }


def district_figures(orders: pd.DataFrame, assignments: pd.DataFrame, month: str, settings: Settings) -> dict:
    """Every district figure of month M, with pandas."""
    return district_from(month_aggregates(orders, assignments, month, settings), month, settings)
