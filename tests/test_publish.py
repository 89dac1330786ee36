"""Publishing a month as a transaction (render/publish.py): a finished render replaces the month whole
or not at all; a file held open is named and nothing changes; a commit killed at any point is finished
(or undone) by the next command; what was e-mailed survives every failure."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.errors import ReportError
from hotline_lib.core.utils import exclusive
from hotline_lib.render import publish as publishing
from hotline_lib.render.notebooks import section_notebooks
from hotline_lib.render.publish import JOURNAL, keep_failed, publish, recover, stale_names

pytestmark = pytest.mark.usefixtures("english")
runner = CliRunner()
OLD = ["bulletin.html", "bulletin.pdf", "bulletin.eml", "manifest.json", "figures.json", "notebooks/01_overview.ipynb",
       "notebooks/09_old.ipynb"]
NEW = ["bulletin.html", "figures.json", "manifest.json", "notebooks/01_overview.ipynb", "扣分明细/东湖街道办事处.xlsx"]
REPLACE = os.replace
SENT = '[{"sent_at": "2021-04-05T01:30:00+00:00", "to": ["office@example.org"]}]\n'


def checksums(folder: Path, skip=(".", "sent-", "failed-")) -> dict[str, str]:
    """Every file of the month by its path and content hash, the kept sets and hidden files aside."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).parts[0].startswith(skip)}


def _write(folder: Path, names, prefix: str) -> None:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f"{prefix} {name}", encoding="utf-8")


def _month(folder: Path, sent: bool = True) -> Path:
    """An old render (sent or not), a lock file and an older sent set, and a new render staged inside it."""
    month = folder / "2021-03"
    _write(month, [*OLD, ".lock", "sent-20210405-093000/bulletin.html"], "old")
    if sent:
        (month / "sent.json").write_text(SENT, encoding="utf-8")
    _write(month / ".staging", NEW, "new")
    return month


def _staged(month: Path) -> dict[str, Path]:
    return {name: month / ".staging" / name for name in ["bulletin.html", "figures.json", "manifest.json", "notebooks", "扣分明细"]}


def _new(month: Path) -> dict[str, str]:
    """The month as the new render alone would leave it."""
    expected = month.parent / "expected"
    _write(expected, NEW, "new")
    return checksums(expected)


def test_a_render_replaces_the_month_whole_and_keeps_a_copy_of_what_was_sent(tmp_path):
    month = _month(tmp_path / "out")
    old = checksums(month)
    new = _new(tmp_path / "out")
    kept = publish(_staged(month), month)
    assert checksums(month) == new   # the stale bulletin.eml, bulletin.pdf and 09_old notebook gone, sent.json too
    assert kept.name.startswith("sent-") and checksums(kept) == old   # the sent set, sent.json included
    assert (month / "sent-20210405-093000" / "bulletin.html").read_text(encoding="utf-8") == "old sent-20210405-093000/bulletin.html"
    assert (month / ".lock").exists() and not (month / JOURNAL).exists() and not (month / ".previous").exists()
    assert not list(month.glob(".*.partial"))


def test_the_stale_names_leave_the_kept_sets_and_hidden_files(tmp_path):
    month = _month(tmp_path)
    keep_failed(month, {}, "an error")
    assert stale_names(month, {"bulletin.html", "notebooks"}) == ["bulletin.eml", "bulletin.pdf", "figures.json",
                                                                 "manifest.json", "sent.json"]


def test_only_the_last_failed_attempts_are_kept(tmp_path):
    month = tmp_path / "2021-03"
    month.mkdir()
    folders = [keep_failed(month, {"05_epidemic": nbformat.v4.new_notebook()}, f"error {i} 13812345678") for i in range(5)]
    assert sorted(month.glob("failed-*")) == folders[2:]
    assert (folders[-1] / "error.txt").read_text(encoding="utf-8") == "error 4 138****5678\n"
    assert (folders[-1] / "notebooks" / "05_epidemic.ipynb").exists()


def test_a_file_that_cannot_be_replaced_is_named_and_nothing_changes(tmp_path):
    """bulletin.pdf a non-empty folder: like a PDF a viewer holds open on Windows, it cannot go."""
    month = _month(tmp_path, sent=False)
    (month / "bulletin.pdf").unlink()
    _write(month, ["bulletin.pdf/page.txt"], "old")
    _write(month / ".staging", ["bulletin.pdf"], "new")
    before = checksums(month)
    with pytest.raises(ReportError) as error:
        publish({**_staged(month), "bulletin.pdf": month / ".staging" / "bulletin.pdf"}, month)
    assert str(error.value) == (f"bulletin.pdf: in use by another program (or read-only), so it cannot be replaced: close it "
                                f"and run again; nothing in {month} was changed")
    assert checksums(month) == before and not (month / JOURNAL).exists()


def refuse_moving(monkeypatch, held: Path) -> None:
    """``held`` cannot be moved away, as a file a viewer holds open on Windows (os.replace refused)."""
    real = os.replace

    def replace(source, target):
        if Path(source) == held:
            raise PermissionError(13, "Permission denied", str(source))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)


def test_a_move_refused_during_the_commit_puts_everything_back(tmp_path, monkeypatch):
    month = _month(tmp_path)
    before = checksums(month)
    refuse_moving(monkeypatch, month / "bulletin.pdf")
    with pytest.raises(ReportError, match=r"^bulletin.pdf: in use by another program"):
        publish(_staged(month), month)
    assert checksums(month) == before and (month / "sent.json").read_text(encoding="utf-8") == SENT
    assert not (month / JOURNAL).exists() and not (month / ".previous").exists()


class Killed(BaseException):
    """A power cut: no clean-up code runs (not an OSError, which a commit undoes itself)."""


def _kill_after(monkeypatch, moves: int) -> None:
    """os.replace works ``moves`` times, then the process "dies"."""
    real, done = REPLACE, []

    def replace(source, target):
        if len(done) == moves:
            raise Killed()
        done.append(source)
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)


# the moves of a commit (os.replace): 1 the sent set's copy renamed into place, 2 the journal, then 7 old
# files aside (figures, notebooks, page, manifest, and the stale eml, pdf and sent.json), then 5 new ones in
# (a folder is one move), the page and the manifest last
PHASES = {"before the sent set is kept": 0, "after the sent set is kept": 1, "with the journal written": 2,
          "with the old files half aside": 5, "with every old file aside": 9, "with the new files half in": 11,
          "with the page in, not the manifest": 13}


@pytest.mark.parametrize("phase", PHASES)
def test_a_commit_killed_at_any_point_is_finished_by_the_next_command(tmp_path, monkeypatch, phase):
    month = _month(tmp_path / "out")
    old, new = checksums(month), _new(tmp_path / "out")
    _kill_after(monkeypatch, PHASES[phase])
    with pytest.raises(Killed):
        publish(_staged(month), month)
    monkeypatch.setattr(os, "replace", REPLACE)   # the next command, in a process alive
    recover(month)
    after = checksums(month)
    sent_sets = [checksums(p) for p in sorted(month.glob("sent-2*")) if p.name != "sent-20210405-093000"]
    if PHASES[phase] < 2:   # killed before the journal: the month as it was, still sent (its copy made or not)
        assert after == old and sent_sets == [old] * PHASES[phase]
    else:                   # the journal was written: the commit is finished, and the sent set is whole
        assert after == new and sent_sets == [old]
    assert not (month / JOURNAL).exists() and not (month / ".previous").exists()


def test_a_commit_that_cannot_be_finished_is_undone(tmp_path, monkeypatch):
    month = _month(tmp_path / "out")
    old = checksums(month)
    _kill_after(monkeypatch, 9)
    with pytest.raises(Killed):
        publish(_staged(month), month)
    monkeypatch.setattr(os, "replace", REPLACE)   # the next command, in a process alive
    real = os.replace

    def replace(source, target):   # the page now held open by a viewer
        if Path(source) == month / ".staging" / "bulletin.html":
            raise PermissionError(13, "Permission denied", str(source))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    assert recover(month) == "back"
    assert checksums(month) == old and (month / "sent.json").read_text(encoding="utf-8") == SENT


def test_a_run_killed_after_its_journal_went_leaves_no_old_files_aside(tmp_path, monkeypatch):
    """Killed between removing the journal and removing .previous (the commit done): the next command,
    whether or not it holds the month's lock, clears the old files that waited aside."""
    month = _month(tmp_path / "out")
    new = _new(tmp_path / "out")
    monkeypatch.setattr("hotline_lib.render.publish._close", lambda d: (d / JOURNAL).unlink())
    publish(_staged(month), month)
    assert (month / ".previous").exists() and not (month / JOURNAL).exists()
    assert recover(month) is None
    assert not (month / ".previous").exists() and checksums(month) == new


def test_recovery_leaves_a_month_another_run_is_committing(tmp_path, monkeypatch):
    month = _month(tmp_path / "out")
    _kill_after(monkeypatch, 4)
    with pytest.raises(Killed):
        publish(_staged(month), month)
    monkeypatch.setattr(os, "replace", REPLACE)   # the next command, in a process alive
    during = checksums(month)
    with exclusive(month / ".lock", "the month"):
        assert recover(month) is None
    assert checksums(month) == during and (month / JOURNAL).exists()
    assert recover(month) == "forward"


def test_email_finishes_a_half_done_commit_first(tmp_path, monkeypatch):
    """`hotline email` calls the recovery first: it reads the new render, whole (killed with every old
    file aside and none in; here it then finds no sections.json, the test's render being a few files)."""
    month = _month(tmp_path / "out")
    _kill_after(monkeypatch, 9)
    with pytest.raises(Killed):
        publish(_staged(month), month)
    monkeypatch.setattr(os, "replace", REPLACE)   # the next command, in a process alive
    result = runner.invoke(app, ["email", "2021-03", "--to", "a@example.org", "--dry-run", "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "sections.json: not found" in result.stderr   # not "no rendered bulletin"
    assert checksums(month) == _new(tmp_path / "out") and not (month / JOURNAL).exists()


# ---- through the render: the tester's steps --------------------------------------------------------

def _failing_notebooks(folder: Path) -> Path:
    shutil.copytree(section_notebooks()[0].parent, folder)
    broken = nbformat.read(folder / "05_epidemic.ipynb", as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("raise ValueError('数据有误 13812345678')"))
    nbformat.write(broken, folder / "05_epidemic.ipynb")
    return folder


@pytest.mark.slow
def test_a_failed_forced_render_of_a_sent_month_changes_nothing(report_2020_12, sample_dir, tmp_path):
    """Bug 1: render, e-mail (sent.json as `hotline email` writes it), `--force` with a section that raises."""
    out = tmp_path / "out"
    month = out / "2020-12"
    shutil.copytree(report_2020_12.html.parent, month)
    (month / "sent.json").write_text(SENT, encoding="utf-8")
    before = checksums(month)
    notebooks = _failing_notebooks(tmp_path / "notebooks")
    result = runner.invoke(app, ["report", "2020-12", "--force", "--formats", "html", "--data", str(sample_dir),
                                 "--out", str(out), "--notebooks", str(notebooks)])
    assert result.exit_code == 1
    (failed,) = month.glob("failed-*")
    line = result.stderr.strip().splitlines()[-1]
    assert line == f"Error: section 05_epidemic failed: ValueError: 数据有误 138****5678 (failed attempt kept in {failed})"
    assert checksums(month) == before and len(before) > 20   # the sent bulletin, manifest and notebooks as sent
    assert (failed / "error.txt").read_text(encoding="utf-8") == "section 05_epidemic failed: ValueError: 数据有误 138****5678\n"
    kept = nbformat.read(failed / "notebooks" / "05_epidemic.ipynb", as_version=4)
    errors = [o for c in kept.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors and "13812345678" not in json.dumps(errors) and len(list((failed / "notebooks").glob("*.ipynb"))) == len(section_notebooks())
    assert not list(month.glob("sent-*")) and not (month / ".staging").exists()


@pytest.mark.slow
def test_a_locked_pdf_leaves_the_month_as_it_was(report_2020_12, sample_dir, tmp_path, monkeypatch):
    """Bug 9: bulletin.pdf held by a viewer (its move refused): no new figures or workbooks beside the
    old page; the message names the file, not a staging path."""
    out = tmp_path / "out"
    month = out / "2020-12"
    shutil.copytree(report_2020_12.html.parent, month)
    before = checksums(month)
    refuse_moving(monkeypatch, month / "bulletin.pdf")
    result = runner.invoke(app, ["report", "2020-12", "--force", "--data", str(sample_dir), "--out", str(out),
                                 "--formats", "html"])
    assert result.exit_code == 1
    (failed,) = month.glob("failed-*")
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: bulletin.pdf: in use by another program (or read-only), so it cannot be replaced: close it and run again; "
        f"nothing in {month} was changed (failed attempt kept in {failed})")
    assert checksums(month) == before
    assert len(list((failed / "notebooks").glob("*.ipynb"))) == len(section_notebooks()) and not (month / ".staging").exists()


def test_a_commit_whose_staged_files_are_lost_is_undone(tmp_path, monkeypatch):
    """A journal whose staged files went (removed by hand): the old render is put back, not lost."""
    month = _month(tmp_path / "out")
    old = checksums(month)
    _kill_after(monkeypatch, 5)
    with pytest.raises(Killed):
        publish(_staged(month), month)
    monkeypatch.setattr(os, "replace", REPLACE)
    shutil.rmtree(month / ".staging")
    assert recover(month) == "back"
    assert checksums(month) == old and not (month / JOURNAL).exists()


def test_a_range_run_finishes_a_half_done_commit_before_judging_the_month(tmp_path, monkeypatch):
    """is_current (a range run deciding whether to skip a month) calls the recovery first: the month it
    judges is whole, with the new manifest."""
    from hotline_lib.render.manifest import is_current

    month = _month(tmp_path / "out")
    _kill_after(monkeypatch, 12)
    with pytest.raises(Killed):
        publish(_staged(month), month)
    monkeypatch.setattr(os, "replace", REPLACE)
    assert not (month / "manifest.json").exists()   # (the new one not in yet)
    assert is_current(month, "new manifest.json") is False   # not a fingerprint, but the month is whole again
    assert checksums(month) == _new(tmp_path / "out") and not (month / JOURNAL).exists()
