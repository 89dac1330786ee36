"""Batch renders: parallel months, skip-unchanged manifests, failures reported, the index page."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest
from typer.testing import CliRunner

from hotline_lib.render.batch import render_range
from hotline_lib.render.section import read_sections
from hotline_lib.cli import app

from conftest import REPOSITORY_SETTINGS, workspace

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("english")]  # English messages
runner = CliRunner()


@pytest.fixture(scope="module")
def batch_data(sample_dir, tmp_path_factory):
    """A copy of the sample whose 2020-11 city ranking is broken (so that month fails)."""
    data = tmp_path_factory.mktemp("batch-data")
    shutil.copytree(sample_dir, data, dirs_exist_ok=True)
    return data


def test_range_renders_skips_and_reports(batch_data, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--from", "2020-11", "--to", "2020-12", "--jobs", "2", "--data", str(batch_data),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 rendered, 0 skipped, 0 failed" in result.stdout
    assert "bulletins" in result.stderr                                   # the progress bar
    assert re.search(r"2020-11 rendered in \d+\.\d s", result.stderr) and re.search(r"2020-12 rendered in \d+\.\d s", result.stderr)
    assert re.fullmatch(r"2020-12 rendered in \d+\.\d s \(kernel \d+ MB\)\n", (out / "2020-12" / "render.log").read_text(encoding="utf-8"))
    manifest = json.loads((out / "2020-12" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["month"] == "2020-12" and any(k.endswith("cases/2020-12.md") for k in manifest["inputs"])

    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="2020-12/bulletin.html"' in index and 'href="2020-11/bulletin.html"' in index
    assert "<script" not in index and not re.search(r"(src|href)=\"https?:", index)
    assert "<td>2020-12</td><td class=\"num\">3717</td>" in index and "99.10%" in index

    again = render_range(["2020-11", "2020-12"], workspace(batch_data, out, settings=REPOSITORY_SETTINGS), jobs=2)   # as the CLI above
    assert [o.status for o in again.outcomes] == ["skipped", "skipped"]

    (batch_data / "cases" / "2020-12.md").write_text("本月案例已更新。\n", encoding="utf-8")
    changed = render_range(["2020-11", "2020-12"], workspace(batch_data, out, settings=REPOSITORY_SETTINGS), jobs=2)
    assert {o.month: o.status for o in changed.outcomes} == {"2020-11": "skipped", "2020-12": "rendered"}

    forced = render_range(["2020-11"], workspace(batch_data, out, settings=REPOSITORY_SETTINGS), force=True)
    assert forced.outcomes[0].status == "rendered"


def test_one_failed_month_does_not_stop_the_others(batch_data, tmp_path):
    (batch_data / "city_ranking" / "2020-10.csv").write_text("区,月工单总数,满意度,总分\n芙蓉区,很多,99%,70\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "--from", "2020-10", "--to", "2020-11", "--jobs", "2", "--data", str(batch_data),
                                 "--out", str(out)])
    assert result.exit_code == 1
    assert "1 rendered, 0 skipped, 1 failed" in result.stdout
    assert "2020-10 failed: " in result.stderr and "city_ranking/2020-10.csv, row 2: not a number: '很多'" in result.stderr
    assert "render.log" in result.stderr
    assert (out / "2020-10" / "render.log").exists() and not (out / "2020-10" / "bulletin.html").exists()
    assert (out / "2020-11" / "bulletin.html").exists()
    assert 'href="2020-10/bulletin.html"' not in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("args, message", [(["report"], "give a MONTH"), (["report", "2020-12", "--from", "2020-01"], "not both"),
                                           (["report", "2020-13"], "YYYY-MM"), (["report", "--from", "2021-01", "--to", "2020-01"], "before")])
def test_report_arguments(args, message, tmp_path):
    result = runner.invoke(app, [*args, "--out", str(tmp_path)])
    assert result.exit_code == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_month_in_a_warm_kernel_is_the_month_rendered_alone(sample_dir, tmp_path):
    """A batch worker keeps its kernel from month to month (render/kernel.py): what a month leaves
    behind — variables, matplotlib settings, pandas options, open figures, the working folder — must
    not reach the next. Here 2020-11 leaves all of them changed; 2020-12 rendered after it in the
    same kernel is byte for byte 2020-12 rendered alone (figures.json and every chart)."""
    from hotline_lib.core.config import notebooks_dir
    from hotline_lib.render.month import render_month

    notebooks = tmp_path / "notebooks"
    shutil.copytree(notebooks_dir(), notebooks, ignore=shutil.ignore_patterns("explore", "trends.ipynb", ".ipynb_checkpoints"))
    units = nbformat.read(notebooks / "03_units.ipynb", as_version=4)
    setup = next(c for c in units.cells if "setup" in c.metadata.get("tags", []))
    setup.source += ('\nassert "left_behind" not in globals(), "a variable of the month before"'
                     '\nif month == "2020-11":'
                     '\n    left_behind = 1'
                     '\n    plt.rcParams["axes.facecolor"] = "red"; plt.rcParams["figure.dpi"] = 40'
                     '\n    pd.set_option("display.precision", 1)'
                     '\n    plt.figure(); plt.plot([1, 2])'
                     '\n    import os; os.chdir("..")')
    nbformat.write(units, notebooks / "03_units.ipynb")

    alone = render_month("2020-12", workspace(sample_dir, tmp_path / "alone", notebooks=notebooks), formats="html")
    batch = render_range(["2020-11", "2020-12"], workspace(sample_dir, tmp_path / "batch", notebooks=notebooks), jobs=1,
                         formats="html")
    assert [o.status for o in batch.outcomes] == ["rendered", "rendered"], batch.outcomes
    for name in ["figures.json", "sections.json"]:   # sections.json holds every chart's PNG
        assert (tmp_path / "batch" / "2020-12" / name).read_bytes() == (alone.html.parent / name).read_bytes(), name
    in_batch, by_itself = _outputs(tmp_path / "batch" / "2020-12"), _outputs(alone.html.parent)
    assert sorted(in_batch) == sorted(by_itself)   # the same files written, 扣分明细 included
    assert {"扣分明细.xlsx", "rejects.csv", "accounting.json", "notebooks/03_units.ipynb"} <= set(in_batch)
    assert any(name.startswith("扣分明细/") for name in in_batch)
    for name in by_itself:
        assert in_batch[name] == by_itself[name], name
    charts = [b for s in read_sections(alone.html.parent / "sections.json") for b in s.blocks if b.kind == "chart"]
    assert len(charts) >= 3
    assert "kernel" in (tmp_path / "batch" / "2020-12" / "render.log").read_text(encoding="utf-8")


def _outputs(month_dir) -> dict[str, object]:
    """Every file of a rendered month, as comparable content: what records when or how long
    (manifest.json, render.log, the workbooks' creation time, the notebooks' execution metadata), where
    (the output folder named in the notebooks' parameters) or nothing (the random id pandas gives a
    styled table) left out, and the page without its embedded font (a subset the cache shares with
    the months rendered before)."""
    import zipfile

    outputs: dict[str, object] = {}
    for path in sorted(p for p in month_dir.rglob("*") if p.is_file()):
        name = path.relative_to(month_dir).as_posix()
        if name in ("manifest.json", "render.log"):
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                outputs[name] = {part: book.read(part) for part in book.namelist() if part != "docProps/core.xml"}
        elif path.suffix == ".ipynb":
            notebook = nbformat.read(path, as_version=4)
            outputs[name] = [(c.cell_type, c.source.replace(str(month_dir.parent), "<out>"),
                              re.sub(r"T_[0-9a-f]{5}", "T_<id>",   # a table's style id: random in every run
                                     json.dumps(c.get("outputs", []), ensure_ascii=False).replace(str(month_dir.parent), "<out>")))
                             for c in notebook.cells]
        elif name == "bulletin.html":
            outputs[name] = re.sub(r"@font-face \{[^}]*\}", "", path.read_text(encoding="utf-8"))
        else:
            outputs[name] = path.read_bytes()
    return outputs


def test_a_render_stops_once_with_its_kernel_free_before_its_page(sample_dir, tmp_path):
    """A batch worker's kernel starts its next month while a thread finishes the month before
    (render/batch.py): a render's steps stop once, when its sections have run and before anything of
    the month is written, and what follows needs no kernel."""
    from test_failures import section_folder

    from hotline_lib.render.kernel import Kernel
    from hotline_lib.render.month import finish_render, render_month_steps

    code = "from hotline_lib import notebook as hb\nhb.load_month(month, workspace, output_dir)\nprint('fine')"
    notebooks = section_folder(tmp_path / "notebooks", "01_fine", code)
    office = workspace(sample_dir, tmp_path / "out", notebooks=notebooks)
    month_dir = tmp_path / "out" / "2020-12"
    with Kernel(notebooks) as kernel:
        steps = render_month_steps("2020-12", office, "html", kernel=kernel, in_batch=True)
        next(steps)
        executed = nbformat.read(month_dir / ".staging" / "bulletin.ipynb", as_version=4)
        assert any(o.get("text") == "fine\n" for c in executed.cells for o in c.get("outputs", []))
        for name in ["bulletin.html", "figures.json", "sections.json"]:   # neither made nor committed yet
            assert not (month_dir / ".staging" / name).exists() and not (month_dir / name).exists(), name
        kernel.shutdown()
        result = finish_render(steps)
    assert result.html == month_dir / "bulletin.html" and result.html.exists()
    assert not (month_dir / ".staging").exists()


def _steps(finishing=None):
    """A render's steps as render_month_steps has them: a stop when the kernel is free, then the rest
    (``finishing``: what the rest raises)."""
    yield
    if finishing is not None:
        raise finishing
    return "result"


@pytest.mark.parametrize("finishing, status, reason", [
    (None, "rendered", ""),
    (__import__("hotline_lib.core.errors", fromlist=["HotlineError"]).HotlineError("bad rules file"), "failed", "bad rules file"),
    (PermissionError(13, "Permission denied", "/out/2020-12"), "failed", "/out/2020-12: Permission denied"),
    (ValueError("a bug"), "failed", "ValueError: a bug"),
])
def test_a_month_finished_by_the_worker_thread_has_its_outcome(finishing, status, reason):
    """A batch worker's month: stopped with its kernel free (no outcome yet), then finished; the
    outcome says how it ended, whatever the kernel's memory could be read as (None included)."""
    from hotline_lib.render.batch import _advance

    steps = _steps(finishing)
    assert _advance(steps, 0.0) is None
    outcome = _advance(steps, 0.0, megabytes=None, finish=True)
    assert (outcome[0], outcome[3]) == (status, None) and outcome[2].startswith(reason)


def test_a_batch_whose_worker_died_raises_instead_of_waiting():
    """The parent reads the months' outcomes from a queue; a worker that ended (killed for memory,
    say) with no month of its waiting to start still breaks the batch at once."""
    import queue
    from types import SimpleNamespace

    from hotline_lib.core.errors import ReportError
    from hotline_lib.render.batch import _collected

    outcomes = queue.Queue()
    outcomes.put(("2020-11", "rendered", 1.0, "", 300))
    alive = SimpleNamespace(_processes={1: SimpleNamespace(exitcode=None)})
    assert list(_collected(outcomes, alive, [], 1)) == [("2020-11", "rendered", 1.0, "", 300)]
    dead = SimpleNamespace(_processes={1: SimpleNamespace(exitcode=-9)})
    with pytest.raises(ReportError) as error:
        list(_collected(outcomes, dead, [], 1))
    assert error.value.translated("en").startswith("a process of the batch ended before its months were done")
