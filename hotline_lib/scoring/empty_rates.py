"""A blank rate for a unit with nothing to count: what the rules say it gets, instead of an error.

A platform leaves a rate blank where its base is 0 (no order completed: no 按时办结率; no visit: no
回访满意度). Such a unit has no fault to count, and the bulletin computes its rate the platform's way
(figures/counts.py, the published appendix's convention): 100% on time and satisfied, 0% extended or
repeated. A rules file says otherwise with an indicator of the same key: its ``denominator`` is the
base and its ``empty`` (``full``, ``zero``, ``not_rated``) what the unit gets. A blank where the base
is not 0, or not in the table, stays an error: the rate is then unknown, not empty.
"""

from __future__ import annotations

from decimal import Decimal

from hotline_lib.scoring.columns import COMPLETED, SIGNED, VISITED
from hotline_lib.scoring.indicators import EMPTY_VALUES

#: Each rate of the unit table: the count it is taken over, and what a unit with none of it gets.
RATE_BASES = {"按时办结率": (COMPLETED, "full"), "回访满意度": (VISITED, "full"),
              "延期办理率": (COMPLETED, "zero"), "重复交办率": (SIGNED, "zero")}


def rate_base(column: str, rules) -> tuple[str, str] | None:
    """(base count column, ``empty``) of the rate ``column``: the rules' indicator of that key, else the
    table's own convention; None for a rate with no known base."""
    indicator = rules.indicators.get(column)
    if indicator is not None:
        return indicator.denominator, indicator.empty
    return RATE_BASES.get(column)


def nothing_to_count(column: str, row, rules) -> bool:
    """True when the rate ``column`` of ``row`` (a mapping of the unit's parsed cells) has a base of 0."""
    base = rate_base(column, rules)
    if base is None:
        return False
    count = row.get(base[0]) if hasattr(row, "get") else None
    return count is not None and not (isinstance(count, float) and count != count) and int(count) == 0


def empty_rate(column: str, rules) -> Decimal | None:
    """What a unit with nothing to count gets for ``column`` (None: not rated)."""
    return EMPTY_VALUES[rate_base(column, rules)[1]]
