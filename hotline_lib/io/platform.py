"""The platform's own words: how one district's platform writes its exports, kept in its working folder.

Three things differ from platform to platform and none of them is the package's to fix: the headers
(a working folder's data/columns.yaml adds its spellings to the package's), the values of 回访结果
(settings ``visit_results``: each value and what it counts as) and the level of classification the
bulletin counts as its 问题分类 (settings ``category_level``). ``Platform`` holds the three; the reader
takes it (``load_exports``) and a validated dataset's cache key holds it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from hotline_lib.core.errors import InputError, SettingsError
from hotline_lib.core.i18n import Joined, Message, gettext, names
from hotline_lib.core.utils import closest_matches
from hotline_lib.io.headers import Columns, normalize_header, package_columns

#: What a visit result counts as: 满意 and 基本满意 are satisfied, 不满意 is a visit not satisfied,
#: 未回访 (the citizen was not reached) is no visit at all.
VISIT_MEANINGS = ("满意", "基本满意", "不满意", "未回访")
NOT_REACHED = "未回访"
#: The default of settings ``visit_results``: the three-level scale and the five-level one.
DEFAULT_VISIT_RESULTS = {"满意": ["满意", "非常满意"], "基本满意": ["基本满意"], "不满意": ["不满意", "非常不满意"],
                         "未回访": ["未回访", "未接通"]}
#: settings ``category_level``: auto is the 问题分类 column in a file that has one, else its 一级分类.
CATEGORY_LEVELS = {"问题分类": "category", "一级分类": "category_1", "二级分类": "category_2", "三级分类": "category_3"}
AUTO_LEVEL = "auto"
#: The visit columns of each record type: (result, time).
VISIT_COLUMNS = {"orders": ("visit_result", "visited_at"), "assignments": ("unit_visit_result", "unit_visited_at")}


@dataclass(frozen=True)
class Platform:
    """How the exports of a working folder are written. ``columns_label`` and ``settings_label`` only
    name the files in messages (not part of the dataset's key)."""

    columns: Columns = field(default_factory=package_columns)
    visit_results: tuple[tuple[str, str], ...] = ()      # (value, meaning); empty: the default
    category_level: str = AUTO_LEVEL
    columns_label: str = field(default="data/columns.yaml", compare=False)
    settings_label: str = field(default="data/settings.yaml", compare=False)

    def visit_meanings(self) -> dict[str, str]:
        """Each value the platform writes in 回访结果 -> what it counts as; each meaning's own word
        always counts as itself."""
        pairs = self.visit_results or visit_pairs(DEFAULT_VISIT_RESULTS)
        return {**{meaning: meaning for meaning in VISIT_MEANINGS}, **dict(pairs)}

    def fingerprint(self) -> str:
        """What a validated dataset depends on here (the cache key holds it)."""
        return json.dumps([self.columns.fingerprint(), sorted(self.visit_meanings().items()), self.category_level],
                          ensure_ascii=False)


def visit_pairs(results: dict[str, list[str]]) -> tuple[tuple[str, str], ...]:
    """settings ``visit_results`` (meaning -> values) as (value, meaning) pairs."""
    return tuple((str(value).strip(), meaning) for meaning, values in results.items() for value in values or [])


def load_platform(columns_file: Path | None, settings, columns_label: str = "data/columns.yaml",
                  settings_label: str = "data/settings.yaml") -> Platform:
    """The working folder's platform: its data/columns.yaml over the package's, its settings' visit
    results and category level."""
    return Platform(load_columns(columns_file), visit_pairs(settings.visit_results), settings.category_level,
                    columns_label, settings_label)


# --- header spellings --------------------------------------------------------------------------------

class _UniqueKeys(yaml.SafeLoader):
    """YAML that refuses a key given twice (PyYAML keeps the last silently: a spelling would be lost)."""


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise SettingsError("{path}: {key} given twice: put everything under one {key}:", path=loader.name, key=key)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def load_columns(path: Path | None) -> Columns:
    """The package's spellings with a working folder's own file merged over them (absent: the
    package's alone). The folder's file has the package's shape (record type -> column -> spellings);
    a column is named by its canonical name or any spelling the package knows (unit or 承办单位)."""
    if path is None or not Path(path).is_file():
        return package_columns()
    try:
        text = Path(path).read_text(encoding="utf-8")
        loader = _UniqueKeys(text)
        loader.name = str(path)
        try:
            own = loader.get_single_data()
        finally:
            loader.dispose()
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SettingsError("{path}: not valid YAML ({reason})", path=path, reason=" ".join(str(exc).split())) from None
    return merge_columns(package_columns(), own or {}, path)


def merge_columns(base: Columns, own, path) -> Columns:
    """``base`` with the spellings of ``own`` added; an unknown record type or column, or a spelling
    that already means another column, is an error naming it."""
    if not isinstance(own, dict):
        raise SettingsError("{path}: expected record types (orders, assignments, unit_table), each with columns and "
                            "their spellings", path=path)
    table = {kind: {c: list(s) for c, s in fields.items()} for kind, fields in base.table.items()}
    for kind, fields in own.items():
        if kind not in table:
            raise SettingsError("{path}: unknown record type {key!r} (known: {known})", path=path, key=kind,
                                known=names(table))
        for name, spelled in (fields or {}).items():
            canonical = base.aliases(kind).get(normalize_header(name))
            if canonical is None:
                close = closest_matches(str(name), [*table[kind], *_display_names(base, kind)])
                raise SettingsError("{path}: {kind}: unknown column {key!r} ({hint})", path=path, kind=kind, key=name,
                                    hint=Message("closest: {names}", names=names(close)) if close
                                    else Message("known: {names}", names=names(table[kind])))
            for spelling in [spelled] if isinstance(spelled, str) else (spelled or []):
                owner = Columns(table).aliases(kind).get(normalize_header(spelling))
                if owner not in (None, canonical):
                    raise SettingsError("{path}: {kind}: {spelling!r} already names {owner}, not {key}", path=path,
                                        kind=kind, spelling=str(spelling), owner=owner, key=canonical)
                table[kind][canonical].append(str(spelling))
    return Columns(table)


def _display_names(columns: Columns, kind: str) -> list[str]:
    return [s for spelled in columns.table[kind].values() for s in spelled]


# --- 回访结果 --------------------------------------------------------------------------------------

def check_visit_results(results: dict[str, list[str]]) -> dict[str, list[str]]:
    """settings ``visit_results`` as written, or an error: a value under two meanings cannot count as both."""
    seen: dict[str, str] = {}
    for meaning, values in results.items():
        for value in values or []:
            value = str(value).strip()
            if seen.get(value, meaning) != meaning or (value in VISIT_MEANINGS and value != meaning):
                raise ValueError(gettext("{value} is listed under both {first} and {second}: a value counts as one",
                                         value=value, first=seen.get(value, value), second=meaning))
            seen[value] = meaning
    return results


def unknown_visit_cells(frames: dict[str, pd.DataFrame], platform: Platform) -> dict[str, pd.DataFrame]:
    """Per record type of ``frames``, each 回访结果 cell the settings do not list: value, file."""
    meanings = list(platform.visit_meanings())
    found = {}
    for kind, frame in frames.items():
        values = frame[VISIT_COLUMNS[kind][0]]
        unknown = values.notna() & ~values.isin(meanings)
        found[kind] = pd.DataFrame({"value": values[unknown].astype(str), "file": frame.loc[unknown, "_file"]})
    return found


def unknown_visit_summary(cells: list[pd.DataFrame]) -> pd.DataFrame:
    """value, rows, files: the values of ``cells`` (``unknown_visit_cells``, in the order read), most
    rows first."""
    table = pd.concat(cells, ignore_index=True) if cells else pd.DataFrame(columns=["value", "file"])
    if table.empty:
        return pd.DataFrame(columns=["value", "rows", "files"])
    grouped = table.groupby("value", sort=False)
    summary = pd.DataFrame({"rows": grouped.size(), "files": grouped["file"].agg(lambda f: list(dict.fromkeys(f)))})
    return summary.reset_index().sort_values(["rows", "value"], ascending=[False, True], kind="stable")


def unknown_visit_values(frames: dict[str, pd.DataFrame], platform: Platform) -> pd.DataFrame:
    """value, rows, files: each 回访结果 value the settings do not list, most rows first."""
    return unknown_visit_summary(list(unknown_visit_cells(frames, platform).values()))


def unknown_visits_error(unknown: pd.DataFrame, platform: Platform, data_dir) -> InputError:
    """One error naming every value 回访结果 holds that the settings do not list, with its rows and files."""
    values = [Message("“{value}” ({files}, rows: {rows})", value=row.value, rows=int(row.rows), files=names(row.files))
              for row in unknown.itertuples()]
    return InputError("回访结果 holds {count} values that {settings} does not list under visit_results: {values}; "
                      "list each under what it counts as (满意, 基本满意, 不满意 or 未回访) and run again",
                      path=data_dir, count=len(values), settings=platform.settings_label, values=Joined(values))


def read_visit_results(frames: dict[str, pd.DataFrame], platform: Platform, data_dir) -> dict[str, pd.DataFrame]:
    """The raw frames with each 回访结果 said as what it counts as (满意, 基本满意, 不满意); a visit that
    did not reach the citizen (未回访) is no visit: its result and time are blanked. A value the
    settings do not list is one error naming them all (never a rejected row: every rate would be
    computed from the rows left)."""
    unknown = unknown_visit_values(frames, platform)
    if len(unknown):
        raise unknown_visits_error(unknown, platform, data_dir)
    return visit_results_said(frames, platform)


def visit_results_said(frames: dict[str, pd.DataFrame], platform: Platform) -> dict[str, pd.DataFrame]:
    """``read_visit_results`` of frames whose 回访结果 values the settings all list (checked already)."""
    meanings = platform.visit_meanings()
    read = {}
    for kind, frame in frames.items():
        result, time = VISIT_COLUMNS[kind]
        said = frame[result].map(meanings, na_action="ignore").astype("string")
        missed = said == NOT_REACHED
        frame = frame.assign(**{result: said.mask(missed)})
        frame[time] = frame[time].mask(missed.fillna(False).astype(bool))
        read[kind] = frame
    return read


# --- 问题分类 --------------------------------------------------------------------------------------

def category_source(found, level: str) -> str | None:
    """Which column of one 工单 table (``found``: its canonical columns) the bulletin counts as its
    问题分类: settings ``category_level``; auto: 问题分类 when the table has it, else its 一级分类."""
    if level == AUTO_LEVEL:
        return next((c for c in ("category", "category_1") if c in found), None)
    column = CATEGORY_LEVELS[level]
    return column if column in found else None


def with_category(cells: pd.DataFrame, level: str) -> pd.DataFrame:
    """A 工单 table (canonical headers) whose ``category`` is the level the bulletin counts."""
    source = category_source(cells.columns, level)
    if source == "category":
        return cells
    return cells.assign(category=cells[source] if source else pd.NA)


def check_category_level(order_tables: list[list[str]], platform: Platform, data_dir) -> None:
    """A level named in the settings that no 工单 export has is an error: the bulletin would list no category."""
    level = platform.category_level
    if level != AUTO_LEVEL and order_tables and not any(category_source(found, level) for found in order_tables):
        raise InputError("{settings} counts {level} as the bulletin's 问题分类 (category_level), but no 工单 export has a "
                         "{level} column: set category_level to a level the exports have, or auto",
                         path=data_dir, settings=platform.settings_label, level=level)
