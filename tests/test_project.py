"""The project's own promises: pins agree, every command has help, rules files are validated."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import DEFAULT_RULES, PROJECT_ROOT
from hotline_lib.core.errors import RulesError
from hotline_lib.scoring.rules import load_rules

runner = CliRunner()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pinned = set(project["dependencies"]) | set(project["optional-dependencies"]["dev"])
    environment = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip_list = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_list
    assert set(pip_list) - {"-e ."} == pinned
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][^ ]*", spec) for spec in pinned)


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
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for name in _commands(app):
        assert f"hotline {name}" in readme
    assert "make report" in readme and "make test" in readme


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda r: r.update(bonus=1), "unknown key 'bonus'"),
        (lambda r: r["deductions"]["未按时签收"].update(pointz=0.1), "unknown key 'deductions.未按时签收.pointz'"),
        (lambda r: r["deductions"]["退单驳回"].update(points="很多"), "'deductions.退单驳回.points': Input should be a valid decimal"),
        (lambda r: r.update(base=-1), "'base': Input should be greater than or equal to 0"),
        (lambda r: r.pop("base"), "missing key 'base'"),
        (lambda r: r["deductions"]["按时办结率"].update(kind="sometimes"), "deductions.按时办结率"),
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
    result = runner.invoke(app, ["score", str(PROJECT_ROOT / "tests/fixtures/appendix_2020-12.csv"), "--rules", str(path), "--check"])
    assert result.exit_code == 1
    assert "发展和改革局: 总分 69.7 published, 68.5 computed" in result.stdout


def test_rules_yaml_syntax_error(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("base: [70\n", encoding="utf-8")
    result = runner.invoke(app, ["score", "x.csv", "--rules", str(path)])
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {path}: not valid YAML")
