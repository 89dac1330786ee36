"""Charts with seaborn, in Chinese, rendering on a machine with no Chinese font installed.

The font (Noto Sans CJK SC) ships in the mplfonts package and is registered with matplotlib here,
so the result does not depend on the system's fonts or on matplotlib's font cache.
"""

from __future__ import annotations

import io
from functools import cache

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from .fonts import FONT_NAME, cjk_font_path

OWN_COLOR, OTHER_COLOR, ALERT_COLOR = "#b22222", "#8aa1b4", "#d9822b"


class Chart:
    """A figure that Jupyter shows as a PNG (so the bulletin embeds it as a data URI), whatever the
    kernel's matplotlib backend."""

    def __init__(self, figure: Figure):
        self.figure = figure

    def png(self) -> bytes:
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=150)
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


def _figure(height: float) -> tuple[Figure, object]:
    import seaborn as sns

    use_cjk_font()
    sns.set_theme(style="whitegrid", font=FONT_NAME, rc={"axes.unicode_minus": False})
    figure = Figure(figsize=(7.2, height), layout="constrained")
    return figure, figure.add_subplot()


def satisfaction_chart(scored: pd.DataFrame, threshold: float, lowest: int = 15) -> Chart | None:
    """回访满意度 of the units that fell short of 100%, lowest first, against the threshold line."""
    import seaborn as sns

    below = scored[scored["回访满意度"] < 100]
    if below.empty:
        return None
    data = (below.assign(rate=below["回访满意度"].astype(float)).sort_values("rate").head(lowest))
    figure, axes = _figure(0.35 * len(data) + 1.2)
    colors = [ALERT_COLOR if r < threshold else OTHER_COLOR for r in data["rate"]]
    sns.barplot(data=data, x="rate", y="部门名称", hue="部门名称", palette=colors, legend=False, ax=axes)
    axes.axvline(threshold, color=OWN_COLOR, linestyle="--", linewidth=1.2)
    axes.text(threshold, len(data) - 0.55, f" {threshold:g}%线", color=OWN_COLOR, va="bottom", fontsize=9)
    axes.set_xlim(max(0, min(data["rate"].min() - 2, threshold - 3)), 100)
    axes.set(xlabel="回访满意度（%）", ylabel="", title="满意度未达100%的单位")
    for patch, rate in zip(axes.patches, data["rate"]):
        axes.text(patch.get_width(), patch.get_y() + patch.get_height() / 2, f" {rate:.2f}%", va="center", fontsize=8)
    return Chart(figure)


def categories_chart(top_categories: list[dict]) -> Chart | None:
    """工单数量 of the month's largest problem categories."""
    import seaborn as sns

    if not top_categories:
        return None
    data = pd.DataFrame(top_categories)
    figure, axes = _figure(0.4 * len(data) + 1.2)
    sns.barplot(data=data, x="orders", y="category", color=OTHER_COLOR, ax=axes)
    axes.set(xlabel="工单数量（件）", ylabel="", title="群众反映突出的问题")
    for patch, count in zip(axes.patches, data["orders"]):
        axes.text(patch.get_width(), patch.get_y() + patch.get_height() / 2, f" {count}", va="center", fontsize=9)
    return Chart(figure)


def city_ranking_chart(city: pd.DataFrame, own: str) -> Chart | None:
    """The city's 总分 of each district, ours highlighted."""
    import seaborn as sns

    if city is None or city.empty:
        return None
    data = city.assign(score=city["score"].astype(float))
    figure, axes = _figure(0.45 * len(data) + 1.2)
    colors = [OWN_COLOR if d == own else OTHER_COLOR for d in data["district"]]
    sns.barplot(data=data, x="score", y="district", hue="district", palette=colors, legend=False, ax=axes)
    axes.set_xlim(max(0, data["score"].min() - 3), max(70, data["score"].max()))
    axes.set(xlabel="总分", ylabel="", title="全市排名（总分）")
    for patch, score in zip(axes.patches, data["score"]):
        axes.text(patch.get_width(), patch.get_y() + patch.get_height() / 2, f" {score:g}", va="center", fontsize=9)
    return Chart(figure)
