"""The scoring rules, loaded from a YAML data file and validated: an unknown key or a wrong type
is one error naming the key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hotline_lib.core.config import rules_file
from hotline_lib.core.errors import RulesError
from hotline_lib.core.i18n import Joined, Message
from hotline_lib.core.utils import read_yaml_file

NonNegative = Annotated[Decimal, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PerCount(_Strict):
    """``points`` for each fault counted in ``column``."""

    kind: Literal["per_count"]
    column: str
    points: NonNegative
    cap: NonNegative | None = None


class BelowTarget(_Strict):
    """``points_per_point`` for each percentage point the rate in ``column`` falls short of ``target``."""

    kind: Literal["below_target"]
    column: str
    target: NonNegative = Decimal(100)
    points_per_point: NonNegative
    cap: NonNegative | None = None


class AboveThreshold(_Strict):
    """``points_per_point`` for each percentage point the rate in ``column`` exceeds ``threshold``."""

    kind: Literal["above_threshold"]
    column: str
    threshold: NonNegative
    points_per_point: NonNegative
    cap: NonNegative | None = None


class RankBelow(_Strict):
    """Units whose rate is below ``target`` are ranked, best first; the k-th loses ``points_per_rank`` x k."""

    kind: Literal["rank_below"]
    column: str
    target: NonNegative = Decimal(100)
    points_per_rank: NonNegative
    cap: NonNegative | None = None


Deduction = Annotated[Union[PerCount, BelowTarget, AboveThreshold, RankBelow], Field(discriminator="kind")]


class Rounding(_Strict):
    step: Decimal = Decimal("0.1")
    floor: Decimal = Decimal(0)


class Rules(_Strict):
    name: str
    base: NonNegative
    kinds: list[str] = Field(min_length=1)
    kind_column: str = "类别"
    rounding: Rounding = Rounding()
    deductions: dict[str, Deduction]

    @property
    def columns(self) -> list[str]:
        """Input columns the rules read."""
        return list(dict.fromkeys(rule.column for rule in self.deductions.values()))


_KINDS = {"per_count", "below_target", "above_threshold", "rank_below"}


def _describe(error: ValidationError) -> Joined:
    problems = []
    for item in error.errors():
        # a discriminated union puts the rule's kind in the path after its key: leave it out
        key = ".".join(str(part) for part in item["loc"] if part not in _KINDS)
        if item["type"] == "extra_forbidden":
            problems.append(Message("unknown key {key!r}", key=key))
        elif item["type"] == "missing":
            problems.append(Message("missing key {key!r}", key=key))
        else:
            problems.append(Message("{key!r}: {reason}", key=key, reason=item["msg"]))
    return Joined(problems)


def load_rules(path: str | Path | None = None) -> Rules:
    """The rules in ``path`` (default: the working folder's data/rules.yaml, else the shipped ones)."""
    path = Path(path) if path is not None else rules_file()
    raw = read_yaml_file(path, RulesError)
    if not isinstance(raw, dict):
        raise RulesError("{path}: expected a mapping of rule keys at the top level", path=path)
    try:
        return Rules.model_validate(raw)
    except ValidationError as exc:
        raise RulesError("{path}: {problems}", path=path, problems=_describe(exc)) from None
