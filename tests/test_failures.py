"""Failures that end a render cleanly: a cell past its time limit and a kernel that dies each name
their section (the sections run stitched in one notebook), a batch worker's spent kernel is started
again, Ctrl-C is one line with the month's lock released, and a month that cannot be written fails
that month alone in a range, which still reports every month and writes its index. A tiny notebooks
folder of one section each, with a short time limit, keeps them fast."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import SOURCE_ROOT
from hotline_lib.core.utils import exclusive

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages
runner = CliRunner()
TIMEOUT = 3   # seconds: cell_timeout_seconds of these tests' settings


def section_folder(folder: Path, name: str, code: str) -> Path:
    """A notebooks folder of one section, ``name``, whose one cell after the parameters is ``code``."""
    folder.mkdir(parents=True, exist_ok=True)
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('month = "2020-12"\nworkspace = None\noutput_dir = None')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters, nbformat.v4.new_code_cell(code)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / f"{name}.ipynb")
    return folder


@pytest.fixture
def settings(tmp_path) -> Path:
    """The repository's settings with a short cell time limit."""
    path = tmp_path / "settings.yaml"
    path.write_text((SOURCE_ROOT / "data" / "settings.yaml").read_text(encoding="utf-8")
                    + f"cell_timeout_seconds: {TIMEOUT}\n", encoding="utf-8")
    return path


def _report(sample_dir, tmp_path, notebooks, settings, *months):
    command = ["report", *months] if len(months) == 1 else ["report", "--from", months[0], "--to", months[-1]]
    return runner.invoke(app, [*command, "--data", str(sample_dir), "--out", str(tmp_path / "out"), "--notebooks",
                               str(notebooks), "--settings", str(settings), "--formats", "html"])


def _lock_is_free(month_dir: Path) -> bool:
    with exclusive(month_dir / ".lock", "test"):
        return True


def test_a_cell_past_its_time_limit_names_its_section(sample_dir, tmp_path, settings):
    notebooks = section_folder(tmp_path / "notebooks", "01_loop", "while True:\n    pass")
    started = time.perf_counter()
    result = _report(sample_dir, tmp_path, notebooks, settings, "2020-12")
    assert result.exit_code == 1 and time.perf_counter() - started < 60
    assert len(result.stderr.splitlines()) == 2   # what it starts, and the error: nothing of the notebook client's
    assert _kept_aside(result.stderr.splitlines()[-1], tmp_path) == (
        f"Error: section 01_loop was stopped: a cell ran longer than {TIMEOUT} s (cell_timeout_seconds in the "
        "settings); look for a loop that never ends, or raise the limit")
    assert "Traceback" not in result.output
    month = tmp_path / "out" / "2020-12"
    assert _lock_is_free(month) and not (month / "bulletin.html").exists() and not (month / ".staging").exists()


def _kept_aside(line: str, tmp_path) -> str:
    """The error line without its ending "(failed attempt kept in …/failed-<time>)", once that folder is
    checked to hold the attempt's error (render/publish.py keep_failed)."""
    import re

    found = re.fullmatch(r"(.*) \(failed attempt kept in (.*/failed-[0-9-]+)\)", line)
    assert found, line
    assert (tmp_path / "out" / "2020-12" / found[2].rsplit("/", 1)[-1] / "error.txt").is_file()
    return found[1]


def test_a_notebook_that_kills_its_kernel_names_its_section(sample_dir, tmp_path, settings):
    notebooks = section_folder(tmp_path / "notebooks", "01_exit", "import os\nos._exit(1)")
    result = _report(sample_dir, tmp_path, notebooks, settings, "2020-12")
    assert result.exit_code == 1
    assert _kept_aside(result.stderr.splitlines()[-1], tmp_path) == (
        "Error: section 01_exit: the notebook kernel died while it ran (out of memory, or the notebook ended its "
        "process); nothing was published")


def test_a_range_restarts_a_spent_kernel_and_reports_every_month(sample_dir, tmp_path, settings):
    notebooks = section_folder(tmp_path / "notebooks", "01_loop", "while True:\n    pass")
    result = _report(sample_dir, tmp_path, notebooks, settings, "2020-11", "2020-12")
    assert result.exit_code == 1
    assert "0 rendered, 0 skipped, 2 failed" in result.stdout and (tmp_path / "out" / "index.html").exists()
    # the second month runs in a new kernel: had the first one been kept, still looping, the second
    # month would wait behind it and time out before any section of its own
    for month in ("2020-11", "2020-12"):
        assert (f"  {month} failed: section 01_loop was stopped: a cell ran longer than {TIMEOUT} s"
                in result.stderr), result.stderr


def test_an_unwritable_month_fails_alone_and_the_range_reports_and_indexes(sample_dir, tmp_path, settings):
    notebooks = section_folder(tmp_path / "notebooks", "01_fine", "print('fine')")
    out = tmp_path / "out"
    out.mkdir()
    (out / "2020-11").write_text("not a folder", encoding="utf-8")   # the month's folder cannot be made
    result = _report(sample_dir, tmp_path, notebooks, settings, "2020-11", "2020-12")
    assert result.exit_code == 1
    assert "failed in" in result.stdout and "index: " in result.stdout and (out / "index.html").exists()
    lines = result.stderr.splitlines()
    failed = [line for line in lines if line.startswith("  2020-11 failed: ")]
    assert len(failed) == 1 and str(out / "2020-11") in failed[0] and "Traceback" not in result.output
    assert any(line.startswith("  2020-12 ") for line in lines)   # the other month has its own outcome


@pytest.mark.parametrize("months", [["2020-12"], ["--from", "2020-11", "--to", "2020-12", "--jobs", "2"]],
                         ids=["month", "range"])
def test_ctrl_c_is_one_line_and_releases_the_lock(sample_dir, tmp_path, settings, months):
    notebooks = section_folder(tmp_path / "notebooks", "01_loop", "while True:\n    pass")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT), "HOTLINE_LANG": "en"}
    command = [sys.executable, "-c", "from hotline_lib.cli import main; main()", "report", *months, "--data",
               str(sample_dir), "--out", str(out), "--notebooks", str(notebooks), "--settings", str(settings),
               "--formats", "html"]
    # Ctrl-C's default action, as in a terminal's foreground job: a test run started in the background
    # by a shell without job control (`make test &`) has SIGINT ignored, and a child inherits that
    process = subprocess.Popen(command, cwd=SOURCE_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    rendered = [m for m in ("2020-11", "2020-12") if m in months]
    deadline = time.monotonic() + 60
    while (not all((out / m / ".staging" / "bulletin.ipynb").exists() for m in rendered)
           and time.monotonic() < deadline):   # the sections are running
        time.sleep(0.2)
    time.sleep(1)
    os.killpg(process.pid, signal.SIGINT)   # what Ctrl-C in a terminal does: the whole foreground group
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.splitlines()[-1] == "interrupted: nothing more was written; the last complete outputs are as they were"
    for noise in ("Traceback", "Task exception", "DeadKernelError", "Kernel died", "Warning"):
        assert noise not in stderr
    for month in rendered:
        assert _lock_is_free(out / month) and not (out / month / "bulletin.html").exists()


def test_every_data_error_is_reported_as_data():
    from hotline_lib.render.month import data_errors

    names = data_errors()
    assert {"HotlineError", "InputError", "UnknownUnitError", "NoHeaderRow", "SettingsError", "RulesError"} <= names
    assert not {"ReportError", "BrowserNotFound", "SentBulletin", "EmailError"} & names   # about the render, not the data


def test_a_data_error_in_a_section_names_the_data_not_the_section(sample_dir, tmp_path, settings):
    code = ("from hotline_lib.io.reading import NoHeaderRow\n"
            "raise NoHeaderRow('no header row with {wanted} in the first {count} rows', path='exports/派单.xlsx', "
            "sheet='Sheet1', wanted='工单编号', count=30)")
    notebooks = section_folder(tmp_path / "notebooks", "01_read", code)
    result = _report(sample_dir, tmp_path, notebooks, settings, "2020-12")
    assert result.exit_code == 1
    assert _kept_aside(result.stderr.splitlines()[-1], tmp_path) == (
        "Error: exports/派单.xlsx, sheet 'Sheet1': no header row with 工单编号 in the first 30 rows")
    assert not (tmp_path / "out" / "2020-12" / "notebooks").exists()   # nothing of the month is touched


def test_workbooks_that_cannot_be_written_beside_the_kernel_fail_the_render_and_keep_the_month(sample_dir, tmp_path,
                                                                                                settings, monkeypatch):
    """A month rendered alone has its 扣分明细 workbooks written by a process beside the kernel (a
    forked one inherits this patch); its failure is the render's, one line, the month untouched."""
    from hotline_lib.analysis import bulletin

    def broken(month, output_dir):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bulletin, "write_month_workbooks", broken)
    notebooks = section_folder(tmp_path / "notebooks", "01_load", "from hotline_lib import notebook as hb\n"
                                                                   "m = hb.load_month(month, workspace, output_dir)")
    result = _report(sample_dir, tmp_path, notebooks, settings, "2020-12")
    assert result.exit_code == 1, result.output
    assert _kept_aside(result.stderr.splitlines()[-1], tmp_path) == (
        "Error: the 扣分明细 workbooks could not be written: RuntimeError: disk on fire")
    month = tmp_path / "out" / "2020-12"
    assert _lock_is_free(month) and not (month / "bulletin.html").exists() and not (month / ".staging").exists()
    assert not list(month.rglob("*.xlsx"))


def test_the_workbooks_beside_the_kernel_yield_to_it(monkeypatch, tmp_path):
    """The process writing a month's workbooks beside the kernel lowers its priority first: the
    kernel (and the words' process it waits for) come first; the workbooks have until its last section."""
    from hotline_lib.analysis import bulletin
    from hotline_lib.render import month as month_render

    calls = []
    monkeypatch.setattr(month_render.os, "nice", lambda step: calls.append(("nice", step)))
    monkeypatch.setattr(bulletin, "load_month", lambda month, workspace: calls.append(("load", month)))
    monkeypatch.setattr(bulletin, "write_month_workbooks", lambda month, folder: calls.append(("write", folder)))
    month_render.write_workbooks_job("2020-12", {}, str(tmp_path))
    assert calls == [("nice", 5), ("load", "2020-12"), ("write", str(tmp_path))]
