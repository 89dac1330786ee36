"""The section model: what one section notebook records, and what every format is rendered from.

A section notebook builds a ``Section`` step by step (paragraphs, sub-headings, tables, charts, the
figures for figures.json) and ends with ``section.record()``, which displays a preview and a JSON
copy under ``SECTION_MIME``. ``hotline report`` collects these records from the executed notebook,
numbers the sections that are present (一、二、…) and renders the bulletin from them, so an edit in a
notebook reaches every format. Text from the data is masked here, when it is recorded; the
templates escape it when it is rendered.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from hotline_lib.core.i18n import Message, gettext
from hotline_lib.core.numbers import plain_value
from hotline_lib.core.privacy import mask_personal, mask_strings
from hotline_lib.core.story import story_blocks
from hotline_lib.core.text import html

SECTION_MIME = "application/vnd.hotline.section+json"
_NUMBER = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?$")


def is_number(text: str) -> bool:
    """A cell the bulletin right-aligns: a count, a score or a percentage."""
    return bool(_NUMBER.match(text.strip()))


@dataclass
class Block:
    """One piece of a section, in reading order.

    kind: ``paragraph`` (text), ``subheading`` (text), ``table`` (columns, rows, caption,
    row_headers, css_class) or ``chart`` (png, alt, texts: every string drawn on it, as drawn). A paragraph or sub-heading with emphasis (the
    case story's Markdown) also has ``runs``: [text, style] pairs, style "", "strong", "em" or
    "strong em", whose texts joined are ``text``.
    """

    kind: str
    text: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    caption: str = ""
    row_headers: bool = False
    css_class: str = ""
    highlight: list[int] = field(default_factory=list)   # table rows to emphasise (our district)
    png: bytes = b""
    alt: str = ""
    runs: list[list[str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if v not in ("", [], False, b"")}
        data["kind"] = self.kind
        if self.png:
            data["png"] = base64.b64encode(self.png).decode("ascii")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Block:
        data = dict(data)
        if "png" in data:
            data["png"] = base64.b64decode(data["png"])
        return cls(**data)


@dataclass
class Chart:
    """A chart drawn in a notebook, as the PNG every format embeds; Jupyter shows it as that PNG.

    ``Chart.from_figure`` masks every text of the figure (``mask_figure``: titles, ticks, labels,
    legend, annotations, drawn as plain text, never mathtext), keeps those strings as ``texts`` (what
    the privacy scans read: nobody reads a PNG), renders the figure once and closes it, so the
    notebook does not draw it a second time (matplotlib's inline display)."""

    png: bytes
    alt: str = "图表"
    texts: list[str] = field(default_factory=list)

    @classmethod
    def from_figure(cls, figure, alt: str = "图表") -> Chart:
        import matplotlib

        from hotline_lib.render.charts import drawn_texts, mask_texts, no_mathtext

        # masked before the one draw (saving the PNG): the texts read after it are what it drew
        mask_texts(figure)
        buffer = io.BytesIO()
        with matplotlib.rc_context(no_mathtext()):
            figure.savefig(buffer, format="png", dpi=130)
        texts = drawn_texts(figure)
        import sys

        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close(figure)
        return cls(buffer.getvalue(), mask_personal(alt), texts)

    def _repr_png_(self) -> bytes:
        return self.png


@dataclass
class Section:
    """One section of the bulletin as its notebook put it together.

    ``heading`` is shown after the number the report assigns (``numbered``), or as it is when the
    section is not numbered (the title and header paragraph, the appendix). ``figures`` are merged
    into figures.json; ``overrides`` lists the settings this notebook changed. ``omitted`` (a message:
    msgid and fields) says why the section is not in this month's bulletin (``leave_out``).
    """

    key: str
    month: str
    heading: str = ""
    numbered: bool = True
    blocks: list[Block] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    overrides: dict = field(default_factory=dict)
    omitted: dict = field(default_factory=dict)

    # Building ---------------------------------------------------------------------------------

    def paragraph(self, text: str, css_class: str = "") -> Section:
        self.blocks.append(Block("paragraph", text=mask_personal(str(text)), css_class=css_class))
        return self

    def subheading(self, text: str) -> Section:
        self.blocks.append(Block("subheading", text=mask_personal(str(text))))
        return self

    def markdown(self, text: str) -> Section:
        """Markdown written by people (the case story): its headings as sub-headings, its paragraphs
        with their emphasis, raw HTML as text. Personal numbers are masked in each paragraph as a
        whole, so a number split by emphasis is masked too (that paragraph then loses its emphasis)."""
        for kind, runs in story_blocks(str(text)):
            plain = mask_personal("".join(t for t, _ in runs))
            masked = [[mask_personal(t), style] for t, style in runs]
            if "".join(t for t, _ in masked) != plain:
                masked = [[plain, ""]]
            self.blocks.append(Block(kind, text=plain, runs=masked if any(style for _, style in masked) else []))
        return self

    def table(self, frame: pd.DataFrame, caption: str = "", row_headers: bool = False, css_class: str = "",
              header: bool = True, highlight: list[int] | None = None) -> Section:
        """A table from a DataFrame as shown (format the numbers first: every cell is printed as it is)."""
        columns = [mask_personal(str(c)) for c in frame.columns] if header else []
        rows = [[mask_personal(_cell(v)) for v in row] for row in frame.itertuples(index=False)]
        self.blocks.append(Block("table", columns=columns, rows=rows, caption=mask_personal(caption),
                                 row_headers=row_headers, css_class=css_class, highlight=list(highlight or [])))
        return self

    def chart(self, chart: Chart | Any, alt: str = "") -> Section:
        """A chart (``Chart``, or a matplotlib figure: its texts masked), kept as the PNG every format
        embeds, with the strings drawn on it (``texts``)."""
        chart = chart if isinstance(chart, Chart) else Chart.from_figure(chart, alt or "图表")
        self.blocks.append(Block("chart", png=chart.png, alt=mask_personal(alt or chart.alt), texts=list(chart.texts)))
        return self

    def add_figures(self, **figures: Any) -> Section:
        """Figures for figures.json (strings from the data masked, keys included)."""
        self.figures.update(mask_strings(figures))
        return self

    def setting(self, settings, name: str, override: Any = None) -> Any:
        """The setting ``name`` from the settings file, or ``override`` when one is given: an
        override is printed and recorded (it reaches manifest.json)."""
        configured = _setting_value(settings, name)
        if override is None or override == configured:
            return configured
        self.overrides[name] = {"settings": configured, "used": override}
        print(f"本节改用设置 {name} = {plain_value(override)}（设置文件中为 {plain_value(configured)}），已记入 manifest.json。")
        return override

    # Reading ----------------------------------------------------------------------------------

    @property
    def paragraphs(self) -> list[str]:
        return [b.text for b in self.blocks if b.kind == "paragraph"]

    @property
    def tables(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "table"]

    @property
    def charts(self) -> list[Block]:
        return [b for b in self.blocks if b.kind == "chart"]

    def to_dict(self) -> dict:
        data = {"key": self.key, "month": self.month, "heading": self.heading, "numbered": self.numbered,
                "blocks": [b.to_dict() for b in self.blocks], "figures": self.figures, "overrides": self.overrides}
        if self.omitted:
            data["omitted"] = self.omitted
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Section:
        return cls(key=data["key"], month=data["month"], heading=data.get("heading", ""),
                   numbered=data.get("numbered", True), blocks=[Block.from_dict(b) for b in data.get("blocks", [])],
                   figures=data.get("figures", {}), overrides=data.get("overrides", {}), omitted=data.get("omitted", {}))

    @property
    def omitted_reason(self) -> Message | None:
        """Why the section is left out this month, in the reader's language when shown."""
        return Message(self.omitted["msgid"], **self.omitted.get("fields", {})) if self.omitted else None

    @property
    def not_applicable(self) -> bool:
        """Not part of this district's bulletin at all: the rules have no such part (``does_not_apply``)
        or the settings turn it off (``leave_out(by_settings=True)``); nothing to warn of."""
        return bool(self.omitted.get("silent") or self.omitted.get("by_settings"))

    # Recording --------------------------------------------------------------------------------

    def record(self) -> None:
        """Display the section: a preview for the analyst and its record for ``hotline report``."""
        from IPython.display import display

        display({SECTION_MIME: self.to_dict(), "text/html": section_html(self, number=None, preview=True)}, raw=True)

    def leave_out(self, reason: Message, by_settings: bool = False) -> None:
        """Record that the section is not in this month's bulletin, and why (a missing input): the
        analyst reads the reason here; ``hotline report`` warns once, naming the number the section
        would have had (``page.left_out_warnings``). ``by_settings``: the settings turn it off (a
        district's choice, not a missing input): no warning."""
        from IPython.display import display

        self.omitted = {"msgid": reason.msgid, "fields": {k: str(v) for k, v in reason.fields.items()}}
        if by_settings:
            self.omitted["by_settings"] = True
        shown = gettext("{reason}: this section is left out of the bulletin", reason=reason)
        display({SECTION_MIME: self.to_dict(), "text/plain": shown}, raw=True)

    def does_not_apply(self, reason: Message) -> None:
        """Record that the section is not in the bulletin because the district's rules have no such
        part (the 红黑榜 of a scheme without one): nothing is said in the render's output, unlike
        ``leave_out`` (an input missing this month); the analyst reads ``reason`` here."""
        from IPython.display import display

        self.omitted = {"msgid": reason.msgid, "fields": {k: str(v) for k, v in reason.fields.items()}, "silent": True}
        display({SECTION_MIME: self.to_dict(), "text/plain": gettext("{reason}: this section is not part of the bulletin",
                                                                     reason=reason)}, raw=True)


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def _setting_value(settings, name: str):
    value = settings
    for part in name.split("."):
        value = getattr(value, part)
    return value


def write_sections(sections: list[Section], path) -> None:
    """sections.json: the month's section records (charts as base64), what every format renders from."""
    import json

    from hotline_lib.core.utils import write_text_atomic

    write_text_atomic(path, json.dumps([s.to_dict() for s in sections], ensure_ascii=False) + "\n")


def read_sections(path) -> list[Section]:
    """The records a render wrote (sections.json), in order."""
    import json
    from pathlib import Path

    return [Section.from_dict(d) for d in json.loads(Path(path).read_text(encoding="utf-8"))]


def sections_from_notebook(notebook) -> list[Section]:
    """Every section recorded in an executed notebook, in the order they were recorded; the sections
    left out this month (``Section.leave_out``) are not among them."""
    return [s for s in records_from_notebook(notebook) if not s.omitted]


def records_from_notebook(notebook) -> list[Section]:
    """Every record in an executed notebook, in order, the sections left out this month included."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if SECTION_MIME in data:
                found.append(Section.from_dict(data[SECTION_MIME]))
    return found


def _numeric_columns(block: Block) -> set[int]:
    """Columns whose every cell is a number: their header is right-aligned with them."""
    if not block.rows:
        return set()
    return {i for i in range(len(block.columns)) if all(i < len(r) and is_number(r[i]) for r in block.rows)}


def section_html(section: Section, number: str | None, preview: bool = False) -> str:
    """One section as HTML; every value from the data masked and escaped, charts as data URIs (in a
    notebook's ``preview``, where each chart is shown where it was drawn, a placeholder instead).

    Chart images are put in after the template has run, so that no masking ever touches their base64.
    """
    charts: dict[str, bytes] = {}

    def chart_token(block: Block) -> str:
        token = f"hotline-chart-{len(charts)}"
        charts[token] = block.png
        return token

    text = html("section.html.j2", section=section, number=number, numeric_columns=_numeric_columns,
                is_number=is_number, chart_token=chart_token, preview=preview)
    for token, png in charts.items():
        text = text.replace(token, base64.b64encode(png).decode("ascii"), 1)
    return text
