"""Exceptions that escape a Qt slot: never silent, never lost in a terminal nobody reads.

Qt calls Python slots from its event loop; an exception escaping one goes to
:data:`sys.excepthook` (PySide6 prints it and carries on). :func:`install` replaces that hook
while the studio runs: the traceback still goes to stderr (for a bug report) and the window
shows one line naming the exception, so the user knows something failed and what.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

__all__ = ["install", "one_line"]


def one_line(error: BaseException) -> str:
    """``"internal error in the studio: InputError: electrode 'drain' does not exist"``."""
    text = str(error).splitlines()[0] if str(error) else ""
    name = type(error).__name__
    return f"internal error in the studio: {name}: {text}" if text else \
        f"internal error in the studio: {name}"


def install(report: Callable[[str], None]) -> Callable[[], None]:
    """Route uncaught exceptions to ``report(one_line)`` and stderr; returns an ``uninstall``.

    KeyboardInterrupt and SystemExit keep Python's own handling (Ctrl-C still ends the app).
    """
    previous = sys.excepthook

    def hook(kind, error, tb):
        if issubclass(kind, (KeyboardInterrupt, SystemExit)):
            previous(kind, error, tb)
            return
        traceback.print_exception(kind, error, tb, file=sys.stderr)
        try:
            report(one_line(error))
        except Exception:  # noqa: BLE001 - the report itself failing must not loop back here
            traceback.print_exc(file=sys.stderr)

    sys.excepthook = hook

    def uninstall() -> None:
        if sys.excepthook is hook:
            sys.excepthook = previous

    return uninstall
