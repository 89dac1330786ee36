"""Many months at once: parallel renders with a progress callback, skip-unchanged manifests, and the index page."""

from __future__ import annotations

import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from hotline_lib.core.errors import HotlineError, ReportError
from hotline_lib.core.i18n import N_
from hotline_lib.core.privacy import mask_personal
from hotline_lib.core.utils import write_text_atomic
from hotline_lib.render.index import write_index
from hotline_lib.render.manifest import Fingerprints, fingerprint, is_current
from hotline_lib.io.workspace import Workspace
from hotline_lib.render.formats import choose_formats
from hotline_lib.render.publish import is_sent, recover

@dataclass
class MonthOutcome:
    month: str
    status: str              # rendered | skipped | failed
    seconds: float = 0.0
    reason: str = ""
    log: Path | None = None
    kernel_mb: float | None = None   # the worker kernel's resident memory after the month


@dataclass
class BatchSummary:
    outcomes: list[MonthOutcome] = field(default_factory=list)
    index: Path | None = None
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[MonthOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]


#: A batch worker's kernel, kept from one month to the next (render/kernel.py); the thread that
#: finishes its months (their page, files and commit) while the kernel runs the next; the queue the
#: months' outcomes go to.
_worker: dict = {}


def _start_worker(notebooks_dir: Path, outcomes=None) -> None:
    """Worker start-up: launch its kernel now, so it warms up while the parent reads the exports;
    it is stopped when the worker exits, after the worker's last month is finished."""
    from concurrent.futures import ThreadPoolExecutor
    from multiprocessing import util

    finisher = ThreadPoolExecutor(max_workers=1)
    _worker.update(outcomes=outcomes, finisher=finisher, finishing=None)
    if outcomes is not None:   # a worker leaving at Ctrl-C does not wait for a parent that stopped reading
        outcomes.cancel_join_thread()
    _start_kernel(notebooks_dir)
    # (run as the pool's worker process exits, in this order: a month being committed ends first)
    util.Finalize(None, finisher.shutdown, exitpriority=20)


def _start_kernel(notebooks_dir: Path) -> None:
    from multiprocessing import util

    from hotline_lib.render.kernel import Kernel

    _worker.update(kernel=None, notebooks_dir=notebooks_dir)
    try:
        kernel = _worker["kernel"] = Kernel(notebooks_dir)
    except Exception:   # each month then starts its own kernel, and reports why it cannot
        return
    util.Finalize(None, kernel.shutdown, exitpriority=10)


def _worker_kernel():
    """The worker's kernel, started again if the last month killed it (it ran out of memory, say) or
    left it spent (a cell ran past its time limit and may be running still)."""
    kernel = _worker.get("kernel")
    if kernel is not None and (kernel.spent or not kernel.alive()):
        kernel.shutdown()
        _start_kernel(_worker["notebooks_dir"])
    return _worker.get("kernel")


def kernel_megabytes(kernel) -> float | None:
    """Resident memory of a kernel process, in MB (None when it cannot be read)."""
    try:
        import psutil

        return round(psutil.Process(kernel.manager.provisioner.pid).memory_info().rss / 1024 ** 2)
    except Exception:
        return None


def _render_one(month: str, workspace: Workspace, formats=None, force: bool = False) -> None:
    """Worker: run the month's sections in the worker's kernel, then leave the rest of its render
    (render/month.py ``render_month_steps``: the page, the files, the commit) to the worker's
    finishing thread, so that the kernel starts the worker's next month meanwhile (one month
    finishing at a time: the one before is waited for first). The month's outcome (month, status,
    seconds, reason, the kernel's memory after it) goes to the batch's queue when the month is done,
    however it ends; nothing is raised."""
    from hotline_lib.render.month import render_month_steps

    started = time.perf_counter()
    kernel = _worker_kernel()
    steps = render_month_steps(month, workspace, formats, force, kernel=kernel, in_batch=True)
    if kernel is None:   # the worker has no kernel: the month starts and stops its own, here
        _worker["outcomes"].put((month, *_advance(steps, started, finish=True)))
        return
    outcome = _advance(steps, started)
    if outcome is not None:   # failed before the kernel was free
        _worker["outcomes"].put((month, *outcome))
        return
    megabytes = kernel_megabytes(kernel)
    previous = _worker.get("finishing")
    if previous is not None:
        previous.result()
    _worker["finishing"] = _worker["finisher"].submit(_finish, month, steps, started, megabytes)


def _finish(month: str, steps, started: float, megabytes: float | None) -> None:
    """The worker's finishing thread: the rest of a month's render, and its outcome on the queue."""
    try:
        outcome = _advance(steps, started, megabytes, finish=True)
    except BaseException as exc:   # (nothing should reach here: the parent must hear of every month)
        outcome = ("failed", time.perf_counter() - started, f"{type(exc).__name__}: {exc}", None)
    _worker["outcomes"].put((month, *outcome))


def _advance(steps, started: float, megabytes: float | None = None,
             finish: bool = False) -> tuple[str, float, str, float | None] | None:
    """Run a render's steps to their stop (the kernel free: None) or, with ``finish``, to their end;
    the outcome (status, seconds, reason, the kernel's ``megabytes``) when they end, failed or not."""
    from hotline_lib.render.month import finish_render

    try:
        if not finish:
            next(steps)
            return None
        finish_render(steps)
        return "rendered", time.perf_counter() - started, "", megabytes
    except StopIteration:   # (a render stops once before it ends: ended here, it rendered)
        return "rendered", time.perf_counter() - started, "", megabytes
    except HotlineError as exc:
        return "failed", time.perf_counter() - started, str(exc), None
    except OSError as exc:   # an unwritable month folder, a full disk: said like the CLI says it
        return "failed", time.perf_counter() - started, _os_reason(exc), None
    except KeyboardInterrupt:   # Ctrl-C reaches the workers too: the parent says it, once
        import logging

        logging.getLogger("asyncio").disabled = True   # the notebook client's abandoned tasks, collected later
        return "failed", time.perf_counter() - started, "interrupted", None
    except Exception as exc:  # an unexpected bug: keep the traceback in the month's log
        return "failed", time.perf_counter() - started, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}", None


def _collected(outcomes, pool, futures: list, count: int):
    """The months' outcomes from the batch's queue as each month is done. A worker that died (killed
    for memory, say) breaks the pool: one ReportError, whether or not a month of its was waiting to start."""
    import queue

    while count:
        try:
            item = outcomes.get(timeout=0.2)
        except queue.Empty:
            for future in futures:
                if future.done() and future.exception() is not None:
                    if isinstance(future.exception(), BrokenProcessPool):   # (not a bug of ours: said as above)
                        raise _worker_ended() from None
                    raise future.exception()
            if any(process.exitcode is not None for process in list((getattr(pool, "_processes", None) or {}).values())):
                raise _worker_ended()
            continue
        count -= 1
        yield item


def _stop(pool: ProcessPoolExecutor, seconds: float = 5) -> None:
    """Cancel the months not started and give the pool's manager thread ``seconds`` to end. Python 3.11
    wakes that thread at exit without a lock (concurrent/futures/process.py ``_python_exit``): were it
    still closing its pipe then, an "OSError: [Errno 9] Bad file descriptor" traceback would follow
    the run's last line (seen once in a test's Ctrl-C; later Pythons take a lock there)."""
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    if manager is not None:
        manager.join(timeout=seconds)


def _worker_ended() -> ReportError:
    return ReportError("a process of the batch ended before its months were done (out of memory, or killed); the "
                       "months it had are not published: run them again")


def _os_reason(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def _write_log(month_dir: Path, text: str) -> Path | None:
    """The month's render.log; None when its folder cannot be written (the month's outcome, which
    says why, is reported all the same)."""
    try:
        write_text_atomic(month_dir / "render.log", text)
    except OSError:
        return None
    return month_dir / "render.log"


def render_range(months: list[str], workspace: Workspace | None = None, jobs: int = 1, force: bool = False, progress=None,
                 formats=None) -> BatchSummary:
    """Render every month of the working folder ``workspace`` (in parallel with ``jobs`` processes); one
    failure does not stop the others: each month's outcome is in the summary, and the index is written
    from the months that rendered (a month folder that cannot be read or written fails that month alone). ``formats``: as render_month.
    A month that was e-mailed (sent.json) is skipped with a note unless ``force``.

    ``progress(month, status)`` is called as each month starts ("rendering") and ends.
    """
    started = time.perf_counter()
    workspace = workspace or Workspace.open()
    out_dir = workspace.outputs
    progress = progress or (lambda month, status: None)
    prints = Fingerprints()
    summary = BatchSummary()
    todo: dict[str, dict[str, str]] = {}
    formats = choose_formats(formats, workspace.settings)
    for month in months:
        try:
            recover(out_dir / month)   # a commit a killed run left half-done, before the month is judged
            inputs = prints.inputs(month, workspace, formats)
            sent, current = is_sent(out_dir / month), is_current(out_dir / month, fingerprint(inputs))
        except OSError as exc:   # a month folder that cannot be read: that month fails, the others go on
            summary.outcomes.append(MonthOutcome(month, "failed", reason=_os_reason(exc)))
            progress(month, "failed")
            continue
        if not force and sent:
            summary.outcomes.append(MonthOutcome(month, "skipped", reason=N_("e-mailed (sent.json): kept as sent; --force re-renders")))
            progress(month, "skipped")
        elif not force and current:
            summary.outcomes.append(MonthOutcome(month, "skipped", reason=N_("inputs unchanged since the last render")))
            progress(month, "skipped")
        else:
            todo[month] = inputs
    if todo:
        import multiprocessing

        from hotline_lib.render import month as month_render   # imported once here: forked workers inherit it

        args = (workspace, formats, force)
        workers = max(1, min(jobs, len(todo)))
        outcomes = multiprocessing.get_context().Queue()
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(workspace.notebooks, outcomes)) as pool:
            # every worker starts (and its kernel warms up) now: one task each, as spawn and
            # forkserver start a worker per task waiting (fork starts them all at the first)
            for ready in [pool.submit(int) for _ in range(workers)]:
                ready.result()
            # every export parsed and validated once here, while the kernels import: the workers
            # only read the cached dataset
            month_render.cache_exports(workspace)
            try:   # 热点诉求's words: each file segmented once, not by two workers in turn
                month_render.cache_tokens(list(todo), workspace)
            except HotlineError:   # (a bad word list, say): each month's kernel meets it and says so
                pass
            futures = []
            for month in todo:
                futures.append(pool.submit(_render_one, month, *args))
                progress(month, "rendering")
            try:
                for month, status, seconds, reason, megabytes in _collected(outcomes, pool, futures, len(todo)):
                    outcome = MonthOutcome(month, status, seconds, reason.splitlines()[0] if reason else "",
                                           kernel_mb=megabytes)
                    if status == "rendered":   # how long it took, beside what it made (manifest.json)
                        memory = f" (kernel {megabytes:.0f} MB)" if megabytes is not None else ""
                        outcome.log = _write_log(out_dir / month, f"{month} rendered in {seconds:.1f} s{memory}\n")
                    else:
                        outcome.log = _write_log(out_dir / month, f"{month} failed after {seconds:.1f} s\n"
                                                 + mask_personal(reason) + "\n")
                    summary.outcomes.append(outcome)
                    progress(month, status)
            except BaseException:   # (Ctrl-C, a broken pool): the months not started yet are not started
                _stop(pool)
                raise
    summary.outcomes.sort(key=lambda o: o.month)
    summary.index = write_index(workspace)
    summary.seconds = time.perf_counter() - started
    return summary
