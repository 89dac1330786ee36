"""The benchmark's own logic (its timings are only ever measured by `make bench`, never asserted)."""

from __future__ import annotations

import pytest

from hotline_lib.bench.run import TARGETS, _met, table, update_readme


def _results(skipped=()):
    results = {"runs": 3, "floor_s": 4.0, "month_cold_s": 10.0, "month_warm_s": 7.0, "ratio_month_cold": 2.5,
               "ratio_month_warm": 1.75, "year_s": 30.0, "ratio_year": 7.5, "figures_10m_s": 3.0, "figures_10m_peak_gb": 1.0,
               "load_month_10m_s": 4.5, "load_month_10m_peak_gb": 1.2,
               "month_all_formats_warm_s": None if skipped else 7.6, "ratio_month_all_formats_warm": None if skipped else 1.9,
               "formats_skipped": list(skipped),
               "xlsx_openpyxl_s": 30.0, "xlsx_engine_s": 3.0, "xlsx_cached_s": 0.05, "ratio_xlsx_engine": 10.0,
               "ratio_xlsx_cached": 600.0, "topics_month_s": 0.2, "topics_1m_s": 150.0, "topics_1m_peak_gb": 1.5, "figures_scaling": {"1000000": {"seconds": 0.5, "peak_gb": 0.5}},
               "machine": {"cores": 2, "memory_gb": 24, "python": "3.11.7"}}
    results["targets"] = {k: {"target": f"{op} {b:g}", "met": _met(results[k], op, b)} for k, (op, b) in TARGETS.items()}
    return results


def test_targets_are_judged():
    assert _met(2.0, "<=", 2.0) and not _met(10.0, "<", 10.0) and _met(5.0, ">=", 5.0)
    assert not _met(None, "<=", 2.0)      # not measured is not met


def test_every_key_of_the_issue_has_a_target():
    assert set(TARGETS) == {"ratio_month_warm", "ratio_month_cold", "ratio_year", "ratio_month_all_formats_warm",
                            "figures_10m_s", "figures_10m_peak_gb", "load_month_10m_s", "load_month_10m_peak_gb",
                            "ratio_xlsx_engine", "ratio_xlsx_cached", "topics_month_s", "topics_1m_s", "topics_1m_peak_gb"}


@pytest.mark.parametrize("line", ["| ratio_month_warm | 1.75 | 7.0 | <= 1.5 (NOT met) |",
                                  "| ratio_month_all_formats_warm | 1.9 | 7.6 | <= 2 (met) |",
                                  "| load_month_10m_s | 4.5 | 4.5 | < 10 (met) |",
                                  "| topics_1m_peak_gb | 1.5 |  | < 4 (met) |"])
def test_table_gives_each_ratio_with_its_seconds(line):
    assert line in table(_results())


def test_a_skipped_shipped_format_fails_the_all_formats_key():
    results = _results(skipped=["pdf"])
    assert results["targets"]["ratio_month_all_formats_warm"]["met"] is False
    assert "| ratio_month_all_formats_warm | None | None | <= 2 (NOT met): skipped pdf |" in table(results)


def test_readme_section(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# x\n<!-- bench:start -->\nPREVIOUS TABLE\n<!-- bench:end -->\nrest\n", encoding="utf-8")
    update_readme(_results(), readme)
    text = readme.read_text(encoding="utf-8")
    assert "PREVIOUS TABLE" not in text and "| figures, 1,000,000 assignments (DuckDB) | 0.5 s, 0.5 GB | |" in text and text.endswith("rest\n")


@pytest.mark.slow
def test_the_breakdown_times_each_step_of_the_render_the_rules_and_hot_topics_among_them(sample_dir, tmp_path, capsys):
    """Each step of a warm month gets its own line (a new step of the render is seen apart); the
    breakdown job runs every one of them on the sample (热点诉求 on, as the repository ships it)."""
    import json

    from hotline_lib.bench.run import BREAKDOWN_STEPS, breakdown_job

    assert {"load_month_s", "deduction_workbooks_s", "rules_engine_s", "hot_topics_s",
            "hot_topics_segmentation_s"} <= set(BREAKDOWN_STEPS)
    breakdown_job(sample_dir, tmp_path / "out", rounds=1)
    seconds = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert list(seconds) == list(BREAKDOWN_STEPS) and all(value > 0 for value in seconds.values())
    assert (tmp_path / "out" / "扣分明细.xlsx").is_file()   # the workbooks step wrote them
