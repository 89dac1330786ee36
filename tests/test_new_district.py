"""A second office adopts the tool: `hotline init` for 某某区, its own exports (not the sample), the
units drafted from them, and its own month rendered with the commands the README gives — and nothing
of 芙蓉区 anywhere, in any setting or output."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.io.units_from_exports import add_to_directory, guess_kind

from districts import write_foreign_exports

runner = CliRunner()
MONTH = "2021-03"


@pytest.fixture
def in_folder(monkeypatch):
    """As a district's analyst runs commands: in the folder, with none of the tests' HOTLINE_* folders."""
    for name in ("HOTLINE_HOME", "HOTLINE_DATA", "HOTLINE_SAMPLE_DIR", "HOTLINE_OUTPUTS"):
        monkeypatch.delenv(name, raising=False)

    def enter(folder: Path):
        monkeypatch.delenv("HOTLINE_HOME", raising=False)   # a command pins the folder it ran in
        monkeypatch.chdir(folder)

    return enter


def _hotline(*args) -> object:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def _texts(folder: Path) -> dict[str, str]:
    """Every text a person could read in ``folder`` but the exports (the district's own input): text files,
    and the text inside .docx, .xlsx and .pdf."""
    from pypdf import PdfReader

    texts = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".cache" not in p.parts and "exports" not in p.parts):
        if path.suffix in {".docx", ".xlsx"}:
            with zipfile.ZipFile(path) as archive:
                texts[str(path)] = "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist()
                                           if n.endswith(".xml"))
        elif path.suffix == ".pdf":
            texts[str(path)] = "".join(page.extract_text() for page in PdfReader(path).pages)
        elif path.suffix in {".html", ".json", ".csv", ".yaml", ".md", ".toml", ".ipynb", ".txt", ".log"}:
            texts[str(path)] = path.read_text(encoding="utf-8-sig")
    return texts


@pytest.mark.parametrize("name, kind", [("城东街道办事处", "街道"), ("江北街道", "街道"), ("白沙镇", "街道"),
                                        ("市场监督管理局", "区直部门"), ("街道综合执法大队", "区直部门")])
def test_a_units_kind_is_guessed_from_its_name(name, kind):
    assert guess_kind(name) == kind


@pytest.mark.parametrize("text, expected", [
    ("# mine\nunits: []\n", "# mine\nunits:\n  # x\n  - {name: a, kind: 街道}\n"),
    ("units: []  # empty\n", "units:   # empty\n  # x\n  - {name: a, kind: 街道}\n"),
    ("units:\n  - {name: b, kind: 区直部门, display: 区b}   # checked\n",
     "units:\n  - {name: b, kind: 区直部门, display: 区b}   # checked\n  # x\n  - {name: a, kind: 街道}\n"),
])
def test_drafted_units_are_added_and_an_analysts_lines_kept(text, expected):
    assert add_to_directory(text, ["  # x", "  - {name: a, kind: 街道}"]) == expected


@pytest.mark.slow
def test_a_new_district_renders_its_own_month_with_only_the_readmes_commands(sample_dir, tmp_path, in_folder):
    folder = tmp_path / "某某区热线"
    init = _hotline("init", folder, "--district", "某某区", "--city", "某某市")
    assert "hotline units --from-exports" in init.output and "hotline sample" not in init.output
    write_foreign_exports(sample_dir, MONTH, folder / "data" / "exports")
    in_folder(folder)

    premature = runner.invoke(app, ["report", MONTH])   # before the units: what to do, not 43 unknown units
    assert premature.exit_code == 1 and "hotline units --from-exports" in premature.output
    drafted = _hotline("units", "--from-exports")
    units = yaml.safe_load((folder / "data" / "units.yaml").read_text(encoding="utf-8"))["units"]
    names = {u["name"] for u in units}
    assert "城东街道办事处" in names and "南湖管理局" in names and len(names) == len(units) >= 40
    assert "行政执法局" in names and not any("行政行政" in n for n in names)
    assert {u["kind"] for u in units if u["name"].endswith("街道办事处")} == {"街道"}
    assert f"added {len(units)} units" in drafted.output or f"添加 {len(units)} 个单位" in drafted.output
    again = _hotline("units", "--from-exports")   # nothing new: the file is not touched
    assert "nothing added" in again.output or "未添加" in again.output

    report = _hotline("report", MONTH)   # no --data: the folder's data/exports
    first_line = report.stderr.splitlines()[0]
    assert "data/exports" in first_line and "样例数据" not in first_line and "sample" not in first_line
    month_dir = folder / "outputs" / MONTH
    manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["data"] == str((folder / "data" / "exports").resolve()) and manifest["sample"] is False
    page = (month_dir / "bulletin.html").read_text(encoding="utf-8")
    assert "某某区12345政务热线三月份情况通报" in page and "某某市某某区12345政务热线办公室" in page
    assert {"bulletin.html", "bulletin.pdf", "bulletin.docx", "figures.json"} <= {p.name for p in month_dir.iterdir()}

    (month_dir / "bulletin.eml").write_text("stale", encoding="utf-8")   # an e-mail of the last render
    (folder / "data" / "exports" / "备注.csv").write_text("备注,内容\n三月,无\n", encoding="utf-8")
    again = _hotline("report", MONTH)
    assert not (month_dir / "bulletin.eml").exists() and "备注.csv" in again.stderr

    explained = _hotline("explain", MONTH, "南湖管理局")
    assert "南湖管理局" in explained.output
    leftovers = {path: text.count("芙蓉") for path, text in _texts(folder).items() if "芙蓉" in text}
    assert leftovers == {}
    assert "长沙" not in page and "内五区" not in page
