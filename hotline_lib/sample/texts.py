"""The sample's citizens' words (诉求内容): varied sub-issues of each category at named places, with
the repeat demands, the rising and the seasonal topic of sample/topics_plan.py planted in them, and
names, phone and ID numbers written as real callers give them (so that masking is exercised).

The words come from a random stream of their own (``default_rng((seed, TEXT_STREAM))``): changing
them never moves another value of the sample. Every text begins with ``FICTION_MARK``; every name,
number and most places are made up.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from functools import cache
from pathlib import Path

import numpy as np

from hotline_lib.core.config import template_root
from hotline_lib.core.privacy import ID_CHECK, ID_WEIGHTS
from hotline_lib.sample.phrases import (ESTATE, CLOSERS, CONSULT_CLOSERS, CONSULT_OPENERS, EXTRAS, FILLERS, ID_CATEGORIES, ISSUES, OPENERS,
                                        SURNAMES, TITLES, TOPICS)
from hotline_lib.sample.plan import MONTHS
from hotline_lib.sample.topics_plan import FICTION_MARK, RISING, SEASONAL, Repeat, planted
from hotline_lib.sample.vocabulary import DAY, month_bounds

TEXT_STREAM = 17   # the second entropy word of the words' own random stream
SECTION = re.compile(r"^#\s*==\s*(\S+)\s*==")
ID_REGION = "430102"   # 芙蓉区's area code: ID numbers that look like the district's residents'


def places_file() -> Path:
    """The district's place list (data/places.txt), which the hot-topic analysis reads too."""
    return template_root() / "data" / "places.txt"


def read_place_names(path: Path) -> list[str]:
    """The place names of a places file: one a line, ``#`` comments and blank lines left out."""
    lines = (line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def load_places(path: Path) -> dict[str, list[str]]:
    """Place names by kind: the ``# == kind ==`` sections of a places file (what the generator needs
    to put a broken lift in an estate and a market's quarrel in a market)."""
    kinds: dict[str, list[str]] = {}
    kind = ""
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        section = SECTION.match(line)
        if section:
            kind = section[1]
        elif line and not line.startswith("#"):
            kinds.setdefault(kind, []).append(line)
    return kinds


@cache
def _fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


def _pick(rng, options):
    return options[int(rng.integers(len(options)))]


def _phone(rng) -> str:
    return f"13{int(rng.integers(10))}{int(rng.integers(10 ** 8)):08d}"


def _id_number(rng) -> str:
    """An 18-digit resident ID number with a real birth date and a valid check digit (made up)."""
    born = dt.date(1950, 1, 1) + dt.timedelta(days=int(rng.integers(50 * 365)))
    body = f"{ID_REGION}{born:%Y%m%d}{int(rng.integers(1000)):03d}"
    return body + ID_CHECK[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS)) % 11]


def _filler(rng, name: str, order: dict):
    numbers = {"b": (1, 33), "f": (2, 34), "d": (2, 16), "n": (3, 41), "years": (10, 21), "months": (2, 9), "hours": (2, 7),
               "late": (1, 4), "money3": (20, 600)}
    if name in numbers:
        return int(rng.integers(*numbers[name]))
    if name == "money":
        return 100 * int(rng.integers(8, 200))
    if name == "money2":
        return 10 * int(rng.integers(15, 90))
    if name == "hour":
        return _pick(rng, (10, 11))
    if name == "name":
        return order.setdefault("_name", f"{_pick(rng, SURNAMES)}{_pick(rng, TITLES)}")
    if name == "phone":
        return order.setdefault("_phone", _phone(rng))
    return _pick(rng, FILLERS[name])


def _fill(rng, template: str, order: dict, **given) -> str:
    values = {name: given[name] if name in given else _filler(rng, name, order) for name in _fields(template)}
    return template.format(**values)


def compose(rng, order: dict, phrasing: str, place: str | None) -> str:
    """One citizen's words: who called, the problem (``phrasing`` at ``place``), and what they ask."""
    body = _fill(rng, phrasing, order, place=place)
    consult = body.startswith("咨询")
    opener = _fill(rng, _pick(rng, CONSULT_OPENERS if consult else OPENERS), order)
    identity = f"来电人身份证号{_id_number(rng)}。" if order["category"] in ID_CATEGORIES and rng.random() < 0.15 else ""
    extra = _fill(rng, _pick(rng, EXTRAS), order) if not consult and order.get("appeal_type") in ("投诉", "求助") and rng.random() < 0.35 else ""
    closer = _fill(rng, _pick(rng, CONSULT_CLOSERS if consult else CLOSERS), order)
    for key in ("_name", "_phone"):
        order.pop(key, None)
    return f"{FICTION_MARK}{opener}{body}。{extra}{identity}{closer}"


class _Places:
    """Places of given kinds, never a place reserved for a planted repeat of the same category."""

    def __init__(self, places: dict[str, list[str]], reserved: set[tuple[str, str]]):
        self.places, self.reserved = places, reserved
        self.known: dict[tuple, tuple[str, ...]] = {}

    def choices(self, kinds: tuple[str, ...], category: str) -> tuple[str, ...]:
        key = (kinds, category)
        if key not in self.known:
            self.known[key] = tuple(p for kind in kinds for p in self.places.get(kind, []) if (category, p) not in self.reserved)
        return self.known[key]


def _quotas(weights: list[float], total: int) -> list[int]:
    """Whole counts in proportion to ``weights`` adding up to ``total`` (largest remainders)."""
    shares = np.array(weights) / sum(weights) * total
    counts = np.floor(shares).astype(int)
    for i in np.argsort(-(shares - counts), kind="stable")[: total - counts.sum()]:
        counts[i] += 1
    return counts.tolist()


def _day(order: dict, month: str) -> int:
    return (order["signed_at"] - month_bounds(month)[0]) // DAY + 1


def _repeat_orders(rng, orders: list[dict], repeat: Repeat, taken: set[int]) -> list[dict]:
    """``repeat.count`` orders of its category signed in its window: one on its first day, one on its
    last, the others anywhere in it (so the cluster spans the window as planned)."""
    pool = [o for o in orders if id(o) not in taken and o["category"] == repeat.category
            and repeat.first_day <= _day(o, repeat.month) <= repeat.last_day]
    ends = [[i for i, o in enumerate(pool) if _day(o, repeat.month) == day] for day in (repeat.first_day, repeat.last_day)]
    if len(pool) < repeat.count or not all(ends):
        raise AssertionError(f"sample text: not enough {repeat.category} orders to plant {repeat}")
    first, last = _pick(rng, ends[0]), _pick(rng, ends[1])
    middle = [i for i in range(len(pool)) if i not in (first, last)]
    chosen = [first, last, *(middle[i] for i in rng.choice(len(middle), repeat.count - 2, replace=False))]
    return [pool[i] for i in sorted(chosen)]


def _with_place(phrasings) -> tuple[str, ...]:
    return tuple(p for p in phrasings if "{place}" in p)


def _kinds(kinds: tuple[str, ...], phrasing: str) -> tuple[str, ...]:
    """A building number ({b}栋) is in an estate, not on a road or in a market."""
    return (ESTATE,) if "{b}" in phrasing and ESTATE in kinds else kinds


def plan_month(rng, month: str, orders: list[dict], places: _Places) -> list[tuple[dict, str, str, str | None]]:
    """(order, issue, phrasing, place) for each of the month's orders, in signing order."""
    topics: dict[int, tuple[str, str, str | None]] = {}
    for repeat in planted(month):
        phrasings = _with_place(ISSUES[repeat.category][repeat.issue][2])
        for o in _repeat_orders(rng, orders, repeat, set(topics)):
            topics[id(o)] = (repeat.issue, _pick(rng, phrasings), repeat.place)
    for trend in (RISING, SEASONAL):
        pool = [o for o in orders if id(o) not in topics and o["category"] in trend.categories]
        count = trend.count(month, len(orders))
        kinds, phrasings = TOPICS[trend.issue]
        for i in sorted(rng.choice(len(pool), count, replace=False)):
            phrasing = _pick(rng, phrasings)
            topics[id(pool[i])] = (trend.issue, phrasing, _pick(rng, places.choices(_kinds(kinds, phrasing), pool[i]["category"])))
    rest: dict[str, list[dict]] = {}
    for o in orders:
        if id(o) not in topics:
            rest.setdefault(o["category"], []).append(o)
    for category, members in rest.items():
        issues = ISSUES[category]
        names = list(issues)
        drawn = np.repeat(np.arange(len(names)), _quotas([issues[n][0] for n in names], len(members)))
        for o, i in zip(members, rng.permutation(drawn)):
            _, kinds, phrasings = issues[names[i]]
            phrasing = _pick(rng, phrasings)
            place = _pick(rng, places.choices(_kinds(kinds, phrasing), category)) if "{place}" in phrasing else None
            topics[id(o)] = (names[i], phrasing, place)
    return [(o, *topics[id(o)]) for o in orders]


def write_texts(orders: list[dict], seed: int, places: dict[str, list[str]]) -> None:
    """Set every order's ``content`` and ``topic`` ((sub-issue, place or None): for the tests), month by
    month in signing order; nothing else."""
    rng = np.random.default_rng((seed, TEXT_STREAM))
    by_month: dict[str, list[dict]] = {m: [] for m in MONTHS}
    for o in orders:
        by_month[o["sign_month"]].append(o)
    for month in MONTHS:
        month_orders = sorted(by_month[month], key=lambda o: o["signed_at"])
        reserved = {(r.category, r.place) for r in planted(month)}
        for order, issue, phrasing, place in plan_month(rng, month, month_orders, _Places(places, reserved)):
            order["content"] = compose(rng, order, phrasing, place)
            order["topic"] = (issue, place)
