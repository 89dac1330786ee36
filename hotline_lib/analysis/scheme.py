"""The bulletin under any rules file: the appendix by the rules' groups (each with its full marks), the
完成度较好 score of each group, and the 红黑榜.

芙蓉区's kind of scheme (a base less deductions, ranked by 类别: ``uses_deductions_only``) keeps the
published appendix exactly: every appendix column, 总分 and 排名, one table per 类别. Any other
scheme lists, per group, the unit, 签收总数, the rates its items read, the points of each of its items
(``<key>得分``, ``<key>扣分``, ``<key>加分``), 总分, 排名 (or the rules' word for an unranked unit) and
等级 where the rules grade.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from hotline_lib.core.i18n import N_, Message
from hotline_lib.core.numbers import format_percent, format_score, to_decimal
from hotline_lib.figures.counts import APPENDIX_COLUMNS
from hotline_lib.scoring.groups import GroupInfo
from hotline_lib.scoring.indicators import add_indicators
from hotline_lib.scoring.items import RateItem, WeightedItem, item_column
from hotline_lib.scoring.rules import Rules, common_full_marks, excellent_score
from hotline_lib.scoring.score import RANK, SCORE, published_order, score_units, uses_deductions_only
from hotline_lib.scoring.table import BLACK, GRADE, KIND, RATED, RED, black_list, item_columns, red_list
from hotline_lib.scoring.unit_table import SIGNED, UNIT

#: The kind of a column of the appendix that its name does not tell (io/workbook kinds): an item's points.
POINTS_SUFFIXES = ("得分", "扣分", "加分")


def score_month(unit_table: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The month's unit table scored under ``rules``, in published order; under a scheme with
    indicators (连云港's 及时签收率, 满意率) the rates it scores are kept as columns, so the appendix
    shows the rate beside its points."""
    if not uses_deductions_only(rules):
        unit_table = add_indicators(unit_table, rules.indicators, rules.rounding.rate)
    return published_order(score_units(unit_table, rules), rules)


def rates_read(rules: Rules, keys) -> list[str]:
    """The rates the items ``keys`` score (a rate item's column, a weighted item's rates), in order."""
    rates = []
    for key in keys:
        item = rules.items.get(key)
        if isinstance(item, RateItem):
            rates.append(item_column(key, item))
        elif isinstance(item, WeightedItem):
            rates += list(item.weights)
    return list(dict.fromkeys(rates))


def appendix_columns(rules: Rules, info: GroupInfo | None = None) -> list[str]:
    """The columns of a group's appendix table (芙蓉区's kind: every appendix column, 总分, 排名)."""
    if uses_deductions_only(rules) or info is None:
        return [UNIT, *APPENDIX_COLUMNS, SCORE, RANK]
    points = [column for key, column in item_columns(rules).items() if key in info.items]
    return [UNIT, SIGNED, *rates_read(rules, info.items), *points, SCORE, RANK, *([GRADE] if rules.grades else [])]


@dataclass
class AppendixTable:
    """One table of the appendix: its group (or 类别), full marks (None under 芙蓉区's kind, whose
    caption never said them) and rows as columns of ``scored``."""

    group: str
    full_marks: Decimal | None
    rows: pd.DataFrame


def appendix_groups(scored: pd.DataFrame, rules: Rules) -> list[AppendixTable]:
    """The appendix's tables in published order: one per 类别 (芙蓉区's kind), else one per group of the
    rules that has units this month, each with the group's columns."""
    if uses_deductions_only(rules):
        return [AppendixTable(kind, None, scored.loc[scored[KIND] == kind, appendix_columns(rules)])
                for kind in scored[KIND].drop_duplicates()]
    tables = []
    for info in rules.group_list():
        members = scored[scored[KIND] == info.name]
        if not members.empty:
            tables.append(AppendixTable(info.name, info.full_marks, members[appendix_columns(rules, info)]))
    return tables


def printed_cells(rows: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """An appendix table's cells as printed, where ``bulletin.shown`` cannot tell them by name: points
    as published (14.82, 100), an indicator's rate "98.50%", 排名 or the rules' word for an unranked
    unit (不参评)."""
    printed = rows.copy()
    for column in printed.columns:
        if column.endswith(POINTS_SUFFIXES):
            printed[column] = printed[column].map(lambda p: "" if p is None or pd.isna(p) else format_score(p))
        elif column in rules.indicators:
            printed[column] = printed[column].map(lambda r: "" if r is None or pd.isna(r) else format_percent(r))
    if RANK in printed.columns and not uses_deductions_only(rules):
        unranked = rules.min_volume.label if rules.min_volume is not None else "不参评"
        printed[RANK] = [unranked if pd.isna(rank) else str(int(rank)) for rank in printed[RANK]]
    if GRADE in printed.columns:
        printed[GRADE] = printed[GRADE].fillna("")
    return printed


def excellent_thresholds(rules: Rules, setting: float | Decimal | None) -> dict[str, Decimal]:
    """Group -> its 完成度较好 score. The settings' ``excellent.score`` was written for one full score
    (芙蓉区's 70): it is read as that share of the scheme's common full marks and applied to each group's
    own (连云港, 100 of 100: 县 150); without it, the rules' ``thresholds.excellent``."""
    if setting is None:
        return {info.name: excellent_score(rules, info.name) for info in rules.group_list()}
    common = common_full_marks(rules)
    score = to_decimal(setting)
    return {info.name: _points(score * info.full_marks / common if common else score) for info in rules.group_list()}


def _points(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def full_marks_by_group(rules: Rules) -> dict[str, Decimal]:
    return {info.name: info.full_marks for info in rules.group_list()}


def criteria_scores(thresholds: dict[str, Decimal], full_marks: dict[str, Decimal], groups: list[str]) -> list[tuple]:
    """(groups, threshold, full marks) for the groups in ``groups`` (those with units), the groups of one
    threshold and full marks together, in order: one entry when every group has the same (芙蓉区)."""
    merged: dict[tuple, list[str]] = {}
    for group in groups:
        merged.setdefault((thresholds[group], full_marks[group]), []).append(group)
    return [(names, threshold, full) for (threshold, full), names in merged.items()]


def lost_by_item(row: pd.Series, rules: Rules, info: GroupInfo) -> str:
    """Where a unit lost points, item by item, as 连云港 names its bottom units: 及时签收率失10分、
    满意率失0.16分 (an earning item: short of its full marks; a deduction: the points it took)."""
    parts = []
    for key, column in item_columns(rules).items():
        points = row.get(column)
        if key not in info.items or points is None or pd.isna(points):
            continue
        lost = rules.items[key].full - points if key in rules.items else points if key in rules.deductions else 0
        if lost > 0:
            parts.append(f"{key}失{format_score(lost)}分")
    return "、".join(parts) or "—"


def board_table(units: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """A 红榜 or 黑榜 as printed: 组别, 部门名称, 总分 (of the group's 满分), 排名 in the group, 等级 where
    the rules grade, and where the points were lost."""
    infos = {info.name: info for info in rules.group_list()}
    table = pd.DataFrame({"组别": units[KIND], UNIT: units[UNIT],
                          SCORE: units[SCORE].map(format_score),
                          "满分": units[KIND].map(lambda g: format_score(infos[g].full_marks)),
                          RANK: [str(int(r)) for r in units[RANK]]})
    if GRADE in units.columns:
        table[GRADE] = units[GRADE].fillna("")
    table["失分情况"] = [lost_by_item(row, rules, infos[row[KIND]]) for _, row in units.iterrows()]
    return table.reset_index(drop=True)


def boards(scored: pd.DataFrame, rules: Rules) -> dict[str, pd.DataFrame]:
    """红榜 and 黑榜 of the month (those the rules draw), best / worst first, as printed."""
    drawn = {}
    if rules.red_list is not None:
        drawn["红榜"] = board_table(red_list(scored), rules)
    if rules.black_list is not None:
        worst = black_list(scored, rules)
        full = worst[KIND].map({info.name: info.full_marks for info in rules.group_list()})
        # a unit at its full marks lost nothing: not on a 黑榜, even when its whole group ties there
        drawn["黑榜"] = board_table(worst[worst[SCORE] < full], rules)
    return drawn


def board_rule(rules: Rules, name: str) -> str:
    """How a list is drawn, in words: 各组前5名 / 全部单位后5名（并列的都列入）."""
    board = rules.red_list if name == "红榜" else rules.black_list
    where = "各组" if board.within == "group" else "全部单位"
    return f"{where}{'前' if name == '红榜' else '后'}{board.size}名，并列的都列入"


def board_figures(drawn: dict[str, pd.DataFrame]) -> dict:
    """figures.json's red_black_list: each list's units with group, 总分 and 排名."""
    keys = {"红榜": "red", "黑榜": "black"}
    return {keys[name]: [{"group": r["组别"], "unit": r[UNIT], "score": r[SCORE], "rank": int(r[RANK])}
                         for _, r in table.iterrows()] for name, table in drawn.items()}


def group_table(rules: Rules) -> pd.DataFrame:
    """The scheme's groups as the analyst checks them: 组别, 满分, the items each is scored on."""
    return pd.DataFrame([{"组别": info.name, "满分": format_score(info.full_marks), "项目": "、".join(info.items)}
                         for info in rules.group_list()])


def no_boards(rules: Rules) -> Message:
    """Why the 红黑榜 section is not in the bulletin: the rules draw neither list (said in the notebook only)."""
    return Message(N_("the rules ({rules}) draw no red or black list"), rules=rules.id or rules.name)


def has_boards(rules: Rules) -> bool:
    """Whether the rules draw a 红榜 or a 黑榜 (the 红黑榜 section is in the bulletin only then)."""
    return rules.red_list is not None or rules.black_list is not None


__all__ = ["AppendixTable", "BLACK", "RATED", "RED", "appendix_columns", "appendix_groups",
           "board_figures", "board_rule", "boards", "criteria_scores", "excellent_thresholds", "full_marks_by_group",
           "group_table", "has_boards", "lost_by_item", "no_boards", "printed_cells",
           "rates_read", "score_month"]
