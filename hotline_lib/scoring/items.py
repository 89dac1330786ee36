"""Items that EARN points (连云港's kind of scheme) and bonuses, as a rules file states them, and the
points each gives a unit.

An item's output column is ``<key>得分`` (a bonus's ``<key>加分``); a deduction keeps ``<key>扣分``
(score.py). Points are Decimal; the rate an item reads is a percentage (98.5 for 98.5%), already
rounded as the rules say (``rounding.rate``) before it is scored.

Kinds:

- ``rate``: ``full`` points at ``target`` or better; ``points_per_point`` fewer for each percentage
  point short of it (``better: lower``: for each point over it); ``fixed`` of the full points are given
  whatever the rate; never below ``floor`` (default: ``fixed``), never above ``cap`` (default: ``full``).
  连云港's 按时办结率: full 20, target 95, 1 a point: 89.82% -> 20 - 5.18 = 14.82.
- ``manual``: judged by hand (答复规范): the month's hand-judged file, else a table column named by
  the key, else ``default`` (default: full marks).
- ``weighted``: ``full`` x (sum of weight x rate) / (100 x ``weights_sum``): a weighted index of rates
  (三率, 效能指数); the weights must add up to the ``weights_sum`` the file declares.
- bonuses (``bonuses:``, kind ``per_count``): ``points`` for each counted unit of ``column``, at most ``cap``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, Union

import pandas as pd
from pydantic import Field

from hotline_lib.scoring.parts import ZERO, NonNegative, Percent, Strict

HUNDRED = Decimal(100)


class RateItem(Strict):
    """Points earned on a rate (see the module docstring)."""

    kind: Literal["rate"]
    column: str | None = None          # default: the item's key
    title: str | None = None
    full: NonNegative
    target: Percent = HUNDRED
    points_per_point: NonNegative
    better: Literal["higher", "lower"] = "higher"
    fixed: NonNegative = ZERO
    floor: NonNegative | None = None
    cap: NonNegative | None = None


class ManualItem(Strict):
    """Points judged by hand; ``default`` (default: ``full``) when nobody gave a value."""

    kind: Literal["manual"]
    title: str | None = None
    full: NonNegative
    default: NonNegative | None = None
    note: str | None = None            # what the judge looks at, for describe_rules


class WeightedItem(Strict):
    """A weighted index of rates (columns or indicators), scaled to ``full`` points."""

    kind: Literal["weighted"]
    title: str | None = None
    full: NonNegative
    weights: dict[str, Decimal] = Field(min_length=1)
    weights_sum: Decimal


class Bonus(Strict):
    """Bonus points: ``points`` for each one counted in ``column``, at most ``cap``."""

    kind: Literal["per_count"]
    column: str
    title: str | None = None
    points: NonNegative
    cap: NonNegative | None = None


Item = Annotated[Union[RateItem, ManualItem, WeightedItem], Field(discriminator="kind")]
ITEM_KINDS = ("rate", "manual", "weighted")
BONUS_KINDS = ("per_count",)


def earned_column(key: str) -> str:
    """The output column of an earning item: 及时签收率 -> 及时签收率得分."""
    return f"{key}得分"


def bonus_column(key: str) -> str:
    return f"{key}加分"


def item_column(key: str, item: RateItem) -> str:
    """The rate a rate item reads: its ``column``, else its key (连云港 keys items by their column)."""
    return item.column or key


def item_rates(items: dict) -> list[str]:
    """The rates the earning items read (a rate item's column, a weighted sum's parts), in the rules' order."""
    rates = []
    for key, item in items.items():
        if isinstance(item, RateItem):
            rates.append(item_column(key, item))
        elif isinstance(item, WeightedItem):
            rates += list(item.weights)
    return list(dict.fromkeys(rates))


def rate_points(rate: Decimal | None, item: RateItem) -> Decimal:
    """A rate item's points for one rate (None: no rate, as for a unit with nothing due: full points)."""
    if rate is None:
        return item.full
    short = item.target - rate if item.better == "higher" else rate - item.target
    points = item.full - item.points_per_point * max(short, ZERO)
    floor = item.fixed if item.floor is None else item.floor
    cap = item.full if item.cap is None else item.cap
    return max(min(points, cap), floor)


def weighted_points(rates: dict[str, Decimal | None], item: WeightedItem) -> Decimal:
    """full x sum(weight x rate) / (100 x weights_sum); a missing rate counts as 100%."""
    total = sum((weight * (HUNDRED if rates[name] is None else rates[name]) for name, weight in item.weights.items()), ZERO)
    return item.full * total / (HUNDRED * item.weights_sum)


def manual_default(item: ManualItem) -> Decimal:
    return item.full if item.default is None else item.default


def bonus_points(count, bonus: Bonus) -> Decimal:
    points = bonus.points * Decimal(int(count))
    return points if bonus.cap is None else min(points, bonus.cap)


def item_points(table: pd.DataFrame, key: str, item, manual: dict[str, Decimal] | None = None) -> pd.Series:
    """Points ``item`` gives each unit of ``table`` (Decimals aligned with it). ``manual``: unit -> value
    from the month's hand-judged file (manual items only)."""
    if isinstance(item, RateItem):
        return table[item_column(key, item)].map(lambda rate: rate_points(_rate(rate), item)).astype(object)
    if isinstance(item, WeightedItem):
        return table.apply(lambda row: weighted_points({n: _rate(row[n]) for n in item.weights}, item), axis=1).astype(object)
    if isinstance(item, ManualItem):
        given = [_rate(v) for v in table[key]] if key in table.columns else [None] * len(table)
        values = [manual[unit] if manual and unit in manual else value if value is not None else manual_default(item)
                  for unit, value in zip(table["部门名称"], given)]
        return pd.Series(values, index=table.index, dtype=object)
    if isinstance(item, Bonus):
        return table[item.column].map(lambda count: bonus_points(count, item)).astype(object)
    raise TypeError(f"unknown item {item!r}")  # pragma: no cover - the rules model admits no other kind


def _rate(value) -> Decimal | None:
    """A table cell as a Decimal, None where empty (no rate: nothing was due)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))
