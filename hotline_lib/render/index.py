"""outputs/index.html: every rendered month with its headline figures, self-contained like a bulletin
(the CSS and a subset of the CJK font inline)."""

from __future__ import annotations

import json
from pathlib import Path

from hotline_lib.core.utils import write_text_atomic
from hotline_lib.io.workspace import Workspace


def index_rows(out_dir: Path, district: str) -> list[dict]:
    """Headline figures of every rendered month (newest first), from its figures.json. ``satisfaction``
    is the city's figure for the district in its ranking (CITY_SATISFACTION), as the bulletin prints it."""
    rows = []
    for figures_path in sorted(out_dir.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]/figures.json"), reverse=True):
        month_dir = figures_path.parent
        if not (month_dir / "bulletin.html").exists() or not (month_dir / "manifest.json").exists():
            continue  # never rendered, or an interrupted render (its files may be from different runs)
        try:
            figures = json.loads(figures_path.read_text(encoding="utf-8"))
            overview, city = figures["overview"], figures.get("city_ranking", {})
        except (OSError, ValueError, KeyError, AttributeError):
            continue   # a month that cannot be read is left off the index (its render reports it)
        own = next((r for r in city.get("rows", []) if r.get("district") == district), {})
        rows.append({"month": month_dir.name, "href": f"{month_dir.name}/bulletin.html",
                     "signed": overview["orders_signed"], "completed": overview["orders_completed_incl_carried_over"],
                     "visited": overview["orders_visited"], "satisfaction": own.get("satisfaction", "—"),
                     "rank": city.get("own_score_rank", "—")})
    return rows


def write_index(workspace: Workspace) -> Path:
    """outputs/index.html: one self-contained page listing every rendered month."""
    from hotline_lib.core.config import TEMPLATES_DIR
    from hotline_lib.core.text import CITY_SATISFACTION, DISTRICT_SATISFACTION, html
    from hotline_lib.render.fonts import font_face_css

    css = (TEMPLATES_DIR / "nbconvert" / "bulletin" / "bulletin.css").read_text(encoding="utf-8")
    out_dir, district = workspace.outputs, workspace.settings.district
    page = html("index.html.j2", district=district, rows=index_rows(out_dir, district), css=css,
                city_satisfaction=CITY_SATISFACTION, district_satisfaction=DISTRICT_SATISFACTION)
    # the CJK font subset the page needs, as in a bulletin: it reads where no Chinese font is installed
    page = page.replace("/* @font-face */", font_face_css(page, workspace.cache), 1)
    path = out_dir / "index.html"
    write_text_atomic(path, page)
    return path
