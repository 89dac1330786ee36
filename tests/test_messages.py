"""Chinese first (issue [11]): the language of messages, the one catalogue, and every message of
docs/data-protection.md produced by the real code in both languages."""

from __future__ import annotations

import re

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import SOURCE_ROOT
from hotline_lib.core.i18n import LOCALE_DIR, language
from tests.msgids import code_msgids
from tests.test_bad_input import CASES, world  # noqa: F401 (world: the fixture the cases run in)

runner = CliRunner()
PO = LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "hotline.po"
DOC = SOURCE_ROOT / "docs" / "data-protection.md"
FIELD = re.compile(r"\{[^{}]*\}")


@pytest.mark.parametrize("environment, expected", [
    ({}, "zh"),
    ({"LANG": "C"}, "zh"),
    ({"LANG": "POSIX"}, "zh"),
    ({"LANG": "C.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_MESSAGES": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LANGUAGE": "en_US:zh_CN", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"HOTLINE_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"HOTLINE_LANG": "en_US", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"HOTLINE_LANG": "zh_CN", "LANG": "en_US.UTF-8"}, "zh"),
    ({"HOTLINE_LANG": "", "LANG": "en_US.UTF-8"}, "en"),
])
def test_the_language_is_chinese_unless_another_is_asked_for(monkeypatch, environment, expected):
    for variable in ("HOTLINE_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert language() == expected


def _catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    compiled = tmp_path / "hotline.mo"
    with compiled.open("wb") as handle:
        write_mo(handle, _catalogue())
    assert (PO.with_suffix(".mo")).read_bytes() == compiled.read_bytes(), \
        "run: pybabel compile -D hotline -d hotline_lib/locale -l zh_CN"


def test_every_message_in_the_code_is_translated_and_no_other():
    found, formatted = code_msgids()
    assert not formatted, f"an f-string cannot be a message key (use fields): {formatted}"
    catalogue = {m.id: m.string for m in _catalogue() if m.id}
    missing = {msgid: where for msgid, where in found.items() if not catalogue.get(msgid)}
    assert not missing, f"add these to {PO.name} (and compile): {missing}"
    assert not set(catalogue) - set(found), f"no longer used, remove from {PO.name}: {set(catalogue) - set(found)}"
    for msgid, text in catalogue.items():
        assert sorted(FIELD.findall(text)) == sorted(FIELD.findall(msgid)), f"fields differ: {msgid!r} / {text!r}"


@pytest.mark.parametrize("lang, words", [(None, ["为成员单位计分", "显示此帮助并退出"]), ("en", ["score member units", "Show this message"])])
def test_help_is_in_the_readers_language(monkeypatch, lang, words):
    if lang:
        monkeypatch.setenv("HOTLINE_LANG", lang)
    top = runner.invoke(app, ["--help"])
    report = runner.invoke(app, ["report", "--help"])
    assert top.exit_code == report.exit_code == 0
    for word in words:
        assert word in top.stdout
    assert ("范围的第一个月" if lang is None else "First month of a range") in report.stdout
    assert "Usage" in report.stdout   # the CLI library's own frame words stay


# docs/data-protection.md, "Bad inputs and what each gets": input | 中文 | English --------------------------

def doc_rows() -> dict[str, tuple[str, str]]:
    """input -> (Chinese, English) of every row of the table."""
    text = DOC.read_text(encoding="utf-8").split("## Bad inputs and what each gets", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) == 3 and cells[0] not in ("input", "---"):
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def _code(cell: str) -> str:
    return cell[1:-1] if cell.startswith("`") and cell.endswith("`") else cell


def documented(cell: str, printed: str) -> bool:
    """The printed line is the documented one, "…" standing for any text (a shortened path)."""
    pattern = ".*".join(re.escape(part) for part in _code(cell).split("…"))
    return re.fullmatch(pattern, printed) is not None


#: Rows of the table whose message is produced here through the CLI (tests/test_bad_input.py's cases).
SCENARIOS = {name: (setup, args) for name, setup, args, _ in CASES}
#: Rows still checked only in English by their own tests (test_reading.py, test_exemptions.py,
#: test_report.py, ...), not yet in both languages here; a new row of the table must not join them.
NOT_YET_HERE = {
    "reader: password-protected .xlsx", "reader: old .xls named .xlsx", "reader: CSV/HTML named .xlsx",
    "reader: .xls/.ods/.et/.xlsb/.numbers in a data folder", "reader: binary, or UTF-16 without BOM",
    "reader: damaged UTF-16", "reader: undecodable bytes", "reader: UTF-16 with BOM (Excel \"Unicode text\")",
    "reader: 工单编号 twice", "reader: 工单号 and 工单编号", "reader: 部门名称 and 单位名称 in the unit table",
    "reader: a stray cell far out", "reader: no header",
    "score: satisfied > visited, unit twice, unknown 类别, bad rate, rate over 100%",
    "exemptions: missing column", "exemptions: unknown unit", "exemptions: unknown rule",
    "exemptions: empty reason or approver", "exemptions: the same row twice", "exemptions: order not in the exports",
    "exemptions: order of another unit", "exemptions: nothing to exempt", "report: a month with no data",
    "report: unknown unit found while rendering", "report: a notebook that raises",
    "report, range: one month's city ranking broken", "report: the same month already rendering",
    "email: unmasked number in the message", "any command: an OS error", "any command: a bug",
    "row level (rejected, counted, listed in rejects.csv):",
    "row level, not an error (counted as duplicates, listed in duplicates.csv with the copy used):",
}


def test_every_row_of_the_table_has_a_scenario():
    rows = set(doc_rows())
    assert not set(SCENARIOS) - rows, f"scenarios without a row in the table: {set(SCENARIOS) - rows}"
    assert rows - set(SCENARIOS) == NOT_YET_HERE, f"rows of {DOC.name} without a scenario: {rows - set(SCENARIOS) - NOT_YET_HERE}"


@pytest.mark.parametrize("lang, column", [("zh", 0), ("en", 1)])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_documented_message_is_what_the_command_prints(world, monkeypatch, name, lang, column):  # noqa: F811
    monkeypatch.setenv("HOTLINE_LANG", lang)
    setup, args = SCENARIOS[name]
    if setup:
        setup(world)
    result = runner.invoke(app, [a.format(w=world) for a in args])
    printed = result.stderr.strip().replace(f"{world}/", "")
    assert result.exit_code == 1 and "\n" not in printed
    assert documented(doc_rows()[name][column], printed), f"{name}: printed {printed!r}"
