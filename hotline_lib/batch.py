"""Many months at once: parallel renders, a progress bar, skip-unchanged manifests, and an index page.

A month is skipped when everything its bulletin was made from (every export file, its city ranking
and case story, settings, units, rules, notebooks, templates and the package's own code) is unchanged
since its last successful render; ``outputs/<month>/manifest.json`` records what that was.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .config import DEFAULT_RULES, DEFAULT_SETTINGS, DEFAULT_UNITS, NOTEBOOKS_DIR, PACKAGE_DIR, outputs_dir, sample_dir
from .directory import load_settings
from .errors import HotlineError
from .exports import export_files
from .months import months_between  # noqa: F401  (re-exported: the CLI and trends use it from here)
from .privacy import mask_personal
from .reading import file_digest
from .utils import write_text_atomic


@dataclass
class MonthOutcome:
    month: str
    status: str              # rendered | skipped | failed
    seconds: float = 0.0
    reason: str = ""
    log: Path | None = None


@dataclass
class BatchSummary:
    outcomes: list[MonthOutcome] = field(default_factory=list)
    index: Path | None = None
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[MonthOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


class Fingerprints:
    """Content hashes of a render's inputs, each file hashed once per batch."""

    def __init__(self):
        self._digests: dict[Path, str] = {}

    def digest(self, path: Path) -> str:
        path = path.resolve()
        if path not in self._digests:
            self._digests[path] = file_digest(path) if path.exists() else "missing"
        return self._digests[path]

    def inputs(self, month: str, data_dir: Path, settings_file, units_file, rules_file) -> dict[str, str]:
        """Every input of one month's render, by path, with its content hash."""
        settings_path = Path(settings_file or DEFAULT_SETTINGS)
        settings = load_settings(settings_path)
        files = [*export_files(data_dir),
                 data_dir / settings.city_ranking_file.format(month=month), data_dir / settings.case_story_file.format(month=month),
                 settings_path, Path(units_file or DEFAULT_UNITS), Path(rules_file or DEFAULT_RULES),
                 *sorted(NOTEBOOKS_DIR.glob("*.ipynb")),
                 *sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in {".py", ".j2", ".css", ".yaml", ".json"})]
        return {str(p): self.digest(p) for p in files}


def fingerprint(inputs: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def is_current(month_dir: Path, print_: str) -> bool:
    """True when the month's bulletin exists and was made from exactly these inputs."""
    manifest = month_dir / "manifest.json"
    if not (month_dir / "bulletin.html").exists() or not manifest.exists():
        return False
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint") == print_
    except (OSError, ValueError):
        return False


def write_manifest(month_dir: Path, month: str, inputs: dict[str, str], seconds: float, rows: dict | None = None) -> Path:
    """manifest.json, written last by a render: what it was made from and, under "rows", the rows
    read, used and rejected per export file."""
    manifest = {"month": month, "package_version": __version__, "rendered_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "seconds": round(seconds, 2), "fingerprint": fingerprint(inputs), "rows": rows, "inputs": inputs}
    path = month_dir / "manifest.json"
    write_text_atomic(path, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return path


def _render_one(month: str, data_dir: str, out_dir: str, settings_file, units_file, rules_file) -> tuple[str, float, str]:
    """Worker: render one month; never raises (the parent collects the outcome)."""
    from .report import render_month

    started = time.perf_counter()
    try:
        render_month(month, data_dir, out_dir, settings_file, units_file, rules_file)
        return "rendered", time.perf_counter() - started, ""
    except HotlineError as exc:
        return "failed", time.perf_counter() - started, str(exc)
    except Exception as exc:  # an unexpected bug: keep the traceback in the month's log
        return "failed", time.perf_counter() - started, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"


def render_range(months: list[str], data_dir=None, out_dir=None, settings_file=None, units_file=None, rules_file=None,
                 jobs: int = 1, force: bool = False, progress=None) -> BatchSummary:
    """Render every month (in parallel with ``jobs`` processes); one failure does not stop the others.

    ``progress(month, status)`` is called as each month starts ("rendering") and ends.
    """
    from .config import cache_dir
    from .directory import load_units
    from .exports import load_exports

    started = time.perf_counter()
    data_dir = Path(data_dir or sample_dir()).resolve()
    out_dir = Path(out_dir or outputs_dir()).resolve()
    progress = progress or (lambda month, status: None)
    prints = Fingerprints()
    summary = BatchSummary()
    todo: dict[str, dict[str, str]] = {}
    for month in months:
        inputs = prints.inputs(month, data_dir, settings_file, units_file, rules_file)
        if not force and is_current(out_dir / month, fingerprint(inputs)):
            summary.outcomes.append(MonthOutcome(month, "skipped", reason="inputs unchanged since the last render"))
            progress(month, "skipped")
        else:
            todo[month] = inputs
    if todo:
        # Parse every export once here, so that the workers only read the Parquet cache; and import
        # papermill and nbconvert once here, so that the forked workers do not each pay for it.
        load_exports(data_dir, load_units(units_file), cache_dir())
        from . import report  # noqa: F401
        args = (str(data_dir), str(out_dir), settings_file, units_file, rules_file)
        with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {}
            for month in todo:
                futures[pool.submit(_render_one, month, *args)] = month
                progress(month, "rendering")
            for future in as_completed(futures):
                month = futures[future]
                status, seconds, reason = future.result()
                outcome = MonthOutcome(month, status, seconds, reason.splitlines()[0] if reason else "")
                if status != "rendered":  # a successful render wrote its own manifest.json
                    outcome.log = out_dir / month / "render.log"
                    write_text_atomic(outcome.log, mask_personal(reason) + "\n")
                summary.outcomes.append(outcome)
                progress(month, status)
    summary.outcomes.sort(key=lambda o: o.month)
    summary.index = write_index(out_dir, settings_file)
    summary.seconds = time.perf_counter() - started
    return summary


def index_rows(out_dir: Path, district: str) -> list[dict]:
    """Headline figures of every rendered month (newest first), from its figures.json."""
    rows = []
    for figures_path in sorted(out_dir.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/figures.json"), reverse=True):
        month_dir = figures_path.parent
        if not (month_dir / "bulletin.html").exists() or not (month_dir / "manifest.json").exists():
            continue  # never rendered, or an interrupted render (its files may be from different runs)
        figures = json.loads(figures_path.read_text(encoding="utf-8"))
        overview, city = figures["overview"], figures.get("city_ranking", {})
        own = next((r for r in city.get("rows", []) if r.get("district") == district), {})
        rows.append({"month": month_dir.name, "href": f"{month_dir.name}/bulletin.html",
                     "signed": overview["orders_signed"], "completed": overview["orders_completed_incl_carried_over"],
                     "visited": overview["orders_visited"], "satisfaction": own.get("satisfaction", "—"),
                     "rank": city.get("own_score_rank", "—")})
    return rows


def write_index(out_dir: Path, settings_file=None) -> Path:
    """outputs/index.html: one self-contained page listing every rendered month."""
    from .config import TEMPLATES_DIR
    from .text import html

    css = (TEMPLATES_DIR / "nbconvert" / "bulletin" / "bulletin.css").read_text(encoding="utf-8")
    district = load_settings(settings_file).district
    page = html("index.html.j2", district=district, rows=index_rows(out_dir, district), css=css)
    path = out_dir / "index.html"
    write_text_atomic(path, page)
    return path
