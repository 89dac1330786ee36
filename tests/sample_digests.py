"""Digests of the generated sample's files with the citizens' words (诉求内容) left out: the text of
the sample comes from a random stream of its own, so every other cell must stay byte-identical.

``python tests/sample_digests.py SAMPLE_DIR`` prints the digests as JSON (how
tests/fixtures/sample_digests.json was made, from the sample before the text changed)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from pathlib import Path

import openpyxl

CONTENT_HEADER = "诉求内容"


def _left_out_headers() -> set[str]:
    """诉求内容, and the 派单 columns 是否联系 / 是否解决 (in every spelling the sample uses): they too come
    from a stream of their own, added after these digests were taken (tests/test_visit_details.py)."""
    from hotline_lib.io.headers import spellings

    return {CONTENT_HEADER} | spellings("assignments", "contacted") | spellings("assignments", "resolved")


def _is_left_out(header) -> bool:
    return isinstance(header, str) and re.sub(r"\s", "", header) in _left_out_headers()


def _rows_digest(rows: list[list[str]]) -> str:
    """The rows with the 诉求内容 column and the visit-detail columns (found in the header row, however
    spaced) removed."""
    header = next((row for row in rows[:5] if any(_is_left_out(cell) for cell in row)), [])
    columns = {i for i, cell in enumerate(header) if _is_left_out(cell)}
    kept = [[cell for i, cell in enumerate(row) if i not in columns] for row in rows]
    return hashlib.sha256(json.dumps(kept, ensure_ascii=False).encode("utf-8")).hexdigest()


def _csv_rows(raw: bytes) -> list[list[str]]:
    import csv

    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gbk")
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""))]


def file_digests(path: Path) -> dict[str, str]:
    """{part: digest}: a CSV is one part, a workbook one part per sheet; other files whole."""
    raw = path.read_bytes()
    if path.suffix == ".csv" and "exports" in path.parts:
        return {"": _rows_digest(_csv_rows(raw))}
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True)
        return {sheet.title: _rows_digest([["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)])
                for sheet in book.worksheets}
    return {"": hashlib.sha256(raw).hexdigest()}


def sample_digests(folder: Path) -> dict[str, str]:
    """Every file of a sample folder, by relative path (and sheet), without its 诉求内容 column."""
    digests = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for part, digest in file_digests(path).items():
            digests[f"{path.relative_to(folder).as_posix()}{'#' + part if part else ''}"] = digest
    return digests


if __name__ == "__main__":
    print(json.dumps(sample_digests(Path(sys.argv[1])), ensure_ascii=False, indent=1, sort_keys=True))
