"""Rendering a month's bulletin: the section notebooks run with papermill in one kernel, each
records its section (render/section.py), and the bulletin is rendered from those records: numbered
once, from the sections present, into one self-contained HTML file, with PDF and Word beside it.

The notebooks' side is render/notebooks.py, the formats render/formats.py, how the finished month
takes the place of the last one render/publish.py, and what it was made from render/manifest.py.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from hotline_lib.core.errors import HotlineError, InputError, ReportError, RulesError, SentBulletin, SettingsError
from hotline_lib.core.i18n import Message, gettext, names
from hotline_lib.core.months import check_month
from hotline_lib.core.privacy import mask_notebook, mask_strings
from hotline_lib.core.utils import exclusive, remove_leftovers
from hotline_lib.io.workspace import Workspace
from hotline_lib.render.formats import FORMAT_FILES, FORMATS, choose_formats, other_formats, page_from_sections
from hotline_lib.render.kernel import Kernel
from hotline_lib.render.manifest import record_manifest
from hotline_lib.render.notebooks import (execute, failed_section, kernel_warnings, save_sections, section_notebooks,
                                          silent_sections, stitch)
from hotline_lib.render.publish import is_sent, keep_sent_files, publish
from hotline_lib.render.page import left_out_warnings
from hotline_lib.render.section import Section, records_from_notebook, sections_from_notebook, write_sections

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


def cache_exports(workspace: Workspace) -> None:
    """Read and validate the exports into the cache unless they are there: the kernel then only
    reads the cached dataset (the same function fills it, so the figures are the same)."""
    from hotline_lib.io.exports import cache_dataset, input_folders

    cache_dataset(workspace.data, workspace.units, workspace.cache, input_folders(workspace.settings))


def render_month(month: str, workspace: Workspace | None = None, formats=None, force: bool = False,
                 kernel: Kernel | None = None) -> ReportResult:
    """outputs/<month>/: bulletin.html, figures.json, rejects.csv, duplicates.csv, accounting.json, the executed
    section notebooks and, written last, manifest.json, from the working folder ``workspace`` (default:
    the one the command runs in). ``kernel``: a batch worker's kernel, kept for its next month (default:
    one started here, warming up while the exports are read).

    Safe to interrupt: everything is produced in a staging folder and each file moves into place
    whole; manifest.json is removed before the first move and written after the last, so a month
    without it was interrupted (a batch renders it again). One run per month at a time (a lock).
    Bad data or settings (an error of this package raised in a section) leave the month's folder
    untouched. A section that fails otherwise names itself in the error, keeps its executed notebook
    for debugging, and leaves no bulletin.html behind (a stale one from an earlier run is removed).
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
        if is_sent(month_dir) and not force:
            raise SentBulletin("{month} was e-mailed ({record}): it is not re-rendered; --force re-renders it and keeps "
                               "the sent files in {folder}/sent-<time>/", month=month, record=month_dir / "sent.json",
                               folder=month_dir)
        with exclusive(month_dir / ".lock", Message("the bulletin of {month} in {folder}", month=month, folder=month_dir)):
            for folder in (month_dir, month_dir / "notebooks"):
                remove_leftovers(folder)
            cache_exports(workspace)   # while the kernel imports
            return _render_month(month, workspace, month_dir, paths, started, chosen, kernel)
    finally:
        if own:
            kernel.shutdown()


def _render_month(month, workspace: Workspace, month_dir: Path, paths: list[Path], started, formats: list[str],
                  kernel: Kernel | None) -> ReportResult:
    from papermill.exceptions import PapermillExecutionError

    staging = month_dir / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    stitched_path = staging / "bulletin.ipynb"
    nbformat.write(stitch(paths), stitched_path)
    # The kernel writes rejects.csv, duplicates.csv, accounting.json and the workbooks under the staging
    # folder; they move into place only when every section has succeeded.
    parameters = {"month": month, "workspace": workspace.parameters(), "output_dir": str(staging)}
    try:
        executed = execute(stitched_path, parameters, cwd=paths[0].parent, kernel=kernel,
                           timeout=workspace.settings.cell_timeout_seconds)
    except ReportError:   # a cell past its time limit, a kernel that died: nothing of this run is kept
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except PapermillExecutionError as exc:
        executed = mask_notebook(nbformat.read(stitched_path, as_version=4))
        section, name, message = failed_section(executed)
        shutil.rmtree(staging, ignore_errors=True)
        first_line = message.splitlines()[0] if message else exc.ename
        if name in data_errors():
            # bad data or settings, found before anything was written: the month's previous
            # complete render stays as it was, and the message already says where the problem is
            raise ReportError("{text}", text=first_line) from None
        saved = save_sections(executed, paths, month_dir / "notebooks")
        (month_dir / "bulletin.html").unlink(missing_ok=True)
        (month_dir / "manifest.json").unlink(missing_ok=True)
        kept = next((p for p in saved if p.stem == section), month_dir / "notebooks")
        raise ReportError("section {section} failed: {name}: {reason} (executed notebook kept: {kept})", section=section,
                          name=name, reason=first_line, kept=kept) from None
    executed = mask_notebook(executed)
    sections = sections_from_notebook(executed)
    try:
        check_sections(sections, month, paths[0].parent)
    except ReportError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    warnings = left_out_warnings(records_from_notebook(executed)) + kernel_warnings(executed) + silent_sections(executed, paths)
    settings = workspace.settings
    title = settings.bulletin_title(month)
    sample = workspace.is_sample   # every format then says 样例数据 (io/sample_data.py)
    (staging / "bulletin.html").write_text(page_from_sections(title, sections, workspace.cache, sample), encoding="utf-8")
    written, notes = other_formats(formats, staging, sections, settings, title, sample)
    warnings += notes
    overrides = {s.key: s.overrides for s in sections if s.overrides}
    kernel_out = staging / month   # what the kernel wrote (output_dir/<month>/)
    rows = json.loads((kernel_out / "accounting.json").read_text(encoding="utf-8"))
    notebooks = save_sections(executed, paths, staging / "notebooks")
    (staging / "figures.json").write_text(json.dumps(merged_figures(month, sections), ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")
    write_sections(sections, staging / "sections.json")
    from hotline_lib.analysis.deductions import UNIT_FOLDER, WORKBOOK   # the kernel wrote them; pandas-heavy to import

    staged = {FORMAT_FILES[f]: staging / FORMAT_FILES[f] for f in FORMATS if f in written}
    staged |= {name: staging / name for name in ["figures.json", "sections.json", "notebooks"]}
    staged |= {name: kernel_out / name for name in ["rejects.csv", "duplicates.csv", "accounting.json", WORKBOOK, UNIT_FOLDER]
               if (kernel_out / name).exists()}
    # Commit: an e-mailed month's published files are kept aside first (--force), then every file moves in whole
    if is_sent(month_dir):
        warnings.append(gettext("NOTE: {month} had been e-mailed; the sent files are kept in {folder}", month=month,
                                folder=keep_sent_files(month_dir)))
    publish(staged, month_dir)
    shutil.rmtree(staging, ignore_errors=True)
    files = [*(FORMAT_FILES[f] for f in FORMATS if f in written), "figures.json", "sections.json", "rejects.csv",
             "duplicates.csv", "accounting.json", WORKBOOK,
             *sorted(str(p.relative_to(month_dir)) for p in (month_dir / UNIT_FOLDER).glob("*.xlsx"))]
    record_manifest(workspace, month, time.perf_counter() - started, rows, [s.key for s in sections], overrides, files,
                    [f for f in FORMATS if f in written], formats)
    notebooks = [month_dir / "notebooks" / p.name for p in notebooks]
    return ReportResult(month, month_dir / "bulletin.html", month_dir / "figures.json", notebooks,
                        time.perf_counter() - started, warnings, accounting_summary(rows), [s.key for s in sections], overrides,
                        [f for f in FORMATS if f in written], workspace.data)


def accounting_summary(accounting: dict) -> Message:
    """The summary line of an accounting.json, in the reader's language when shown: the file's own
    "summary" is Chinese (a file for people), so the line is said again from its counts."""
    from hotline_lib.io.exports import rows_summary

    return rows_summary(len(accounting["files"]), **accounting["total"], **accounting["records"],
                        skipped=[entry["file"] for entry in accounting.get("skipped", [])])
