"""A data folder's export files validated in runs of consecutive files, side by side in a pool of
processes.

Every check of a row looks at that row alone (io/validation.py), so a file's rows are typed, checked
and rejected the same whether they are validated with some of the other files' or with all of them.
The files are first parsed into the per-file cache by one process per core, largest first; then cut,
in order, into one run per process of about as many rows each, and each run is read back from the
cache and validated in a process of the pool. Only what joins the files (the category level, the
回访结果 values the settings do not list, the unit directory, the copies of a row in several
exports) is left to the caller (io/exports.py ``load_exports``). Before, the parent validated every
row itself after the parsing while the other cores idled: most of a cold render's wait before its
first section ([18], docs/performance.md).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import HotlineError
from hotline_lib.io.export_tables import KINDS, FileTables, file_tables, kind_frame
from hotline_lib.io.headers import spellings
from hotline_lib.io.platform import Platform, unknown_visit_cells, visit_results_said
from hotline_lib.io.reading import cached_rows, read_sheets
from hotline_lib.io.validation import REJECT_COLUMNS, validate


@dataclass
class ValidatedRun:
    """A run of consecutive files, read and validated together: each file's account (``FileTables``
    without its rows), and per record type the valid typed rows, the rejects (a kind none of the
    files has: absent) and the 回访结果 cells the settings do not list (value, file: when there are
    any, no row is validated: the run stops on them)."""

    files: list[FileTables]
    valid: dict[str, pd.DataFrame] = field(default_factory=dict)
    rejects: dict[str, pd.DataFrame] = field(default_factory=dict)
    unknown_visits: dict[str, pd.DataFrame] = field(default_factory=dict)


def validated_run(paths: list[Path], data_dir: Path, cache_dir: Path | None, platform: Platform) -> ValidatedRun:
    """``paths`` read in order (``file_tables``: the first error raised) and their rows validated
    together (validation has a cost per call: a file at a time doubled it for the sample's 36)."""
    read = [file_tables(path, data_dir, cache_dir, platform) for path in paths]
    done = ValidatedRun([file.account() for file in read])
    frames = {kind: kind_frame([t for file in read for t in file.tables[kind]], kind, platform.columns)
              for kind in KINDS if any(file.tables[kind] for file in read)}
    if not frames:
        return done
    done.unknown_visits = unknown_visit_cells(frames, platform)
    if any(len(cells) for cells in done.unknown_visits.values()):
        return done
    headers = {file.name: file.headers for file in read if file.headers}
    for kind, frame in visit_results_said(frames, platform).items():
        done.valid[kind], done.rejects[kind] = validate(frame, kind, headers)
    return done


def runs_of_files(files: list[Path], weights: list[float], count: int) -> list[list[Path]]:
    """``files`` cut, in order, into up to ``count`` runs of about the same weight: a run ends before
    a file whose middle lies past the run's share."""
    share = sum(weights) / count
    runs: list[list[Path]] = []
    run: list[Path] = []
    total = 0.0
    for path, weight in zip(files, weights):
        if run and len(runs) < count - 1 and total + weight / 2 > share * (len(runs) + 1):
            runs.append(run)
            run = []
        run.append(path)
        total += weight
    return [*runs, run] if run else runs


def rows_parsed(path: Path, keys: set[str], cache_dir: Path) -> int:
    """The rows of a file's tables, the file parsed into the per-file cache unless it is there; 0 for
    a file that fails: its error is raised when its run is read, in file order."""
    try:
        rows = cached_rows(path, keys, cache_dir)
        return rows if rows is not None else sum(len(raw.cells) for raw in read_sheets(path, keys, cache_dir))
    except Exception:
        return 0


def validated_files(files: list[Path], data_dir: Path, cache_dir: Path | None, platform: Platform,
                    jobs: int = 1) -> list[ValidatedRun]:
    """The files read and validated in runs of consecutive files (``validated_run``), in order: one
    run when ``jobs`` is 1. Else each file is first parsed into the cache by one of ``jobs`` processes,
    the largest first (a first run waits for its slowest file rather than for all of them in turn),
    then the files are validated in ``jobs`` runs of about as many rows each, side by side (without a
    cache, the runs are cut by bytes and parse their files too). The first file, in order, that
    fails raises its error, as reading them one by one would: a run that failed in a process is read
    again here, where its error is raised as it is. A process of the pool that ended (out of memory,
    killed) is one error: nothing is stored."""
    if jobs < 2 or len(files) < 2:
        return [validated_run(files, data_dir, cache_dir, platform)]
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
        futures = [pool.submit(validated_run, run, data_dir, cache_dir, platform) for run in runs]
        return [_result(future, run, data_dir, cache_dir, platform) for run, future in zip(runs, futures)]
    except BrokenProcessPool:
        raise HotlineError("a process reading the exports in {folder} ended before it was done (out of memory, or "
                           "killed); nothing was stored: run again", folder=data_dir) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _result(future, run: list[Path], data_dir: Path, cache_dir: Path | None, platform: Platform) -> ValidatedRun:
    """A run's result from the pool; a run that raised is read again here, where its first error is
    raised as reading the files one by one raises it (not as another process's traceback)."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception:
        pass
    return validated_run(run, data_dir, cache_dir, platform)


def joined(parts: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    """Frames of the same columns one after the other (``empty`` when there are none); a part without
    rows adds none (and never decides a column's type)."""
    rows = [p for p in parts if len(p)]
    if not rows:
        return parts[0] if parts else empty
    return pd.concat(rows, ignore_index=True) if len(rows) > 1 else rows[0]


def valid_rows(done: list[ValidatedRun], kind: str, platform: Platform) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows, rejects) of one record type over every run of files, in order: what validating all
    the files' rows at once gives (a kind no file has: its empty frames, validated)."""
    valid = [run.valid[kind] for run in done if kind in run.valid]
    if not valid:
        return validate(kind_frame([], kind, platform.columns), kind, {})
    rejects = [run.rejects[kind] for run in done if kind in run.rejects]
    return joined(valid, valid[0]), joined(rejects, pd.DataFrame(columns=REJECT_COLUMNS))
