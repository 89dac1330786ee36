"""The DuckDB engine: the same month aggregates as ``figures`` computes with pandas, as SQL over the
Parquet files of the validated dataset, so that months of millions of rows never sit in memory.

Both engines feed the same ranking and formatting (``figures.unit_table`` and ``figures.district_from``);
tests/test_engines.py checks that they agree on the sample and on generated data.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hotline_lib.io.directory import Settings
from hotline_lib.figures.counts import (BASIC, DETAIL_HELD, DETAIL_SOURCES, DETAIL_UNKNOWN, UNIT_COUNT_COLUMNS,
                                        MonthAggregates, SATISFIED_RESULTS, month_bounds)


def connect():
    """An in-process DuckDB connection (threads: all cores)."""
    import duckdb

    return duckdb.connect(config={"preserve_insertion_order": False})


def _bounds(month: str) -> tuple[str, str]:
    start, end = month_bounds(month)
    return f"TIMESTAMPTZ '{start.isoformat()}'", f"TIMESTAMPTZ '{end.isoformat()}'"


def _in(column: str, month: str) -> str:
    start, end = _bounds(month)
    return f"({column} >= {start} AND {column} < {end})"


def _source(paths) -> str:
    """read_parquet over one file or a list of files (a large dataset in parts)."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    return "read_parquet([" + ", ".join(f"'{Path(p).as_posix()}'" for p in paths) + "])"


def unit_counts_sql(con, assignments, month: str) -> pd.DataFrame:
    """Per unit (index), every appendix count of month M, as ``figures.unit_counts`` gives them."""
    satisfied = ", ".join(f"'{r}'" for r in SATISFIED_RESULTS)
    signed, completed = _in("unit_signed_at", month), _in("unit_completed_at", month)
    returned, visited = _in("returned_at", month), _in("unit_visited_at", month)
    query = f"""
        SELECT unit,
          count(*) FILTER (WHERE {signed}) AS "签收总数",
          count(*) FILTER (WHERE {_in("dispatched_at", month)} AND (unit_signed_at > sign_due
                                  OR (unit_signed_at IS NULL AND returned_at IS NULL))) AS "未按时签收数",
          count(*) FILTER (WHERE {returned} AND returned_at > return_due) AS "未及时退回数",
          count(*) FILTER (WHERE {returned} AND return_rejected) AS "退单驳回数",
          count(*) FILTER (WHERE {completed}) AS "办结工单（含上月流转工单）",
          count(*) FILTER (WHERE {completed} AND unit_completed_at > complete_due) AS "未按时办结数",
          count(*) FILTER (WHERE {completed} AND extension_rejected) AS "延期驳回数",
          coalesce(sum(coalesce(redo_count, 0)) FILTER (WHERE {completed}), 0) AS "发回重办数",
          count(*) FILTER (WHERE {visited}) AS "回访工单总数",
          count(*) FILTER (WHERE {visited} AND unit_visit_result IN ({satisfied})) AS "回访满意数",
          count(*) FILTER (WHERE {completed} AND extension_requested) AS "_extended",
          count(*) FILTER (WHERE {signed} AND repeat_assigned) AS "_repeat",
          count(*) FILTER (WHERE {visited} AND unit_visit_result = '基本满意') AS "{BASIC}",
          {_visit_details(con, assignments, visited)}
        FROM {_source(assignments)}
        GROUP BY unit
    """
    return con.execute(query).df().set_index("unit")[UNIT_COUNT_COLUMNS].astype("int64")


def _visit_details(con, assignments, visited: str) -> str:
    """The SELECT terms of the visit details read from a column (``figures.visit_detail_flags``); a
    dataset typed before the column was read has none of it: nothing held."""
    present = set(con.execute(f"SELECT * FROM {_source(assignments)} LIMIT 0").df().columns)
    terms = []
    for figure, column in DETAIL_SOURCES.items():
        if column in present:
            terms += [f'count(*) FILTER (WHERE {visited} AND {column}) AS "{figure}"',
                      f'count(*) FILTER (WHERE {visited} AND {column} IS NULL) AS "{DETAIL_UNKNOWN[figure]}"',
                      f'count({column}) AS "{DETAIL_HELD[figure]}"']
        else:
            terms += [f'0 AS "{figure}"', f'count(*) FILTER (WHERE {visited}) AS "{DETAIL_UNKNOWN[figure]}"',
                      f'0 AS "{DETAIL_HELD[figure]}"']
    return ",\n          ".join(terms)


def month_aggregates_sql(con, orders, assignments, month: str, settings: Settings) -> MonthAggregates:
    """The district aggregates of month M (see ``figures.MonthAggregates``)."""
    signed = _in("signed_at", month)
    o = _source(orders)
    first = "min(epoch_us(signed_at::TIMESTAMPTZ))"

    def frame(sql: str) -> pd.DataFrame:
        return con.execute(sql).df()

    totals = frame(f"""SELECT count(*) FILTER (WHERE {signed}) AS signed,
                              count(*) FILTER (WHERE {_in("completed_at", month)}) AS completed,
                              count(*) FILTER (WHERE {_in("visited_at", month)}) AS visited FROM {o}""").iloc[0]
    con.execute(f"CREATE OR REPLACE TEMP TABLE month_orders AS SELECT * FROM {o} WHERE {signed}")
    channels = frame(f"""SELECT channel AS value, count(*) AS count, {first} AS first FROM month_orders
                         WHERE channel IS NOT NULL AND channel <> ? GROUP BY channel""".replace("?", _quote(settings.phone_channel)))
    categories = frame(f"SELECT category AS value, count(*) AS count, {first} AS first FROM month_orders "
                       "WHERE category IS NOT NULL GROUP BY category")
    business_orders = "SELECT order_id, signed_at, appeal_type FROM month_orders WHERE business_env AND appeal_type IN ('投诉', '表扬')"
    business = frame(f"""
        WITH b AS ({business_orders}),
             h AS (SELECT DISTINCT order_id, unit FROM {_source(assignments)}
                   WHERE returned_at IS NULL OR coalesce(return_rejected, false))
        SELECT appeal_type AS appeal, unit, count(DISTINCT order_id) AS count, {first} AS first
        FROM h JOIN b USING (order_id) GROUP BY appeal_type, unit""")
    business_totals = frame(f"SELECT appeal_type, count(*) AS n FROM ({business_orders}) GROUP BY appeal_type")
    epidemic = "FROM month_orders WHERE epidemic"
    epidemic_totals = frame(f"""SELECT count(*) AS signed, count(*) FILTER (WHERE {_in("completed_at", month)}) AS completed,
                                       count(*) FILTER (WHERE visit_result = '不满意') AS unsatisfied {epidemic}""").iloc[0]
    epidemic_types = frame(f"SELECT appeal_type AS value, count(*) AS count {epidemic} AND appeal_type IS NOT NULL GROUP BY appeal_type")
    epidemic_categories = frame(f"SELECT category AS value, count(*) AS count, {first} AS first {epidemic} "
                                "AND category IS NOT NULL GROUP BY category")
    return MonthAggregates(
        totals={k: int(totals[k]) for k in ["signed", "completed", "visited"]},
        channels=channels, categories=categories, business=business,
        business_totals={a: int(n) for a, n in zip(business_totals["appeal_type"], business_totals["n"])},
        epidemic_totals={k: int(epidemic_totals[k]) for k in ["signed", "completed", "unsatisfied"]},
        epidemic_types=epidemic_types, epidemic_categories=epidemic_categories,
    )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
