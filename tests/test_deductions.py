"""Why each point was lost, end to end: the report's 扣分明细 workbooks, `hotline explain`, exemptions
in the bulletin (the sheets' own arithmetic is tested in test_scorebook.py and test_details.py)."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.scoring.rules import load_rules

from conftest import workspace

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("english")]  # English messages
runner = CliRunner()
APPENDIX_COUNTS = {"未按时签收": "未按时签收数", "未及时退回": "未及时退回数", "退单驳回": "退单驳回数", "发回重办": "发回重办数",
                   "延期驳回": "延期驳回数", "未按时办结": "未按时办结数"}
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def _sheet(path, name) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=name, dtype={"工单编号": str}, engine="openpyxl")


@pytest.fixture(scope="module")
def workbook(report_2020_12):
    return report_2020_12.html.parent / "扣分明细.xlsx"


def _data_with_exemption(sample_dir, tmp_path, reason: str, approver: str, folder: str = "exemptions"):
    """A copy of the sample whose 2020-12 exemptions file exempts one of 人社局's late completions;
    returns (data folder, the exempted order)."""
    from hotline_lib.analysis.bulletin import load_month

    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    late = load_month("2020-12", data).deductions.details
    order = late[(late["部门名称"] == "人力资源和社会保障局") & (late["规则"] == "未按时办结")]["工单编号"].iloc[0]
    (data / folder).mkdir()
    (data / folder / "2020-12.csv").write_text(f"工单编号,部门名称,规则,原因,批准人\n{order},人社局,未按时办结,{reason},{approver}\n",
                                              encoding="utf-8")
    return data, order


def test_the_report_writes_the_workbook_made_for_excel(workbook, report_2020_12):
    book = openpyxl.load_workbook(workbook)
    assert book.sheetnames == ["汇总", "明细", "挽回", "核减"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    summary = book["汇总"]
    header = [c.value for c in summary[1]]
    points = summary.cell(row=2, column=header.index("按时办结率") + 1)
    assert isinstance(points.value, (int, float)) and points.number_format == "0.00"
    details = book["明细"]
    header = [c.value for c in details[1]]
    order = details.cell(row=2, column=header.index("工单编号") + 1)
    assert order.data_type == "s"                                    # kept as text: leading zeros survive
    manifest = json.loads((report_2020_12.html.parent / "manifest.json").read_text(encoding="utf-8"))
    assert "扣分明细.xlsx" in manifest["files"] and any(f.startswith("扣分明细/") for f in manifest["files"])
    assert manifest["unit_files"]["湘湖管理局"] == "扣分明细/湘湖管理局.xlsx"
    assert sorted(manifest["unit_files"].values()) == sorted(f for f in manifest["files"] if f.startswith("扣分明细/"))


def test_summary_adds_up_for_all_45_units(workbook):
    rules = load_rules()
    summary = _sheet(workbook, "汇总")
    assert len(summary) == 45
    for _, row in summary.iterrows():
        lost = sum(Decimal(str(row[label])) for label in rules.deductions)
        assert max((rules.base - lost).quantize(rules.rounding.step, rounding="ROUND_HALF_UP"), rules.rounding.floor) == \
            Decimal(str(row["总分"])), row["部门名称"]


def test_detail_rows_equal_the_appendix_count_per_unit_and_rule(workbook, appendix_frame):
    details = _sheet(workbook, "明细")
    appendix = appendix_frame.set_index("部门名称")
    for unit, published in appendix.iterrows():
        for rule, column in APPENDIX_COUNTS.items():
            rows = details[(details["部门名称"] == unit) & (details["规则"] == rule)]
            assert int(rows["次数"].sum()) == int(published[column]), (unit, rule)
    text = details.astype(str).to_string()
    assert not PHONE.search(text)


def test_each_unit_that_lost_points_gets_its_own_workbook(workbook):
    summary = _sheet(workbook, "汇总")
    rules = load_rules()
    lost = summary[[label for label in rules.deductions]].astype(float).sum(axis=1) > 0
    folder = workbook.parent / "扣分明细"
    assert sorted(p.stem for p in folder.glob("*.xlsx")) == sorted(summary.loc[lost, "部门名称"])
    mine = _sheet(folder / "湘湖管理局.xlsx", "明细")
    assert set(mine["部门名称"]) == {"湘湖管理局"} and len(mine) == 6   # 4 late completions, 1 退单驳回, 1 发回重办
    assert not (folder / "文艺路街道办事处.xlsx").exists()


def test_explain_prints_the_worked_example(sample_dir):
    result = runner.invoke(app, ["explain", "2020-12", "人社局", "--data", str(sample_dir)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "人力资源和社会保障局" in out and "总分 67.5" in out
    assert "70 − 2.48 = 67.52 → 67.5" in out
    for shown in ["0.1", "2.18", "0.2", "98.91%", "99.18%", "1.64"]:
        assert shown in out, shown


def test_explain_an_unknown_unit_names_the_closest(sample_dir):
    result = runner.invoke(app, ["explain", "2020-12", "湘湖管委会", "--data", str(sample_dir)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("Error: unit '湘湖管委会'") and "湘湖管理局" in result.output


def test_an_exemption_reaches_the_appendix_the_workbook_and_the_manifest(sample_dir, tmp_path, report_2020_12):
    from hotline_lib.render.month import render_month

    data, order = _data_with_exemption(sample_dir, tmp_path, "系统故障导致无法办结", "=1+2")
    result = render_month("2020-12", workspace(data, tmp_path / "out"))
    page = result.html.read_text(encoding="utf-8")
    assert "注：本月经审核核减工单1件" in page
    figures = json.loads(result.figures.read_text(encoding="utf-8"))
    assert figures["exempted_orders"] == 1
    book = result.html.parent / "扣分明细.xlsx"
    exempted = _sheet(book, "核减")
    assert exempted["工单编号"].tolist() == [order] and exempted["原因"].tolist() == ["系统故障导致无法办结"]
    approver = openpyxl.load_workbook(book)["核减"]
    header = [c.value for c in approver[1]]
    cell = approver.cell(row=2, column=header.index("批准人") + 1)
    assert cell.value == "=1+2" and cell.data_type == "s"          # text from the data never runs as a formula
    summary = _sheet(book, "汇总").set_index("部门名称")
    assert float(summary.at["人力资源和社会保障局", "按时办结率"]) == pytest.approx(1.64)
    manifest = json.loads((result.html.parent / "manifest.json").read_text(encoding="utf-8"))
    assert str(data / "exemptions" / "2020-12.csv") in manifest["inputs"]


def test_exemption_text_is_masked_and_plain_in_explain(sample_dir, tmp_path):
    """An approver's phone in the exemptions file never reaches the workbook or the terminal, and
    text that looks like rich markup is printed as it is."""
    from hotline_lib.analysis.bulletin import load_month

    data, _ = _data_with_exemption(sample_dir, tmp_path, "市民13812345678来电撤诉[/bold]", "李四 13912345678")
    result = runner.invoke(app, ["explain", "2020-12", "人社局", "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "138****5678" in result.output and "139****5678" in result.output and "[/bold]" in result.output
    assert not PHONE.search(result.output)
    month = load_month("2020-12", data)
    sheet = month.deductions.exemptions
    assert sheet["原因"].tolist() == ["市民138****5678来电撤诉[/bold]"] and sheet["批准人"].tolist() == ["李四 139****5678"]


def test_inputs_follow_the_settings_folders(sample_dir, tmp_path):
    """A district that keeps its exemptions in appeals/ (a setting) gets them read as exemptions,
    not as an export the reader cannot classify."""
    import yaml

    from hotline_lib.core.config import settings_file
    from hotline_lib.figures.month import compute_month

    data, order = _data_with_exemption(sample_dir, tmp_path, "系统故障", "张科长", folder="appeals")
    settings = yaml.safe_load(settings_file().read_text(encoding="utf-8"))
    settings["exemptions_file"] = "appeals/{month}.csv"
    custom = tmp_path / "settings.yaml"
    custom.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    figures = compute_month("2020-12", workspace(data, settings=custom))
    assert figures.exemptions["工单编号"].tolist() == [order]
    rate = figures.unit_table.set_index("部门名称").at["人力资源和社会保障局", "按时办结率"]
    assert str(rate) == "99.18"


@pytest.mark.parametrize("columns, as_table", [("120", True), ("80", True), ("60", False), ("30", False)])
def test_explain_never_cuts_an_order_number(sample_dir, columns, as_table):
    """The 工单编号 is what a unit copies into its appeal: whole on one line at any terminal width, in
    the table when it fits with nothing cut, else as plain lines (the number alone on its line)."""
    from hotline_lib.analysis.explain import explain_unit

    orders = explain_unit("2020-12", "人社局", sample_dir).deductions.details["工单编号"].astype(str).tolist()
    assert len(orders) == 5
    result = runner.invoke(app, ["explain", "2020-12", "人社局", "--data", str(sample_dir)], env={"COLUMNS": columns})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for order in orders:
        if as_table:
            assert any(re.search(rf"│ {order} +│", line) for line in lines), order
        else:
            assert order in lines, order   # a line of its own
    assert ("┃ 工单编号" in result.output) == as_table
    assert "…" not in "".join(line for line in lines if any(order in line for order in orders))


# ---- one unit's workbook never reaches another: file names from unit names ----------------------

@pytest.mark.parametrize("names, expected", [
    (["a/b", "a_b"], ["a_b (2).xlsx", "a_b.xlsx"]),                    # the unchanged name keeps its file
    (["a_b", "a/b"], ["a_b.xlsx", "a_b (2).xlsx"]),
    (["a\\b", "a:b", "a*b"], ["a_b.xlsx", "a_b (2).xlsx", "a_b (3).xlsx"]),
    (['<>:"|?*'], ["_______.xlsx"]),
    (["CON"], ["CON_.xlsx"]), (["con.txt"], ["con_.txt.xlsx"]), (["Lpt1"], ["Lpt1_.xlsx"]), (["nul "], ["nul_.xlsx"]),
    (["COM9"], ["COM9_.xlsx"]), (["COM10"], ["COM10.xlsx"]), (["CONSOLE"], ["CONSOLE.xlsx"]),
    (["东湖\x00街道\t办\x7f"], ["东湖_街道_办_.xlsx"]), (["东湖\u202e街道"], ["东湖_街道.xlsx"]),   # control, bidi override
    (["东湖街道. . "], ["东湖街道.xlsx"]), ([".."], ["单位.xlsx"]), ([""], ["单位.xlsx"]), ([" "], ["单位.xlsx"]),
    (["ABC", "abc"], ["ABC.xlsx", "abc (2).xlsx"]),                    # one file where case is ignored
    (["e\u0301", "\u00e9"], ["é (2).xlsx", "é.xlsx"]),                 # one file after NFC
    (["区" * 300], ["区" * 83 + ".xlsx"]),                              # 254 bytes: 255 at most
    (["区" * 300, "区" * 301], ["区" * 83 + ".xlsx", "区" * 82 + " (2).xlsx"]),
    (["a" * 300], ["a" * 250 + ".xlsx"]),
    (["联系人13812345678"], ["联系人138____5678.xlsx"]),              # masked (a file name is read too), * replaced
    (["湘湖管理局"], ["湘湖管理局.xlsx"]),
])
def test_unit_file_names(names, expected):
    from hotline_lib.analysis.deductions import unit_file_names

    files = unit_file_names(names)
    assert [files[name] for name in names] == expected
    assert all(len(f.encode("utf-8")) <= 255 for f in files.values())


def test_every_unit_gets_its_own_workbook_whatever_its_name(sample_dir, tmp_path):
    """Units ``a/b`` and ``a_b`` once both became 扣分明细/a_b.xlsx (one's rows in the other's file), and
    a 300-character name failed the render with "File name too long"."""
    from hotline_lib.analysis.bulletin import load_month
    from hotline_lib.analysis.deductions import UNIT_FILES, Deductions, units_that_lost_points, write_deduction_workbooks
    from hotline_lib.scoring.unit_table import UNIT

    month = load_month("2020-12", sample_dir)
    lost = units_that_lost_points(month.deductions.summary, month.rules)
    names = {lost[0]: "a/b", lost[1]: "a_b", lost[2]: "CON", lost[3]: "区" * 300}
    renamed = Deductions(*(frame.assign(**{UNIT: frame[UNIT].replace(names)}) for frame in month.deductions.sheets().values()))
    write_deduction_workbooks(renamed, month.rules, tmp_path)
    unit_files = json.loads((tmp_path / UNIT_FILES).read_text(encoding="utf-8"))
    assert len(unit_files) == len(lost) == len(list((tmp_path / "扣分明细").glob("*.xlsx")))
    assert [unit_files[name] for name in names.values()] == ["扣分明细/a_b (2).xlsx", "扣分明细/a_b.xlsx", "扣分明细/CON_.xlsx",
                                                              "扣分明细/" + "区" * 83 + ".xlsx"]
    for unit, file in unit_files.items():
        assert set(_sheet(tmp_path / file, "汇总")["部门名称"]) == {unit}, file
        assert set(_sheet(tmp_path / file, "明细")["部门名称"]) <= {unit}, file
