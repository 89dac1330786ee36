"""The benchmark's own logic (its timings are only ever measured by `make bench`, never asserted)."""

from __future__ import annotations

from hotline_lib.bench.run import TARGETS, _met, table, update_readme


def _results():
    results = {"runs": 3, "floor_s": 4.0, "month_cold_s": 10.0, "month_warm_s": 7.0, "ratio_month_cold": 2.5,
               "ratio_month_warm": 1.75, "year_s": 30.0, "ratio_year": 7.5, "figures_10m_s": 3.0, "figures_10m_peak_gb": 1.0,
               "xlsx_openpyxl_s": 30.0, "xlsx_engine_s": 3.0, "xlsx_cached_s": 0.05, "ratio_xlsx_engine": 10.0,
               "ratio_xlsx_cached": 600.0, "figures_scaling": {"1000000": {"seconds": 0.5, "peak_gb": 0.5}},
               "machine": {"cores": 2, "memory_gb": 24, "python": "3.11.7"}}
    results["targets"] = {k: {"target": f"{op} {b:g}", "met": _met(results[k], op, b)} for k, (op, b) in TARGETS.items()}
    return results


def test_targets_are_judged():
    assert _met(2.0, "<=", 2.0) and not _met(10.0, "<", 10.0) and _met(5.0, ">=", 5.0)


def test_table_and_readme_section(tmp_path):
    results = _results()
    assert "| ratio_month_warm | 1.75 | <= 2 (met) |" in table(results)
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- bench:start -->\nPREVIOUS TABLE\n<!-- bench:end -->\nrest\n", encoding="utf-8")
    update_readme(results, readme)
    text = readme.read_text(encoding="utf-8")
    assert "PREVIOUS TABLE" not in text and "| figures, 1,000,000 assignments (DuckDB) | 0.5 s, 0.5 GB | |" in text and text.endswith("rest\n")
