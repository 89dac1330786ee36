"""`make bench`: every speed figure measured in one run on this machine, medians of 3 runs, written to
outputs/bench.json and printed as a table. Ratios compare figures of the same run, never a constant.

    python -m hotline_lib.bench [--runs 3] [--rows 10000000] [--quick]

Jobs that need a fresh process (the floor, the 10M figures with their peak memory) run as
``python -m hotline_lib.bench JOB ...`` subprocesses.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from hotline_lib.bench import topics as topics_bench
from hotline_lib.core.config import SOURCE_ROOT, outputs_dir, sample_dir
from hotline_lib.core.utils import write_text_atomic

MONTH = "2020-12"
TARGETS = {"ratio_month_warm": ("<=", 1.5), "ratio_month_cold": ("<=", 2.5), "ratio_year": ("<=", 4.0),
           "ratio_month_all_formats_warm": ("<=", 2.0),
           "figures_10m_s": ("<", 10.0), "figures_10m_peak_gb": ("<", 4.0),
           "load_month_10m_s": ("<", 10.0), "load_month_10m_peak_gb": ("<", 4.0),
           "ratio_xlsx_engine": (">=", 5.0), "ratio_xlsx_cached": (">=", 50.0), **topics_bench.TARGETS}
HOTLINE = [sys.executable, "-m", "hotline_lib.cli"]


def _timed(command: list[str], env: dict | None = None) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


# Jobs run in their own process -----------------------------------------------------------------

def floor_job(work: Path) -> None:
    """The least a notebook report costs: one kernel, pandas and seaborn imported, one trivial cell
    executed with papermill, one notebook rendered with nbconvert (nothing of ours imported)."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell("import pandas, seaborn\n1 + 1")]
    path = work / "floor.ipynb"
    nbformat.write(notebook, path)
    executed = papermill.execute_notebook(str(path), str(path), kernel_name="python3", progress_bar=False, cwd=str(work))
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(executed)
    (work / "floor.html").write_text(body, encoding="utf-8")


def figures_job(parts: Path, count: int, engine: str) -> None:
    """Unit and district figures of one month from the first ``count`` parts; prints seconds and peak GB."""
    from hotline_lib.io.directory import load_settings, load_units
    from hotline_lib.figures.month import figures_from_parquet

    started = time.perf_counter()
    orders = sorted(parts.glob("orders-*.parquet"))[:count]
    assignments = sorted(parts.glob("assignments-*.parquet"))[:count]
    units, settings = load_units(), load_settings()
    if engine == "duckdb":
        figures_from_parquet(orders, assignments, "2020-06", units, settings, engine)
    else:
        import pandas as pd

        from hotline_lib.figures.counts import district_from, month_aggregates, unit_counts, unit_table

        o = pd.concat([pd.read_parquet(p) for p in orders])
        a = pd.concat([pd.read_parquet(p) for p in assignments])
        unit_table(unit_counts(a, "2020-06"), units)
        district_from(month_aggregates(o, a, "2020-06", settings), "2020-06", settings)
    seconds = time.perf_counter() - started
    peak_gb = _peak_gb()
    print(json.dumps({"seconds": seconds, "peak_gb": peak_gb}))


def load_month_job(data: Path, out: Path) -> None:
    """The month loader as `hotline report` runs it (its first cell: ``load_month`` with an output
    folder, so rejects.csv, accounting.json and the 扣分明细 workbooks are written, which read every
    assignment of the month) on a cached dataset; prints seconds and peak GB. HOTLINE_CACHE names the
    cache that holds the dataset."""
    from hotline_lib.analysis.bulletin import load_month

    started = time.perf_counter()
    load_month("2020-06", data, output_dir=out)
    print(json.dumps({"seconds": time.perf_counter() - started, "peak_gb": _peak_gb()}))


#: The steps of a warm month measured one by one for bench.json's "breakdown" (seconds, in one
#: process, on the sample's MONTH): each a function of (workspace, output folder). A new step of the
#: render (a rules engine, another section) adds its line here, so its cost is seen apart.
BREAKDOWN_STEPS: dict = {}


def breakdown_step(name: str):
    def register(step):
        BREAKDOWN_STEPS[name] = step
        return step
    return register


@breakdown_step("load_month_s")
def _load_month_step(workspace, out: Path) -> None:
    from hotline_lib.analysis.bulletin import load_month

    load_month(MONTH, workspace)


@breakdown_step("deduction_workbooks_s")
def _workbooks_step(workspace, out: Path) -> None:
    from hotline_lib.analysis.bulletin import load_month
    from hotline_lib.analysis.deductions import workbook_title, write_deduction_workbooks

    month = load_month(MONTH, workspace)   # (cached by the step before)
    write_deduction_workbooks(month.deductions, month.rules, out, title=workbook_title(month.settings.district, MONTH))


@breakdown_step("rules_engine_s")
def _rules_step(workspace, out: Path) -> None:
    """The rules engine ([16]): the month's unit table scored under the working folder's rules."""
    from hotline_lib.analysis.bulletin import load_month
    from hotline_lib.analysis.scheme import score_month

    month = load_month(MONTH, workspace)
    score_month(month.figures.unit_table, month.rules)


@breakdown_step("hot_topics_s")
def _hot_topics_step(workspace, out: Path) -> None:
    """热点诉求 ([17]) from the tokens in the cache, as the kernel of a render finds them."""
    from hotline_lib.analysis.bulletin import load_month

    load_month(MONTH, workspace).topics


@breakdown_step("hot_topics_segmentation_s")
def _segmentation_step(workspace, out: Path) -> None:
    """热点诉求's words of the month segmented into an empty cache (the tokenizer built too, its
    dictionary cached): what a cold render adds for them, on one core."""
    from hotline_lib.analysis.topics_month import months_needed, orders_of
    from hotline_lib.io.exports import input_folders, load_exports
    from hotline_lib.io.segment import load_lexicon, order_tokens

    exports = load_exports(workspace.data, workspace.units, workspace.cache, input_folders(workspace.settings),
                           platform=workspace.platform)
    folder = Path(tempfile.mkdtemp(prefix="tokens-", dir=out.parent))
    if (Path(workspace.cache) / "jieba").is_dir():
        shutil.copytree(Path(workspace.cache) / "jieba", folder / "jieba")
    order_tokens(orders_of(exports.orders, months_needed(MONTH)), workspace.data, folder, load_lexicon(workspace), jobs=1,
                 whole=exports.orders)
    shutil.rmtree(folder, ignore_errors=True)


def breakdown_job(data: Path, out: Path, rounds: int = 2) -> None:
    """Each of BREAKDOWN_STEPS timed once after a first untimed round (imports and caches warm, as
    in a batch kernel; ``rounds=1``: that round alone, as the tests run it); prints {step: seconds}."""
    from hotline_lib.analysis.bulletin import clear_month_cache
    from hotline_lib.io.workspace import Workspace

    workspace = Workspace.open(data=data)
    for _ in range(rounds):
        clear_month_cache()
        seconds = {}
        for name, step in BREAKDOWN_STEPS.items():
            started = time.perf_counter()
            step(workspace, out)
            seconds[name] = round(time.perf_counter() - started, 3)
    print(json.dumps(seconds))


def _peak_gb() -> float:
    """This process's peak resident memory in GB: getrusage where there is one (its unit is KB on
    Linux, bytes on macOS), psutil's peak working set on Windows (no ``resource`` module there)."""
    try:
        import resource
    except ImportError:  # Windows
        import psutil

        return psutil.Process().memory_info().peak_wset / 1024 ** 3
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 ** 3 if sys.platform == "darwin" else peak / 1024 ** 2


# Measurements ----------------------------------------------------------------------------------

def measure_floor(runs: int, work: Path) -> float:
    return _median([_timed([sys.executable, "-m", "hotline_lib.bench", "floor-job", str(work)]) for _ in range(runs)])


def measure_month(runs: int, data: Path, work: Path) -> tuple[float, float]:
    """`hotline report 2020-12 --formats html` with an empty cache (cold) and with the cache of a
    previous run (warm)."""
    cold = []
    for i in range(runs):
        cache = work / f"cold-cache-{i}"
        cold.append(_timed([*HOTLINE, "report", MONTH, "--formats", "html", "--data", str(data), "--out", str(work / "cold")],
                           {"HOTLINE_CACHE": str(cache)}))
    warm_env = {"HOTLINE_CACHE": str(work / "cold-cache-0")}
    warm = [_timed([*HOTLINE, "report", MONTH, "--formats", "html", "--data", str(data), "--out", str(work / "warm")], warm_env)
            for _ in range(runs)]
    return _median(cold), _median(warm)


def measure_all_formats(runs: int, data: Path, work: Path) -> tuple[float | None, list[str]]:
    """`hotline report 2020-12` with the shipped formats (settings.yaml), cache warm: (median seconds,
    the formats skipped). A skipped format (no browser for the PDF, say) makes the figure None: a
    month without its PDF is not the month measured."""
    from hotline_lib.io.directory import load_settings

    shipped = list(load_settings().formats)
    env = {"HOTLINE_CACHE": str(work / "cold-cache-0")}
    out = work / "all-formats"
    times = [_timed([*HOTLINE, "report", MONTH, "--data", str(data), "--out", str(out)], env) for _ in range(runs)]
    written = json.loads((out / MONTH / "manifest.json").read_text(encoding="utf-8"))["formats"]
    skipped = [f for f in shipped if f not in written]
    return (None if skipped else _median(times)), skipped


def measure_year(runs: int, data: Path, work: Path) -> tuple[float, list]:
    """12 months, --jobs 2 --formats html, cold (empty cache, nothing to skip): (median seconds, the
    worker kernels' resident MB after each month of the last run, in month order, from render.log)."""
    import re

    times = []
    for i in range(runs):
        times.append(_timed([*HOTLINE, "report", "--from", "2020-01", "--to", "2020-12", "--jobs", "2", "--force",
                             "--formats", "html", "--data", str(data), "--out", str(work / f"year-{i}")],
                            {"HOTLINE_CACHE": str(work / f"year-cache-{i}")}))
    logs = sorted((work / f"year-{runs - 1}").glob("*/render.log"))
    memory = [float(m.group(1)) for log in logs if (m := re.search(r"kernel (\d+) MB", log.read_text(encoding="utf-8")))]
    return _median(times), memory


def measure_figures(runs: int, rows: int, work: Path) -> tuple[dict, dict]:
    """Figures of one month over generated assignments already in Parquet: 1M, 3M and all rows; and
    the notebooks' month loader over all rows, cached as a first run leaves them."""
    from hotline_lib.bench.data import PART, generate_parts, month_dataset

    parts = work / "big"
    order_parts, assignment_parts = generate_parts(rows, parts)
    scaling = {}
    parts_count = -(-rows // PART)
    for count in sorted({c for c in (1, 3, parts_count) if c <= parts_count}):
        results = [_job(["figures-job", str(parts), str(count), "duckdb"]) for _ in range(runs)]
        scaling[str(min(count * PART, rows))] = {"seconds": _median([r["seconds"] for r in results]),
                                                 "peak_gb": _median([r["peak_gb"] for r in results])}
    data, cache = month_dataset(order_parts, assignment_parts, work / "big-month")
    shutil.rmtree(parts, ignore_errors=True)
    loaded = [_job(["load-month-job", str(data), str(work / "big-month" / f"out-{i}")], {"HOTLINE_CACHE": str(cache)})
              for i in range(runs)]
    shutil.rmtree(work / "big-month", ignore_errors=True)
    return scaling, {"seconds": _median([r["seconds"] for r in loaded]), "peak_gb": _median([r["peak_gb"] for r in loaded])}


def measure_breakdown(runs: int, data: Path, work: Path) -> dict:
    """Medians of BREAKDOWN_STEPS over ``runs`` processes, the cache of the month runs warm."""
    env = {"HOTLINE_CACHE": str(work / "cold-cache-0")}
    results = [_job(["breakdown-job", str(data), str(work / f"breakdown-{i}")], env) for i in range(runs)]
    return {name: _median([r[name] for r in results]) for name in results[0]}


def _job(arguments: list[str], env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-m", "hotline_lib.bench", *arguments], capture_output=True, text=True, check=True,
                         env={**os.environ, **(env or {})})
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_xlsx(path: Path, rows: int) -> None:
    """A 派单 export of ``rows`` rows, as the platform writes it."""
    import xlsxwriter

    from hotline_lib.sample.exports import HEADERS

    header = list(HEADERS["assignments"].values())
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("派单")
    sheet.write_row(0, 0, header)
    for r in range(1, rows + 1):
        stamp = f"2021-03-{1 + r % 28:02d} {8 + r % 10:02d}:{r % 60:02d}:00"
        sheet.write_row(r, 0, [f"0{r:010d}", "东湖街道办事处", stamp, stamp, stamp, "", "", "否", stamp, stamp, "否", "否", r % 2,
                               stamp, "满意", "否"])
    workbook.close()


def measure_xlsx(runs: int, work: Path, rows: int = 100_000) -> tuple[float, float, float]:
    import pandas as pd

    from hotline_lib.io.headers import spellings
    from hotline_lib.io.reading import read_sheets

    path = work / "派单_100k.xlsx"
    write_xlsx(path, rows)
    keys = spellings("orders", "order_id")
    openpyxl_times, engine_times, cached_times = [], [], []
    for _ in range(runs):
        started = time.perf_counter()
        pd.read_excel(path, engine="openpyxl", dtype=str)
        openpyxl_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        read_sheets(path, keys)
        engine_times.append(time.perf_counter() - started)
    cache = work / "xlsx-cache"
    read_sheets(path, keys, cache)
    for _ in range(runs):
        started = time.perf_counter()
        read_sheets(path, keys, cache)
        cached_times.append(time.perf_counter() - started)
    return _median(openpyxl_times), _median(engine_times), _median(cached_times)


def machine() -> dict:
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024 ** 3
    packages = {name: metadata.version(name) for name in ["pandas", "duckdb", "papermill", "nbconvert", "nbclient", "ipykernel",
                                                          "seaborn", "python-calamine", "pyarrow", "openpyxl"]}
    return {"cores": os.cpu_count(), "memory_gb": round(memory_gb, 1), "python": platform.python_version(),
            "platform": platform.platform(), "packages": packages}


def run(runs: int, rows: int) -> dict:
    data = sample_dir()
    if not (data / "exports").is_dir():
        subprocess.run([*HOTLINE, "sample"], check=True)
    results: dict = {"runs": runs}
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp:
        work = Path(tmp)
        steps = [("floor", lambda: results.update(floor_s=measure_floor(runs, work))),
                 ("month", lambda: results.update(dict(zip(["month_cold_s", "month_warm_s"], measure_month(runs, data, work))))),
                 ("month, all formats", lambda: results.update(dict(zip(["month_all_formats_warm_s", "formats_skipped"],
                                                                         measure_all_formats(runs, data, work))))),
                 ("year", lambda: results.update(dict(zip(["year_s", "year_kernel_mb"], measure_year(runs, data, work))))),
                 ("breakdown", lambda: results.update(breakdown=measure_breakdown(runs, data, work))),
                 ("figures", lambda: results.update(dict(zip(["figures_scaling", "load_month_10m"], measure_figures(runs, rows, work))))),
                 ("xlsx", lambda: results.update(dict(zip(["xlsx_openpyxl_s", "xlsx_engine_s", "xlsx_cached_s"], measure_xlsx(runs, work))))),
                 ("topics", lambda: results.update(topics_bench.measure_topics(runs, work, _job)))]
        for name, step in steps:
            started = time.perf_counter()
            print(f"bench: {name}…", file=sys.stderr, flush=True)
            step()
            print(f"bench: {name} done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    largest = results["figures_scaling"][max(results["figures_scaling"], key=int)]
    results.update(figures_10m_s=largest["seconds"], figures_10m_peak_gb=largest["peak_gb"], figures_rows=rows,
                   load_month_10m_s=results["load_month_10m"]["seconds"], load_month_10m_peak_gb=results["load_month_10m"]["peak_gb"])
    all_formats = results["month_all_formats_warm_s"]
    results.update(ratio_month_cold=round(results["month_cold_s"] / results["floor_s"], 2),
                   ratio_month_warm=round(results["month_warm_s"] / results["floor_s"], 2),
                   ratio_month_all_formats_warm=None if all_formats is None else round(all_formats / results["floor_s"], 2),
                   ratio_year=round(results["year_s"] / results["floor_s"], 2),
                   ratio_xlsx_engine=round(results["xlsx_openpyxl_s"] / results["xlsx_engine_s"], 1),
                   ratio_xlsx_cached=round(results["xlsx_openpyxl_s"] / results["xlsx_cached_s"], 1))
    results["targets"] = {key: {"target": f"{op} {bound:g}", "met": _met(results[key], op, bound)} for key, (op, bound) in TARGETS.items()}
    results["machine"] = machine()
    return results


def _met(value: float | None, op: str, bound: float) -> bool:
    if value is None:   # not measured (a shipped format was skipped): not met
        return False
    return {"<=": value <= bound, "<": value < bound, ">=": value >= bound}[op]


def table(results: dict) -> str:
    """The results as a Markdown table (printed, and pasted into the README's Performance section)."""
    lines = ["| figure | measured | seconds | target |", "| --- | ---: | ---: | --- |"]
    seconds = {"ratio_month_cold": "month_cold_s", "ratio_month_warm": "month_warm_s", "ratio_year": "year_s",
               "ratio_month_all_formats_warm": "month_all_formats_warm_s", "ratio_xlsx_engine": "xlsx_engine_s",
               "ratio_xlsx_cached": "xlsx_cached_s", "figures_10m_peak_gb": "figures_10m_s",
               "load_month_10m_peak_gb": "load_month_10m_s"}
    for key in ["floor_s", "ratio_month_warm", "ratio_month_cold", "ratio_year", "ratio_month_all_formats_warm", "figures_10m_s",
                "figures_10m_peak_gb", "load_month_10m_s", "load_month_10m_peak_gb", "xlsx_openpyxl_s", "ratio_xlsx_engine",
                "ratio_xlsx_cached", "topics_month_s", "topics_1m_s", "topics_1m_peak_gb"]:
        target = results["targets"].get(key)
        mark = "" if target is None else f"{target['target']} ({'met' if target['met'] else 'NOT met'})"
        if key == "ratio_month_all_formats_warm" and results.get("formats_skipped"):
            mark += f": skipped {', '.join(results['formats_skipped'])}"
        absolute = results.get(seconds.get(key, key if key.endswith("_s") else ""), "")
        lines.append(f"| {key} | {results[key]} | {absolute} | {mark} |")
    for rows, figure in results["figures_scaling"].items():
        lines.append(f"| figures, {int(rows):,} assignments (DuckDB) | {figure['seconds']} s, {figure['peak_gb']} GB | |")
    for name, seconds in results.get("breakdown", {}).items():
        lines.append(f"| breakdown, warm {MONTH}: {name} | {seconds} s | | |")
    if results.get("year_kernel_mb"):
        memory = results["year_kernel_mb"]
        lines.append(f"| year: worker kernels' memory after each month | {memory[0]:.0f} … {memory[-1]:.0f} MB "
                     f"(max {max(memory):.0f}) | | |")
    m = results["machine"]
    lines.append(f"\nMeasured on {m['cores']} cores, {m['memory_gb']} GB, Python {m['python']}; medians of {results['runs']} runs.")
    return "\n".join(lines)


def update_readme(results: dict, readme: Path = SOURCE_ROOT / "README.md") -> None:
    """Replace the table between the README's performance markers with this run's."""
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        write_text_atomic(readme, f"{head}{start}\n{table(results)}\n{end}{tail}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "floor-job":
        return floor_job(Path(argv[1]))
    if argv and argv[0] == "load-month-job":
        return load_month_job(Path(argv[1]), Path(argv[2]))
    if argv and argv[0] == "breakdown-job":
        return breakdown_job(Path(argv[1]), Path(argv[2]))
    if argv and argv[0] == "figures-job":
        return figures_job(Path(argv[1]), int(argv[2]), argv[3])
    if topics_bench.main(argv):
        return None
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--readme", action="store_true", help="Also rewrite the README's Performance table.")
    args = parser.parse_args(argv)
    results = run(args.runs, args.rows)
    out = outputs_dir() / "bench.json"
    write_text_atomic(out, json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(table(results))
    print(f"\nwritten: {out}")
    if args.readme:
        update_readme(results)

