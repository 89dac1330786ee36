"""Large generated datasets for the benchmark: N assignments (and their orders) of a year, written
straight to Parquet in parts of a million rows, without building them in memory at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hotline_lib.io.directory import load_units

PART = 1_000_000
YEAR_START = np.datetime64("2019-12-31T16:00:00", "s")  # 2020-01-01 00:00 in China, as UTC
YEAR_SECONDS = 366 * 86400
CHANNELS = np.array(["12345热线"] * 40 + ["市长信箱", "我的长沙", "联动警情", "好差评", "人民网"])
CATEGORIES = np.array(["消费维权", "养老保险", "建筑施工噪音", "社区工作", "停车管理", "物业服务", "卫生服务类", "交通出行",
                       "教育培训", "劳动保障", "住房保障", "市容环境"])
APPEALS = np.array(["咨询", "求助", "投诉", "建议", "表扬"])
RESULTS = np.array(["满意", "满意", "满意", "满意", "基本满意", "不满意"])


def _times(seconds: np.ndarray) -> pa.Array:
    values = (YEAR_START + seconds.astype("timedelta64[s]")).astype("datetime64[us]")
    return pa.array(values, type=pa.timestamp("us", tz="Asia/Shanghai"))


def _maybe(rng, values: np.ndarray, share: float) -> pa.Array:
    """``values`` with a share of them missing."""
    return pa.array(values, mask=rng.random(len(values)) > share)


def generate_parts(rows: int, out: Path, seed: int = 7) -> tuple[list[Path], list[Path]]:
    """(orders parts, assignments parts) under ``out``: ``rows`` assignments in parts of PART rows."""
    out.mkdir(parents=True, exist_ok=True)
    units = np.array(load_units().names)
    rng = np.random.default_rng(seed)
    order_parts, assignment_parts = [], []
    for part, start in enumerate(range(0, rows, PART)):
        n = min(PART, rows - start)
        orders_n = int(n * 0.95)   # some orders are co-handled by two units
        ids = np.char.add("B", np.char.zfill((start + np.arange(orders_n)).astype(str), 9))
        signed = rng.integers(0, YEAR_SECONDS - 20 * 86400, orders_n)
        completed = signed + rng.integers(3600, 6 * 86400, orders_n)
        visited = completed + rng.integers(3600, 3 * 86400, orders_n)
        orders = pa.table({
            "order_id": ids, "signed_at": _times(signed), "channel": rng.choice(CHANNELS, orders_n),
            "appeal_type": rng.choice(APPEALS, orders_n), "category": rng.choice(CATEGORIES, orders_n),
            "epidemic": rng.random(orders_n) < 0.02, "business_env": rng.random(orders_n) < 0.005,
            "completed_at": pa.array(_times(completed).to_numpy(zero_copy_only=False), type=pa.timestamp("us", tz="Asia/Shanghai"),
                                     mask=rng.random(orders_n) < 0.03),
            "visited_at": _maybe(rng, _times(visited).to_numpy(zero_copy_only=False), 0.9).cast(pa.timestamp("us", tz="Asia/Shanghai")),
            "visit_result": rng.choice(RESULTS, orders_n),
        })
        which = np.concatenate([np.arange(orders_n), rng.integers(0, orders_n, n - orders_n)])
        dispatched = signed[which] + rng.integers(60, 1800, n)
        unit_signed = dispatched + rng.integers(60, 3 * 3600, n)
        returned = rng.random(n) < 0.01
        unit_completed = unit_signed + rng.integers(3600, 6 * 86400, n)
        assignments = pa.table({
            "order_id": ids[which], "unit": rng.choice(units, n),
            "dispatched_at": _times(dispatched), "sign_due": _times(dispatched + 7200),
            "unit_signed_at": pa.array(_times(unit_signed).to_numpy(zero_copy_only=False), mask=returned).cast(pa.timestamp("us", tz="Asia/Shanghai")),
            "returned_at": pa.array(_times(dispatched + 3600).to_numpy(zero_copy_only=False), mask=~returned).cast(pa.timestamp("us", tz="Asia/Shanghai")),
            "return_due": _times(dispatched + 86400), "return_rejected": rng.random(n) < 0.002,
            "complete_due": _times(unit_signed + 5 * 86400),
            "unit_completed_at": pa.array(_times(unit_completed).to_numpy(zero_copy_only=False), mask=returned).cast(pa.timestamp("us", tz="Asia/Shanghai")),
            "extension_requested": rng.random(n) < 0.05, "extension_rejected": rng.random(n) < 0.002,
            "redo_count": rng.poisson(0.01, n).astype("int64"),
            "unit_visited_at": pa.array(_times(unit_completed + 7200).to_numpy(zero_copy_only=False), mask=returned | (rng.random(n) > 0.9)).cast(pa.timestamp("us", tz="Asia/Shanghai")),
            "unit_visit_result": rng.choice(RESULTS, n), "repeat_assigned": rng.random(n) < 0.002,
        })
        order_path, assignment_path = out / f"orders-{part:03d}.parquet", out / f"assignments-{part:03d}.parquet"
        pq.write_table(orders, order_path)
        pq.write_table(assignments, assignment_path)
        order_parts.append(order_path)
        assignment_parts.append(assignment_path)
    return order_parts, assignment_parts


def month_dataset(order_parts: list[Path], assignment_parts: list[Path], out: Path) -> tuple[Path, Path]:
    """(data folder, cache folder) in which the generated parts are the data folder's validated,
    cached dataset, as ``load_exports`` stores it after a first run: what ``load_month`` reads on
    every later run. The data folder holds one small export that names the dataset (its key);
    every generated row counts as a row of it, so the row accounting balances."""
    import json

    import pandas as pd

    from hotline_lib.io.directory import load_settings
    from hotline_lib.io.exports import DUPLICATE_COLUMNS, dataset_folder, input_folders
    from hotline_lib.io.headers import canonical_columns
    from hotline_lib.io.platform import load_platform
    from hotline_lib.io.validation import REJECT_COLUMNS
    from hotline_lib.sample.exports import HEADERS

    data, cache = out / "data", out / "cache"
    data.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([["B000000000"] + [""] * (len(HEADERS["orders"]) - 1)],
                 columns=list(HEADERS["orders"].values())).to_csv(data / "bench.csv", index=False)
    settings = load_settings()
    folder = dataset_folder(data, load_units(), cache, input_folders(settings), load_platform(None, settings))
    folder.mkdir(parents=True, exist_ok=True)
    rows, records = 0, {}
    for kind, parts in [("orders", order_parts), ("assignments", assignment_parts)]:
        before = rows
        writer = None
        for path in parts:
            table = pq.read_table(path)
            n = table.num_rows
            for column in canonical_columns(kind):
                if column not in table.column_names:
                    kind_of = pa.timestamp("us", tz="Asia/Shanghai") if column.endswith("_at") else pa.string()
                    table = table.append_column(column, pa.nulls(n, kind_of))
            table = table.select(canonical_columns(kind))
            provenance = pa.table({"_file": pa.array(["bench.csv"] * n), "_sheet": pa.array([""] * n),
                                   "_row": pa.array(np.arange(rows + 2, rows + 2 + n, dtype="int64"))})
            table = pa.Table.from_arrays(provenance.columns + table.columns, names=provenance.column_names + table.column_names)
            writer = writer or pq.ParquetWriter(folder / f"{kind}.parquet", table.schema)
            writer.write_table(table)
            rows += n
        writer.close()
        records[kind] = rows - before
    empty = {"rejects": REJECT_COLUMNS, "duplicates": DUPLICATE_COLUMNS}
    for name, columns in empty.items():
        pd.DataFrame({c: pd.Series(dtype="int64" if c in ("row", "copy_of_row") else "string") for c in columns}).to_parquet(
            folder / f"{name}.parquet", index=False)
    # every column is there, over the generated year (io/coverage.py export_sources): without "sources"
    # the cache would not take the dataset as whole, and validate the one small export instead
    sources = {kind: {"bench.csv": {"columns": sorted(canonical_columns(kind)), "months": ["2020-01", "2020-12"]}}
               for kind in ("orders", "assignments")}
    meta = {"read": {"bench.csv": rows}, "files": [str(data / "bench.csv")], "valid_until": None, "records": records,
            "used": {"bench.csv": rows}, "sources": sources}
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return data, cache
