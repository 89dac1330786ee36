"""Header normalisation: the many spellings of one column, mapped to one name.

The spellings are a ``Columns`` object: the package's hotline_lib/schema/columns.yaml, with a working
folder's own data/columns.yaml merged over it (io/platform.py). Every function here takes one
(``columns``), the package's when none is given.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache

from hotline_lib.core.config import COLUMNS_FILE
from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import Message, names
from hotline_lib.core.utils import read_yaml_file

_SPACE = re.compile(r"\s+")


def normalize_header(header) -> str:
    """Compare headers by this key: NFKC (full-width brackets -> ASCII) with all whitespace removed."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(header)))


class Columns:
    """The header spellings of each record type (record type -> canonical field -> spellings): what
    a platform calls each column the reader uses. Compared and hashed by content, so that a dataset
    cached with one set of spellings is never served for another."""

    def __init__(self, table: dict[str, dict[str, list[str]]]):
        self.table = {kind: {canonical: list(spelled or []) for canonical, spelled in fields.items()}
                      for kind, fields in table.items()}
        self._aliases = {kind: _alias_map(fields) for kind, fields in self.table.items()}

    def aliases(self, record_type: str) -> dict[str, str]:
        """normalised header -> canonical name, for one record type."""
        return self._aliases[record_type]

    def canonical(self, record_type: str) -> list[str]:
        """The canonical names of one record type, in the order columns.yaml lists them."""
        return list(self.table[record_type])

    def fingerprint(self) -> str:
        """The spellings as one text (a dataset's cache key holds it)."""
        return json.dumps(self.table, ensure_ascii=False, sort_keys=True)

    def __eq__(self, other) -> bool:
        return isinstance(other, Columns) and self.table == other.table

    def __hash__(self) -> int:
        return hash(self.fingerprint())


def _alias_map(fields: dict[str, list[str]]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for canonical, aliases in fields.items():
        for spelling in [canonical, *aliases]:
            mapping[normalize_header(spelling)] = canonical
    return mapping


@cache
def package_columns() -> Columns:
    """The spellings the package ships (hotline_lib/schema/columns.yaml)."""
    return Columns(read_yaml_file(COLUMNS_FILE))


def _of(columns: Columns | None) -> Columns:
    return package_columns() if columns is None else columns


def column_aliases(record_type: str, columns: Columns | None = None) -> dict[str, str]:
    """normalised header -> canonical name, for one record type."""
    return _of(columns).aliases(record_type)


def canonical_columns(record_type: str, columns: Columns | None = None) -> list[str]:
    """The canonical names of one record type, in the order columns.yaml lists them."""
    return _of(columns).canonical(record_type)


def rename_headers(headers, record_type: str, columns: Columns | None = None) -> dict[str, str]:
    """Map each recognised original header to its canonical name; unknown headers are left out."""
    aliases = column_aliases(record_type, columns)
    return {h: aliases[normalize_header(h)] for h in headers if normalize_header(h) in aliases}


def spellings(record_type: str, canonical: str, columns: Columns | None = None) -> set[str]:
    """Every normalised spelling of one canonical column (to recognise a header row by it)."""
    return {key for key, name in column_aliases(record_type, columns).items() if name == canonical}


def display_name(record_type: str, canonical: str) -> str:
    """How a user knows a column: its canonical name, or its first spelling when that name is internal
    (order_id): always the package's, whatever a working folder adds."""
    if not canonical.isascii():
        return canonical
    return next(iter(package_columns().table[record_type].get(canonical) or [canonical]))


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def repeated_columns(headers: list[str], record_type: str, columns: Columns | None = None) -> dict[str, list[int]]:
    """canonical name -> positions, for each recognised column that more than one header names."""
    aliases = column_aliases(record_type, columns)
    positions: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        canonical = aliases.get(normalize_header(header))
        if canonical is not None:
            positions.setdefault(canonical, []).append(index)
    return {canonical: found for canonical, found in positions.items() if len(found) > 1}


def check_unique_columns(headers: list[str], record_type: str, path=None, sheet: str | None = None,
                         columns: Columns | None = None) -> None:
    """A column the reader uses given twice (the same header, or two spellings of it) is an error: which
    copy holds the right data would be a guess. Repeated headers it does not use (two 备注) are harmless."""
    for canonical, found in repeated_columns(headers, record_type, columns).items():
        shown = [_SPACE.sub(" ", headers[i]).strip() for i in found]
        letters = [column_letter(i) for i in found]
        times = Message("twice") if len(found) == 2 else Message("{count} times", count=len(found))
        if len(set(shown)) == 1:
            where = Message("columns {letters} and {last}", letters=names(letters[:-1]), last=letters[-1])
        else:
            named = [f"{letter} {header}" for letter, header in zip(letters, shown)]
            where = Message("column {columns} and column {last} mean the same", columns=", column ".join(named[:-1]),
                            last=named[-1])
        fix = Message("delete one") if len(found) == 2 else Message("delete all but one")
        raise InputError("column {name} appears {times} ({where}); {fix} and try again", path=path, sheet=sheet,
                         name=display_name(record_type, canonical), times=times, where=where, fix=fix)
