"""What the notebooks import (``from hotline_lib import notebook as hb``): the month, the steps each
section takes, the section model, and the chart style. Every definition lives in the package
module named beside it; this module only gathers them for the notebooks."""

from __future__ import annotations

import logging

from hotline_lib.analysis.bulletin import (Month, appendix, appendix_caption, appendix_tables,  # noqa: F401
                                           business_table, city_ranking_figures, city_table, epidemic_table,
                                           excellent_criteria, excellent_units, has_business_orders,
                                           low_satisfaction_chart_rows, low_satisfaction_figures,
                                           low_satisfaction_units, masked_frame, pairs_per_row, shown)
from hotline_lib.analysis.bulletin import load_month as _load_month
from hotline_lib.analysis.display import shown_options, table_html
from hotline_lib.core.i18n import LogFormatter, Message  # noqa: F401
from hotline_lib.core.text import bulletin_title, month_short, sentence  # noqa: F401
from hotline_lib.figures.counts import (APPENDIX_COLUMNS, business_environment, epidemic, overview, ranked,  # noqa: F401
                                        top_categories)
from hotline_lib.render.charts import OTHER_COLOR, OWN_COLOR, ALERT_COLOR, chart_style  # noqa: F401
from hotline_lib.render.orders_table import show_orders  # noqa: F401
from hotline_lib.render.section import Chart, Section  # noqa: F401
from hotline_lib.render.hot_topics import add_hot_topics, turned_off as hot_topics_off  # noqa: F401
from hotline_lib.analysis.topics_text import categories_table, places_table, repeats_table, repeat_units_table  # noqa: F401
from hotline_lib.core.privacy import mask_text  # noqa: F401
from hotline_lib.analysis.deductions import explain  # noqa: F401
from hotline_lib.analysis.scheme import (board_figures, board_rule, boards, excellent_thresholds,  # noqa: F401
                                         full_marks_by_group, group_table, has_boards, no_boards)
from hotline_lib.scoring.score import RANK, SCORE  # noqa: F401
from hotline_lib.scoring.unit_table import UNIT  # noqa: F401


def load_month(month: str, workspace=None, output_dir=None) -> Month:
    """The month every section notebook starts from (computed once per kernel), from the working
    folder ``workspace`` (None: the folder the notebook is in, reading its settings' data folder).
    Warnings, such as a missing case story, are printed; nothing is written unless ``output_dir`` is
    given (``hotline report`` gives it; a notebook run by hand in JupyterLab writes nothing)."""
    handler = logging.StreamHandler()
    handler.setFormatter(LogFormatter())
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    chart_style()
    mask_displays()
    return _load_month(month, workspace, output_dir)


def mask_displays(formatters: dict | None = None) -> None:
    """Every DataFrame and Series a notebook shows is masked (``masked_frame``) before pandas cuts its
    long texts, also when a cell shows one without ``hb.shown``; a DataFrame is shown as ``hb.shown``
    shows it (``table_html``: every column, text left, numbers right, missing cells blank).
    ``formatters``: IPython's display formatters by MIME type (None: the running shell's; nothing
    happens outside IPython)."""
    import pandas as pd

    if formatters is None:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:
            return
        formatters = shell.display_formatter.formatters

    def masked(value):
        return masked_frame(value, shown_rows=max(pd.get_option("display.max_rows") or 0, 60))

    for kind in (pd.DataFrame, pd.Series):
        formatters["text/plain"].for_type(kind, lambda value, printer, cycle: printer.text(repr(masked(value))))
    def html(value):
        return table_html(masked(value), **shown_options(value))

    formatters["text/html"].for_type(pd.DataFrame, html)
