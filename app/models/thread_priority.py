"""The studio's worker threads run below the GUI thread's scheduling priority.

On a busy machine the GUI thread's event-loop gaps were not its own work: while 100,000 wires
were being deposited, a 63-121 ms gap held 6-10 ms of GUI-thread CPU time and 37-88 ms of
waiting in the kernel's run queue behind the process's own workers (the film's frame maker,
the network build, the background rasterizer and its OpenMP team), measured per thread from
``/proc/self/task/*/schedstat``. With every worker at a nice value :data:`WORKER_NICE` above
the GUI thread, Linux's fair scheduler lets a woken GUI thread preempt them; the workers get
the same cores whenever the GUI thread sleeps, which is most of the time.

Linux keeps a nice value per thread (``setpriority(PRIO_PROCESS, tid)``); threads inherit
their creator's, so the OpenMP team a lowered thread starts for the raster kernels runs lowered
too. Elsewhere (macOS, Windows) the call would lower the whole process, so nothing is done.
"""

from __future__ import annotations

import os
import sys
import threading

__all__ = ["WORKER_NICE", "lower_thread_priority"]

#: how many nice levels a worker thread sits below the thread that started the process's GUI
#: (+5: about a third of the GUI thread's scheduler weight; more would starve a worker that
#: holds the interpreter lock behind other processes on a loaded machine)
WORKER_NICE = 5

_STATE = threading.local()  # per thread: ids are reused once a thread ends


def lower_thread_priority() -> bool:
    """Run the calling thread :data:`WORKER_NICE` nice levels below the main (GUI) thread.

    Call it first thing in a worker thread, never on the GUI thread. Returns True when the
    thread runs lowered (now or from an earlier call), False where it cannot (not Linux, or
    the system refused).
    """
    if not sys.platform.startswith("linux"):
        return False
    if getattr(_STATE, "lowered", False):
        return True
    tid = threading.get_native_id()
    if tid == os.getpid():  # the main thread: lowering it would lower the GUI
        return False
    try:
        # relative to the main thread's (the process may run under ``nice`` already); a
        # thread started by a lowered one starts lowered and stays where it is
        target = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + WORKER_NICE)
        if os.getpriority(os.PRIO_PROCESS, tid) < target:
            os.setpriority(os.PRIO_PROCESS, tid, target)
    except OSError:
        return False
    _STATE.lowered = True
    return True
