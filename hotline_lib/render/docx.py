"""The bulletin as a Word document in the 公文 layout of GB/T 9704-2012, rendered from the section records.

``bulletin_docx(sections, settings, out, title)`` opens the template (``settings.docx_template``, or
the one this package ships, ``templates/docx/gongwen.docx``, made by ``make_template``), keeps what
its body already holds (an office's 红头: 发文机关标志 and red line), and appends the bulletin: title,
every section numbered as on the page (``page.numbering``), the issuing office and the date, then
the appendix as Word tables in a landscape section.

The layout (GB/T 9704-2012):

- A4 portrait; top margin (天头) 37 mm, binding margin (订口, left) 28 mm, type area 156 × 225 mm,
  so right 26 mm and bottom 35 mm.
- 22 lines of 28 characters. Lines: 225 mm = 637.8 pt; 637.8 / 22 = 28.99 pt, so a fixed line
  spacing of 28.95 pt (579 twips, the value Word 公文 templates use) holds 22 lines (636.9 pt) and not
  23. Characters: 156 mm = 442.2 pt; 28 characters of 16 pt take 448 pt, 27 fit. Word 公文 templates
  use a character grid (``w:docGrid w:type="linesAndChars" w:charSpace="-849"``: a pitch of
  16 − 849/4096 = 15.79 pt), but LibreOffice draws every 16 pt character in two cells of such a grid;
  so 16 pt text is instead set 0.25 pt a character tighter (``w:spacing w:val="-5"``, in the styles
  and on every run): 28 × 15.75 = 441 pt, and the first line 32 + 26 × 15.75 = 441.5 pt, both ≤ 442.2.
- Title 2号 (22 pt) 方正小标宋简体, centred. Body 3号 (16 pt) 仿宋_GB2312, first line indented two
  characters (32 pt). First-level headings (一、…) 3号 黑体, second-level ((一)…, the records'
  sub-headings) 3号 楷体_GB2312, indented like the body. Text black.
- Page numbers "— 1 —" in 4号 (14 pt) 宋体 in the footer, odd pages right and even pages left, one
  character in from the edge of the type area (different odd and even footers: ``w:evenAndOddHeaders``);
  the footer sits 23 mm above the page's edge, so the number's line begins 7 mm below the type area.
- Signature: the issuing office (``settings.issuer``) one blank line below the text, right-aligned
  two characters in, and the date (``settings.issue_date``, none when not set) below it, starting two
  characters right of the office's first character (7.3.5.2). The records' own issuer paragraph
  (the appendix's, css_class ``issuer``) is this signature, so it is not repeated.
- The appendix (the sections from the first one holding an ``appendix`` table on) in an A4 landscape
  section with 20 mm margins, tables in 五号 (10.5 pt), header row repeated on every page, no row
  split across pages, columns sized from their content.
- Charts as images 15 cm wide, centred, their alt text as the picture's description.
- Rendered from the generated sample (``sample``): the 样例数据 line (``core.text.SAMPLE_NOTICE``) under
  the title, 3号 黑体, bold and red, centred: a paragraph of the body, so it is read and copied with the text.

Fonts are written as ``w:rFonts`` ascii/hAnsi/eastAsia/cs (python-docx's ``font.name`` sets only
ascii and hAnsi, and Word draws Chinese with eastAsia), on the styles and on every run, so that a
红头 template whose Normal style is 宋体 五号 still gives the 公文 layout. Text is added as text runs
only: nothing from the data can become a field or a formula.

Deterministic: the same records and settings give the same bytes (core properties dated the first
day of the month, zip entries with a fixed timestamp), written atomically.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Mm, Pt, RGBColor

from hotline_lib.core.config import TEMPLATES_DIR, project_root
from hotline_lib.core.errors import SettingsError
from hotline_lib.core.text import SAMPLE_NOTICE
from hotline_lib.core.utils import atomic_path
from hotline_lib.io.directory import Settings
from hotline_lib.render.page import numbering
from hotline_lib.render.section import Block, Section, is_number

DEFAULT_TEMPLATE = TEMPLATES_DIR / "docx" / "gongwen.docx"

# GB/T 9704-2012
TITLE_FONT, BODY_FONT, HEADING_FONT, SUBHEADING_FONT, PAGE_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
TITLE_SIZE, BODY_SIZE, PAGE_SIZE, TABLE_SIZE, APPENDIX_SIZE, CAPTION_SIZE = 22, 16, 14, 12, 10.5, 14
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}      # type area 156 × 225 mm on A4
LINE_PITCH = 579          # twips: fixed line spacing 28.95 pt, 22 lines in 225 mm
CONDENSED = -5           # twentieths of a point: 16 pt text set 0.25 pt tighter, 28 × 15.75 = 441 pt ≤ 156 mm
FOOTER_MM, HEADER_MM = 23, 15
LANDSCAPE_MARGIN_MM, LANDSCAPE_HDRFTR_MM = 20, 10
CHART_WIDTH = Cm(15)
CHART_MAX_HEIGHT = Cm(20)
BLACK = RGBColor(0, 0, 0)
SAMPLE_RED = RGBColor(0xB2, 0x22, 0x22)     # the page's accent (bulletin.css --accent)
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


# Public ---------------------------------------------------------------------------------------------

def bulletin_docx(sections: list[Section], settings: Settings, out: Path, title: str,
                  template: Path | None = None, sample: bool = False) -> Path:
    """Write the bulletin as ``out`` (.docx, atomically) from its section records; returns ``out``.

    ``template``: a .docx to append the bulletin to (default ``settings.docx_template``, else the
    shipped 公文 template). ``sample``: rendered from the generated sample, so the 样例数据 notice
    follows the title, as text in the body (a header or a watermark would not be read, nor copied
    with the text). The same records and settings give byte-identical files."""
    document = _open_template(template_path(settings, template))
    _ensure_styles(document)
    document.settings.odd_and_even_pages_header_footer = True
    _page_numbers(document.sections[-1])
    _title(document, title, sample)
    numbers = numbering(sections)
    appendix_from = next((i for i, s in enumerate(sections) if _is_appendix(s)), len(sections))
    for section, number in zip(sections[:appendix_from], numbers[:appendix_from]):
        _section(document, section, number, settings, landscape=False)
    last = _signature(document, settings.issuer, settings.issue_date)
    if appendix_from < len(sections):
        _landscape_after(document, last)
        for section, number in zip(sections[appendix_from:], numbers[appendix_from:]):
            _section(document, section, number, settings, landscape=True)

    month = sections[0].month if sections else "1980-01"
    _core_properties(document, title, settings.issuer, month)
    out = Path(out)
    with atomic_path(out) as tmp:
        tmp.write_bytes(_deterministic_bytes(document))
    return out


def template_path(settings: Settings, template: Path | str | None = None) -> Path:
    """The template to render on: ``template`` when given, else ``settings.docx_template`` (relative
    to the project or absolute), else the shipped 公文 template."""
    if template is not None:
        path = Path(template)
    elif settings.docx_template:
        path = Path(settings.docx_template).expanduser()
        path = path if path.is_absolute() else project_root() / path
    else:
        path = DEFAULT_TEMPLATE
    if not path.is_file():
        raise SettingsError("docx_template: {path}: file not found", path=path)
    return path


def make_template(path: Path | str = DEFAULT_TEMPLATE) -> Path:
    """The 公文 template this package ships (templates/docx/gongwen.docx): python-docx's blank
    document with the styles (Normal 仿宋_GB2312 16 pt, Title 方正小标宋简体 22 pt, Heading 1 黑体,
    Heading 2 楷体_GB2312), an A4 section with the GB/T 9704 margins, grid and page numbers, and an
    empty body. Deterministic: running it again gives the same bytes."""
    document = docx.Document()
    _ensure_styles(document, overwrite=True)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.orientation = WD_ORIENT.PORTRAIT
    for side, mm in MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    section.gutter = Mm(0)
    section.header_distance, section.footer_distance = Mm(HEADER_MM), Mm(FOOTER_MM)
    _doc_grid(section, LINE_PITCH)
    document.settings.odd_and_even_pages_header_footer = True
    _page_numbers(section)
    for attribute in ("title", "subject", "author", "keywords", "comments", "category", "last_modified_by"):
        setattr(document.core_properties, attribute, "")
    document.core_properties.created = document.core_properties.modified = datetime(2021, 1, 1)
    document.core_properties.revision = 1
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(_deterministic_bytes(document))
    return path


# The template -----------------------------------------------------------------------------------------

def _open_template(path: Path):
    try:
        return docx.Document(str(path))
    except Exception as exc:  # a .dotx, a .doc, any other file: python-docx says it differently each time
        raise SettingsError("docx_template: {path}: not a Word .docx document ({name}); save the template as .docx "
                            "(Word 文档)", path=path, name=type(exc).__name__) from None


_STYLES = {
    # name: (font, size, alignment, first-line indent, outline level)
    "Normal": (BODY_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.JUSTIFY, 2 * BODY_SIZE, None),
    "Title": (TITLE_FONT, TITLE_SIZE, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    "Heading 1": (HEADING_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.JUSTIFY, 2 * BODY_SIZE, 0),
    "Heading 2": (SUBHEADING_FONT, BODY_SIZE, WD_ALIGN_PARAGRAPH.JUSTIFY, 2 * BODY_SIZE, 1),
}


def _ensure_styles(document, overwrite: bool = False) -> None:
    """Our four styles: defined in full when missing (or ``overwrite``); a template's own styles are
    otherwise left alone (every paragraph is also formatted directly)."""
    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    if overwrite and defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _fonts(rpr, BODY_FONT)
            lang = rpr.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                rpr.append(lang)
            lang.set(qn("w:eastAsia"), "zh-CN")
            # the document grid's character pitch counts from the default size (LibreOffice reads it here)
            for tag in ("w:sz", "w:szCs"):
                size = rpr.find(qn(tag))
                if size is None:
                    size = OxmlElement(tag)
                    (lang.addprevious if lang is not None else rpr.append)(size)
                size.set(qn("w:val"), str(2 * BODY_SIZE))
    names = {s.name for s in styles}
    for name, (font, size, alignment, indent, outline) in _STYLES.items():
        if name in names and not overwrite:
            continue
        style = styles[name] if name in names else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        element = style.element
        for child in element.findall(qn("w:pPr")) + element.findall(qn("w:rPr")):
            element.remove(child)
        if name != "Normal":
            style.base_style = styles["Normal"]
            style.next_paragraph_style = styles["Normal"]
            style.quick_style = True
        style.font.size = Pt(size)
        style.font.bold = False
        style.font.color.rgb = BLACK
        _fonts(element.get_or_add_rPr(), font)
        if size == BODY_SIZE:
            _condense(element.get_or_add_rPr())
        _paragraph_format(style.paragraph_format, alignment, indent, keep_next=outline is not None)
        if outline is not None:
            level = OxmlElement("w:outlineLvl")
            level.set(qn("w:val"), str(outline))
            element.get_or_add_pPr().append(level)


def _doc_grid(section, pitch: int) -> None:
    """No snapping grid (the fixed line spacing and the condensed text give 22 × 28), only Word's
    nominal line pitch: a character grid (w:charSpace) draws each 16 pt character in two cells in
    LibreOffice."""
    sect = section._sectPr
    for grid in sect.findall(qn("w:docGrid")):
        sect.remove(grid)
    grid = OxmlElement("w:docGrid")
    grid.set(qn("w:linePitch"), str(pitch))
    sect.append(grid)  # docGrid is the last child CT_SectPr may hold before printerSettings
    printer = sect.find(qn("w:printerSettings"))
    if printer is not None:
        sect.remove(printer)
        sect.append(printer)


def _page_numbers(section) -> None:
    """"— 1 —" in 宋体 14 pt: odd pages (and a 红头 template's own first page) right, even pages left."""
    footers = [(section.footer, True), (section.even_page_footer, False)]
    if section.different_first_page_header_footer:
        footers.append((section.first_page_footer, True))
    for footer, odd in footers:
        footer.is_linked_to_previous = False
        element = footer._element
        for child in list(element):
            element.remove(child)
        paragraph = footer.add_paragraph()
        _paragraph_format(paragraph.paragraph_format, WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT,
                          0, exact=False)
        if odd:
            paragraph.paragraph_format.right_indent = Pt(PAGE_SIZE)
        else:
            paragraph.paragraph_format.left_indent = Pt(PAGE_SIZE)
        _no_grid(paragraph)
        _run(paragraph, "— ", PAGE_FONT, PAGE_SIZE)
        _field(paragraph, "PAGE", "1", PAGE_FONT, PAGE_SIZE)
        _run(paragraph, " —", PAGE_FONT, PAGE_SIZE)


def _field(paragraph, instruction: str, shown: str, font: str, size: float) -> None:
    """A complex field (begin, instruction, separate, the last value shown, end): Word updates it."""
    def char(kind: str):
        run = _run(paragraph, "", font, size)
        mark = OxmlElement("w:fldChar")
        mark.set(qn("w:fldCharType"), kind)
        run._r.append(mark)

    char("begin")
    run = _run(paragraph, "", font, size)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    char("separate")
    _run(paragraph, shown, font, size)
    char("end")


# Content ----------------------------------------------------------------------------------------------

def _is_appendix(section: Section) -> bool:
    return section.key == "appendix" or any(b.kind == "table" and b.css_class == "appendix" for b in section.blocks)


def _title(document, title: str, sample: bool) -> None:
    paragraph = document.add_paragraph(style=_style(document, "Title"))
    _paragraph_format(paragraph.paragraph_format, WD_ALIGN_PARAGRAPH.CENTER, 0)
    _run(paragraph, title, TITLE_FONT, TITLE_SIZE)
    if sample:
        notice = document.add_paragraph(style=_style(document, "Normal"))
        _paragraph_format(notice.paragraph_format, WD_ALIGN_PARAGRAPH.CENTER, 0)
        run = _run(notice, SAMPLE_NOTICE, HEADING_FONT, BODY_SIZE)
        run.font.bold, run.font.color.rgb = True, SAMPLE_RED   # not a 公文: it need not look like one
    _body(document, "")   # 标题下空一行


def _section(document, section: Section, number: str | None, settings: Settings, landscape: bool) -> None:
    if section.heading:
        if number:
            _heading(document, f"{number}、{section.heading}", "Heading 1", HEADING_FONT)
        else:   # the appendix's "附件：…": 黑体, flush left (GB/T 9704 8.2)
            paragraph = document.add_paragraph(style=_style(document, "Normal"))
            _paragraph_format(paragraph.paragraph_format, WD_ALIGN_PARAGRAPH.LEFT, 0, keep_next=True)
            _run(paragraph, section.heading, HEADING_FONT, BODY_SIZE)
    for block in section.blocks:
        if block.kind == "paragraph":
            if block.css_class == "issuer" and block.text.strip() == settings.issuer.strip():
                continue      # the signature at the end of the text
            if block.css_class == "issuer":
                paragraph = _body(document, block.text)
                _paragraph_format(paragraph.paragraph_format, WD_ALIGN_PARAGRAPH.RIGHT, 0)
                paragraph.paragraph_format.right_indent = Pt(2 * BODY_SIZE)
            else:
                _body(document, block.text, block.runs)
        elif block.kind == "subheading":
            if landscape:     # the appendix's title: 小标宋, centred
                paragraph = document.add_paragraph(style=_style(document, "Normal"))
                _paragraph_format(paragraph.paragraph_format, WD_ALIGN_PARAGRAPH.CENTER, 0, keep_next=True)
                _run(paragraph, block.text, TITLE_FONT, TITLE_SIZE)
            else:
                _heading(document, block.text, "Heading 2", SUBHEADING_FONT)
        elif block.kind == "table":
            _table(document, block, landscape)
        elif block.kind == "chart":
            _chart(document, block, landscape)


def _heading(document, text: str, style: str, font: str) -> None:
    paragraph = document.add_paragraph(style=_style(document, style))
    _paragraph_format(paragraph.paragraph_format, WD_ALIGN_PARAGRAPH.JUSTIFY, 2 * BODY_SIZE, keep_next=True)
    _run(paragraph, text, font, BODY_SIZE)


def _body(document, text: str, runs: list[list[str]] | None = None):
    """A body paragraph; with ``runs`` (the case story's emphasis), one Word run each, bold or italic."""
    paragraph = document.add_paragraph(style=_style(document, "Normal"))
    _paragraph_format(paragraph.paragraph_format, WD_ALIGN_PARAGRAPH.JUSTIFY, 2 * BODY_SIZE)
    for part, style in runs or ([[text, ""]] if text else []):
        run = _run(paragraph, part, BODY_FONT, BODY_SIZE)
        if "strong" in style:
            run.bold = True
        if "em" in style:
            run.italic = True
    return paragraph


def _signature(document, issuer: str, date: str):
    """发文机关署名 and 成文日期 (GB/T 9704 7.3.5.2, without a seal); returns the last paragraph."""
    issuer, date = issuer.strip(), date.strip()
    if not issuer and not date:   # the section ends with a paragraph, never a table
        last_block = document.element.body[-2] if len(document.element.body) > 1 else None
        return document.paragraphs[-1] if last_block is not None and last_block.tag == qn("w:p") else _body(document, "")
    _body(document, "")
    issuer_width, date_width = _em(issuer), _em(date)
    # the date starts two characters right of the office's first character; when the date is the
    # longer, the date is two characters in from the right and the office moves left
    date_right = max(2.0, issuer_width - 2 - date_width) if issuer else 4.0
    issuer_right = max(2.0, date_right + date_width + 2 - issuer_width)
    for text, right in ((issuer, issuer_right), (date, date_right)):
        if text:
            last = _body(document, "")
            _paragraph_format(last.paragraph_format, WD_ALIGN_PARAGRAPH.RIGHT, 0)
            last.paragraph_format.right_indent = Pt(right * BODY_SIZE)
            _run(last, text, BODY_FONT, BODY_SIZE)
    return last


def _landscape_after(document, last_paragraph) -> None:
    """End the portrait section at ``last_paragraph``; what follows is an A4 landscape section."""
    body = document.element.body
    sentinel = body.get_or_add_sectPr()
    last_paragraph._p.set_sectPr(sentinel.clone())
    for reference in sentinel.xpath("w:headerReference|w:footerReference"):
        sentinel.remove(reference)     # the page numbers continue, inherited from the text
    section = document.sections[-1]
    section.different_first_page_header_footer = False   # a 红头 first page is the bulletin's, not the appendix's
    section.start_type = WD_SECTION.NEW_PAGE
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in MARGINS_MM:
        setattr(section, f"{side}_margin", Mm(LANDSCAPE_MARGIN_MM))
    section.gutter = Mm(0)
    section.header_distance = section.footer_distance = Mm(LANDSCAPE_HDRFTR_MM)
    _doc_grid(section, 312)


def _chart(document, block: Block, landscape: bool) -> None:
    from docx.image.image import Image

    paragraph = document.add_paragraph(style=_style(document, "Normal"))
    _paragraph_format(paragraph.paragraph_format, WD_ALIGN_PARAGRAPH.CENTER, 0, exact=False)
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(6)
    _no_grid(paragraph)
    image = Image.from_blob(block.png)
    width = CHART_WIDTH
    height = Emu(int(width * image.px_height / max(image.px_width, 1)))
    run = paragraph.add_run()
    if height > CHART_MAX_HEIGHT:
        run.add_picture(io.BytesIO(block.png), height=CHART_MAX_HEIGHT)
    else:
        run.add_picture(io.BytesIO(block.png), width=width)
    for properties in run._r.xpath(".//wp:docPr"):
        properties.set("descr", _clean(block.alt))


def _table(document, block: Block, landscape: bool) -> None:
    size = APPENDIX_SIZE if landscape else TABLE_SIZE
    if block.caption:
        paragraph = document.add_paragraph(style=_style(document, "Normal"))
        _paragraph_format(paragraph.paragraph_format, WD_ALIGN_PARAGRAPH.LEFT, 0, keep_next=True)
        _run(paragraph, block.caption, HEADING_FONT, CAPTION_SIZE if landscape else BODY_SIZE)
    header = [block.columns] if block.columns else []
    rows = header + block.rows
    if not rows:
        return
    count = max(len(r) for r in rows)
    rows = [list(r) + [""] * (count - len(r)) for r in rows]
    section = document.sections[-1]
    available = section.page_width - section.left_margin - section.right_margin
    padding = Pt(2) if landscape else Pt(4)
    widths = _column_widths(rows, bool(header), size, available, padding)

    table = document.add_table(rows=len(rows), cols=count)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _table_properties(table, sum(widths), padding)
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(int(Emu(width).twips)))
    numeric = {i for i in range(count) if block.rows and all(is_number(r[i]) for r in block.rows if i < len(r))}
    for index, (row, values) in enumerate(zip(table.rows, rows)):
        is_header = bool(header) and index == 0
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if is_header:
            properties.append(OxmlElement("w:tblHeader"))
        emphasised = not is_header and (index - len(header)) in block.highlight
        for column, (cell, value, width) in enumerate(zip(row.cells, values, widths)):
            cell.width = width
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            wraps = _em(value) * Pt(size) > width - 2 * padding
            centred = is_header or column in numeric or is_number(value) or not wraps
            _paragraph_format(paragraph.paragraph_format,
                              WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.JUSTIFY, 0, exact=False)
            if is_header:     # never a header alone at the foot of a page
                paragraph.paragraph_format.keep_with_next = True
            _no_grid(paragraph)
            head = is_header or (block.row_headers and column == 0)
            run = _run(paragraph, value, HEADING_FONT if head else BODY_FONT, size)
            if emphasised:
                run.bold = True


def _table_properties(table, width: int, padding: int) -> None:
    """Black single borders, the table's width, cell margins (no table style: a template may lack one)."""
    properties = table._tbl.tblPr
    table_width = properties.find(qn("w:tblW"))
    if table_width is None:
        table_width = OxmlElement("w:tblW")
        properties.append(table_width)
    table_width.set(qn("w:type"), "dxa")
    table_width.set(qn("w:w"), str(int(Emu(width).twips)))
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "single")
        line.set(qn("w:sz"), "4")
        line.set(qn("w:space"), "0")
        line.set(qn("w:color"), "000000")
        borders.append(line)
    margins = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        margin = OxmlElement(f"w:{edge}")
        margin.set(qn("w:w"), str(int(Emu(padding).twips)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    # CT_TblPr's sequence: … tblW, jc, tblCellSpacing, tblInd, tblBorders, shd, tblLayout, tblCellMar, tblLook
    layout = properties.find(qn("w:tblLayout"))
    anchor = layout if layout is not None else properties.find(qn("w:tblLook"))
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        properties.append(borders)
    look = properties.find(qn("w:tblLook"))
    if look is not None:
        look.addprevious(margins)
    else:
        properties.append(margins)


def _column_widths(rows: list[list[str]], header: bool, size: float, available: int, padding: int) -> list[int]:
    """Widths (EMU) filling the type area: every column at least as wide as its widest body cell on
    one line (header cells may wrap, down to two characters), the rest shared by what each column
    would need to show its header unwrapped too."""
    point = Pt(size)
    body = rows[1:] if header else rows
    count = len(rows[0])
    natural, least = [], []
    for i in range(count):
        cells = [_em(r[i]) for r in body] or [0.0]
        head = _em(rows[0][i]) if header else 0.0
        widest = max(cells)
        natural.append(max(widest, head) * point + 2 * padding + Pt(1))
        # a long text cell (a list of departments) may wrap too, down to twelve characters
        floor = max(min(widest, 12.0) if not all(is_number(r[i]) for r in body) else widest, min(head, 2.0), 1.0)
        least.append(floor * point + 2 * padding + Pt(1))
    total = sum(natural)
    if total <= available:
        return [int(w * available / total) for w in natural]
    spare = available - sum(least)
    if spare <= 0:
        return [int(w * available / sum(least)) for w in least]
    extra = [n - m for n, m in zip(natural, least)]
    share = sum(extra) or 1
    return [int(m + spare * e / share) for m, e in zip(least, extra)]


# Formatting -------------------------------------------------------------------------------------------

def _style(document, name: str):
    return document.styles[name]


def _paragraph_format(form, alignment, first_line: float, exact: bool = True, keep_next: bool = False) -> None:
    form.alignment = alignment
    form.first_line_indent = Pt(first_line)
    form.space_before = form.space_after = Pt(0)
    if exact:
        form.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        form.line_spacing = Emu(Pt(1) * LINE_PITCH // 20)
    else:
        form.line_spacing_rule = WD_LINE_SPACING.SINGLE
    form.widow_control = True
    if keep_next:
        form.keep_with_next = True


def _no_grid(paragraph) -> None:
    """Table cells, charts and page numbers do not snap to the text's grid of 28 × 22."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    properties = paragraph._p.get_or_add_pPr()
    # CT_PPr's sequence puts snapToGrid after keepNext … pageBreakBefore, framePr, widowControl, numPr,
    # suppressLineNumbers, pBdr, shd, tabs, suppressAutoHyphens, kinsoku, wordWrap, overflowPunct,
    # topLinePunct, autoSpaceDE, autoSpaceDN, bidi, adjustRightInd: before spacing / ind / jc
    following = [qn(f"w:{t}") for t in ("spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap",
                                        "jc", "textDirection", "textAlignment", "textboxTightWrap",
                                        "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange")]
    for child in properties:
        if child.tag in following:
            child.addprevious(snap)
            return
    properties.append(snap)


def _run(paragraph, text: str, font: str, size: float):
    run = paragraph.add_run(_clean(text))
    run.font.size = Pt(size)
    run.font.color.rgb = BLACK
    _fonts(run._r.get_or_add_rPr(), font)
    if size == BODY_SIZE:
        _condense(run._r.get_or_add_rPr())
    return run


def _condense(rpr) -> None:
    """16 pt text 0.25 pt a character tighter, so that a line of the type area holds 28 characters."""
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        rpr.find(qn("w:sz")).addprevious(spacing)    # CT_RPr: … color, spacing, w, kern, position, sz …
    spacing.set(qn("w:val"), str(CONDENSED))


def _fonts(rpr, font: str) -> None:
    """w:rFonts with every script set to ``font`` (eastAsia is what Word draws Chinese with); theme
    fonts removed, since they would win over the names."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)    # rFonts comes first in CT_RPr (after rStyle)
        style = rpr.find(qn("w:rStyle"))
        if style is not None:
            style.addnext(fonts)
    for attribute in _THEME_ATTRIBUTES:
        fonts.attrib.pop(qn(attribute), None)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)


def _clean(text: str) -> str:
    """Text as Word shows it: characters XML cannot hold dropped (tabs and newlines python-docx turns
    into w:tab and w:br)."""
    return _NOT_XML.sub("", str(text))


def _em(text: str) -> float:
    """Width in characters of the type size, generously (the font may be a fallback): CJK and
    full-width 1, % 0.85, other characters 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.85 if c == "%" else 0.6 for c in str(text))


# Determinism -----------------------------------------------------------------------------------------

def _core_properties(document, title: str, issuer: str, month: str) -> None:
    properties = document.core_properties
    properties.title = title
    properties.author = properties.last_modified_by = issuer
    properties.language = "zh-CN"
    properties.revision = 1
    properties.created = properties.modified = datetime(int(month[:4]), int(month[5:7]), 1)
    properties.last_printed = datetime(int(month[:4]), int(month[5:7]), 1)


def _deterministic_bytes(document) -> bytes:
    """The document's bytes with every zip entry dated FIXED_ZIP_TIME (python-docx dates them now)."""
    raw = io.BytesIO()
    document.save(raw)
    raw.seek(0)
    fixed = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, source.read(entry.filename))
    return fixed.getvalue()


if __name__ == "__main__":   # python -m hotline_lib.render.docx: remake the shipped template
    print(make_template())
