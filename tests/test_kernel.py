"""The kernel the sections run in (render/kernel.py): warmed up at start, reused, reset between months."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from hotline_lib.render import batch
from hotline_lib.core.config import notebooks_dir
from hotline_lib.render.kernel import START_MONTH, Kernel

from conftest import workspace


def _notebook(path, *sources):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def _printed(executed) -> list[str]:
    return [o["text"].strip() for c in executed.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]


@pytest.mark.slow
def test_one_kernel_runs_month_after_month_each_from_the_same_start(tmp_path):
    """What a month changes (a variable, rcParams, a pandas option, an open figure, the working
    folder, a cached month) is gone when the next starts with START_MONTH; imports stay paid."""
    leave = _notebook(tmp_path / "leave.ipynb", START_MONTH,
                      "import os, sys, matplotlib.pyplot as plt, pandas as pd\n"
                      "left = 1; plt.rcParams['figure.dpi'] = 40; pd.set_option('display.precision', 1)\n"
                      "plt.figure(); os.chdir('..')\n"
                      "print(os.getpid(), 'pandas' in sys.modules)")
    look = _notebook(tmp_path / "look.ipynb", START_MONTH,
                     "import os, sys, matplotlib.pyplot as plt, pandas as pd\n"
                     "print(os.getpid(), 'left' in globals(), plt.rcParams['figure.dpi'], pd.get_option('display.precision'),"
                     " plt.get_fignums(), os.getcwd())")
    with Kernel(tmp_path) as kernel:
        first = _printed(kernel.run(leave, {}))[0].split()
        second = _printed(kernel.run(look, {}))[0].split(" ", 5)
        assert kernel.alive()
    assert first[1] == "True"                                   # the start-up line imported pandas
    pid, left, dpi, precision, figures, cwd = second
    assert pid == first[0]                                      # the same kernel
    assert (left, dpi, precision, figures, cwd) == ("False", "100.0", "6", "[]", str(tmp_path))
    assert not kernel.alive() and kernel.manager.kept is None   # stopped, no client left open


@pytest.mark.slow
def test_a_month_after_another_numbers_its_cells_as_the_month_alone(tmp_path):
    """The executed notebooks an analyst opens (outputs/<month>/notebooks/) are the same whether the
    month was the kernel's first or came after others: execution counts start again each month (the
    START_MONTH cell itself is in no saved notebook)."""
    month = _notebook(tmp_path / "month.ipynb", START_MONTH, "x = 1", "x")
    with Kernel(tmp_path) as kernel:
        counts = [[c.execution_count for c in kernel.run(month, {}).cells[1:]] for _ in range(2)]
    assert counts[1] == counts[0] == [1, 2]


def test_the_command_skips_building_the_uri_grammar():
    """jsonschema's optional rfc3987-syntax grammar (about 0.7 s) is not built by `hotline`, and a
    notebook still validates."""
    code = ("import sys, time; from hotline_lib.render.kernel import skip_uri_grammar; skip_uri_grammar();"
            "import nbformat; nbformat.validate(nbformat.v4.new_notebook());"
            "print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is not None)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_a_batch_worker_starts_a_new_kernel_when_its_kernel_died(tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "_worker", {})
    batch._start_worker(notebooks_dir())
    first = batch._worker["kernel"]
    try:
        first.shutdown()                       # as if the last month had killed it
        second = batch._worker_kernel()
        assert second is not first and second.alive()
        assert batch.kernel_megabytes(second) > 0
    finally:
        batch._worker["kernel"].shutdown()


def test_a_kernel_that_cannot_start_is_one_clear_error(tmp_path, monkeypatch):
    from hotline_lib.core.errors import ReportError
    from hotline_lib.render import kernel as kernel_module

    monkeypatch.setattr(kernel_module, "kernel_name", lambda: "no-such-kernel")
    with pytest.raises(ReportError) as error:
        Kernel(tmp_path)
    assert error.value.translated("en").startswith("could not start the notebook kernel no-such-kernel: NoSuchKernel")


def test_a_kernel_that_cannot_start_fails_the_month_with_a_report_error(tmp_path, monkeypatch):
    """render_month starts its kernel before anything else; a kernel that cannot start is one line
    (ReportError), not a bug with a traceback."""
    from hotline_lib.core.errors import ReportError
    from hotline_lib.render import kernel as kernel_module
    from hotline_lib.render import month

    monkeypatch.setattr(kernel_module, "kernel_name", lambda: "no-such-kernel")
    with pytest.raises(ReportError, match="no-such-kernel"):
        month.render_month("2020-12", workspace(tmp_path, tmp_path / "out"), formats="html")


@pytest.mark.slow
def test_every_notebook_in_a_kernel_uses_its_one_client_ready_at_once(tmp_path):
    """papermill asks the kernel manager for a client before each notebook and waits until it is
    ready: the kernel's one client (render/kernel.py ``ready_client``) is, as soon as the kernel has
    answered (jupyter_client's own waited 0.2 s more each time, for nothing)."""
    from jupyter_core.utils import run_sync

    notebook = _notebook(tmp_path / "n.ipynb", START_MONTH, "print('ran')")
    with Kernel(tmp_path) as kernel:
        client = kernel.manager.client()
        assert _printed(kernel.run(notebook, {})) == ["ran"]
        assert kernel.manager.client() is client and client.channels_running
        # ready without waiting out a silence: no read of IOPub comes back empty (jupyter_client's
        # own ends each wait with one, after 0.2 s)
        reads, get_msg = [], client.iopub_channel.get_msg

        async def counted(*args, **kwargs):
            try:
                message = await get_msg(*args, **kwargs)
            except Exception as exc:
                reads.append(type(exc).__name__)
                raise
            reads.append(message["msg_type"])
            return message

        client.iopub_channel.get_msg = counted
        for _ in range(3):
            run_sync(client.wait_for_ready)(timeout=10)
        client.iopub_channel.get_msg = get_msg
        assert reads and "Empty" not in reads and reads[-1] == "status", reads
        assert _printed(kernel.run(notebook, {})) == ["ran"]


@pytest.mark.slow
@pytest.mark.parametrize("error, spent", [("cell", False), ("other", True)])
def test_a_notebook_stopped_midway_spends_its_kernel_a_failing_cell_does_not(tmp_path, monkeypatch, error, spent):
    """Anything but a failing cell (Ctrl-C, a time limit, a dead kernel) may leave the notebook
    client's tasks reading the kernel's channels: the kernel is spent (a batch starts another) and its
    client closed; after a failing cell both serve the next notebook."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    def stop(*args, **kwargs):
        raise (PapermillExecutionError(0, 1, "x", "ValueError", "bad", []) if error == "cell" else KeyboardInterrupt())

    notebook = _notebook(tmp_path / "n.ipynb", START_MONTH, "print('ran')")
    with Kernel(tmp_path) as kernel:
        client = kernel.manager.client()
        monkeypatch.setattr(papermill, "execute_notebook", stop)
        with pytest.raises((PapermillExecutionError, KeyboardInterrupt)):
            kernel.run(notebook, {})
        assert kernel.spent is spent
        assert (kernel.manager.kept is client) is not spent
