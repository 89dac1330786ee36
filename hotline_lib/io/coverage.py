"""Which columns a month's exports hold, and what an optional column that none of them holds leaves empty.

A platform that does not export 问题分类 (or stopped exporting it) would otherwise give a bulletin whose
top categories are silently empty. ``missing_columns`` names each such column once, with the parts of
the bulletin it feeds (``FEEDS``, a table: one place to change when a section starts using a column);
`hotline report` prints it beside its summary line and records it in manifest.json, `hotline stats`
prints it too.

"The month's exports" are the files that hold rows used for the month (a row's times, due times
aside, span its file's months): a platform that changes its export layout in March leaves the
columns of its January files behind, and those must not hide what March lacks. A file whose rows all
lost to a fuller copy in another file (duplicates) is not one of them: the fuller copy is what counts.
When no file holds a row of the month, all the files of that record type are looked at.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from hotline_lib.core.i18n import gettext
from hotline_lib.io.headers import canonical_columns, display_name
from hotline_lib.io.validation import ASSIGNMENT_TIMES, DUE_TIMES, ORDER_TIMES, TIMEZONE

KINDS = ("orders", "assignments")
#: How a user names each record type's export.
KIND_NAMES = {"orders": "工单", "assignments": "派单"}
#: The times that place a row in a month (a due time may lie in the next one).
PLACING_TIMES = {"orders": ORDER_TIMES, "assignments": [t for t in ASSIGNMENT_TIMES if t not in DUE_TIMES]}

#: Each section a column feeds, as the shipped notebooks head it (section key -> label); a render
#: names the numbered ones it holds with their number (第三部分“本月热线特点”, render/page.py section_labels).
SECTION_LABELS = {"overview": "开头一段", "units": "“区内情况统计”", "features": "“本月热线特点”", "epidemic": "“疫情工单数据”",
                  "appendix": "附件排行榜", "hot_topics": "“热点诉求”", "explore": "探索笔记本 notebooks/explore/orders.ipynb（不进通报）",
                  "rules": "单位数据（供用到它的考核规则计分，不进通报）"}

#: What each optional column of the exports feeds: record type -> canonical column -> (section, part)
#: pairs, the part in the bulletin's words ("" for the whole section). A part starting with "（" follows
#: its section's label directly, any other after "：". docs/platforms.md says the same in prose.
FEEDS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "orders": {
        "signed_at": [("overview", "签收工单数、各渠道工单数"), ("features", ""), ("epidemic", "")],
        "channel": [("overview", "各渠道（“市长信箱”等）工单数")],
        "appeal_type": [("features", "（二）营商环境、行政效能类工单情况"), ("epidemic", "咨询、求助、建议、投诉各几件")],
        "category": [("features", "（一）群众反映突出的前几类问题"), ("epidemic", "疫情工单主要集中的问题类型")],
        "epidemic": [("epidemic", "")],
        "business_env": [("features", "（二）营商环境、行政效能类工单情况")],
        "content": [("features", "热点诉求"), ("hot_topics", ""), ("explore", "诉求内容")],
        "completed_at": [("overview", "办结工单数"), ("epidemic", "办结疫情工单数及其占比")],
        "visited_at": [("overview", "回访工单数")],
        "visit_result": [("epidemic", "回访不满意件数和满意率")],
    },
    "assignments": {
        "unit_signed_at": [("units", "（一）完成度较好单位"), ("appendix", "签收总数、未按时签收数、重复交办率、总分")],
        "returned_at": [("appendix", "未及时退回数、退单驳回数、总分")],
        "return_due": [("appendix", "未及时退回数、总分")],
        "return_rejected": [("appendix", "退单驳回数、总分")],
        "complete_due": [("appendix", "未按时办结数、按时办结率、总分")],
        "unit_completed_at": [("appendix", "办结工单、未按时办结数、按时办结率、延期驳回数、发回重办数、延期办理率、总分")],
        "extension_requested": [("appendix", "延期办理率、总分")],
        "extension_rejected": [("appendix", "延期驳回数、总分")],
        "redo_count": [("appendix", "发回重办数、总分")],
        "unit_visited_at": [("units", "（一）完成度较好单位、（二）满意度偏低的单位"),
                            ("appendix", "回访工单总数、回访满意数、回访满意度、总分")],
        "unit_visit_result": [("units", "（一）完成度较好单位、（二）满意度偏低的单位"),
                              ("appendix", "回访满意数、回访满意度、总分")],
        "repeat_assigned": [("appendix", "重复交办率、总分")],
        "contacted": [("rules", "已联系数")],
        "resolved": [("rules", "已解决数")],
    },
}
#: The optional columns no figure uses: received_at is only checked (签收时间 not before it), caller_phone
#: never shown, and the category levels feed nothing themselves: the one the settings count
#: (category_level) is read as ``category``. The others are either in ``FEEDS`` or required (io/exports.py
#: REQUIRED: an error, not a warning).
FEEDS_NOTHING = {"orders": ["received_at", "caller_phone", "category_1", "category_2", "category_3"], "assignments": []}


@dataclass(frozen=True)
class MissingColumn:
    """An optional column that none of a month's exports of one record type holds."""

    kind: str                          # orders | assignments
    column: str                        # canonical name (category)
    feeds: tuple[tuple[str, str], ...]  # (section, part) it leaves empty
    files: tuple[str, ...]             # the month's exports looked at

    @property
    def header(self) -> str:
        """The column as the platform heads it (问题分类)."""
        return display_name(self.kind, self.column)


def month_span(frame: pd.DataFrame, kind: str) -> dict[str, list[str]]:
    """file -> [first month, last month] of its rows' times (due times aside)."""
    present = [t for t in PLACING_TIMES[kind] if t in frame.columns]
    if frame.empty or not present:
        return {}
    grouped = frame[["_file", *present]].groupby("_file", observed=True)
    first, last = grouped.min().min(axis=1), grouped.max().max(axis=1)
    return {str(name): [_month(first[name]), _month(last[name])] for name in first.index if pd.notna(first[name])}


def _month(time: pd.Timestamp) -> str:
    return pd.Timestamp(time).tz_convert(TIMEZONE).strftime("%Y-%m")


def export_sources(headers: dict[str, dict[str, str]], used: dict[str, pd.DataFrame]) -> dict:
    """Per record type, each export file's columns (the canonical names its headers gave) and the first
    and last month of its rows used ("months": None when no row of it is used). ``headers``: file ->
    canonical -> original header, as the reader found them; ``used``: the rows used, per record type.
    Kept in the dataset's meta.json, so that a cached run finds the same columns missing."""
    sources = {}
    for kind in KINDS:
        own = set(canonical_columns(kind)) - {"order_id"}   # the one column both record types have
        spans = month_span(used[kind], kind)
        sources[kind] = {name: {"columns": sorted(c for c in columns if c in canonical_columns(kind)),
                                "months": spans.get(name)}
                         for name, columns in sorted(headers.items()) if own & set(columns) or name in spans}
    return sources


def month_files(files: dict[str, dict], month: str) -> list[str]:
    """The files (of one record type) that hold rows used for ``month``; all of them when none does."""
    held = [name for name, source in files.items() if source.get("months") and source["months"][0] <= month <= source["months"][1]]
    return held or list(files)


def used_feeds(places: list[tuple[str, str]], rules_reads) -> tuple[tuple[str, str], ...]:
    """The (section, part) pairs a column feeds in this run: a "rules" part (已联系数) only when the
    rules read that column; the sections of the bulletin always."""
    return tuple((section, part) for section, part in places if section != "rules" or part in rules_reads)


def missing_columns(sources: dict, month: str, rules_reads=()) -> list[MissingColumn]:
    """Each optional column that feeds the bulletin or the rules and that none of ``month``'s exports
    holds, in the order of ``FEEDS``. ``sources``: ``export_sources`` (Exports.sources); ``rules_reads``:
    the unit-table columns the run's rules read (scoring/rules_input.py required_columns): a column
    only the rules could use (是否联系 for 已联系数) is missing only when they read it (sanlv, not furong)."""
    missing = []
    for kind, feeds in FEEDS.items():
        files = month_files(sources.get(kind, {}), month)
        if not files:   # no export of this kind at all: nothing to say about its columns
            continue
        held = set().union(*(sources[kind][name]["columns"] for name in files))
        for column, places in feeds.items():
            used = used_feeds(places, set(rules_reads))
            if used and column not in held:
                missing.append(MissingColumn(kind, column, used, tuple(files)))
    return missing


def place_names(missing: MissingColumn, labels: dict[str, str] | None = None) -> list[str]:
    """The parts a missing column leaves empty, in the bulletin's words; ``labels``: section -> its
    label in a render (三、本月热线特点), else ``SECTION_LABELS``."""
    names = []
    for section, part in missing.feeds:
        label = (labels or {}).get(section) or SECTION_LABELS[section]
        names.append(label + part if not part or part.startswith("（") else f"{label}：{part}")
    return names


def missing_column_warnings(missing: list[MissingColumn], month: str, labels: dict[str, str] | None = None,
                            lang: str | None = None) -> list[str]:
    """One warning per missing column, naming what it leaves empty."""
    return [gettext("WARNING: no {kind} export of {month} has a “{column}” column: {places} will be empty (or 0)", lang,
                    kind=KIND_NAMES[m.kind], month=month, column=m.header, places="；".join(place_names(m, labels)))
            for m in missing]


def missing_column_records(missing: list[MissingColumn], labels: dict[str, str] | None = None) -> list[dict]:
    """manifest.json's "missing_columns": each column, its export, what it leaves empty, the files looked at."""
    return [{"column": m.header, "canonical": m.column, "export": KIND_NAMES[m.kind],
             "sections": list(dict.fromkeys(section for section, _ in m.feeds)), "empty": place_names(m, labels),
             "files": list(m.files)} for m in missing]
