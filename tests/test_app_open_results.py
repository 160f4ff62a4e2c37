"""Results files in the studio: Open results, nwn-studio run.h5, replay with the time slider,
inspect, export and analyse from it, and files dropped on the window."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6 import QtCore, QtGui  # noqa: E402
from scenarios import record_run, two_terminal  # noqa: E402
from studio_support import open_window  # noqa: E402

from nwn.engine.results import Results  # noqa: E402

SCENARIO = two_terminal(seed=4, n_wires=160, length=7e-6, waveform='{kind = "dc", value = 5.0}',
                        model="filament", params="{n_max = 20}", duration=0.05)


@pytest.fixture(scope="module")
def results_path(tmp_path_factory):
    return record_run(tmp_path_factory.mktemp("run") / "run.h5", SCENARIO)


@pytest.fixture
def window(qtbot, tmp_path):
    yield from open_window(qtbot, tmp_path)


def test_open_results_replays_inspects_exports_and_analyses(window, results_path, tmp_path):
    from nwn.app.render.export import read_csv
    from nwn.app.widgets.results_view import open_results

    win = window
    assert open_results(win, results_path, wait=True)
    assert win.replay_results is not None
    with Results(results_path) as results:
        times = results.frame_times
        assert win.canvas.network.n_junctions == results.network.n_junctions
        assert win.document.scenario.seed == 4  # the scenario that ran, in the panels
        assert win.time_slider.maximum() == len(times) - 1
        # Scrub: every position shows the state recorded at that time.
        for k in (0, len(times) // 2, len(times) - 1):
            win.time_slider.setValue(k)
            shown = win.displayed_snapshot()
            assert shown.t == pytest.approx(times[k])
            np.testing.assert_array_equal(shown.junction_state,
                                          results.snapshot_at(times[k]).junction_state)
        # The recorded traces are in the plots.
        x, y = win.plots.conductance_curve.getData()
        finite = np.isfinite(results.conductance)
        np.testing.assert_allclose(y, results.conductance[finite])
        # Inspect a junction: the inspector describes the recorded state.
        win._inspect("junction", 0, clicked=True)
        assert "junction" in win.inspector.label.text().lower()
        # Export from it: the traces CSV holds the file's rows; a movie source is the file.
        fake_answers = [str(tmp_path / "traces.csv")]
        win.dialogs.get_save = lambda *args: fake_answers.pop(0)
        win.export_actions["traces"].trigger()
        _, rows = read_csv(tmp_path / "traces.csv")
        np.testing.assert_array_equal(rows[:, 0], results.t)
        assert np.array_equal(win._movie_source().frame_times, times)
        # The Analysis tab fits the file's two-terminal trace.
        trace = win._run_trace()
        assert trace is not None and trace.t.size == np.count_nonzero(
            finite & (results.conductance > 0))
    assert "run.h5 (results)" in win.windowTitle()
    # An edit leaves the results behind: exports come from the document again.
    win.document.replace(seed=9)
    assert win.replay_results is None


def test_open_results_refuses_what_is_not_a_results_file(window, tmp_path):
    from nwn.app.widgets.results_view import open_results

    win = window
    assert not open_results(win, tmp_path / "nope.h5")
    assert "no such file" in win.error_bar.text()
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"not hdf5 at all")
    assert open_results(win, bad, wait=True)
    assert win.replay_results is None
    assert win.error_bar.text().startswith("cannot open bad.h5:")
    assert "\n" not in win.error_bar.text()


def test_nwn_studio_takes_a_results_file(results_path, tmp_path):
    from nwn.app.widgets.launch import _document_for

    assert _document_for(str(results_path)).scenario is not None  # no longer read as TOML
    with pytest.raises(ValueError, match="no such file"):
        _document_for(str(tmp_path / "missing.h5"))


def _drop(qtbot, widget, path):
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    point = QtCore.QPointF(widget.width() / 2, widget.height() / 2)
    actions = QtCore.Qt.DropAction.CopyAction
    buttons, modifiers = QtCore.Qt.MouseButton.NoButton, QtCore.Qt.KeyboardModifier.NoModifier
    enter = QtGui.QDragEnterEvent(point.toPoint(), actions, mime, buttons, modifiers)
    QtCore.QCoreApplication.sendEvent(widget, enter)
    accepted = enter.isAccepted()
    if accepted:
        drop = QtGui.QDropEvent(point, actions, mime, buttons, modifiers)
        QtCore.QCoreApplication.sendEvent(widget, drop)
    return accepted


def test_dropping_files_opens_them_by_kind(window, qtbot, results_path, tmp_path):
    win = window
    # A results file dropped on the canvas.
    assert _drop(qtbot, win.canvas.viewport(), results_path)
    qtbot.waitUntil(lambda: win.replay_results is not None, timeout=20_000)
    # A scenario dropped on the window.
    scenario = tmp_path / "dropped.toml"
    scenario.write_text(SCENARIO)
    assert _drop(qtbot, win, scenario)
    qtbot.waitUntil(lambda: win.document.path is not None, timeout=5000)
    assert win.document.path.name == "dropped.toml" and win.replay_results is None
    # A trace goes to the Analysis tab.
    from nwn.resources import validation_path

    started = []
    win.analysis.fit_file = lambda path: started.append(path) or True
    assert _drop(qtbot, win.plots.viewport(), validation_path("milano2022_pulse_2V.txt"))
    qtbot.waitUntil(lambda: bool(started), timeout=5000)
    # Anything else is not taken.
    other = tmp_path / "notes.docx"
    other.write_bytes(b"x")
    assert not _drop(qtbot, win, other)


@pytest.fixture(scope="module")
def two_clock_path(tmp_path_factory):
    """A run whose junction rows (every 3 steps) and node rows (every 5) fall apart."""
    from nwn.engine.build import build_simulation
    from nwn.engine.recording import HDF5Recorder
    from nwn.engine.scenario import parse_scenario

    path = tmp_path_factory.mktemp("clocks") / "run.h5"
    scenario = parse_scenario(SCENARIO)
    simulation = build_simulation(scenario)
    recorder = HDF5Recorder(path, junction_every=3, snapshot_every=5, scenario_text=SCENARIO,
                            seed=scenario.seed)
    simulation.recorders.append(recorder)
    simulation.run(scenario.run.duration)
    recorder.close()
    return path


def _file_rows(path):
    """Straight from the file's datasets (h5py, not the reader): each recorded state's
    junction row and node row, as a replay's time slider pairs them."""
    import h5py

    with h5py.File(path, "r") as f:
        junction_t, node_t = f["junctions/t"][:], f["nodes/t"][:]
    rows = np.flatnonzero(junction_t >= node_t[0])
    node_rows = np.array([np.flatnonzero(node_t <= junction_t[r] * (1 + 1e-12))[-1]
                          for r in rows])
    return junction_t, rows, node_rows


def test_a_replayed_junctions_and_wires_whole_history_is_read_from_the_file(
        window, qtbot, two_clock_path):
    import h5py

    from nwn.app.widgets.results_view import open_results

    win = window
    assert open_results(win, two_clock_path, wait=True)
    junction_t, rows, node_rows = _file_rows(two_clock_path)
    network = win.canvas.network
    with h5py.File(two_clock_path, "r") as f:
        conductance = f["junctions/conductance"][:]
        state = f["junctions/state"][:]
        voltage = f["nodes/voltage"][:]
    junction = int(np.argmax(conductance[-1]))
    win._inspect("junction", junction, clicked=True)
    qtbot.waitUntil(lambda: win.inspector.history is not None, timeout=20_000)
    history = win.inspector.history
    # every state the file holds, not only the slider's
    assert history["t"].size == rows.size > 2
    np.testing.assert_array_equal(history["t"], junction_t[rows])
    np.testing.assert_array_equal(history["conductance"], conductance[rows, junction])
    np.testing.assert_array_equal(history["state"], state[rows, junction].astype(np.float64))
    a, b = network.edge_nodes[network.junction_edge[junction]]
    drop = voltage[node_rows, a] - voltage[node_rows, b]
    np.testing.assert_array_equal(history["voltage"], np.nan_to_num(drop, nan=0.0))
    np.testing.assert_array_equal(history["current"], conductance[rows, junction] * drop)
    xs, _ = win.inspector.trace_curve.getData()
    assert xs.size == rows.size
    # a wire: its mean node potential at each recorded state
    wire = int(network.junctions.pairs[junction][0])
    win._inspect("wire", wire, clicked=True)
    qtbot.waitUntil(lambda: win.inspector.history is not None, timeout=20_000)
    assert "conductance" not in win.inspector.history  # the wire's, not the junction's
    nodes = np.flatnonzero(np.asarray(network.node_wire) == wire)
    expected = voltage[node_rows][:, nodes].mean(axis=1)
    np.testing.assert_allclose(win.inspector.history["voltage"], expected, rtol=1e-12)
    # the same numbers as a replayed state the slider shows (snapshot_at of that time)
    scene = win.canvas.scene_data
    with Results(two_clock_path) as results:
        for k in (0, rows.size // 2, rows.size - 1):
            snapshot = results.snapshot_at(junction_t[rows[k]])
            assert win.inspector.history["voltage"][k] == pytest.approx(
                scene.wire_voltage(snapshot)[wire], rel=1e-12, nan_ok=True)
            assert win.inspector.history["current"][k] == pytest.approx(
                scene.wire_current(snapshot)[wire], rel=1e-9, abs=1e-30)


def test_the_reader_takes_columns_a_block_of_rows_at_a_time(two_clock_path, monkeypatch):
    """Memory holds the asked columns, never whole rows of the network."""
    import h5py

    from nwn.engine import results as results_module

    monkeypatch.setattr(results_module, "COLUMN_BLOCK_ROWS", 4)
    reads = []
    real = h5py.Dataset.__getitem__

    def spy(self, selection, *args, **kwargs):
        out = real(self, selection, *args, **kwargs)
        if self.name in ("/junctions/conductance", "/nodes/voltage"):
            reads.append((self.name, np.shape(out)))
        return out

    monkeypatch.setattr(h5py.Dataset, "__getitem__", spy)
    with Results(two_clock_path) as results:
        columns = results.columns("junction_conductance", [7, 2, 7])
        node_columns = results.columns("node_voltage", [0])
    monkeypatch.undo()
    with h5py.File(two_clock_path, "r") as f:
        full = f["junctions/conductance"][:]
        width = full.shape[1]
        np.testing.assert_array_equal(columns, full[:, [7, 2, 7]])
        np.testing.assert_array_equal(node_columns, f["nodes/voltage"][:, [0]])
    assert reads and all(shape[0] <= 4 and shape[1] <= 2 for _, shape in reads), reads
    assert width > 2


def test_replay_says_a_results_file_is_shown_not_that_deposit_is_missing(window, results_path):
    """Every message about running, while a file is replayed, names the file as a recording
    and how to run (never the blank document's "no network yet: press Deposit")."""
    from nwn.app.widgets.results_view import end_replay, open_results

    win = window
    assert open_results(win, results_path, wait=True)
    for text in (win.run_reason.text(), win.run_button.toolTip()):
        assert "no network yet" not in text
        assert f"{results_path.name} is a recorded results file being replayed" in text
        assert "Deposit" in text
    for button in (win.stop_button, win.reset_button):
        assert "a results file is shown" in button.toolTip()
    assert win.deposit_button.isEnabled()  # the way to run it is open
    end_replay(win)
    assert "no network yet: press Deposit" in win.run_reason.text()  # a plain document again
