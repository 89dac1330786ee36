"""The platform's per-unit statistics table (one row per member unit, the appendix columns):
reading it from CSV or a workbook (.xlsx, .xls, .xlsb, .ods) and validating every cell before anything
is scored. A 合计 row closing the table is no unit: left out and listed (io/totals.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import N_, names
from hotline_lib.io.headers import Columns, check_unique_columns, normalize_header, rename_headers, spellings
from hotline_lib.core.numbers import rate_reader, to_decimal
from hotline_lib.io.reading import read_sheets
from hotline_lib.io.totals import TOTAL_ROW, total_cells
from hotline_lib.scoring.columns import COMPLETED, COUNT_COLUMNS, RATE_COLUMNS, SATISFIED, SIGNED, UNIT, VISITED  # noqa: F401
from hotline_lib.scoring.empty_rates import empty_rate, nothing_to_count
from hotline_lib.scoring.rules import Rules

#: The columns a kind's units are listed by after 总分 (ties broken by 回访满意度, then 签收总数): a table without them
#: cannot be listed as the bulletin lists it.
ORDER_COLUMNS = ["回访满意度", SIGNED]
PUBLISHED_SCORE, PUBLISHED_RANK = "总分", "排名"


@dataclass
class UnitTable:
    """A validated table: ``values`` has canonical columns with int counts and Decimal rates (in %);
    ``original`` keeps every input column as text, for output."""

    path: Path
    values: pd.DataFrame
    original: pd.DataFrame
    #: the 合计 rows left out, each located (file, sheet, row, column) with why: said, never raised
    totals: list[InputError] = field(default_factory=list)


def _int_cell(text: str, where: dict) -> int:
    try:
        number = to_decimal(text)
    except ValueError:
        raise InputError("not a number: {text!r}", text=text, **where) from None
    if number != number.to_integral_value():
        raise InputError("expected a whole count, got {text!r}", text=text, **where)
    if number < 0:
        raise InputError("negative count {text!r}", text=text, **where)
    return int(number)


def _rate_cell(text: str, read, where: dict) -> Decimal:
    """A rate cell read by its column's ``rate_reader`` (core/numbers.py), located when it is wrong."""
    try:
        return read(text)
    except ValueError as exc:
        raise InputError(exc.args[0], **where) from None


def read_unit_table(path: str | Path, rules: Rules, require_published: bool = False,
                    columns: Columns | None = None) -> UnitTable:
    """Read and validate a per-unit statistics table; the first problem found is raised as an InputError.
    ``columns``: the header spellings (a working folder's data/columns.yaml; default: the package's)."""
    path = Path(path)
    sheets = read_sheets(path, spellings("unit_table", UNIT, columns), label=UNIT)
    if not sheets:
        raise InputError("file has no table", path=path)
    frames, totals = [], []
    for raw in sheets:
        check_unique_columns(raw.headers, "unit_table", path=path, sheet=raw.sheet, columns=columns)
        renamed = rename_headers([c for c in raw.cells.columns if c != "_row"], "unit_table", columns)
        closing = total_cells(raw.cells, [o for o, c in renamed.items() if c == UNIT])
        totals += [InputError(TOTAL_ROW, path=path, sheet=raw.sheet, row=int(raw.cells.at[i, "_row"]), column=column)
                   for i, column in closing.items()]
        cells = raw.cells.drop(index=closing.index).rename(columns=renamed)
        # the rules' columns, and what the bulletin orders a kind's units by after 总分 (score.py published_order)
        required = [UNIT, rules.kind_column, *rules.columns, *ORDER_COLUMNS] + (
            [PUBLISHED_SCORE, PUBLISHED_RANK] if require_published else [])
        missing = [c for c in dict.fromkeys(required) if c not in cells.columns]
        if missing:
            message = N_("missing column: {columns}") if len(missing) == 1 else N_("missing columns: {columns}")
            raise InputError(message, path=path, sheet=raw.sheet, columns=names(missing))
        # a header repeated inside the table (a page break in the platform's export) is not a unit
        repeated = cells[UNIT].map(normalize_header) == normalize_header(UNIT)
        cells = cells.loc[~repeated].copy()
        cells["_sheet"] = raw.sheet
        frames.append(cells)
    cells = pd.concat(frames, ignore_index=True)
    if cells.empty:
        raise InputError("the table has a header but no unit rows", path=path)
    return UnitTable(path, _parse_values(cells, rules, path), cells.drop(columns=["_row", "_sheet"]), totals)


def unit_name(record: dict, seen: dict[str, int], where: dict) -> str:
    """The row's unit name, stripped; an empty name or one listed twice is an error naming the row
    (``seen``: name -> row of the names read so far, updated here)."""
    unit = str(record[UNIT]).strip()
    if not unit:
        raise InputError("empty unit name", column=UNIT, **where)
    if unit in seen:
        raise InputError("unit {unit!r} is listed twice (also row {first})", column=UNIT, unit=unit, first=seen[unit], **where)
    seen[unit] = where["row"]
    return unit


def _parse_values(cells: pd.DataFrame, rules: Rules, path: Path) -> pd.DataFrame:
    count_columns = [c for c in COUNT_COLUMNS + [PUBLISHED_RANK] if c in cells.columns]
    rate_columns = [c for c in RATE_COLUMNS if c in cells.columns]
    readers = {c: rate_reader(cells[c]) for c in rate_columns}
    records, seen = [], {}
    for record in cells.to_dict("records"):
        where = {"path": path, "sheet": record["_sheet"], "row": int(record["_row"])}
        unit = unit_name(record, seen, where)
        kind = str(record[rules.kind_column]).strip()
        accepted = rules.accepted_kinds
        if accepted is not None and kind not in accepted:
            raise InputError("unknown {name} {kind!r}; expected one of {kinds}", column=rules.kind_column,
                             name=rules.kind_column, kind=kind, kinds=names(accepted), **where)
        parsed = {UNIT: unit, rules.kind_column: kind, "_row": where["row"], "_sheet": where["sheet"]}
        for column in count_columns + rate_columns + ([PUBLISHED_SCORE] if PUBLISHED_SCORE in cells.columns else []):
            text = str(record[column]).strip()
            cell = {**where, "column": column}
            if not text and column in rate_columns and nothing_to_count(column, parsed, rules):
                parsed[column] = empty_rate(column, rules)   # no order completed, no visit: scoring/empty_rates.py
                continue
            if not text:
                raise InputError("empty cell", **cell)
            if column in rate_columns:
                parsed[column] = _rate_cell(text, readers[column], cell)
            elif column == PUBLISHED_SCORE:
                try:
                    parsed[column] = to_decimal(text)
                except ValueError:
                    raise InputError("not a number: {text!r}", text=text, **cell) from None
            else:
                parsed[column] = _int_cell(text, cell)
        if VISITED in parsed and SATISFIED in parsed and parsed[SATISFIED] > parsed[VISITED]:
            raise InputError("{satisfied} ({count}) is greater than {visited} ({total})", column=SATISFIED,
                             satisfied=SATISFIED, count=parsed[SATISFIED], visited=VISITED, total=parsed[VISITED],
                             **where)
        records.append(parsed)
    return pd.DataFrame.from_records(records)
