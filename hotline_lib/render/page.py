"""The bulletin page from its section records: numbered headings, one self-contained HTML file."""

from __future__ import annotations

import base64

from hotline_lib.core.numbers import chinese_number
from hotline_lib.core.text import html
from hotline_lib.render.section import Block, Section, is_number


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


def _numeric_columns(block: Block) -> set[int]:
    """Columns whose every cell is a number: their header is right-aligned with them."""
    if not block.rows:
        return set()
    return {i for i in range(len(block.columns)) if all(i < len(r) and is_number(r[i]) for r in block.rows)}


def section_html(section: Section, number: str | None) -> str:
    """One section as HTML; every value from the data masked and escaped, charts as data URIs.

    Chart images are put in after the template has run, so that no masking ever touches their base64.
    """
    charts: dict[str, bytes] = {}

    def chart_token(block: Block) -> str:
        token = f"hotline-chart-{len(charts)}"
        charts[token] = block.png
        return token

    text = html("section.html.j2", section=section, number=number, numeric_columns=_numeric_columns,
                is_number=is_number, chart_token=chart_token)
    for token, png in charts.items():
        text = text.replace(token, base64.b64encode(png).decode("ascii"), 1)
    return text


def bulletin_page(title: str, sections: list[Section], css: str) -> str:
    """The whole bulletin: title, then every section numbered; the @font-face placeholder is left in
    the <style> block for the caller to fill (it depends on the page's characters)."""
    bodies = "\n".join(section_html(s, n) for s, n in zip(sections, numbering(sections)))
    # sections are already masked and escaped: put in after the page template ran, like the charts
    return html("page.html.j2", title=title, body="hotline-sections", css=css).replace("hotline-sections", bodies, 1)
