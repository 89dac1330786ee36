"""One month's figures from a data folder: the unit table (after the month's approved exemptions)
and the district figures, with the run's account of rows read, used, duplicates and rejected (rejects.csv,
duplicates.csv and accounting.json written beside the month's outputs)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from hotline_lib.core.config import cache_dir
from hotline_lib.io.directory import Settings, UnitDirectory
from hotline_lib.io.workspace import Workspace
from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import Message
from hotline_lib.core.months import check_month
from hotline_lib.io.exports import CachedExports, Exports, dataset_folder, input_folders, load_exports
from hotline_lib.figures.counts import MonthAggregates, district_from, month_aggregates, unit_counts, unit_table
from hotline_lib.figures.exempt import (APPLIED_COLUMNS, applied_exemptions, exempted_by_unit, exempted_visit_details,
                                        subtract_exempted)
from hotline_lib.io.exemptions import misnamed_exemption_files, misnamed_exemptions_warning, read_exemptions
from hotline_lib.io.validation import reason_in_chinese
from hotline_lib.core.privacy import mask_personal
from hotline_lib.core.utils import atomic_path, check_argument, exclusive, write_text_atomic

ENGINES = ["auto", "pandas", "duckdb"]
#: From this many assignments on, "auto" computes with DuckDB (see docs/performance.md).
AUTO_DUCKDB_ROWS = 2_000_000
log = logging.getLogger(__name__)

@dataclass
class MonthFigures:
    month: str
    exports: Exports
    units: UnitDirectory
    settings: Settings
    unit_table: pd.DataFrame   # counts and Decimal rates, one row per directory unit
    aggregates: MonthAggregates  # the month's counts behind the district figures, as DataFrames
    district: dict
    rejects_path: Path | None  # None when nothing was written (a notebook run by hand)
    accounting: pd.DataFrame   # per export file: read, used, duplicates, rejected
    #: the month's exemptions as applied: 工单编号, 部门名称, 规则, 原因, 批准人, 计数 (the count lowered),
    #: 核减数 (by how much); already taken out of ``unit_table``
    exemptions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=APPLIED_COLUMNS))
    duplicates_path: Path | None = None  # duplicates.csv, beside rejects.csv


def write_rejects(rejects: pd.DataFrame, path: Path) -> Path:
    """rejects.csv (UTF-8 with BOM): file, sheet, row, column, value, reason. Personal numbers in a
    rejected value are masked (file, sheet and row find the original); text that a spreadsheet would
    run as a formula gets a leading apostrophe (a rejected value is exactly the data we could not trust)."""
    from hotline_lib.core.spreadsheet import defuse_formulas

    rejects = rejects.assign(value=rejects["value"].map(mask_personal), reason=rejects["reason"].map(reason_in_chinese))
    rejects = defuse_formulas(rejects.sort_values(["file", "sheet", "row"], kind="stable"))
    with atomic_path(path) as tmp:
        rejects.to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def write_duplicates(duplicates: pd.DataFrame, path: Path) -> Path:
    """duplicates.csv (UTF-8 with BOM): file, sheet, row, record, order_id, copy_of_file, copy_of_sheet,
    copy_of_row: every copy of a row exported more than once, with the copy that is used. Written
    like rejects.csv (personal numbers masked, formula-like text with a leading apostrophe)."""
    from hotline_lib.core.spreadsheet import defuse_formulas

    duplicates = duplicates.assign(order_id=duplicates["order_id"].map(mask_personal))
    duplicates = defuse_formulas(duplicates.sort_values(["file", "sheet", "row"], kind="stable"))
    with atomic_path(path) as tmp:
        duplicates.to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def write_once(exports: Exports, name: str, write, frame: pd.DataFrame, month_dir: Path) -> Path:
    """rejects.csv or duplicates.csv of ``month_dir``: the same for every month of a dataset (they
    account for the whole data folder), so written once beside the cached dataset and copied. The
    copy kept there is named after the code that writes it (``_writer_digest``): the dataset's key
    covers the reader and the validator, not the masking, so a fix to it is never served stale."""
    import shutil

    target = month_dir / name
    if not isinstance(exports, CachedExports):
        return write(frame, target)
    written = exports.folder / f"{Path(name).stem}-{_writer_digest(write)}{Path(name).suffix}"
    if not written.exists():
        write(frame, written)
    with atomic_path(target) as tmp:
        shutil.copyfile(written, tmp)
    return target


@cache
def _writer_digest(write) -> str:
    """The code a kept rejects.csv or duplicates.csv was written with: the writer, its module, and
    the masking and formula defusing it applies (core/privacy.py, core/spreadsheet.py)."""
    import hashlib
    import sys

    from hotline_lib.core import privacy, spreadsheet

    digest = hashlib.sha256(getattr(write, "__qualname__", repr(write)).encode())
    modules = [sys.modules.get(getattr(write, "__module__", "")), sys.modules[__name__], privacy, spreadsheet]
    for file in sorted({m.__file__ for m in modules if getattr(m, "__file__", None)}):   # the same in every process
        digest.update(Path(file).read_bytes())
    return digest.hexdigest()[:16]


def write_accounting(exports: Exports, path: Path) -> pd.DataFrame:
    """accounting.json: rows read, used, duplicates and rejected (invalid), per file and in total
    (read = used + duplicates + rejected), the orders and assignments used (``records``: with the
    totals, what the summary line says), the files skipped as not exports (``skipped``: file, reason) and
    the summary line; returns the per-file table."""
    table = exports.accounting()
    totals = {column: int(table[column].sum()) for column in ["read", "used", "duplicates", "rejected"]}
    document = {"files": table.to_dict("records"), "total": totals, "records": exports.records(),
                "skipped": exports.skipped_files("zh"), "summary": exports.summary("zh")}
    write_text_atomic(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    return table


def choose_engine(engine: str | None, rows: int) -> str:
    """pandas or duckdb: the one asked for (or HOTLINE_ENGINE), or by size when "auto"."""
    import os

    engine = engine or os.environ.get("HOTLINE_ENGINE", "auto")
    check_argument("engine", ENGINES, engine)
    if engine == "auto":
        return "duckdb" if rows >= AUTO_DUCKDB_ROWS else "pandas"
    return engine


def figures_from_parquet(orders: Path, assignments: Path, month: str, units: UnitDirectory, settings: Settings,
                         engine: str = "duckdb") -> tuple[pd.DataFrame, dict]:
    """(unit table, district figures) of a month straight from Parquet files, without loading them
    when the engine is DuckDB."""
    table, aggregates = _table_and_aggregates_from_parquet(orders, assignments, month, units, settings, engine)
    return table, district_from(aggregates, month, settings)


def _table_and_aggregates_from_parquet(orders, assignments, month: str, units: UnitDirectory, settings: Settings,
                                       engine: str) -> tuple[pd.DataFrame, MonthAggregates]:
    counts, aggregates = _counts_and_aggregates_from_parquet(orders, assignments, month, settings, engine)
    return unit_table(counts, units), aggregates


def _counts_and_aggregates_from_parquet(orders, assignments, month: str, settings: Settings,
                                        engine: str) -> tuple[pd.DataFrame, MonthAggregates]:
    if engine == "duckdb":
        from hotline_lib.figures.sql import connect, month_aggregates_sql, unit_counts_sql

        con = connect()
        counts = unit_counts_sql(con, assignments, month)
        aggregates = month_aggregates_sql(con, orders, assignments, month, settings)
    else:
        orders_frame, assignments_frame = pd.read_parquet(orders), pd.read_parquet(assignments)
        counts = unit_counts(assignments_frame, month)
        aggregates = month_aggregates(orders_frame, assignments_frame, month, settings)
    return counts, aggregates


def month_exemptions(month: str, workspace: Workspace, exports: Exports) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(applied exemptions, what they take out per unit) of the month's exemptions file
    (``settings.exemptions_file`` in the data folder; none when there is no file). Computed with pandas
    on the loaded assignments whichever engine counts the month, so both engines subtract the same.
    A file that looks meant as the month's exemptions but is not the one the settings name is a
    warning (logged: a render shows it, and so does ``hotline stats``)."""
    expected = workspace.exemptions(month)
    for path in misnamed_exemption_files(expected, month):
        log.warning("%s", misnamed_exemptions_warning(path, expected, month))
    exemptions = read_exemptions(expected, workspace.units)
    if exemptions.empty:   # nothing to match: the assignments are not even loaded
        return pd.DataFrame(columns=APPLIED_COLUMNS), exempted_by_unit(pd.DataFrame(columns=APPLIED_COLUMNS))
    applied = applied_exemptions(exports.assignments, month, exemptions)
    details = exempted_visit_details(exports.assignments, month, exemptions)
    return applied, exempted_by_unit(applied).join(details, how="outer").fillna(0).astype("int64")


def exempted_unit_table(month: str, workspace: Workspace, exports: Exports,
                        counts: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the month's appendix table after its approved exemptions, the exemptions as applied): the one
    unit table the bulletin, ``hotline explain``, the 扣分明细 workbook, the trends page and the
    exploration notebooks all score, so that a unit has one 总分 wherever it is shown. ``counts``
    (``unit_counts``, from either engine) are counted here with pandas when not given."""
    applied, exempted = month_exemptions(month, workspace, exports)
    if counts is None:
        counts = unit_counts(exports.assignments, month)
    return unit_table(subtract_exempted(counts, exempted), workspace.units), applied


def compute_month(month: str, workspace: Workspace | str | Path | None = None, out_dir: str | Path | None = None,
                  use_cache: bool = True, engine: str | None = None) -> MonthFigures:
    """Every figure of ``month`` from the exports in the working folder's data folder (never modified;
    ``workspace`` may also be a data folder, read with the working folder's settings). With ``out_dir``,
    the rejected rows, the duplicates and the row accounting are written to ``out_dir``/<month>/
    (rejects.csv, duplicates.csv, accounting.json); without it nothing is written (a notebook run by hand). The month's approved
    exemptions (``settings.exemptions_file``) are taken out of the unit counts before any rate is
    computed, with either engine. ``engine``: pandas,
    duckdb or auto (DuckDB from AUTO_DUCKDB_ROWS assignments on; DuckDB needs the cache, which holds
    its Parquet)."""
    check_month(month)
    if engine is not None:
        check_argument("engine", ENGINES, engine)
    workspace = Workspace.of(workspace)
    data_dir, units, settings = workspace.data, workspace.units, workspace.settings
    cache = workspace.cache if use_cache else None
    exports = load_exports(data_dir, units, cache, input_folders(settings), platform=workspace.platform)
    chosen = choose_engine(engine, exports.records()["assignments"]) if cache is not None else "pandas"
    if chosen == "duckdb":
        folder = dataset_folder(data_dir, units, cache, input_folders(settings), workspace.platform)
        counts, aggregates = _counts_and_aggregates_from_parquet(folder / "orders.parquet", folder / "assignments.parquet",
                                                                 month, settings, "duckdb")
    else:
        counts = unit_counts(exports.assignments, month)
        aggregates = month_aggregates(exports.orders, exports.assignments, month, settings)
    table, applied = exempted_unit_table(month, workspace, exports, counts)
    district = district_from(aggregates, month, settings)
    if district["overview"]["orders_signed"] == 0 and int(table["签收总数"].sum()) == 0:
        raise InputError("no order or assignment was signed in {month}: is this month in the exports?", path=data_dir,
                         month=month)
    rejects_path = duplicates_path = None
    if out_dir is None:
        accounting = exports.accounting()
    else:
        month_dir = Path(out_dir) / month
        with exclusive(month_dir / ".lock", Message("the outputs of {month} in {folder}", month=month, folder=month_dir)):  # a render may be cleaning up
            accounting = write_accounting(exports, month_dir / "accounting.json")
            rejects_path = write_once(exports, "rejects.csv", write_rejects, exports.rejects, month_dir)
            duplicates_path = write_once(exports, "duplicates.csv", write_duplicates, exports.duplicates, month_dir)
    return MonthFigures(month, exports, units, settings, table, aggregates, district, rejects_path, accounting, applied,
                        duplicates_path)
