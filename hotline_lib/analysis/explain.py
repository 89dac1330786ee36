"""``hotline explain MONTH UNIT``: one unit's month taken apart, from the same functions as the workbook."""

from __future__ import annotations

from hotline_lib.analysis.bulletin import load_month
from hotline_lib.analysis.deductions import UnitExplanation, explain
from hotline_lib.analysis.explore import resolve_unit


def explain_unit(month: str, spelling: str, workspace=None) -> UnitExplanation:
    """The unit (any spelling: name, display name or alias; an unknown one is an error naming the
    closest) in ``month``: each rule, the figure behind it, its points, the orders behind each count
    and what would win points back, from the working folder ``workspace`` (see
    ``Workspace.of``). Writes nothing."""
    m = load_month(month, workspace)
    unit = resolve_unit(m.units, spelling)
    return explain(m.scored, m.deductions, m.rules, unit, month)
