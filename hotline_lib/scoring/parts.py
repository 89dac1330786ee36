"""What every part of a rules file shares: strict models (an unknown key is an error) and the
number types, so that items.py, indicators.py, groups.py and grades.py stay independent of each other."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

NonNegative = Annotated[Decimal, Field(ge=0)]
#: A percentage a rate is compared with (a target, a threshold, a share of full marks): 0 to 100.
Percent = Annotated[Decimal, Field(ge=0, le=100)]
ZERO = Decimal(0)


class Strict(BaseModel):
    """A part of a rules file: every key known, nothing changed after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def half_up(value: Decimal, step: Decimal | None) -> Decimal:
    """``value`` rounded half up to ``step`` (17.665 -> 17.67 at 0.01); unchanged when ``step`` is None."""
    return value if step is None else value.quantize(step, rounding=ROUND_HALF_UP)
