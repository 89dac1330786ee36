"""The district's assessment of its member units: deductions from a base score, exactly.

Every function takes and returns DataFrames; rates are Decimal percentages as shown (two decimals),
so that rounding decides a score the way it does on paper.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from hotline_lib.scoring.deductions import RANK, SCORE, competition_rank, deduction_column, deduction_points  # noqa: F401
from hotline_lib.scoring.rules import Rules
from hotline_lib.scoring.table import score_table
from hotline_lib.scoring.unit_table import UNIT


def final_score(lost: Decimal, rules: Rules) -> Decimal:
    """The base less every point lost, rounded half up to ``rounding.step`` and never below ``rounding.floor``."""
    return max((rules.base - lost).quantize(rules.rounding.step, rounding=ROUND_HALF_UP), rules.rounding.floor)


def uses_deductions_only(rules: Rules) -> bool:
    """True for a scheme of 芙蓉区's kind: a base less deductions, ranked within each kind (no item
    that earns, no bonus, group, indicator, grade or list)."""
    return not (rules.items or rules.bonuses or rules.groups or rules.indicators or rules.grades
                or rules.red_list or rules.black_list or rules.min_volume)


def score_units(table: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """``table`` with one column per deduction, then 总分 and 排名 (competition ranking within each kind).
    Any other scheme: ``table`` with the columns of table.score_table (its 类别 is the unit's group)."""
    if not uses_deductions_only(rules):
        scored = score_table(table, rules).set_index(UNIT)
        kept = table.drop(columns=[c for c in scored.columns if c in table.columns])
        return kept.join(scored, on=UNIT)[[*table.columns, *[c for c in scored.columns if c not in table.columns]]]
    scored = table.copy()
    total = pd.Series([Decimal(0)] * len(table), index=table.index, dtype=object)
    for label, rule in rules.deductions.items():
        points = deduction_points(table, rule)
        scored[deduction_column(label)] = points
        total = total + points
    scored[SCORE] = [final_score(lost, rules) for lost in total]
    scored[RANK] = scored.groupby(rules.kind_column, sort=False)[SCORE].transform(competition_rank).astype("int64")
    return scored


def published_order(scored: pd.DataFrame, rules: Rules, satisfaction: str = "回访满意度", signed: str = "签收总数") -> pd.DataFrame:
    """Rows as the bulletin lists them: by kind, then 总分, 回访满意度 and 签收总数, all descending.
    Any other scheme: by group in the rules' order, then 排名 (unranked units last), then the same."""
    if not uses_deductions_only(rules):
        return _group_order(scored, rules, satisfaction, signed)
    kind_order = {kind: i for i, kind in enumerate(rules.kinds)}
    keys = scored.assign(_kind=scored[rules.kind_column].map(kind_order),
                         _score=scored[SCORE].astype(float), _sat=scored[satisfaction].astype(float))
    keys = keys.sort_values(["_kind", "_score", "_sat", signed, UNIT], ascending=[True, False, False, False, True], kind="stable")
    return scored.loc[keys.index]


def _group_order(scored: pd.DataFrame, rules: Rules, satisfaction: str, signed: str) -> pd.DataFrame:
    order = {info.name: i for i, info in enumerate(rules.group_list())}
    keys = pd.DataFrame({"_g": scored["类别"].map(order), "_r": scored[RANK].astype("Float64").fillna(float("inf")),
                         "_s": scored[SCORE].astype(float), "_n": scored[UNIT]}, index=scored.index)
    sort, ascending = ["_g", "_r", "_s"], [True, True, False]
    for name, column in (("_sat", satisfaction), ("_v", signed)):
        if column in scored.columns:
            keys[name] = scored[column].astype(float)
            sort.append(name)
            ascending.append(False)
    keys = keys.sort_values([*sort, "_n"], ascending=[*ascending, True], kind="stable")
    return scored.loc[keys.index]


def compare_with_published(scored: pd.DataFrame, published: pd.DataFrame) -> list[str]:
    """One line per unit whose computed 总分 or 排名 differs from the published ones (matched by name)."""
    published = published.set_index(UNIT)
    problems = []
    for unit, score, rank in zip(scored[UNIT], scored[SCORE], scored[RANK]):
        want_score, want_rank = published.at[unit, SCORE], published.at[unit, RANK]
        if score != want_score or rank != want_rank:
            problems.append(f"{unit}: 总分 {want_score} published, {score} computed; 排名 {want_rank} published, {rank} computed")
    return problems
