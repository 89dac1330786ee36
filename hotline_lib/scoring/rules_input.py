"""A per-unit table for any rules file: the columns the rules name, nothing more, read and validated
cell by cell before anything is scored (``hotline score FILE --rules NAME``).

The table needs 部门名称, the 类别 column when a group goes by it, and for each rate the rules score
either the rate itself (in percent, or as fractions: core/numbers.rate_reader) or the counts it is
computed from (indicators.py). A hand-judged item's column is optional (its default, else). Counts are
whole numbers, rates and hand-judged points numbers; each bad cell is one error naming its row and column.
A 合计 row is left out and listed, as for the platform's table (unit_table.py).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import N_, names
from hotline_lib.core.numbers import format_score, rate_reader, to_decimal
from hotline_lib.io.headers import Columns, normalize_header, rename_headers, spellings
from hotline_lib.io.reading import read_sheets
from hotline_lib.io.totals import TOTAL_ROW, total_cells
from hotline_lib.scoring.empty_rates import empty_rate, nothing_to_count, rate_base
from hotline_lib.scoring.groups import assign_groups
from hotline_lib.scoring.columns import COUNT_COLUMNS, NEWER_COUNT_COLUMNS, RATE_COLUMNS, UNIT
from hotline_lib.scoring.items import ManualItem, RateItem, WeightedItem, item_column, item_rates
from hotline_lib.scoring.indicators import Indicator
from hotline_lib.scoring.parts import half_up
from hotline_lib.scoring.rules import Rules
from hotline_lib.scoring.unit_table import UnitTable, _int_cell, _rate_cell, unit_name

COUNTS = {*COUNT_COLUMNS, *NEWER_COUNT_COLUMNS}


def rates_read(rules: Rules) -> list[str]:
    """The rates the rules score (indicators and the table's own rates), in the rules' order."""
    rates = item_rates(rules.items) + [rule.column for rule in rules.deductions.values() if rule.column in RATE_COLUMNS]
    return list(dict.fromkeys(rates))


def required_columns(rules: Rules, present: set[str]) -> list[str]:
    """What a table must hold to be scored under ``rules``: an indicator it has is taken as given, one it
    lacks needs its counts."""
    needed = [UNIT] + ([rules.kind_column] if rules.accepted_kinds is not None else [])
    for rate in rates_read(rules):
        indicator = rules.indicators.get(rate)
        needed += indicator.columns if indicator is not None and rate not in present else [rate]
    needed += [rule.column for rule in rules.deductions.values()] + [b.column for b in rules.bonuses.values()]
    needed += [g.volume.column for g in rules.groups.values() if g.volume is not None]
    needed += [rules.min_volume.column] if rules.min_volume is not None else []
    return list(dict.fromkeys(needed))


def rule_columns(rules: Rules, have, shown=()) -> tuple[list[str], list[str]]:
    """The columns a table needs under ``rules`` beyond 部门名称, 类别 and ``shown`` (the columns already
    written): those among ``have`` (the month's unit figures), and those it lacks (a column the
    rules declare, such as 表扬数, which no export gives). ``hotline stats --rules`` writes the first."""
    from_figures = set(have)
    needed = [c for c in required_columns(rules, set()) if c not in (UNIT, rules.kind_column, *shown)]
    return [c for c in needed if c in from_figures], [c for c in needed if c not in from_figures]


def _headers(raw, rules: Rules, columns: Columns | None) -> dict[str, str]:
    """Each header to its canonical name (the platform's spellings), else to itself, tidied; a header
    that is a name of the rules (连云港's 满意率, an indicator) stays that name."""
    headers = [c for c in raw.cells.columns if c != "_row"]
    known = rename_headers(headers, "unit_table", columns)
    own = {*rules.indicators, *rules.items}
    return {h: normalize_header(h) if normalize_header(h) in own else known.get(h, normalize_header(h)) for h in headers}


def read_rules_table(path: str | Path, rules: Rules, columns: Columns | None = None) -> UnitTable:
    """The table in ``path`` as ``score_table`` takes it; the first problem found is an InputError."""
    path = Path(path)
    sheets = read_sheets(path, spellings("unit_table", UNIT, columns) | {UNIT}, label=UNIT)
    if not sheets:
        raise InputError("file has no table", path=path)
    frames, totals = [], []
    for raw in sheets:
        renamed = _headers(raw, rules, columns)
        closing = total_cells(raw.cells, [o for o, c in renamed.items() if c == UNIT])
        totals += [InputError(TOTAL_ROW, path=path, sheet=raw.sheet, row=int(raw.cells.at[i, "_row"]), column=column)
                   for i, column in closing.items()]
        cells = raw.cells.drop(index=closing.index).rename(columns=renamed)
        missing = [c for c in required_columns(rules, set(cells.columns)) if c not in cells.columns]
        if missing:
            message = N_("missing column: {columns}") if len(missing) == 1 else N_("missing columns: {columns}")
            raise InputError(message, path=path, sheet=raw.sheet, columns=names(missing))
        cells = cells.loc[cells[UNIT].map(normalize_header) != normalize_header(UNIT)].copy()
        cells["_sheet"] = raw.sheet
        frames.append(cells)
    cells = pd.concat(frames, ignore_index=True)
    if cells.empty:
        raise InputError("the table has a header but no unit rows", path=path)
    values = _values(cells, rules, path)
    return UnitTable(path, values, cells.drop(columns=["_row", "_sheet"]), totals)


def _values(cells: pd.DataFrame, rules: Rules, path: Path) -> pd.DataFrame:
    manual = {k: i for k, i in rules.items.items() if isinstance(i, ManualItem) and k in cells.columns}
    used = [c for c in required_columns(rules, set(cells.columns)) if c not in (UNIT, rules.kind_column)]
    used += [c for c in manual if c not in used]
    # the count each rate is taken over, read first: a blank rate over 0 of it is what the rules say
    bases = list(dict.fromkeys(b[0] for c in used if (b := rate_base(c, rules)) and b[0] in cells.columns))
    used = [*bases, *(c for c in used if c not in bases)]
    counts = count_columns(rules)
    readers = {c: rate_reader(cells[c]) for c in used if c not in counts and c not in manual}
    records, seen = [], {}
    accepted = rules.accepted_kinds
    for record in cells.to_dict("records"):
        where = {"path": path, "sheet": record["_sheet"], "row": int(record["_row"])}
        unit = unit_name(record, seen, where)
        parsed = {UNIT: unit}
        if rules.kind_column in cells.columns:
            kind = str(record[rules.kind_column]).strip()
            if accepted is not None and kind not in accepted:
                raise InputError("unknown {name} {kind!r}; expected one of {kinds}", column=rules.kind_column,
                                 name=rules.kind_column, kind=kind, kinds=names(accepted), **where)
            parsed[rules.kind_column] = kind
        for column in used:
            text = str(record[column] if record[column] is not None else "").strip()
            cell = {**where, "column": column}
            if column in manual:
                parsed[column] = _manual_cell(text, manual[column].full, cell)
            elif not text:
                parsed[column] = None    # allowed where the unit's group does not read it (_check_empty)
                if column not in counts and nothing_to_count(column, parsed, rules):
                    parsed[column] = empty_rate(column, rules)   # nothing to count: scoring/empty_rates.py
            elif column in counts:
                parsed[column] = _int_cell(text, cell)
            else:
                parsed[column] = _rate_cell(text, readers[column], cell)
        records.append(parsed)
    values = pd.DataFrame.from_records(records).astype(object)   # an empty cell stays None, never NaN
    _check_empty(values, cells, rules, path)
    _check_indicators(values, cells, rules, path)
    return values


def count_columns(rules: Rules) -> set[str]:
    """The columns read as whole counts: the table's own counts, and every column an indicator counts
    over or a count rule reads (a column the file declares, such as 表扬数, is a count there, never
    a rate: a column of 0s and 1s is not read as fractions)."""
    counted = {c for indicator in rules.indicators.values() for c in indicator.columns}
    counted |= {b.column for b in rules.bonuses.values()}
    counted |= {d.column for d in rules.deductions.values() if d.kind == "per_count"}
    counted |= {g.volume.column for g in rules.groups.values() if g.volume is not None}
    counted |= {rules.min_volume.column} if rules.min_volume is not None else set()
    return COUNTS | counted


def _check_empty(values: pd.DataFrame, cells: pd.DataFrame, rules: Rules, path: Path) -> None:
    """An empty cell is an error where the unit's group reads the column (a 县 of 连云港 has no 及时签收率),
    except a count that only an indicator's numerator reads for a unit whose denominator is 0 (已联系数
    of a unit with no visits: there is nothing to count)."""
    groups = assign_groups(values.fillna(0), rules.effective_groups(), rules.kind_column)
    infos = {info.name: info for info in rules.group_list()}
    for index, group in groups.items():
        if group is None:
            continue
        for column in _columns_of(rules, infos[group].items, set(values.columns)):
            if column in values.columns and _empty(values.at[index, column]) \
                    and not _nothing_to_count(values.loc[index], column, rules, infos[group].items) \
                    and not (column not in count_columns(rules) and nothing_to_count(column, values.loc[index], rules)):
                raise InputError("empty cell", path=path, sheet=cells.at[index, "_sheet"], row=int(cells.at[index, "_row"]),
                                 column=column)


def _empty(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _nothing_to_count(row, column: str, rules: Rules, keys) -> bool:
    """True when every way the items ``keys`` read ``column`` is an indicator's numerator whose
    denominator is 0 in ``row``."""
    ways = [indicator for read, indicator in _reads_of(rules, keys, set(row.index)) if read == column]
    return bool(ways) and all(indicator is not None and column != indicator.denominator
                              and not _empty(row[indicator.denominator]) and int(row[indicator.denominator]) == 0
                              for indicator in ways)


def _check_indicators(values: pd.DataFrame, cells: pd.DataFrame, rules: Rules, path: Path) -> None:
    """An indicator computed from counts is at most 100%: 已联系数 above 回访工单总数 is a wrong table,
    named by its row and the indicator's columns. (Below 0 is possible in real tables and taken as 0%:
    indicators.py.)"""
    for key, indicator in rules.indicators.items():
        if key in values.columns or any(c not in values.columns for c in indicator.columns):
            continue
        for index, row in values.iterrows():
            if any(_empty(row[c]) for c in indicator.columns) or int(row[indicator.denominator]) == 0:
                continue
            numerator = sum((w * Decimal(int(row[c])) for c, w in indicator.weights.items()), Decimal(0))
            if numerator > int(row[indicator.denominator]):
                raise InputError("{indicator} = {rate}%, not between 0% and 100%: check {columns}", path=path,
                                 sheet=cells.at[index, "_sheet"], row=int(cells.at[index, "_row"]), indicator=key,
                                 rate=format_score(half_up(numerator * 100 / int(row[indicator.denominator]), Decimal("0.01"))),
                                 columns=names(indicator.columns))


def _columns_of(rules: Rules, keys, present: set[str]) -> list[str]:
    """The table columns the items ``keys`` read."""
    return list(dict.fromkeys(column for column, _ in _reads_of(rules, keys, present)))


def _reads_of(rules: Rules, keys, present: set[str]) -> list[tuple[str, Indicator | None]]:
    """(column, the indicator it is read through, or None) for every column the items ``keys`` read."""
    reads = []
    for key in keys:
        item = rules.items.get(key)
        if isinstance(item, RateItem):
            rates = [item_column(key, item)]
        elif isinstance(item, WeightedItem):
            rates = list(item.weights)
        elif key in rules.deductions:
            rates = [rules.deductions[key].column]
        elif key in rules.bonuses:
            rates = [rules.bonuses[key].column]
        else:
            rates = []
        for rate in rates:
            indicator = rules.indicators.get(rate)
            reads += [(c, indicator) for c in indicator.columns] if indicator is not None and rate not in present \
                else [(rate, None)]
    return reads


def _manual_cell(text: str, full: Decimal, where: dict) -> Decimal | None:
    """A hand-judged item's points as typed in the table (empty: its default)."""
    if not text:
        return None
    try:
        points = to_decimal(text)
    except ValueError:
        raise InputError("not a number: {text!r}", text=text, **where) from None
    if not Decimal(0) <= points <= full:
        raise InputError("{value} is not between 0 and the item's full marks {full}", value=format_score(points),
                         full=format_score(full), **where)
    return points
