"""Sample data: a realistic, deterministic order-level export of 芙蓉区 from 2020-01 to 2021-06.

Built so that December 2020 reproduces the published bulletin to the digit (every appendix cell,
every district figure), while other months vary plausibly. All citizens' text and phone numbers are
synthetic and marked as such. ``generate_sample`` is the entry point; the files are written by
``sample_exports``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from hotline_lib.core.config import SAMPLE_REFERENCE_DIR
from hotline_lib.sample.plan import MONTHS, REFERENCE_MONTH, plan_months
from hotline_lib.scoring.unit_table import SATISFIED, SIGNED, VISITED
from hotline_lib.io.validation import TIMEZONE
from hotline_lib.sample.vocabulary import (HOUR, DAY, SIGN_WINDOW, RETURN_WINDOW, COMPLETE_WINDOW, month_bounds)

@dataclass
class Sample:
    orders: pd.DataFrame
    assignments: pd.DataFrame
    #: per order_id, the sub-issue and the place its words were written about (sample/texts.py): what
    #: the tests of the planted topics compare with; no export holds it
    topics: pd.DataFrame


def _time(rng, month: str, first_day: int, last_day: int, last_hour: int = 20) -> int:
    """A random working-hours time between two days of a month (China Standard Time)."""
    start, _ = month_bounds(month)
    day = int(rng.integers(first_day, last_day + 1))
    return start + (day - 1) * DAY + int(rng.integers(8 * HOUR, last_hour * HOUR))


def _minutes(rng, low: float, high: float) -> int:
    return int(rng.integers(int(low * 60), int(high * 60) + 1))


def _next(month: str) -> str | None:
    i = MONTHS.index(month)
    return MONTHS[i + 1] if i + 1 < len(MONTHS) else None


def _days_in(month: str) -> int:
    start, end = month_bounds(month)
    return (end - start) // DAY


def _new_row(unit: str, sign_month: str, kind: str) -> dict:
    return {"unit": unit, "sign_month": sign_month, "kind": kind, "complete_month": None, "visit_month": None,
            "late_sign": False, "late_complete": False, "extended": False, "extension_rejected": False,
            "redo": 0, "repeat": False, "result": None, "returned_late": False, "return_rejected": False}


def build_assignment_plan(rng, plans: dict[str, pd.DataFrame]) -> list[dict]:
    """One dict per assignment with its months and flags (no times yet), following the plan exactly."""
    rows: list[dict] = []
    carried: dict[str, list[dict]] = {}      # unit -> last month's rows completed this month
    visit_later: dict[str, list[dict]] = {}  # unit -> last month's completions visited this month
    for month in MONTHS:
        plan, following = plans[month], _next(month)
        for unit, p in plan.iterrows():
            signed = [_new_row(unit, month, "main") for _ in range(int(p[SIGNED]))]
            rng.shuffle(signed)
            now = signed[: len(signed) - int(p["carry_out"])]
            for row in now:
                row["complete_month"] = month
            for row in signed[len(now):]:
                row["complete_month"] = following
                row["carry"] = True
            pool = now + carried.get(unit, [])
            assert len(pool) == int(p["办结工单（含上月流转工单）"]), (month, unit)
            order = rng.permutation(len(pool))
            pool = [pool[i] for i in order]
            out, now_visits = int(p["visits_out"]), int(p["visited_now"])
            for row in pool[:out]:
                row["visit_month"] = following
            for row in pool[out:out + now_visits]:
                row["visit_month"] = month
            visited = pool[out:out + now_visits] + visit_later.get(unit, [])
            assert len(visited) == int(p[VISITED]), (month, unit)
            satisfied = int(p[SATISFIED])
            for i, row in enumerate(rng.permutation(len(visited))):
                visited[row]["result"] = ("满意" if rng.random() < 0.9 else "基本满意") if i < satisfied else "不满意"
            for flag, count in [("late_complete", "未按时办结数"), ("extended", "extended")]:
                for i in rng.choice(len(pool), int(p[count]), replace=False):
                    pool[i][flag] = True
            extended = [row for row in pool if row["extended"]]
            for i in rng.choice(len(extended), int(p["延期驳回数"]), replace=False):
                extended[i]["extension_rejected"] = True
            for i in rng.choice(len(pool), int(p["发回重办数"]), replace=False):
                pool[i]["redo"] = 1
            late = int(p["未按时签收数"])
            for i in rng.choice(len(signed), min(late, len(signed)), replace=False):
                signed[i]["late_sign"] = True
            unsigned = [_new_row(unit, month, "unsigned") for _ in range(max(late - len(signed), 0))]
            for i in rng.choice(len(signed), int(p["repeat"]), replace=False):
                signed[i]["repeat"] = True
            returned = [_new_row(unit, month, "returned") for _ in range(int(p["未及时退回数"]) + int(p["退单驳回数"]))]
            for i, row in enumerate(returned):
                row["returned_late"] = i < int(p["未及时退回数"])
                row["return_rejected"] = not row["returned_late"]
            ordinary = [_new_row(unit, month, "returned") for _ in range(int(rng.poisson(0.05 * np.sqrt(p[SIGNED] + 1))))]
            carried[unit] = signed[len(now):]
            visit_later[unit] = pool[:out]
            rows.extend(signed + unsigned + returned + ordinary)
    return rows


def add_times(rng, rows: list[dict]) -> None:
    """Times for every assignment, consistent with its months and flags (see docs/sample.md)."""
    for row in rows:
        month = row["sign_month"]
        last = _days_in(month)
        if row["kind"] == "returned":
            row["dispatched_at"] = _time(rng, month, 1, 24)
            row["sign_due"] = row["dispatched_at"] + SIGN_WINDOW
            row["return_due"] = row["dispatched_at"] + RETURN_WINDOW
            row["returned_at"] = (row["return_due"] + _minutes(rng, 1, 600) if row["returned_late"]
                                  else row["dispatched_at"] + _minutes(rng, 10, 23 * 60))
            continue
        carry = row.get("carry", False)
        # dispatched on the month's last two days before 14:00, so that even a late signing stays in it
        row["dispatched_at"] = _time(rng, month, last - 1, last, last_hour=14) if carry else _time(rng, month, 1, 18)
        row["sign_due"] = row["dispatched_at"] + SIGN_WINDOW
        if row["kind"] == "unsigned":
            continue
        if row["late_sign"]:
            row["unit_signed_at"] = row["sign_due"] + _minutes(rng, 1, 480)
        elif rng.random() < 0.01:
            row["unit_signed_at"] = row["sign_due"]          # exactly at the deadline: on time
        else:
            row["unit_signed_at"] = row["dispatched_at"] + _minutes(rng, 3, 110)
        if row["complete_month"] is None:
            continue
        approved = row["extended"] and not row["extension_rejected"]
        extra = int(rng.integers(1, 4)) * DAY if approved else 0
        row["complete_due"] = row["unit_signed_at"] + COMPLETE_WINDOW + extra
        if row["late_complete"]:
            completed = row["complete_due"] + _minutes(rng, 60, 20 * 60)
        elif carry:
            completed = month_bounds(row["complete_month"])[0] + _minutes(rng, 120, 36 * 60)
        elif approved:
            completed = row["unit_signed_at"] + COMPLETE_WINDOW + _minutes(rng, 1, extra / 60 - 1)
        else:
            completed = row["unit_signed_at"] + _minutes(rng, 120, 4 * 24 * 60)
        row["unit_completed_at"] = completed
        if row["visit_month"] == row["complete_month"]:
            row["unit_visited_at"] = completed + _minutes(rng, 60, 20 * 60)
        elif row["visit_month"] is not None:
            row["unit_visited_at"] = month_bounds(row["visit_month"])[0] + _minutes(rng, 4 * 60, 4 * 24 * 60)


def _pairs(rng, candidates: list[dict], count: int) -> list[tuple[dict, dict]]:
    """Up to ``count`` pairs of assignments from two different units (co-handled orders)."""
    by_unit: dict[str, list[dict]] = {}
    for row in candidates:
        by_unit.setdefault(row["unit"], []).append(row)
    for rows in by_unit.values():
        rng.shuffle(rows)
    pairs = []
    while len(pairs) < count:
        units = sorted((u for u in by_unit if by_unit[u]), key=lambda u: -len(by_unit[u]))
        if len(units) < 2:
            raise AssertionError("not enough assignments to co-handle")
        first = units[0]
        second = units[1 + int(rng.integers(0, min(len(units) - 1, 6)))]
        pairs.append((by_unit[first].pop(), by_unit[second].pop()))
    return pairs


def build_orders(rng, rows: list[dict], co_handled: dict[str, tuple[int, int]]) -> list[dict]:
    """Orders from assignments: one per main assignment, one per co-handled pair; returned and
    never-signed assignments join another unit's order of the same month."""
    orders: list[dict] = []
    by_month: dict[str, list[dict]] = {m: [] for m in MONTHS}
    for row in rows:
        by_month[row["sign_month"]].append(row)
    for month in MONTHS:
        main = [r for r in by_month[month] if r["kind"] == "main"]
        same = [r for r in main if not r.get("carry")]
        visited_now = [r for r in same if r["visit_month"] == month]
        not_now = [r for r in same if r["visit_month"] is None]
        n_visited, n_unvisited = co_handled.get(month, (len(same) // 60, len(same) // 90))
        paired = _pairs(rng, visited_now, n_visited) + _pairs(rng, not_now, n_unvisited)
        in_pair = {id(r) for pair in paired for r in pair}
        groups = [[r] for r in main if id(r) not in in_pair] + [list(p) for p in paired]
        month_orders = [{"sign_month": month, "rows": g} for g in groups]
        others = [r for r in by_month[month] if r["kind"] != "main"]
        for row in others:
            while True:
                host = month_orders[int(rng.integers(len(month_orders)))]
                if all(r["unit"] != row["unit"] for r in host["rows"]):
                    host.setdefault("extra", []).append(row)
                    break
        orders.extend(month_orders)
    return orders


def order_times(rng, order: dict) -> None:
    """An order's own times follow its assignments: signed just before the first dispatch,
    closed when the last unit closed it, visited when the last unit was visited."""
    every = order["rows"] + order.get("extra", [])
    order["signed_at"] = min(r["dispatched_at"] for r in every) - _minutes(rng, 1, 30)
    order["received_at"] = order["signed_at"] - _minutes(rng, 5, 120)
    done = [r.get("unit_completed_at") for r in order["rows"]]
    order["completed_at"] = max(done) if all(d is not None for d in done) else None
    seen = [r.get("unit_visited_at") for r in order["rows"]]
    order["visited_at"] = max(seen) if all(s is not None for s in seen) else None
    results = [r["result"] for r in order["rows"] if r["result"]]
    order["visit_result"] = (next((x for x in ["不满意", "基本满意", "满意"] if x in results), None)
                             if order["visited_at"] is not None else None)


def direct_orders(rng, month: str, signed: int, completed: int, visited: int) -> list[dict]:
    """Orders no member unit handled (answered directly, or sent back to the city)."""
    if not 0 <= visited <= completed <= signed:
        raise AssertionError(f"{month}: direct orders cannot be {signed} signed, {completed} closed, {visited} visited")
    orders = []
    for i in range(signed):
        order = {"sign_month": month, "rows": [], "signed_at": _time(rng, month, 1, 24)}
        order["received_at"] = order["signed_at"] - _minutes(rng, 5, 120)
        order["completed_at"] = order["signed_at"] + _minutes(rng, 60, 48 * 60) if i < completed else None
        order["visited_at"] = order["completed_at"] + _minutes(rng, 60, 20 * 60) if i < visited else None
        order["visit_result"] = ("满意" if rng.random() < 0.97 else "不满意") if i < visited else None
        orders.append(order)
    return orders


def _counts_in(orders: list[dict], key: str, month: str) -> int:
    start, end = month_bounds(month)
    return sum(1 for o in orders if o.get(key) is not None and start <= o[key] < end)


def load_reference(reference_dir: Path) -> tuple[pd.DataFrame, dict]:
    appendix = pd.read_csv(reference_dir / "appendix_2020-12.csv", dtype=str, keep_default_na=False)
    figures = json.loads((reference_dir / "figures_2020-12.json").read_text(encoding="utf-8"))
    return appendix, figures


def build_sample(seed: int = 20201231, reference_dir: Path | None = None, places: Path | None = None) -> Sample:
    """Every order and assignment of the sample, as typed frames (what an export would hold).
    ``places``: the district's place list the citizens' words name (default: data/places.txt)."""
    from hotline_lib.sample.attributes import assign_attributes
    from hotline_lib.sample.texts import load_places, places_file, write_texts

    rng = np.random.default_rng(seed)
    appendix, figures = load_reference(reference_dir or SAMPLE_REFERENCE_DIR)
    plans = plan_months(rng, appendix)
    rows = build_assignment_plan(rng, plans)
    add_times(rng, rows)
    # December: co-handled orders both visited in December, and co-handled but not visited then.
    orders = build_orders(rng, rows, {REFERENCE_MONTH: (45, 60)})
    for order in orders:
        order_times(rng, order)
    overview = figures["overview"]
    targets = {REFERENCE_MONTH: (overview["orders_signed"], overview["orders_completed_incl_carried_over"],
                                 overview["orders_visited"])}
    for month in MONTHS:
        if month in targets:
            s, c, v = (t - _counts_in(orders, key, month) for t, key in zip(targets[month], ["signed_at", "completed_at", "visited_at"]))
        else:
            s = int(rng.poisson(0.03 * sum(1 for o in orders if o["sign_month"] == month)))
            c = int(rng.binomial(s, 0.2))
            v = int(rng.binomial(c, 0.8))
        orders.extend(direct_orders(rng, month, s, c, v))
    assign_attributes(rng, orders, figures)
    write_texts(orders, seed, load_places(places or places_file()))   # their own random stream
    return Sample(*_frames(orders))


def _frames(orders: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Typed frames with order ids (text with a leading zero) in signing order."""
    orders.sort(key=lambda o: o["signed_at"])
    counters: dict[str, int] = {}
    order_rows, assignment_rows, topic_rows = [], [], []
    for order in orders:
        month = order["sign_month"]
        counters[month] = counters.get(month, 0) + 1
        order_id = f"0{month[2:4]}{month[5:]}{counters[month]:05d}"
        order_rows.append({"order_id": order_id, **{k: order.get(k) for k in [
            "received_at", "signed_at", "channel", "appeal_type", "category", "epidemic", "business_env", "content",
            "caller_phone", "completed_at", "visited_at", "visit_result"]}})
        topic_rows.append((order_id, *order["topic"]))
        for row in order["rows"] + order.get("extra", []):
            assignment_rows.append({
                "order_id": order_id, "unit": row["unit"], "dispatched_at": row["dispatched_at"], "sign_due": row["sign_due"],
                "unit_signed_at": row.get("unit_signed_at"), "returned_at": row.get("returned_at"),
                "return_due": row.get("return_due"), "return_rejected": row["return_rejected"] if row["kind"] == "returned" else None,
                "complete_due": row.get("complete_due"), "unit_completed_at": row.get("unit_completed_at"),
                "extension_requested": row["extended"], "extension_rejected": row["extension_rejected"],
                "redo_count": row["redo"], "unit_visited_at": row.get("unit_visited_at"),
                "unit_visit_result": row["result"] if row.get("unit_visited_at") is not None else None,
                "repeat_assigned": row["repeat"],
            })
    orders_frame = pd.DataFrame(order_rows)
    assignments = pd.DataFrame(assignment_rows)
    for frame in (orders_frame, assignments):
        for column in frame.columns:
            if column.endswith(("_at", "_due")):
                seconds = pd.to_numeric(frame[column], errors="coerce")
                frame[column] = pd.to_datetime(seconds, unit="s", utc=True).dt.tz_convert(TIMEZONE)
    return orders_frame, assignments, pd.DataFrame(topic_rows, columns=["order_id", "issue", "place"])
