"""Whether a visited order's caller was contacted and whether its problem was resolved: two optional
派单 columns (是否联系 …, 是否解决 …) that some cities' schemes score, read as nullable booleans.

Each column has its own words, since platforms write 已联系 / 未联系 or 已解决 / 部分解决 rather than
是 / 否. Only a plain yes counts: 部分解决 is read as not resolved (已解决数 counts problems the platform
marks solved, not partly solved). A word not listed here rejects its row like any other unreadable cell
(rejects.csv names file, sheet, row, column and value): counting an unknown word as yes or no would be a
guess in a figure that scores a unit.
"""

from __future__ import annotations

import pandas as pd

from hotline_lib.core.i18n import N_
from hotline_lib.io.validation import FALSE_WORDS, TRUE_WORDS

#: canonical column -> (words read as yes, words read as no); compared stripped and lower-cased.
WORDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "contacted": (frozenset(TRUE_WORDS | {"已联系", "联系", "已响应", "响应"}),
                  frozenset(FALSE_WORDS | {"未联系", "未响应", "联系不上"})),
    "resolved": (frozenset(TRUE_WORDS | {"已解决", "解决"}),
                 frozenset(FALSE_WORDS | {"未解决", "部分解决"})),
}
#: Why a cell of each column is rejected (msgids, kept as reasons in rejects.csv).
REASONS = {
    "contacted": N_("expected 是 or 否, 已联系 or 未联系, 已响应 or 未响应"),
    "resolved": N_("expected 是 or 否, 已解决, 未解决 or 部分解决"),
}
COLUMNS = list(WORDS)


def parse_words(text: pd.Series, column: str) -> pd.Series:
    """One column's words to a nullable boolean; a word it does not list (and a blank) becomes NA."""
    yes, no = WORDS[column]
    words = text.astype("string").str.strip().str.lower()
    read = pd.Series(pd.NA, index=text.index, dtype="boolean")
    read[words.isin(yes).fillna(False).astype(bool)] = True
    read[words.isin(no).fillna(False).astype(bool)] = False
    return read


def worded_columns() -> list[tuple[str, object, str]]:
    """(column, parser, reason) of each column, as ``validation.type_columns`` takes them."""
    return [(column, lambda text, column=column: parse_words(text, column), REASONS[column]) for column in COLUMNS]
