"""The bulletin's sentences, from Jinja2 templates kept in the package (templates/text)."""

from __future__ import annotations

from functools import cache

import jinja2
import markupsafe

from hotline_lib.core.config import TEMPLATES_DIR
from hotline_lib.core.numbers import chinese_month, chinese_number
from hotline_lib.core.privacy import mask_personal


#: The two satisfaction figures of a month, each named by what it is, the same on every page:
#: the city's figure for the district in its ranking of the districts (data/city_ranking/MONTH.csv),
#: and the district's own return visits (回访满意数 over 回访工单总数 of all its units).
CITY_SATISFACTION = "全市排名满意度"
DISTRICT_SATISFACTION = "区回访满意度"
#: The line every format of a bulletin rendered from the generated sample carries (io/sample_data.py),
#: under its title: the page, the PDF printed from it, the Word document and the e-mail's body.
SAMPLE_NOTICE = "样例数据：本通报由虚构的样例数据生成，不是正式通报"


def _finalize(value):
    """Mask personal numbers in every printed value; markup stays markup (masking adds no tag)."""
    masked = mask_personal(value)
    return markupsafe.Markup(masked) if isinstance(value, markupsafe.Markup) else masked


@cache
def _environment(autoescape: bool) -> jinja2.Environment:
    # finalize: every value a template prints has its personal numbers masked, then (HTML) escaped
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=autoescape,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=False, finalize=_finalize)


def sentence(name: str, *args) -> str:
    """One sentence (a macro of templates/text/sentences.j2) as plain text."""
    module = _environment(False).get_template("text/sentences.j2").module
    return str(getattr(module, name)(*args)).strip()


def html(template: str, **context) -> str:
    """An HTML fragment from templates/html; every value from the data is masked and HTML-escaped."""
    return _environment(True).get_template(f"html/{template}").render(**context)


def month_label(month: str) -> str:
    """十二月份 for 2020-12: the title's month."""
    return chinese_month(int(month[5:]))


#: The placeholders a title pattern (settings ``title``) may use.
TITLE_PLACEHOLDERS = ("district", "city", "year", "month", "month_cn")


def title_text(pattern: str, month: str, district: str, city: str = "") -> str:
    """A title pattern filled in: "{district}12345政务热线{month_cn}份情况通报" gives
    某某区12345政务热线三月份情况通报 for 2021-03. An unknown placeholder is a ValueError naming the known ones."""
    values = {"district": district, "city": city, "year": month[:4], "month": str(int(month[5:])),
              "month_cn": month_label(month).removesuffix("份")}
    try:
        return pattern.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"title {pattern!r}: {exc}; the placeholders are "
                         + ", ".join("{" + name + "}" for name in TITLE_PLACEHOLDERS)) from None


def bulletin_title(district: str, month: str) -> str:
    """芙蓉区12345政务热线十二月份情况通报: the default title pattern (settings ``title``)."""
    return title_text("{district}12345政务热线{month_cn}份情况通报", month, district)


def trends_title(district: str, start: str, end: str) -> str:
    """芙蓉区12345政务热线工单趋势（2020-01 至 2021-06）: the trends page's title, and the notebook's heading."""
    return f"{district}12345政务热线工单趋势（{start} 至 {end}）"


def month_short(month: str) -> str:
    """12月份 for 2020-12: how the text opens a paragraph."""
    return f"{int(month[5:])}月份"


def rank_label(rank: int) -> str:
    """第二 for 2."""
    return f"第{chinese_number(rank)}"
