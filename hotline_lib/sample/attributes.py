"""What each sample order is about: channel, category, appeal type, epidemic and business-environment
tags and the caller's (synthetic) number. December 2020 is drawn to the published counts exactly."""

from __future__ import annotations

import numpy as np

from hotline_lib.sample.vocabulary import (month_bounds, AFFINITY, APPEAL_WEIGHTS, CHANNELS_OTHER, EPIDEMIC_CATEGORIES, EPIDEMIC_OPEN, EPIDEMIC_SHARE,
                     OTHER_CATEGORIES, TOP_CATEGORIES, handling_units)
from hotline_lib.sample.plan import MONTHS, REFERENCE_MONTH

# The words were once one template naming one of 8 roads, drawn from the main random stream. The draw
# stays (and with it every other value of the sample); the words now come from sample/texts.py.
OLD_TEMPLATE_PLACES = 8


def _unit(order: dict) -> str | None:
    return order["rows"][0]["unit"] if order["rows"] else None


def _in_month(order: dict, key: str, month: str) -> bool:
    start, end = month_bounds(month)
    return order.get(key) is not None and start <= order[key] < end


def _category_counts(rng, total: int, month: str) -> dict[str, int]:
    """Category sizes for a month: December's published top six exactly, the rest below them."""
    if month == REFERENCE_MONTH:
        top = {"消费维权": 1143, "养老保险": 283, "建筑施工噪音": 166, "社区工作": 157, "停车管理": 134, "物业服务": 120}
        rest = total - sum(top.values())
        shares = rng.dirichlet(np.full(len(OTHER_CATEGORIES), 4.0))
        counts = np.minimum(np.floor(shares * rest).astype(int), 110)
        i = 0
        while counts.sum() < rest:  # hand out what flooring and the cap left over, never above 110
            if counts[i % len(counts)] < 110:
                counts[i % len(counts)] += 1
            i += 1
        return {**top, **dict(zip(OTHER_CATEGORIES, counts.tolist()))}
    weights = np.array([0.30, 0.08, 0.045, 0.04, 0.035, 0.03] + [0.47 / len(OTHER_CATEGORIES)] * len(OTHER_CATEGORIES))
    drawn = rng.multinomial(total, weights / weights.sum())
    return dict(zip(TOP_CATEGORIES + OTHER_CATEGORIES, drawn.tolist()))


def _assign_categories(rng, orders: list[dict], counts: dict[str, int]) -> None:
    """Give categories with those sizes, preferring the units that handle each kind of problem."""
    free = list(rng.permutation(len(orders)))
    for category, count in sorted(counts.items(), key=lambda kv: -kv[1]):
        preferred = set(AFFINITY.get(category, []))
        chosen = [i for i in free if _unit(orders[i]) in preferred][: int(count * 0.85)]
        taken = set(chosen)
        rest = [i for i in free if i not in taken][: count - len(chosen)]
        for i in chosen + rest:
            orders[i]["category"] = category
        used = taken | set(rest)
        free = [i for i in free if i not in used]
    assert not free, "every order gets a category"


def _pick_in_sequence(rng, candidates: dict[str, list[dict]], sequence: list[tuple[str, int]]) -> list[dict]:
    """Orders for each (unit, count), the units first appearing (by signing time) in ``sequence`` order."""
    picked, after = [], None
    for unit, count in sequence:
        pool = sorted((o for o in candidates[unit] if after is None or o["signed_at"] > after), key=lambda o: o["signed_at"])
        if len(pool) < count:
            raise AssertionError(f"not enough orders of {unit} for the business-environment list")
        first = pool[0]
        others = [pool[i] for i in rng.choice(np.arange(1, len(pool)), count - 1, replace=False)] if count > 1 else []
        picked.extend([first, *others])
        after = first["signed_at"]
        for order in [first, *others]:
            candidates[unit].remove(order)
    return picked


def _reference_month(rng, month_orders: list[dict], figures: dict) -> None:
    """December 2020: channels, business environment and epidemic orders exactly as published."""
    order = sorted(month_orders, key=lambda o: o["signed_at"])
    for o in order:
        o.update(channel="12345热线", epidemic=False, business_env=False, appeal_type=None)
    chosen = [order[i] for i in sorted(rng.choice(len(order), 79, replace=False))]
    for o, channel in zip(chosen, ["市长信箱"] * 40 + ["我的长沙"] * 34):
        o["channel"] = channel
    rest = sorted(chosen[74:], key=lambda o: o["signed_at"])
    for o, channel in zip(rest, ["联动警情", "好差评", "联动警情", "好差评", "人民网"]):
        o["channel"] = channel

    single = [o for o in month_orders if len(handling_units(o)) == 1]
    candidates = {}
    for o in single:
        candidates.setdefault(_unit(o), []).append(o)
    business = figures["business_environment"]
    for key, appeal in [("complaints", "投诉"), ("praise", "表扬")]:
        for o in _pick_in_sequence(rng, candidates, list(business[key]["by_unit"].items())):
            o.update(business_env=True, appeal_type=appeal, category="行政效能" if appeal == "投诉" else o["category"])
    # The month's category sizes are fixed: a complaint moved to 行政效能 gives its old category back.
    _rebalance_categories(month_orders, figures)

    epidemic = figures["epidemic"]
    free = [o for o in month_orders if not o["business_env"]]
    unhappy = next(o for o in free if o["category"] == "消费维权" and o["visit_result"] == "不满意"
                   and _in_month(o, "completed_at", REFERENCE_MONTH))
    picked = [unhappy]
    for category, count in EPIDEMIC_CATEGORIES.items():
        pool = [o for o in free if o["category"] == category and o is not unhappy and o["visit_result"] != "不满意"]
        open_ = [o for o in pool if not _in_month(o, "completed_at", REFERENCE_MONTH)]
        closed = [o for o in pool if _in_month(o, "completed_at", REFERENCE_MONTH)]
        n_open = EPIDEMIC_OPEN.get(category, 0)
        n_closed = count - n_open - (1 if category == unhappy["category"] else 0)
        picked += [open_[i] for i in rng.choice(len(open_), n_open, replace=False)]
        picked += [closed[i] for i in rng.choice(len(closed), n_closed, replace=False)]
    types = [t for t, n in epidemic["by_appeal_type"].items() for _ in range(n)]
    for o, appeal in zip(picked, rng.permutation(types)):
        o.update(epidemic=True, appeal_type=str(appeal))


def _rebalance_categories(month_orders: list[dict], figures: dict) -> None:
    moved = [o for o in month_orders if o["business_env"] and o["appeal_type"] == "投诉"]
    for o in moved:
        old = o.pop("_old_category", None)
        if old and old != "行政效能":
            giver = next(x for x in month_orders if x["category"] == "行政效能" and not x["business_env"])
            giver["category"] = old


def assign_attributes(rng, orders: list[dict], figures: dict) -> None:
    """Channel, category, appeal type, tags and caller's number for every order (the words: sample/texts.py)."""
    for month in MONTHS:
        month_orders = [o for o in orders if o["sign_month"] == month]
        counts = _category_counts(rng, len(month_orders), month)
        _assign_categories(rng, month_orders, counts)
        if month == REFERENCE_MONTH:
            for o in month_orders:
                o["_old_category"] = o["category"]
            _reference_month(rng, month_orders, figures)
        else:
            share = EPIDEMIC_SHARE.get(month, 0.015)
            for o in month_orders:
                o["channel"] = "12345热线" if rng.random() > 0.025 else CHANNELS_OTHER[int(rng.integers(5))]
                o["epidemic"] = bool(rng.random() < share)
                o["business_env"] = bool(rng.random() < 0.005)
                o["appeal_type"] = None
        for o in month_orders:
            o.pop("_old_category", None)
            if o["appeal_type"] is None:
                o["appeal_type"] = str(rng.choice(list(APPEAL_WEIGHTS), p=list(APPEAL_WEIGHTS.values())))
            rng.integers(OLD_TEMPLATE_PLACES)   # the old template's draw (see OLD_TEMPLATE_PLACES)
            o["caller_phone"] = f"1990000{int(rng.integers(0, 10000)):04d}"
