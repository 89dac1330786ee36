"""The rules of a run in a working folder, checked against its unit directory when they are loaded.

A group may list its units by name (``groups.<name>.units``); a name the unit directory does not hold
is a mistake in the rules file, and the issue's promise is that a rules file is validated before any
input is read. So wherever the units are known (a render, explain, stats, score in a working folder)
the rules are loaded here, and a wrong name stops the command with one line naming the rules file,
the key and the name. An empty directory (a new working folder before `hotline units --from-exports`)
knows no units yet: the names are then checked against the table when it is scored.
"""

from __future__ import annotations

from pathlib import Path

from hotline_lib.io.directory import load_units
from hotline_lib.scoring.rules import Rules, load_rules


def directory_names(units_file: str | Path | None) -> list[str] | None:
    """The unit names of the directory in ``units_file``; None when there is none or it lists no unit."""
    if units_file is None or not Path(units_file).is_file():
        return None
    return load_units(units_file).names or None


def rules_for_units(name: str | Path | None, units_file: str | Path | None) -> Rules:
    """``load_rules(name)`` with the groups' listed units checked against the directory in ``units_file``
    (read only when a group lists units by name: a scheme by 类别 or volume alone needs no directory)."""
    rules = load_rules(name)
    if not any(group.units for group in rules.groups.values()):
        return rules
    return load_rules(name, known_units=directory_names(units_file))


def workspace_rules(workspace, name: str | Path | None = None) -> Rules:
    """The rules a run in ``workspace`` uses (``name``: a shipped scheme or a file; default: the
    working folder's), its groups' units checked against the folder's unit directory."""
    return rules_for_units(workspace.rules_file if name is None else name, workspace.units_file)


def columns_read(workspace, name: str | Path | None = None) -> list[str]:
    """The unit-table columns the run's rules read (sanlv: 已联系数, 已解决数 among them): an optional
    export column that only such a column needs is missing, and warned of, only when they do."""
    from hotline_lib.scoring.rules_input import required_columns

    return required_columns(workspace_rules(workspace, name), set())
