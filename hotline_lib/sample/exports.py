"""Writing the sample as the platform exports it: one 工单 and one 派单 file a month, overlapping,
messy, in GBK/UTF-8 CSV or .xlsx, with a few duplicated and invalid rows."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from hotline_lib.core.config import SAMPLE_INPUTS_DIR, template_root
from hotline_lib.io.directory import UnitDirectory, load_units
from hotline_lib.core.errors import HotlineError
from hotline_lib.io.sample_data import OLD_SAMPLE_MARKER, SAMPLE_MARKER, SAMPLE_MARKER_TEXT, is_sample_data
from hotline_lib.sample.generate import Sample, build_sample
from hotline_lib.sample.plan import MONTHS, REFERENCE_MONTH
from hotline_lib.sample.visits import export_styles, visit_details, visits_rng, with_visit_columns
from hotline_lib.core.utils import write_text_atomic
from hotline_lib.io.validation import TIMEZONE

HEADERS = {  # canonical field -> the header the platform prints (the first spelling in columns.yaml)
    "orders": {"order_id": "工单编号", "received_at": "受理时间", "signed_at": "签收时间", "channel": "来源渠道",
               "appeal_type": "诉求类型", "category": "问题分类", "epidemic": "疫情相关", "business_env": "营商环境",
               "content": "诉求内容", "caller_phone": "联系电话", "completed_at": "办结时间", "visited_at": "回访时间",
               "visit_result": "回访结果"},
    "assignments": {"order_id": "工单编号", "unit": "承办单位", "dispatched_at": "派单时间", "sign_due": "签收时限",
                    "unit_signed_at": "签收时间", "returned_at": "退回时间", "return_due": "退回时限",
                    "return_rejected": "退单驳回", "complete_due": "办结时限", "unit_completed_at": "办结时间",
                    "extension_requested": "申请延期", "extension_rejected": "延期驳回", "redo_count": "发回重办次数",
                    "unit_visited_at": "回访时间", "unit_visit_result": "回访结果", "repeat_assigned": "重复交办"},
}
ALIAS_HEADERS = {"工单编号": "工单号", "承办单位": "承办部门", "问题分类": "问题类型", "来源渠道": "来源"}
# Later events are unknown to an export made at the end of a month: these go blank together.
ORDER_LATER = {"completed_at": ["completed_at", "visited_at", "visit_result"], "visited_at": ["visited_at", "visit_result"]}
ASSIGNMENT_LATER = {"unit_signed_at": ["unit_signed_at"],
                    "unit_completed_at": ["unit_completed_at", "unit_visited_at", "unit_visit_result"],
                    "unit_visited_at": ["unit_visited_at", "unit_visit_result"]}
FIXED_TIME = dt.datetime(2021, 7, 1, 9, 0, 0)


@dataclass
class SampleReport:
    out: Path
    files: list[Path]
    orders: int
    assignments: int
    duplicates: int
    invalid: int


def month_frame(frame: pd.DataFrame, month: str, time_columns: list[str], later: dict) -> pd.DataFrame:
    """Rows with any event in ``month``, as an export made at that month's end would show them."""
    start = pd.Timestamp(f"{month}-01", tz=TIMEZONE)
    end = start + pd.offsets.MonthBegin(1)
    in_month = np.zeros(len(frame), dtype=bool)
    for column in time_columns:
        in_month |= ((frame[column] >= start) & (frame[column] < end)).fillna(False).to_numpy(dtype=bool)
    rows = frame[in_month].copy()
    for column, blanks in later.items():
        unknown = (rows[column] >= end).fillna(False).to_numpy(dtype=bool)
        for blank in blanks:
            rows[blank] = rows[blank].astype(object)
            rows.loc[unknown, blank] = None
    return rows


def _text(frame: pd.DataFrame, time_format: str) -> pd.DataFrame:
    """Every cell as the platform writes it: times as text, 是/否, empty for missing."""
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype) or column.endswith(("_at", "_due")):
            times = pd.to_datetime(values, utc=True).dt.tz_convert(TIMEZONE)
            shown[column] = times.dt.strftime(time_format).fillna("")
        else:
            shown[column] = [("是" if v else "否") if isinstance(v, (bool, np.bool_)) else ("" if v is None or v is pd.NA
                             or (isinstance(v, float) and np.isnan(v)) else str(v)) for v in values]
    return shown


def _messy_header(rng, header: str) -> str:
    """A header as one export or another spells it: extra spaces, a line break, or an alias."""
    roll = rng.random()
    if roll < 0.15 and header in ALIAS_HEADERS:
        return ALIAS_HEADERS[header]
    if roll < 0.35 and len(header) > 2:
        cut = int(rng.integers(1, len(header)))
        return header[:cut] + ("\n" if rng.random() < 0.5 else "  ") + header[cut:]
    return header


def _spell_units(rng, units: UnitDirectory, names: pd.Series) -> pd.Series:
    """About one row in twenty names its unit by an alias, as other systems' exports do."""
    spellings = {u.name: [u.display, *u.aliases] for u in units.units}
    return pd.Series([str(rng.choice(spellings[n])) if rng.random() < 0.05 and spellings.get(n) else n for n in names],
                     index=names.index)


def _invalid_rows(month: str, kind: str, index: int) -> list[dict]:
    """A few rows the reader must reject (each with a made-up order id that nothing else uses)."""
    stamp = f"{month}-10 10:00:00"
    if kind == "orders":
        return [{"order_id": f"9{month[2:4]}{month[5:]}{index:03d}1", "signed_at": stamp, "channel": "12345热线",
                 "appeal_type": "很好", "content": "【样例数据，虚构】无效行：诉求类型不是咨询/求助/投诉/建议/表扬"},
                {"order_id": "", "signed_at": stamp, "channel": "12345热线", "content": "【样例数据，虚构】无效行：缺少工单编号"},
                {"order_id": f"9{month[2:4]}{month[5:]}{index:03d}4", "signed_at": stamp, "completed_at": f"{month}-09 10:00:00",
                 "channel": "12345热线", "content": "【样例数据，虚构】无效行：办结时间早于签收时间"}]
    prefix = f"9{month[2:4]}{month[5:]}{index:03d}"
    rows = [{"order_id": f"{prefix}2", "unit": "东湖街道办事处", "dispatched_at": f"{month}-45 25:61:00", "sign_due": stamp}]
    if index % 5 == 0:
        rows.append({"order_id": f"{prefix}3", "unit": "东湖街道办事处", "dispatched_at": stamp, "sign_due": stamp, "redo_count": "两次"})
    if index % 3 == 0:  # a blank time that became the Unix epoch somewhere upstream
        rows.append({"order_id": f"{prefix}5", "unit": "东湖街道办事处", "dispatched_at": "1970-01-01 08:00:00", "sign_due": stamp})
    if index % 4 == 1:
        rows.append({"order_id": f"{prefix}6", "unit": "东湖街道办事处", "dispatched_at": stamp, "sign_due": stamp, "redo_count": "-1"})
    if index % 6 == 2:
        rows.append({"order_id": f"{prefix}7", "unit": "东湖街道办事处", "dispatched_at": stamp, "sign_due": stamp,
                     "unit_signed_at": stamp, "unit_completed_at": "2099-01-01 09:00:00", "complete_due": stamp})
    return rows


def _write_csv(path: Path, table: pd.DataFrame, encoding: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    table.to_csv(tmp, index=False, encoding=encoding, lineterminator="\r\n")
    tmp.replace(path)


def _write_xlsx(path: Path, sheets: dict[str, pd.DataFrame], title: str | None) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    workbook = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False})
    workbook.set_properties({"created": FIXED_TIME, "author": "hotline sample"})
    for name, table in sheets.items():
        sheet = workbook.add_worksheet(name)
        start = 0
        if title:
            sheet.write_string(0, 0, title)
            start = 2
        sheet.write_row(start, 0, list(table.columns))
        for r, row in enumerate(table.itertuples(index=False), start=start + 1):
            sheet.write_row(r, 0, row)
    workbook.close()
    tmp.replace(path)


def write_exports(rng, sample: Sample, out: Path, units: UnitDirectory, visits=None) -> SampleReport:
    """One 工单 and one 派单 file per month under ``out/exports``; ``visits``: the stream of the 派单's
    是否联系 and 是否解决 columns (sample/visits.py; None: the files have none)."""
    exports = out / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    files, duplicates, invalid = [], 0, 0
    order_times = ["signed_at", "completed_at", "visited_at"]
    assignment_times = ["dispatched_at", "unit_signed_at", "returned_at", "unit_completed_at", "unit_visited_at"]
    if visits is not None:
        details, styles = visit_details(visits, sample.assignments), export_styles(visits, len(MONTHS))
    for i, month in enumerate(MONTHS):
        time_format = "%Y/%m/%d %H:%M:%S" if i % 4 == 3 else "%Y-%m-%d %H:%M:%S"
        tables = {}
        for kind, frame, times, later in [("orders", sample.orders, order_times, ORDER_LATER),
                                          ("assignments", sample.assignments, assignment_times, ASSIGNMENT_LATER)]:
            rows = _text(month_frame(frame, month, times, later), time_format)
            rows = rows[list(HEADERS[kind])] if set(HEADERS[kind]) <= set(rows.columns) else rows
            if kind == "assignments":
                rows["unit"] = _spell_units(rng, units, rows["unit"])
                if visits is not None:
                    rows = with_visit_columns(rows, details, styles[i])
            if i % 7 == 4:  # the platform exported a couple of rows twice
                rows = pd.concat([rows, rows.sample(2, random_state=int(rng.integers(1 << 31)))])
                duplicates += 2
            bad = pd.DataFrame(_invalid_rows(month, kind, i)).reindex(columns=rows.columns).astype(object).fillna("")
            invalid += len(bad)
            rows = pd.concat([rows, bad], ignore_index=True)
            rows.columns = [_messy_header(rng, HEADERS[kind][c]) if c in HEADERS[kind] else c for c in rows.columns]
            tables[kind] = rows
        label = f"{month[:4]}年{int(month[5:])}月"
        if i % 3 == 0:
            order_file, assignment_file = exports / f"工单导出_{month}.xlsx", exports / f"派单明细_{month}.xlsx"
            _write_xlsx(order_file, {"工单": tables["orders"]}, f"芙蓉区12345工单导出（{label}）" if i % 2 else None)
            assignments = tables["assignments"]
            if i % 2 == 0:  # streets and departments in two sheets
                kinds = {u.name: u.kind for u in units.units}
                streets = assignments.iloc[:, 1].map(lambda u: kinds.get(units.resolve(u) or "") == "街道")
                sheets = {"街道": assignments[streets], "区直部门": assignments[~streets]}
            else:
                sheets = {"派单": assignments}
            _write_xlsx(assignment_file, sheets, None)
        else:
            encoding = "gbk" if i % 3 == 1 else "utf-8-sig"
            order_file, assignment_file = exports / f"{month}_工单.csv", exports / f"{month}_派单.csv"
            _write_csv(order_file, tables["orders"], encoding)
            _write_csv(assignment_file, tables["assignments"], encoding)
        files += [order_file, assignment_file]
    return SampleReport(out, files, len(sample.orders), len(sample.assignments), duplicates, invalid)


def write_inputs(rng, out: Path, inputs: Path) -> None:
    """The city's ranking and the case stories: 2020-12 from the published bulletin, others made up."""
    (out / "city_ranking").mkdir(parents=True, exist_ok=True)
    (out / "cases").mkdir(parents=True, exist_ok=True)
    districts = ["芙蓉区", "岳麓区", "雨花区", "天心区", "开福区"]
    volume = {"芙蓉区": 3500, "岳麓区": 5200, "雨花区": 6500, "天心区": 4400, "开福区": 4400}
    for month in MONTHS:
        target = out / "city_ranking" / f"{month}.csv"
        if month == REFERENCE_MONTH:
            shutil.copyfile(inputs / f"city_ranking_{month}.csv", target)
            shutil.copyfile(inputs / f"case_{month}.md", out / "cases" / f"{month}.md")
            continue
        lines = ["区,月工单总数,满意度,总分"]
        for district in districts:
            satisfaction = 96.5 + 3.0 * rng.random()
            score = round(64 + 5.5 * rng.random(), 1)
            lines.append(f"{district},{int(rng.poisson(volume[district]))},{satisfaction:.2f}%,{score}")
        write_text_atomic(target, "\n".join(lines) + "\n")
        if rng.random() < 0.6:
            story = ("【样例数据，虚构】市民来电反映小区周边道路积水影响出行。相关街道接单后立即组织人员现场查看，"
                     "协调市政部门疏通排水管网，两日内整改到位，市民（联系电话19900001234，身份证号430102199001011234，"
                     "均为虚构）对处理结果表示满意。")  # personal numbers on purpose: every bulletin must mask them
            write_text_atomic(out / "cases" / f"{month}.md", story + "\n")


def check_sample_folder(out: str | Path) -> Path:
    """``out`` may receive the sample: a new folder, or one an earlier ``hotline sample`` wrote."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise HotlineError("{out} is a file; give --out a folder (nothing was changed)", out=out)
    if (out / "exports").exists() and any((out / "exports").iterdir()) and not is_sample_data(out):
        raise HotlineError("{folder} already holds files that `hotline sample` did not write; choose another --out "
                           "(nothing was changed)", folder=out / "exports")
    return out


def generate_sample(out: str | Path, seed: int = 20201231, units: UnitDirectory | None = None) -> SampleReport:
    """Build the sample and write it under ``out`` (exports/, city_ranking/, cases/), marked as the sample
    (io/sample_data.py: its renders say 样例数据, and it is not e-mailed without --sample-ok)."""
    out = check_sample_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    # first: a half-written sample (an interrupted run) is marked too, and `hotline sample` may overwrite it
    write_text_atomic(out / SAMPLE_MARKER, SAMPLE_MARKER_TEXT)
    (out / OLD_SAMPLE_MARKER).unlink(missing_ok=True)
    units = units or load_units(template_root() / "data" / "units.yaml")   # 芙蓉区's, in any working folder
    sample = build_sample(seed)
    rng = np.random.default_rng(seed + 1)
    if (out / "exports").exists():
        shutil.rmtree(out / "exports")  # our own earlier sample (the marker says so)
    report = write_exports(rng, sample, out, units, visits_rng(seed))
    write_inputs(rng, out, SAMPLE_INPUTS_DIR)
    return report
