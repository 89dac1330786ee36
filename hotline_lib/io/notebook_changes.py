"""Which of a working folder's notebooks differ from the copies the package ships, and putting them back.

`make lab` opens the same notebooks/ that `hotline report` renders, and JupyterLab saves whatever was
tried there: a change goes into the next bulletin only when someone decided it. Only cell sources and
tags count (a run in JupyterLab leaves outputs and execution counts, which change nothing rendered).
``notebooks/.shipped.json`` records each notebook's cells as the package shipped them when copied
(by `hotline init`, restore or update), so that `hotline notebooks update` knows what the district changed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from hotline_lib import __version__
from hotline_lib.core.config import template_root
from hotline_lib.core.errors import HotlineError
from hotline_lib.core.i18n import names
from hotline_lib.core.utils import write_text_atomic

#: The record of the notebooks as copied from the package: name -> {"digest", "version"}.
SHIPPED_RECORD = ".shipped.json"
SKIPPED = {".ipynb_checkpoints"}


def shipped_notebooks() -> Path:
    """The notebooks the installed package ships (the repository's own notebooks/ in a checkout)."""
    return template_root() / "notebooks"


def notebook_cells(path: Path) -> list[list]:
    """A notebook's cells as [type, source, sorted tags]: what a render computes from, nothing else."""
    import nbformat

    try:
        notebook = nbformat.read(path, as_version=4)
    except ValueError as exc:   # not JSON, or not a notebook (nbformat's errors are ValueErrors)
        raise HotlineError("{file}: not a readable notebook ({reason})", file=path, reason=str(exc).splitlines()[0]) from None
    return [[c.cell_type, c.source, sorted(c.metadata.get("tags", []))] for c in notebook.cells]


def cell_digest(path: Path) -> str:
    """The hash of a notebook's cell sources and tags (outputs, counts and metadata do not count)."""
    cells = notebook_cells(path)
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode()).hexdigest()


def notebook_names(folder: Path) -> list[str]:
    """Every notebook under ``folder`` by its path relative to it (sections, explore/, trends)."""
    if not folder.is_dir():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.ipynb")
                  if not SKIPPED & set(p.relative_to(folder).parts))


def read_record(folder: Path) -> dict[str, dict]:
    """notebooks/.shipped.json, or {} when the folder was made before it (or it is unreadable)."""
    try:
        record = json.loads((folder / SHIPPED_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def write_record(folder: Path, record: dict[str, dict]) -> None:
    write_text_atomic(folder / SHIPPED_RECORD, json.dumps(dict(sorted(record.items())), ensure_ascii=False, indent=2) + "\n")


def record_entry(path: Path) -> dict:
    return {"digest": cell_digest(path), "version": __version__}


def record_copied(folder: Path, names: list[str], shipped: Path | None = None) -> None:
    """Note ``names`` as just copied from the package into ``folder`` (init, restore, update)."""
    shipped = shipped or shipped_notebooks()
    record = read_record(folder)
    record.update({name: record_entry(shipped / name) for name in names if (shipped / name).is_file()})
    write_record(folder, record)


def is_shipped_folder(folder: Path, shipped: Path) -> bool:
    """Whether ``folder`` is the shipped notebooks themselves (a source checkout's notebooks/)."""
    return folder.resolve() == shipped.resolve()


def differs_from_shipped(folder: Path, name: str, shipped: Path | None = None) -> bool:
    """Whether notebook ``name`` of ``folder`` has other cells than the package's copy (False for a
    notebook the package does not ship: the district's own)."""
    shipped = shipped or shipped_notebooks()
    if not (shipped / name).is_file() or not (folder / name).is_file():
        return False
    if (folder / name).resolve() == (shipped / name).resolve():
        return False
    return cell_digest(folder / name) != cell_digest(shipped / name)


def modified_notebooks(folder: Path, names: list[str] | None = None, shipped: Path | None = None) -> list[str]:
    """The notebooks of ``folder`` (default: all of them) whose cells differ from the shipped copies."""
    names = notebook_names(folder) if names is None else names
    return [name for name in names if differs_from_shipped(folder, name, shipped)]


def changed_since_copied(folder: Path, name: str, shipped: Path | None = None) -> bool:
    """Whether the district changed notebook ``name`` since it was copied: against the record, or
    (a folder made before the record) against the installed package's copy."""
    recorded = read_record(folder).get(name)
    if isinstance(recorded, dict) and recorded.get("digest"):
        return cell_digest(folder / name) != recorded["digest"]
    return differs_from_shipped(folder, name, shipped)


def cells_text(path: Path) -> list[str]:
    """A notebook as lines of text, cell by cell, each headed by its number, type and tags."""
    lines = []
    for number, (kind, source, tags) in enumerate(notebook_cells(path), 1):
        lines.append(f"# ---- cell {number} [{kind}]" + (f" tags: {', '.join(tags)}" if tags else "") + "\n")
        lines += [line if line.endswith("\n") else line + "\n" for line in source.splitlines()]
    return lines


def notebook_diff(folder: Path, name: str, shipped: Path | None = None) -> str:
    """A unified diff of the cells of ``name``: the shipped copy against the working folder's."""
    shipped = shipped or shipped_notebooks()
    return "".join(difflib.unified_diff(cells_text(shipped / name), cells_text(folder / name),
                                        fromfile=f"shipped/{name}", tofile=f"notebooks/{name}"))


def check_name(folder: Path, name: str, shipped: Path | None = None) -> str:
    """``name`` as the package ships it (03_units or 03_units.ipynb, explore/unit…), or a one-line error."""
    shipped = shipped or shipped_notebooks()
    name = name if name.endswith(".ipynb") else f"{name}.ipynb"
    if not (shipped / name).is_file():
        raise HotlineError("{name}: the package ships no such notebook; it ships {names}", name=name,
                           names=names(notebook_names(shipped)))
    return name


def backup_name(path: Path) -> Path:
    """NAME.ipynb.bak-<time> beside the notebook (a second in the same second gets a number)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    backup, number = path.with_name(f"{path.name}.bak-{stamp}"), 1
    while backup.exists():
        number += 1
        backup = path.with_name(f"{path.name}.bak-{stamp}-{number}")
    return backup


def restore_notebook(folder: Path, name: str, shipped: Path | None = None) -> Path | None:
    """Put back the shipped copy of ``name``; the working folder's one is kept as NAME.ipynb.bak-<time>,
    which is returned (None when there was nothing to keep: it was missing or had the shipped cells)."""
    shipped = shipped or shipped_notebooks()
    name = check_name(folder, name, shipped)
    target = folder / name
    if is_shipped_folder(folder, shipped):   # the repository's own notebooks/: nothing to put back
        return None
    backup = None
    if target.is_file() and differs_from_shipped(folder, name, shipped):
        backup = backup_name(target)
        shutil.copy2(target, backup)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shipped / name, target)
    record_copied(folder, [name], shipped)
    return backup


@dataclass
class Update:
    """What `hotline notebooks update` did, by notebook name."""
    replaced: list[str] = field(default_factory=list)   # unchanged by the district: the package's new version
    added: list[str] = field(default_factory=list)      # new in the package
    kept: list[str] = field(default_factory=list)       # changed by the district: left as it is


def update_notebooks(folder: Path, shipped: Path | None = None) -> Update:
    """Bring ``folder``'s notebooks up to the installed package's: one the district did not change
    since it was copied is replaced, a changed one left and named, a new one added."""
    shipped = shipped or shipped_notebooks()
    done = Update()
    if is_shipped_folder(folder, shipped):   # the repository's own notebooks/ are the shipped ones
        return done
    for name in notebook_names(shipped):
        target = folder / name
        if not target.is_file():
            done.added.append(name)
        elif not differs_from_shipped(folder, name, shipped):
            record_copied(folder, [name], shipped)   # already the package's: recorded as such
            continue
        elif changed_since_copied(folder, name, shipped):
            done.kept.append(name)
            continue
        else:
            done.replaced.append(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped / name, target)
        record_copied(folder, [name], shipped)
    return done
