"""The trends page, piece by piece: what notebooks/trends.ipynb displays (fragments and charts)."""

from __future__ import annotations

import math

import pandas as pd

from hotline_lib.render import charts
from hotline_lib.analysis import trends as tr
from hotline_lib.core.text import html


class Fragment(str):
    """HTML that Jupyter (and nbconvert) display as such."""

    def _repr_html_(self) -> str:
        return str(self)


def _number(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:g}" if isinstance(value, float) else str(value)


def table(frame: pd.DataFrame, heading: str = "", note: str = "", index_name: str | None = None) -> Fragment:
    """Any frame as a bulletin-styled table (index as the first column; numbers right-aligned)."""
    shown = frame.reset_index()
    if index_name:
        shown = shown.rename(columns={shown.columns[0]: index_name})
    numeric = {i for i, c in enumerate(shown.columns) if pd.api.types.is_numeric_dtype(shown[c])}
    rows = [[_number(v) for v in row] for row in shown.itertuples(index=False)]
    return Fragment(html("table.html.j2", heading=heading, note=note, columns=[str(c) for c in shown.columns],
                         rows=rows, numeric=numeric))


def title(t: tr.TrendData) -> Fragment:
    return Fragment(html("heading.html.j2", title=trends_title(t.settings.district, t.months[0], t.months[-1])))


def trends_title(district: str, start: str, end: str) -> str:
    return f"{district}12345政务热线工单趋势（{start} 至 {end}）"


def volume(t: tr.TrendData):
    return charts.channel_volume_chart(tr.monthly_volume_by_channel(t.exports.orders, t.months))


def headlines(t: tr.TrendData) -> Fragment:
    series = tr.headline_series(t.exports.orders, t.unit_months, t.months)
    rates = tr.change_rates(series)
    frame = pd.DataFrame({"签收工单": series["orders_signed"], "签收环比%": rates["orders_signed_环比"],
                          "签收同比%": rates["orders_signed_同比"], "办结工单": series["orders_completed"],
                          "办结环比%": rates["orders_completed_环比"], "回访工单": series["orders_visited"],
                          "满意度%": series["satisfaction"], "满意度环比%": rates["satisfaction_环比"]})
    return table(frame, "一、主要指标及环比、同比", "环比：与上月相比；同比：与上年同月相比；无可比月份时记为“—”。", "月份")


def satisfaction_heatmap(t: tr.TrendData):
    return charts.heatmap_chart(tr.unit_heatmap(t.unit_months, "回访满意度"), "各单位回访满意度（%）", low=90)


def on_time_heatmap(t: tr.TrendData):
    return charts.heatmap_chart(tr.unit_heatmap(t.unit_months, "按时办结率"), "各单位按时办结率（%）", low=85)


def scores(t: tr.TrendData):
    falls = tr.largest_score_falls(t.unit_months, n=5)
    return charts.score_lines_chart(tr.score_history(t.unit_months), list(falls.index))


def falls(t: tr.TrendData) -> Fragment:
    return table(tr.largest_score_falls(t.unit_months), "二、总分下降最多的单位", "按期初与期末月份总分之差排序。", "单位")


def categories(t: tr.TrendData):
    return charts.categories_trend_chart(tr.categories_over_time(t.exports.orders, t.months))


def closing_time(t: tr.TrendData):
    return charts.time_to_close_chart(tr.time_to_close(t.exports.orders, t.months))


def handling(t: tr.TrendData):
    return charts.handling_days_chart(tr.median_handling_days(t.exports.assignments, t.months))


def handling_table(t: tr.TrendData) -> Fragment:
    frame = tr.median_handling_days(t.exports.assignments, t.months).rename(columns={"completed": "办结数", "median_days": "用时中位数（天）"})
    return table(frame, "三、各单位办理用时", "签收至办结的天数中位数，期内办结的派单。", "单位")
