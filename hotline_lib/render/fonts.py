"""The CJK font shipped with the environment (Noto Sans CJK SC, from the mplfonts package): used by
the charts, and embedded in each bulletin as a subset holding just the characters it shows, so the
HTML reads correctly even where no Chinese font is installed.

The subset's outlines are converted from CFF (PostScript curves, as Noto ships them) to TrueType
(quadratic, within one font unit): Chromium's PDF backend embeds a TrueType font as a real font
(CIDFontType2, /FontFile2) but turns a CFF font into Type 3 glyph drawings, which some viewers and
print shops handle badly. The shapes are the same; the WOFF is about a tenth smaller (no hints)."""

from __future__ import annotations

import base64
import importlib.resources
import io
import os
import re
from pathlib import Path

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FONT_NAME = "Noto Sans CJK SC"
EMBEDDED_NAME = "Hotline CJK"


def cjk_font_path() -> Path:
    """The bundled Noto Sans CJK SC font file, found without importing mplfonts (which imports
    matplotlib: half a second in a process that only embeds the font in a page)."""
    import importlib.util

    spec = importlib.util.find_spec("mplfonts")
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0]) / "fonts" / FONT_FILE
    return Path(str(importlib.resources.files("mplfonts") / "fonts" / FONT_FILE))


def font_face_css(html: str, cache: Path | None = None) -> str:
    """An @font-face rule with a WOFF subset (a data: URI) covering every character of ``html``'s text.

    Subsetting takes about a second, so the subset is cached and grows: a page whose characters the
    cached subset already covers reuses it (months of one district share almost all of theirs). A
    subset made for the cache also covers every character of the page templates and the month
    numerals (``likely_characters``): otherwise a year's batch made one again for 六月, 七月… and the
    index page (8 subsets of 0.7 s each, where now one or two).
    """
    needed = set(re.sub(r"data:[a-z/+-]+;base64,[A-Za-z0-9+/=]+", "", html))
    # "-tt": subsets with TrueType outlines; a cache of the older CFF subsets is not reused
    chars_file, rule_file = (cache / "font-subset-tt.chars", cache / "font-subset-tt.css") if cache is not None else (None, None)
    if chars_file is not None and chars_file.exists() and rule_file.exists():
        known = set(chars_file.read_text(encoding="utf-8"))
        if needed <= known:
            return rule_file.read_text(encoding="ascii")
        needed |= known
    if cache is not None:
        needed |= likely_characters()
    text = "".join(sorted(needed))
    rule = _subset_rule(text)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        for path, content, encoding in [(rule_file, rule, "ascii"), (chars_file, text, "utf-8")]:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_text(content, encoding=encoding)
            tmp.replace(path)
    return rule


#: The numerals of a month's name and of section numbers (一月…十二月, 一、…十、).
NUMERALS = "〇一二三四五六七八九十"


def likely_characters() -> set[str]:
    """The characters pages of any month are likely to show besides their data: the page, section,
    table and index templates, the sentences, and the numerals."""
    from hotline_lib.core.config import TEMPLATES_DIR

    files = [*sorted((TEMPLATES_DIR / "html").glob("*.j2")), TEMPLATES_DIR / "text" / "sentences.j2"]
    return set(NUMERALS).union(*(set(path.read_text(encoding="utf-8")) for path in files if path.exists()))


def _subset_rule(text: str) -> str:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(cjk_font_path()), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    _to_truetype(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'@font-face {{ font-family: "{EMBEDDED_NAME}"; src: url(data:font/woff;base64,{data}) format("woff"); }}'


def _to_truetype(font) -> None:
    """Replace a font's CFF outlines with TrueType ones (cubic curves approximated by quadratic
    ones within one font unit), in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    if "CFF " not in font:
        return
    order, glyph_set = font.getGlyphOrder(), font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # PostScript outlines run counter-clockwise, TrueType ones clockwise
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, glyphs
    metrics = font["hmtx"].metrics
    for name, glyph in glyphs.items():
        glyph.recalcBounds(glyf)
        metrics[name] = (metrics[name][0], getattr(glyph, "xMin", 0))   # left side bearing = xMin in TrueType
    del font["CFF "]
    if "VORG" in font:   # vertical origins are a CFF-only table
        del font["VORG"]
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for name in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, name, 0)
    maxp.maxZones = 1
    maxp.recalc(font)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 3.0, [], {}   # no glyph names: smaller, as TrueType fonts often ship
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"
