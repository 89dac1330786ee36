"""Every spreadsheet a platform writes. A foreign month's exports (tests/districts.py) as a platform's
workbook — a title merged across the columns above the header, times as date cells, the rows split over
two sheets, each closed by a 合计 row — saved by a real office suite (LibreOffice, headless) as .xls
(Excel 97-2003) and .ods, read to the same unit figures as the unchanged CSV export; the 合计 rows left
out and listed. A per-unit statistics table closed by a 合计 row scores the same from CSV, .xls and .ods.

.xlsb: LibreOffice has no export filter for it ("no export filter ... found"), and no other writer of
it is on this machine; calamine reads it like the others, but no test here reads a written one.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from hotline_lib.figures.month import compute_month
from hotline_lib.io.exports import load_exports
from hotline_lib.io.reading import CFB_MAGIC, read_grids
from hotline_lib.io.totals import CLOSING_ROWS, TOTAL_ROW
from hotline_lib.io.validation import TIME_FORMAT
from hotline_lib.scoring.leaderboard import score_file
from hotline_lib.scoring.unit_table import read_unit_table

from conftest import APPENDIX, workspace
from districts import write_foreign_exports, write_foreign_units
from test_exports import ORDER_HEADER, order, write_csv

MONTH = "2021-03"
FORMATS = ["xls", "ods"]
SHEETS = ["第一页", "第二页"]
PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")
WHOLE = re.compile(r"^\d+$")


def _time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        return None


def _write_cells(sheet, row: int, cells: list[str], formats: dict, numbers: set[int]) -> None:
    """A row as a platform writes it: a time as a date cell, a count (columns ``numbers``) or a rate
    as a number, anything else (工单编号 with its leading zero, phone numbers) as text."""
    for column, text in enumerate(cells):
        time, percent = _time(text), PERCENT.match(text)
        if time is not None:
            sheet.write_datetime(row, column, time, formats["time"])
        elif percent:
            sheet.write_number(row, column, float(Decimal(percent[1]) / 100), formats["rate"])
        elif column in numbers and WHOLE.match(text):
            sheet.write_number(row, column, int(text))
        else:
            sheet.write_string(row, column, text)


def platform_workbook(rows: list[list[str]], target: Path, title: str, sheets: list[str], total: list[str]) -> list[int]:
    """``rows`` (a header, then the table) as a platform's .xlsx: ``title`` merged across the columns
    above the header, the rows split over ``sheets``, each closed by the row ``total`` (合计 ...).
    Returns each sheet's 合计 row number, as a spreadsheet program shows it."""
    header, body = rows[0], [row for row in rows[1:] if any(cell.strip() for cell in row)]
    numbers = {i for i, name in enumerate(header) if name.endswith("数") or "次数" in name}
    workbook = xlsxwriter.Workbook(str(target))
    formats = {"time": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
               "rate": workbook.add_format({"num_format": "0.00%"})}
    size = -(-len(body) // len(sheets))
    total_rows = []
    for index, name in enumerate(sheets):
        part = body[index * size:(index + 1) * size]
        sheet = workbook.add_worksheet(name)
        sheet.merge_range(0, 0, 0, len(header) - 1, title)
        for column, name_ in enumerate(header):
            sheet.write_string(1, column, name_)
        for offset, cells in enumerate(part, start=2):
            _write_cells(sheet, offset, cells, formats, numbers)
        _write_cells(sheet, len(part) + 2, total, formats, numbers)
        total_rows.append(len(part) + 3)
    workbook.close()
    return total_rows


def convert(soffice: str, files: list[Path], fmt: str, folder: Path, profile: Path) -> list[Path]:
    """``files`` saved as ``fmt`` by LibreOffice into ``folder`` (its own profile: no other instance interferes)."""
    folder.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt,
                             "--outdir", str(folder), *map(str, files)], capture_output=True, text=True, timeout=600)
    written = [folder / f"{path.stem}.{fmt}" for path in files]
    assert result.returncode == 0 and all(p.is_file() for p in written), result.stdout + result.stderr
    return written


@pytest.fixture(scope="session")
def office(sample_dir, soffice, tmp_path_factory) -> dict:
    """The foreign month as CSV (unchanged), as the platform's .xlsx, and that workbook saved by
    LibreOffice as .xls and .ods; the appendix as a statistics table closed by a 合计 row, in the same
    formats. Converted once per session."""
    base = tmp_path_factory.mktemp("office")
    csv_files = write_foreign_exports(sample_dir, MONTH, base / "csv")
    units = write_foreign_units(base / "units.yaml")
    (base / "xlsx").mkdir()
    totals = {}
    for path in csv_files:
        ((_, rows),) = read_grids(path)
        target = base / "xlsx" / f"{path.stem}.xlsx"
        totals[path.stem] = platform_workbook(rows, target, f"某某区12345政务热线{path.stem}", SHEETS,
                                              ["合计", f"共 {len(rows) - 1} 条"])
    ((_, appendix),) = read_grids(APPENDIX)
    counts = {i for i, name in enumerate(appendix[0]) if name.endswith("数")}
    total = ["", "合计", *[str(sum(int(row[i]) for row in appendix[1:])) if i in counts else "" for i in range(2, len(appendix[0]))]]
    table = base / "tables" / "各单位统计表.xlsx"
    table.parent.mkdir()
    platform_workbook(appendix, table, "某某区12345政务热线各单位办理情况统计表", ["统计表"], total)
    profile = base / "profile"
    folders = {"csv": base / "csv", "xlsx": base / "xlsx"}
    tables = {"csv": APPENDIX, "xlsx": table}
    for fmt in FORMATS:
        convert(soffice, sorted((base / "xlsx").glob("*.xlsx")), fmt, base / fmt, profile)
        folders[fmt] = base / fmt
        (tables[fmt],) = convert(soffice, [table], fmt, base / "tables" / fmt, profile)
    return {"folders": folders, "units": units, "totals": totals, "tables": tables, "base": base}


def _figures(office: dict, fmt: str, written: bool = False):
    """The month's figures from the exports in ``fmt``; ``written``: with rejects.csv and accounting.json."""
    out = office["base"] / "out" / fmt
    return compute_month(MONTH, workspace(office["folders"][fmt], out, units=office["units"]), out if written else None)


@pytest.fixture(scope="session")
def csv_figures(office):
    return _figures(office, "csv")


def test_the_office_suite_wrote_each_format(office):
    """The converted files are what their names say: an OLE compound file (.xls), an OpenDocument
    spreadsheet (.ods); and they hold the title row, both sheets and the date cells as the .xlsx has them."""
    for path in office["folders"]["xls"].iterdir():
        assert path.read_bytes().startswith(CFB_MAGIC)
    for path in office["folders"]["ods"].iterdir():
        with zipfile.ZipFile(path) as archive:
            assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    name = "派单记录_2021-03"
    expected = read_grids(office["folders"]["xlsx"] / f"{name}.xlsx")
    assert [sheet for sheet, _ in expected] == SHEETS and expected[0][1][0][0] == f"某某区12345政务热线{name}"
    (_, rows), = read_grids(office["folders"]["csv"] / f"{name}.csv")
    assert expected[0][1][2] == rows[1] and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[1][2])
    for fmt in FORMATS:
        assert read_grids(office["folders"][fmt] / f"{name}.{fmt}") == expected, fmt


@pytest.mark.parametrize("fmt", ["xlsx", *FORMATS])
def test_each_format_reads_to_the_figures_of_the_csv_export(office, csv_figures, fmt):
    figures = _figures(office, fmt)
    pd.testing.assert_frame_equal(figures.unit_table, csv_figures.unit_table)
    assert figures.district == csv_figures.district
    assert int(figures.unit_table["签收总数"].sum()) > 1000
    csv_counts, counts = csv_figures.exports.counts(), figures.exports.counts()
    totals = figures.exports.rejects[figures.exports.rejects["reason"] == TOTAL_ROW]
    assert counts == {**csv_counts, "read": csv_counts["read"] + 4, "rejected": csv_counts["rejected"] + 4}
    expected = sorted((f"{name}.{fmt}", sheet, row) for name, rows in office["totals"].items() for sheet, row in zip(SHEETS, rows))
    assert sorted(zip(totals["file"], totals["sheet"], totals["row"])) == expected
    assert set(totals["value"]) == {"合计"} and set(totals["column"]) == {"工单编号", "工单  编号"}
    figures.exports.accounting()   # balances: read = used + duplicates + rejected, per file


def test_the_total_rows_are_listed_in_rejects_csv(office):
    figures = _figures(office, "xls", written=True)
    rejects = pd.read_csv(figures.rejects_path, dtype=str, keep_default_na=False)
    listed = rejects[rejects["reason"].str.startswith("合计行")]
    assert len(listed) == 4 and set(listed["value"]) == {"合计"} and set(listed["sheet"]) == set(SHEETS)
    assert set(listed["file"]) == {"工单明细_2021-03.xls", "派单记录_2021-03.xls"}
    accounting = json.loads((figures.rejects_path.parent / "accounting.json").read_text(encoding="utf-8"))
    assert sum(f["rejected"] for f in accounting["files"]) == len(rejects.drop_duplicates(["file", "sheet", "row"]))


@pytest.mark.parametrize("fmt", ["xlsx", *FORMATS])
def test_a_statistics_table_closed_by_a_total_row_scores_as_the_csv(office, rules, fmt):
    path = office["tables"][fmt]
    table = read_unit_table(path, rules)
    assert [(note.sheet, note.row, note.column) for note in table.totals] == [("统计表", 48, "部门名称")]
    expected = score_file(APPENDIX).table
    board = score_file(path)
    assert board.units == len(expected) == 45
    assert board.table[["部门名称", "总分", "排名"]].equals(expected[["部门名称", "总分", "排名"]])
    assert board.left_out == [f"{path}，工作表 '统计表'，第 48 行，'部门名称' 列：合计行：表末的合计/总计行，不是记录，未计入"]
    plain = read_unit_table(APPENDIX, rules).values.drop(columns=["_row", "_sheet"])
    assert table.values.drop(columns=["_row", "_sheet"]).equals(plain)


DATE_CELLS = [  # (number format, value, the text every format reads)
    ("yyyy-mm-dd hh:mm:ss", dt.datetime(2021, 3, 9, 15, 0, 1), "2021-03-09 15:00:01"),
    ("yyyy/m/d h:mm", dt.datetime(2021, 3, 9, 15, 0), "2021-03-09 15:00:00"),
    ('yyyy"年"m"月"d"日"', dt.datetime(2021, 3, 9), "2021-03-09"),
    ("yyyy-mm-dd", dt.datetime(2021, 3, 9), "2021-03-09"),
    ("hh:mm:ss", dt.datetime(1899, 12, 31, 15, 0), "15:00:00"),
]


def test_date_cells_read_the_same_from_every_format(tmp_path, soffice):
    """However a date cell is formatted, .xls and .ods written by LibreOffice read as the .xlsx does."""
    source = tmp_path / "dates.xlsx"
    workbook = xlsxwriter.Workbook(str(source))
    sheet = workbook.add_worksheet("日期")
    for column, (number_format, value, _) in enumerate(DATE_CELLS):
        sheet.write_datetime(0, column, value, workbook.add_format({"num_format": number_format}))
    workbook.close()
    expected = [("日期", [[text for _, _, text in DATE_CELLS]])]
    assert read_grids(source) == expected
    for fmt in FORMATS:
        (converted,) = convert(soffice, [source], fmt, tmp_path / fmt, tmp_path / "profile")
        assert read_grids(converted) == expected, fmt


# 合计 rows without an office suite: where the word stands, and what is no total
@pytest.mark.parametrize("where", ["key column", "first cell (序号)", "first non-empty cell", "spaced, with a colon"])
def test_a_total_row_closing_an_export_is_left_out_and_listed(tmp_path, units, where):
    header, rows = ["序号", *ORDER_HEADER], [["1", *order()], ["2", *order("00124")]]
    total = {"key column": ["", "合计"], "first cell (序号)": ["合计", ""], "first non-empty cell": ["", "", "总计"],
             "spaced, with a colon": ["", "合 计："]}[where]
    write_csv(tmp_path / "orders.csv", header, [*rows, total + [""] * (len(header) - len(total))])
    exports = load_exports(tmp_path, units)
    assert sorted(exports.orders["order_id"]) == ["00123", "00124"]
    (reject,) = exports.rejects.to_dict("records")
    column = {"key column": "工单编号", "first cell (序号)": "序号", "first non-empty cell": "受理时间",
              "spaced, with a colon": "工单编号"}[where]
    assert reject == {"file": "orders.csv", "sheet": "", "row": 4, "column": column, "value": total[header.index(column)],
                      "reason": TOTAL_ROW}
    assert exports.counts() == {"read": 3, "used": 2, "duplicates": 0, "rejected": 1}


@pytest.mark.parametrize("text", ["合计划生育办", "00125", "合计 2 条"])
def test_a_row_that_only_looks_like_a_total_is_no_total(tmp_path, units, text):
    write_csv(tmp_path / "orders.csv", ORDER_HEADER, [order(), order(text)])
    exports = load_exports(tmp_path, units)
    assert sorted(exports.orders["order_id"]) == sorted(["00123", text]) and exports.rejects.empty


def test_only_the_closing_rows_are_looked_at(tmp_path, units):
    """A 合计 far above the table's end is not a total closing it: an order numbered so is kept."""
    rows = [order("合计"), *[order(f"{i:05d}") for i in range(CLOSING_ROWS)]]
    write_csv(tmp_path / "orders.csv", ORDER_HEADER, rows)
    assert "合计" in set(load_exports(tmp_path, units).orders["order_id"])


@pytest.mark.parametrize("kind, name", [("", "合计"), ("合计", ""), ("总计", "")])
def test_a_statistics_table_closed_by_a_total_row(tmp_path, rules, kind, name):
    """The platform's per-unit table ends with 合计 (in 部门名称, or in 类别 with no unit): left out, listed."""
    frame = pd.read_csv(APPENDIX, dtype=str, keep_default_na=False)
    total = {column: "" for column in frame.columns} | {"类别": kind, "部门名称": name, "签收总数": "1234"}
    pd.concat([frame, pd.DataFrame([total])]).to_csv(tmp_path / "table.csv", index=False)
    table = read_unit_table(tmp_path / "table.csv", rules)
    assert len(table.values) == 45 and "合计" not in set(table.values["部门名称"])
    (note,) = table.totals
    assert (note.row, note.column) == (47, "部门名称" if name else "类别")
    assert str(note) == f"{tmp_path / 'table.csv'}，第 47 行，'{note.column}' 列：合计行：表末的合计/总计行，不是记录，未计入"
    assert score_file(tmp_path / "table.csv").table.equals(score_file(APPENDIX).table)
