"""Hand-judged points (答复规范 and other items of ``kind: manual``) for a month, read from a file like
the exemptions file (io/exemptions.py): one row per unit and item, with the points and why.

    部门名称,项目,得分,原因
    体育局,答复规范,9,2件答复未引用政策依据

Every problem is one error naming the file, row and column: an item that is not a hand-judged item of
the rules, points that are not a number or exceed the item's full marks, a missing reason, a unit
given twice for the same item, a unit that is not in the table (when the units are given). No file
means no hand-judged points: every item takes its default.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import N_, names
from hotline_lib.core.numbers import format_score, to_decimal
from hotline_lib.io.reading import table_records
from hotline_lib.scoring.columns import UNIT
from hotline_lib.scoring.items import ManualItem

ITEM, POINTS, REASON = "项目", "得分", "原因"
MANUAL_COLUMNS = [UNIT, ITEM, POINTS, REASON]


def manual_items(rules) -> dict[str, ManualItem]:
    return {key: item for key, item in rules.items.items() if isinstance(item, ManualItem)}


def read_manual(path: str | Path, rules, units=None) -> dict[str, dict[str, Decimal]]:
    """item key -> {unit: points} from ``path`` (none when the file does not exist). ``units``: the
    unit names there are, to refuse one that is not."""
    path = Path(path)
    if not path.exists():
        return {}
    items = manual_items(rules)
    known = set(units) if units is not None else None
    values: dict[str, dict[str, Decimal]] = {}
    seen: dict[tuple[str, str], int] = {}
    missing = (N_("missing column: {columns} (a hand-judged points file has the columns {all})"),
               N_("missing columns: {columns} (a hand-judged points file has the columns {all})"))
    for sheet, records in table_records(path, UNIT, MANUAL_COLUMNS, missing):
        for record in records:
            where = {"path": path, "sheet": sheet, "row": int(record["_row"])}
            cell = {c: str(record[c] if record[c] is not None else "").strip() for c in MANUAL_COLUMNS}
            unit, key = cell[UNIT], cell[ITEM]
            _check_row(cell, items, known, where)
            if (unit, key) in seen:
                raise InputError("{unit} {item}: given twice (also row {first})", column=UNIT, unit=unit, item=key,
                                 first=seen[unit, key], **where)
            seen[unit, key] = where["row"]
            values.setdefault(key, {})[unit] = to_decimal(cell[POINTS])
    return values


def _check_row(cell: dict, items: dict[str, ManualItem], known, where: dict) -> None:
    for column in MANUAL_COLUMNS:
        if not cell[column]:
            raise InputError("empty cell", column=column, **where)
    if cell[ITEM] not in items:
        raise InputError("{value!r} is not a hand-judged item of the rules: {items}", column=ITEM, value=cell[ITEM],
                         items=names(items), **where)
    if known is not None and cell[UNIT] not in known:
        raise InputError("unit {unit!r} is not in the table", column=UNIT, unit=cell[UNIT], **where)
    try:
        points = to_decimal(cell[POINTS])
    except ValueError:
        raise InputError("not a number: {text!r}", text=cell[POINTS], column=POINTS, **where) from None
    full = items[cell[ITEM]].full
    if not Decimal(0) <= points <= full:
        raise InputError("{value} is not between 0 and the item's full marks {full}", column=POINTS,
                         value=format_score(points), full=format_score(full), **where)
