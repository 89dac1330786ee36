"""The formats a bulletin is written in: the page (HTML) from the section records, then PDF and Word
from the page and the records; and the trends notebook as a page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from hotline_lib.core.config import TEMPLATES_DIR
from hotline_lib.core.i18n import gettext
from hotline_lib.io.directory import load_settings
from hotline_lib.render.fonts import font_face_css
from hotline_lib.render.page import bulletin_page
from hotline_lib.render.section import Section

FORMATS = ["html", "pdf", "docx"]
FORMAT_FILES = {"html": "bulletin.html", "pdf": "bulletin.pdf", "docx": "bulletin.docx"}


def choose_formats(formats, settings=None) -> list[str]:
    """The formats to write: ``formats`` ("html,pdf" or a list) or the settings' list (default: the
    working folder's); html always (every other format, the index and the e-mail start from the page)."""
    from hotline_lib.core.utils import check_argument

    if formats is None:
        chosen = list((settings or load_settings()).formats)
    else:
        chosen = [f.strip() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    for name in chosen:
        check_argument("format", FORMATS, name)
    return [f for f in FORMATS if f in chosen or f == "html"]


def page_from_sections(title: str, sections: list[Section], cache: Path, sample: bool = False) -> str:
    """The bulletin page from its section records, with the CJK font subset it needs (``sample``:
    marked 样例数据 under the title)."""
    css = (TEMPLATES_DIR / "nbconvert" / "bulletin" / "bulletin.css").read_text(encoding="utf-8")
    page = bulletin_page(title, sections, css, sample=sample)
    return page.replace("/* @font-face */", font_face_css(page, cache), 1)


def to_html(executed: nbformat.NotebookNode, title: str, cache: Path) -> str:
    """A notebook as a page (the trends): our nbconvert template, code hidden, no script, no external URL."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="bulletin", extra_template_basedirs=[str(TEMPLATES_DIR / "nbconvert")],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(executed, resources={"metadata": {"name": title}})
    return body.replace("/* @font-face */", font_face_css(body, cache), 1)


def other_formats(formats: list[str], folder: Path, sections: list[Section], settings, title: str,
                  sample: bool = False) -> tuple[list[str], list[str]]:
    """PDF and Word beside the page (``folder``/bulletin.html); returns (formats written, notes). The
    browser prints the PDF while Word is written (one waits on a process, the other computes). No
    browser for the PDF is a note, not a failure: the other formats are written."""
    from hotline_lib.core.errors import BrowserNotFound

    written, notes = ["html"], []
    with ThreadPoolExecutor(max_workers=1) as printer:
        printed = None
        if "pdf" in formats:
            from hotline_lib.render.pdf import html_to_pdf

            printed = printer.submit(html_to_pdf, folder / FORMAT_FILES["html"], folder / FORMAT_FILES["pdf"])
        if "docx" in formats:
            from hotline_lib.render.docx import bulletin_docx

            bulletin_docx(sections, settings, folder / FORMAT_FILES["docx"], title, sample=sample)
        try:
            if printed is not None:
                printed.result()
                written.append("pdf")
        except BrowserNotFound as exc:
            notes.append(gettext("WARNING: no PDF: {reason}", reason=exc))
    if "docx" in formats:
        written.append("docx")
    return written, notes
