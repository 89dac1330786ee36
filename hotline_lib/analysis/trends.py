"""Trends across months: what analysts ask of 12345/311 data (volume by channel, 环比 and 同比,
per-unit heat maps, scores over time, categories over time, time to close and median handling days).

Every function returns a DataFrame; notebooks/trends.ipynb displays them and draws the charts from them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from hotline_lib.io.directory import Settings, UnitDirectory
from hotline_lib.io.workspace import Workspace
from hotline_lib.io.exports import Exports, input_folders, load_exports
from hotline_lib.figures.counts import in_month, month_bounds
from hotline_lib.figures.month import exempted_unit_table
from hotline_lib.core.numbers import format_percent, format_points
from hotline_lib.core.privacy import mask_personal
from hotline_lib.scoring.workspace_rules import workspace_rules
from hotline_lib.scoring.score import SCORE, score_units

MONTH_LABEL = "月份"   # the month axis of every table and chart, as the reader sees it
HEADLINES = {"orders_signed": "签收工单", "orders_completed": "办结工单", "orders_visited": "回访工单"}


@dataclass
class TrendData:
    months: list[str]
    exports: Exports
    units: UnitDirectory
    settings: Settings
    unit_months: pd.DataFrame     # one row per unit and month: appendix figures and 总分, after exemptions


def monthly_volume_by_channel(orders: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Orders signed per month (rows) and channel (columns)."""
    signed = orders.assign(month=orders["signed_at"].dt.strftime("%Y-%m"))
    table = signed[signed["month"].isin(months)].pivot_table(index="month", columns="channel", values="order_id",
                                                            aggfunc="count", fill_value=0)
    return table.reindex(months, fill_value=0).rename(columns=mask_personal)  # channel names come from the data


def headline_series(orders: pd.DataFrame, unit_months: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Per month: orders signed, completed and visited, and satisfaction over all units' visits (%)."""
    rows = []
    for month in months:
        visits = unit_months[unit_months["month"] == month]
        visited, satisfied = visits["回访工单总数"].sum(), visits["回访满意数"].sum()
        rows.append({"month": month, "orders_signed": int(in_month(orders["signed_at"], month).sum()),
                     "orders_completed": int(in_month(orders["completed_at"], month).sum()),
                     "orders_visited": int(in_month(orders["visited_at"], month).sum()),
                     "satisfaction": round(100 * satisfied / visited, 2) if visited else np.nan})
    return pd.DataFrame(rows).set_index("month")


#: Headline columns that are rates (%): their 环比/同比 are differences in 百分点, as bulletins state a
#: rate's change; every other column is a count, whose change is relative (%).
RATE_HEADLINES = frozenset({"satisfaction"})
POINTS = "百分点"


def is_rate(column: str) -> bool:
    """Whether a headline column is a rate (its change in 百分点) rather than a count (its change in %)."""
    return column in RATE_HEADLINES


def change(current, base, rate: bool):
    """The change from ``base`` to ``current``: a rate's difference in 百分点 (99.20 → 99.10 is -0.10),
    a count's relative change in % (100 → 110 is 10.0); no base (missing, or a count's zero) is NaN."""
    current, base = np.asarray(current, dtype=float), np.asarray(base, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if rate:
            return np.round(current - base, 2)
        return np.round(np.where((base == 0) | np.isnan(base), np.nan, (current - base) / base * 100), 2)


def change_rates(series: pd.DataFrame) -> pd.DataFrame:
    """环比 (against the month before) and 同比 (against the same month a year before) of every column:
    a rate's in 百分点, a count's in % (``change``, ``is_rate``).

    A month whose comparison month is missing from the index (or a count's zero) has no change (NaN).
    """
    months = pd.PeriodIndex(series.index, freq="M")
    values = series.set_axis(months)
    result = {}
    for column in series.columns:
        for label, lag in [("环比", 1), ("同比", 12)]:
            base = values[column].reindex(months - lag).to_numpy(dtype=float)
            result[f"{column}_{label}"] = change(values[column].to_numpy(dtype=float), base, is_rate(column))
    return pd.DataFrame(result, index=series.index)


#: The headline table's columns: (its heading, headline column, change label or None for the value).
HEADLINE_TABLE = [("签收工单", "orders_signed", None), ("签收环比", "orders_signed", "环比"),
                  ("签收同比", "orders_signed", "同比"), ("办结工单", "orders_completed", None),
                  ("办结环比", "orders_completed", "环比"), ("办结同比", "orders_completed", "同比"),
                  ("回访工单", "orders_visited", None), ("区回访满意度", "satisfaction", None),
                  ("区回访满意度环比", "satisfaction", "环比")]


def headline_heading(heading: str, column: str, label: str | None) -> str:
    """A column's heading: a rate's change is headed with its unit, 百分点 ("区回访满意度环比（百分点）")."""
    return f"{heading}（{POINTS}）" if label and is_rate(column) else heading


def headline_table(headline: pd.DataFrame) -> pd.DataFrame:
    """The trends page's table (index 月份): each month's figures with their 环比 and 同比 (numbers)."""
    changes = change_rates(headline)
    return pd.DataFrame({headline_heading(heading, column, label): changes[f"{column}_{label}"] if label else headline[column]
                         for heading, column, label in HEADLINE_TABLE}).rename_axis(MONTH_LABEL)


def format_headline_table(table: pd.DataFrame) -> pd.DataFrame:
    """The table as printed: rates and counts' changes as "99.10%", changes in 百分点 as "-0.10" (the
    heading names the unit); missing values stay missing."""
    shown = table.copy()
    for heading, column, label in HEADLINE_TABLE:
        name = headline_heading(heading, column, label)
        if label and is_rate(column):
            shown[name] = table[name].map(format_points, na_action="ignore")
        elif label or is_rate(column):
            shown[name] = table[name].map(format_percent, na_action="ignore")
    return shown


def unit_month_table(exports: Exports, months: list[str], workspace: Workspace) -> pd.DataFrame:
    """Every unit's appendix figures and 总分 for every month, long format (unit, month, ...): each
    month's table is the bulletin's own (``exempted_unit_table``, after the month's approved
    exemptions), scored by the same ``score_units``, so a unit's 总分 here is the bulletin's and
    ``hotline explain``'s."""
    rules = workspace_rules(workspace)
    frames = []
    for month in months:
        table, _ = exempted_unit_table(month, workspace, exports)
        frames.append(score_units(table, rules).assign(month=month))
    return pd.concat(frames, ignore_index=True)


def unit_heatmap(unit_months: pd.DataFrame, column: str, active_only: bool = True, kind: str | None = None) -> pd.DataFrame:
    """unit × month of one rate (float %), units in directory order; a month where the unit had
    nothing to rate is NaN. ``kind`` keeps the units of one 类别 (街道 or 区直部门)."""
    if kind is not None:
        unit_months = unit_months[unit_months["类别"] == kind]
    values = unit_months.assign(value=unit_months[column].astype(float))
    if active_only:
        basis = {"回访满意度": "回访工单总数", "按时办结率": "办结工单（含上月流转工单）"}.get(column)
        if basis:
            values.loc[values[basis] == 0, "value"] = np.nan
    table = values.pivot(index="部门名称", columns="month", values="value").rename_axis(columns=MONTH_LABEL)
    return table.reindex(values["部门名称"].drop_duplicates())


def heatmaps_by_kind(unit_months: pd.DataFrame, column: str, active_only: bool = True) -> dict[str, pd.DataFrame]:
    """One heat map per 类别 (街道, 区直部门), in directory order: streets and departments handle
    different work, so each is read against its own kind."""
    return {kind: unit_heatmap(unit_months, column, active_only, kind) for kind in unit_months["类别"].drop_duplicates()}


def score_history(unit_months: pd.DataFrame) -> pd.DataFrame:
    """unit × month of 总分."""
    scores = unit_months.assign(score=unit_months[SCORE].astype(float))
    return scores.pivot(index="部门名称", columns="month", values="score").rename_axis(columns=MONTH_LABEL)


def largest_score_falls(unit_months: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Units whose 总分 fell most from the first to the last month of the range (only falls)."""
    history = score_history(unit_months)
    first, last = history.columns[0], history.columns[-1]
    change = pd.DataFrame({"first_month": history[first], "last_month": history[last]})
    change["change"] = (change["last_month"] - change["first_month"]).round(1)
    change["lowest"] = history.min(axis=1)
    falls = change[change["change"] < 0].sort_values(["change", "lowest"])
    return falls.head(n).rename(columns={"first_month": f"{first} 总分", "last_month": f"{last} 总分", "change": "变化",
                                         "lowest": "期间最低分"})


def categories_over_time(orders: pd.DataFrame, months: list[str], n: int = 6) -> pd.DataFrame:
    """month × category counts of the n categories largest over the whole range."""
    signed = orders.assign(month=orders["signed_at"].dt.strftime("%Y-%m"))
    signed = signed[signed["month"].isin(months)]
    top = signed["category"].value_counts().head(n).index
    table = signed[signed["category"].isin(top)].pivot_table(index="month", columns="category", values="order_id",
                                                             aggfunc="count", fill_value=0)
    table = table.reindex(index=months, columns=top, fill_value=0)
    return table.rename(columns=mask_personal)  # category names come from the data


def time_to_close(orders: pd.DataFrame, months: list[str]) -> pd.Series:
    """Days from signing to closing of the orders closed in the range (the long tail included)."""
    start, _ = month_bounds(months[0])
    _, end = month_bounds(months[-1])
    closed = orders[(orders["completed_at"] >= start) & (orders["completed_at"] < end)]
    return ((closed["completed_at"] - closed["signed_at"]).dt.total_seconds() / 86400).dropna().rename("days")


def median_handling_days(assignments: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Per unit: assignments completed in the range, and the median days from signing to completing."""
    start, _ = month_bounds(months[0])
    _, end = month_bounds(months[-1])
    done = assignments[(assignments["unit_completed_at"] >= start) & (assignments["unit_completed_at"] < end)]
    days = (done["unit_completed_at"] - done["unit_signed_at"]).dt.total_seconds() / 86400
    table = done.assign(days=days).groupby("unit").agg(completed=("days", "size"), median_days=("days", "median"))
    return table.sort_values("median_days", ascending=False).round(2)


def load_trends(start: str, end: str, workspace=None) -> TrendData:
    """Everything the trends notebook shows, computed once per kernel while the inputs stay the same.
    ``workspace``: the working folder (see ``Workspace.of``: None is the folder the notebook is in)."""
    workspace = replace(Workspace.of(workspace))   # a fresh copy: settings and units read again
    return _load_trends(start, end, workspace, workspace.input_stamp())


def clear_trends_cache() -> None:
    """Forget every loaded range: a batch kernel starts each month without the ones before it."""
    _load_trends.cache_clear()


@lru_cache(maxsize=4)
def _load_trends(start: str, end: str, workspace: Workspace, stamp: tuple) -> TrendData:
    from hotline_lib.core.months import months_between

    months = months_between(start, end)
    units, settings = workspace.units, workspace.settings
    exports = load_exports(workspace.data, units, workspace.cache, input_folders(settings), platform=workspace.platform)
    return TrendData(months, exports, units, settings, unit_month_table(exports, months, workspace))
