"""The section notebooks of a render: found, stitched into one, executed in one kernel, split back.

Why one kernel: starting a kernel costs about as much as everything else together (see
docs/performance.md), so the section notebooks are stitched into one notebook before execution and
split back afterwards; each executed section is still saved for an analyst to open.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from hotline_lib.core.errors import InputError, ReportError
from hotline_lib.core.i18n import gettext
from hotline_lib.core.utils import atomic_path
from hotline_lib.render.kernel import START_MONTH, Kernel
from hotline_lib.render.section import SECTION_MIME

SECTION_KEY = "hotline_section"


def section_notebooks(notebooks_dir: Path | None = None) -> list[Path]:
    """The bulletin's sections in published order (their file names start with the order), each
    with exactly one cell tagged ``parameters`` (papermill injects the month after it). Default: the
    working folder's notebooks/."""
    from hotline_lib.core.config import notebooks_dir as working_notebooks

    notebooks_dir = Path(notebooks_dir or working_notebooks())
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


def stitch(paths: list[Path], first: str = START_MONTH) -> nbformat.NotebookNode:
    """One notebook of every section's code cells, each tagged with its section; one parameters cell.
    Cells tagged ``notebook-only`` (exploration the bulletin does not need) are left out. ``first``:
    the cell that starts the month (render/kernel.py)."""
    stitched = nbformat.v4.new_notebook()
    stitched.metadata = nbformat.read(paths[0], as_version=4).metadata
    stitched.cells.append(nbformat.v4.new_code_cell(first))   # a month never depends on the one before
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


def execute(path: Path, parameters: dict, cwd: Path, kernel: Kernel | None = None,
            timeout: float | None = None) -> nbformat.NotebookNode:
    """Run a notebook in place with papermill, in ``kernel`` (render/kernel.py) or in one started
    for this notebook alone; ``timeout``: the seconds a cell may run (settings: cell_timeout_seconds).

    A failing cell raises PapermillExecutionError; a cell that runs too long or a kernel that dies is
    a ReportError naming the section (the cells of every section run stitched in one notebook, so
    the section is the running cell's); any other failure (a kernel that cannot start) too.
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    own = kernel is None
    kernel = kernel or Kernel(cwd)   # a ReportError of its own when it cannot start
    try:
        return kernel.run(path, parameters, timeout)
    except PapermillExecutionError:
        raise
    except CellTimeoutError:
        raise ReportError("section {section} was stopped: a cell ran longer than {seconds} s (cell_timeout_seconds in "
                          "the settings); look for a loop that never ends, or raise the limit",
                          section=running_section(kernel), seconds=f"{timeout:g}") from None
    except DeadKernelError:
        raise ReportError("section {section}: the notebook kernel died while it ran (out of memory, or the notebook "
                          "ended its process); nothing was published", section=running_section(kernel)) from None
    except Exception as exc:
        raise ReportError("could not run {notebook}: {name}: {reason}", notebook=path.name, name=type(exc).__name__,
                          reason=str(exc)) from None
    finally:
        if own:
            kernel.shutdown()


def running_section(kernel: Kernel) -> str:
    """The section whose cell the kernel was running ("?" before the first section's cell)."""
    cell = kernel.running
    return cell.metadata.get(SECTION_KEY, "?") if cell is not None else "?"


def failed_section(executed: nbformat.NotebookNode) -> tuple[str, str, str]:
    """(section, exception name, message) of the first error in an executed notebook."""
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return cell.metadata.get(SECTION_KEY, "?"), output.get("ename", "?"), str(output.get("evalue", ""))
    return "?", "?", "unknown error"


def write_notebook(notebook: nbformat.NotebookNode, target: Path) -> Path:
    with atomic_path(target) as tmp:
        nbformat.write(notebook, tmp)
    return target


def save_sections(executed: nbformat.NotebookNode, paths: list[Path], folder: Path) -> list[Path]:
    """Each section's executed notebook, as ``folder``/<section>.ipynb."""
    return [write_notebook(notebook, folder / f"{name}.ipynb") for name, notebook in split(executed, paths).items()]


def silent_sections(executed: nbformat.NotebookNode, paths: list[Path]) -> list[str]:
    """A warning for each section notebook that recorded nothing (section.record() never ran): the
    bulletin is rendered without it, which is right for a month without a city ranking or a case
    story, and worth a look otherwise."""
    recorded = {c.metadata.get(SECTION_KEY) for c in executed.cells
                if any(SECTION_MIME in o.get("data", {}) for o in c.get("outputs", []))}
    return [gettext("WARNING: {notebook} recorded no section (section.record() did not run): the bulletin has no such "
                    "section", notebook=path.name) for path in paths if path.stem not in recorded]


def kernel_warnings(executed: nbformat.NotebookNode) -> list[str]:
    """The warnings the sections printed (their stderr lines starting with WARNING, or 警告 in Chinese),
    each once (a step the sections share, such as reading the exemptions, may warn in several)."""
    lines = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines += [line for line in output.get("text", "").splitlines() if line.startswith(("WARNING", "警告"))]
    return list(dict.fromkeys(lines))
