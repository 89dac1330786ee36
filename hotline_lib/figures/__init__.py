"""Every count of a month, from validated exports: the pandas and DuckDB engines and the month's figures."""
