"""A district's working folder: `hotline init` makes one from the templates the package carries."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import yaml

from hotline_lib.core.config import DEFAULT_RULES, TEMPLATE_FILES, is_working_folder, template_root
from hotline_lib.core.errors import HotlineError, SettingsError

#: Made empty: the district's own exports go in data/exports/ (data/README.md says what goes where).
EMPTY_FOLDERS = ("data/exports", "outputs")
SKIPPED = {".ipynb_checkpoints", "__pycache__"}


def set_setting(text: str, key: str, value: str) -> str:
    """``text`` (a settings.yaml) with its top-level ``key`` set to ``value``: one line changes, its
    trailing comment and every other line kept (a YAML round trip would drop the comments)."""
    line = re.compile(rf"^{re.escape(key)}:[ \t]*[^#\n]*?(?P<comment>[ \t]+#[^\n]*)?$", re.M)
    scalar = json.dumps(value, ensure_ascii=False)   # a JSON string is a YAML double-quoted scalar
    try:
        if yaml.safe_load(f"{key}: {value}") == {key: value}:
            scalar = value                           # plain when it reads back the same, as 芙蓉区 does
    except yaml.YAMLError:
        pass
    changed, count = line.subn(lambda m: f"{key}: {scalar}{m['comment'] or ''}", text, count=1)
    if count == 0 or (yaml.safe_load(changed) or {}).get(key) != value:
        raise SettingsError("settings.yaml: could not set {key}: {value!r}", key=key, value=value)
    return changed


def template_files(templates: Path) -> Iterator[tuple[Path, Path]]:
    """(relative path, source) of every file a new working folder gets, the district's rules included."""
    for name in TEMPLATE_FILES:
        source = templates / name
        paths = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        for path in paths:
            relative = path.relative_to(templates)
            if not SKIPPED & set(relative.parts):
                yield relative, path
    yield Path("data/rules.yaml"), DEFAULT_RULES


def check_init_folder(folder: Path) -> None:
    """A new or empty folder, or an existing working folder (which only gets what it lacks)."""
    if folder.exists() and not folder.is_dir():
        raise HotlineError("{folder}: exists and is not a folder", folder=folder)
    if folder.is_dir() and any(folder.iterdir()) and not is_working_folder(folder):
        raise HotlineError("{folder}: not empty and not a hotline working folder; choose a new or empty folder "
                           "(nothing was changed)", folder=folder)


def init_project(folder: str | Path, district: str | None = None, templates: Path | None = None) -> list[Path]:
    """Make ``folder`` a working folder: hotline.toml, notebooks/, data/ (settings with ``district``,
    units, rules, an empty exports/) and outputs/. Never overwrites a file: an existing working folder
    only gets the files it lacks. Returns what was made, relative to ``folder``; every check comes
    before the first file is written."""
    folder = Path(folder)
    templates = templates or template_root()
    check_init_folder(folder)
    settings = Path("data/settings.yaml")
    text = None
    if district is not None:
        if not district.strip():
            raise HotlineError("--district: the district's name is empty")
        if (folder / settings).exists():
            raise HotlineError("{file}: already there and not changed; set district: in it instead", file=folder / settings)
        text = set_setting((templates / settings).read_text(encoding="utf-8"), "district", district.strip())
    made = []
    for relative, source in template_files(templates):
        target = folder / relative
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative == settings and text is not None:
            target.write_text(text, encoding="utf-8", newline="")  # the template's line endings
        else:
            shutil.copyfile(source, target)
        made.append(relative)
    for name in EMPTY_FOLDERS:
        if not (folder / name).is_dir():
            (folder / name).mkdir(parents=True)
            made.append(Path(name))
    return made
