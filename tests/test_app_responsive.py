"""The studio is never frozen: deposition, junctions, graph and set-up run off the GUI thread,
the deposition film is bounded in time and can be finished now (pytest-qt, offscreen)."""

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore  # noqa: E402
from scenarios import two_terminal  # noqa: E402

from nwn.app.models.deposition_film import (  # noqa: E402
    MAX_ANIMATION_S,
    DepositionFilm,
    cluster_groups,
    film_duration,
    film_wires,
)
from nwn.app.models.document import Document, geometry_electrodes  # noqa: E402
from nwn.engine.build import deposit_wires  # noqa: E402
from nwn.engine.scenario import parse_scenario  # noqa: E402
from nwn.geometry import find_junctions  # noqa: E402

#: Longest gap between two ticks of a 10 ms probe timer the 100,000-wire test accepts (s).
#: The target is 0.1 s on an idle machine: measured 22-34 ms there (load 0.0-0.6, 5 runs; the
#: code before the worker priorities and the restyle/BLAS fixes: 26-57 ms, 5 runs, load 0.3-0.5).
#: On this 2-core machine shared with other jobs the gap is time the GUI thread waits for a core
#: or the interpreter lock, not its own work: 31-140 ms at load 2.8-3.0, 55-281 ms at load
#: 3.5-4.0 with two million-wire benchmarks running beside it (122-283 ms at load 7-9 before).
#: The guard is 5x the target, for a loaded CI runner; it fails on a real regression such as
#: the old flow (Finish on the GUI thread: one 2.0-2.4 s call at load 2, film frames 1.0-1.5 s).
STALL_LIMIT_S = 0.5


class GapProbe:
    """A 10 ms QTimer that records the longest time between two of its ticks."""

    def __init__(self) -> None:
        self.timer = QtCore.QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = None
        self.gaps: list[float] = []

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.last = now

    def stop(self) -> float:
        self.timer.stop()
        self._tick()
        return max(self.gaps)


@pytest.fixture
def make_window(qtbot, tmp_path):
    from nwn.app.widgets.studio import MainWindow

    windows = []

    def make(document):
        settings = QtCore.QSettings(str(tmp_path / f"s{len(windows)}.ini"),
                                    QtCore.QSettings.Format.IniFormat)
        win = MainWindow(document, settings=settings)
        win.ask_unsaved = lambda: "discard"
        qtbot.addWidget(win)
        win.resize(1300, 850)
        win.show()
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.close()


def test_film_lasts_at_most_the_limit_and_lands_every_wire():
    assert film_duration(600) == pytest.approx(1.0)
    assert film_duration(10_000) == pytest.approx(5.0)
    assert film_duration(100_000) == MAX_ANIMATION_S == 10.0
    assert film_duration(1_000_000) == 10.0
    assert film_duration(1_000_000, limit=60) == 60.0
    assert film_duration(100_000, limit=0) == 0.0
    counts = [film_wires(t, 10.0, 100_000) for t in np.linspace(-1, 11, 200)]
    assert counts[0] == 0 and counts[-1] == 100_000
    assert np.all(np.diff(counts) >= 0)
    assert film_wires(5.0, 10.0, 100_000) == 50_000
    assert film_wires(0.0, 0.0, 7) == 7


def test_film_frames_are_the_replayed_deposition():
    scenario = parse_scenario(two_terminal(n_wires=300))
    wires = deposit_wires(scenario)
    junctions = find_junctions(wires)
    film = DepositionFilm(wires, junctions, geometry_electrodes(scenario.electrodes),
                          scenario.network.box)
    for n in (0, 1, 57, 150, 300):
        frame = film.frame(n)
        state = film.replay.state(n)
        assert frame.n_wires == n
        np.testing.assert_array_equal(frame.wire_group[:n],
                                      cluster_groups(state.wire_cluster, state.spanning_cluster))
        assert np.all(frame.wire_group[n:] == -1)
        assert np.count_nonzero(frame.junction_group == 0) == state.n_junctions
        # a junction is drawn exactly when both of its wires have landed
        pairs = film.replay.junctions.pairs
        np.testing.assert_array_equal(frame.junction_group == 0, pairs.max(axis=1) < n)
    # clusters: isolated wires grey (0), a two-wire cluster a hue, spanning one white
    groups = cluster_groups(np.array([0, 1, 1, 3, 3, 3]), spanning_cluster=3)
    np.testing.assert_array_equal(groups, [0, 2, 2, 9, 9, 9])


def test_finish_now_lands_every_wire_at_once(qtbot, make_window):
    win = make_window(Document())
    win.deposit_seconds.setValue(600)  # asked for a ten-minute film
    win.deposit()
    assert win.busy_bar.isVisibleTo(win) and win.finish_button.isVisibleTo(win)
    qtbot.waitUntil(lambda: win._film is not None, timeout=20_000)
    win.finish_button.click()
    qtbot.waitUntil(lambda: not win.depositing, timeout=20_000)
    assert win.deposition_panel.values["wires"].text() == "600 / 600"
    assert win.document.built is not None
    assert win.canvas.network is win.document.built.network
    assert not win.busy_bar.isVisibleTo(win)


def test_deposit_returns_at_once_and_says_what_it_does(qtbot, make_window):
    win = make_window(Document(parse_scenario(two_terminal(n_wires=20_000, side=300e-6,
                                                           length=7e-6))))
    win.deposit()
    # back at once: the wires are being dropped in the worker thread, not here
    assert win.deposit_job.busy and win.depositing
    assert win.document.wires is None and win.document.built is None
    assert "20,000 wires" in win.busy_label.text()
    win.finish_deposition()  # asked before the film is even ready
    qtbot.waitUntil(lambda: not win.depositing, timeout=60_000)
    assert win.document.built is not None and len(win.document.wires) == 20_000


def test_deposition_of_100000_wires_never_stalls_the_event_loop(qtbot, make_window):
    # n l^2 / A = 8 (twice the spanning threshold), 10 % side bars
    side = float(np.sqrt(100_000 * 7e-6 ** 2 / 8.0))
    win = make_window(Document(parse_scenario(two_terminal(n_wires=100_000, side=side,
                                                           length=7e-6))))
    win.deposit_seconds.setValue(3)
    qtbot.wait(50)
    probe = GapProbe()
    probe.start()
    win.deposit()
    qtbot.waitUntil(lambda: win._film is not None, timeout=120_000)
    # let the film play, then finish it now
    qtbot.waitUntil(lambda: win.deposition_state.n_wires > 10_000
                    if hasattr(win, "deposition_state") else False, timeout=60_000)
    win.finish_button.click()
    qtbot.waitUntil(lambda: not win.depositing, timeout=120_000)
    qtbot.wait(100)
    stall = probe.stop()
    print(f"\nlongest event-loop stall depositing 100,000 wires: {1e3 * stall:.0f} ms "
          f"over {len(probe.gaps)} ticks")
    assert win.document.built is not None and len(win.document.wires) == 100_000
    assert win.deposition_panel.values["wires"].text() == "100000 / 100000"
    assert stall < STALL_LIMIT_S


# -- running and inspecting ---------------------------------------------------------------------


def _small(qtbot, make_window, **scenario):
    win = make_window(Document(parse_scenario(two_terminal(**scenario))))
    win.deposit_seconds.setValue(0)
    win.deposit()
    qtbot.waitUntil(lambda: not win.depositing, timeout=30_000)
    assert win.document.built is not None
    return win


def _run_to_end(qtbot, win):
    win.paced.setChecked(False)
    assert win.run()
    qtbot.waitUntil(lambda: win.controller.state == "done", timeout=60_000)
    qtbot.wait(100)  # the last frame


def test_scene_histories_match_the_per_snapshot_values():
    from nwn.app.models.scene import NetworkScene
    from nwn.engine.build import build_simulation

    scenario = parse_scenario(two_terminal(n_wires=150, duration=0.01))
    simulation = build_simulation(scenario)
    snapshots = list(simulation.iter_run(0.01, snapshot_every=2))
    scene = NetworkScene(simulation.network)
    junction = int(np.argmax(snapshots[-1].junction_conductance))
    history = scene.junction_history(junction, snapshots)
    np.testing.assert_array_equal(history["t"], [s.t for s in snapshots])
    np.testing.assert_array_equal(history["conductance"],
                                  [s.junction_conductance[junction] for s in snapshots])
    assert np.ptp(history["conductance"]) > 0  # it did change under 2 V
    for wire in (0, int(np.argmax(scene.wire_current(snapshots[-1])))):
        history = scene.wire_history(wire, snapshots)
        np.testing.assert_allclose(history["voltage"],
                                   [scene.wire_voltage(s)[wire] for s in snapshots])
        np.testing.assert_allclose(history["current"],
                                   [scene.wire_current(s)[wire] for s in snapshots])


def test_clicking_a_junction_after_a_run_shows_its_whole_history_and_marks_it(qtbot,
                                                                             make_window):
    win = _small(qtbot, make_window, n_wires=200, duration=0.05)
    _run_to_end(qtbot, win)
    scene = win.canvas.scene_data
    junction = int(np.argmax(win.canvas.snapshot.junction_conductance))
    # click where the junction is drawn
    from nwn.app.render.network_view import UM

    x, y = scene.junction_xy[junction] * UM
    win.canvas.view.mouseClickEvent(_Click(win.canvas, x, y))
    assert win._selected == ("junction", junction)
    history = win.inspector.history
    snapshots = win.controller.history.snapshots()
    assert history["t"][0] == 0.0 and history["t"][-1] == pytest.approx(0.05)
    assert history["t"].size == len(snapshots)
    np.testing.assert_array_equal(history["conductance"],
                                  [s.junction_conductance[junction] for s in snapshots])
    xs, ys = win.inspector.trace_curve.getData()
    assert xs.size == len(snapshots)
    # marked on the canvas: the ring sits on the junction
    ring = win.canvas._selection_ring
    assert ring.isVisible()
    (rx,), (ry,) = ring.getData()
    assert (rx, ry) == pytest.approx((x, y))
    # a wire: its voltage history, a bar along it
    wire = int(scene.network.junctions.pairs[junction][0])
    win._inspect("wire", wire, clicked=True)
    assert win.canvas._selection_line.isVisible() and not ring.isVisible()
    assert win.inspector.history["voltage"].size == len(snapshots)


def test_the_inspector_plot_keeps_its_height_whatever_the_text(qtbot, make_window):
    win = _small(qtbot, make_window, n_wires=200, duration=0.01)
    _run_to_end(qtbot, win)
    win._inspect("junction", 0, clicked=True)
    qtbot.wait(50)
    inspector = win.inspector
    assert inspector.trace.height() >= 150
    # the text is two short rows (title, a two-column table), not five lines over the plot
    assert inspector.values.text().count("<tr>") == 2
    assert inspector.label.height() + inspector.values.height() < inspector.trace.height()


class _Click:
    """A left click at scene point (x, y) of a canvas, as pyqtgraph hands it to a ViewBox."""

    def __init__(self, canvas, x, y):
        self._pos = canvas.view.mapViewToScene(QtCore.QPointF(x, y))

    def button(self):
        return QtCore.Qt.MouseButton.LeftButton

    def scenePos(self):  # noqa: N802 - pyqtgraph API
        return self._pos

    def double(self):
        return False

    def accept(self):
        pass


def test_a_replay_makes_no_geometries_yet_and_continues_like_an_eager_deposition():
    # The film's replay leaves the shapely geometries for later (they would stall the window
    # from the worker thread); a later batch then finds the same junctions and clusters.
    from nwn.geometry import Deposition, drop_wires, side_bars

    box = (40e-6, 40e-6)
    first = drop_wires(400, box=box, length=7e-6, rng=1)
    later = drop_wires(100, box=box, length=7e-6, rng=2)
    electrodes = side_bars(box, width=3e-6)
    lazy = Deposition.replay(first, electrodes, junctions=find_junctions(first))
    assert all(g is None for g in lazy._geoms[:400])
    eager = Deposition(box, electrodes)
    eager.add_wires(first)
    assert lazy.state().percolation_wire == eager.state().percolation_wire
    lazy.add_wires(later)
    eager.add_wires(later)
    a, b = lazy.state(), eager.state()
    np.testing.assert_array_equal(lazy.junctions.pairs, eager.junctions.pairs)
    np.testing.assert_array_equal(a.wire_cluster, b.wire_cluster)
    assert (a.percolation_wire, a.n_clusters) == (b.percolation_wire, b.n_clusters)


def test_a_run_holds_its_inputs_and_an_edit_after_it_loses_nothing_recorded(qtbot,
                                                                           make_window):
    import dataclasses

    win = _small(qtbot, make_window, n_wires=200, duration=50.0)
    assert not win.hold_note.isVisibleTo(win) and win.parameters.isEnabled()
    win.paced.setChecked(True)
    assert win.run()
    qtbot.waitUntil(lambda: win.controller.busy, timeout=30_000)
    # running: the settings are greyed out, with the reason; edits from elsewhere refused
    assert win.hold_note.isVisibleTo(win)
    assert not win.parameters.isEnabled() and not win.electrodes.isEnabled()
    assert not win.deposit_button.isEnabled() and not win.action_undo.isEnabled()
    electrodes = win.document.electrodes
    win._electrode_drawn({"type": "point", "centre": [15e-6, 15e-6], "radius": 1e-6})
    assert win.document.electrodes == electrodes
    assert "Stop" in win.error_bar.text()
    qtbot.wait(300)
    win.controller.pause()
    qtbot.waitUntil(lambda: win.controller.state == "paused", timeout=20_000)
    assert not win.parameters.isEnabled()  # paused part-way: still held
    win.stop()
    assert win.parameters.isEnabled() and not win.hold_note.isVisibleTo(win)
    recorded = len(win.controller.history)
    assert recorded >= 2
    # an edit that drops the network empties the canvas, never the recording
    network = win.document.scenario.network
    win.document.replace(network=dataclasses.replace(network, n_wires=250))
    assert win.document.built is None and win.canvas.network is None
    assert len(win.controller.history) == recorded
    source = win._movie_source()
    assert source is not None and len(source.frame_times) == recorded
    traces = win._export_traces()
    assert traces is not None and traces.electrode_names == ("left", "right")


# -- the canvas at a million wires --------------------------------------------------------------


def _pixels(image):
    from PySide6 import QtGui

    image = image.convertToFormat(QtGui.QImage.Format.Format_RGBX8888)
    return np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4)[:, :image.width(), :3].copy()


def test_an_older_window_buffer_is_drawn_where_its_primitives_are_now(qtbot, monkeypatch):
    # While the rasterizer draws a moved view (0.3-0.8 s at a million wires), the window shows
    # the older buffer moved with the view, never where it was: drawn there it left a band of
    # film colour below the built network that no later paint of the layer covered.
    from PySide6 import QtGui, QtWidgets

    from nwn.app.render import layers
    from nwn.app.render.network_view import line_pen

    scene = QtWidgets.QGraphicsScene(0, 0, 200, 200)
    layer = layers.SegmentLayer(asynchronous=True)
    rng = np.random.default_rng(3)
    layer.set_segments(rng.uniform(20.0, 180.0, (300, 2, 2)))
    layer.set_style(np.zeros(300, dtype=np.int64), [line_pen((255, 255, 255), 1.0)])
    scene.addItem(layer)
    view = QtWidgets.QGraphicsView(scene)
    view.setBackgroundBrush(QtGui.QColor(0, 0, 0))
    view.setFixedSize(260, 260)
    for policy in (view.setHorizontalScrollBarPolicy, view.setVerticalScrollBarPolicy):
        policy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTransformationAnchor(QtWidgets.QGraphicsView.ViewportAnchor.NoAnchor)
    view.setSceneRect(-500, -500, 1200, 1200)
    view.centerOn(100, 100)
    qtbot.addWidget(view)
    view.show()
    viewport = view.viewport()
    viewport.grab()  # a window paint: asks the rasterizer for the buffer
    qtbot.waitUntil(lambda: layer._image is not None and layer._requested_key is None,
                    timeout=20_000)
    before = _pixels(viewport.grab().toImage())
    assert before.any()
    # the rasterizer is held back: the next paint has only the older buffer
    monkeypatch.setattr(layers._RASTERIZER, "request", lambda *args: None)
    view.translate(17, 9)  # the scene moves 17 px right and 9 px down
    after = _pixels(viewport.grab().toImage())
    np.testing.assert_array_equal(after[9:, 17:], before[:-9, :-17])
    assert not after[:9].any() and not after[:, :17].any()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="nice values per thread: Linux")
def test_worker_threads_run_below_the_gui_thread(qtbot):
    # The scheduler lets a woken GUI thread preempt the window's own workers (deposition,
    # network build, film frames, rasterizer): gaps were GUI-thread time in the run queue.
    import threading

    from nwn.app.models.thread_priority import WORKER_NICE, lower_thread_priority
    from nwn.app.widgets.worker import BackgroundJob

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    gui = nice()
    assert not lower_thread_priority() and nice() == gui  # never the GUI thread itself
    job = BackgroundJob()
    seen = []
    job.submit("nice", lambda say: (nice(), lower_thread_priority(), nice()), seen.append)
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    (first, again, second), = seen
    assert first == second == min(19, gui + WORKER_NICE) and again  # once, not twice


def test_junction_dots_shrink_and_hide_as_they_crowd_and_come_back_when_zoomed_in(qtbot):
    # 100,000 wires fitted in a window put ~1.3 junctions on every pixel: 3 px dots drew the
    # network as one yellow square. Crowded dots shrink to whole pixels, and above
    # DOT_HIDE_DENSITY a film or plain view draws none (the wires show); zoomed in they return.
    from nwn.app.render.network_view import DOT_HIDE_DENSITY, NetworkView

    rng = np.random.default_rng(5)
    side = 100e-6
    wires = rng.uniform(0, side, (2000, 2, 2))
    junctions = rng.uniform(0, side, (120_000, 2))
    view = NetworkView()
    qtbot.addWidget(view)
    view.resize(300, 300)
    view.show()
    view.set_box((side, side))
    view.set_film(wires, junctions)
    qtbot.wait(50)
    shown = np.zeros(len(junctions), dtype=np.int64)
    view.show_film_frame(np.zeros(len(wires), dtype=np.int64), shown)
    assert view.junction_density() > DOT_HIDE_DENSITY
    assert np.all(view.junctions._group == -1)  # crowded: no dots over the wires
    view.view.setRange(QtCore.QRectF(40, 40, 8, 8), padding=0)  # um: 1/12 of the side
    qtbot.waitUntil(lambda: np.array_equal(view.junctions._group, shown), timeout=5_000)
    width = view.junctions._pens[0].widthF()
    assert 1.0 <= width <= 3.0 and view.junction_density() * width ** 2 <= 0.3
