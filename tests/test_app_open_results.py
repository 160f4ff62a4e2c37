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
    from nwn.app.widgets.studio import _document_for

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
