"""A month's 热点诉求 from a working folder: the exports, their tokens from the cache, the findings.

The one place that ties the segmenter (io/segment.py) to the pure functions of analysis/topics.py; the
CLI (`hotline topics`), the bulletin's notebooks and the explore notebook all start here."""

from __future__ import annotations

import pandas as pd

from hotline_lib.analysis.topics import MonthTopics, month_topics, previous_month
from hotline_lib.figures.counts import assignment_flags, handling_units, in_month
from hotline_lib.io.exports import Exports, cache_dataset, input_folders, load_exports
from hotline_lib.io.segment import load_lexicon, order_tokens
from hotline_lib.io.workspace import Workspace


def months_needed(month: str) -> list[str]:
    """The month, the one before (rising, places' previous counts) and the same month a year before."""
    return [month, previous_month(month), previous_month(month, 12)]


def orders_of(orders: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """The orders signed in any of ``months`` (the only ones whose words are needed)."""
    chosen = pd.Series(False, index=orders.index)
    for month in months:
        chosen |= in_month(orders["signed_at"], month)
    return orders[chosen]


def repeat_assigned(assignments: pd.DataFrame, month: str) -> pd.Series:
    """unit -> the month's assignments the platform flagged 重复交办 (the appendix's count)."""
    if assignments.empty:
        return pd.Series(dtype="int64")
    flags = assignment_flags(assignments, month)
    return flags.groupby("unit", observed=True)["_repeat"].sum().astype("int64")


def load_topics(month: str, workspace: Workspace | None = None, exports: Exports | None = None,
                jobs: int | None = None) -> MonthTopics:
    """The month's 热点诉求 (``exports``: the data folder's, when the caller has them already)."""
    workspace = Workspace.of(workspace)
    settings = workspace.settings
    if exports is None:
        exports = load_exports(workspace.data, workspace.units, workspace.cache, input_folders(settings),
                               platform=workspace.platform)
    lexicon = load_lexicon(workspace)
    orders = order_tokens(orders_of(exports.orders, months_needed(month)), workspace.data, workspace.cache, lexicon, jobs,
                          whole=exports.orders)
    assignments = exports.assignments
    names = display_names(workspace.units)
    handled = handling_units(assignments[assignments["order_id"].isin(orders_of(orders, [month])["order_id"])])
    handled = handled.assign(unit=handled["unit"].astype(str).map(lambda u: names.get(u, u)))
    repeats = repeat_assigned(assignments, month)
    repeats = repeats.groupby(repeats.index.map(lambda u: names.get(str(u), str(u)))).sum()
    return month_topics(orders, handled, repeats, month, settings.hot_topics,
                        lexicon.stopwords, settings.top_categories, lexicon.vocabulary)


def display_names(directory) -> dict[str, str]:
    """unit name -> how the bulletin's text names it (区人社局, as section 二 does); the name when the
    directory gives no display name."""
    return {u.name: (u.display or u.name) for u in directory.units}


def cache_tokens(months: str | list[str], workspace: Workspace, jobs: int | None = None) -> None:
    """Segment the words of ``months`` (one, or a batch's) and of the months they are compared with
    into the cache unless they are there, when the settings show 热点诉求: a render does it while its
    kernel starts, so that the kernel only reads the tokens; a batch does it once for all its months
    before they start, so that no two workers segment the same file. ``jobs``: processes (default:
    one per core)."""
    if workspace.settings.hot_topics.show == "off":
        return
    # the dataset made as a render makes it (files parsed side by side) when this process comes first,
    # waited for when another is making it (its lock)
    cache_dataset(workspace.data, workspace.units, workspace.cache, input_folders(workspace.settings),
                  platform=workspace.platform)
    exports = load_exports(workspace.data, workspace.units, workspace.cache, input_folders(workspace.settings),
                           platform=workspace.platform)
    needed = [m for month in ([months] if isinstance(months, str) else months) for m in months_needed(month)]
    order_tokens(orders_of(exports.orders, list(dict.fromkeys(needed))), workspace.data, workspace.cache,
                 load_lexicon(workspace), jobs=jobs, whole=exports.orders)
