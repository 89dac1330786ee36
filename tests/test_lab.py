"""A section notebook in a real JupyterLab, as an analyst works in it: open, Run All Cells, look.

JupyterLab is started as `make lab` starts it (``python -m hotline_lib.lab``: in Chinese, with the
project's CJK font) on a temporary copy of notebooks/ (Lab may save what it opens) with the sample as
data and private cache/outputs folders, on 127.0.0.1 with a random token, and opened in headless
Chromium that sees none of the machine's Chinese fonts (`browser_without_chinese`). The test
checks that the menus are Chinese and drawn in the project's font, clicks 运行 → 运行所有单元格 (Run →
Run All Cells), waits until the kernel is idle and every code cell has its execution count, then
checks that a table and a chart show and no error does (03_units and trends). The orders table
(explore/orders.ipynb, on a copy of the sample where one citizen's text starts like a formula and
holds a phone number) is used as an analyst uses it: Chinese controls drawn in the project's font, a
click on a column name sorts, a column's search box filters, and the Excel button's download, read
back with openpyxl, holds the rows left, masked, with no formula. Screenshots (1400 × 900, the file
browser closed) go to outputs/screenshots/ for a person to look at; docs/screenshots/ holds a copy. A
last test switches to English (设置 → 语言) and finds that choice kept.
"""

from __future__ import annotations

import csv
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from hotline_lib.core.config import SOURCE_ROOT, notebooks_dir

SHOTS = SOURCE_ROOT / "outputs" / "screenshots"

pytestmark = pytest.mark.slow

START_TIMEOUT = 60     # s until the server answers /api/status
OPEN_TIMEOUT = 60      # s until the notebook is shown with its kernel idle
RUN_TIMEOUT = 180      # s for Run All Cells
STOP_TIMEOUT = 20      # s for each step of the shutdown

# Error outputs. JupyterLab 4.6 has no renderer of its own for application/vnd.jupyter.error: the
# output model offers it with the traceback as application/vnd.jupyter.stderr, which is what renders,
# so in the page a traceback and a warning are both `.jp-OutputArea-output[data-mime-type=
# "application/vnd.jupyter.stderr"]` (checked by running `warnings.warn(...)` and `1/0` in a cell).
# The page is therefore only used to stop waiting early (a traceback shows); the verdict comes from
# the notebook itself, saved by Lab into the temporary copy: no output of type "error".
ERROR_SHOWN = """() => [...document.querySelectorAll('.jp-OutputArea-output')].some(o =>
    o.dataset.mimeType === 'application/vnd.jupyter.error' ||
    (o.dataset.mimeType === 'application/vnd.jupyter.stderr'
     && o.textContent.includes('Traceback (most recent call last)')))"""

# The kernel status as the status bar shows it, in Chinese: "hotline-bulletin (Python 3) | 空闲" (Idle),
# titled "更改 … 的内核" (Change kernel for …); while Lab connects it reads "无内核 | 正在初始化" (No
# Kernel | Initializing), then "… | 未知" (Unknown). The toolbar's execution indicator already says idle
# before any kernel is there, so it is not enough on its own.
KERNEL_IDLE = """() => {
    const item = [...document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')]
        .find(e => /^更改 .* 的内核$/.test(e.title || ''));
    const indicator = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
    return !!item && /\\| 空闲$/.test(item.textContent.trim()) && !item.textContent.startsWith('无内核')
        && !!indicator && indicator.dataset.status === 'idle';
}"""

# The menu bar's titles and Run All Cells, as the zh-CN language pack has them
MENU_BAR = ["文件", "编辑", "查看", "运行", "内核", "标签页", "设置", "帮助"]
ENGLISH_MENU_BAR = ["File", "Edit", "View", "Run", "Kernel", "Tabs", "Settings", "Help"]
RUN_ALL = "运行所有单元格"

# Run All Cells is finished when the kernel is idle again, no cell waits ("[*]:") and every code cell
# has its execution count, or when a traceback shows (Run All then stops: the cells after it go
# back to "[ ]:").
RUN_FINISHED = f"""() => {{
    if (!({KERNEL_IDLE})()) return false;
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputArea-prompt')]
        .map(p => p.textContent.trim());
    if (prompts.length === 0 || prompts.includes('[*]:')) return false;
    return prompts.every(p => /^\\[\\d+\\]:$/.test(p)) || ({ERROR_SHOWN})();
}}"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Loopback only, and never through a proxy from the environment.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _api(base: str, token: str, path: str, method: str = "GET", timeout: float = 15):
    request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
    with _LOCAL.open(request, timeout=timeout) as response:
        body = response.read()
        return json.loads(body) if body else None


def _our_processes(marker: str) -> list[int]:
    """Processes whose command line names our private runtime folder: the kernels the server started
    (each in its own session, so not in the server's process group)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _stop(server: subprocess.Popen, base: str, token: str, runtime: Path) -> None:
    """Shut the server and its kernels down, bounded: /api/shutdown (stops the kernels too), then
    SIGTERM, then SIGKILL; any kernel left over (found by our runtime folder) is killed by its pid."""
    if server.poll() is None:
        try:
            _api(base, token, "/api/shutdown", method="POST")
        except (OSError, urllib.error.URLError):
            pass
        try:
            server.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.terminate()
            try:
                server.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=STOP_TIMEOUT)
    deadline = time.monotonic() + STOP_TIMEOUT
    while _our_processes(str(runtime)) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in _our_processes(str(runtime)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def lab_data(request, sample_dir, tmp_path):
    """The data folder the Lab's notebooks read: the sample, or (``indirect`` parameter "formula") a
    copy of it with ``FORMULA_TEXT`` as one order's 诉求内容 (``_with_formula_text``)."""
    if getattr(request, "param", None) == "formula":
        return _with_formula_text(sample_dir, tmp_path / "data")
    return sample_dir


#: A citizen's text a spreadsheet would run as a formula, with a phone number in it
FORMULA_TEXT = '=HYPERLINK("http://example.invalid","点我")市民电话13812345678反映楼道灯长期不亮'
FORMULA_MONTH = "2020-12"


def _with_formula_text(sample_dir: Path, folder: Path) -> Path:
    """A copy of the sample in which the first order signed in FORMULA_MONTH that was dispatched
    says ``FORMULA_TEXT``."""
    shutil.copytree(sample_dir, folder)
    exports = folder / "exports"
    with (exports / f"{FORMULA_MONTH}_派单.csv").open(encoding="utf-8-sig", newline="") as file:
        dispatched = {row[0] for row in csv.reader(file)}
    path = exports / f"{FORMULA_MONTH}_工单.csv"
    with path.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    content, signed = rows[0].index("诉求内容"), rows[0].index("签收时间")
    row = next(r for r in rows[1:] if r[signed].startswith(FORMULA_MONTH.replace("-", "/")) and r[0] in dispatched)
    row[content] = FORMULA_TEXT
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows(rows)
    return folder


@pytest.fixture
def lab(lab_data, tmp_path):
    """A JupyterLab server on a copy of notebooks/ reading ``lab_data``; yields (base URL, token, folder it serves)."""
    root = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    jupyter = tmp_path / "jupyter"
    runtime, settings = jupyter / "runtime", jupyter / "lab-user-settings"
    # First-start notifications: "Would you like to receive official Jupyter news?" and the update
    # check are a toast, not a modal, but they ask the network and cover the page. Both are turned off
    # twice over: --LabApp.news_url=None (the page config then says news are disabled) with
    # NeverCheckForUpdate, and the notification settings in a fresh user-settings folder.
    notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")

    env = {**os.environ,
           # the kernel (which inherits this environment) imports this checkout's hotline_lib
           "PYTHONPATH": os.pathsep.join(filter(None, [str(SOURCE_ROOT), os.environ.get("PYTHONPATH")])),
           # the notebooks' defaults (workspace=None) read the sample; nothing goes to the project's
           # outputs/ or .cache/
           "HOTLINE_DATA": str(lab_data),
           # the session's cache (conftest.py): keyed by content, so the sample's exports parsed by an
           # earlier test are not parsed again by each notebook here
           "HOTLINE_CACHE": os.environ["HOTLINE_CACHE"],
           "HOTLINE_OUTPUTS": str(tmp_path / "outputs"),
           # no config, state or connection file of the user's home: the user-level folders go to tmp.
           # JUPYTER_DATA_DIR only replaces ~/.local/share/jupyter: the venv's share/jupyter (where
           # `make install` registers the `hotline` kernel with --sys-prefix) stays on the path.
           "JUPYTER_CONFIG_DIR": str(jupyter / "config"),
           "JUPYTER_DATA_DIR": str(jupyter / "data"),
           "JUPYTER_RUNTIME_DIR": str(runtime),
           "IPYTHONDIR": str(jupyter / "ipython")}
    port, token = _free_port(), secrets.token_hex(24)
    base = f"http://127.0.0.1:{port}"
    # as `make lab` starts it (python -m hotline_lib.lab: Chinese by default, the project's font), with
    # the test's own options after its own
    command = [sys.executable, "-m", "hotline_lib.lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", "--ServerApp.password=",
               f"--ServerApp.root_dir={root}", "--ServerApp.open_browser=False", "--ServerApp.terminals_enabled=False",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={jupyter / 'workspaces'}",
               "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (tmp_path / "lab.log").open("wb")
    server = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"jupyter lab exited ({server.returncode}):\n"
                            f"{(tmp_path / 'lab.log').read_text()[-3000:]}")
            try:
                _api(base, token, "/api/status", timeout=2)
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer in {START_TIMEOUT} s:\n"
                                f"{(tmp_path / 'lab.log').read_text()[-3000:]}")
                time.sleep(0.5)
        specs = _api(base, token, "/api/kernelspecs")["kernelspecs"]
        assert "hotline" in specs, (f"the Lab server does not find the `hotline` kernel the notebooks name "
                                    f"(only {sorted(specs)}): `make install` registers it with --sys-prefix")
        yield base, token, root
    finally:
        _stop(server, base, token, runtime)
        log.close()


# The fonts the machine has, less every font for Chinese: this machine may have one (Debian's
# fonts-noto-cjk), an analyst's may not, and only without one does the page show whether Lab carries its
# own. Chromium on Linux finds its fonts through fontconfig, which reads this file instead of the system's.
NO_CHINESE_FONTS = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern></rejectfont></selectfont>
</fontconfig>
"""


@pytest.fixture(scope="module")
def browser_without_chinese(browser, chromium, tmp_path_factory):
    """A second headless Chromium (in conftest.py's Playwright, which is one per process) that sees no
    Chinese font of the machine's."""
    from conftest import CHROMIUM_FLAGS

    fonts_conf = tmp_path_factory.mktemp("fontconfig") / "fonts.conf"
    fonts_conf.write_text(NO_CHINESE_FONTS, encoding="utf-8")
    instance = browser.browser_type.launch(executable_path=chromium, args=CHROMIUM_FLAGS,
                                           env={**os.environ, "FONTCONFIG_FILE": str(fonts_conf)})
    yield instance
    instance.close()


# The first element under ``selector`` in the window holding Chinese text of its own, marked for the
# DevTools protocol (Lab lays out only the cells in view)
MARK_CHINESE = """([selector, mark]) => {
    for (const root of document.querySelectorAll(selector)) {
        const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let text = texts.nextNode(); text; text = texts.nextNode()) {
            const box = text.parentElement.getBoundingClientRect();
            if (/[\\u4e00-\\u9fff]/.test(text.textContent) && box.width > 0 && box.bottom > 0
                    && box.top < window.innerHeight) {
                text.parentElement.dataset.testChinese = mark;
                return true;
            }
        }
    }
    return false;
}"""


def _chinese_drawn_with(page, selector: str) -> list[tuple[str, bool]]:
    """The fonts Chromium actually draws the first Chinese text under ``selector`` with: (family, from
    a web font). With no Chinese font on the machine, only a web font (the project's) draws Chinese."""
    mark = str(abs(hash(selector)))
    assert page.evaluate(MARK_CHINESE, [selector, mark]), f"no Chinese text in {selector}"
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": f'[data-test-chinese="{mark}"]'})["nodeId"]
        return [(f["familyName"], f["isCustomFont"]) for f in
                cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] if f["glyphCount"]]
    finally:
        cdp.detach()


#: The screenshots' size (docs/screenshots/ holds a copy of each)
VIEWPORT = {"width": 1400, "height": 900}


def _open(browser, base: str, token: str, name: str, wide: bool = False):
    """A page on the notebook, its kernel idle (no kernel-selection dialog); ``wide``: with the file
    browser closed (as an analyst closes it for a wide table), the notebook the window's width."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(OPEN_TIMEOUT * 1000)
    page.goto(f"{base}/lab/tree/{name}.ipynb?token={token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-CodeCell")
    page.wait_for_function(f"() => ({KERNEL_IDLE})() || !!document.querySelector('.jp-Dialog')", polling=250)
    dialogs = page.locator(".jp-Dialog")
    assert dialogs.count() == 0, dialogs.first.inner_text()
    if wide:
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
        page.wait_for_function("() => document.querySelector('#jp-left-stack').classList.contains('lm-mod-hidden')")
    return context, page


def _run_all(page, base: str, token: str, name: str) -> None:
    """Run → Run All Cells, as an analyst does; then the notebook as Lab saves it has no error and
    every code cell its execution count."""
    # as an analyst does: the Run menu (运行), then Run All Cells (运行所有单元格)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^运行$")).click()
    run_all = page.get_by_role("menuitem", name=RUN_ALL, exact=True)
    assert run_all.get_attribute("data-command") == "runmenu:run-all"
    run_all.click()
    try:
        page.wait_for_function(RUN_FINISHED, timeout=RUN_TIMEOUT * 1000, polling=500)
    except Exception as timeout:   # playwright's TimeoutError: say where it stood
        prompts = page.locator(".jp-Notebook .jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        pytest.fail(f"Run All Cells did not finish in {RUN_TIMEOUT} s (prompts {prompts}): {timeout}")

    # the verdict from the notebook itself: Lab saves it (into the temporary copy), we read it back
    # (read only once the save's PUT has answered: jupyter_server writes the file in place, and a
    # read during the write fails and even breaks the save)
    path = f"{name}.ipynb"
    with page.expect_response(lambda r: r.request.method == "PUT" and f"/api/contents/{path}" in r.url,
                              timeout=30_000) as saving:
        page.locator('.jp-NotebookPanel-toolbar [data-command="docmanager:save"]').click()
    assert saving.value.ok, f"saving failed: {saving.value.status} {saving.value.text()}"
    notebook = _api(base, token, f"/api/contents/{path}?content=1&type=notebook")["content"]
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert errors == [], "\n".join(f"{o['ename']}: {o['evalue']}" for o in errors)
    assert all(c["execution_count"] for c in code), [c["execution_count"] for c in code]
    assert not page.evaluate(ERROR_SHOWN)


# The element's nearest box that scrolls sideways, scrolled to its right end (false: none does)
SCROLL_TO_END = """e => {
    for (let box = e.parentElement; box; box = box.parentElement) {
        if (box.scrollWidth > box.clientWidth + 1 && getComputedStyle(box).overflowX !== 'visible') {
            box.scrollLeft = box.scrollWidth;
            return true;
        }
    }
    return false;
}"""

#: What each notebook's screenshot shows from the window's top
SHOT_AT = {"03_units": ".jp-OutputArea-output table:has(th:text-is('回访满意度'))",
           "trends": ".jp-OutputArea-output img"}


@pytest.mark.parametrize("name", ["03_units", "trends"])
def test_section_notebook_in_jupyterlab(name, browser_without_chinese, lab):
    base, token, _ = lab
    requests: list[str] = []
    context, page = _open(browser_without_chinese, base, token, name, wide=True)
    try:
        page.on("request", lambda request: requests.append(request.url))
        assert [s["kernel"]["name"] for s in _api(base, token, "/api/sessions")] == ["hotline"]

        # Lab is in Chinese: the menu bar, and the menu item clicked below
        assert page.locator(".lm-MenuBar-item").all_inner_texts() == MENU_BAR
        # drawn in the project's font (custom.css, served by the Lab server; no Chinese font here): the
        # menus, the status bar, the notebook's heading, a comment in its code
        loaded = """document.fonts.load('13px "Hotline CJK"', '运行').then(faces => faces.map(f => f.status))"""
        assert page.evaluate(loaded) == ["loaded"]
        for selector in [".lm-MenuBar", "#jp-main-statusbar", ".jp-RenderedMarkdown h1", ".jp-CodeCell .cm-content"]:
            fonts = _chinese_drawn_with(page, selector)
            assert fonts and any(custom for _, custom in fonts), (selector, fonts)
        _run_all(page, base, token, name)

        # in the page: a DataFrame (or any HTML table) and a chart, decoded
        assert page.locator(".jp-OutputArea-output table").count() >= 1
        images = page.eval_on_selector_all(".jp-OutputArea-output img",
                                           "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
        assert images and all(done and w > 100 and h > 100 for done, w, h in images), images
        # nothing but the local server (and inline data) was asked for
        assert [url for url in requests if not url.startswith((f"{base}/", "data:", "blob:"))] == []

        # the shot: 03's main table (every column, 回访满意度 among them) from its header; trends' first chart
        target = page.locator(SHOT_AT[name]).first
        target.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        page.mouse.move(VIEWPORT["width"] / 2, VIEWPORT["height"] / 2)
        page.mouse.wheel(0, target.bounding_box()["y"] - 120)   # its top 120 px below the window's
        page.wait_for_timeout(800)   # Lab renders the cells scrolled into view
        page.evaluate("document.fonts.ready.then(() => true)")

        page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] / 2)   # no row highlighted under the pointer
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"lab_{name}.png"))
        if name == "03_units":   # the table is wider than the window: its last columns, scrolled to
            assert target.evaluate(SCROLL_TO_END), "03's main table should be wider than the window"
            page.wait_for_timeout(300)
            page.screenshot(path=str(SHOTS / f"lab_{name}_right.png"))
        # the Chinese in the shot too: a DataFrame's column names (03), a comment in the code (trends)
        fonts = _chinese_drawn_with(page, ".jp-OutputArea-output table thead, .jp-CodeCell .cm-content")
        assert fonts and any(custom for _, custom in fonts), fonts
        assert not [url for url in requests if "/custom/" in url and not url.startswith(f"{base}/custom/")]
    finally:
        context.close()


def test_the_analysts_language_wins(browser_without_chinese, lab):
    """Chinese is only the default: English chosen in 设置 → 语言 (Settings → Language) is kept (a user
    setting, in the folder the test gives Lab) and shown after the reload Lab asks for."""
    base, token, _ = lab
    context, page = _open(browser_without_chinese, base, token, "03_units")
    try:
        assert page.locator(".lm-MenuBar-item").all_inner_texts() == MENU_BAR
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^设置$")).click()
        page.locator('.lm-Menu-item[data-type="submenu"]', has_text="语言").hover()
        page.locator('.lm-Menu-item[data-command="jupyterlab-translation:en"]').click()
        with page.expect_navigation():
            page.locator(".jp-Dialog button", has_text="更改并重新加载").click()   # Change and reload
        page.wait_for_selector(".lm-MenuBar-item")
        page.wait_for_function("() => document.querySelector('.lm-MenuBar-item').textContent === 'File'")
        assert page.locator(".lm-MenuBar-item").all_inner_texts() == ENGLISH_MENU_BAR
        setting = _api(base, token, "/lab/api/settings/@jupyterlab/translation-extension:plugin")
        assert setting["settings"]["locale"] == "en"
        assert setting["schema"]["properties"]["locale"]["default"] == "zh_CN"   # the project's default
    finally:
        context.close()


# The orders table (notebooks/explore/orders.ipynb, hotline_lib/render/orders_table.py) -----------------

ORDERS_TABLE = ".jp-OutputArea-output .dt-container"
# The rows the table shows (this page), each as its cells' texts
SHOWN_ROWS = f"""() => [...document.querySelectorAll('{ORDERS_TABLE} .dt-scroll-body tbody tr')]
    .map(r => [...r.cells].map(c => c.textContent))"""


def _fonts_of_node(page, selector: str) -> list[tuple[str, bool]]:
    """The fonts Chromium draws the element's own text with (an input's typed text included)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return [(f["familyName"], f["isCustomFont"]) for f in
                cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"] if f["glyphCount"]]
    finally:
        cdp.detach()


@pytest.mark.parametrize("lab_data", ["formula"], indirect=True)
def test_orders_table_in_jupyterlab(browser_without_chinese, lab, lab_data, tmp_path):
    """The orders table as an analyst uses it: Chinese controls drawn in the project's font, a click on
    a column name sorts, a column's search box filters, the Excel button saves the rows left (masked,
    no formula), read back with openpyxl."""
    from hotline_lib.analysis import explore, trends
    from hotline_lib.core.privacy import mask_personal
    from hotline_lib.render.fonts import FONT_NAME
    from hotline_lib.render.orders_table import orders_table
    from conftest import workspace

    base, token, _ = lab
    name = "explore/orders"
    context, page = _open(browser_without_chinese, base, token, name, wide=True)
    try:
        _run_all(page, base, token, name)
        table = page.locator(ORDERS_TABLE)
        page.wait_for_function(f"() => ({SHOWN_ROWS})().length > 0")
        # the table's top at the window's top (Lab draws only the cells in view)
        table.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.mouse.wheel(0, -40)
        page.wait_for_timeout(800)
        page.evaluate("document.fonts.ready.then(() => true)")

        # in Chinese, from the shipped strings
        assert table.locator(".dt-search label").inner_text() == "搜索:"
        assert re.fullmatch(r"正在显示第 1 至 10 条记录，共 [\d,]+ 条", table.locator(".dt-info").inner_text())
        assert table.locator("button.buttons-excel").inner_text() == "导出 Excel（当前筛选的行）"
        # drawn in the project's font (no Chinese font on this browser's machine): the search box's label
        # ("搜索" in the project's font, reported by its full name "Noto Sans CJK SC Regular"; the colon in
        # a Latin font)
        fonts = _chinese_drawn_with(page, f"{ORDERS_TABLE} .dt-search")
        assert [family for family, custom in fonts if custom] == [f"{FONT_NAME} Regular"], fonts
        page.wait_for_timeout(500)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "lab_orders.png"))

        # the rows as the notebook shows them (masked, the table's column order), to compare with
        loaded = trends.load_trends(FORMULA_MONTH, FORMULA_MONTH, workspace(lab_data, tmp_path / "out"))
        rows, _ = orders_table(explore.month_orders(loaded.exports.orders, loaded.exports.assignments, FORMULA_MONTH))
        masked = mask_personal(FORMULA_TEXT)
        assert masked != FORMULA_TEXT and (rows["诉求内容"] == masked).any()
        columns = list(rows.columns)
        unit_column = columns.index("承办单位")

        # a click on the column name sorts by it
        before = [row[unit_column] for row in page.evaluate(SHOWN_ROWS)]
        table.locator(".dt-scroll-head thead th", has_text="承办单位").locator(".dt-column-title").click()
        page.wait_for_function(f"() => ({SHOWN_ROWS})().map(r => r[{unit_column}]).join() !== {json.dumps(','.join(before))}")
        after = [row[unit_column] for row in page.evaluate(SHOWN_ROWS)]
        assert after != before
        assert page.evaluate("units => units.every((u, i) => i === 0 || units[i - 1].localeCompare(u) <= 0)", after), after

        # the search box under 承办单位: the unit of the order with the formula text
        unit = rows.loc[rows["诉求内容"] == masked, "承办单位"].iloc[0]
        expected = rows[rows["承办单位"].fillna("").str.contains(unit, regex=False)]
        box = table.locator(".dt-scroll-foot tfoot input").nth(unit_column)
        assert box.get_attribute("placeholder") == "承办单位"
        box.press_sequentially(unit)
        box.press("Enter")   # Playwright inserts Chinese without key events; a person's input method sends keyup
        page.wait_for_function(f"() => ({SHOWN_ROWS})().every(r => r[{unit_column}] === {json.dumps(unit)})")
        info = table.locator(".dt-info").inner_text()
        assert f"共 {len(expected):,} 条" in info and f"(筛选自全部 {len(rows):,} 条记录)" in info, info
        # the typed unit is drawn in the project's font too
        box.evaluate("input => input.dataset.testBox = 'unit'")
        assert _fonts_of_node(page, '[data-test-box="unit"]') == [(f"{FONT_NAME} Regular", True)]

        # the Excel button: the rows left, in the table's order, masked, with no formula
        with page.expect_download() as download:
            table.locator("button.buttons-excel").click()
        assert download.value.suggested_filename == f"{FORMULA_MONTH} 工单明细.xlsx"
        path = tmp_path / "export.xlsx"
        download.value.save_as(path)
    finally:
        context.close()
    import openpyxl

    sheet = openpyxl.load_workbook(path).active
    exported = [[cell.value for cell in row] for row in sheet.iter_rows() if any(c.value is not None for c in row)]
    assert exported[0] == columns
    assert [row[0] for row in exported[1:]] == expected["工单编号"].tolist()
    assert [row[columns.index("诉求内容")] for row in exported[1:]] == expected["诉求内容"].tolist()
    assert masked in [row[columns.index("诉求内容")] for row in exported[1:]]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    with zipfile.ZipFile(path) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml and "13812345678" not in xml


def test_topics_notebook_in_jupyterlab(browser_without_chinese, lab):
    """explore/topics.ipynb (热点诉求) as an analyst runs it in Lab: Run All gives its DataFrames and the
    chart of a term over the months, drawn in the page, with no citizen's phone number shown."""
    base, token, _ = lab
    name = "explore/topics"
    context, page = _open(browser_without_chinese, base, token, name, wide=True)
    try:
        _run_all(page, base, token, name)
        assert page.locator(".jp-OutputArea-output table").count() >= 3
        images = page.eval_on_selector_all(".jp-OutputArea-output img",
                                           "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
        assert images and all(done and w > 100 and h > 100 for done, w, h in images), images
        shown = page.locator(".jp-OutputArea-output").all_inner_texts()
        assert not [text for text in shown if re.search(r"1[3-9]\d{9}", text)]
        page.locator(".jp-OutputArea-output table").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "lab_topics.png"))
    finally:
        context.close()
