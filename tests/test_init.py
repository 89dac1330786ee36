"""Working folders: which folder a command uses (hotline.toml upward or HOTLINE_HOME, else one clear
line, also from the checkout), what `hotline init` makes and never overwrites, and the whole thing from a wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core import config
from hotline_lib.core.i18n import gettext
from hotline_lib.core.config import MARKER, NEW_FOLDER_FILES, SOURCE_ROOT, find_project_root, is_working_folder, template_root
from hotline_lib.core.errors import HotlineError, SettingsError
from hotline_lib.io.directory import load_settings, load_units
from hotline_lib.io.project import init_project, set_setting, template_files
from hotline_lib.scoring.rules import load_rules

from districts import write_foreign_exports

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages
runner = CliRunner()


@pytest.fixture
def anywhere(monkeypatch):
    """As a command runs: no HOTLINE_* folder set (conftest sets them for the other tests)."""
    for name in ("HOTLINE_HOME", "HOTLINE_SAMPLE_DIR", "HOTLINE_OUTPUTS", "HOTLINE_CACHE", "HOTLINE_DATA"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"/" for p in sorted(folder.rglob("*"))}


def test_the_repository_is_a_working_folder():
    assert is_working_folder(SOURCE_ROOT) and template_root() == SOURCE_ROOT


def test_the_nearest_working_folder_upward_is_found(tmp_path, anywhere):
    outer, inner = tmp_path / "outer", tmp_path / "outer" / "inner"
    (inner / "notebooks" / "explore").mkdir(parents=True)
    (outer / MARKER).write_text("", encoding="utf-8")
    assert find_project_root(inner / "notebooks" / "explore") == outer.resolve()
    (inner / MARKER).write_text("", encoding="utf-8")
    assert find_project_root(inner / "notebooks" / "explore") == inner.resolve()


def test_commands_use_the_folder_they_run_in(tmp_path, anywhere):
    init_project(tmp_path / "office", district="天心区")
    anywhere.chdir(tmp_path / "office" / "notebooks")
    office = (tmp_path / "office").resolve()
    assert config.project_root() == office
    assert config.rules_file() == office / "data" / "rules.yaml"
    assert (config.sample_dir(), config.outputs_dir(), config.cache_dir()) == (
        office / "data" / "sample", office / "outputs", office / ".cache")
    assert load_settings().district == "天心区"


def test_hotline_home_names_the_folder_from_anywhere(tmp_path, anywhere):
    init_project(tmp_path / "office", district="天心区")
    anywhere.setenv("HOTLINE_HOME", str(tmp_path / "office"))
    assert find_project_root(SOURCE_ROOT) == (tmp_path / "office").resolve()
    anywhere.setenv("HOTLINE_HOME", str(tmp_path))
    with pytest.raises(HotlineError, match=f"HOTLINE_HOME={tmp_path}: not a hotline working folder"):
        find_project_root()


@pytest.mark.parametrize("args", [["report", "2020-12"], ["report", "2020-12", "--data", "{here}"], ["stats", "--month", "2020-12"],
                                  ["explain", "2020-12", "湘湖管理局"], ["trends", "--from", "2020-01", "--to", "2020-02"],
                                  ["sample"], ["units", "--from-exports"], ["email", "2020-12", "--to", "a@b.cn"],
                                  ["check-privacy"], ["score", "{here}/table.csv"]])
def test_outside_a_working_folder_every_command_says_so_in_one_line(tmp_path, anywhere, args):
    """Also from the repository's own checkout (an editable install): a district's data rendered outside its
    folder would otherwise be written into the repository, under 芙蓉区's name."""
    anywhere.chdir(tmp_path)
    assert find_project_root() is None and is_working_folder(SOURCE_ROOT)
    result = runner.invoke(app, [a.format(here=tmp_path) for a in args])
    assert result.exit_code == 1
    assert result.output == f"Error: {config.NOT_A_WORKING_FOLDER}\n"
    assert "hotline init" in result.output and not list(tmp_path.iterdir())


def test_set_setting_changes_one_value_and_keeps_every_comment():
    text = "# the district\ndistrict: 芙蓉区   # 区名\nissuer: 芙蓉区政府\n"
    assert set_setting(text, "district", "天心区") == "# the district\ndistrict: 天心区   # 区名\nissuer: 芙蓉区政府\n"
    quoted = set_setting(text, "district", "a: #b")
    assert yaml.safe_load(quoted)["district"] == "a: #b" and quoted.startswith("# the district\n")
    with pytest.raises(SettingsError, match="could not set"):
        set_setting("issuer: x\n", "district", "天心区")


def test_init_makes_the_working_folder(tmp_path, anywhere):
    folder = tmp_path / "天心区热线"
    result = runner.invoke(app, ["init", str(folder), "--district", "天心区"])
    assert result.exit_code == 0, result.output
    assert result.output.endswith(f"next:\n  cd {folder}\n  (put the platform's 工单 and 派单 exports into data/exports/)\n"
                                  "  hotline units --from-exports\n  hotline report YYYY-MM\n")
    expected = {str(relative) for relative, _ in template_files(template_root())} | {"notebooks/.shipped.json"}
    made = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert made == expected and "notebooks/01_overview.ipynb" in made and "data/rules.yaml" in made
    assert (folder / "data" / "exports").is_dir() and not any((folder / "data" / "exports").iterdir())
    assert is_working_folder(folder)
    for relative, source in template_files(template_root()):
        if str(relative) != "data/settings.yaml":
            assert (folder / relative).read_bytes() == source.read_bytes()
    shipped = NEW_FOLDER_FILES["data/settings.yaml"].read_text(encoding="utf-8").splitlines()
    written = (folder / "data" / "settings.yaml").read_text(encoding="utf-8").splitlines()
    assert [(a, b) for a, b in zip(shipped, written) if a != b] == [
        ("district: 某某区", "district: 天心区"), ("issuer: 某某区12345政务热线办公室", "issuer: 天心区12345政务热线办公室")]
    settings = load_settings(folder / "data" / "settings.yaml")
    assert (settings.district, settings.data_folder, settings.bulletin_title("2021-03")) == (
        "天心区", "data/exports", "天心区12345政务热线三月份情况通报")
    assert load_units(folder / "data" / "units.yaml").units == []
    assert load_rules(folder / "data" / "rules.yaml").name == "成员单位工单办理考核（70分制）"
    assert not [p for p in folder.rglob("*") if p.is_file() and "芙蓉" in p.read_text(encoding="utf-8")]


def test_init_writes_the_districts_issuer_city_and_peer_group(tmp_path, anywhere):
    result = runner.invoke(app, ["init", str(tmp_path / "a"), "--district", "雨花区", "--city", "长沙市"])
    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "a" / "data" / "settings.yaml")
    assert (settings.city, settings.issuer, settings.peer_group_name) == ("长沙市", "长沙市雨花区12345政务热线办公室", "长沙市各区县")
    result = runner.invoke(app, ["init", str(tmp_path / "b"), "--district", "鼓楼区", "--issuer", "鼓楼区政务服务中心"])
    assert load_settings(tmp_path / "b" / "data" / "settings.yaml").issuer == "鼓楼区政务服务中心"
    result = runner.invoke(app, ["init", str(tmp_path / "c")])
    assert result.exit_code == 1 and "--district" in result.output and not (tmp_path / "c").exists()


def test_init_refuses_a_folder_with_other_files_and_changes_nothing(tmp_path, anywhere):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    before = _listing(tmp_path)
    result = runner.invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path}: not empty and not a hotline working folder; "
                             "choose a new or empty folder (nothing was changed)\n")
    assert _listing(tmp_path) == before
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert runner.invoke(app, ["init", str(tmp_path / "file")]).output == f"Error: {tmp_path / 'file'}: exists and is not a folder\n"


def test_init_in_a_working_folder_adds_only_what_it_lacks(tmp_path, anywhere):
    folder = tmp_path / "office"
    init_project(folder, district="天心区")
    (folder / "data" / "units.yaml").write_text("units: []  # edited\n", encoding="utf-8")
    (folder / "notebooks" / "03_units.ipynb").unlink()
    (folder / "data" / "exports" / "工单.csv").write_text("x", encoding="utf-8")
    assert init_project(folder) == [Path("notebooks/03_units.ipynb")]
    assert (folder / "data" / "units.yaml").read_text(encoding="utf-8") == "units: []  # edited\n"
    assert (folder / "data" / "exports" / "工单.csv").read_text(encoding="utf-8") == "x"
    result = runner.invoke(app, ["init", str(folder)])
    assert result.exit_code == 0 and result.output.startswith(f"{folder} is already a working folder: nothing to add\n")
    before = _listing(folder)
    result = runner.invoke(app, ["init", str(folder), "--district", "天心区"])
    assert result.exit_code == 1 and "already there and not changed" in result.output
    assert _listing(folder) == before


def test_a_command_fixes_its_working_folder_for_what_it_starts(tmp_path, anywhere):
    init_project(tmp_path / "office", district="天心区")
    anywhere.chdir(tmp_path / "office" / "data")
    assert "HOTLINE_HOME" not in os.environ
    runner.invoke(app, ["check-privacy", "outputs-that-are-not-there"])
    assert os.environ["HOTLINE_HOME"] == str((tmp_path / "office").resolve())


def _source_files(directory: str, names: list[str]) -> set[str]:
    """What a source distribution holds: no git, environments, caches, tests or generated data."""
    here = Path(directory)
    skipped = {n for n in names if n in {".git", ".venv", ".cache", "build", "dist", "tests", "__pycache__",
                                        ".pytest_cache", ".hypothesis", ".ipynb_checkpoints"} or n.endswith(".egg-info")}
    if here == SOURCE_ROOT / "data":
        skipped |= {"sample", "exports"}
    if here == SOURCE_ROOT / "outputs":
        skipped |= set(names) - {"README.md"}
    return skipped


def _run(args: list, cwd: Path, env: dict) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result.stdout + result.stderr


@pytest.mark.slow
def test_a_wheel_in_a_fresh_environment_inits_and_reports_a_new_district(tmp_path, sample_dir):
    """A new district's folder, its own exports and units, from the wheel. The wheel is built by pip from a copy of the sources, installed with no dependencies into a new
    virtual environment, which reaches the project's installed dependencies through a .pth file (a
    fresh download of all of them would take minutes), but not hotline_lib: it is imported from the
    new environment, run outside any checkout, with none of the tests' HOTLINE_* folders."""
    shutil.copytree(SOURCE_ROOT, tmp_path / "src", ignore=_source_files)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", tmp_path / "src"], tmp_path, os.environ)
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, os.environ)
    paths = {name: Path(sysconfig.get_path(name, "venv", vars={"base": venv, "platbase": venv}))
             for name in ("purelib", "scripts")}
    wheel = next((tmp_path / "dist").glob("hotline_bulletin-*.whl"))
    _run([sys.executable, "-m", "pip", "--python", paths["scripts"] / Path(sys.executable).name, "install", "--no-deps",
          "--no-index", "-q", wheel], tmp_path, os.environ)
    dependencies = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (paths["purelib"] / "project_dependencies.pth").write_text("\n".join(sorted(dependencies)) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_") and k != "PYTHONPATH"}
    env["JUPYTER_DATA_DIR"] = str(tmp_path / "jupyter")   # no user-level kernel: the new environment's python3
    hotline, python = paths["scripts"] / "hotline", paths["scripts"] / Path(sys.executable).name
    work = tmp_path / "work"
    work.mkdir()

    outside = subprocess.run([hotline, "report", "2020-12"], cwd=work, env=env, capture_output=True, text=True)
    # a fresh environment's C locale: Chinese
    assert (outside.returncode, outside.stderr) == (1, "错误：" + gettext(config.NOT_A_WORKING_FOLDER, "zh") + "\n")
    log = _run([hotline, "init", "office", "--district", "某某区"], work, env)
    office = work / "office"
    write_foreign_exports(sample_dir, "2021-03", office / "data" / "exports")
    log += _run([hotline, "units", "--from-exports"], office, env)
    log += _run([hotline, "report", "2021-03", "--formats", "html"], office, env)
    imported = _run([python, "-c", "import hotline_lib.render.kernel as r; print(r.__file__, r.kernel_name())"],
                    office / "notebooks", env)
    print(log, f"hotline_lib imported from {imported}", sep="")

    module, kernel = imported.split()
    assert Path(module).is_relative_to(paths["purelib"]) and kernel == "python3"   # the kernel runs the same python
    page = (office / "outputs" / "2021-03" / "bulletin.html").read_text(encoding="utf-8")
    assert len(page) > 100_000 and "某某区12345政务热线三月份情况通报" in page and "芙蓉" not in page
    assert (office / ".cache").is_dir()
    notebooks = _listing(office / "notebooks")
    assert notebooks.pop(".shipped.json") and notebooks == _listing(SOURCE_ROOT / "notebooks")  # shipped = the repository's
    manifest = json.loads((office / "outputs" / "2021-03" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["modified_notebooks"] == []   # the wheel's notebooks are the ones it ships
