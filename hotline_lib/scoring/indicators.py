"""Indicators: rates a rules file defines over the unit table's columns, in percent.

``numerator`` is one column or a weighted sum of columns: 北京's 满意率 counts a 基本满意 visit as 0.9,
(满意 + 0.9 x 基本满意) / 回访, which over the table's columns (回访满意数 counts both) is
``{回访满意数: 1, 基本满意数: -0.1}``. A rate is rounded half up to ``rounding.rate`` (default 0.01)
before any item scores it, as offices compute on the rate they publish.

A table that already has a column named by the indicator (a rate typed in, in percent) keeps it:
``hotline score`` takes 连云港's 及时签收率 as given. ``empty`` says what a unit with nothing to count
(denominator 0) gets: ``full`` (100%, the platform's way), ``zero``, or ``not_rated`` (no rate; the unit
is listed 不参评).

A rate below 0 is taken as 0%: faults are counted on assignments, so a unit may have more of them than
orders signed (the published 2020-12 appendix: 征地事务中心, 1 signed, 2 signed late), and its
(签收总数 − 未按时签收数) ÷ 签收总数 is then no worse than none on time. A rate above 100% is a wrong table
(已联系数 above 回访工单总数) and stops the read (rules_input.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import pandas as pd

from hotline_lib.scoring.parts import ZERO, Strict, half_up

HUNDRED = Decimal(100)
#: What a unit with nothing to count (denominator 0) gets, by ``empty`` (None: no rate, not rated).
EMPTY_VALUES = {"full": HUNDRED, "zero": ZERO, "not_rated": None}


class Indicator(Strict):
    """A rate in percent: numerator / denominator x 100."""

    title: str | None = None
    numerator: str | dict[str, Decimal]
    denominator: str
    empty: Literal["full", "zero", "not_rated"] = "full"

    @property
    def weights(self) -> dict[str, Decimal]:
        """The numerator as column -> weight."""
        return {self.numerator: Decimal(1)} if isinstance(self.numerator, str) else dict(self.numerator)

    @property
    def columns(self) -> list[str]:
        return list(dict.fromkeys([*self.weights, self.denominator]))


def indicator_value(row, indicator: Indicator, step: Decimal | None) -> Decimal | None:
    """One unit's rate (None: nothing to count and ``empty: not_rated``)."""
    denominator = Decimal(int(row[indicator.denominator]))
    if denominator == 0:
        return EMPTY_VALUES[indicator.empty]
    numerator = sum((weight * Decimal(int(row[column])) for column, weight in indicator.weights.items()), ZERO)
    # never below 0%: the platform's counts can hold more late sign-ins than orders signed (a reassigned order)
    return max(half_up(numerator * HUNDRED / denominator, step), ZERO)


def add_indicators(table: pd.DataFrame, indicators: dict[str, Indicator], step: Decimal | None) -> pd.DataFrame:
    """``table`` with a column per indicator it lacks, computed from its counts; a rate given in the
    table is kept, rounded the same way."""
    table = table.copy()
    for key, indicator in indicators.items():
        if key in table.columns:
            table[key] = table[key].map(lambda v: None if v is None or pd.isna(v) else half_up(Decimal(str(v)), step))
        else:
            table[key] = pd.Series([indicator_value(row, indicator, step) for _, row in table.iterrows()],
                                   index=table.index, dtype=object)
    return table


def not_rated(table: pd.DataFrame, indicators: dict[str, Indicator]) -> pd.Series:
    """Units with no rate for an indicator whose ``empty`` is ``not_rated`` (after add_indicators)."""
    flags = pd.Series(False, index=table.index)
    for key, indicator in indicators.items():
        if indicator.empty == "not_rated":
            flags |= table[key].isna()
    return flags
