"""Changes to a working folder's notebooks are decided, not accidental: `hotline report` names each
section notebook whose cells differ from the package's, the manifest records it, and `hotline notebooks`
shows the change (diff), puts the package's copy back (restore) and brings the notebooks up to a newer
package without losing the district's own changes (update)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import SOURCE_ROOT
from hotline_lib.io import notebook_changes
from hotline_lib.io.notebook_changes import SHIPPED_RECORD, cell_digest, read_record
from hotline_lib.io.project import init_project

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages
runner = CliRunner()
OLD, TRIAL = '"low_satisfaction_below", override=None', '"low_satisfaction_below", override=98'


@pytest.fixture
def office(tmp_path, monkeypatch):
    """A district's working folder made by `hotline init`, commands run inside it."""
    folder = tmp_path / "office"
    init_project(folder, district="天心区")
    monkeypatch.setenv("HOTLINE_HOME", str(folder))
    monkeypatch.delenv("HOTLINE_OUTPUTS")
    monkeypatch.chdir(folder)
    return folder


def _edit(path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in the one cell holding it, as an edit saved by JupyterLab."""
    notebook = nbformat.read(path, as_version=4)
    cells = [c for c in notebook.cells if old in c.source]
    assert len(cells) == 1, f"{old!r} in {len(cells)} cells of {path.name}"
    cells[0].source = cells[0].source.replace(old, new)
    nbformat.write(notebook, path)


def _sources(path) -> list[str]:
    return [c.source for c in nbformat.read(path, as_version=4).cells]


def test_init_records_the_notebooks_as_shipped(office):
    record = read_record(office / "notebooks")
    assert set(record) == {"01_overview.ipynb", "02_city_ranking.ipynb", "03_units.ipynb", "04_features.ipynb",
                           "05_epidemic.ipynb", "06_case_story.ipynb", "07_appendix.ipynb", "08_hot_topics.ipynb", "09_red_black_list.ipynb",
                           "trends.ipynb", "explore/compare.ipynb", "explore/orders.ipynb", "explore/topics.ipynb",
                           "explore/unit.ipynb"}
    assert record["03_units.ipynb"]["digest"] == cell_digest(SOURCE_ROOT / "notebooks" / "03_units.ipynb")


def test_report_names_an_edited_section_notebook_and_the_manifest_records_it(office, sample_dir):
    shutil.copyfile(SOURCE_ROOT / "data" / "units.yaml", office / "data" / "units.yaml")   # the district's are empty
    _edit(office / "notebooks" / "03_units.ipynb", OLD, TRIAL)
    result = runner.invoke(app, ["report", "2020-12", "--data", str(sample_dir), "--formats", "html"])
    assert result.exit_code == 0, result.output
    named = [line for line in result.output.splitlines() if "differ from the shipped ones" in line]
    assert len(named) == 1 and "03_units.ipynb" in named[0] and "01_overview" not in named[0], result.output
    assert "low_satisfaction_below = 98 (settings: 97)" in result.output
    manifest = json.loads((office / "outputs" / "2020-12" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["modified_notebooks"] == ["03_units.ipynb"]
    assert manifest["overrides"] == {"units": {"low_satisfaction_below": {"settings": 97, "used": 98}}}


def test_diff_shows_the_changed_line_and_no_changes_when_there_are_none(office):
    clean = runner.invoke(app, ["notebooks", "diff"])
    assert clean.exit_code == 0 and "no changes" in clean.output
    path = office / "notebooks" / "03_units.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[3].outputs = [nbformat.v4.new_output("stream", text="run in JupyterLab")]   # outputs do not count
    notebook.cells[3].execution_count = 7
    nbformat.write(notebook, path)
    assert "no changes" in runner.invoke(app, ["notebooks", "diff"]).output
    _edit(path, OLD, TRIAL)
    result = runner.invoke(app, ["notebooks", "diff"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[:2] == ["--- shipped/03_units.ipynb", "+++ notebooks/03_units.ipynb"]
    removed = [line for line in lines if line.startswith("-") and not line.startswith("---")]
    added = [line for line in lines if line.startswith("+") and not line.startswith("+++")]
    assert len(removed) == len(added) == 1 and OLD in removed[0] and TRIAL in added[0]
    assert any(line.startswith(" # ---- cell 6 [code]") for line in lines)   # the changed cell, by its number
    assert runner.invoke(app, ["notebooks", "diff", "01_overview.ipynb"]).output.strip().startswith("no changes")


def test_restore_puts_back_the_shipped_cells_and_keeps_the_changed_copy(office):
    path = office / "notebooks" / "03_units.ipynb"
    shipped = _sources(SOURCE_ROOT / "notebooks" / "03_units.ipynb")
    _edit(path, OLD, TRIAL)
    edited = _sources(path)
    result = runner.invoke(app, ["notebooks", "restore", "03_units.ipynb"])
    assert result.exit_code == 0, result.output
    assert _sources(path) == shipped
    backups = list(path.parent.glob("03_units.ipynb.bak-*"))
    assert len(backups) == 1 and _sources(backups[0]) == edited and backups[0].name in result.output
    assert read_record(path.parent)["03_units.ipynb"]["digest"] == cell_digest(path)
    assert "no changes" in runner.invoke(app, ["notebooks", "diff"]).output
    (path.parent / "04_features.ipynb").write_text("{half a notebook", encoding="utf-8")   # a broken save
    broken = runner.invoke(app, ["notebooks", "diff", "04_features"])
    assert broken.exit_code == 1 and broken.output.startswith(f"Error: {path.parent / '04_features.ipynb'}: not a readable notebook (")
    unknown = runner.invoke(app, ["notebooks", "restore", "09_nothing"])
    assert unknown.exit_code == 1 and "09_nothing.ipynb: the package ships no such notebook" in unknown.output


def test_update_replaces_unchanged_notebooks_keeps_changed_ones_and_adds_new_ones(office, tmp_path, monkeypatch):
    newer = tmp_path / "newer-package"   # a newer package: two notebooks changed, one new
    shutil.copytree(SOURCE_ROOT / "notebooks", newer / "notebooks")
    _edit(newer / "notebooks" / "01_overview.ipynb", "section = hb.Section(", "section = hb.Section(  # v2\n")
    _edit(newer / "notebooks" / "03_units.ipynb", "# 各单位的考核表", "# 各单位的考核表（v2）")
    shutil.copyfile(newer / "notebooks" / "07_appendix.ipynb", newer / "notebooks" / "08_new.ipynb")
    monkeypatch.setattr(notebook_changes, "template_root", lambda: newer)
    folder = office / "notebooks"
    _edit(folder / "03_units.ipynb", OLD, TRIAL)   # the district's own change
    district = _sources(folder / "03_units.ipynb")

    result = runner.invoke(app, ["notebooks", "update"])
    assert result.exit_code == 0, result.output
    assert _sources(folder / "01_overview.ipynb") == _sources(newer / "notebooks" / "01_overview.ipynb")
    assert _sources(folder / "03_units.ipynb") == district
    assert _sources(folder / "08_new.ipynb") == _sources(newer / "notebooks" / "07_appendix.ipynb")
    assert "1 notebooks updated, 1 added" in result.output and "01_overview.ipynb" in result.output
    kept = [line for line in result.output.splitlines() if line.startswith("left as they are")]
    assert len(kept) == 1 and kept[0].endswith(": 03_units.ipynb")
    record = read_record(folder)
    assert record["01_overview.ipynb"]["digest"] == cell_digest(newer / "notebooks" / "01_overview.ipynb")
    assert record["03_units.ipynb"]["digest"] == cell_digest(SOURCE_ROOT / "notebooks" / "03_units.ipynb")
    assert runner.invoke(app, ["notebooks", "update"]).output.startswith("0 notebooks updated, 0 added")


def test_a_folder_made_before_the_record_counts_a_notebook_differing_from_the_package_as_changed(office, tmp_path, monkeypatch):
    newer = tmp_path / "newer-package"
    shutil.copytree(SOURCE_ROOT / "notebooks", newer / "notebooks")
    _edit(newer / "notebooks" / "01_overview.ipynb", "section = hb.Section(", "section = hb.Section(  # v2\n")
    monkeypatch.setattr(notebook_changes, "template_root", lambda: newer)
    (office / "notebooks" / SHIPPED_RECORD).unlink()
    result = runner.invoke(app, ["notebooks", "update"])
    assert result.exit_code == 0 and "0 notebooks updated, 0 added" in result.output
    assert "01_overview.ipynb" in result.output.splitlines()[-1]
    assert _sources(office / "notebooks" / "01_overview.ipynb") == _sources(SOURCE_ROOT / "notebooks" / "01_overview.ipynb")


def test_in_the_repository_itself_nothing_differs_and_nothing_is_written():
    from hotline_lib.io.notebook_changes import modified_notebooks, restore_notebook, update_notebooks

    folder = SOURCE_ROOT / "notebooks"
    assert modified_notebooks(folder) == [] and "03_units.ipynb" in notebook_changes.notebook_names(folder)
    before = sorted(p.name for p in folder.iterdir())
    assert restore_notebook(folder, "03_units") is None
    assert update_notebooks(folder) == notebook_changes.Update()
    assert sorted(p.name for p in folder.iterdir()) == before and not (folder / SHIPPED_RECORD).exists()


def test_diff_into_a_closed_pipe_exits_quietly(office):
    """`hotline notebooks diff | head`: the reader stops early; no "Error: Broken pipe", no traceback."""
    _edit(office / "notebooks" / "03_units.ipynb", OLD, TRIAL)
    read_end, write_end = os.pipe()
    os.close(read_end)   # the reader has gone before the first line is written
    try:
        result = subprocess.run([sys.executable, "-m", "hotline_lib.cli", "notebooks", "diff"], stdout=write_end,
                                stderr=subprocess.PIPE, text=True, timeout=120,
                                env={**os.environ, "PYTHONPATH": str(SOURCE_ROOT)})
    finally:
        os.close(write_end)
    assert result.stderr == "" and result.returncode == 141, result.stderr
