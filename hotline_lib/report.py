"""Rendering a month's bulletin: the section notebooks run with papermill in one kernel, then
nbconvert turns the result into one self-contained HTML file.

Why one kernel: starting a kernel costs about as much as everything else together (see
docs/performance.md), so the section notebooks are stitched into one notebook before execution and
split back afterwards; each executed section is still saved for an analyst to open.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .config import NOTEBOOKS_DIR, OUTPUTS_DIR, SAMPLE_DIR, TEMPLATES_DIR
from .errors import InputError, ReportError
from .fonts import font_face_css
from .monthly import check_month
from .utils import atomic_path

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
    return body.replace("/* @font-face */", font_face_css(body), 1)


def _failed_section(executed: nbformat.NotebookNode) -> tuple[str, str]:
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return cell.metadata.get(SECTION_KEY, "?"), f"{output.get('ename')}: {output.get('evalue')}"
    return "?", "unknown error"


def render_month(month: str, data_dir: str | Path | None = None, out_dir: str | Path = OUTPUTS_DIR,
                 settings_file=None, units_file=None, rules_file=None) -> ReportResult:
    """outputs/<month>/: bulletin.html, figures.json and the executed section notebooks.

    A failed section names itself in the error, keeps its executed notebook for debugging, and
    leaves no bulletin.html behind (a stale one from an earlier run is removed).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    check_month(month)
    data_dir = Path(data_dir or SAMPLE_DIR).resolve()
    if not data_dir.is_dir():
        hint = " (run `hotline sample` to generate the sample)" if data_dir == SAMPLE_DIR.resolve() else ""
        raise InputError(f"data folder not found{hint}", path=data_dir)
    month_dir = Path(out_dir).resolve() / month
    staging = month_dir / ".staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    paths = section_notebooks()
    stitched_path = staging / "bulletin.ipynb"
    nbformat.write(stitch(paths), stitched_path)
    # The kernel writes figures.json and rejects.csv under the staging folder; they move into
    # place only when every section has succeeded.
    parameters = {"month": month, "data_dir": str(data_dir), "output_dir": str(staging), "settings_file": _text(settings_file),
                  "units_file": _text(units_file), "rules_file": _text(rules_file)}
    try:
        executed = papermill.execute_notebook(str(stitched_path), str(stitched_path), parameters=parameters,
                                              kernel_name=kernel_name(), progress_bar=False, cwd=str(paths[0].parent),
                                              log_output=False, kernel_manager_class=_ipc_kernel_manager())
    except PapermillExecutionError as exc:
        executed = nbformat.read(stitched_path, as_version=4)
        section, reason = _failed_section(executed)
        saved = _save_sections(executed, paths, month_dir)
        (month_dir / "bulletin.html").unlink(missing_ok=True)
        kept = next((p for p in saved if p.stem == section), month_dir / "notebooks")
        raise ReportError(f"section {section} failed: {reason.splitlines()[0] if reason else exc.ename} "
                          f"(executed notebook kept: {kept})") from None
    except Exception as exc:  # a kernel that cannot start, a missing notebook, ...
        raise ReportError(f"could not run the notebooks: {type(exc).__name__}: {exc}") from None
    warnings = _warnings(executed)
    notebooks = _save_sections(executed, paths, month_dir)
    html = to_html(executed, bulletin_title(month, settings_file))
    with atomic_path(month_dir / "bulletin.html", suffix=".html") as tmp:
        tmp.write_text(html, encoding="utf-8")
    for name in ["figures.json", "rejects.csv"]:
        shutil.move(str(staging / month / name), month_dir / name)
    shutil.rmtree(staging, ignore_errors=True)
    return ReportResult(month, month_dir / "bulletin.html", month_dir / "figures.json", notebooks, time.perf_counter() - started, warnings)


def _text(path) -> str | None:
    return str(Path(path).resolve()) if path is not None else None


def bulletin_title(month: str, settings_file=None) -> str:
    """芙蓉区12345政务热线十二月份情况通报"""
    from .directory import load_settings
    from .text import month_label

    return f"{load_settings(settings_file).district}12345政务热线{month_label(month)}情况通报"


def _warnings(executed: nbformat.NotebookNode) -> list[str]:
    lines = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines += [line for line in output.get("text", "").splitlines() if line.startswith("WARNING")]
    return lines


def _save_sections(executed: nbformat.NotebookNode, paths: list[Path], month_dir: Path) -> list[Path]:
    saved = []
    for name, notebook in split(executed, paths).items():
        target = month_dir / "notebooks" / f"{name}.ipynb"
        with atomic_path(target, suffix=".ipynb") as tmp:
            nbformat.write(notebook, tmp)
        saved.append(target)
    return saved




def _ipc_kernel_manager():
    """A kernel manager talking to its kernel over local IPC sockets instead of loopback TCP."""
    from jupyter_client.manager import AsyncKernelManager

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"

    return IPCKernelManager
