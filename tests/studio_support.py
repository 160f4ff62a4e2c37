"""The studio window as the GUI tests open it: a throw-away settings file, no unsaved-changes
prompt, a fixed size, and a deposition that runs without its animation."""

from __future__ import annotations

from PySide6 import QtCore

from nwn.app.models.document import Document


def open_window(qtbot, tmp_path, document: Document | None = None):
    """Yield a shown ``MainWindow`` (1300 x 850 px) whose settings live in ``tmp_path``.

    Use as ``yield from open_window(qtbot, tmp_path)`` inside a fixture; the window is closed
    when the fixture finishes.
    """
    from nwn.app.widgets.studio import MainWindow

    settings = QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)
    win = MainWindow(document if document is not None else Document(), settings=settings)
    win.ask_unsaved = lambda: "discard"
    qtbot.addWidget(win)
    win.resize(1300, 850)
    win.show()
    yield win
    win.close()


def deposit_now(qtbot, win, timeout_ms: int = 20_000) -> None:
    """Deposit the document's film with no animation and wait until it is shown."""
    win.deposit_seconds.setValue(0)
    win.deposit()
    qtbot.waitUntil(lambda: not win.depositing, timeout=timeout_ms)
