"""Windows stays possible: the kernel falls back to TCP where IPC is unavailable, Unix-only calls are
guarded, and every `make` target has a line that does the same without make (README)."""

from __future__ import annotations

import ast
import re
import socket
import tempfile

import nbformat
import pytest

from hotline_lib.core.config import SOURCE_ROOT
from hotline_lib.render import kernel as kernel_module
from hotline_lib.render import kernel as kernel_module
from hotline_lib.render import notebooks as report
from hotline_lib.render.kernel import kernel_transport, local_kernel_manager

PACKAGE = SOURCE_ROOT / "hotline_lib"


def test_ipc_on_this_system():
    transport, path = kernel_transport()
    assert transport == "ipc"
    assert path.startswith(tempfile.gettempdir()) and "hotline-kernel-" in path
    assert kernel_transport()[1] != path  # kernels side by side never share a socket


def test_windows_talks_tcp(monkeypatch):
    monkeypatch.setattr(kernel_module.os, "name", "nt")
    assert kernel_transport() == ("tcp", "127.0.0.1")


def test_no_unix_sockets_talks_tcp(monkeypatch):
    monkeypatch.delattr(socket, "AF_UNIX")
    assert kernel_transport() == ("tcp", "127.0.0.1")


def test_zeromq_without_ipc_talks_tcp(monkeypatch):
    import zmq

    monkeypatch.setattr(zmq, "has", lambda capability: capability != "ipc")
    assert kernel_transport() == ("tcp", "127.0.0.1")


def test_too_long_a_socket_path_talks_tcp(monkeypatch, tmp_path):
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    assert kernel_transport() == ("tcp", "127.0.0.1")


def test_the_kernel_manager_takes_the_transport(monkeypatch):
    manager = local_kernel_manager()(kernel_name="python3")
    assert manager.transport == "ipc" and "hotline-kernel-" in manager.ip
    monkeypatch.setattr(kernel_module.os, "name", "nt")
    manager = local_kernel_manager()(kernel_name="python3")
    assert (manager.transport, manager.ip) == ("tcp", "127.0.0.1")


@pytest.mark.slow
@pytest.mark.parametrize("windows", [False, True])
def test_a_notebook_runs_over_either_transport(monkeypatch, tmp_path, windows):
    """IPC here; what Windows does (the kernel on loopback TCP) runs the notebook too."""
    chosen = []

    def transport():
        with monkeypatch.context() as system:
            if windows:
                system.setattr(kernel_module.os, "name", "nt")
            chosen.append(kernel_transport())
        return chosen[-1]

    monkeypatch.setattr(kernel_module, "kernel_transport", transport)
    path = tmp_path / "tcp.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    executed = report.execute(path, {}, tmp_path)
    assert executed.cells[-1].outputs[0]["text"].strip() == "42"
    assert [name for name, _ in chosen] == ["tcp" if windows else "ipc"]


# Unix-only mechanisms ---------------------------------------------------------------------------

UNIX_ONLY_MODULES = {"fcntl", "resource", "termios", "pwd", "grp", "pty", "tty", "posix"}
UNIX_ONLY_CALLS = {"os.killpg", "os.getpgid", "os.setsid", "os.fork", "os.getuid", "os.geteuid", "os.getgid",
                   "os.mkfifo", "signal.SIGKILL", "signal.SIGHUP", "signal.SIGALRM", "signal.alarm",
                   "signal.SIGQUIT", "socket.AF_UNIX", "os.sched_getaffinity"}
GUARDS = ("sys.platform", "os.name", "hasattr(", "platform.system")


def _unguarded(path, root=SOURCE_ROOT) -> list[str]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def guarded(node) -> bool:
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.If, ast.IfExp, ast.BoolOp, ast.While)):
                if any(word in ast.get_source_segment(source, node.test if hasattr(node, "test") else node)
                       for word in GUARDS):
                    return True
            if isinstance(node, ast.Try) and any("ImportError" in ast.unparse(h.type or ast.Name("BaseException"))
                                                 or "AttributeError" in ast.unparse(h.type or ast.Name("x"))
                                                 for h in node.handlers):
                return True
        return False

    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names if alias.name.split(".")[0] in UNIX_ONLY_MODULES]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNIX_ONLY_MODULES:
            names = [node.module]
        elif isinstance(node, ast.Attribute) and ast.unparse(node) in UNIX_ONLY_CALLS:
            names = [ast.unparse(node)]
        found += [f"{path.relative_to(root)}:{node.lineno}: {name}" for name in names if not guarded(node)]
    return found


def test_unix_only_calls_are_guarded():
    """Code that ships (not the tests) uses a Unix-only module or call only behind a check of the
    system, with the other systems' way beside it (pdf.py's process group, bench's peak memory)."""
    found = [line for path in sorted(PACKAGE.rglob("*.py")) for line in _unguarded(path)]
    assert not found, "\n".join(found)


def test_the_guard_check_finds_an_unguarded_call(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import os, signal\nimport resource\nos.killpg(1, signal.SIGKILL)\n"
                   "if sys.platform != 'win32':\n    os.killpg(1, signal.SIGKILL)\n", encoding="utf-8")
    assert _unguarded(bad, tmp_path) == ["bad.py:2: resource", "bad.py:3: os.killpg", "bad.py:3: signal.SIGKILL"]


# Without make -------------------------------------------------------------------------------------

def test_every_make_target_has_a_line_without_make():
    makefile = (SOURCE_ROOT / "Makefile").read_text(encoding="utf-8")
    targets = re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split()
    readme = (SOURCE_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Systems", 1)[1].split("\n## ", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `make (\w+)` \| (.+) \|$", section, re.M)}
    assert sorted(rows) == sorted(targets)
    assert all("`" in line for line in rows.values())  # a command to type, or a file to delete
    assert "Windows" in section and "macOS" in section and "Linux" in section
