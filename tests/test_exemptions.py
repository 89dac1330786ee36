"""Exemptions (核减): read, checked against the exports, counted out of the unit table before its
rates (both engines alike), one clear error for each bad file, and part of a render's fingerprint."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pandas as pd
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.errors import InputError, UnknownUnitError
from hotline_lib.figures.counts import unit_counts
from hotline_lib.figures.details import DETAIL_COUNTS, deduction_details, exempted_details
from hotline_lib.figures.exempt import applied_exemptions, exempted_counts, subtract_exempted
from hotline_lib.figures.month import compute_month
from hotline_lib.io.exemptions import COLUMNS, read_exemptions
from hotline_lib.render.manifest import Fingerprints
from hotline_lib.scoring.score import SCORE, score_units
from tests.test_figures import M, SIGN, UNITS, assignments

from conftest import workspace

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

HEADER = ",".join(COLUMNS) + "\n"
HR = "人力资源和社会保障局"
LATE_HR = "0201200725"      # one of 人力资源和社会保障局's 4 late completions in 2020-12


@pytest.fixture(scope="module")
def data(sample_dir, tmp_path_factory):
    """A data folder with the sample's exports, for exemption files of its own."""
    folder = tmp_path_factory.mktemp("data")
    shutil.copytree(sample_dir / "exports", folder / "exports")
    (folder / "exemptions").mkdir()
    return folder


@pytest.fixture
def exemptions_file(data):
    path = data / "exemptions" / "2020-12.csv"
    yield path
    path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def december(data):
    return compute_month("2020-12", data, engine="pandas")


def write(path, *rows: str, encoding="utf-8"):
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding=encoding)
    return path


def unit_row(figures, unit=HR) -> pd.Series:
    return figures.unit_table.set_index("部门名称").loc[unit]


# Counted out ---------------------------------------------------------------------------------------

def test_an_exempted_late_completion_raises_the_rate_and_the_score(data, exemptions_file, december, rules):
    before = unit_row(december)
    assert (before["未按时办结数"], before["按时办结率"]) == (4, Decimal("98.91"))
    write(exemptions_file, f"{LATE_HR},区人社局,未按时办结,系统故障导致超时,李四")
    after = compute_month("2020-12", data, engine="pandas")
    row = unit_row(after)
    assert (row["未按时办结数"], row["按时办结率"], row["办结工单（含上月流转工单）"]) == (3, Decimal("99.18"), 367)
    scores = [score_units(f.unit_table, rules).set_index("部门名称").at[HR, SCORE] for f in (december, after)]
    assert scores == [Decimal("67.5"), Decimal("68.1")]
    assert after.exemptions.to_dict("records") == [{"工单编号": LATE_HR, "部门名称": HR, "规则": "未按时办结", "原因": "系统故障导致超时",
                                                    "批准人": "李四", "计数": "未按时办结数", "核减数": 1}]
    others = after.unit_table[after.unit_table["部门名称"] != HR].reset_index(drop=True)
    pd.testing.assert_frame_equal(others, december.unit_table[december.unit_table["部门名称"] != HR].reset_index(drop=True))


def test_an_exempted_unsatisfied_visit_raises_satisfaction(data, exemptions_file, december):
    a = december.exports.assignments
    unsatisfied = a[(a["unit"] == HR) & (a["unit_visit_result"] == "不满意")
                    & (a["unit_visited_at"].dt.strftime("%Y-%m") == "2020-12")]["order_id"].tolist()
    assert len(unsatisfied) == 1
    write(exemptions_file, f"{unsatisfied[0]},{HR},回访不满意,来电人误评,李四")
    row = unit_row(compute_month("2020-12", data, engine="pandas"))
    assert (row["回访工单总数"], row["回访满意数"], row["回访满意度"]) == (362, 362, Decimal("100.00"))


def several(december) -> list[str]:
    """One exemption of each count with a detail row in 2020-12, plus an unsatisfied visit."""
    details = deduction_details(december.exports.assignments, "2020-12")
    rules = {"未按时签收数": "未按时签收", "未及时退回数": "未及时退回", "退单驳回数": "退单驳回", "发回重办数": "发回重办",
             "未按时办结数": "未按时办结"}
    rows = [f"{r['工单编号']},{r['部门名称']},{rules[r['计数']]},核实为非本单位原因,王五"
            for r in details.drop_duplicates("计数").to_dict("records")]
    unsigned = details["状态"].eq("未签收").fillna(False)
    assert len(rows) == 5 and unsigned.any()
    unsigned = details[unsigned].iloc[0]
    return [*rows, f"{unsigned['工单编号']},{unsigned['部门名称']},未按时签收,系统未推送,王五"]


def test_both_engines_agree_with_exemptions(data, exemptions_file, december):
    write(exemptions_file, *dict.fromkeys(several(december)))
    pandas_figures = compute_month("2020-12", data, engine="pandas")
    duckdb_figures = compute_month("2020-12", data, engine="duckdb")
    pd.testing.assert_frame_equal(pandas_figures.unit_table, duckdb_figures.unit_table)
    pd.testing.assert_frame_equal(pandas_figures.exemptions, duckdb_figures.exemptions)
    assert pandas_figures.district == duckdb_figures.district
    assert not pandas_figures.unit_table.equals(december.unit_table)


def test_details_after_exemptions_still_add_up_to_the_table(data, exemptions_file, december):
    path = write(exemptions_file, *dict.fromkeys(several(december)))
    a = december.exports.assignments
    exemptions = read_exemptions(path, december.units)
    figures = compute_month("2020-12", data, engine="pandas")
    details = deduction_details(a, "2020-12", exemptions)
    per_unit = details.groupby(["部门名称", "计数"])["次数"].sum().unstack(fill_value=0).reindex(columns=DETAIL_COUNTS, fill_value=0)
    table = figures.unit_table.set_index("部门名称")
    for unit in table.index:
        for column in DETAIL_COUNTS:
            assert (int(per_unit.at[unit, column]) if unit in per_unit.index else 0) == table.at[unit, column], (unit, column)
    exempted = exempted_details(a, "2020-12", exemptions)
    assert len(exempted) == len(exemptions) and set(exempted["批准人"]) == {"王五"}
    assert len(details) + len(exempted) == len(deduction_details(a, "2020-12"))
    assert int(figures.exemptions["核减数"].sum()) == int(exempted["次数"].sum())


# Hand-made frames -------------------------------------------------------------------------------

def exemption(order="0001", unit="甲街道办事处", rule="未按时签收", **extra) -> dict:
    return {"工单编号": order, "部门名称": unit, "规则": rule, "原因": "核实", "批准人": "赵六", **extra}


def test_a_redo_exemption_takes_out_every_redo_of_the_assignment():
    frame = assignments({**SIGN, "order_id": "0001", "unit_signed_at": "2021-03-10 10:00:00",
                         "unit_completed_at": "2021-03-12 10:00:00", "complete_due": "2021-03-20 12:00:00", "redo_count": 2})
    exempted = exempted_counts(frame, M, pd.DataFrame([exemption(rule="发回重办")]))
    assert exempted.loc["甲街道办事处"].to_dict() == {"未按时签收数": 0, "未及时退回数": 0, "退单驳回数": 0, "未按时办结数": 0,
                                                     "延期驳回数": 0, "发回重办数": 2, "回访工单总数": 0}
    counts = subtract_exempted(unit_counts(frame, M), exempted)
    assert counts.at["甲街道办事处", "发回重办数"] == 0 and counts.at["甲街道办事处", "签收总数"] == 1


def test_an_unsigned_assignment_can_be_exempted():
    frame = assignments({**SIGN, "order_id": "0001"})
    exempted = exempted_counts(frame, M, pd.DataFrame([exemption()]))
    assert exempted.at["甲街道办事处", "未按时签收数"] == 1
    assert deduction_details(frame, M, pd.DataFrame([exemption()])).empty
    assert exempted_details(frame, M, pd.DataFrame([exemption()]))["状态"].tolist() == ["未签收"]


def test_no_exemptions_change_nothing():
    frame = assignments({**SIGN, "order_id": "0001"})
    empty = pd.DataFrame(columns=COLUMNS)
    assert exempted_counts(frame, M, empty).empty and applied_exemptions(frame, M, empty).empty
    pd.testing.assert_frame_equal(deduction_details(frame, M, empty), deduction_details(frame, M))


NOTHING = {
    "order not in the data": (exemption(order="9999"), "row 2, column '工单编号': order 9999 is not in the exports: nothing to exempt"),
    "order of another unit": (exemption(unit="乙局"), "row 2, column '部门名称': order 0001 was never assigned to 乙局 (only to 甲街道办事处): nothing to exempt"),
    "signed on time": (exemption(), "row 2: order 0001 of 甲街道办事处 was not late in signing in 2021-03 (dispatched in 2021-03 and signed late or never): nothing to exempt"),
    "completed on time": (exemption(rule="未按时办结"), "row 2: order 0001 of 甲街道办事处 was not late in completing in 2021-03: nothing to exempt"),
    "no redo": (exemption(rule="发回重办"), "order 0001 of 甲街道办事处 was not sent back for redo among those completed in 2021-03: nothing to exempt"),
    "satisfied visit": (exemption(rule="回访不满意"), "order 0001 of 甲街道办事处 had no unsatisfied return visit in 2021-03: nothing to exempt"),
}


@pytest.mark.parametrize("row, message", NOTHING.values(), ids=NOTHING.keys())
def test_an_exemption_that_matches_nothing_is_an_error(row, message):
    frame = assignments({**SIGN, "order_id": "0001", "unit_signed_at": "2021-03-10 10:00:00", "unit_completed_at": "2021-03-12 10:00:00",
                         "complete_due": "2021-03-20 12:00:00", "unit_visited_at": "2021-03-13 10:00:00", "unit_visit_result": "满意"})
    with pytest.raises(InputError) as error:
        exempted_counts(frame, M, pd.DataFrame([row]))
    assert message in str(error.value)


# Bad files --------------------------------------------------------------------------------------

BAD = {
    "unknown unit": ((f"{LATE_HR},火星探测局,未按时办结,系统故障,李四",), UnknownUnitError,
                     "2020-12.csv, row 2, column '部门名称': unit '火星探测局' is not in the unit directory"),
    "unknown rule": ((f"{LATE_HR},{HR},超时,系统故障,李四",), InputError,
                     "2020-12.csv, row 2, column '规则': 规则 must be one of 未按时签收, 未及时退回, 退单驳回, 发回重办, 延期驳回, "
                     "未按时办结, 回访不满意; got '超时'"),
    "empty reason": ((f"{LATE_HR},{HR},未按时办结,,李四",), InputError,
                     "2020-12.csv, row 2, column '原因': missing value: say why it is exempted"),
    "empty approver": ((f"{LATE_HR},{HR},未按时办结,系统故障,",), InputError,
                       "2020-12.csv, row 2, column '批准人': missing value: say who approved it"),
    "twice": ((f"{LATE_HR},{HR},未按时办结,系统故障,李四", f"{LATE_HR},区人社局,未按时办结,又一次,李四"), InputError,
              f"2020-12.csv, row 3: the same exemption as row 2 (order {LATE_HR} of {HR}, 未按时办结)"),
    "order not in the data": ((f"0201200725,{HR},未按时办结,系统故障,李四", f"0209999999,{HR},未按时办结,系统故障,李四"), InputError,
                              "2020-12.csv, row 3, column '工单编号': order 0209999999 is not in the exports: nothing to exempt"),
    "nothing to exempt": ((f"0201200195,{HR},未按时办结,系统故障,李四",), InputError,
                          f"2020-12.csv, row 2: order 0201200195 of {HR} was not late in completing in 2020-12: nothing to exempt"),
}


@pytest.mark.parametrize("rows, kind, message", BAD.values(), ids=BAD.keys())
def test_a_bad_exemptions_file_is_one_clear_error(data, exemptions_file, rows, kind, message):
    write(exemptions_file, *rows)
    for engine in ["pandas", "duckdb"]:
        with pytest.raises(kind) as error:
            compute_month("2020-12", data, engine=engine)
        assert message in str(error.value) and "\n" not in str(error.value)


def test_a_missing_column_is_named(exemptions_file):
    exemptions_file.write_text(f"工单编号,部门名称,规则,批准人\n{LATE_HR},{HR},未按时办结,李四\n", encoding="utf-8")
    with pytest.raises(InputError, match="2020-12.csv: missing column: 原因 "):
        read_exemptions(exemptions_file, UNITS)


def test_the_cli_prints_a_bad_exemption_as_one_line(data, exemptions_file, tmp_path):
    write(exemptions_file, f"{LATE_HR},{HR},超时,系统故障,李四")
    result = CliRunner().invoke(app, ["stats", "--month", "2020-12", "--data", str(data), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"Error: {exemptions_file}, row 2, column '规则': 规则 must be one of")


def test_aliases_gbk_title_rows_and_leading_zeros(exemptions_file, units):
    exemptions_file.write_text("芙蓉区2020年12月核减工单\n" + HEADER.replace("部门名称", "部门 名称")
                               + "0201200725,区人社局,未按时办结,系统故障,李四\n", encoding="gbk")
    read = read_exemptions(exemptions_file, units)
    assert read[COLUMNS].to_dict("records") == [{"工单编号": "0201200725", "部门名称": HR, "规则": "未按时办结", "原因": "系统故障", "批准人": "李四"}]
    assert read["_row"].tolist() == [3]


def test_no_file_no_exemptions(tmp_path, units):
    read = read_exemptions(tmp_path / "exemptions" / "2020-12.csv", units)
    assert read.empty and list(read.columns[:5]) == COLUMNS


# Fingerprint ------------------------------------------------------------------------------------

def test_the_render_fingerprint_follows_the_exemptions_file(data, exemptions_file):
    def inputs():
        return Fingerprints().inputs("2020-12", workspace(data))

    without = inputs()
    assert without[str(exemptions_file)] == "missing"
    write(exemptions_file, f"{LATE_HR},{HR},未按时办结,系统故障,李四")
    first = inputs()
    write(exemptions_file, f"{LATE_HR},{HR},未按时办结,系统故障,王五")
    second = inputs()
    assert len({str(without), str(first), str(second)}) == 3
    assert set(first) == set(without) and {k for k in first if first[k] != second[k]} == {str(exemptions_file)}


def test_a_frame_made_by_hand_is_checked_too():
    frame = assignments({**SIGN, "order_id": "0001"})
    with pytest.raises(InputError, match="^row 2, column '规则': 规则 must be one of 未按时签收"):
        exempted_counts(frame, M, pd.DataFrame([exemption(rule="未按时签收数")]))


# A file meant as the exemptions, under a name the settings do not expect ---------------------------

def _write_xlsx(path, *rows: list[str]):
    import openpyxl

    book = openpyxl.Workbook()
    for row in [COLUMNS, *rows]:
        book.active.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("name", ["2020-12.xlsx", "2020-12.CSV", "202012.csv"])
def test_an_exemptions_file_under_another_name_is_a_warning(data, tmp_path, name):
    stray = data / "exemptions" / name
    if name.endswith(".xlsx"):
        _write_xlsx(stray, [LATE_HR, HR, "未按时办结", "系统故障导致超时", "李四"])
    else:
        write(stray, f"{LATE_HR},{HR},未按时办结,系统故障导致超时,李四")
    (data / "exemptions" / "2020-11.csv").write_text(HEADER, encoding="utf-8")   # another month's: no warning
    try:
        result = CliRunner().invoke(app, ["stats", "--month", "2020-12", "--data", str(data), "--out", str(tmp_path)])
    finally:
        stray.unlink()
        (data / "exemptions" / "2020-11.csv").unlink()
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert warnings == [f"WARNING: {stray} is not read as the exemptions (核减) of 2020-12: the settings' exemptions_file "
                        f"names {data / 'exemptions' / '2020-12.csv'}; give the file that name and format, or change "
                        "exemptions_file in the settings"]
    import csv
    import io

    table = {row["部门名称"]: row for row in csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff")))}
    assert table[HR]["未按时办结数"] == "4"   # not read: 人社局's 4 late completions stand, which is why it is said


def test_the_render_says_so_too(data, tmp_path):
    stray = _write_xlsx(data / "exemptions" / "2020-12.xlsx", [LATE_HR, HR, "未按时办结", "系统故障导致超时", "李四"])
    try:
        result = CliRunner().invoke(app, ["report", "2020-12", "--data", str(data), "--out", str(tmp_path),
                                          "--formats", "html"])
    finally:
        stray.unlink()
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if str(stray) in line]
    assert len(warnings) == 1 and warnings[0].startswith(f"WARNING: {stray} is not read as the exemptions (核减) of 2020-12")
