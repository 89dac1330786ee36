"""Shared fixtures: the reference files (copied from the published 2020-12 bulletin) and small frames."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest

from hotline_lib.scoring.rules import load_rules

FIXTURES = Path(__file__).parent / "fixtures"
APPENDIX = FIXTURES / "appendix_2020-12.csv"


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def reference_figures() -> dict:
    return json.loads((FIXTURES / "figures_2020-12.json").read_text(encoding="utf-8"))


@pytest.fixture
def appendix_text() -> str:
    return APPENDIX.read_text(encoding="utf-8")


@pytest.fixture
def appendix_frame() -> pd.DataFrame:
    return pd.read_csv(APPENDIX, dtype=str, keep_default_na=False)


def unit_row(name="测试单位", kind="区直部门", **overrides) -> dict:
    """One fault-free unit row of the per-unit table, as parsed values (counts int, rates Decimal %)."""
    row = {"部门名称": name, "类别": kind, "签收总数": 10, "未按时签收数": 0, "未及时退回数": 0, "退单驳回数": 0,
           "办结工单（含上月流转工单）": 10, "未按时办结数": 0, "按时办结率": Decimal("100.00"), "延期驳回数": 0,
           "发回重办数": 0, "回访工单总数": 10, "回访满意数": 10, "回访满意度": Decimal("100.00"),
           "延期办理率": Decimal("0.00"), "重复交办率": Decimal("0.00")}
    row.update(overrides)
    return row


@pytest.fixture(scope="session")
def units():
    from hotline_lib.io.directory import load_units

    return load_units()


@pytest.fixture(scope="session")
def settings():
    from hotline_lib.io.directory import load_settings

    return load_settings()


def workspace(data, out=None, **paths):
    """The repository's working folder reading ``data`` and writing to ``out`` (paths: settings, units,
    rules, notebooks), as a command run with --data and --out resolves it. Without ``settings``, the
    repository's settings in the published layout (``published_settings``: 热点诉求 off), so that the
    December 2020 tests compare with the published bulletin; ``settings=REPOSITORY_SETTINGS`` has it on."""
    from hotline_lib.core.config import SOURCE_ROOT
    from hotline_lib.io.workspace import Workspace

    paths.setdefault("settings", published_settings())
    return Workspace.open(SOURCE_ROOT, data=data, outputs=out, **paths)


#: The repository's own settings: the sample's 热点诉求 on (data/settings.yaml, hot_topics.show).
REPOSITORY_SETTINGS = Path(__file__).resolve().parent.parent / "data" / "settings.yaml"


@lru_cache(maxsize=1)
def published_settings() -> Path:
    """The repository's settings with hot_topics.show: off (the seed's published layout has no 热点诉求
    part), written once per test process beside the other temporary files."""
    import re
    import tempfile

    import yaml

    text = REPOSITORY_SETTINGS.read_text(encoding="utf-8")
    changed = re.sub(r"(?m)^(hot_topics:\n(?:[ #].*\n)*?  show:[ \t]*)\w+", r"\1off", text, count=1)
    assert yaml.safe_load(changed)["hot_topics"]["show"] is False, "data/settings.yaml: hot_topics.show not found"
    path = Path(tempfile.mkdtemp(prefix="hotline-published-")) / "settings.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    """The generated sample (about 20 s), once per test session."""
    from hotline_lib.sample.exports import generate_sample

    out = tmp_path_factory.mktemp("sample")
    generate_sample(out)
    return out


@pytest.fixture(autouse=True)
def _private_folders(tmp_path_factory, monkeypatch):
    """Tests never write into the project's outputs/ (nor its cache) and never read data/sample; they
    use the repository's working folder wherever they run (HOTLINE_HOME, which a command sets for its
    kernels: tests/test_init.py unsets it to find the folder as a command does); and the machine's
    own locale never decides a test: a C locale is no preference, so messages are Chinese."""
    from hotline_lib.core.config import SOURCE_ROOT

    for variable in ("HOTLINE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("HOTLINE_HOME", str(SOURCE_ROOT))
    monkeypatch.setenv("HOTLINE_CACHE", str(base / "cache"))
    monkeypatch.setenv("HOTLINE_OUTPUTS", str(base / "default-outputs"))
    monkeypatch.setenv("HOTLINE_SAMPLE_DIR", str(base / "no-sample-here"))
    monkeypatch.setenv("HOTLINE_DATA", str(base / "no-data-here"))


@pytest.fixture
def english(monkeypatch):
    """Messages in English (HOTLINE_LANG=en): for the tests that compare with the English texts. A test
    file asks for it with ``pytestmark = pytest.mark.usefixtures("english")``."""
    monkeypatch.setenv("HOTLINE_LANG", "en")


@pytest.fixture(scope="session")
def report_2020_12(sample_dir, tmp_path_factory):
    """The sample's December 2020 bulletin, rendered once per session."""
    from hotline_lib.render.month import render_month

    out = tmp_path_factory.mktemp("outputs")
    return render_month("2020-12", workspace(sample_dir, out))


# Headless Chromium, shared by tests/test_browser.py (the bulletin) and tests/test_lab.py (JupyterLab).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def debian_program(commands: list[str], package: str, tests: str) -> str:
    """A program from Debian's ``package`` (installed here when missing and we may use apt). Without
    it ``tests`` are skipped with the reason, except in CI (CI set non-empty, as `CI=true bash .ci/run`)
    where they fail: a green CI must have run them."""
    found = next(filter(None, map(shutil.which, commands)), None)
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, capture_output=True, timeout=900)
        found = next(filter(None, map(shutil.which, commands)), None)
    if not found:
        reason = f"{package} is not installed and could not be installed (needs Debian's apt as root)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; in CI {tests} must run", pytrace=False)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, for the browser tests (tests/test_browser.py, tests/test_lab.py)."""
    return debian_program(["chromium", "chromium-browser"], "chromium", "the browser tests")


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice (Debian's libreoffice-calc-nogui): the office suite that writes the .xls and .ods
    files tests/test_workbooks.py reads, as a platform or an analyst's office suite would."""
    return debian_program(["soffice", "libreoffice"], "libreoffice-calc-nogui", "the workbook tests")


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()
