"""热点诉求 on the generated sample: the planted repeat demands, places and rising topic found (by the
functions, by `hotline topics --json` and in the rendered figures.json); the bulletin's part, with no
citizen's sentence in any output; the published layout with it off; a month without 诉求内容."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import REPOSITORY_SETTINGS, workspace
from hotline_lib.analysis.topics import repeat_clusters, signed_in, term_places
from hotline_lib.analysis.topics_month import load_topics
from hotline_lib.analysis.topics_text import NO_TEXT
from hotline_lib.cli import app
from hotline_lib.core.privacy import mask_text, readable_parts
from hotline_lib.io.reading import decode_csv_bytes
from hotline_lib.sample.topics_plan import NEAR_DUPLICATES, REPEATS, RISING, planted

pytestmark = pytest.mark.slow
MONTH = "2020-12"
runner = CliRunner()


@pytest.fixture(scope="module")
def topics(sample_dir):
    return load_topics(MONTH, workspace(sample_dir, settings=REPOSITORY_SETTINGS))


@pytest.fixture(scope="module")
def printed(sample_dir):
    """`hotline topics 2020-12 --json`: (stdout, stderr)."""
    result = runner.invoke(app, ["topics", MONTH, "--data", str(sample_dir), "--settings", str(REPOSITORY_SETTINGS), "--json"])
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def _in_window(times: list, repeat) -> bool:
    return all(t.strftime("%Y-%m") == repeat.month and repeat.first_day <= t.day <= repeat.last_day for t in times)


def test_the_planted_repeat_demands_are_found_each_whole(topics):
    clusters = repeat_clusters(topics.orders, window_days=7, min_orders=3)
    for repeat in planted(MONTH):
        found = [c for c in clusters if c.place == repeat.place and c.category == repeat.category]
        assert len(found) == 1, (repeat, found)
        assert len(found[0].order_ids) == repeat.count and _in_window(found[0].times, repeat), repeat


def test_the_planted_repeat_demands_read_in_the_vocabularys_words(topics):
    """预付卡退费 and 电梯故障 are vocabulary terms their orders say (the term, a synonym or both halves);
    no repeat demand is named by a stop word (联系电话, 市长, 老板…), and units go by their short names."""
    from hotline_lib.io.segment import STOPWORDS_FILE, read_word_list

    named = {(r["place"], r["issue"]) for r in topics.figures["repeats"]}
    for repeat in REPEATS[:2]:
        assert (repeat.place, repeat.issue) in named, named
    stop = set(read_word_list(STOPWORDS_FILE))
    assert not {w for _, issue in named for w in issue.split("、")} & stop
    units = {u for r in topics.figures["repeat_units"] for u in [r["unit"]]}
    assert "区住建局" in units and "住房和城乡建设局" not in units, units


def test_a_near_duplicate_at_another_place_is_its_own_cluster(topics):
    clusters = repeat_clusters(topics.orders, window_days=7, min_orders=3)
    for near in NEAR_DUPLICATES:
        twin = next(r for r in REPEATS if r.issue == near.issue and r.month == near.month)
        at_twin = [c for c in clusters if c.place == twin.place and c.category == twin.category]
        assert [len(c.order_ids) for c in at_twin] == [twin.count]    # not grown by the other place's orders
        mine = [c for c in clusters if c.place == near.place and c.category == near.category]
        assert [len(c.order_ids) for c in mine] == [near.count]
        assert not set(mine[0].order_ids) & set(at_twin[0].order_ids)


def test_the_cli_prints_only_json_with_the_planted_findings_first(printed, topics):
    stdout, _ = printed
    figures = json.loads(stdout)   # nothing but the JSON on standard output
    assert figures == json.loads(json.dumps(topics.figures, ensure_ascii=False))
    largest = sorted((r for r in REPEATS if r.month == MONTH), key=lambda r: -r.count)
    assert [(r["place"], r["count"]) for r in figures["repeats"][:len(largest)]] == [(r.place, r.count) for r in largest]
    for row in figures["repeats"]:
        assert isinstance(row["count"], int) and isinstance(row["units"], list) and all(isinstance(u, str) for u in row["units"])
    for row in figures["places"]:
        assert isinstance(row["count"], int) and isinstance(row["previous"], int) and isinstance(row["units"], list)


def test_the_rising_topic_leads_with_its_planted_counts(topics, sample_dir):
    rising = topics.figures["rising"][0]
    orders = topics.orders
    before = signed_in(load_topics("2020-11", workspace(sample_dir, settings=REPOSITORY_SETTINGS)).orders, "2020-11")
    assert rising["term"] == RISING.term
    assert rising["count"] == RISING.count(MONTH, len(orders))
    assert rising["previous"] == RISING.count("2020-11", len(before))
    assert rising["change"] == round((rising["count"] / len(orders) - rising["previous"] / len(before)) * 100, 2)
    assert term_places(orders)[RISING.term] >= 3


def test_no_function_word_is_a_finding(topics):
    """A reader of "主要涉及工地、渣土车、不断" or "上升较多的诉求有“通过”" sees a word, not a demand: the
    adverbs and prepositions the sample's phrasings use are shipped stop words."""
    figures = topics.figures
    found = {i["issue"] for c in figures["categories"] for i in c["issues"]}
    found |= {r["term"] for r in figures["rising"] + figures["rising_year"]}
    found |= {w for r in figures["repeats"] for w in r["issue"].split("、")}
    assert found and not found & {"不断", "通过", "突然", "时间"}


def test_the_planted_places_are_counted(topics):
    counted = {}
    for places in topics.orders["places"]:
        for place in set(places.split()):
            counted[place] = counted.get(place, 0) + 1
    for repeat in planted(MONTH):
        assert counted.get(repeat.place, 0) >= repeat.count, repeat
    top = topics.figures["places"]
    assert [p["count"] for p in top] == sorted((p["count"] for p in top), reverse=True)
    assert top[0]["count"] == max(counted.values())


# ---- the bulletin ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report_with_topics(sample_dir, tmp_path_factory):
    from hotline_lib.render.month import render_month

    return render_month(MONTH, workspace(sample_dir, tmp_path_factory.mktemp("topics-out"), settings=REPOSITORY_SETTINGS))


def _windows(texts, size: int = 12) -> set[str]:
    return {text[i:i + size] for text in texts for i in range(len(text) - size + 1)}


def test_the_bulletin_has_its_hot_topics_part_and_the_figures(report_with_topics, printed):
    html = report_with_topics.html.read_text(encoding="utf-8")
    assert "热点诉求" in html and "同一地点、同一问题反复来电的重复诉求" in html
    assert all(r.place in html for r in REPEATS if r.month == MONTH)
    figures = json.loads(report_with_topics.figures.read_text(encoding="utf-8"))
    assert figures["hot_topics"] == json.loads(printed[0])


def test_no_citizen_sentence_leaves_in_any_output(report_with_topics, topics):
    contents = [t for t in topics.orders["content"].dropna().tolist() if t]
    citizens = _windows(contents + [mask_text(t) for t in contents])
    folder = report_with_topics.html.parent
    scanned = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in {".html", ".json", ".ipynb", ".docx",
                                                                                        ".pdf", ".csv", ".xlsx"}):
        for where, text in readable_parts(path.read_bytes(), path.suffix):
            leaked = citizens & _windows([text])
            assert not leaked, (path.name, where, sorted(leaked)[:3])
        scanned += 1
    assert scanned >= 5
    result = runner.invoke(app, ["check-privacy", str(folder)])
    assert result.exit_code == 0, result.output


def test_the_published_layout_has_no_hot_topics(report_2020_12):
    assert "热点诉求" not in report_2020_12.html.read_text(encoding="utf-8")
    assert "hot_topics" not in json.loads(report_2020_12.figures.read_text(encoding="utf-8"))
    assert not [w for w in report_2020_12.warnings if "hot_topics" in w or "热点诉求" in w]


# ---- a month without 诉求内容 ------------------------------------------------------------------

@pytest.fixture(scope="module")
def no_text(sample_dir, tmp_path_factory):
    """The sample with 诉求内容 taken out of every 工单 export (the workbooks among them left out)."""
    import io

    data = tmp_path_factory.mktemp("no-text")
    shutil.copytree(sample_dir, data, dirs_exist_ok=True)
    for path in (data / "exports").glob("工单导出_*.xlsx"):
        path.unlink()
    for path in (data / "exports").glob("*_工单.csv"):
        frame = pd.read_csv(io.StringIO(decode_csv_bytes(path.read_bytes(), path)), dtype=str, keep_default_na=False)
        content = [c for c in frame.columns if "".join(c.split()) == "诉求内容"]
        assert len(content) == 1, (path.name, list(frame.columns))
        frame.drop(columns=content).to_csv(path, index=False, encoding="utf-8-sig")
    return data


def test_a_month_without_text_says_so_in_one_line(no_text):
    result = runner.invoke(app, ["topics", MONTH, "--data", str(no_text), "--settings", str(REPOSITORY_SETTINGS), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["has_text"] is False
    assert [line for line in result.stderr.splitlines() if "诉求内容" in line] == [
        f"{MONTH}：导出文件中没有诉求内容（市民原话），无法分析热点诉求"]


def test_a_month_without_text_renders_the_rest(no_text, tmp_path):
    from hotline_lib.render.month import render_month

    result = render_month(MONTH, workspace(no_text, tmp_path, settings=REPOSITORY_SETTINGS), formats=["html"])
    html = result.html.read_text(encoding="utf-8")
    assert html.count(NO_TEXT) == 1
    assert result.sections == ["overview", "city_ranking", "units", "features", "epidemic", "case_story", "appendix"]
    assert json.loads(result.figures.read_text(encoding="utf-8"))["hot_topics"]["has_text"] is False


# ---- the notebooks ----------------------------------------------------------------------------

def _execute(path, out, parameters):
    import nbformat
    import papermill

    papermill.execute_notebook(str(path), str(out), kernel_name="python3", progress_bar=False, cwd=str(path.parent),
                               parameters=parameters)
    return nbformat.read(out, as_version=4)


def _outputs_text(notebook) -> str:
    return "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) + str(o.get("data", {}).get("text/html", ""))
                     for c in notebook.cells for o in c.get("outputs", []))


def test_the_explore_notebook_shows_the_steps_with_the_words_masked(sample_dir, tmp_path, topics):
    from hotline_lib.core.config import notebooks_dir
    from hotline_lib.core.privacy import NAME, find_personal

    repeat = next(r for r in REPEATS if r.month == MONTH)
    executed = _execute(notebooks_dir() / "explore" / "topics.ipynb", tmp_path / "topics.ipynb",
                        {"workspace": {"data": str(sample_dir), "settings_file": str(REPOSITORY_SETTINGS)},
                         "month": MONTH, "place": repeat.place, "term": "电瓶车"})
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs)          # the term across the months
    text = _outputs_text(executed)
    assert text.count('class="dataframe') >= 8
    assert "data/places.txt" in text and "诉求内容（已脱敏）" in text and repeat.place in text
    contents = topics.orders["content"].dropna()
    assert contents.str.contains(r"1[3-9]\d{9}").any() and contents.map(lambda t: bool(NAME.search(t))).any()   # the sample has both…
    assert not [kind for kind, _ in find_personal(text) if kind != "e-mail address"]              # …none is shown
    assert not NAME.search(text)
    assert "**" in text


def test_the_hot_topics_section_of_its_own(sample_dir, tmp_path):
    import yaml

    from hotline_lib.core.config import notebooks_dir
    from hotline_lib.render.section import sections_from_notebook

    settings = yaml.safe_load(REPOSITORY_SETTINGS.read_text(encoding="utf-8"))
    settings["hot_topics"]["show"] = "section"
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    executed = _execute(notebooks_dir() / "08_hot_topics.ipynb", tmp_path / "08.ipynb",
                        {"workspace": {"data": str(sample_dir), "settings_file": str(path)}, "month": MONTH})
    [section] = sections_from_notebook(executed)
    assert section.heading == "热点诉求" and section.numbered
    assert [b.kind for b in section.blocks].count("chart") == 1 and len(section.tables) >= 3
    largest = max((r for r in REPEATS if r.month == MONTH), key=lambda r: r.count)
    assert section.figures["hot_topics"]["repeats"][0]["place"] == largest.place
