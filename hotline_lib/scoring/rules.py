"""The scoring rules, loaded from a YAML data file and validated before any input is read: an unknown
key, a wrong type or value, a kind that does not exist, weights that do not add up as declared, a rate
over a column the unit table has not: each one error naming the key and the bad value, in the
reader's language (rule_errors.py).

The language (docs/scoring.md): ``indicators`` (rates over the table's columns, indicators.py),
``items`` that earn points (items.py), ``deductions`` (the four kinds below, 芙蓉区's), ``bonuses``,
``groups`` with their own units and full marks (groups.py), ``min_volume``, ``grades`` and
``red_list``/``black_list`` (grades.py), ``rounding`` at each stage and ``thresholds`` relative to a
group's full marks. Every rules file written before these keys existed is valid as it was.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import Field, ValidationError

from hotline_lib.core.config import RULES_DIR, rules_file
from hotline_lib.core.errors import RulesError
from hotline_lib.core.i18n import Joined, Message, names
from hotline_lib.core.utils import read_yaml_file
from hotline_lib.scoring.grades import Board, Grade
from hotline_lib.scoring.groups import Group, GroupInfo, MinVolume
from hotline_lib.scoring.indicators import Indicator
from hotline_lib.scoring.items import Bonus, Item, ManualItem, RateItem, WeightedItem
from hotline_lib.scoring.parts import ZERO, NonNegative, Percent, Strict

_Strict = Strict   # the name this module used before parts.py


class PerCount(Strict):
    """``points`` for each fault counted in ``column``."""

    kind: Literal["per_count"]
    column: str
    title: str | None = None
    points: NonNegative
    cap: NonNegative | None = None


class BelowTarget(Strict):
    """``points_per_point`` for each percentage point the rate in ``column`` falls short of ``target``."""

    kind: Literal["below_target"]
    column: str
    title: str | None = None
    target: Percent = Decimal(100)
    points_per_point: NonNegative
    cap: NonNegative | None = None


class AboveThreshold(Strict):
    """``points_per_point`` for each percentage point the rate in ``column`` exceeds ``threshold``."""

    kind: Literal["above_threshold"]
    column: str
    title: str | None = None
    threshold: Percent
    points_per_point: NonNegative
    cap: NonNegative | None = None


class RankBelow(Strict):
    """Units whose rate is below ``target`` are ranked, best first; the k-th loses ``points_per_rank`` x k."""

    kind: Literal["rank_below"]
    column: str
    title: str | None = None
    target: Percent = Decimal(100)
    points_per_rank: NonNegative
    cap: NonNegative | None = None


Deduction = Annotated[Union[PerCount, BelowTarget, AboveThreshold, RankBelow], Field(discriminator="kind")]
DEDUCTION_KINDS = ("per_count", "below_target", "above_threshold", "rank_below")


class Rounding(Strict):
    """Half up at each stage: ``rate`` (an indicator, before it is scored), ``item`` (each item's
    points; default: not rounded), ``step`` (the total), never below ``floor``."""

    rate: Decimal | None = Decimal("0.01")
    item: Decimal | None = None
    step: Decimal = Decimal("0.1")
    floor: Decimal = Decimal(0)


class Thresholds(Strict):
    """Thresholds relative to a group's full marks, in percent: ``excellent`` is the 完成度较好 score
    (100: full marks, 芙蓉区's 总分70 of 70)."""

    excellent: Percent = Decimal(100)


class Rules(Strict):
    name: str
    id: str | None = None
    source: str | None = None
    assumptions: list[str] = []
    base: NonNegative = ZERO
    full_marks: NonNegative | None = None
    kinds: list[str] = []
    kind_column: str = "类别"
    columns_extra: list[str] = Field(default=[], alias="columns")
    rounding: Rounding = Rounding()
    indicators: dict[str, Indicator] = {}
    items: dict[str, Item] = {}
    deductions: dict[str, Deduction] = {}
    bonuses: dict[str, Bonus] = {}
    bonus_cap: NonNegative | None = None
    groups: dict[str, Group] = {}
    min_volume: MinVolume | None = None
    grades: list[Grade] = []
    red_list: Board | None = None
    black_list: Board | None = None
    thresholds: Thresholds = Thresholds()

    @property
    def columns(self) -> list[str]:
        """Input columns the deductions and bonuses read (the earning items' rates: ``rate_inputs``)."""
        return list(dict.fromkeys([*(rule.column for rule in self.deductions.values()),
                                   *(bonus.column for bonus in self.bonuses.values())]))

    @property
    def scheme_full_marks(self) -> Decimal:
        """Full marks of a group that does not say its own: ``full_marks``, else base plus every item's full."""
        if self.full_marks is not None:
            return self.full_marks
        return self.base + sum((item.full for item in self.items.values()), ZERO)

    def group_list(self) -> list[GroupInfo]:
        """Every group with its full marks, base and item keys (units: filled by ``score_table``)."""
        every = (*self.items, *self.deductions, *self.bonuses)
        if not self.groups:
            return [GroupInfo(kind, self.scheme_full_marks, self.base, every) for kind in self.kinds]
        infos = []
        for name, group in self.groups.items():
            keys = tuple(group.items) if group.items is not None else every
            base = self.base if group.base is None else group.base
            full = group.full_marks
            if full is None:
                full = base + sum((self.items[k].full for k in keys if k in self.items), ZERO) \
                    if any(k in self.items for k in keys) else self.scheme_full_marks
            infos.append(GroupInfo(name, full, base, keys))
        return infos

    def effective_groups(self) -> dict[str, Group]:
        """``groups``, or one group per value of ``kinds`` (a rules file without groups)."""
        return dict(self.groups) or {kind: Group(kinds=[kind]) for kind in self.kinds}

    @property
    def accepted_kinds(self) -> list[str] | None:
        """The 类别 values a unit table may hold (None: any, when a group goes by volume or names only)."""
        if not self.groups:
            return list(self.kinds)
        if any(g.kinds is None for g in self.groups.values()):
            return None
        return list(dict.fromkeys(kind for g in self.groups.values() for kind in g.kinds))


def excellent_score(rules: Rules, group: str | None = None) -> Decimal:
    """The 完成度较好 score of ``group`` (default: the first): ``thresholds.excellent`` percent of its full marks."""
    infos = rules.group_list()
    info = next((i for i in infos if i.name == group), infos[0] if infos else None)
    full = info.full_marks if info else rules.scheme_full_marks
    return full * rules.thresholds.excellent / Decimal(100)


def common_full_marks(rules: Rules) -> Decimal:
    """The full marks most groups have (ties: the lowest): the one number a setting that cannot say
    per group (settings' excellent.score) takes. 连云港: 100 (县 150, 区 and 市直部门 100)."""
    fulls = [info.full_marks for info in rules.group_list()] or [rules.scheme_full_marks]
    return min(set(fulls), key=lambda full: (-fulls.count(full), full))


def shipped_rules() -> dict[str, Path]:
    """Scheme id -> file of every rules file the package ships (default.yaml is furong's other name)."""
    return {path.stem: path for path in sorted(RULES_DIR.glob("*.yaml")) if path.stem != "default"}


def rules_path(name: str | Path | None) -> Path:
    """The file of ``name``: a path that exists, else a shipped scheme's id (furong, lianyungang…);
    None: the working folder's data/rules.yaml, else the shipped default."""
    if name is None:
        return rules_file()
    path = Path(name)
    if path.exists() or path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        return path
    shipped = shipped_rules()
    if str(name) in shipped:
        return shipped[str(name)]
    raise RulesError("{name}: no such rules file, nor a shipped scheme ({schemes})", name=name, schemes=names(shipped))


def load_rules(path: str | Path | None = None, known_units=None) -> Rules:
    """The rules in ``path`` (a file, or a shipped scheme's id; default: the working folder's
    data/rules.yaml, else the shipped ones), checked whole (rule_errors.py). ``known_units``: names of the
    units there are (the unit directory's), to check the units a group lists."""
    from hotline_lib.scoring.rule_errors import check_rules, describe_validation

    path = rules_path(path)
    raw = read_yaml_file(path, RulesError)
    if not isinstance(raw, dict):
        raise RulesError("{path}: expected a mapping of rule keys at the top level", path=path)
    if "same_as" in raw:   # another name of a shipped scheme (default.yaml: furong)
        extra = sorted(set(raw) - {"same_as"})
        if extra:
            raise RulesError("{path}: {problems}", path=path, problems=Message("unknown key {key!r}", key=extra[0]))
        if str(raw["same_as"]) not in shipped_rules():
            raise RulesError("{path}: {problems}", path=path, problems=Message(
                "{key}: {value!r} is not a shipped scheme: {schemes}", key="same_as", value=raw["same_as"],
                schemes=names(shipped_rules())))
        return load_rules(shipped_rules()[str(raw["same_as"])], known_units)
    try:
        rules = Rules.model_validate(raw)
    except ValidationError as exc:
        raise RulesError("{path}: {problems}", path=path, problems=describe_validation(exc, Rules)) from None
    problems = check_rules(rules, known_units)
    if "base" not in raw and rules.deductions and not rules.items:
        problems.insert(0, Message("missing key {key!r}", key="base"))   # a scheme of deductions only: from what?
    if problems:
        raise RulesError("{path}: {problems}", path=path, problems=Joined(problems))
    if rules.id is None:
        rules = rules.model_copy(update={"id": path.stem})
    return rules


__all__ = ["AboveThreshold", "BelowTarget", "Bonus", "Deduction", "Group", "ManualItem", "PerCount", "RankBelow",
           "RateItem", "Rules", "WeightedItem", "common_full_marks", "excellent_score", "load_rules", "rules_path",
           "shipped_rules"]
