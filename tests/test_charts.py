"""Charts render Chinese with the bundled font: a missing glyph fails the test."""

from __future__ import annotations

import io
import warnings

import matplotlib
import matplotlib.image
import pandas as pd

from hotline_lib.render.charts import chart_style, use_cjk_font


def test_a_seaborn_chart_in_the_chart_style_has_every_glyph():
    import seaborn as sns
    from matplotlib.figure import Figure

    data = pd.DataFrame({"部门名称": ["马坡岭街道办事处", "区行政执法局", "东湖街道办事处"], "rate": [89.74, 96.72, 100.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # "Glyph … missing from font(s)" is a UserWarning
        chart_style()
        figure = Figure(figsize=(7.2, 2.4), layout="constrained")
        axes = figure.add_subplot()
        sns.barplot(data=data, x="rate", y="部门名称", ax=axes)
        axes.set(xlabel="回访满意度（%）", title="满意度未达100%的单位 −1")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    height, width = matplotlib.image.imread(io.BytesIO(buffer.getvalue()), format="png").shape[:2]
    assert height > 100 and width > 100


def test_font_is_registered_by_the_package():
    assert use_cjk_font() == "Noto Sans CJK SC"
    assert chart_style() == "Noto Sans CJK SC"
    assert matplotlib.rcParams["font.family"][0] == "Noto Sans CJK SC"
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_the_cjk_font_is_the_default_again_after_rcparams_are_restored():
    """A batch kernel restores rcParams before each month (render/kernel.py): use_cjk_font() sets the
    font every time it is called, not only the first."""
    import matplotlib

    from hotline_lib.render.charts import FONT_NAME, use_cjk_font

    use_cjk_font()
    with matplotlib.rc_context():
        matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
        assert use_cjk_font() == FONT_NAME and matplotlib.rcParams["font.family"][0] == FONT_NAME
