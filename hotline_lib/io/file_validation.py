"""Each export file read and validated on its own, the files side by side in a pool of processes.

Every check of a row looks at that row alone (io/validation.py), so a file's rows are typed, checked
and rejected the same whether they are validated alone or with every other file's: a data folder is
read by one process per core, each file parsed (into the per-file cache) and validated where it was
read, largest file first, and only what joins the files (the category level, the 回访结果 values the
settings do not list, the unit directory, the copies of a row in several exports) is left to the
caller (io/exports.py ``load_exports``). Before, one process parsed in parallel and then validated
every row itself while the other cores idled: that was most of a cold render's wait before its first
section ([18], docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hotline_lib.io.export_tables import KINDS, file_tables, kind_frame
from hotline_lib.io.headers import spellings
from hotline_lib.io.reading import read_sheets
from hotline_lib.io.platform import Platform, read_visit_results, unknown_visit_cells
from hotline_lib.io.validation import REJECT_COLUMNS, validate


@dataclass
class FileAccount:
    """What ``file_tables`` found in one file, without its rows: ``headers`` (canonical -> the file's
    header), ``totals`` (its 合计 rows, as rejects), each 工单 table's columns and the rows read."""

    name: str
    skipped: bool
    headers: dict[str, str]
    totals: list[pd.DataFrame]
    order_columns: list[list[str]]
    rows: int


@dataclass
class ValidatedFiles:
    """A run of consecutive files, read and validated together: each file's account, and per record
    type the valid typed rows, the rejects (a kind none of the files has: absent) and the 回访结果
    cells the settings do not list (value, file: when there are any, no row is validated, the run
    stops on them)."""

    files: list[FileAccount]
    valid: dict[str, pd.DataFrame] = field(default_factory=dict)
    rejects: dict[str, pd.DataFrame] = field(default_factory=dict)
    unknown_visits: dict[str, pd.DataFrame] = field(default_factory=dict)


def validated_group(paths: list[Path], data_dir: Path, cache_dir: Path | None, platform: Platform) -> ValidatedFiles:
    """``paths`` read in order (``file_tables``: the first error raised) and their rows validated
    together (validation has a cost per call: a file at a time would double it for the sample's 36)."""
    read = [file_tables(path, data_dir, cache_dir, platform) for path in paths]
    done = ValidatedFiles([FileAccount(f.name, f.skipped, f.headers, f.totals, f.order_columns, f.rows) for f in read])
    frames = {kind: kind_frame([t for f in read for t in f.tables[kind]], kind, platform.columns)
              for kind in KINDS if any(f.tables[kind] for f in read)}
    if not frames:
        return done
    done.unknown_visits = unknown_visit_cells(frames, platform)
    if any(len(cells) for cells in done.unknown_visits.values()):
        return done
    headers = {f.name: f.headers for f in read if f.headers}
    for kind, frame in read_visit_results(frames, platform, data_dir).items():
        done.valid[kind], done.rejects[kind] = validate(frame, kind, headers)
    return done


def runs_of_files(files: list[Path], weights: list[float], count: int) -> list[list[Path]]:
    """``files`` cut, in order, into up to ``count`` runs of about the same weight."""
    share = sum(weights) / count
    runs, run, total = [], [], 0
    for path, weight in zip(files, weights):
        run.append(path)
        total += weight
        if total >= share * (len(runs) + 1) and len(runs) < count - 1:
            runs.append(run)
            run = []
    return [r for r in [*runs, run] if r]


def rows_parsed(path: Path, keys: set[str], cache_dir: Path) -> int:
    """The rows of a file's tables, parsed into the per-file cache (read from it when there); 0 for a
    file that fails: its error is raised when its run is read, in file order."""
    try:
        return sum(len(raw.cells) for raw in read_sheets(path, keys, cache_dir))
    except Exception:
        return 0


def validated_files(files: list[Path], data_dir: Path, cache_dir: Path | None, platform: Platform,
                    jobs: int = 1) -> list[ValidatedFiles]:
    """The files read and validated in runs of consecutive files (``validated_group``), in order: one
    run when ``jobs`` is 1. Else each file is first parsed into the cache by one of ``jobs`` processes,
    the largest first (a first run waits for its slowest file rather than for all of them in turn),
    then the files are validated in ``jobs`` runs of about as many rows each, side by side (without a
    cache, the runs are cut by bytes and parse their files too). The first file, in order, that
    fails raises its error, as reading them one by one would: a run that failed in a process is read
    again here, where its error is raised as it is (or, if it does not fail again, its rows used)."""
    if jobs < 2 or len(files) < 2:
        return [validated_group(files, data_dir, cache_dir, platform)]
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=min(jobs, len(files)))
    try:
        weights = [path.stat().st_size for path in files]
        if cache_dir is not None:
            largest = sorted(range(len(files)), key=lambda i: -weights[i])
            keys = spellings("orders", "order_id", platform.columns)
            rows = pool.map(rows_parsed, [files[i] for i in largest], [keys] * len(files), [cache_dir] * len(files))
            for i, count in zip(largest, rows):
                weights[i] = count
        runs = runs_of_files(files, weights, jobs)
        futures = [pool.submit(validated_group, run, data_dir, cache_dir, platform) for run in runs]
        done = []
        for run, future in zip(runs, futures):
            try:
                done.append(future.result())
            except Exception:   # said as the file's own error, from this process (no remote traceback)
                done.append(validated_group(run, data_dir, cache_dir, platform))
        return done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def joined(parts: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    """Frames of the same columns one after the other (``empty`` when there are none); a part without
    rows adds none (and never decides a column's type)."""
    rows = [p for p in parts if len(p)]
    if not rows:
        return parts[0] if parts else empty
    return pd.concat(rows, ignore_index=True) if len(rows) > 1 else rows[0]


def valid_rows(done: list[ValidatedFiles], kind: str, platform: Platform) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows, rejects) of one record type over every run of files, in order: what validating all
    the files' rows at once gives (a kind no file has: its empty frames, validated)."""
    valid = [d.valid[kind] for d in done if kind in d.valid]
    if not valid:
        return validate(kind_frame([], kind, platform.columns), kind, {})
    rejects = [d.rejects[kind] for d in done if kind in d.rejects]
    return joined(valid, valid[0]), joined(rejects, pd.DataFrame(columns=REJECT_COLUMNS))
