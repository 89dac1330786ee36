"""The case story (data folder cases/YYYY-MM.md) read as Markdown: headings, paragraphs and emphasis.

``story_blocks`` turns the text into plain pieces — (kind, runs), kind ``subheading`` or ``paragraph``,
each run (text, style) with style "", "strong", "em" or "strong em" — that a section records and
every format draws (HTML tags, Word runs). Raw HTML in the file is not HTML here: it stays text, and
the templates escape it. Links keep their words only, images their description: the bulletin is
self-contained. Each line of the file is a paragraph, as the office writes one paragraph a line
(Markdown would join lines; a Chinese paragraph broken across lines would then read as one).
"""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt

Run = tuple[str, str]

_BLOCK_OPEN = {"heading_open": "subheading", "paragraph_open": "paragraph"}


@cache
def _parser() -> MarkdownIt:
    # CommonMark without raw HTML (it becomes text) and without the tables/strikethrough extensions
    return MarkdownIt("commonmark", {"html": False})


def story_blocks(text: str) -> list[tuple[str, list[Run]]]:
    """The story's headings and paragraphs in reading order, each as its runs of styled text."""
    blocks: list[tuple[str, list[Run]]] = []
    kind, prefixes, ordinals = "paragraph", [], []
    for token in _parser().parse(text or ""):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            ordinals.append(int(token.attrGet("start") or 1) if token.type == "ordered_list_open" else None)
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            ordinals.pop()
        elif token.type == "list_item_open":
            number = ordinals[-1]
            prefixes.append("• " if number is None else f"{number}. ")
            if number is not None:
                ordinals[-1] = number + 1
        elif token.type in _BLOCK_OPEN:
            kind = _BLOCK_OPEN[token.type]
        elif token.type == "inline":
            for line in _lines(token.children or []):
                if prefixes:   # the first paragraph of a list item carries its marker
                    marker = prefixes.pop()
                    line = [(marker + line[0][0], "")] + line[1:] if line and not line[0][1] else [(marker, ""), *line]
                blocks.append((kind, line))
        elif token.type in ("fence", "code_block"):
            blocks += [("paragraph", [(line, "")]) for line in token.content.splitlines() if line.strip()]
    return [(kind, runs) for kind, runs in blocks if "".join(t for t, _ in runs).strip()]


def _lines(children) -> list[list[Run]]:
    """An inline token's children as lines of runs: a line break (soft or hard) starts a new line."""
    lines: list[list[Run]] = [[]]
    styles: list[str] = []
    for child in children:
        if child.type in ("strong_open", "em_open"):
            styles.append(child.type[:-5])
        elif child.type in ("strong_close", "em_close"):
            styles.remove(child.type[:-6])
        elif child.type in ("softbreak", "hardbreak"):
            lines.append([])
        elif child.type == "image":
            _add(lines[-1], child.content, styles)      # its description, never a link to a file
        elif child.type in ("text", "code_inline", "html_inline"):
            _add(lines[-1], child.content, styles)
    return [_stripped(line) for line in lines]


def _add(line: list[Run], text: str, styles: list[str]) -> None:
    style = " ".join(s for s in ("strong", "em") if s in styles)
    if not text:
        return
    if line and line[-1][1] == style:
        line[-1] = (line[-1][0] + text, style)
    else:
        line.append((text, style))


def _stripped(line: list[Run]) -> list[Run]:
    if line:
        line[0] = (line[0][0].lstrip(), line[0][1])
        line[-1] = (line[-1][0].rstrip(), line[-1][1])
    return [(text, style) for text, style in line if text]
