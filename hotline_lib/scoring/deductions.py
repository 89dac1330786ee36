"""The four kinds of deduction (芙蓉区's kind of scheme): the points each takes from each unit, exactly,
and the competition ranking every list uses. Rates are Decimal percentages as shown (two decimals)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from hotline_lib.scoring.rules import AboveThreshold, BelowTarget, PerCount, RankBelow

SCORE, RANK = "总分", "排名"


def deduction_column(label: str) -> str:
    """Name of the output column holding how many points one deduction took."""
    return f"{label}扣分"


def _capped(points: Decimal, cap: Decimal | None) -> Decimal:
    return min(points, cap) if cap is not None else points


def competition_rank(values: pd.Series, ascending: bool = False) -> pd.Series:
    """1, 1, 3: equal values share the best rank, the next rank skips."""
    return values.astype(float).rank(method="min", ascending=ascending).astype("int64")


def deduction_points(table: pd.DataFrame, rule) -> pd.Series:
    """Points one rule takes from each unit (a Series of Decimals, aligned with ``table``)."""
    column = table[rule.column]
    if isinstance(rule, PerCount):
        points = column.map(lambda n: _capped(rule.points * n, rule.cap))
    elif isinstance(rule, BelowTarget):
        points = column.map(lambda rate: _capped(rule.points_per_point * max(rule.target - rate, Decimal(0)), rule.cap))
    elif isinstance(rule, AboveThreshold):
        points = column.map(lambda rate: _capped(rule.points_per_point * max(rate - rule.threshold, Decimal(0)), rule.cap))
    elif isinstance(rule, RankBelow):
        below = column < rule.target
        ranks = pd.Series(0, index=table.index, dtype="int64")
        if below.any():
            ranks[below] = competition_rank(column[below], ascending=False)
        points = ranks.map(lambda k: _capped(rule.points_per_rank * k, rule.cap))
    else:  # pragma: no cover - the rules model admits no other kind
        raise TypeError(f"unknown rule {rule!r}")
    return points.astype(object)
