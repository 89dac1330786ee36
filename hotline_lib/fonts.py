"""The CJK font shipped with the environment (Noto Sans CJK SC, from the mplfonts package): used by
the charts, and embedded in each bulletin as a subset holding just the characters it shows, so the
HTML reads correctly even where no Chinese font is installed."""

from __future__ import annotations

import base64
import importlib.resources
import io
import re
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FONT_NAME = "Noto Sans CJK SC"
EMBEDDED_NAME = "Hotline CJK"


def cjk_font_path() -> Path:
    """The bundled Noto Sans CJK SC font file."""
    return Path(str(importlib.resources.files("mplfonts") / "fonts" / FONT_FILE))


def font_face_css(html: str) -> str:
    """An @font-face rule with a WOFF subset (a data: URI) covering every character of ``html``'s text."""
    from fontTools import subset

    text = re.sub(r"data:[a-z/+-]+;base64,[A-Za-z0-9+/=]+", "", html)
    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(cjk_font_path()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'@font-face {{ font-family: "{EMBEDDED_NAME}"; src: url(data:font/woff;base64,{data}) format("woff"); }}'
