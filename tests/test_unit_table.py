"""Reading the per-unit table: encodings, .xlsx, header spellings, rate formats, and every bad input."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pandas as pd
import pytest
import xlsxwriter
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.errors import InputError
from hotline_lib.io.headers import normalize_header, rename_headers
from hotline_lib.scoring.leaderboard import score_file
from hotline_lib.scoring.unit_table import read_unit_table
from tests.conftest import APPENDIX

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

runner = CliRunner()


def write_xlsx(path, frame: pd.DataFrame, sheet="Sheet1", numeric=True, title=None):
    """Write ``frame`` as an .xlsx the way the platform does: numbers as numbers, rates as fractions."""
    workbook = xlsxwriter.Workbook(str(path))
    sheet_ = workbook.add_worksheet(sheet)
    start = 0
    if title:
        sheet_.write(0, 0, title)
        start = 2
    sheet_.write_row(start, 0, list(frame.columns))
    for r, row in enumerate(frame.itertuples(index=False), start=start + 1):
        for c, value in enumerate(row):
            if numeric and value.endswith("%"):
                sheet_.write_number(r, c, float(Decimal(value[:-1]) / 100))
            elif numeric and value.replace(".", "", 1).isdigit():
                sheet_.write_number(r, c, float(value))
            else:
                sheet_.write_string(r, c, value)
    workbook.close()


def messy_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """Headers as exports spell them: doubled spaces, line breaks, half-width brackets, aliases."""
    spelled = {"签收总数": "签收  总数", "未按时签收数": "未按时\n签收数", "办结工单（含上月流转工单）": "办结工单(含上月流转工单)",
               "按时办结率": "按时   办结率", "回访满意度": "回访满意率", "部门名称": "单位名称"}
    return frame.rename(columns=spelled)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings_score_45_of_45(tmp_path, appendix_frame, encoding):
    path = tmp_path / f"appendix-{encoding}.csv"
    messy_headers(appendix_frame).to_csv(path, index=False, encoding=encoding)
    board = score_file(path, check=True)
    assert (board.units, board.mismatches) == (45, [])


def test_xlsx_with_numbers_fractions_and_a_title_row(tmp_path, appendix_frame):
    path = tmp_path / "appendix.xlsx"
    write_xlsx(path, messy_headers(appendix_frame), title="芙蓉区12345政务热线成员单位工单办理主要考核指标综合得分排行榜")
    board = score_file(path, check=True)
    assert (board.units, board.mismatches) == (45, [])


def test_xlsx_split_across_two_sheets(tmp_path, appendix_frame):
    path = tmp_path / "two-sheets.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    for kind in ["街道", "区直部门"]:
        part = appendix_frame[appendix_frame["类别"] == kind]
        sheet = workbook.add_worksheet(kind)
        sheet.write_row(0, 0, list(part.columns))
        for r, row in enumerate(part.itertuples(index=False), start=1):
            sheet.write_row(r, 0, list(row))
    workbook.close()
    assert score_file(path, check=True).mismatches == []


@pytest.mark.parametrize(
    "shown, expected",
    [("99.10%", "99.10"), ("0.991", "99.10"), ("99.1", "99.10"), ("98.905%", "98.91"), ("100", "100.00"), ("1", "100.00")],
)
def test_rate_formats(tmp_path, appendix_frame, rules, shown, expected):
    frame = appendix_frame.copy()
    frame.loc[frame["部门名称"] == "人力资源和社会保障局", "回访满意度"] = shown
    if shown in {"0.991", "1"}:  # a column of bare fractions: every other cell as a fraction too
        frame["回访满意度"] = [shown if u == "人力资源和社会保障局" else str(Decimal(v[:-1]) / 100)
                           for u, v in zip(frame["部门名称"], frame["回访满意度"])]
    elif shown in {"99.1", "100"}:
        frame["回访满意度"] = [v.rstrip("%") for v in frame["回访满意度"]]
    path = tmp_path / "rates.csv"
    frame.to_csv(path, index=False)
    values = read_unit_table(path, rules).values.set_index("部门名称")
    assert values.loc["人力资源和社会保障局", "回访满意度"] == Decimal(expected)


@pytest.mark.parametrize(
    "header, canonical",
    [("签收  总数", "签收总数"), ("未按时\n签收数", "未按时签收数"), ("办结工单(含上月流转工单)", "办结工单（含上月流转工单）"),
     ("办结工单（含上月流转工单）", "办结工单（含上月流转工单）"), ("回访    满意度", "回访满意度"), ("\u3000部门名称 ", "部门名称")],
)
def test_header_spellings(header, canonical):
    assert rename_headers([header], "unit_table") == {header: canonical}


def test_normalize_header_folds_full_width():
    assert normalize_header("（含 上月）") == normalize_header("(含上月)")


def _edit(appendix_text: str, old: str, new: str) -> str:
    assert old in appendix_text
    return appendix_text.replace(old, new, 1)


WENYI = "街道,文艺路街道办事处,60,0,0,0,54,0,100.00%,0,0,51,51,100.00%,2.00%,0.00%,70,1"
BAD_INPUTS = {
    "empty": (lambda t: "", "file is empty"),
    "missing columns": (lambda t: "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i not in (3, 8))
                                             for line in t.splitlines()), "missing columns: 未按时签收数, 按时办结率"),
    "non-numeric": (lambda t: _edit(t, WENYI, WENYI.replace(",60,", ",六十,")), "row 2, column '签收总数': not a number: '六十'"),
    "negative": (lambda t: _edit(t, WENYI, WENYI.replace(",60,", ",-3,")), "row 2, column '签收总数': negative count '-3'"),
    "satisfied > visited": (lambda t: _edit(t, WENYI, WENYI.replace(",51,51,", ",51,52,")),
                            "row 2, column '回访满意数': 回访满意数 (52) is greater than 回访工单总数 (51)"),
    "unit twice": (lambda t: t + WENYI + "\n", "row 47, column '部门名称': unit '文艺路街道办事处' is listed twice (also row 2)"),
    "unknown kind": (lambda t: _edit(t, WENYI, WENYI.replace("街道,", "社区,", 1)), "row 2, column '类别': unknown 类别 '社区'"),
    "bad rate": (lambda t: _edit(t, WENYI, WENYI.replace("100.00%,0,0,51", "abc,0,0,51")), "row 2, column '按时办结率': not a rate: 'abc'"),
    "rate over 100": (lambda t: _edit(t, WENYI, WENYI.replace("100.00%,0,0,51", "101.00%,0,0,51")), "outside 0% to 100%"),
    "no header": (lambda t: "a,b\n1,2\n", "no header row with 部门名称"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_csv_input_is_one_clear_line(tmp_path, appendix_text, case):
    make, message = BAD_INPUTS[case]
    path = tmp_path / "bad.csv"
    path.write_text(make(appendix_text), encoding="utf-8")
    result = runner.invoke(app, ["score", str(path), "--check"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert lines[0].startswith(f"Error: {path}") and message in lines[0]


def test_missing_file(tmp_path):
    result = runner.invoke(app, ["score", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and result.stderr.strip() == f"Error: {tmp_path / 'nope.csv'}: file not found"


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_corrupt_xlsx(tmp_path, appendix_frame, damage):
    good = tmp_path / "good.xlsx"
    write_xlsx(good, appendix_frame)
    data = good.read_bytes()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"PK\x03\x04 not really a zip" * 10)
    result = runner.invoke(app, ["score", str(bad)])
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "not a readable .xlsx file" in result.stderr and str(bad) in result.stderr


def test_xlsx_error_names_the_sheet(tmp_path, appendix_frame):
    frame = appendix_frame.copy()
    frame.loc[3, "签收总数"] = "n/a"
    path = tmp_path / "sheet.xlsx"
    write_xlsx(path, frame, sheet="十二月")
    with pytest.raises(InputError) as error:
        read_unit_table(path, __import__("hotline_lib.scoring.rules").scoring.rules.load_rules())
    assert str(error.value) == f"{path}, sheet '十二月', row 5, column '签收总数': not a number: 'n/a'"


def test_debug_shows_the_traceback(tmp_path):
    result = runner.invoke(app, ["--debug", "score", str(tmp_path / "nope.csv")])
    assert isinstance(result.exception, InputError)


def test_output_csv_has_bom_and_deduction_columns(tmp_path):
    out = tmp_path / "scored.csv"
    result = runner.invoke(app, ["score", str(APPENDIX), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert {"按时办结率扣分", "回访满意度扣分", "未按时签收扣分", "总分", "排名", "公布总分"} <= set(table.columns)
    row = table.set_index("部门名称").loc["韭菜园街道办事处"]
    assert (row["按时办结率扣分"], row["未按时签收扣分"], row["总分"], row["排名"]) == ("5.56", "0.1", "64.3", "13")


def test_stdout_csv(appendix_text):
    result = runner.invoke(app, ["score", str(APPENDIX)])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 45 and rows[0]["部门名称"] == "文艺路街道办事处"
