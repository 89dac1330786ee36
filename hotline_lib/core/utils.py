"""Small helpers shared by several modules."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from hotline_lib.core.errors import HotlineError
from hotline_lib.core.i18n import N_, names


def closest_matches(spelling: str, candidates, n: int = 3) -> list[str]:
    """The candidates most like ``spelling`` (difflib), best first; none when nothing is alike: what
    an error names, so that a typo is fixed at once."""
    import difflib

    return difflib.get_close_matches(str(spelling), list(dict.fromkeys(candidates)), n=n, cutoff=0.3)


def check_argument(name: str, options: Iterable[Any], value: Any) -> None:
    """Raise a HotlineError listing the allowed options when ``value`` is not one of them."""
    options = list(options)
    if value not in options:
        raise HotlineError("{name} must be one of {options}; got {value!r}", name=name,
                           options=names(options), value=value)


def read_yaml_file(path: str | Path, error: type[HotlineError] = HotlineError) -> Any:
    """Load a YAML file safely, turning I/O and syntax problems into one clear error."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise error(N_("{path}: file not found"), path=path) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise error(N_("{path}: not valid YAML ({reason})"), path=path, reason=" ".join(str(exc).split())) from None


@contextmanager
def atomic_path(target: str | Path):
    """Yield a temporary path beside ``target``; move it into place only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    # hidden and ending in .tmp: a file a killed run leaves behind never looks like a finished output
    # (its name cut so that it stays within the 255 bytes a file name may have, as the target does)
    short = target.name.encode("utf-8")[:200].decode("utf-8", errors="ignore")
    handle, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{short}.", suffix=".tmp")
    os.close(handle)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is as readable as any file the user writes
    try:
        yield Path(tmp)
        with open(tmp, "rb") as written:  # on disk before the rename, so a power cut cannot leave it empty
            os.fsync(written.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def exclusive(lock_file: str | Path, what: str):
    """Hold an exclusive lock on ``lock_file`` for the block, or fail at once naming ``what`` is busy.

    The operating system releases the lock when its process ends, however it ends, so a killed run
    never leaves a stale lock behind.
    """
    from filelock import FileLock, Timeout

    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    # not thread-local: a batch worker's thread may finish (and release) what its main thread began
    lock = FileLock(lock_file, timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise HotlineError("another hotline run is writing {what} right now (lock: {lock}); "
                           "wait for it to finish, then try again", what=what, lock=lock_file) from None
    try:
        yield
    finally:
        lock.release()


def remove_leftovers(folder: Path, name: str = "") -> None:
    """Delete the temporary files (``.name.*.tmp``) a killed run left beside its outputs; call it
    holding the lock of those outputs. ``name`` limits it to one output's files (a folder shared by
    several outputs, such as outputs/ with its trends pages and index)."""
    for leftover in folder.glob(f".{name}*.tmp"):
        leftover.unlink(missing_ok=True)


def write_text_atomic(target: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write a text file so that readers never see it half-written."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding=encoding)
