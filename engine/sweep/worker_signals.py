"""Worker processes of the embedded cluster leave Ctrl-C and SIGTERM to the sweep's process.

Ctrl-C in a terminal signals the whole foreground process group: the embedded cluster's worker
processes too, where a KeyboardInterrupt killed the worker's event loop and printed Dask's
tracebacks (``CommClosedError`` from the heartbeat) under the sweep's one line. The sweep's own
process decides what a signal does (:mod:`nwn.app.cli.interrupts`: finish the members written,
cancel the others, close the file) and then kills its workers; so each worker ignores both
signals from its first instruction to its end:

* :func:`starting_workers` wraps the cluster's start-up: the threads that start worker
  processes block both signals, and a process inherits its signal mask from the thread that
  starts it (across ``exec``), so a signal that reaches a worker while it is still importing
  Dask waits, blocked, instead of raising KeyboardInterrupt there;
* :func:`dask_setup` (Dask imports this module in every worker, a worker ``preload``) then
  makes the worker ignore both signals, which also discards one waiting.

The sweep's process itself still gets every signal at once (its other threads do not block
them) or, at the latest, when the start-up ends.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["SIGNALS", "dask_setup", "starting_workers"]

#: What a terminal or a job manager sends to stop a sweep.
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def dask_setup(worker: Any) -> None:
    """Ignore SIGINT and SIGTERM in this worker process (Dask's preload hook)."""
    for number in SIGNALS:
        signal.signal(number, signal.SIG_IGN)


@contextmanager
def starting_workers() -> Iterator[None]:
    """Block SIGINT and SIGTERM in this thread (and the threads it starts) meanwhile.

    The cluster's event-loop thread and the threads that start worker processes are started
    in this block, so they and every worker process they start (now, or a restart later)
    inherit the blocked mask. The mask this thread had is restored at the end; a signal sent
    to this process and not yet taken by one of its other threads is delivered then.
    Without ``pthread_sigmask`` (Windows, where Ctrl-C does not reach the workers this way)
    nothing is done.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    # multiprocessing starts its resource tracker (one per process) with both signals blocked
    # and then *unblocks* them in the thread that started it: started here first, so that a
    # worker-starting thread never unblocks them.
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
