"""How a finished render takes the place of the last one (render/publish.py): every staged file moves
in, the page last, and what the month held that this render did not write goes, except what was sent."""

from __future__ import annotations

from pathlib import Path

from hotline_lib.render.publish import publish, remove_stale


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def _month(folder: Path) -> Path:
    month = folder / "2021-03"
    for name in ["bulletin.html", "bulletin.pdf", "bulletin.eml", "manifest.json", "sent.json", ".lock",
                 "notebooks/01_overview.ipynb", "notebooks/09_old.ipynb", "sent-20210405-093000/bulletin.html"]:
        (month / name).parent.mkdir(parents=True, exist_ok=True)
        (month / name).write_text(f"old {name}", encoding="utf-8")
    return month


def test_a_render_replaces_the_month_and_leaves_nothing_stale_but_what_was_sent(tmp_path):
    month = _month(tmp_path / "out")
    staging = tmp_path / "staging"
    (staging / "notebooks").mkdir(parents=True)
    for name in ["bulletin.html", "figures.json", "notebooks/01_overview.ipynb"]:
        (staging / name).write_text(f"new {name}", encoding="utf-8")
    publish({"bulletin.html": staging / "bulletin.html", "figures.json": staging / "figures.json",
             "notebooks": staging / "notebooks"}, month)
    assert _files(month) == {"bulletin.html", "figures.json", "notebooks/01_overview.ipynb", "sent.json", ".lock",
                             "sent-20210405-093000/bulletin.html"}
    assert (month / "bulletin.html").read_text(encoding="utf-8") == "new bulletin.html"
    assert (month / "sent-20210405-093000" / "bulletin.html").read_text(encoding="utf-8") == "old sent-20210405-093000/bulletin.html"
    assert not (tmp_path / "out" / ".notebooks.old").exists()


def test_remove_stale_names_what_it_removed(tmp_path):
    month = _month(tmp_path)
    removed = remove_stale(month, {"bulletin.html", "notebooks"})
    assert sorted(p.name for p in removed) == ["bulletin.eml", "bulletin.pdf"]
    assert (month / "manifest.json").exists() and (month / "sent.json").exists()
