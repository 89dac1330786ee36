"""Header normalisation: the many spellings of one column, mapped to one name."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from .config import COLUMNS_FILE
from .utils import read_yaml_file

_SPACE = re.compile(r"\s+")


def normalize_header(header) -> str:
    """Compare headers by this key: NFKC (full-width brackets -> ASCII) with all whitespace removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(header)))


@cache
def column_aliases(record_type: str) -> dict[str, str]:
    """normalised header -> canonical name, for one record type of columns.yaml."""
    table = read_yaml_file(COLUMNS_FILE)[record_type]
    mapping: dict[str, str] = {}
    for canonical, aliases in table.items():
        for spelling in [canonical, *(aliases or [])]:
            mapping[normalize_header(spelling)] = canonical
    return mapping


def canonical_columns(record_type: str) -> list[str]:
    """The canonical names of one record type, in the order columns.yaml lists them."""
    return list(read_yaml_file(COLUMNS_FILE)[record_type])


def rename_headers(headers, record_type: str) -> dict[str, str]:
    """Map each recognised original header to its canonical name; unknown headers are left out."""
    aliases = column_aliases(record_type)
    return {h: aliases[normalize_header(h)] for h in headers if normalize_header(h) in aliases}


def spellings(record_type: str, canonical: str) -> set[str]:
    """Every normalised spelling of one canonical column (to recognise a header row by it)."""
    return {key for key, name in column_aliases(record_type).items() if name == canonical}
