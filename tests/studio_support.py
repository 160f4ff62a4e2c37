"""The studio window as the GUI tests open it: a throw-away settings file, no unsaved-changes
prompt, a fixed size, and a deposition that runs without its animation; and the walk that
finds controls without a tooltip."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

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


def rebuilt(qtbot, win, timeout_ms: int = 20_000) -> None:
    """Wait for the circuit graph an edit asked for (built in a worker thread)."""
    qtbot.waitUntil(lambda: not win.document.rebuilding and not win.rebuild_job.busy,
                    timeout=timeout_ms)


#: The controls a person clicks or types into.
CONTROLS = (QtWidgets.QAbstractButton, QtWidgets.QLineEdit, QtWidgets.QAbstractSpinBox,
            QtWidgets.QComboBox, QtWidgets.QSlider, QtWidgets.QCheckBox)
#: Qt's own chrome: the toolbar's and menu bar's overflow arrows and a table's corner button.
QT_CHROME = ("qt_toolbar_ext_button", "qt_menubar_ext_button", "qt_tableview_cornerbutton")


def _part_of_another_control(widget: QtWidgets.QWidget) -> bool:
    """A spin box's or combo box's own line edit, or a tab bar's scroll arrow: Qt shows the
    control's tooltip over it (an unanswered tooltip event goes to the parent)."""
    parent = widget.parentWidget()
    return isinstance(parent, (QtWidgets.QAbstractSpinBox, QtWidgets.QComboBox,
                               QtWidgets.QTabBar)) or widget.objectName() in QT_CHROME


def _name(widget: QtWidgets.QWidget) -> str:
    """``Panel.attribute`` where a panel holds the widget, else its class, text and parents."""
    parent = widget.parentWidget()
    while parent is not None:
        attribute = next((k for k, v in vars(parent).items() if v is widget), None)
        if attribute is not None:
            return f"{type(parent).__name__}.{attribute}"
        parent = parent.parentWidget()
    text = widget.text() if isinstance(widget, QtWidgets.QAbstractButton) else ""
    if isinstance(widget, QtWidgets.QLineEdit):
        text = widget.placeholderText() or widget.text()
    where = []
    parent = widget.parentWidget()
    while parent is not None and len(where) < 3:
        if not parent.objectName().startswith("qt_"):
            where.append(parent.objectName() or type(parent).__name__)
        parent = parent.parentWidget()
    return f"{type(widget).__name__} {widget.objectName() or text!r} in {' < '.join(where)}"


def controls_without_tooltip(window) -> set[str]:
    """Every control in ``window`` (a main window or a dialog), shown or not, enabled or not,
    that has no tooltip, named as ``Panel.attribute`` where a panel holds it."""
    return {_name(w) for w in window.findChildren(QtWidgets.QWidget)
            if isinstance(w, CONTROLS) and not _part_of_another_control(w)
            and not w.toolTip().strip()}
