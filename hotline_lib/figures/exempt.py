"""Exemptions (核减) counted out: each approved exemption is matched to the assignments it names and
takes their counts out of the unit's appendix counts before its rates are computed.

An exemption that matches nothing (an order not in the exports, or not counted under its rule in the
month) is an error naming the exemptions file and row: an approval that changes nothing is a mistake
someone has to see. Definitions: docs/figures.md, "Exemptions".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hotline_lib.core.errors import HotlineError, InputError
from hotline_lib.core.i18n import N_, Message, names
from hotline_lib.core.utils import check_argument
from hotline_lib.figures.counts import (DETAIL_SOURCES, DETAIL_UNKNOWN, UNIT_COUNT_COLUMNS, VISIT_DETAIL_COLUMNS,
                                        assignment_flags)
from hotline_lib.io.exemptions import COLUMNS, EXEMPTION_RULES
from hotline_lib.scoring.unit_table import SATISFIED, VISITED

#: Why an assignment has nothing to exempt under a rule in month M (completes "order X of UNIT …").
NOT_COUNTED = {
    "未按时签收": N_("was not late in signing in {month} (dispatched in {month} and signed late or never)"),
    "未及时退回": N_("was not returned late in {month}"),
    "退单驳回": N_("had no refused return in {month}"),
    "发回重办": N_("was not sent back for redo among those completed in {month}"),
    "延期驳回": N_("had no rejected extension among those completed in {month}"),
    "未按时办结": N_("was not late in completing in {month}"),
    "回访不满意": N_("had no unsatisfied return visit in {month}"),
}
#: The counts an exemption can lower, in the appendix's order.
EXEMPTED_COLUMNS = [c for c in UNIT_COUNT_COLUMNS if c in set(EXEMPTION_RULES.values())]
APPLIED_COLUMNS = [*COLUMNS, "计数", "核减数"]


def rule_counts(assignments: pd.DataFrame, month: str) -> pd.DataFrame:
    """Per assignment (same index) and exemption rule, how much it counts under the rule in month M:
    0 or 1, the redo count for 发回重办. The appendix's own flags (``assignment_flags``), so an
    exemption can only remove what was counted."""
    flags = assignment_flags(assignments, month)
    counts = {}
    for rule, column in EXEMPTION_RULES.items():
        counted = flags[VISITED] & ~flags[SATISFIED] if rule == "回访不满意" else flags[column]
        counts[rule] = counted.astype("int64")
    return pd.DataFrame(counts, index=assignments.index)


def _where(exemption: dict, column: str | None = None) -> dict:
    path = exemption.get("_file")
    return {"path": None if pd.isna(path) else path, "row": int(exemption["_row"]), "column": column}


def exemption_matches(assignments: pd.DataFrame, month: str, exemptions: pd.DataFrame) -> pd.DataFrame:
    """One row per exemption and assignment it takes out: the exemption's columns, 计数 (the count it
    lowers), 核减数 (how much: 1, or the redo count), ``_position`` (the assignment's position in
    ``assignments``) and ``_exemption`` (the exemption's). Raises InputError at the first exemption that matches nothing."""
    exemptions = _with_rows(exemptions)
    if exemptions.empty:
        return pd.DataFrame({c: pd.Series([], dtype="string") for c in [*COLUMNS, "计数"]}).assign(
            核减数=pd.Series([], dtype="int64"), **{c: pd.Series([], dtype="int64") for c in ["_position", "_row", "_exemption"]})
    for exemption in exemptions.to_dict("records"):  # read_exemptions checked these; a frame made by hand may not be
        try:
            check_argument("规则", EXEMPTION_RULES, exemption["规则"])
        except HotlineError as exc:
            raise InputError(exc.message, **_where(exemption, "规则")) from None
    counted = rule_counts(assignments, month)
    keys = pd.DataFrame({"工单编号": assignments["order_id"].astype("string").to_numpy(),
                         "部门名称": assignments["unit"].astype("string").to_numpy(),
                         "_position": np.arange(len(assignments))})
    pairs = exemptions.astype({"工单编号": "string", "部门名称": "string"}).merge(keys, on=["工单编号", "部门名称"], how="left")
    found = pairs["_position"].notna()
    rules = pairs["规则"].map({rule: i for i, rule in enumerate(counted.columns)})
    values = np.zeros(len(pairs), dtype="int64")
    values[found.to_numpy()] = counted.to_numpy()[pairs.loc[found, "_position"].astype("int64"), rules[found].astype("int64")]
    pairs["核减数"] = values
    total = pairs.groupby("_exemption")["核减数"].sum()
    for exemption in exemptions[exemptions["_exemption"].map(total) == 0].to_dict("records"):
        raise _nothing_to_exempt(exemption, assignments, month)
    pairs = pairs[pairs["核减数"] > 0].astype({"_position": "int64"})
    pairs["计数"] = pairs["规则"].map(EXEMPTION_RULES).astype("string")
    return pairs.reset_index(drop=True)


def _with_rows(exemptions: pd.DataFrame) -> pd.DataFrame:
    """The exemptions with ``_row`` (spreadsheet rows below one header row when a hand-made frame has
    none) and ``_exemption`` (each row's position)."""
    exemptions = exemptions.reset_index(drop=True)
    if "_row" not in exemptions.columns:
        exemptions = exemptions.assign(_row=np.arange(len(exemptions)) + 2)
    if "_file" not in exemptions.columns:
        exemptions = exemptions.assign(_file=None)
    return exemptions.assign(_exemption=np.arange(len(exemptions)))


def _nothing_to_exempt(exemption: dict, assignments: pd.DataFrame, month: str) -> InputError:
    order, unit = exemption["工单编号"], exemption["部门名称"]
    of_order = assignments.loc[assignments["order_id"] == order, "unit"]
    if of_order.empty:
        return InputError("order {order} is not in the exports: nothing to exempt", order=order, **_where(exemption, "工单编号"))
    if not (of_order == unit).any():
        others = names(sorted(set(of_order.astype(str))))
        return InputError("order {order} was never assigned to {unit} (only to {others}): nothing to exempt",
                          order=order, unit=unit, others=others, **_where(exemption, "部门名称"))
    reason = Message(NOT_COUNTED[exemption["规则"]], month=month)
    return InputError("order {order} of {unit} {reason}: nothing to exempt", order=order, unit=unit, reason=reason,
                      **_where(exemption))


def applied_exemptions(assignments: pd.DataFrame, month: str, exemptions: pd.DataFrame) -> pd.DataFrame:
    """The exemptions as applied: each row of the file with 计数 (the appendix count it lowers) and
    核减数 (by how much: the assignments it matched, their redo counts for 发回重办)."""
    matches = exemption_matches(assignments, month, exemptions)
    if matches.empty:
        return matches[[*COLUMNS, "计数", "核减数"]]
    applied = (matches.groupby("_exemption", sort=False).agg(**{c: (c, "first") for c in [*COLUMNS, "计数"]},
                                                      核减数=("核减数", "sum"))
               .reset_index(drop=True))
    return applied.astype({"核减数": "int64"})[APPLIED_COLUMNS]


def exempted_by_unit(applied: pd.DataFrame) -> pd.DataFrame:
    """Per unit (index) and count column, how much the applied exemptions take out (zeros elsewhere)."""
    if applied.empty:
        return pd.DataFrame(0, index=pd.Index([], dtype="string", name="unit"), columns=EXEMPTED_COLUMNS, dtype="int64")
    table = applied.pivot_table(index="部门名称", columns="计数", values="核减数", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=EXEMPTED_COLUMNS, fill_value=0).astype("int64")
    table.index = table.index.astype(str).rename("unit")
    table.columns.name = None
    return table


#: What an exempted visit also takes out: it is no visit of the month any more, so neither one contacted,
#: resolved or 基本满意, nor one whose cell is blank.
VISIT_DETAIL_COUNTS = [*VISIT_DETAIL_COLUMNS, *(DETAIL_UNKNOWN[f] for f in DETAIL_SOURCES)]


def exempted_visit_details(assignments: pd.DataFrame, month: str, exemptions: pd.DataFrame) -> pd.DataFrame:
    """Per unit (index), the visit details (``VISIT_DETAIL_COUNTS``) of the visits exempted under 回访不满意:
    taken out with the visit, so that 已联系数 never counts a visit 回访工单总数 no longer does."""
    matches = exemption_matches(assignments, month, exemptions)
    visits = matches[matches["规则"] == "回访不满意"]
    if visits.empty:
        return pd.DataFrame(0, index=pd.Index([], dtype="string", name="unit"), columns=VISIT_DETAIL_COUNTS, dtype="int64")
    flags = assignment_flags(assignments.iloc[visits["_position"].to_numpy()], month)
    table = flags.groupby("unit", observed=True)[VISIT_DETAIL_COUNTS].sum().astype("int64")
    table.index = table.index.astype(str).rename("unit")
    return table


def exempted_counts(assignments: pd.DataFrame, month: str, exemptions: pd.DataFrame) -> pd.DataFrame:
    """Per unit (index) and count column (未按时签收数 … 回访工单总数), how many counted assignments (redos
    for 发回重办数) the exemptions take out in month M. Raises InputError for an exemption that matches
    nothing."""
    return exempted_by_unit(applied_exemptions(assignments, month, exemptions))


def subtract_exempted(counts: pd.DataFrame, exempted: pd.DataFrame) -> pd.DataFrame:
    """Per-unit counts (``unit_counts``) less what the exemptions take out, before any rate is computed."""
    if exempted.empty:
        return counts
    taken = exempted.reindex(index=counts.index, columns=counts.columns, fill_value=0)
    if len(exempted.index.difference(counts.index)):
        raise HotlineError("internal error, please report it: exemptions for units without counts: {units}",
                           units=names(exempted.index.difference(counts.index)))
    result = (counts - taken).astype("int64")
    if (result < 0).any().any():
        raise HotlineError("internal error, please report it: an exemption took a count below zero")
    return result
