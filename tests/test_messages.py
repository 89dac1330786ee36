"""Chinese first (issue [11]): the language of messages, the one catalogue, and every message of
docs/data-protection.md produced by the real code in both languages."""

from __future__ import annotations

import json
import pickle
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import xlsxwriter
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from typer.testing import CliRunner

from hotline_lib.cli import _one_line, app
from hotline_lib.core.config import SOURCE_ROOT
from hotline_lib.core.errors import HotlineError, InputError
from hotline_lib.core.i18n import LOCALE_DIR, gettext, language, names
from hotline_lib.core.utils import check_argument
from hotline_lib.render.notebooks import section_notebooks
from tests.msgids import code_msgids
from tests.test_bad_input import CASES, _assignments, _edit_cell, _orders, _write, world  # noqa: F401 (world: a fixture)
from tests.test_exports import ORDER_HEADER
from tests.test_reading import _assignments_two_spellings, _orders_twice, cfb, encrypted_xlsx, utf16_text

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


def spans(cell: str) -> list[tuple[str, bool]]:
    """The documented texts of a cell, each with whether it is a whole line: a cell that is one code
    span is one line; otherwise each `code` span is one, a span inside a bracketed remark (（…） or
    (…)) being a part of its line (`请写明批准人` of an empty 批准人)."""
    if cell.startswith("`") and cell.endswith("`") and cell.count("`") in (2, 4):
        return [(cell[1:-1], True)]
    found, depth = [], 0
    for i, piece in enumerate(cell.split("`")):
        if i % 2:
            found.append((piece, depth == 0))
        else:
            depth += sum(piece.count(c) for c in "（(") - sum(piece.count(c) for c in "）)")
    return found


def documented(text: str, printed: str, whole: bool = True) -> bool:
    """The printed line is the documented one (or holds it, for a part), "…" standing for any text."""
    pattern = ".*".join(re.escape(part) for part in text.split("…"))
    return (re.fullmatch if whole else re.search)(pattern, printed) is not None


def _cli(world, *args, exit_code=1, last=False) -> str:
    """The line a command prints on stderr (its last one with ``last``: a render says what it starts first)."""
    result = runner.invoke(app, [str(a).format(w=world) for a in args])
    lines = result.stderr.strip().replace(f"{world}/", "").splitlines()
    assert result.exit_code == exit_code and lines and (last or len(lines) == 1), result.output
    return lines[-1]


def _printed(world, error: Exception) -> str:
    """The line the CLI prints for an error a library function raised (cli._fail)."""
    return gettext("Error: {message}", message=_one_line(error)).replace(f"{world}/", "")


def _command(setup, args):
    def run(world, request):
        if setup:
            setup(world)
        return [_cli(world, *args)]
    return run


def _score(make):
    """``hotline score`` on the file ``make(world)`` writes: the reader of single tables."""
    return lambda world, request: [_cli(world, "score", make(world))]


def _stats(fill, account_of: str | None = None):
    """``hotline stats`` on the world's data folder once ``fill(world)`` has put files there: its error,
    or (``account_of``, a file name) the account it prints of that file."""
    def run(world, request):
        fill(world)
        if account_of is None:
            return [_cli(world, "stats", "--month", "2021-03", "--data", "{w}/data", "--out", "{w}/out")]
        result = runner.invoke(app, ["stats", "--month", "2021-03", "--data", str(world / "data"), "--out", str(world / "out")])
        assert result.exit_code == 0, result.output
        return [line.strip() for line in result.stderr.splitlines() if account_of in line]
    return run


def _file(name: str, data):
    def make(world: Path) -> Path:
        _write(world / name, data() if callable(data) else data)
        return world / name
    return make


def _stray_cell(world, request):
    """A cell typed far beyond a table (the limit lowered, as tests/test_reading.py does, to keep the file small)."""
    request.getfixturevalue("monkeypatch").setattr("hotline_lib.io.reading.MAX_SHEET_CELLS", 1000)
    path = world / "x.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("S")
    sheet.write_row(0, 0, ["部门名称", "类别"])
    sheet.write(199, 26, "x")
    workbook.close()
    return [_cli(world, "score", path)]


def _unit_table_two_spellings(world: Path) -> Path:
    frame = pd.read_csv(world / "appendix.csv", dtype=str, keep_default_na=False)
    frame["单位名称"] = frame["部门名称"]
    frame.to_csv(world / "t.csv", index=False)
    return world / "t.csv"


def _in_exports(fill):
    return lambda world: fill(world / "data" / "exports")


def _unit_as_处理部门(world: Path) -> None:
    path = world / "data" / "exports" / "assignments.csv"
    pd.read_csv(path, dtype=str).rename(columns={"承办单位": "处理部门"}).to_csv(path, index=False)


def _odd_visit_results(world: Path) -> None:
    for row, value in enumerate(["很满意", "很满意", "一般"]):
        _edit_cell(world / "data" / "exports" / "assignments.csv", row, "回访结果", value)


def _utf16_with_bom(world: Path) -> None:
    _write(world / "data" / "exports" / "unicode.csv", b"\xff\xfe" + utf16_text("\t").encode("utf-16-le"))


def _with_total_row(world: Path) -> Path:
    """The appendix with the 合计 row a platform's statistics table closes with (no 类别: a unit would fail)."""
    frame = pd.read_csv(world / "appendix.csv", dtype=str, keep_default_na=False)
    total = {column: "" for column in frame.columns} | {"部门名称": "合计", "签收总数": str(frame["签收总数"].astype(int).sum())}
    pd.concat([frame, pd.DataFrame([total])]).to_csv(world / "total.csv", index=False)
    return world / "total.csv"


def _copy_of_orders(world: Path) -> None:
    shutil.copy(world / "data" / "exports" / "orders.csv", world / "data" / "exports" / "orders-again.csv")


# score: one line per kind of bad row of the per-unit table
def _unit_twice(world: Path) -> None:
    _edit_cell(world / "appendix.csv", 1, "部门名称", pd.read_csv(world / "appendix.csv", dtype=str).loc[0, "部门名称"])


BAD_UNIT_ROWS = [lambda w: _edit_cell(w / "appendix.csv", 0, "回访满意数", "52"), _unit_twice,
                 lambda w: _edit_cell(w / "appendix.csv", 0, "类别", "火星"),
                 lambda w: _edit_cell(w / "appendix.csv", 0, "按时办结率", "很高"),
                 lambda w: _edit_cell(w / "appendix.csv", 0, "回访满意度", "101%")]


def _bad_unit_rows(world, request):
    original = (world / "appendix.csv").read_bytes()
    lines = []
    for spoil in BAD_UNIT_ROWS:
        (world / "appendix.csv").write_bytes(original)
        spoil(world)
        lines.append(_cli(world, "score", "{w}/appendix.csv"))
    return lines


# exemptions: data/exemptions/2021-03.csv beside the world's exports (orders 00000-00002 of 东湖街道办事处, all on time)
EXEMPTIONS_HEADER = "工单编号,部门名称,规则,原因,批准人\n"
STREET = "东湖街道办事处"


def _exemptions(*rows: str, header: str = EXEMPTIONS_HEADER):
    def run(world, request):
        _write(world / "data" / "exemptions" / "2021-03.csv", header + "".join(f"{row}\n" for row in rows))
        return _cli(world, "stats", "--month", "2021-03", "--data", "{w}/data", "--out", "{w}/out")
    return run


def _each(*runs):
    return lambda world, request: [run(world, request) for run in runs]


EXEMPTION_RULES = ["未按时办结", "未按时签收", "未及时退回", "退单驳回", "发回重办", "延期驳回", "回访不满意"]


# report: the renders that fail, each once per language (the kernel starts; it runs one cell at most)
def _report(world, *extra) -> str:
    return _cli(world, "report", *extra, "--data", "{w}/data", "--out", "{w}/out", last=True)


def _unknown_unit_while_rendering(world, request):
    pd.DataFrame([["9999", "火星探测局", "2021-03-02 09:10:00", "2021-03-02 11:10:00"]],
                 columns=["工单编号", "承办部门", "派单时间", "签收时限"]).to_csv(world / "data/exports/new.csv", index=False)
    return [_report(world, "2021-03")]


def _raising_notebook(world, request):
    """A notebooks folder of one section whose code raises: the render runs that one cell."""
    folder = world / "notebooks"
    folder.mkdir()
    notebook = nbformat.read(section_notebooks()[0].parent / "05_epidemic.ipynb", as_version=4)
    notebook.cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    notebook.cells.append(nbformat.v4.new_code_cell("raise ValueError('数据有误')"))
    nbformat.write(notebook, folder / "05_epidemic.ipynb")
    return [_report(world, "2021-03", "--notebooks", "{w}/notebooks")]


def _section(world, name: str, code: str, timeout: int | None = None) -> str:
    """``hotline report`` with a notebooks folder of one section, ``name``, whose cell is ``code``
    (``timeout``: cell_timeout_seconds in a copy of the settings)."""
    folder = world / "notebooks"
    folder.mkdir()
    notebook = nbformat.read(section_notebooks()[0].parent / "05_epidemic.ipynb", as_version=4)
    notebook.cells = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    notebook.cells.append(nbformat.v4.new_code_cell(code))
    nbformat.write(notebook, folder / f"{name}.ipynb")
    settings = []
    if timeout is not None:
        path = world / "settings.yaml"
        path.write_text(path.read_text(encoding="utf-8") + f"cell_timeout_seconds: {timeout}\n", encoding="utf-8")
        settings = ["--settings", "{w}/settings.yaml"]
    return _report(world, "2021-03", "--notebooks", "{w}/notebooks", *settings)


def _exemptions_under_another_name(world, request):
    """An exemptions file saved as .xlsx where the settings name the .csv: read by no one, so said."""
    _write(world / "data" / "exemptions" / "2021-03.xlsx", b"")
    result = runner.invoke(app, ["stats", "--month", "2021-03", "--data", str(world / "data"), "--out", str(world / "out")])
    assert result.exit_code == 0, result.output
    return [line.replace(f"{world}/", "") for line in result.stderr.splitlines() if "2021-03.xlsx" in line]


def _busy_month(world, request):
    from hotline_lib.core.utils import exclusive

    with exclusive(world / "out" / "2021-03" / ".lock", "another run"):
        return [_cli(world, "report", "2021-03", "--data", "{w}/data", "--out", "{w}/out", last=True)]


def _range_with_a_broken_city_ranking(world, request):
    """The failed month's line of a range, through the CLI; its reason is the city ranking reader's
    error (a worker's str(error)): render_range itself is replaced, a range of renders being minutes."""
    from hotline_lib.analysis.bulletin import read_city_ranking
    from hotline_lib.render.batch import BatchSummary, MonthOutcome

    ranking = world / "data" / "city_ranking" / "2020-10.csv"
    _write(ranking, "区,月工单总数,满意度,总分\n芙蓉区,很多,99.5%,95\n")
    with pytest.raises(HotlineError) as error:
        read_city_ranking(ranking, "芙蓉区")
    summary = BatchSummary(outcomes=[MonthOutcome("2020-10", "failed", 1.0, str(error.value)),
                                     MonthOutcome("2020-11", "rendered", 1.0)])
    summary.outcomes[0].log = world / "out" / "2020-10" / "render.log"
    request.getfixturevalue("monkeypatch").setattr("hotline_lib.render.batch.render_range", lambda *a, **k: summary)
    return [_cli(world, "report", "--from", "2020-10", "--to", "2020-11", "--data", "{w}/data", "--out", "{w}/out",
                 last=True).strip()]


def _unmasked_number(world, request):
    """The check of the message before it is written or sent (deliver calls it on the whole message)."""
    from hotline_lib.deliver.mail import refuse_personal_data

    phones = "、".join(f"1381234567{i}" for i in range(6)).replace("13812345670", "13812345678")
    raw = f"Subject: 通报\nContent-Type: text/plain; charset=utf-8\n\n联系电话 {phones}\n".encode()
    with pytest.raises(HotlineError) as error:
        refuse_personal_data(world / "out" / "2020-12" / "bulletin.eml", raw)
    return [_printed(world, error.value)]


def _os_error(world, request):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device", str(world / "out" / "2021-03" / "rejects.csv"))

    request.getfixturevalue("monkeypatch").setattr("hotline_lib.figures.month.write_once", full_disk)
    return [_cli(world, "stats", "--month", "2021-03", "--data", "{w}/data", "--out", "{w}/out")]


def _bug(world, request):
    """The console script's own catch (cli.main), exit 2."""
    from hotline_lib import cli

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch, capsys = request.getfixturevalue("monkeypatch"), request.getfixturevalue("capsys")
    monkeypatch.setattr("hotline_lib.scoring.leaderboard.score_file", broken)
    monkeypatch.setattr("sys.argv", ["hotline", "score", "x.csv"])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    return capsys.readouterr().err.strip().splitlines()


# row level: one bad cell per row, in the order the table lists the reasons (rejects.csv is sorted by file and row)
def _bad_rows(world: Path) -> Path:
    data = world / "rows"
    orders, assignments = _orders(7), _assignments(rows=3)   # the last order and assignment are valid
    for row, (column, value) in enumerate([("受理时间", "昨天"), ("疫情相关", "也许"), ("诉求类型", "还行"), ("工单编号", ""),
                                           ("办结时间", "2021-03-01 09:00:00"), ("受理时间", "1970-01-01 08:00:00")]):
        orders.loc[row, column] = value
    orders.loc[len(orders)] = [*orders.iloc[6, :11], "2099-03-04 09:00:00", "满意"]
    orders.loc[len(orders) - 1, "工单编号"] = "09999"
    assignments["发回重办次数"] = ["两次", "-1", "0"]
    _write(data / "a-orders.csv", orders.iloc[:1].to_csv(index=False))
    _write(data / "b-assignments.csv", assignments.to_csv(index=False))
    _write(data / "c-orders.csv", orders.iloc[1:].to_csv(index=False))
    return data


def _row_reasons(world, request):
    """Chinese: the reason column of rejects.csv; English: each reason's key said in English."""
    data = _bad_rows(world)
    result = runner.invoke(app, ["stats", "--month", "2021-03", "--data", str(data), "--out", str(world / "out")])
    assert result.exit_code == 0, result.output
    if language() == "zh":
        return pd.read_csv(world / "out" / "2021-03" / "rejects.csv", dtype=str)["reason"].tolist()
    from hotline_lib.io.exports import load_exports

    rejects = load_exports(data, request.getfixturevalue("units")).rejects.sort_values(["file", "row"], kind="stable")
    return [gettext(reason, "en") for reason in rejects["reason"]]


#: Every row of the table: the scenario that makes its message, returning the lines printed in the
#: order of the row's documented texts. The commands' rows run as tests/test_bad_input.py's cases.
SCENARIOS = {
    **{name: _command(setup, args) for name, setup, args, _ in CASES},
    "reader: password-protected .xlsx": _score(_file("x.xlsx", encrypted_xlsx)),
    "reader: an OLE file with no sheet, named .xls": _score(_file("x.xls", cfb("Workbook"))),
    "reader: CSV/HTML named .xlsx": _score(_file("x.xlsx", ",".join(ORDER_HEADER))),
    "reader: .et/.numbers in a data folder": _stats(lambda w: _write(w / "data" / "a.et", cfb("Workbook"))),
    "score: a 合计 row closing the table": lambda world, request: [_cli(world, "score", _with_total_row(world), exit_code=0)],
    "reader: binary, or UTF-16 without BOM": _score(_file("x.csv", utf16_text("\t").encode("utf-16-le"))),
    "reader: damaged UTF-16": _score(_file("x.csv", utf16_text("\t").encode("utf-16")[:-1])),
    "reader: undecodable bytes": _score(_file("x.csv", b"\xff\xfa\x80\x81 not text")),
    "reader: UTF-16 with BOM (Excel \"Unicode text\")": _stats(_utf16_with_bom, "unicode.csv"),
    "reader: 工单编号 twice": _stats(_in_exports(_orders_twice)),
    "reader: 工单号 and 工单编号": _stats(_in_exports(_assignments_two_spellings)),
    "reader: 部门名称 and 单位名称 in the unit table": _score(_unit_table_two_spellings),
    "reader: a stray cell far out": _stray_cell,
    "reader: a column under the platform's own header": _stats(_unit_as_处理部门),
    "reader: 回访结果 values the settings do not list": _stats(_odd_visit_results),
    "reader: no header": _score(_file("bad.csv", "说明,备注\n1,2\n")),
    "score: satisfied > visited, unit twice, unknown 类别, bad rate, rate over 100%": _bad_unit_rows,
    "exemptions: missing column": _each(_exemptions(f"00000,{STREET},未按时办结,李四", header="工单编号,部门名称,规则,批准人\n")),
    "exemptions: unknown unit": _each(_exemptions("00000,火星探测局,未按时办结,系统故障,李四")),
    "exemptions: unknown rule": _each(_exemptions(f"00000,{STREET},超时,系统故障,李四")),
    "exemptions: empty reason or approver": _each(_exemptions(f"00000,{STREET},未按时办结,,李四"),
                                                   _exemptions(f"00000,{STREET},未按时办结,系统故障,")),
    "exemptions: the same row twice": _each(_exemptions(*[f"00000,{STREET},未按时办结,系统故障,李四"] * 2)),
    "exemptions: order not in the exports": _each(_exemptions(f"09999999,{STREET},未按时办结,系统故障,李四")),
    "exemptions: order of another unit": _each(_exemptions("00000,人力资源和社会保障局,未按时办结,系统故障,李四")),
    "exemptions: nothing to exempt": _each(*[_exemptions(f"00000,{STREET},{rule},系统故障,李四") for rule in EXEMPTION_RULES]),
    "report: a month with no data": lambda world, request: [_report(world, "2019-01")],
    "report: unknown unit found while rendering": _unknown_unit_while_rendering,
    "report: a notebook that raises": _raising_notebook,
    "report: a cell that runs too long": lambda world, request: [_section(world, "03_loop", "while True:\n    pass", 2)],
    "report: a notebook that ends its kernel": lambda world, request: [_section(world, "03_exit", "import os\nos._exit(1)")],
    "exemptions: a file under a name the settings do not expect": _exemptions_under_another_name,
    "report, range: one month's city ranking broken": _range_with_a_broken_city_ranking,
    "report: the same month already rendering": _busy_month,
    "email: unmasked number in the message": _unmasked_number,
    "any command: an OS error": _os_error,
    "any command: a bug": _bug,
    "row level (rejected, counted, listed in rejects.csv):": _row_reasons,
    "row level, not an error (counted as duplicates, listed in duplicates.csv with the copy used):":
        _stats(_copy_of_orders, "orders-again.csv"),
}


def test_every_row_of_the_table_has_a_scenario():
    assert set(SCENARIOS) == set(doc_rows()), f"rows without a scenario: {set(doc_rows()) - set(SCENARIOS)}; " \
                                             f"scenarios without a row: {set(SCENARIOS) - set(doc_rows())}"


@pytest.mark.parametrize("lang, column", [("zh", 0), ("en", 1)])
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_each_documented_message_is_what_the_command_prints(world, request, monkeypatch, name, lang, column):  # noqa: F811
    monkeypatch.setenv("HOTLINE_LANG", lang)
    printed = SCENARIOS[name](world, request)
    texts = spans(doc_rows()[name][column])
    assert len(printed) == len(texts), f"{name}: printed {printed!r}"
    for (text, whole), line in zip(texts, printed):
        assert documented(text, line, whole), f"{name}: printed {line!r}"


# Lists of names in Chinese text, and the rows summary of a render ----------------------------------------

def test_a_list_of_names_is_joined_with_the_chinese_enumeration_comma():
    """"、" between names in Chinese, ", " in English; a location keeps its "，" (the other msgid ", ")."""
    with pytest.raises(HotlineError) as error:
        check_argument("engine", ["auto", "pandas", "duckdb"], "spark")
    assert error.value.translated("zh") == "engine 应为 auto、pandas、duckdb 之一；收到的是 'spark'"
    assert error.value.translated("en") == "engine must be one of auto, pandas, duckdb; got 'spark'"
    again = pickle.loads(pickle.dumps(InputError("missing columns: {columns}", path="a.csv", row=2, columns=names(["甲", "乙"]))))
    assert again.translated("zh") == "a.csv，第 2 行：缺少列：甲、乙"
    assert again.translated("en") == "a.csv, row 2: missing columns: 甲, 乙"


def test_a_render_prints_the_rows_summary_in_the_readers_language(world, monkeypatch):  # noqa: F811
    """accounting.json says it in Chinese (a file for people); `hotline report` prints it in the reader's
    language from the file's counts (render_month replaced: the line is all that is looked at)."""
    from hotline_lib.render import month as report

    monkeypatch.setenv("HOTLINE_LANG", "en")
    args = ["--data", str(world / "data"), "--out", str(world / "out")]
    stats = runner.invoke(app, ["stats", "--month", "2021-03", *args])
    assert stats.exit_code == 0, stats.output
    accounting = json.loads((world / "out" / "2021-03" / "accounting.json").read_text(encoding="utf-8"))
    english = next(line for line in stats.stderr.splitlines() if "rows read" in line).split("; written to ")[0]
    assert accounting["summary"].startswith("2 个文件：读取 6 行") and english.startswith("2 files: 6 rows read")
    (world / "out" / "2021-03" / "bulletin.html").write_text("<html></html>", encoding="utf-8")
    monkeypatch.setattr(report, "render_month", lambda month, *a, **k: report.ReportResult(
        month, world / "out" / month / "bulletin.html", world / "out" / month / "figures.json", [], 1.0,
        rows=report.accounting_summary(accounting)))
    for lang, summary in [("en", english), ("zh", accounting["summary"])]:
        monkeypatch.setenv("HOTLINE_LANG", lang)
        result = runner.invoke(app, ["report", "2021-03", *args])
        assert result.exit_code == 0, result.output
        line = gettext("{summary}; per file: {path}", summary=summary, path=world / "out" / "2021-03" / "accounting.json")
        assert line in result.stderr.splitlines()
