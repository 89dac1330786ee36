"""The package's layout holds: layers import only downward (import-linter's contract in
pyproject.toml) and no module imports itself back through others (no cycle, inside a layer too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return cycles


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("hotline_lib")


def test_layers_contract_is_kept():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "BROKEN" not in result.stdout and "1 kept, 0 broken" in result.stdout


def test_contract_ignores_nothing():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert all("ignore_imports" not in contract for contract in config["contracts"])


def test_no_import_cycles(graph):
    assert import_cycles(graph) == []


def test_the_cycle_check_finds_a_cycle(graph):
    graph = graph.copy() if hasattr(graph, "copy") else grimp.build_graph("hotline_lib")
    graph.add_import(importer="hotline_lib.core.errors", imported="hotline_lib.core.months")
    assert ["hotline_lib.core.errors", "hotline_lib.core.months"] in import_cycles(graph)


def test_every_layer_module_lives_in_a_layer_folder():
    """Only the CLI, the notebooks' facade and the package marker sit at the top of hotline_lib/."""
    top = sorted(p.name for p in (ROOT / "hotline_lib").glob("*.py"))
    assert top == ["__init__.py", "cli.py", "notebook.py"]
