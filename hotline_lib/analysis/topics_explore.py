"""What notebooks/explore/topics.ipynb shows beside the findings: how each step got there (the words
the segmenter used, each candidate sub-issue's score), a term across the months, and the orders
behind a repeat demand or a place with their text masked (names, phones, ID numbers: ``mask_text``).
The citizens' words stay in the notebook: nothing here goes into a bulletin."""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

from hotline_lib.analysis.topics import Cluster, _phrases, document_counts
from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import names
from hotline_lib.core.privacy import mask_text
from hotline_lib.io.exports import input_folders, load_exports
from hotline_lib.io.segment import Lexicon, load_lexicon, order_tokens
from hotline_lib.io.workspace import Workspace


def word_lists(lexicon: Lexicon) -> pd.DataFrame:
    """词表, 词数, 文件, 例: each list the segmenter used, where to edit it, and a few of its words."""
    rows = [("地名表", lexicon.places, lexicon.sources.get("places", "")),
            ("同义词（别称 = 统一的词）", [f"{a} = {b}" for a, b in lexicon.synonyms], lexicon.sources.get("synonyms", "")),
            ("单位名录（名称、简称、别名）", lexicon.units, "data/units.yaml"),
            ("12345 常用词", lexicon.vocabulary, lexicon.sources.get("vocabulary", "")),
            ("停用词", sorted(lexicon.stopwords), lexicon.sources.get("stopwords", ""))]
    return pd.DataFrame([{"词表": name, "词数": len(words), "文件": path, "例": "、".join(list(words)[:8])}
                         for name, words, path in rows])


def segmented_examples(orders: pd.DataFrame, count: int = 8) -> pd.DataFrame:
    """A few orders as the segmenter saw them: the text masked, the terms kept and the places found."""
    chosen = orders.head(count)
    return pd.DataFrame({"工单编号": chosen["order_id"].astype(str).tolist(),
                         "诉求内容（已脱敏）": [mask_text(t) if isinstance(t, str) else "" for t in chosen.get("content", [""] * len(chosen))],
                         "计入的词": chosen["terms"].fillna("").tolist(), "地点": chosen["places"].fillna("").tolist()})


def issue_scores(orders: pd.DataFrame, category: str, rows: int = 20) -> pd.DataFrame:
    """Each candidate sub-issue of ``category`` with its orders in the category, elsewhere, and the
    score that ranks it (analysis/topics.py ``category_issues``: orders × log of the lift)."""
    places = set(document_counts(orders, "places"))
    phrases = [_phrases(t.split() if isinstance(t, str) else [], places) for t in orders["terms"].tolist()]
    inside_mask = (orders["category"].astype(object) == category).tolist()
    inside = Counter(p for keep, ps in zip(inside_mask, phrases) if keep for p in ps)
    total = Counter(p for ps in phrases for p in ps)
    n_in = sum(inside_mask)
    n_out = len(orders) - n_in
    table = []
    for phrase, count in inside.items():
        lift = (count / max(n_in, 1)) / ((total[phrase] - count + 1) / (n_out + 1))
        table.append({"词": phrase, "本类工单数": count, "其他类工单数": total[phrase] - count,
                      "本类占比%": round(100 * count / max(n_in, 1), 1), "得分": round(count * math.log(lift), 1) if lift > 0 else 0.0})
    frame = pd.DataFrame(table, columns=["词", "本类工单数", "其他类工单数", "本类占比%", "得分"])
    return frame.sort_values(["得分", "本类工单数"], ascending=False, kind="stable").head(rows).reset_index(drop=True)


def cluster_orders(clusters: list[Cluster], orders: pd.DataFrame, place: str | None = None) -> pd.DataFrame:
    """The orders of each repeat demand (of ``place`` only, when given), their text masked."""
    texts = dict(zip(orders["order_id"].astype(str), orders.get("content", pd.Series(dtype=object))))
    rows = [{"地点": c.place, "问题分类": c.category, "件数": len(c.order_ids), "工单编号": order_id, "受理时间": time,
             "诉求内容（已脱敏）": mask_text(texts.get(order_id) or "")}
            for c in clusters if place is None or c.place == place for order_id, time in zip(c.order_ids, c.times)]
    return pd.DataFrame(rows, columns=["地点", "问题分类", "件数", "工单编号", "受理时间", "诉求内容（已脱敏）"])


def place_orders(orders: pd.DataFrame, place: str) -> pd.DataFrame:
    """The month's orders naming ``place``, their text masked."""
    chosen = orders[orders["places"].fillna("").str.split().map(lambda ps: place in ps)]
    return pd.DataFrame({"工单编号": chosen["order_id"].astype(str).tolist(), "问题分类": chosen["category"].astype(object).tolist(),
                         "签收时间": chosen["signed_at"].tolist(),
                         "诉求内容（已脱敏）": [mask_text(t) if isinstance(t, str) else "" for t in chosen.get("content", [])]})


def term_by_month(workspace: Workspace | None, term: str) -> pd.DataFrame:
    """月份, 工单数, 含该词工单, 占比% of ``term`` in every month of the exports (each file segmented
    once, then kept in the cache); a term the lexicon maps (a synonym) is counted as its canonical word."""
    workspace = Workspace.of(workspace)
    lexicon = load_lexicon(workspace)
    term = lexicon.synonym_map.get(term, term)
    exports = load_exports(workspace.data, workspace.units, workspace.cache, input_folders(workspace.settings),
                           platform=workspace.platform)
    orders = order_tokens(exports.orders.dropna(subset=["signed_at"]), workspace.data, workspace.cache, lexicon)
    month = orders["signed_at"].dt.strftime("%Y-%m")
    holds = orders["terms"].fillna("").str.split().map(lambda words: term in words)
    table = pd.DataFrame({"月份": month, "holds": holds}).groupby("月份").agg(工单数=("holds", "size"), 含该词工单=("holds", "sum"))
    table["占比%"] = (100 * table["含该词工单"] / table["工单数"]).round(2)
    return table.reset_index()


def check_choice(value: str | None, known, what: str) -> str | None:
    """A notebook parameter that must be one of ``known`` (None: not chosen), or an error naming a few;
    ``what`` names the parameter in the reader's words (问题分类, 地点)."""
    if value is None or value in set(known):
        return value
    raise InputError("{what} {value!r} does not occur this month (some that do: {known})", what=what, value=value,
                     known=names(list(known)[:8]))
