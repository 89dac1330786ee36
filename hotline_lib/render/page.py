"""The bulletin page from its section records: numbered headings, one self-contained HTML file."""

from __future__ import annotations

from hotline_lib.core.i18n import gettext
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


def section_labels(sections: list[Section]) -> dict[str, str]:
    """Section key -> how a message names it in this bulletin: 第三部分“本月热线特点”, as the warning
    for a section left out does (numbered sections present only; io/coverage.py names the others)."""
    return {s.key: f"第{n}部分“{s.heading}”" for s, n in zip(sections, numbering(sections)) if n}


def bulletin_page(title: str, sections: list[Section], css: str, sample: bool = False) -> str:
    """The whole bulletin: title (with the 样例数据 notice under it when rendered from the ``sample``),
    then every section numbered; the @font-face placeholder is left in the <style> block for the
    caller to fill (it depends on the page's characters)."""
    bodies = "\n".join(section_html(s, n) for s, n in zip(sections, numbering(sections)))
    # sections are already masked and escaped: put in after the page template ran, like the charts
    return html("page.html.j2", title=title, body="hotline-sections", css=css, sample=sample,
                sample_notice=SAMPLE_NOTICE).replace("hotline-sections", bodies, 1)


def left_out_warnings(records: list[Section]) -> list[str]:
    """One warning for each section left out this month (``Section.leave_out``: a missing input),
    naming the number it would have had: one more than the numbered sections present before it."""
    warnings, count = [], 0
    for record in records:
        numbered = record.numbered and record.heading
        if record.not_applicable:   # the rules have no such part, or the settings turn it off: nothing to warn of
            continue
        if record.omitted and numbered:
            warnings.append(gettext("WARNING: {reason}: section {number}, {heading}, is left out",
                                    reason=record.omitted_reason, number=chinese_number(count + 1), heading=record.heading))
        elif record.omitted:
            warnings.append(gettext("WARNING: {reason}: {heading} is left out", reason=record.omitted_reason,
                                    heading=record.heading or record.key))
        elif numbered:
            count += 1
    return warnings
