"""The one background thread of a panel that runs long work (a sweep, a reservoir run).

The panel's worker function runs in a plain Python thread and reports back through the
panel's queued Qt signals; the GUI thread only starts it, asks it to stop and draws what it
reports. What the panels share lives here: the thread, its cancel flag, the state name and
the Run/Cancel buttons' enabling; what they show (bars, status text, figures) stays theirs.

The thread runs below the GUI thread's priority (:mod:`nwn.app.models.thread_priority`), and
so does everything it starts: a sweep's embedded Dask cluster (its event-loop and offload
threads, and the nanny and worker processes they spawn, inherit the nice value). At the same
priority, with two busy processes on a loaded 2-core machine, the GUI thread of the Sweep
tab's test used 0.1 s of CPU during a 13-15 s sweep but waited 2.7-4.6 s in the kernel's run
queue behind them, in event-loop gaps of up to 0.9 s (2.2 s once, failing the test),
measured from ``/proc/self/task/*/schedstat``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from PySide6 import QtWidgets

from nwn.app.models.thread_priority import lower_thread_priority

__all__ = ["PanelTask"]


class PanelTask:
    """A panel's background thread, its cancel flag and its Run/Cancel buttons.

    Parameters
    ----------
    run_button : QtWidgets.QAbstractButton or sequence of them
        The button(s) that start work: disabled while it runs, enabled when it has ended.
    cancel_button : QtWidgets.QAbstractButton
        Enabled while the work runs (until a cancel is asked for).
    bar : QtWidgets.QProgressBar
        Shows "cancelling…" once a cancel has been asked for.

    Attributes
    ----------
    state : str
        ``idle``, ``running``, ``cancelling``, ``done``, ``cancelled`` or ``failed``.
    cancel_event : threading.Event
        Set when the user cancels the current work (a fresh event for each start, so a late
        check by a previous run cannot see the next run's flag).
    """

    def __init__(self, run_button: QtWidgets.QAbstractButton
                 | Sequence[QtWidgets.QAbstractButton],
                 cancel_button: QtWidgets.QAbstractButton,
                 bar: QtWidgets.QProgressBar) -> None:
        self.run_buttons = (tuple(run_button) if isinstance(run_button, Sequence)
                            else (run_button,))
        self.cancel_button, self.bar = cancel_button, bar
        self.state = "idle"
        self.cancel_event = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """Whether the work is running: started, not yet reported its end (:meth:`ended`),
        and its thread alive (one that died without reporting is not running).

        The thread alone is not enough: its last act is emitting its end, and it was often
        still alive (returning) once the GUI thread had handled that, so a Run pressed right
        after a cancel was refused as "a sweep is already running"."""
        return (self.state in ("running", "cancelling") and self._thread is not None
                and self._thread.is_alive())

    def new_cancel_event(self) -> threading.Event:
        """A fresh cancel flag for the work about to start (returned for its closure)."""
        self.cancel_event = threading.Event()
        return self.cancel_event

    def start(self, work: Callable[[], None], name: str) -> None:
        """Mark the task running, swap the buttons and run ``work`` in a daemon thread."""
        self.state = "running"
        self._enable(running=True)

        def lowered() -> None:
            lower_thread_priority()  # below the GUI thread, and so is all the work starts
            work()

        self._thread = threading.Thread(target=lowered, name=name, daemon=True)
        self._thread.start()

    def cancel(self) -> bool:
        """Ask the running work to stop; True if this call asked (False: nothing to stop)."""
        if not self.busy or self.cancel_event.is_set():
            return False
        self.cancel_event.set()
        self.state = "cancelling"
        self.cancel_button.setEnabled(False)
        self.bar.setFormat("cancelling…")
        return True

    def ended(self, state: str) -> None:
        """The work reported its end (``done``, ``cancelled`` or ``failed``): buttons back."""
        self.state = state
        self._enable(running=False)

    def _enable(self, *, running: bool) -> None:
        for button in self.run_buttons:
            button.setEnabled(not running)
        self.cancel_button.setEnabled(running)

    def shutdown(self, timeout: float) -> None:
        """Cancel any work and wait up to ``timeout`` s for its thread (window closing)."""
        self.cancel()
        if self._thread is not None:
            self._thread.join(timeout)
