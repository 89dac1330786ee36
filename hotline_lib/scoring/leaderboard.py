"""The scored leaderboard as users receive it: a CSV beside their input, the --check comparison, and
the workbook of why each point was lost (--workbook)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import RulesError
from hotline_lib.core.i18n import Joined
from hotline_lib.core.numbers import format_score
from hotline_lib.core.spreadsheet import defuse_formulas
from hotline_lib.core.utils import atomic_path
from hotline_lib.io.headers import Columns
from hotline_lib.io.workbook import write_workbook
from hotline_lib.scoring.breakdown import breakdown_sheets, workbook_kinds
from hotline_lib.scoring.rule_errors import check_group_units
from hotline_lib.scoring.rules import load_rules
from hotline_lib.scoring.score import RANK, SCORE, compare_with_published, deduction_column, published_order, score_units
from hotline_lib.scoring.manual import read_manual
from hotline_lib.scoring.rules_input import read_rules_table
from hotline_lib.scoring.table import BLACK, GRADE, RATED, RED, item_columns, score_table
from hotline_lib.scoring.unit_table import PUBLISHED_RANK, PUBLISHED_SCORE, UNIT, read_unit_table


@dataclass
class Leaderboard:
    """``table``: every input column as text, then one column per deduction, 总分 and 排名."""

    table: pd.DataFrame
    mismatches: list[str] | None  # None unless checked against published scores
    units: int
    #: the 合计 rows of the table, left out: one located line each (file, row: why)
    left_out: list[str] = field(default_factory=list)


def score_file(path: str | Path, rules_path: str | Path | None = None, check: bool = False,
               columns: Columns | None = None) -> Leaderboard:
    """Score a per-unit statistics table; with ``check``, compare with its published 总分 and 排名.
    ``columns``: the header spellings (a working folder's data/columns.yaml; default: the package's)."""
    rules = load_rules(rules_path)
    unit_table = read_unit_table(path, rules, require_published=check, columns=columns)
    scored = published_order(score_units(unit_table.values, rules), rules)
    original = unit_table.original.rename(columns={SCORE: f"公布{PUBLISHED_SCORE}", RANK: f"公布{PUBLISHED_RANK}"})
    original.index = unit_table.values.index
    output = original.loc[scored.index].copy()
    for label in rules.deductions:
        output[deduction_column(label)] = scored[deduction_column(label)].map(format_score)
    output[SCORE] = scored[SCORE].map(format_score)
    output[RANK] = scored[RANK]
    mismatches = compare_with_published(scored, unit_table.values) if check else None
    return Leaderboard(output.reset_index(drop=True), mismatches, len(scored), [str(note) for note in unit_table.totals])


def score_workbook(path: str | Path, rules_path: str | Path | None, out: str | Path,
                   columns: Columns | None = None) -> Path:
    """Score a per-unit statistics table and write why each point was lost to the .xlsx ``out``:
    汇总 (the points each rule took, 总分, 排名) and 挽回 (what would have changed a rate rule's points);
    its printed pages are headed by the input's file name."""
    rules = load_rules(rules_path)
    scored = score_units(read_unit_table(path, rules, columns=columns).values, rules)
    return write_workbook(out, breakdown_sheets(scored, rules), kinds=workbook_kinds(rules),
                          title=f"{Path(path).name} 扣分明细")


def write_csv(table: pd.DataFrame, target) -> None:
    """CSV that Excel opens with Chinese intact: UTF-8 with BOM for files (plain UTF-8 on a terminal).
    Text from the data that a spreadsheet would run as a formula is written with a leading apostrophe
    (core/spreadsheet.py): standard output is redirected into files people open too."""
    table = defuse_formulas(table)
    if hasattr(target, "write"):
        table.to_csv(target, index=False, lineterminator="\n")
        return
    with atomic_path(target) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")


def shown_table(scored: pd.DataFrame, rules) -> pd.DataFrame:
    """score_table's output as ``hotline score`` writes it: points as published (14.82, 150), a blank
    where a group is not scored on an item, 排名 or the rules' word for an unranked unit (不参评),
    红榜/黑榜 as 是 or blank."""
    table = scored.drop(columns=[RATED], errors="ignore").copy()
    for column in [*item_columns(rules).values(), SCORE]:
        table[column] = table[column].map(lambda p: "" if p is None or pd.isna(p) else format_score(p))
    unranked = rules.min_volume.label if rules.min_volume is not None else "不参评"
    table[RANK] = [unranked if pd.isna(rank) else str(int(rank)) for rank in table[RANK]]
    if GRADE in table.columns:
        table[GRADE] = table[GRADE].fillna("")
    for column in (RED, BLACK):
        if column in table.columns:
            table[column] = table[column].map(lambda on: "是" if on else "")
    return table


def score_rules_file(path: str | Path, rules, columns: Columns | None = None, manual: str | Path | None = None,
                     rules_file: str | Path | None = None) -> Leaderboard:
    """Score a table under any rules (``score_table``; its columns as the rules name them, rates in
    percent); ``manual``: the hand-judged points file (scoring/manual.py). ``rules_file``: the rules'
    file, which an error about a unit a group lists (not in the table) names."""
    unit_table = read_rules_table(path, rules, columns=columns)
    problems = check_group_units(rules, unit_table.values[UNIT])
    if problems:
        if rules_file is None:
            raise RulesError("rules: {problems}", problems=Joined(problems))
        raise RulesError("{path}: {problems}", path=rules_file, problems=Joined(problems))
    judged = read_manual(manual, rules, units=unit_table.values[UNIT]) if manual is not None else None
    scored = score_table(unit_table.values, rules, judged)
    return Leaderboard(shown_table(scored, rules), None, len(scored), [str(note) for note in unit_table.totals])
