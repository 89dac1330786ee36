"""A district's working folder: `hotline init` makes one from the templates the package carries."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import yaml

from hotline_lib.core.config import NEW_FOLDER_FILES, TEMPLATE_FILES, is_working_folder, template_root
from hotline_lib.core.errors import HotlineError, SettingsError
from hotline_lib.io.notebook_changes import SHIPPED_RECORD, record_copied

#: Made empty: the district's own exports go in data/exports/ (data/README.md says what goes where).
EMPTY_FOLDERS = ("data/exports", "outputs")
SKIPPED = {".ipynb_checkpoints", "__pycache__", SHIPPED_RECORD}   # (a folder's own record of its notebooks)


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
    for relative, source in NEW_FOLDER_FILES.items():
        yield Path(relative), source


def check_init_folder(folder: Path) -> None:
    """A new or empty folder, or an existing working folder (which only gets what it lacks)."""
    if folder.exists() and not folder.is_dir():
        raise HotlineError("{folder}: exists and is not a folder", folder=folder)
    if folder.is_dir() and any(folder.iterdir()) and not is_working_folder(folder):
        raise HotlineError("{folder}: not empty and not a hotline working folder; choose a new or empty folder "
                           "(nothing was changed)", folder=folder)


def district_settings(template: str, district: str, issuer: str | None = None, city: str | None = None) -> str:
    """A new district's settings.yaml from the template: its name, city, issuer (default: the
    district's 12345 office) and peer group (the city's districts) set, every comment kept."""
    district = district.strip()
    city = (city or "").strip()
    text = set_setting(template, "district", district)
    text = set_setting(text, "city", city)
    text = set_setting(text, "issuer", (issuer or "").strip() or f"{city}{district}12345政务热线办公室")
    return set_setting(text, "peer_group_name", f"{city or '全市'}各区县")


def set_excellent_score(text: str, score: str) -> str:
    """``text`` (a settings.yaml) with ``excellent: score:`` set to ``score`` (a scheme's full marks):
    that one line changes, its comment kept."""
    line = re.compile(r"^(excellent:[^\n]*\n(?:[ \t]*#[^\n]*\n)*[ \t]+score:[ \t]*)[^#\n]*?(?P<comment>[ \t]+#[^\n]*)?$", re.M)
    changed, count = line.subn(lambda m: f"{m[1]}{score}{m['comment'] or ''}", text, count=1)
    if count == 0 or str((yaml.safe_load(changed) or {}).get("excellent", {}).get("score")) != score:
        raise SettingsError("settings.yaml: could not set {key}: {value!r}", key="excellent.score", value=score)
    return changed


def init_project(folder: str | Path, district: str | None = None, templates: Path | None = None, *,
                 issuer: str | None = None, city: str | None = None, rules: Path | None = None,
                 excellent_score: str | None = None) -> list[Path]:
    """Make ``folder`` a working folder: hotline.toml, notebooks/, data/ (settings with ``district``,
    its issuer and city, an empty unit directory, the default rules, an empty exports/) and outputs/.
    Never overwrites a file: an existing working folder only gets the files it lacks. Returns what
    was made, relative to ``folder``; every check comes before the first file is written. The notebooks
    copied are recorded in notebooks/.shipped.json (io/notebook_changes.py). ``rules``: the scheme
    written as data/rules.yaml (default: the shipped default), ``excellent_score`` (its full marks) the
    settings' 完成度较好 score."""
    folder = Path(folder)
    templates = templates or template_root()
    check_init_folder(folder)
    settings = Path("data/settings.yaml")
    text = None
    if not (folder / settings).exists():
        if district is None or not district.strip():
            raise HotlineError("--district: give the district's name (hotline init {folder} --district 某某区)", folder=folder)
        text = district_settings(NEW_FOLDER_FILES[str(settings)].read_text(encoding="utf-8"), district, issuer, city)
        if excellent_score is not None:
            text = set_excellent_score(text, excellent_score)
    elif district is not None or issuer is not None or city is not None:
        raise HotlineError("{file}: already there and not changed; set district:, issuer: and city: in it instead",
                           file=folder / settings)
    if rules is not None and (folder / "data" / "rules.yaml").exists():
        raise HotlineError("{file}: already there and not changed; to score by {rules}, copy that file over it",
                           file=folder / "data" / "rules.yaml", rules=rules)
    made = []
    for relative, source in template_files(templates):
        target = folder / relative
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative == settings:
            target.write_text(text, encoding="utf-8", newline="")  # the template's line endings
        elif relative == Path("data/rules.yaml") and rules is not None:
            shutil.copyfile(rules, target)
        else:
            shutil.copyfile(source, target)
        made.append(relative)
    for name in EMPTY_FOLDERS:
        if not (folder / name).is_dir():
            (folder / name).mkdir(parents=True)
            made.append(Path(name))
    copied = [p.relative_to("notebooks").as_posix() for p in made if p.parts[0] == "notebooks" and p.suffix == ".ipynb"]
    record = Path("notebooks") / SHIPPED_RECORD
    if copied:   # what `hotline notebooks update` compares with: the cells as the package shipped them
        new_record = not (folder / record).exists()
        record_copied(folder / "notebooks", copied, templates / "notebooks")
        made += [record] if new_record else []
    return made
