"""Reading the platform's spreadsheet exports: CSV in any of its encodings, or every sheet of a workbook
(.xlsx, .xlsm, .xls, .xlsb, .ods: whichever the platform or an office suite writes).

Everything is read as text; parsing numbers, dates and 是/否 is validation's job, so that a bad cell
can be reported with its file, sheet, row and column instead of silently becoming NaN.

A file that holds no readable table is one InputError saying what to do, never a traceback and never
an empty table that would silently lose its rows:

- CSV text is UTF-8 (with or without BOM), GBK or GB18030, or UTF-16 with a byte-order mark, which is
  what Excel's "Unicode text" writes. UTF-16 text is decoded, not refused: Excel writes it with tabs, so
  its delimiter is a tab when the first rows hold more tabs than commas (else a comma). Text holding a
  NUL character is binary, or UTF-16 without a byte-order mark, and is refused ("save it as CSV UTF-8").
  Random bytes either fail to decode or, decoded (GB18030 accepts a lot), have no header row.
- A workbook is read by its content, not its name: .xlsx, .xlsm, .xlsb and .ods are zip archives, an
  old .xls (Excel 97-2003) is an OLE compound file (CFB), and calamine opens each of them, whatever the
  file is called (an .xlsx named .xls, an .xls named .xlsx or .csv). A password-protected .xlsx is a
  CFB too, holding an "EncryptionInfo" stream: recognised before calamine, which would only say
  "cannot detect file format", and refused with what to do.
- Date cells are text as in the .xlsx ("2021-03-09 15:00:00"), whichever format they come from.
- Spreadsheets in formats no reader here opens (.et, .numbers) are named as such.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import Message, names
from hotline_lib.io.headers import column_letter, normalize_header

#: Bump when the cached representation changes, so old cache entries are not reused.
CACHE_VERSION = "3"
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 is a superset of GBK
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: The workbook formats calamine opens (by content: see the module's docstring).
WORKBOOKS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
SUPPORTED = (".csv", *WORKBOOKS)
#: Spreadsheet formats that hold rows but that no reader here opens: an error, never skipped.
NOT_READ = (".et", ".numbers")
ZIP_MAGIC = b"PK\x03\x04"
#: The advice that ends several messages, one msgid (core/i18n.py) put in as the field {save_as}.
SAVE_AS = Message("open it in Excel or WPS and save it as .xlsx or CSV UTF-8")
HEADER_SEARCH_ROWS = 20
#: More cells than this in one sheet is a stray cell far beyond the table, not an export.
MAX_SHEET_CELLS = 10_000_000
CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")


class NoHeaderRow(InputError):
    """A table with no row naming the key header among its first rows: maybe no export at all (the
    caller decides: a notes file in the data folder is skipped, a damaged export is an error)."""


@dataclass
class RawSheet:
    """One table of text cells as found in a file: ``cells`` has the original headers as columns
    and a ``_row`` column with each row's number as a spreadsheet program shows it."""

    path: Path
    sheet: str | None
    cells: pd.DataFrame
    #: Each column's header as the file has it, column A first (``cells`` makes repeated ones unique).
    headers: list[str] = field(default_factory=list)


def decode_csv_bytes(data: bytes, path: Path) -> str:
    """Text of a CSV export in UTF-8 (with or without BOM), GBK, GB18030 or UTF-16 with a BOM."""
    if data.startswith(UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("cannot decode the UTF-16 text (truncated or damaged?); open it in Excel or WPS "
                             "and save it as CSV UTF-8", path=path) from None
    elif b"\x00" in data:  # no UTF-8 or GB18030 character holds a 0 byte
        raise _binary(path)
    else:
        text = _decode_8bit(data, path)
    if "\x00" in text:
        raise _binary(path)
    return text


def _decode_8bit(data: bytes, path: Path) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("cannot decode: not UTF-8, GBK or GB18030 text; open it in Excel or WPS and save it "
                     "as CSV UTF-8", path=path)


def _binary(path: Path) -> InputError:
    return InputError("holds NUL characters, so it is not CSV text (a binary file, or UTF-16 without a "
                      "byte-order mark?); open it in Excel or WPS and save it as CSV UTF-8", path=path)


def csv_delimiter(text: str) -> str:
    """Tab for Excel's "Unicode text" (tab-separated UTF-16), comma otherwise: whichever the first rows hold more of."""
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    return "\t" if head.count("\t") > head.count(",") else ","


def is_workbook(data: bytes) -> bool:
    """Whether a file's bytes are a workbook: a zip archive (.xlsx, .xlsm, .xlsb, .ods) or an OLE compound file (.xls)."""
    return data.startswith((ZIP_MAGIC, CFB_MAGIC))


def check_not_encrypted(data: bytes, path: Path) -> None:
    """A password-protected .xlsx (a CFB holding "EncryptionInfo", whatever its name) cannot be read: say what to do."""
    if data.startswith(CFB_MAGIC) and is_encrypted_ooxml(data):
        raise _password(path)


def _password(path: Path) -> InputError:
    return InputError("password-protected workbook: open it in Excel or WPS, remove the password "
                      "(文件 → 信息 → 保护工作簿), save as .xlsx and try again", path=path)


def is_encrypted_ooxml(data: bytes) -> bool:
    """True when a CFB holds a stream named "EncryptionInfo": how Office stores a password-protected .xlsx.

    Only a real directory entry counts, not the name anywhere (say in a cell of an old .xls): entries are
    128-byte records on 128-byte boundaries (sectors of 512 or 4096 bytes, after a 512-byte header),
    each with its UTF-16 name, the name's byte length with terminator at +64 and its type at +66 (2: stream).
    """
    start = data.find(ENCRYPTION_INFO)
    while start != -1:
        entry = data[start:start + 67]
        if (start % 128 == 0 and len(entry) == 67 and entry[28:30] == b"\0\0"
                and entry[64:66] == b"\x1e\0" and entry[66] == 2):
            return True
        start = data.find(ENCRYPTION_INFO, start + 1)
    return False


def _cell_text(value) -> str:
    """A cell as text, the same from every workbook format: a date and time as "2021-03-09 15:00:00"
    (to the nearest second: a time stored as a fraction of a day may come back a microsecond short),
    a date as "2021-03-09", a whole number without ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.microsecond:
            value = value.replace(microsecond=0) + dt.timedelta(seconds=round(value.microsecond / 1e6))
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _grid_csv(path: Path, data: bytes) -> list[tuple[str | None, list[list[str]]]]:
    text = decode_csv_bytes(data, path)
    if not text.strip():
        raise InputError("file is empty", path=path)
    delimiter = csv_delimiter(text) if data.startswith(UTF16_BOMS) else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError("not a readable CSV ({reason})", path=path, reason=str(exc)) from None
    return [(None, rows)]


def _grid_workbook(path: Path, data: bytes) -> list[tuple[str | None, list[list[str]]]]:
    """Every sheet of a workbook, whichever of the WORKBOOKS formats its content is."""
    check_not_encrypted(data, path)
    if not is_workbook(data):
        raise InputError("not a {suffix} workbook (a workbook is a zip archive or an OLE file; this may be a CSV, "
                         "HTML or other file named {suffix}): {save_as}", path=path, suffix=path.suffix.lower(),
                         save_as=SAVE_AS)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [(name, _sheet_rows(workbook.get_sheet_by_name(name), path, name)) for name in workbook.sheet_names]
    except InputError:
        raise
    except BaseException as exc:  # calamine raises several types for corrupt or truncated files
        if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":  # a Rust panic is no Exception
            raise
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sheets = None
    if sheets:
        return sheets
    if sheets is not None:   # every workbook has a sheet: an OLE file without one is some other document
        reason = Message("it holds no sheet")
    if "password" in str(reason).lower():   # an .xls or .xlsb saved with a password to open it
        raise _password(path)
    raise InputError("not a readable {suffix} file (corrupt or truncated?): {reason}; open it in Excel or WPS, "
                     "save it again as .xlsx and try again", path=path, suffix=path.suffix.lower(), reason=reason)


def _sheet_rows(sheet, path: Path, name: str) -> list[list[str]]:
    """A sheet's cells from A1 on; a stray cell far beyond the table would otherwise fill memory with blanks."""
    height, width = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
    if height * width > MAX_SHEET_CELLS:
        raise InputError("the sheet reaches cell {cell}, too far beyond any export table: delete the rows and "
                         "columns after the table, save and try again", path=path, sheet=name,
                         cell=f"{column_letter(width - 1)}{height}")
    return [[_cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]


def read_grids(path: str | Path) -> list[tuple[str | None, list[list[str]]]]:
    """Every sheet of a file as rows of text cells: [(sheet name or None for CSV, rows)]."""
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path)
    if path.is_dir():
        raise InputError("is a folder, expected a .csv, .xlsx, .xls, .xlsb or .ods file", path=path)
    suffix = path.suffix.lower()
    if suffix in NOT_READ:
        raise InputError("a {suffix} spreadsheet cannot be read: {save_as}", path=path, suffix=suffix, save_as=SAVE_AS)
    if suffix not in SUPPORTED:
        raise InputError("unsupported file type {suffix}; expected .csv, .xlsx, .xls, .xlsb or .ods", path=path,
                         suffix=suffix or Message("(none)"))
    data = path.read_bytes()
    if not data.strip():
        raise InputError("file is empty", path=path)
    if suffix == ".csv" and not is_workbook(data):   # a workbook named .csv is read as the workbook it is
        return _grid_csv(path, data)
    return _grid_workbook(path, data)


def find_header_row(rows: list[list[str]], key_headers: set[str]) -> int | None:
    """Index of the first row (among the first few) holding one of ``key_headers``.

    Exports often carry a title line or two above the table ("芙蓉区…排行榜").
    """
    keys = {normalize_header(k) for k in key_headers}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if keys & {normalize_header(cell) for cell in row}:
            return index
    return None


def table_headers(rows: list[list[str]], header_index: int) -> list[str]:
    """The header row's cells, one per column of the table; an empty one gets a placeholder name so
    that no column is lost."""
    width = max(len(r) for r in rows[header_index:])
    return [c.strip() if c.strip() else f"(第{i + 1}列)" for i, c in enumerate(rows[header_index] + [""] * width)][:width]


def unique_names(headers: list[str]) -> list[str]:
    """Headers made unique ("备注", "备注#2") rather than one dropped; a repeated column the reader uses
    is the caller's error to raise (see headers.check_unique_columns)."""
    names: dict[str, None] = {}
    for header in headers:
        name, count = header, 1
        while name in names:
            count += 1
            name = f"{header}#{count}"
        names[name] = None
    return list(names)


def grid_to_frame(rows: list[list[str]], header_index: int) -> pd.DataFrame:
    """The table below a header row, as text, with each row's spreadsheet row number in ``_row``.

    Fully empty rows are left out (they hold nothing to use or reject); columns are named by
    ``unique_names(table_headers(...))``.
    """
    header = unique_names(table_headers(rows, header_index))
    width = len(header)
    body, numbers = [], []
    for offset, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        cells = [c.strip() for c in row] + [""] * (width - len(row))
        if any(cells):
            body.append(cells[:width])
            numbers.append(offset)
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.insert(0, "_row", pd.array(numbers, dtype="int64"))
    return frame


#: file -> (its stat, its digest): a batch hashes each export once per process, not three times a month.
_digests: dict[Path, tuple[tuple, str]] = {}
#: A file changed less than this long ago is hashed again every time: a file rewritten within the
#: time stamp's resolution, at the same size, must never keep its old digest ("racy" stat, as git says).
_SETTLED_SECONDS = 2.0


def file_digest(path: Path) -> str:
    """Content hash of a file: the cache key (a renamed or touched file is still a hit). Remembered
    while the file's size, modification and change times stay the same."""
    import time

    path = Path(path)
    stat = path.stat()
    key = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    known = _digests.get(path.resolve())
    if known is not None and known[0] == key:
        return known[1]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if time.time() - max(stat.st_mtime_ns, stat.st_ctime_ns) / 1e9 > _SETTLED_SECONDS:
        _digests[path.resolve()] = (key, digest.hexdigest())
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
        key = cache_key(path, key_headers)
        cached = _load_cached(path, cache_dir, key)
        if cached is not None:
            return cached
    sheets = []
    for sheet, rows in read_grids(path):
        if not any(cell.strip() for row in rows for cell in row):
            continue
        header_index = find_header_row(rows, key_headers)
        if header_index is None:
            wanted = label or "/".join(sorted(key_headers))
            raise NoHeaderRow("no header row with {wanted} in the first {count} rows", path=path, sheet=sheet,
                             wanted=wanted, count=HEADER_SEARCH_ROWS)
        sheets.append(RawSheet(path, sheet, grid_to_frame(rows, header_index), table_headers(rows, header_index)))
    if key is not None:
        _store_cached(sheets, cache_dir, key)
    return sheets


def cache_key(path: Path, key_headers: set[str]) -> str:
    """The name of a file's parsed sheets in the cache: its content, the reader's version, the headers looked for."""
    return f"{file_digest(path)}-v{CACHE_VERSION}-" + hashlib.sha256("|".join(sorted(key_headers)).encode()).hexdigest()[:8]


def cached_rows(path: Path, key_headers: set[str], cache_dir: Path) -> int | None:
    """The rows of a file's tables as the per-file cache holds them, read from the Parquet footers
    (no row is read); None when the file is not in the cache (or its entry is damaged)."""
    import pyarrow.parquet as pq

    key = cache_key(path, key_headers)
    try:
        meta = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        return sum(pq.read_metadata(cache_dir / f"{key}-{i}.parquet").num_rows for i in range(len(meta["sheets"])))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _load_cached(path: Path, cache_dir: Path, key: str) -> list[RawSheet] | None:
    meta_file = cache_dir / f"{key}.json"
    if not meta_file.exists():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        return [RawSheet(path, sheet, pd.read_parquet(cache_dir / f"{key}-{i}.parquet"), headers)
                for i, (sheet, headers) in enumerate(zip(meta["sheets"], meta["headers"], strict=True))]
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache entry is rebuilt by the caller


def _store_cached(sheets: list[RawSheet], cache_dir: Path, key: str) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(sheets):
        tmp = cache_dir / f".{key}-{i}.parquet.{os.getpid()}.tmp"  # parallel renders may race
        raw.cells.astype({c: "string" for c in raw.cells.columns if c != "_row"}).to_parquet(tmp, index=False)
        tmp.replace(cache_dir / f"{key}-{i}.parquet")
    tmp = cache_dir / f".{key}.json.{os.getpid()}.tmp"
    meta = {"sheets": [raw.sheet for raw in sheets], "headers": [raw.headers for raw in sheets]}
    tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    tmp.replace(cache_dir / f"{key}.json")


def table_records(path: str | Path, key: str, columns: list[str], missing: tuple[str, str]):
    """(sheet, records) of each sheet of a small table an office keeps by hand (exemptions, hand-judged
    points): headers normalised, and a sheet lacking one of ``columns`` is one error naming them
    (``missing``: the messages for one and for several missing columns)."""
    for raw in read_sheets(path, {key}, label=key):
        cells = raw.cells.rename(columns={c: normalize_header(c) for c in raw.cells.columns if c != "_row"})
        absent = [c for c in columns if c not in cells.columns]
        if absent:
            raise InputError(missing[len(absent) > 1], path=path, sheet=raw.sheet, columns=names(absent), all=names(columns))
        yield raw.sheet, cells.to_dict("records")
