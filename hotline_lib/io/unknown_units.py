"""Every unit the exports name that the unit directory does not know, in one error: a new district
fixes its unit directory in one pass instead of once per unit and run.

Each unknown spelling comes with its row count, the files it occurs in and the directory's closest
names; the first ``SHOWN`` are in the message, all of them in unknown_units.csv (UTF-8 with BOM) in
the cache folder, never in the data folder, which is never modified.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import UnknownUnitError
from hotline_lib.core.i18n import Joined, Message, names
from hotline_lib.core.spreadsheet import defuse_formulas
from hotline_lib.core.utils import atomic_path
from hotline_lib.io.directory import UnitDirectory

#: At most this many unknown units are named in the message; the file lists every one.
SHOWN = 10
FILE_NAME = "unknown_units.csv"
#: unknown_units.csv's columns: the spelling, its rows, the directory's closest names, the files it is in.
COLUMNS = ["单位", "行数", "最接近的名录单位", "出现的文件"]


def unknown_units(assignments: pd.DataFrame, unknown: list[str], units: UnitDirectory) -> pd.DataFrame:
    """One row per unknown spelling (``COLUMNS``), most rows first, then by name: the ones that
    matter most lead the message."""
    spelled = assignments["unit"].astype("string")
    rows = assignments[spelled.isin(unknown)]
    by_unit = rows.groupby(rows["unit"].astype("string"), sort=False)["_file"]
    counts, files = by_unit.size(), by_unit.agg(lambda f: list(dict.fromkeys(f)))
    table = pd.DataFrame({"单位": unknown, "行数": [int(counts.get(u, 0)) for u in unknown],
                          "最接近的名录单位": [units.closest(u) for u in unknown],
                          "出现的文件": [files.get(u, []) for u in unknown]})
    return table.sort_values(["行数", "单位"], ascending=[False, True], kind="stable").reset_index(drop=True)


def write_unknown_units(table: pd.DataFrame, folder: Path) -> Path:
    """unknown_units.csv in ``folder`` (UTF-8 with BOM, lists joined by "、"); a unit named like a
    formula stays text in a spreadsheet."""
    path = Path(folder) / FILE_NAME
    written = table.assign(**{c: table[c].map("、".join) for c in ["最接近的名录单位", "出现的文件"]})
    with atomic_path(path) as tmp:
        defuse_formulas(written).to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def _described(row) -> Message:
    """'火星探测局' (rows: 3, in a.csv; closest: 东湖街道办事处、…)."""
    close = (Message("closest: {units}", units=names(row.最接近的名录单位)) if row.最接近的名录单位
             else Message("no unit there is named like it"))
    return Message("{unit!r} (rows: {rows}, in {files}; {close})", unit=row.单位, rows=row.行数,
                   files=names(row.出现的文件), close=close)


def unknown_units_error(table: pd.DataFrame, units: UnitDirectory, written: Path | None) -> UnknownUnitError:
    """One error naming every unknown unit (the first ``SHOWN`` when there are more, with where the
    full list was written), each with its rows, files and closest directory names. An empty directory
    (a new working folder's) says how to draft it instead."""
    if not units.units:
        return UnknownUnitError("the unit directory {directory} is empty and the exports name {count} units: run "
                                "`hotline units --from-exports` to add them, check each kind, and run again",
                                directory=units.source or "", count=len(table))
    shown = Joined(_described(row) for row in table.head(SHOWN).itertuples(index=False))
    more = (Message("; and {count} more, every one listed in {path}", count=len(table) - SHOWN, path=written)
            if len(table) > SHOWN else "")
    return UnknownUnitError("{count} units in the exports are not in the unit directory {directory}: {units}{more}. "
                            "Add each, or its spelling as an alias of a unit, and run again",
                            count=len(table), directory=units.source or "", units=shown, more=more)
