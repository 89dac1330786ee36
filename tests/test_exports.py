"""Reading a data folder of exports: encodings, sheets, types, duplicates, rejects and the cache."""

from __future__ import annotations

import hashlib
import json
import re

import pandas as pd
import pytest
import xlsxwriter

from hotline_lib.io import reading
from hotline_lib.core.errors import HotlineError, InputError, UnknownUnitError
from hotline_lib.io.exports import load_exports
from hotline_lib.io.validation import validate as real_validate

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

ORDER_HEADER = ["工单编号", "受理时间", "签收  时间", "来源渠道", "诉求类型", "问题分类", "疫情相关", "营商环境", "诉求内容",
                "联系电话", "办结时间", "回访时间", "回访结果"]
ASSIGNMENT_HEADER = ["工单号", "承办\n单位", "派单时间", "签收时限", "签收时间", "退回时间", "退回时限", "退单驳回", "办结时限",
                     "办结时间", "申请延期", "延期驳回", "发回重办次数", "回访时间", "回访结果", "重复交办"]


def order(order_id="00123", signed="2021-03-02 09:00:00", completed="", visited="", result="", epidemic="否"):
    return [order_id, "2021-03-02 08:30:00", signed, "12345热线", "咨询", "消费维权", epidemic, "否",
            "【虚构】市民反映问题", "19900000000", completed, visited, result]


def assignment(order_id="00123", unit="东湖街道办事处", dispatched="2021-03-02 09:10:00", signed="2021-03-02 09:30:00",
               completed="", redo="0", result=""):
    return [order_id, unit, dispatched, "2021-03-02 11:10:00", signed, "", "", "否", "2021-03-07 09:30:00", completed,
            "否", "否", redo, "", result, "否"]


def write_csv(path, header, rows, encoding="utf-8"):
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding=encoding)


def write_xlsx(path, sheets: dict[str, tuple[list, list]]):
    workbook = xlsxwriter.Workbook(str(path))
    for name, (header, rows) in sheets.items():
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            sheet.write_row(r, 0, row)
    workbook.close()


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    write_csv(data / "orders-gbk.csv", ORDER_HEADER, [order(), order("00124", completed="2021-03-03 10:00:00")], "gbk")
    write_xlsx(data / "dispatch.xlsx", {"街道": (ASSIGNMENT_HEADER, [assignment()]),
                                        "部门": (ASSIGNMENT_HEADER, [assignment("00124", unit="区人社局")]),
                                        "空白": ([], [])})
    return data


def test_reads_every_file_and_sheet_by_its_headers(folder, units):
    exports = load_exports(folder, units)
    assert sorted(exports.orders["order_id"]) == ["00123", "00124"]          # leading zeros kept
    assert sorted(exports.assignments["unit"]) == ["东湖街道办事处", "人力资源和社会保障局"]   # alias resolved
    assert exports.read == {"dispatch.xlsx": 2, "orders-gbk.csv": 2} and exports.rejects.empty
    assert exports.accounting().to_dict("records") == [
        {"file": "dispatch.xlsx", "read": 2, "used": 2, "duplicates": 0, "rejected": 0},
        {"file": "orders-gbk.csv", "read": 2, "used": 2, "duplicates": 0, "rejected": 0}]


def test_types_times_flags_and_missing(folder, units):
    exports = load_exports(folder, units)
    first = exports.orders.set_index("order_id").loc["00123"]
    assert first["signed_at"] == pd.Timestamp("2021-03-02 09:00:00", tz="Asia/Shanghai")
    assert pd.isna(first["completed_at"]) and pd.isna(first["visit_result"])
    assert first["epidemic"] is False or first["epidemic"] == False  # noqa: E712 (a nullable boolean)
    assert str(exports.assignments["redo_count"].dtype) == "Int64"


def test_duplicates_keep_the_most_complete_row_and_are_reported(folder, units):
    write_csv(folder / "later.csv", ORDER_HEADER,
              [order("00123", completed="2021-03-04 09:00:00", visited="2021-03-05 09:00:00", result="满意")])
    exports = load_exports(folder, units)
    kept = exports.orders.set_index("order_id").loc["00123"]
    assert kept["visit_result"] == "满意"
    # a copy is not a rejected row: it is listed with the copy that is used
    assert exports.rejects.empty
    assert exports.duplicates[["file", "row", "record", "order_id", "copy_of_file", "copy_of_row"]].values.tolist() == [
        ["orders-gbk.csv", 2, "order", "00123", "later.csv", 2]]
    assert sum(exports.read.values()) == len(exports.orders) + len(exports.assignments) + len(exports.duplicates)


def test_a_later_export_repeating_a_row_counts_it_as_a_duplicate_not_a_rejection(folder, units):
    """Exports overlap: the next month's export repeats an order and an assignment already read. Each
    file balances as read = used + duplicates + rejected, and nothing is rejected."""
    write_csv(folder / "orders-later.csv", ORDER_HEADER, [order("00124", completed="2021-03-03 10:00:00"), order("00125")])
    write_csv(folder / "dispatch-later.csv", ASSIGNMENT_HEADER, [assignment()])
    exports = load_exports(folder, units)
    assert exports.rejects.empty and len(exports.duplicates) == 2
    assert sorted(exports.duplicates["record"]) == ["assignment", "order"]
    account = exports.accounting().set_index("file")
    assert (account["read"] == account["used"] + account["duplicates"] + account["rejected"]).all()
    assert account["rejected"].sum() == 0 and account["duplicates"].sum() == 2
    assert exports.counts() == {"read": 7, "used": 5, "duplicates": 2, "rejected": 0}
    summary = exports.summary()
    assert "7 rows read: 5 used (3 orders, 2 assignments), 2 duplicates (" in summary
    assert "fullest copy is used" in summary and "0 invalid" in summary and "rejected" not in summary


def test_an_unbalanced_file_raises(folder, units):
    exports = load_exports(folder, units)
    exports.read["orders-gbk.csv"] += 1          # a row lost: used + duplicates + rejected no longer add up
    with pytest.raises(HotlineError, match=r"orders-gbk.csv has 3 rows read but 2 used \+ 0 duplicates \+ 0 rejected"):
        exports.accounting()


def test_invalid_rows_are_rejected_with_file_row_column_and_reason(folder, units):
    write_csv(folder / "bad.csv", ASSIGNMENT_HEADER, [
        assignment("00200", dispatched="2021-13-45 25:00:00"),
        assignment("00201", redo="两次"),
        assignment("00202", completed="办完了"),
        assignment("", unit="东湖街道办事处"),
        assignment("00203", signed="2021-03-01 08:00:00"),   # signed before it was dispatched
    ])
    exports = load_exports(folder, units)
    rejects = exports.rejects.set_index("row")
    assert rejects.loc[2, ["file", "column", "value", "reason"]].tolist() == ["bad.csv", "派单时间", "2021-13-45 25:00:00", "not a date and time"]
    assert rejects.loc[3, ["column", "reason"]].tolist() == ["发回重办次数", "expected a whole number"]
    assert rejects.loc[4, ["column", "reason"]].tolist() == ["办结时间", "not a date and time"]
    assert rejects.loc[5, ["column", "reason"]].tolist() == ["工单号", "missing value"]
    assert rejects.loc[6, "reason"] == "unit_signed_at is before dispatched_at"
    assert len(exports.assignments) == 2
    read = sum(exports.read.values())
    assert read == len(exports.orders) + len(exports.assignments) + exports.rejects.drop_duplicates(["file", "sheet", "row"]).shape[0]
    assert exports.duplicates.empty
    bad = exports.accounting().set_index("file").loc["bad.csv"]
    assert bad.to_dict() == {"read": 5, "used": 0, "duplicates": 0, "rejected": 5}   # each row invalid, counted once
    assert "0 duplicates, 5 invalid (listed in rejects.csv)" in exports.summary()


def test_unknown_unit_is_an_error_naming_it_and_where(folder, units):
    write_csv(folder / "new.csv", ASSIGNMENT_HEADER, [assignment("00300", unit="火星探测局")])
    with pytest.raises(UnknownUnitError) as error:
        load_exports(folder, units)
    assert str(error.value).startswith("new.csv, row 2, column '承办单位': unit '火星探测局' is not in the unit directory")
    assert "(rows: 1; closest: 火星街道办事处)" in str(error.value)


def test_every_unknown_unit_is_in_one_message_with_the_closest_names(folder, units, tmp_path):
    write_csv(folder / "new.csv", ASSIGNMENT_HEADER, [
        assignment("00300", unit="东湖街道办"), assignment("00301", unit="东湖街道办"), assignment("00302", unit="人力资源社会保障局"),
        assignment("00303", unit="ABC Ltd"), assignment("00304", unit="东湖街道办事处")])
    write_csv(folder / "more.csv", ASSIGNMENT_HEADER, [assignment("00305", unit="人力资源社会保障局")])
    with pytest.raises(UnknownUnitError) as error:
        load_exports(folder, units, cache_dir=tmp_path / "cache")
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("3 units in the exports are not in the unit directory ")
    assert "'东湖街道办' (rows: 2, in new.csv; closest: 东湖街道办事处, " in message
    assert "'人力资源社会保障局' (rows: 2, in more.csv, new.csv; closest: 人力资源和社会保障局, " in message
    assert "'ABC Ltd' (rows: 1, in new.csv; no unit there is named like it)" in message
    assert "more, every one listed in" not in message   # three are all named: no file to look up


def test_many_unknown_units_are_all_in_a_file_in_the_cache_folder(folder, units, tmp_path):
    unknown = {f"虚构单位{i:02}": i for i in range(1, 14)}   # 13 spellings, 1 to 13 rows each
    rows = [assignment(f"9{i:02}{n:02}", unit=unit) for i, (unit, count) in enumerate(unknown.items()) for n in range(count)]
    write_csv(folder / "new.csv", ASSIGNMENT_HEADER, rows)
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(UnknownUnitError) as error:
        load_exports(folder, units, cache_dir=tmp_path / "cache")
    written = tmp_path / "cache" / "unknown_units.csv"
    message = str(error.value)
    assert message.startswith("13 units in the exports are not in the unit directory ")
    assert f"; and 3 more, every one listed in {written}. " in message
    assert "'虚构单位13' (rows: 13, in new.csv; " in message and "'虚构单位04' (rows: 4," in message   # the most rows first
    assert "'虚构单位03'" not in message
    assert written.read_bytes().startswith(b"\xef\xbb\xbf")   # UTF-8 with BOM: Excel opens it as UTF-8
    table = pd.read_csv(written, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(table.columns) == ["单位", "行数", "最接近的名录单位", "出现的文件"]
    assert dict(zip(table["单位"], table["行数"].astype(int))) == unknown
    assert set(table["出现的文件"]) == {"new.csv"}
    assert list(table["最接近的名录单位"]) == ["、".join(units.closest(u)) for u in table["单位"]]
    assert sorted(p.name for p in folder.iterdir()) == before   # nothing written in the data folder


def _strays(folder):
    """Files a district keeps beside its exports that are none: a notes CSV, a workbook of other
    columns, a README; named in the order they are read."""
    write_csv(folder / "notes.csv", ["工单编号", "备注"], [["00123", "已电话联系"]])
    write_xlsx(folder / "会议记录.xlsx", {"Sheet1": (["日期", "事项", "负责人"], [["2021-03-02", "周例会", "王五"]])})
    (folder / "sub").mkdir()
    (folder / "sub" / "README.txt").write_text("三月的导出文件", encoding="utf-8")
    return [("notes.csv", "not a 工单 or 派单 export: no row among its first 20 names the columns of one"),
            ("会议记录.xlsx", "not a 工单 or 派单 export: no row among its first 20 names the columns of one"),
            ("sub/README.txt", "not a .csv, .xlsx, .xls, .xlsb or .ods file")]


@pytest.mark.parametrize("cached", [False, True], ids=["read", "from the cache"])
def test_files_that_are_not_exports_are_skipped_and_named(folder, units, tmp_path, cached):
    alone = load_exports(folder, units)
    expected = _strays(folder)
    cache = tmp_path / "cache" if cached else None
    if cached:
        load_exports(folder, units, cache_dir=cache)   # the second run reads the stored dataset
    exports = load_exports(folder, units, cache_dir=cache)
    assert exports.skipped == expected
    assert exports.counts() == alone.counts() and exports.records() == alone.records()
    assert [p.name for p in exports.files] == ["dispatch.xlsx", "orders-gbk.csv"]
    assert list(exports.accounting()["file"]) == ["dispatch.xlsx", "orders-gbk.csv"]   # no empty line for a stray
    assert exports.summary() == alone.summary() + "; 3 other files skipped, not 工单 or 派单 exports: notes.csv, 会议记录.xlsx, sub/README.txt"
    assert {e["file"]: e["reason"] for e in exports.skipped_files("zh")}["sub/README.txt"] == "不是 .csv、.xlsx、.xls、.xlsb 或 .ods 文件"


def test_a_folder_of_strays_only_is_an_error_naming_them(tmp_path, units):
    _strays(tmp_path)
    with pytest.raises(InputError) as error:
        load_exports(tmp_path, units)
    assert str(error.value).startswith(f"{tmp_path}: no 工单 or 派单 export here: every file was skipped as not an export (")
    assert "notes.csv" in str(error.value) and "会议记录.xlsx" in str(error.value)


def test_a_table_with_export_headers_of_neither_kind_is_an_error(folder, units):
    write_csv(folder / "other.csv", ["工单编号", "签收时间", "办结时间", "回访时间"], [["1", "", "", ""]])
    with pytest.raises(InputError, match="cannot tell a 工单 from a 派单 export"):
        load_exports(folder, units)


@pytest.mark.parametrize("dropped", ["签收时限", "派单时间", "承办\n单位"])
def test_a_broken_export_still_stops_the_run_naming_its_missing_column(folder, units, dropped):
    """A 派单 export missing a required column is an export (its other headers say so), never skipped."""
    keep = [i for i, h in enumerate(ASSIGNMENT_HEADER) if h != dropped]
    write_csv(folder / "派单.csv", [ASSIGNMENT_HEADER[i] for i in keep], [[assignment("00300")[i] for i in keep]])
    with pytest.raises(InputError) as error:
        load_exports(folder, units)
    column = {"承办\n单位": "承办单位"}.get(dropped, dropped)
    canonical = {"签收时限": "sign_due", "派单时间": "dispatched_at", "承办单位": "unit"}[column]
    assert str(error.value) == (f"{folder / '派单.csv'}: missing column “{column}” (no header of this file is like it): "
                                f"if this file names it otherwise, add its header to data/columns.yaml in place of …: "
                                f"assignments: {{{canonical}: […]}}")


def test_a_damaged_export_is_not_skipped(folder, units):
    """An export whose 工单编号 header was mistyped has no header row the reader finds, but its other
    headers make it an export: an error, not a skipped file, naming the header that may be 工单编号."""
    write_csv(folder / "派单.csv", ["工单编码", *ASSIGNMENT_HEADER[1:]], [assignment("00300")])
    with pytest.raises(InputError) as error:
        load_exports(folder, units)
    assert str(error.value) == (f"{folder / '派单.csv'}: missing column “工单编号”; the header most like it is “工单编码”: "
                                "if so, add to data/columns.yaml: assignments: {order_id: [工单编码]}")


def test_missing_folder_and_empty_folder(tmp_path, units):
    with pytest.raises(InputError, match="data folder not found"):
        load_exports(tmp_path / "nope", units)
    with pytest.raises(InputError, match=re.escape("no export files (.csv, .xlsx, .xls, .xlsb or .ods)")):
        load_exports(tmp_path, units)


def test_input_files_are_never_modified(folder, units, tmp_path):
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    load_exports(folder, units, cache_dir=tmp_path / "cache")
    assert before == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    assert sorted(p.name for p in folder.iterdir()) == sorted(before)


def test_second_run_reads_no_spreadsheet(folder, units, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = load_exports(folder, units, cache_dir=cache)

    def no_reading(path):
        raise AssertionError(f"read {path} again")

    monkeypatch.setattr(reading, "read_grids", no_reading)
    second = load_exports(folder, units, cache_dir=cache)
    pd.testing.assert_frame_equal(first.orders, second.orders)
    pd.testing.assert_frame_equal(first.assignments, second.assignments)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(tmp_path, units, encoding):
    write_csv(tmp_path / "o.csv", ORDER_HEADER, [order(), order("00999")], encoding)
    assert sorted(load_exports(tmp_path, units).orders["order_id"]) == ["00123", "00999"]


def test_input_subfolders_are_not_exports(folder, units):
    (folder / "city_ranking").mkdir()
    (folder / "city_ranking" / "2021-03.csv").write_text("区,月工单总数,满意度,总分\n芙蓉区,1,99.00%,70\n", encoding="utf-8")
    assert len(load_exports(folder, units).files) == 2


def test_second_run_validates_nothing_again(folder, units, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = load_exports(folder, units, cache_dir=cache)
    monkeypatch.setattr("hotline_lib.io.file_validation.validate", lambda *a: (_ for _ in ()).throw(AssertionError("validated again")))
    second = load_exports(folder, units, cache_dir=cache)
    pd.testing.assert_frame_equal(first.assignments, second.assignments)
    assert second.read == first.read and second.summary() == first.summary()


def test_a_cached_dataset_with_a_future_row_is_used_until_that_time(folder, units, tmp_path, monkeypatch):
    write_csv(folder / "later.csv", ORDER_HEADER, [order("00999", completed="2099-01-01 09:00:00")])
    cache = tmp_path / "cache"
    first = load_exports(folder, units, cache_dir=cache)
    assert first.rejects["reason"].tolist() == ["in the future: after the time of this run"]
    meta_file = next(cache.glob("dataset-*/meta.json"))
    assert json.loads(meta_file.read_text(encoding="utf-8"))["valid_until"] == "2099-01-01T09:00:00+08:00"
    validated = []
    monkeypatch.setattr("hotline_lib.io.file_validation.validate", lambda *a: validated.append(1) or real_validate(*a))
    load_exports(folder, units, cache_dir=cache)
    assert validated == []                       # served from the cache: 2099 is still ahead
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta_file.write_text(json.dumps({**meta, "valid_until": "2020-01-01T00:00:00+08:00"}), encoding="utf-8")
    load_exports(folder, units, cache_dir=cache)
    assert validated                             # that time has come: validated again


def test_a_changed_file_is_read_again(folder, units, tmp_path):
    cache = tmp_path / "cache"
    load_exports(folder, units, cache_dir=cache)
    write_csv(folder / "orders-gbk.csv", ORDER_HEADER, [order(), order("00124"), order("00125")], "gbk")
    assert len(load_exports(folder, units, cache_dir=cache).orders) == 3


def _same_exports(first, second):
    for name in ["orders", "assignments", "rejects", "duplicates"]:
        pd.testing.assert_frame_equal(getattr(first, name).reset_index(drop=True), getattr(second, name).reset_index(drop=True),
                                      check_dtype=False)
    pd.testing.assert_frame_equal(first.accounting(), second.accounting())
    assert first.summary() == second.summary()


def test_files_parsed_side_by_side_give_the_same_exports_and_a_new_export_is_the_only_file_parsed(folder, units, tmp_path):
    """cache_dataset parses the files not yet cached in parallel processes (render/month.py calls it
    while the kernel warms up); the dataset is the one read file by file without any cache, also
    after a later export updates an earlier row, and a file already parsed is not parsed again."""
    from hotline_lib.io.exports import cache_dataset

    write_csv(folder / "bad-row.csv", ORDER_HEADER, [order("00200", signed="not a time")])
    cache = tmp_path / "cache"
    cache_dataset(folder, units, cache, jobs=2)
    _same_exports(load_exports(folder, units, cache_dir=cache), load_exports(folder, units))
    parsed = sorted(p.name for p in cache.glob("*.json"))
    assert len(parsed) == 3                                   # one entry per file, from the workers

    stamps = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    write_csv(folder / "orders-later.csv", ORDER_HEADER,
              [order("00123", completed="2021-03-04 09:00:00", visited="2021-03-05 09:00:00", result="满意")])
    cache_dataset(folder, units, cache, jobs=2)
    updated = load_exports(folder, units, cache_dir=cache)
    _same_exports(updated, load_exports(folder, units))
    assert updated.orders.set_index("order_id").loc["00123", "visit_result"] == "满意"
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.json")}
    assert len(after) == 4 and all(after[name] == stamp for name, stamp in stamps.items())  # only the new export parsed


def test_a_file_that_cannot_be_read_fails_the_same_way_in_parallel(folder, units, tmp_path):
    (folder / "broken.xlsx").write_bytes(b"not a zip")
    write_csv(folder / "more.csv", ORDER_HEADER, [order("00300")])
    from hotline_lib.io.exports import cache_dataset

    with pytest.raises(InputError) as serial:
        load_exports(folder, units)
    with pytest.raises(InputError) as parallel:
        cache_dataset(folder, units, tmp_path / "cache", jobs=2)
    assert str(parallel.value) == str(serial.value) and "broken.xlsx" in str(parallel.value)


def test_a_month_never_copies_a_rejects_csv_kept_by_other_code(folder, units, tmp_path):
    """rejects.csv is written once beside the cached dataset and copied to each month; the dataset's
    key does not cover the masking (core/privacy.py), so a copy kept by another version of the
    writer (an older masking, say) must not be what a month gets."""
    from hotline_lib.figures.month import write_once, write_rejects
    from hotline_lib.io.exports import CachedExports

    cache = tmp_path / "cache"
    load_exports(folder, units, cache_dir=cache)
    exports = load_exports(folder, units, cache_dir=cache)
    assert isinstance(exports, CachedExports)
    (exports.folder / "rejects.csv").write_text("kept by another version, unmasked 13812345678\n", encoding="utf-8")
    month = write_once(exports, "rejects.csv", write_rejects, exports.rejects, tmp_path / "out" / "2021-03")
    expected = write_rejects(exports.rejects, tmp_path / "expected.csv")
    assert month.read_bytes() == expected.read_bytes()
    again = write_once(exports, "rejects.csv", write_rejects, exports.rejects, tmp_path / "out" / "2021-04")
    assert again.read_bytes() == expected.read_bytes()


def test_a_dataset_whose_future_has_come_is_validated_once_and_replaced(folder, units, tmp_path, monkeypatch):
    """A cached dataset stops being true when a time it rejected as "in the future" has come: it is
    validated again once and stored in its place, not validated again by every later run."""
    from hotline_lib.io.exports import cache_dataset

    write_csv(folder / "later.csv", ORDER_HEADER, [order("00999", completed="2099-01-01 09:00:00")])
    cache = tmp_path / "cache"
    cache_dataset(folder, units, cache, jobs=1)
    meta_file = next(cache.glob("dataset-*/meta.json"))
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta_file.write_text(json.dumps({**meta, "valid_until": "2020-01-01T00:00:00+08:00"}), encoding="utf-8")
    validated = []
    monkeypatch.setattr("hotline_lib.io.file_validation.validate", lambda *a: validated.append(1) or real_validate(*a))
    cache_dataset(folder, units, cache, jobs=1)
    assert len(validated) == 2                   # orders and assignments, once
    assert json.loads(meta_file.read_text(encoding="utf-8"))["valid_until"] == "2099-01-01T09:00:00+08:00"
    load_exports(folder, units, cache_dir=cache)
    assert len(validated) == 2                   # the replaced dataset serves the next run
    assert not list(cache.glob(".dataset-*"))    # nothing left aside


def test_a_dataset_being_made_by_another_process_is_waited_for_and_read_not_made_again(folder, units, tmp_path,
                                                                                      monkeypatch):
    """A render's process beside its kernel (or a second command) needs the dataset another process
    is making: it waits for the dataset's lock, then reads what the other stored."""
    import subprocess
    import sys
    import textwrap
    import time

    from hotline_lib.io.exports import dataset_folder

    cache = tmp_path / "cache"
    lock = f"{dataset_folder(folder, units, cache)}.lock"
    holding = tmp_path / "holding"
    other = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from hotline_lib.io.directory import load_units
        from hotline_lib.io.exports import dataset_lock, load_exports
        with dataset_lock(Path({lock!r}[:-len(".lock")])):   # as cache_dataset holds it
            Path({str(holding)!r}).touch()
            time.sleep(1)
            load_exports(Path({str(folder)!r}), load_units(), cache_dir=Path({str(cache)!r}))
        """)])
    deadline = time.monotonic() + 60
    while not holding.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    def no_reading(path):
        raise AssertionError(f"read {path} again")

    monkeypatch.setattr(reading, "read_grids", no_reading)   # this process must not parse any export
    exports = load_exports(folder, units, cache_dir=cache)
    assert other.wait(timeout=60) == 0
    assert len(exports.orders) == 2 and len(exports.assignments) == 2


def test_a_cached_dataset_is_keyed_on_every_module_that_reads_the_exports():
    """``dataset_key`` hashes DATASET_CODE: every module of hotline_lib/io that io/exports.py imports,
    directly or through another (a fix to any of them never serves a dataset made before it)."""
    import ast
    from pathlib import Path

    from hotline_lib.io import exports

    folder = Path(exports.__file__).parent

    def imported(module: str) -> set[str]:
        found = set()
        for node in ast.walk(ast.parse((folder / f"{module}.py").read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hotline_lib.io"):
                found |= ({a.name for a in node.names} if node.module == "hotline_lib.io" else {node.module.split(".")[2]})
        return found

    seen, todo = set(), ["exports"]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(imported(module))
    assert seen == set(exports.DATASET_CODE) and {"export_tables", "file_validation"} <= seen
