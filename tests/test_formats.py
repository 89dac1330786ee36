"""Choosing formats, what a render leaves, and sent bulletins kept."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.errors import HotlineError
from hotline_lib.render.manifest import Fingerprints, fingerprint
from hotline_lib.render.formats import choose_formats

from conftest import workspace

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

runner = CliRunner()


@pytest.mark.parametrize("asked, chosen", [(None, ["html", "pdf", "docx"]), ("html,pdf", ["html", "pdf"]), ("docx", ["html", "docx"]),
                                           (["pdf", "docx", "html"], ["html", "pdf", "docx"]), (" pdf , ", ["html", "pdf"])])
def test_choose_formats_keeps_the_page_and_the_order(asked, chosen):
    assert choose_formats(asked) == chosen


def test_an_unknown_format_lists_the_options():
    with pytest.raises(HotlineError, match="format must be one of html, pdf, docx; got 'odt'"):
        choose_formats("html,odt")


def test_the_formats_are_part_of_the_fingerprint(sample_dir):
    prints = Fingerprints()
    html = fingerprint(prints.inputs("2020-12", workspace(sample_dir), ["html"]))
    assert html != fingerprint(prints.inputs("2020-12", workspace(sample_dir), ["html", "pdf"]))


@pytest.mark.slow
def test_a_format_not_rendered_this_time_is_removed(report_2020_12, sample_dir, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(report_2020_12.html.parent, out / "2020-12")
    (out / "2020-12" / "bulletin.pdf").write_bytes(b"%PDF-1.7 stale")
    result = runner.invoke(app, ["report", "2020-12", "--data", str(sample_dir), "--out", str(out), "--formats", "html"])
    assert result.exit_code == 0, result.output
    assert not (out / "2020-12" / "bulletin.pdf").exists()
    manifest = json.loads((out / "2020-12" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formats"] == ["html"] and manifest["inputs"]["formats"] == "html"


@pytest.mark.slow
def test_a_sent_month_is_kept_unless_forced(report_2020_12, sample_dir, tmp_path):
    out = tmp_path / "out"
    month_dir = out / "2020-12"
    shutil.copytree(report_2020_12.html.parent, month_dir)
    (month_dir / "sent.json").write_text('[{"sent_at": "2021-01-05T02:00:00+00:00", "to": ["a@example.com"]}]\n', encoding="utf-8")
    sent_page = (month_dir / "bulletin.html").read_bytes()

    alone = runner.invoke(app, ["report", "2020-12", "--data", str(sample_dir), "--out", str(out), "--formats", "html"])
    assert alone.exit_code == 0 and "skipped: 2020-12 was e-mailed" in alone.output and "--force" in alone.output
    in_range = runner.invoke(app, ["report", "--from", "2020-12", "--to", "2020-12", "--data", str(sample_dir),
                                   "--out", str(out), "--formats", "html"])
    assert in_range.exit_code == 0 and "0 rendered, 1 skipped" in in_range.output
    assert "2020-12 skipped: e-mailed (sent.json)" in in_range.output
    assert (month_dir / "bulletin.html").read_bytes() == sent_page and not list(month_dir.glob("sent-*"))

    forced = runner.invoke(app, ["report", "2020-12", "--data", str(sample_dir), "--out", str(out), "--formats", "html", "--force"])
    assert forced.exit_code == 0, forced.output
    (kept,) = month_dir.glob("sent-*")
    assert (kept / "bulletin.html").read_bytes() == sent_page and (kept / "sent.json").exists()
    assert (kept / "manifest.json").exists() and (kept / "扣分明细.xlsx").exists() and (kept / "bulletin.pdf").exists()
    # the new render is not the sent one: no sent.json, nor the sent PDF (html only this time)
    assert not (month_dir / "sent.json").exists() and (month_dir / "manifest.json").exists()
    assert not (month_dir / "bulletin.pdf").exists()
    assert "sent files are kept in" in forced.output


@pytest.mark.slow
def test_without_a_browser_the_render_says_so_and_writes_the_other_formats(report_2020_12, sample_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_BROWSER", str(tmp_path / "no-such-browser"))
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", "2020-12", "--data", str(sample_dir), "--out", str(out)])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if "no PDF" in line]
    assert len(notes) == 1 and "HOTLINE_BROWSER" in notes[0]
    month_dir = out / "2020-12"
    assert (month_dir / "bulletin.docx").exists() and (month_dir / "bulletin.html").exists()
    assert not (month_dir / "bulletin.pdf").exists()
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formats"] == ["html", "docx"]


@pytest.mark.slow
def test_a_render_writes_every_shipped_format(report_2020_12):
    month_dir = report_2020_12.html.parent
    assert report_2020_12.formats == ["html", "pdf", "docx"]
    assert (month_dir / "bulletin.pdf").read_bytes().startswith(b"%PDF-") and (month_dir / "bulletin.docx").exists()
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formats"] == ["html", "pdf", "docx"] and {"bulletin.pdf", "bulletin.docx"} <= set(manifest["files"])
