"""What the section notebooks import: one call to get the month's bulletin, and the sections."""

from __future__ import annotations

import logging
from pathlib import Path

from hotline_lib.render import sections  # noqa: F401  (re-exported for the notebooks: hb.sections.overview(b))
from hotline_lib.analysis.bulletin import Bulletin, load_bulletin, write_figures
from hotline_lib.render.charts import use_cjk_font
from hotline_lib.core.config import outputs_dir, sample_dir


def bulletin(month: str, data_dir=None, settings_file=None, units_file=None, rules_file=None, output_dir=None) -> Bulletin:
    """The month's bulletin, computed once per kernel (every section notebook calls this first)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    use_cjk_font()
    as_text = [str(Path(p).resolve()) if p is not None else None for p in (settings_file, units_file, rules_file)]
    return load_bulletin(month, str(Path(data_dir or sample_dir()).resolve()), *as_text,
                         str(Path(output_dir or outputs_dir()).resolve()))


def save_figures(b: Bulletin, output_dir=None) -> Path:
    """figures.json in ``output_dir``/<month>/ (the report moves it into place when all sections succeed)."""
    return write_figures(b, Path(output_dir or outputs_dir()) / b.month / "figures.json")
