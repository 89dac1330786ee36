"""Workbook columns written a column at a time (io/workbook_columns.py) give the same workbook as
cell by cell: the sample month's 扣分明细 sheets, and a sheet of every dtype, written both ways
(a column of object dtype is still written cell by cell, as every column was before) and compared
part by part, XML byte for byte, and read back with openpyxl."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import pytest
from xlsxwriter.utility import _datetime_to_excel_datetime

from hotline_lib.io import workbook
from hotline_lib.io.workbook import write_workbook
from hotline_lib.io.workbook_columns import excel_serials

from conftest import workspace


def _cell_by_cell(sheets: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The same tables with every column of object dtype: the per-cell path."""
    return {name: frame.astype(object) for name, frame in sheets.items()}


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as book:   # core.xml holds the time of writing
        return {name: book.read(name) for name in book.namelist() if name != "docProps/core.xml"}


def _cells(path) -> dict:
    book = openpyxl.load_workbook(path)
    return {sheet.title: ([[(c.value, c.number_format) for c in row] for row in sheet.iter_rows()],
                          {key: dim.width for key, dim in sheet.column_dimensions.items()}) for sheet in book}


def _assert_same_workbook(sheets, kinds, tmp_path):
    by_column = write_workbook(tmp_path / "by_column.xlsx", sheets, kinds, title="标题")
    by_cell = write_workbook(tmp_path / "by_cell.xlsx", _cell_by_cell(sheets), kinds, title="标题")
    assert _parts(by_column) == _parts(by_cell)
    assert _cells(by_column) == _cells(by_cell)


def test_the_sample_months_deduction_workbook_is_the_same_written_by_column(sample_dir, tmp_path):
    from hotline_lib.analysis.bulletin import load_month
    from hotline_lib.scoring.breakdown import workbook_kinds

    month = load_month("2020-12", workspace(sample_dir, tmp_path / "out"))
    deductions = month.deductions
    details = deductions.details
    assert len(details) > 50 and details["派单时间"].dtype.kind == "M"   # the fast paths are taken
    kinds = workbook_kinds(month.rules)
    _assert_same_workbook(deductions.sheets(), kinds, tmp_path)
    unit = details["部门名称"].iloc[0]
    _assert_same_workbook(deductions.of_unit(unit).sheets(), kinds, tmp_path)


@pytest.mark.parametrize("block_rows", [50_000, 2, 1])
def test_every_dtype_is_written_as_cell_by_cell(block_rows, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "_BLOCK_ROWS", block_rows)   # a sheet written in blocks of rows
    stamps = pd.to_datetime(["2020-12-01 08:30:15.123456", None, "2021-01-31 23:59:59"], format="ISO8601")
    frame = pd.DataFrame({
        "派单时间": stamps,
        "办结时间": stamps.tz_localize("Asia/Shanghai"),
        "退回时间": pd.Series([pd.NaT] * 3, dtype="datetime64[ns]"),
        "是否超期": [True, False, True],
        "超时小时": [1.25, np.nan, -0.0],
        "次数": pd.array([1, None, 30], dtype="Int64"),
        "按时办结率": [98.91, 100.0, np.nan],
        "编号": [7, 8, 9],
        "部门名称": pd.array(["东湖街道", None, "A 单位（测试）"], dtype="string"),
        "规则": pd.Series(["=1+1", "", "未按时签收"], dtype="str"),
        "扣分": [Decimal("0.5"), None, 2],
    })
    _assert_same_workbook({"明细": frame, "空": frame.iloc[:0]}, {"编号": "text"}, tmp_path)


def test_serials_equal_xlsxwriters_one_by_one():
    rng = np.random.default_rng(7)
    low, high = pd.Timestamp("1900-03-01").value, pd.Timestamp("2100-01-01").value
    stamps = pd.Series(pd.to_datetime(rng.integers(low, high, 20_000)))
    expected = [_datetime_to_excel_datetime(t, False, False) for t in stamps.dt.to_pydatetime().tolist()]
    assert excel_serials(stamps.to_numpy(dtype="datetime64[us]")).tolist() == expected


@pytest.mark.parametrize("stamp", ["1900-01-01 12:00", "1900-02-28", "1900-03-01"])
def test_dates_of_early_1900_keep_xlsxwriters_rules(stamp, tmp_path):
    frame = pd.DataFrame({"派单时间": pd.to_datetime([stamp, "2020-12-01 00:00"], format="mixed")})
    _assert_same_workbook({"明细": frame}, None, tmp_path)
