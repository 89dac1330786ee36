"""The sample data's model: how many of each event every unit has in every month.

December 2020 takes the published appendix exactly; other months vary around it (seasonality, the
epidemic of early 2020, one unit that improves and one that declines). Months are linked by
carry-over: assignments signed in one month and completed in the next, visits in the month after
completion. The links around December are solved so that its published counts come out exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hotline_lib.figures.counts import APPENDIX_COLUMNS
from hotline_lib.core.numbers import ratio_percent, to_decimal
from hotline_lib.scoring.unit_table import COMPLETED, SATISFIED, SIGNED, VISITED

MONTHS = [str(p) for p in pd.period_range("2020-01", "2021-06", freq="M")]
REFERENCE_MONTH = "2020-12"
SEASON = {1: 0.85, 2: 1.25, 3: 1.2, 4: 0.95, 5: 0.95, 6: 1.0, 7: 1.1, 8: 1.1, 9: 1.0, 10: 0.95, 11: 1.0, 12: 1.0}
IMPROVING_UNIT = "韭菜园街道办事处"   # late completions fall month by month
DECLINING_UNIT = "马坡岭街道办事处"   # satisfaction falls through 2020


@dataclass
class MonthPlan:
    """Per unit (index), the counts of one month. ``carry_in``: completions in this month of
    assignments signed last month; ``visits_in``: visits this month of last month's completions."""

    counts: pd.DataFrame


def reference_counts(appendix: pd.DataFrame) -> pd.DataFrame:
    """December's counts from the published appendix, and the extension count its rate implies."""
    table = appendix.set_index("部门名称")
    counts = pd.DataFrame(index=table.index)
    for column in [SIGNED, "未按时签收数", "未及时退回数", "退单驳回数", COMPLETED, "未按时办结数", "延期驳回数", "发回重办数",
                   VISITED, SATISFIED]:
        counts[column] = table[column].astype(int)
    counts["extended"] = [_extension_count(to_decimal(rate.rstrip("%")), completed)
                          for rate, completed in zip(table["延期办理率"], counts[COMPLETED])]
    counts["repeat"] = 0
    return counts


def _extension_count(rate, completed: int) -> int:
    """How many extensions give this whole-percent rate of ``completed`` (as the table shows it)."""
    for n in range(completed + 1):
        if ratio_percent(n, completed, step="1", empty=to_decimal(0)) == rate:
            return n
    raise ValueError(f"no count of {completed} gives {rate}%")


def _progress(month: str) -> float:
    """0 in 2020-01, 1 in 2020-12 and after."""
    return min(MONTHS.index(month) / 11, 1.0)


def draft_month(rng: np.random.Generator, reference: pd.DataFrame, month: str) -> pd.DataFrame:
    """Plausible counts for a month other than December, around December's volumes and habits."""
    year, number = int(month[:4]), int(month[5:])
    scale = SEASON[number] * (1.05 if year == 2021 else 1.0)
    base = reference[SIGNED].clip(lower=1) * scale
    counts = pd.DataFrame(index=reference.index)
    counts[SIGNED] = rng.poisson(base)
    counts["未按时签收数"] = rng.binomial(counts[SIGNED], 0.004)
    counts["未及时退回数"] = rng.poisson(0.03 * np.sqrt(base))
    counts["退单驳回数"] = rng.poisson(0.02 * np.sqrt(base))
    counts["repeat"] = rng.binomial(counts[SIGNED], 0.002)
    return counts


def late_completion_rate(unit: str, month: str) -> float:
    if unit == IMPROVING_UNIT:
        return max(0.12 * (1 - _progress(month)), 0.005)
    return 0.003


def unsatisfied_rate(unit: str, month: str) -> float:
    if unit == DECLINING_UNIT:
        return 0.01 + 0.09 * _progress(month) + (0.02 if month > REFERENCE_MONTH else 0)
    return {"行政执法局": 0.03, "市场监督管理局": 0.006}.get(unit, 0.004)


def plan_months(rng: np.random.Generator, appendix: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Counts for every unit and month, with carry-over solved so December matches the appendix."""
    reference = reference_counts(appendix)
    extension_share = (reference["extended"] / reference[COMPLETED].clip(lower=1)).clip(upper=0.4)
    plans = {m: reference.copy() if m == REFERENCE_MONTH else draft_month(rng, reference, m) for m in MONTHS}
    ref_index = MONTHS.index(REFERENCE_MONTH)
    before = MONTHS[ref_index - 1]
    ref = plans[REFERENCE_MONTH]

    # Completion carry-over into and out of December: C = S - carry_out + carry_in.
    carry_in_ref = (ref[COMPLETED] - ref[SIGNED]).clip(lower=0)
    room = ref[COMPLETED] - carry_in_ref
    carry_in_ref = carry_in_ref + np.minimum(rng.binomial(ref[SIGNED], 0.05), room)
    carry_out_ref = carry_in_ref + ref[SIGNED] - ref[COMPLETED]
    plans[before][SIGNED] = np.maximum(plans[before][SIGNED], carry_in_ref + 2)

    carry = {}  # carry[m]: signed in m, completed in the next month
    for month in MONTHS:
        plan = plans[month]
        if month == before:
            carry[month] = carry_in_ref
        elif month == REFERENCE_MONTH:
            carry[month] = carry_out_ref
        else:
            carry[month] = pd.Series(rng.binomial(plan[SIGNED], 0.06), index=plan.index)
    for i, month in enumerate(MONTHS):
        plan = plans[month]
        plan["carry_out"] = carry[month]
        plan["carry_in"] = carry[MONTHS[i - 1]] if i else 0
        if month != REFERENCE_MONTH:
            plan[COMPLETED] = plan[SIGNED] - plan["carry_out"] + plan["carry_in"]

    # Visit carry-over: V = visited_now + visits_in, visits_in <= last month's completions.
    visits_in_ref = (ref[VISITED] - ref[COMPLETED]).clip(lower=0)
    visits_in_ref = visits_in_ref + np.minimum(rng.binomial(ref[VISITED], 0.03), ref[VISITED] - visits_in_ref)
    shortfall = (visits_in_ref - plans[before][COMPLETED]).clip(lower=0)
    plans[before][SIGNED] += shortfall
    plans[before][COMPLETED] += shortfall
    for i, month in enumerate(MONTHS):
        plan = plans[month]
        visits_in = plans[MONTHS[i - 1]]["visits_out"] if i else 0
        if month == before:
            plan["visits_out"] = visits_in_ref
        elif month == REFERENCE_MONTH:
            now = ref[VISITED] - visits_in_ref
            plan["visits_out"] = np.minimum(rng.binomial(ref[COMPLETED], 0.04), ref[COMPLETED] - now)
        elif month == MONTHS[-1]:
            plan["visits_out"] = 0
        else:
            plan["visits_out"] = rng.binomial(plan[COMPLETED], 0.04)
        plan["visits_in"] = visits_in
        if month == REFERENCE_MONTH:
            plan["visited_now"] = ref[VISITED] - visits_in_ref
            continue
        plan["visited_now"] = rng.binomial(plan[COMPLETED] - plan["visits_out"], 0.9)
        plan[VISITED] = plan["visited_now"] + plan["visits_in"]
        unsatisfied = [rng.binomial(v, unsatisfied_rate(u, month)) for u, v in plan[VISITED].items()]
        plan[SATISFIED] = plan[VISITED] - np.array(unsatisfied, dtype=int)
        plan["未按时办结数"] = [rng.binomial(c, late_completion_rate(u, month)) for u, c in plan[COMPLETED].items()]
        plan["extended"] = rng.binomial(plan[COMPLETED], extension_share.to_numpy())
        plan["延期驳回数"] = rng.binomial(plan["extended"], 0.03)
        plan["发回重办数"] = np.minimum(rng.poisson(0.004 * plan[COMPLETED]), plan[COMPLETED])
    _check(plans)
    return plans


def _check(plans: dict[str, pd.DataFrame]) -> None:
    """Every count must be realisable: no negative pools, nothing drawn from an empty pool."""
    for month, plan in plans.items():
        current = plan[SIGNED] - plan["carry_out"]
        problems = {
            "completed from this month's signings": current < 0,
            "visited now": plan["visited_now"] + plan["visits_out"] > plan[COMPLETED],
            "satisfied": plan[SATISFIED] > plan[VISITED],
            "late completions": plan["未按时办结数"] > plan[COMPLETED],
            "extensions": plan["extended"] + plan["延期驳回数"] * 0 > plan[COMPLETED],
            "late signings": plan["未按时签收数"] < 0,
        }
        for what, bad in problems.items():
            if bool(np.any(bad)):
                units = list(plan.index[np.asarray(bad)])[:3]
                raise AssertionError(f"sample plan for {month}: impossible {what} for {units}")


__all__ = ["MONTHS", "REFERENCE_MONTH", "APPENDIX_COLUMNS", "plan_months", "reference_counts"]
