"""Ctrl-C and SIGTERM on the command line: the one place that decides what a signal does.

The first SIGINT or SIGTERM is remembered (:func:`requested`) and later ones are ignored while
the command cleans up. What else happens depends on where the command is:

* Inside a :func:`polled` block (the time loop of ``nwn run``, the frames of ``nwn movie``)
  the handler only sets the flag. The command polls it (``stop()``), ends its loop at the next
  step or frame, and its clean-up (closing the results file, deleting a movie's partial file)
  runs as ordinary code that no exception can cut short.
* Anywhere else (parsing, imports, building a network) the handler raises
  :class:`KeyboardInterrupt` (:class:`Terminated` for SIGTERM) where the program is, since
  nothing polls there. Should that exception be swallowed (Python ignores exceptions raised in
  weakref callbacks and ``__del__``; its "Exception ignored" report is silenced here), the
  flag is still set: the next :func:`polled` block
  stops at once, and :func:`nwn.app.cli.main.main` ends a command that finished anyway with
  the signal's exit code.

Exit codes are the shell's: 130 after Ctrl-C, 143 after SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["EXIT_INTERRUPTED", "EXIT_TERMINATED", "Terminated", "ignore", "install",
           "interrupt_code", "interrupt_word", "polled", "requested", "requested_code",
           "requested_word", "restore"]

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

_SIGNALS = (signal.SIGINT, signal.SIGTERM)

#: The first signal received since :func:`install` (None: none).
_requested: int | None = None
#: Depth of nested :func:`polled` blocks; while positive the handler raises nothing.
_polling = 0


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is (outside a :func:`polled` block)."""


def requested() -> bool:
    """Whether a SIGINT or SIGTERM arrived since :func:`install`."""
    return _requested is not None


def requested_code() -> int:
    """Exit code for the signal received: 143 for SIGTERM, 130 otherwise."""
    return EXIT_TERMINATED if _requested == signal.SIGTERM else EXIT_INTERRUPTED


def requested_word() -> str:
    """``"terminated"`` (SIGTERM) or ``"interrupted"`` (Ctrl-C)."""
    return "terminated" if _requested == signal.SIGTERM else "interrupted"


def interrupt_code(interrupt: BaseException) -> int:
    """Exit code of a command stopped by a raised interrupt: 143 for SIGTERM, else 130."""
    return EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED


def interrupt_word(interrupt: BaseException) -> str:
    return "terminated" if isinstance(interrupt, Terminated) else "interrupted"


def _on_signal(signum: int, frame) -> None:
    global _requested
    for other in _SIGNALS:  # a second Ctrl-C cannot cut the clean-up short
        signal.signal(other, signal.SIG_IGN)
    if _requested is None:
        _requested = signum
    if _polling:
        return  # the command polls the flag and stops at its next step
    raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def _unraisable(report) -> None:
    """``sys.unraisablehook``: an interrupt raised in a weakref callback or ``__del__`` is
    swallowed by Python; the flag already holds it, so no traceback is printed for it."""
    if isinstance(report.exc_value, KeyboardInterrupt) and _requested is not None:
        return
    _previous_hook(report)


_previous_hook = sys.unraisablehook


def install() -> dict:
    """Install the handler for SIGINT and SIGTERM and clear the flag.

    Returns the handlers replaced (for :func:`restore`); empty off the main thread, where
    Python allows no signal handlers.
    """
    global _requested, _polling, _previous_hook
    _requested, _polling = None, 0
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {"unraisablehook": sys.unraisablehook}
    if sys.unraisablehook is not _unraisable:
        _previous_hook = sys.unraisablehook
        sys.unraisablehook = _unraisable
    for number in _SIGNALS:
        previous[number] = signal.getsignal(number)
        signal.signal(number, _on_signal)
    return previous


def restore(previous: dict) -> None:
    """Put back the handlers :func:`install` replaced (a caller in this process gets its own)."""
    for number, handler in previous.items():
        if number == "unraisablehook":
            sys.unraisablehook = handler
        else:
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)


def ignore() -> None:
    """Ignore SIGINT and SIGTERM from now on (the program is leaving); off the main thread,
    nothing."""
    if threading.current_thread() is threading.main_thread():
        for number in _SIGNALS:
            signal.signal(number, signal.SIG_IGN)


@contextmanager
def polled() -> Iterator[Callable[[], bool]]:
    """A block in which a signal only sets the flag; yields ``stop()``, the flag's reader.

    The block must call ``stop()`` often (every step, every frame) and end its work when it
    returns True; it then says what it kept and returns :func:`requested_code`. A signal that
    arrived before the block (its exception swallowed somewhere) makes ``stop()`` True at once.
    """
    global _polling
    _polling += 1
    try:
        yield requested
    finally:
        _polling -= 1
