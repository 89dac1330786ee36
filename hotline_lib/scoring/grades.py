"""Grade bands (优秀/良好/达标/黄牌, or A/B/C/D) and the 红黑榜, over scored units.

``grades`` is a list tried in order; a unit gets the first band it meets: ``min`` points, or
``min_percent`` of its group's full marks, and, with ``last_in_group``, only if it is last in its group
(杭州's 黄牌: below 达标 and last). A band with no condition takes every unit left.

``red_list``: the best ``size`` units of each group (``within: group``) or of all units; ``black_list``:
the worst ``size`` (``within: all`` by default, 榆林's 黑榜). Ties at the edge are all included, so a list
may hold more than ``size``. Units of different groups are compared by their share of their group's full
marks. Units not ranked (不参评) are on neither list; a unit at its group's full marks, or on the
红榜, is never on the 黑榜 (table.py ``black_candidates``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

import pandas as pd
from pydantic import Field

from hotline_lib.scoring.parts import NonNegative, Percent, Strict

HUNDRED = Decimal(100)


class Grade(Strict):
    name: str
    min: NonNegative | None = None
    min_percent: Percent | None = None
    last_in_group: bool = False

    def threshold(self, full_marks: Decimal) -> Decimal | None:
        """The points this band asks for in a group of ``full_marks`` (None: no threshold)."""
        if self.min is not None:
            return self.min
        return None if self.min_percent is None else full_marks * self.min_percent / HUNDRED


class Board(Strict):
    size: Annotated[int, Field(ge=1)]
    within: Literal["group", "all"] = "group"


def grade_of(score: Decimal, full_marks: Decimal, last: bool, grades: list[Grade]) -> str | None:
    """The first band ``score`` meets (``last``: the unit is last in its group)."""
    for grade in grades:
        threshold = grade.threshold(full_marks)
        if (threshold is None or score >= threshold) and (not grade.last_in_group or last):
            return grade.name
    return None


def share(scores: pd.Series, full_marks: pd.Series) -> pd.Series:
    """Each score as a share of its group's full marks, for comparing across groups."""
    return pd.Series([float(s / f) if f else 0.0 for s, f in zip(scores, full_marks)], index=scores.index)


def on_board(values: pd.Series, groups: pd.Series, board: Board, best: bool) -> pd.Series:
    """True for the units in the top (``best``) or bottom ``board.size`` of ``values`` (NaN: not ranked),
    within each group or over all, ties at the edge included."""
    flags = pd.Series(False, index=values.index)
    keys = groups if board.within == "group" else pd.Series("", index=values.index)
    for _, members in values.groupby(keys, sort=False):
        ranked = members.dropna()
        if ranked.empty:
            continue
        place = ranked.rank(method="min", ascending=not best)
        flags[place[place <= board.size].index] = True
    return flags
