"""Every input file the reader cannot use is one clear InputError naming the file (and sheet, row,
column where they exist) and saying what to do: never a traceback, and never rows silently lost."""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

import msoffcrypto.format.ooxml
import pytest
import xlsxwriter
from typer.testing import CliRunner

from hotline_lib.io import reading
from hotline_lib.cli import app
from hotline_lib.core.errors import InputError
from hotline_lib.io.exports import load_exports
from hotline_lib.io.headers import column_letter, spellings
from hotline_lib.io.reading import CFB_MAGIC, ENCRYPTION_INFO, read_sheets
from hotline_lib.scoring.unit_table import read_unit_table
from tests.test_exports import ASSIGNMENT_HEADER, ORDER_HEADER, assignment, order, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

ORDER_KEYS = spellings("orders", "order_id")
PASSWORD = ("password-protected workbook: open it in Excel or WPS, remove the password (文件 → 信息 → 保护工作簿), "
            "save as .xlsx and try again")
SAVE_AS = "open it in Excel or WPS and save it as .xlsx or CSV UTF-8"
DAMAGED = "not a readable {} file (corrupt or truncated?)"


def xlsx_bytes() -> bytes:
    """A valid two-order .xlsx."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("工单")
    for r, row in enumerate([ORDER_HEADER, order(), order("00124")]):
        sheet.write_row(r, 0, row)
    workbook.close()
    return buffer.getvalue()


def encrypted_xlsx() -> bytes:
    """A real password-protected .xlsx, encrypted the way Excel does (ECMA-376 agile encryption)."""
    encrypted = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(xlsx_bytes())).encrypt("密码123", encrypted)
    return encrypted.getvalue()


def cfb(*streams: str) -> bytes:
    """A minimal OLE compound file (CFB version 3: 512-byte header, one FAT sector, one directory
    sector) whose root holds empty streams with these names; at most three."""
    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = (CFB_MAGIC + bytes(16) + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9I", 0, 1, 1, 0, 4096, end, 0, end, 0) + struct.pack("<109I", 0, *[free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *[free] * 126)

    def entry(name: str, kind: int, right: int = free, child: int = free) -> bytes:
        encoded = name.encode("utf-16-le") + b"\0\0"
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB3I", len(encoded), kind, 1, free, right, child)
                + bytes(36) + struct.pack("<IQ", end, 0))

    entries = [entry("Root Entry", 5, child=1 if streams else free)]
    entries += [entry(name, 2, right=i + 2 if i + 1 < len(streams) else free) for i, name in enumerate(streams)]
    return header + fat + b"".join(entries).ljust(512, b"\0")


def utf16_text(delimiter: str, title: bool = False) -> str:
    lines = [f"芙蓉区12345工单导出{delimiter * (len(ORDER_HEADER) - 1)}"] if title else []
    lines += [delimiter.join(row) for row in [ORDER_HEADER, order(), order("00124")]]
    return "\r\n".join(lines) + "\r\n"


def _file(name: str, data: bytes):
    def make(tmp_path: Path) -> Path:
        (tmp_path / name).write_bytes(data)
        return tmp_path / name
    return make


def _folder(tmp_path: Path) -> Path:
    (tmp_path / "a-folder.csv").mkdir()
    return tmp_path / "a-folder.csv"


#: case -> (make the file in a folder, what the error says)
BAD_FILES = {
    "missing file": (lambda tmp_path: tmp_path / "nope.csv", "file not found"),
    "folder": (_folder, "is a folder, expected a .csv, .xlsx, .xls, .xlsb or .ods file"),
    "empty": (_file("empty.csv", b""), "file is empty"),
    "whitespace only": (_file("blank.csv", b" \r\n\t\r\n  "), "file is empty"),
    "whitespace only, UTF-16": (_file("blank16.csv", " \r\n\t".encode("utf-16")), "file is empty"),
    "unsupported suffix": (_file("notes.txt", b"hello"), "unsupported file type .txt; expected .csv, .xlsx, .xls, .xlsb or .ods"),
    "no suffix": (_file("orders", b"a,b"), "unsupported file type (none); expected .csv, .xlsx, .xls, .xlsb or .ods"),
    "an OLE file with no sheet, named .xls": (_file("orders.xls", cfb("Workbook")), f"{DAMAGED.format('.xls')}: it holds no sheet; "
                                              "open it in Excel or WPS, save it again as .xlsx and try again"),
    "a zip header named .ods": (_file("orders.ods", b"PK\x03\x04"), DAMAGED.format(".ods")),
    "a .et": (_file("orders.et", cfb("Workbook")), f"a .et spreadsheet cannot be read: {SAVE_AS}"),
    "truncated .xlsx": (_file("cut.xlsx", xlsx_bytes()[:2000]), DAMAGED.format(".xlsx")),
    "CSV text named .xlsx": (_file("text.xlsx", ",".join(ORDER_HEADER).encode()),
                             f"not a .xlsx workbook (a workbook is a zip archive or an OLE file; this may be a CSV, HTML "
                             f"or other file named .xlsx): {SAVE_AS}"),
    "HTML named .xls": (_file("page.xls", b"<html><table><tr><td>\xe5\xb7\xa5</td></tr></table></html>"),
                        "not a .xls workbook (a workbook is a zip archive or an OLE file"),
    "password-protected .xlsx": (_file("secret.xlsx", encrypted_xlsx()), PASSWORD),
    "password-protected, hand-built CFB": (_file("secret2.xlsx", cfb("EncryptionInfo", "EncryptedPackage")), PASSWORD),
    "password-protected, named .csv": (_file("secret.csv", encrypted_xlsx()), PASSWORD),
    "an OLE file with no sheet, named .xlsx": (_file("old.xlsx", cfb("Workbook")), f"{DAMAGED.format('.xlsx')}: it holds no "
                                               "sheet; open it in Excel or WPS, save it again as .xlsx and try again"),
    "an OLE file whose cells say EncryptionInfo": (_file("old2.xlsx", cfb("Workbook") + b"x" + ENCRYPTION_INFO + bytes(200)),
                                                   f"{DAMAGED.format('.xlsx')}: it holds no sheet"),
    "an OLE file with no sheet, named .csv": (_file("old.csv", cfb("Workbook")), f"{DAMAGED.format('.csv')}: it holds no sheet"),
    "UTF-16 without BOM": (_file("bomless.csv", utf16_text("\t").encode("utf-16-le")),
                           "holds NUL characters, so it is not CSV text (a binary file, or UTF-16 without a byte-order "
                           "mark?); open it in Excel or WPS and save it as CSV UTF-8"),
    "binary with NUL bytes": (_file("image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "holds NUL characters"),
    "undecodable bytes": (_file("junk.csv", b"\xff\xfa\x80\x81 not text"),
                          "cannot decode: not UTF-8, GBK or GB18030 text; open it in Excel or WPS and save it as CSV UTF-8"),
    "truncated UTF-16": (_file("cut16.csv", utf16_text("\t").encode("utf-16")[:-1]),
                         "cannot decode the UTF-16 text (truncated or damaged?); open it in Excel or WPS and save it as "
                         "CSV UTF-8"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_one_clear_error(tmp_path, case):
    make, expected = BAD_FILES[case]
    path = make(tmp_path)
    with pytest.raises(InputError) as error:
        read_sheets(path, ORDER_KEYS)
    message = str(error.value)
    assert message.startswith(f"{path}: ") and expected in message and "\n" not in message


@pytest.mark.parametrize("case", ["password-protected .xlsx", "an OLE file with no sheet, named .xlsx", "UTF-16 without BOM",
                                  "a .et"])
def test_the_cli_prints_one_line(tmp_path, case):
    make, expected = BAD_FILES[case]
    path = make(tmp_path)
    result = CliRunner().invoke(app, ["score", str(path)])
    assert result.exit_code == 1 and result.stderr.strip() == f"Error: {path}: {expected}"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("delimiter, title", [("\t", False), ("\t", True), (",", False)])
def test_utf16_text_is_read(tmp_path, units, encoding, delimiter, title):
    """Excel's "Unicode text" (tab-separated UTF-16 with a BOM), and UTF-16 with commas, are decoded."""
    bom = b"\xff\xfe" if encoding == "utf-16-le" else b"\xfe\xff"
    (tmp_path / "unicode.csv").write_bytes(bom + utf16_text(delimiter, title).encode(encoding))
    exports = load_exports(tmp_path, units)
    assert sorted(exports.orders["order_id"]) == ["00123", "00124"] and exports.rejects.empty


def _with_column(header: list[str], rows: list[list[str]], name: str, copy: int) -> tuple[list[str], list[list[str]]]:
    """The table with one more column at the end: ``name``, holding a copy of column ``copy``."""
    return header + [name], [row + [row[copy]] for row in rows]


def _orders_twice(folder: Path) -> None:
    write_csv(folder / "orders.csv", *_with_column(ORDER_HEADER, [order(), order("00124")], "工单编号", 0))


def _assignments_two_spellings(folder: Path) -> None:
    write_csv(folder / "dispatch.csv", *_with_column(ASSIGNMENT_HEADER, [assignment()], "工单编号", 0))


def _assignments_sheet(folder: Path) -> None:
    header, rows = _with_column(ASSIGNMENT_HEADER, [assignment()], "承办部门", 1)
    write_xlsx(folder / "dispatch.xlsx", {"街道": (ASSIGNMENT_HEADER, [assignment()]), "部门": (header, rows)})


def _unreadable(name: str):
    def make(folder: Path) -> None:
        write_csv(folder / "orders.csv", ORDER_HEADER, [order()])
        (folder / name).write_bytes(cfb("Workbook") if name.endswith((".xls", ".et")) else b"PK\x03\x04")
    return make


def _numbers_package(folder: Path) -> None:
    write_csv(folder / "orders.csv", ORDER_HEADER, [order()])
    (folder / "派单.numbers" / "Index").mkdir(parents=True)
    (folder / "派单.numbers" / "Index" / "Document.iwa").write_bytes(b"\x00")


#: case -> (fill a data folder, file named in the error, sheet named in it or None, what it says)
BAD_FOLDERS = {
    "工单 CSV with a column twice": (_orders_twice, "orders.csv", None,
                                  "column 工单编号 appears twice (columns A and N); delete one and try again"),
    "派单 CSV with two spellings of a column": (
        _assignments_two_spellings, "dispatch.csv", None,
        "column 工单编号 appears twice (column A 工单号 and column Q 工单编号 mean the same); delete one and try again"),
    "派单 sheet with two spellings of a column": (
        _assignments_sheet, "dispatch.xlsx", "部门",
        "column 承办单位 appears twice (column B 承办 单位 and column Q 承办部门 mean the same); delete one and try again"),
    **{f"a {suffix} file": (_unreadable(f"派单{suffix}"), f"派单{suffix}", None,
                            f"a {suffix.lower()} spreadsheet cannot be read: {SAVE_AS}")
       for suffix in [".et", ".ET", ".numbers"]},
    "a .numbers package (a folder)": (_numbers_package, "派单.numbers", None, f"a .numbers spreadsheet cannot be read: {SAVE_AS}"),
    "two unreadable files": (lambda folder: [_unreadable("a.et")(folder), _unreadable("b.numbers")(folder)], "a.et", None,
                             f"a .et spreadsheet cannot be read: {SAVE_AS} (and 1 more: b.numbers)"),
    "a damaged .xls": (_unreadable("派单.xls"), "派单.xls", None,
                       f"{DAMAGED.format('.xls')}: it holds no sheet; open it in Excel or WPS, save it again as .xlsx and try again"),
}


@pytest.mark.parametrize("case", list(BAD_FOLDERS))
def test_a_bad_export_is_one_clear_error(tmp_path, units, case):
    fill, name, sheet, expected = BAD_FOLDERS[case]
    fill(tmp_path)
    with pytest.raises(InputError) as error:
        load_exports(tmp_path, units)
    where = f"{tmp_path / name}" + (f", sheet {sheet!r}" if sheet else "")
    assert str(error.value) == f"{where}: {expected}"


def test_unrecognised_repeated_headers_are_harmless(tmp_path, units):
    header, rows = _with_column(ORDER_HEADER + ["备注"], [order() + ["a"], order("00124") + ["b"]], "备注", -1)
    write_csv(tmp_path / "orders.csv", header + ["备注#2"], [row + ["c"] for row in rows])
    exports = load_exports(tmp_path, units)
    assert len(exports.orders) == 2
    (raw,) = read_sheets(tmp_path / "orders.csv", ORDER_KEYS)
    assert list(raw.cells.columns[-3:]) == ["备注", "备注#2", "备注#2#2"]   # unique, whatever the headers say
    assert raw.headers[-3:] == ["备注", "备注", "备注#2"]


@pytest.mark.parametrize("ignored", ["README.md", "scan.pdf", "notes.txt", ".~lock.派单.xls#", ".hidden/派单.xls",
                                     "city_ranking/2021-03.xls", "cases/2021-03.ods"])
def test_files_that_are_not_exports_stay_ignored(tmp_path, units, ignored):
    write_csv(tmp_path / "orders.csv", ORDER_HEADER, [order()])
    (tmp_path / ignored).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / ignored).write_bytes(cfb("Workbook"))
    assert [p.name for p in load_exports(tmp_path, units).files] == ["orders.csv"]


@pytest.mark.parametrize("name, expected", [
    ("部门名称", "column 部门名称 appears twice (columns B and S); delete one and try again"),
    ("单位名称", "column 部门名称 appears twice (column B 部门名称 and column S 单位名称 mean the same); delete one and try again"),
])
def test_unit_table_with_a_column_twice(tmp_path, rules, appendix_frame, name, expected):
    frame = appendix_frame.copy()
    path = tmp_path / "table.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("十二月")
    for r, row in enumerate([[*frame.columns, name], *[[*row, row[1]] for row in frame.itertuples(index=False)]]):
        sheet.write_row(r, 0, row)
    workbook.close()
    with pytest.raises(InputError) as error:
        read_unit_table(path, rules)
    assert str(error.value) == f"{path}, sheet '十二月': {expected}"


def test_column_letters():
    assert [column_letter(i) for i in [0, 13, 25, 26, 51, 701, 702, 16383]] == ["A", "N", "Z", "AA", "AZ", "ZZ", "AAA", "XFD"]


def test_headers_survive_the_cache(tmp_path, units, monkeypatch):
    """A file served from the Parquet cache still has its original headers, so a repeated column is
    still found (the cache stores the table, not the check)."""
    header, rows = _with_column(ORDER_HEADER, [order()], "工单编号", 0)
    write_csv(tmp_path / "orders.csv", header, rows)
    first = read_sheets(tmp_path / "orders.csv", ORDER_KEYS, tmp_path / "cache")
    monkeypatch.setattr(reading, "read_grids", lambda path: pytest.fail("read again"))
    second = read_sheets(tmp_path / "orders.csv", ORDER_KEYS, tmp_path / "cache")
    assert second[0].headers == first[0].headers == header
    with pytest.raises(InputError, match="column 工单编号 appears twice"):
        load_exports(tmp_path, units, cache_dir=tmp_path / "cache")


def test_a_stray_cell_far_beyond_the_table(tmp_path, monkeypatch):
    """A cell typed at row 200 000 would make every row that long: refused, not read into memory."""
    monkeypatch.setattr(reading, "MAX_SHEET_CELLS", 1000)
    path = tmp_path / "stray.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("工单")
    sheet.write_row(0, 0, ORDER_HEADER)
    sheet.write(199, 26, "x")
    workbook.close()
    with pytest.raises(InputError) as error:
        read_sheets(path, ORDER_KEYS)
    assert str(error.value) == (f"{path}, sheet '工单': the sheet reaches cell AA200, too far beyond any export table: "
                                "delete the rows and columns after the table, save and try again")


def test_a_lone_carriage_return_ends_a_row(tmp_path, units):
    """CSV saved with old Mac line ends ("CSV (Macintosh)") reads like any other."""
    text = "\r".join(",".join(row) for row in [ORDER_HEADER, order(), order("00124")]) + "\r"
    (tmp_path / "mac.csv").write_text(text, encoding="utf-8", newline="")
    assert sorted(load_exports(tmp_path, units).orders["order_id"]) == ["00123", "00124"]


def test_read_sheets_names_the_rows_it_keeps(tmp_path):
    """The row numbers are the spreadsheet's own, title and blank lines included."""
    text = "标题,,\n\n" + "\n".join(",".join(row) for row in [ORDER_HEADER, order(), [""] * 13, order("00124")])
    (tmp_path / "o.csv").write_text(text, encoding="utf-8")
    (raw,) = read_sheets(tmp_path / "o.csv", ORDER_KEYS)
    assert raw.cells["_row"].tolist() == [4, 6]


def test_a_digest_is_remembered_only_while_the_file_stays_the_same(tmp_path, monkeypatch):
    """file_digest remembers a settled file's hash (a batch hashes each export once per process); a
    file changed in the last seconds is hashed every time, and a rewritten file is hashed again."""
    path = tmp_path / "x.csv"
    path.write_bytes(b"a,b\n1,2\n")
    first = reading.file_digest(path)
    with monkeypatch.context() as no_hashing:
        no_hashing.setattr(reading, "hashlib", None)
        with pytest.raises(AttributeError):                 # just written: not remembered
            reading.file_digest(path)
    monkeypatch.setattr(reading, "_SETTLED_SECONDS", -1.0)  # as if it had settled
    assert reading.file_digest(path) == first
    with monkeypatch.context() as no_hashing:
        no_hashing.setattr(reading, "hashlib", None)
        assert reading.file_digest(path) == first           # remembered
    os.utime(path, ns=(1_600_000_000 * 10 ** 9,) * 2)       # settled long ago: remembered with this time
    assert reading.file_digest(path) == first
    path.write_bytes(b"a,b\n3,4\n")                       # same size, new content, a new modification time
    assert reading.file_digest(path) != first               # hashed again
