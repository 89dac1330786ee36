"""`hotline units --from-exports`: a new district's unit directory drafted from the units its exports name.

A new working folder starts with an empty directory (data/units.yaml); typing 40 units by hand is
where a new district gives up. The draft lists each unit the 派单 exports name that the directory
does not know, under its spelling in the exports, with its kind guessed from the name; the analyst
checks the kinds and adds display names and aliases. Lines are appended to the file as text, so an
analyst's own entries and comments stay as they were.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import yaml

from hotline_lib.core.errors import InputError, SettingsError
from hotline_lib.core.utils import write_text_atomic
from hotline_lib.io.directory import UnitDirectory, load_units
from hotline_lib.io.exports import export_files, input_folders, raw_frames
from hotline_lib.io.workspace import Workspace

#: Name endings of a 街道 (streets, towns, townships); every other unit is guessed a 区直部门.
STREET_ENDINGS = ("街道办事处", "街道", "镇人民政府", "镇", "乡人民政府", "乡")
EMPTY_UNITS = re.compile(r"^units:[ \t]*\[\][ \t]*(#.*)?$", re.M)


def guess_kind(name: str) -> str:
    """街道 for a name ending like one (…街道办事处, …镇), else 区直部门: a guess the analyst checks."""
    return "街道" if name.endswith(STREET_ENDINGS) else "区直部门"


def units_in_exports(workspace: Workspace) -> pd.DataFrame:
    """Each unit spelling the 派单 exports name (surrounding spaces dropped), with its row count, in
    order of first appearance."""
    files = export_files(workspace.data, input_folders(workspace.settings))
    frames, *_ = raw_frames(files, workspace.data, workspace.cache, workspace.platform)
    spelled = frames["assignments"]["unit"].dropna().astype("string").str.strip()
    spelled = spelled[spelled != ""]
    counts = spelled.value_counts(sort=False)
    return pd.DataFrame({"name": counts.index.astype(str), "rows": counts.to_numpy()})


def missing_units(found: pd.DataFrame, directory: UnitDirectory) -> pd.DataFrame:
    """The units of ``found`` the directory does not know (by any spelling), with a guessed kind."""
    unknown = found[[directory.resolve(name) is None for name in found["name"]]].copy()
    unknown["kind"] = unknown["name"].map(guess_kind)
    return unknown.reset_index(drop=True)


def draft_lines(missing: pd.DataFrame, today: date) -> list[str]:
    """The lines appended to units.yaml: a comment asking for a check, then one flow mapping a unit."""
    entries = [yaml.safe_dump({"name": row.name, "kind": row.kind}, default_flow_style=True, allow_unicode=True,
                              sort_keys=False, width=10_000).strip() for row in missing.itertuples()]
    return [f"  # {today.isoformat()} `hotline units --from-exports` 从导出数据添加 {len(entries)} 个单位：类别按名称猜测"
            "（…街道办事处、…街道、…镇、…乡为街道，其余为区直部门），请逐一核对类别，并按需补充 display（简称）和 aliases（别名）",
            *(f"  - {entry}" for entry in entries)]


def add_to_directory(text: str, lines: list[str]) -> str:
    """``text`` (a units.yaml) with ``lines`` added to its list: an empty list (``units: []``) becomes
    a block list; a block list at the end of the file gains them at its end."""
    block = "\n".join(lines)
    if EMPTY_UNITS.search(text):
        return EMPTY_UNITS.sub(lambda m: "units:" + (f"   {m[1]}" if m[1] else "") + "\n" + block.replace("\\", "\\\\"),
                               text, count=1).rstrip("\n") + "\n"
    return text.rstrip("\n") + "\n" + block + "\n"


def draft_units(workspace: Workspace, today: date | None = None) -> pd.DataFrame:
    """Add to the working folder's unit directory every unit its exports name that it lacks; returns
    what was added (name, rows, kind; ``attrs["known"]``: the names found that it knew)."""
    directory = load_units(workspace.units_file)
    if not workspace.data.is_dir():
        raise InputError("data folder not found: put the platform's 工单 and 派单 exports there first", path=workspace.data)
    found = units_in_exports(workspace)
    if found.empty:
        raise InputError("no 派单 export names a unit (承办单位): put the platform's 派单 exports here first",
                         path=workspace.data)
    missing = missing_units(found, directory)
    missing.attrs["known"] = [n for n in found["name"] if n not in set(missing["name"])]
    if missing.empty:
        return missing
    text = workspace.units_file.read_text(encoding="utf-8") if workspace.units_file.exists() else "units: []\n"
    updated = add_to_directory(text, draft_lines(missing, today or date.today()))
    try:
        names = [u["name"] for u in (yaml.safe_load(updated) or {}).get("units") or []]
    except yaml.YAMLError as exc:
        raise SettingsError("{file}: the units could not be added to it ({reason}); add them by hand",
                            file=workspace.units_file, reason=str(exc).splitlines()[0]) from None
    if not set(missing["name"]) <= set(names):
        raise SettingsError("{file}: the units could not be added to it (its list is not the last thing in the file); "
                            "add them by hand", file=workspace.units_file)
    write_text_atomic(workspace.units_file, updated)
    load_units(workspace.units_file)   # the file as written still loads
    return missing
