"""Scoring a unit table under any rules file: ``score_table`` is the one entry point.

    score_table(table, rules, manual=None) -> DataFrame, one row per unit:
      类别 (its group), 部门名称, one column per item in the rules' order (``<key>得分`` for an item that
      earns points, ``<key>扣分`` for a deduction, ``<key>加分`` for a bonus; blank where the unit's group
      is not scored on it), 总分, 排名 (competition ranking within the group; <NA>: not ranked),
      参评 (only when the rules can leave units unranked), 等级 (when ``grades``), 红榜 / 黑榜 (when
      ``red_list`` / ``black_list``; True or False).

``table`` holds 部门名称, the rules' ``kind_column`` (类别) where groups go by it, and the columns the
rules read: counts as ints, rates as Decimal percentages (an indicator the table has is taken as
given). ``manual``: item key -> {unit: points} from the month's hand-judged file (manual.py).

Stages, each rounded half up in Decimal as ``rounding`` says: indicators (``rate``), each item's
points (``item``), the total (``step``, never below ``floor``). Total = the group's base + points
earned + bonuses (at most ``bonus_cap`` together) - deductions.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from hotline_lib.core.errors import RulesError
from hotline_lib.core.i18n import Joined, names
from hotline_lib.scoring.columns import UNIT
from hotline_lib.scoring.grades import grade_of, on_board, share
from hotline_lib.scoring.groups import GroupInfo, assign_groups
from hotline_lib.scoring.indicators import add_indicators, not_rated
from hotline_lib.scoring.items import bonus_column, earned_column, item_points
from hotline_lib.scoring.parts import ZERO, half_up
from hotline_lib.scoring.rule_errors import check_group_units
from hotline_lib.scoring.rules import Rules
from hotline_lib.scoring.deductions import RANK, SCORE, competition_rank, deduction_column, deduction_points

KIND, RATED, GRADE, RED, BLACK = "类别", "参评", "等级", "红榜", "黑榜"


def item_columns(rules: Rules) -> dict[str, str]:
    """Item key -> its output column, in the order score_table writes them."""
    return {**{key: earned_column(key) for key in rules.items}, **{key: deduction_column(key) for key in rules.deductions},
            **{key: bonus_column(key) for key in rules.bonuses}}


def _points(table: pd.DataFrame, rules: Rules, key: str, members: pd.Series, manual) -> pd.Series:
    """Points of item ``key`` for the units of ``members`` (the rest: None)."""
    subset = table[members]
    if key in rules.items:
        points = item_points(subset, key, rules.items[key], (manual or {}).get(key))
    elif key in rules.deductions:
        points = deduction_points(subset, rules.deductions[key])
    else:
        points = item_points(subset, key, rules.bonuses[key])
    points = points.map(lambda p: half_up(p, rules.rounding.item))
    return points.reindex(table.index).astype(object).where(members, None)


def _groups_of(table: pd.DataFrame, rules: Rules) -> pd.Series:
    groups = assign_groups(table, rules.effective_groups(), rules.kind_column)
    lost = table.loc[groups.isna(), UNIT].tolist()
    if lost:
        raise RulesError("no group of the rules takes {units}: add them to a group's units, kinds or volume band",
                         units=names(lost))
    return groups


def _rated(table: pd.DataFrame, rules: Rules) -> pd.Series:
    """False for units the rules do not rank: under ``min_volume``, or with no rate where ``empty: not_rated``."""
    rated = ~not_rated(table, rules.indicators)
    if rules.min_volume is not None:
        rated &= table[rules.min_volume.column].map(lambda v: int(v) >= rules.min_volume.min)
    return rated


def _total(row_points: list, info: GroupInfo, rules: Rules) -> Decimal:
    earned = sum((p for k, p in row_points if k in rules.items and p is not None), ZERO)
    lost = sum((p for k, p in row_points if k in rules.deductions and p is not None), ZERO)
    bonus = sum((p for k, p in row_points if k in rules.bonuses and p is not None), ZERO)
    if rules.bonus_cap is not None:
        bonus = min(bonus, rules.bonus_cap)
    return max(half_up(info.base + earned + bonus - lost, rules.rounding.step), rules.rounding.floor)


def score_table(table: pd.DataFrame, rules: Rules, manual: dict[str, dict[str, Decimal]] | None = None) -> pd.DataFrame:
    """Every unit of ``table`` scored under ``rules`` (see the module docstring for the columns)."""
    problems = check_group_units(rules, table[UNIT])
    if problems:
        raise RulesError("rules: {problems}", problems=Joined(problems))
    table = add_indicators(table.reset_index(drop=True), rules.indicators, rules.rounding.rate)
    groups = _groups_of(table, rules)
    infos = {info.name: info for info in rules.group_list()}
    columns = item_columns(rules)
    out = pd.DataFrame({KIND: groups, UNIT: table[UNIT]})
    for key, column in columns.items():
        members = groups.map(lambda g: key in infos[g].items)
        out[column] = _points(table, rules, key, members, manual)
    out[SCORE] = [_total([(k, out.at[i, c]) for k, c in columns.items()], infos[groups[i]], rules) for i in out.index]
    rated = _rated(table, rules)
    ranked = out[SCORE].astype(float).where(rated)
    out[RANK] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    for _, members in ranked.dropna().groupby(groups[rated], sort=False):
        out.loc[members.index, RANK] = competition_rank(members).astype("Int64")
    if rules.min_volume is not None or any(i.empty == "not_rated" for i in rules.indicators.values()):
        out[RATED] = rated
    full = groups.map(lambda g: infos[g].full_marks)
    if rules.grades:
        last = out[RANK] == out.groupby(KIND)[RANK].transform("max")
        out[GRADE] = pd.Series([grade_of(s, f, bool(l), rules.grades) if r else None
                                for s, f, l, r in zip(out[SCORE], full, last.fillna(False), rated)], index=out.index, dtype=object)
    shares = share(out[SCORE], full).where(rated)
    if rules.red_list is not None:
        out[RED] = on_board(shares, groups, rules.red_list, best=True)
    if rules.black_list is not None:
        out[BLACK] = on_board(shares.where(black_candidates(out, full)), groups, rules.black_list, best=False)
    order = {name: i for i, name in enumerate(infos)}
    keys = out.assign(_g=groups.map(order), _r=out[RANK].astype("Float64").fillna(float("inf")), _s=-out[SCORE].astype(float))
    return out.loc[keys.sort_values(["_g", "_r", "_s"], kind="stable").index].reset_index(drop=True)


def black_candidates(out: pd.DataFrame, full: pd.Series) -> pd.Series:
    """Who may be on the 黑榜: a unit that lost points (below its group's full marks) and is not on the
    红榜; a small group, or one where all tie, would otherwise name units that lost nothing."""
    lost = pd.Series([score < marks for score, marks in zip(out[SCORE], full)], index=out.index)
    return lost & ~out[RED].astype(bool) if RED in out.columns else lost


def group_list(rules: Rules, scored: pd.DataFrame | None = None) -> list[GroupInfo]:
    """The rules' groups (name, full marks, base, item keys), with their units when ``scored``
    (score_table's output) is given, in its order."""
    infos = rules.group_list()
    if scored is None:
        return infos
    return [GroupInfo(i.name, i.full_marks, i.base, i.items, tuple(scored.loc[scored[KIND] == i.name, UNIT])) for i in infos]


def red_list(scored: pd.DataFrame) -> pd.DataFrame:
    """The 红榜 of score_table's output: its units, best first within each group (empty without one)."""
    return scored[scored[RED]].reset_index(drop=True) if RED in scored.columns else scored.iloc[0:0]


def black_list(scored: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The 黑榜: its units, worst first (within each group, groups in the rules' order, when the list is
    drawn per group; else over all, by share of the group's full marks). Empty without one."""
    if BLACK not in scored.columns:
        return scored.iloc[0:0]
    infos = rules.group_list()
    full, order = {i.name: i.full_marks for i in infos}, {i.name: n for n, i in enumerate(infos)}
    chosen = scored[scored[BLACK]]
    keys = pd.DataFrame({"_s": share(chosen[SCORE], chosen[KIND].map(full)),
                         "_g": chosen[KIND].map(order) if rules.black_list.within == "group" else 0})
    return chosen.loc[keys.sort_values(["_g", "_s"], kind="stable").index].reset_index(drop=True)
