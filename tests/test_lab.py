"""A section notebook in a real JupyterLab, as an analyst works in it: open, Run All Cells, look.

JupyterLab is started on a temporary copy of notebooks/ (Lab may save what it opens) with the sample as
data and private cache/outputs folders, on 127.0.0.1 with a random token, and opened in headless
Chromium (the `browser` fixture in conftest.py). The test clicks Run → Run All Cells, waits until the
kernel is idle and every code cell has its execution count, then checks that a table and a chart show
and no error does. A screenshot goes to outputs/screenshots/ for a person to look at.
"""

from __future__ import annotations

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
from pathlib import Path

import pytest

from hotline_lib.core.config import SOURCE_ROOT, notebooks_dir

SHOTS = SOURCE_ROOT / "outputs" / "screenshots"
JUPYTER = Path(sys.executable).with_name("jupyter")   # the venv's, next to the interpreter running the tests

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

# The kernel status as the status bar shows it: "hotline-bulletin (Python 3) | Idle" (while Lab
# connects it reads "No Kernel | Initializing", then "… | Unknown"; the toolbar's execution indicator
# already says idle before any kernel is there, so it is not enough on its own).
KERNEL_IDLE = """() => {
    const item = [...document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')]
        .find(e => (e.title || '').startsWith('Change kernel for'));
    const indicator = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
    return !!item && /\\| Idle$/.test(item.textContent.trim()) && !item.textContent.startsWith('No Kernel')
        && !!indicator && indicator.dataset.status === 'idle';
}"""

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
def lab(sample_dir, tmp_path):
    """A JupyterLab server on a copy of notebooks/; yields (base URL, token, folder it serves)."""
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
           # the notebooks' defaults (data_dir=None) read the sample; nothing goes to the project's
           # outputs/ or .cache/
           "HOTLINE_SAMPLE_DIR": str(sample_dir),
           "HOTLINE_CACHE": str(tmp_path / "cache"),
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
    command = [str(JUPYTER), "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
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


def _chinese_font(context, page, base: str) -> None:
    """For the screenshot only: Chromium here (and in CI) may have no Chinese font, and Lab shows the
    notebooks' Chinese text (headings, tables) in the system's fonts, as boxes. The font the charts use
    (Noto Sans CJK SC from mplfonts) is served to the page from a path of the local server's origin,
    routed inside the browser (no request leaves it), and added after Lab's own fonts as a fallback
    (set on body, so the theme's :root values, loaded later, do not win)."""
    from hotline_lib.render.fonts import FONT_NAME, cjk_font_path

    url = f"{base}/__test_font__/{cjk_font_path().name}"
    context.route(url, lambda route: route.fulfill(path=str(cjk_font_path()), content_type="font/otf"))
    fonts = f'system-ui, -apple-system, "Segoe UI", sans-serif, "{FONT_NAME}", "Test CJK"'
    page.add_style_tag(content=f"""
        @font-face {{ font-family: "Test CJK"; src: url("{url}") format("opentype"); }}
        body {{ --jp-ui-font-family: {fonts}; --jp-content-font-family: {fonts}; }}""")


@pytest.mark.parametrize("name", ["03_units"])
def test_section_notebook_in_jupyterlab(name, browser, lab):
    base, token, _ = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(OPEN_TIMEOUT * 1000)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        page.goto(f"{base}/lab/tree/{name}.ipynb?token={token}")
        _chinese_font(context, page, base)
        # the notebook is open on its kernel (no kernel-selection dialog) and the kernel is idle
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-CodeCell")
        page.wait_for_function(f"() => ({KERNEL_IDLE})() || !!document.querySelector('.jp-Dialog')", polling=250)
        dialogs = page.locator(".jp-Dialog")
        assert dialogs.count() == 0, dialogs.first.inner_text()
        assert [s["kernel"]["name"] for s in _api(base, token, "/api/sessions")] == ["hotline"]

        # as an analyst does: the Run menu, then Run All Cells
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        run_all = page.locator('.lm-Menu-item[data-command="runmenu:run-all"]')
        assert run_all.inner_text().startswith("Run All Cells")
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

        # in the page: a DataFrame (or any HTML table) and a chart, decoded
        assert page.locator(".jp-OutputArea-output table").count() >= 1
        images = page.eval_on_selector_all(".jp-OutputArea-output img",
                                           "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight])")
        assert images and all(done and w > 100 and h > 100 for done, w, h in images), images
        # nothing but the local server (and inline data) was asked for
        assert [url for url in requests if not url.startswith((f"{base}/", "data:", "blob:"))] == []

        # the step that selects the units under the threshold, its DataFrame and the seaborn chart in the shot
        page.locator(".jp-OutputArea-output img").first.scroll_into_view_if_needed()
        page.mouse.wheel(0, -350)
        page.wait_for_timeout(800)   # Lab renders the cells scrolled into view
        page.evaluate("document.fonts.ready.then(() => true)")
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"lab_{name}.png"))
    finally:
        context.close()
