"""The command line reads too: Chinese help wraps whole in a narrow terminal, where rich once cut a
sentence without spaces with "…" ("重新生成输入未变的月份和已发送邮件…", "默认：data/setti…")."""

from __future__ import annotations

import re

import click
import pytest
import typer
from rich.cells import cell_len
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.i18n import gettext as _

runner = CliRunner()
#: What the help's frame adds around and inside the texts: spaces, line ends and the panels' box lines.
FRAME = re.compile(r"[\s│╭╮╰╯─]")


def _bare(text: str) -> str:
    return FRAME.sub("", text)


def _from_cell(line: str, offset: int) -> str:
    """``line`` from the screen column ``offset`` on (a Chinese character takes two)."""
    cells = 0
    for index, character in enumerate(line):
        if cells >= offset:
            return line[index:]
        cells += cell_len(character)
    return ""


def _help_column(output: str) -> str:
    """The texts of each panel's last column (the help), read down: a narrow terminal puts the type
    column's second line ("[x>=1]") beside the help's, so the screen's lines are not the help's. The
    help column starts where most of the panel's continuation lines start."""
    shown, panel = [], []
    for line in output.splitlines():
        if line.startswith("│"):
            panel.append(line.strip("│"))
        elif line.startswith("╰") and panel:
            starts = [cell_len(row) - cell_len(row.lstrip()) for row in panel if row.startswith("  ") and row.strip()]
            offset = max(set(starts), key=starts.count) if starts else 0
            shown += [_from_cell(row, offset) for row in panel]
            panel = []
    return _bare("".join(shown))


def _commands() -> dict[str, click.Command]:
    return typer.main.get_command(app).commands


def _shown_help(command: click.Command, ctx: click.Context) -> list[str]:
    """The help of each of ``command``'s visible parameters (--help included), in Chinese."""
    return [_(param.help) for param in command.get_params(ctx) if getattr(param, "help", None) and not getattr(param, "hidden", False)]


def _help(arguments: list[str], columns: int, monkeypatch) -> str:
    monkeypatch.delenv("HOTLINE_LANG", raising=False)
    monkeypatch.delenv("LANGUAGE", raising=False)
    result = runner.invoke(app, [*arguments, "--help"], env={"COLUMNS": str(columns), "TERMINAL_WIDTH": None})
    assert result.exit_code == 0, result.output
    return result.stdout


def _assert_fits(output: str, columns: int, where: str) -> None:
    wide = [line for line in output.splitlines() if cell_len(line) > columns]
    assert not wide, (where, columns, wide)
    assert "…" not in output, where


@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("name", sorted(_commands()))
def test_every_options_chinese_help_is_shown_whole(name, columns, monkeypatch):
    output = _help([name], columns, monkeypatch)
    command = _commands()[name]
    texts = _shown_help(command, click.Context(command))
    assert texts and "显示此帮助并退出。" in texts
    assert any(re.search(r"[\u4e00-\u9fff]", text) for text in texts)
    shown = _help_column(output)
    for text in texts:
        assert _bare(text) in shown, (name, columns, text)
    _assert_fits(output, columns, name)


@pytest.mark.parametrize("columns", [80, 60])
def test_the_command_list_shows_every_summary_whole(columns, monkeypatch):
    output = _help([], columns, monkeypatch)
    shown = _bare(output)
    for name, command in _commands().items():
        if not command.hidden:
            summary = _(command.help).split("\n\n")[0]
            assert _bare(summary) in shown, (name, summary)
    _assert_fits(output, columns, "hotline")
