"""Whether a visited order's caller was contacted and whether its problem was resolved: two optional
派单 columns (是否联系 …, 是否解决 …) that some cities' schemes score, read as nullable booleans
(io/validation.py types them).

Each column takes the 是/否 words of every flag column (validation.TRUE_WORDS, FALSE_WORDS) and words
of its own, since platforms write 已联系 / 未联系 or 已解决 / 部分解决 rather than 是 / 否. Only a plain
yes counts: 部分解决 is read as not resolved (已解决数 counts problems the platform marks solved, not
partly solved). A word not listed rejects its row like any other unreadable cell (rejects.csv names
file, sheet, row, column and value): counting an unknown word as yes or no would be a guess in a figure
that scores a unit.
"""

from __future__ import annotations

from hotline_lib.core.i18n import N_

#: canonical column -> (its own words read as yes, as no); compared stripped and lower-cased.
OWN_WORDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "contacted": (frozenset({"已联系", "联系", "已响应", "响应"}), frozenset({"未联系", "未响应", "联系不上"})),
    "resolved": (frozenset({"已解决", "解决"}), frozenset({"未解决", "部分解决"})),
}
#: Why a cell of each column is rejected (msgids, kept as reasons in rejects.csv).
REASONS = {
    "contacted": N_("expected 是 or 否, 已联系 or 未联系, 已响应 or 未响应"),
    "resolved": N_("expected 是 or 否, 已解决, 未解决 or 部分解决"),
}
COLUMNS = list(OWN_WORDS)
