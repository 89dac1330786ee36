"""What is wrong with a rules file, one message per problem, each naming the key and the bad value in
the reader's language: pydantic's own texts (English only) are replaced by the project's msgids.

Two passes: ``describe_validation`` says why the file does not fit the model (an unknown key or kind,
a wrong type); ``check_rules`` what the model alone cannot see (a column the unit table has not,
weights that do not add up as declared, a group's items or full marks, a group naming an unknown unit).
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal
from types import UnionType
from typing import Annotated, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from hotline_lib.core.i18n import Joined, Message, names
from hotline_lib.core.numbers import format_score
from hotline_lib.scoring.columns import TABLE_COLUMNS
from hotline_lib.scoring.groups import unknown_units
from hotline_lib.scoring.items import ManualItem, RateItem, WeightedItem, item_column

#: Where a discriminated union (a kind) sits, and the kinds it takes, by the first key of its path.
_UNION_KINDS = {"deductions": ("per_count", "below_target", "above_threshold", "rank_below"),
                "items": ("rate", "manual", "weighted"), "bonuses": ("per_count",)}
_NUMBER_ERRORS = {"decimal_parsing", "decimal_type", "float_parsing", "float_type", "int_parsing", "int_type",
                  "int_from_float", "decimal_max_digits", "finite_number"}


def _key(loc) -> str:
    """The dotted key of an error's location, without the kind pydantic puts after a union's key
    (deductions.a.per_count.points is deductions.a.points)."""
    parts = list(loc)
    if len(parts) > 2 and str(parts[0]) in _UNION_KINDS and parts[2] in _UNION_KINDS[str(parts[0])]:
        del parts[2]
    return ".".join(str(part) for part in parts)


def _problem(item: dict) -> Message:
    key, kind, value = _key(item["loc"]), item["type"], item.get("input")
    if kind == "extra_forbidden":
        return Message("unknown key {key!r}", key=key)
    if kind == "missing":
        return Message("missing key {key!r}", key=key)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        kinds = _UNION_KINDS.get(str(item["loc"][0]), ())
        where = f"{key}.kind"
        if kind == "union_tag_not_found":
            return Message("{key}: say which kind: {kinds}", key=where, kinds=names(kinds))
        return Message("{key}: {value!r} is not an available kind: {kinds}", key=where,
                       value=item.get("ctx", {}).get("tag"), kinds=names(kinds))
    if kind in _NUMBER_ERRORS:
        return Message("{key}: {value!r} is not a number", key=key, value=value)
    if kind in ("greater_than_equal", "greater_than"):
        return Message("{key}: {value!r} is below {limit}", key=key, value=value, limit=item["ctx"].get("ge", item["ctx"].get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return Message("{key}: {value!r} is above {limit}", key=key, value=value, limit=item["ctx"].get("le", item["ctx"].get("lt")))
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return Message("{key}: {value!r} should be a mapping of keys", key=key, value=value)
    if kind == "list_type":
        return Message("{key}: {value!r} should be a list", key=key, value=value)
    if kind in ("string_type", "bool_type", "bool_parsing", "literal_error", "too_short"):
        expected = item.get("ctx", {}).get("expected")
        if expected:   # pydantic's "'group' or 'all'": the choices, joined in the reader's language
            choices = re.findall(r"'([^']*)'", expected) or [expected]
            return Message("{key}: {value!r} is not one of {choices}", key=key, value=value, choices=names(choices))
        return Message("{key}: {value!r} is not allowed here", key=key, value=value)
    return Message("{key!r}: {reason}", key=key, reason=item["msg"])


def _unwrap(annotation):
    """The type inside Optional[...] and Annotated[...] (the models and containers a key holds)."""
    while True:
        origin, args = get_origin(annotation), get_args(annotation)
        if origin is Annotated:
            annotation = args[0]
        elif origin in (Union, UnionType) and type(None) in args and len(args) == 2:
            annotation = next(a for a in args if a is not type(None))
        else:
            return annotation


def _keys_at(model, loc) -> list[str]:
    """The keys the part of the file at ``loc`` (an error's location, its last element the bad key)
    may hold, walking the model from ``model`` (Rules): a dict's values, a list's items, a kind's model
    by the tag pydantic puts in the location. Empty where the walk finds no model."""
    current, parts = model, list(loc[:-1])
    while parts:
        current = _unwrap(current)
        part = parts.pop(0)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for name, f in current.model_fields.items() if part in (name, f.alias)), None)
            if field is None:
                return []
            current = field.annotation
        elif get_origin(current) in (dict, list):
            current = get_args(current)[-1]
            union = _unwrap(current)
            if get_origin(union) in (Union, UnionType) and parts:   # a kind: the next part is its tag
                tag = parts.pop(0)
                current = next((m for m in get_args(union) if isinstance(m, type) and issubclass(m, BaseModel)
                                and tag in get_args(m.model_fields["kind"].annotation)), None)
                if current is None:
                    return []
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _misspelt(items: list[dict], model=None) -> dict[str, str]:
    """Unknown key -> the key it most resembles (points_per_pint -> points_per_point, cpa -> cap): one
    problem, said as a typo, instead of two. A missing key beside it first (the typo explains it), else
    any key the part may hold (``model``: the Rules model, whose optional keys are never missing)."""
    def split(item):
        key = _key(item["loc"])
        return key.rpartition(".")[0], key.rpartition(".")[2]
    missing = [split(i) for i in items if i["type"] == "missing"]
    typos = {}
    for item in items:
        if item["type"] == "extra_forbidden":
            parent, name = split(item)
            near = difflib.get_close_matches(name, [m for p, m in missing if p == parent], n=1, cutoff=0.6)
            if not near and model is not None:
                near = difflib.get_close_matches(name, [k for k in _keys_at(model, item["loc"]) if k != "kind"],
                                                 n=1, cutoff=0.6)
            if near:
                typos[_key(item["loc"])] = f"{parent}.{near[0]}" if parent else near[0]
    return typos


def describe_validation(error: ValidationError, model=None) -> Joined:
    """Every problem pydantic found, as the project's messages, one per key (``model``: the model
    validated, whose keys a misspelt one is matched against)."""
    seen, problems = set(), []
    items = error.errors()
    typos = _misspelt(items, model)
    for item in items:
        key = _key(item["loc"])
        if item["type"] == "missing" and key in typos.values():
            continue
        message = (Message("unknown key {key!r}: did you mean {expected!r}?", key=key, expected=typos[key])
                   if key in typos else _problem(item))
        if message not in seen:
            seen.add(message)
            problems.append(message)
    return Joined(problems)


def _column_problems(rules) -> list[Message]:
    table = list(dict.fromkeys([*TABLE_COLUMNS, *rules.columns_extra]))
    rates = list(dict.fromkeys([*table, *rules.indicators]))
    problems = []

    def check(key: str, column: str, allowed: list[str]) -> None:
        if column not in allowed:
            problems.append(Message("{key}: {value!r} is not a column of the unit table: {columns}", key=key,
                                    value=column, columns=names(allowed)))
    for name, indicator in rules.indicators.items():
        for column in indicator.weights:
            check(f"indicators.{name}.numerator", column, table)
        check(f"indicators.{name}.denominator", indicator.denominator, table)
    for name, item in rules.items.items():
        if isinstance(item, RateItem):
            check(f"items.{name}.column", item_column(name, item), rates)
        elif isinstance(item, WeightedItem):
            for column in item.weights:
                check(f"items.{name}.weights", column, rates)
    for section in ("deductions", "bonuses"):
        for name, rule in getattr(rules, section).items():
            check(f"{section}.{name}.column", rule.column, rates)
    for name, group in rules.groups.items():
        if group.volume is not None:
            check(f"groups.{name}.volume.column", group.volume.column, table)
    if rules.min_volume is not None:
        check("min_volume.column", rules.min_volume.column, table)
    return problems


def _weight_problems(rules) -> list[Message]:
    problems = []
    for name, item in rules.items.items():
        if isinstance(item, WeightedItem):
            total = sum(item.weights.values(), Decimal(0))
            if total != item.weights_sum:
                problems.append(Message("{key}: the weights add up to {total}, not the {declared} declared in weights_sum",
                                        key=f"items.{name}.weights", total=format_score(total),
                                        declared=format_score(item.weights_sum)))
    return problems


def _group_problems(rules, known_units) -> list[Message]:
    problems = []
    every = {*rules.items, *rules.deductions, *rules.bonuses}
    for name, group in rules.groups.items():
        for key in group.items or []:
            if key not in every:
                problems.append(Message("{key}: {value!r} is not an item of the rules: {items}", key=f"groups.{name}.items",
                                        value=key, items=names([*rules.items, *rules.deductions, *rules.bonuses])))
    if problems:
        return problems
    for info in rules.group_list():
        earning = [k for k in info.items if k in rules.items]
        declared = rules.groups[info.name].full_marks if info.name in rules.groups else None
        if earning and declared is not None:
            total = info.base + sum((rules.items[k].full for k in earning), Decimal(0))
            if total != declared:
                problems.append(Message("{key}: {value} declared, but base and the items' full marks add up to {total}",
                                        key=f"groups.{info.name}.full_marks", value=format_score(declared),
                                        total=format_score(total)))
    if not rules.groups and not rules.kinds:
        problems.append(Message("{key}: say the 类别 values units are ranked within (kinds), or give groups", key="kinds"))
    if known_units is not None:
        problems += check_group_units(rules, known_units)
    return problems


def _item_problems(rules) -> list[Message]:
    problems = []
    for name, item in rules.items.items():
        if isinstance(item, ManualItem) and item.default is not None and item.default > item.full:
            problems.append(Message("{key}: {value} is more than the item's full marks {full}", key=f"items.{name}.default",
                                    value=format_score(item.default), full=format_score(item.full)))
        if isinstance(item, RateItem) and item.fixed > item.full:
            problems.append(Message("{key}: {value} is more than the item's full marks {full}", key=f"items.{name}.fixed",
                                    value=format_score(item.fixed), full=format_score(item.full)))
    return problems


def _rounding_problems(rules) -> list[Message]:
    """A rounding step is a power of ten (1, 0.1, 0.01…): half up to 0.05 or to 0 cannot be done by the
    decimal places a step stands for, and would round silently to another step."""
    problems = []
    for stage in ("rate", "item", "step"):
        step = getattr(rules.rounding, stage)
        if step is not None and not (step > 0 and step.normalize().as_tuple().digits == (1,)):
            problems.append(Message("{key}: {value} is not a rounding step: a power of ten such as 1, 0.1 or 0.01",
                                    key=f"rounding.{stage}", value=format_score(step)))
    return problems


def check_rules(rules, known_units=None) -> list[Message]:
    """What the model alone cannot see; ``known_units``: the unit names there are (None: not checked)."""
    return [*_column_problems(rules), *_weight_problems(rules), *_item_problems(rules), *_rounding_problems(rules),
            *_group_problems(rules, known_units)]


def check_group_units(rules, known_units) -> list[Message]:
    """Only the units groups list by name, against ``known_units`` (a table's or the unit directory's),
    each with the known name it most resembles (a typo is the likely mistake)."""
    known = list(dict.fromkeys(str(unit) for unit in known_units))
    problems = []
    for group, unit in unknown_units(rules.groups, known):
        near = difflib.get_close_matches(unit, known, n=1, cutoff=0.5)
        key = f"groups.{group}.units"
        problems.append(Message("{key}: unit {value!r} is not among the units there are: did you mean {expected!r}?",
                                key=key, value=unit, expected=near[0]) if near else
                        Message("{key}: unit {value!r} is not among the units there are", key=key, value=unit))
    return problems
