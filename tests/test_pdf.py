"""bulletin.pdf: the sample's December 2020 page printed by Chromium (hotline_lib/render/pdf.py) and
read back with pypdf: A4 pages, the Chinese font embedded, page numbers, the appendix whole on
landscape pages (every unit with its 总分 and 排名, no row split across pages), and a clear error when
there is no browser, when it fails, or when it hangs.

The rendering tests take the `chromium` fixture (conftest.py: Debian's chromium, installed when
missing where we may; skipped otherwise, failing in CI) and the month rendered once per session.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from hotline_lib.core.errors import BrowserNotFound, ReportError
from hotline_lib.render.pdf import BROWSER_ENV, find_browser, html_to_pdf

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

FIXTURES = Path(__file__).parent / "fixtures"
A4 = (595.28, 841.89)   # points
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="the stand-in browsers are shell scripts")


# The sample's bulletin as a PDF -----------------------------------------------------------------

@pytest.fixture(scope="module")
def printed(report_2020_12, chromium, tmp_path_factory):
    """(path, seconds, reader) of the 2020-12 bulletin printed to PDF."""
    from pypdf import PdfReader

    target = tmp_path_factory.mktemp("pdf") / "bulletin.pdf"
    started = time.perf_counter()
    assert html_to_pdf(report_2020_12.html, target, browser=chromium) == target
    seconds = time.perf_counter() - started
    return target, seconds, PdfReader(target)


def _texts(reader) -> list[str]:
    return [page.extract_text() for page in reader.pages]


def _appendix_start(texts: list[str]) -> int:
    return next(i for i, text in enumerate(texts) if "附件：" in text)


@pytest.mark.slow
def test_pages_are_a4_and_the_appendix_landscape(printed):
    path, seconds, reader = printed
    texts = _texts(reader)
    first_appendix = _appendix_start(texts)
    assert 0 < first_appendix < len(reader.pages)
    for number, page in enumerate(reader.pages):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        expected = A4 if number < first_appendix else A4[::-1]
        assert (width, height) == pytest.approx(expected, abs=1.5), f"page {number + 1}"
    assert path.read_bytes().startswith(b"%PDF-")
    assert not [p for p in path.parent.iterdir() if p.name != path.name]   # no temporary file left
    print(f"{len(reader.pages)} pages, {path.stat().st_size} bytes, printed in {seconds:.1f} s")


def _fonts(resources, seen: set) -> list:
    """Every font of a resource dictionary, its form XObjects' included."""
    found = []
    if resources is None:
        return found
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        if id(font) not in seen:
            seen.add(id(font))
            found.append(font)
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            found += _fonts(xobject.get("/Resources"), seen)
    return found


def _embedded(font) -> bool:
    """A font whose glyphs are in the file: a font program in its descriptor, or Type 3 glyph drawings."""
    if font["/Subtype"] == "/Type3":
        return "/CharProcs" in font
    if font["/Subtype"] == "/Type0":
        font = font["/DescendantFonts"][0].get_object()
    descriptor = font.get("/FontDescriptor")
    return descriptor is not None and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))


@pytest.mark.slow
def test_the_chinese_font_is_embedded(printed):
    _, _, reader = printed
    seen: set = set()
    fonts = [font for page in reader.pages for font in _fonts(page.get("/Resources"), seen)]
    assert fonts and all(_embedded(font) for font in fonts), [f.get("/BaseFont") for f in fonts if not _embedded(f)]
    cjk = [f["/DescendantFonts"][0].get_object() for f in fonts
           if f["/Subtype"] == "/Type0" and "NotoSansCJK" in str(f.get("/BaseFont"))]
    assert cjk, "the page's Noto Sans CJK subset is not in the PDF"
    for font in cjk:   # a real font program (TrueType outlines), not glyph drawings
        assert "/FontFile2" in font["/FontDescriptor"] or "/FontFile3" in font["/FontDescriptor"]


@pytest.mark.slow
def test_every_page_is_numbered(printed):
    _, _, reader = printed
    for number, text in enumerate(_texts(reader), start=1):
        assert f"—{number}—" in re.sub(r"\s", "", text), f"page {number} has no page number"


@pytest.mark.slow
def test_the_headline_reads_as_text(printed):
    _, _, reader = printed
    text = re.sub(r"\s", "", "".join(_texts(reader)))
    assert "2020年12月，全区共签收工单3717件" in text
    assert "12月份，我区12345政务热线工作满意度在内五区排名第二，总分排名第一。" in text


@pytest.mark.slow
def test_the_appendix_is_whole_and_no_row_is_split(printed):
    """Each of the 45 units on one line of one appendix page, ending with its 总分 and 排名; every
    appendix page that carries the table starts with its header row."""
    _, _, reader = printed
    texts = _texts(reader)
    appendix = texts[_appendix_start(texts):]
    published = pd.read_csv(FIXTURES / "appendix_2020-12.csv", dtype=str, keep_default_na=False)
    assert len(published) == 45
    for unit in published.itertuples(index=False):
        lines = [(page, line.split()) for page, text in enumerate(appendix) for line in text.splitlines()
                 if line.split() and line.split()[0] == unit.部门名称]
        assert len(lines) == 1, f"{unit.部门名称}: {len(lines)} lines in the appendix"
        cells = lines[0][1]
        assert len(cells) == 17, f"{unit.部门名称}: row split or merged: {cells}"
        assert cells[-2:] == [unit.总分, unit.排名], unit.部门名称
    for text in appendix:
        header = [line for line in text.splitlines() if line.startswith("部门名称")]
        assert header and header[0].split()[-2:] == ["总分", "排名"]


@pytest.mark.slow
def test_no_page_ends_with_a_heading(printed, report_2020_12):
    """Headings stay with what follows them: none is the last line of a page."""
    from hotline_lib.render.section import read_sections

    sections = read_sections(report_2020_12.html.parent / "sections.json")
    headings = {s.heading for s in sections if s.heading}
    headings |= {b.text if b.kind == "subheading" else b.caption for s in sections for b in s.blocks
                 if (b.kind == "subheading" and b.text) or (b.kind == "table" and b.caption)}
    assert len(headings) >= 8
    _, _, reader = printed
    for number, text in enumerate(_texts(reader), start=1):
        lines = [line for line in text.splitlines() if line.strip() and line.strip() not in ("—", str(number))]
        assert not any(lines[-1].endswith(h) for h in headings), f"page {number} ends with the heading {lines[-1]!r}"


@pytest.mark.slow
def test_find_browser_finds_the_installed_chromium(chromium, monkeypatch):
    monkeypatch.delenv(BROWSER_ENV, raising=False)
    assert find_browser() is not None
    monkeypatch.setenv(BROWSER_ENV, chromium)
    assert find_browser() == str(Path(chromium).resolve())


# No browser, a failing browser, a hanging browser -----------------------------------------------

@pytest.fixture
def page(tmp_path) -> Path:
    path = tmp_path / "bulletin.html"
    path.write_text("<!DOCTYPE html><html><body><p>通报</p></body></html>", encoding="utf-8")
    return path


def test_no_browser(page, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv(BROWSER_ENV, raising=False)
    assert find_browser() is None
    with pytest.raises(BrowserNotFound) as raised:
        html_to_pdf(page, tmp_path / "bulletin.pdf")
    message, chinese = str(raised.value), raised.value.translated("zh")
    assert "\n" not in message and "browser" in message and "HOTLINE_BROWSER" in message
    assert "\n" not in chinese and "浏览器" in chinese and "HOTLINE_BROWSER" in chinese
    assert isinstance(raised.value, ReportError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bulletin.html"]


def test_a_browser_named_in_the_environment_that_is_not_there(page, tmp_path, monkeypatch):
    monkeypatch.setenv(BROWSER_ENV, str(tmp_path / "no-such-browser"))
    assert find_browser() is None   # the one named, or none: never another behind the user's back
    with pytest.raises(BrowserNotFound, match="no-such-browser"):
        html_to_pdf(page, tmp_path / "bulletin.pdf")


def _fake_browser(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-chromium"
    script.write_text("#!/bin/sh\n" + body + "\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


@posix_only
def test_a_failing_browser_is_one_clear_error_and_the_old_pdf_stays(page, tmp_path):
    target = tmp_path / "bulletin.pdf"
    target.write_bytes(b"%PDF-1.4 the previous one\n%%EOF\n")
    browser = _fake_browser(tmp_path, 'echo "[1:2:1126/0:ERROR:printing.cc:1] Printing failed" >&2; exit 3')
    with pytest.raises(ReportError, match=r"could not print bulletin.html to PDF \(exit code 3\): Printing failed"):
        html_to_pdf(page, target, browser=browser)
    assert target.read_bytes() == b"%PDF-1.4 the previous one\n%%EOF\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@posix_only
def test_a_browser_that_writes_no_pdf_is_an_error(page, tmp_path):
    browser = _fake_browser(tmp_path, 'for a; do case "$a" in --print-to-pdf=*) echo oops > "${a#--print-to-pdf=}";; esac; done')
    with pytest.raises(ReportError, match="could not print"):
        html_to_pdf(page, tmp_path / "bulletin.pdf", browser=browser)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bulletin.html", "fake-chromium"]


@posix_only
def test_a_hanging_browser_is_killed_with_its_children(page, tmp_path):
    pid_file = tmp_path / "child.pid"
    browser = _fake_browser(tmp_path, f'sleep 60 & echo $! > "{pid_file}"; wait')
    started = time.perf_counter()
    with pytest.raises(ReportError, match=r"did not finish printing bulletin.html to PDF within 1 s"):
        html_to_pdf(page, tmp_path / "bulletin.pdf", browser=browser, timeout=1)
    assert time.perf_counter() - started < 10
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child), "the browser's own child process was left running"
    assert not (tmp_path / "bulletin.pdf").exists()


def _running(pid: int) -> bool:
    """``pid`` exists and is not a zombie (a killed orphan waiting to be reaped by init)."""
    stat = Path(f"/proc/{pid}/stat")
    if Path("/proc/self/stat").exists():
        try:
            return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
        except (FileNotFoundError, ProcessLookupError):
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
