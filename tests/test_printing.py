"""What people print: every sheet of every workbook a render or `hotline score --workbook` writes is set
up to print landscape, one page wide, with its header row on every page, its title, its sheet's name and
page numbers (hotline_lib/io/printing.py)."""

from __future__ import annotations

import json
import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

from conftest import APPENDIX, workspace
from hotline_lib.cli import app
from hotline_lib.io.printing import HEADER_LIMIT, header_text, sheet_header, short_title

FOOTER = "第 &P 页，共 &N 页"


def _fit_width(sheet) -> int:
    """pageSetup's fitToWidth; absent means 1 (ECMA-376 §18.3.1.64), which openpyxl reads as None."""
    return 1 if sheet.page_setup.fitToWidth is None else int(sheet.page_setup.fitToWidth)


def assert_prints_well(path, title_parts: list[str]) -> None:
    """Every sheet of the workbook ``path``: the print setup, its title holding ``title_parts``."""
    book = openpyxl.load_workbook(path)
    assert book.worksheets, path
    for sheet in book.worksheets:
        where = f"{path.name}: {sheet.title}"
        assert sheet.page_setup.orientation == "landscape", where
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
        assert _fit_width(sheet) == 1 and int(sheet.page_setup.fitToHeight) == 0, where   # as many pages down as needed
        assert sheet.print_title_rows == "$1:$1", where
        header = sheet.oddHeader
        assert header.right.text == sheet.title, where
        for part in title_parts:
            assert part.replace("&", "&&") in header.left.text, (where, part, header.left.text)
        assert sheet.oddFooter.center.text == FOOTER, where


@pytest.fixture(scope="module")
def month_folder(report_2020_12):
    return report_2020_12.html.parent


def test_every_sheet_of_the_months_workbooks_prints_one_page_wide(month_folder, sample_dir):
    district = workspace(sample_dir).settings.district
    unit_files = json.loads((month_folder / "manifest.json").read_text(encoding="utf-8"))["unit_files"]
    assert len(unit_files) > 10
    assert_prints_well(month_folder / "扣分明细.xlsx", [district, "2020年12月", "扣分明细"])
    for unit, file in unit_files.items():
        assert_prints_well(month_folder / file, [district, "2020年12月", "扣分明细", unit])
    written = sorted(month_folder.rglob("*.xlsx"))
    assert len(written) == 1 + len(unit_files)   # no workbook left unchecked


def test_the_score_workbook_prints_one_page_wide(tmp_path):
    book = tmp_path / "scores.xlsx"
    result = CliRunner().invoke(app, ["score", str(APPENDIX), "--workbook", str(book)])
    assert result.exit_code == 0, result.output
    assert_prints_well(book, [APPENDIX.name, "扣分明细"])
    assert openpyxl.load_workbook(book).sheetnames == ["汇总", "挽回"]


def test_an_ampersand_in_a_title_prints_as_itself(tmp_path):
    """"&" starts a header code (&P is the page number): a unit named "R&D" must not print as "R" + a code."""
    import pandas as pd

    from hotline_lib.io.workbook import write_workbook

    path = write_workbook(tmp_path / "a.xlsx", {"汇总": pd.DataFrame({"部门名称": ["R&D中心"], "总分": [99.5]})},
                          title="2020年12月 扣分明细 R&D中心 &P")
    assert_prints_well(path, ["R&D中心 &P"])
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<oddHeader>&amp;L2020年12月 扣分明细 R&amp;&amp;D中心 &amp;&amp;P&amp;R汇总</oddHeader>" in xml


def test_a_300_character_unit_name_keeps_its_header():
    """Excel (and xlsxwriter, which drops it with a warning) allows 255 characters in a header."""
    header = sheet_header("明细", "2020年12月 扣分明细 " + "区" * 300)
    assert len(header) <= HEADER_LIMIT and header.endswith("…&R明细")
    assert short_title("a  b\n c") == "a b c" and header_text("&P") == "&&P"
    assert sheet_header("汇总") == "&C汇总"
