"""Typing and validating export rows: every row is either used or rejected with its reason.

Text cells are parsed first (times as China Standard Time, 是/否 as booleans, counts as integers);
a cell that does not parse rejects its row. The typed frame is then checked with a pandera schema
per record type; every failure case becomes a reject naming the column, the value and the check.
"""

from __future__ import annotations

import re
import warnings

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


def _not_before(later: str, earlier: str):
    import pandera.pandas as pa

    return pa.Check(lambda df: df[later].isna() | df[earlier].isna() | (df[later] >= df[earlier]),
                    name=f"{later} is before {earlier}", error=f"{later} is before {earlier}")


def _needs(column: str, when: str):
    import pandera.pandas as pa

    return pa.Check(lambda df: df[when].isna() | df[column].notna(),
                    name=f"{column} missing while {when} is set", error=f"{column} missing while {when} is set")


def _plausible_times(columns: list[str], required: tuple[str, ...] = ()) -> dict:
    """pandera columns checking that each time is after EARLIEST_TIME and (events only) not in the future."""
    import pandera.pandas as pa

    earliest = EARLIEST
    checks = {}
    for column in columns:
        column_checks = [pa.Check(lambda s: s >= EARLIEST_TIME, name=earliest, error=earliest, ignore_na=True)]
        if column not in DUE_TIMES:  # "now" when the check runs: the schema is built once per process
            column_checks.append(pa.Check(lambda s: s <= pd.Timestamp.now(tz=TIMEZONE) + FUTURE_TOLERANCE,
                                          name=FUTURE, error=FUTURE, ignore_na=True))
        checks[column] = pa.Column(checks=column_checks, nullable=column not in required)
    return checks


FUTURE = N_("in the future: after the time of this run")
EARLIEST = N_("before 2000-01-01: not a real date (a blank or 0 read as 1970?)")


@cache
def schema(record_type: str):
    """The pandera schema of one record type (built on first use: pandera is slow to import, and a
    run served from the cache never validates)."""
    import pandera.pandas as pa

    if record_type == "orders":
        return pa.DataFrameSchema(
            {
                "order_id": pa.Column("string", pa.Check.str_length(min_value=1), nullable=False),
                "visit_result": pa.Column("string", pa.Check.isin(VISIT_RESULTS), nullable=True),
                "appeal_type": pa.Column("string", pa.Check.isin(APPEAL_TYPES), nullable=True),
                **_plausible_times(ORDER_TIMES),
            },
            checks=[_not_before("signed_at", "received_at"), _not_before("completed_at", "signed_at"),
                    _not_before("visited_at", "completed_at")],
            strict=False,
        )
    return pa.DataFrameSchema(
        {
            "order_id": pa.Column("string", pa.Check.str_length(min_value=1), nullable=False),
            "unit": pa.Column("string", nullable=False),
            **_plausible_times(ASSIGNMENT_TIMES, required=("dispatched_at", "sign_due")),
            "redo_count": pa.Column("Int64", pa.Check.ge(0, error=N_("negative count")), nullable=True),
            "unit_visit_result": pa.Column("string", pa.Check.isin(VISIT_RESULTS), nullable=True),
        },
        checks=[_not_before("unit_signed_at", "dispatched_at"), _not_before("unit_completed_at", "dispatched_at"),
                _not_before("unit_completed_at", "unit_signed_at"),
                _needs("return_due", "returned_at"), _needs("complete_due", "unit_completed_at")],
        strict=False,
    )


def schema_failures(typed: pd.DataFrame, schema) -> pd.DataFrame:
    """Failure cases of a pandera schema as (index, column, reason) rows, one per row and column.

    A check across columns (say "unit_signed_at is before dispatched_at") is reported by pandera
    once per column of the row; it is kept once, under the first column it names.
    """
    from pandera.errors import SchemaErrors

    try:
        schema.validate(typed, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases[cases["index"].notna()]
        found = []
        for context, column, check, index in zip(cases["schema_context"], cases["column"], cases["check"], cases["index"]):
            check = str(check)
            if context == "DataFrameSchema":
                column, reason = check.split(" ")[0], check
            elif check == "not_nullable" or check.startswith("str_length"):
                reason = N_("missing value")
            elif check.startswith("isin"):
                reason = f"not one of {'/'.join(schema.columns[column].checks[0].statistics['allowed_values'])}"
            else:
                reason = check
            found.append({"index": int(index), "column": column, "reason": reason})
        return pd.DataFrame(found).drop_duplicates(subset=["index", "column"])
    return pd.DataFrame(columns=["index", "column", "reason"])


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
    failures = pd.concat([failures, schema_failures(typed, schema(record_type))], ignore_index=True)
    failures = failures.drop_duplicates(subset=["index", "column"]).sort_values("index", kind="stable")
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
