"""The sample's 是否联系 and 是否解决 columns (派单): whether a visited order's caller was contacted and
whether its problem was resolved, for the rule sets that score them.

Drawn from a random stream of their own (``VISITS_STREAM``), never from the stream every other sample
value comes from: the sample written before these columns existed stays the same, cell for cell
(tests/test_visit_details.py checks a digest of every other column). Contacted: about 98% of visits;
resolved: about 92% of satisfied visits, 75% of 基本满意 ones and 30% of 不满意 ones (half as often when
the caller was not reached), about 88% in all. Each month's export spells the columns one of the ways
platforms do (是否联系 是/否, 联系情况 已联系/未联系, 解决情况 已解决/未解决/部分解决 …).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The second entropy word of the stream (the first is the sample's seed): any constant other streams do not use.
VISITS_STREAM = 0x5649_5349
CONTACTED_SHARE = 0.98
#: The share of visits resolved, by visit result.
RESOLVED_SHARE = {"满意": 0.92, "基本满意": 0.75, "不满意": 0.30}
#: How one export spells each column: (header, word for yes, words for no: one drawn per row).
CONTACTED_STYLES = [("是否联系", "是", ["否"]), ("是否已联系", "是", ["否"]), ("联系情况", "已联系", ["未联系"]),
                    ("是否响应", "是", ["否"]), ("响应情况", "已响应", ["未响应"])]
RESOLVED_STYLES = [("是否解决", "是", ["否"]), ("是否已解决", "是", ["否"]), ("解决情况", "已解决", ["未解决", "部分解决"])]


def visits_rng(seed: int) -> np.random.Generator:
    """The stream of these columns: seeded from the sample's seed and a constant of its own."""
    return np.random.default_rng([seed, VISITS_STREAM])


def visit_details(rng: np.random.Generator, assignments: pd.DataFrame) -> pd.DataFrame:
    """contacted, resolved (booleans) and how each no is worded (an index into a style's words), per
    assignment (``assignments``' index); what is drawn for an assignment not visited is never written."""
    count = len(assignments)
    contacted = rng.random(count) < CONTACTED_SHARE
    share = assignments["unit_visit_result"].map(RESOLVED_SHARE).fillna(0.0).to_numpy(dtype=float)
    resolved = rng.random(count) < np.where(contacted, share, share / 2)
    return pd.DataFrame({"contacted": contacted, "resolved": resolved, "no_word": rng.integers(0, 2, count)},
                        index=assignments.index)


def export_styles(rng: np.random.Generator, exports: int) -> list[tuple[tuple, tuple]]:
    """(contacted style, resolved style) of each month's 派单 export."""
    return [(CONTACTED_STYLES[int(rng.integers(len(CONTACTED_STYLES)))],
             RESOLVED_STYLES[int(rng.integers(len(RESOLVED_STYLES)))]) for _ in range(exports)]


def _spelled(flags: pd.Series, no_word: pd.Series, style: tuple, shown: pd.Series) -> list[str]:
    _, yes, no = style
    return [(yes if flag else no[word % len(no)]) if show else "" for flag, word, show in zip(flags, no_word, shown)]


def with_visit_columns(rows: pd.DataFrame, details: pd.DataFrame, styles: tuple[tuple, tuple]) -> pd.DataFrame:
    """One month's 派单 rows (as text, ``details``' index) with the two columns added last, headed and
    worded in the export's ``styles``; blank where the export shows no visit result (not visited, or
    visited after the export was made)."""
    known = details.loc[rows.index]
    shown = rows["unit_visit_result"] != ""
    contacted, resolved = styles
    return rows.assign(**{contacted[0]: _spelled(known["contacted"], known["no_word"], contacted, shown),
                          resolved[0]: _spelled(known["resolved"], known["no_word"], resolved, shown)})
