"""The project's own promises: ranges and the lock agree, every command has help, rules files are validated."""

from __future__ import annotations

import importlib.metadata
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import DEFAULT_RULES, SOURCE_ROOT
from hotline_lib.core.errors import RulesError
from hotline_lib.scoring.rules import load_rules

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

runner = CliRunner()


def _pyproject_requirements() -> list[Requirement]:
    project = tomllib.loads((SOURCE_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(spec) for spec in project["dependencies"] + project["optional-dependencies"]["dev"]]


def _lock() -> dict[str, Requirement]:
    """constraints.txt: name -> its pin (with its environment marker, if any)."""
    pins = {}
    for line in (SOURCE_ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            assert canonicalize_name(requirement.name) not in pins, f"{requirement.name} pinned twice"
            pins[canonicalize_name(requirement.name)] = requirement
    return pins


def test_pyproject_states_ranges_not_pins():
    for requirement in _pyproject_requirements():
        operators = {spec.operator for spec in requirement.specifier}
        assert operators == {">=", "<"}, f"{requirement}: a range >=LOWER,<UPPER"


def test_lock_pins_every_package_exactly():
    pins = _lock()
    assert len(pins) > 100  # every package of the environment, not only the direct ones
    for requirement in pins.values():
        (spec,) = requirement.specifier
        assert spec.operator == "==" and "*" not in spec.version, f"{requirement}: one exact version"


def test_lock_satisfies_pyproject_ranges():
    pins = _lock()
    for requirement in _pyproject_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in constraints.txt"
        pin = pins[name]
        assert pin.marker is None, f"{requirement.name}: pinned for every platform"
        (version,) = (spec.version for spec in pin.specifier)
        # the lower bound is the tested version itself: the lock is never older than the range allows
        assert requirement.specifier.contains(version, prereleases=True), f"{version} outside {requirement}"
        lower = next(spec.version for spec in requirement.specifier if spec.operator == ">=")
        assert Version(lower) == Version(version), f"{requirement.name}: lower bound {lower}, tested {version}"


def test_lock_names_what_the_packages_need():
    """Every requirement of every locked package (for the locked Python) is in the lock too."""
    pins = _lock()
    missing = set()
    for requirement in pins.values():
        try:
            installed = importlib.metadata.distribution(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            continue  # another platform's or Python's package
        for dependency in map(Requirement, installed.requires or []):
            if dependency.marker is None or dependency.marker.evaluate({"extra": ""}):
                if canonicalize_name(dependency.name) not in pins:
                    missing.add(f"{requirement.name} needs {dependency.name}")
    assert not missing


def test_environment_yml_uses_the_lock():
    environment = yaml.safe_load((SOURCE_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_list = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    # pip installs the project (with its dev extra) under constraints.txt, so conda users get the
    # exact set that `make install` installs
    assert pip_list == ["-c constraints.txt", "-e .[dev]"]
    python = next(d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python="))
    requires = tomllib.loads((SOURCE_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert SpecifierSet(requires).contains(python.split("=", 1)[1] + ".99")


def test_make_install_uses_the_lock():
    makefile = (SOURCE_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "pip install --quiet -c constraints.txt -e '.[dev]'" in makefile
    assert "$(STAMP): pyproject.toml constraints.txt" in makefile
    assert "make test" in (SOURCE_ROOT / ".ci/run").read_text(encoding="utf-8")


def _commands(typer_app):
    import typer.main

    group = typer.main.get_command(typer_app)
    return sorted(group.commands)


def test_every_command_has_help():
    commands = _commands(app)
    assert "score" in commands
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    for name in commands:
        assert name in top.stdout
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0 and "Usage" in result.stdout


def test_readme_documents_every_command():
    readme = (SOURCE_ROOT / "README.md").read_text(encoding="utf-8")
    for name in _commands(app):
        assert f"hotline {name}" in readme
    assert "make report" in readme and "make test" in readme


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda r: r.update(bonus=1), "unknown key 'bonus'"),
        (lambda r: r["deductions"]["未按时签收"].update(pointz=0.1), "unknown key 'deductions.未按时签收.pointz'"),
        (lambda r: r["deductions"]["退单驳回"].update(points="很多"), "deductions.退单驳回.points: '很多' is not a number"),
        (lambda r: r.update(base=-1), "base: -1 is below 0"),
        (lambda r: r.pop("base"), "missing key 'base'"),
        (lambda r: r["deductions"]["按时办结率"].update(kind="sometimes"),
         "deductions.按时办结率.kind: 'sometimes' is not an available kind: per_count, below_target, above_threshold, rank_below"),
    ],
)
def test_rules_file_errors_name_the_key(tmp_path, edit, message):
    raw = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    edit(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesError) as error:
        load_rules(path)
    assert message in str(error.value) and str(path) in str(error.value)


def test_other_rules_change_scores(tmp_path):
    raw = yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))
    raw["deductions"]["未按时签收"]["points"] = 0.5
    path = tmp_path / "strict.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["score", str(SOURCE_ROOT / "tests/fixtures/appendix_2020-12.csv"), "--rules", str(path), "--check"])
    assert result.exit_code == 1
    assert "发展和改革局: 总分 69.7 published, 68.5 computed" in result.stdout


def test_rules_yaml_syntax_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("base: [70\n", encoding="utf-8")
    result = runner.invoke(app, ["score", "x.csv", "--rules", str(path)])
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {path}: not valid YAML")
