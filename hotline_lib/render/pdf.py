"""bulletin.pdf: the bulletin page printed by a Chromium-family browser found on the machine.

The page carries its own print layout (bulletin.css: A4, page numbers in @page margin boxes, the
appendix on landscape pages, rows never split) and its own font, so printing it is all there is to
do: ``chromium --headless --print-to-pdf``. The browser is Chromium, Google Chrome or Microsoft Edge
(``find_browser``; ``HOTLINE_BROWSER`` names one). Without one, ``html_to_pdf`` raises
``BrowserNotFound`` (one line, in Chinese and English) and the caller goes on with the other formats.

The PDF is written beside its target under a temporary name and renamed when complete; a browser
that has not finished within ``timeout`` seconds is killed with every process it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from hotline_lib.core.errors import BrowserNotFound, ReportError
from hotline_lib.core.utils import atomic_path

BROWSER_ENV = "HOTLINE_BROWSER"
#: Looked up in PATH, in this order.
BROWSER_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "microsoft-edge",
                 "microsoft-edge-stable", "msedge", "chrome"]


def _installed_locations() -> list[Path]:
    """Where Windows and macOS install the browsers (not in PATH there as a rule)."""
    if sys.platform == "win32":
        roots = [os.environ.get(name) for name in ("ProgramFiles(x86)", "ProgramFiles", "LOCALAPPDATA")]
        tails = [r"Microsoft\Edge\Application\msedge.exe", r"Google\Chrome\Application\chrome.exe",
                 r"Chromium\Application\chrome.exe"]
        return [Path(root) / tail for tail in tails for root in roots if root]
    if sys.platform == "darwin":
        return [Path(f"/Applications/{app}.app/Contents/MacOS/{app}")
                for app in ("Google Chrome", "Chromium", "Microsoft Edge")]
    return []


def _executable(path: str | Path) -> bool:
    return Path(path).is_file() and os.access(path, os.X_OK)


def find_browser() -> str | None:
    """The Chromium-family browser to print with, or None.

    ``HOTLINE_BROWSER`` (a path, or a command name in PATH), when set, is the only candidate: None
    if it names nothing executable. Otherwise chromium, chromium-browser, google-chrome, Edge, …
    in PATH, then (Windows, macOS) their usual install locations.
    """
    configured = os.environ.get(BROWSER_ENV, "").strip()
    if configured:
        if _executable(configured):
            return str(Path(configured).resolve())
        return shutil.which(configured)
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return next((str(path) for path in _installed_locations() if _executable(path)), None)


def browser_command(browser: str, html_path: Path, pdf_path: Path, profile: Path) -> list[str]:
    """The headless print command. A fresh profile each time: never the user's own (a running
    browser would take the job over), no first-run work, no network beyond the page's own file."""
    root_on_linux = sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0
    return [browser, "--headless", *(["--no-sandbox"] if root_on_linux else []), "--disable-gpu",
            "--no-pdf-header-footer", f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-sync", "--disable-background-networking", "--disable-component-update",
            "--mute-audio", f"--print-to-pdf={pdf_path}", Path(html_path).resolve().as_uri()]


def html_to_pdf(html_path: Path, pdf_path: Path, browser: str | None = None, timeout: float = 120) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4, as its print CSS lays it out) and return ``pdf_path``.

    ``browser``: the executable (default ``find_browser()``). Raises BrowserNotFound when there is
    none, ReportError when the browser fails or takes longer than ``timeout`` seconds (it is then
    killed); ``pdf_path`` is then left as it was.
    """
    html_path, pdf_path = Path(html_path), Path(pdf_path)
    if not html_path.is_file():
        raise ReportError("{page}: no page to print (file not found)", page=html_path)
    browser = browser or find_browser()
    if browser is None:
        configured = os.environ.get(BROWSER_ENV, "").strip()
        raise BrowserNotFound(configured) if configured else BrowserNotFound()
    with tempfile.TemporaryDirectory(prefix="hotline-browser-", ignore_cleanup_errors=True) as profile, \
            tempfile.TemporaryFile() as log, atomic_path(pdf_path) as tmp:
        command = browser_command(browser, html_path, tmp, Path(profile))
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                       **_own_process_group())
        except OSError as exc:
            raise ReportError("could not start the browser {browser} to print {page}: {reason}", browser=browser,
                              page=html_path.name, reason=exc.strerror or str(exc)) from None
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            raise ReportError("{browser} did not finish printing {page} to PDF within {timeout:g} s (stopped)",
                              browser=browser, page=html_path.name, timeout=timeout) from None
        except BaseException:   # Ctrl-C: no browser left running
            _kill_tree(process)
            raise
        if code != 0 or not _is_pdf(tmp):
            log.seek(0)
            raise ReportError("{browser} could not print {page} to PDF (exit code {code}){reason}", browser=browser,
                              page=html_path.name, code=code, reason=_reason(log.read()))
    return pdf_path


def _is_pdf(path: Path) -> bool:
    """A whole PDF: its header, and the end-of-file marker near its end."""
    with open(path, "rb") as handle:
        head = handle.read(5)
        handle.seek(max(0, path.stat().st_size - 1024))
        return head == b"%PDF-" and b"%%EOF" in handle.read()


def _reason(output: bytes) -> str:
    """The browser's last error line (its log has much noise about D-Bus and GPUs that do not matter)."""
    lines = [line.strip() for line in output.decode("utf-8", "replace").splitlines() if line.strip()]
    noise = ("dbus", "gpu", "bus.cc", "object_proxy", "fontconfig", "vaapi", "viz_main")
    useful = [line for line in lines if not any(word in line.lower() for word in noise)]
    last = (useful or lines or [""])[-1]
    if "]" in last and last.startswith("["):   # "[123:456:1126/022519.958970:ERROR:file.cc:405] message"
        last = last.split("]", 1)[1].strip()
    return f": {last[:300]}" if last else ""


def _own_process_group() -> dict:
    """Start the browser as the head of its own process group, so that it can be ended with every
    process it started (renderers, the GPU and zygote processes)."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _kill_tree(process: subprocess.Popen) -> None:
    """End the browser and every process of its group (only ours: the group this call started)."""
    if sys.platform == "win32":
        if process.poll() is None:
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True, timeout=30)
    else:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        process.kill()
    except OSError:
        pass
    process.wait()
