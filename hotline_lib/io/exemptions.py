"""The month's exemptions (核减): assignments a unit appealed and the office approved, read from
DATA/exemptions/MONTH.csv (``exemptions_file`` in settings). Each row names one assignment (order and
unit) and the rule it is exempted from; figures/exempt.py checks it against the exports and counts
it out. Every problem is one error naming the file, row and column: an exemption is never dropped."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from hotline_lib.core.errors import HotlineError, InputError, UnknownUnitError
from hotline_lib.core.i18n import N_, Message, names
from hotline_lib.core.utils import check_argument
from hotline_lib.io.directory import UnitDirectory
from hotline_lib.io.reading import table_records

#: Rule (规则 as written in the file) -> the appendix count it lowers. The first five are the
#: per-count rules of rules/furong.yaml; 未按时办结 is the count behind 按时办结率; 回访不满意 takes an
#: unsatisfied visit out of 回访工单总数, so that it no longer lowers 回访满意度.
EXEMPTION_RULES = {
    "未按时签收": "未按时签收数",
    "未及时退回": "未及时退回数",
    "退单驳回": "退单驳回数",
    "发回重办": "发回重办数",
    "延期驳回": "延期驳回数",
    "未按时办结": "未按时办结数",
    "回访不满意": "回访工单总数",
}
COLUMNS = ["工单编号", "部门名称", "规则", "原因", "批准人"]
#: What an empty cell of a column means, for the error message.
_REQUIRED = {"工单编号": N_("which order"), "部门名称": N_("which unit"), "规则": N_("which rule"),
             "原因": N_("why it is exempted"), "批准人": N_("who approved it")}


def empty_exemptions() -> pd.DataFrame:
    """No exemptions: the columns of ``read_exemptions`` and no row."""
    frame = pd.DataFrame({column: pd.Series([], dtype="string") for column in COLUMNS})
    frame["_file"] = pd.Series([], dtype="string")
    frame["_row"] = pd.Series([], dtype="int64")
    return frame


def misnamed_exemption_files(expected: str | Path, month: str) -> list[Path]:
    """Files beside the month's exemptions file that look meant for it but are not read: another
    format or case of its name (2020-12.xlsx, 2020-12.CSV when the settings say 2020-12.csv) or another
    spelling of the month (202012.csv, 2020年12月.csv). Why: an exemption left unread lowers a unit's
    score without a word, so each of these is named in a warning."""
    expected = Path(expected)
    if not expected.parent.is_dir():
        return []
    digits = month.replace("-", "")
    return [path for path in sorted(expected.parent.iterdir())
            if path != expected and path.is_file() and not path.name.startswith((".", "~$"))
            and (path.stem.casefold() == expected.stem.casefold() or re.sub(r"\D", "", path.stem) == digits)]


def misnamed_exemptions_warning(path: Path, expected: Path, month: str) -> Message:
    return Message("{file} is not read as the exemptions (核减) of {month}: the settings' exemptions_file names "
                   "{expected}; give the file that name and format, or change exemptions_file in the settings",
                   file=path, month=month, expected=expected)


def read_exemptions(path: str | Path, units: UnitDirectory) -> pd.DataFrame:
    """工单编号 (text, leading zeros kept), 部门名称 (the directory's name for any spelling), 规则, 原因,
    批准人, with ``_file`` and ``_row`` (the spreadsheet row) for the errors figures/exempt.py raises.
    No file means no exemptions (an empty frame)."""
    path = Path(path)
    if not path.exists():
        return empty_exemptions()
    rows = []
    seen: dict[tuple, int] = {}
    missing = (N_("missing column: {columns} (an exemptions file has the columns {all})"),
               N_("missing columns: {columns} (an exemptions file has the columns {all})"))
    for sheet, records in table_records(path, "工单编号", COLUMNS, missing):
        for record in records:
            row = _exemption(record, units, path, sheet)
            key = (row["工单编号"], row["部门名称"], row["规则"])
            if key in seen:
                raise InputError("the same exemption as row {first} (order {order} of {unit}, {rule})",
                                 path=path, sheet=sheet, row=row["_row"], first=seen[key], order=key[0],
                                 unit=key[1], rule=key[2])
            seen[key] = row["_row"]
            rows.append(row)
    if not rows:
        return empty_exemptions()
    frame = pd.DataFrame(rows)
    return frame.astype({**{c: "string" for c in [*COLUMNS, "_file"]}, "_row": "int64"})[[*COLUMNS, "_file", "_row"]]


def _exemption(record: dict, units: UnitDirectory, path: Path, sheet: str | None) -> dict:
    """One checked row of an exemptions file."""
    where = {"path": path, "sheet": sheet, "row": int(record["_row"])}
    values = {column: str(record[column] if record[column] is not None else "").strip() for column in COLUMNS}
    for column, meaning in _REQUIRED.items():
        if not values[column]:
            raise InputError("missing value: say {meaning}", column=column, meaning=Message(meaning), **where)
    unit = units.resolve(values["部门名称"])
    if unit is None:
        close = units.closest(values["部门名称"])
        hint = Message("closest: {units}", units=names(close)) if close else Message("no unit there is named like it")
        raise UnknownUnitError("unit {unit!r} is not in the unit directory {directory} ({hint}): use its name or an "
                               "alias from there", column="部门名称", unit=values["部门名称"], directory=units.source or "",
                               hint=hint, **where)
    try:
        check_argument("规则", EXEMPTION_RULES, values["规则"])
    except HotlineError as exc:
        raise InputError(exc.message, column="规则", **where) from None
    return {**values, "部门名称": unit, "_file": str(path), "_row": where["row"]}
