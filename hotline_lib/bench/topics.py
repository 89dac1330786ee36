"""`make bench`'s 热点诉求 figures: a warm sample month (its tokens cached) and a million orders of
generated citizens' words segmented cold, with the peak memory of the processes that did it.

    python -m hotline_lib.bench topics-month-job            # prints {"seconds": …}
    python -m hotline_lib.bench topics-1m-job WORK [ROWS]   # prints {"seconds", "peak_gb", "distinct", "rows"}
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

MONTH = "2020-12"
TARGETS = {"topics_month_s": ("<", 0.3), "topics_1m_s": ("<", 300.0), "topics_1m_peak_gb": ("<", 4.0)}
#: Orders per generated export file: the million is segmented file by file, one process per core.
PART = 50_000
DAY_PARTS = ("上午", "中午", "下午", "傍晚", "晚上", "凌晨", "早上", "深夜")


def topics_month_job(runs: int = 3) -> None:
    """The sample month's 热点诉求 from its loaded exports, the tokens in the cache (one run first fills
    it): median seconds of ``runs``, as a render pays them after load_month."""
    from hotline_lib.analysis.topics_month import load_topics
    from hotline_lib.core.config import SOURCE_ROOT, sample_dir
    from hotline_lib.io.exports import input_folders, load_exports
    from hotline_lib.io.workspace import Workspace

    workspace = Workspace.open(SOURCE_ROOT, data=sample_dir())
    exports = load_exports(workspace.data, workspace.units, workspace.cache, input_folders(workspace.settings),
                           platform=workspace.platform)
    load_topics(MONTH, workspace, exports)
    times, cpu = [], []
    for _ in range(runs):
        started, used = time.perf_counter(), time.process_time()
        load_topics(MONTH, workspace, exports)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    print(json.dumps({"seconds": round(statistics.median(times), 3), "cpu_seconds": round(statistics.median(cpu), 3)}))


def generated_orders(rows: int, seed: int = 11) -> pd.DataFrame:
    """``rows`` orders of two months with the sample's kind of words (sample/phrases.py, the places of
    data/places.txt, names, phones and numbers filled at random): _file (a part of PART orders), _sheet,
    _row, order_id, signed_at, received_at, category, content."""
    from hotline_lib.sample.phrases import ISSUES
    from hotline_lib.sample.texts import compose, load_places, places_file
    from hotline_lib.sample.topics_plan import FICTION_MARK

    rng = np.random.default_rng(seed)
    places = load_places(places_file())
    every_place = [p for names in places.values() for p in names]
    categories = list(ISSUES)
    appeals = ("投诉", "求助", "咨询", "建议")
    start = pd.Timestamp("2020-11-01", tz="Asia/Shanghai").value // 10 ** 9
    seconds = np.sort(rng.integers(0, 61 * 86400, rows)) + start
    texts, chosen = [], []
    for i in range(rows):
        category = categories[int(rng.integers(len(categories)))]
        issues = ISSUES[category]
        name = list(issues)[int(rng.integers(len(issues)))]
        _, kinds, phrasings = issues[name]
        phrasing = phrasings[int(rng.integers(len(phrasings)))]
        pool = [p for kind in kinds for p in places.get(kind, [])] or every_place
        place = pool[int(rng.integers(len(pool)))]
        order = {"category": category, "appeal_type": appeals[int(rng.integers(len(appeals)))]}
        text = compose(rng, order, phrasing, place)
        when = pd.Timestamp(int(seconds[i]), unit="s", tz="Asia/Shanghai")
        said = f"{when.month}月{when.day}日{DAY_PARTS[int(rng.integers(len(DAY_PARTS)))]}，"   # as callers date their words
        texts.append(text[:len(FICTION_MARK)] + said + text[len(FICTION_MARK):])
        chosen.append(category)
    signed = pd.to_datetime(seconds, unit="s", utc=True).tz_convert("Asia/Shanghai")
    return pd.DataFrame({"_file": [f"exports/part-{i // PART:03d}.csv" for i in range(rows)], "_sheet": "",
                         "_row": np.arange(rows) % PART + 2, "order_id": [f"G{i:09d}" for i in range(rows)],
                         "signed_at": signed, "received_at": signed, "category": chosen, "content": texts})


class PeakMemory:
    """The largest total memory of this process and its children (the segmenting workers), sampled
    every ``interval`` seconds in a thread: proportional set sizes (PSS), so that the pages a forked
    worker shares with its parent count once, not once per process."""

    def __init__(self, interval: float = 0.5):
        import threading

        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> int:
        import psutil

        me = psutil.Process()
        total = 0
        for process in [me, *me.children(recursive=True)]:
            try:
                total += getattr(process.memory_full_info(), "pss", 0) or process.memory_info().rss
            except (psutil.Error, OSError):
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._total())

    @property
    def gb(self) -> float:
        return round(self.peak / 1024 ** 3, 2)


def topics_1m_job(work: Path, rows: int = 1_000_000) -> None:
    """Generate ``rows`` orders (not timed), then segment them cold (an empty cache: the parts in
    processes, one per core) and find the last month's 热点诉求; prints seconds, the peak GB of this
    process and its workers together (``PeakMemory``) and the share of distinct texts."""
    from hotline_lib.analysis.topics import month_topics
    from hotline_lib.core.config import SOURCE_ROOT
    from hotline_lib.io.directory import HotTopics
    from hotline_lib.io.segment import load_lexicon, order_tokens
    from hotline_lib.io.workspace import Workspace

    orders = generated_orders(rows)
    distinct = orders["content"].nunique() / len(orders)
    data, cache = work / "data", work / "cache"
    (data / "exports").mkdir(parents=True, exist_ok=True)
    for name in orders["_file"].unique():   # each part stands for an export file (its tokens are kept per file)
        (data / name).write_text(name, encoding="utf-8")
    workspace = Workspace.open(SOURCE_ROOT, data=data)
    lexicon = load_lexicon(workspace)
    handled = pd.DataFrame({"order_id": orders["order_id"], "unit": "某单位"})
    with PeakMemory() as memory:
        started = time.perf_counter()
        tokens = order_tokens(orders, data, cache, lexicon)
        month_topics(tokens, handled, pd.Series(dtype="int64"), MONTH, HotTopics(), lexicon.stopwords)
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": round(seconds, 1), "peak_gb": memory.gb, "distinct": round(distinct, 4), "rows": rows,
                      "workers": min(os.cpu_count() or 1, orders["_file"].nunique())}))


def measure_topics(runs: int, work: Path, job) -> dict:
    """The three figures: topics_month_s (median of ``runs`` in one process), topics_1m_s and
    topics_1m_peak_gb (one cold run: segmenting a million orders twice would take minutes more)."""
    month = job(["topics-month-job", str(runs)])
    million = job(["topics-1m-job", str(work / "topics-1m")])
    return {"topics_month_s": month["seconds"], "topics_month_cpu_s": month["cpu_seconds"], "topics_1m_s": million["seconds"],
            "topics_1m_peak_gb": million["peak_gb"], "topics_1m_distinct": million["distinct"]}


def main(argv: list[str]) -> bool:
    """Run a job of this module named by ``argv``; False when ``argv`` names none."""
    if argv and argv[0] == "topics-month-job":
        topics_month_job(int(argv[1]) if len(argv) > 1 else 3)
        return True
    if argv and argv[0] == "topics-1m-job":
        topics_1m_job(Path(argv[1]), int(argv[2]) if len(argv) > 2 else 1_000_000)
        return True
    return False


if __name__ == "__main__":
    main(sys.argv[1:])
