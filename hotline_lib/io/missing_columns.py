"""One message for an export whose headers do not name a column the reader needs: the column it lacks
(as people know it), the header of the file most like it, and the exact line to add to the working
folder's data/columns.yaml. A platform that heads its column 处理部门 is told so, not left to guess."""

from __future__ import annotations

import difflib

import yaml

from hotline_lib.core.errors import InputError
from hotline_lib.core.i18n import Joined, Message, names
from hotline_lib.io.headers import Columns, display_name, normalize_header, rename_headers, spellings

#: How alike a header must be to a spelling of the column to be suggested (difflib's ratio, as
#: core/utils.closest_matches): 处理部门 and 承办部门 are 0.5 alike, 处理部门 and 签收时限 not at all.
CUTOFF = 0.3
#: In the line to add, for a column no header of the file is like: the analyst writes the header there.
PLACEHOLDER = "…"


def likeness(header: str, spelling: str) -> float:
    return difflib.SequenceMatcher(None, header, spelling).ratio()


def unknown_headers(headers, kind: str, columns: Columns) -> list[str]:
    """The file's headers that name no column of ``kind`` (normalised, blanks and repeats left out)."""
    known = set(rename_headers(headers, kind, columns))
    return list(dict.fromkeys(normalize_header(h) for h in headers if h not in known and normalize_header(h)))


def guesses(headers, kind: str, lacking: list[tuple[str, ...]], columns: Columns) -> list[tuple[str, str | None]]:
    """(canonical column, the unknown header most like it or None) for each group of ``lacking`` (a
    group: columns any one of which would do), best matches first taken; a header is suggested once."""
    free = unknown_headers(headers, kind, columns)
    found: list[tuple[str, str | None]] = []
    for group in lacking:
        scored = [(likeness(header, spelling), canonical, header) for canonical in group
                  for spelling in sorted(spellings(kind, canonical, columns)) for header in free]
        best = max(scored, default=(0.0, group[0], None))
        if best[0] < CUTOFF:
            found.append((group[0], None))
            continue
        found.append((best[1], best[2]))
        free.remove(best[2])
    return found


def line_to_add(kind: str, found: list[tuple[str, str | None]]) -> str:
    """The line of data/columns.yaml that makes the reader know each header (``…`` where none is like it)."""
    mapping = {canonical: [header or PLACEHOLDER] for canonical, header in found}
    flow = yaml.safe_dump(mapping, default_flow_style=True, allow_unicode=True, sort_keys=False, width=10**6).strip()
    return f"{kind}: {flow}"


def missing_columns_error(headers, kind: str, lacking: list[tuple[str, ...]], columns: Columns, columns_label: str,
                          path=None, sheet: str | None = None) -> InputError:
    """The one error of a table of ``kind`` lacking the groups of columns ``lacking``."""
    found = guesses(headers, kind, lacking, columns)
    parts = []
    for (canonical, header), group in zip(found, lacking):
        if header is None and len(group) > 1:
            parts.append(Message("missing one of the columns {columns} (no header of this file is like any)",
                                 columns=names(display_name(kind, c) for c in group)))
        elif header is None:
            parts.append(Message("missing column “{column}” (no header of this file is like it)",
                                 column=display_name(kind, canonical)))
        else:
            parts.append(Message("missing column “{column}”; the header most like it is “{header}”",
                                 column=display_name(kind, canonical), header=header))
    line = line_to_add(kind, found)
    fix = (Message("if so, add to {file}: {line}", file=columns_label, line=line) if any(h for _, h in found)
           else Message("if this file names it otherwise, add its header to {file} in place of …: {line}",
                        file=columns_label, line=line))
    return InputError("{missing}: {fix}", path=path, sheet=sheet, missing=Joined(parts), fix=fix)
