"""Two chosen months side by side (notebooks/explore/compare.ipynb), and the line that opens a unit's or
a category's detail from the trends page.

A unit's figures are its rows of ``trends.unit_month_table`` (the bulletin's, after exemptions: never
recomputed); a category's are counted and ranked as the bulletin's 突出问题 (``signed_categories`` and
``ranked`` of figures/counts.py). Rates change in 百分点 (99.20% → 99.10% is "-0.10个百分点"), counts in
件 and in % of the first month.
"""

from __future__ import annotations

import shlex
from decimal import Decimal

import pandas as pd

from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import Message, names
from hotline_lib.core.numbers import format_percent, format_score, ratio_percent, round_half_up
from hotline_lib.core.privacy import mask_personal
from hotline_lib.core.utils import closest_matches
from hotline_lib.figures.counts import APPENDIX_COLUMNS, in_month, ranked, signed_categories
from hotline_lib.scoring.score import RANK, SCORE
from hotline_lib.scoring.unit_table import RATE_COLUMNS, UNIT

CHANGE = "变化"
CATEGORY_ORDERS, CATEGORY_SHARE, CATEGORY_RANK = "签收工单", "占当月工单比例", "排名"
NONE = "—"


def points_change(a, b) -> str:
    """Difference of two rates in 百分点: 99.20 → 99.10 is "-0.10个百分点"."""
    difference = round_half_up(Decimal(str(b)) - Decimal(str(a)), "0.01")
    return f"{difference:+.2f}个百分点" if difference else "0.00个百分点"


def count_change(a: int, b: int) -> str:
    """Difference of two counts in 件 and in % of the first: 40 → 44 is "+4件（+10.00%）"; no % from 0."""
    difference = int(b) - int(a)
    sign = f"{difference:+d}" if difference else "0"
    if int(a) == 0:
        return f"{sign}件"
    percent = ratio_percent(difference, int(a))
    return f"{sign}件（{percent:+.2f}%）" if difference else "0件（0.00%）"


def score_change(a, b) -> str:
    """Difference of two 总分 in 分, one decimal: 70 → 59.6 is "-10.4分"."""
    difference = round_half_up(Decimal(str(b)) - Decimal(str(a)), "0.1")
    return f"{difference:+.1f}分" if difference else "0.0分"


def rank_change(a, b) -> str:
    """A rank's move: from 3rd to 1st is "上升2位"; none when either month has no rank."""
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return NONE
    moved = int(a) - int(b)
    return f"上升{moved}位" if moved > 0 else f"下降{-moved}位" if moved < 0 else "持平"


def _unit_row(unit_months: pd.DataFrame, unit: str, month: str) -> pd.Series:
    rows = unit_months[(unit_months[UNIT] == unit) & (unit_months["month"] == month)]
    if rows.empty:
        raise InputError("no figures for unit {unit!r} in {month}", unit=unit, month=month)
    return rows.iloc[0]


def compare_unit(unit_months: pd.DataFrame, unit: str, month_a: str, month_b: str) -> pd.DataFrame:
    """Rows: the appendix figures, 总分 and 排名 of one unit; columns: month_a, month_b (as the bulletin
    prints them) and 变化 (件 and %, 百分点, 分, 位)."""
    a, b = _unit_row(unit_months, unit, month_a), _unit_row(unit_months, unit, month_b)
    rows = {}
    for column in APPENDIX_COLUMNS:
        if column in RATE_COLUMNS:
            rows[column] = [format_percent(a[column]), format_percent(b[column]), points_change(a[column], b[column])]
        else:
            rows[column] = [str(int(a[column])), str(int(b[column])), count_change(a[column], b[column])]
    rows[SCORE] = [format_score(a[SCORE]), format_score(b[SCORE]), score_change(a[SCORE], b[SCORE])]
    rows[RANK] = [str(int(a[RANK])), str(int(b[RANK])), rank_change(a[RANK], b[RANK])]
    return pd.DataFrame.from_dict(rows, orient="index", columns=[month_a, month_b, CHANGE]).rename_axis("指标")


def category_month(orders: pd.DataFrame, category: str, month: str) -> dict:
    """One category in M: orders signed, share of the month's orders (%), and rank among the month's
    categories as the bulletin ranks its 突出问题 (None when it had no order)."""
    table = ranked(signed_categories(orders, month))
    total = int(in_month(orders["signed_at"], month).sum())
    found = table.index[table["value"] == category]
    count = int(table.loc[found[0], "count"]) if len(found) else 0
    return {"orders": count, "share": ratio_percent(count, total, empty=Decimal(0)),
            "rank": int(found[0]) + 1 if len(found) else None}


def _check_category(orders: pd.DataFrame, category: str, months: list[str]) -> None:
    known = orders.loc[in_month(orders["signed_at"], months[0]) | in_month(orders["signed_at"], months[1]), "category"]
    known = known.dropna().astype(str).unique().tolist()
    if category not in known:
        close = closest_matches(category, known)
        hint = (Message("closest: {units}", units=names(map(mask_personal, close))) if close
                else Message("no category there is named like it"))
        raise InputError("no order signed in {months} has the category {category!r}; {hint}",
                         months=" / ".join(months), category=mask_personal(str(category)), hint=hint)


def _rank_text(rank: int | None) -> str:
    return NONE if rank is None else str(rank)


def compare_category(orders: pd.DataFrame, category: str, month_a: str, month_b: str) -> pd.DataFrame:
    """Rows: orders signed, share of the month's orders, rank among categories; columns: month_a,
    month_b and 变化. A category no order of either month has is an error naming the closest."""
    _check_category(orders, category, [month_a, month_b])
    a, b = category_month(orders, category, month_a), category_month(orders, category, month_b)
    rows = {CATEGORY_ORDERS: [str(a["orders"]), str(b["orders"]), count_change(a["orders"], b["orders"])],
            CATEGORY_SHARE: [format_percent(a["share"]), format_percent(b["share"]), points_change(a["share"], b["share"])],
            CATEGORY_RANK: [_rank_text(a["rank"]), _rank_text(b["rank"]), rank_change(a["rank"], b["rank"])]}
    return pd.DataFrame.from_dict(rows, orient="index", columns=[month_a, month_b, CHANGE]).rename_axis("指标")


# From the trends page to the detail ---------------------------------------------------------------

def detail_command(notebook: str, **parameters) -> str:
    """The papermill command that runs ``notebooks/explore/<notebook>.ipynb`` with these parameters
    (None left out), its output beside it in outputs/; shell-quoted, to paste into a terminal."""
    words = ["papermill", f"notebooks/explore/{notebook}.ipynb", f"outputs/{notebook}.ipynb"]
    for name, value in parameters.items():
        if value is not None:
            words += ["-p", name, str(value)]
    return shlex.join(words)


def unit_detail(unit: str, month_a: str, month_b: str) -> str:
    """What an analyst runs to see why a unit moved between two months: the comparison of the two
    months, and the unit's month-by-month portrait over the range."""
    return "\n".join([f"# {unit}：{month_a} 与 {month_b} 对比；逐月画像",
                      detail_command("compare", unit=unit, month_a=month_a, month_b=month_b),
                      detail_command("unit", unit=unit, from_month=month_a, to_month=month_b)])


def category_detail(category: str, month_a: str, month_b: str) -> str:
    """What an analyst runs to see a category's change between two months and its orders of the later one."""
    return "\n".join([f"# {category}：{month_a} 与 {month_b} 对比；{month_b} 的工单",
                      detail_command("compare", category=category, month_a=month_a, month_b=month_b),
                      detail_command("orders", month=month_b, category=category)])
