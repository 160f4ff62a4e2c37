"""``nwn-studio``'s entry point (``[project.gui-scripts]``): parse the command line, check that a
window can open, then import the window and run it.

This module imports nothing beyond the standard library at module level, and must stay so:
a spawned child process (the Sweep tab's sweep, each worker of the sweep's Dask cluster)
re-runs its parent's main script as ``__mp_main__``, and for the studio that script is pip's
launcher, ``from nwn.app.widgets.launch import main``. Qt, pyqtgraph and the window are
imported inside :func:`main` so that those children never import them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nwn.app.models.document import Document

__all__ = ["XCB_LIBRARIES", "main"]

#: The X11 libraries Qt's xcb plugin loads beyond what a desktop install always has:
#: (name for ctypes.util.find_library, Debian/Ubuntu package). Qt's own message names only
#: the first one it trips on (and blames xcb-cursor for the others).
XCB_LIBRARIES = (("xcb-cursor", "libxcb-cursor0"), ("xcb-icccm", "libxcb-icccm4"),
                 ("xcb-keysyms", "libxcb-keysyms1"))


def _document_for(argument: str | None) -> Document:
    from pathlib import Path

    from nwn.app.models.document import Document
    from nwn.app.widgets.results_view import RESULT_SUFFIXES

    if argument is None:
        return Document()
    path = Path(argument)
    if path.suffix.lower() in RESULT_SUFFIXES:
        if not path.is_file():
            raise ValueError(f"no such file: {path}")
        return Document()  # the window opens the results file once it shows
    if path.suffix == ".toml" or path.exists():
        return Document.open(path)
    return Document.from_preset(argument)


def _display_problem() -> str:
    """Why no window can open here, in one line ("" when one can).

    Qt would otherwise abort with a multi-line plugin message; on Linux the usual causes are no
    display at all (a server, CI) or the X11 plugin's system library missing.
    """
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return ""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        return ("no display (neither DISPLAY nor WAYLAND_DISPLAY is set): run a preset headless "
                "with `nwn run two_terminal_pulse -o run.h5`, or start an X server")
    if os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        import ctypes.util

        missing = [package for library, package in XCB_LIBRARIES
                   if ctypes.util.find_library(library) is None]
        if missing:
            return (f"Qt's X11 plugin needs system libraries that are missing: "
                    f"{', '.join(missing)} (Debian/Ubuntu: sudo apt install {' '.join(missing)})")
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Open the studio window, optionally with a scenario file or a preset name."""
    import argparse
    import os
    from pathlib import Path

    parser = argparse.ArgumentParser(prog="nwn-studio",
                                     description="Nanowire network studio (GUI).")
    parser.add_argument("scenario", nargs="?",
                        help="scenario TOML file, preset name (see `nwn presets`) or results "
                             "file (.h5) to replay")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    from nwn.app.models.error_text import error_message

    try:
        document = _document_for(args.scenario)
    except ValueError as error:
        print(f"nwn-studio: error: {error_message(error)}", file=sys.stderr)
        return 2
    problem = _display_problem()
    if problem:
        print(f"nwn-studio: error: {problem}", file=sys.stderr)
        return 2
    from PySide6 import QtWidgets

    from nwn.app.widgets import slot_errors
    from nwn.app.widgets.results_view import RESULT_SUFFIXES, open_results
    from nwn.app.widgets.studio import MainWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    app.setApplicationName("nwn-studio")
    window = MainWindow(document)
    slot_errors.install(window.show_error)  # a failing slot shows in the window, not only stderr
    window.show()
    if args.scenario is not None and Path(args.scenario).suffix.lower() in RESULT_SUFFIXES:
        open_results(window, args.scenario)  # a finished run: replay it
    elif args.scenario is not None:
        window.deposit()  # a scenario was asked for: show its network forming right away
    code = int(app.exec())
    from nwn.app.widgets.worker import left_running

    if left_running():
        # Closing gave up on a hung step (RunController.shutdown, which said so on stderr):
        # leaving through the interpreter's exit would wait for it for ever.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
