"""A data folder of platform exports: every 工单 and 派单 file, recognised by its headers, typed,
validated, de-duplicated, with each unit name resolved through the unit directory."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import pandas as pd

from hotline_lib.core import config
from hotline_lib.core.errors import HotlineError, InputError, UnknownUnitError
from hotline_lib.core.i18n import N_, Message, gettext, names
from hotline_lib.io.coverage import export_sources
from hotline_lib.io.directory import UnitDirectory
from hotline_lib.io.export_tables import KINDS, folder_account, joined_totals
from hotline_lib.io.file_validation import valid_rows, validated_files
from hotline_lib.io.platform import Platform, unknown_visit_summary, unknown_visits_error
from hotline_lib.io.reading import NOT_READ, SAVE_AS, SUPPORTED, file_digest
from hotline_lib.io.sample_data import SAMPLE_MARKER
from hotline_lib.io.validation import FUTURE, FUTURE_TOLERANCE, PROVENANCE, REJECT_COLUMNS, TIMEZONE, parse_times

#: The modules of hotline_lib/io that read, validate and join the exports (every one ``exports``
#: imports, directly or not: tests/test_exports.py): a cached dataset is keyed on their code.
DATASET_CODE = ("coverage", "directory", "export_tables", "exports", "file_validation", "headers", "missing_columns",
                "platform", "reading", "sample_data", "totals", "unknown_units", "validation", "visit_details")
#: Subfolders of a data folder that hold other inputs (city ranking, case stories, exemptions), not exports.
INPUT_FOLDERS = {"city_ranking", "cases", "exemptions"}
#: Why a file of the data folder is skipped (msgids: kept as keys, said in the reader's language).
NOT_A_TABLE = N_("not a .csv, .xlsx, .xls, .xlsb or .ods file")


#: duplicates.csv: a row exported more than once (``record``: order or assignment; ``order_id``: its
#: 工单编号), with the copy that is used (copy_of_file, copy_of_sheet, copy_of_row). A duplicate is not
#: a rejected row: its content is used, through the fullest copy.
DUPLICATE_COLUMNS = ["file", "sheet", "row", "record", "order_id", "copy_of_file", "copy_of_sheet", "copy_of_row"]


def no_duplicates() -> pd.DataFrame:
    return pd.DataFrame(columns=DUPLICATE_COLUMNS)


@dataclass
class Exports:
    """Typed, valid, de-duplicated rows of a data folder, with the copies set aside (``duplicates``,
    each naming the copy used) and the invalid rows rejected (``rejects``, with why)."""

    orders: pd.DataFrame
    assignments: pd.DataFrame
    rejects: pd.DataFrame      # invalid rows only, one line per (row, reason)
    read: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    duplicates: pd.DataFrame = field(default_factory=no_duplicates)   # one line per copy set aside
    #: (file, why: a msgid) of each file of the data folder that is not an export and was not read
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: per record type, each file's columns and the months of its rows used (io/coverage.py export_sources)
    sources: dict = field(default_factory=dict)

    def records(self) -> dict[str, int]:
        """How many orders and assignments are used."""
        return {"orders": len(self.orders), "assignments": len(self.assignments)}

    def used_per_file(self) -> pd.Series:
        """Rows used, per file."""
        return pd.concat([self.orders["_file"], self.assignments["_file"]]).value_counts()

    def counts(self) -> dict[str, int]:
        """Rows read, used, duplicates and rejected (invalid), in total: read = used + duplicates + rejected."""
        return {"read": sum(self.read.values()), "used": sum(self.records().values()),
                "duplicates": len(self.duplicates), "rejected": len(self.rejects.drop_duplicates(["file", "sheet", "row"]))}

    def summary(self, lang: str | None = None) -> str:
        """One line: rows read, used, duplicates and invalid (read = used + duplicates + rejected, always).
        ``lang``: as core.i18n.gettext (accounting.json, a file for people, has it in Chinese)."""
        return rows_summary(len(self.files), **self.counts(), **self.records(),
                            skipped=[name for name, _ in self.skipped]).translated(lang)

    def skipped_files(self, lang: str | None = None) -> list[dict[str, str]]:
        """The files skipped as not exports, each with why (accounting.json has it in Chinese)."""
        return [{"file": name, "reason": gettext(reason, lang)} for name, reason in self.skipped]

    def accounting(self) -> pd.DataFrame:
        """Per file: rows read, used, duplicates and rejected. ``read`` counts every non-empty row below
        the header; a row is used once (as an order or an assignment), or set aside once as a copy of a
        row that is used (a duplicate), or rejected once as invalid, whatever the number of reasons it
        was rejected for. Raises when a file does not balance: a lost row is a bug."""
        used = self.used_per_file()
        duplicates = self.duplicates["file"].value_counts()
        rejected = self.rejects.drop_duplicates(["file", "sheet", "row"])["file"].value_counts()
        table = pd.DataFrame({"file": list(self.read), "read": list(self.read.values())})
        table["used"] = table["file"].map(used).fillna(0).astype(int)
        table["duplicates"] = table["file"].map(duplicates).fillna(0).astype(int)
        table["rejected"] = table["file"].map(rejected).fillna(0).astype(int)
        unbalanced = table[table["read"] != table["used"] + table["duplicates"] + table["rejected"]]
        if len(unbalanced):
            row = unbalanced.iloc[0]
            raise HotlineError("internal error, please report it: {file} has {read} rows read but "
                               "{used} used + {duplicates} duplicates + {rejected} rejected",
                               **{k: row[k] for k in ["file", "read", "used", "duplicates", "rejected"]})
        return table


#: The datasets whose tables a process keeps between months (``CachedExports._read``): up to this
#: many orders and assignments together, the two tables of the last dataset read.
KEEP_ROWS = 2_000_000
_KEPT: dict[Path, pd.DataFrame] = {}


class CachedExports(Exports):
    """The validated dataset as the cache holds it: orders and assignments are read from Parquet
    when first used, so a month counted with DuckDB never loads them (at ten million rows, most
    of the time and memory); counts and the row accounting come from the dataset's meta.json."""

    def __init__(self, folder: Path, meta: dict, rejects: pd.DataFrame, duplicates: pd.DataFrame, files: list[Path],
                 skipped: list[tuple[str, str]] | None = None):
        self.folder, self.meta = folder, meta
        self.rejects, self.duplicates, self.read, self.files = rejects, duplicates, meta["read"], files
        self.skipped = list(skipped or [])
        self.sources = meta.get("sources") or {}

    @cached_property
    def orders(self) -> pd.DataFrame:
        return self._read("orders")

    @cached_property
    def assignments(self) -> pd.DataFrame:
        return self._read("assignments")

    def _read(self, kind: str) -> pd.DataFrame:
        """A table of the dataset. A small dataset's tables are kept in the process (``_KEPT``) and
        each reader gets its own copy: a batch kernel renders month after month from the same
        dataset, and a copy costs a fraction of reading the Parquet again (the folder's name is a
        digest of everything it was made from, so what is kept never goes stale)."""
        path = self.folder / f"{kind}.parquet"
        if sum(self.meta.get("records", {}).values()) > KEEP_ROWS:
            return pd.read_parquet(path)
        if path not in _KEPT:
            if len(_KEPT) >= 2:   # another dataset's: forgotten
                _KEPT.clear()
            _KEPT[path] = pd.read_parquet(path)
        return _KEPT[path].copy(deep=True)

    def records(self) -> dict[str, int]:
        return dict(self.meta["records"])

    def used_per_file(self) -> pd.Series:
        return pd.Series(self.meta["used"], dtype="int64")

    def __repr__(self) -> str:
        return f"<CachedExports {self.folder.name}: {self.summary()}>"


def input_folders(settings=None) -> set[str]:
    """The data folder's subfolders that hold inputs, not exports: the first folder of each of the
    settings' input paths (city ranking, case story, exemptions), or the shipped names without settings."""
    if settings is None:
        return set(INPUT_FOLDERS)
    paths = [settings.city_ranking_file, settings.case_story_file, settings.exemptions_file]
    return {Path(p).parts[0] for p in paths if len(Path(p).parts) > 1}


def _folder_entries(data_dir: Path, skip: set[str] | None) -> list[Path]:
    """Everything under ``data_dir`` but hidden files, the input subfolders, the "~$name.xlsx" owner
    files Excel and WPS keep beside a workbook while it is open (they hold no rows) and the sample's own
    marker file (io/sample_data.py: it says what the folder is, it is no stray file), in name order."""
    return [p for p in sorted(data_dir.rglob("*")) if not p.name.startswith("~$")
            and p != data_dir / SAMPLE_MARKER
            and not any(part.startswith(".") or part in (INPUT_FOLDERS if skip is None else skip)
                        for part in p.relative_to(data_dir).parts)]


def export_files(data_dir: str | Path, skip: set[str] | None = None) -> list[Path]:
    """Every .csv and workbook (.xlsx, .xls, .xlsb, .ods) under ``data_dir``, except the input subfolders (``skip``, see
    ``input_folders``), hidden and Office lock files, in name order.

    A spreadsheet no reader here opens (.et, .numbers) is an error: skipping it would drop its rows.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError("data folder not found", path=data_dir)
    found = _folder_entries(data_dir, skip)
    unreadable = [p for p in found if p.suffix.lower() in NOT_READ]  # a .numbers may be a folder (a macOS package)
    if unreadable:
        more = (Message(" (and {count} more: {names})", count=len(unreadable) - 1,
                        names=names(p.name for p in unreadable[1:])) if len(unreadable) > 1 else "")
        raise InputError("a {suffix} spreadsheet cannot be read: {save_as}{more}", path=unreadable[0],
                         suffix=unreadable[0].suffix.lower(), save_as=SAVE_AS, more=more)
    files = [p for p in found if p.is_file() and p.suffix.lower() in SUPPORTED]
    if not files:
        raise InputError("no export files (.csv, .xlsx, .xls, .xlsb or .ods)", path=data_dir)
    return files


def other_files(data_dir: str | Path, skip: set[str] | None = None) -> list[tuple[str, str]]:
    """(name, why) of each file of the data folder that is no spreadsheet (a README.txt, a scan.pdf):
    skipped, and named in the row accounting so that nothing there is left out unseen."""
    data_dir = Path(data_dir)
    return [(str(p.relative_to(data_dir)), NOT_A_TABLE) for p in _folder_entries(data_dir, skip)
            if p.is_file() and p.suffix.lower() not in SUPPORTED
            and not any(Path(part).suffix.lower() in NOT_READ for part in p.relative_to(data_dir).parts)]


def resolve_units(assignments: pd.DataFrame, units: UnitDirectory, headers: dict | None = None,
                  report_dir: Path | None = None) -> pd.DataFrame:
    """Replace each spelling of a unit by its directory name. Unknown units are one error naming them
    all, each with its rows and the closest directory names (io/unknown_units.py); the full list goes
    to unknown_units.csv in ``report_dir`` (default: the cache folder). One unknown unit is located:
    file, row, and the column under the header its file used (``headers``: file -> canonical -> header)."""
    from hotline_lib.io.unknown_units import unknown_units, unknown_units_error, write_unknown_units

    spelled = assignments["unit"].astype("string")
    lookup = {s: units.resolve(s) for s in spelled.dropna().unique()}
    unknown = [s for s, name in lookup.items() if name is None]
    if len(unknown) == 1:
        first = assignments.loc[spelled == unknown[0]].iloc[0]
        close = units.closest(unknown[0])
        hint = Message("closest: {units}", units=names(close)) if close else Message("no unit there is named like it")
        raise UnknownUnitError("unit {unit!r} is not in the unit directory {directory} (rows: {rows}; {hint}): add it, "
                               "or this spelling as an alias of a unit, and run again",
                               unit=unknown[0], directory=units.source or "", rows=int((spelled == unknown[0]).sum()),
                               hint=hint, path=first["_file"], sheet=first["_sheet"] or None, row=int(first["_row"]),
                               column="".join((headers or {}).get(first["_file"], {}).get("unit", "承办单位").split()))
    if unknown:
        table = unknown_units(assignments, unknown, units)
        raise unknown_units_error(table, units, write_unknown_units(table, report_dir or config.cache_dir()))
    assignments = assignments.copy()
    assignments["unit"] = spelled.map(lookup).astype("string")
    return assignments


def deduplicate(frame: pd.DataFrame, keys: list[str], record: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per key: the most complete version wins (a later export knows more), ties to the later file.

    Returns (kept rows, the other copies in the duplicates.csv layout, each naming the copy kept).
    """
    if frame.empty:
        return frame, no_duplicates()
    filled = frame.drop(columns=PROVENANCE).notna().sum(axis=1)
    ordered = frame.assign(_filled=filled, _order=range(len(frame))).sort_values(["_filled", "_order"], kind="stable")
    kept_mask = ~ordered.duplicated(subset=keys, keep="last")
    kept = ordered[kept_mask]
    dropped = ordered[~kept_mask]
    if dropped.empty:
        return frame, no_duplicates()
    winner = kept.set_index(keys)[PROVENANCE]
    won = winner.loc[pd.MultiIndex.from_frame(dropped[keys]) if len(keys) > 1 else dropped[keys[0]]]
    duplicates = pd.DataFrame({
        "file": dropped["_file"].to_numpy(), "sheet": dropped["_sheet"].to_numpy(), "row": dropped["_row"].to_numpy(),
        "record": record, "order_id": dropped["order_id"].to_numpy(),
        "copy_of_file": won["_file"].to_numpy(), "copy_of_sheet": won["_sheet"].to_numpy(), "copy_of_row": won["_row"].to_numpy(),
    })
    return frame.loc[kept.sort_values("_order").index], duplicates


def rows_summary(files: int, read: int, used: int, duplicates: int, rejected: int, orders: int,
                 assignments: int, skipped=()) -> Message:
    """The account of a data folder as one line, said when shown: from the exports, or from the counts
    accounting.json keeps (a render prints it in the reader's language, the file holds it in Chinese).
    A duplicate is not an error: exports overlap, the fullest copy of each row is used."""
    copies = (Message(", {count} duplicates (a row exported more than once counts once: the fullest copy is used, "
                      "the other copies are listed in duplicates.csv)", count=duplicates)
              if duplicates else Message(", 0 duplicates"))
    invalid = Message(", {count} invalid (listed in rejects.csv)", count=rejected) if rejected else Message(", 0 invalid")
    summary = Message("{files} files: {read} rows read: {used} used ({orders} orders, {assignments} assignments)"
                      "{copies}{invalid}", files=files, read=read, used=used, orders=orders, assignments=assignments,
                      copies=copies, invalid=invalid)
    skipped = list(skipped)
    if skipped:   # ``skipped``: the names of the files that are not exports
        return Message("{summary}; {count} other files skipped, not 工单 or 派单 exports: {names}", summary=summary,
                       count=len(skipped), names=names(skipped))
    return summary


def dataset_key(files: list[Path], units: UnitDirectory, platform: Platform | None = None) -> str:
    """What a validated dataset depends on: every file's content, the unit directory, the platform's
    words (the working folder's header spellings, visit results and category level), and the code
    that reads and validates (so a fix to the reader never serves a stale cache)."""
    from hotline_lib.core.config import COLUMNS_FILE

    digest = hashlib.sha256()
    for path in files:
        digest.update(f"{path.name}:{file_digest(path)}\n".encode())
    digest.update(json.dumps([u.model_dump() for u in units.units], ensure_ascii=False, sort_keys=True).encode())
    digest.update(_dataset_code_digest())
    digest.update(COLUMNS_FILE.read_bytes())
    digest.update((platform or Platform()).fingerprint().encode())
    return digest.hexdigest()[:32]


@cache
def _dataset_code_digest() -> bytes:
    """A digest of DATASET_CODE's source, read once per process (every month's kernel asks for the key)."""
    return hashlib.sha256(b"".join((Path(__file__).parent / f"{module}.py").read_bytes() for module in DATASET_CODE)).digest()


def _current_meta(folder: Path) -> dict | None:
    """The cached dataset's meta.json when the dataset is whole and still true, else None."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    whole = {"read", "records", "used", "sources"} <= set(meta) and all(
        (folder / f"{name}.parquet").exists() for name in ["orders", "assignments", "rejects", "duplicates"])
    if not whole:
        return None
    if pd.Timestamp.now(tz=TIMEZONE) + FUTURE_TOLERANCE >= pd.Timestamp(meta.get("valid_until") or "2262-01-01T00:00:00+08:00"):
        return None  # a row rejected as "in the future" when cached is not in the future any more
    return meta


def dataset_rows(folder: Path) -> int:
    """Orders and assignments of the cached dataset together, from its meta.json alone."""
    return sum(((_current_meta(folder) or {}).get("records") or {}).values())


def dataset_sources(folder: Path) -> dict:
    """The cached dataset's ``Exports.sources`` (each file's columns and months), from its meta.json
    alone: what a render needs to name the columns its month's exports lack, without loading a row."""
    return (_current_meta(folder) or {}).get("sources") or {}


def _read_dataset(folder: Path, files: list[Path], data_dir: Path, others: list[tuple[str, str]]) -> Exports | None:
    """The cached dataset, or None when it is missing, stale or damaged. ``others``: the files that are
    no spreadsheet (not in the dataset's key, so listed afresh)."""
    meta = _current_meta(folder)
    if meta is None:
        return None
    try:
        frames = {name: pd.read_parquet(folder / f"{name}.parquet") for name in ["rejects", "duplicates"]}
    except (OSError, ValueError):
        return None
    skipped = [(name, reason) for name, reason in meta.get("skipped", [])]
    used = [p for p in files if str(p.relative_to(data_dir)) not in {name for name, _ in skipped}]
    return CachedExports(folder, meta, frames["rejects"], frames["duplicates"], used, skipped + others)


def valid_until(rejects: pd.DataFrame) -> str | None:
    """Until when a validated dataset stays true: the earliest time rejected as "in the future"
    (None: for ever). A sample row dated 2099 does not make every run validate again."""
    future = rejects.loc[rejects["reason"] == FUTURE, "value"]
    if future.empty:
        return None
    times = parse_times(future.astype("string")).dropna()
    return times.min().isoformat() if len(times) else None


def _store_dataset(exports: Exports, folder: Path) -> None:
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in ["orders", "assignments", "rejects", "duplicates"]:
        frame = getattr(exports, name)
        if name in ("rejects", "duplicates"):
            rows = [c for c in frame.columns if c in ("row", "copy_of_row")]
            frame = frame.astype({c: "string" for c in frame.columns if c not in rows}).astype({c: "int64" for c in rows})
        frame.to_parquet(tmp / f"{name}.parquet", index=False)
    meta = {"read": exports.read, "files": [str(p) for p in exports.files], "valid_until": valid_until(exports.rejects),
            "skipped": [[name, reason] for name, reason in exports.skipped if reason != NOT_A_TABLE],
            "records": exports.records(), "used": {str(k): int(v) for k, v in exports.used_per_file().items()},
            "sources": exports.sources}
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    if folder.exists() and _current_meta(folder) is None:   # stale (its "future" has come) or damaged: replaced
        aside = folder.with_name(f".{folder.name}.{os.getpid()}.old")
        try:
            folder.rename(aside)
        except OSError:
            pass   # another process is replacing it
        shutil.rmtree(aside, ignore_errors=True)
    try:
        tmp.rename(folder)
    except OSError:  # another process stored the same dataset first
        shutil.rmtree(tmp, ignore_errors=True)


def dataset_folder(data_dir: str | Path, units: UnitDirectory, cache_dir: Path, skip: set[str] | None = None,
                   platform: Platform | None = None) -> Path:
    """The cache folder of a data folder's validated dataset (orders.parquet, assignments.parquet)."""
    return cache_dir / f"dataset-{dataset_key(export_files(data_dir, skip), units, platform)}"


def cache_dataset(data_dir: str | Path, units: UnitDirectory, cache_dir: Path, skip: set[str] | None = None,
                  jobs: int | None = None, platform: Platform | None = None) -> Path:
    """The cache folder of the data folder's validated dataset, read and stored first when missing
    (the files read and validated side by side, up to ``jobs`` processes: default one per core)."""
    folder = dataset_folder(data_dir, units, cache_dir, skip, platform)
    if _current_meta(folder) is None:
        with dataset_lock(folder):
            if _current_meta(folder) is None:   # (another process may have stored it meanwhile)
                load_exports(data_dir, units, cache_dir, skip, jobs=jobs or os.cpu_count() or 1, platform=platform)
    return folder


_DATASET_LOCKS: dict[str, object] = {}


def dataset_lock(folder: Path):
    """The lock a process holds while it makes a cached dataset: another that needs the same one
    meanwhile (a render's process beside its kernel, a second command) waits for it, then reads it,
    instead of parsing and validating every export again. One lock object per folder and process,
    so that the holder may take it again (cache_dataset → load_exports)."""
    from filelock import FileLock

    key = str(folder)
    if key not in _DATASET_LOCKS:
        Path(folder).parent.mkdir(parents=True, exist_ok=True)
        _DATASET_LOCKS[key] = FileLock(f"{folder}.lock")
    return _DATASET_LOCKS[key]


def load_exports(data_dir: str | Path, units: UnitDirectory, cache_dir: Path | None = None,
                 skip: set[str] | None = None, jobs: int = 1, platform: Platform | None = None) -> Exports:
    """Everything in a data folder, validated; raises on what cannot be read, rejects invalid rows,
    sets aside the extra copies of a row exported more than once.

    With a cache folder, each parsed file is kept as Parquet (a second run reads no spreadsheet), and
    so is the validated, de-duplicated dataset (a second run validates nothing again). ``jobs`` > 1
    reads and validates the files in that many processes (io/file_validation.py: the same rows,
    rejects and errors).
    ``platform``: how the working folder's platform writes its exports (io/platform.py; default: the
    package's header spellings, the default visit results, the automatic category level).
    """
    data_dir = Path(data_dir)
    files = export_files(data_dir, skip)
    others = other_files(data_dir, skip)
    folder = cache_dir / f"dataset-{dataset_key(files, units, platform)}" if cache_dir is not None else None
    if folder is not None and folder.exists():
        cached = _read_dataset(folder, files, data_dir, others)
        if cached is not None:
            return cached
    if folder is None:
        return _load_exports(data_dir, files, others, units, cache_dir, None, jobs, platform)
    with dataset_lock(folder):
        cached = _read_dataset(folder, files, data_dir, others) if folder.exists() else None   # made meanwhile?
        if cached is not None:
            return cached
        return _load_exports(data_dir, files, others, units, cache_dir, folder, jobs, platform)


def _load_exports(data_dir: Path, files: list[Path], others: list, units: UnitDirectory, cache_dir: Path | None,
                  folder: Path | None, jobs: int, platform: Platform | None) -> Exports:
    """``load_exports`` when its dataset is not in the cache: each file read and validated (side by
    side when ``jobs`` > 1: io/file_validation.py), then what joins them: the category level, the
    回访结果 values the settings do not list, the unit directory, the copies; stored."""
    platform = platform or Platform()
    done = validated_files(files, data_dir, cache_dir, platform, jobs)
    accounts = [file for run in done for file in run.files]
    headers, skipped = folder_account(accounts, platform, data_dir)
    accounts = [file for file in accounts if not file.skipped]
    files = [p for p in files if str(p.relative_to(data_dir)) not in {name for name, _ in skipped}]
    if not files:
        raise InputError("no 工单 or 派单 export here: every file was skipped as not an export ({names})", path=data_dir,
                         names=names(name for name, _ in skipped))
    unknown = unknown_visit_summary([run.unknown_visits[kind] for kind in KINDS for run in done
                                     if kind in run.unknown_visits])
    if len(unknown):
        raise unknown_visits_error(unknown, platform, data_dir)
    read = {file.name: file.rows for file in accounts}
    orders, order_rejects = valid_rows(done, "orders", platform)
    assignments, assignment_rejects = valid_rows(done, "assignments", platform)
    assignments = resolve_units(assignments, units, headers, cache_dir)
    orders, order_duplicates = deduplicate(orders, ["order_id"], "order")
    assignments, assignment_duplicates = deduplicate(assignments, ["order_id", "unit", "dispatched_at"], "assignment")
    totals = joined_totals([t for file in accounts for t in file.totals])
    parts = [r for r in [totals, order_rejects, assignment_rejects] if len(r)]
    rejects = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REJECT_COLUMNS)
    copies = [d for d in [order_duplicates, assignment_duplicates] if len(d)]
    duplicates = pd.concat(copies, ignore_index=True) if copies else no_duplicates()
    exports = Exports(orders.reset_index(drop=True), assignments.reset_index(drop=True), rejects, read, files, duplicates,
                      skipped + others, export_sources(headers, {"orders": orders, "assignments": assignments}))
    if folder is not None:
        _store_dataset(exports, folder)
    return exports
