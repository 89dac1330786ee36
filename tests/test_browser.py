"""The bulletin in a real headless Chromium: no network request, the text shows, every chart decodes.

Chromium comes from Debian (the `chromium` and `browser` fixtures in conftest.py, shared with
test_lab.py); without it these tests are skipped with the reason, and fail in CI. A screenshot goes
to outputs/screenshots/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline_lib.core.config import SOURCE_ROOT

SHOTS = SOURCE_ROOT / "outputs" / "screenshots"

pytestmark = pytest.mark.slow


def _open(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("networkidle")
    return page, requests


def test_bulletin_in_chromium(browser, report_2020_12):
    page, requests = _open(browser, report_2020_12.html, 860)
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
    text = page.inner_text("body")
    assert "2020年12月，全区共签收工单3717件，办结工单3514件(含上月流转工单），回访工单3327件。" in text
    assert "12月份，我区12345政务热线工作满意度在内五区排名第二，总分排名第一。" in text
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
    assert len(images) == 3 and all(done and w > 100 and h > 100 for done, w, h in images)
    # the embedded font is the one the text uses (so a machine without Chinese fonts shows no boxes)
    assert page.evaluate("document.fonts.check('16px \"Hotline CJK\"', '芙蓉区')")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "bulletin_2020-12.png"), full_page=True)
    page.close()


def test_bulletin_on_a_phone(browser, report_2020_12):
    page, _ = _open(browser, report_2020_12.html, 390)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1   # wide tables scroll inside their own box, the page does not
    page.screenshot(path=str(SHOTS / "bulletin_2020-12_phone.png"), full_page=False)
    page.close()
