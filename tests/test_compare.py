"""Two months side by side (hotline_lib/analysis/compare.py): the change arithmetic on hand-made values,
the comparisons on the sample against the trends' unit table and the bulletin's own figures.json, the
lines the trends notebook prints, and notebooks/explore/compare.ipynb run with papermill."""

from __future__ import annotations

import json
import shlex
from decimal import ROUND_HALF_UP, Decimal

import nbformat
import papermill
import pytest

from conftest import workspace
from hotline_lib.analysis import compare, trends
from hotline_lib.core.config import notebooks_dir
from hotline_lib.core.errors import InputError
from hotline_lib.core.numbers import format_percent, ratio_percent
from hotline_lib.figures.counts import APPENDIX_COLUMNS, in_month
from test_explore import _table_rows, _text

pytestmark = pytest.mark.usefixtures("english")

A, B, UNIT, CATEGORY = "2020-11", "2020-12", "湘湖管理局", "消费维权"


@pytest.mark.parametrize("a, b, text", [("99.20", "99.10", "-0.10个百分点"), (Decimal("89.74"), Decimal("100.00"), "+10.26个百分点"),
                                        ("95.5", "95.50", "0.00个百分点"), (99.995, 99.99, "-0.01个百分点")])
def test_points_change(a, b, text):
    assert compare.points_change(a, b) == text


@pytest.mark.parametrize("a, b, text", [(40, 44, "+4件（+10.00%）"), (44, 40, "-4件（-9.09%）"), (3, 3, "0件（0.00%）"),
                                        (0, 5, "+5件"), (0, 0, "0件"), (3, 0, "-3件（-100.00%）")])
def test_count_change(a, b, text):
    assert compare.count_change(a, b) == text


@pytest.mark.parametrize("a, b, text", [(3, 1, "上升2位"), (1, 4, "下降3位"), (2, 2, "持平"), (None, 2, "—")])
def test_rank_change(a, b, text):
    assert compare.rank_change(a, b) == text


def test_score_change():
    assert [compare.score_change(Decimal("70"), Decimal("59.6")), compare.score_change("68.0", "68")] == ["-10.4分", "0.0分"]


def test_detail_command_is_a_shell_line_papermill_accepts():
    line = compare.detail_command("orders", month="2021-06", category="消费维权 投诉", unit=None)
    assert shlex.split(line) == ["papermill", "notebooks/explore/orders.ipynb", "outputs/orders.ipynb",
                                 "-p", "month", "2021-06", "-p", "category", "消费维权 投诉"]


def test_unit_and_category_details_name_both_notebooks():
    unit = compare.unit_detail("湘湖管理局", "2020-01", "2021-06").splitlines()
    assert shlex.split(unit[1])[1:] == ["notebooks/explore/compare.ipynb", "outputs/compare.ipynb", "-p", "unit", "湘湖管理局",
                                       "-p", "month_a", "2020-01", "-p", "month_b", "2021-06"]
    assert shlex.split(unit[2])[1:] == ["notebooks/explore/unit.ipynb", "outputs/unit.ipynb", "-p", "unit", "湘湖管理局",
                                       "-p", "from_month", "2020-01", "-p", "to_month", "2021-06"]
    category = compare.category_detail("消费维权", "2020-01", "2021-06").splitlines()
    assert shlex.split(category[1])[3:] == ["-p", "category", "消费维权", "-p", "month_a", "2020-01", "-p", "month_b", "2021-06"]
    assert shlex.split(category[2])[1:] == ["notebooks/explore/orders.ipynb", "outputs/orders.ipynb", "-p", "month", "2021-06",
                                           "-p", "category", "消费维权"]


# On the sample --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_trends(sample_dir, tmp_path_factory):
    return trends.load_trends(A, B, workspace(sample_dir, tmp_path_factory.mktemp("out")))


def test_compare_unit_reads_the_trends_unit_table(sample_trends):
    table = compare.compare_unit(sample_trends.unit_months, UNIT, A, B)
    assert table.index.tolist() == [*APPENDIX_COLUMNS, "总分", "排名"] and table.columns.tolist() == [A, B, "变化"]
    rows = sample_trends.unit_months.set_index(["部门名称", "month"])
    a, b = rows.loc[(UNIT, A)], rows.loc[(UNIT, B)]
    assert table.loc["签收总数", A] == str(a["签收总数"]) and table.loc["签收总数", B] == str(b["签收总数"])
    assert table.loc["回访满意度", B] == format_percent(b["回访满意度"])
    points = b["按时办结率"] - a["按时办结率"]   # 100.00% → 90.24% on the sample
    assert points and table.loc["按时办结率", "变化"] == f"{points:+.2f}个百分点"
    completed = "办结工单（含上月流转工单）"   # 43 → 41 on the sample
    closed = int(b[completed]) - int(a[completed])
    percent = (Decimal(closed) * 100 / int(a[completed])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert closed and table.loc[completed, "变化"] == f"{closed:+d}件（{percent:+.2f}%）"
    assert table.loc["签收总数", "变化"] == ("0件（0.00%）" if a["签收总数"] == b["签收总数"] else compare.count_change(a["签收总数"], b["签收总数"]))
    assert table.loc["总分", B] == "59.6" and table.loc["未按时办结数", B] == "4"   # as the unit notebook's test pins
    assert table.loc["排名", A] == str(a["排名"]) and table.loc["排名", B] == str(b["排名"])


def test_compare_unit_of_a_month_outside_the_table_is_an_error(sample_trends):
    with pytest.raises(InputError, match="no figures for unit '湘湖管理局' in 2021-01"):
        compare.compare_unit(sample_trends.unit_months, UNIT, A, "2021-01")


def test_compare_category_agrees_with_the_bulletins_top_categories(sample_trends, report_2020_12):
    figures = json.loads((report_2020_12.html.parent / "figures.json").read_text(encoding="utf-8"))
    top = figures["district"]["top_categories"] if "district" in figures else figures["top_categories"]
    orders = sample_trends.exports.orders
    assert len(top) >= 3
    for rank, entry in enumerate(top, start=1):
        table = compare.compare_category(orders, entry["category"], A, B)
        assert table.loc["签收工单", B] == str(entry["orders"]) and table.loc["排名", B] == str(rank)
    table = compare.compare_category(orders, CATEGORY, A, B)
    counts = [int(table.loc["签收工单", month]) for month in (A, B)]
    totals = [int(in_month(orders["signed_at"], month).sum()) for month in (A, B)]
    shares = [ratio_percent(c, t) for c, t in zip(counts, totals)]
    assert [table.loc["占当月工单比例", m] for m in (A, B)] == [format_percent(s) for s in shares]
    assert table.loc["占当月工单比例", "变化"] == compare.points_change(*shares)
    assert counts[0] > 0 and table.loc["签收工单", "变化"] == compare.count_change(*counts)


def test_compare_category_unknown_names_the_closest(sample_trends):
    with pytest.raises(InputError, match="has the category '消费维全'; closest: 消费维权"):
        compare.compare_category(sample_trends.exports.orders, "消费维全", A, B)


@pytest.mark.slow
@pytest.mark.parametrize("parameters", [{"unit": "湘湖管理局", "month_a": A, "month_b": B},
                                        {"category": CATEGORY, "month_a": A, "month_b": B}], ids=["unit", "category"])
def test_compare_notebook(parameters, sample_trends, sample_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA", str(sample_dir))
    out = tmp_path / "compare.ipynb"
    papermill.execute_notebook(str(notebooks_dir() / "explore" / "compare.ipynb"), str(out), kernel_name="python3",
                               progress_bar=False, cwd=str(tmp_path), parameters=parameters)
    outputs = [o for c in nbformat.read(out, as_version=4).cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    rows = _table_rows(outputs)
    if "unit" in parameters:
        expected = compare.compare_unit(sample_trends.unit_months, UNIT, A, B)
        assert rows["总分"] == {A: expected.loc["总分", A], B: "59.6", "变化": expected.loc["总分", "变化"]}
        assert UNIT in _text(outputs)
    else:
        expected = compare.compare_category(sample_trends.exports.orders, CATEGORY, A, B)
        assert rows["签收工单"] == expected.loc["签收工单"].to_dict()
        assert CATEGORY in _text(outputs)


@pytest.mark.slow
def test_compare_notebook_with_an_unknown_category_names_the_closest(sample_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("HOTLINE_DATA", str(sample_dir))
    with pytest.raises(papermill.PapermillExecutionError, match="closest: 消费维权"):
        papermill.execute_notebook(str(notebooks_dir() / "explore" / "compare.ipynb"), str(tmp_path / "out.ipynb"),
                                   kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
                                   parameters={"category": "消费维全", "month_a": A, "month_b": B})
