"""The CJK font shipped with the environment (Noto Sans CJK SC, from the mplfonts package): used by
the charts, and embedded in each bulletin as a subset holding just the characters it shows, so the
HTML reads correctly even where no Chinese font is installed.

The subset's outlines are converted from CFF (PostScript curves, as Noto ships them) to TrueType
(quadratic, within one font unit): Chromium's PDF backend embeds a TrueType font as a real font
(CIDFontType2, /FontFile2) but turns a CFF font into Type 3 glyph drawings, which some viewers and
print shops handle badly. The shapes are the same; the WOFF is about a tenth smaller (no hints).

The subset keeps no OpenType layout features (GSUB, GPOS): the bulletin's horizontal Chinese text
uses none by default (vertical forms, proportional punctuation and the Latin kerning pairs are what
they hold), and without them a subset is half the size (800 characters: 109 KB instead of 213 KB)
and made in 0.6 s instead of 1.0 s."""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.resources
import io
import os
import re
import sys
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
    """@font-face rules with WOFF subsets (data: URIs) covering every character of ``html``'s text.

    Subsetting costs about 0.2 s plus 1 ms a character, so with a ``cache`` a page is given two faces
    of one family, each declaring the characters it holds (``unicode-range``): the cache's base subset
    (made once, from the first page and every character of the templates and numerals,
    ``likely_characters``) and, when the page shows characters the base lacks, a small subset of just
    those (kept in the cache under its characters: the same month again makes none). A year's batch
    used to make the whole subset again for each month whose data brought a new character (a street,
    a word of 热点诉求), about a second each.
    """
    needed = set(re.sub(r"data:[a-z/+-]+;base64,[A-Za-z0-9+/=]+", "", html))
    if cache is None:
        return _subset_rule("".join(sorted(needed)))
    # "-tt": subsets with TrueType outlines; "-3": with unicode-range, no layout features (older cached
    # rules are not reused)
    base_chars, base_rule = _cached_subset(cache, "font-subset-tt-3", lambda: needed | likely_characters())
    extra = needed - base_chars
    if not extra:
        return base_rule
    key = hashlib.sha256("".join(sorted(extra)).encode()).hexdigest()[:16]
    _, extra_rule = _cached_subset(cache / "font-extra", key, lambda: extra)
    return f"{base_rule}\n{extra_rule}"


def _cached_subset(folder: Path, name: str, characters) -> tuple[set[str], str]:
    """(characters, rule) of the subset kept as ``folder``/``name``.chars and .css, made from
    ``characters()`` when it is not there (written atomically: parallel renders may race)."""
    chars_file, rule_file = folder / f"{name}.chars", folder / f"{name}.css"
    if chars_file.exists() and rule_file.exists():
        return set(chars_file.read_text(encoding="utf-8")), rule_file.read_text(encoding="ascii")
    text = "".join(sorted(characters()))
    rule = _subset_rule(text, unicode_range=True)
    folder.mkdir(parents=True, exist_ok=True)
    for path, content, encoding in [(rule_file, rule, "ascii"), (chars_file, text, "utf-8")]:
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(content, encoding=encoding)
        tmp.replace(path)
    return set(text), rule


def _unicode_range(text: str) -> str:
    """A CSS unicode-range of exactly the characters of ``text``, consecutive code points as ranges."""
    points = sorted({ord(c) for c in text})
    ranges, start = [], None
    for i, point in enumerate(points):
        start = point if start is None else start
        if i + 1 == len(points) or points[i + 1] != point + 1:
            ranges.append(f"U+{start:X}" if start == point else f"U+{start:X}-{point:X}")
            start = None
    return ", ".join(ranges)


#: The numerals of a month's name and of section numbers (一月…十二月, 一、…十、).
NUMERALS = "〇一二三四五六七八九十"


def likely_characters() -> set[str]:
    """The characters pages of any month are likely to show besides their data: the page, section,
    table and index templates, the sentences, and the numerals."""
    from hotline_lib.core.config import TEMPLATES_DIR

    files = [*sorted((TEMPLATES_DIR / "html").glob("*.j2")), TEMPLATES_DIR / "text" / "sentences.j2"]
    return set(NUMERALS).union(*(set(path.read_text(encoding="utf-8")) for path in files if path.exists()))


#: Tables no subset keeps: OpenType layout and vertical writing (the bulletin is written horizontally).
LEFT_OUT = ["GSUB", "GPOS", "BASE", "vhea", "vmtx", "VORG"]


#: Where the installation keeps what it makes once (jieba's dictionary cache, the common-characters font)
INSTALLED_SHARE = Path(sys.prefix) / "share" / "hotline-bulletin"


@functools.cache
def common_characters() -> frozenset[str]:
    """The characters of GB 2312 (its 6,763 hanzi, punctuation and full-width forms), printable ASCII
    and the line breaks of a page's text, general punctuation and CJK symbols: nearly everything a
    bulletin shows, whatever its data."""
    pairs = [bytes([high, low]) for high in [*range(0xA1, 0xAA), *range(0xB0, 0xF8)] for low in range(0xA1, 0xFF)]
    characters = set()
    for pair in pairs:
        try:
            characters.add(pair.decode("gb2312"))
        except UnicodeDecodeError:
            pass
    ranges = [(0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x7E), (0x2010, 0x205E), (0x3000, 0x303F), (0xFF01, 0xFF5E)]
    return frozenset(characters | {chr(point) for low, high in ranges for point in range(low, high + 1)})


def common_font_path() -> Path:
    """The installation's cut of the CJK font to ``common_characters`` (``prepare_common_font``), named
    by the full font (its size and its first mebibyte: the tables' directory and checksums, the
    character map) and the characters, so that another font or list is another file."""
    font = cjk_font_path()
    with font.open("rb") as file:
        head = file.read(1 << 20)
    key = hashlib.sha256(b"%d:%s:%s" % (font.stat().st_size, head, "".join(sorted(common_characters())).encode()))
    return INSTALLED_SHARE / f"{Path(FONT_FILE).stem}-common-{key.hexdigest()[:12]}.otf"


def prepare_common_font() -> Path | None:
    """The common-characters font made in the installation's folder (``make install``; 2.5 s), unless
    it is there or the folder cannot be written. A subset is made from it when it holds every
    character asked for: from 1.8 MB instead of 16 MB, a page's small face in 0.03 s instead of 0.14 s,
    the same glyphs, the same file."""
    from fontTools import subset

    target = common_font_path()
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(target.parent, os.W_OK):
        return None
    options = subset.Options()
    options.layout_features, options.notdef_outline = [], True
    options.name_IDs, options.glyph_names, options.recalc_bounds = ["*"], True, False   # kept as the full font has them
    with subset.load_font(str(cjk_font_path()), options) as font:
        for tag in LEFT_OUT:
            if tag in font:
                del font[tag]
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(sorted(common_characters())))
        subsetter.subset(font)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        font.save(str(tmp))
    tmp.replace(target)
    for old in target.parent.glob(f"{Path(FONT_FILE).stem}-common-*.otf"):   # cuts of another font or list
        if old != target:
            old.unlink(missing_ok=True)
    return target


_COMMON: dict = {}


def _subset_source(text: str) -> Path:
    """The font a subset of ``text`` is cut from: the installation's common-characters font when it
    is there and has every character of ``text``, else the full font (the same glyphs either way)."""
    if "characters" not in _COMMON:
        path = common_font_path()
        _COMMON.update(path=path, characters=common_characters() if path.is_file() else set())
    if _COMMON["characters"] and set(text) <= _COMMON["characters"] and _COMMON["path"].is_file():
        return _COMMON["path"]
    return cjk_font_path()


def _subset_rule(text: str, unicode_range: bool = False) -> str:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []   # (see the module's docstring)
    options.notdef_outline = True
    # the outlines become TrueType ones (_to_truetype): CFF subroutines are inlined rather than each
    # one's use worked out over the whole font; the same glyphs, the same file, 0.27 -> 0.19 s a subset
    options.desubroutinize = True
    buffer = io.BytesIO()
    with subset.load_font(str(_subset_source(text)), options) as font:   # (the file read lazily, closed after)
        for tag in LEFT_OUT:   # removed before the subsetter reads them (dropping them, it decompiles GSUB and GPOS first)
            if tag in font:
                del font[tag]
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        _to_truetype(font)
        subset.save_font(font, buffer, options)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    # one of several faces of the family: it declares the characters it has (the browser takes each
    # character from the face that has it)
    coverage = f"; unicode-range: {_unicode_range(text)}" if unicode_range else ""
    return f'@font-face {{ font-family: "{EMBEDDED_NAME}"; src: url(data:font/woff;base64,{data}) format("woff"){coverage}; }}'


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
