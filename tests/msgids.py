"""Every msgid the code uses, for tests/test_messages.py: the literal first argument of each call of
_, N_, gettext, Message and each HotlineError class, found with ast (Babel's extractor skips f-strings
and calls nested in a call's arguments without a word)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import hotline_lib
from hotline_lib.core.errors import HotlineError

PACKAGE = Path(hotline_lib.__path__[0])


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def message_functions() -> set[str]:
    for module in pkgutil.walk_packages(hotline_lib.__path__, "hotline_lib."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return {"_", "N_", "gettext", "Message", *(c.__name__ for c in [HotlineError, *_subclasses(HotlineError)])}


def _name(func) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def code_msgids():
    """(msgids, f-strings): each literal first argument of a message call, and where one is an f-string."""
    names = message_functions()
    found, formatted = {}, []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in names and node.args:
                first = node.args[0]
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno}"
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, []).append(where)
                elif isinstance(first, ast.JoinedStr):
                    formatted.append(where)
    return found, formatted
