"""The columns of the per-unit table (one row per member unit) that a rules file may name: the
appendix's counts and rates, and the three counts the exports give for the newer schemes (基本满意数,
已联系数, 已解决数). Kept apart from unit_table.py so that the rules can be validated against them
before any table is read."""

from __future__ import annotations

UNIT = "部门名称"
SIGNED = "签收总数"
COMPLETED = "办结工单（含上月流转工单）"
VISITED = "回访工单总数"
SATISFIED = "回访满意数"
COUNT_COLUMNS = [SIGNED, "未按时签收数", "未及时退回数", "退单驳回数", COMPLETED, "未按时办结数",
                 "延期驳回数", "发回重办数", VISITED, SATISFIED]
RATE_COLUMNS = ["按时办结率", "回访满意度", "延期办理率", "重复交办率"]
#: Counts the exports carry for the 三率 and similar schemes: 基本满意 visits (part of 回访满意数), visited
#: orders whose caller was contacted, visited orders marked resolved.
NEWER_COUNT_COLUMNS = ["基本满意数", "已联系数", "已解决数"]
#: Every column of the unit table a rule or an indicator may read.
TABLE_COLUMNS = [*COUNT_COLUMNS, *NEWER_COUNT_COLUMNS, *RATE_COLUMNS]
