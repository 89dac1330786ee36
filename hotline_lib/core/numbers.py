"""Exact arithmetic for what the bulletin shows: rates as "99.10%", scores to 0.1, Chinese numerals."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from hotline_lib.core.i18n import Message

HUNDRED = Decimal(100)
TWO_PLACES = Decimal("0.01")


def to_decimal(value) -> Decimal:
    """A Decimal from an int, a float (through its shortest repr) or a numeric string."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError(Message("missing value"))
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(Message("not a number: {value!r}", value=value)) from None


def round_half_up(value: Decimal, step: str | Decimal = "0.01") -> Decimal:
    """Round as people do on paper (2.675 -> 2.68), not as floats do."""
    return to_decimal(value).quantize(Decimal(step), rounding=ROUND_HALF_UP)


def ratio_percent(numerator: int, denominator: int, step: str = "0.01", empty: Decimal = HUNDRED) -> Decimal:
    """numerator/denominator in percent rounded half up; ``empty`` when the denominator is 0."""
    if denominator == 0:
        return round_half_up(empty, step)
    return round_half_up(Decimal(int(numerator)) * HUNDRED / Decimal(int(denominator)), step)


def format_percent(value: Decimal | float) -> str:
    """A rate in percent as the bulletin prints it: two decimals and a % sign ("99.10%")."""
    return f"{round_half_up(to_decimal(value), TWO_PLACES)}%"


def format_points(value: Decimal | float) -> str:
    """A change of a rate in 百分点, two decimals like the rates themselves ("-0.10"; 99.20% → 99.10%)."""
    return f"{round_half_up(to_decimal(value), TWO_PLACES) + 0}"   # + 0: never "-0.00"


def format_score(value: Decimal) -> str:
    """A score as published: 70, 69.9, 69 (no trailing .0)."""
    value = to_decimal(value)
    text = f"{value.normalize():f}"
    return text


def parse_rate(text, *, fractions: bool) -> Decimal:
    """A rate in percent from "99.10%", 0.991 (when ``fractions``) or 99.1; two decimals, half up.

    Whether a bare number is a fraction or already in percent is decided per column (``rate_reader``,
    which readers use): 1 alone could mean 1% or 100%.
    """
    raw = str(text).strip().replace("％", "%")
    if raw.endswith("%"):
        number = to_decimal(raw[:-1])
    else:
        number = to_decimal(raw)
        if fractions:
            number *= HUNDRED
    return round_half_up(number, TWO_PLACES)


def column_holds_fractions(values) -> bool:
    """True when a rate column's bare numbers are fractions (all of them between 0 and 1)."""
    bare = []
    for value in values:
        raw = str(value).strip()
        if raw and not raw.endswith(("%", "％")):
            try:
                bare.append(to_decimal(raw))
            except ValueError:
                continue
    return bool(bare) and all(Decimal(0) <= number <= 1 for number in bare)


def rate_reader(values) -> Callable[[object], Decimal]:
    """How to read each rate of one column in percent (the unit table's rate columns, the city
    ranking's 满意度): "99.10%" and 99.1 as they are, and bare numbers as fractions (0.991 -> 99.10)
    when every bare number of the column lies between 0 and 1, as an Excel percentage cell stores
    them. The column decides, not the cell: 1 alone could mean 1% or 100%. Every reader of a rate
    uses this, so that one file reads the same wherever it is read. The returned function raises
    ValueError (its Message says why) for a cell that is no rate or lies outside 0% to 100%."""
    fractions = column_holds_fractions(values)

    def read(text) -> Decimal:
        try:
            rate = parse_rate(text, fractions=fractions)
        except ValueError:
            raise ValueError(Message("not a rate: {text!r} (expected like 99.10%, 0.991 or 99.1)", text=text)) from None
        if not Decimal(0) <= rate <= HUNDRED:
            raise ValueError(Message("rate {text!r} is outside 0% to 100%", text=text))
        return rate

    return read


def chinese_number(value: int) -> str:
    """12 -> 十二, 2 -> 二: months (十二月份) and ranks (排名第二) in the bulletin's text."""
    import cn2an  # imported here: it takes a quarter of a second to load

    if value < 0 or int(value) != value:
        raise ValueError(f"expected a non-negative whole number, got {value!r}")
    return cn2an.an2cn(int(value), "low")


def chinese_month(month: int) -> str:
    """The month as the title writes it: 12 -> 十二月份."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1 to 12, got {month}")
    return f"{chinese_number(month)}月份"


def plain_value(value) -> str:
    """A setting as a person reads it in a message: 97.0 as 97, anything else as it is."""
    return f"{value:g}" if isinstance(value, float) else str(value)
