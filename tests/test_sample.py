"""The generated sample: deterministic, messy as real exports, and December 2020 as published."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.figures.counts import format_unit_figures
from hotline_lib.figures.month import compute_month
from hotline_lib.io.exports import export_files, other_files
from hotline_lib.io.sample_data import OLD_SAMPLE_MARKER, SAMPLE_MARKER, is_sample_data
from hotline_lib.sample.exports import check_sample_folder, generate_sample
from tests.conftest import APPENDIX

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

runner = CliRunner()


@pytest.fixture(scope="module")
def december(sample_dir, tmp_path_factory):
    return compute_month("2020-12", sample_dir, out_dir=tmp_path_factory.mktemp("out"))


def test_stats_reproduce_the_published_appendix_cell_by_cell(sample_dir, tmp_path):
    out = tmp_path / "units.csv"
    result = runner.invoke(app, ["stats", "--month", "2020-12", "--data", str(sample_dir), "-o", str(out), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    # the overlapping exports are duplicates, not rejections; the invalid rows are the only rejected ones
    assert ("36 files: 150045 rows read: 137139 used (68477 orders, 68662 assignments), 12816 duplicates (a row exported "
            "more than once counts once: the fullest copy is used, the other copies are listed in duplicates.csv), "
            "90 invalid (listed in rejects.csv)") in result.stderr
    assert "rejected" not in result.stderr
    ours = pd.read_csv(out, dtype=str, encoding="utf-8-sig").set_index("部门名称")
    published = pd.read_csv(APPENDIX, dtype=str).drop(columns=["总分", "排名"]).set_index("部门名称")
    assert sorted(ours.index) == sorted(published.index)
    assert list(ours.columns) == list(published.columns)
    for unit in published.index:
        for column in published.columns:
            assert ours.at[unit, column] == published.at[unit, column], (unit, column)


def test_scoring_the_computed_table_gives_the_published_scores(sample_dir, tmp_path):
    out = tmp_path / "units.csv"
    runner.invoke(app, ["stats", "--month", "2020-12", "--data", str(sample_dir), "-o", str(out), "--out", str(tmp_path)])
    table = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    published = pd.read_csv(APPENDIX, dtype=str)
    with_scores = table.merge(published[["部门名称", "总分", "排名"]], on="部门名称")
    path = tmp_path / "with-scores.csv"
    with_scores.to_csv(path, index=False)
    result = runner.invoke(app, ["score", str(path), "--check"])
    assert result.exit_code == 0 and "45 of 45 units match" in result.stdout


def test_district_figures_equal_the_reference(december, reference_figures):
    for key in ["overview", "top_categories", "epidemic"]:
        assert december.district[key] == reference_figures[key], key
    business = reference_figures["business_environment"]
    for key in ["complaints", "praise"]:
        assert december.district["business_environment"][key] == business[key]
        assert list(december.district["business_environment"][key]["by_unit"]) == list(business[key]["by_unit"])


def test_district_json_from_the_cli(sample_dir, tmp_path, reference_figures):
    result = runner.invoke(app, ["stats", "--month", "2020-12", "--data", str(sample_dir), "--district", "--out", str(tmp_path)])
    assert json.loads(result.stdout)["overview"] == reference_figures["overview"]


def test_rows_read_equal_used_plus_duplicates_plus_rejected(december):
    exports = december.exports
    rejected = exports.rejects.drop_duplicates(["file", "sheet", "row"])
    assert sum(exports.read.values()) == len(exports.orders) + len(exports.assignments) + len(exports.duplicates) + len(rejected)
    assert len(exports.duplicates) == 12816 and len(rejected) == 90      # overlapping exports; the invalid rows
    assert not exports.rejects["reason"].str.contains("duplicate").any()
    account = december.accounting
    assert len(account) == 36 and (account["read"] == account["used"] + account["duplicates"] + account["rejected"]).all()
    written = pd.read_csv(december.rejects_path, dtype=str, encoding="utf-8-sig")
    assert list(written.columns) == ["file", "sheet", "row", "column", "value", "reason"] and len(written) == len(exports.rejects)
    copies = pd.read_csv(december.duplicates_path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(copies.columns) == ["file", "sheet", "row", "record", "order_id", "copy_of_file", "copy_of_sheet", "copy_of_row"]
    assert len(copies) == 12816 and set(copies["record"]) == {"order", "assignment"}
    # every copy names a row that is used
    used = set(zip(exports.orders["_file"], exports.orders["_sheet"], exports.orders["_row"].astype(str))) | \
        set(zip(exports.assignments["_file"], exports.assignments["_sheet"], exports.assignments["_row"].astype(str)))
    assert set(zip(copies["copy_of_file"], copies["copy_of_sheet"], copies["copy_of_row"])) <= used
    document = json.loads((december.rejects_path.parent / "accounting.json").read_text(encoding="utf-8"))
    assert document["total"] == {"read": 150045, "used": 137139, "duplicates": 12816, "rejected": 90}
    assert document["summary"] == exports.summary("zh")   # a file for people: Chinese whatever the language


def test_sample_is_messy_like_real_exports(sample_dir):
    files = sorted((sample_dir / "exports").iterdir())
    assert {p.suffix for p in files} == {".csv", ".xlsx"}
    raw = b"".join(p.read_bytes() for p in files if p.suffix == ".csv")
    assert "承办单位".encode("gbk") in raw or "承办\n单位".encode("gbk") in raw     # some files are GBK
    texts = [p.read_bytes() for p in files if p.suffix == ".csv"]
    assert any(t.startswith(b"\xef\xbb\xbf") for t in texts)                     # some UTF-8 with BOM
    assert (sample_dir / "city_ranking" / "2020-12.csv").exists() and (sample_dir / "cases" / "2020-12.md").exists()


def test_citizen_data_is_obviously_fake(december):
    orders = december.exports.orders
    assert orders["content"].str.startswith("【样例数据，虚构】").all()
    assert orders["caller_phone"].str.startswith("1990000").all()


def test_other_months_vary(sample_dir, tmp_path):
    march = compute_month("2021-03", sample_dir, out_dir=tmp_path)
    december = compute_month("2020-12", sample_dir, out_dir=tmp_path)
    assert march.district["overview"]["orders_signed"] != december.district["overview"]["orders_signed"]
    february = compute_month("2020-02", sample_dir, out_dir=tmp_path)
    assert february.district["epidemic"]["signed"] > 10 * december.district["epidemic"]["signed"] / 45 * 10
    table = format_unit_figures(march.unit_table)
    assert len(table) == 45


def test_same_seed_same_bytes(sample_dir, tmp_path):
    again = tmp_path / "again"
    generate_sample(again)

    def digests(root):
        return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}

    assert digests(again) == digests(sample_dir)


def test_sample_never_overwrites_someone_elses_exports(tmp_path):
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "real.csv").write_text("工单编号\n1\n", encoding="utf-8")
    result = runner.invoke(app, ["sample", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "did not write" in result.stderr
    assert (tmp_path / "exports" / "real.csv").read_text(encoding="utf-8") == "工单编号\n1\n"


def test_the_sample_is_known_by_its_marker_file_not_by_its_path(sample_dir, tmp_path):
    marker = sample_dir / SAMPLE_MARKER
    assert marker.name == "样例数据.txt" and "全部为虚构的样例数据" in marker.read_text(encoding="utf-8")
    assert is_sample_data(sample_dir) and not (sample_dir / OLD_SAMPLE_MARKER).exists()
    # the reader takes the marker for no export: the 36 files of the sample, each a .csv or .xlsx
    files = export_files(sample_dir)
    assert len(files) == 36 and marker not in files and {p.suffix for p in files} == {".csv", ".xlsx"}
    assert other_files(sample_dir) == []   # and no stray file to name in the render's summary
    # a folder is the sample when it holds the marker (or the hidden one older samples had), wherever it is
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "real.csv").write_text("工单编号\n1\n", encoding="utf-8")
    assert not is_sample_data(tmp_path)
    (tmp_path / OLD_SAMPLE_MARKER).write_text("", encoding="utf-8")
    assert is_sample_data(tmp_path) and check_sample_folder(tmp_path) == tmp_path   # `hotline sample` may overwrite it
    (tmp_path / OLD_SAMPLE_MARKER).unlink()
    (tmp_path / SAMPLE_MARKER).write_text("", encoding="utf-8")
    assert is_sample_data(tmp_path)

