"""Files and desktop conventions of the studio: Save As adds .toml, dialogs remember folders,
nothing is overwritten unasked, TOML without float noise, View/Help menus, shortcuts, the
canvas menu, one palette and one colour-mode list for app and command line."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6 import QtCore, QtGui, QtTest, QtWidgets  # noqa: E402
from studio_support import open_window  # noqa: E402

from nwn.app.models.document import Document  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    yield from open_window(qtbot, tmp_path)


class Dialogs:
    """Stand-ins for the Qt file dialogs: record the start path, answer with a queued path."""

    def __init__(self, win):
        self.starts, self.answers, self.confirmed = [], [], []
        self.replace = True
        win.dialogs.get_save = self._answer
        win.dialogs.get_open = self._answer
        win.dialogs.confirm = self._confirm

    def _answer(self, parent, title, start, filters):
        self.starts.append(start)
        return str(self.answers.pop(0)) if self.answers else ""

    def _confirm(self, parent, paths):
        self.confirmed.append(list(paths))
        return self.replace


def test_save_as_adds_toml_and_dialogs_remember_the_folder(window, tmp_path):
    win = window
    fake = Dialogs(win)
    folder = tmp_path / "scenarios"
    folder.mkdir()
    fake.answers = [folder / "grid_layout"]
    assert win.save_as_dialog()
    assert (folder / "grid_layout.toml").is_file()
    assert not (folder / "grid_layout").exists()
    assert win.document.path.name == "grid_layout.toml"
    # The next dialog of the same kind starts in that folder, an open dialog too.
    fake.answers = [""]
    win.save_as_dialog()
    assert fake.starts[-1] == str(folder / "grid_layout.toml")
    win.open_dialog()
    assert fake.starts[-1] == str(folder)
    # ...and remembers across windows (the settings file).
    assert win.dialogs.folder("scenario") == str(folder)
    # An upper-case extension is kept as it is.
    fake.answers = [folder / "Other.TOML"]
    assert win.save_as_dialog()
    assert (folder / "Other.TOML").is_file()


def test_save_as_asks_before_replacing_a_file(window, tmp_path):
    win = window
    fake = Dialogs(win)
    existing = tmp_path / "keep.toml"
    existing.write_text("precious = 1\n")
    # The name typed has no extension: the file that would be replaced is keep.toml.
    fake.answers = [tmp_path / "keep"]
    fake.replace = False
    assert not win.save_as_dialog()
    assert fake.confirmed == [[existing]]
    assert existing.read_text() == "precious = 1\n"
    fake.answers = [tmp_path / "keep"]
    fake.replace = True
    assert win.save_as_dialog()
    assert "[network]" in existing.read_text()


def test_exports_ask_before_replacing_the_files_they_write(window, tmp_path):
    win = window
    fake = Dialogs(win)
    fake.replace = False
    stem = tmp_path / "fig.png"
    (tmp_path / "fig_current.png").write_bytes(b"old")
    fake.answers = [stem]
    win.export_actions["plots"].trigger()
    assert fake.confirmed == [[tmp_path / "fig_current.png"]]
    assert (tmp_path / "fig_current.png").read_bytes() == b"old"
    assert not (tmp_path / "fig_voltage.png").exists()
    fake.replace = True
    fake.answers = [stem]
    win.export_actions["plots"].trigger()
    assert (tmp_path / "fig_current.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "fig_voltage.png").is_file()


def test_saved_toml_has_no_float_noise(tmp_path):
    import dataclasses

    from nwn.engine.scenario import load_scenario, shortest_float

    noisy = float("0.00015000000000000001")
    assert noisy != 0.00015  # a different float, one unit in the last place away
    assert shortest_float(noisy) == "0.00015"
    assert shortest_float(0.1 + 0.2) == "0.3"
    # Every value reads back within 2 units in the last place; most exactly.
    import math
    import random

    rng = random.Random(3)
    for value in [1 / 3, 2.0 / 7e-6, 1e-300, 5e-324, 123456789.123] + \
            [rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30) for _ in range(2000)]:
        assert abs(float(shortest_float(value)) - value) <= 2 * math.ulp(value)
    assert float(shortest_float(1 / 3)) == 1 / 3
    document = Document()
    network = document.scenario.network
    document.replace(network=dataclasses.replace(network, box=(noisy, noisy)))
    path = document.save(tmp_path / "s.toml")
    text = path.read_text()
    assert "0.00015000000000000001" not in text and "box = [0.00015, 0.00015]" in text
    assert load_scenario(path).network.box == (0.00015, 0.00015)


def test_view_menu_restores_closed_docks_and_resets_the_layout(window, qtbot):
    win = window
    menus = {a.text().replace("&", ""): a.menu() for a in win.menuBar().actions()}
    assert {"File", "Edit", "View", "Help"} <= set(menus)
    panels = next(a.menu() for a in menus["View"].actions() if a.text() == "Panels")
    titles = {a.text() for a in panels.actions()}
    assert {"Setup", "Measurements", "Analysis", "Sweep", "Compute"} <= titles
    dock = win.findChild(QtWidgets.QDockWidget, "setupDock")
    dock.close()
    qtbot.waitUntil(lambda: not dock.isVisible())
    next(a for a in panels.actions() if a.text() == "Setup").trigger()
    qtbot.waitUntil(dock.isVisible)
    dock.close()
    win.findChild(QtWidgets.QDockWidget, "plotsDock").setFloating(True)
    win.menu_actions["reset_layout"].trigger()
    qtbot.waitUntil(dock.isVisible)
    assert not win.findChild(QtWidgets.QDockWidget, "plotsDock").isFloating()


def test_colour_modes_in_the_view_menu_follow_the_toolbar(window):
    from nwn.app.models.palette import COLOR_MODES

    win = window
    assert [win.color_mode.itemText(k) for k in range(win.color_mode.count())] == \
        list(COLOR_MODES)
    win.menu_actions["color_current"].trigger()
    assert win.color_mode.currentText() == "current" and win.canvas.color_mode == "current"
    win.color_mode.setCurrentText("voltage")
    assert win.menu_actions["color_voltage"].isChecked()
    # The log entry follows the mode's default scale (current: log, voltage: linear).
    QtTest.QTest.qWait(20)
    assert win.menu_actions["log"].isChecked() == win.log_check.isChecked() is False
    win.color_mode.setCurrentText("current")
    QtTest.QTest.qWait(20)
    assert win.menu_actions["log"].isChecked() and win.log_check.isChecked()
    win.color_mode.setCurrentText("voltage")
    assert not win.menu_actions["color_current"].isChecked()
    assert win.menu_actions["color_state"].shortcut().toString() == "Ctrl+1"


def test_help_about_shows_version_and_citation_and_lists_shortcuts(window):
    from importlib.metadata import version

    from nwn.app.widgets import menus

    win = window
    win.menu_actions["about"].trigger()
    text = win.about_box.text()
    assert version("nwn-studio") in text and "Nature Communications" in text
    assert "Milano" in text
    assert menus.docs_path() is not None and menus.docs_path().name == "README.md"
    win.menu_actions["shortcuts"].trigger()
    rows = dict((text, keys) for keys, text in menus.shortcut_table(win))
    for keys, text in (("Ctrl+N", "New"), ("Ctrl+Q", "Quit"), ("Space", "Run / pause"),
                       ("Del", "Delete selected electrode"), ("Esc", "Cancel drawing tool"),
                       ("Ctrl+E", "Network image (PNG/SVG)")):
        assert rows.get(text) == keys, (text, rows.get(text))
    table = win.shortcuts_dialog.findChild(QtWidgets.QTableWidget)
    assert table.rowCount() == len(rows)


def _key(win, key, modifier=QtCore.Qt.KeyboardModifier.NoModifier):
    QtTest.QTest.keyClick(win, key, modifier)
    QtWidgets.QApplication.processEvents()


def test_shortcuts_do_what_they_say(window, qtbot):
    win = window
    win.activateWindow()
    win.setFocus()
    # Escape leaves a drawing tool.
    win.electrodes.tool_buttons["rectangle"].click()
    assert win.canvas.view.tool == "rectangle"
    win.menu_actions["escape"].trigger()
    assert win.canvas.view.tool == "select"
    assert win.electrodes.tool_buttons["select"].isChecked()
    # Delete removes the selected electrode (undoable), while the designer is in view only.
    names = [e.name for e in win.document.electrodes]
    win.left_tabs.setCurrentIndex(0)  # Parameters
    win.electrodes.select(names[0])
    win.time_slider.setFocus()
    win.menu_actions["delete"].trigger()
    assert [e.name for e in win.document.electrodes] == names
    win.left_tabs.setCurrentWidget(win.electrodes)
    win.electrodes.select(names[0])
    win.menu_actions["delete"].trigger()
    assert [e.name for e in win.document.electrodes] == names[1:]
    win.document.undo()
    assert [e.name for e in win.document.electrodes] == names
    # Space runs (here: nothing deposited, so it says why instead).
    win.menu_actions["run_pause"].trigger()
    assert not win.controller.busy
    assert win.statusBar().currentMessage()
    # Ctrl+N asks about unsaved changes and starts a new document.
    asked = []
    win.document.replace(seed=99)
    win.ask_unsaved = lambda: asked.append(1) or "discard"
    for action in win.findChildren(QtGui.QAction):
        if action.shortcut() == QtGui.QKeySequence("Ctrl+N"):
            action.trigger()
    assert asked and win.document.scenario.seed != 99


def test_canvas_menu_has_no_duplicate_pyqtgraph_export(window):
    win = window
    assert win.canvas.scene().contextMenu == []
    assert win.plots.scene().contextMenu == []
    texts = [a.text() for a in win.canvas.view.menu.actions()]
    assert "Export..." not in texts
    assert win.export_actions["canvas"] in win.canvas.view.menu.actions()


def test_every_toolbar_control_has_a_tooltip(window):
    win = window
    kinds = (QtWidgets.QAbstractButton, QtWidgets.QComboBox, QtWidgets.QAbstractSpinBox,
             QtWidgets.QSlider)
    missing = []
    for bar in win.findChildren(QtWidgets.QToolBar):
        for widget in bar.findChildren(QtWidgets.QWidget):
            if isinstance(widget, kinds) and widget.objectName() != "qt_toolbar_ext_button" \
                    and not widget.toolTip():
                missing.append(widget.text() if hasattr(widget, "text") else type(widget).__name__)
    assert missing == []
    assert win.time_slider.toolTip()


def test_one_palette_and_one_colour_list_for_app_and_command_line(capsys):
    import pyqtgraph as pg

    from nwn.app.cli.main import main
    from nwn.app.models.palette import COLOR_MODES, DEFAULT_COLOR_MODE, trace_color
    from nwn.app.render.export import trace_figure
    from nwn.app.render.movie import COLOR_FIELDS, MovieOptions
    from nwn.app.widgets.panels.plots import PlotsPanel

    assert COLOR_FIELDS == tuple(COLOR_MODES) and MovieOptions().color == DEFAULT_COLOR_MODE
    for command in (["run", "--help"], ["movie", "--help"]):
        with pytest.raises(SystemExit):
            main(command)
        text = " ".join(capsys.readouterr().out.split())
        assert "{state,conductance,current,voltage}" in text
        assert f"(default: {DEFAULT_COLOR_MODE})" in text
    panel = PlotsPanel()
    panel.set_electrodes(["a", "b", "c"])
    app_colors = [c.opts["pen"].color().getRgb()[:3] for c in panel._current_curves]

    class Traces:
        import numpy as np
        t = np.linspace(0, 1, 5)
        terminal_voltage = np.ones((5, 3))
        terminal_current = np.ones((5, 3))
        conductance = np.ones(5)
        electrode_names = ("a", "b", "c")

    figure = trace_figure(Traces(), size=(300, 300))
    plot = figure.getItem(0, 0)
    cli_colors = [item.opts["pen"].color().getRgb()[:3] for item in plot.listDataItems()]
    assert app_colors == cli_colors == [trace_color(k) for k in range(3)]
    figure.deleteLater()
    panel.deleteLater()
    assert pg is not None


def test_cli_help_and_missing_files(capsys, tmp_path):
    from nwn.app.cli.main import main

    with pytest.raises(SystemExit):
        main(["fit", "--help"])
    text = capsys.readouterr().out
    assert "``" not in text and "REPORT_DIR/fit.json" in text
    assert main(["run", str(tmp_path / "nope.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"nwn: error: no such file: {tmp_path / 'nope.toml'}"
    # One check of the colour for both commands: the same one line, exit 2.
    for argv in (["run", "two_terminal_pulse", "-o", str(tmp_path / "r.h5"), "--movie",
                  str(tmp_path / "m.mp4"), "--movie-color", "pressure"],
                 ["movie", str(tmp_path / "r.h5"), "-o", str(tmp_path / "m.mp4"), "--color",
                  "pressure"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "color must be one of" in err, err


def test_figure_exports_take_the_windows_figure_size(window, qtbot, tmp_path):
    from PIL import Image

    from nwn.app.render.export import FigureSize
    from nwn.app.widgets.export_dialog import FigureSizeDialog

    win = window
    assert win.figure_size == FigureSize()  # one column at 300 dpi unless changed
    dialog = FigureSizeDialog(win.figure_size, win)
    qtbot.addWidget(dialog)
    dialog.width_mm.setValue(60)
    dialog.dpi.setValue(600)
    assert dialog.value() == FigureSize(60.0, 600.0) and dialog.pixels.text() == "1417 px"
    win.figure_size = dialog.value()
    fake = Dialogs(win)
    fake.answers = [tmp_path / "net"]  # the extension is added
    win.export_actions["canvas"].trigger()
    image = Image.open(tmp_path / "net.png")
    assert image.width == 1417 and image.info["dpi"] == pytest.approx((600, 600), abs=0.5)
    assert "600 dpi" in win.statusBar().currentMessage()


def test_the_movie_dialog_remembers_its_folder(window, tmp_path):
    from nwn.app.widgets.export_dialog import ExportDialog
    from nwn.app.widgets.menus import TOOLTIPS

    win = window
    assert TOOLTIPS  # (the window's tooltip table is in use)
    fake = Dialogs(win)
    folder = tmp_path / "movies"
    folder.mkdir()

    class Source:
        frame_times = [0.0, 1.0]

    dialog = ExportDialog(Source(), win)
    fake.answers = [folder / "pulse"]
    dialog._browse()
    assert dialog.path.text() == str(folder / "pulse.mp4")
    again = ExportDialog(Source(), win)
    fake.answers = [""]
    again._browse()
    assert fake.starts[-1] == str(folder / "movie.mp4")
    dialog.deleteLater()
    again.deleteLater()
