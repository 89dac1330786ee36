"""The kernel the section notebooks run in: started ahead of them, warmed up, and reused.

Why: starting a kernel and importing pandas, seaborn and this package in it is most of a warm
month (docs/performance.md). ``Kernel`` launches it before the parent has read anything, with
``WARM_UP`` as its start-up line, so the imports happen while the parent imports papermill and reads
the notebooks and exports. In a batch each worker keeps one kernel for all its months.

A month must not depend on the month before it: the stitched bulletin starts with ``START_MONTH``
(``start_month`` below), which puts the kernel back in the state it was in before its first month —
empty namespace, no open figure, the same matplotlib settings, pandas options, warning filters,
working folder and no cached month — so a month rendered after others in a warm kernel is byte for
byte the month rendered alone (tests/test_batch.py checks figures.json and every chart).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

#: The kernel's start-up line (IPKernelApp.exec_lines): what every section imports, paid once (cn2an: the
#: Chinese numerals of the rankings, 0.15 s; 热点诉求's modules and jieba, and pyarrow's Parquet reader:
#: 0.2 s more the first month would spend; the kernel, started first, waits for the render anyway).
WARM_UP = ("import hotline_lib.notebook, matplotlib.pyplot, seaborn, cn2an, hotline_lib.analysis.topics_month, jieba, "
           "pyarrow.parquet; import hotline_lib.render.kernel as _hk; _hk.warm_up()")
#: The first cell of every stitched bulletin: the kernel as before its first month.
START_MONTH = "__import__('hotline_lib.render.kernel', fromlist=['start_month']).start_month()"
#: The same, for a month whose 扣分明细 workbooks the render writes beside the kernel.
START_MONTH_WORKBOOKS_ASIDE = "__import__('hotline_lib.render.kernel', fromlist=['start_month']).start_month(workbooks=False)"

#: The longest socket path the systems allow (sun_path: 108 bytes on Linux, 104 on macOS and the
#: BSDs, the terminating NUL included); jupyter_client appends "-N" for each of the kernel's channels.
_MAX_IPC_PATH = 100


def skip_uri_grammar() -> None:
    """Importing papermill or nbformat imports jsonschema, which builds an optional URI grammar
    (rfc3987-syntax, about 0.7 s) for the "iri" format check; nothing in a `hotline` process checks
    that format (nbformat does not ask for format checks), so the command skips the build. Call it
    before the first import of jsonschema; it changes nothing once jsonschema is imported."""
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)   # "import rfc3987_syntax" raises ImportError


def kernel_transport() -> tuple[str, str]:
    """How the kernel and this process talk: ("ipc", socket path prefix) or ("tcp", "127.0.0.1").

    IPC (Unix-domain sockets) needs no TCP port, so no firewall prompt and no clash between kernels
    started side by side. Where it is unavailable (Windows: jupyter_client does not support IPC
    there; a Python without socket.AF_UNIX; a ZeroMQ built without IPC) or the temporary folder's
    path is too long for a socket, the kernel talks over loopback TCP on free ports instead.
    """
    import socket
    import tempfile
    import uuid

    if os.name == "nt" or not hasattr(socket, "AF_UNIX"):
        return "tcp", "127.0.0.1"
    try:
        import zmq

        if not zmq.has("ipc"):
            return "tcp", "127.0.0.1"
    except (ImportError, AttributeError):
        return "tcp", "127.0.0.1"
    # a socket path of its own: kernels started side by side (--jobs) must never share one
    path = str(Path(tempfile.gettempdir()) / f"hotline-kernel-{uuid.uuid4().hex[:16]}")
    if len(path.encode()) + len("-99") > _MAX_IPC_PATH:
        return "tcp", "127.0.0.1"
    return "ipc", path


def local_kernel_manager():
    """A kernel manager class talking to its kernel over local IPC sockets where the system has
    them, and over loopback TCP elsewhere (Windows): see ``kernel_transport``."""
    from jupyter_client.manager import AsyncKernelManager

    class LocalKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport, self.ip = kernel_transport()
            self.client_factory = ready_client()
            self.kept = None

        def client(self, **kwargs):
            """The kernel's one client, for every notebook run in it (papermill asks for one each
            time, and leaves it open: the kernel is not its own): connected once, it is ready for
            the next notebook as soon as the kernel answers (``ready_client``)."""
            if self.kept is None:
                self.kept = super().client(**kwargs)
            return self.kept

        def stop_clients(self) -> None:
            if self.kept is not None:
                self.kept.stop_channels()
                self.kept = None

    return LocalKernelManager


def ready_client():
    """The class of a kernel's one client (``local_kernel_manager``): jupyter_client's, ready as soon as
    the kernel has answered its kernel_info request on both channels.

    jupyter_client's ``wait_for_ready``, which the notebook client calls before each notebook, then
    reads the IOPub channel until nothing has come for 0.2 s (a new client's stale messages): a fifth
    of a second for nothing, before every month. This one reads the kernel_info reply and IOPub up to
    the kernel's idle status after that request (the last message the kernel sends for it),
    skipping what an earlier notebook left unread, with jupyter_client's time limits (1 s, 0.2 s) for
    a channel not connected yet; the notebook client reads only messages answering its own requests."""
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_core.utils import ensure_async

    def answers(message: dict, request: str) -> bool:
        return message.get("parent_header", {}).get("msg_id") == request

    class ReadyClient(AsyncKernelClient):
        def start_channels(self, *args, **kwargs) -> None:
            """Connected once: asked again (before each notebook), it has nothing to do."""
            if not self.channels_running:
                super().start_channels(*args, **kwargs)

        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.time() + (float("inf") if timeout is None else timeout)
            while True:
                request = self.kernel_info()
                reply = await self._reply(request)
                if reply is not None and await self._idle_after(request):
                    self._handle_kernel_info_reply(reply)
                    return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.time() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

        wait_for_ready = _async_wait_for_ready   # (jupyter_client binds the name to its own at class creation)

        async def _reply(self, request: str) -> dict | None:
            while True:
                try:
                    message = await ensure_async(self.shell_channel.get_msg(timeout=1))
                except Empty:
                    return None
                if answers(message, request):
                    return message

        async def _idle_after(self, request: str) -> bool:
            while True:
                try:
                    message = await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
                except Empty:
                    return False
                if (answers(message, request) and message["msg_type"] == "status"
                        and message["content"].get("execution_state") == "idle"):
                    return True

    return ReadyClient


def kernel_name() -> str:
    """The project's registered kernel when there is one, else this environment's python3."""
    from jupyter_client.kernelspec import KernelSpecManager

    return "hotline" if "hotline" in KernelSpecManager().find_kernel_specs() else "python3"


def _quiet_notebook_client() -> None:
    """The notebook client logs through papermill's logger ("Timeout waiting for execute reply",
    "Kernel died while waiting for execute reply"): not said, as what went wrong is the one error
    line the render reports."""
    import logging

    logging.getLogger("papermill").setLevel(logging.CRITICAL)


class Kernel:
    """A running kernel for section notebooks: pass ``manager`` to papermill (``km=``) to run a
    notebook in it; ``shutdown()`` (or leaving a ``with`` block) stops it."""

    def __init__(self, cwd: str | Path):
        from jupyter_core.utils import run_sync

        from hotline_lib.core.errors import ReportError

        self.cwd = str(cwd)
        #: the cell running now (or last): a timeout or a dying kernel names its section
        self.running = None
        #: the kernel is no use for another notebook: a cell ran past its time limit (it may still be
        #: running it) or the kernel died; a batch worker starts a new one
        self.spent = False
        name = kernel_name()
        try:
            self.manager = local_kernel_manager()(kernel_name=name)
            # returns once the process is launched: it imports while we go on
            run_sync(self.manager.start_kernel)(cwd=self.cwd, extra_arguments=[f"--IPKernelApp.exec_lines={WARM_UP}"])
        except Exception as exc:   # a kernel spec that points at a missing Python, say
            raise ReportError("could not start the notebook kernel {kernel}: {name}: {reason}", kernel=name,
                              name=type(exc).__name__, reason=str(exc)) from None
        # the kernel's client, connected now, while the kernel imports (``ready_client``); no heartbeat
        # channel (a thread of its own, which a kernel stopped at once could outlive): the manager
        # tells whether its kernel is alive
        self.manager.client().start_channels(hb=False)

    def run(self, path: Path, parameters: dict, timeout: float | None = None):
        """Execute a notebook in place with papermill, in this kernel (which stays up). ``timeout``:
        the seconds a cell may run (None: no limit); past it nbclient raises CellTimeoutError, and a
        kernel that dies raises DeadKernelError; either way ``running`` is the cell that was running
        and the kernel is ``spent``, as after anything else that stops a notebook midway but a cell
        that fails (PapermillExecutionError)."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        self.running = None

        def started(cell, cell_index):
            self.running = cell

        try:
            # request_save_on_cell_execute=False: papermill otherwise rewrites the whole notebook
            # (charts included) before and after every cell; it is written once at the end, or at
            # the failing cell
            _quiet_notebook_client()
            return papermill.execute_notebook(str(path), str(path), parameters=parameters, km=self.manager,
                                              progress_bar=False, log_output=False, request_save_on_cell_execute=False,
                                              execution_timeout=timeout, on_cell_execute=started)
        except PapermillExecutionError:   # a cell failed: the kernel and its client are as good as before
            raise
        except BaseException:
            # past its time limit, dead, or left mid-notebook (Ctrl-C): the kernel may be answering
            # still, to tasks of the notebook client that would read the next notebook's messages
            self.spent = True
            self.manager.stop_clients()
            raise

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return bool(run_sync(self.manager.is_alive)())

    def shutdown(self) -> None:
        """Stop the kernel at once (it holds nothing to save) and remove its sockets."""
        from jupyter_core.utils import run_sync

        try:
            self.manager.stop_clients()
            if self.alive():
                run_sync(self.manager.shutdown_kernel)(now=True)
        finally:
            run_sync(self.manager.cleanup_resources)()

    def __enter__(self) -> Kernel:
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()


# In the kernel --------------------------------------------------------------------------------

_start: dict = {}


def warm_up() -> None:
    """In the kernel, once (its start-up line): remember the state every month starts from."""
    import gc
    import warnings

    import matplotlib
    import matplotlib.pyplot  # noqa: F401  (the inline backend is set up when pyplot is imported)
    import pandas  # noqa: F401

    if not _start:
        _start.update(rc=matplotlib.rcParams.copy(), filters=list(warnings.filters), cwd=os.getcwd())
        # the imported modules' objects live as long as the kernel: moved out of the collector's
        # sight, so that each month's gc.collect() (and every automatic one) walks that month's objects only
        gc.collect()
        gc.freeze()


def start_month(workbooks: bool = True) -> None:
    """In the kernel, before each month: back to the state before its first month. ``workbooks``:
    whether ``load_month`` with an output folder writes the 扣分明细 workbooks (False: the render
    writes them beside the kernel)."""
    import gc
    import warnings

    import matplotlib
    import matplotlib.pyplot as plt
    import pandas as pd
    from IPython import get_ipython

    from hotline_lib.analysis.bulletin import clear_month_cache, write_workbooks_here
    from hotline_lib.analysis.trends import clear_trends_cache

    warm_up()   # a kernel started without the start-up line remembers its state now
    shell = get_ipython()
    if shell is not None:
        # the namespace, the output history that holds results, and the execution count: the saved
        # section notebooks number their cells as the month rendered alone does
        shell.reset(new_session=True)
    plt.close("all")
    dict.update(matplotlib.rcParams, _start["rc"])   # as matplotlib's rc_context restores them
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # resetting deprecated options warns
        pd.reset_option("all")
    warnings.filters[:] = _start["filters"]
    os.chdir(_start["cwd"])
    clear_month_cache()
    clear_trends_cache()
    write_workbooks_here(workbooks)
    gc.collect()
