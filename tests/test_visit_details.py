"""The data the other cities' schemes need: 基本满意数, 已联系数 and 已解决数 per unit, from the optional
派单 columns 是否联系 … and 是否解决 … (io/visit_details.py), and the sample's own copy of them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import workspace
from hotline_lib.cli import app
from hotline_lib.figures.counts import APPENDIX_COLUMNS, VISIT_DETAIL_COLUMNS
from hotline_lib.figures.month import compute_month
from hotline_lib.io.coverage import missing_column_warnings, missing_columns
from hotline_lib.io.exports import load_exports
from hotline_lib.io.headers import normalize_header, spellings
from hotline_lib.io.reading import read_grids
from hotline_lib.scoring.rules import load_rules
from hotline_lib.scoring.rules_input import required_columns
from tests.test_exports import ASSIGNMENT_HEADER, assignment, write_csv

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

MONTH = "2021-03"
COMPLETED = "2021-03-03 09:00:00"


def visited(order_id: str, unit: str = "东湖街道办事处", result: str = "满意", when: str = "2021-03-04 09:00:00",
            completed: str = COMPLETED) -> list[str]:
    """A 派单 row completed and visited (``when``) with ``result``."""
    row = assignment(order_id, unit=unit, completed=completed, result=result)
    row[13] = when
    return row


def write_assignments(folder: Path, extra: dict[str, list[str]], rows: list[list[str]]) -> Path:
    """One 派单 CSV: the usual columns, then each of ``extra`` (header -> a value per row)."""
    folder.mkdir(parents=True, exist_ok=True)
    cells = [row + [values[i] for values in extra.values()] for i, row in enumerate(rows)]
    write_csv(folder / "派单.csv", ASSIGNMENT_HEADER + list(extra), cells)
    return folder


# --- reading ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("header, value, column, expected", [
    ("是否联系", "是", "contacted", True), ("是否联系", "否", "contacted", False),
    ("是否已联系", "是", "contacted", True), ("联系情况", "已联系", "contacted", True),
    ("联系情况", "未联系", "contacted", False), ("联系情况", "联系不上", "contacted", False),
    ("是否响应", "否", "contacted", False), ("响应情况", "已响应", "contacted", True),
    ("响应情况", "未响应", "contacted", False), ("是否 联系", " 是 ", "contacted", True),
    ("是否联系", "", "contacted", None),
    ("是否解决", "是", "resolved", True), ("是否已解决", "否", "resolved", False),
    ("解决情况", "已解决", "resolved", True), ("解决情况", "未解决", "resolved", False),
    ("解决情况", "部分解决", "resolved", False), ("是否解决", "Y", "resolved", True),
    ("是否解决", "", "resolved", None),
])
def test_each_spelling_and_word_is_read(tmp_path, units, header, value, column, expected):
    data = write_assignments(tmp_path / "data", {header: [value]}, [visited("00123")])
    exports = load_exports(data, units)
    assert exports.rejects.empty
    read = exports.assignments[column].iloc[0]
    assert (pd.isna(read) if expected is None else bool(read) is expected)
    assert exports.sources["assignments"]["派单.csv"]["columns"].count(column) == 1


def test_an_unknown_word_rejects_its_row_naming_file_sheet_row_and_column(tmp_path, units):
    data = write_assignments(tmp_path / "data", {"解决情况": ["已解决", "基本解决"]},
                             [visited("00123"), visited("00124")])
    figures = compute_month(MONTH, workspace(data, tmp_path / "out"), tmp_path / "out")
    assert figures.exports.records()["assignments"] == 1
    lines = figures.rejects_path.read_text(encoding="utf-8-sig").splitlines()
    assert lines == ["file,sheet,row,column,value,reason", "派单.csv,,3,解决情况,基本解决,应为 是 或 否、已解决、未解决 或 部分解决"]


# --- the unit table --------------------------------------------------------------------------------

#: 东湖: four visits in March (满意 是 已解决, 基本满意 是 部分解决, 基本满意 否 已解决, 不满意 是 未解决), one in
#: February (not counted), one completed and not visited; 人社局: two visits in March, one with a blank 是否联系.
ROWS = [visited("01", result="满意"), visited("02", result="基本满意"), visited("03", result="基本满意"),
        visited("04", result="不满意"),
        visited("05", result="基本满意", when="2021-02-28 09:00:00", completed="2021-02-27 09:00:00"),
        assignment("06", completed=COMPLETED),
        visited("07", unit="区人社局", result="基本满意"), visited("08", unit="区人社局", result="满意")]
CONTACTED = ["是", "是", "否", "是", "是", "", "是", ""]
RESOLVED = ["已解决", "部分解决", "已解决", "未解决", "已解决", "", "已解决", "已解决"]


def _table(tmp_path: Path, extra: dict, engine: str = "pandas") -> pd.DataFrame:
    data = write_assignments(tmp_path / "data", extra, ROWS)
    return compute_month(MONTH, workspace(data), engine=engine).unit_table.set_index("部门名称")


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_the_unit_table_counts_them_by_hand(tmp_path, engine):
    table = _table(tmp_path, {"是否联系": CONTACTED, "解决情况": RESOLVED}, engine)
    east, hr = table.loc["东湖街道办事处"], table.loc["人力资源和社会保障局"]
    assert (east["回访工单总数"], east["基本满意数"], east["已联系数"], east["已解决数"]) == (4, 2, 3, 2)
    assert (hr["回访工单总数"], hr["基本满意数"], hr["已解决数"]) == (2, 1, 2)
    assert pd.isna(hr["已联系数"])          # a blank 是否联系 of a visit of the month: not a count that guesses
    others = table.drop(index=["东湖街道办事处", "人力资源和社会保障局"])
    assert (others[VISIT_DETAIL_COLUMNS] == 0).all().all()
    assert list(table.columns[-3:]) == VISIT_DETAIL_COLUMNS and not set(VISIT_DETAIL_COLUMNS) & set(APPENDIX_COLUMNS)


def test_a_missing_column_leaves_its_figure_missing_and_is_named(tmp_path):
    table = _table(tmp_path, {"是否联系": CONTACTED})
    assert table["已解决数"].isna().all()
    assert table.loc["东湖街道办事处", "已联系数"] == 3 and table.loc["东湖街道办事处", "基本满意数"] == 2
    exports = load_exports(tmp_path / "data", compute_month(MONTH, workspace(tmp_path / "data")).units)
    sanlv = required_columns(load_rules("sanlv"), set())   # rules that read 已联系数 and 已解决数
    missing = [m for m in missing_columns(exports.sources, MONTH, sanlv) if m.kind == "assignments"]
    assert [m.column for m in missing] == ["resolved"]
    assert missing_column_warnings(missing, MONTH, lang="en") == [
        "WARNING: no 派单 export of 2021-03 has a “是否解决” column: 单位数据（供用到它的考核规则计分，不进通报）：已解决数 "
        "will be empty (or 0)"]


def test_an_exempted_visit_is_no_contacted_or_resolved_visit_either(tmp_path):
    (tmp_path / "data" / "exemptions").mkdir(parents=True)
    (tmp_path / "data" / "exemptions" / f"{MONTH}.csv").write_text(
        "工单编号,部门名称,规则,原因,批准人\n04,东湖街道办事处,回访不满意,【虚构】重复来电,张三\n", encoding="utf-8")
    east = _table(tmp_path, {"是否联系": CONTACTED, "解决情况": RESOLVED}).loc["东湖街道办事处"]
    assert (east["回访工单总数"], east["回访满意数"], east["已联系数"], east["已解决数"]) == (3, 3, 2, 2)


# --- the sample --------------------------------------------------------------------------------------

#: Every cell of the sample's export files but the new columns (and 诉求内容, whose text another change
#: rewrites), as `hotline sample` wrote them before the columns existed: what the new stream must not move.
BEFORE = "997790f2bfcf1330ee2be745872fabc4dec79bd853fc89e0d340ee093c774643"
NEW_HEADERS = spellings("assignments", "contacted") | spellings("assignments", "resolved")


def cells_digest(folder: Path, left_out: set[str]) -> str:
    """sha256 of every file's name, sheet, title rows and cells (the columns headed as ``left_out`` left out)."""
    keys = spellings("orders", "order_id")
    digest = hashlib.sha256()
    for path in sorted((folder / "exports").iterdir()):
        for sheet, rows in read_grids(path):
            top = next(i for i, r in enumerate(rows) if keys & {normalize_header(c) for c in r})
            keep = [j for j, c in enumerate(rows[top]) if normalize_header(c) not in left_out]
            digest.update(f"{path.name}|{sheet}|{top}\n".encode())
            for row in rows[:top]:
                digest.update(("\t".join(row) + "\n").encode())
            for row in rows[top:]:
                digest.update(("\t".join(row[j] if j < len(row) else "" for j in keep) + "\n").encode())
    return digest.hexdigest()


def test_every_other_sample_value_is_as_before(sample_dir):
    assert cells_digest(sample_dir, {"诉求内容"} | NEW_HEADERS) == BEFORE
    headers = {normalize_header(c) for path in (sample_dir / "exports").iterdir() for _, rows in read_grids(path)
               for row in rows[:3] for c in row}
    assert len(headers & NEW_HEADERS) >= 4   # the months spell them in more than one way


def test_the_samples_visits_are_mostly_contacted_and_resolved_less_when_unsatisfied(sample_dir, units, tmp_path):
    a = load_exports(sample_dir / "exports", units, tmp_path / "cache").assignments
    seen = a[a["unit_visit_result"].notna()]
    assert seen["contacted"].notna().all() and seen["resolved"].notna().all()
    assert a.loc[a["unit_visit_result"].isna(), ["contacted", "resolved"]].isna().all().all()
    assert 0.97 <= seen["contacted"].mean() <= 0.99
    assert 0.85 <= seen["resolved"].mean() <= 0.92
    by_result = seen.groupby("unit_visit_result")["resolved"].mean()
    assert by_result["不满意"] < 0.5 < by_result["基本满意"] < by_result["满意"]


def test_the_published_appendix_and_stats_have_none_of_them(sample_dir, tmp_path):
    figures = compute_month("2020-12", workspace(sample_dir), tmp_path / "out")
    assert figures.unit_table[VISIT_DETAIL_COLUMNS].notna().all().all()
    assert (figures.unit_table["基本满意数"] <= figures.unit_table["回访满意数"]).all()
    assert (figures.unit_table["已联系数"] <= figures.unit_table["回访工单总数"]).all()
    result = CliRunner().invoke(app, ["stats", "--month", "2020-12", "--data", str(sample_dir), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split(",") == ["类别", "部门名称", *APPENDIX_COLUMNS]
    from hotline_lib.analysis.bulletin import appendix
    from hotline_lib.analysis.scheme import score_month
    from hotline_lib.scoring.rules import load_rules
    rules = load_rules("furong")
    for _, _, table in appendix(score_month(figures.unit_table, rules), rules):
        assert not set(VISIT_DETAIL_COLUMNS) & set(table.columns)
