"""Each section of the bulletin as an HTML fragment (what a section notebook displays).

A ``Fragment`` is a str that Jupyter shows as HTML. Every value from the data goes through the
templates' autoescaping; numbers come from ``bulletin.figures``, never recomputed here.
"""

from __future__ import annotations

from hotline_lib.analysis.bulletin import Bulletin, excellent_criteria
from hotline_lib.render.charts import categories_chart, city_ranking_chart, satisfaction_chart
from hotline_lib.figures.counts import APPENDIX_COLUMNS
from hotline_lib.core.numbers import format_percent, format_score
from hotline_lib.scoring.score import RANK, SCORE
from hotline_lib.core.text import html, month_short, sentence
from hotline_lib.scoring.unit_table import RATE_COLUMNS, UNIT


class Fragment(str):
    """HTML that Jupyter (and nbconvert) display as such."""

    def _repr_html_(self) -> str:
        return str(self)


def overview(b: Bulletin) -> Fragment:
    o = b.figures["overview"]
    year, month = b.month[:4], int(b.month[5:])
    return Fragment(html("overview.html.j2", title=b.title, header=sentence("header", year, month, o),
                         channels=sentence("channels", o)))


def city_ranking(b: Bulletin) -> Fragment | None:
    city = b.figures.get("city_ranking")
    if city is None:
        return None
    return Fragment(html("city_ranking.html.j2", sentence=city["sentence"], rows=city["rows"], own=b.settings.district))


def units(b: Bulletin) -> Fragment:
    names = b.figures["excellent_units"]["units"]
    low = b.figures["low_satisfaction_units"]
    return Fragment(html("units.html.j2", excellent=sentence("excellent", excellent_criteria(b.settings), names),
                         threshold=low["threshold"], rows=low["rows"]))


def features(b: Bulletin) -> Fragment:
    business = b.figures["business_environment"]
    rows = []
    for key, kind in [("complaints", "投诉"), ("praise", "表扬")]:
        entry = business[key]
        by_unit = [(b.units.display(u), n) for u, n in entry["by_unit"].items()]
        rows.append({"kind": kind, "total": entry["total"], "units": sentence("units_with_counts", by_unit) if by_unit else "—"})
    return Fragment(html("features.html.j2", categories=b.figures["top_categories"], business=rows))


def epidemic(b: Bulletin) -> Fragment:
    e = b.figures["epidemic"]
    return Fragment(html("epidemic.html.j2", sentence=sentence("epidemic", month_short(b.month), e), categories=e["top_categories"]))


def case_story(b: Bulletin) -> Fragment | None:
    if not b.case_story:
        return None
    paragraphs = [p.strip() for p in b.case_story.splitlines() if p.strip()]
    return Fragment(html("case_story.html.j2", paragraphs=paragraphs))


def appendix(b: Bulletin) -> Fragment:
    year, month = b.month[:4], int(b.month[5:])
    columns = [UNIT, *APPENDIX_COLUMNS, SCORE, RANK]
    tables = []
    for number, kind in zip(["一", "二", "三", "四"], b.scored["类别"].drop_duplicates()):
        part = b.scored[b.scored["类别"] == kind]
        rows = [[_cell(c, row[c]) for c in columns] for _, row in part.iterrows()]
        tables.append({"caption": f"{number}、{kind}（{year}年{month}月)", "rows": rows})
    return Fragment(html("appendix.html.j2", district=b.settings.district, issuer=b.settings.issuer,
                         columns=columns, tables=tables))


def _cell(column: str, value) -> str:
    """A cell as the published table prints it: rates "99.10%", scores 69.9 / 70."""
    if column in RATE_COLUMNS:
        return format_percent(value)
    if column == SCORE:
        return format_score(value)
    return str(value)


def satisfaction_figure(b: Bulletin):
    return satisfaction_chart(b.scored, b.settings.low_satisfaction_below)


def categories_figure(b: Bulletin):
    return categories_chart(b.figures["top_categories"])


def city_figure(b: Bulletin):
    return city_ranking_chart(b.city, b.settings.district) if b.city is not None else None
