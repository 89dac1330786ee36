"""How a month's finished render takes the place of the last one, and how a sent month is kept.

Everything is produced in a staging folder first; ``publish`` then moves each file in whole (a folder
by renaming the old one aside first), the page last, and removes what the month held that this render
did not write (a stale bulletin.eml, a PDF no longer asked for), so the folder is exactly this
render. What was e-mailed is never removed: ``keep_sent_files`` moves it into sent-<time>/ first.
"""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

#: What a render never removes from the month's folder: the record of sending, and the sent sets.
KEPT = ("sent.json",)


def is_sent(month_dir: Path) -> bool:
    """The month was e-mailed (sent.json): a published document, not re-rendered without --force."""
    return (Path(month_dir) / "sent.json").exists()


def keep_sent_files(month_dir: Path) -> Path:
    """Move everything a sent month holds (bulletin, figures, notebooks, sent.json…) into
    sent-<timestamp>/ before a forced re-render replaces it; returns that folder."""
    kept = month_dir / f"sent-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    kept.mkdir()
    for path in sorted(month_dir.iterdir()):
        if path.name.startswith(".") or path.name.startswith("sent-"):
            continue
        os.replace(path, kept / path.name)
    return kept


def replace_folder(new: Path, target: Path) -> None:
    """Put a finished folder in place of the old one: the old one is moved aside first (one rename
    each), so the target is never a mix of both; what is left aside is removed afterwards."""
    aside = target.with_name(f".{target.name}.old")
    shutil.rmtree(aside, ignore_errors=True)
    if target.exists():
        os.replace(target, aside)
    if new.exists():
        os.replace(new, target)
    shutil.rmtree(aside, ignore_errors=True)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def publish(staged: dict[str, Path], month_dir: Path, last: str = "bulletin.html") -> None:
    """Move each staged file or folder (name in the month's folder -> where it was staged) into
    ``month_dir``, ``last`` last (the page: it is what the index links to), then remove every other
    output of the month that this render did not write. manifest.json is removed first (the caller
    writes it after): a month without it was interrupted."""
    (month_dir / "manifest.json").unlink(missing_ok=True)
    for name in sorted(staged, key=lambda n: n == last):
        source, target = staged[name], month_dir / name
        if source.is_dir():
            replace_folder(source, target)
        else:
            _fsync(source)
            os.replace(source, target)
    remove_stale(month_dir, set(staged))


def remove_stale(month_dir: Path, written: set[str]) -> list[Path]:
    """Remove what the month's folder holds besides ``written`` (names at its top level), keeping
    sent.json, the sent-<time>/ sets, manifest.json and hidden files (the lock); returns what went."""
    removed = []
    for path in sorted(month_dir.iterdir()):
        name = path.name
        if name in written or name in KEPT or name == "manifest.json" or name.startswith((".", "sent-")):
            continue
        shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        removed.append(path)
    return removed
