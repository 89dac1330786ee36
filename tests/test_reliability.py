"""Nothing lost, nothing leaked: the full sample batch (privacy scan, accounting, inputs untouched),
HTML escaping of hostile data, renders killed mid-way, and two renders of one month at once."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from email import message_from_bytes
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.config import units_file
from hotline_lib.core.errors import HotlineError
from hotline_lib.core.months import months_between
from hotline_lib.core.utils import exclusive
from hotline_lib.io.validation import EARLIEST, FUTURE, reason_in_chinese
from hotline_lib.render.publish import recover

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("english")]  # English messages
runner = CliRunner()
HOSTILE = "噪音<script>alert(\"x\")</script>&'扰民13812345678"


def checksums(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def batch(sample_dir, tmp_path_factory):
    """Every month of the sample rendered (two at a time), with the inputs' checksums from before."""
    data = tmp_path_factory.mktemp("batch-data")
    shutil.copytree(sample_dir, data, dirs_exist_ok=True)
    before = checksums(data)
    out = tmp_path_factory.mktemp("batch-out")
    result = runner.invoke(app, ["report", "--from", "2020-01", "--to", "2021-06", "--jobs", "2",
                                 "--data", str(data), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return data, out, before


def test_every_section_notebook_runs_in_every_month_of_the_sample(batch):
    """The section notebooks with other months than their default (the stitched run of each month):
    no error output, one record per section, the sections present as the month's inputs allow."""
    from hotline_lib.render.section import sections_from_notebook

    _, out, _ = batch
    for month in months_between("2020-01", "2021-06"):
        manifest = json.loads((out / month / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["sections"][0] == "overview" and manifest["sections"][-1] == "appendix", month
        assert {"units", "features", "epidemic"} <= set(manifest["sections"]) and manifest["overrides"] == {}
        for path in sorted((out / month / "notebooks").glob("*.ipynb")):
            notebook = nbformat.read(path, as_version=4)
            outputs = [o for c in notebook.cells for o in c.get("outputs", [])]
            assert not [o for o in outputs if o.get("output_type") == "error"], (month, path.name)
            records = sections_from_notebook(notebook)
            assert len(records) <= 1 and all(r.month == month for r in records), (month, path.name)
            # 08_hot_topics records no section of its own while the settings put 热点诉求 under 本月热线特点
            assert records or path.stem in ("02_city_ranking", "06_case_story", "08_hot_topics", "09_red_black_list"), (month, path.name)


def test_full_batch_passes_the_privacy_scan(batch):
    _, out, _ = batch
    result = runner.invoke(app, ["check-privacy", str(out)])
    assert result.exit_code == 0, result.output
    assert "no unmasked personal numbers" in result.stdout


def test_case_stories_with_personal_numbers_are_masked_in_every_output(batch):
    _, out, _ = batch
    pages = {p: p.read_text(encoding="utf-8") for p in out.glob("*/bulletin.html")}
    assert len(pages) == 18
    with_story = [p for p, page in pages.items() if "199****1234" in page]
    assert with_story, "the sample's made-up stories carry a phone number on purpose"
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".json", ".csv"}:
            text = path.read_text(encoding="utf-8")
            assert "19900001234" not in text and "430102199001011234" not in text, path


def test_every_month_accounts_for_every_row_per_file(batch):
    """rows read = used + duplicates + rejected, per file, in each month's manifest; the sample's invalid
    rows are the rejected ones (rejects.csv), its overlapping rows the duplicates (duplicates.csv)."""
    data, out, _ = batch
    for month in months_between("2020-01", "2021-06"):
        rows = json.loads((out / month / "manifest.json").read_text(encoding="utf-8"))["rows"]
        files = pd.DataFrame(rows["files"])
        assert len(files) == 36 and (files["read"] == files["used"] + files["duplicates"] + files["rejected"]).all()
        assert rows["total"]["read"] == rows["total"]["used"] + rows["total"]["duplicates"] + rows["total"]["rejected"]
        # the summary line of a file for people is Chinese whatever the language of messages
        assert "rejected" not in rows["summary"] and f"重复 {rows['total']['duplicates']} 行（" in rows["summary"]
    rejects = pd.read_csv(out / "2020-12" / "rejects.csv", dtype=str)
    assert not rejects["reason"].str.contains("duplicate").any()
    reasons = set(rejects["reason"])
    # a file for people: the reasons in Chinese, whatever the language of messages
    assert {reason_in_chinese(r) for r in ["completed_at is before signed_at", "negative count", "not a date and time",
                                           "missing value"]} <= reasons
    assert {reason_in_chinese(FUTURE), reason_in_chinese(EARLIEST)} <= reasons
    per_file = files.set_index("file")
    assert per_file["rejected"].sum() == len(rejects.drop_duplicates(["file", "sheet", "row"]))
    copies = pd.read_csv(out / "2020-12" / "duplicates.csv", dtype=str)
    assert per_file["duplicates"].sum() == len(copies) == rows["total"]["duplicates"]


def test_inputs_are_unchanged_by_every_command(batch, tmp_path):
    data, out, before = batch
    for args in (["stats", "--month", "2020-12", "--data", str(data), "--out", str(tmp_path)],
                 ["trends", "--from", "2020-11", "--to", "2020-12", "--data", str(data), "--out", str(tmp_path)],
                 ["email", "2020-12", "--to", "office@example.com", "--dry-run", "--out", str(out)],
                 ["check-privacy", str(out)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    assert checksums(data) == before
    result = runner.invoke(app, ["check-privacy", str(out / "2020-12" / "bulletin.eml")])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def hostile(sample_dir, tmp_path_factory):
    """The sample plus 1500 December orders whose category is HTML, quotes, & and a phone number,
    a case story with a script tag, and a city ranking with a hostile district name."""
    data = tmp_path_factory.mktemp("hostile-data")
    shutil.copytree(sample_dir, data, dirs_exist_ok=True)
    header = ["工单编号", "受理时间", "签收时间", "来源渠道", "诉求类型", "问题分类", "疫情相关", "营商环境", "诉求内容", "联系电话"]
    rows = [[f"8{i:06d}", "2020-12-10 08:00:00", "2020-12-10 09:00:00", "微信13912345678" if i % 3 == 0 else "12345热线", "投诉", HOSTILE, "是" if i % 2 else "否", "否",
             "【虚构】<b>内容</b>", "19900001111"] for i in range(1500)]
    pd.DataFrame(rows, columns=header).to_csv(data / "exports" / "hostile_工单.csv", index=False)
    (data / "cases" / "2020-12.md").write_text("市民<script>alert('x')</script>&\"来电\"，电话13812345678。\n", encoding="utf-8")
    ranking = data / "city_ranking" / "2020-12.csv"
    ranking.write_text(ranking.read_text(encoding="utf-8").replace("岳麓区", "岳麓区13512345678<i>&\"'"), encoding="utf-8")
    out = tmp_path_factory.mktemp("hostile-out")
    for args in (["report", "2020-12"], ["trends", "--from", "2020-11", "--to", "2020-12"]):
        result = runner.invoke(app, [*args, "--data", str(data), "--out", str(out)])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["email", "2020-12", "--to", "office@example.com", "--dry-run", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _eml_html(path: Path) -> str:
    """Every HTML part of the message: the digest that is the body and the bulletin attached."""
    message = message_from_bytes(path.read_bytes())
    return "\n".join(p.get_payload(decode=True).decode("utf-8") for p in message.walk() if p.get_content_type() == "text/html")


class _Page(HTMLParser):
    """What a browser would see: the elements, and the text with entities decoded."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = set(), []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("output, shown", [("2020-12/bulletin.html", ["category", "story", "district"]),
                                           ("trends_2020-11_2020-12.html", ["category"]),  # a table of the categories
                                           ("2020-12/bulletin.eml", ["category", "story", "district"])])
def test_text_from_data_is_escaped_and_masked_in_every_html_output(hostile, output, shown):
    path = hostile / output
    page = _eml_html(path) if path.suffix == ".eml" else path.read_text(encoding="utf-8")
    parsed = _Page(page)
    assert not {"script", "i", "b"} & parsed.tags  # data never becomes markup...
    text = "".join(parsed.text)
    expected = {"category": "噪音<script>alert(\"x\")</script>&'扰民138****5678",   # ...it shows as the text it was
                "story": "市民<script>alert('x')</script>&\"来电\"，电话138****5678。", "district": "岳麓区135****5678<i>&\"'"}
    for name in shown:
        assert expected[name] in text, name
    for raw in ("13812345678", "13912345678", "13512345678"):
        assert raw not in page


def test_no_output_of_hostile_data_holds_a_raw_number(hostile):
    """figures.json (channel names are its keys), notebooks, rejects: nothing anywhere."""
    for path in hostile.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".ipynb", ".json", ".csv", ".log"}:
            text = path.read_text(encoding="utf-8")
            for raw in ("13812345678", "13912345678", "13512345678"):
                assert raw not in text, path


def test_hostile_outputs_pass_the_privacy_scan(hostile):
    result = runner.invoke(app, ["check-privacy", str(hostile)])
    assert result.exit_code == 0, result.output


def test_email_refuses_a_bulletin_with_an_unmasked_number(hostile, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(hostile / "2020-12", out / "2020-12")
    page = out / "2020-12" / "bulletin.html"
    page.write_text(page.read_text(encoding="utf-8").replace("138****5678", "13812345678"), encoding="utf-8")
    (out / "2020-12" / "bulletin.eml").unlink()
    result = runner.invoke(app, ["email", "2020-12", "--to", "office@example.com", "--smtp", "127.0.0.1:9", "--out", str(out)])
    assert result.exit_code == 1
    assert "the e-mail of 2020-12 holds an unmasked mobile phone (138****5678)" in result.stderr
    assert "not e-mailed" in result.stderr and "13812345678" not in result.output
    assert not (out / "2020-12" / "bulletin.eml").exists() and not (out / "2020-12" / "sent.json").exists()


# ---- interrupted and concurrent renders -------------------------------------------------------

def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the kernel runs in a session of its own)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found, frontier = [], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _start_render(data: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "hotline_lib.cli", "report", "2020-12", "--data", str(data), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _wait_for(condition, process: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if condition():
            return True
        time.sleep(0.005)
    return False


def _kill_everything(process: subprocess.Popen) -> None:
    """Like a power cut: SIGKILL to the render and its kernel, no clean-up code runs."""
    for pid in [process.pid, *_descendants(process.pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def _assert_nothing_looks_finished_but_is_not(month_dir: Path, previous: bytes) -> None:
    page = (month_dir / "bulletin.html").read_bytes()
    assert page == previous or (page.rstrip().endswith(b"</html>") and len(page) > 100_000)
    for path in month_dir.rglob("*"):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(month_dir).parts):
            continue  # hidden: the staging folder and temporary files never look finished
        if path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".ipynb":
            nbformat.read(path, as_version=4)
        elif path.suffix == ".csv":
            assert path.read_bytes().endswith(b"\n")
            pd.read_csv(path, dtype=str)


STAGES = {
    "while starting": lambda d, t0: time.monotonic() - t0 > 1.0,
    "once the kernel runs": lambda d, t0: (d / ".staging").exists(),
    "mid-way through the sections": lambda d, t0: (d / ".staging" / "2020-12" / "accounting.json").exists(),
    "while moving files into place": lambda d, t0: (d / ".commit.json").exists(),   # the commit's journal
}


def test_a_render_killed_at_any_point_leaves_the_previous_bulletin_or_a_complete_one(batch, tmp_path):
    data, out, _ = batch
    target = tmp_path / "out"
    shutil.copytree(out / "2020-12", target / "2020-12")
    month_dir = target / "2020-12"
    previous = (month_dir / "bulletin.html").read_bytes()
    manifest = (month_dir / "manifest.json").read_bytes()
    for stage, condition in STAGES.items():
        started, wall = time.monotonic(), time.time()
        process = _start_render(data, target)
        reached = _wait_for(lambda: condition(month_dir, started if stage == "while starting" else wall), process)
        _kill_everything(process)
        recover(month_dir)   # what the next command does first: a commit killed half-way is finished
        if stage == "while moving files into place":  # a window of milliseconds: the run may finish first
            assert reached or process.returncode == 0, f"{stage}: {process.stderr.read().decode()}"
            now = (month_dir / "manifest.json").read_bytes()
            assert now == manifest or all((month_dir / name).exists() for name in json.loads(now)["files"])   # old or new, whole
            assert not (month_dir / ".commit.json").exists() and not (month_dir / ".previous").exists()
        else:  # killed before the commit: the previous render is untouched, its manifest included
            assert reached, f"{stage} never came: {process.stderr.read().decode()}"
            assert (month_dir / "bulletin.html").read_bytes() == previous
            assert (month_dir / "manifest.json").read_bytes() == manifest
        _assert_nothing_looks_finished_but_is_not(month_dir, previous)
        scan = runner.invoke(app, ["check-privacy", str(target)])  # hidden leftovers included
        assert scan.exit_code == 0, scan.output
    # the next run is not blocked by a stale lock, and clears what the killed runs left behind
    result = runner.invoke(app, ["report", "2020-12", "--data", str(data), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert not (month_dir / ".staging").exists() and not list(month_dir.rglob(".*.tmp"))
    assert json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))["rows"]["total"]["read"] > 0


def test_bad_data_found_by_a_render_leaves_the_previous_render_untouched(batch, tmp_path):
    data, out, _ = batch
    bad = tmp_path / "data"
    shutil.copytree(data, bad)
    pd.DataFrame([["9999", "火星探测局", "2020-12-02 09:10:00", "2020-12-02 11:10:00"]],
                 columns=["工单编号", "承办部门", "派单时间", "签收时限"]).to_csv(bad / "exports" / "new.csv", index=False)
    target = tmp_path / "out"
    shutil.copytree(out / "2020-12", target / "2020-12")
    before = checksums(target)
    result = runner.invoke(app, ["report", "2020-12", "--data", str(bad), "--out", str(target)])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("exports/new.csv, row 2, column '承办部门': unit '火星探测局' is not in the unit "
                                          f"directory {units_file()} (rows: 1; closest: 火星街道办事处): add it, or this spelling as an alias of a unit, "
                                          "and run again")
    assert checksums(target) == before


def test_a_second_render_of_the_same_month_fails_clearly_and_the_first_completes(batch, tmp_path):
    data, _, _ = batch
    out = tmp_path / "out"
    first = _start_render(data, out)
    assert _wait_for(lambda: (out / "2020-12" / ".staging").exists(), first)
    second = runner.invoke(app, ["report", "2020-12", "--data", str(data), "--out", str(out)])
    assert second.exit_code == 1
    assert "another hotline run is writing the bulletin of 2020-12" in second.stderr
    assert first.wait(timeout=120) == 0, first.stderr.read().decode()
    assert (out / "2020-12" / "bulletin.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


def test_the_lock_is_per_month_and_released_after_use(tmp_path):
    with exclusive(tmp_path / "a" / ".lock", "a"):
        with pytest.raises(HotlineError, match="another hotline run is writing a right now"):
            with exclusive(tmp_path / "a" / ".lock", "a"):
                pass
        with exclusive(tmp_path / "b" / ".lock", "b"):
            pass
    with exclusive(tmp_path / "a" / ".lock", "a"):
        pass

