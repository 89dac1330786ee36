"""Rendering a month's bulletin: the section notebooks run with papermill in one kernel, each
records its section (render/section.py), and the bulletin is rendered from those records: numbered
once, from the sections present, into one self-contained HTML file, with PDF and Word beside it.

The notebooks' side is render/notebooks.py, the formats render/formats.py, how the finished month
takes the place of the last one render/publish.py, and what it was made from render/manifest.py.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from hotline_lib.core.errors import HotlineError, InputError, ReportError, RulesError, SentBulletin, SettingsError
from hotline_lib.core.i18n import Message, gettext, names
from hotline_lib.core.months import check_month
from hotline_lib.core.privacy import mask_notebook, mask_strings
from hotline_lib.core.utils import exclusive, remove_leftovers
from hotline_lib.io.coverage import MissingColumn, missing_column_records, missing_column_warnings, missing_columns
from hotline_lib.io.notebook_changes import modified_notebooks
from hotline_lib.io.workspace import Workspace
from hotline_lib.render.formats import FORMAT_FILES, FORMATS, choose_formats, other_formats, page_from_sections
from hotline_lib.render.kernel import START_MONTH, START_MONTH_WORKBOOKS_ASIDE, Kernel
from hotline_lib.render.manifest import record_manifest
from hotline_lib.render.notebooks import (execute, failed_section, kernel_warnings, save_sections, section_notebooks,
                                          silent_sections, split, stitch)
from hotline_lib.render.publish import JOURNAL, STAGING, clear_partials, is_sent, keep_failed, publish, recover
from hotline_lib.render.page import left_out_warnings, section_labels
from hotline_lib.render.section import Section, records_from_notebook, sections_from_notebook, write_sections
from hotline_lib.scoring.workspace_rules import columns_read

log = logging.getLogger(__name__)


@dataclass
class ReportResult:
    month: str
    html: Path
    figures: Path
    notebooks: list[Path]
    seconds: float
    warnings: list[str] = field(default_factory=list)
    rows: Message | str = ""   # rows read, used, duplicates and invalid, said when shown (per file: manifest.json)
    sections: list[str] = field(default_factory=list)   # the sections recorded, in order
    overrides: dict = field(default_factory=dict)       # section -> settings its notebook overrode
    formats: list[str] = field(default_factory=list)    # the formats written (html, pdf, docx)
    data: Path | None = None                            # the data folder read


def merged_figures(month: str, sections: list[Section]) -> dict:
    """figures.json: every section's figures, in section order (the month first)."""
    figures = {"month": month}
    for section in sections:
        figures.update(section.figures)
    return mask_strings(figures)


def check_sections(sections: list[Section], month: str, notebooks_dir: Path) -> None:
    """Every record is of the month asked for, and no section is recorded twice."""
    for section in sections:
        if section.month != month:
            raise ReportError("{folder}: section {section} records month {recorded}, not {month}: its notebook sets "
                              "the month itself; use the month parameter instead", folder=notebooks_dir,
                              section=section.key, recorded=section.month, month=month)
    keys = [s.key for s in sections]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise ReportError("{folder}: section {sections} recorded more than once", folder=notebooks_dir,
                          sections=names(twice))


#: Errors a section raises about the data or settings (not about the notebook): reported as they are,
#: with every subclass (``data_errors``: NoHeaderRow, say, is an InputError naming the file and sheet).
DATA_ERRORS = (InputError, SettingsError, RulesError)


def data_errors() -> set[str]:
    """The names of the errors about data or settings: HotlineError itself (raised with a message that
    says where), DATA_ERRORS and all their subclasses, found when asked so that a subclass defined
    after this module was imported counts too (the kernel reports an error by its class name only)."""
    found, todo = {HotlineError.__name__}, list(DATA_ERRORS)
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def check_render_inputs(month: str, workspace: Workspace) -> Path:
    """The checks worth failing on before rendering starts: the month, and the data folder."""
    check_month(month)
    return workspace.check_data()


def cache_tokens(months: str | list[str], workspace: Workspace, jobs: int | None = None) -> None:
    """The words of ``months`` (one, or a batch's) segmented into the cache when the settings show 热点诉求
    (analysis/topics_month.py), in ``jobs`` processes (default: one per core)."""
    from hotline_lib.analysis.topics_month import cache_tokens as segment_months

    segment_months(months, workspace, jobs)


def cache_exports(workspace: Workspace) -> Path:
    """Read and validate the exports into the cache unless they are there: the kernel then only
    reads the cached dataset (the same function fills it, so the figures are the same). Returns its folder."""
    from hotline_lib.io.exports import cache_dataset, input_folders

    return cache_dataset(workspace.data, workspace.units, workspace.cache, input_folders(workspace.settings),
                         platform=workspace.platform)


def month_missing_columns(month: str, dataset: Path, rules_reads=()) -> list[MissingColumn]:
    """The optional columns none of the month's exports holds (io/coverage.py), from the cached dataset;
    ``rules_reads``: the columns the working folder's rules read (a column only they use: when they do)."""
    from hotline_lib.io.exports import dataset_sources

    return missing_columns(dataset_sources(dataset), month, rules_reads)


def render_month(month: str, workspace: Workspace | None = None, formats=None, force: bool = False,
                 kernel: Kernel | None = None, in_batch: bool = False) -> ReportResult:
    """The month's render, start to end (``render_month_steps``)."""
    return finish_render(render_month_steps(month, workspace, formats, force, kernel, in_batch))


def finish_render(steps) -> ReportResult:
    """Run a render's steps (``render_month_steps``) to their end: its result."""
    try:
        while True:
            next(steps)
    except StopIteration as done:
        return done.value


def render_month_steps(month: str, workspace: Workspace | None = None, formats=None, force: bool = False,
                       kernel: Kernel | None = None, in_batch: bool = False):
    """outputs/<month>/: bulletin.html, figures.json, rejects.csv, duplicates.csv, accounting.json, the executed
    section notebooks and manifest.json, from the working folder ``workspace`` (default: the one the
    command runs in). ``kernel``: a batch worker's kernel, kept for its next month (default: one started
    here, warming up while the exports are read). A month rendered alone has the 扣分明细 workbooks
    (for a dataset of up to KEEP_ROWS rows: a second process holds the month's tables too) and
    热点诉求's words made by processes beside the kernel, on the core it leaves idle; ``in_batch``: a
    month of a batch, which segmented the words for all its months first and whose workers keep both
    cores busy, leaves both to its kernel.

    The month's folder changes only by a whole, finished render committed into place (render/publish.py):
    everything is produced in a staging folder, then moved in as one transaction that a killed run's
    successor finishes or undoes. A failure (a section that raises, bad data, a file held open) leaves
    every file of the month as it was, sent or not; the attempt is kept in failed-<time>/ (its executed
    notebooks and error.txt), which the error names. One run per month at a time (a lock).

    A generator: it stops once, when the sections have run and the kernel is free (the rest, the
    page, the files and the commit, needs no kernel), and returns the ReportResult (``finish_render``).
    A batch worker starts its next month in the kernel meanwhile and lets a thread finish this one.
    """
    started = time.perf_counter()
    workspace = workspace or Workspace.open()
    check_render_inputs(month, workspace)
    own = kernel is None and workspace.notebooks.is_dir()   # (a missing folder is section_notebooks' error)
    if own:
        kernel = Kernel(workspace.notebooks)   # ReportError if it cannot start
    try:
        paths = section_notebooks(workspace.notebooks)
        chosen = choose_formats(formats, workspace.settings)
        month_dir = workspace.month_dir(month)
        with exclusive(month_dir / ".lock", Message("the bulletin of {month} in {folder}", month=month, folder=month_dir)):
            recover(month_dir, held=True)   # a commit a killed run left half-done
            if is_sent(month_dir) and not force:
                raise SentBulletin("{month} was e-mailed ({record}): it is not re-rendered; --force re-renders it and "
                                   "keeps the sent files in {folder}/sent-<time>/", month=month,
                                   record=month_dir / "sent.json", folder=month_dir)
            for folder in (month_dir, month_dir / "notebooks"):
                remove_leftovers(folder)
            clear_partials(month_dir)
            with tokens_beside_kernel(month, workspace, in_batch):
                dataset = cache_exports(workspace)   # while the kernel imports (the process beside waits for it)
                missing = month_missing_columns(month, dataset, columns_read(workspace))
                from hotline_lib.io.exports import KEEP_ROWS, dataset_rows

                workbooks_aside = not in_batch and dataset_rows(dataset) <= KEEP_ROWS
                return (yield from _render_month(month, workspace, month_dir, paths, started, chosen, kernel, missing,
                                                 workbooks_aside))
    finally:
        if own:
            kernel.shutdown()


def _render_month(month, workspace: Workspace, month_dir: Path, paths: list[Path], started, formats: list[str],
                  kernel: Kernel | None, missing: list[MissingColumn], workbooks_aside: bool = False) -> ReportResult:
    """Stage the render, then commit it; a failure keeps the attempt in failed-<time>/ and names it."""
    staging = month_dir / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    attempt: dict = {}   # the executed section notebooks, once there are some
    try:
        return (yield from _stage_and_commit(month, workspace, month_dir, staging, paths, started, formats, kernel, attempt,
                                             missing, workbooks_aside))
    except HotlineError as exc:
        kept = keep_failed(month_dir, attempt, str(exc))
        raise ReportError("{error} (failed attempt kept in {folder})", error=exc, folder=kept) from None
    except Exception as exc:   # a bug: the attempt kept all the same, then the traceback
        keep_failed(month_dir, attempt, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if not (month_dir / JOURNAL).exists():   # (a commit interrupted by Ctrl-C needs it: recover finishes it)
            shutil.rmtree(staging, ignore_errors=True)


def _stage_and_commit(month, workspace: Workspace, month_dir: Path, staging: Path, paths: list[Path], started,
                      formats: list[str], kernel: Kernel | None, attempt: dict,
                      missing: list[MissingColumn], workbooks_aside: bool = False) -> ReportResult:
    from papermill.exceptions import PapermillExecutionError

    stitched_path = staging / "bulletin.ipynb"
    nbformat.write(stitch(paths, START_MONTH_WORKBOOKS_ASIDE if workbooks_aside else START_MONTH), stitched_path)
    # The kernel writes rejects.csv, duplicates.csv, accounting.json and the workbooks (or a process
    # beside it writes those) under the staging folder; they move into place only when the whole
    # render is there.
    parameters = {"month": month, "workspace": workspace.parameters(), "output_dir": str(staging)}
    try:
        with workbooks_beside_kernel(month, workspace, staging, workbooks_aside):
            executed = execute(stitched_path, parameters, cwd=paths[0].parent, kernel=kernel,
                               timeout=workspace.settings.cell_timeout_seconds)
    except ReportError:   # a cell past its time limit, a kernel that died: nothing of this run is kept
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except PapermillExecutionError as exc:
        executed = mask_notebook(nbformat.read(stitched_path, as_version=4))
        attempt.update(split(executed, paths))
        section, name, message = failed_section(executed)
        first_line = message.splitlines()[0] if message else exc.ename
        if name in data_errors():   # bad data or settings: the message already says where the problem is
            raise ReportError("{text}", text=first_line) from None
        raise ReportError("section {section} failed: {name}: {reason}", section=section, name=name,
                          reason=first_line) from None
    yield   # the kernel is free: what follows needs none
    executed = mask_notebook(executed)
    attempt.update(split(executed, paths))
    sections = sections_from_notebook(executed)
    check_sections(sections, month, paths[0].parent)
    warnings = left_out_warnings(records_from_notebook(executed)) + kernel_warnings(executed) + silent_sections(executed, paths)
    settings = workspace.settings
    title = settings.bulletin_title(month)
    sample = workspace.is_sample   # every format then says 样例数据 (io/sample_data.py)
    (staging / "bulletin.html").write_text(page_from_sections(title, sections, workspace.cache, sample), encoding="utf-8")
    written, notes = other_formats(formats, staging, sections, settings, title, sample)
    written = [f for f in FORMATS if f in written]
    warnings += notes
    overrides = {s.key: s.overrides for s in sections if s.overrides}
    kernel_out = staging / month   # what the kernel wrote (output_dir/<month>/)
    rows = json.loads((kernel_out / "accounting.json").read_text(encoding="utf-8"))
    notebooks = save_sections(executed, paths, staging / "notebooks")
    (staging / "figures.json").write_text(json.dumps(merged_figures(month, sections), ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")
    write_sections(sections, staging / "sections.json")
    from hotline_lib.analysis.deductions import UNIT_FILES, UNIT_FOLDERS, WORKBOOKS   # the kernel wrote them; pandas-heavy to import

    unit_files = json.loads((kernel_out / UNIT_FILES).read_text(encoding="utf-8")) if (kernel_out / UNIT_FILES).exists() else {}

    staged = {FORMAT_FILES[f]: staging / FORMAT_FILES[f] for f in written}
    staged |= {name: staging / name for name in ["figures.json", "sections.json", "notebooks"]}
    staged |= {name: kernel_out / name for name in ["rejects.csv", "duplicates.csv", "accounting.json", *WORKBOOKS, *UNIT_FOLDERS]
               if (kernel_out / name).exists()}
    files = [*(FORMAT_FILES[f] for f in written), "figures.json", "sections.json", "rejects.csv",
             "duplicates.csv", "accounting.json", *(name for name in WORKBOOKS if (kernel_out / name).exists()),
             *sorted(f"{folder}/{p.name}" for folder in UNIT_FOLDERS for p in (kernel_out / folder).glob("*.xlsx"))]
    labels = section_labels(sections)   # a missing column's warning names the sections as this bulletin numbers them
    modified = modified_notebooks(workspace.notebooks, [p.name for p in paths])
    warnings += modified_warnings(modified)
    staged["manifest.json"] = record_manifest(workspace, month, time.perf_counter() - started, rows,
                                              [s.key for s in sections], overrides, files, written, formats,
                                              missing_column_records(missing, labels),
                                              unit_files=mask_strings(unit_files), folder=staging,
                                              modified_notebooks=modified)
    kept = publish(staged, month_dir)   # the commit: all or nothing
    if kept is not None:
        warnings.append(gettext("NOTE: {month} had been e-mailed; the sent files are kept in {folder}", month=month,
                                folder=kept))
    warnings += missing_column_warnings(missing, month, labels)   # last: printed beside the summary line
    notebooks = [month_dir / "notebooks" / p.name for p in notebooks]
    return ReportResult(month, month_dir / "bulletin.html", month_dir / "figures.json", notebooks,
                        time.perf_counter() - started, warnings, accounting_summary(rows), [s.key for s in sections], overrides,
                        written, workspace.data)


@contextmanager
def beside_kernel(job, *args):
    """``job(*args)`` run by a process of its own while the block runs (the kernel running the
    sections leaves the other core idle); yields its future. It is waited for on the way out, however
    the block ends: no process of a render outlives it."""
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=1, initializer=_ignore_interrupts)
    future = pool.submit(job, *args)
    try:
        yield future
    finally:
        future.exception()   # waits
        pool.shutdown()


def _ignore_interrupts() -> None:
    """A process beside the kernel leaves Ctrl-C to the render, which says it once and waits for it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def write_workbooks_job(month: str, workspace: dict, output_dir: str) -> None:
    """In a process of its own (``workbooks_beside_kernel``): the month's 扣分明细 workbooks, at a
    lower priority than the kernel and the words' process (which the kernel waits for): it has until
    the kernel's last section to finish."""
    from hotline_lib.analysis.bulletin import load_month, write_month_workbooks

    if hasattr(os, "nice"):
        os.nice(5)

    write_month_workbooks(load_month(month, workspace), output_dir)


@contextmanager
def workbooks_beside_kernel(month: str, workspace: Workspace, output_dir: Path, aside: bool):
    """While the block runs (the kernel runs the sections), the month's workbooks are written by a
    process of their own into ``output_dir`` when ``aside``; it is done before the render goes on or
    cleans up (nothing writes into the staging folder after), and its failure is the render's when
    the block succeeded."""
    if not aside:
        yield
        return
    with beside_kernel(write_workbooks_job, month, workspace.parameters(), str(output_dir)) as future:
        yield
    error = future.exception()
    if isinstance(error, HotlineError):
        raise error
    if error is not None:
        raise ReportError("the 扣分明细 workbooks could not be written: {name}: {reason}", name=type(error).__name__,
                          reason=str(error)) from None


def segment_tokens_job(month: str, workspace: dict) -> None:
    """In a process of its own (``tokens_beside_kernel``): the month's words into the cache, on the
    one core the kernel leaves; its tokenizer built first when the cache has none (while the render
    reads the exports, which this process then waits for: the dataset's lock, io/exports.py)."""
    from hotline_lib.io.segment import load_lexicon, prepare_tokenizer

    workspace = Workspace.of(workspace)
    prepare_tokenizer(load_lexicon(workspace), workspace.cache)
    cache_tokens(month, workspace, jobs=1)


@contextmanager
def tokens_beside_kernel(month: str, workspace: Workspace, ready: bool):
    """热点诉求's words of the month segmented into the cache by a process of their own while the
    block runs (unless ``ready``, or the settings show no 热点诉求): it starts before the exports are
    read (a cold cache's tokenizer is built meanwhile); the kernel needs the words only at the features
    section, and waits there for a file being segmented (its lock, io/segment.py) rather than
    segmenting it too. A failure here is not the render's: the kernel meets it and says it."""
    if ready or workspace.settings.hot_topics.show == "off":
        yield
        return
    with beside_kernel(segment_tokens_job, month, workspace.parameters()):
        yield


def modified_warnings(modified: list[str]) -> list[str]:
    """The section notebooks whose cells differ from the package's, named in the render's output: a
    trial left in one (an override tried in JupyterLab) goes into the bulletin only when someone decided it."""
    if not modified:
        return []
    return [gettext("NOTE: section notebooks differ from the shipped ones: {names}; `hotline notebooks diff` shows "
                    "how, `hotline notebooks restore NAME` puts the shipped one back", names=names(modified))]


def accounting_summary(accounting: dict) -> Message:
    """The summary line of an accounting.json, in the reader's language when shown: the file's own
    "summary" is Chinese (a file for people), so the line is said again from its counts."""
    from hotline_lib.io.exports import rows_summary

    return rows_summary(len(accounting["files"]), **accounting["total"], **accounting["records"],
                        skipped=[entry["file"] for entry in accounting.get("skipped", [])])
