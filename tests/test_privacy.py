"""Personal data: masking in any text that reaches an output, and the scan of an outputs folder."""

from __future__ import annotations

import json

import nbformat
import pytest
from typer.testing import CliRunner

from hotline_lib.cli import app
from hotline_lib.core.privacy import find_personal, mask_notebook, mask_personal, mask_strings, scan_outputs, valid_id_number

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages


@pytest.mark.parametrize(
    "text, masked",
    [
        # mobile phones, however written
        ("请回电13812345678", "请回电138****5678"),
        ("电话：138-1234-5678。", "电话：138-****-5678。"),
        ("手机 138 1234 5678", "手机 138 **** 5678"),
        ("+8613812345678", "+86138****5678"),
        ("联系人王先生19900009746，", "联系人王先生199****9746，"),
        ("tel:15912345678", "tel:159****5678"),
        # landlines, with area code, brackets, extension; or after the word 电话
        ("座机0731-84561234", "座机0731-****1234"),
        ("（0731）84561234", "（0731）****1234"),
        ("010-62345678转", "010-****5678转"),
        ("0731-84561234-123", "0731-****1234-123"),
        ("联系电话84561234", "联系电话****1234"),
        # 18-digit ID numbers: the birth date decides, so a mistyped check digit is masked too
        ("身份证11010519491231002X", "身份证110105********002X"),
        ("证件号430102198805061234号", "证件号430102********1234号"),
        ("编号110105194912310021", "编号110105********0021"),
        # bank cards (Luhn), plain or grouped
        ("卡号6222021234567890128", "卡号6222 **** **** 0128"),
        ("卡号 6225 8801 2345 6783", "卡号 6225 **** **** 6783"),
        # e-mail addresses
        ("邮箱 zhang.san@example.com", "邮箱 z***@example.com"),
        # written in other ways people write them
        ("邮箱zhangsan@163.com", "邮箱z***@163.com"),
        ("卡号6217 0404 7966 6972 510", "卡号6217 **** **** 2510"),          # 19 digits in groups of 4
        ("卡号6222021234567890128 1234", "卡号6222 **** **** 0128 1234"),
        ("Tel No. 13812345678", "Tel No. 138****5678"),
        ("No.0731-84561234", "No.0731-****1234"),
        ("手机１３６１２３４５６７８", "手机136****5678"),                      # full-width digits
        ("Tel13812345678", "Tel138****5678"),
        ("sfz110105199001011234", "sfz110105********1234"),
        ("008613812345678", "0086138****5678"),
        ("138 12345678", "138 ****5678"),
        ("1381234 5678", "138**** 5678"),
        ("110105 19900101 123X", "110105********123X"),
        ("工单\n13812345678", "工单\n138****5678"),                          # the order word is on another line
        # not personal data: work-order numbers, even an 11-digit one that starts with 13
        ("工单2012000123", "工单2012000123"),
        ("工单编号：13812345678", "工单编号：13812345678"),
        ("工单号13912345678已办结", "工单号13912345678已办结"),
        ("0200100011", "0200100011"),
        # ...nor dates, times, counts, decimals, hashes, the hotline's own number
        ("2020-12-01 08:30:00", "2020-12-01 08:30:00"),
        ("20201201083000", "20201201083000"),
        ("共受理4492件，满意率99.10%", "共受理4492件，满意率99.10%"),
        ("0.02123456789", "0.02123456789"),
        ("ab07312345678c", "ab07312345678c"),
        ("12345热线", "12345热线"),
        ("138123456789", "138123456789"),                     # 12 digits: not a mobile number
        ("110105990012310021", "110105990012310021"),         # digits 7–14 are no birth date
        ("6222021234567890127", "6222021234567890127"),       # fails the Luhn check
        ("deadbeef13812345678", "deadbeef13812345678"),       # inside a hex hash
        ("1.13812345678", "1.13812345678"),                   # a decimal
        ("１２３４５热线", "１２３４５热线"),                      # no personal data: the text comes back as it was
    ],
)
def test_mask_personal(text, masked):
    assert mask_personal(text) == masked
    assert find_personal(masked) == []


@pytest.mark.parametrize("text, masked", [
    ("市民张先生来电反映", "市民张**来电反映"),
    ("李女士称小区电梯坏了", "李**称小区电梯坏了"),
    ("来电人王某某（虚构）", "来电人王**（虚构）"),
    ("欧阳女士和司马先生", "欧阳**和司马**"),                        # compound surnames whole
    ("王先生电话13812345678", "王**电话138****5678"),                  # names and numbers together
    ("各位女士、先生们", "各位女士、先生们"),                          # no surname before: nothing to mask
    ("某某区某某市", "某某区某某市"),                                  # a placeholder district, no name
    ("张**已回访", "张**已回访"),                                      # masked twice is masked once
])
def test_mask_text_masks_a_citizens_name(text, masked):
    from hotline_lib.core.privacy import mask_text

    assert mask_text(text) == masked


def test_names_are_masked_in_citizens_words_only():
    from hotline_lib.core.privacy import mask_names

    assert mask_personal("联系人王先生19900009746") == "联系人王先生199****9746"   # an office's contact keeps its name
    assert mask_names(None) is None and mask_names("") == ""


def test_id_check_digit():
    assert valid_id_number("11010519491231002X") and not valid_id_number("110105194912310021")


def test_mask_strings_walks_nested_figures_keys_included():
    figures = {"top_categories": [{"category": "噪音扰民13812345678", "orders": 3}], "channels": {"微信13912345678": 2}}
    assert mask_strings(figures) == {"top_categories": [{"category": "噪音扰民138****5678", "orders": 3}],
                                     "channels": {"微信139****5678": 2}}


def test_scan_reads_json_strings_as_written(tmp_path):
    (tmp_path / "a.json").write_text('{"s": "\\u8bdd13812345678", "k": "联系人\\n13912345678"}', encoding="utf-8")
    _, findings = scan_outputs(tmp_path)
    assert sorted(f.masked for f in findings) == ["138****5678", "139****5678"]


def test_city_ranking_district_names_are_masked_at_the_source(tmp_path):
    """They reach a chart, where no template masks them."""
    from hotline_lib.analysis.bulletin import read_city_ranking

    path = tmp_path / "city.csv"
    path.write_text("区,月工单总数,满意度,总分\n芙蓉区,3500,99.00%,68.5\n岳麓区13512345678,5000,98.00%,67\n", encoding="utf-8")
    assert read_city_ranking(path, "芙蓉区")["district"].tolist() == ["芙蓉区", "岳麓区135****5678"]


def test_trend_channel_names_are_masked():
    import pandas as pd

    from hotline_lib.analysis.trends import monthly_volume_by_channel

    orders = pd.DataFrame({"order_id": ["1"], "channel": ["微信13912345678"],
                           "signed_at": pd.to_datetime(["2020-12-01"]).tz_localize("Asia/Shanghai")})
    assert list(monthly_volume_by_channel(orders, ["2020-12"]).columns) == ["微信139****5678"]


def test_mask_notebook_masks_text_outputs_and_leaves_images():
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="WARNING: 13812345678\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "13812345678", "text/html": "<td>13812345678</td>",
                                                       "image/png": "iVBOR13812345678w=="}),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad 13812345678", traceback=["line 13812345678"]),
    ]
    notebook.cells.append(cell)
    mask_notebook(notebook)
    text = json.dumps(notebook, ensure_ascii=False)
    assert "138****5678" in text and "iVBOR13812345678w==" in text
    assert text.count("13812345678") == 1  # only inside the image


def _outputs(tmp_path, bulletin_text: str):
    month = tmp_path / "2020-12"
    (month / "notebooks").mkdir(parents=True)
    (month / "bulletin.html").write_text(f"<p>{bulletin_text}</p><img src=\"data:image/png;base64,AAAA13812345678BB==\">",
                                         encoding="utf-8")
    (month / "figures.json").write_text('{"orders": 4492, "share": "99.10%"}', encoding="utf-8")
    return month


def test_scan_passes_masked_outputs_and_ignores_embedded_images(tmp_path):
    _outputs(tmp_path, "市民138****5678来电")
    files, findings = scan_outputs(tmp_path)
    assert len(files) == 2 and findings == []


@pytest.mark.parametrize("leak, kind", [("13812345678", "mobile phone"), ("0731-84561234", "landline phone"),
                                        ("11010519491231002X", "ID number")])
def test_scan_finds_unmasked_numbers_and_prints_them_masked(tmp_path, leak, kind):
    _outputs(tmp_path, f"市民{leak}来电")
    result = CliRunner().invoke(app, ["check-privacy", str(tmp_path)])
    assert result.exit_code == 1
    assert f"bulletin.html, line 1: unmasked {kind}" in result.output
    assert leak not in result.output  # the report of a leak does not leak


def test_scan_reads_inside_notebooks_and_emails(tmp_path):
    from email.message import EmailMessage

    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="13812345678")]
    notebook.cells.append(cell)
    nbformat.write(notebook, tmp_path / "a.ipynb")
    message = EmailMessage()
    message["To"] = "office@example.com"
    message.set_content("见附件")
    message.add_attachment("<p>电话13912345678</p>".encode(), maintype="text", subtype="html", filename="bulletin.html")
    (tmp_path / "b.eml").write_bytes(message.as_bytes())  # the attachment is base64 here
    _, findings = scan_outputs(tmp_path)
    assert sorted((f.path.name, f.masked) for f in findings) == [("a.ipynb", "138****5678"), ("b.eml", "139****5678")]


def test_scan_of_a_missing_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(app, ["check-privacy", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "nope: not found" in result.output


def test_trend_category_names_are_masked():
    import pandas as pd

    from hotline_lib.analysis.trends import categories_over_time

    orders = pd.DataFrame({"order_id": ["1", "2"], "category": ["噪音13812345678", "供水"],
                           "signed_at": pd.to_datetime(["2020-12-01", "2020-12-02"]).tz_localize("Asia/Shanghai")})
    table = categories_over_time(orders, ["2020-12"])
    assert list(table.columns) == ["噪音138****5678", "供水"] and table.loc["2020-12"].tolist() == [1, 1]


# ---- documents: PDF, Word and Excel are read through their text ---------------------------------

def pdf_with_text(*lines: str) -> bytes:
    """A one-page PDF whose text is ``lines`` (ASCII), written by hand: what pypdf extracts."""
    content = " ".join(f"BT /F1 12 Tf 72 {720 - 20 * i} Td ({line}) Tj ET" for i, line in enumerate(lines)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def docx_with_text(*paragraphs: list[str]) -> bytes:
    """A minimal .docx: each paragraph given as its runs (a number may be split over runs)."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    body = "".join("<w:p>" + "".join(f"<w:r><w:t>{escape(run)}</w:t></w:r>" for run in runs) + "</w:p>" for runs in paragraphs)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                         '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
                         'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                         'Target="word/document.xml"/></Relationships>')
        archive.writestr("word/document.xml", '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                         f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
    return buffer.getvalue()


def xlsx_with_cells(*cells) -> bytes:
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    for cell in cells:
        workbook.active.append([cell])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_scan_reads_pdf_word_and_excel(tmp_path):
    (tmp_path / "a.pdf").write_bytes(pdf_with_text("bulletin 2020-12", "Tel 13812345678"))
    (tmp_path / "b.docx").write_bytes(docx_with_text(["2020年12月，全区共签收工单3717件。"], ["市民来电，电话139", "1234", "5678。"]))
    (tmp_path / "c.xlsx").write_bytes(xlsx_with_cells("部门名称", "回电13512345678", 13612345678, 44178.01944444444))
    (tmp_path / "clean.pdf").write_bytes(pdf_with_text("order 2012000123, 99.10%"))
    (tmp_path / "clean.docx").write_bytes(docx_with_text(["工单编号：13812345678"], ["回访工单3327件"]))
    files, findings = scan_outputs(tmp_path)
    assert len(files) == 5
    assert sorted((f.path.name, f.masked) for f in findings) == [
        ("a.pdf", "138****5678"), ("b.docx", "139****5678"), ("c.xlsx", "135****5678"), ("c.xlsx", "136****5678")]
    where = {f.path.name: f.where for f in findings}
    assert where["a.pdf"] == "page 1" and where["b.docx"] == "word/document.xml"
    result = CliRunner().invoke(app, ["check-privacy", str(tmp_path)])
    assert result.exit_code == 1 and "b.docx, word/document.xml, line 2: unmasked mobile phone (139****5678)" in result.output
    assert "13812345678" not in result.output


def test_scan_reads_documents_attached_to_an_email(tmp_path):
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"] = "office@example.com"
    message["Subject"] = "通报 13712345678"
    message.set_content("见附件")
    message.add_attachment(pdf_with_text("Tel 13812345678"), maintype="application", subtype="pdf", filename="通报.pdf")
    message.add_attachment(docx_with_text(["电话13912345678"]), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document", filename="通报.docx")
    message.add_attachment(xlsx_with_cells("13512345678"), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename="扣分明细.xlsx")
    (tmp_path / "m.eml").write_bytes(message.as_bytes())
    _, findings = scan_outputs(tmp_path)
    assert sorted((f.where.split(", xl/")[0], f.masked) for f in findings) == [
        ("attachment 扣分明细.xlsx", "135****5678"), ("attachment 通报.docx, word/document.xml", "139****5678"),
        ("attachment 通报.pdf, page 1", "138****5678"), ("headers", "137****5678")]


def test_an_unreadable_document_is_an_error_not_a_pass(tmp_path):
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    result = CliRunner().invoke(app, ["check-privacy", str(tmp_path)])
    assert result.exit_code == 1 and "broken.docx" in result.output and "cannot read" in result.output


# ---- charts, tables shown in notebooks and the render: nothing personal in any pixel ------------

LEAKS = {"电话13812345678": "电话138****5678", "身份证430102199001011234": "身份证430102********1234"}
MATH = "$x^{$噪音"   # mathtext would raise on it: a category is text, never a formula


def _features_figure(categories: list[str]):
    """The features chart as notebooks/04_features.ipynb draws it (seaborn bars, counts written beside
    them), with a legend and an annotation too."""
    import matplotlib
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    from hotline_lib.render.charts import chart_style

    chart_style()
    matplotlib.rcParams["text.parse_math"] = True   # as a notebook that changed the style would have it
    frame = pd.DataFrame({"类  型": categories, "工单数量": list(range(len(categories), 0, -1))})
    fig, ax = plt.subplots(figsize=(7.2, 3), layout="constrained")
    sns.barplot(data=frame, x="工单数量", y="类  型", hue="类  型", legend=True, ax=ax)
    ax.set(title="突出问题 13912345678", xlabel="工单数量（件）", ylabel="")
    ax.annotate("来电 0731-84561234", (1, 0))
    return fig


def test_every_text_of_a_chart_is_masked_and_recorded_as_drawn():
    from hotline_lib.render.section import Section

    section = Section("features", "2020-12").chart(_features_figure([*LEAKS, MATH, "供水"]), alt="电话13812345678")
    block = section.charts[0]
    assert block.png.startswith(b"\x89PNG")
    texts = block.texts
    for leak, masked in LEAKS.items():
        assert texts.count(masked) == 2 and leak not in texts   # the tick label and the legend entry
    assert {"突出问题 139****5678", "来电 0731-****1234", "工单数量（件）", MATH, "供水"} <= set(texts)
    assert not any(find_personal(text) for text in texts) and block.alt == "电话138****5678"
    assert Section.from_dict(json.loads(json.dumps(section.to_dict()))).charts[0].texts == texts


def _sections_with_chart(folder, texts: list[str] | None):
    """sections.json of a month whose one chart was made through the helper (``texts`` None) or
    bypassing it, its labels as given."""
    from matplotlib.figure import Figure

    from hotline_lib.render.section import Block, Section, write_sections

    section = Section("features", "2020-12")
    if texts is None:
        section.chart(_features_figure([*LEAKS, "供水"]))
    else:
        figure = Figure(figsize=(2, 1))
        figure.add_subplot().set_yticks(range(len(texts)), labels=texts)
        png = __import__("io").BytesIO()
        figure.savefig(png, format="png")
        section.blocks.append(Block("chart", png=png.getvalue(), alt="图表", texts=texts))
    month = folder / "2020-12"
    month.mkdir(parents=True, exist_ok=True)
    write_sections([section], month / "sections.json")
    return month


def test_check_privacy_fails_on_a_chart_label_that_bypassed_the_helper_and_passes_through_it(tmp_path):
    _sections_with_chart(tmp_path / "bypassed", ["电话13812345678", "供水"])
    result = CliRunner().invoke(app, ["check-privacy", str(tmp_path / "bypassed")])
    assert result.exit_code == 1 and "sections.json" in result.output and "unmasked mobile phone (138****5678)" in result.output
    _sections_with_chart(tmp_path / "helper", None)
    result = CliRunner().invoke(app, ["check-privacy", str(tmp_path / "helper")])
    assert result.exit_code == 0, result.output


def test_the_email_scan_refuses_a_chart_label_holding_a_phone(tmp_path):
    from hotline_lib.deliver.mail import EmailError, refuse_personal_data

    month = _sections_with_chart(tmp_path, ["身份证430102199001011234"])
    with pytest.raises(EmailError) as error:
        refuse_personal_data(month / "bulletin.eml", b"Subject: bulletin\n\nno numbers here\n")
    assert "430102********1234" in str(error.value) and "chart 1 of features" in str(error.value)
    _sections_with_chart(tmp_path, None)
    refuse_personal_data(month / "bulletin.eml", b"Subject: bulletin\n\nno numbers here\n")


REASON = "因系统升级维护期间平台无法正常办结工单，经区热线办审核同意核减，联系人王先生"   # 38 characters, then a phone
PHONE_REASON = REASON + "13812345678，已撤诉"   # longer than pandas' 50: cut after 8 of the phone's digits


def test_a_table_is_masked_before_pandas_cuts_its_long_texts():
    import pandas as pd

    from hotline_lib.analysis.bulletin import shown

    assert len(REASON) == 38
    frame = pd.DataFrame({"原因": [PHONE_REASON], "工单数量": [3]}, index=pd.Index(["电话13812345678"], name="问题分类"))
    assert "13812345..." in mask_personal(repr(frame))   # what 07 showed: cut first, no mask finds it afterwards
    table = shown(frame)
    for text in (repr(table), table._repr_html_(), repr(shown(frame["原因"]))):
        assert "138****5678" in text and "13812345" not in text
    assert table["工单数量"].tolist() == [3]


def _leaky_data(sample_dir, tmp_path):
    """The sample, its three biggest categories of 2020-12 renamed to a phone, an ID number and a
    formula, and one exemption whose reason ends in a phone after 38 characters."""
    import shutil

    from hotline_lib.analysis.bulletin import load_month
    from hotline_lib.io.reading import decode_csv_bytes

    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    renames = {"消费维权": "电话13812345678", "养老保险": "身份证430102199001011234", "建筑施工噪音": MATH}
    for export in (data / "exports").glob("*_工单.csv"):
        text = decode_csv_bytes(export.read_bytes(), export)   # some of the sample's exports are GBK
        for old, new in renames.items():
            text = text.replace(f",{old},", f",{new},")
        export.write_text(text, encoding="utf-8-sig")
    late = load_month("2020-12", data).deductions.details
    order = late[(late["部门名称"] == "人力资源和社会保障局") & (late["规则"] == "未按时办结")]["工单编号"].iloc[0]
    (data / "exemptions").mkdir()
    (data / "exemptions" / "2020-12.csv").write_text(f"工单编号,部门名称,规则,原因,批准人\n{order},人社局,未按时办结,"
                                                     f"{PHONE_REASON},张科长\n", encoding="utf-8")
    return data


@pytest.mark.slow
def test_a_render_of_personal_categories_and_reasons_leaks_nothing(sample_dir, tmp_path):
    """Categories holding a phone, an ID number and a formula, and a long exemption reason ending in
    a phone: masked on the features chart (its texts), in every executed notebook (not cut first),
    the formula drawn as written (not a section's failure); check-privacy passes on the month."""
    from conftest import workspace

    from hotline_lib.render.month import render_month
    from hotline_lib.render.section import read_sections

    result = render_month("2020-12", workspace(_leaky_data(sample_dir, tmp_path), tmp_path / "out"), formats=["html"])
    month = result.html.parent
    features = {s.key: s for s in read_sections(month / "sections.json")}["features"]
    texts = features.charts[0].texts
    assert set(LEAKS.values()) | {MATH} <= set(texts) and not any(leak in texts for leak in LEAKS)
    appendix = (month / "notebooks" / "07_appendix.ipynb").read_text(encoding="utf-8")
    assert "王先生138****5..." in appendix   # masked, then cut by pandas
    for notebook in (month / "notebooks").glob("*.ipynb"):
        text = notebook.read_text(encoding="utf-8")
        assert "13812345" not in text and "43010219900101" not in text, notebook.name
    files, findings = scan_outputs(month)
    assert findings == [] and month / "sections.json" in files
    manifest = json.loads((month / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["unit_files"]["湘湖管理局"] == "扣分明细/湘湖管理局.xlsx"
    assert sorted(manifest["unit_files"].values()) == sorted(f for f in manifest["files"] if f.startswith("扣分明细/"))


def test_a_notebook_shows_every_frame_masked_before_it_is_cut():
    """A section notebook that shows a frame without hb.shown (``exemptions`` as it is) shows it
    masked all the same: hb.load_month routes DataFrames and Series through the mask."""
    import pandas as pd
    from IPython.core.formatters import DisplayFormatter

    from hotline_lib.notebook import mask_displays

    formatter = DisplayFormatter()
    mask_displays(formatter.formatters)
    frame = pd.DataFrame({"原因": [PHONE_REASON] * 200, "批准人": ["张科长"] * 200})
    for value in (frame, frame["原因"], frame.head(3)):
        data, _ = formatter.format(value)
        for mime, text in data.items():
            assert "王先生138****5" in text and "13812345" not in text, mime   # masked, then cut
    assert "text/html" in formatter.format(frame)[0]
