"""Bad input to every command: exit 1, one line naming what is wrong and where, no traceback,
and no input file changed (checksums of every file before and after)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import DEFAULT_RULES, settings_file, units_file

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages

runner = CliRunner()
FIXTURES = Path(__file__).parent / "fixtures"
ORDER_HEADER = ["工单编号", "受理时间", "签收时间", "来源渠道", "诉求类型", "问题分类", "疫情相关", "营商环境", "诉求内容",
                "联系电话", "办结时间", "回访时间", "回访结果"]
ASSIGNMENT_HEADER = ["工单编号", "承办单位", "派单时间", "签收时限", "签收时间", "办结时限", "办结时间", "发回重办次数", "回访结果"]


def _orders(unit_rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame([[f"0{i:04d}", "2021-03-02 08:30:00", "2021-03-02 09:00:00", "12345热线", "咨询", "消费维权", "否", "否",
                          "【虚构】市民反映问题", "19900000000", "2021-03-03 09:00:00", "2021-03-04 09:00:00", "满意"]
                         for i in range(unit_rows)], columns=ORDER_HEADER)


def _assignments(unit: str = "东湖街道办事处", rows: int = 3) -> pd.DataFrame:
    return pd.DataFrame([[f"0{i:04d}", unit, "2021-03-02 09:10:00", "2021-03-02 11:10:00", "2021-03-02 09:30:00",
                          "2021-03-07 09:30:00", "2021-03-03 09:00:00", "0", "满意"] for i in range(rows)], columns=ASSIGNMENT_HEADER)


@pytest.fixture
def world(tmp_path):
    """A small, valid set of inputs: a data folder (March 2021), the unit table, settings, units and rules."""
    data = tmp_path / "data" / "exports"
    data.mkdir(parents=True)
    _orders().to_csv(data / "orders.csv", index=False, encoding="gbk")
    _assignments().to_csv(data / "assignments.csv", index=False)
    shutil.copy(FIXTURES / "appendix_2020-12.csv", tmp_path / "appendix.csv")
    for source in (settings_file(), units_file(), DEFAULT_RULES):
        shutil.copy(source, tmp_path / ("default.yaml" if source == DEFAULT_RULES else source.name))
    return tmp_path


def checksums(folder: Path) -> dict[str, str]:
    """Content hash of every input file (the outputs folder aside)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "out" not in p.relative_to(folder).parts}


def _write(path: Path, content) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def _truncated_xlsx(world: Path) -> bytes:
    path = world / "tmp.xlsx"
    pd.read_csv(world / "appendix.csv").to_excel(path, index=False)
    data = path.read_bytes()
    path.unlink()
    return data[: len(data) // 2]


#: A sending recorded in sent.json (deliver/sent_log.py).
SENT = {"status": "sent", "sent_at": "2021-04-02T01:00:00+00:00", "to": ["a@example.com"], "server": "smtp.example.org:587",
        "message_id": "<1@example.org>"}

# (name, set-up of the bad input, arguments, fragments the one error line must hold)
CASES = [
    ("score: missing file", None, ["score", "{w}/nope.csv"], ["nope.csv: file not found"]),
    ("score: a folder", None, ["score", "{w}/data"], ["is a folder"]),
    ("score: empty file", lambda w: _write(w / "empty.csv", ""), ["score", "{w}/empty.csv"], ["empty.csv: file is empty"]),
    ("score: wrong file type", lambda w: _write(w / "table.pdf", "%PDF-1.4"), ["score", "{w}/table.pdf"], ["unsupported file type .pdf"]),
    ("score: truncated xlsx", lambda w: _write(w / "cut.xlsx", _truncated_xlsx(w)), ["score", "{w}/cut.xlsx"], ["cut.xlsx: not a readable .xlsx"]),
    ("score: missing column", lambda w: pd.read_csv(w / "appendix.csv", dtype=str).drop(columns="未按时签收数").to_csv(w / "appendix.csv", index=False),
     ["score", "{w}/appendix.csv"], ["appendix.csv", "missing column: 未按时签收数"]),
    ("score: no 签收总数 to order by", lambda w: pd.read_csv(w / "appendix.csv", dtype=str).drop(columns="签收总数").to_csv(w / "appendix.csv", index=False),
     ["score", "{w}/appendix.csv"], ["appendix.csv", "missing column: 签收总数"]),
    ("score: non-numeric count", lambda w: _edit_cell(w / "appendix.csv", 0, "签收总数", "六十"),
     ["score", "{w}/appendix.csv"], ["row 2, column '签收总数': not a number: '六十'"]),
    ("score: negative count", lambda w: _edit_cell(w / "appendix.csv", 0, "未按时办结数", "-2"),
     ["score", "{w}/appendix.csv"], ["row 2, column '未按时办结数': negative count '-2'"]),
    ("score: broken rules file", lambda w: _write(w / "default.yaml", "base: [70\n"),
     ["score", "{w}/appendix.csv", "--rules", "{w}/default.yaml"], ["default.yaml: not valid YAML"]),
    ("score: rules with an unknown key", lambda w: _write(w / "default.yaml", (w / "default.yaml").read_text(encoding="utf-8") + "bonus: 5\n"),
     ["score", "{w}/appendix.csv", "--rules", "{w}/default.yaml"], ["default.yaml", "bonus"]),
    ("stats: missing data folder", None, ["stats", "--month", "2021-03", "--data", "{w}/nope"], ["nope: data folder not found"]),
    ("stats: empty data folder", lambda w: (w / "empty").mkdir(), ["stats", "--month", "2021-03", "--data", "{w}/empty"],
     ["empty: no export files (.csv, .xlsx, .xls, .xlsb or .ods)"]),
    ("stats: unknown unit", lambda w: _assignments("火星探测局", 1).to_csv(w / "data/exports/more.csv", index=False),
     ["stats", "--month", "2021-03", "--data", "{w}/data"], ["more.csv, row 2, column '承办单位': unit '火星探测局' is not in the unit directory"]),
    ("stats: malformed month", None, ["stats", "--month", "2021-3", "--data", "{w}/data"], ["month must look like 2020-12 (YYYY-MM); got '2021-3'"]),
    ("stats: a month with no data", None, ["stats", "--month", "2019-01", "--data", "{w}/data"],
     ["no order or assignment was signed in 2019-01: is this month in the exports?"]),
    ("stats: broken settings file", lambda w: _write(w / "settings.yaml", "district: 芙蓉区\n  peer: [\n"),
     ["stats", "--month", "2021-03", "--data", "{w}/data", "--settings", "{w}/settings.yaml"], ["settings.yaml: not valid YAML"]),
    ("stats: settings missing a key", lambda w: _write(w / "settings.yaml", "district: 芙蓉区\n"),
     ["stats", "--month", "2021-03", "--data", "{w}/data", "--settings", "{w}/settings.yaml"], ["settings.yaml"]),
    ("stats: broken unit directory", lambda w: _write(w / "units.yaml", "units:\n  - kind: 街道\n"),
     ["stats", "--month", "2021-03", "--data", "{w}/data", "--units", "{w}/units.yaml"], ["units.yaml"]),
    ("stats: unknown engine", None, ["stats", "--month", "2021-03", "--data", "{w}/data", "--engine", "spark"],
     ["engine must be one of auto, pandas, duckdb; got 'spark'"]),
    ("report: malformed month", None, ["report", "2021/03", "--data", "{w}/data", "--out", "{w}/out"], ["got '2021/03'"]),
    ("report: --from after --to", None, ["report", "--from", "2021-03", "--to", "2021-01", "--data", "{w}/data", "--out", "{w}/out"],
     ["--to 2021-01 is before --from 2021-03"]),
    ("report: missing data folder", None, ["report", "2021-03", "--data", "{w}/nope", "--out", "{w}/out"], ["nope: data folder not found"]),
    ("report: month and range", None, ["report", "2021-03", "--from", "2021-01", "--to", "2021-02"], ["not both"]),
    ("trends: --from after --to", None, ["trends", "--from", "2021-03", "--to", "2020-12", "--data", "{w}/data", "--out", "{w}/out"],
     ["--to 2020-12 is before --from 2021-03"]),
    ("trends: malformed month", None, ["trends", "--from", "2021-13", "--to", "2021-12"], ["got '2021-13'"]),
    ("email: month not rendered", None, ["email", "2021-03", "--to", "a@example.com", "--out", "{w}/out"],
     ["out/2021-03: no rendered bulletin; run `hotline report 2021-03` first"]),
    ("email: an interrupted render", lambda w: [_write(w / "out/2021-03" / name, "{}") for name in ("bulletin.html", "figures.json")],
     ["email", "2021-03", "--to", "a@example.com", "--out", "{w}/out"], ["the last render did not finish (no manifest.json)"]),
    ("email: not an address", None, ["email", "2021-03", "--to", "nobody", "--out", "{w}/out"], ["not an e-mail address in --to: 'nobody'"]),
    ("email: a line break in an address", None, ["email", "2021-03", "--to", "a@example.com\r\nBcc: b@example.com", "--out", "{w}/out"],
     ["--to 'a@example.com\\r\\nBcc: b@example.com' holds a line break: an address is one line"]),
    ("email: sent.json cannot be read", lambda w: _write(w / "out/2021-03/sent.json", '[{"to": '),
     ["email", "2021-03", "--to", "a@example.com", "--smtp", "127.0.0.1:9", "--out", "{w}/out"],
     ["out/2021-03/sent.json cannot be read (JSONDecodeError: ", "so nothing is sent"]),
    ("email: already sent", lambda w: _write(w / "out/2021-03/sent.json", json.dumps([SENT])),
     ["email", "2021-03", "--to", "a@example.com", "--smtp", "127.0.0.1:9", "--out", "{w}/out"],
     ["2021-03 was e-mailed on 2021-04-02T01:00:00+00:00 to a@example.com", "--resend sends it again"]),
    ("sample: --out is a file", lambda w: _write(w / "taken", "x"), ["sample", "--out", "{w}/taken"], ["taken is a file"]),
    ("check-privacy: missing folder", None, ["check-privacy", "{w}/nope"], ["nope: not found"]),
]


def _edit_cell(path: Path, row: int, column: str, value: str) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[row, column] = value
    frame.to_csv(path, index=False)


@pytest.mark.parametrize("name, setup, args, fragments", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line_and_changes_no_input(world, name, setup, args, fragments):
    if setup:
        setup(world)
    before = checksums(world)
    result = runner.invoke(app, [a.format(w=world) for a in args])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]
    assert checksums(world) == before


@pytest.mark.parametrize(
    "change, column, reason",
    # rejects.csv is written for people: its reasons are Chinese whatever the language of messages
    [({"办结时间": "2021-03-01 09:00:00"}, "办结时间", "办结时间早于签收时间"),
     ({"受理时间": "1970-01-01 08:00:00"}, "受理时间", "早于 2000-01-01：不是真实日期"),
     ({"回访时间": "2099-03-04 09:00:00"}, "回访时间", "在未来：晚于本次运行的时间")],
)
def test_impossible_times_are_rejected_rows_not_errors(world, change, column, reason):
    orders = _orders()
    for header, value in change.items():
        orders.loc[1, header] = value
    orders.to_csv(world / "data/exports/orders.csv", index=False, encoding="gbk")
    result = runner.invoke(app, ["stats", "--month", "2021-03", "--data", str(world / "data"), "--out", str(world / "out")])
    assert result.exit_code == 0, result.output
    assert "orders.csv: 3 read = 2 used + 0 duplicates + 1 invalid" in result.stderr
    rejects = pd.read_csv(world / "out/2021-03/rejects.csv", dtype=str)
    assert rejects[["row", "column"]].values.tolist() == [["3", column]]
    assert reason in rejects.loc[0, "reason"]


def test_negative_count_is_a_rejected_row(world):
    assignments = _assignments()
    assignments.loc[0, "发回重办次数"] = "-1"
    assignments.to_csv(world / "data/exports/assignments.csv", index=False)
    result = runner.invoke(app, ["stats", "--month", "2021-03", "--data", str(world / "data"), "--out", str(world / "out")])
    assert "assignments.csv: 3 read = 2 used + 0 duplicates + 1 invalid" in result.stderr
    rejects = pd.read_csv(world / "out/2021-03/rejects.csv", dtype=str)
    # a rejected value is text: "-1" gets the apostrophe that keeps a spreadsheet from reading a formula
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [["2", "发回重办次数", "'-1", "计数为负"]]


def test_an_unexpected_bug_is_one_line_too(monkeypatch, capsys):
    """The console script turns even an exception we did not expect into one line (exit 2)."""
    from hotline_lib import cli

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr("hotline_lib.scoring.leaderboard.score_file", broken)
    monkeypatch.setattr("sys.argv", ["hotline", "score", "x.csv"])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("Error: unexpected KeyError") and "--debug" in err[0]


def test_an_os_error_is_one_line(world, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device", str(world / "out" / "2021-03" / "rejects.csv"))

    monkeypatch.setattr("hotline_lib.figures.month.write_once", full_disk)
    result = runner.invoke(app, ["stats", "--month", "2021-03", "--data", str(world / "data"), "--out", str(world / "out")])
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {world / 'out' / '2021-03' / 'rejects.csv'}: No space left on device"


@pytest.mark.parametrize("args", [["score", "{w}/appendix.csv", "--check", "--rules", "{w}/default.yaml"],
                                  ["score", "{w}/appendix.csv", "-o", "{w}/out/scored.csv"],
                                  ["stats", "--month", "2021-03", "--data", "{w}/data", "--out", "{w}/out", "--units", "{w}/units.yaml",
                                   "--settings", "{w}/settings.yaml"],
                                  ["stats", "--month", "2021-03", "--data", "{w}/data", "--out", "{w}/out", "--district"]],
                         ids=["score --check", "score -o", "stats", "stats --district"])
def test_good_runs_change_no_input(world, args):
    before = checksums(world)
    result = runner.invoke(app, [a.format(w=world) for a in args])
    assert result.exit_code == 0, result.output
    assert checksums(world) == before


def test_stats_prints_the_account_of_every_file(world):
    result = runner.invoke(app, ["stats", "--month", "2021-03", "--data", str(world / "data"), "--out", str(world / "out")])
    assert "exports/assignments.csv: 3 read = 3 used + 0 duplicates + 0 invalid" in result.stderr
    assert "exports/orders.csv: 3 read = 3 used + 0 duplicates + 0 invalid" in result.stderr
    account = json.loads((world / "out" / "2021-03" / "accounting.json").read_text(encoding="utf-8"))
    assert account["total"] == {"read": 6, "used": 6, "duplicates": 0, "rejected": 0}


def test_stats_names_the_files_it_skipped_in_its_account(world):
    """A notes file in the exports folder is skipped, not an error; the run's account names it, with why."""
    _write(world / "data" / "exports" / "备注.csv", "工单编号,备注\n00123,已回电\n")
    _write(world / "data" / "exports" / "README.txt", "三月导出")
    result = runner.invoke(app, ["stats", "--month", "2021-03", "--data", str(world / "data"), "--out", str(world / "out")])
    assert result.exit_code == 0, result.output
    assert "exports/备注.csv: skipped: not a 工单 or 派单 export" in result.stderr
    assert "exports/README.txt: skipped: not a .csv, .xlsx, .xls, .xlsb or .ods file" in result.stderr
    assert "; 2 other files skipped, not 工单 or 派单 exports: exports/备注.csv, exports/README.txt" in result.stderr
    account = json.loads((world / "out" / "2021-03" / "accounting.json").read_text(encoding="utf-8"))
    assert account["skipped"] == [
        {"file": "exports/备注.csv", "reason": "不是工单或派单导出文件：前 20 行中没有一行是导出文件的表头"},
        {"file": "exports/README.txt", "reason": "不是 .csv、.xlsx、.xls、.xlsb 或 .ods 文件"}]
    assert account["summary"].endswith("；另有 2 个文件不是工单或派单导出文件，已跳过：exports/备注.csv、exports/README.txt")
    assert account["total"] == {"read": 6, "used": 6, "duplicates": 0, "rejected": 0}
    from hotline_lib.render.month import accounting_summary   # what `hotline report` prints from accounting.json

    assert f"{accounting_summary(account)}; written to " in result.stderr
