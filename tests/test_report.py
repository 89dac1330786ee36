"""The rendered bulletin: figures.json equals the reference, the HTML is one self-contained page."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil

import matplotlib.image
import nbformat
import pytest

from hotline_lib.core.errors import ReportError
from hotline_lib.core.text import SAMPLE_NOTICE
from hotline_lib.io.sample_data import is_sample_data
from hotline_lib.render.month import render_month
from hotline_lib.render.notebooks import section_notebooks

from conftest import published_settings, workspace

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("english")]  # English messages
EXCLUDED = {"source", "excellent_case", "appendix", "criteria", "display_names_in_text"}
HEADINGS = ["一、全市排名情况", "二、区内情况统计", "（二）满意度低于97%的单位", "三、本月热线特点", "（一）群众反映突出的前几类问题",
            "（二）营商环境、行政效能类工单情况", "四、疫情工单数据", "五、优秀案例分享", "附件："]


def leaves(value, path=()):
    """(path, value) of every leaf, the reference's descriptive entries aside."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in EXCLUDED:
                yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, (*path, i))
    else:
        yield path, value


def test_figures_json_equals_the_reference_leaf_by_leaf(report_2020_12, reference_figures):
    ours = json.loads(report_2020_12.figures.read_text(encoding="utf-8"))
    assert dict(leaves(ours)) == dict(leaves(reference_figures))
    assert set(ours) == set(reference_figures) - EXCLUDED


@pytest.fixture(scope="module")
def page(report_2020_12) -> str:
    return report_2020_12.html.read_text(encoding="utf-8")


def test_html_is_self_contained(page):
    lowered = re.sub(r"data:[a-z/+-]+;base64,[a-z0-9+/=]+", "data:", page.lower())
    assert "<script" not in lowered
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", lowered)
    for banned in ["cdn", "mathjax", "require.js", "@import", "url(http"]:
        assert banned not in lowered
    assert re.findall(r"url\((?!data:)", page) == []


def test_html_shows_the_published_text(page):
    assert "<title>芙蓉区12345政务热线十二月份情况通报</title>" in page
    assert "<h1>芙蓉区12345政务热线十二月份情况通报</h1>" in page
    assert "2020年12月，全区共签收工单3717件，办结工单3514件(含上月流转工单），回访工单3327件。" in page
    assert "12月份，我区12345政务热线工作满意度在内五区排名第二，总分排名第一。" in page
    assert "区行政执法局6件、区市场监督管理局1件、马王堆街道办事处1件、马坡岭街道办事处2件、定王台街道办事处1件、区人社局1件、区卫健局1件。" in page
    assert "区行政审批服务局1件、定王台街道办事处1件、文艺路街道办事处1件。" in page


def test_sections_in_published_order(page):
    positions = [page.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)


def test_tables_have_chinese_headers_and_right_aligned_numbers(page):
    assert '<th class="num">签收总数</th>' in page and "td.num" in page and "text-align: right" in page
    assert page.count('<table class="appendix">') == 2
    assert "一、街道（2020年12月)" in page and "二、区直部门（2020年12月)" in page
    assert '<td>人力资源和社会保障局</td>' in page and '<td class="num">67.5</td>' in page


def test_phone_and_print_css(page):
    assert 'name="viewport"' in page and "@media (max-width: 600px)" in page
    assert "@page { size: A4" in page and "@media print" in page


def test_every_chart_is_an_embedded_png_that_decodes(page):
    images = re.findall(r'<img[^>]* src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3
    for data in images:
        image = matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")
        assert image.shape[0] > 100 and image.shape[1] > 100


def test_executed_notebooks_are_kept(report_2020_12):
    names = [p.stem for p in report_2020_12.notebooks]
    assert names == [p.stem for p in section_notebooks()]
    overview = nbformat.read(report_2020_12.notebooks[0], as_version=4)
    assert any("3717" in str(o.get("data", {})) for c in overview.cells for o in c.get("outputs", []))


def _data_copy(sample_dir, tmp_path, story: str | None):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copytree(sample_dir / "exports", data / "exports")
    shutil.copytree(sample_dir / "city_ranking", data / "city_ranking")
    (data / "cases").mkdir()
    if story is not None:
        (data / "cases" / "2020-12.md").write_text(story, encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def story_report(sample_dir, tmp_path_factory):
    """2020-12 rendered from a copy of the sample without its marker file (so not the sample to the
    render) and with a case story of its own in Markdown, holding markup and a phone number."""
    folder = tmp_path_factory.mktemp("story")
    data = _data_copy(sample_dir, folder, "# 某小区噪音问题\n\n市民<script>alert('x')</script>来电，**电话13812345678**，*已整改*。")
    assert not is_sample_data(data) and is_sample_data(sample_dir)
    return render_month("2020-12", workspace(data, folder / "out"))


def test_case_story_is_markdown_escaped_and_masked(story_report):
    result = story_report
    page = result.html.read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;" in page
    assert "13812345678" not in page and "<strong>电话138****5678</strong>" in page and "<em>已整改</em>" in page
    assert "<h3>某小区噪音问题</h3>" in page and "# 某小区" not in page
    import docx

    paragraphs = docx.Document(str(result.html.parent / "bulletin.docx")).paragraphs
    assert any(p.text == "某小区噪音问题" and p.style.name == "Heading 2" for p in paragraphs)
    assert any(r.bold and r.text == "电话138****5678" for p in paragraphs for r in p.runs)


def sample_marks(month_dir) -> dict[str, str]:
    """The text of every format of a rendered month that could carry the 样例数据 notice: the page's
    body (the notice is the element p.sample-notice), the PDF's extracted text, each run of the Word
    document's body, and what manifest.json records."""
    import docx
    from pypdf import PdfReader

    page = (month_dir / "bulletin.html").read_text(encoding="utf-8")
    notice = re.findall(r'<p class="sample-notice">([^<]*)</p>', page)
    runs = [run.text for paragraph in docx.Document(str(month_dir / "bulletin.docx")).paragraphs for run in paragraph.runs]
    return {"html element": "".join(notice), "html body": re.sub(r"<[^>]+>", "", page[page.index("<body"):]),
            "pdf": re.sub(r"\s", "", "".join(p.extract_text() for p in PdfReader(month_dir / "bulletin.pdf").pages)),
            "docx run": next((text for text in runs if "样例数据" in text), ""),
            "manifest": json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))["sample"]}


def test_the_sample_says_so_in_every_format(chromium, report_2020_12):
    assert report_2020_12.formats == ["html", "pdf", "docx"]
    marks = sample_marks(report_2020_12.html.parent)
    assert marks["html element"] == SAMPLE_NOTICE == "样例数据：本通报由虚构的样例数据生成，不是正式通报"
    assert marks["html body"].index(SAMPLE_NOTICE) < marks["html body"].index("2020年12月，全区共签收工单3717件")
    assert SAMPLE_NOTICE in marks["pdf"]
    assert marks["docx run"] == SAMPLE_NOTICE     # one run of the body, not a header or a picture
    assert marks["manifest"] is True


def test_a_copy_without_the_marker_carries_no_sample_mark(chromium, story_report):
    marks = sample_marks(story_report.html.parent)
    assert story_report.formats == ["html", "pdf", "docx"]
    assert marks["html element"] == "" and "样例数据" not in marks["html body"]
    assert "2020年12月，全区共签收工单3717件" in marks["pdf"] and "样例数据" not in marks["pdf"]
    assert marks["docx run"] == "" and marks["manifest"] is False


def test_left_out_sections_are_warned_once_with_the_number_they_would_have_had(sample_dir, tmp_path):
    data = _data_copy(sample_dir, tmp_path, None)
    (data / "city_ranking" / "2020-12.csv").unlink()
    result = render_month("2020-12", workspace(data, tmp_path / "out"), formats="html")
    page = result.html.read_text(encoding="utf-8")
    assert "优秀案例分享" not in page and "全市排名情况" not in page
    assert result.warnings == [
        f"WARNING: no city ranking for this month ({data / 'city_ranking' / '2020-12.csv'}): section 一, 全市排名情况, is left out",
        f"WARNING: no case story for this month ({data / 'cases' / '2020-12.md'}): section 四, 优秀案例分享, is left out"]
    assert "city_ranking" not in result.sections and "case_story" not in result.sections


def test_a_failing_section_is_named_and_leaves_the_month_as_it_was(sample_dir, tmp_path):
    """The previous render stays whole (a stale page included: it is the last complete render); the
    attempt is kept in failed-<time>/, which the one-line error names."""
    notebooks = tmp_path / "notebooks"
    shutil.copytree(section_notebooks()[0].parent, notebooks)
    broken = nbformat.read(notebooks / "05_epidemic.ipynb", as_version=4)
    broken.cells.append(nbformat.v4.new_code_cell("raise ValueError('数据有误')"))
    nbformat.write(broken, notebooks / "05_epidemic.ipynb")
    out = tmp_path / "out"
    (out / "2020-12").mkdir(parents=True)
    (out / "2020-12" / "bulletin.html").write_text("<html>stale</html>", encoding="utf-8")
    with pytest.raises(ReportError) as error:
        render_month("2020-12", workspace(sample_dir, out, notebooks=notebooks), formats="html")
    message = str(error.value)
    (failed,) = (out / "2020-12").glob("failed-*")
    assert message == f"section 05_epidemic failed: ValueError: 数据有误 (failed attempt kept in {failed})"
    assert (out / "2020-12" / "bulletin.html").read_text(encoding="utf-8") == "<html>stale</html>"
    assert sorted(p.name for p in (out / "2020-12").iterdir()) == [".lock", "bulletin.html", failed.name]
    kept = nbformat.read(failed / "notebooks" / "05_epidemic.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in kept.cells for o in c.get("outputs", []))
    assert (failed / "error.txt").read_text(encoding="utf-8") == "section 05_epidemic failed: ValueError: 数据有误\n"


def test_a_single_month_render_records_its_manifest(report_2020_12):
    manifest = json.loads((report_2020_12.html.parent / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["month"] == "2020-12" and manifest["fingerprint"]


def test_a_month_without_data_is_an_error_not_an_empty_bulletin(sample_dir, tmp_path):
    with pytest.raises(ReportError, match="no order or assignment was signed in 2019-01"):
        render_month("2019-01", workspace(sample_dir, tmp_path))
    assert not (tmp_path / "2019-01" / "bulletin.html").exists()


def test_a_month_without_city_ranking_numbers_its_sections_without_a_gap(sample_dir, tmp_path):
    data = _data_copy(sample_dir, tmp_path, "案例。")
    (data / "city_ranking" / "2020-12.csv").unlink()
    result = render_month("2020-12", workspace(data, tmp_path / "out"))
    headings = re.findall(r"<h2>([^<]*)</h2>", result.html.read_text(encoding="utf-8"))
    assert headings[:4] == ["一、区内情况统计", "二、本月热线特点", "三、疫情工单数据", "四、优秀案例分享"]
    assert headings[4].startswith("附件：") and result.sections[0] == "overview" and "city_ranking" not in result.sections
    assert "city_ranking" not in json.loads(result.figures.read_text(encoding="utf-8"))


def _edited_notebooks(tmp_path, name: str, old: str, new: str):
    notebooks = tmp_path / "my-notebooks"
    shutil.copytree(section_notebooks()[0].parent, notebooks, ignore=shutil.ignore_patterns("trends.ipynb", "explore"))
    path = notebooks / name
    notebook = nbformat.read(path, as_version=4)
    cells = [c for c in notebook.cells if old in c.source]
    assert cells, f"{old!r} not in {name}"
    if new == "<untag>":
        cells[0].metadata["tags"] = []   # the parameters tag removed, as a slip in JupyterLab would
    else:
        cells[0].source = cells[0].source.replace(old, new)
    nbformat.write(notebook, path)
    return notebooks


def test_report_with_an_analysts_edited_notebooks(report_2020_12, sample_dir, tmp_path):
    from typer.testing import CliRunner

    from hotline_lib.cli import app

    notebooks = _edited_notebooks(tmp_path, "03_units.ipynb", '"low_satisfaction_below", override=None',
                                  '"low_satisfaction_below", override=95')
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "2020-12", "--data", str(sample_dir), "--out", str(out), "--notebooks", str(notebooks),
                                      "--settings", str(published_settings())])
    assert result.exit_code == 0, result.output
    assert "low_satisfaction_below = 95 (settings: 97)" in result.output
    page = (out / "2020-12" / "bulletin.html").read_text(encoding="utf-8")
    assert "（二）满意度低于95%的单位" in page and "（二）满意度低于97%的单位" not in page
    figures = json.loads((out / "2020-12" / "figures.json").read_text(encoding="utf-8"))
    assert figures["low_satisfaction_units"]["threshold"] == "95%" and len(figures["low_satisfaction_units"]["rows"]) == 1
    manifest = json.loads((out / "2020-12" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["overrides"] == {"units": {"low_satisfaction_below": {"settings": 97, "used": 95}}}
    assert manifest["notebooks"] == str(notebooks) and str(notebooks / "03_units.ipynb") in manifest["inputs"]
    assert manifest["modified_notebooks"] == ["03_units.ipynb"]   # the edited copy, by file name (the others are the shipped ones)
    # the other sections are the project's: the rest of the bulletin is unchanged
    default = json.loads(report_2020_12.figures.read_text(encoding="utf-8"))
    assert {k: v for k, v in figures.items() if k != "low_satisfaction_units"} == \
        {k: v for k, v in default.items() if k != "low_satisfaction_units"}


@pytest.mark.parametrize("name, old, new, message", [
    ("03_units.ipynb", "month = \"2020-12\"", "<untag>", "03_units.ipynb: a section notebook needs exactly one cell tagged 'parameters' (found 0)"),
    ("05_epidemic.ipynb", "m = hb.load_month(month,", "month = \"2020-11\"\nm = hb.load_month(month,",
     "section epidemic records month 2020-11, not 2020-12"),
])
def test_edited_notebooks_that_cannot_render_get_one_error_line(sample_dir, tmp_path, name, old, new, message):
    from typer.testing import CliRunner

    from hotline_lib.cli import app

    notebooks = _edited_notebooks(tmp_path, name, old, new)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "2020-12", "--data", str(sample_dir), "--out", str(out), "--notebooks", str(notebooks),
                                      "--settings", str(published_settings())])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert message in lines[-1] and lines[-1].startswith("Error: ")
    assert not (out / "2020-12" / "bulletin.html").exists()


def test_skip_unchanged_fingerprints_notebook_cells_not_outputs(tmp_path, sample_dir):
    from hotline_lib.render.manifest import Fingerprints, fingerprint

    notebooks = tmp_path / "nb"
    shutil.copytree(section_notebooks()[0].parent, notebooks, ignore=shutil.ignore_patterns("trends.ipynb", "explore"))
    before = fingerprint(Fingerprints().inputs("2020-12", workspace(sample_dir, notebooks=notebooks)))
    path = notebooks / "03_units.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", text="run in JupyterLab")]
    notebook.cells[2].execution_count = 3
    nbformat.write(notebook, path)
    assert fingerprint(Fingerprints().inputs("2020-12", workspace(sample_dir, notebooks=notebooks))) == before
    notebook.cells[2].source += "\n# changed"
    nbformat.write(notebook, path)
    assert fingerprint(Fingerprints().inputs("2020-12", workspace(sample_dir, notebooks=notebooks))) != before


def test_adding_or_removing_the_sample_marker_renders_the_month_again(sample_dir, tmp_path):
    """A batch skips a month whose inputs are unchanged: whether they are the sample is one of them."""
    from hotline_lib.io.sample_data import SAMPLE_MARKER
    from hotline_lib.render.manifest import Fingerprints, fingerprint

    data = _data_copy(sample_dir, tmp_path, "案例。")
    inputs = Fingerprints().inputs("2020-12", workspace(data))
    (data / SAMPLE_MARKER).write_text("样例", encoding="utf-8")
    marked = Fingerprints().inputs("2020-12", workspace(data))
    assert "sample" not in inputs and marked == {**inputs, "sample": "true"}
    assert fingerprint(marked) != fingerprint(inputs)


def test_the_section_records_are_kept_for_every_format(report_2020_12):
    from hotline_lib.render.page import bulletin_page
    from hotline_lib.render.section import read_sections

    sections = read_sections(report_2020_12.html.parent / "sections.json")
    assert [s.key for s in sections] == report_2020_12.sections
    assert sum(len(s.charts) for s in sections) == 3
    page = report_2020_12.html.read_text(encoding="utf-8")
    again = bulletin_page("芙蓉区12345政务热线十二月份情况通报", sections, css="", sample=True)   # rendered from the sample
    body = page[page.index("<main"):]
    assert again[again.index("<main"):] == body     # the page is exactly what the records render
