"""Python's cyclic garbage is collected on the GUI thread, never on a worker thread.

CPython runs its cycle collector in whichever thread happens to allocate past the collector's
threshold. In this program that is often a worker: a deposition, a network build, a run, a
sweep, the raster thread. When the garbage it finds holds a Qt object (a closed dialog's menu,
a plot item caught in a reference cycle), the object is destroyed on that worker: Qt takes its
own object mutex, then PySide asks for the GIL to look for a Python override, while the GUI
thread holds the GIL and waits on that same mutex to destroy another object. Both wait for
ever. The test suite froze this way (a sweep started after many windows had been closed) and
so could a user's studio after a few depositions.

pyqtgraph ships the cure: its ``GarbageCollector`` turns automatic collection off and collects
from a QTimer, which fires on the GUI thread. :func:`collect_on_gui_thread` installs one per
process and keeps it alive.
"""

from __future__ import annotations

import gc

__all__ = ["collect_on_gui_thread", "collect_now", "freeze_start_up"]

_COLLECTOR = None  # the process's one collector; a second QTimer would only add work
_FROZEN = False

INTERVAL_S = 1.0  # seconds between checks: generation counts only, so a check costs microseconds


def collect_on_gui_thread():
    """Move cyclic garbage collection onto the GUI thread (idempotent).

    Call it on the GUI thread once the QApplication exists.

    Returns
    -------
    pyqtgraph.util.garbage_collector.GarbageCollector
        The process's collector (kept alive here; its timer checks every ``INTERVAL_S``).
    """
    global _COLLECTOR
    if _COLLECTOR is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _COLLECTOR = GarbageCollector(interval=INTERVAL_S)  # turns automatic collection off
    gc.disable()  # and keeps it off, should anything have turned it back on
    return _COLLECTOR


def collect_now() -> None:
    """Collect what the generation counts call for, here and now (on the calling thread).

    For callers on the GUI thread that run no event loop for a while (a test between two
    windows): the same check the timer makes.
    """
    if _COLLECTOR is not None:
        _COLLECTOR.check()


def freeze_start_up() -> None:
    """Take what is alive now out of the collector's sight, once per process (``gc.freeze``).

    Call it on the GUI thread once the first window is built. The ~200,000 objects of the
    imported libraries and the window live as long as the process; a full (generation 2)
    collection scanned them all on the GUI thread, which stalled the event loop 115 ms during
    a 100,000-wire deposition on a loaded machine. Frozen objects are never collected, so the
    garbage there is now is collected first.
    """
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.collect()
        gc.freeze()
