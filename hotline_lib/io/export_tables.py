"""An export file's tables: each recognised as 工单 or 派单 by its headers, its columns renamed to
the canonical names, its closing 合计 rows set aside; a file holding no export is skipped.

``file_tables`` reads one file (io/file_validation.py reads and validates runs of files side by side,
in a pool of processes); ``raw_frames`` reads a whole data folder's files into one raw frame per
record type (`hotline units --from-exports`, and the tests' reference for the runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import N_, names
from hotline_lib.io.headers import (Columns, canonical_columns, check_unique_columns, normalize_header, package_columns,
                                    rename_headers, spellings)
from hotline_lib.io.missing_columns import missing_columns_error
from hotline_lib.io.platform import Platform, category_source, check_category_level, with_category
from hotline_lib.io.reading import HEADER_SEARCH_ROWS, NoHeaderRow, read_grids, read_sheets
from hotline_lib.io.totals import TOTAL_ROW, total_cells
from hotline_lib.io.validation import PROVENANCE, REJECT_COLUMNS, blank_to_na

REQUIRED = {"orders": ["order_id"], "assignments": ["order_id", "unit", "dispatched_at", "sign_due"]}
KINDS = ("orders", "assignments")
#: The columns only a 工单 export has: with its 工单编号, any one of them makes a table one.
ORDER_ONLY = ("received_at", "channel", "category", "appeal_type", "category_1", "category_2", "category_3")
#: What a table must name to be read as each kind (groups: any one column of a group does), in the
#: order the one error about a table that misses some of them (io/missing_columns.py) names them.
NEEDED = {"orders": [("order_id",), ORDER_ONLY], "assignments": [(c,) for c in REQUIRED["assignments"]]}
#: A table whose headers name fewer of one record type's columns than this, and that the rules of
#: ``record_type`` do not recognise, is no export (a notes file): skipped, never an error. From this
#: many on it is an export, and a broken one stops the run with its error (say the column it misses).
EXPORT_HEADERS = 3
#: Why a file of the data folder is skipped as holding no export (a msgid: a key, said in the reader's language).
NOT_AN_EXPORT = N_("not a 工单 or 派单 export: no row among its first 20 names the columns of one")


def record_type(columns, words: Columns | None = None) -> str | None:
    """派单 (assignments) when a table names the unit and the dispatch time; 工单 (orders) when it names
    the 工单编号 and one of the columns only an order has. Otherwise the kind of which it names at
    least EXPORT_HEADERS columns the other kind has not (a 派单 export without its 派单时间 is still
    one, and its error names that column); None when that does not decide either. ``words``: the
    header spellings (default: the package's)."""
    fields = {kind: set(rename_headers(columns, kind, words).values()) for kind in KINDS}
    if {"unit", "dispatched_at"} <= fields["assignments"]:
        return "assignments"
    if "order_id" in fields["orders"] and fields["orders"] & set(ORDER_ONLY):
        return "orders"
    own = own_headers(columns, words)
    kind = max(KINDS, key=lambda k: len(own[k]))
    if len(own[kind]) >= EXPORT_HEADERS and len(own[kind]) > min(len(own[k]) for k in KINDS):
        return kind
    return None


def own_headers(columns, words: Columns | None = None) -> dict[str, set[str]]:
    """Per kind, the (normalised) headers that name one of its columns and none of the other kind's."""
    spelled = {kind: {normalize_header(h) for h in rename_headers(columns, kind, words)} for kind in KINDS}
    return {"orders": spelled["orders"] - spelled["assignments"], "assignments": spelled["assignments"] - spelled["orders"]}


def closest_kind(columns, words: Columns | None = None) -> str | None:
    """The kind a table that ``record_type`` does not decide is most like: the one more of its headers
    are own columns of, then the one more of its headers name; None when they are as alike."""
    own = own_headers(columns, words)
    score = {k: (len(own[k]), len(rename_headers(columns, k, words))) for k in KINDS}
    return None if score["orders"] == score["assignments"] else max(KINDS, key=score.get)


def lacking(columns, told: str | None, words: Columns | None = None) -> tuple[str | None, list[tuple[str, ...]]]:
    """(the table's kind, the groups of columns it lacks): of ``REQUIRED`` when ``record_type`` told
    its kind (``told``); else of ``NEEDED`` by the kind it is closest to (None when it is as close to
    both, or nothing lacking: nothing to suggest)."""
    kind = told or closest_kind(columns, words)
    if kind is None:
        return None, []
    needed = [(c,) for c in REQUIRED[kind]] if told else NEEDED[kind]
    found = set(rename_headers(columns, kind, words).values())
    return kind, [group for group in needed if not found & set(group)]


def is_export(columns, words: Columns | None = None) -> bool:
    """Whether a table with these headers is a 工单 or 派单 export (broken or not): ``record_type``
    recognises it, or it names at least EXPORT_HEADERS columns of one kind. A notes table (日期, 事项;
    or 工单编号, 备注) is not one."""
    return (record_type(columns, words) is not None
            or max(len(rename_headers(columns, k, words)) for k in KINDS) >= EXPORT_HEADERS)


def _export_header(path: Path, words: Columns | None = None) -> tuple[str | None, list[str]] | None:
    """(sheet, cells) of the first of the first rows of any sheet of a file that looks like an export's
    header row; None when none does."""
    return next(((sheet, row) for sheet, rows in read_grids(path) for row in rows[:HEADER_SEARCH_ROWS]
                 if is_export(row, words)), None)


def _tables(path: Path, keys: set[str], cache_dir: Path | None, words: Columns | None = None,
            columns_label: str = "data/columns.yaml") -> list | None:
    """A file's tables (``read_sheets``), or None when the file holds no export at all (``is_export``):
    such a file is skipped. A file holding an export keeps every error of its own."""
    try:
        sheets = read_sheets(path, keys, cache_dir, label="工单编号")
    except NoHeaderRow:
        found = _export_header(path, words)
        if found is None:
            return None
        sheet, header = found   # an export whose 工单编号 is headed otherwise: say which header may be it
        kind, missing = lacking(header, record_type(header, words), words)
        if missing:
            raise missing_columns_error(header, kind, missing, words or package_columns(), columns_label, path=path,
                                        sheet=sheet) from None
        raise
    if sheets and not any(is_export([c for c in raw.cells.columns if c != "_row"], words) for raw in sheets):
        return None
    return sheets


@dataclass
class FileTables:
    """One export file's tables (``file_tables``): per record type its tables' raw text rows with
    provenance (_file, _sheet, _row) under canonical names, the header the file used for each
    column, its 合计 rows (in the rejects layout), each 工单 table's columns and the rows read (the
    tables' and the 合计 rows); ``skipped``: the file holds no export."""

    name: str
    skipped: bool = False
    tables: dict[str, list[pd.DataFrame]] = field(default_factory=lambda: {kind: [] for kind in KINDS})
    headers: dict[str, str] = field(default_factory=dict)
    totals: list[pd.DataFrame] = field(default_factory=list)
    order_columns: list[list[str]] = field(default_factory=list)
    rows: int = 0

    def account(self) -> FileTables:
        """The file without its tables' rows (what a process validating it sends back)."""
        return replace(self, tables={kind: [] for kind in KINDS})


def file_tables(path: Path, data_dir: Path, cache_dir: Path | None, platform: Platform) -> FileTables:
    """One file's tables, renamed, each 工单 table's ``category`` the level the settings count; raises
    the file's first error (a missing column, a header repeated, a table of no kind)."""
    words = platform.columns
    name = str(path.relative_to(data_dir))
    sheets = _tables(path, spellings("orders", "order_id", words), cache_dir, words, platform.columns_label)
    if sheets is None:
        return FileTables(name, skipped=True)
    read = FileTables(name)
    for raw in sheets:
        columns = [c for c in raw.cells.columns if c != "_row"]
        told = record_type(columns, words)
        kind, missing = lacking(columns, told, words)
        if told is None and not missing:
            raise InputError("cannot tell a 工单 from a 派单 export by its headers ({columns})",
                             path=path, sheet=raw.sheet, columns=names(columns))
        check_unique_columns(raw.headers, kind, path=path, sheet=raw.sheet, columns=words)
        if missing:
            raise missing_columns_error(columns, kind, missing, words, platform.columns_label, path=path,
                                        sheet=raw.sheet)
        renamed = rename_headers(columns, kind, words)
        # a workbook may hold a 工单 sheet and a 派单 sheet: the file's headers are those of both
        read.headers.update({canonical: original for original, canonical in renamed.items()})
        closing = total_cells(raw.cells, [o for o, c in renamed.items() if c == "order_id"])
        read.totals.append(total_rejects(raw.cells, closing, name, raw.sheet or ""))
        cells = raw.cells.drop(index=closing.index)[["_row", *renamed]].rename(columns=renamed)
        cells.insert(0, "_sheet", raw.sheet or "")
        cells.insert(0, "_file", name)
        if kind == "orders":
            read.order_columns.append(list(renamed.values()))
            cells = with_category(cells, platform.category_level)
            source = category_source(list(renamed.values()), platform.category_level)
            if source and source != "category":   # the level counted is the file's 问题分类 (io/coverage.py)
                read.headers["category"] = read.headers[source]
        read.tables[kind].append(cells)
        read.rows += len(cells) + len(closing)
    return read


def kind_frame(parts: list[pd.DataFrame], kind: str, words: Columns | None = None) -> pd.DataFrame:
    """One record type's raw rows from ``parts`` (tables of ``file_tables``), under every canonical
    column of the kind, blanks missing."""
    columns = PROVENANCE + canonical_columns(kind, words)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return blank_to_na(frame.reindex(columns=columns), canonical_columns(kind, words))


def joined_totals(totals: list[pd.DataFrame]) -> pd.DataFrame:
    """The 合计 rows of several tables as one rejects frame."""
    totals = [t for t in totals if len(t)]
    return pd.concat(totals, ignore_index=True) if totals else pd.DataFrame(columns=REJECT_COLUMNS)


def raw_frames(files: list[Path], data_dir: Path, cache_dir: Path | None, platform: Platform | None = None):
    """Raw text rows per record type, with provenance, the header each file used per column, the
    files skipped as not exports (name, why), and the 合计 rows closing a table, left out (in the
    rejects layout: io/totals.py). ``platform``: the working folder's words (default: the package's
    spellings); each 工单 table's ``category`` is the level its settings count."""
    platform = platform or Platform()
    read = [file_tables(path, data_dir, cache_dir, platform) for path in files]
    headers, skipped = folder_account(read, platform, data_dir)
    frames = {kind: kind_frame([t for file in read for t in file.tables[kind]], kind, platform.columns) for kind in KINDS}
    return frames, headers, skipped, joined_totals([t for file in read for t in file.totals])


def folder_account(read: list[FileTables], platform: Platform, data_dir: Path) -> tuple[dict, list[tuple[str, str]]]:
    """(file -> canonical -> the header it used, the files skipped as not exports with why) of a data
    folder's files, in order; raises when the category level the settings name is in no 工单 table."""
    check_category_level([columns for file in read for columns in file.order_columns], platform, data_dir)
    return ({file.name: file.headers for file in read if file.headers},
            [(file.name, NOT_AN_EXPORT) for file in read if file.skipped])


def total_rejects(cells: pd.DataFrame, closing: pd.Series, file: str, sheet: str) -> pd.DataFrame:
    """The 合计 rows of one table (``closing``: index -> the column saying 合计) as rejects: file, sheet,
    row, the column and its text, and why they are left out."""
    return pd.DataFrame({"file": file, "sheet": sheet, "row": [int(cells.at[i, "_row"]) for i in closing.index],
                         "column": list(closing), "value": [cells.at[i, c] for i, c in closing.items()],
                         "reason": TOTAL_ROW}, columns=REJECT_COLUMNS)
