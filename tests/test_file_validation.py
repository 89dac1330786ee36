"""Export files validated in runs, side by side (io/file_validation.py): the same rows, rejects and
errors as validating every file's rows at once."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from hotline_lib.core.errors import HotlineError, InputError
from hotline_lib.io import file_validation
from hotline_lib.io.export_tables import raw_frames
from hotline_lib.io.exports import export_files, load_exports
from hotline_lib.io.file_validation import runs_of_files, valid_rows, validated_run
from hotline_lib.io.platform import Platform, read_visit_results
from hotline_lib.io.validation import validate
from tests.test_exports import ASSIGNMENT_HEADER, ORDER_HEADER, assignment, order, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize("weights, count, expected", [
    ([1, 1, 1, 1], 2, [[0, 1], [2, 3]]),
    ([5, 1, 1, 1, 1, 1], 2, [[0], [1, 2, 3, 4, 5]]),
    ([1, 1, 1], 4, [[0], [1], [2]]),
    ([3], 2, [[0]]),
    ([0, 0, 0], 2, [[0, 1, 2]]),
    ([1, 2, 3, 4], 1, [[0, 1, 2, 3]]),
    ([1, 3], 2, [[0], [1]]),
    ([100, 101], 2, [[0], [1]]),
    ([1] * 9 + [10], 2, [list(range(9)), [9]]),
    ([4, 1, 1, 1, 1, 4], 3, [[0], [1, 2, 3, 4], [5]]),
])
def test_runs_keep_the_files_in_order_each_once(weights, count, expected):
    files = [Path(f"{i}.csv") for i in range(len(weights))]
    runs = runs_of_files(files, weights, count)
    assert [[int(p.stem) for p in run] for run in runs] == expected


@pytest.fixture
def data(tmp_path):
    """Orders and assignments over several files: rejects (an unparseable time, a reversed pair, a
    missing 承办单位), the same rows in two exports, a 合计 row, a header-only file, a notes file and a
    workbook with both kinds."""
    data = tmp_path / "data"
    data.mkdir()
    write_csv(data / "a-orders.csv", ORDER_HEADER, [order(), order("00124", completed="2021-03-03 10:00:00"),
                                                    order("00200", signed="not a time")], "gbk")
    write_csv(data / "b-orders.csv", ORDER_HEADER, [order("00124", completed="2021-03-03 10:00:00",
                                                          visited="2021-03-04 10:00:00", result="满意"),
                                                    order("00300", signed="2021-03-01 09:00:00"),
                                                    ["合计", *[""] * (len(ORDER_HEADER) - 1)]])
    write_csv(data / "c-empty.csv", ORDER_HEADER, [])
    (data / "d-notes.csv").write_text("日期,事项\n2021-03-01,开会\n", encoding="utf-8")
    write_xlsx(data / "e-both.xlsx", {"工单": (ORDER_HEADER, [order("00400")]),
                                      "派单": (ASSIGNMENT_HEADER, [assignment(), assignment("00124", unit="区人社局"),
                                                                  assignment("00400", unit="")])})
    write_csv(data / "f-assignments.csv", ASSIGNMENT_HEADER, [assignment("00124", unit="区人社局"),
                                                             assignment("00300", completed="2021-03-01 08:00:00")])
    return data


def test_validated_in_runs_is_validated_at_once(data, tmp_path):
    """Every way of cutting the files into two or three runs gives the valid rows and rejects that
    validating every file's rows in one frame gives (raw_frames: the whole folder read as one)."""
    platform = Platform()
    files = export_files(data)
    frames, headers, _, _ = raw_frames(files, data, None, platform)
    frames = read_visit_results(frames, platform, data)
    at_once = {kind: validate(frames[kind], kind, headers) for kind in ("orders", "assignments")}
    assert len(at_once["orders"][1]) and len(at_once["assignments"][1])   # the fixture has rejects of both kinds
    cuts = [(a, b) for a in range(len(files) + 1) for b in range(a, len(files) + 1)]
    for a, b in cuts:
        runs = [validated_run(run, data, tmp_path / "cache", platform) for run in (files[:a], files[a:b], files[b:]) if run]
        for kind, (valid, rejects) in at_once.items():
            in_runs, rejected = valid_rows(runs, kind, platform)
            pd.testing.assert_frame_equal(in_runs.reset_index(drop=True), valid.reset_index(drop=True))
            pd.testing.assert_frame_equal(rejected.reset_index(drop=True), rejects.reset_index(drop=True))


def test_the_folder_read_side_by_side_is_the_folder_read_in_one_process(data, units, tmp_path):
    side_by_side = load_exports(data, units, cache_dir=tmp_path / "cache", jobs=2)
    alone = load_exports(data, units)
    for name in ["orders", "assignments", "rejects", "duplicates"]:
        pd.testing.assert_frame_equal(getattr(side_by_side, name), getattr(alone, name))
    assert side_by_side.read == alone.read and side_by_side.skipped == alone.skipped
    assert side_by_side.sources == alone.sources and side_by_side.summary() == alone.summary()
    assert alone.counts() == {"read": 12, "used": 5, "duplicates": 2, "rejected": 5}
    assert sorted(alone.orders["order_id"]) == ["00123", "00124", "00400"]
    assert alone.orders.set_index("order_id").loc["00124", "visit_result"] == "满意"   # the fuller copy, b-orders.csv
    # as the code before the runs gave them (bb827d6^), in its order: 合计 rows, orders, assignments
    assert alone.rejects[["file", "row", "reason"]].values.tolist() == [
        ["b-orders.csv", 4, "total row (合计/总计): not a record, left out"],
        ["a-orders.csv", 4, "not a date and time"],
        ["b-orders.csv", 3, "signed_at is before received_at"],
        ["e-both.xlsx", 4, "missing value"],
        ["f-assignments.csv", 3, "unit_completed_at is before dispatched_at"]]
    assert alone.duplicates.values.tolist() == [["a-orders.csv", "", 3, "order", "00124", "b-orders.csv", "", 2],
                                                ["e-both.xlsx", "派单", 3, "assignment", "00124", "f-assignments.csv", "", 2]]
    assert alone.read == {"a-orders.csv": 3, "b-orders.csv": 3, "c-empty.csv": 0, "e-both.xlsx": 4, "f-assignments.csv": 2}


def test_the_first_file_in_order_that_fails_is_the_error_side_by_side(data, units, tmp_path):
    """A later, larger file that cannot be read is parsed first by the pool; the error is still the
    first file's in name order, as read one by one, with no other process's traceback in it."""
    write_csv(data / "0-no-unit.csv", [h for h in ASSIGNMENT_HEADER if h != "承办\n单位"],
              [[v for h, v in zip(ASSIGNMENT_HEADER, assignment()) if h != "承办\n单位"]])
    (data / "z-broken.xlsx").write_bytes(b"not a zip" * 100_000)
    with pytest.raises(InputError) as alone:
        load_exports(data, units)
    with pytest.raises(InputError) as side_by_side:
        load_exports(data, units, cache_dir=tmp_path / "cache", jobs=2)
    assert str(side_by_side.value) == str(alone.value) and "0-no-unit.csv" in str(alone.value)
    chain, error = [], side_by_side.value
    while error is not None:
        chain.append(type(error).__name__)
        error = error.__cause__ or error.__context__
    assert "_RemoteTraceback" not in chain


def die(*args):
    """A process of the pool killed (out of memory, say) while it validates."""
    os._exit(9)


def test_a_process_of_the_pool_that_dies_is_one_error_and_nothing_is_stored(data, units, tmp_path, monkeypatch):
    monkeypatch.setattr(file_validation, "validated_run", die)
    cache = tmp_path / "cache"
    with pytest.raises(HotlineError, match="a process reading the exports in .* ended before it was done"):
        load_exports(data, units, cache_dir=cache, jobs=2)
    assert not list(cache.glob("dataset-*/meta.json"))


def test_unknown_visit_results_in_files_of_both_runs_are_one_error(data, units, tmp_path):
    write_csv(data / "a-orders.csv", ORDER_HEADER, [order("00124", completed="2021-03-03 10:00:00",
                                                          visited="2021-03-04 10:00:00", result="很满意")])
    write_csv(data / "f-assignments.csv", ASSIGNMENT_HEADER, [assignment("00124", unit="区人社局", result="很满意"),
                                                             assignment("00300", result="一般")])
    with pytest.raises(InputError) as alone:
        load_exports(data, units)
    with pytest.raises(InputError) as side_by_side:
        load_exports(data, units, cache_dir=tmp_path / "cache", jobs=2)
    assert str(side_by_side.value) == str(alone.value)
    assert "“很满意” (a-orders.csv, f-assignments.csv, rows: 2); “一般” (f-assignments.csv, rows: 1)" in str(alone.value)
