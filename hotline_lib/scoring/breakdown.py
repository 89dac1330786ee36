"""Why each point was lost: the points every rule took from every unit (汇总), and, for the rules on
rates, what would have changed them (挽回).

The what-ifs are the rule's own arithmetic applied to a changed table: one unit's rate recomputed
from fewer faults (rounded as the table shows rates), every other unit as it is, then
``deduction_points`` of score.py. So they hold for any rules file and every rule kind, including a
ranking, where the points depend on the other units too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Callable

import pandas as pd

from hotline_lib.core.numbers import HUNDRED, format_percent, format_score, ratio_percent
from hotline_lib.scoring.items import RateItem, earned_column, item_column, rate_points
from hotline_lib.scoring.parts import half_up
from hotline_lib.scoring.rules import PerCount, RankBelow, Rules
from hotline_lib.scoring.score import (RANK, SCORE, competition_rank, deduction_column, deduction_points, published_order,
                                      uses_deductions_only)
from hotline_lib.scoring.table import item_columns
from hotline_lib.scoring.unit_table import COMPLETED, SATISFIED, UNIT, VISITED

RULE, FAULTS, TOTAL, NOW, POSITION, POINTS, UNCAPPED, PER_FAULT = "规则", "件数", "基数", "现状", "名次", "扣分", "未封顶扣分", "每件扣分"
ONE_FEWER, ONE_FEWER_POINTS = "少一件后", "少一件后扣分"
GOAL, FEWER, AFTER, AFTER_POINTS, FEWER_TO_ZERO, NOTE = "目标", "需减少件数", "达到后", "达到后扣分", "不扣分需减少件数", "说明"
RECOVERY_COLUMNS = ["类别", UNIT, RULE, FAULTS, TOTAL, NOW, POSITION, POINTS, UNCAPPED, PER_FAULT, ONE_FEWER,
                    ONE_FEWER_POINTS, GOAL, FEWER, AFTER, AFTER_POINTS, FEWER_TO_ZERO, NOTE]
#: Columns of 挽回 whose kind a spreadsheet cannot tell from the name (see io/workbook.infer_kind).
RECOVERY_KINDS = {NOW: "rate", ONE_FEWER: "rate", AFTER: "rate", POSITION: "count"}


@dataclass(frozen=True)
class RateCounts:
    """How the per-unit table counts a rate (docs/figures.md): ``faults`` of ``total`` lower it
    (``higher_is_better``) or raise it. Faults are a column, ``total`` less a column of good ones, or,
    where the table has no count, the fewest that give the rate shown."""

    total: str
    noun: str                         # one fault, for the 说明: 未按时办结, 不满意回访, 延期办结
    fault_column: str | None = None
    good_column: str | None = None
    higher_is_better: bool = True
    step: str = "0.01"                # as the table shows the rate
    empty: Decimal = HUNDRED          # the rate when nothing was counted
    rate_column: str = ""             # the rate itself, to infer faults from when no column counts them

    def rate(self, faults: int, total: int) -> Decimal:
        """The rate as the table would show it with ``faults`` of ``total``."""
        return ratio_percent(total - faults if self.higher_is_better else faults, total, self.step, empty=self.empty)

    def faults(self, unit: pd.Series) -> tuple[int | None, str]:
        """The unit's faults (None when the table cannot tell), and how they were found: "counted",
        "inferred" (the only count that gives the rate shown) or "at least" (the fewest of several)."""
        total = unit.get(self.total)
        if total is None or pd.isna(total):
            return None, "counted"
        if self.fault_column is not None:
            return (int(unit[self.fault_column]) if self.fault_column in unit.index else None), "counted"
        if self.good_column is not None:
            return (int(total) - int(unit[self.good_column]) if self.good_column in unit.index else None), "counted"
        shown = unit.get(self.rate_column)
        matches = [f for f in range(int(total) + 1) if self.rate(f, int(total)) == shown]
        if not matches:
            return None, "counted"
        return matches[0], "inferred" if len(matches) == 1 else "at least"


#: The rates of the platform's per-unit table that a rule may score, keyed by column.
RATE_COUNTS = {
    "按时办结率": RateCounts(COMPLETED, "未按时办结", fault_column="未按时办结数"),
    "回访满意度": RateCounts(VISITED, "不满意回访", good_column=SATISFIED),
    "延期办理率": RateCounts(COMPLETED, "延期办结", higher_is_better=False, step="1", empty=Decimal(0),
                          rate_column="延期办理率"),
}


def points_table(scored: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """汇总: one row per unit in published order: 类别, 部门名称, the points each rule took (Decimal, 0
    where none, one column per rule label), 总分 and 排名. ``scored`` is ``score_units``' output."""
    ordered = published_order(scored, rules)
    table = ordered[[rules.kind_column, UNIT]].copy()
    if not uses_deductions_only(rules):   # any other scheme: score_table's columns, <key>得分 / 扣分 / 加分
        for column in item_columns(rules).values():
            table[column] = ordered[column]
    for label in rules.deductions if uses_deductions_only(rules) else ():
        table[label] = ordered[deduction_column(label)]
    table[SCORE] = ordered[SCORE]
    table[RANK] = ordered[RANK]
    return table.reset_index(drop=True)


def points_lost(points: pd.DataFrame, rules: Rules) -> pd.Series:
    """Per row of ``points_table``: the points every rule took together (Decimal)."""
    return points[list(rules.deductions)].apply(lambda row: sum(row, Decimal(0)), axis=1)


def points_if(scored: pd.DataFrame, rule, index, rate: Decimal, cap: bool = True) -> Decimal:
    """The points ``rule`` would take from the unit at ``index`` if its rate were ``rate``, every
    other unit as it is (score.py's arithmetic; without the cap when ``cap`` is False)."""
    column = scored[rule.column].copy()
    column.loc[index] = rate
    applied = rule if cap else rule.model_copy(update={"cap": None})
    return deduction_points(column.to_frame(), applied).loc[index]


def position_if(scored: pd.DataFrame, rule: RankBelow, index, rate: Decimal) -> int:
    """The unit's place in a ranking rule's list (1 = best, 0 = not in the list) if its rate were ``rate``."""
    column = scored[rule.column].copy()
    column.loc[index] = rate
    below = column < rule.target
    return int(competition_rank(column[below], ascending=False).loc[index]) if below[index] else 0


def fewest(faults: int, good: Callable[[int], bool]) -> int | None:
    """The fewest faults to take away (1..``faults``) so that ``good(faults left)`` holds; None if even
    none left is not good. ``good`` must hold for every count below one where it holds (true of a rate
    rule's points and places: fewer faults never lose more)."""
    if faults < 1 or not good(0):
        return None
    low, high = 1, faults
    while low < high:
        middle = (low + high) // 2
        if good(faults - middle):
            high = middle
        else:
            low = middle + 1
    return low


def recovery(scored: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """挽回: one row per unit and rate rule that took points, in published order, then rules order
    (columns ``RECOVERY_COLUMNS``, layout in docs/scoring.md)."""
    ordered = published_order(scored, rules)
    ordered.attrs["full"] = {key: item.full for key, item in rules.items.items()}
    rows = []
    for index in ordered.index:
        for label, rule in rules.deductions.items():
            if isinstance(rule, PerCount) or ordered.at[index, deduction_column(label)] == 0:
                continue
            rows.append(_recovery_row(ordered, rules, label, rule, index))
        rows += [_earned_row(ordered, rules, key, item, index) for key, item in rules.items.items()
                 if isinstance(item, RateItem) and _short_of_full(ordered, key, index)]
    table = pd.DataFrame(rows, columns=RECOVERY_COLUMNS)
    for column in [FAULTS, TOTAL, POSITION, FEWER, FEWER_TO_ZERO]:  # whole numbers, blank where none
        table[column] = table[column].astype("Int64")
    return table


def _recovery_row(scored: pd.DataFrame, rules: Rules, label: str, rule, index) -> dict:
    unit = scored.loc[index]
    now, points = unit[rule.column], scored.at[index, deduction_column(label)]
    row = dict.fromkeys(RECOVERY_COLUMNS)
    row.update({"类别": unit[rules.kind_column], UNIT: unit[UNIT], RULE: label, NOW: now, POINTS: points,
                UNCAPPED: points_if(scored, rule, index, now, cap=False)})
    if isinstance(rule, RankBelow):
        row[POSITION] = position_if(scored, rule, index, now)
    counts = RATE_COUNTS.get(rule.column)
    faults, found = counts.faults(unit) if counts else (None, "counted")
    if faults is None:
        row[NOTE] = f"{label} {now}%，扣 {format_score(points)} 分；表中没有它的件数，无法推算少几件能挽回"
        return row
    total = int(unit[counts.total])
    row.update({FAULTS: faults, TOTAL: total})

    def rate(left: int) -> Decimal:
        return counts.rate(left, total)

    @cache   # the searches below ask for the same counts again: each what-if is computed once
    def lost(left: int) -> Decimal:
        return points_if(scored, rule, index, rate(left))

    if hasattr(rule, "points_per_point") and total:
        row[PER_FAULT] = (rule.points_per_point * HUNDRED / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if faults >= 1:
        row[ONE_FEWER], row[ONE_FEWER_POINTS] = rate(faults - 1), lost(faults - 1)
    goal, good = _goal(scored, rule, index, row)
    row[GOAL] = goal
    row[FEWER] = fewest(faults, lambda left: good(rate(left), lost(left)))
    if row[FEWER] is not None:
        row[AFTER], row[AFTER_POINTS] = rate(faults - row[FEWER]), lost(faults - row[FEWER])
    row[FEWER_TO_ZERO] = fewest(faults, lambda left: lost(left) == 0)
    listed = int((scored[rule.column] < rule.target).sum()) if isinstance(rule, RankBelow) else 0
    row[NOTE] = _note(label, rule, counts, row, found, listed)
    return row


def rate_counts(rules: Rules, column: str) -> RateCounts | None:
    """How the table counts the rate ``column``: the platform's rates (RATE_COUNTS), or an indicator of the
    rules that is one count over another (满意率 = 回访满意数 / 回访工单总数) or the denominator less a
    count of faults (及时签收率 = (签收总数 - 未按时签收数) / 签收总数); None: not countable."""
    if column in RATE_COUNTS:
        return RATE_COUNTS[column]
    indicator = rules.indicators.get(column)
    if indicator is None:
        return None
    weights = indicator.weights
    faults = [c for c, w in weights.items() if w == -1 and c != indicator.denominator]
    if weights.get(indicator.denominator) == 1 and len(weights) == 2 and faults:
        return RateCounts(indicator.denominator, faults[0].removesuffix("数"), fault_column=faults[0])
    if len(weights) == 1 and next(iter(weights.values())) == 1:
        good = next(iter(weights))
        known = [c for c in RATE_COUNTS.values() if c.good_column == good and c.total == indicator.denominator]
        return known[0] if known else RateCounts(indicator.denominator, f"非{good.removesuffix('数')}", good_column=good)
    return None


def _short_of_full(scored: pd.DataFrame, key: str, index) -> bool:
    points = scored.at[index, earned_column(key)]
    return points is not None and not pd.isna(points) and Decimal(str(points)) < scored_item_full(scored, key, index)


def scored_item_full(scored: pd.DataFrame, key: str, index) -> Decimal:
    return scored.attrs.get("full", {}).get(key, Decimal(0))


def _earned_row(scored: pd.DataFrame, rules: Rules, key: str, item: RateItem, index) -> dict:
    """挽回 of an item that earns points on a rate: how many fewer faults bring it to full marks (扣分:
    the points short of them)."""
    unit, column = scored.loc[index], item_column(key, item)
    now, earned = unit[column], Decimal(str(scored.at[index, earned_column(key)]))
    row = dict.fromkeys(RECOVERY_COLUMNS)
    row.update({"类别": unit["类别"], UNIT: unit[UNIT], RULE: key, NOW: now, POINTS: item.full - earned,
                UNCAPPED: item.full - earned, GOAL: "满分"})
    counts = rate_counts(rules, column)
    faults = counts.faults(unit)[0] if counts else None
    if faults is None:
        row[NOTE] = f"{key} {_percent(now)}，得 {format_score(earned)} 分（满分 {format_score(item.full)} 分）；表中没有它的件数，无法推算少几件能得满分"
        return row
    total = int(unit[counts.total])
    row.update({FAULTS: faults, TOTAL: total})

    def short(left: int) -> Decimal:
        return item.full - half_up(rate_points(counts.rate(left, total), item), rules.rounding.item)

    if total:
        row[PER_FAULT] = (item.points_per_point * HUNDRED / total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if faults >= 1:
        row[ONE_FEWER], row[ONE_FEWER_POINTS] = counts.rate(faults - 1, total), short(faults - 1)
    row[FEWER] = row[FEWER_TO_ZERO] = fewest(faults, lambda left: short(left) == 0)
    if row[FEWER] is not None:
        row[AFTER], row[AFTER_POINTS] = counts.rate(faults - row[FEWER], total), Decimal(0)
    parts = [f"{key} {_percent(now)}（{counts.noun} {faults} 件 / {total} 件）",
             f"得 {format_score(earned)} 分，满分 {format_score(item.full)} 分"]
    if row[FEWER] is not None:
        parts.append(f"少 {row[FEWER]} 件得满分：{_percent(row[AFTER])}")
    elif faults:
        parts.append("件数减到 0 也得不到满分")
    row[NOTE] = "；".join(parts)
    return row


def _goal(scored, rule, index, row) -> tuple[str, Callable[[Decimal, Decimal], bool]]:
    """The next step that changes the points: under the cap, up one place in a ranking, or no points."""
    if isinstance(rule, RankBelow) and row[POSITION] > 1:
        position = row[POSITION]
        return "名次前移", lambda rate, points: position_if(scored, rule, index, rate) < position
    if isinstance(rule, RankBelow):
        return "退出扣分名单", lambda rate, points: points == 0
    if rule.cap is not None and row[UNCAPPED] > rule.cap:
        return "降到封顶以下", lambda rate, points: points < rule.cap
    return "不扣分", lambda rate, points: points == 0


def _percent(rate: Decimal) -> str:
    return format_percent(rate)


def _note(label: str, rule, counts: RateCounts, row: dict, found: str, listed: int) -> str:
    """One sentence a unit can act on, from the row's figures."""
    faults = f"至少 {row[FAULTS]}" if found == "at least" else f"{row[FAULTS]}"
    source = "，由比率推算" if found != "counted" else ""
    parts = [f"{label} {_percent(row[NOW])}（{counts.noun} {faults} 件 / {row[TOTAL]} 件{source}）"]
    counted = counts.rate(row[FAULTS], row[TOTAL])
    if counted != row[NOW]:  # a table whose rate and counts disagree: the what-ifs follow the counts
        parts.append(f"表中比率与件数不符，按件数为 {_percent(counted)}，以下按件数推算")
    if isinstance(rule, RankBelow):
        parts.append(f"低于 {format_score(rule.target)}% 的 {listed} 个单位中排第 {row[POSITION]} 名，扣 {format_score(row[POINTS])} 分")
    elif row[UNCAPPED] != row[POINTS]:
        parts.append(f"扣 {format_score(row[POINTS])} 分（已封顶，未封顶为 {format_score(row[UNCAPPED])} 分）")
    else:
        parts.append(f"扣 {format_score(row[POINTS])} 分")
    if row[PER_FAULT] is not None:
        parts.append(f"每件约 {format_score(row[PER_FAULT])} 分")
    if row[ONE_FEWER] is not None:
        reached = f"（{row[GOAL]}）" if row[FEWER] == 1 and row[ONE_FEWER_POINTS] != 0 else ""
        parts.append(f"少 1 件：{_percent(row[ONE_FEWER])}，扣 {format_score(row[ONE_FEWER_POINTS])} 分{reached}")
    if row[FEWER] is not None and row[FEWER] > 1:
        parts.append(f"少 {row[FEWER]} 件{row[GOAL]}：{_percent(row[AFTER])}，扣 {format_score(row[AFTER_POINTS])} 分")
    if row[FEWER_TO_ZERO] is not None and row[FEWER_TO_ZERO] != row[FEWER]:
        parts.append(f"少 {row[FEWER_TO_ZERO]} 件不再扣分")
    return "；".join(parts)


def workbook_kinds(rules: Rules) -> dict[str, str]:
    """Column kinds for the workbook that names cannot tell: the rule columns of 汇总 hold points
    (按时办结率 there is points, not a rate), 现状/少一件后/达到后 of 挽回 are rates, and 总分 shows as
    published (70, 69.9: General, not 70.00)."""
    return {**{label: "points" for label in rules.deductions}, **{c: "points" for c in item_columns(rules).values()},
            **RECOVERY_KINDS, SCORE: "number"}


def breakdown_sheets(scored: pd.DataFrame, rules: Rules) -> dict[str, pd.DataFrame]:
    """The sheets of ``hotline score --workbook`` from a per-unit table: 汇总 and 挽回 (no 明细: that
    needs the orders behind each count)."""
    return {"汇总": points_table(scored, rules), "挽回": recovery(scored, rules)}
