"""热点诉求 as the bulletin says it: sentences a person would write and the tables under them, from
figures.json's ``hot_topics`` (phrases, place names and counts only: never a citizen's sentence)."""

from __future__ import annotations

import pandas as pd

#: How many units a sentence or a table cell names before "等N个单位".
UNITS_NAMED = 3
NO_TEXT = "本月导出文件中没有诉求内容（市民原话），无法分析热点诉求；通报其余部分照常。"


def units_text(units: list[str], named: int = UNITS_NAMED) -> str:
    """承办单位 as a cell says them: the first few, then how many in all."""
    if len(units) <= named:
        return "、".join(units)
    return f"{'、'.join(units[:named])}等{len(units)}个单位"


def _day(text: str) -> str:
    """"2020-12-03 09:15" -> 12月3日."""
    stamp = pd.Timestamp(text)
    return f"{stamp.month}月{stamp.day}日"


def categories_sentence(categories: list[dict]) -> str:
    parts = []
    for c in categories:
        if c["issues"]:
            issues = "、".join(f"{i['issue']}（{i['count']}件）" for i in c["issues"][:3])
            parts.append(f"{c['category']}类{c['count']}件，主要涉及{issues}")
    if not parts:
        return "从诉求内容看，主要问题分类中没有突出的具体诉求。"
    return "从诉求内容看，" + "；".join(parts) + "。"


def places_sentence(places: list[dict]) -> str:
    if not places:
        return "本月诉求内容中没有反复提到的地点。"
    named = "、".join(f"{p['place']}（{p['count']}件，上月{p['previous']}件）" for p in places[:3])
    return f"诉求提到最多的地点是{named}。"


def repeats_sentence(repeats: list[dict], window_days: int) -> str:
    if not repeats:
        return f"本月没有发现同一地点、同一问题在{window_days}天内反复来电的重复诉求。"
    parts = [f"{r['place']}的{r['issue']}问题{r['count']}件（{_day(r['first'])}至{_day(r['last'])}，"
             f"{units_text(r['units'])}承办）" for r in repeats[:3]]
    return f"同一地点、同一问题反复来电的重复诉求共{len(repeats)}处，较多的是" + "；".join(parts) + "。"


def rising_sentence(rising: list[dict]) -> str:
    if not rising:
        return "与上月相比，没有明显上升的诉求。"
    parts = [f"“{r['term']}”（{r['count']}件，上月{r['previous']}件，占比上升{r['change']:.2f}个百分点）" for r in rising[:3]]
    return "与上月相比，上升较多的诉求有" + "、".join(parts) + "。"


def categories_table(categories: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"问题分类": c["category"], "工单数": c["count"],
                          "具体诉求（工单数）": "、".join(f"{i['issue']}（{i['count']}）" for i in c["issues"])}
                         for c in categories], columns=["问题分类", "工单数", "具体诉求（工单数）"])


def places_table(places: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"地点": p["place"], "工单数": p["count"], "上月": p["previous"], "承办单位": units_text(p["units"])}
                         for p in places], columns=["地点", "工单数", "上月", "承办单位"])


def repeats_table(repeats: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"地点": r["place"], "问题": r["issue"], "工单数": r["count"],
                          "时间": f"{_day(r['first'])}—{_day(r['last'])}", "承办单位": units_text(r["units"])}
                         for r in repeats], columns=["地点", "问题", "工单数", "时间", "承办单位"])


#: How many units the 重复诉求 table shows (those with most 重复诉求; the sentence says how many in all).
REPEAT_UNITS_SHOWN = 10


def repeat_units_sentence(rows: list[dict], shown: int = REPEAT_UNITS_SHOWN) -> str:
    """How many units had 重复诉求 or 重复交办, and which the table shows when it cannot show all."""
    with_repeats = sum(1 for r in rows if r["repeats"])
    if with_repeats == len(rows):
        text = f"共有{len(rows)}个单位承办了重复诉求工单"
    else:
        text = f"共有{len(rows)}个单位承办了重复诉求工单或有重复交办（其中{with_repeats}个单位承办了重复诉求工单）"
    if len(rows) > shown:
        return text + f"，下表列出重复诉求工单最多的{shown}个单位。"
    return text + "。"


def repeat_units_table(rows: list[dict], shown: int = REPEAT_UNITS_SHOWN) -> pd.DataFrame:
    """重复诉求 (found in the words) beside the exports' 重复交办: two counts, two columns, named apart;
    the ``shown`` units with most 重复诉求 (``rows`` come most first)."""
    return pd.DataFrame([{"承办单位": r["unit"], "重复诉求工单（按诉求内容）": r["repeats"],
                          "重复交办（导出文件）": r["repeat_assigned"]} for r in rows[:shown]],
                        columns=["承办单位", "重复诉求工单（按诉求内容）", "重复交办（导出文件）"])
