"""How a month's finished render takes the place of the last one, as one transaction.

Everything is produced in a staging folder first (manifest.json included). ``publish`` then checks that
every file it is to replace or remove can be (none held open by a viewer), writes a journal
(``.commit.json``: each name of the month with where its new version was staged, or none for a file
this render did not write, such as a stale bulletin.eml, and whether the month had it), moves every old file aside into ``.previous/``
and every new one in, the page and manifest.json last, and removes the journal: that is the commit.
A failure during the moves puts the old files back; a run killed during them leaves the journal, and
the next command that touches the month (``recover``) finishes the commit, or undoes it when it cannot.
So the month's folder is the previous complete render or the new one, never a mix.

What was e-mailed is never lost: ``keep_sent_files`` copies the sent set into ``sent-<time>/`` before
anything changes; a failed attempt is kept for reading in ``failed-<time>/`` (``keep_failed``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime
from pathlib import Path

from hotline_lib.core.errors import HotlineError, ReportError
from hotline_lib.core.i18n import Message, names
from hotline_lib.core.utils import exclusive, write_text_atomic

#: The journal of a commit under way, and where the old files wait until it is done.
JOURNAL, PREVIOUS, STAGING = ".commit.json", ".previous", ".staging"
#: Kept sets: what was e-mailed (every set, forever) and failed attempts (the last FAILED_KEPT).
SENT_PREFIX, FAILED_PREFIX, FAILED_KEPT = "sent-", "failed-", 3


def is_sent(month_dir: Path) -> bool:
    """The month was e-mailed (sent.json): a published document, not re-rendered without --force."""
    return (Path(month_dir) / "sent.json").exists()


def _kept_set(name: str) -> bool:
    return name.startswith((".", SENT_PREFIX, FAILED_PREFIX))


def new_folder(month_dir: Path, prefix: str) -> Path:
    """A new ``<prefix><time>`` folder of the month (``-2``, ``-3``… after it when that second is taken)."""
    stamp = f"{prefix}{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    taken = [_age(p.name, prefix)[1] for p in month_dir.glob(f"{stamp}*")]
    return month_dir / (f"{stamp}-{max(taken) + 1}" if taken else stamp)


def _age(name: str, prefix: str) -> tuple[str, int]:
    """The order kept sets were made in: their time, then their number within that second."""
    made = re.fullmatch(r"(\d{8}-\d{6})(?:-(\d+))?", name[len(prefix):])
    return (made[1], int(made[2] or 1)) if made else (name[len(prefix):], 0)


def keep_sent_files(month_dir: Path) -> Path:
    """Copy everything a sent month holds (bulletin, figures, notebooks, sent.json…) into
    sent-<time>/ before a forced re-render changes anything; returns that folder. A copy, made under a
    hidden name and renamed whole: the month stays as sent until the new render commits."""
    kept = new_folder(month_dir, SENT_PREFIX)
    partial = month_dir / f".{kept.name}.partial"
    partial.mkdir()
    for path in sorted(month_dir.iterdir()):
        if _kept_set(path.name):
            continue
        if path.is_dir():
            shutil.copytree(path, partial / path.name)
        else:
            shutil.copy2(path, partial / path.name)
    os.replace(partial, kept)
    return kept


def keep_failed(month_dir: Path, notebooks: dict[str, object], error: str) -> Path:
    """failed-<time>/: a failed attempt kept for reading (its executed section notebooks, already
    masked, and error.txt with the one-line error), beside the month it left unchanged; only the
    last FAILED_KEPT such folders are kept."""
    import nbformat

    from hotline_lib.core.privacy import mask_personal

    folder = new_folder(month_dir, FAILED_PREFIX)
    partial = month_dir / f".{folder.name}.partial"
    (partial / "notebooks").mkdir(parents=True)
    for name, notebook in notebooks.items():
        nbformat.write(notebook, partial / "notebooks" / f"{name}.ipynb")
    (partial / "error.txt").write_text(mask_personal(error) + "\n", encoding="utf-8")
    os.replace(partial, folder)
    attempts = sorted((p for p in month_dir.glob(f"{FAILED_PREFIX}*") if p.is_dir()), key=lambda p: _age(p.name, FAILED_PREFIX))
    for old in attempts[:-FAILED_KEPT]:
        shutil.rmtree(old, ignore_errors=True)
    return folder


def clear_partials(month_dir: Path) -> None:
    """Remove the half-made kept sets (``.sent-….partial``, ``.failed-….partial``) of a killed run;
    call it holding the month's lock."""
    for partial in month_dir.glob(".*.partial"):
        shutil.rmtree(partial, ignore_errors=True)


def _blocked(path: Path) -> bool:
    """A file that cannot be replaced or removed: open in a program that holds it (Windows: a PDF
    viewer, Excel), read-only, or not a file at all; a folder when any file in it is."""
    if path.is_dir() and not path.is_symlink():
        return any(_blocked(p) for p in path.iterdir())
    try:
        with open(path, "ab"):
            return False
    except OSError:
        return True


def check_replaceable(month_dir: Path, targets, staged: dict[str, Path]) -> None:
    """Fail, changing nothing, when a file the commit is to replace or remove cannot be (or a folder
    stands where a file is to go, or the other way round); names them all."""
    blocked = [name for name in targets if _exists(month_dir / name) and (
        _blocked(month_dir / name) or (name in staged and staged[name].is_dir() != (month_dir / name).is_dir()))]
    if blocked:
        raise locked_error(month_dir, blocked)


def locked_error(month_dir: Path, blocked: list[str]) -> ReportError:
    return ReportError("{files}: in use by another program (or read-only), so it cannot be replaced: close it and run "
                       "again; nothing in {folder} was changed", files=names(blocked), folder=month_dir)


def stale_names(month_dir: Path, written: set[str]) -> list[str]:
    """What the month's folder holds besides ``written`` (names at its top level), the kept sets and
    hidden files (the lock) aside: what a commit removes, so the folder is exactly the render (sent.json
    included: the new render was not sent; publish copies the sent set first)."""
    return [p.name for p in sorted(month_dir.iterdir()) if p.name not in written and not _kept_set(p.name)]


def publish(staged: dict[str, Path], month_dir: Path, last=("bulletin.html", "manifest.json")) -> Path | None:
    """Commit a finished render: each staged file or folder (name in the month's folder -> where it was
    staged, inside the month's folder) takes the place of the old one, ``last`` last, and every other
    output of the month goes. All or nothing; a file that cannot be replaced is named and nothing
    changes (ReportError). A sent month's files are first copied into sent-<time>/ and its sent.json
    goes with the commit (the new render was not sent); returns that folder, or None."""
    stale = stale_names(month_dir, set(staged))
    order = sorted(staged, key=lambda n: last.index(n) + 1 if n in last else 0)
    check_replaceable(month_dir, [*order, *stale], staged)
    kept = keep_sent_files(month_dir) if is_sent(month_dir) else None
    for source in staged.values():
        if source.is_file():
            _fsync(source)
    entries = [[name, str(staged[name].relative_to(month_dir)), _exists(month_dir / name)] for name in order] + [
        [name, None, True] for name in stale]
    shutil.rmtree(month_dir / PREVIOUS, ignore_errors=True)   # (made again by the first move)
    write_text_atomic(month_dir / JOURNAL, json.dumps({"entries": entries}, ensure_ascii=False, indent=1) + "\n")
    try:
        _roll_forward(month_dir, entries)
    except OSError as exc:
        _roll_back(month_dir, entries)
        _close(month_dir)
        raise locked_error(month_dir, [Path(exc.filename).name if exc.filename else str(exc)]) from None
    _close(month_dir)
    return kept


def _roll_forward(month_dir: Path, entries: list) -> None:
    """Every old file aside, then every new one in; each step done only if not yet done (an old file
    already aside, a staged one already in), so a journal left by a killed run is finished by running
    it again. Entries: [name, where it was staged or None, whether the month had it]."""
    previous = month_dir / PREVIOUS
    previous.mkdir(exist_ok=True)
    for name, _, existed in entries:
        if existed and _exists(month_dir / name) and not _exists(previous / name):
            os.replace(month_dir / name, previous / name)
    for name, source, _ in entries:
        if source is not None and (month_dir / source).exists():
            os.replace(month_dir / source, month_dir / name)
    for name, source, _ in entries:   # a staged file lost (not moved in): the commit cannot be finished
        if source is not None and not _exists(month_dir / name):
            raise FileNotFoundError(2, "staged file lost", str(month_dir / source))


def _roll_back(month_dir: Path, entries: list) -> None:
    """Undo what a commit did: each new file back to where it was staged, each old one back in place."""
    previous = month_dir / PREVIOUS
    for name, source, existed in reversed(entries):
        target = month_dir / name
        is_new = _exists(target) and (not existed or _exists(previous / name))
        if source is not None and is_new and not (month_dir / source).exists():
            (month_dir / source).parent.mkdir(parents=True, exist_ok=True)
            os.replace(target, month_dir / source)
    for name, _, _ in entries:
        if _exists(previous / name) and not _exists(month_dir / name):
            os.replace(previous / name, month_dir / name)


def _close(month_dir: Path) -> None:
    """The journal removed (the commit is done, or undone), then what waited aside."""
    (month_dir / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(month_dir / PREVIOUS, ignore_errors=True)


def recover(month_dir: Path, held: bool = False) -> str | None:
    """Finish a commit a killed run left half-done (its journal), or undo it when a file cannot be
    moved now; every command that reads or writes a month calls this first. ``held``: the caller holds
    the month's lock; otherwise it is taken, and a month another run is writing is left to it.
    Returns "forward", "back", or None when there was nothing to do."""
    month_dir = Path(month_dir)
    journal = month_dir / JOURNAL
    if not journal.exists() and not _exists(month_dir / PREVIOUS):
        return None
    if not held:
        lock = exclusive(month_dir / ".lock", Message("the bulletin of {month} in {folder}", month=month_dir.name,
                                                      folder=month_dir))
        try:
            lock.__enter__()
        except HotlineError:   # busy: a run is committing this month right now, and finishes it
            return None
        try:
            return recover(month_dir, held=True)
        finally:
            lock.__exit__(None, None, None)
    if not journal.exists():   # a run killed just after its commit (or before its journal) left old files aside
        shutil.rmtree(month_dir / PREVIOUS, ignore_errors=True)
        return None
    entries = json.loads(journal.read_text(encoding="utf-8"))["entries"]
    try:
        _roll_forward(month_dir, entries)
        outcome = "forward"
    except OSError:
        _roll_back(month_dir, entries)
        outcome = "back"
    _close(month_dir)
    shutil.rmtree(month_dir / STAGING, ignore_errors=True)
    return outcome


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
