"""Rendering a month's bulletin: the section notebooks run with papermill in one kernel, each
records its section (hotline_lib/render/section.py), and the bulletin is rendered from those
records: numbered once, from the sections present, into one self-contained HTML file.

Why one kernel: starting a kernel costs about as much as everything else together (see
docs/performance.md), so the section notebooks are stitched into one notebook before execution and
split back afterwards; each executed section is still saved for an analyst to open.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from hotline_lib.core import config
from hotline_lib.core.config import TEMPLATES_DIR, cache_dir, outputs_dir, sample_dir
from hotline_lib.core.i18n import Message, gettext, names
from hotline_lib.core.errors import (HotlineError, InputError, ReportError, RulesError, SentBulletin, SettingsError,
                                     UnknownUnitError)
from hotline_lib.render.fonts import font_face_css
from hotline_lib.render.kernel import START_MONTH, Kernel
from hotline_lib.render.page import bulletin_page, left_out_warnings
from hotline_lib.render.section import (SECTION_MIME, Section, records_from_notebook, sections_from_notebook,
                                        write_sections)
from hotline_lib.core.months import check_month
from hotline_lib.core.privacy import mask_notebook, mask_personal, mask_strings
from hotline_lib.core.text import bulletin_title, trends_title
from hotline_lib.core.utils import atomic_path, exclusive, remove_leftovers, write_text_atomic
from hotline_lib.io.directory import load_settings

log = logging.getLogger(__name__)
SECTION_KEY = "hotline_section"


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


def section_notebooks(notebooks_dir: Path | None = None) -> list[Path]:
    """The bulletin's sections in published order (their file names start with the order), each
    with exactly one cell tagged ``parameters`` (papermill injects the month after it)."""
    notebooks_dir = Path(notebooks_dir or config.notebooks_dir())
    if not notebooks_dir.is_dir():
        raise InputError("notebooks folder not found", path=notebooks_dir)
    paths = sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ReportError("no section notebooks (named like 01_overview.ipynb) in {folder}", folder=notebooks_dir)
    for path in paths:
        try:
            notebook = nbformat.read(path, as_version=4)
        except Exception as exc:
            raise InputError("not a readable notebook ({name})", path=path, name=type(exc).__name__) from None
        tagged = sum("parameters" in c.metadata.get("tags", []) for c in notebook.cells)
        if tagged != 1:
            raise InputError("a section notebook needs exactly one cell tagged 'parameters' (found {tagged}); "
                             "in JupyterLab: select the cell, open the property inspector (⚙) and add the tag", path=path,
                             tagged=tagged)
    return paths


def stitch(paths: list[Path]) -> nbformat.NotebookNode:
    """One notebook of every section's code cells, each tagged with its section; one parameters cell.
    Cells tagged ``notebook-only`` (exploration the bulletin does not need) are left out."""
    stitched = nbformat.v4.new_notebook()
    stitched.metadata = nbformat.read(paths[0], as_version=4).metadata
    stitched.cells.append(nbformat.v4.new_code_cell(START_MONTH))   # a month never depends on the one before
    for index, path in enumerate(paths):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            tags = cell.metadata.get("tags", [])
            if ("parameters" in tags and index > 0) or "notebook-only" in tags:
                continue
            cell = nbformat.from_dict(dict(cell))
            cell.metadata[SECTION_KEY] = path.stem
            stitched.cells.append(cell)
    return stitched


def split(executed: nbformat.NotebookNode, paths: list[Path]) -> dict[str, nbformat.NotebookNode]:
    """Each section's own executed notebook: its markdown, the parameters and its executed cells."""
    parameters = [c for c in executed.cells if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
    sections = {}
    for path in paths:
        original = nbformat.read(path, as_version=4)
        notebook = nbformat.v4.new_notebook(metadata=executed.metadata)
        notebook.cells = [c for c in original.cells if c.cell_type == "markdown"] + parameters + [
            c for c in executed.cells if c.metadata.get(SECTION_KEY) == path.stem
            and not {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
        sections[path.stem] = notebook
    return sections


def to_html(executed: nbformat.NotebookNode, title: str) -> str:
    """A notebook as a page (the trends): our nbconvert template, code hidden, no script, no external URL."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="bulletin", extra_template_basedirs=[str(TEMPLATES_DIR / "nbconvert")],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(executed, resources={"metadata": {"name": title}})
    return body.replace("/* @font-face */", font_face_css(body, cache_dir()), 1)


FORMATS = ["html", "pdf", "docx"]
FORMAT_FILES = {"html": "bulletin.html", "pdf": "bulletin.pdf", "docx": "bulletin.docx"}


def choose_formats(formats, settings_file=None) -> list[str]:
    """The formats to write: ``formats`` ("html,pdf" or a list) or the settings' list; html always
    (every other format, the index and the e-mail start from the page)."""
    from hotline_lib.core.utils import check_argument

    if formats is None:
        chosen = list(load_settings(settings_file).formats)
    else:
        chosen = [f.strip() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    for name in chosen:
        check_argument("format", FORMATS, name)
    return [f for f in FORMATS if f in chosen or f == "html"]


def is_sent(month_dir: Path) -> bool:
    """The month was e-mailed (sent.json): a published document, not re-rendered without --force."""
    return (Path(month_dir) / "sent.json").exists()


def keep_sent_files(month_dir: Path) -> Path:
    """Move everything a sent month holds (bulletin, figures, notebooks, sent.json…) into
    sent-<timestamp>/ before a forced re-render replaces it; returns that folder."""
    from datetime import datetime

    kept = month_dir / f"sent-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    kept.mkdir()
    for path in sorted(month_dir.iterdir()):
        if path.name.startswith(".") or path.name.startswith("sent-"):
            continue
        os.replace(path, kept / path.name)
    return kept


def page_from_sections(title: str, sections: list[Section]) -> str:
    """The bulletin page from its section records, with the CJK font subset it needs."""
    css = (TEMPLATES_DIR / "nbconvert" / "bulletin" / "bulletin.css").read_text(encoding="utf-8")
    page = bulletin_page(title, sections, css)
    return page.replace("/* @font-face */", font_face_css(page, cache_dir()), 1)


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


#: Errors a section raises about the data or settings (not about the notebook): reported as they are.
DATA_ERRORS = {cls.__name__ for cls in (HotlineError, InputError, UnknownUnitError, SettingsError, RulesError)}


def _failed_section(executed: nbformat.NotebookNode) -> tuple[str, str, str]:
    """(section, exception name, message) of the first error in an executed notebook."""
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return cell.metadata.get(SECTION_KEY, "?"), output.get("ename", "?"), str(output.get("evalue", ""))
    return "?", "?", "unknown error"


def execute(path: Path, parameters: dict, cwd: Path, kernel: Kernel | None = None) -> nbformat.NotebookNode:
    """Run a notebook in place with papermill, in ``kernel`` (render/kernel.py) or in one started
    for this notebook alone.

    A failing cell raises PapermillExecutionError; any other failure (a kernel that cannot start)
    becomes a ReportError.
    """
    from papermill.exceptions import PapermillExecutionError

    own = kernel is None
    kernel = kernel or Kernel(cwd)   # a ReportError of its own when it cannot start
    try:
        return kernel.run(path, parameters)
    except PapermillExecutionError:
        raise
    except Exception as exc:
        raise ReportError("could not run {notebook}: {name}: {reason}", notebook=path.name, name=type(exc).__name__,
                          reason=str(exc)) from None
    finally:
        if own:
            kernel.shutdown()


def render_trends(start: str, end: str, data_dir=None, out_dir=None, settings_file=None, units_file=None,
                  rules_file=None) -> Path:
    """outputs/trends_<from>_<to>.html (and its executed notebook beside it), personal data masked."""
    from hotline_lib.core.months import months_between

    months_between(start, end)
    out = Path(out_dir or outputs_dir()).resolve()
    name = f"trends_{start}_{end}"
    with exclusive(out / f".{name}.lock", Message("the trends {start} to {end}", start=start, end=end)):
        remove_leftovers(out, name)
        (out / f".{name}.running.ipynb").unlink(missing_ok=True)  # a killed run's half-executed notebook
        return _render_trends(start, end, out, name, data_dir, settings_file, units_file, rules_file)


def _render_trends(start, end, out: Path, name: str, data_dir, settings_file, units_file, rules_file) -> Path:
    from papermill.exceptions import PapermillExecutionError

    from hotline_lib.io.directory import load_settings

    running = out / f".{name}.running.ipynb"  # papermill writes as it goes: never under the final name
    shutil.copyfile(config.notebooks_dir() / "trends.ipynb", running)
    parameters = {"from_month": start, "to_month": end, "data_dir": str(Path(data_dir or sample_dir()).resolve()),
                  "settings_file": _text(settings_file), "units_file": _text(units_file), "rules_file": _text(rules_file)}
    notebook = out / f"{name}.ipynb"
    try:
        executed = execute(running, parameters, cwd=config.notebooks_dir())
    except PapermillExecutionError as exc:
        _write_notebook(mask_notebook(nbformat.read(running, as_version=4)), notebook)
        reason = mask_personal(str(exc.evalue).splitlines()[0] if exc.evalue else "")
        raise ReportError("trends failed: {name}: {reason} (executed notebook kept: {notebook})", name=exc.ename,
                          reason=reason, notebook=notebook) from None
    finally:
        running.unlink(missing_ok=True)
    executed = mask_notebook(executed)
    target = out / f"{name}.html"
    html = to_html(executed, trends_title(load_settings(settings_file).district, start, end))
    _write_notebook(executed, notebook)
    with atomic_path(target) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target


def check_render_inputs(month: str, data_dir=None) -> Path:
    """The checks worth failing on before rendering starts: the month, and the data folder."""
    check_month(month)
    data_dir = Path(data_dir or sample_dir()).resolve()
    if not data_dir.is_dir():
        hint = Message(" (run `hotline sample` to generate the sample)") if data_dir == sample_dir().resolve() else ""
        raise InputError("data folder not found{hint}", path=data_dir, hint=hint)
    return data_dir


def render_month(month: str, data_dir: str | Path | None = None, out_dir: str | Path | None = None,
                 settings_file=None, units_file=None, rules_file=None, notebooks_dir=None, formats=None,
                 force: bool = False, kernel: Kernel | None = None) -> ReportResult:
    """outputs/<month>/: bulletin.html, figures.json, rejects.csv, duplicates.csv, accounting.json, the executed
    section notebooks and, written last, manifest.json. ``notebooks_dir``: an analyst's edited copy
    of the section notebooks (default: the project's notebooks/). ``kernel``: a batch worker's
    kernel, kept for its next month (default: one started here, warming up while the exports are read).

    Safe to interrupt: everything is produced in a staging folder and each file moves into place
    whole; manifest.json is removed before the first move and written after the last, so a month
    without it was interrupted (a batch renders it again). One run per month at a time (a lock).
    Bad data or settings (an error of this package raised in a section) leave the month's folder
    untouched. A section that fails otherwise names itself in the error, keeps its executed notebook
    for debugging, and leaves no bulletin.html behind (a stale one from an earlier run is removed).
    """
    started = time.perf_counter()
    data_dir = check_render_inputs(month, data_dir)
    notebooks = Path(notebooks_dir or config.notebooks_dir()).resolve()
    own = kernel is None and notebooks.is_dir()   # (a missing folder is section_notebooks' error)
    if own:
        kernel = Kernel(notebooks)   # ReportError if it cannot start
    try:
        paths = section_notebooks(notebooks_dir)
        chosen = choose_formats(formats, settings_file)
        month_dir = Path(out_dir or outputs_dir()).resolve() / month
        if is_sent(month_dir) and not force:
            raise SentBulletin("{month} was e-mailed ({record}): it is not re-rendered; --force re-renders it and keeps "
                               "the sent files in {folder}/sent-<time>/", month=month, record=month_dir / "sent.json",
                               folder=month_dir)
        with exclusive(month_dir / ".lock", Message("the bulletin of {month} in {folder}", month=month, folder=month_dir)):
            for folder in (month_dir, month_dir / "notebooks"):
                remove_leftovers(folder)
            cache_exports(data_dir, settings_file, units_file)   # while the kernel imports
            return _render_month(month, data_dir, month_dir, settings_file, units_file, rules_file, paths, started,
                                 chosen, kernel)
    finally:
        if own:
            kernel.shutdown()


def cache_exports(data_dir: Path, settings_file=None, units_file=None) -> None:
    """Read and validate the exports into the cache unless they are there: the kernel then only
    reads the cached dataset (the same function fills it, so the figures are the same)."""
    from hotline_lib.io.directory import load_units
    from hotline_lib.io.exports import cache_dataset, input_folders

    cache_dataset(data_dir, load_units(units_file), cache_dir(), input_folders(load_settings(settings_file)))


def _render_month(month, data_dir: Path, month_dir: Path, settings_file, units_file, rules_file, paths: list[Path],
                  started, formats: list[str], kernel: Kernel | None) -> ReportResult:
    from papermill.exceptions import PapermillExecutionError

    staging = month_dir / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    stitched_path = staging / "bulletin.ipynb"
    nbformat.write(stitch(paths), stitched_path)
    # The kernel writes rejects.csv, duplicates.csv and accounting.json under the staging folder; they move into
    # place only when every section has succeeded.
    parameters = {"month": month, "data_dir": str(data_dir), "output_dir": str(staging), "settings_file": _text(settings_file),
                  "units_file": _text(units_file), "rules_file": _text(rules_file)}
    try:
        executed = execute(stitched_path, parameters, cwd=paths[0].parent, kernel=kernel)
    except PapermillExecutionError as exc:
        executed = mask_notebook(nbformat.read(stitched_path, as_version=4))
        section, name, message = _failed_section(executed)
        shutil.rmtree(staging, ignore_errors=True)
        first_line = message.splitlines()[0] if message else exc.ename
        if name in DATA_ERRORS:
            # bad data or settings, found before anything was written: the month's previous
            # complete render stays as it was, and the message already says where the problem is
            raise ReportError("{text}", text=first_line) from None
        saved = _save_sections(executed, paths, month_dir)
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
    warnings = left_out_warnings(records_from_notebook(executed)) + _warnings(executed) + _silent_sections(executed, paths)
    settings = load_settings(settings_file)
    title = bulletin_title(settings.district, month)
    html = page_from_sections(title, sections)
    (staging / "bulletin.html").write_text(html, encoding="utf-8")
    written, notes = _other_formats(formats, staging, sections, settings, title)
    warnings += notes
    figures = merged_figures(month, sections)
    overrides = {s.key: s.overrides for s in sections if s.overrides}
    rows = json.loads((staging / month / "accounting.json").read_text(encoding="utf-8"))
    # Commit: manifest.json goes first and comes back last, every other file moves in whole.
    if is_sent(month_dir):   # --force on an e-mailed month: the published files are kept aside first
        warnings.append(gettext("NOTE: {month} had been e-mailed; the sent files are kept in {folder}", month=month,
                                folder=keep_sent_files(month_dir)))
    (month_dir / "manifest.json").unlink(missing_ok=True)
    notebooks = _save_sections(executed, paths, month_dir)
    write_text_atomic(month_dir / "figures.json", json.dumps(figures, ensure_ascii=False, indent=2) + "\n")
    write_sections(sections, month_dir / "sections.json")
    from hotline_lib.analysis.deductions import UNIT_FOLDER, WORKBOOK   # the kernel wrote them; pandas-heavy to import

    for name in ["rejects.csv", "duplicates.csv", "accounting.json", WORKBOOK]:
        os.replace(staging / month / name, month_dir / name)
    _replace_folder(staging / month / UNIT_FOLDER, month_dir / UNIT_FOLDER)
    for name in [*FORMATS[1:], "html"]:   # the page last: it is what the index links to
        target = month_dir / FORMAT_FILES[name]
        if name in written:   # staged whole (the PDF was printed from the staged page): moved, not written again
            _fsync(staging / FORMAT_FILES[name])
            os.replace(staging / FORMAT_FILES[name], target)
        else:
            target.unlink(missing_ok=True)   # not rendered this time: no stale PDF beside a new page
    shutil.rmtree(staging, ignore_errors=True)
    files = [*(FORMAT_FILES[f] for f in FORMATS if f in written), "figures.json", "sections.json", "rejects.csv",
             "duplicates.csv", "accounting.json", WORKBOOK,
             *sorted(str(p.relative_to(month_dir)) for p in (month_dir / UNIT_FOLDER).glob("*.xlsx"))]
    _record_manifest(month, data_dir, month_dir, settings_file, units_file, rules_file, time.perf_counter() - started, rows,
                     paths[0].parent, sections, overrides, files, [f for f in FORMATS if f in written], formats)
    return ReportResult(month, month_dir / "bulletin.html", month_dir / "figures.json", notebooks,
                        time.perf_counter() - started, warnings, accounting_summary(rows), [s.key for s in sections], overrides,
                        [f for f in FORMATS if f in written])


def accounting_summary(accounting: dict) -> Message:
    """The summary line of an accounting.json, in the reader's language when shown: the file's own
    "summary" is Chinese (a file for people), so the line is said again from its counts."""
    from hotline_lib.io.exports import rows_summary

    return rows_summary(len(accounting["files"]), **accounting["total"], **accounting["records"])


def _other_formats(formats: list[str], staging: Path, sections: list[Section], settings, title: str) -> tuple[list[str], list[str]]:
    """PDF and Word beside the page in the staging folder; returns (formats written, notes). The
    browser prints the PDF while Word is written (one waits on a process, the other computes). No
    browser for the PDF is a note, not a failure: the other formats are written."""
    from concurrent.futures import ThreadPoolExecutor

    from hotline_lib.core.errors import BrowserNotFound

    written, notes = ["html"], []
    with ThreadPoolExecutor(max_workers=1) as printer:
        printed = None
        if "pdf" in formats:
            from hotline_lib.render.pdf import html_to_pdf

            printed = printer.submit(html_to_pdf, staging / "bulletin.html", staging / FORMAT_FILES["pdf"])
        if "docx" in formats:
            from hotline_lib.render.docx import bulletin_docx

            bulletin_docx(sections, settings, staging / FORMAT_FILES["docx"], title)
        try:
            if printed is not None:
                printed.result()
                written.append("pdf")
        except BrowserNotFound as exc:
            notes.append(gettext("WARNING: no PDF: {reason}", reason=exc))
    if "docx" in formats:
        written.append("docx")
    return written, notes


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _replace_folder(new: Path, target: Path) -> None:
    """Put a finished folder in place of the old one: the old one is moved aside first (one rename
    each), so the target is never a mix of both; what is left aside is removed afterwards."""
    aside = target.with_name(f".{target.name}.old")
    shutil.rmtree(aside, ignore_errors=True)
    if target.exists():
        os.replace(target, aside)
    if new.exists():
        os.replace(new, target)
    shutil.rmtree(aside, ignore_errors=True)


def _record_manifest(month, data_dir, month_dir, settings_file, units_file, rules_file, seconds, rows, notebooks_dir,
                     sections, overrides, files, formats, asked) -> None:
    """manifest.json: what this render was made from (batch runs skip a month whose inputs match),
    the sections it holds and the settings its notebooks overrode."""
    from hotline_lib.render.manifest import Fingerprints, write_manifest

    inputs = Fingerprints().inputs(month, Path(data_dir), settings_file, units_file, rules_file, notebooks_dir, asked)
    write_manifest(month_dir, month, inputs, seconds, rows,
                   extra={"notebooks": str(notebooks_dir), "sections": [s.key for s in sections], "overrides": overrides,
                          "files": files, "formats": formats})


def _write_notebook(notebook: nbformat.NotebookNode, target: Path) -> Path:
    with atomic_path(target) as tmp:
        nbformat.write(notebook, tmp)
    return target


def _text(path) -> str | None:
    return str(Path(path).resolve()) if path is not None else None


def _silent_sections(executed: nbformat.NotebookNode, paths: list[Path]) -> list[str]:
    """A warning for each section notebook that recorded nothing (section.record() never ran): the
    bulletin is rendered without it, which is right for a month without a city ranking or a case
    story, and worth a look otherwise."""
    recorded = {c.metadata.get(SECTION_KEY) for c in executed.cells
                if any(SECTION_MIME in o.get("data", {}) for o in c.get("outputs", []))}
    return [gettext("WARNING: {notebook} recorded no section (section.record() did not run): the bulletin has no such "
                    "section", notebook=path.name) for path in paths if path.stem not in recorded]


def _warnings(executed: nbformat.NotebookNode) -> list[str]:
    lines = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines += [line for line in output.get("text", "").splitlines() if line.startswith(("WARNING", "警告"))]
    return lines


def _save_sections(executed: nbformat.NotebookNode, paths: list[Path], month_dir: Path) -> list[Path]:
    return [_write_notebook(notebook, month_dir / "notebooks" / f"{name}.ipynb")
            for name, notebook in split(executed, paths).items()]
