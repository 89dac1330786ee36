"""Groups: the lists a scheme ranks apart, each with its own units, full marks and items.

A unit belongs to the first group that lists it by name (``units``); else to the first whose ``kinds``
(values of the table's 类别 column) hold its 类别 and whose ``volume`` band holds its volume (a group
without ``kinds`` takes every 类别; without ``volume``, every volume). 连云港: 县 / 区 / 市直部门 by
类别; 杭州: by the month's volume (300 and more, 80-299, 20-79).

A rules file without ``groups`` (芙蓉区's) has one group per value of ``kinds``, full marks ``base``.
``min_volume``: units with fewer (签收总数 by default) are scored but not ranked (不参评), nor graded,
nor on the 红黑榜.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from hotline_lib.scoring.columns import SIGNED, UNIT
from hotline_lib.scoring.parts import NonNegative, Strict


class Volume(Strict):
    """A band of volume: ``min`` <= the unit's ``column`` <= ``max`` (either may be left out)."""

    column: str = SIGNED
    min: int | None = None
    max: int | None = None

    def holds(self, value) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


class Group(Strict):
    """One ranked list; ``items``: the keys of the items, deductions and bonuses it is scored on (default: all)."""

    title: str | None = None
    full_marks: NonNegative | None = None
    base: NonNegative | None = None
    kinds: list[str] | None = None
    units: list[str] | None = None
    volume: Volume | None = None
    items: list[str] | None = None


class MinVolume(Strict):
    """Units with fewer than ``min`` in ``column`` are listed as ``label``, unranked."""

    column: str = SIGNED
    min: int
    label: str = "不参评"


@dataclass(frozen=True)
class GroupInfo:
    """What the bulletin says of a group: its name, full marks, base, item keys and units (table order)."""

    name: str
    full_marks: Decimal
    base: Decimal
    items: tuple[str, ...]
    units: tuple[str, ...] = ()


def group_of(row, kind_column: str, groups: dict[str, Group]) -> str | None:
    """The group a unit (a row of the table: 部门名称, 类别, volumes) belongs to; None: no group takes it."""
    for name, group in groups.items():
        if group.units and row[UNIT] in group.units:
            return name
    for name, group in groups.items():
        if group.kinds is None and group.units:
            continue   # a group of listed units only
        if group.kinds is not None and row.get(kind_column) not in group.kinds:
            continue
        if group.volume is not None and not group.volume.holds(row[group.volume.column]):
            continue
        return name
    return None


def assign_groups(table: pd.DataFrame, groups: dict[str, Group], kind_column: str) -> pd.Series:
    """Each row's group name (None where no group takes it)."""
    return pd.Series([group_of(row, kind_column, groups) for row in table.to_dict("records")], index=table.index,
                     dtype=object)


def unknown_units(groups: dict[str, Group], known) -> list[tuple[str, str]]:
    """(group, unit) for every unit a group lists by name that ``known`` (the table's or the unit
    directory's names) does not hold."""
    known = set(known)
    return [(name, unit) for name, group in groups.items() for unit in group.units or [] if unit not in known]
