"""One month's figures from a data folder: the unit table and the district figures, with the
run's account of rows read, used and rejected (rejects written beside the month's outputs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import cache_dir, outputs_dir
from .directory import Settings, UnitDirectory, load_settings, load_units
from .errors import HotlineError
from .exports import Exports, load_exports
from .figures import district_figures, unit_figures
from .utils import atomic_path

MONTH_FORMAT = r"^\d{4}-(0[1-9]|1[0-2])$"


def check_month(month: str) -> str:
    """A month as YYYY-MM, or one clear error."""
    import re

    if not re.match(MONTH_FORMAT, month or ""):
        raise HotlineError(f"month must look like 2020-12 (YYYY-MM); got {month!r}")
    return month


@dataclass
class MonthFigures:
    month: str
    exports: Exports
    units: UnitDirectory
    settings: Settings
    unit_table: pd.DataFrame   # counts and Decimal rates, one row per directory unit
    district: dict
    rejects_path: Path


def write_rejects(rejects: pd.DataFrame, path: Path) -> Path:
    """rejects.csv (UTF-8 with BOM): file, sheet, row, column, value, reason."""
    with atomic_path(path, suffix=".csv") as tmp:
        rejects.sort_values(["file", "sheet", "row"], kind="stable").to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def compute_month(month: str, data_dir: str | Path, units_path=None, settings_path=None,
                  out_dir: str | Path | None = None, use_cache: bool = True) -> MonthFigures:
    """Every figure of ``month`` from the exports in ``data_dir`` (never modified); the rejected rows
    go to ``out_dir``/<month>/rejects.csv (default: outputs)."""
    check_month(month)
    units = load_units(units_path)
    settings = load_settings(settings_path)
    exports = load_exports(data_dir, units, cache_dir() if use_cache else None)
    table = unit_figures(exports.assignments, month, units)
    district = district_figures(exports.orders, exports.assignments, month, settings)
    rejects_path = write_rejects(exports.rejects, Path(out_dir or outputs_dir()) / month / "rejects.csv")
    return MonthFigures(month, exports, units, settings, table, district, rejects_path)
