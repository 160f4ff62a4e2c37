"""The studio window end to end (pytest-qt, offscreen, seeded, small networks)."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore, QtGui, QtTest  # noqa: E402
from studio_support import deposit_now, open_window, rebuilt  # noqa: E402

from nwn.app.render.network_view import PATH_COLOR, ROLE_COLORS, UM  # noqa: E402
from nwn.engine.scenario import load_scenario  # noqa: E402


@pytest.fixture
def window(qtbot, tmp_path):
    yield from open_window(qtbot, tmp_path)


def _deposit(qtbot, win):
    deposit_now(qtbot, win)
    assert win.document.built is not None


def _drag(viewport, start, end):
    """Left-button drag with explicit button state (QTest.mouseMove carries no buttons)."""
    left = QtCore.Qt.MouseButton.LeftButton
    QtTest.QTest.mousePress(viewport, left, QtCore.Qt.KeyboardModifier.NoModifier, start)
    steps = 8
    for k in range(1, steps + 1):
        point = QtCore.QPointF(start + (end - start) * (k / steps))
        event = QtGui.QMouseEvent(QtCore.QEvent.Type.MouseMove, point,
                                  viewport.mapToGlobal(point), QtCore.Qt.MouseButton.NoButton,
                                  left, QtCore.Qt.KeyboardModifier.NoModifier)
        QtCore.QCoreApplication.sendEvent(viewport, event)
        QtTest.QTest.qWait(20)  # pyqtgraph delivers drag moves at most once per event pass
    QtTest.QTest.mouseRelease(viewport, left, QtCore.Qt.KeyboardModifier.NoModifier, end)


def _to_widget(canvas, x_um, y_um):
    scene = canvas.view.mapViewToScene(QtCore.QPointF(x_um, y_um))
    return canvas.mapFromScene(scene)


def test_launch_deposit_draw_move_run_scrub_save_reload(qtbot, window, tmp_path):
    win = window
    _deposit(qtbot, win)
    assert win.deposition_panel.values["wires"].text() == "600 / 600"
    # draw a rectangle electrode with the mouse in the middle of the substrate
    win.electrodes.tool_buttons["rectangle"].click()
    viewport = win.canvas.viewport()
    _drag(viewport, _to_widget(win.canvas, 25, 25), _to_widget(win.canvas, 35, 35))
    qtbot.waitUntil(lambda: len(win.document.electrodes) == 3, timeout=5000)
    drawn = win.document.electrodes[-1]
    x0, y0, x1, y1 = (v * UM for v in drawn.shape["bounds"])
    assert abs(x0 - 25) < 1.5 and abs(x1 - 35) < 1.5 and abs(y0 - 25) < 1.5
    rebuilt(qtbot, win)
    # move it with the select tool by dragging its handle body
    win.electrodes.tool_buttons["select"].click()
    qtbot.waitUntil(lambda: drawn.name in win.canvas._rois, timeout=5000)
    _drag(viewport, _to_widget(win.canvas, 29, 29), _to_widget(win.canvas, 39, 29))
    qtbot.waitUntil(lambda: win.document.electrodes[-1].shape != drawn.shape, timeout=5000)
    moved = win.document.electrodes[-1].shape["bounds"]
    assert abs((moved[0] - drawn.shape["bounds"][0]) * UM - 10) < 1.5
    win.document.undo()
    assert win.document.electrodes[-1].shape == drawn.shape
    win.document.redo()
    rebuilt(qtbot, win)
    # run N steps, pause, scrub
    win.paced.setChecked(False)
    win.steps_per_frame.setValue(5)
    assert win.step(40)
    qtbot.waitUntil(lambda: win.controller.state == "paused", timeout=20_000)
    assert win.controller.simulation.step_index == 40
    qtbot.wait(100)
    assert len(win.controller.history) >= 5
    win.time_slider.setValue(2)
    shown = win.displayed_snapshot()
    assert shown is win.controller.history[2] and shown.step < 40
    assert win.time_label.text().startswith(f"t = {shown.t:.6g}")
    # save and reload: identical scenario
    path = tmp_path / "designed.toml"
    assert win.save_to(path)
    assert not win.document.dirty
    assert load_scenario(path) == win.document.scenario
    results = tmp_path / "run.h5"
    assert win.save_results(results)
    import h5py

    with h5py.File(results, "r") as file:
        assert file["t"].shape[0] >= 40


def test_bad_parameter_refused_with_visible_message(qtbot, window):
    win = window
    _deposit(qtbot, win)
    before = win.document.scenario
    field = win.parameters.fields["dt"]
    field.setFocus()
    field.selectAll()
    QtTest.QTest.keyClicks(field, "-2")
    assert win.document.scenario.run == before.run  # refused, not committed
    # named as the label shows it, in the unit it is shown in; the reason in the status bar
    assert "dt must be > 0 ms (got -2 ms)" in win.parameters.message.text()
    assert not win.run_button.isEnabled() and not win.deposit_button.isEnabled()
    assert "dt must be > 0 ms" in win.run_reason.text()
    assert win.run_reason.parent() is win.statusBar() or \
        win.statusBar().isAncestorOf(win.run_reason)
    field.selectAll()
    QtTest.QTest.keyClicks(field, "2")
    QtTest.QTest.keyClick(field, QtCore.Qt.Key.Key_Return)
    assert win.run_button.isEnabled()
    assert win.document.scenario.run.dt == pytest.approx(2e-3)


def test_electrode_touching_no_wire_is_flagged(qtbot, window):
    win = window
    _deposit(qtbot, win)
    win.document.add_electrode({"type": "point", "centre": [-30e-6, -30e-6], "radius": 1e-6})
    rebuilt(qtbot, win)
    name = win.document.electrodes[-1].name
    assert name in win.document.flagged
    assert not win.run_button.isEnabled()
    assert "touches no wire" in win.run_reason.text()


def test_screenshot_shows_electrodes_and_pathway(qtbot, window):
    win = window
    _deposit(qtbot, win)
    win.paced.setChecked(False)
    win.steps_per_frame.setValue(50)
    assert win.step(200)
    qtbot.waitUntil(lambda: win.controller.state == "paused", timeout=30_000)
    qtbot.wait(100)
    win.color_mode.setCurrentText("current")
    win.path_check.setChecked(True)
    assert win.canvas.path_edges.size > 0
    image = win.canvas.render_image(800, 700)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(700, 800, 4)[:, :, :3]

    def count(rgb, tolerance=40):
        return int(np.sum(np.all(np.abs(pixels.astype(int) - rgb) < tolerance, axis=2)))

    assert count(PATH_COLOR) > 200  # the pathway is lit
    # electrodes are drawn filled (blended over the background)
    assert count(ROLE_COLORS["voltage"], 80) > 2000
    assert count(ROLE_COLORS["ground"], 80) > 2000
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # not an empty canvas


def test_file_export_actions_exist_and_write_traces(qtbot, window, tmp_path):
    win = window
    assert set(win.export_actions) >= {"movie", "canvas", "plots", "traces", "tables"}
    file_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&File")
    export_menu = next(a.menu() for a in file_menu.actions()
                       if a.menu() is not None and a.text() == "Export")
    assert win.export_actions["movie"] in export_menu.actions()
    assert win._movie_source() is None  # nothing recorded yet
    _deposit(qtbot, win)
    win.paced.setChecked(False)
    assert win.step(20)
    qtbot.waitUntil(lambda: win.controller.state == "paused", timeout=20_000)
    qtbot.wait(100)
    source = win._movie_source()
    assert source is not None and len(source.frame_times) >= 2
    traces = win._export_traces()
    assert traces.conductance.shape == traces.t.shape and traces.t.size >= 20
    assert traces.electrode_names == ("left", "right")


def test_studio_deposition_shows_the_mean_square_density_and_the_movies_state(qtbot, window):
    # The studio once showed N <l>^2 / A while the movie showed N <l^2> / A (12 % apart for
    # std/mean = 0.35); both now show Deposition.state, N <l^2> / A.
    import dataclasses

    from nwn.engine.build import deposit_wires
    from nwn.geometry import Deposition

    win = window
    network = win.document.scenario.network
    win.document.replace(network=dataclasses.replace(
        network, length={"distribution": "normal", "mean": 7e-6, "std": 0.35 * 7e-6}))
    _deposit(qtbot, win)
    wires = deposit_wires(win.document.scenario)
    area = network.box[0] * network.box[1]
    expected = np.sum(wires.lengths**2) / area
    state = win.deposition_state
    assert state.density_ratio == pytest.approx(expected, rel=1e-12)
    assert state.density_ratio / (len(wires) * wires.lengths.mean() ** 2 / area) > 1.08
    assert win.deposition_panel.values["n·⟨l²⟩"].text().startswith(f"{expected:.2f}")
    # the movie streams the same wires in batches and reads the same state at the end
    streamed = Deposition(network.box, [])
    for start in range(0, len(wires), 97):
        streamed.add_wires(wires[start:start + 97])
    movie_state = streamed.state()
    assert movie_state.density_ratio == state.density_ratio
    assert np.array_equal(movie_state.wire_cluster, state.wire_cluster)
