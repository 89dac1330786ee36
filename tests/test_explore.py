"""The exploration notebooks' figures on hand-made frames, and both notebooks run with papermill on the
sample (pinned values of the unit notebook; no unmasked number and no CDN in the orders notebook)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from html.parser import HTMLParser

import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest

from hotline_lib.analysis import explore
from hotline_lib.analysis.trends import load_trends, median_handling_days
from hotline_lib.core.config import notebooks_dir
from hotline_lib.core.errors import InputError
from hotline_lib.core.privacy import scan_file
from hotline_lib.io.directory import Unit, UnitDirectory
from hotline_lib.io.validation import parse_times

from conftest import workspace

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

EXPLORE_DIR = notebooks_dir() / "explore"
MONTH = "2020-12"


def times(*texts) -> pd.Series:
    return parse_times(pd.Series(list(texts), dtype="string"))


@pytest.fixture(scope="module")
def directory() -> UnitDirectory:
    return UnitDirectory([Unit(name="湘湖管理局", kind="街道", display="湘湖管理局", aliases=["芙蓉区湘湖管理局"]),
                          Unit(name="马坡岭街道办事处", kind="街道", display="马坡岭街道办事处", aliases=["马坡岭街道"]),
                          Unit(name="城市管理局", kind="区直部门", display="区城管局", aliases=["城管局"])])


# One unit across months ---------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["城市管理局", "区城管局", "城管局", "城管局 ", "城 管 局"])
def test_resolve_unit_accepts_name_display_name_and_alias(directory, spelling):
    assert explore.resolve_unit(directory, spelling) == "城市管理局"


@pytest.mark.parametrize("spelling, closest", [("湘湖管委会", "湘湖管理局"), ("马坡岭", "马坡岭街道办事处"), ("区城管", "城市管理局")])
def test_unknown_unit_names_the_closest_units(directory, spelling, closest):
    with pytest.raises(InputError, match=f"unit '{spelling}' is not in the unit directory; closest: {closest}"):
        explore.resolve_unit(directory, spelling)


def test_no_unit_given_is_the_directorys_first_and_an_empty_directory_says_what_to_do(directory):
    assert explore.resolve_unit(directory, None) == "湘湖管理局"
    with pytest.raises(InputError, match="the unit directory is empty: run `hotline units --from-exports` first"):
        explore.resolve_unit(UnitDirectory([]), None)


def test_unit_like_no_other_says_so(directory):
    with pytest.raises(InputError, match="no unit there is named like it"):
        explore.resolve_unit(directory, "xyz")


def _unit_months() -> pd.DataFrame:
    """Two units, months out of order, the columns ``unit_month_table`` gives (scored)."""
    rows = []
    for unit, month, late, satisfaction, points, score, rank in [
            ("甲", "2020-12", 4, "89.74", "10", "59.6", 2), ("乙", "2020-12", 0, "100.00", "0", "70.0", 1),
            ("甲", "2020-11", 0, "100.00", "0", "70.0", 1), ("乙", "2020-11", 1, "95.00", "2", "68.0", 2)]:
        row = {"类别": "街道", "部门名称": unit, "签收总数": 44, "未按时签收数": 0, "未及时退回数": 0, "退单驳回数": 1,
               "办结工单（含上月流转工单）": 41, "未按时办结数": late, "按时办结率": Decimal("90.24"), "延期驳回数": 0,
               "发回重办数": 1, "回访工单总数": 39, "回访满意数": 35, "回访满意度": Decimal(satisfaction),
               "延期办理率": Decimal("10"), "重复交办率": Decimal("0.00"),
               "未按时签收扣分": Decimal("0.0"), "退单驳回扣分": Decimal("0.2"), "按时办结率扣分": Decimal(points),
               "总分": Decimal(score), "排名": rank, "month": month}
        rows.append(row)
    return pd.DataFrame(rows)


def test_unit_history_one_row_per_month_in_order():
    history = explore.unit_history(_unit_months(), "甲")
    assert list(history.index) == ["2020-11", "2020-12"] and history.index.name == "月份"
    assert history.loc["2020-12", "未按时办结数"] == 4 and history.loc["2020-12", "总分"] == Decimal("59.6")
    assert "部门名称" not in history.columns


def test_unit_history_of_a_unit_without_figures_is_an_error():
    with pytest.raises(InputError, match="no figures for unit '丙'"):
        explore.unit_history(_unit_months(), "丙")


def test_monthly_figures_shows_rates_as_published():
    shown = explore.monthly_figures(explore.unit_history(_unit_months(), "甲"))
    assert shown.loc["2020-12", "回访满意度"] == "89.74%" and shown.loc["2020-12", "延期办理率"] == "10.00%"
    assert shown.loc["2020-12", "未按时办结数"] == 4
    assert list(shown.columns)[0] == "签收总数" and "总分" not in shown.columns


def test_rates_are_floats_for_charts():
    rates = explore.rates(explore.unit_history(_unit_months(), "甲"))
    assert list(rates.columns) == ["按时办结率", "回访满意度", "延期办理率", "重复交办率"]
    assert rates.loc["2020-12", "回访满意度"] == pytest.approx(89.74) and rates.dtypes.eq(float).all()


@pytest.mark.parametrize("taken_only, rules", [(False, ["未按时签收", "退单驳回", "按时办结率"]), (True, ["退单驳回", "按时办结率"])])
def test_points_lost_per_rule(taken_only, rules):
    lost = explore.points_lost(explore.unit_history(_unit_months(), "甲"), taken_only=taken_only)
    assert list(lost.columns) == rules
    assert lost.loc["2020-12", "按时办结率"] == 10.0 and lost.loc["2020-11", "退单驳回"] == 0.2


def test_score_table_ends_with_score_and_rank():
    table = explore.score_table(explore.unit_history(_unit_months(), "甲"))
    assert list(table.columns) == ["未按时签收扣分", "退单驳回扣分", "按时办结率扣分", "总分", "排名"]
    assert table.loc["2020-12", "总分"] == 59.6 and table.loc["2020-12", "排名"] == 2


# One month's orders -----------------------------------------------------------------------------

NAT = None


def _orders(*rows) -> pd.DataFrame:
    """(order_id, signed_at, category, channel, content, completed_at)"""
    ids, signed, categories, channels, contents, completed = zip(*rows)
    return pd.DataFrame({"order_id": pd.array(ids, dtype="string"), "signed_at": times(*signed),
                         "channel": pd.array(channels, dtype="string"), "appeal_type": pd.array(["投诉"] * len(ids), dtype="string"),
                         "category": pd.array(categories, dtype="string"), "content": pd.array(contents, dtype="string"),
                         "caller_phone": pd.array(["13812345678"] * len(ids), dtype="string"),
                         "completed_at": times(*completed), "visit_result": pd.array([None] * len(ids), dtype="string")})


def _assignments(*rows) -> pd.DataFrame:
    """(order_id, unit, dispatched_at, unit_signed_at, returned_at, return_rejected, unit_completed_at)"""
    ids, units, dispatched, signed, returned, refused, completed = zip(*rows)
    return pd.DataFrame({"order_id": pd.array(ids, dtype="string"), "unit": pd.array(units, dtype="string"),
                         "dispatched_at": times(*dispatched), "unit_signed_at": times(*signed),
                         "returned_at": times(*returned), "return_rejected": pd.array(refused, dtype="boolean"),
                         "unit_completed_at": times(*completed)})


@pytest.mark.parametrize("dispatched, signed, returned, refused, completed, status", [
    ("2020-12-01 09:00:00", "2020-12-01 10:00:00", NAT, None, "2020-12-03 10:00:00", "已办结"),
    ("2020-12-01 09:00:00", "2020-12-01 10:00:00", NAT, None, "2020-12-31 23:59:59", "已办结"),
    ("2020-12-01 09:00:00", "2020-12-01 10:00:00", NAT, None, "2021-01-01 00:00:00", "办理中"),  # completed at month end
    ("2020-12-01 09:00:00", "2020-12-01 10:00:00", NAT, None, NAT, "办理中"),
    ("2020-12-01 09:00:00", NAT, "2020-12-01 11:00:00", False, NAT, "已退回"),
    ("2020-12-01 09:00:00", NAT, "2020-12-01 11:00:00", True, NAT, "未签收"),      # return refused: still the unit's
    ("2020-12-01 09:00:00", NAT, "2021-01-02 11:00:00", False, NAT, "未签收"),     # returned next month
    ("2020-12-01 09:00:00", "2021-01-01 00:00:00", NAT, None, NAT, "未签收"),      # signed next month
    ("2021-01-01 00:00:00", NAT, NAT, None, NAT, "未派单"),                        # dispatched next month
])
def test_month_end_status_of_an_assignment(dispatched, signed, returned, refused, completed, status):
    orders = _orders(("1", "2020-12-01 08:00:00", "噪音", "12345热线", "x", NAT))
    rows = explore.month_orders(orders, _assignments(("1", "甲", dispatched, signed, returned, refused, completed)), MONTH)
    assert rows["status"].tolist() == [status]


@pytest.mark.parametrize("completed, status", [("2020-12-02 08:00:00", "已办结"), (NAT, "未派单"), ("2021-01-01 00:00:00", "未派单")])
def test_month_end_status_of_an_order_without_assignment(completed, status):
    orders = _orders(("1", "2020-12-01 08:00:00", "噪音", "12345热线", "x", completed))
    rows = explore.month_orders(orders, _assignments(("9", "甲", "2020-12-01 09:00:00", NAT, NAT, None, NAT)), MONTH)
    assert rows["status"].tolist() == [status] and rows["unit"].isna().all()


def _month():
    orders = _orders(("1", "2020-12-01 08:00:00", "噪音", "12345热线", "电话13812345678，身份证430102199001011234", NAT),
                     ("2", "2020-12-02 08:00:00", "物业服务", "市长信箱", "楼道灯坏了", "2020-12-03 08:00:00"),
                     ("3", "2020-11-30 23:59:59", "噪音", "12345热线", "上月的", NAT),        # signed in November
                     ("4", "2021-01-01 00:00:00", "噪音", "12345热线", "下月的", NAT))        # signed in January
    assignments = _assignments(("1", "湘湖管理局", "2020-12-01 09:00:00", "2020-12-01 10:00:00", NAT, None, NAT),
                               ("1", "城市管理局", "2020-12-01 09:00:00", "2020-12-01 12:00:00", NAT, None, "2020-12-05 12:00:00"),
                               ("3", "城市管理局", "2020-12-01 09:00:00", NAT, NAT, None, NAT))
    return explore.month_orders(orders, assignments, MONTH)


def test_month_orders_one_row_per_assignment_of_the_month_orders():
    rows = _month()
    assert rows["order_id"].tolist() == ["1", "1", "2"]
    assert rows["unit"].tolist()[:2] == ["湘湖管理局", "城市管理局"] and pd.isna(rows["unit"].iloc[2])
    assert rows["status"].tolist() == ["办理中", "已办结", "已办结"]


@pytest.mark.parametrize("filters, order_ids", [
    ({}, ["1", "1", "2"]),
    ({"unit": "城市管理局"}, ["1"]),
    ({"unit": "区城管局"}, ["1"]),                      # any spelling the directory knows
    ({"unit": "马坡岭街道"}, []),                        # a known unit with nothing this month
    ({"category": "噪音"}, ["1", "1"]),
    ({"channel": "市长信箱"}, ["2"]),
    ({"status": "已办结"}, ["1", "2"]),
    ({"category": "噪音", "status": "办理中"}, ["1"]),
])
def test_filter_orders(directory, filters, order_ids):
    assert explore.filter_orders(_month(), units=directory, **filters)["order_id"].tolist() == order_ids


@pytest.mark.parametrize("filters, message", [
    ({"category": "噪声"}, "no order here has 问题分类 '噪声'; closest: 噪音"),
    ({"channel": "微博"}, "no order here has 来源渠道 '微博'; values: 12345热线, 市长信箱"),
    ({"status": "完成"}, "no order here has 月末状态 '完成'; values: 未派单, 未签收, 已退回, 办理中, 已办结"),
    ({"unit": "湘湖管委会"}, "unit '湘湖管委会' is not in the unit directory; closest: 湘湖管理局"),
])
def test_filter_with_an_unknown_value_is_an_error(directory, filters, message):
    with pytest.raises(InputError, match=re.escape(message)):
        explore.filter_orders(_month(), units=directory, **filters)


def test_filter_by_unit_without_directory_takes_the_units_present():
    assert explore.filter_orders(_month(), unit="湘湖管理局")["order_id"].tolist() == ["1"]
    with pytest.raises(InputError, match="no order here has 承办单位 '马坡岭街道办事处'"):
        explore.filter_orders(_month(), unit="马坡岭街道办事处")


def test_display_orders_masks_text_and_leaves_out_the_phone_column():
    shown = explore.display_orders(_month())
    assert list(shown.columns) == list(explore.SHOWN.values()) and "联系电话" not in shown.columns
    assert shown.loc[0, "诉求内容"] == "电话138****5678，身份证430102********1234"
    assert shown.loc[0, "工单编号"] == "1" and shown.loc[0, "派单时间"] == "2020-12-01 09:00"
    text = shown.to_csv()
    assert "13812345678" not in text and "430102199001011234" not in text


def test_status_counts_in_order_with_zeros():
    counts = explore.status_counts(_month())
    assert counts.index.tolist() == explore.STATUSES and counts["派单数"].tolist() == [0, 0, 0, 1, 2]


# Times and backlog ------------------------------------------------------------------------------

@pytest.mark.parametrize("dispatched, signed, hours", [
    ("2020-12-01 09:00:00", "2020-12-01 10:30:00", 1.5),
    ("2020-11-30 23:00:00", "2020-12-01 00:00:00", 1.0),     # signed at the month's first instant: in M
    ("2020-12-31 23:00:00", "2021-01-01 00:00:00", None),    # signed at month end: next month
    ("2020-12-01 09:00:00", NAT, None),                      # never signed
])
def test_time_to_sign(dispatched, signed, hours):
    assignments = _assignments(("1", "甲", dispatched, signed, NAT, None, NAT))
    result = explore.time_to_sign(assignments, MONTH)
    assert result["hours"].tolist() == ([hours] if hours is not None else [])


@pytest.mark.parametrize("signed, completed, days", [
    ("2020-12-01 10:00:00", "2020-12-03 22:00:00", 2.5),
    ("2020-11-20 10:00:00", "2020-12-01 10:00:00", 11.0),    # signed last month, completed in M
    ("2020-12-01 10:00:00", "2021-01-01 00:00:00", None),    # completed at month end: next month
    ("2020-12-01 10:00:00", NAT, None),                      # not completed
])
def test_time_to_complete(signed, completed, days):
    assignments = _assignments(("1", "甲", "2020-11-20 09:00:00", signed, NAT, None, completed))
    result = explore.time_to_complete(assignments, MONTH)
    assert result["days"].tolist() == ([days] if days is not None else [])


def _handled():
    return _assignments(("1", "甲", "2020-12-01 09:00:00", "2020-12-01 10:00:00", NAT, None, "2020-12-02 10:00:00"),
                        ("2", "甲", "2020-12-01 09:00:00", "2020-12-01 12:00:00", NAT, None, "2020-12-05 12:00:00"),
                        ("3", "甲", "2020-12-01 09:00:00", "2020-12-01 09:30:00", NAT, None, "2020-12-11 10:00:00"),
                        ("4", "乙", "2020-11-30 09:00:00", "2020-11-30 10:00:00", NAT, None, "2020-12-01 22:00:00"),
                        ("5", "丙", "2020-12-31 20:00:00", "2020-12-31 22:00:00", NAT, None, NAT))


def test_unit_medians():
    assignments = _handled()
    medians = explore.unit_medians(explore.time_to_sign(assignments, MONTH), explore.time_to_complete(assignments, MONTH))
    assert medians.index.tolist() == ["丙", "乙", "甲"]
    assert medians.loc["甲"].tolist() == [3, 1.0, 3, 4.0]
    assert medians.loc["乙", "签收派单数"] == 0 and np.isnan(medians.loc["乙", "签收时长中位数（小时）"])
    assert medians.loc["乙", "办结时长中位数（天）"] == 1.5
    assert medians.loc["丙", "办结派单数"] == 0 and medians.loc["丙", "签收时长中位数（小时）"] == 2.0


def test_median_days_to_complete_agree_with_the_trends_page():
    assignments = _handled()
    ours = explore.unit_medians(explore.time_to_sign(assignments, MONTH), explore.time_to_complete(assignments, MONTH))
    theirs = median_handling_days(assignments, [MONTH])
    for unit in theirs.index:
        assert ours.loc[unit, "办结时长中位数（天）"] == theirs.loc[unit, "median_days"]


@pytest.mark.parametrize("signed, completed, age", [
    ("2020-12-30 00:00:00", NAT, 2.0),                       # signed, never completed
    ("2020-11-01 00:00:00", "2021-01-05 00:00:00", 61.0),    # signed last month, completed after M
    ("2020-12-31 12:00:00", "2021-01-01 00:00:00", 0.5),     # completed exactly at month end: still held at the end
    ("2020-12-31 12:00:00", "2020-12-31 23:59:59", None),    # completed in M
    ("2021-01-01 00:00:00", NAT, None),                      # signed at month end (next month)
    ("2021-01-03 00:00:00", NAT, None),                      # signed next month
    (NAT, NAT, None),                                        # never signed
])
def test_backlog_at_month_end(signed, completed, age):
    assignments = _assignments(("1", "甲", "2020-10-31 00:00:00", signed, NAT, None, completed))
    held = explore.backlog(assignments, MONTH)
    assert held["age_days"].tolist() == ([age] if age is not None else [])


@pytest.mark.parametrize("values, expected", [
    ([99.2, 99.1, 98.0], (97.0, 100.0)),        # a padding of at least 1 point, never above 100
    ([80.0, 90.0, 85.0], (77.5, 92.5)),         # a quarter of the range each side
    ([0.0, 0.5], (0.0, 1.5)),                   # never below 0
    ([float("nan"), 95.0], (94.0, 96.0)),       # months without a rate left out
    ([float("nan")], (0.0, 100.0)),             # nothing to fit
])
def test_rate_limits_fit_the_axis_to_the_rate(values, expected):
    assert explore.rate_limits(pd.Series(values)) == pytest.approx(expected)


def test_backlog_by_unit_as_a_rate_of_the_month_signed_highest_first():
    assignments = _assignments(("1", "甲", "2020-12-01 09:00:00", "2020-12-30 00:00:00", NAT, None, NAT),
                               ("2", "乙", "2020-12-01 09:00:00", "2020-12-21 00:00:00", NAT, None, NAT),
                               ("3", "乙", "2020-12-01 09:00:00", "2020-12-31 12:00:00", NAT, None, NAT),
                               ("5", "乙", "2020-12-01 09:00:00", "2020-12-02 00:00:00", NAT, None, "2020-12-03 00:00:00"),
                               ("6", "乙", "2020-12-01 09:00:00", "2020-12-02 00:00:00", NAT, None, "2020-12-03 00:00:00"),
                               ("7", "丁", "2020-11-01 09:00:00", "2020-11-02 00:00:00", NAT, None, NAT),
                               ("4", "丙", "2020-12-01 09:00:00", "2020-12-02 00:00:00", NAT, None, "2020-12-03 00:00:00"))
    table = explore.backlog_by_unit(assignments, MONTH)
    assert table.index.tolist() == ["甲", "乙", "丁"] and table.index.name == "承办单位"
    assert table["月末积压派单数"].tolist() == [1, 2, 1] and table["当月签收派单数"].tolist() == [1, 4, 0]
    assert table[explore.BACKLOG_RATE].tolist()[:2] == [100.0, 50.0] and math.isnan(table[explore.BACKLOG_RATE].iloc[2])
    assert table["最长积压天数"].tolist() == [2.0, 11.0, 60.0]


def test_backlog_rate_on_the_sample(sample_dir):
    assignments = load_trends("2020-12", "2020-12", workspace(sample_dir)).exports.assignments
    row = explore.backlog_by_unit(assignments, "2020-12").loc["市场监督管理局"]
    assert (row["月末积压派单数"], row["当月签收派单数"], row[explore.BACKLOG_RATE]) == (118, 1365, 8.6)


# The notebooks, run on the sample -------------------------------------------------------------

class _Tables(HTMLParser):
    """Rows of every DataFrame table in an HTML output: {row label: {column: cell text}}."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, str]] = {}
        self._header: list[str] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._header = None
        elif tag == "tr":
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._header is None:
                self._header = self._row
            elif self._row and self._row[0]:
                self.rows.setdefault(self._row[0], {}).update(zip(self._header[1:], self._row[1:]))
            self._row = None


def _run(name, tmp_path, monkeypatch, sample_dir, **parameters):
    monkeypatch.setenv("HOTLINE_DATA", str(sample_dir))
    out = tmp_path / f"{name}.ipynb"
    papermill.execute_notebook(str(EXPLORE_DIR / f"{name}.ipynb"), str(out), kernel_name="python3", progress_bar=False,
                               cwd=str(tmp_path), parameters=parameters)
    executed = nbformat.read(out, as_version=4)
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("dataframe" in o.get("data", {}).get("text/html", "") for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)
    return out, outputs


def _table_rows(outputs) -> dict[str, dict[str, str]]:
    parser = _Tables()
    for output in outputs:
        html = output.get("data", {}).get("text/html", "")
        if "dataframe" in html:
            parser.feed(html)
    return parser.rows


def _text(outputs) -> str:
    return "\n".join(output.get("text", "") + output.get("data", {}).get("text/plain", "") for output in outputs)


@pytest.mark.slow
@pytest.mark.parametrize("parameters, shown_unit, expected", [
    ({"unit": "湘湖管理局"}, "湘湖管理局", {"未按时办结数": "4", "退单驳回数": "1", "发回重办数": "1", "总分": "59.6"}),
    ({}, "文艺路街道办事处", {}),   # the default: the directory's first unit
    ({"unit": "马坡岭街道", "from_month": "2020-10", "to_month": "2021-03"}, "马坡岭街道办事处", {"回访满意度": "89.74%"}),
])
def test_unit_notebook(parameters, shown_unit, expected, sample_dir, tmp_path, monkeypatch):
    _, outputs = _run("unit", tmp_path, monkeypatch, sample_dir, **parameters)
    rows = _table_rows(outputs)
    assert {column: rows["2020-12"][column] for column in expected} == expected
    months = [label for label in rows if re.fullmatch(r"\d{4}-\d{2}", label)]
    assert months[0] == parameters.get("from_month", "2020-01") and months[-1] == parameters.get("to_month", "2020-12")
    assert shown_unit in _text(outputs)


@pytest.mark.slow
def test_unit_notebook_with_an_unknown_unit_names_the_closest(sample_dir, tmp_path, monkeypatch):
    with pytest.raises(papermill.PapermillExecutionError, match="closest: 湘湖管理局"):
        _run("unit", tmp_path, monkeypatch, sample_dir, unit="湘湖管委会")


@pytest.mark.slow
@pytest.mark.parametrize("parameters", [{}, {"month": "2021-03", "unit": "马坡岭街道", "status": "已办结"}],
                         ids=["defaults", "filtered"])
def test_orders_notebook(parameters, sample_dir, tmp_path, monkeypatch):
    out, outputs = _run("orders", tmp_path, monkeypatch, sample_dir, **parameters)
    html = "\n".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "itables" in html and "<table" in html                         # the interactive table
    assert not re.search(r"<script\b[^>]*\bsrc\s*=", html, re.I)          # DataTables embedded: no script fetched
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]*cdn""", html, re.I)
    assert not [f for f in scan_file(out) if "phone" in f.kind]           # every phone number masked
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html + _text(outputs))
    month = parameters.get("month", MONTH)
    assert f"{month}：签收工单" in _text(outputs)
    if "status" in parameters:  # the filters reached the table: one state left
        counts = {state: row["派单数"] for state, row in _table_rows(outputs).items() if state in explore.STATUSES}
        assert counts.pop("已办结") != "0" and set(counts.values()) == {"0"}
