"""The bulletin's 热点诉求 part: sentences, tables and a chart added to a section, whichever section
holds it (its own, notebooks/08_hot_topics.ipynb, or 本月热线特点: settings hot_topics.show)."""

from __future__ import annotations

from hotline_lib.analysis.topics_text import (NO_TEXT, categories_sentence, categories_table, places_sentence,
                                              places_table, repeat_units_sentence, repeat_units_table, repeats_sentence, repeats_table,
                                              rising_sentence)
from hotline_lib.core.i18n import Message
from hotline_lib.render.charts import OTHER_COLOR, chart_style
from hotline_lib.render.section import Chart, Section

HEADING = "热点诉求"
#: The numbers a section's parts carry in a bulletin: （一）（二）…
PART_NUMBERS = "一二三四五六七八九十"


def turned_off(show: str) -> Message:
    """Why notebooks/08_hot_topics.ipynb records no section: the settings put 热点诉求 elsewhere or nowhere."""
    return Message("hot_topics.show is {show} in the settings: no section of its own", show=show)


def places_chart(places: list[dict]) -> Chart | None:
    """Bars of the places named most, this month beside last month (seaborn, the project's font)."""
    if not places:
        return None
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    chart_style()
    rows = [{"地点": p["place"], "月份": label, "工单数": p[key]} for p in places
            for key, label in (("count", "本月"), ("previous", "上月"))]
    frame = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(7.2, 0.45 * len(places) + 1.3), layout="constrained")
    sns.barplot(data=frame, x="工单数", y="地点", hue="月份", palette=[OTHER_COLOR, "#b0b0b0"], errorbar=None, ax=ax)
    title = "诉求提到最多的地点（工单数）"
    ax.set(xlabel="工单数（件）", ylabel="", title=title)
    ax.legend(title="", loc="lower right")
    chart = Chart.from_figure(fig, title)
    plt.close(fig)
    return chart


def numbered_heading(section: Section, heading: str = HEADING) -> str:
    """``heading`` numbered after the section's own parts when they are numbered (本月热线特点's （一）and
    （二） make it （三）热点诉求), so that it does not read as a loose title among them; as it is else."""
    numbered = [b.text for b in section.blocks if b.kind == "subheading" and b.text.startswith("（")
                and b.text[1:2] in PART_NUMBERS]
    if not numbered or len(numbered) >= len(PART_NUMBERS):
        return heading
    return f"（{PART_NUMBERS[len(numbered)]}）{heading}"


def add_hot_topics(section: Section, topics: dict, window_days: int, subheading: bool = True) -> Section:
    """热点诉求 in ``section``: per part a sentence and, when there is something, its table; a month
    without 诉求内容 is one sentence. ``topics``: figures.json's hot_topics."""
    if subheading:
        section.subheading(numbered_heading(section))
    if not topics.get("has_text", True):
        return section.paragraph(NO_TEXT)
    section.paragraph(categories_sentence(topics["categories"]))
    if topics["categories"]:
        section.table(categories_table(topics["categories"]), caption="主要问题分类的具体诉求")
    section.paragraph(places_sentence(topics["places"]))
    if topics["places"]:
        section.table(places_table(topics["places"]), caption="诉求提到最多的地点")
        chart = places_chart(topics["places"])
        if chart is not None:
            section.chart(chart)
    section.paragraph(repeats_sentence(topics["repeats"], window_days))
    if topics["repeats"]:
        section.table(repeats_table(topics["repeats"]), caption="重复诉求（同一地点、同一问题）")
        section.paragraph(repeat_units_sentence(topics["repeat_units"]))
        section.table(repeat_units_table(topics["repeat_units"]), caption="重复诉求工单较多的单位（与重复交办口径不同）")
    section.paragraph(rising_sentence(topics["rising"]))
    return section
