"""What one month's bulletin is made from, and the steps its sections take.

``load_month`` gathers the month once (aggregates and the scored unit table as DataFrames, the city's
ranking, the case story); the functions below are the definitions the section notebooks call, one
step each (the units under the threshold, the excellent units, the city's ranks, the appendix as
printed). Notebooks show and record; they never re-implement these.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from functools import lru_cache
from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import Message, N_, names
from hotline_lib.core.numbers import format_percent, format_score, rate_reader, to_decimal
from hotline_lib.analysis.display import is_missing, showing
from hotline_lib.analysis.deductions import Deductions, month_deductions, workbook_title, write_deduction_workbooks
from hotline_lib.core.privacy import mask_personal
from hotline_lib.core.text import month_short, rank_label, sentence
from hotline_lib.figures.counts import MonthAggregates
from hotline_lib.figures.month import MonthFigures, compute_month
from hotline_lib.io.directory import Settings, UnitDirectory
from hotline_lib.io.reading import read_sheets
from hotline_lib.io.workspace import Workspace
from hotline_lib.scoring.rules import Rules
from hotline_lib.scoring.workspace_rules import workspace_rules
from hotline_lib.analysis.scheme import appendix_groups, criteria_scores, printed_cells, score_month
from hotline_lib.scoring.score import SCORE, competition_rank
from hotline_lib.scoring.table import RATED
from hotline_lib.scoring.unit_table import RATE_COLUMNS, SATISFIED, SIGNED, UNIT, VISITED

#: Why a section is left out of a month (``Month.missing``): its optional input is not in the data folder.
MISSING_INPUTS = {"city_ranking": N_("no city ranking for this month ({path})"),
                  "case_story": N_("no case story for this month ({path})")}


@dataclass
class Month:
    """One month as the section notebooks start from it."""

    month: str
    settings: Settings
    units: UnitDirectory
    rules: Rules
    aggregates: MonthAggregates   # channels, categories, business, epidemic counts (DataFrames)
    scored: pd.DataFrame          # the appendix, scored, in published order
    city: pd.DataFrame | None     # the city's ranking of districts, or None when not supplied
    case_story: str | None
    figures: MonthFigures         # the unit table, district figures, exports and row accounting
    optional_inputs: dict[str, Path] = field(default_factory=dict)   # city_ranking, case_story: their files
    workspace: Workspace | None = None   # where it was read from (热点诉求 reads the words through it)

    @property
    def title(self) -> str:
        return self.settings.bulletin_title(self.month)

    def orders(self) -> pd.DataFrame:
        """Every order of the exports (all months): citizens' text included, keep it in the notebook."""
        return self.figures.exports.orders

    def assignments(self) -> pd.DataFrame:
        """Every assignment (派单) of the exports (all months)."""
        return self.figures.exports.assignments

    def missing(self, section: str) -> Message:
        """Why section ``section`` (city_ranking, case_story) is left out: its input file, named."""
        return Message(MISSING_INPUTS[section], path=self.optional_inputs.get(section, ""))

    @cached_property
    def topics(self):
        """热点诉求 (analysis/topics_month.py): each top category's sub-issues, places, repeat demands and
        rising terms, from the month's words (segmented once per export file, kept in the cache)."""
        from hotline_lib.analysis.topics_month import load_topics

        return load_topics(self.month, self.workspace, self.figures.exports)

    @cached_property
    def deductions(self) -> Deductions:
        """Why each unit lost each point: 汇总, 明细 (the assignments behind each count), 挽回, 核减."""
        return month_deductions(self.scored, self.assignments(), self.month, self.rules, self.figures.exemptions)

    def __repr__(self) -> str:
        return (f"<Month {self.month} {self.settings.district}: {len(self.scored)} units, "
                f"city ranking {'yes' if self.city is not None else 'no'}, case story {'yes' if self.case_story else 'no'}>")


def read_city_ranking(path: Path, own_district: str) -> pd.DataFrame:
    """区, 月工单总数, 满意度, 总分 from the city; ranked by 总分 (own district first among equals)."""
    sheets = read_sheets(path, {"区", "单位"}, label="区")
    cells = sheets[0].cells.rename(columns={"单位": "区", "单 位": "区"})
    missing = [c for c in ["区", "月工单总数", "满意度", "总分"] if c not in cells.columns]
    if missing:
        raise InputError("missing columns: {columns}", path=path, columns=names(missing))
    rows = []
    satisfaction = rate_reader(cells["满意度"])   # 0.991 (an Excel percentage cell) is 99.10%, as in the unit table
    for record in cells.to_dict("records"):
        where = {"path": path, "row": int(record["_row"])}
        try:
            rate = satisfaction(record["满意度"])
        except ValueError as exc:
            raise InputError(exc.args[0], column="满意度", **where) from None
        try:
            # the district's name is shown in a chart too, where no template masks it
            rows.append({"district": mask_personal(str(record["区"]).strip()), "orders": int(to_decimal(record["月工单总数"])),
                         "satisfaction": rate, "score": to_decimal(record["总分"])})
        except ValueError as exc:
            raise InputError("{reason} (columns 月工单总数, 满意度 and 总分 hold numbers)", reason=exc.args[0], **where) from None
    table = pd.DataFrame(rows)
    if own_district not in set(table["district"]):
        raise InputError("the city's ranking does not list {district}", path=path, district=own_district)
    table["own"] = table["district"] == own_district
    table = table.sort_values(["score", "own"], ascending=[False, False], kind="stable").reset_index(drop=True)
    table["rank"] = competition_rank(table["score"].astype(float))
    return table


def city_ranking_figures(city: pd.DataFrame, settings: Settings, month: str) -> dict:
    own = city[city["own"]].iloc[0]
    satisfaction_rank = int(1 + (city["satisfaction"] > own["satisfaction"]).sum())
    score_rank = int(own["rank"])
    return {
        "rows": [{"district": r.district, "orders": int(r.orders), "satisfaction": format_percent(r.satisfaction),
                  "score": float(r.score), "rank": int(r.rank)} for r in city.itertuples()],
        "own_satisfaction_rank": satisfaction_rank,
        "own_score_rank": score_rank,
        "sentence": sentence("city_ranking", month_short(month), settings.peer_group_name,
                             rank_label(satisfaction_rank), rank_label(score_rank)),
    }


def city_table(city: pd.DataFrame) -> pd.DataFrame:
    """The city's ranking as the bulletin's table shows it."""
    return pd.DataFrame({"单 位": city["district"], "月工单总数": city["orders"].astype(int),
                         "满意度": city["satisfaction"].map(format_percent), "总分": city["score"].map(lambda s: f"{float(s):g}"),
                         "排名": city["rank"].astype(int)}).reset_index(drop=True)


def excellent_units(scored: pd.DataFrame, score, satisfaction, min_signed: int, excluded: list[str]) -> pd.DataFrame:
    """完成度较好单位: 总分 and 回访满意度 at least the thresholds, at least ``min_signed`` orders
    signed, ranked (not 不参评), and not one of the units never praised (the issuing office); in
    published order. ``score``: one threshold, or group -> its own (``excellent_thresholds``)."""
    thresholds = scored["类别"].map(score) if isinstance(score, dict) else pd.Series(to_decimal(score), index=scored.index)
    ranked = scored[RATED].fillna(False).astype(bool) if RATED in scored.columns else True
    chosen = scored[(scored[SCORE] >= thresholds) & (scored["回访满意度"] >= to_decimal(satisfaction))
                    & (scored[SIGNED] >= min_signed) & ~scored[UNIT].isin(excluded) & ranked]
    return chosen[["类别", UNIT, SIGNED, "回访满意度", SCORE]].reset_index(drop=True)


def excellent_criteria(score, satisfaction, min_signed: int, full_marks, groups: list[str] | None = None) -> str:
    """总分70分满分、满意度100%、工单签收数30件以上: "满分" only when the score threshold is the rules'
    full marks (``full_marks``); a lower threshold reads 总分不低于65分. ``score`` and ``full_marks``
    may be group -> value (``excellent_thresholds``, ``full_marks_by_group``): groups of one threshold
    are said once, others each with their names (县150分满分、区和市直部门100分满分); ``groups``: the
    groups said (those with units this month; default: all)."""
    if not isinstance(score, dict):
        return sentence("excellent_criteria", format_score(to_decimal(score)), format_score(to_decimal(full_marks)),
                        format_score(to_decimal(satisfaction)), min_signed)
    parts = criteria_scores(score, full_marks, groups if groups is not None else list(score))
    said = [("" if len(parts) == 1 else "和".join(names), format_score(threshold), format_score(full))
            for names, threshold, full in parts]
    return sentence("excellent_criteria_groups", said, format_score(to_decimal(satisfaction)), min_signed)


def low_satisfaction_units(scored: pd.DataFrame, threshold) -> pd.DataFrame:
    """满意度偏低单位: 回访满意度 below ``threshold`` (%), lowest rate first (ties by name), streets
    and departments together, with the columns the bulletin's table shows."""
    below = scored[scored["回访满意度"] < to_decimal(threshold)]
    below = below.assign(_rate=below["回访满意度"].astype(float)).sort_values(["_rate", UNIT], kind="stable")
    return pd.DataFrame({"单 位": below[UNIT], "签收工单数": below[SIGNED].astype(int), "回访工单数": below[VISITED].astype(int),
                         "不满意工单数": (below[VISITED] - below[SATISFIED]).astype(int),
                         "回访满意率": below["回访满意度"]}).reset_index(drop=True)


def low_satisfaction_figures(low: pd.DataFrame, threshold) -> dict:
    """figures.json's low_satisfaction_units from the table of ``low_satisfaction_units``."""
    return {"threshold": f"{format_score(to_decimal(threshold))}%",
            "rows": [{"unit": r["单 位"], "signed": int(r["签收工单数"]), "visited": int(r["回访工单数"]),
                      "unsatisfied": int(r["不满意工单数"]), "satisfaction": format_percent(r["回访满意率"])}
                     for _, r in low.iterrows()]}


def low_satisfaction_chart_rows(low: pd.DataFrame) -> pd.DataFrame:
    """The units of the chart under （二）: exactly those of its table (below the threshold), lowest
    first, with the rate as a float to plot; the chart's title says the same threshold as the heading."""
    return low.assign(rate=low["回访满意率"].astype(float))[["单 位", "rate"]]


def masked_frame(frame: pd.DataFrame | pd.Series, shown_rows: int | None = None) -> pd.DataFrame | pd.Series:
    """``frame`` with personal numbers masked in every text cell, column name and index label: done
    before pandas shows it, since pandas cuts a long text (display.max_colwidth) and a number cut to
    "13812345..." is no longer recognised by the mask of the notebook's outputs. ``shown_rows``: of a
    longer frame, only the first and last that many rows are masked (all pandas shows of it), so that
    showing 60 000 orders stays quick."""
    is_frame = isinstance(frame, pd.DataFrame)
    renamed = frame.rename(index=mask_personal, columns=mask_personal) if is_frame \
        else frame.rename(index=mask_personal).rename(mask_personal(frame.name))
    table = renamed.copy() if is_frame else renamed.to_frame()
    count = len(table)
    rows = None if shown_rows is None or count <= 2 * shown_rows else [*range(shown_rows), *range(count - shown_rows, count)]
    for i in range(table.shape[1]):
        column = table.iloc[:, i]
        if not (pd.api.types.is_string_dtype(column.dtype) or isinstance(column.dtype, pd.CategoricalDtype)):
            continue   # numbers, times and flags hold no text
        if rows is None:
            table.isetitem(i, column.map(mask_personal))
        else:
            values = column.astype(object)
            values.iloc[rows] = values.iloc[rows].map(mask_personal)
            table.isetitem(i, values)
    return table if is_frame else table.iloc[:, 0].rename(renamed.name)


def shown(frame: pd.DataFrame, empty: str | None = None, missing: str = "", caption: str = "") -> pd.DataFrame:
    """A table as the bulletin prints it: every text masked first (``masked_frame``), rates "99.10%",
    scores 69.9 / 70, counts as whole numbers. The notebooks display their tables through it: the
    frame returned (what ``section.table`` takes) is shown as ``display.table_html`` (every column, no
    0-based index, missing cells as ``missing``, an empty table as the sentence ``empty``, ``caption``
    above it)."""
    if isinstance(frame, pd.Series):
        return masked_frame(frame)
    shown_frame = masked_frame(frame)
    for column in shown_frame.columns:
        if column in RATE_COLUMNS or column in ("回访满意率", "满意度"):
            shown_frame[column] = shown_frame[column].map(_unless_text(format_percent))
        elif column == SCORE:
            shown_frame[column] = shown_frame[column].map(_unless_text(format_score))
    return showing(shown_frame, empty=empty, missing=missing, caption=caption)


def _unless_text(number_format):
    """``number_format`` for a number; a text (already as printed) or a missing value stays as it is,
    so that a table shown once can be shown again and a month without a rate shows a blank."""
    def formatted(value):
        return value if isinstance(value, str) or is_missing(value) else number_format(value)
    return formatted


def appendix_tables(scored: pd.DataFrame, columns: list[str]) -> dict[str, pd.DataFrame]:
    """The appendix: one table per 类别 (街道, 区直部门) in published order, cells as printed."""
    return {kind: shown(scored.loc[scored["类别"] == kind, columns]).reset_index(drop=True)
            for kind in scored["类别"].drop_duplicates()}


def appendix_caption(index: int, kind: str, month: str, full_marks=None) -> str:
    """一、街道（2020年12月) — the published caption, its unbalanced bracket included; a group with its
    ``full_marks`` (any scheme but 芙蓉区's kind): 一、市直部门（满分100分）（2020年12月)."""
    from hotline_lib.core.numbers import chinese_number

    full = f"（满分{format_score(to_decimal(full_marks))}分）" if full_marks is not None else ""
    return f"{chinese_number(index + 1)}、{kind}{full}（{month[:4]}年{int(month[5:])}月)"


def appendix(scored: pd.DataFrame, rules: Rules) -> list[tuple[str, object, pd.DataFrame]]:
    """The appendix as printed: (group or 类别, its full marks or None, the table's cells as printed),
    one per group of the rules (芙蓉区's kind: per 类别, the published columns), in published order."""
    return [(table.group, table.full_marks, shown(printed_cells(table.rows, rules)).reset_index(drop=True))
            for table in appendix_groups(scored, rules)]


def pairs_per_row(frame: pd.DataFrame) -> pd.DataFrame:
    """A two-column table laid out two entries per row, as the bulletin prints its top categories."""
    rows = []
    records = frame.itertuples(index=False)
    for first in records:
        second = next(records, None)
        rows.append([*first, *(second if second is not None else [""] * len(frame.columns))])
    return pd.DataFrame(rows, columns=[*frame.columns, *frame.columns])


def business_table(business: dict, units: UnitDirectory) -> pd.DataFrame:
    """营商环境、行政效能类: 投诉 and 表扬, each with its total and the units involved (display names)."""
    rows = []
    for key, kind in [("complaints", "投诉"), ("praise", "表扬")]:
        entry = business[key]
        by_unit = [(units.display(u), n) for u, n in entry["by_unit"].items()]
        rows.append({"类型": kind, "工单数量": entry["total"], "涉及部门": sentence("units_with_counts", by_unit) if by_unit else "—"})
    return pd.DataFrame(rows)


def has_business_orders(business: dict) -> bool:
    """Whether any 营商环境、行政效能类 order was signed: without one the bulletin says so in a
    sentence instead of a table of zeros."""
    return any(entry["total"] for entry in business.values())


def epidemic_table(top_categories: list[dict]) -> pd.DataFrame:
    """The epidemic orders' top categories as the bulletin lays them out: one row per measure."""
    return pd.DataFrame([["案件类型", *[c["category"] for c in top_categories]],
                         ["数量", *[str(c["orders"]) for c in top_categories]],
                         ["占比", *[c["share"] for c in top_categories]]])


def read_case_story(path: Path) -> str | None:
    """The month's case story (Markdown), personal numbers masked; None when there is none (the
    section notebook leaves the section out, and the report warns once)."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8").strip()
    return mask_personal(text) or None




@lru_cache(maxsize=8)
def _load_month(month: str, workspace: Workspace, output_dir: str | None, stamp: tuple) -> Month:
    figures = compute_month(month, workspace, output_dir)
    settings = figures.settings
    rules = workspace_rules(workspace)
    scored = score_month(figures.unit_table, rules)
    city_path = workspace.city_ranking(month)
    city = read_city_ranking(city_path, settings.district) if city_path.exists() else None
    story = read_case_story(workspace.case_story(month))
    loaded = Month(month, settings, figures.units, rules, figures.aggregates, scored, city, story, figures,
                   {"city_ranking": city_path, "case_story": workspace.case_story(month)}, workspace)
    if output_dir is not None and _workbooks["here"]:   # hotline report: beside rejects.csv, moved into place with it
        write_month_workbooks(loaded, output_dir)
    return loaded


#: Whether ``load_month(..., output_dir)`` writes the 扣分明细 workbooks itself: a month rendered alone
#: has them written by a process of its own beside the kernel (render/month.py), and tells the kernel
#: so before the month (``write_workbooks_here``, from the stitched notebook's first cell).
_workbooks = {"here": True}


def write_workbooks_here(here: bool) -> None:
    _workbooks["here"] = here


def write_month_workbooks(month: Month, output_dir: str | Path) -> None:
    """The month's 扣分明细 workbooks in ``output_dir``/<month>/ (what ``load_month`` with an output
    folder writes; also called alone, beside the kernel, by a render of one month)."""
    write_deduction_workbooks(month.deductions, month.rules, Path(output_dir) / month.month,
                              title=workbook_title(month.settings.district, month.month, month.rules))


def load_month(month: str, workspace: Workspace | dict | str | Path | None = None, output_dir=None) -> Month:
    """The month's aggregates, scored unit table, city ranking and case story, computed once per
    process while its inputs stay the same (the section notebooks share one kernel; an analyst who
    edits an export, the exemptions or the settings and runs a cell again gets the new month).
    ``workspace``: the working folder (None: the one the notebook is in, reading its settings' data
    folder; a path: a data folder read with that folder's settings; see ``Workspace.of``).
    rejects.csv, duplicates.csv, accounting.json and the 扣分明细 workbooks are written only when
    ``output_dir`` is given."""
    workspace = replace(Workspace.of(workspace))   # a fresh copy: settings and units read again, not remembered
    output = str(Path(output_dir).resolve()) if output_dir is not None else None
    return _load_month(month, workspace, output, workspace.input_stamp())


def clear_month_cache() -> None:
    """Forget every loaded month: a batch kernel starts each month without the ones before it."""
    _load_month.cache_clear()
