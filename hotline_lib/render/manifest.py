"""What a render was made from: content hashes of every input, and manifest.json.

A month is skipped when everything its bulletin was made from (every export file, its city ranking,
case story and exemptions, settings, units, rules, notebooks, templates and the package's own code) is unchanged
since its last successful render; ``outputs/<month>/manifest.json`` records what that was.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

from hotline_lib import __version__
from hotline_lib.core import config
from hotline_lib.core.utils import write_text_atomic
from hotline_lib.io.exports import export_files, input_folders
from hotline_lib.io.notebook_changes import cell_digest
from hotline_lib.io.reading import file_digest
from hotline_lib.io.workspace import Workspace


class Fingerprints:
    """Content hashes of a render's inputs, each file hashed once per batch."""

    def __init__(self):
        self._digests: dict[Path, str] = {}

    def digest(self, path: Path) -> str:
        path = path.resolve()
        if path not in self._digests:
            self._digests[path] = file_digest(path) if path.exists() else "missing"
        return self._digests[path]

    def notebook_digest(self, path: Path) -> str:
        """A notebook's cell sources and tags only: outputs and execution counts left by a run in
        JupyterLab do not change what a render computes."""
        path = path.resolve()
        key = Path(f"{path}#cells")
        if key not in self._digests:
            self._digests[key] = cell_digest(path)
        return self._digests[key]

    def inputs(self, month: str, workspace: Workspace, formats: list[str] | None = None) -> dict[str, str]:
        """Every input of one month's render, by path, with its content hash (notebooks by their
        cells), the formats asked for (a new format makes the month render again), and whether the
        data is the generated sample (the bulletin says so: adding or removing its marker renders again)."""
        settings = workspace.settings
        files = [*export_files(workspace.data, input_folders(settings)), *workspace.month_inputs(month),
                 workspace.settings_file, workspace.units_file, workspace.rules_file,
                 *([workspace.columns_file] if workspace.columns_file else []),   # the platform's own spellings
                 *sorted(p for p in config.PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in {".py", ".j2", ".css", ".yaml", ".json", ".docx"}),
                 *_docx_template(settings)]
        notebooks = sorted(workspace.notebooks.glob("[0-9][0-9]_*.ipynb"))
        return {**{str(p): self.digest(p) for p in files}, **{str(p): self.notebook_digest(p) for p in notebooks},
                **({"formats": ",".join(formats)} if formats else {}),
                **({"sample": "true"} if workspace.is_sample else {})}


def _docx_template(settings) -> list[Path]:
    """An office's own Word template, when the settings name one (the shipped one is in the package)."""
    from hotline_lib.core.errors import SettingsError
    from hotline_lib.render.docx import template_path

    if not settings.docx_template:
        return []
    try:
        return [template_path(settings)]
    except SettingsError:   # a missing template fails the Word rendering itself, with its own message
        return []


def fingerprint(inputs: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def is_current(month_dir: Path, print_: str) -> bool:
    """True when the month's bulletin exists and was made from exactly these inputs (a commit a killed
    run left half-done is finished first)."""
    from hotline_lib.render.publish import recover

    recover(month_dir)
    manifest = month_dir / "manifest.json"
    if not (month_dir / "bulletin.html").exists() or not manifest.exists():
        return False
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint") == print_
    except (OSError, ValueError):
        return False


def write_manifest(month_dir: Path, month: str, inputs: dict[str, str], seconds: float, rows: dict | None = None,
                   extra: dict | None = None) -> Path:
    """manifest.json, written last by a render: what it was made from, under "rows" the rows read,
    used, duplicates and rejected per export file (read = used + duplicates + rejected), and ``extra`` (the sections and the settings overridden)."""
    manifest = {"month": month, "package_version": __version__, "rendered_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "seconds": round(seconds, 2), "fingerprint": fingerprint(inputs), **(extra or {}), "rows": rows, "inputs": inputs}
    path = month_dir / "manifest.json"
    write_text_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return path


def record_manifest(workspace: Workspace, month: str, seconds: float, rows: dict, sections: list[str], overrides: dict,
                    files: list[str], formats: list[str], asked: list[str], missing_columns: list[dict] | None = None,
                    unit_files: dict | None = None, folder: Path | None = None,
                    modified_notebooks: list[str] | None = None) -> Path:
    """manifest.json of a finished render: what it was made from (batch runs skip a month whose inputs
    match), the data folder it read (and whether it is the sample), the sections it holds, the settings
    its notebooks overrode, the files it wrote and, under "unit_files", each unit's 扣分明细 workbook,
    and the optional columns none of the month's exports holds with what each leaves empty
    (``missing_columns``: io/coverage.py missing_column_records), the section notebooks whose cells
    differ from the shipped ones (``modified_notebooks``); written in ``folder`` (default: the
    month's; a render writes it in its staging folder, and it moves in last with the rest)."""
    inputs = Fingerprints().inputs(month, workspace, asked)
    return write_manifest(folder or workspace.month_dir(month), month, inputs, seconds, rows,
                          extra={"data": str(workspace.data), "sample": workspace.is_sample,
                                 "notebooks": str(workspace.notebooks), "sections": sections, "overrides": overrides,
                                 "files": files, "unit_files": unit_files or {}, "formats": formats,
                                 "missing_columns": missing_columns or [],
                                 "modified_notebooks": modified_notebooks or []})


def made_from_sample(month_dir: Path) -> bool | None:
    """Whether the month's last render was made from the generated sample, as its manifest.json
    records it; None when the manifest does not say (written before the record, or unreadable)."""
    try:
        recorded = json.loads((Path(month_dir) / "manifest.json").read_text(encoding="utf-8")).get("sample")
    except (OSError, ValueError, AttributeError):
        return None
    return recorded if isinstance(recorded, bool) else None
