"""The embedded font: a page's faces cover every character it shows, and a page with a few new
characters adds a small face of just those instead of making the whole subset again."""
import re

import pytest

from hotline_lib.render.fonts import _unicode_range, font_face_css


@pytest.mark.parametrize("text, expected", [
    ("芙", "U+8299"),
    ("abcx", "U+61-63, U+78"),
    ("区芙蓉区", "U+533A, U+8299, U+84C9"),
    ("一丁七", "U+4E00-4E01, U+4E03"),
])
def test_unicode_range(text, expected):
    assert _unicode_range(text) == expected


def _ranges(css: str) -> list[set[str]]:
    """The characters each face of ``css`` declares."""
    faces = []
    for declared in re.findall(r"unicode-range: ([^;]*);", css):
        chars = set()
        for part in declared.split(", "):
            low, _, high = part[2:].partition("-")
            chars |= {chr(c) for c in range(int(low, 16), int(high or low, 16) + 1)}
        faces.append(chars)
    return faces


def test_a_page_with_new_characters_adds_a_face_of_just_those(tmp_path):
    first = "<p>芙蓉区十二月</p>"
    css = font_face_css(first, tmp_path)
    assert css.count("@font-face") == 1
    base = _ranges(css)[0]
    assert set(first) <= base
    second = "<p>芙蓉区荷花池</p>"
    css = font_face_css(second, tmp_path)
    assert css.count("@font-face") == 2
    faces = _ranges(css)
    assert faces[0] == base and faces[1] == set(second) - base == set("荷花池")
    made = sorted(p.name for p in tmp_path.rglob("*.css"))
    assert font_face_css(second, tmp_path) == css           # the same page again: from the cache
    assert sorted(p.name for p in tmp_path.rglob("*.css")) == made


def test_without_a_cache_one_face_covers_the_page():
    css = font_face_css("<p>芙蓉区</p>")
    assert css.count("@font-face") == 1 and "unicode-range" not in css


def test_the_browser_draws_each_character_from_the_face_that_has_it(browser, tmp_path):
    """With no Chinese font on the machine, text drawn from both faces (the base's 芙蓉区 and the added
    face's 荷花池) uses the page's own font: each character is in a face, and no face is left unloaded."""
    font_face_css("<p>芙蓉区</p>", tmp_path / "cache")
    body = '<p id="base">芙蓉区</p><p id="extra">荷花池</p>'
    css = font_face_css(body, tmp_path / "cache")
    path = tmp_path / "page.html"
    path.write_text(f'<html><head><meta charset="utf-8"><style>{css}\nbody {{ font-family: "Hotline CJK"; }}</style>'
                    f"</head><body>{body}</body></html>", encoding="utf-8")
    page = browser.new_page()
    page.goto(path.as_uri())
    page.evaluate("document.fonts.ready.then(() => true)")
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    for selector in ("#base", "#extra"):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = [(f["familyName"], f["isCustomFont"], f["glyphCount"])
                 for f in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] if f["glyphCount"]]
        assert fonts and all(custom for _, custom, _ in fonts) and sum(n for *_, n in fonts) == 3, (selector, fonts)
    assert page.evaluate("[...document.fonts].map(f => f.status)") == ["loaded", "loaded"]
    page.close()


@pytest.fixture(scope="module")
def common_font(tmp_path_factory):
    """The common-characters font, made in a folder of this test's (as ``make install`` makes it in the
    installation's)."""
    from hotline_lib.render import fonts

    share = tmp_path_factory.mktemp("share")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fonts, "INSTALLED_SHARE", share)
        path = fonts.prepare_common_font()
    assert path is not None and path.parent == share and path.is_file()
    return path


@pytest.mark.parametrize("text", ["两严丽举书乱云产享优光协", "区人社局按时办结率 99.10%（一）“芙蓉区”—…：12345", "ABC abc 0-9 ＡＢ\n"])
def test_a_subset_from_the_common_font_is_the_subset_from_the_full_font(common_font, monkeypatch, text):
    from hotline_lib.render import fonts

    monkeypatch.setattr(fonts, "_COMMON", {"path": common_font, "characters": fonts.common_characters()})
    assert fonts._subset_source(text) == common_font
    from_common = fonts._subset_rule(text, unicode_range=True)
    monkeypatch.setattr(fonts, "_COMMON", {"path": common_font, "characters": set()})   # as without the file
    assert fonts._subset_source(text) == fonts.cjk_font_path()
    assert fonts._subset_rule(text, unicode_range=True) == from_common


def test_a_character_outside_the_common_font_is_cut_from_the_full_font(common_font, monkeypatch):
    from hotline_lib.render import fonts

    monkeypatch.setattr(fonts, "_COMMON", {"path": common_font, "characters": fonts.common_characters()})
    rare = "龘"   # U+9F98: not in GB 2312, in Noto Sans CJK
    assert rare not in fonts.common_characters()
    assert fonts._subset_source("芙蓉" + rare) == fonts.cjk_font_path()
    assert "U+9F98" in fonts._subset_rule("芙蓉" + rare, unicode_range=True)
