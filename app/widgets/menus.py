"""The studio's desktop conventions: View and Help menus and the keyboard shortcuts.

* View: every dock and toolbar (a closed one comes back from here), "Reset layout" (the layout
  the window started with), the colour modes of the canvas (Ctrl+1 ... Ctrl+4).
* Help: About (version and the paper to cite), the documentation, the list of shortcuts.
* Shortcuts: Ctrl+N new, Ctrl+O open, Ctrl+S save, Ctrl+Q quit, Space run/pause, Delete the
  selected electrode, Escape back to the select tool, Ctrl+E export the canvas image,
  Ctrl+Shift+E export a movie, Ctrl+Z / Ctrl+Shift+Z undo/redo.

:func:`install_menus` is called once by :class:`~nwn.app.widgets.studio.MainWindow` after
its File and Edit menus exist; everything here goes through the window's public parts.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from nwn.app.models.palette import COLOR_MODES

__all__ = ["CITATION", "DOCS", "install_menus", "shortcut_table"]

#: The work this simulator implements; shown in Help > About.
CITATION = ("G. Milano et al., \"Self-organizing neuromorphic nanowire networks as stochastic "
            "dynamical systems\", Nature Communications 16 (2025).")
#: The documentation, relative to the project folder (README and docs/).
DOCS = ("README.md", "docs")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nwn-studio")
    except PackageNotFoundError:
        return "unknown"


def docs_path() -> Path | None:
    """The README of the project this package runs from (None for an install without it)."""
    import nwn.app

    root = Path(nwn.app.__file__).resolve().parents[1]
    readme = root / DOCS[0]
    return readme if readme.is_file() else None


def _menu(window: QtWidgets.QMainWindow, title: str) -> QtWidgets.QMenu:
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    return window.menuBar().addMenu(f"&{title}")


def _add(menu: QtWidgets.QMenu, text: str, slot, shortcut=None, tip: str = "",
         window: QtWidgets.QWidget | None = None) -> QtGui.QAction:
    action = menu.addAction(text)
    action.triggered.connect(slot)
    if shortcut is not None:
        action.setShortcut(QtGui.QKeySequence(shortcut))
        action.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    if window is not None:
        window.addAction(action)  # works while the menu bar is hidden, too
    return action


#: Tooltips of the window's own controls (attribute -> tip), given where the control has none.
TOOLTIPS = {
    "deposit_button": "drop the wires in batches and watch clusters join",
    "run_button": "run to the end of the run's duration (Space)",
    "pause_button": "pause the run; Run or Space continues it",
    "step_button": "advance the simulation by one time step",
    "stop_button": "end the run here; the next Run starts again from t = 0",
    "reset_button": "drop this run and start over from t = 0 with the same network",
    "steps_per_frame": "simulation steps between two redraws of the canvas",
    "log_check": "logarithmic colour scale",
    "backbone_check": "show only the wires and junctions carrying more than this fraction of "
                      "the terminal current",
    "backbone_fraction": "fraction of the terminal current I an element must carry to be shown",
    "path_check": "highlight the lowest-resistance path between the two electrodes",
    "path_a": "start electrode of the lowest-resistance path",
    "path_b": "end electrode of the lowest-resistance path",
    "log_g_check": "logarithmic axis for the two-terminal conductance G(t)",
    "time_slider": "scrub back through the snapshots of this run",
}


#: Tooltips of the dock widgets' title-bar buttons (Qt gives them none).
DOCK_BUTTON_TIPS = {"qt_dockwidget_closebutton": "close this panel (View menu brings it back)",
                    "qt_dockwidget_floatbutton": "float this panel as its own window, or "
                                                 "dock it again"}


def install_tooltips(window) -> list[str]:
    """Give the window's controls of :data:`TOOLTIPS` their tip where they have none (a spin
    box's says its range, from the box itself) and the docks' title-bar buttons theirs;
    returns the attribute names set. The panels set their own controls' tips."""
    from nwn.app.widgets.fields import spin_tooltip

    done = []
    for name, tip in TOOLTIPS.items():
        widget = window
        for part in name.split("."):
            widget = getattr(widget, part, None)
        if widget is not None and not widget.toolTip():
            if isinstance(widget, QtWidgets.QAbstractSpinBox):
                spin_tooltip(widget, tip)
            else:
                widget.setToolTip(tip)
            done.append(name)
    for dock in window.findChildren(QtWidgets.QDockWidget):
        for button in dock.findChildren(QtWidgets.QAbstractButton):
            tip = DOCK_BUTTON_TIPS.get(button.objectName())
            if tip is not None and not button.toolTip():
                button.setToolTip(tip)
    return done


def install_menus(window) -> dict[str, QtGui.QAction]:
    """Add the View and Help menus and the shortcuts to ``window``.

    Returns
    -------
    dict
        ``{name: QAction}``; also kept as ``window.menu_actions``.
    """
    actions: dict[str, QtGui.QAction] = {}
    # -- File and Edit: standard shortcuts ------------------------------------------------
    window.action_new.setShortcut(QtGui.QKeySequence.StandardKey.New)
    file_menu = _menu(window, "File")
    for action in file_menu.actions():
        if action.text() == "Quit":
            action.setShortcut(QtGui.QKeySequence("Ctrl+Q"))
            action.setMenuRole(QtGui.QAction.MenuRole.QuitRole)
            actions["quit"] = action
    actions["new"] = window.action_new
    exports = getattr(window, "export_actions", {})
    if "canvas" in exports:
        exports["canvas"].setShortcut(QtGui.QKeySequence("Ctrl+E"))
        actions["export"] = exports["canvas"]
    if "movie" in exports:
        exports["movie"].setShortcut(QtGui.QKeySequence("Ctrl+Shift+E"))
        actions["export_movie"] = exports["movie"]
    edit_menu = _menu(window, "Edit")
    edit_menu.addSeparator()
    actions["run_pause"] = _add(edit_menu, "Run / pause", lambda: run_or_pause(window),
                                "Space", "start the run, or pause it while it runs", window)
    actions["delete"] = _add(edit_menu, "Delete selected electrode",
                             lambda: delete_selected(window), QtGui.QKeySequence.StandardKey.Delete,
                             "delete the electrode selected in the Electrodes table", window)
    actions["escape"] = _add(edit_menu, "Cancel drawing tool", lambda: cancel_tool(window),
                             "Escape", "leave the drawing tool: back to select", window)

    # Right-click on the canvas and the plots: our export entries only (pyqtgraph's scene
    # adds its own "Export..." dialog, which duplicates them and exports editing handles).
    for view in (window.canvas, window.plots):
        view.scene().contextMenu = []

    # -- View ---------------------------------------------------------------------------
    view_menu = _menu(window, "View")
    panels = view_menu.addMenu("Panels")
    for dock in window.findChildren(QtWidgets.QDockWidget):
        toggle = dock.toggleViewAction()
        toggle.setToolTip(f"show or hide the {dock.windowTitle()} panel")
        panels.addAction(toggle)
    toolbars = view_menu.addMenu("Toolbars")
    for bar in window.findChildren(QtWidgets.QToolBar):
        toolbars.addAction(bar.toggleViewAction())
    default_state = window.saveState()
    actions["reset_layout"] = _add(view_menu, "Reset layout",
                                   lambda: reset_layout(window, default_state), None,
                                   "every panel and toolbar back where it started")
    view_menu.addSeparator()
    colours = view_menu.addMenu("Colour by")
    group = QtGui.QActionGroup(window)
    group.setExclusive(True)
    mode_actions = {}
    for k, mode in enumerate(COLOR_MODES):
        action = _add(colours, mode, lambda _=False, m=mode: window.color_mode.setCurrentText(m),
                      f"Ctrl+{k + 1}", f"colour wires and junctions by {COLOR_MODES[mode][0]}",
                      window)
        action.setCheckable(True)
        action.setProperty("long_text", f"Colour by {mode}")  # for the list of shortcuts
        group.addAction(action)
        mode_actions[mode] = action
        actions[f"color_{mode}"] = action

    def sync(mode: str) -> None:
        if mode in mode_actions:
            mode_actions[mode].setChecked(True)
        # The window sets the mode's default log scale after this (signals blocked): follow.
        QtCore.QTimer.singleShot(0, lambda: log.setChecked(window.log_check.isChecked()))

    log = view_menu.addAction("Logarithmic colour scale")
    window.color_mode.currentTextChanged.connect(sync)
    sync(window.color_mode.currentText())
    log.setCheckable(True)
    log.setChecked(window.log_check.isChecked())
    log.toggled.connect(window.log_check.setChecked)
    window.log_check.toggled.connect(log.setChecked)
    actions["log"] = log

    # -- Help ---------------------------------------------------------------------------
    help_menu = _menu(window, "Help")
    actions["about"] = _add(help_menu, "About nwn-studio", lambda: show_about(window), None,
                            "version and the paper to cite")
    actions["docs"] = _add(help_menu, "Documentation", lambda: open_docs(window),
                           QtGui.QKeySequence.StandardKey.HelpContents,
                           "open the README (desktop app, command line, file formats)")
    actions["shortcuts"] = _add(help_menu, "Keyboard shortcuts", lambda: show_shortcuts(window),
                                None, "every keyboard shortcut of this window")
    install_tooltips(window)
    window.menu_actions = actions
    return actions


# -- what the actions do ------------------------------------------------------------------------


def run_or_pause(window) -> None:
    """Space: pause a running simulation, else run."""
    if window.controller.busy:
        window.controller.pause()
    elif window.run_button.isEnabled():
        window.run()
    else:
        window.statusBar().showMessage(window.run_button.toolTip() or "cannot run now", 5000)


def _designing(window) -> bool:
    """Whether Delete and Escape are meant for the electrode designer: its tab shows, or the
    canvas or the electrode table has the keyboard."""
    focus = QtWidgets.QApplication.focusWidget()
    return window.left_tabs.currentWidget() is window.electrodes or focus is window.canvas \
        or (focus is not None and window.electrodes.isAncestorOf(focus))


def delete_selected(window) -> None:
    """Delete: remove the selected electrode (undoable), as Delete on the canvas does."""
    name = window.electrodes.selected_name()
    if name is None or not _designing(window):
        window.statusBar().showMessage("select an electrode (Electrodes tab or canvas) to "
                                       "delete it", 3000)
        return
    window._canvas_key("delete")
    window.statusBar().showMessage(f"deleted electrode {name} (Ctrl+Z brings it back)", 5000)


def cancel_tool(window) -> None:
    """Escape: drop a half-drawn shape and go back to the select tool, as Escape on the
    canvas does."""
    window._canvas_key("escape")


def reset_layout(window, state: QtCore.QByteArray) -> None:
    """Every dock and toolbar back to where the window started (closed ones shown again)."""
    window.restoreState(state)
    for dock in window.findChildren(QtWidgets.QDockWidget):
        dock.setFloating(False)
        dock.show()
    for bar in window.findChildren(QtWidgets.QToolBar):
        bar.show()


def shortcut_table(window) -> list[tuple[str, str]]:
    """``[(keys, what it does)]`` for every action of the window that has a shortcut."""
    seen, rows = set(), []
    for action in window.findChildren(QtGui.QAction):
        keys = action.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText)
        text = (action.property("long_text") or action.text()).replace("&", "").rstrip("…")
        if keys and (keys, text) not in seen:
            seen.add((keys, text))
            rows.append((keys, text))
    return sorted(rows, key=lambda row: row[1].lower())


def show_shortcuts(window) -> QtWidgets.QDialog:
    dialog = QtWidgets.QDialog(window)
    dialog.setWindowTitle("Keyboard shortcuts")
    table = QtWidgets.QTableWidget(0, 2)
    table.setHorizontalHeaderLabels(["keys", "action"])
    table.verticalHeader().hide()
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    for keys, text in shortcut_table(window):
        row = table.rowCount()
        table.insertRow(row)
        table.setItem(row, 0, QtWidgets.QTableWidgetItem(keys))
        table.setItem(row, 1, QtWidgets.QTableWidgetItem(text))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    layout = QtWidgets.QVBoxLayout(dialog)
    layout.addWidget(table)
    close = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
    close.rejected.connect(dialog.reject)
    layout.addWidget(close)
    dialog.resize(460, 520)
    dialog.show()
    window.shortcuts_dialog = dialog
    return dialog


def about_text() -> str:
    docs = docs_path()
    return (f"<h3>nwn-studio {_version()}</h3>"
            "<p>Simulator of self-organizing memristive silver-nanowire networks: deposition, "
            "junction agents, Kirchhoff solver, live view.</p>"
            f"<p>If you use it in published work, cite:<br>{CITATION}</p>"
            + (f"<p>Documentation: {docs}</p>" if docs is not None else ""))


def show_about(window) -> QtWidgets.QMessageBox:
    box = QtWidgets.QMessageBox(window)
    box.setWindowTitle("About nwn-studio")
    box.setTextFormat(QtCore.Qt.TextFormat.RichText)
    box.setText(about_text())
    box.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    box.show()
    window.about_box = box
    return box


def open_docs(window) -> bool:
    """Open the README in the desktop's viewer; say where it is when that fails."""
    docs = docs_path()
    if docs is None:
        window.statusBar().showMessage("the documentation is the README.md of the nwn-studio "
                                       "project", 8000)
        return False
    opened = QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(str(docs)))
    if not opened:
        window.statusBar().showMessage(f"documentation: {docs}", 8000)
    return opened
