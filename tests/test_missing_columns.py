"""Nothing empties silently: an optional column that none of a month's exports holds is named once,
with the bulletin sections it leaves empty, by `hotline report` (and its manifest.json) and `hotline stats`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.figures.month import compute_month
from hotline_lib.io.coverage import FEEDS, FEEDS_NOTHING, missing_columns, missing_column_warnings
from hotline_lib.io.export_tables import REQUIRED
from hotline_lib.io.exports import CachedExports, load_exports
from hotline_lib.io.headers import canonical_columns, display_name
from hotline_lib.io.project import init_project
from hotline_lib.io.units_from_exports import draft_units
from hotline_lib.io.workspace import Workspace

from districts import write_foreign_exports

MONTH = "2021-03"
ROOT = Path(__file__).resolve().parent.parent
#: the warning for an orders export without 问题分类, the foreign month having no city ranking: 本月热线特点 is 二
WARNING = ("警告：2021-03 的工单导出中都没有“问题分类”列：第二部分“本月热线特点”（一）群众反映突出的前几类问题；"
           "第三部分“疫情工单数据”：疫情工单主要集中的问题类型将为空（或为 0）")


def _office(base: Path, sample_dir: Path, drop: str | None) -> Workspace:
    """Another district's working folder with the sample's 2021-03 as its platform exports it (GBK),
    its 工单 export without the column ``drop``, and the unit directory drafted from the exports."""
    init_project(base, "某某区", city="某某市")
    for path in write_foreign_exports(sample_dir, MONTH, base / "data" / "exports"):
        if drop and path.name.startswith("工单"):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
            frame.drop(columns=[drop]).to_csv(path, index=False, encoding="gb18030")
    workspace = Workspace.open(base, data=base / "data" / "exports", outputs=base / "outputs")
    draft_units(workspace)
    return Workspace.open(base, data=base / "data" / "exports", outputs=base / "outputs")


@pytest.fixture(scope="module")
def offices(sample_dir, tmp_path_factory) -> dict[str, Workspace]:
    base = tmp_path_factory.mktemp("offices")
    return {"unchanged": _office(base / "unchanged", sample_dir, None),
            "without": _office(base / "without", sample_dir, "问题分类")}


def test_every_column_of_the_exports_is_required_fed_or_said_to_feed_nothing():
    for kind in FEEDS:
        kinds = [set(REQUIRED[kind]), set(FEEDS[kind]), set(FEEDS_NOTHING[kind])]
        assert sum(len(k) for k in kinds) == len(set().union(*kinds)), kind   # each column in one place only
        assert set().union(*kinds) == set(canonical_columns(kind)), kind


def test_the_platforms_page_names_every_column():
    page = (ROOT / "docs" / "platforms.md").read_text(encoding="utf-8")
    absent = [display_name(kind, c) for kind in FEEDS for c in canonical_columns(kind) if display_name(kind, c) not in page]
    assert absent == []
    for readme in ["README.md", "README.zh-CN.md"]:
        assert "docs/platforms.md" in (ROOT / readme).read_text(encoding="utf-8"), readme


def _sources(columns_by_file: dict[str, tuple[list[str], list[str] | None]]) -> dict:
    full = [c for c in canonical_columns("orders")]
    return {"orders": {name: {"columns": [c for c in full if c not in absent], "months": months}
                       for name, (absent, months) in columns_by_file.items()},
            "assignments": {"派单.csv": {"columns": canonical_columns("assignments"), "months": ["2021-01", "2021-03"]}}}


def test_the_months_own_exports_decide_not_the_older_ones():
    sources = _sources({"2021-01_工单.csv": ([], ["2020-12", "2021-01"]),
                        "2021-03_工单.csv": (["category"], ["2021-02", "2021-03"])})
    assert [m.column for m in missing_columns(sources, "2021-03")] == ["category"]
    assert missing_columns(sources, "2021-01") == []
    assert [m.files for m in missing_columns(sources, "2021-03")] == [("2021-03_工单.csv",)]
    # no file holds a row of the month: every file of the folder is looked at
    assert missing_columns(sources, "2019-05") == []
    assert [m.column for m in missing_columns(_sources({"a.csv": (["epidemic"], None)}), "2021-03")] == ["epidemic"]


def test_a_render_names_the_column_and_its_sections_once(offices):
    from hotline_lib.render.month import render_month

    result = render_month(MONTH, offices["without"], formats="html")
    assert [w for w in result.warnings if "导出中都没有" in w] == [WARNING]
    month_dir = offices["without"].month_dir(MONTH)
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["missing_columns"] == [{
        "column": "问题分类", "canonical": "category", "export": "工单", "sections": ["features", "epidemic"],
        "empty": ["第二部分“本月热线特点”（一）群众反映突出的前几类问题", "第三部分“疫情工单数据”：疫情工单主要集中的问题类型"],
        "files": [f"工单明细_{MONTH}.csv"]}]
    # what the column fed is empty; every other figure is the unchanged export's
    figures = json.loads((month_dir / "figures.json").read_text(encoding="utf-8"))
    unchanged = compute_month(MONTH, offices["unchanged"])
    assert len(unchanged.district["top_categories"]) > 0 and len(unchanged.district["epidemic"]["top_categories"]) > 0
    assert figures["top_categories"] == [] and figures["epidemic"]["top_categories"] == []
    assert figures["overview"] == unchanged.district["overview"]
    assert figures["business_environment"] == unchanged.district["business_environment"]
    assert {**figures["epidemic"], "top_categories": []} == {**unchanged.district["epidemic"], "top_categories": []}
    pd.testing.assert_frame_equal(compute_month(MONTH, offices["without"]).unit_table, unchanged.unit_table)


def test_stats_names_the_column_and_a_full_export_nothing(offices, tmp_path):
    runner = CliRunner()
    printed = {}
    for name, workspace in offices.items():
        result = runner.invoke(app, ["stats", "--month", MONTH, "--data", str(workspace.data), "--units", str(workspace.units_file),
                                     "--settings", str(workspace.settings_file), "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        printed[name] = [line for line in result.stderr.splitlines() if "导出中都没有" in line]
    assert printed["unchanged"] == []
    assert printed["without"] == ["警告：2021-03 的工单导出中都没有“问题分类”列：“本月热线特点”（一）群众反映突出的前几类问题；"
                                  "“疫情工单数据”：疫情工单主要集中的问题类型将为空（或为 0）"]


def test_a_cached_dataset_knows_the_columns_of_each_file(offices, tmp_path):
    workspace = offices["without"]
    read = load_exports(workspace.data, workspace.units, tmp_path / "cache")
    cached = load_exports(workspace.data, workspace.units, tmp_path / "cache")
    assert isinstance(cached, CachedExports) and not isinstance(read, CachedExports)
    assert cached.sources == read.sources
    assert missing_column_warnings(missing_columns(cached.sources, MONTH), MONTH, lang="en") == [
        "WARNING: no 工单 export of 2021-03 has a “问题分类” column: “本月热线特点”（一）群众反映突出的前几类问题；"
        "“疫情工单数据”：疫情工单主要集中的问题类型 will be empty (or 0)"]


# --- a column only some rules read (是否联系 → 已联系数, 是否解决 → 已解决数) -----------------------------

def _without_visit_details(base: Path, sample_dir: Path) -> Workspace:
    """The foreign month with its 派单 export lacking every 是否联系 and 是否解决 spelling."""
    from hotline_lib.io.headers import rename_headers

    workspace = _office(base, sample_dir, None)
    for path in (workspace.data).glob("派单*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
        canonical = rename_headers(frame.columns, "assignments")
        frame.drop(columns=[h for h in frame.columns if canonical.get(h) in ("contacted", "resolved")]).to_csv(
            path, index=False, encoding="gb18030")
    return workspace


def test_a_column_only_rules_read_is_missing_only_under_rules_that_read_it(sample_dir, tmp_path):
    from hotline_lib.render.month import cache_exports, month_missing_columns
    from hotline_lib.scoring.workspace_rules import columns_read

    workspace = _without_visit_details(tmp_path / "office", sample_dir)
    dataset = cache_exports(workspace)
    assert [m.column for m in month_missing_columns(MONTH, dataset, columns_read(workspace))] == []   # furong
    sanlv = month_missing_columns(MONTH, dataset, columns_read(workspace, "sanlv"))
    assert [(m.column, m.feeds) for m in sanlv] == [("contacted", (("rules", "已联系数"),)), ("resolved", (("rules", "已解决数"),))]
    runner = CliRunner()
    printed = {}
    for rules in ("furong", "sanlv"):
        result = runner.invoke(app, ["stats", "--month", MONTH, "--data", str(workspace.data), "--units", str(workspace.units_file),
                                     "--settings", str(workspace.settings_file), "--out", str(tmp_path / rules),
                                     "--rules", rules])
        assert result.exit_code == 0, result.output
        printed[rules] = [line for line in result.stderr.splitlines() if "导出中都没有" in line]
    assert printed["furong"] == []
    assert printed["sanlv"] == ["警告：2021-03 的派单导出中都没有“是否联系”列：单位数据（供用到它的考核规则计分，不进通报）：已联系数将为空（或为 0）",
                                "警告：2021-03 的派单导出中都没有“是否解决”列：单位数据（供用到它的考核规则计分，不进通报）：已解决数将为空（或为 0）"]
