"""The charts' style: seaborn in Chinese, rendering on a machine with no Chinese font installed.

The font (Noto Sans CJK SC) ships in the mplfonts package and is registered with matplotlib here,
so the result does not depend on the system's fonts or on matplotlib's font cache.
"""

from __future__ import annotations

from functools import cache

import matplotlib

from hotline_lib.render.fonts import FONT_NAME, cjk_font_path

OWN_COLOR, OTHER_COLOR, ALERT_COLOR = "#b22222", "#8aa1b4", "#d9822b"


@cache
def _register_cjk_font() -> None:
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(cjk_font_path()))


def use_cjk_font() -> str:
    """Register the bundled CJK font with matplotlib (once) and make it the default (every call: a
    batch kernel restores rcParams before each month); returns its family."""
    _register_cjk_font()
    matplotlib.rcParams["font.family"] = [FONT_NAME, "DejaVu Sans"]
    matplotlib.rcParams["font.sans-serif"] = [FONT_NAME, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212
    matplotlib.rcParams["figure.dpi"] = 110
    return FONT_NAME


def chart_style() -> str:
    """The bulletin's chart style for seaborn, in the bundled CJK font: call it once before drawing
    (``hb.load_month`` does). Returns the font's family."""
    import seaborn as sns

    use_cjk_font()
    sns.set_theme(style="whitegrid", font=FONT_NAME, rc={"axes.unicode_minus": False, "figure.dpi": 110})
    return FONT_NAME
