"""Reading the platform's spreadsheet exports: CSV in any of its encodings, or every sheet of an .xlsx.

Everything is read as text; parsing numbers, dates and 是/否 is validation's job, so that a bad cell
can be reported with its file, sheet, row and column instead of silently becoming NaN.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from .errors import InputError
from .headers import normalize_header

#: Bump when the cached representation changes, so old cache entries are not reused.
CACHE_VERSION = "1"
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 is a superset of GBK
SUPPORTED = (".csv", ".xlsx", ".xlsm")
HEADER_SEARCH_ROWS = 20


@dataclass
class RawSheet:
    """One table of text cells as found in a file: ``cells`` has the original headers as columns
    and a ``_row`` column with each row's number as a spreadsheet program shows it."""

    path: Path
    sheet: str | None
    cells: pd.DataFrame


def decode_csv_bytes(data: bytes, path: Path) -> str:
    """Text of a CSV export in UTF-8 (with or without BOM), GBK or GB18030."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("cannot decode: not UTF-8, GBK or GB18030 text", path=path)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _grid_csv(path: Path, data: bytes) -> list[tuple[str | None, list[list[str]]]]:
    text = decode_csv_bytes(data, path)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", path=path) from None
    return [(None, rows)]


def _grid_xlsx(path: Path, data: bytes) -> list[tuple[str | None, list[list[str]]]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [
            (name, [[_cell_text(v) for v in row] for row in workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)])
            for name in workbook.sheet_names
        ]
    except InputError:
        raise
    except Exception as exc:  # calamine raises several types for corrupt or truncated files
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"not a readable .xlsx file (corrupt or truncated?): {reason}", path=path) from None


def read_grids(path: str | Path) -> list[tuple[str | None, list[list[str]]]]:
    """Every sheet of a file as rows of text cells: [(sheet name or None for CSV, rows)]."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a folder, expected a .csv or .xlsx file", path=path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(f"unsupported file type {suffix or '(none)'}; expected .csv or .xlsx", path=path)
    data = path.read_bytes()
    if not data.strip():
        raise InputError("file is empty", path=path)
    return _grid_csv(path, data) if suffix == ".csv" else _grid_xlsx(path, data)


def find_header_row(rows: list[list[str]], key_headers: set[str]) -> int | None:
    """Index of the first row (among the first few) holding one of ``key_headers``.

    Exports often carry a title line or two above the table ("芙蓉区…排行榜").
    """
    keys = {normalize_header(k) for k in key_headers}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if keys & {normalize_header(cell) for cell in row}:
            return index
    return None


def grid_to_frame(rows: list[list[str]], header_index: int) -> pd.DataFrame:
    """The table below a header row, as text, with each row's spreadsheet row number in ``_row``.

    Fully empty rows are left out (they hold nothing to use or reject); empty header cells get
    a placeholder name so that no column is lost.
    """
    width = max(len(r) for r in rows[header_index:])
    header = [c.strip() if c.strip() else f"(第{i + 1}列)" for i, c in enumerate(rows[header_index] + [""] * width)][:width]
    seen: dict[str, int] = {}
    for i, name in enumerate(header):  # make duplicate headers unique rather than drop one
        if name in seen:
            seen[name] += 1
            header[i] = f"{name}#{seen[name]}"
        else:
            seen[name] = 1
    body, numbers = [], []
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        cells = [c.strip() for c in row] + [""] * (width - len(row))
        if any(cells):
            body.append(cells[:width])
            numbers.append(offset)
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.insert(0, "_row", pd.array(numbers, dtype="int64"))
    return frame


def file_digest(path: Path) -> str:
    """Content hash of a file: the cache key (a renamed or touched file is still a hit)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sheets(path: str | Path, key_headers: set[str], cache_dir: Path | None = None,
                label: str | None = None) -> list[RawSheet]:
    """Every table in a file, located by its header row, through a Parquet cache when given one.

    ``label`` names the expected header in errors (default: every key header). The cache is keyed by the file's content hash, so a second run reads no spreadsheet; sheets with
    no cell at all are skipped (nothing to lose), a sheet with cells but no known header is an error.
    """
    path = Path(path)
    key = None
    if cache_dir is not None and path.is_file():
        key = f"{file_digest(path)}-v{CACHE_VERSION}-" + hashlib.sha256("|".join(sorted(key_headers)).encode()).hexdigest()[:8]
        cached = _load_cached(path, cache_dir, key)
        if cached is not None:
            return cached
    sheets = []
    for sheet, rows in read_grids(path):
        if not any(cell.strip() for row in rows for cell in row):
            continue
        header_index = find_header_row(rows, key_headers)
        if header_index is None:
            wanted = label or " or ".join(sorted(key_headers))
            raise InputError(f"no header row with {wanted} in the first {HEADER_SEARCH_ROWS} rows", path=path, sheet=sheet)
        sheets.append(RawSheet(path, sheet, grid_to_frame(rows, header_index)))
    if key is not None:
        _store_cached(sheets, cache_dir, key)
    return sheets


def _load_cached(path: Path, cache_dir: Path, key: str) -> list[RawSheet] | None:
    meta_file = cache_dir / f"{key}.json"
    if not meta_file.exists():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        return [RawSheet(path, sheet, pd.read_parquet(cache_dir / f"{key}-{i}.parquet"))
                for i, sheet in enumerate(meta["sheets"])]
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache entry is rebuilt by the caller


def _store_cached(sheets: list[RawSheet], cache_dir: Path, key: str) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(sheets):
        tmp = cache_dir / f".{key}-{i}.parquet.{os.getpid()}.tmp"  # parallel renders may race
        raw.cells.astype({c: "string" for c in raw.cells.columns if c != "_row"}).to_parquet(tmp, index=False)
        tmp.replace(cache_dir / f"{key}-{i}.parquet")
    tmp = cache_dir / f".{key}.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"sheets": [raw.sheet for raw in sheets]}, ensure_ascii=False), encoding="utf-8")
    tmp.replace(cache_dir / f"{key}.json")
