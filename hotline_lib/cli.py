"""The ``hotline`` command: each command calls one library function and turns its error into one line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import HotlineError

app = typer.Typer(
    help="12345政务热线情况通报: score member units, compute a month's figures, render the bulletin.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_state = {"debug": False}


def _fail(error: Exception) -> None:
    """Print an expected error as one line on stderr and exit 1 (the traceback only with --debug)."""
    if _state["debug"]:
        raise error
    typer.echo(f"Error: {error}", err=True)
    raise typer.Exit(1)


@app.callback()
def main_options(debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors.")) -> None:
    _state["debug"] = debug


@app.command()
def score(
    file: Path = typer.Argument(..., help="Per-unit statistics table (.csv in UTF-8/GBK/GB18030, or .xlsx)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the scored table here (CSV, UTF-8 with BOM). Default: standard output."),
    rules: Optional[Path] = typer.Option(None, "--rules", help="Scoring rules (YAML). Default: the district's shipped rules."),
    check: bool = typer.Option(False, "--check", help="Compare with the table's published 总分 and 排名; exit 1 on any mismatch."),
) -> None:
    """Score each member unit (总分, 排名 and every deduction) from the platform's per-unit table."""
    from .leaderboard import score_file, write_csv

    try:
        board = score_file(file, rules, check=check)
    except HotlineError as exc:
        _fail(exc)
    if output is not None:
        write_csv(board.table, output)
    elif not check:
        write_csv(board.table, sys.stdout)
    if check:
        for line in board.mismatches:
            typer.echo(line)
        matched = board.units - len(board.mismatches)
        typer.echo(f"{matched} of {board.units} units match")
        raise typer.Exit(1 if board.mismatches else 0)


def main() -> None:
    """Entry point of the console script."""
    app()
