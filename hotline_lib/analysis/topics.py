"""热点诉求: what citizens call about, from their own words, where, and again and again.

Pure functions over a month's orders that carry their tokens (io/segment.py: ``terms`` and ``places``,
space-joined) and the units that handled them. Counts are orders (an order naming a word twice counts
once). What leaves for the bulletin is phrases, place names and counts, never a citizen's sentence.

- ``category_issues``: per top category, the phrases that set it apart from the other categories
  (TF-IDF: the share of the category's orders holding a phrase, times how rare it is in the month);
- ``place_counts``: the places named, with last month's count and the units that handled them;
- ``repeat_demands``: orders at one place in one category (the problem words are what the cluster's
  orders say most), within the window of the first; not whole-text similarity, since
  people describe one broken lift in very different words;
- ``rising_terms``: the terms whose share of the month's orders grew most (in 百分点), named at
  enough places that it is no single place's burst (that is a repeat demand).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from hotline_lib.figures.counts import in_month

#: The keys of figures.json's hot_topics, each a list (see ``topics_figures``).
FIGURE_KEYS = ("categories", "places", "repeats", "rising", "rising_year", "repeat_units")


def previous_month(month: str, months: int = 1) -> str:
    """"2020-12" -> "2020-11" (``months`` back)."""
    return str(pd.Period(month, "M") - months)


def signed_in(orders: pd.DataFrame, month: str) -> pd.DataFrame:
    """The orders signed in ``month``: the orders the bulletin counts."""
    return orders[in_month(orders["signed_at"], month)]


def has_text(orders: pd.DataFrame) -> bool:
    """Whether any order of ``orders`` holds a term: an export without 诉求内容 has none."""
    return bool(len(orders)) and bool((orders["terms"].fillna("").str.len() > 0).any())


def _split(orders: pd.DataFrame, column: str) -> list[list[str]]:
    """Each order's words of a space-joined column (``split_words`` keeps them beside it: split once)."""
    kept = f"_{column}_words"
    if kept in orders.columns:
        return orders[kept].tolist()
    return [text.split() if isinstance(text, str) else [] for text in orders[column].tolist()]


def split_words(orders: pd.DataFrame) -> pd.DataFrame:
    """``orders`` with its terms and places split into lists once, for every function here to reuse."""
    return orders.assign(_terms_words=_split(orders, "terms"), _places_words=_split(orders, "places"))


def document_counts(orders: pd.DataFrame, column: str = "terms") -> Counter:
    """word -> orders holding it (each order's words are once each already)."""
    return Counter(word for words in _split(orders, column) for word in words)


# ---- sub-issues of each top category --------------------------------------------------------

def _phrases(terms: list[str], places: set[str]) -> set[str]:
    """An order's candidate phrases: its terms (the vocabulary keeps 预付卡, 夜间施工 whole), places left
    out (they are where, not what)."""
    return {w for w in terms if w not in places}


def category_issues(orders: pd.DataFrame, top: int, per_category: int = 5, min_count: int = 3) -> list[dict]:
    """The ``top`` categories (most orders first; ties by first signed) each with the phrases that set
    it apart from the other categories: a phrase's orders in the category times the log of how much
    likelier it is there than in the month's other orders (a weighted log-odds, a TF-IDF against the
    other categories: a word said everywhere scores nothing), at least ``min_count`` orders; a phrase
    inside one already chosen is left out. [{category, count, issues: [{issue, count}]}]."""
    if orders.empty:
        return []
    places = set(document_counts(orders, "places"))
    ranked = (orders.assign(_t=orders["signed_at"]).groupby("category", observed=True)
              .agg(count=("order_id", "size"), first=("_t", "min")).reset_index()
              .sort_values(["count", "first"], ascending=[False, True], kind="stable").head(top))
    phrases = [_phrases(t, places) for t in _split(orders, "terms")]
    total = Counter(p for ps in phrases for p in ps)
    n = len(orders)
    result = []
    categories = orders["category"].astype(object).tolist()
    for row in ranked.itertuples():
        inside = Counter(p for c, ps in zip(categories, phrases) if c == row.category for p in ps)
        others = max(n - row.count, 0)
        scored = []
        for phrase, count in inside.items():
            if count < min_count:
                continue
            lift = (count / row.count) / ((total[phrase] - count + 1) / (others + 1))
            if lift > 1:
                scored.append((count * math.log(lift), count, phrase))
        scored.sort(key=lambda x: (-x[0], -x[1], x[2]))
        chosen: list[tuple[str, int]] = []
        for _, count, phrase in scored:
            if any(phrase in c or c in phrase for c, _ in chosen):
                continue
            chosen.append((phrase, count))
            if len(chosen) == per_category:
                break
        chosen.sort(key=lambda x: -x[1])
        result.append({"category": str(row.category), "count": int(row.count),
                       "issues": [{"issue": p, "count": int(c)} for p, c in chosen]})
    return result


# ---- places ---------------------------------------------------------------------------------

def _units_by_order(handled: pd.DataFrame | dict) -> dict[str, list[str]]:
    """order_id -> the units that handled it (``handled`` may be that dict already)."""
    if isinstance(handled, dict):
        return handled
    by_order: dict[str, list[str]] = {}
    for order, unit in zip(handled["order_id"].astype(str).tolist(), handled["unit"].astype(str).tolist()):
        by_order.setdefault(order, []).append(unit)
    return by_order


def _units_of(order_ids, by_order: dict[str, list[str]]) -> list[str]:
    """The units that handled these orders, most orders first (ties by name)."""
    counts = Counter(u for o in order_ids for u in dict.fromkeys(by_order.get(o, [])))
    return [u for u, _ in sorted(counts.items(), key=lambda x: (-x[1], x[0]))]


def place_counts(orders: pd.DataFrame, previous: pd.DataFrame, handled: pd.DataFrame, rows: int = 10) -> list[dict]:
    """The places the month's orders name, most orders first (ties by name): [{place, count,
    previous (last month's orders naming it), units (that handled them, most first)}]."""
    ids: dict[str, list[str]] = {}
    for order_id, places in zip(orders["order_id"].astype(str).tolist(), _split(orders, "places")):
        for place in places:
            ids.setdefault(place, []).append(order_id)
    before = document_counts(previous, "places") if len(previous) else Counter()
    by_order = _units_by_order(handled)
    top = sorted(ids.items(), key=lambda item: (-len(item[1]), item[0]))[:rows]
    return [{"place": place, "count": len(order_ids), "previous": int(before[place]), "units": _units_of(order_ids, by_order)}
            for place, order_ids in top]


# ---- repeat demands -------------------------------------------------------------------------

@dataclass
class Cluster:
    """Orders at one place about one problem, within the window of the first."""

    place: str
    category: str
    order_ids: list[str] = field(default_factory=list)
    times: list[pd.Timestamp] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


def _chain(rows: list[tuple], place: str, category: str, window: pd.Timedelta) -> list[Cluster]:
    """``rows`` (time, order_id, terms) in time order, in clusters each within ``window`` of its first order."""
    found: list[Cluster] = []
    for time, order_id, terms in rows:
        if not found or time - found[-1].times[0] > window:
            found.append(Cluster(place, category))
        found[-1].order_ids.append(order_id)
        found[-1].times.append(time)
        found[-1].terms.append(terms)
    return found


def _halves(term: str) -> list[tuple[str, str]]:
    """The two-word splits of a vocabulary term (电梯故障 -> 电梯 + 故障): an order saying both halves
    says the term, whatever else stands between them."""
    return [(term[:i], term[i:]) for i in range(2, len(term) - 1)]


def term_orders(words: list[set[str]], term: str) -> int:
    """How many orders (each a set of words) hold ``term`` itself or both halves of it."""
    halves = _halves(term)
    return sum(1 for w in words if term in w or any(a in w and b in w for a, b in halves))


def _ranked(counts: dict[str, int], at_least: int) -> list[str]:
    """The words said in ``at_least`` orders, most orders first (ties: the longer, then by name)."""
    return [w for w, c in sorted(counts.items(), key=lambda x: (-x[1], -len(x[0]), x[0])) if c >= at_least]


def problem_words(cluster: Cluster, stop: set[str], vocabulary: tuple[str, ...] = (), issues: tuple[str, ...] = (),
                  count: int = 2) -> str:
    """The cluster's problem in the words a bulletin uses: the 12345 vocabulary's terms its orders say
    (a term or both of its halves, in more than one order), else the category's sub-issues of the month,
    else what its orders say most; most orders first, never a stop word or its place; the category
    when they share none."""
    words = [{w for w in t.split() if w not in stop and w not in cluster.place} for t in cluster.terms]
    for preferred in (vocabulary, issues):
        counts = {term: term_orders(words, term) for term in preferred if term not in stop}
        chosen = [w for w in _ranked(counts, 2)]
        chosen = [w for w in chosen if not any(w != c and w in c for c in chosen)][:count]
        if chosen:
            return "、".join(chosen)
    common = _ranked(Counter(w for ws in words for w in ws), 2)[:count]
    return "、".join(common) or cluster.category


def repeat_clusters(orders: pd.DataFrame, window_days: int = 7, min_orders: int = 3) -> list[Cluster]:
    """Repeat demands among ``orders``: at one place (a place the order names) and in one category,
    received within ``window_days`` of the cluster's first order (the next order after that starts a
    new cluster); at least ``min_orders`` orders; largest first (ties by first time, then place)."""
    if orders.empty:
        return []
    time = orders["received_at"].fillna(orders["signed_at"]) if "received_at" in orders else orders["signed_at"]
    groups: dict[tuple[str, str], list[tuple]] = {}
    for order_id, category, terms, stamp, places in zip(
            orders["order_id"].astype(str).tolist(), orders["category"].astype(object).tolist(),
            orders["terms"].fillna("").tolist(), time.tolist(), _split(orders, "places")):
        for place in places:
            groups.setdefault((place, str(category)), []).append((stamp, order_id, terms))
    window = pd.Timedelta(days=window_days)
    found = [c for (place, category), rows in sorted(groups.items()) if len(rows) >= min_orders
             for c in _chain(sorted(rows, key=lambda r: (r[0], r[1])), place, category, window)]
    found = [c for c in found if len(c.order_ids) >= min_orders]
    return sorted(found, key=lambda c: (-len(c.order_ids), c.times[0], c.place))


def repeat_figures(clusters: list[Cluster], handled: pd.DataFrame, stop: set[str], rows: int = 10,
                   vocabulary: tuple[str, ...] = (), issues: dict[str, tuple[str, ...]] | None = None) -> list[dict]:
    """[{place, issue (problem words), count, first, last (times, minutes), units}] of the largest clusters;
    ``issues``: category -> its sub-issues of the month (``category_issues``)."""
    by_order = _units_by_order(handled)
    issues = issues or {}
    return [{"place": c.place, "issue": problem_words(c, stop, vocabulary, issues.get(c.category, ())), "count": len(c.order_ids),
             "first": _time_text(c.times[0]), "last": _time_text(c.times[-1]), "units": _units_of(c.order_ids, by_order)}
            for c in clusters[:rows]]


def _time_text(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def repeat_units(clusters: list[Cluster], handled: pd.DataFrame, repeat_assigned: pd.Series) -> list[dict]:
    """Per unit: the month's orders in a repeat demand it handled (重复诉求, found in the words) beside
    the exports' own 重复交办 (assignments flagged so by the platform): two different counts.
    [{unit, repeats, repeat_assigned}], most repeats first; units with neither are left out."""
    by_order = _units_by_order(handled)
    counts = Counter(u for o in dict.fromkeys(o for c in clusters for o in c.order_ids)
                     for u in dict.fromkeys(by_order.get(o, [])))
    units = set(counts) | {u for u, n in repeat_assigned.items() if n}
    rows = [{"unit": u, "repeats": int(counts.get(u, 0)), "repeat_assigned": int(repeat_assigned.get(u, 0))} for u in units]
    return sorted(rows, key=lambda r: (-r["repeats"], -r["repeat_assigned"], r["unit"]))


# ---- rising terms ---------------------------------------------------------------------------

def term_places(orders: pd.DataFrame) -> Counter:
    """term -> how many distinct places the orders holding it name."""
    seen: dict[str, set[str]] = {}
    for terms, places in zip(_split(orders, "terms"), _split(orders, "places")):
        if places:
            for term in terms:
                seen.setdefault(term, set()).update(places)
    return Counter({term: len(places) for term, places in seen.items()})


def rising_terms(orders: pd.DataFrame, before: pd.DataFrame, min_orders: int = 5, min_places: int = 3,
                 rows: int = 10) -> list[dict]:
    """Terms whose share of the orders grew most from ``before`` to ``orders``: [{term, count,
    previous, change}] with ``change`` the difference of shares in 百分点 (two decimals); a term in at
    least ``min_orders`` orders, named at ``min_places`` places or more, and no place itself. Empty
    when ``before`` has no text (nothing to rise from)."""
    if orders.empty or not has_text(before):
        return []
    now, then = document_counts(orders), document_counts(before)
    places = set(document_counts(orders, "places"))
    spread = term_places(orders)
    rows_out = []
    for term, count in now.items():
        if count < min_orders or term in places or spread[term] < min_places:
            continue
        previous = then[term]
        change = round((count / len(orders) - previous / len(before)) * 100, 2)
        if change > 0:
            rows_out.append({"term": term, "count": int(count), "previous": int(previous), "change": change})
    return sorted(rows_out, key=lambda r: (-r["change"], -r["count"], r["term"]))[:rows]


# ---- the month ------------------------------------------------------------------------------

@dataclass
class MonthTopics:
    """A month's 热点诉求 and the frames behind it (what the explore notebook shows)."""

    month: str
    has_text: bool
    figures: dict
    clusters: list[Cluster]
    orders: pd.DataFrame      # the month's orders with terms and places (citizens' words: notebooks only)


def month_topics(orders: pd.DataFrame, handled: pd.DataFrame, repeat_assigned: pd.Series, month: str, options,
                 stopwords: set[str] | frozenset[str] = frozenset(), top_categories: int = 6,
                 vocabulary: tuple[str, ...] = ()) -> MonthTopics:
    """Every finding of ``month`` from ``orders`` (every month's, with terms and places), ``handled``
    (order_id, unit) and the exports' 重复交办 per unit; ``options``: the settings' hot_topics."""
    current = split_words(signed_in(orders, month))
    last = split_words(signed_in(orders, previous_month(month)))
    year = split_words(signed_in(orders, previous_month(month, 12)))
    text = has_text(current)
    if not text:
        return MonthTopics(month, False, {key: [] for key in FIGURE_KEYS} | {"has_text": False}, [], current)
    handled = _units_by_order(handled[handled["order_id"].isin(current["order_id"])])
    clusters = repeat_clusters(current, options.repeat_window_days, options.repeat_min_orders)
    categories = category_issues(current, top_categories, options.issues_per_category)
    issues = {c["category"]: tuple(i["issue"] for i in c["issues"]) for c in categories}
    figures = {
        "has_text": True,
        "categories": categories,
        "places": place_counts(current, last, handled, options.rows),
        "repeats": repeat_figures(clusters, handled, set(stopwords), options.rows, vocabulary, issues),
        "rising": rising_terms(current, last, options.rising_min_orders, options.rising_min_places, options.rows),
        "rising_year": rising_terms(current, year, options.rising_min_orders, options.rising_min_places, options.rows),
        "repeat_units": repeat_units(clusters, handled, repeat_assigned),
    }
    return MonthTopics(month, True, figures, clusters, current.drop(columns=["_terms_words", "_places_words"]))
