"""Fuzzing the readers: whatever bytes or cells a file holds, the outcome is a HotlineError or a valid
result, never another exception, never a hang, and never a row that is neither used nor rejected.

Every call runs under a SIGALRM guard (LIMIT seconds) that fails the example on a hang in Python code;
a hang inside native code (calamine), which no signal interrupts, is ended by faulthandler, which
dumps every thread's traceback and exits. Hypothesis keeps no database and the readers get no cache
folder, so every run starts clean; max_examples keeps this file under a minute on two cores.
"""

from __future__ import annotations

import csv
import datetime as dt
import faulthandler
import io
import math
import re
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from hotline_lib.core.config import COLUMNS_FILE
from hotline_lib.core.errors import HotlineError
from hotline_lib.io.exports import Exports, load_exports
from hotline_lib.io.headers import spellings
from hotline_lib.io.reading import CFB_MAGIC, RawSheet, read_sheets
from hotline_lib.scoring.unit_table import UnitTable, read_unit_table
from hotline_lib.core.utils import read_yaml_file
from tests.conftest import APPENDIX

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

LIMIT = 5  # seconds for one read of one small file; the slowest seen is well under one
FUZZ = dict(deadline=None, database=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
ORDER_KEYS = spellings("orders", "order_id")


class Hang(BaseException):
    """Raised by the guard: a BaseException, so that no ``except Exception`` in the code under test
    can turn a hang into an ordinary error."""


@contextmanager
def time_limit(seconds: float = LIMIT):
    def expired(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(seconds * 6, exit=True)  # a native hang: SIGALRM waits for it forever
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()


def outcome(call, check=lambda result: None) -> None:
    """Run ``call``: a HotlineError is a fine answer, a result must pass ``check``, anything else fails."""
    try:
        with time_limit():
            result = call()
    except HotlineError as error:
        event(f"error: {getattr(error, 'reason', str(error))[:30]}")
        return
    except Hang as hang:
        raise AssertionError(f"hang: {hang}") from None
    event("result")
    check(result)


def balanced(exports: Exports) -> None:
    """Every row read is used, a duplicate or rejected, once."""
    assert isinstance(exports, Exports)
    read = sum(exports.read.values())
    used = len(exports.orders) + len(exports.assignments)
    rejected = len(exports.rejects.drop_duplicates(["file", "sheet", "row"]))
    duplicates = len(exports.duplicates)
    assert read == used + duplicates + rejected, f"{read} rows read, {used} used, {duplicates} duplicates, {rejected} rejected"
    exports.accounting()  # and per file (raises when a file does not balance)


def sheets_ok(sheets) -> None:
    for raw in sheets:
        assert isinstance(raw, RawSheet) and raw.cells["_row"].is_unique
        assert len(raw.headers) == len(raw.cells.columns) - 1


def unit_table_ok(table) -> None:
    assert isinstance(table, UnitTable) and len(table.values) == len(table.original) > 0


# --- small valid exports, built from columns.yaml and data/units.yaml --------------------------------

COLUMNS = read_yaml_file(COLUMNS_FILE)
#: the base orders have one 问题分类, not its levels (一级分类, …: category_1, …)
ORDER_HEADER = [(aliases or [name])[0] for name, aliases in COLUMNS["orders"].items() if not name.startswith("category_")]
ASSIGNMENT_HEADER = [(aliases or [name])[0] for name, aliases in COLUMNS["assignments"].items()]
UNITS = [unit["name"] for unit in read_yaml_file(APPENDIX.parents[2] / "data" / "units.yaml")["units"]]


def _time(day: int, hour: int) -> str:
    return f"2021-03-{day:02d} {hour:02d}:00:00"


def base_orders() -> list[list[str]]:
    rows = [ORDER_HEADER]
    for i in range(6):
        done = i % 2 == 0
        rows.append([f"{2103000 + i:08d}", _time(i + 1, 8), _time(i + 1, 9), "12345热线", ["咨询", "投诉", "求助"][i % 3],
                     "消费维权", "否", "是" if i == 3 else "否", f"【虚构】第{i}件诉求", "19900000000",
                     _time(i + 2, 10) if done else "", _time(i + 3, 11) if done else "", "满意" if done else ""])
    return rows


def base_assignments() -> list[list[str]]:
    rows = [ASSIGNMENT_HEADER]
    for i in range(8):
        order, day, done = 2103000 + i % 6, i % 6 + 1, i % 3 == 0
        rows.append([f"{order:08d}", UNITS[i * 5 % len(UNITS)], _time(day, 9), _time(day, 11), _time(day, 10), "", "",
                     "否", _time(day + 5, 9), _time(day + 1, 15) if done else "", "否", "否", str(i % 2), "", "", "否"])
    return rows


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")


def _xlsx_value(text: str):
    """A cell as a spreadsheet program would hold it: numbers as numbers, times as times."""
    if _NUMBER.fullmatch(text) and math.isfinite(float(text)):
        return int(text) if text.lstrip("-").isdigit() and len(text) < 16 else float(text)
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return ILLEGAL_CHARACTERS_RE.sub("", text)  # XML holds no control characters: no .xlsx can


def xlsx_bytes(sheets: dict[str, list[list[str]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, text in enumerate(row, start=1):
                cell = sheet.cell(r, c)
                cell.value = _xlsx_value(text)
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, not a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_base_files_are_valid(tmp_path, units):
    (tmp_path / "orders.csv").write_bytes(csv_bytes(base_orders(), "utf-8"))
    (tmp_path / "dispatch.xlsx").write_bytes(xlsx_bytes({"派单": base_assignments()}))
    exports = load_exports(tmp_path, units, cache_dir=None)
    assert (len(exports.orders), len(exports.assignments), len(exports.rejects)) == (6, 8, 0)


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory):
    """Import the readers and validation once, so that the first guarded example is not the one
    that pays for it."""
    from hotline_lib.io.directory import load_units

    folder = tmp_path_factory.mktemp("warm")
    (folder / "orders.csv").write_bytes(csv_bytes(base_orders(), "utf-8"))
    (folder / "dispatch.csv").write_bytes(csv_bytes(base_assignments(), "utf-8"))
    load_exports(folder, load_units(), cache_dir=None)


# --- (a) random bytes ----------------------------------------------------------------------------------

SOURCES = [csv_bytes(base_orders(), "utf-8-sig"), csv_bytes(base_assignments(), "gb18030"),
           csv_bytes(base_orders(), "utf-16"), xlsx_bytes({"工单": base_orders(), "派单": base_assignments()}),
           APPENDIX.read_bytes(), xlsx_bytes({"Sheet1": list(csv.reader(io.StringIO(APPENDIX.read_text("utf-8"))))})]
PREFIXES = [b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", CFB_MAGIC, b"PK\x03\x04", b"\x00"]


@st.composite
def damaged(draw) -> bytes:
    """A valid file with a few bytes changed, inserted or deleted, maybe cut short."""
    data = bytearray(draw(st.sampled_from(SOURCES)))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["set", "insert", "delete"]))
        if action == "set":
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            del data[at:at + draw(st.integers(1, 64))]
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))):]
    return bytes(data)


RANDOM_BYTES = st.one_of(
    st.builds(lambda prefix, rest: prefix + rest, st.sampled_from(PREFIXES), st.binary(max_size=3000)),
    damaged(),
)


@settings(max_examples=200, **FUZZ)
@given(data=RANDOM_BYTES)
def test_random_bytes(data, units, rules):
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in [".csv", ".xlsx"]:
            folder = Path(tmp) / suffix[1:]
            folder.mkdir()
            path = folder / f"export{suffix}"
            path.write_bytes(data)
            outcome(lambda: read_sheets(path, ORDER_KEYS, cache_dir=None), sheets_ok)
            outcome(lambda: read_unit_table(path, rules), unit_table_ok)
            outcome(lambda: load_exports(folder, units, cache_dir=None), balanced)


# --- (b) random cells in valid files -------------------------------------------------------------------

SPECIAL = ["", " ", "\u3000", "\x00", "\x01", '"', '""', "'", ",", ";", "\t", "\n", "\r\n", "\r", "a\nb", "\ufeff",
           "-1", "-0", "0", "1.5", "-12345678901234567890", "99999999999999999999999", "1e308", "1e999", "nan", "inf",
           "1970-01-01 00:00:00", "1970-01-01 08:00:00", "1970-01-01", "2099-12-31 23:59:59", "2099-01-01", "0",
           "9999-12-31 23:59:59", "0001-01-01", "2021-02-30 10:00:00", "2021-03-14 02:30:00",
           "2021-03-01 09:00:00+08:00", "2021-03-02 2021-03-02 11:00:00", "2021-03-01T09:00:00Z", "2021-03-01 09:00 UTC",
           "2021-03-01 09:00:00.123456789", "2021-03-01 09:00:00.5", "2021/3/1 9:00",
           "<script>alert(1)</script>", "=1+1", "是", "否", "满意", "不满意", "很好", "工单编号", "工单号", "承办单位",
           "派单时间", "东湖街道办事处", "火星探测局", "０１２３", "𠀀"]
CELL = st.one_of(
    st.sampled_from(SPECIAL),
    st.text(max_size=40),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31)).map(lambda t: f"{t:%Y-%m-%d %H:%M:%S}"),
)

#: A header cell becomes another column's spelling as often as random text: a table with a column twice.
HEADER = st.one_of(st.sampled_from(sorted({spelling for table in COLUMNS.values() for name, aliases in table.items()
                                           for spelling in [name, *(aliases or [])]})), CELL)


@st.composite
def edited(draw, rows: list[list[str]]) -> list[list[str]]:
    """``rows`` with a few cells (the header row's too, now and then) replaced by random text."""
    rows = [row[:] for row in rows]
    for _ in range(draw(st.integers(1, 6))):
        r = draw(_last_is_rarest(len(rows)))
        rows[r][draw(_last_is_rarest(len(rows[r])))] = draw(HEADER if r == 0 else CELL)
    return rows


def _last_is_rarest(count: int):
    """0 to count - 1, with 0 half as likely and last: Hypothesis favours the first choices, and row 0
    (the header) and column A (工单编号) would otherwise be edited in most examples."""
    return st.sampled_from([*range(1, count)] * 2 + [0])


def _files(orders, assignments, form: str) -> dict[str, bytes]:
    if form == "xlsx":
        return {"orders.xlsx": xlsx_bytes({"工单": orders}), "dispatch.xlsx": xlsx_bytes({"街道": assignments[:5],
                                                                                         "部门": [assignments[0], *assignments[5:]]})}
    return {"orders.csv": csv_bytes(orders, form), "dispatch.csv": csv_bytes(assignments, form)}


@settings(max_examples=70, **FUZZ)
@given(orders=edited(base_orders()), assignments=edited(base_assignments()),
       form=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "xlsx"]))
def test_random_cells(orders, assignments, form, units):
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in _files(orders, assignments, form).items():
            (Path(tmp) / name).write_bytes(data)
        outcome(lambda: load_exports(tmp, units, cache_dir=None), balanced)


@pytest.mark.parametrize("text", ["9999-12-31 23:59:59", "-1", "0001-01-01 00:00:00"])
def test_times_outside_the_nanosecond_range(tmp_path, units, text):
    """Found by the fuzzing: such a time overflowed the cast to nanoseconds. Now it is a rejected row."""
    rows = base_assignments()
    rows[1][ASSIGNMENT_HEADER.index("签收时限")] = text
    (tmp_path / "dispatch.csv").write_bytes(csv_bytes(rows, "utf-8"))
    balanced(load_exports(tmp_path, units, cache_dir=None))


def _with_sign_due(tmp_path, units, texts):
    """(rows, exports) of the base assignments whose first 签收时限 cells are ``texts``, every row accounted for."""
    rows = base_assignments()
    column = ASSIGNMENT_HEADER.index("签收时限")
    for row, text in zip(rows[1:], texts):
        row[column] = text
    (tmp_path / "dispatch.csv").write_bytes(csv_bytes(rows, "utf-8"))
    exports = load_exports(tmp_path, units, cache_dir=None)
    balanced(exports)
    return rows, exports


@pytest.mark.parametrize("texts", [
    ["2021-03-02 2021-03-02 11:00:00"],  # --hypothesis-seed=304136497173876656543363361325817902143: 11:00 at UTC-2
    ["2021-03-01 09:00:00+08:00", "2021-03-02 09:00:00+08:00"],  # one offset: a column with a zone
    ["2021-03-01 09:00:00+08:00", "2021/3/2 9:00"],  # an offset and none: "Mixed timezones detected"
    ["2021-03-01T09:00:00Z", "2021-03-02 09:00 UTC", "2021-03-03 09:00:00-0500"],
])
def test_times_with_a_zone(tmp_path, units, texts):
    """Found by the fuzzing: dateutil read an offset into a damaged time, and a time with a zone went
    into a column without one (TypeError). The exports hold China Standard Time: such a row is rejected."""
    rows, exports = _with_sign_due(tmp_path, units, texts)
    with_zone = [(i + 2, text) for i, text in enumerate(texts) if text != "2021/3/2 9:00"]
    assert exports.rejects[["row", "column", "value", "reason"]].values.tolist() == [
        [row, "签收时限", text, "not a date and time"] for row, text in with_zone]
    assert len(exports.assignments) == len(rows) - 1 - len(with_zone)


@pytest.mark.parametrize("texts", [
    ["2021-03-01 09:00:00.123456789"],  # nanoseconds into a column of seconds (TypeError)
    ["2021-03-01 09:00:00.5", "2021-03-02 09:00:00.123"],
    ["2021/3/1 9:00:00.25", "2021-03-02 09:00:00"],
])
def test_times_finer_than_seconds(tmp_path, units, texts):
    """A time with fractions of a second is a time: the row is used, the time kept to the nanosecond."""
    rows, exports = _with_sign_due(tmp_path, units, texts)
    assert exports.rejects.empty and len(exports.assignments) == len(rows) - 1
    got = exports.assignments["sign_due"].iloc[:len(texts)].dt.tz_localize(None).tolist()
    assert got == [pd.Timestamp(text.replace("/3/", "-03-0").replace(" 9:", " 09:")) for text in texts]
