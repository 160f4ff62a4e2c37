"""The Qt application for rendering without a window (CLI, tests, movie and figure export)."""

from __future__ import annotations

import os
import sys

from nwn.app.render.gui_garbage import collect_on_gui_thread

__all__ = ["ensure_qapp", "lay_out"]


def ensure_qapp():
    """The QApplication, created offscreen when there is no display (CLI, tests).

    Cyclic garbage is collected on the GUI thread from now on (:mod:`.gui_garbage`).

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
    collect_on_gui_thread()  # render threads must never destroy Qt objects (gui_garbage)
    return app


def lay_out(widget, size: tuple[int, int]) -> None:
    """Give a never-shown pyqtgraph ``GraphicsLayoutWidget`` its size and geometry now, so it
    can be rendered or exported offscreen.

    Parameters
    ----------
    widget : pyqtgraph.GraphicsLayoutWidget
    size : (int, int)
        Width and height (pixels).
    """
    from PySide6 import QtCore, QtWidgets

    widget.resize(*size)
    widget.setSceneRect(QtCore.QRectF(0, 0, *size))
    widget.ci.setGeometry(QtCore.QRectF(0, 0, *size))
    widget.ci.layout.activate()
    QtWidgets.QApplication.processEvents()
