"""The Sweep tab's sweep, run in a child process: the studio's process keeps none of its work.

Run in a thread of the studio, a sweep's Python work shared the interpreter lock with the GUI
thread: importing Dask's ``distributed`` as the cluster started, the embedded cluster's
scheduler and client event loop, writing each member to the file, and importing ``xarray``
to read the figure's numbers at the end. On a loaded 2-core machine the GUI thread's
event-loop gaps reached 0.9-1.6 s (2.2 s once, failing the tab's test), each one while the
sweep thread held the lock in an import. Here the sweep runs in a spawned Python process
(:func:`nwn.engine.sweep.run_sweep`, cluster and file included) and reports over a pipe; the
studio's side is a thread that waits on the pipe (the lock released) and forwards what comes.

Messages, in order: any number of ``("progress", fraction, text)`` (run_sweep's progress),
then one of ``("finished", path, numbers)``, ``("cancelled", path, numbers)`` (the file is
unfinished: running the same sweep again continues it) or ``("failed", line)``. ``numbers``
is :func:`figure_numbers` of the file.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["SweepProcess", "figure_numbers"]

#: seconds between two looks at the cancel flag while no message comes
POLL_S = 0.1


def figure_numbers(path: str | Path):
    """``(conductance_summary, n_seeds)`` of a sweep file, or the one-line reason it has
    none (opening the file with xarray takes seconds the first time)."""
    from nwn.app.models.error_text import error_message
    from nwn.engine.sweep import open_sweep

    try:
        with open_sweep(path) as result:
            return result.conductance_summary("final"), len(result.definition.seeds)
    except Exception as error:  # noqa: BLE001 - a figure problem is one line, not a crash
        return error_message(error)


def _child(send, stop, scenario, vary, seeds, workers: int, output: str) -> None:
    """The child process: run the sweep, say how it went, then exit."""
    import numpy as np

    from nwn.app.models.error_text import error_message
    from nwn.engine.sweep import run_sweep

    parent = multiprocessing.parent_process()
    if parent is not None:  # the studio gone (killed): stop, keeping a resumable file
        threading.Thread(target=lambda: (parent.join(), stop.set()), daemon=True).start()
    try:
        result = run_sweep(scenario, vary, seeds, workers=workers, output=output,
                           progress=lambda f, m: send.send(("progress", f, m)),
                           should_stop=stop.is_set)
        with result:
            complete = not np.any(result.status == "pending")
        send.send(("finished" if complete else "cancelled", str(result.path),
                   figure_numbers(result.path)))
    except Exception as error:  # noqa: BLE001 - one line in the tab
        send.send(("failed", error_message(error)))
    finally:
        send.close()


class SweepProcess:
    """One sweep in a spawned child process (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
        The base scenario (pickled to the child).
    vary : list of (str, list)
        Key paths and their values, as :func:`nwn.engine.sweep.run_sweep` takes them.
    seeds : list of int
        Seeds of every combination.
    workers : int
        Worker processes of the child's embedded Dask cluster.
    output : str or Path
        The sweep file.
    """

    def __init__(self, scenario, vary, seeds, *, workers: int, output: str | Path) -> None:
        # spawn, never fork: a fork of the studio would copy its Qt state and threads
        context = multiprocessing.get_context("spawn")
        self._receive, send = context.Pipe(duplex=False)
        self._stop = context.Event()
        # not a daemon: a daemonic process may not start the cluster's worker processes
        self.process = context.Process(
            target=_child, name="nwn-sweep",
            args=(send, self._stop, scenario, vary, list(seeds), workers, str(output)))
        self.process.start()
        send.close()  # the child holds the only writing end: its exit ends the pipe

    def messages(self, should_stop: Callable[[], bool]) -> Iterator[tuple[Any, ...]]:
        """Yield the child's messages until its last one, then wait for it to exit.

        ``should_stop()`` is polled every :data:`POLL_S` s while no message comes; once
        True the child is told to stop (run_sweep's ``should_stop``: members in flight are
        dropped, the cluster is closed, the file kept) and its last message still comes.
        A child that ends without one yields ``("failed", line)`` naming its exit code.
        """
        try:
            while True:
                if should_stop():
                    self._stop.set()
                if not self._receive.poll(POLL_S):
                    continue
                try:
                    message = self._receive.recv()
                except EOFError:  # it exited (or was killed) without saying how it went
                    self.process.join(5.0)
                    yield ("failed", f"the sweep process ended without a result (exit code "
                                     f"{self.process.exitcode})")
                    return
                yield message
                if message[0] != "progress":
                    return
        finally:
            self._receive.close()
            self.process.join(30.0)
