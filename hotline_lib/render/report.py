"""Rendering a month's bulletin: the section notebooks run with papermill in one kernel, then
nbconvert turns the result into one self-contained HTML file.

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

from hotline_lib.core.config import NOTEBOOKS_DIR, TEMPLATES_DIR, cache_dir, outputs_dir, sample_dir
from hotline_lib.core.errors import HotlineError, InputError, ReportError, RulesError, SettingsError, UnknownUnitError
from hotline_lib.render.fonts import font_face_css
from hotline_lib.core.months import check_month
from hotline_lib.core.privacy import mask_notebook, mask_personal
from hotline_lib.core.utils import atomic_path, exclusive, remove_leftovers

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
    rows: str = ""          # rows read, used and rejected (the per-file account is in manifest.json)


def section_notebooks(notebooks_dir: Path | None = None) -> list[Path]:
    """The bulletin's sections in published order (their file names start with the order)."""
    notebooks_dir = notebooks_dir or NOTEBOOKS_DIR
    paths = sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise ReportError(f"no section notebooks in {notebooks_dir}")
    return paths


def stitch(paths: list[Path]) -> nbformat.NotebookNode:
    """One notebook of every section's cells, each cell tagged with its section; one parameters cell."""
    stitched = nbformat.v4.new_notebook()
    stitched.metadata = nbformat.read(paths[0], as_version=4).metadata
    for index, path in enumerate(paths):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            if "parameters" in cell.metadata.get("tags", []) and index > 0:
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


def kernel_name() -> str:
    """The project's registered kernel when there is one, else this environment's python3."""
    from jupyter_client.kernelspec import KernelSpecManager

    return "hotline" if "hotline" in KernelSpecManager().find_kernel_specs() else "python3"


def to_html(executed: nbformat.NotebookNode, title: str) -> str:
    """The bulletin page: our nbconvert template, code hidden, no script, no external URL."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="bulletin", extra_template_basedirs=[str(TEMPLATES_DIR / "nbconvert")],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(executed, resources={"metadata": {"name": title}})
    return body.replace("/* @font-face */", font_face_css(body, cache_dir()), 1)


#: Errors a section raises about the data or settings (not about the notebook): reported as they are.
DATA_ERRORS = {cls.__name__ for cls in (HotlineError, InputError, UnknownUnitError, SettingsError, RulesError)}


def _failed_section(executed: nbformat.NotebookNode) -> tuple[str, str, str]:
    """(section, exception name, message) of the first error in an executed notebook."""
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return cell.metadata.get(SECTION_KEY, "?"), output.get("ename", "?"), str(output.get("evalue", ""))
    return "?", "?", "unknown error"


def execute(path: Path, parameters: dict, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook in place with papermill, in one kernel talking over IPC (no TCP port).

    A failing cell raises PapermillExecutionError; any other failure (a kernel that cannot start)
    becomes a ReportError.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        return papermill.execute_notebook(str(path), str(path), parameters=parameters, kernel_name=kernel_name(),
                                          progress_bar=False, cwd=str(cwd), log_output=False,
                                          kernel_manager_class=_ipc_kernel_manager())
    except PapermillExecutionError:
        raise
    except Exception as exc:
        raise ReportError(f"could not run {path.name}: {type(exc).__name__}: {exc}") from None


def render_trends(start: str, end: str, data_dir=None, out_dir=None, settings_file=None, units_file=None,
                  rules_file=None) -> Path:
    """outputs/trends_<from>_<to>.html (and its executed notebook beside it), personal data masked."""
    from hotline_lib.core.months import months_between

    months_between(start, end)
    out = Path(out_dir or outputs_dir()).resolve()
    name = f"trends_{start}_{end}"
    with exclusive(out / f".{name}.lock", f"the trends {start} to {end}"):
        remove_leftovers(out, name)
        (out / f".{name}.running.ipynb").unlink(missing_ok=True)  # a killed run's half-executed notebook
        return _render_trends(start, end, out, name, data_dir, settings_file, units_file, rules_file)


def _render_trends(start, end, out: Path, name: str, data_dir, settings_file, units_file, rules_file) -> Path:
    from papermill.exceptions import PapermillExecutionError

    from hotline_lib.io.directory import load_settings

    running = out / f".{name}.running.ipynb"  # papermill writes as it goes: never under the final name
    shutil.copyfile(NOTEBOOKS_DIR / "trends.ipynb", running)
    parameters = {"from_month": start, "to_month": end, "data_dir": str(Path(data_dir or sample_dir()).resolve()),
                  "settings_file": _text(settings_file), "units_file": _text(units_file), "rules_file": _text(rules_file)}
    notebook = out / f"{name}.ipynb"
    try:
        executed = execute(running, parameters, cwd=NOTEBOOKS_DIR)
    except PapermillExecutionError as exc:
        _write_notebook(mask_notebook(nbformat.read(running, as_version=4)), notebook)
        reason = mask_personal(str(exc.evalue).splitlines()[0] if exc.evalue else "")
        raise ReportError(f"trends failed: {exc.ename}: {reason} (executed notebook kept: {notebook})") from None
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
        hint = " (run `hotline sample` to generate the sample)" if data_dir == sample_dir().resolve() else ""
        raise InputError(f"data folder not found{hint}", path=data_dir)
    return data_dir


def render_month(month: str, data_dir: str | Path | None = None, out_dir: str | Path | None = None,
                 settings_file=None, units_file=None, rules_file=None) -> ReportResult:
    """outputs/<month>/: bulletin.html, figures.json, rejects.csv, accounting.json, the executed
    section notebooks and, written last, manifest.json.

    Safe to interrupt: everything is produced in a staging folder and each file moves into place
    whole; manifest.json is removed before the first move and written after the last, so a month
    without it was interrupted (a batch renders it again). One run per month at a time (a lock).
    Bad data or settings (an error of this package raised in a section) leave the month's folder
    untouched. A section that fails otherwise names itself in the error, keeps its executed notebook
    for debugging, and leaves no bulletin.html behind (a stale one from an earlier run is removed).
    """
    started = time.perf_counter()
    data_dir = check_render_inputs(month, data_dir)
    month_dir = Path(out_dir or outputs_dir()).resolve() / month
    with exclusive(month_dir / ".lock", f"the bulletin of {month} in {month_dir}"):
        for folder in (month_dir, month_dir / "notebooks"):
            remove_leftovers(folder)
        return _render_month(month, data_dir, month_dir, settings_file, units_file, rules_file, started)


def _render_month(month, data_dir: Path, month_dir: Path, settings_file, units_file, rules_file, started) -> ReportResult:
    from papermill.exceptions import PapermillExecutionError

    staging = month_dir / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    paths = section_notebooks()
    stitched_path = staging / "bulletin.ipynb"
    nbformat.write(stitch(paths), stitched_path)
    # The kernel writes figures.json, rejects.csv and accounting.json under the staging folder;
    # they move into place only when every section has succeeded.
    parameters = {"month": month, "data_dir": str(data_dir), "output_dir": str(staging), "settings_file": _text(settings_file),
                  "units_file": _text(units_file), "rules_file": _text(rules_file)}
    try:
        executed = execute(stitched_path, parameters, cwd=paths[0].parent)
    except PapermillExecutionError as exc:
        executed = mask_notebook(nbformat.read(stitched_path, as_version=4))
        section, name, message = _failed_section(executed)
        shutil.rmtree(staging, ignore_errors=True)
        first_line = message.splitlines()[0] if message else exc.ename
        if name in DATA_ERRORS:
            # bad data or settings, found before anything was written: the month's previous
            # complete render stays as it was, and the message already says where the problem is
            raise ReportError(first_line) from None
        saved = _save_sections(executed, paths, month_dir)
        (month_dir / "bulletin.html").unlink(missing_ok=True)
        (month_dir / "manifest.json").unlink(missing_ok=True)
        kept = next((p for p in saved if p.stem == section), month_dir / "notebooks")
        raise ReportError(f"section {section} failed: {name}: {first_line} (executed notebook kept: {kept})") from None
    executed = mask_notebook(executed)
    warnings = _warnings(executed)
    html = to_html(executed, bulletin_title(month, settings_file))
    rows = json.loads((staging / month / "accounting.json").read_text(encoding="utf-8"))
    # Commit: manifest.json goes first and comes back last, every other file moves in whole.
    (month_dir / "manifest.json").unlink(missing_ok=True)
    notebooks = _save_sections(executed, paths, month_dir)
    for name in ["figures.json", "rejects.csv", "accounting.json"]:
        os.replace(staging / month / name, month_dir / name)
    with atomic_path(month_dir / "bulletin.html") as tmp:
        tmp.write_text(html, encoding="utf-8")
    shutil.rmtree(staging, ignore_errors=True)
    _record_manifest(month, data_dir, month_dir, settings_file, units_file, rules_file, time.perf_counter() - started, rows)
    return ReportResult(month, month_dir / "bulletin.html", month_dir / "figures.json", notebooks,
                        time.perf_counter() - started, warnings, rows["summary"])


def _record_manifest(month, data_dir, month_dir, settings_file, units_file, rules_file, seconds, rows) -> None:
    """manifest.json: what this render was made from (batch runs skip a month whose inputs match)."""
    from hotline_lib.render.manifest import Fingerprints, write_manifest

    inputs = Fingerprints().inputs(month, Path(data_dir), settings_file, units_file, rules_file)
    write_manifest(month_dir, month, inputs, seconds, rows)


def _write_notebook(notebook: nbformat.NotebookNode, target: Path) -> Path:
    with atomic_path(target) as tmp:
        nbformat.write(notebook, tmp)
    return target


def _text(path) -> str | None:
    return str(Path(path).resolve()) if path is not None else None


def bulletin_title(month: str, settings_file=None) -> str:
    """芙蓉区12345政务热线十二月份情况通报"""
    from hotline_lib.io.directory import load_settings
    from hotline_lib.core.text import month_label

    return f"{load_settings(settings_file).district}12345政务热线{month_label(month)}情况通报"


def trends_title(district: str, start: str, end: str) -> str:
    """芙蓉区12345政务热线工单趋势（2020-01 至 2021-06）: the page's title, and the notebook's heading."""
    return f"{district}12345政务热线工单趋势（{start} 至 {end}）"


def _warnings(executed: nbformat.NotebookNode) -> list[str]:
    lines = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines += [line for line in output.get("text", "").splitlines() if line.startswith("WARNING")]
    return lines


def _save_sections(executed: nbformat.NotebookNode, paths: list[Path], month_dir: Path) -> list[Path]:
    return [_write_notebook(notebook, month_dir / "notebooks" / f"{name}.ipynb")
            for name, notebook in split(executed, paths).items()]




def _ipc_kernel_manager():
    """A kernel manager talking to its kernel over local IPC sockets instead of loopback TCP."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            import tempfile
            import uuid

            super().__init__(**kwargs)
            self.transport = "ipc"
            # a socket path of its own: kernels started side by side (--jobs) must never share one
            self.ip = str(Path(tempfile.gettempdir()) / f"hotline-kernel-{uuid.uuid4().hex}")

    return IPCKernelManager
