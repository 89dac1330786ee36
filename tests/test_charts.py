"""Charts render Chinese with the bundled font: a missing glyph fails the test."""

from __future__ import annotations

import io
import warnings

import matplotlib.image
import pandas as pd
from decimal import Decimal

from hotline_lib.render.charts import categories_chart, city_ranking_chart, satisfaction_chart, use_cjk_font


def _decodes(chart) -> tuple[int, int]:
    image = matplotlib.image.imread(io.BytesIO(chart.png()), format="png")
    return image.shape[:2]


def test_charts_have_every_glyph():
    scored = pd.DataFrame({"部门名称": ["马坡岭街道办事处", "区行政执法局", "东湖街道办事处"],
                           "回访满意度": [Decimal("89.74"), Decimal("96.72"), Decimal("100.00")]})
    city = pd.DataFrame({"district": ["芙蓉区", "岳麓区"], "score": [Decimal("68.6"), Decimal("68.6")]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # "Glyph … missing from font(s)" is a UserWarning
        charts = [satisfaction_chart(scored, 97), categories_chart([{"category": "消费维权", "orders": 1143}]),
                  city_ranking_chart(city, "芙蓉区")]
        sizes = [_decodes(chart) for chart in charts]
    assert all(h > 100 and w > 100 for h, w in sizes)


def test_font_is_registered_by_the_package():
    import matplotlib

    assert use_cjk_font() == "Noto Sans CJK SC"
    assert matplotlib.rcParams["font.family"][0] == "Noto Sans CJK SC"


def test_no_chart_when_nothing_to_show():
    scored = pd.DataFrame({"部门名称": ["东湖街道办事处"], "回访满意度": [Decimal("100.00")]})
    assert satisfaction_chart(scored, 97) is None and categories_chart([]) is None
