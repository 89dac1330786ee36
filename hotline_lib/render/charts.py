"""The charts' style: seaborn in Chinese, rendering on a machine with no Chinese font installed.

The font (Noto Sans CJK SC) ships in the mplfonts package and is registered with matplotlib here,
so the result does not depend on the system's fonts or on matplotlib's font cache.
"""

from __future__ import annotations

import io
from functools import cache

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from hotline_lib.render.fonts import FONT_NAME, cjk_font_path

OWN_COLOR, OTHER_COLOR, ALERT_COLOR = "#b22222", "#8aa1b4", "#d9822b"


class Chart:
    """A figure that Jupyter shows as a PNG (so the bulletin embeds it as a data URI), whatever the
    kernel's matplotlib backend."""

    def __init__(self, figure: Figure):
        self.figure = figure

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=130)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()


@cache
def use_cjk_font() -> str:
    """Register the bundled CJK font with matplotlib and make it the default; returns its family."""
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(cjk_font_path()))
    matplotlib.rcParams["font.family"] = [FONT_NAME, "DejaVu Sans"]
    matplotlib.rcParams["font.sans-serif"] = [FONT_NAME, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212
    matplotlib.rcParams["figure.dpi"] = 110
    return FONT_NAME


def chart_style() -> str:
    """The bulletin's chart style for seaborn, in the bundled CJK font: call it once before drawing
    (``hb.load_month`` does). Returns the font's family."""
    import seaborn as sns

    use_cjk_font()
    sns.set_theme(style="whitegrid", font=FONT_NAME, rc={"axes.unicode_minus": False, "figure.dpi": 110})
    return FONT_NAME


def _figure(height: float) -> tuple[Figure, object]:
    chart_style()
    figure = Figure(figsize=(7.2, height), layout="constrained")
    return figure, figure.add_subplot()


# Trends ----------------------------------------------------------------------------------------

def channel_volume_chart(volume: pd.DataFrame) -> Chart:
    """Orders signed per month, stacked by channel (the phone line at the bottom)."""
    figure, axes = _figure(3.6)
    columns = sorted(volume.columns, key=lambda c: -volume[c].sum())
    bottom = None
    palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f"]
    for i, column in enumerate(columns):
        axes.bar(volume.index, volume[column], bottom=bottom, label=column, color=palette[i % len(palette)])
        bottom = volume[column] if bottom is None else bottom + volume[column]
    axes.set(xlabel="", ylabel="签收工单（件）", title="各渠道月度工单量")
    axes.tick_params(axis="x", labelrotation=60, labelsize=8)
    axes.legend(fontsize=8, ncols=3)
    return Chart(figure)


def heatmap_chart(table: pd.DataFrame, title: str, low: float, high: float = 100) -> Chart:
    """unit × month heat map of a rate in % (grey where the unit had nothing to rate)."""
    import seaborn as sns

    figure, axes = _figure(0.24 * len(table) + 1.6)
    sns.heatmap(table, vmin=low, vmax=high, cmap="RdYlGn", linewidths=0.3, linecolor="#eeeeee",
                cbar_kws={"label": "%"}, ax=axes)
    axes.set(xlabel="", ylabel="", title=title)
    axes.tick_params(axis="y", labelsize=7)
    axes.tick_params(axis="x", labelsize=7, labelrotation=60)
    return Chart(figure)


def score_lines_chart(history: pd.DataFrame, highlight: list[str]) -> Chart:
    """Each unit's 总分 over time: every unit in grey, the ones to watch in colour."""
    figure, axes = _figure(3.8)
    for unit, row in history.iterrows():
        if unit not in highlight:
            axes.plot(history.columns, row.values, color="#d0d5dc", linewidth=0.8)
    for unit in highlight:
        axes.plot(history.columns, history.loc[unit].values, linewidth=1.8, marker="o", markersize=3, label=unit)
    axes.set(xlabel="", ylabel="总分", title="成员单位总分走势")
    axes.tick_params(axis="x", labelrotation=60, labelsize=8)
    if highlight:
        axes.legend(fontsize=8)
    return Chart(figure)


def categories_trend_chart(table: pd.DataFrame) -> Chart:
    """The largest problem categories, month by month."""
    figure, axes = _figure(3.6)
    for column in table.columns:
        axes.plot(table.index, table[column], marker="o", markersize=3, label=column)
    axes.set(xlabel="", ylabel="工单数量（件）", title="突出问题走势")
    axes.tick_params(axis="x", labelrotation=60, labelsize=8)
    axes.legend(fontsize=8, ncols=3)
    return Chart(figure)


def time_to_close_chart(days: pd.Series) -> Chart:
    """Distribution of days to close, with the median marked (the mean hides the long tail)."""
    import seaborn as sns

    figure, axes = _figure(3.2)
    clipped = days.clip(upper=days.quantile(0.99))
    sns.histplot(clipped, bins=40, color=OTHER_COLOR, ax=axes)
    median = float(days.median())
    axes.axvline(median, color=OWN_COLOR, linestyle="--")
    axes.text(median, axes.get_ylim()[1] * 0.9, f" 中位数 {median:.1f} 天", color=OWN_COLOR, fontsize=9)
    axes.set(xlabel="签收至办结（天）", ylabel="工单数", title="办结用时分布")
    return Chart(figure)


def handling_days_chart(table: pd.DataFrame, n: int = 15) -> Chart:
    """The units with the longest median handling time."""
    import seaborn as sns

    data = table.head(n).reset_index()
    figure, axes = _figure(0.3 * len(data) + 1.2)
    sns.barplot(data=data, x="median_days", y="unit", color=OTHER_COLOR, ax=axes)
    axes.set(xlabel="办理用时中位数（天）", ylabel="", title="各单位办理用时（中位数，最长的单位）")
    return Chart(figure)
