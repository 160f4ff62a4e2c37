"""Ending the ``nwn`` process without the interpreter's teardown, when nothing needs it.

Once a command has returned, its outputs are written and closed. What CPython does after that
is mostly to free every module and object one by one (numba's typing tables and LLVM objects,
scipy, h5py): 0.15-0.25 s of a one-step ``nwn run``, a fifth of the whole command, and
nothing of it is seen outside the process. :func:`leave` does the part of the interpreter's
exit that can matter outside it, in the interpreter's own order (threads, then the
:mod:`atexit` handlers: logging's flush, the ``weakref.finalize`` clean-ups such as temporary
directories, multiprocessing's children; then stdout and stderr), and ends the process with
:func:`os._exit`.

It takes the ordinary exit instead whenever skipping the teardown could lose something:

* a non-daemon thread is still running (the interpreter would wait for it);
* an HDF5 file is still open (the HDF5 library closes and flushes those in its own C exit
  handler, which :func:`os._exit` does not run);
* a profiler or tracer is installed (``python -m cProfile``, coverage: they write their
  report after the program returns), or the session is interactive (``python -i``);
* stdout or stderr cannot be flushed (the ordinary exit reports it and exits 120).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading

__all__ = ["can_skip_teardown", "leave"]


def can_skip_teardown() -> bool:
    """Whether ending the process now by :func:`os._exit` loses nothing (see the module)."""
    if sys.flags.interactive or sys.getprofile() is not None or sys.gettrace() is not None:
        return False
    main = threading.main_thread()
    if any(thread is not main and not thread.daemon and thread.is_alive()
           for thread in threading.enumerate()):
        return False
    h5py = sys.modules.get("h5py")
    if h5py is not None:
        files = h5py.h5f.get_obj_count(h5py.h5f.OBJ_ALL, h5py.h5f.OBJ_FILE)
        if files:
            return False
    return True


def _flushed() -> bool:
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe or stream: the ordinary exit reports it
        return False
    return True


def leave(code: int) -> None:
    """End the process with exit status ``code``, skipping the teardown where that is safe.

    Returns (and the caller exits the ordinary way) when it is not; see the module docstring.
    """
    if not (can_skip_teardown() and _flushed()):
        return
    atexit._run_exitfuncs()  # noqa: SLF001 - the interpreter's own exit runs exactly these
    _flushed()  # what the handlers printed; a failure now has nobody left to report to
    os._exit(code)
