"""The platform's own words (issue [13]): a foreign district's month as its platform writes it — a
column headed 处理部门, visits on a five-level scale, categories in levels — read to the same figures
as the unchanged export once the working folder says so (data/columns.yaml, settings visit_results and
category_level), and one message naming what to write when it does not."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from hotline_lib.core.config import SOURCE_ROOT, TEMPLATES_DIR
from hotline_lib.core.errors import InputError, SettingsError
from hotline_lib.figures.month import compute_month
from hotline_lib.io.coverage import missing_columns
from hotline_lib.io.exports import dataset_key, export_files
from hotline_lib.io.headers import normalize_header, package_columns
from hotline_lib.io.platform import load_columns
from hotline_lib.io.workspace import Workspace

from hotline_lib.io.units_from_exports import guess_kind

from districts import write_foreign_exports

MONTH = "2021-03"
ORIGINAL: dict[str, Path] = {}
ORDERS, ASSIGNMENTS = f"工单明细_{MONTH}.csv", f"派单记录_{MONTH}.csv"


def _units_yaml(exports: Path) -> str:
    """The foreign district's unit directory, as `hotline units --from-exports` drafts it: every unit
    its 派单 export names, the kind guessed from the name."""
    frame = _read(exports / ASSIGNMENTS)
    found = dict.fromkeys(frame[_header(frame, "承办单位", "承办部门")].str.strip())
    return yaml.safe_dump({"units": [{"name": n, "kind": guess_kind(n)} for n in found if n]}, allow_unicode=True)


def _folder(root: Path, exports: Path, settings: dict | None = None, columns: str | None = None) -> Workspace:
    """A working folder of 某某区 reading ``exports`` (copied), with extra settings and its own columns.yaml."""
    data = root / "data"
    shutil.copytree(exports, data / "exports")
    exports = ORIGINAL.get("exports", exports)   # the units of the unchanged export (a changed one may not name them)
    text = (TEMPLATES_DIR / "project" / "settings.yaml").read_text("utf-8")
    for key, value in (settings or {}).items():
        text = re.sub(rf"^{key}:.*(\n  .*)*$", yaml.safe_dump({key: value}, allow_unicode=True).strip(), text, flags=re.M)
    (data / "settings.yaml").write_text(text, "utf-8")
    (data / "units.yaml").write_text(_units_yaml(exports), "utf-8")
    if columns is not None:
        (data / "columns.yaml").write_text(columns, "utf-8")
    return Workspace.open(root, data=data / "exports")


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")


def _write(frame: pd.DataFrame, path: Path) -> None:
    path.write_bytes(frame.to_csv(index=False).encode("gb18030"))


def _header(frame: pd.DataFrame, *spellings: str) -> str:
    """The file's header for a column, however the export spelled it (回访\\n时间, 承办部门)."""
    keys = {normalize_header(s) for s in spellings}
    return next(c for c in frame.columns if normalize_header(c) in keys)


@pytest.fixture(scope="module")
def original(sample_dir, tmp_path_factory):
    """(the unchanged foreign exports, their figures)."""
    exports = tmp_path_factory.mktemp("foreign") / "exports"
    write_foreign_exports(sample_dir, MONTH, exports)
    ORIGINAL["exports"] = exports
    figures = compute_month(MONTH, _folder(tmp_path_factory.mktemp("original"), exports), use_cache=False)
    return exports, figures


def _changed(original, tmp_path: Path, name: str, change) -> Path:
    """A copy of the foreign exports with ``change`` applied to file ``name``."""
    copy = tmp_path / "changed"
    shutil.copytree(original[0], copy)
    _write(change(_read(copy / name)), copy / name)
    return copy


def _same_figures(figures, expected) -> None:
    pd.testing.assert_frame_equal(figures.unit_table, expected.unit_table)
    assert figures.district == expected.district


# --- headers ---------------------------------------------------------------------------------------

def _unit_as_处理部门(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={_header(frame, "承办单位", "承办部门"): "处理部门"})


def test_an_unknown_header_is_one_message_with_the_line_to_add(original, tmp_path):
    changed = _changed(original, tmp_path, ASSIGNMENTS, _unit_as_处理部门)
    workspace = _folder(tmp_path / "folder", changed)
    with pytest.raises(InputError) as error:
        compute_month(MONTH, workspace, use_cache=False)
    assert error.value.translated("zh") == (f"{workspace.data / ASSIGNMENTS}：缺少“承办单位”列；最像它的是“处理部门”："
                                            "若是，请在 data/columns.yaml 中加入：assignments: {unit: [处理部门]}")
    assert error.value.translated("en").endswith("missing column “承办单位”; the header most like it is “处理部门”: "
                                                 "if so, add to data/columns.yaml: assignments: {unit: [处理部门]}")


def test_the_folders_columns_yaml_reads_it_to_the_same_figures(original, tmp_path):
    changed = _changed(original, tmp_path, ASSIGNMENTS, _unit_as_处理部门)
    workspace = _folder(tmp_path / "folder", changed, columns="assignments: {unit: [处理部门]}\n")
    _same_figures(compute_month(MONTH, workspace, use_cache=False), original[1])


def test_the_dataset_key_changes_with_the_folders_spellings(original, tmp_path):
    plain = _folder(tmp_path / "plain", original[0])
    own = _folder(tmp_path / "own", original[0], columns="assignments:\n  承办单位: [处理部门]\n")
    files = export_files(plain.data)
    assert own.platform.columns.aliases("assignments")["处理部门"] == "unit"    # named by its Chinese name too
    assert dataset_key(files, plain.units, plain.platform) == dataset_key(files, plain.units)   # the package's
    assert dataset_key(files, plain.units, own.platform) != dataset_key(files, plain.units, plain.platform)


@pytest.mark.parametrize("text, message", [
    ("assignments: {unit: [处理部门]}\nassignments: {sign_due: [签收期限]}\n", "assignments given twice"),
    ("assignments: {units: [处理部门]}\n", "unknown column 'units' (closest: unit"),
    ("assignment: {unit: [处理部门]}\n", "unknown record type 'assignment'"),
    ("assignments: {unit: [派单时间]}\n", "'派单时间' already names dispatched_at, not unit"),
])
def test_a_wrong_columns_yaml_is_one_error_naming_it(tmp_path, english, text, message):
    path = tmp_path / "columns.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(SettingsError, match=re.escape(message)):
        load_columns(path)


def test_without_a_columns_yaml_the_spellings_are_the_packages(tmp_path):
    assert load_columns(tmp_path / "columns.yaml") is package_columns()


# --- visit results ---------------------------------------------------------------------------------

def _five_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """Every other 满意 becomes 非常满意, every other 不满意 非常不满意."""
    column = _header(frame, "回访结果")
    frame = frame.copy()
    for three, five in [("满意", "非常满意"), ("不满意", "非常不满意")]:
        rows = frame.index[frame[column] == three][::2]
        assert len(rows) > 0
        frame.loc[rows, column] = five
    return frame


def test_a_five_level_scale_gives_the_same_satisfaction(original, tmp_path):
    changed = _changed(original, tmp_path, ASSIGNMENTS, _five_levels)
    _write(_five_levels(_read(changed / ORDERS)), changed / ORDERS)
    figures = compute_month(MONTH, _folder(tmp_path / "folder", changed), use_cache=False)
    _same_figures(figures, original[1])
    assert figures.exports.rejects["column"].isin(["回访结果"]).sum() == 0
    assert int(figures.unit_table["回访满意数"].sum()) == int(original[1].unit_table["回访满意数"].sum()) > 0


def test_values_outside_the_setting_are_one_error_naming_them_all(original, tmp_path, english):
    def odd_values(frame):
        column = _header(frame, "回访结果")
        frame = frame.copy()
        rows = frame.index[frame[column] == "满意"]
        frame.loc[rows[:3], column] = "很满意"
        frame.loc[rows[3:4], column] = "一般"
        return frame

    changed = _changed(original, tmp_path, ASSIGNMENTS, odd_values)
    _write(odd_values(_read(changed / ORDERS)), changed / ORDERS)
    workspace = _folder(tmp_path / "folder", changed)
    with pytest.raises(InputError) as error:
        compute_month(MONTH, workspace, use_cache=False)
    assert str(error.value) == (f"{workspace.data}: 回访结果 holds 2 values that data/settings.yaml does not list under "
                                f"visit_results: “很满意” ({ORDERS}, {ASSIGNMENTS}, rows: 6); “一般” ({ORDERS}, "
                                f"{ASSIGNMENTS}, rows: 2); list each under what it counts as (满意, 基本满意, 不满意 or 未回访) "
                                "and run again")
    listed = _folder(tmp_path / "listed", changed, settings={"visit_results": {"满意": ["很满意"], "基本满意": ["一般"]}})
    figures = compute_month(MONTH, listed, use_cache=False)
    assert int(figures.unit_table["回访满意数"].sum()) == int(original[1].unit_table["回访满意数"].sum())


def test_a_visit_that_did_not_reach_the_citizen_is_no_visit(original, tmp_path):
    table = original[1].unit_table.set_index("部门名称")
    unit = table["回访满意数"].idxmax()
    frame = _read(original[0] / ASSIGNMENTS)
    result, time, name = _header(frame, "回访结果"), _header(frame, "回访时间"), _header(frame, "承办单位", "承办部门")
    in_month = pd.to_datetime(frame[time], errors="coerce", format="mixed").dt.strftime("%Y-%m") == MONTH
    rows = frame.index[(frame[name] == unit) & (frame[result] == "满意") & in_month]
    missed = rows[:2]
    assert len(missed) == 2

    def not_reached(frame):
        frame = frame.copy()
        frame.loc[missed, result] = "未接通"
        return frame

    changed = _changed(original, tmp_path, ASSIGNMENTS, not_reached)
    figures = compute_month(MONTH, _folder(tmp_path / "folder", changed), use_cache=False).unit_table.set_index("部门名称")
    assert figures.loc[unit, "回访工单总数"] == table.loc[unit, "回访工单总数"] - 2
    assert figures.loc[unit, "回访满意数"] == table.loc[unit, "回访满意数"] - 2


# --- category levels -------------------------------------------------------------------------------

GROUPS = ["城乡建设", "市场监管", "社会保障"]


def _in_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """问题分类 becomes 二级分类 under a coarser 一级分类."""
    column = _header(frame, "问题分类", "问题类型")
    levels = frame.rename(columns={column: "二级分类"})
    levels.insert(list(frame.columns).index(column), "一级分类",
                  [GROUPS[len(c) % 3] if c else "" for c in frame[column]])
    return levels


def test_category_levels_with_the_level_setting_give_the_same_top_categories(original, tmp_path):
    changed = _changed(original, tmp_path, ORDERS, _in_levels)
    second = compute_month(MONTH, _folder(tmp_path / "second", changed, settings={"category_level": "二级分类"}),
                           use_cache=False)
    assert second.district["top_categories"] == original[1].district["top_categories"]
    assert len(second.district["top_categories"]) == 6
    _same_figures(second, original[1])
    assert [m.column for m in missing_columns(second.exports.sources, MONTH)] == []   # the level is its 问题分类
    first = compute_month(MONTH, _folder(tmp_path / "auto", changed), use_cache=False)   # auto: 一级分类
    assert {c["category"] for c in first.district["top_categories"]} == set(GROUPS)


def test_a_level_no_export_has_is_an_error(original, tmp_path, english):
    workspace = _folder(tmp_path / "folder", original[0], settings={"category_level": "三级分类"})
    with pytest.raises(InputError, match="data/settings.yaml counts 三级分类 as the bulletin's 问题分类 "
                                         r"\(category_level\), but no 工单 export has a 三级分类 column"):
        compute_month(MONTH, workspace, use_cache=False)


# --- the per-unit table `hotline score` reads ---------------------------------------------------------

def test_score_reads_the_unit_table_with_the_folders_spellings(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from conftest import APPENDIX
    from hotline_lib.cli import app

    folder = tmp_path / "folder"
    (folder / "data").mkdir(parents=True)
    shutil.copy(SOURCE_ROOT / "hotline.toml", folder / "hotline.toml")
    monkeypatch.setenv("HOTLINE_HOME", str(folder))
    table = pd.read_csv(APPENDIX, dtype=str)
    table.rename(columns={"未按时签收数": "超期签收数"}).to_csv(tmp_path / "appendix.csv", index=False)
    runner = CliRunner()
    plain = runner.invoke(app, ["score", str(tmp_path / "appendix.csv")])
    assert plain.exit_code == 1 and "缺少列：未按时签收数" in plain.stderr
    (folder / "data" / "columns.yaml").write_text("unit_table: {未按时签收数: [超期签收数]}\n", "utf-8")
    own = runner.invoke(app, ["score", str(tmp_path / "appendix.csv"), "--check", "-o", str(tmp_path / "scored.csv")])
    assert own.exit_code == 0, own.output
    expected = runner.invoke(app, ["score", str(APPENDIX), "-o", str(tmp_path / "expected.csv")])
    assert expected.exit_code == 0, expected.output
    scored = pd.read_csv(tmp_path / "scored.csv", dtype=str).rename(columns={"超期签收数": "未按时签收数"})
    pd.testing.assert_frame_equal(scored, pd.read_csv(tmp_path / "expected.csv", dtype=str))


def _order_id_as_受理编号(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.rename(columns={_header(frame, "工单编号", "工单号"): "受理编号"})


def test_an_order_number_headed_otherwise_is_found_and_read(original, tmp_path):
    """No row names 工单编号, by which a header row is found: the row that reads as an export's is
    the one the message is about, and the folder's spelling finds it next time."""
    changed = _changed(original, tmp_path, ORDERS, _order_id_as_受理编号)
    with pytest.raises(InputError) as error:
        compute_month(MONTH, _folder(tmp_path / "plain", changed), use_cache=False)
    assert error.value.translated("zh").endswith(f"{ORDERS}：缺少“工单编号”列；最像它的是“受理编号”："
                                                 "若是，请在 data/columns.yaml 中加入：orders: {order_id: [受理编号]}")
    workspace = _folder(tmp_path / "own", changed, columns="orders: {order_id: [受理编号]}\n")
    _same_figures(compute_month(MONTH, workspace), original[1])     # with the cache: parsed with the folder's keys


def test_a_visit_value_under_two_meanings_is_a_settings_error(tmp_path, english):
    from hotline_lib.io.directory import load_settings

    text = (TEMPLATES_DIR / "project" / "settings.yaml").read_text("utf-8")
    path = tmp_path / "settings.yaml"
    path.write_text(text.replace("  基本满意: [基本满意]", "  基本满意: [基本满意, 非常满意]"), "utf-8")
    with pytest.raises(SettingsError, match="非常满意 is listed under both 满意 and 基本满意: a value counts as one"):
        load_settings(path)
