"""Why each point was lost (扣分明细): the month's deductions per unit, the assignments behind each
count, the month's exemptions, and what would win points back — as the workbook's sheets, one unit's
explanation (``hotline explain``) and the exploration notebook's tables, all from the same functions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from hotline_lib.core.filenames import safe_file_names
from hotline_lib.core.numbers import format_percent, format_score
from hotline_lib.core.privacy import mask_personal
from hotline_lib.core.utils import write_text_atomic
from hotline_lib.figures.details import deduction_details
from hotline_lib.io.workbook import write_workbook
from hotline_lib.scoring.breakdown import points_table, rate_counts, recovery, workbook_kinds
from hotline_lib.scoring.items import Bonus, ManualItem, RateItem, WeightedItem, item_column
from hotline_lib.scoring.rules import BelowTarget, PerCount, Rules
from hotline_lib.scoring.table import item_columns

from hotline_lib.scoring.score import RANK, SCORE, deduction_column, uses_deductions_only
from hotline_lib.scoring.unit_table import COMPLETED, UNIT

WORKBOOK = "扣分明细.xlsx"
UNIT_FOLDER = "扣分明细"
#: Under a scheme whose items earn points (连云港's) the workbook and its folder are 得分明细.
EARNED_WORKBOOK, EARNED_FOLDER = "得分明细.xlsx", "得分明细"
WORKBOOKS, UNIT_FOLDERS = (WORKBOOK, EARNED_WORKBOOK), (UNIT_FOLDER, EARNED_FOLDER)
#: Beside the workbooks a kernel writes: unit -> its workbook (read into manifest.json's "unit_files").
UNIT_FILES = "unit_files.json"
#: The count behind a rate rule, by the rule's column: its detail rows are the faults that lower the rate.
RATE_FAULTS = {"按时办结率": "未按时办结数"}
DETAIL_SHEET_COLUMNS = ["部门名称", "规则", "工单编号", "派单时间", "签收时限", "签收时间", "退回时间", "退回时限", "办结时间",
                        "办结时限", "状态", "超时小时", "次数", "扣分"]


def rule_of_count(rules: Rules) -> dict[str, tuple[str, object]]:
    """count column -> (rule label, rule): which rule of the rules file each detail count feeds."""
    owners = {}
    for label, rule in rules.deductions.items():
        if isinstance(rule, PerCount):
            owners[rule.column] = (label, rule)
        elif rule.column in RATE_FAULTS:
            owners[RATE_FAULTS[rule.column]] = (RATE_FAULTS[rule.column].removesuffix("数"), rule)
    for key, item in rules.items.items():   # an item earning points on a rate counted by faults (连云港's 按时办结率)
        counts = rate_counts(rules, item_column(key, item)) if isinstance(item, RateItem) else None
        if counts is not None and counts.fault_column is not None:
            owners.setdefault(counts.fault_column, (key, item))
    return owners


def detail_sheet(details: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """明细: each detail row with the rule it counts for and, for per-count rules, its points (次数 ×
    the rule's points; a rate rule's points depend on the whole month: see 挽回)."""
    owners = rule_of_count(rules)
    counted = details[details["计数"].isin(owners)]
    labels = counted["计数"].map(lambda c: owners[c][0])
    points = [owners[c][1].points * int(n) if isinstance(owners[c][1], PerCount) else None
              for c, n in zip(counted["计数"], counted["次数"])]
    sheet = counted.assign(规则=labels.to_numpy(), 扣分=points)
    return sheet[DETAIL_SHEET_COLUMNS].reset_index(drop=True)


def exemption_sheet(applied: pd.DataFrame) -> pd.DataFrame:
    """核减: every approved exemption of the month, with what it took out; personal numbers in its
    free text (原因, 批准人) masked, as in every output."""
    sheet = applied.reset_index(drop=True).copy()
    for column in ("原因", "批准人"):
        if column in sheet:
            sheet[column] = sheet[column].map(lambda v: mask_personal(str(v)) if pd.notna(v) else v)
    return sheet


@dataclass
class Deductions:
    """The workbook's sheets for one month (or one unit of it)."""

    summary: pd.DataFrame      # 汇总
    details: pd.DataFrame      # 明细
    recovery: pd.DataFrame     # 挽回
    exemptions: pd.DataFrame   # 核减

    def sheets(self) -> dict[str, pd.DataFrame]:
        return {"汇总": self.summary, "明细": self.details, "挽回": self.recovery, "核减": self.exemptions}

    def of_unit(self, unit: str) -> Deductions:
        return Deductions(*(frame[frame[UNIT] == unit].reset_index(drop=True) for frame in self.sheets().values()))

    def of_units(self, units: list[str]) -> dict[str, Deductions]:
        """``of_unit`` for each of ``units``, each sheet split once (29 units: 29 × 4 filters before)."""
        rows = [_rows_by_unit(frame) for frame in self.sheets().values()]
        return {unit: Deductions(*(frame.iloc[found.get(unit, [])].reset_index(drop=True)
                                   for frame, found in zip(self.sheets().values(), rows))) for unit in units}


def _rows_by_unit(frame: pd.DataFrame) -> dict[str, list[int]]:
    """unit -> the positions of its rows, in order."""
    found: dict[str, list[int]] = {}
    for position, unit in enumerate(frame[UNIT].tolist()):
        found.setdefault(unit, []).append(position)
    return found


def month_deductions(scored: pd.DataFrame, assignments: pd.DataFrame, month: str, rules: Rules,
                     exemptions: pd.DataFrame) -> Deductions:
    """Every unit's deductions in ``month``: ``scored`` is the scored unit table (after exemptions),
    ``exemptions`` the applied exemptions (``MonthFigures.exemptions``)."""
    details = deduction_details(assignments, month, exemptions if len(exemptions) else None)
    return Deductions(points_table(scored, rules), detail_sheet(details, rules), recovery(scored, rules),
                      exemption_sheet(exemptions))


def workbook_name(rules: Rules) -> str:
    """扣分明细 for a scheme of deductions, 得分明细 where its items earn points (连云港's)."""
    return (EARNED_WORKBOOK if rules.items else WORKBOOK).removesuffix(".xlsx")


def units_that_lost_points(summary: pd.DataFrame, rules: Rules) -> list[str]:
    """Units with any rule's points above zero (under a scheme that earns points: below their group's
    full marks), in the summary's (published) order."""
    if uses_deductions_only(rules):
        lost = summary[list(rules.deductions)].map(lambda p: Decimal(str(p)) > 0).any(axis=1)
    else:
        full = {info.name: info.full_marks for info in rules.group_list()}
        lost = pd.Series([Decimal(str(s)) < full[k] for s, k in zip(summary[SCORE], summary["类别"])], index=summary.index)
    return summary.loc[lost, UNIT].tolist()


def write_deduction_workbooks(deductions: Deductions, rules: Rules, folder: Path, title: str = "") -> list[Path]:
    """扣分明细.xlsx (every unit) and 扣分明细/<部门名称>.xlsx (each unit that lost points, its rows
    only, to send to that unit), each written atomically, and unit_files.json: which file is whose
    (``unit_file_names``; the manifest's "unit_files"). ``title`` (``workbook_title``) heads the printed
    pages, followed by the unit's name in a unit's workbook. Returns the workbooks written."""
    kinds = workbook_kinds(rules)
    name = workbook_name(rules)
    written = [write_workbook(folder / f"{name}.xlsx", deductions.sheets(), kinds, title=title)]
    files = unit_file_names(deductions.summary[UNIT].tolist())
    lost = units_that_lost_points(deductions.summary, rules)
    for unit, own in deductions.of_units(lost).items():
        written.append(write_workbook(folder / name / files[unit], own.sheets(), kinds,
                                      title=" ".join(filter(None, [title, unit]))))
    write_text_atomic(folder / UNIT_FILES, json.dumps({unit: f"{name}/{files[unit]}" for unit in lost},
                                                      ensure_ascii=False, indent=2) + "\n")
    return written


def workbook_title(district: str, month: str, rules: Rules | None = None) -> str:
    """The printed pages' title of a month's 扣分明细: 某某区 2020年12月 扣分明细 (得分明细: ``workbook_name``)."""
    name = workbook_name(rules) if rules is not None else WORKBOOK.removesuffix(".xlsx")
    return " ".join(filter(None, [district, f"{month[:4]}年{int(month[5:])}月", name]))


def unit_file_names(units: list[str]) -> dict[str, str]:
    """unit -> its workbook's file name: safe on any system, and one file per unit (``a/b`` and ``a_b``
    get two), named from every unit of the month so that a unit's name does not depend on which
    others lost points."""
    return safe_file_names(units, suffix=".xlsx", fallback="单位")


@dataclass
class UnitExplanation:
    """``hotline explain``: one unit's month, rule by rule."""

    month: str
    unit: str
    kind: str
    score: Decimal
    rank: int
    base: Decimal
    rules: pd.DataFrame        # 规则, 依据 (the figure the rule reads), 扣分 (any other scheme: 得分, 扣分, 满分)
    deductions: Deductions     # the unit's rows of every sheet
    full_marks: Decimal | None = None   # the group's, under a scheme whose items earn points

    @property
    def earns(self) -> bool:
        """Whether the unit's items earn points (its table has 得分 and 满分 columns)."""
        return "得分" in self.rules.columns


def explain(scored: pd.DataFrame, deductions: Deductions, rules: Rules, unit: str, month: str) -> UnitExplanation:
    """One unit's score taken apart: each rule, the figure behind it and the points it took."""
    row = scored[scored[UNIT] == unit].iloc[0]
    if not uses_deductions_only(rules):
        return _explain_items(scored, deductions, rules, unit, month)
    table = []
    for label, rule in rules.deductions.items():
        value = row[rule.column]
        shown = format_percent(value) if not isinstance(rule, PerCount) else str(value)
        if isinstance(rule, BelowTarget) and rule.column in RATE_FAULTS:
            late = int(row[RATE_FAULTS[rule.column]])
            shown += f"（{late} 件超时，共 {int(row[COMPLETED])} 件）"
        table.append({"规则": label, "依据": f"{rule.column} {shown}", "扣分": row[deduction_column(label)]})
    return UnitExplanation(month, unit, row[rules.kind_column], row[SCORE], int(row[RANK]), rules.base,
                           pd.DataFrame(table), deductions.of_unit(unit))


def item_basis(row: pd.Series, rules: Rules, key: str) -> str:
    """The figure an item of any scheme reads, as ``hotline explain`` says it: 按时办结率 98.91%（4 件超时，
    共 367 件）; a weighted item its rates; a hand-judged one 人工评定; a deduction or bonus its column."""
    item = rules.items.get(key) or rules.deductions.get(key) or rules.bonuses.get(key)
    if isinstance(item, ManualItem):
        return "人工评定（默认满分）" if item.default is None else f"人工评定（默认 {format_score(item.default)} 分）"
    if isinstance(item, WeightedItem):
        return "、".join(f"{name} {format_percent(row[name])}×{format_score(weight)}" for name, weight in item.weights.items())
    column = item_column(key, item) if isinstance(item, RateItem) else item.column
    value = row[column]
    if value is None or pd.isna(value):
        return f"{column} —"
    shown = str(value) if isinstance(item, (PerCount, Bonus)) else format_percent(value)
    if column in RATE_FAULTS:
        shown += f"（{int(row[RATE_FAULTS[column]])} 件超时，共 {int(row[COMPLETED])} 件）"
    return f"{column} {shown}"


def _explain_items(scored: pd.DataFrame, deductions: Deductions, rules: Rules, unit: str, month: str) -> UnitExplanation:
    """``explain`` under a scheme whose items earn points (连云港's): each item of the unit's group with
    the figure it reads, the points it gave (得分; a deduction's as 扣分) and its full marks."""
    row = scored[scored[UNIT] == unit].iloc[0]
    info = next(i for i in rules.group_list() if i.name == row["类别"])
    table = []
    for key, column in item_columns(rules).items():
        if key not in info.items:
            continue
        points = row[column]
        full = rules.items[key].full if key in rules.items else None
        table.append({"规则": key, "依据": item_basis(row, rules, key), "得分": points if key not in rules.deductions else None,
                      "扣分": points if key in rules.deductions else None, "满分": full})
    rank = None if pd.isna(row[RANK]) else int(row[RANK])
    return UnitExplanation(month, unit, row["类别"], row[SCORE], rank, info.base, pd.DataFrame(table),
                           deductions.of_unit(unit), full_marks=info.full_marks)
