"""Months as the bulletin names them ("2020-12"): checked, and counted between two of them."""

from __future__ import annotations

import re

from hotline_lib.core.errors import HotlineError

MONTH_FORMAT = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_month(month: str) -> str:
    """A month as YYYY-MM, or one clear error."""
    if not MONTH_FORMAT.match(month or ""):
        raise HotlineError("month must look like 2020-12 (YYYY-MM); got {month!r}", month=month)
    return month


def months_between(start: str, end: str) -> list[str]:
    """Every month from ``start`` to ``end`` (both YYYY-MM, inclusive)."""
    check_month(start)
    check_month(end)
    if end < start:
        raise HotlineError("--to {end} is before --from {start}", end=end, start=start)
    year, month = int(start[:4]), int(start[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
