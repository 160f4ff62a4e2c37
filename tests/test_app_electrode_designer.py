"""The electrode designer: tools, selection both ways, keys, visible contacts, unbuilt and
emptied networks, slot errors (pytest-qt, offscreen, seeded)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore, QtTest, QtWidgets  # noqa: E402
from studio_support import deposit_now, open_window, rebuilt  # noqa: E402

from nwn.app.models.document import Document  # noqa: E402
from nwn.app.render.network_view import ROLE_COLORS  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    yield from open_window(qtbot, tmp_path)


def _to_widget(canvas, x_um, y_um):
    return canvas.mapFromScene(canvas.view.mapViewToScene(QtCore.QPointF(x_um, y_um)))


def _click(canvas, x_um, y_um):
    QtTest.QTest.mouseClick(canvas.viewport(), QtCore.Qt.MouseButton.LeftButton,
                            QtCore.Qt.KeyboardModifier.NoModifier, _to_widget(canvas, x_um, y_um))


def test_stale_table_selection_is_not_an_uncaught_error(qtbot):
    # The table still listing another document's electrodes (as while the window swaps
    # documents) used to raise InputError: electrode 'left' does not exist from
    # ElectrodePanel._selection_changed; pytest-qt fails the test on any slot exception.
    from nwn.app.widgets.panels.electrodes import ElectrodePanel

    panel = ElectrodePanel(Document())
    qtbot.addWidget(panel)
    panel.select("right")
    panel.document = Document.from_preset("two_terminal_pulse")  # source, drain
    panel.table.selectRow(0)  # a selection change before the refresh
    assert panel.selected_name() is None
    panel.refresh()
    panel.select("drain")
    assert panel.selected_name() == "drain"


def test_window_document_swap_with_a_selection(qtbot, window):
    window.electrodes.select("right")
    assert window.open_preset("two_terminal_pulse")
    window.electrodes.select("drain")
    assert window.open_preset("pad_array")
    assert window.electrodes.selected_name() in (None, *[e.name for e in
                                                         window.document.electrodes])


def test_drawing_tool_is_off_outside_the_electrodes_tab(qtbot, window):
    win = window
    win.electrodes.tool_buttons["point"].click()
    assert win.left_tabs.currentWidget() is win.electrodes
    assert win.canvas.view.tool == "point"
    win.left_tabs.setCurrentIndex(0)  # Parameters
    assert win.canvas.view.tool == "select"
    assert win.electrodes.tool_buttons["select"].isChecked()
    before = len(win.document.electrodes)
    _click(win.canvas, 30, 30)  # an inspecting click: no point electrode any more
    qtbot.wait(50)
    assert len(win.document.electrodes) == before
    assert not win.canvas._editable  # no handles outside the tab either


def test_escape_cancels_a_tool_and_its_half_drawn_shape(qtbot, window):
    win = window
    win.electrodes.tool_buttons["polygon"].click()
    _click(win.canvas, 20, 20)
    _click(win.canvas, 30, 20)
    assert len(win.canvas.view._polygon) == 2
    QtTest.QTest.keyClick(win.canvas, QtCore.Qt.Key.Key_Escape)
    assert win.canvas.view.tool == "select" and win.canvas.view._polygon == []
    assert win.electrodes.tool_buttons["select"].isChecked()
    assert len(win.document.electrodes) == 2


def test_delete_key_deletes_the_selected_electrode(qtbot, window):
    win = window
    win.electrodes.select("right")
    QtTest.QTest.keyClick(win.electrodes.table, QtCore.Qt.Key.Key_Delete)
    assert [e.name for e in win.document.electrodes] == ["left"]
    win.document.undo()
    win.electrodes.select("left")
    QtTest.QTest.keyClick(win.canvas, QtCore.Qt.Key.Key_Delete)
    assert [e.name for e in win.document.electrodes] == ["right"]


def test_canvas_click_selects_in_table_and_table_selects_on_canvas(qtbot, window):
    win = window
    win.left_tabs.setCurrentWidget(win.electrodes)
    _click(win.canvas, 58, 30)  # inside the 'right' bar (56-60 µm)
    assert win.electrodes.selected_name() == "right"
    assert win.canvas.selected_electrode == "right"
    win.electrodes.select("left")
    assert win.canvas.selected_electrode == "left"  # the table selects on the canvas


def test_contacts_stand_out_and_labels_sit_beside_them(qtbot, window):
    win = window
    deposit_now(qtbot, win)
    win.document.add_electrode({"type": "line", "points": [[20e-6, 10e-6], [20e-6, 50e-6]]})
    floating = ROLE_COLORS["floating"]
    assert max(floating) - min(floating) > 100  # a colour, not the wires' grey
    image = win.canvas.render_image(700, 700)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(700, 700, 4)[:, :, :3]
    near = np.all(np.abs(pixels.astype(int) - floating) < 40, axis=2)
    assert near.sum() > 150  # the line contact is drawn wide in its colour
    label = next(item for item in win.canvas._electrode_items
                 if hasattr(item, "textItem") and item.textItem.toPlainText().startswith("E1"))
    centre = win.canvas.view.mapViewToScene(QtCore.QPointF(20, 30))
    assert not label.sceneBoundingRect().contains(centre)  # beside, not on the contact
    # zoomed far out, the outline keeps its pixel width (cosmetic pen)
    pens = [item.pen() for item in win.canvas._electrode_items
            if isinstance(item, QtWidgets.QGraphicsPathItem)]
    assert all(pen.isCosmetic() and pen.widthF() >= 2 for pen in pens)


def test_unbuildable_network_is_shown_as_not_built(qtbot, window):
    win = window
    deposit_now(qtbot, win)
    assert win.document.built is not None
    win.document.add_electrode({"type": "point", "centre": [-30e-6, -30e-6], "radius": 1e-6})
    rebuilt(qtbot, win)
    assert win.document.built is None
    assert win.canvas.banner.toPlainText().startswith("not built: electrode 'E1'")
    # every wire drawn in the isolated-wire grey, none in a cluster colour as if connected
    assert np.all(win.canvas.wires._group == 0)
    win.document.undo()
    rebuilt(qtbot, win)
    assert win.document.built is not None
    assert not win.canvas.banner.toPlainText().startswith("not built")


def test_emptied_canvas_keeps_no_stale_messages(qtbot, window):
    win = window
    deposit_now(qtbot, win)
    win.canvas.banner.setText("percolation at wire 200: ...")
    win.inspector.label.setText("junction 3 ...")
    assert win.deposition_panel.values["wires"].text() == "600 / 600"
    win.document.replace(seed=9)  # drops the wires
    assert win.document.wires is None
    assert win.canvas.banner.toPlainText() == ""
    assert win.inspector.label.text() == "hover or click a junction or wire"
    assert win.deposition_panel.values["wires"].text() == "-"
    assert win.deposition_panel.values["percolation"].styleSheet() == ""


def test_percolation_counter_style_resets_on_a_second_deposition(qtbot):
    from types import SimpleNamespace

    from nwn.app.widgets.panels.deposition import DepositionPanel

    panel = DepositionPanel()
    qtbot.addWidget(panel)
    state = SimpleNamespace(n_wires=10, n_junctions=5, n_clusters=2,
                            largest_cluster_fraction=0.5, density_ratio=6.0, percolated=True,
                            percolation_wire=9)
    panel.show_state(state, 10)
    assert "bold" in panel.values["percolation"].styleSheet()
    panel.show_state(SimpleNamespace(**{**vars(state), "percolated": False}), 10)
    assert panel.values["percolation"].text() == "not yet"
    assert panel.values["percolation"].styleSheet() == ""


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_shown_in_the_window(qtbot, window, capsys):
    from nwn.app.widgets import slot_errors
    from nwn.geometry.checks import InputError

    uninstall = slot_errors.install(window.show_error)
    try:
        def broken():
            raise InputError("electrode 'drain' does not exist")

        timer = QtCore.QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(broken)
        timer.start(0)
        qtbot.waitUntil(lambda: window.error_bar.isVisibleTo(window), timeout=3000)
    finally:
        uninstall()
    assert window.error_bar.text() == ("internal error in the studio: InputError: electrode "
                                       "'drain' does not exist")
    assert "Traceback" in capsys.readouterr().err  # and the details for a bug report
