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


def _is_content(header) -> bool:
    return isinstance(header, str) and re.sub(r"\s", "", header) == CONTENT_HEADER


def _rows_digest(rows: list[list[str]]) -> str:
    """The rows with the 诉求内容 column (found in its header row, however spaced) removed."""
    column = next((i for row in rows[:5] for i, cell in enumerate(row) if _is_content(cell)), None)
    kept = [[cell for i, cell in enumerate(row) if i != column] for row in rows]
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
