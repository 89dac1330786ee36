"""The trends page across months: notebooks/trends.ipynb run with papermill and turned into one page."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from hotline_lib.core.errors import ReportError
from hotline_lib.core.i18n import Message
from hotline_lib.core.months import months_between
from hotline_lib.core.privacy import mask_notebook, mask_personal
from hotline_lib.core.text import trends_title
from hotline_lib.core.utils import atomic_path, exclusive, remove_leftovers
from hotline_lib.io.workspace import Workspace
from hotline_lib.render.formats import to_html
from hotline_lib.render.notebooks import execute, write_notebook


def render_trends(start: str, end: str, workspace: Workspace | None = None) -> Path:
    """outputs/trends_<from>_<to>.html (and its executed notebook beside it), personal data masked."""
    months_between(start, end)
    workspace = workspace or Workspace.open()
    out = workspace.outputs
    name = f"trends_{start}_{end}"
    with exclusive(out / f".{name}.lock", Message("the trends {start} to {end}", start=start, end=end)):
        remove_leftovers(out, name)
        (out / f".{name}.running.ipynb").unlink(missing_ok=True)  # a killed run's half-executed notebook
        return _render_trends(start, end, workspace, name)


def _render_trends(start: str, end: str, workspace: Workspace, name: str) -> Path:
    from papermill.exceptions import PapermillExecutionError

    out = workspace.outputs
    running = out / f".{name}.running.ipynb"  # papermill writes as it goes: never under the final name
    shutil.copyfile(workspace.notebooks / "trends.ipynb", running)
    parameters = {"from_month": start, "to_month": end, "workspace": workspace.parameters()}
    notebook = out / f"{name}.ipynb"
    try:
        executed = execute(running, parameters, cwd=workspace.notebooks)
    except PapermillExecutionError as exc:
        write_notebook(mask_notebook(nbformat.read(running, as_version=4)), notebook)
        reason = mask_personal(str(exc.evalue).splitlines()[0] if exc.evalue else "")
        raise ReportError("trends failed: {name}: {reason} (executed notebook kept: {notebook})", name=exc.ename,
                          reason=reason, notebook=notebook) from None
    finally:
        running.unlink(missing_ok=True)
    executed = mask_notebook(executed)
    target = out / f"{name}.html"
    html = to_html(executed, trends_title(workspace.settings.district, start, end), workspace.cache)
    write_notebook(executed, notebook)
    with atomic_path(target) as tmp:
        tmp.write_text(html, encoding="utf-8")
    return target
