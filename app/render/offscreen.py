"""The Qt application for rendering without a window (CLI, tests, movie and figure export)."""

from __future__ import annotations

import os
import sys

__all__ = ["ensure_qapp"]


def ensure_qapp():
    """The QApplication, created offscreen when there is no display (CLI, tests).

    Returns
    -------
    QtWidgets.QApplication
        The running application, or a new one (``QT_QPA_PLATFORM=offscreen`` when Linux has
        neither X11 nor Wayland, so a headless machine renders instead of aborting).
    """
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") \
            and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication([])
    return app
