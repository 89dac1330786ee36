"""bulletin.docx: the bulletin as a Word document in the 公文 layout (GB/T 9704-2012), read back with python-docx."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from hotline_lib.core.errors import SettingsError
from hotline_lib.core.text import bulletin_title
from hotline_lib.render.docx import DEFAULT_TEMPLATE, bulletin_docx, make_template, template_path
from hotline_lib.render.page import numbering
from hotline_lib.render.section import Section, read_sections

from conftest import APPENDIX

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def records(report_2020_12) -> list[Section]:
    return read_sections(report_2020_12.html.parent / "sections.json")


@pytest.fixture(scope="module")
def rendered(records, settings, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docx") / "bulletin.docx"
    return bulletin_docx(records, settings, out, bulletin_title(settings.district, "2020-12"))


@pytest.fixture(scope="module")
def document(rendered):
    return docx.Document(str(rendered))


def _east_asia(paragraph) -> set[str]:
    return {r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in paragraph.runs if r.text}


def _style_east_asia(style) -> str | None:
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia"))


def _near(length, mm: float) -> bool:
    """Word stores lengths in twips: within 0.1 mm."""
    return abs(length - Mm(mm)) < Mm(0.1)


def _paragraph(document, text: str):
    return next(p for p in document.paragraphs if p.text == text)


@pytest.mark.slow
def test_sentences_as_published(document):
    texts = [p.text for p in document.paragraphs]
    assert "2020年12月，全区共签收工单3717件，办结工单3514件(含上月流转工单），回访工单3327件。" in texts[2]
    assert "12月份，我区12345政务热线工作满意度在内五区排名第二，总分排名第一。具体情况如下：" in texts
    assert texts[0] == "芙蓉区12345政务热线十二月份情况通报"


@pytest.mark.slow
def test_headings_numbered_as_on_the_page(document, records):
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    expected = [f"{n}、{s.heading}" for s, n in zip(records, numbering(records)) if n]
    assert headings == expected == ["一、全市排名情况", "二、区内情况统计", "三、本月热线特点", "四、疫情工单数据", "五、优秀案例分享"]
    subheadings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert "（二）满意度低于97%的单位" in subheadings


@pytest.mark.slow
def test_appendix_cells_as_published(document):
    reference = pd.read_csv(APPENDIX, dtype=str, keep_default_na=False)
    appendix = [t for t in document.tables if len(t.columns) == 17]
    assert len(appendix) == 2
    for table, kind in zip(appendix, ["街道", "区直部门"]):
        cells = [[c.text for c in row.cells] for row in table.rows]
        assert cells[0] == list(reference.columns[1:])            # 部门名称 … 总分, 排名
        # every row as published (units tied on 总分 may come in another order: the records' order is kept)
        assert sorted(cells[1:]) == sorted(reference[reference["类别"] == kind].iloc[:, 1:].values.tolist())
        assert [int(r[-1]) for r in cells[1:]] == sorted(int(r[-1]) for r in cells[1:])
    assert sum(len(t.rows) - 1 for t in appendix) == 45


@pytest.mark.slow
def test_appendix_rows_repeat_header_and_never_split(document):
    for table in (t for t in document.tables if len(t.columns) == 17):
        rows = table._tbl.tr_lst
        assert rows[0].trPr.find(qn("w:tblHeader")) is not None
        assert all(r.trPr.find(qn("w:cantSplit")) is not None for r in rows)
        sizes = {r.font.size for row in table.rows for c in row.cells for p in c.paragraphs for r in p.runs}
        assert sizes == {Pt(10.5)}


@pytest.mark.slow
def test_page_size_and_margins(document):
    body, appendix = document.sections
    assert body.orientation == WD_ORIENT.PORTRAIT
    assert _near(body.page_width, 210) and _near(body.page_height, 297)
    for side, mm in {"top": 37, "left": 28, "right": 26, "bottom": 35}.items():
        assert abs(getattr(body, f"{side}_margin") - Mm(mm)) < Mm(0.1), side
    assert abs(body.page_width - body.left_margin - body.right_margin - Mm(156)) < Mm(0.1)
    assert abs(body.page_height - body.top_margin - body.bottom_margin - Mm(225)) < Mm(0.1)
    assert appendix.orientation == WD_ORIENT.LANDSCAPE
    assert _near(appendix.page_width, 297) and _near(appendix.page_height, 210)
    assert all(getattr(appendix, f"{s}_margin") >= Mm(20) - Mm(0.1) for s in ("top", "left", "right", "bottom"))
    # the appendix tables are in the landscape section, after its break
    body_xml = document.element.body
    break_at = next(i for i, e in enumerate(body_xml) if e.find(f"{W}pPr/{W}sectPr") is not None)
    tables_at = [i for i, e in enumerate(body_xml) if e.tag == f"{W}tbl"]
    assert sum(i > break_at for i in tables_at) == 2


@pytest.mark.slow
def test_fonts(document):
    styles = document.styles
    assert _style_east_asia(styles["Normal"]) == "仿宋_GB2312" and styles["Normal"].font.size == Pt(16)
    assert _style_east_asia(styles["Title"]) == "方正小标宋简体" and styles["Title"].font.size == Pt(22)
    assert _style_east_asia(styles["Heading 1"]) == "黑体"
    assert _style_east_asia(styles["Heading 2"]) == "楷体_GB2312"
    title = document.paragraphs[0]
    assert _east_asia(title) == {"方正小标宋简体"} and title.alignment == 1   # centred
    body = _paragraph(document, "12月份，我区12345政务热线工作满意度在内五区排名第二，总分排名第一。具体情况如下：")
    assert _east_asia(body) == {"仿宋_GB2312"}
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert body.paragraph_format.line_spacing == Pt(28.95)
    assert _east_asia(_paragraph(document, "一、全市排名情况")) == {"黑体"}
    assert _east_asia(_paragraph(document, "（二）满意度低于97%的单位")) == {"楷体_GB2312"}
    colors = {r.font.color.rgb for p in document.paragraphs for r in p.runs if r.text}
    assert {str(c) for c in colors} == {"000000"}


@pytest.mark.slow
def test_page_numbers_odd_right_even_left(document, rendered):
    with zipfile.ZipFile(rendered) as package:
        assert b"<w:evenAndOddHeaders" in package.read("word/settings.xml")
    section = document.sections[0]
    for footer, alignment in ((section.footer, 2), (section.even_page_footer, 0)):   # RIGHT, LEFT
        assert not footer.is_linked_to_previous
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == alignment
        assert paragraph.text == "— 1 —"
        assert " PAGE " in [t.text for t in paragraph._p.iter(f"{W}instrText")]
        assert [c.get(qn("w:fldCharType")) for c in paragraph._p.iter(f"{W}fldChar")] == ["begin", "separate", "end"]
        assert {r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in paragraph.runs} == {"宋体"}
        assert {r.font.size for r in paragraph.runs} == {Pt(14)}
    assert document.sections[1].footer.is_linked_to_previous     # numbering runs on into the appendix


@pytest.mark.slow
def test_three_charts(document, rendered):
    pictures = document.inline_shapes
    assert len(pictures) == 3
    assert all(abs(p.width - Cm(15)) < Cm(0.01) for p in pictures)
    with zipfile.ZipFile(rendered) as package:
        assert len([n for n in package.namelist() if n.startswith("word/media/")]) == 3
    assert "全市排名（总分）" in [d.get("descr") for d in document.element.body.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")]


@pytest.mark.slow
def test_byte_identical_renders(records, settings, rendered, tmp_path):
    again = bulletin_docx(records, settings, tmp_path / "again.docx", bulletin_title(settings.district, "2020-12"))
    assert again.read_bytes() == rendered.read_bytes()
    with zipfile.ZipFile(again) as package:
        assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = package.read("docProps/core.xml").decode()
    assert "2020-12-01T00:00:00Z" in core and not list(tmp_path.glob(".*.tmp"))


@pytest.mark.slow
def test_issuer_and_date(records, settings, document, tmp_path):
    texts = [p.text for p in document.paragraphs]
    assert texts.count("长沙市芙蓉区行政审批服务局") == 1             # the signature, not repeated above the appendix
    assert not any("年" in t and t.endswith("日") for t in texts)      # no date set: none shown
    dated = settings.model_copy(update={"issue_date": "2021年1月5日"})
    document = docx.Document(str(bulletin_docx(records, dated, tmp_path / "dated.docx", "标题")))
    texts = [p.text for p in document.paragraphs]
    issuer = texts.index("长沙市芙蓉区行政审批服务局")
    assert texts[issuer + 1] == "2021年1月5日"
    date = document.paragraphs[issuer + 1]
    assert date.alignment == 2 and _east_asia(date) == {"仿宋_GB2312"}
    # the signature ends the portrait text: the section break is in the date's paragraph
    assert date._p.pPr.sectPr is not None


@pytest.mark.slow
def test_custom_template(records, settings, tmp_path):
    template = tmp_path / "红头.docx"
    office = docx.Document()
    red = office.add_paragraph().add_run("长沙市芙蓉区行政审批服务局文件")
    red.font.color.rgb = docx.shared.RGBColor(0xFF, 0, 0)
    section = office.sections[0]
    section.different_first_page_header_footer = True
    section.first_page_header.paragraphs[0].text = "红头页眉"
    office.save(str(template))

    for custom in (settings.model_copy(update={"docx_template": str(template)}), settings):
        given = None if custom is not settings else template
        out = bulletin_docx(records, custom, tmp_path / "custom.docx", "标题", template=given)
        document = docx.Document(str(out))
        assert [p.text for p in document.paragraphs[:2]] == ["长沙市芙蓉区行政审批服务局文件", "标题"]
        body, appendix = document.sections
        assert body.first_page_header.paragraphs[0].text == "红头页眉"
        assert body.first_page_footer.paragraphs[0].text == "— 1 —"
        assert not appendix.different_first_page_header_footer
        # the 公文 fonts even though the template's Normal is python-docx's own
        assert _east_asia(_paragraph(document, "一、全市排名情况")) == {"黑体"}


def test_template_setting_resolves(settings, tmp_path):
    assert template_path(settings) == DEFAULT_TEMPLATE
    relative = settings.model_copy(update={"docx_template": "hotline_lib/templates/docx/gongwen.docx"})
    assert template_path(relative) == DEFAULT_TEMPLATE
    with pytest.raises(SettingsError, match="docx_template: .*missing.docx: file not found"):
        template_path(settings.model_copy(update={"docx_template": str(tmp_path / "missing.docx")}))
    (tmp_path / "not.docx").write_text("not a document")
    with pytest.raises(SettingsError, match="not a Word .docx document"):
        bulletin_docx([], settings, tmp_path / "x.docx", "标题", template=tmp_path / "not.docx")


def test_shipped_template_is_make_template(tmp_path):
    """hotline_lib/templates/docx/gongwen.docx is what make_template writes (python -m hotline_lib.render.docx)."""
    assert make_template(tmp_path / "gongwen.docx").read_bytes() == DEFAULT_TEMPLATE.read_bytes()


# Fast: no report needed -------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["=SUM(A1:A3)", "{ PAGE }", "\x13 DDE \x14", "<w:t>x</w:t>", "行一\x0b行二"])
def test_data_stays_text(settings, tmp_path, text):
    section = Section("t", "2020-12", heading="测试")
    section.paragraph(text)
    section.table(pd.DataFrame({"单 位": [text], "数": ["1"]}))
    out = bulletin_docx([section], settings, tmp_path / "t.docx", "标题")
    document = docx.Document(str(out))
    shown = text.replace("\x13", "").replace("\x14", "").replace("\x0b", "")
    assert shown in [p.text for p in document.paragraphs]
    assert document.tables[0].cell(1, 0).text == shown
    instructions = [t.text for t in document.element.body.iter(f"{W}instrText")]
    assert instructions == []          # page numbers live in the footers; nothing in the body is a field


def test_issue_date_setting(tmp_path):
    import datetime

    from hotline_lib.io.directory import Settings, load_settings

    base = load_settings().model_dump()
    assert Settings.model_validate({**base, "issue_date": datetime.date(2021, 1, 5)}).issue_date == "2021年1月5日"
    assert Settings.model_validate({**base, "issue_date": None}).issue_date == ""
    assert load_settings().issue_date == "" and load_settings().docx_template == ""


def test_no_appendix_no_landscape(settings, tmp_path):
    section = Section("t", "2020-12", heading="测试")
    section.table(pd.DataFrame({"a": ["1"]}))
    document = docx.Document(str(bulletin_docx([section], settings, tmp_path / "t.docx", "标题")))
    assert len(document.sections) == 1
    assert document.paragraphs[-1].text == "长沙市芙蓉区行政审批服务局"


def test_zip_is_a_valid_package(tmp_path, settings):
    out = bulletin_docx([], settings, tmp_path / "empty.docx", "标题")
    with zipfile.ZipFile(out) as package:
        assert package.testzip() is None and package.namelist()[0] == "[Content_Types].xml"
    assert docx.Document(io.BytesIO(out.read_bytes())).paragraphs[0].text == "标题"
