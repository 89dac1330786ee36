"""The pandas and DuckDB engines give identical figures: on the sample and on generated data."""

from __future__ import annotations

import pandas as pd
import pytest

from hotline_lib.bench.data import generate_parts
from hotline_lib.io.exports import dataset_folder, load_exports
from hotline_lib.figures.month import choose_engine, compute_month, figures_from_parquet

pytestmark = pytest.mark.usefixtures("english")  # compares with the English messages


@pytest.mark.parametrize("month", ["2020-02", "2020-12", "2021-06"])
def test_engines_agree_on_the_sample(sample_dir, tmp_path, month):
    pandas_figures = compute_month(month, sample_dir, out_dir=tmp_path, engine="pandas")
    duckdb_figures = compute_month(month, sample_dir, out_dir=tmp_path, engine="duckdb")
    pd.testing.assert_frame_equal(pandas_figures.unit_table, duckdb_figures.unit_table)
    assert pandas_figures.district == duckdb_figures.district


def test_engines_agree_on_generated_data(tmp_path, units, settings):
    orders, assignments = generate_parts(120_000, tmp_path / "big")
    for month in ["2020-03", "2020-11"]:
        table_pandas, district_pandas = figures_from_parquet(orders, assignments, month, units, settings, "pandas")
        table_duckdb, district_duckdb = figures_from_parquet(orders, assignments, month, units, settings, "duckdb")
        pd.testing.assert_frame_equal(table_pandas, table_duckdb)
        assert district_pandas == district_duckdb
        assert table_duckdb["签收总数"].sum() > 1000


def test_duckdb_reads_the_parquet_cache(sample_dir, units):
    from hotline_lib.core.config import cache_dir

    load_exports(sample_dir, units, cache_dir())
    folder = dataset_folder(sample_dir, units, cache_dir())
    assert (folder / "orders.parquet").exists() and (folder / "assignments.parquet").exists()


@pytest.mark.parametrize("engine, rows, chosen", [("auto", 10, "pandas"), ("auto", 5_000_000, "duckdb"),
                                                  ("pandas", 5_000_000, "pandas"), ("duckdb", 10, "duckdb")])
def test_choose_engine(engine, rows, chosen):
    assert choose_engine(engine, rows) == chosen


def test_unknown_engine_lists_the_options():
    from hotline_lib.core.errors import HotlineError

    with pytest.raises(HotlineError, match="engine must be one of auto, pandas, duckdb; got 'spark'"):
        choose_engine("spark", 1)
