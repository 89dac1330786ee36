"""Typing and validating export rows: every row is either used or rejected with its reason.

Text cells are parsed first (times as China Standard Time, 是/否 as booleans, counts as integers);
a cell that does not parse rejects its row. The typed frame is then checked per record type
(``CHECKS``, vectorised pandas); every failure becomes a reject naming the column, the value and the check.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import cache

import pandas as pd

from hotline_lib.core.i18n import N_, gettext
from hotline_lib.io.visit_details import OWN_WORDS, REASONS

TIMEZONE = "Asia/Shanghai"
TRUE_WORDS = {"是", "y", "yes", "true", "1", "√"}
FALSE_WORDS = {"否", "n", "no", "false", "0"}
VISIT_RESULTS = ["满意", "基本满意", "不满意"]
APPEAL_TYPES = ["咨询", "求助", "投诉", "建议", "表扬"]
REJECT_COLUMNS = ["file", "sheet", "row", "column", "value", "reason"]
PROVENANCE = ["_file", "_sheet", "_row"]

#: No 12345 platform exported anything older; 1970-01-01 is what a blank or 0 becomes in some exports.
EARLIEST_TIME = pd.Timestamp("2000-01-01", tz="Asia/Shanghai")
#: Event times later than the run itself, beyond this clock tolerance, cannot be true (due times can).
FUTURE_TOLERANCE = pd.Timedelta(days=1)

ORDER_TIMES = ["received_at", "signed_at", "completed_at", "visited_at"]
ORDER_FLAGS = ["epidemic", "business_env"]
ASSIGNMENT_TIMES = ["dispatched_at", "sign_due", "unit_signed_at", "returned_at", "return_due", "complete_due",
                    "unit_completed_at", "unit_visited_at"]
DUE_TIMES = ["sign_due", "return_due", "complete_due"]
ASSIGNMENT_FLAGS = ["return_rejected", "extension_requested", "extension_rejected", "repeat_assigned"]
ASSIGNMENT_COUNTS = ["redo_count"]


NANOSECOND_RANGE = (pd.Timestamp.min.ceil("D").as_unit("us"), pd.Timestamp.max.floor("D").as_unit("us"))
#: How the platform writes a time; any other spelling is parsed cell by cell (``_other_spellings``).
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_times(text: pd.Series) -> pd.Series:
    """Text to China Standard Time; unparseable cells become NaT (the caller rejects them)."""
    text = text.astype("string")
    times = _nanoseconds(pd.to_datetime(text, format=TIME_FORMAT, errors="coerce"))
    retry = times.isna() & text.notna()
    if retry.any():
        # both in nanoseconds: the unit of each parse follows its cells (seconds, or nanoseconds for
        # "09:00:00.123456789"), and a finer time set into a coarser column is a TypeError
        times = times.mask(retry, _nanoseconds(_other_spellings(text[retry])))
    return times.dt.tz_localize(TIMEZONE, ambiguous="NaT", nonexistent="NaT")


def _nanoseconds(times: pd.Series) -> pd.Series:
    """Naive times as datetime64[ns]; beyond what nanoseconds hold (9999-12-31, year 1) is not a time we
    can use, so NaT (rejected as unparseable)."""
    times = times.where((times >= NANOSECOND_RANGE[0]) & (times <= NANOSECOND_RANGE[1]))
    return times.astype("datetime64[ns]")


def _other_spellings(text: pd.Series) -> pd.Series:
    """Times not in the platform's spelling (2021/3/1 9:00, 2021-03-01T09:00:00.5) as naive times, NaT
    where there is none.

    dateutil, behind ``format="mixed"``, reads a zone or an offset into some text: "+08:00", "UTC", even
    the "-02" of a damaged "2021-03-02 2021-03-02 11:00:00" (11:00 at UTC-2). The exports hold China
    Standard Time and no offset, so a cell read with one is no time of theirs: NaT, rejected like any
    other unparseable cell. Read together, such cells make a column with a zone (which no naive column
    takes) or a ValueError (zones mixed), so then each cell is read alone.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            times = pd.to_datetime(text, format="mixed", errors="coerce")
        except ValueError:  # "Mixed timezones detected": offsets differ between cells, or some have none
            times = None
        if times is not None and pd.api.types.is_datetime64_dtype(times):  # naive: no cell had a zone
            return times
        return pd.Series([_naive_time(value) for value in text], index=text.index, dtype="datetime64[ns]")


def _naive_time(text: str):
    try:
        time = pd.to_datetime(text, format="mixed", errors="coerce")
    except (ValueError, OverflowError):
        return pd.NaT
    if time is pd.NaT or time.tzinfo is not None or not NANOSECOND_RANGE[0] <= time <= NANOSECOND_RANGE[1]:
        return pd.NaT
    return time


def parse_flags(text: pd.Series) -> pd.Series:
    """是/否 (and Y/N, TRUE/FALSE, 1/0) to a nullable boolean; anything else becomes NA."""
    return parse_words(text, TRUE_WORDS, FALSE_WORDS)


def parse_words(text: pd.Series, yes, no) -> pd.Series:
    """Text to a nullable boolean: True for a word of ``yes``, False for one of ``no`` (lower-case,
    surrounding spaces ignored), NA for anything else."""
    lowered = text.astype("string").str.strip().str.lower()
    flags = pd.Series(pd.NA, index=text.index, dtype="boolean")
    flags[lowered.isin(yes).fillna(False).astype(bool)] = True
    flags[lowered.isin(no).fillna(False).astype(bool)] = False
    return flags


def worded_columns() -> list[tuple[str, object, str]]:
    """(column, parser, reason) of the 派单 columns with words of their own (io/visit_details.py): the
    是/否 words and theirs."""
    return [(column, lambda text, yes=TRUE_WORDS | own_yes, no=FALSE_WORDS | own_no: parse_words(text, yes, no),
             REASONS[column]) for column, (own_yes, own_no) in OWN_WORDS.items()]


def parse_counts(text: pd.Series) -> pd.Series:
    """Whole numbers to a nullable integer; anything else becomes NA."""
    numbers = pd.to_numeric(text.astype("string"), errors="coerce").astype("Float64")
    # a count too large to be exact (inf, 1e999) is no count: never let it wrap round to a negative
    whole = numbers.notna() & (numbers == numbers.round()) & (numbers.abs() < 2 ** 53)
    return numbers.where(whole).astype("Int64")


def blank_to_na(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Empty or whitespace-only cells are missing, never 0 and never the text "nan"."""
    frame = frame.copy()
    for column in columns:
        values = frame[column].astype("string").str.strip()
        frame[column] = values.mask(values == "")
    return frame


def _parse_failures(raw: pd.DataFrame, typed: pd.Series, column: str, reason: str) -> pd.DataFrame:
    bad = raw[column].notna() & typed.isna()
    return pd.DataFrame({"index": raw.index[bad], "column": column, "reason": reason})


def type_columns(raw: pd.DataFrame, times, flags, counts, worded=()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parse the typed columns of ``raw`` (text, blanks already NA); return (typed, cell failures).
    ``worded``: (column, parser, reason) of the columns with words of their own (io/visit_details.py)."""
    typed = raw.copy()
    failures = []
    for columns, parser, reason in [(times, parse_times, N_("not a date and time")),
                                    (flags, parse_flags, N_("expected 是 or 否")),
                                    (counts, parse_counts, N_("expected a whole number")),
                                    *(([column], parser, reason) for column, parser, reason in worded)]:
        for column in columns:
            if column in raw.columns:
                typed[column] = parser(raw[column])
                failures.append(_parse_failures(raw, typed[column], column, reason))
            else:
                typed[column] = parser(pd.Series(pd.NA, index=raw.index, dtype="string"))
    return typed, pd.concat(failures, ignore_index=True)


FUTURE = N_("in the future: after the time of this run")
EARLIEST = N_("before 2000-01-01: not a real date (a blank or 0 read as 1970?)")
MISSING = N_("missing value")


@dataclass(frozen=True)
class Checks:
    """What one record type's typed rows must satisfy, checked with vectorised pandas (no schema
    library: importing pandera and running its schema was most of the cold start's validation): pairs
    of columns, ``order`` (later, earlier) never reversed and ``needs`` (column, when) never missing
    while ``when`` is set; then each of ``columns`` in turn: ``required`` never missing (nor empty),
    ``allowed`` values, ``times`` after EARLIEST_TIME and, but for due times, not in the future,
    ``not_negative`` counts. A cell failing several checks is rejected for the first, in that order."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    non_empty: tuple[str, ...]   # required text that an empty string does not satisfy
    allowed: tuple[tuple[str, tuple[str, ...]], ...]
    times: tuple[str, ...]
    not_negative: tuple[str, ...] = ()
    order: tuple[tuple[str, str], ...] = ()
    needs: tuple[tuple[str, str], ...] = ()


CHECKS = {
    "orders": Checks(columns=("order_id", "visit_result", "appeal_type", *ORDER_TIMES), required=("order_id",),
                     non_empty=("order_id",), allowed=(("visit_result", tuple(VISIT_RESULTS)),
                                                      ("appeal_type", tuple(APPEAL_TYPES))),
                     times=tuple(ORDER_TIMES),
                     order=(("signed_at", "received_at"), ("completed_at", "signed_at"), ("visited_at", "completed_at"))),
    "assignments": Checks(columns=("order_id", "unit", *ASSIGNMENT_TIMES, "redo_count", "unit_visit_result"),
                          required=("order_id", "unit", "dispatched_at", "sign_due"), non_empty=("order_id",),
                          allowed=(("unit_visit_result", tuple(VISIT_RESULTS)),), times=tuple(ASSIGNMENT_TIMES),
                          not_negative=tuple(ASSIGNMENT_COUNTS),
                          order=(("unit_signed_at", "dispatched_at"), ("unit_completed_at", "dispatched_at"),
                                 ("unit_completed_at", "unit_signed_at")),
                          needs=(("return_due", "returned_at"), ("complete_due", "unit_completed_at"))),
}


def check_failures(typed: pd.DataFrame, record_type: str) -> pd.DataFrame:
    """Every failed check of ``typed`` as (index, column, reason) rows, one per row and column (the
    first failure of a cell wins, in ``Checks``' order); a check across columns is reported under the
    column it names first."""
    checks = CHECKS[record_type]
    found: list[pd.DataFrame] = []

    def fail(column: str, bad: pd.Series, reason: str) -> None:
        bad = bad.fillna(False).astype(bool)
        if bad.any():
            found.append(pd.DataFrame({"index": typed.index[bad.to_numpy()], "column": column, "reason": reason}))

    for later, earlier in checks.order:
        if {later, earlier} <= set(typed.columns):
            fail(later, ~(typed[later].isna() | typed[earlier].isna() | (typed[later] >= typed[earlier])),
                 f"{later} is before {earlier}")
    for column, when in checks.needs:
        if {column, when} <= set(typed.columns):
            fail(column, ~(typed[when].isna() | typed[column].notna()), f"{column} missing while {when} is set")
    now = pd.Timestamp.now(tz=TIMEZONE) + FUTURE_TOLERANCE
    for column in checks.columns:
        if column not in typed.columns:
            continue
        values = typed[column]
        if column in checks.required:
            fail(column, values.isna() | (_empty_text(values) if column in checks.non_empty else False), MISSING)
        for name, allowed in checks.allowed:
            if name == column:
                fail(column, values.notna() & ~values.isin(allowed), f"not one of {'/'.join(allowed)}")
        if column in checks.times:
            fail(column, values.notna() & (values < EARLIEST_TIME), EARLIEST)
            if column not in DUE_TIMES:
                fail(column, values.notna() & (values > now), FUTURE)
        if column in checks.not_negative:
            fail(column, values.notna() & (values < 0), N_("negative count"))
    if not found:
        return pd.DataFrame(columns=["index", "column", "reason"])
    failures = pd.concat(found, ignore_index=True).drop_duplicates(subset=["index", "column"])
    return failures.astype({"index": int})


def _empty_text(values: pd.Series) -> pd.Series:
    """Cells of a text column that are there but empty (a required text must have a character)."""
    if pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.astype("string").str.len().eq(0).fillna(False).astype(bool)
    return pd.Series(False, index=values.index)


def reject_rows(raw: pd.DataFrame, failures: pd.DataFrame, headers: dict[str, dict[str, str]]) -> pd.DataFrame:
    """Rejects in the rejects-file layout, each value as the file had it and each column under the
    header the file used (``headers`` maps file -> canonical column -> header)."""
    if failures.empty:
        return pd.DataFrame(columns=REJECT_COLUMNS)
    index = failures["index"].to_numpy()
    rows = raw.loc[index, PROVENANCE].reset_index(drop=True)
    values = [raw.at[i, c] if c in raw.columns else pd.NA for i, c in zip(index, failures["column"])]
    columns = [headers.get(f, {}).get(c, c) for f, c in zip(rows["_file"], failures["column"])]
    return pd.DataFrame({"file": rows["_file"], "sheet": rows["_sheet"], "row": rows["_row"], "column": columns,
                         "value": pd.array(values, dtype="string"), "reason": failures["reason"].reset_index(drop=True)})


def validate(raw: pd.DataFrame, record_type: str, headers) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid typed rows, rejects) for one record type's rows from every file."""
    if record_type == "orders":
        times, flags, counts, worded = ORDER_TIMES, ORDER_FLAGS, [], []
    else:
        times, flags, counts, worded = ASSIGNMENT_TIMES, ASSIGNMENT_FLAGS, ASSIGNMENT_COUNTS, worded_columns()
    typed, failures = type_columns(raw, times, flags, counts, worded)
    failures = pd.concat([failures, check_failures(typed, record_type)], ignore_index=True)
    failures = failures.drop_duplicates(subset=["index", "column"]).sort_values("index", kind="stable")
    failures = failures.astype({"column": "str", "reason": "str"})   # text whatever found nothing (an empty frame's object)
    rejects = reject_rows(raw, failures, headers)
    valid = typed.drop(index=failures["index"].unique())
    return valid, rejects


#: A reason is kept as English text (a key: the cache stores it, ``valid_until`` looks for FUTURE) and
#: said in Chinese in rejects.csv. These are the reasons with fields, as msgids; the others are msgids as they are.
REASON_TEMPLATES = [N_("{later} is before {earlier}"), N_("{column} missing while {when} is set"),
                    N_("not one of {allowed}")]


@cache
def _template_patterns() -> list[tuple[str, re.Pattern]]:
    return [(template, re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(template)) + "$"))
            for template in REASON_TEMPLATES]


@cache
def _column_names() -> dict[str, str]:
    """canonical export column -> the header people know it by (completed_at -> 办结时间)."""
    from hotline_lib.io.headers import canonical_columns, display_name

    return {c: display_name(kind, c) for kind in ("orders", "assignments") for c in canonical_columns(kind)}


def reason_in_chinese(reason: str) -> str:
    """A reject's reason as rejects.csv says it, whatever the reader's language: rejects.csv is for people."""
    for template, pattern in _template_patterns():
        match = pattern.match(reason)
        if match:
            names = _column_names()
            return gettext(template, "zh", **{k: names.get(v, v) for k, v in match.groupdict().items()})
    return gettext(reason, "zh")
