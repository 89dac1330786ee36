"""The charts' style: seaborn in Chinese, rendering on a machine with no Chinese font installed; and
the one place a chart's texts are masked (``mask_figure``) before it is saved.

The font (Noto Sans CJK SC) ships in the mplfonts package and is registered with matplotlib here,
so the result does not depend on the system's fonts or on matplotlib's font cache.
"""

from __future__ import annotations

from functools import cache

import matplotlib
from matplotlib.ticker import Formatter

from hotline_lib.core.privacy import mask_personal
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
    matplotlib.rcParams.update(no_mathtext())   # text from the data is drawn as written
    return FONT_NAME


def chart_style() -> str:
    """The bulletin's chart style for seaborn, in the bundled CJK font: call it once before drawing
    (``hb.load_month`` does). Returns the font's family."""
    import seaborn as sns

    use_cjk_font()
    sns.set_theme(style="whitegrid", font=FONT_NAME, rc={"axes.unicode_minus": False, "figure.dpi": 110, **no_mathtext()})
    return FONT_NAME


def no_mathtext() -> dict:
    """rcParams under which text from the data is drawn as written: a category such as ``$x^{$噪音``
    is neither parsed as mathtext (it would raise, and be reported as a section's bug) nor as TeX."""
    return {"text.parse_math": False, "text.usetex": False}


class MaskedFormatter(Formatter):
    """An axis's tick formatter whose labels are masked (``mask_personal``) when they are made: tick
    labels are formatted again at every draw, so masking the drawn labels once would not last."""

    def __init__(self, inner: Formatter):
        self.inner = inner

    def set_axis(self, axis) -> None:
        self.axis = axis
        self.inner.set_axis(axis)

    def __call__(self, x, pos=None) -> str:
        return mask_personal(self.inner(x, pos))

    def format_ticks(self, values) -> list[str]:
        return [mask_personal(label) for label in self.inner.format_ticks(values)]

    def set_locs(self, locs) -> None:
        self.locs = locs
        self.inner.set_locs(locs)

    def get_offset(self) -> str:
        return mask_personal(self.inner.get_offset())

    def format_data(self, value) -> str:
        return mask_personal(self.inner.format_data(value))

    def format_data_short(self, value) -> str:
        return mask_personal(self.inner.format_data_short(value))


def _text_artists(figure) -> list:
    from matplotlib.text import Text

    return figure.findobj(lambda artist: isinstance(artist, Text))


def mask_figure(figure) -> list[str]:
    """Mask every text of ``figure`` (titles, axis labels, tick labels, legend, annotations) and make
    it plain text (never mathtext), before the figure is saved. Returns the strings drawn, as drawn,
    in the order the figure holds them: a chart's ``texts`` in sections.json, which the privacy scans
    read, since nobody reads the PNG."""
    mask_texts(figure)
    with matplotlib.rc_context(no_mathtext()):
        figure.draw_without_rendering()   # tick labels and legend entries are made when the figure is drawn
    return drawn_texts(figure)


def mask_texts(figure) -> None:
    """Every text the figure holds masked and plain, and every axis's tick labels masked as they are
    made (``MaskedFormatter``): after this, whatever a draw shows is masked."""
    for text in _text_artists(figure):
        text.set_parse_math(False)
        text.set_text(mask_personal(text.get_text()))
    for axes in figure.get_axes():
        for axis in (axes.xaxis, axes.yaxis):
            for set_formatter, formatter in ((axis.set_major_formatter, axis.get_major_formatter()),
                                             (axis.set_minor_formatter, axis.get_minor_formatter())):
                if not isinstance(formatter, MaskedFormatter):
                    set_formatter(MaskedFormatter(formatter))


def drawn_texts(figure) -> list[str]:
    """The strings of a drawn figure (the texts a draw made, tick labels, are masked too)."""
    drawn = []
    for text in _text_artists(figure):
        text.set_parse_math(False)
        text.set_text(mask_personal(text.get_text()))
        if text.get_visible() and text.get_text().strip():
            drawn.append(text.get_text())
    return drawn
