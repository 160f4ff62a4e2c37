"""Results files in the studio: File > Open results…, ``nwn-studio run.h5``, and files dropped
on the window.

A results file (``nwn run``, Save results) is shown as a finished run: the scenario that ran
in the Setup panels, the recorded network on the canvas, its recorded states on the time slider
(scrub, inspect a junction or a wire), its terminal traces in the plots, and File > Export and
the Analysis tab working from it. The states are read in a thread (a large file takes seconds),
at most as many as the time slider's history holds, evenly over the run.

Dropping a file on the window opens it by its kind: a scenario (``.toml``), a results file
(``.h5``, ``.hdf5``) or a trace for the Analysis tab (``.txt``, ``.csv``, ``.dat``, ``.tsv``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtWidgets

from nwn.app.widgets.worker import error_message

__all__ = ["RESULT_SUFFIXES", "SCENARIO_SUFFIXES", "TRACE_SUFFIXES", "DropOpener",
           "ResultsReplay", "end_replay", "install_results", "open_by_kind", "open_results",
           "recorded_history", "show_recorded_history"]

SCENARIO_SUFFIXES = (".toml",)
RESULT_SUFFIXES = (".h5", ".hdf5")
TRACE_SUFFIXES = (".txt", ".csv", ".dat", ".tsv")


def install_results(window) -> None:
    """File > Open results… (after Open scenario) and opening dropped files."""
    from PySide6 import QtGui

    file_menu = next(a.menu() for a in window.menuBar().actions()
                     if a.menu() is not None and a.text().replace("&", "") == "File")
    action = QtGui.QAction("Open results (HDF5)…", window)
    action.setShortcut(QtGui.QKeySequence("Ctrl+Shift+O"))
    action.setToolTip("replay a results file (nwn run, Save results): scrub, inspect, export")
    action.triggered.connect(lambda: _open_dialog(window))
    anchor = window.action_open
    actions = file_menu.actions()
    after = actions[actions.index(anchor) + 1] if anchor in actions and \
        actions.index(anchor) + 1 < len(actions) else None
    file_menu.insertAction(after, action)
    window.action_open_results = action
    window.drop_opener = DropOpener(window)


def _open_dialog(window) -> None:
    path = window.dialogs.open_path("results", "Open results", "Results (*.h5 *.hdf5)")
    if path:
        open_results(window, path)


class ResultsReplay:
    """A results file being shown: what the window's exports and Analysis tab read.

    Attributes
    ----------
    path : Path
    results : nwn.engine.results.Results
        Open (lazily read) while shown; closed by :meth:`close`.
    """

    def __init__(self, path: Path, results) -> None:
        self.path = Path(path)
        self.results = results

    def traces(self) -> dict:
        """The recorded terminal traces in the plots' layout (see ``LiveTraceRecorder``)."""
        results = self.results
        return {"t": np.asarray(results.t), "terminal_current": np.asarray(
            results.terminal_current), "terminal_voltage": np.asarray(results.terminal_voltage),
            "conductance": np.asarray(results.conductance), "probe": np.zeros((0, 3))}

    def close(self) -> None:
        try:
            self.results.close()
        except (OSError, ValueError):
            pass


def _read(path: Path, capacity: int):
    """The results file, its network and up to ``capacity`` states (worker thread)."""
    from nwn.engine.results import Results

    results = Results(path)
    try:
        network = results.network
        times = results.frame_times
        if times.size > capacity:
            times = times[np.unique(np.linspace(0, times.size - 1, capacity).round()
                                    .astype(np.int64))]
        snapshots = [results.snapshot_at(float(t)) for t in times]
        return results, network, snapshots
    except BaseException:
        results.close()
        raise


def open_results(window, path: str | Path, *, wait: bool = False) -> bool:
    """Open a results file in ``window``; errors are shown in the window.

    Parameters
    ----------
    window : MainWindow
    path : str or Path
    wait : bool
        Block until the file is read (tests; the window stays responsive either way).

    Returns
    -------
    bool
        False when it was refused at once (unsaved changes kept, a run going, no such file).
    """
    from nwn.app.models.document import Document
    from nwn.engine.scenario import parse_scenario

    path = Path(path)
    if not path.is_file():
        window.show_error(f"no such file: {path}")
        return False
    if not window.maybe_save():
        return False
    if window.controller.busy:
        window.show_error("pause the run before opening a results file")
        return False
    capacity = window.controller.history.max_count
    box: dict = {}

    def work() -> None:
        try:
            box["value"] = _read(path, capacity)
        except Exception as error:  # noqa: BLE001 - one line in the window
            box["error"] = error_message(error)

    thread = threading.Thread(target=work, name="nwn-open-results", daemon=True)
    thread.start()
    window.statusBar().showMessage(f"reading {path}…")
    QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.BusyCursor)

    def finish() -> None:
        QtWidgets.QApplication.restoreOverrideCursor()
        if "error" in box:
            window.show_error(f"cannot open {path.name}: {box['error']}")
            return
        results, network, snapshots = box["value"]
        try:
            scenario = parse_scenario(results.scenario_text)
            document = Document(scenario)
        except (ValueError, TypeError):
            document = Document()  # a file without its scenario: show what it recorded
        window._set_document(document)
        replay = ResultsReplay(path, results)
        window.replay_results = replay
        # Any edit of the document (a deposit, a parameter) leaves the results behind.
        document.events.connect(lambda *_: end_replay(window, replay))
        _show(window, replay, network, snapshots)

    if wait:
        thread.join()
        finish()
        return True

    def poll() -> None:
        if thread.is_alive():
            return
        timer.stop()
        timer.deleteLater()
        finish()

    timer = QtCore.QTimer(window)
    timer.setInterval(30)
    timer.timeout.connect(poll)
    timer.start()
    return True


def _show(window, replay: ResultsReplay, network, snapshots) -> None:
    controller = window.controller
    controller.history.clear()
    for snapshot in snapshots:
        controller.history.append(snapshot)
    window.canvas.set_network(network)
    window.canvas.set_electrodes(replay.results.electrodes)
    window.plots.set_electrodes(list(replay.results.electrode_names))
    window.plots.update_traces(replay.traces())
    count = len(controller.history)
    window.time_slider.blockSignals(True)
    window.time_slider.setRange(0, max(count - 1, 0))
    window.time_slider.setValue(max(count - 1, 0))
    window.time_slider.blockSignals(False)
    window._live = False
    if count:
        window._display(controller.history[count - 1])
    window.setWindowTitle(f"{replay.path.name} (results) — nwn-studio")
    window._update_run_state()  # Stop and Reset say why they have nothing to do
    window.statusBar().showMessage(
        f"{replay.path.name}: {count} recorded states from t = {snapshots[0].t:.6g} s to "
        f"{snapshots[-1].t:.6g} s; scrub with the time slider" if count else
        f"{replay.path.name}: no recorded states", 10_000)


def recorded_history(results, scene, kind: str, index: int) -> dict[str, np.ndarray]:
    """A junction's or wire's whole recorded history, read from a results file column by
    column (never whole rows of the network; runs in a worker thread).

    Parameters
    ----------
    results : nwn.engine.results.Results
    scene : NetworkScene
        Of the file's network (the canvas's).
    kind : {"junction", "wire"}
    index : int

    Returns
    -------
    dict
        What :meth:`NetworkScene.junction_history` / :meth:`NetworkScene.wire_history` give
        for a run's snapshots, at every state the file recorded
        (:attr:`~nwn.engine.results.Results.frame_times`).
    """
    if kind == "junction":
        edge = int(results.network.junction_edge[index])
        read = results.history(edges=[edge], junctions=[index])
        return {"t": read["t"], "conductance": read["junction_conductance"][:, 0],
                "voltage": read["junction_voltage"][:, 0], "state": read["junction_state"][:, 0],
                "current": read["edge_current"][:, 0]}
    nodes, edges = scene.wire_incidence(index)
    read = results.history(nodes=nodes, edges=edges)
    return scene.wire_series(index, read["t"], read["node_voltage"], read["edge_current"])


def show_recorded_history(window, kind: str, index: int) -> None:
    """Plot the picked element's whole history from the results file shown: read in the
    window's ``history_job`` (a large file takes a while), drawn if still picked then."""
    replay, scene = window.replay_results, window.canvas.scene_data
    if replay is None or not kind or scene is None or scene.network is None:
        window.inspector.show_history(kind, None)
        return
    results = replay.results
    window.inspector.show_history(kind, None)  # not the last pick's while this one is read

    def done(history) -> None:
        if window.replay_results is replay and window._selected == (kind, index):
            window.inspector.show_history(kind, history)

    window.history_job.submit(f"reading the history of {kind} {index} from {replay.path.name}",
                              lambda say: recorded_history(results, scene, kind, index), done,
                              window.show_error)


def end_replay(window, replay: ResultsReplay | None = None) -> None:
    """Stop showing a results file (``replay``: only if it is still the one shown)."""
    current = getattr(window, "replay_results", None)
    if current is None or (replay is not None and current is not replay):
        return
    window.history_job.cancel()  # a history being read from it is not wanted any more
    window.replay_results = None
    current.close()
    window._update_run_state()


def open_by_kind(window, path: str | Path) -> bool:
    """Open a file by its extension: scenario, results file or trace (Analysis tab)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in SCENARIO_SUFFIXES:
        return window.open_path(path)
    if suffix in RESULT_SUFFIXES:
        return open_results(window, path)
    if suffix in TRACE_SUFFIXES:
        window.analysis_dock.show()
        window.analysis_dock.raise_()
        return window.analysis.fit_file(path)
    window.show_error(f"cannot open {path.name}: not a scenario (.toml), results file (.h5) "
                      "or trace (.txt, .csv, .dat, .tsv)")
    return False


class DropOpener(QtCore.QObject):
    """Event filter that opens local files dropped on the window (or its canvas and plots)."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        for widget in (window, window.canvas, window.canvas.viewport(), window.plots,
                       window.plots.viewport()):
            widget.setAcceptDrops(True)
            widget.installEventFilter(self)

    @staticmethod
    def _paths(event) -> list[Path]:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return []
        known = SCENARIO_SUFFIXES + RESULT_SUFFIXES + TRACE_SUFFIXES
        return [Path(url.toLocalFile()) for url in mime.urls()
                if url.isLocalFile() and Path(url.toLocalFile()).suffix.lower() in known]

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind in (QtCore.QEvent.Type.DragEnter, QtCore.QEvent.Type.DragMove):
            if self._paths(event):
                event.acceptProposedAction()
                return True
            return False
        if kind == QtCore.QEvent.Type.Drop:
            paths = self._paths(event)
            if paths:
                event.acceptProposedAction()
                # Opened after the drop returns: the dragging application is not kept waiting.
                QtCore.QTimer.singleShot(0, lambda: open_by_kind(self.window, paths[0]))
                return True
        return False
