"""Worker processes of the embedded cluster leave Ctrl-C and SIGTERM to the sweep's process.

Ctrl-C in a terminal signals the whole foreground process group: the embedded cluster's worker
processes too, where a KeyboardInterrupt killed the worker's event loop and printed Dask's
tracebacks (``CommClosedError`` from the heartbeat) under the sweep's one line. The sweep's own
process decides what a signal does (:mod:`nwn.app.cli.interrupts`: finish the members written,
cancel the others, close the file) and then kills its workers; so each worker ignores both
signals from the moment it starts. Dask imports this module in every worker (a worker
``preload``) and calls :func:`dask_setup` there, in the worker process's main thread.
"""

from __future__ import annotations

import signal
from typing import Any

__all__ = ["dask_setup"]


def dask_setup(worker: Any) -> None:
    """Ignore SIGINT and SIGTERM in this worker process (Dask's preload hook)."""
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)
