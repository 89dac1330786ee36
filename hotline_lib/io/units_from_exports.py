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
from hotline_lib.io.export_tables import raw_frames
from hotline_lib.io.exports import export_files, input_folders
from hotline_lib.io.workspace import Workspace

#: Name endings of a 街道 (streets, towns, townships); every other unit is guessed a 区直部门.
STREET_ENDINGS = ("街道办事处", "街道", "镇人民政府", "镇", "乡人民政府", "乡")
#: The kinds a scheme may rank apart that a name's ending tells (连云港: 县, 区); any other kind is a
#: department's (区直部门, 市直部门).
KIND_ENDINGS = {"街道": STREET_ENDINGS, "县": ("县人民政府", "县"), "区": ("区人民政府", "区"), "板块": ("板块",)}
DEFAULT_KINDS = ("街道", "区直部门")
EMPTY_UNITS = re.compile(r"^units:[ \t]*\[\][ \t]*(#.*)?$", re.M)


def guess_kind(name: str, kinds=DEFAULT_KINDS) -> str:
    """The kind of the scheme's ``kinds`` (its groups' 类别 values; default 芙蓉区's 街道 and 区直部门) a
    name's ending tells (…街道办事处, …镇 a 街道; …县 a 县; …区 a 区), else its department kind (the
    first kind no ending tells): a guess the analyst checks."""
    for kind in kinds:
        if kind in KIND_ENDINGS and name.endswith(KIND_ENDINGS[kind]):
            return kind
    return next((kind for kind in kinds if kind not in KIND_ENDINGS), kinds[-1])


def guess_rule(kinds=DEFAULT_KINDS) -> str:
    """How ``guess_kind`` guessed, for the comment above the lines it adds."""
    told = [f"{'、'.join('…' + e for e in KIND_ENDINGS[k] if not e.endswith('人民政府'))}为{k}" for k in kinds if k in KIND_ENDINGS]
    return "，".join([*told, f"其余为{guess_kind('', kinds)}"])


def units_in_exports(workspace: Workspace) -> pd.DataFrame:
    """Each unit spelling the 派单 exports name (surrounding spaces dropped), with its row count, in
    order of first appearance."""
    files = export_files(workspace.data, input_folders(workspace.settings))
    frames, *_ = raw_frames(files, workspace.data, workspace.cache, workspace.platform)
    spelled = frames["assignments"]["unit"].dropna().astype("string").str.strip()
    spelled = spelled[spelled != ""]
    counts = spelled.value_counts(sort=False)
    return pd.DataFrame({"name": counts.index.astype(str), "rows": counts.to_numpy()})


def missing_units(found: pd.DataFrame, directory: UnitDirectory, kinds=DEFAULT_KINDS) -> pd.DataFrame:
    """The units of ``found`` the directory does not know (by any spelling), with a guessed kind."""
    unknown = found[[directory.resolve(name) is None for name in found["name"]]].copy()
    unknown["kind"] = unknown["name"].map(lambda name: guess_kind(name, kinds))
    return unknown.reset_index(drop=True)


def draft_lines(missing: pd.DataFrame, today: date, kinds=DEFAULT_KINDS) -> list[str]:
    """The lines appended to units.yaml: a comment asking for a check, then one flow mapping a unit."""
    entries = [yaml.safe_dump({"name": row.name, "kind": row.kind}, default_flow_style=True, allow_unicode=True,
                              sort_keys=False, width=10_000).strip() for row in missing.itertuples()]
    return [f"  # {today.isoformat()} `hotline units --from-exports` 从导出数据添加 {len(entries)} 个单位：类别按名称猜测"
            f"（{guess_rule(kinds)}），请逐一核对类别，并按需补充 display（简称）和 aliases（别名）",
            *(f"  - {entry}" for entry in entries)]


def add_to_directory(text: str, lines: list[str]) -> str:
    """``text`` (a units.yaml) with ``lines`` added to its list: an empty list (``units: []``) becomes
    a block list; a block list at the end of the file gains them at its end."""
    block = "\n".join(lines)
    if EMPTY_UNITS.search(text):
        return EMPTY_UNITS.sub(lambda m: "units:" + (f"   {m[1]}" if m[1] else "") + "\n" + block.replace("\\", "\\\\"),
                               text, count=1).rstrip("\n") + "\n"
    return text.rstrip("\n") + "\n" + block + "\n"


def draft_units(workspace: Workspace, today: date | None = None, kinds=None) -> pd.DataFrame:
    """Add to the working folder's unit directory every unit its exports name that it lacks; returns
    what was added (name, rows, kind; ``attrs["known"]``: the names found that it knew). ``kinds``: the
    类别 values the chosen scheme's groups go by (``Rules.accepted_kinds``; default 街道 and 区直部门)."""
    kinds = tuple(kinds) if kinds else DEFAULT_KINDS
    directory = load_units(workspace.units_file)
    if not workspace.data.is_dir():
        raise InputError("data folder not found: put the platform's 工单 and 派单 exports there first", path=workspace.data)
    found = units_in_exports(workspace)
    if found.empty:
        raise InputError("no 派单 export names a unit (承办单位): put the platform's 派单 exports here first",
                         path=workspace.data)
    missing = missing_units(found, directory, kinds)
    missing.attrs["known"] = [n for n in found["name"] if n not in set(missing["name"])]
    if missing.empty:
        return missing
    text = workspace.units_file.read_text(encoding="utf-8") if workspace.units_file.exists() else "units: []\n"
    updated = add_to_directory(text, draft_lines(missing, today or date.today(), kinds))
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
