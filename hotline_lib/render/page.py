"""The bulletin page from its section records: numbered headings, one self-contained HTML file."""

from __future__ import annotations

from hotline_lib.core.numbers import chinese_number
from hotline_lib.core.text import SAMPLE_NOTICE, html
from hotline_lib.render.section import Section, section_html


def numbering(sections: list[Section]) -> list[str | None]:
    """一、二、… for the numbered sections actually present, in order (no gap when one is left out)."""
    numbers, count = [], 0
    for section in sections:
        if section.numbered and section.heading:
            count += 1
            numbers.append(chinese_number(count))
        else:
            numbers.append(None)
    return numbers


def bulletin_page(title: str, sections: list[Section], css: str, sample: bool = False) -> str:
    """The whole bulletin: title (with the 样例数据 notice under it when rendered from the ``sample``),
    then every section numbered; the @font-face placeholder is left in the <style> block for the
    caller to fill (it depends on the page's characters)."""
    bodies = "\n".join(section_html(s, n) for s, n in zip(sections, numbering(sections)))
    # sections are already masked and escaped: put in after the page template ran, like the charts
    return html("page.html.j2", title=title, body="hotline-sections", css=css, sample=sample,
                sample_notice=SAMPLE_NOTICE).replace("hotline-sections", bodies, 1)
