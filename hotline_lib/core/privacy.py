"""Citizens' personal data never leaves in a report.

``mask_personal`` masks, in any text: mobile and landline phone numbers (138****5678,
0731-****1234), 18-digit resident ID numbers (110105********002X), bank card numbers
(6222 **** **** 0123), and e-mail addresses (z***@example.com). ``find_personal`` finds what is
still unmasked; ``scan_outputs`` runs it over a folder of reports (``hotline check-privacy``), reading
each file as the text a person would read: e-mails part by part and attachment by attachment, PDF
pages (pypdf), the XML inside Word and Excel files (no extra library), notebooks, JSON.

What is *not* personal data, on purpose: a phone-shaped number right after 工单/编号/单号 (a
work-order number, even when it has 11 digits and starts with 13), an 18-digit number whose digits
7–14 are not a birth date, a 16–19 digit number failing the Luhn check, dates and times, counts, and digit runs that are
longer or shorter than a phone, ID or card number (they are never cut out of a longer number).
"""

from __future__ import annotations

import datetime as dt
import email
import json
import re
from dataclasses import dataclass
from pathlib import Path

from hotline_lib.core.i18n import N_, Message, gettext

# Digit runs are matched whole: never a phone number cut out of a longer number, a decimal (a digit
# and a point before it) or a hex hash. A letter g–z may touch the number ("Tel13812345678", "sfz1101…"); a hex letter may not.
_EDGE_BEFORE = r"(?<![0-9A-Fa-f])(?<!\d\.)"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_SEP = r"[ -]?"

MOBILE = re.compile(_EDGE_BEFORE + r"((?:(?:\+|00)?86[ -]?)?1[3-9]\d)([ -]?)(\d{4})([ -]?)(\d{4})" + _EDGE_AFTER)
# Area code (010, 02x or 0[3-9]xx), then a local number that never starts with 0 or 1.
LANDLINE = re.compile(_EDGE_BEFORE + r"([(（]?0(?:10|2\d|[3-9]\d{2})[)）]?[ -]?)([2-9]\d{2,3})([ -]?)(\d{4})((?:-\d{1,5})?)" + _EDGE_AFTER)
# A local number without area code is a phone number only where the text says so.
LOCAL_PHONE = re.compile(r"((?:电话|手机|座机|联系方式|号码|tel|Tel|TEL)[:：]?[ \t]*)([2-9]\d{2,3})([ -]?)(\d{4})(?!\d)")
ID_NUMBER = re.compile(_EDGE_BEFORE + r"(\d{6})" + _SEP + r"((?:19|20)\d{2}" + _SEP + r"\d{4})" + _SEP + r"(\d{3}[0-9Xx])" + _EDGE_AFTER)
# The whole run of 16–19 digits (in groups or not); the masker counts the digits and checks Luhn.
BANK_CARD = re.compile(_EDGE_BEFORE + r"[3-6]\d(?:[ -]?\d){14,17}" + _EDGE_AFTER)
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9])[A-Za-z0-9._%+-]*(@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# A number written right after these words is a work-order number, not a phone number.
ORDER_NUMBER_BEFORE = re.compile(r"(?:工单|编号|单号|件号)[ \t]*[:：#]?[ \t]*\Z")
# Full-width digits and signs (手机１３８…) are matched as their ASCII forms.
FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－　", "0123456789+- ")
#: What every detector needs at least one of: a digit (any script's, full-width included) or an "@".
#: A text without one holds nothing to mask, and is returned after this one scan instead of six.
MAYBE_PERSONAL = re.compile(r"[\d@]")

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CHECK = "10X98765432"
TEXT_SUFFIXES = {".html", ".htm", ".ipynb", ".json", ".csv", ".txt", ".md", ".log", ".eml", ".xml", ".tsv"}
#: Files ``scan_outputs`` reads: the text outputs, and documents read through their text (PDF pages,
#: the XML inside .docx and .xlsx).
SCANNED_SUFFIXES = TEXT_SUFFIXES | {".pdf", ".docx", ".xlsx"}


def valid_id_number(number: str) -> bool:
    """The check digit of an 18-digit resident ID number (GB 11643)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == number[17].upper()


def _birth_date(digits: str) -> bool:
    """An ID number's digits 7–14 are a birth date (YYYYMMDD) not in the future."""
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return born <= dt.date.today()


def _luhn(digits: str) -> bool:
    """Bank card numbers carry a Luhn check digit; most other 16–19 digit numbers do not."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _after_order_word(text: str, start: int) -> bool:
    return bool(ORDER_NUMBER_BEFORE.search(text[max(0, start - 8):start]))


def _id(match: re.Match) -> str | None:
    # the birth date decides, not the check digit: a mistyped ID number is still someone's
    return f"{match[1]}********{match[3]}" if _birth_date(re.sub(r"\D", "", match[2])) else None


def _card(match: re.Match) -> str | None:
    digits = re.sub(r"\D", "", match[0])
    if not 16 <= len(digits) <= 19 or not _luhn(digits):
        return None
    return f"{digits[:4]} **** **** {digits[-4:]}"


def _mobile(match: re.Match) -> str | None:
    return f"{match[1]}{match[2]}****{match[4]}{match[5]}"


def _landline(match: re.Match) -> str | None:
    return f"{match[1]}****{match[3]}{match[4]}{match[5]}"


def _local(match: re.Match) -> str | None:
    return f"{match[1]}****{match[3]}{match[4]}"


def _email(match: re.Match) -> str | None:
    return f"{match[1]}***{match[2]}"


#: (kind, pattern, masker) in the order they apply: longer numbers first, so that no shorter
#: pattern bites a piece out of an ID or card number.
#: The kinds are msgids (core/i18n.py): a finding names its kind in the reader's language.
DETECTORS = [(N_("ID number"), ID_NUMBER, _id), (N_("bank card"), BANK_CARD, _card), (N_("mobile phone"), MOBILE, _mobile),
             (N_("landline phone"), LANDLINE, _landline), (N_("phone"), LOCAL_PHONE, _local),
             (N_("e-mail address"), EMAIL, _email)]


PHONE_KINDS = {"mobile phone", "landline phone", "phone"}


def _substitute(text: str, pattern: re.Pattern, masker, found: list | None, kind: str) -> str:
    def replace(match: re.Match) -> str:
        if kind in PHONE_KINDS and _after_order_word(text, match.start()):
            return match[0]
        masked = masker(match)
        if masked is None:
            return match[0]
        if found is not None:
            found.append((kind, masked))
        return masked

    return pattern.sub(replace, text)


def _mask(text: str, found: list | None) -> str:
    for kind, pattern, masker in DETECTORS:
        text = _substitute(text, pattern, masker, found, kind)
    return text


def mask_personal(text):
    """``text`` with every phone, ID and bank card number and e-mail address masked; non-text passes through.

    Full-width digits are matched as ASCII; only a text that holds personal data comes back with them
    converted (in the masked form), any other text comes back exactly as it was.
    """
    if not isinstance(text, str) or not text or not MAYBE_PERSONAL.search(text):
        return text
    found: list = []
    masked = _mask(text.translate(FULL_WIDTH), found)
    return masked if found else text


#: Common surnames (compound ones first: 欧阳女士 is 欧阳**, not 欧**). A surname right before 先生,
#: 女士 or 某某 is how a citizen's name appears in 诉求内容 ("市民王先生来电"): ``mask_names`` keeps the surname only.
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                     "夏侯", "轩辕", "令狐", "西门", "南宫")
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
            "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤易常"
            "温康施文牛樊葛邢安齐伍庞颜倪洪殷聂申童柳欧")
NAME = re.compile("(" + "|".join(COMPOUND_SURNAMES) + "|[" + SURNAMES + "])(?:先生|女士|某某)")


def mask_names(text):
    """A citizen's name as 诉求内容 writes it, a surname followed by 先生, 女士 or 某某, as the surname
    and two stars (张先生, 张女士, 张某某 -> 张**); non-text passes through. Used on citizens' words
    shown in notebooks (``mask_text``), not on every output: an office's own contact in an exemption's
    reason keeps its 王先生."""
    if not isinstance(text, str) or not text:
        return text
    return NAME.sub(lambda match: f"{match[1]}**", text)


def mask_text(text):
    """A citizen's words as a notebook may show them: names (``mask_names``) and every number of
    ``mask_personal`` masked."""
    return mask_names(mask_personal(text))


def find_personal(text: str) -> list[tuple[str, str]]:
    """Unmasked personal data in ``text``, as (kind, masked form): the masked form is safe to print."""
    found: list[tuple[str, str]] = []
    _mask(text.translate(FULL_WIDTH), found)
    return found


def mask_strings(value):
    """Every string inside nested dicts and lists masked, keys included (figures.json, table rows)."""
    if isinstance(value, str):
        return mask_personal(value)
    if isinstance(value, dict):
        return {mask_personal(key): mask_strings(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_strings(item) for item in value)
    return value


TEXT_MIME = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def mask_notebook(notebook):
    """Mask every text output of an executed notebook in place, and return it (images are left
    alone: their base64 is not text, and masking could corrupt it)."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = mask_personal(output["text"] if isinstance(output["text"], str) else "".join(output["text"]))
            if "evalue" in output:
                output["evalue"] = mask_personal(output["evalue"])
                output["traceback"] = [mask_personal(line) for line in output.get("traceback", [])]
            data = output.get("data", {})
            for mime in TEXT_MIME:
                if mime in data:
                    value = data[mime]
                    data[mime] = mask_strings(value if not isinstance(value, list) else "".join(value))
    return notebook


# ---- scanning a folder of outputs -------------------------------------------------------------

_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


@dataclass
class Finding:
    path: Path
    line: int
    kind: str
    masked: str
    where: str = ""    # the part of the file: "attachment 芙蓉区….pdf, page 2", "word/document.xml"

    def __str__(self) -> str:
        where = f", {self.where}" if self.where else ""
        return gettext("{path}{where}, line {line}: unmasked {kind} ({masked})", path=self.path, where=where,
                       line=self.line, kind=Message(self.kind), masked=self.masked)


def readable_text(raw: bytes, suffix: str) -> str:
    """The text a person would read in an output file of this type, all its parts one after another
    (see ``readable_parts``)."""
    return "\n".join(text for _, text in readable_parts(raw, suffix))


def readable_parts(raw: bytes, suffix: str) -> list[tuple[str, str]]:
    """(where, text) for each part of an output file a person could read: e-mails part by part and
    attachment by attachment (where = ``attachment NAME``), PDF pages (pypdf), the XML parts of
    Word and Excel files (where = the part's name), notebooks cell by cell, JSON string by string
    (escapes decoded); embedded images removed. ``where`` is empty for a plain text file.

    A PDF, Word or Excel file that cannot be read is an error (InputError), never a silent pass:
    what cannot be read cannot be checked."""
    suffix = suffix.lower()
    if suffix == ".eml":
        return _email_parts(raw)
    if suffix == ".pdf":
        return _pdf_parts(raw)
    if suffix in OFFICE_SUFFIXES:
        return _office_parts(raw, suffix)
    text = raw.decode("utf-8", errors="replace")
    if suffix == ".ipynb":
        text = _notebook_text(text)
    elif suffix == ".json":
        text = _json_text(text)
    return [("", _DATA_URI.sub("data:…", text))]


#: Office Open XML documents: a zip of XML parts, read without Word or Excel (and without a library).
OFFICE_SUFFIXES = {".docx", ".xlsx", ".pptx", ".docm", ".xlsm"}
DOCUMENT_SUFFIXES = OFFICE_SUFFIXES | {".pdf"}
_DOCUMENT_TYPES = {"application/pdf": ".pdf",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx"}
# XML elements whose text is read as one line: a paragraph (w:p, a:p), a shared string or rich text
# run list (si, is) and a spreadsheet cell (c), so that a number split over several runs is read whole.
_LINE_ELEMENTS = {"p", "si", "c", "is", "t"}


def _email_parts(raw: bytes) -> list[tuple[str, str]]:
    message = email.message_from_bytes(raw)
    # the headers people read (a MIME boundary or Message-ID is long digit runs by design)
    headers = "\n".join(f"{k}: {_decoded_header(message[k])}" for k in ["Subject", "From", "To", "Cc"] if message[k])
    parts = [("headers", headers)]
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        kind = part.get_content_type()
        suffix = Path(name).suffix.lower() or _DOCUMENT_TYPES.get(kind, "")
        where = f"attachment {name}" if name else f"{kind} part"
        payload = part.get_payload(decode=True) or b""
        if not payload:
            continue
        if suffix in DOCUMENT_SUFFIXES:
            parts += [(f"{where}, {inner}" if inner else where, text) for inner, text in readable_parts(payload, suffix)]
        elif part.get_content_maintype() == "text" or kind == "application/octet-stream" or suffix in TEXT_SUFFIXES:
            text = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
            inner = readable_parts(text.encode("utf-8"), suffix) if suffix in {".ipynb", ".json"} else [("", text)]
            parts += [(where, _DATA_URI.sub("data:…", piece)) for _, piece in inner]
        # images and other binary parts hold no text
    return parts


def _decoded_header(value) -> str:
    from email.header import decode_header, make_header

    try:
        return str(make_header(decode_header(str(value))))
    except (ValueError, LookupError):
        return str(value)


def _pdf_parts(raw: bytes) -> list[tuple[str, str]]:
    """Each page's text, as pypdf extracts it."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(raw))
        pages = [(f"page {number}", page.extract_text() or "") for number, page in enumerate(reader.pages, start=1)]
        info = reader.metadata or {}
        pages.append(("properties", "\n".join(str(value) for value in info.values())))
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        from hotline_lib.core.errors import InputError

        raise InputError("cannot read this PDF to check it for personal data ({reason})", reason=str(exc)) from None
    return pages


def _office_parts(raw: bytes, suffix: str) -> list[tuple[str, str]]:
    """The text of every XML part of a .docx or .xlsx (document, headers, footers, comments, shared
    strings, every cell, sheet names, properties), one paragraph, string or cell a line."""
    import io
    import zipfile
    from xml.etree import ElementTree

    parts = []
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            for name in sorted(archive.namelist()):
                if not name.endswith(".xml") or name == "[Content_Types].xml":
                    continue
                lines: list[str] = []
                _xml_lines(ElementTree.fromstring(archive.read(name)), lines)
                if lines:
                    parts.append((name, "\n".join(lines)))
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError) as exc:
        from hotline_lib.core.errors import InputError

        raise InputError("cannot read this {kind} file to check it for personal data ({reason})", kind=suffix[1:],
                         reason=str(exc)) from None
    return parts


def _xml_lines(element, lines: list[str]) -> None:
    name = element.attrib.get("name")
    if name:
        lines.append(name)    # sheet names, defined names
    local = element.tag.rsplit("}", 1)[-1]
    if local == "c" and element.attrib.get("t") == "s":
        pass    # a cell holding a shared string holds its index; the string is read in sharedStrings.xml
    elif local in _LINE_ELEMENTS:
        text = "".join(element.itertext()).strip()
        if text:
            lines.append(text)
    else:
        if element.text and element.text.strip():
            lines.append(element.text.strip())
        for child in element:
            _xml_lines(child, lines)
    if element.tail and element.tail.strip():
        lines.append(element.tail.strip())


def _json_text(text: str) -> str:
    """Every key and string of a JSON document, one per line (so "\\u8bdd1381…" is read as written)."""
    try:
        document = json.loads(text)
    except ValueError:
        return text
    pieces: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            pieces.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                pieces.append(str(key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        else:
            pieces.append(json.dumps(value))

    walk(document)
    return "\n".join(pieces)


def _notebook_text(text: str) -> str:
    try:
        notebook = json.loads(text)
    except ValueError:
        return text
    pieces = []
    for cell in notebook.get("cells", []):
        pieces.append("".join(cell.get("source", [])))
        for output in cell.get("outputs", []):
            pieces.append("".join(output.get("text", [])))
            pieces += [str(output.get("evalue", "")), *output.get("traceback", [])]
            for mime in TEXT_MIME:
                value = output.get("data", {}).get(mime)
                if value is not None:
                    pieces.append(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                                  if isinstance(value, dict) else "".join(value))
    return "\n".join(pieces)


def scan_file(path: Path, raw: bytes | None = None) -> list[Finding]:
    """Phone, ID and bank card numbers still unmasked in one output file (or in ``raw``, the bytes it
    is about to hold). E-mail addresses are not findings: an e-mail names its sender and recipients."""
    from hotline_lib.core.errors import InputError

    findings = []
    try:
        parts = readable_parts(path.read_bytes() if raw is None else raw, path.suffix)
    except InputError as exc:
        raise InputError(exc.message, path=path) from None
    for where, text in parts:
        for number, line in enumerate(text.splitlines(), start=1):
            for kind, masked in find_personal(line):
                if kind == "e-mail address":
                    continue  # sender and recipients of an .eml are e-mail addresses by design
                findings.append(Finding(path, number, kind, masked, where))
    return findings


def scan_outputs(folder: str | Path) -> tuple[list[Path], list[Finding]]:
    """(files scanned, findings) for every text output under ``folder`` (a file is scanned alone).

    Hidden folders (a render's staging area, a cache a user put inside outputs/) are scanned too:
    whatever sits in the folder can leave with it.
    """
    from hotline_lib.core.errors import InputError

    folder = Path(folder)
    if not folder.exists():
        raise InputError("not found", path=folder)
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file()
                                                      and p.suffix.lower() in SCANNED_SUFFIXES)
    findings = [finding for path in files for finding in scan_file(path)]
    return files, findings


def scan_chart_texts(sections_file: Path) -> list[Finding]:
    """Phone, ID and bank card numbers in the texts drawn on the charts of a render's sections.json
    (each chart block's ``texts``, collected when the chart was made): a PNG cannot be read, the
    strings drawn on it can. A missing or unreadable file holds no charts to check here."""
    try:
        sections = json.loads(Path(sections_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    findings = []
    for section in sections if isinstance(sections, list) else []:
        charts = [b for b in section.get("blocks", []) if isinstance(b, dict) and b.get("kind") == "chart"]
        for number, block in enumerate(charts, start=1):
            for line, text in enumerate(block.get("texts", []), start=1):
                for kind, masked in find_personal(str(text)):
                    if kind != "e-mail address":
                        findings.append(Finding(Path(sections_file), line, kind, masked,
                                                f"chart {number} of {section.get('key', '')}: {block.get('alt', '')}"))
    return findings
