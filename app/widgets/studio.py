"""``nwn-studio``: the main window.

Deposit a network (animated, clusters coloured, percolation marked), draw electrodes, set the
junction model and the run, then run it in the worker thread and watch the conduction pathways
form. The canvas redraws from the latest snapshot on a timer; the time slider scrubs back through
the snapshots of the run.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
import weakref
from pathlib import Path

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from nwn.app.models.deposition_film import (
    MAX_ANIMATION_S,
    DepositionFilm,
    film_duration,
    film_wires,
)
from nwn.app.models.document import Document, geometry_electrodes
from nwn.app.models.pacing import FramePacer
from nwn.app.models.run_style import make_run_style
from nwn.app.render.gui_garbage import collect_on_gui_thread, freeze_start_up
from nwn.app.widgets.canvas import NetworkCanvas

# The entry point lives in nwn.app.widgets.launch (it must not import this module at module
# level); a launcher script written before it moved (an editable install not reinstalled since)
# still says `from nwn.app.widgets.studio import main`.
from nwn.app.widgets.launch import main
from nwn.app.widgets.panels.deposition import DepositionPanel
from nwn.app.widgets.panels.electrodes import ElectrodePanel
from nwn.app.widgets.panels.inspector import InspectorPanel
from nwn.app.widgets.panels.parameters import ParameterPanel
from nwn.app.widgets.panels.plots import PlotsPanel
from nwn.app.widgets.worker import BackgroundJob, FrameMaker, RunController, error_message
from nwn.engine.build import deposit_wires
from nwn.geometry import Deposition, find_junctions

__all__ = ["MainWindow", "fitted_geometry", "main"]

FRAME_INTERVAL_MS = 33
#: why the Setup panels are greyed out during a run
HOLD_NOTE = ("A run is going: its settings are held so nothing it recorded is lost. "
             "Pause, then Stop (the recording stays: export it, scrub it) to edit.")
#: shortest interval (s) between redraws of the picked element's history during a live run
HISTORY_INTERVAL_S = 0.5
#: shortest interval (s) between updates of the plots and the inspector during a live run: the
#: canvas follows every frame, but repainting the four plots' axes and curves every frame took
#: two thirds of the GUI thread's time at 10,000 wires (and clicks waited behind it)
PANEL_INTERVAL_S = 0.25
MAX_RECENT = 8
#: the window's size (px) at its first launch, where the screen has room for it
PREFERRED_SIZE = (1500, 900)
#: kernels are warmed once per process (the first window does it)
_WARM_UP_STARTED = False


def _settings() -> QtCore.QSettings:
    return QtCore.QSettings("nwn-studio", "nwn-studio")


def fitted_geometry(available: QtCore.QRect, geometry: QtCore.QRect, frame: QtCore.QMargins,
                    minimum: QtCore.QSize) -> QtCore.QRect:
    """Where a window goes so that its frame lies within ``available``.

    Parameters
    ----------
    available : QRect
        The screen's available area (px, desktop coordinates).
    geometry : QRect
        The window's client area now (px; what ``QWidget.geometry`` gives).
    frame : QMargins
        The window manager's frame around it (px; zero before the first show).
    minimum : QSize
        The smallest the window's layout allows (px): never shrunk below it, even on a
        screen smaller than that.

    Returns
    -------
    QRect
        The client area: no larger than the screen leaves for it, moved inside the screen
        (its top-left corner on the screen when it cannot fit).
    """
    room_w = available.width() - frame.left() - frame.right()
    room_h = available.height() - frame.top() - frame.bottom()
    width = max(min(geometry.width(), room_w), minimum.width())
    height = max(min(geometry.height(), room_h), minimum.height())
    # Keep the frame's top-left corner on the screen, and its far corner too where it fits.
    left = min(geometry.left(), available.right() + 1 - frame.right() - width)
    top = min(geometry.top(), available.bottom() + 1 - frame.bottom() - height)
    left = max(left, available.left() + frame.left())
    top = max(top, available.top() + frame.top())
    return QtCore.QRect(left, top, width, height)


#: every studio window not closed yet (closed at interpreter exit, see _close_at_exit)
_OPEN_WINDOWS: weakref.WeakSet = weakref.WeakSet()


def _close_at_exit() -> None:
    """Close and delete every studio window still open when the interpreter exits.

    A script or benchmark that ended with the window open (a SystemExit on its way, or one
    that just returns) left the simulation's QThread running, which Qt aborts on ("QThread:
    Destroyed while thread 'nwn-simulation' is still running", exit code 134), and the window
    to PySide's own exit clean-up, which destroys it while the interpreter is half gone: its
    plots' Python event handlers then crashed (exit code 139). Closing stops every worker
    (nobody is left to ask about unsaved changes); deleting it now, with the interpreter
    whole, leaves PySide nothing of it to destroy. It runs when the interpreter starts to
    shut down, before any ``atexit`` function: after h5py's, closing the run's results file
    re-registered h5py's type conversions, and HDF5's own exit clean-up then called back into
    the finished interpreter (exit code 139 again).
    """
    import shiboken6

    for window in list(_OPEN_WINDOWS):
        if not shiboken6.isValid(window):  # its Qt object is gone already, and its workers
            continue
        window._exiting = True
        window.close()
        shiboken6.delete(window)


# threading's exit hooks run as the interpreter begins to shut down, before atexit's
threading._register_atexit(_close_at_exit)


class MainWindow(QtWidgets.QMainWindow):
    """The studio window.

    Parameters
    ----------
    document : Document, optional
    settings : QSettings, optional
        Where recent files and the window layout are kept (tests pass a temporary file).
    """

    #: a live frame's style is ready (emitted in the styling thread, delivered queued)
    _style_made = QtCore.Signal()

    def __init__(self, document: Document | None = None, *,
                 settings: QtCore.QSettings | None = None) -> None:
        super().__init__()
        collect_on_gui_thread()  # the window's workers must never destroy Qt objects
        self._exiting = False  # closed by _close_at_exit: nothing to ask
        _OPEN_WINDOWS.add(self)
        self.settings = settings if settings is not None else _settings()
        self.document = document if document is not None else Document()
        self.controller = RunController(self)
        self.replay: Deposition | None = None  # the film being shown, while it forms
        #: deposition, junctions, the graph build and simulation set-up run here, off the
        #: GUI thread (one job each, a newer request drops an older one's result)
        self.deposit_job = BackgroundJob(self)
        self.build_job = BackgroundJob(self)
        self.setup_job = BackgroundJob(self)
        self.warm_job = BackgroundJob(self)
        #: the picked element's history, read from a results file being replayed
        self.history_job = BackgroundJob(self)
        #: the circuit graph again after an edit of the network settings or the electrodes
        #: (the document's builder, see _rebuild_in_background)
        self.rebuild_job = BackgroundJob(self)
        self._film: DepositionFilm | None = None
        self._film_maker: FrameMaker | None = None
        self._film_started = 0.0
        self._film_duration = 0.0
        self._film_asked = -1
        self._finish_asked = False
        self._prepared = None  # NetworkBuild of the film's wires, once built
        self._ready_scene = None
        self._run_when_ready = False
        self._sim_stale = True
        self._edits = 0  # document edits that invalidate a simulation, counted
        self._after_setup = None
        #: (network, electrodes, box) of the recorded run: exports read it, not the canvas
        self._run_network = None
        self._live = True
        self._results_dir = Path(tempfile.mkdtemp(prefix="nwn-studio-"))
        self._results_path: Path | None = None
        self._hdf5 = None
        self._selected: tuple[str, int] = ("", -1)
        self._history_shown = -np.inf
        self._panels_shown = -np.inf
        self._frame_cpu: float | None = None  # GUI-thread CPU time at the last frame
        #: ``ask_unsaved() -> "save" | "discard" | "cancel"``; replaced in tests.
        self.ask_unsaved = self._ask_unsaved_dialog
        from nwn.app.widgets.file_dialogs import FileDialogs

        #: Open/save dialogs remembering folders, adding extensions, confirming overwrites.
        self.dialogs = FileDialogs(self, self.settings)
        #: The results file shown instead of a run (File > Open results), or None.
        self.replay_results = None
        self._fitted_on_show = False
        self.setWindowTitle("nwn-studio")
        self._build_ui()
        self._connect()
        self.frame_timer = QtCore.QTimer(self)
        self.frame_timer.setInterval(FRAME_INTERVAL_MS)
        self.pacer = FramePacer(budget=0.15, min_interval=FRAME_INTERVAL_MS / 1e3)
        self.frame_timer.timeout.connect(self._frame)
        self.frame_timer.start()
        #: a live frame's colours, widths, backbone and path are worked out here, off the GUI
        #: thread (a second at a million wires); the GUI thread only applies them
        self.styler = FrameMaker(self._make_style, name="nwn-run-style",
                                 made=self._style_made.emit)
        self._style_made.connect(self._style_ready, QtCore.Qt.ConnectionType.QueuedConnection)
        self._style_asked = 0  # live frames asked of the styler, counted
        self._style_floor = 0  # the styler's frames up to this one are older than the canvas
        self.deposit_timer = QtCore.QTimer(self)
        self.deposit_timer.setInterval(30)
        self.deposit_timer.timeout.connect(self._deposit_tick)
        for job in (self.deposit_job, self.build_job, self.setup_job, self.rebuild_job):
            job.busyChanged.connect(self._show_busy)
        self.document.builder = self._rebuild_in_background
        self._restore_layout()
        self._document_changed()
        self._warm_up()
        freeze_start_up()  # full collections then scan only what came after (gui_garbage)

    # -- UI -----------------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.canvas = NetworkCanvas()
        central = QtWidgets.QWidget()
        vbox = QtWidgets.QVBoxLayout(central)
        vbox.setContentsMargins(2, 2, 2, 2)
        self.error_bar = QtWidgets.QLabel("")
        self.error_bar.setObjectName("errorBar")
        self.error_bar.setWordWrap(True)
        self.error_bar.setStyleSheet("QLabel { background: #6b1d1d; color: white; "
                                     "padding: 4px; }")
        self.error_bar.hide()
        vbox.addWidget(self.error_bar)
        vbox.addWidget(self._build_busy_bar())
        vbox.addWidget(self.canvas, 1)
        slider_row = QtWidgets.QHBoxLayout()
        self.time_slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.time_slider.setRange(0, 0)
        self.time_slider.setToolTip("scrub back through the snapshots of this run")
        self.time_label = QtWidgets.QLabel("t = 0 s")
        self.time_label.setMinimumWidth(150)
        slider_row.addWidget(QtWidgets.QLabel("time"))
        slider_row.addWidget(self.time_slider, 1)
        slider_row.addWidget(self.time_label)
        vbox.addLayout(slider_row)
        self.setCentralWidget(central)

        # Left dock: parameters and electrodes.
        self.parameters = ParameterPanel(self.document)
        self.electrodes = ElectrodePanel(self.document)
        tabs = QtWidgets.QTabWidget()
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        # the panel fits the dock's width: long messages wrap instead of scrolling sideways
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(self.parameters)
        tabs.addTab(scroll, "Parameters")
        tabs.addTab(self.electrodes, "Electrodes")
        self.deposition_panel = DepositionPanel()
        tabs.addTab(self.deposition_panel, "Deposition")
        self.left_tabs = tabs
        left = QtWidgets.QDockWidget("Setup", self)
        left.setObjectName("setupDock")
        setup = QtWidgets.QWidget()
        setup_box = QtWidgets.QVBoxLayout(setup)
        setup_box.setContentsMargins(0, 0, 0, 0)
        #: says why the settings are held while a run is going (see _hold_inputs)
        self.hold_note = QtWidgets.QLabel(HOLD_NOTE)
        self.hold_note.setObjectName("holdNote")
        self.hold_note.setWordWrap(True)
        self.hold_note.setStyleSheet("QLabel { background: #5c4a1d; color: white; "
                                     "padding: 4px; }")
        self.hold_note.hide()
        setup_box.addWidget(self.hold_note)
        setup_box.addWidget(tabs, 1)
        left.setWidget(setup)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.LeftDockWidgetArea, left)
        # Right dock: live plots and inspector.
        self.plots = PlotsPanel()
        self.inspector = InspectorPanel()
        right_widget = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        right_widget.addWidget(self.plots)
        right_widget.addWidget(self.inspector)
        right_widget.setStretchFactor(0, 3)
        right_widget.setStretchFactor(1, 1)
        right = QtWidgets.QDockWidget("Measurements", self)
        right.setObjectName("plotsDock")
        right.setWidget(right_widget)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, right)
        from nwn.app.widgets.panels.analysis import AnalysisPanel

        self.analysis = AnalysisPanel(self._run_trace)
        analysis_dock = QtWidgets.QDockWidget("Analysis", self)
        analysis_dock.setObjectName("analysisDock")
        analysis_dock.setWidget(self.analysis)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, analysis_dock)
        self.tabifyDockWidget(right, analysis_dock)
        from nwn.app.widgets.panels.sweep import SweepPanel

        self.sweep = SweepPanel(lambda: self.document.scenario, self._sweep_folder)
        self.sweep_dock = self._tab_dock("Sweep", "sweepDock", self.sweep, analysis_dock)
        from nwn.app.widgets.panels.compute import ComputePanel

        self.compute = ComputePanel(self.document, lambda: self._results_dir)
        self.compute_dock = self._tab_dock("Compute", "computeDock", self.compute,
                                           self.sweep_dock)
        right.raise_()
        self.analysis_dock = analysis_dock
        # The canvas is what people came for: docks start narrow, the canvas takes the rest.
        self.canvas.setMinimumWidth(420)
        self.resizeDocks([left, right], [370, 400], QtCore.Qt.Orientation.Horizontal)

        # Run toolbar.
        run_bar = self.addToolBar("Run")
        run_bar.setObjectName("runToolbar")
        self.deposit_button = QtWidgets.QPushButton("Deposit")
        self.deposit_button.setToolTip("drop the wires in batches and watch clusters join")
        run_bar.addWidget(self.deposit_button)
        run_bar.addWidget(QtWidgets.QLabel(" film ≤ "))
        self.deposit_seconds = QtWidgets.QSpinBox()
        self.deposit_seconds.setRange(0, 600)
        self.deposit_seconds.setValue(int(MAX_ANIMATION_S))
        self.deposit_seconds.setSuffix(" s")
        self.deposit_seconds.setToolTip(
            "longest the deposition film may take (it lands about 2,000 wires per second, "
            "at least 1 s); 0: show the network at once")
        run_bar.addWidget(self.deposit_seconds)
        run_bar.addSeparator()
        self.run_button = QtWidgets.QPushButton("Run")
        self.pause_button = QtWidgets.QPushButton("Pause")
        self.step_button = QtWidgets.QPushButton("Step")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.reset_button = QtWidgets.QPushButton("Reset")
        for button in (self.run_button, self.pause_button, self.step_button,
                       self.stop_button, self.reset_button):
            run_bar.addWidget(button)
        run_bar.addWidget(QtWidgets.QLabel(" steps/frame "))
        self.steps_per_frame = QtWidgets.QSpinBox()
        self.steps_per_frame.setRange(1, 100_000)
        self.steps_per_frame.setValue(10)
        run_bar.addWidget(self.steps_per_frame)
        self.paced = QtWidgets.QCheckBox("real-time pace")
        self.paced.setChecked(True)
        self.paced.setToolTip("limit to one frame of steps per display frame; off = flat out")
        run_bar.addWidget(self.paced)
        # Why Deposit or Run is disabled: in the status bar, always visible (a toolbar label
        # moves into the overflow menu on a narrow window).
        self.run_reason = QtWidgets.QLabel("")
        self.run_reason.setObjectName("runReason")
        self.run_reason.setStyleSheet("color: #ff9060; font-weight: bold;")

        # View toolbar.
        view_bar = QtWidgets.QToolBar("View")
        view_bar.setObjectName("viewToolbar")
        self.addToolBarBreak()
        self.addToolBar(view_bar)
        view_bar.addWidget(QtWidgets.QLabel("colour by "))
        self.color_mode = QtWidgets.QComboBox()
        from nwn.app.models.palette import COLOR_MODES

        self.color_mode.addItems(list(COLOR_MODES))
        self.color_mode.setToolTip("what wires and junctions are coloured by (View > Colour by, "
                                   "Ctrl+1 ... Ctrl+4)")
        view_bar.addWidget(self.color_mode)
        self.log_check = QtWidgets.QCheckBox("log")
        self.log_check.setTristate(False)
        view_bar.addWidget(self.log_check)
        self.backbone_check = QtWidgets.QCheckBox("backbone >")
        view_bar.addWidget(self.backbone_check)
        self.backbone_fraction = QtWidgets.QDoubleSpinBox()
        self.backbone_fraction.setRange(0.001, 1.0)
        self.backbone_fraction.setSingleStep(0.01)
        self.backbone_fraction.setDecimals(3)
        self.backbone_fraction.setValue(0.05)
        self.backbone_fraction.setSuffix(" × I")
        # Qt sizes a spin box to its text with no room to spare: "0.050 × I" touched the
        # arrows and read as cut off. Two spaces more.
        self.backbone_fraction.setMinimumWidth(
            self.backbone_fraction.sizeHint().width()
            + self.backbone_fraction.fontMetrics().horizontalAdvance("  "))
        view_bar.addWidget(self.backbone_fraction)
        self.path_check = QtWidgets.QCheckBox("lowest-R path")
        view_bar.addWidget(self.path_check)
        self.path_a = QtWidgets.QComboBox()
        self.path_b = QtWidgets.QComboBox()
        view_bar.addWidget(self.path_a)
        view_bar.addWidget(QtWidgets.QLabel("→"))
        view_bar.addWidget(self.path_b)
        self.log_g_check = QtWidgets.QCheckBox("log G(t)")
        view_bar.addWidget(self.log_g_check)

        self._build_menus()
        self.statusBar().addPermanentWidget(self.run_reason)
        self.statusBar().showMessage("ready")

    def _build_busy_bar(self) -> QtWidgets.QWidget:
        """The row over the canvas that says what long work is going on (and "Finish now")."""
        bar = QtWidgets.QFrame()
        bar.setObjectName("busyBar")
        bar.setStyleSheet("QFrame#busyBar { background: #1d3b5c; } QLabel { color: white; }")
        row = QtWidgets.QHBoxLayout(bar)
        row.setContentsMargins(6, 2, 6, 2)
        self.busy_progress = QtWidgets.QProgressBar()
        self.busy_progress.setRange(0, 0)  # indeterminate: a moving bar
        self.busy_progress.setMaximumWidth(120)
        self.busy_progress.setTextVisible(False)
        self.busy_label = QtWidgets.QLabel("")
        self.busy_label.setObjectName("busyLabel")
        self.finish_button = QtWidgets.QPushButton("Finish now")
        self.finish_button.setToolTip("skip the rest of the deposition film: land every wire now")
        self.finish_button.clicked.connect(self.finish_deposition)
        row.addWidget(self.busy_progress)
        row.addWidget(self.busy_label, 1)
        row.addWidget(self.finish_button)
        bar.hide()
        self.busy_bar = bar
        return bar

    def _show_busy(self, *_args) -> None:
        """Show the busy row while any job runs or the film plays, with what is going on."""
        message = next((job.message for job in (self.deposit_job, self.build_job,
                                                self.setup_job, self.rebuild_job)
                        if job.message), "")
        if not message and self._film is not None:
            message = f"depositing {len(self._film):,} wires"
        self.busy_label.setText(message + ("…" if message else ""))
        self.busy_bar.setVisible(bool(message))
        self.finish_button.setVisible(self._film is not None or self.deposit_job.busy)
        self.deposit_button.setEnabled(not self.controller.busy)

    @property
    def depositing(self) -> bool:
        """True from Deposit until the network is built (or its build failed)."""
        return self._film is not None or self.deposit_job.busy or self.build_job.busy

    def _tab_dock(self, title: str, name: str, widget: QtWidgets.QWidget,
                  beside: QtWidgets.QDockWidget) -> QtWidgets.QDockWidget:
        """A right-hand dock holding ``widget``, tabbed with ``beside``."""
        dock = QtWidgets.QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.tabifyDockWidget(beside, dock)
        return dock

    def _sweep_folder(self) -> Path:
        """Where a sweep's file goes by default: the scenario's folder, else this session's."""
        return self.document.path.parent if self.document.path is not None \
            else self._results_dir

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.action_new = file_menu.addAction("New", self.new_document)
        self.action_open = file_menu.addAction("Open scenario…", self.open_dialog)
        self.action_open.setShortcut(QtGui.QKeySequence.StandardKey.Open)
        self.preset_menu = file_menu.addMenu("Open preset")
        try:
            from nwn.resources import list_presets

            for name, title in list_presets():
                self.preset_menu.addAction(f"{name} — {title}" if title else name,
                                           lambda n=name: self.open_preset(n))
        except (OSError, ValueError):
            pass
        self.recent_menu = file_menu.addMenu("Recent files")
        self.action_save = file_menu.addAction("Save scenario", self.save)
        self.action_save.setShortcut(QtGui.QKeySequence.StandardKey.Save)
        file_menu.addAction("Save scenario as…", self.save_as_dialog)
        file_menu.addAction("Load electrode layout from scenario…", self.load_layout_dialog)
        file_menu.addAction("Save results (HDF5)…", self.save_results_dialog)
        file_menu.addSeparator()
        file_menu.addAction("Quit", self.close)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.action_undo = edit_menu.addAction("Undo", self.document_undo)
        self.action_undo.setShortcut(QtGui.QKeySequence.StandardKey.Undo)
        self.action_redo = edit_menu.addAction("Redo", self.document_redo)
        self.action_redo.setShortcut(QtGui.QKeySequence.StandardKey.Redo)
        self._refresh_recent()
        from nwn.app.widgets.export_dialog import install_export_actions

        #: File > Export actions by name ("movie", "canvas", "plots", "traces", "tables")
        self.export_actions = install_export_actions(
            self, canvas=lambda: self.canvas, plots=self._export_plots,
            movie_source=self._movie_source, traces=self._export_traces,
            final_state=self._final_state, ask_path=self.dialogs.ask_export,
            confirm=lambda paths: self.dialogs.confirm(self, paths),
            movie_view=lambda: {"color": self.canvas.color_mode, "log": self.canvas.log_scale})
        from nwn.app.widgets.menus import install_menus

        install_menus(self)
        from nwn.app.widgets.results_view import install_results

        install_results(self)

    def _run_trace(self):
        """The current run's two-terminal trace for the Analysis tab (None before a run)."""
        from nwn.app.widgets.panels.analysis import run_trace

        electrodes = self.document.electrodes
        if self.replay_results is not None:  # a results file: its recorded trace
            replay = self.replay_results
            return run_trace(replay.traces(), list(replay.results.electrode_names),
                             [e.source.kind for e in replay.results.electrodes])
        return run_trace(self.controller.traces.arrays(), [e.name for e in electrodes],
                         [e.source.kind for e in electrodes])

    # -- export sources -----------------------------------------------------------------------

    def _export_plots(self) -> dict:
        plots = self.plots
        return {"current": plots.current_plot, "voltage": plots.voltage_plot,
                "conductance": plots.conductance_plot, "states": plots.histogram_plot}

    def _movie_source(self):
        """The snapshots of this run (the time slider's history) as movie frames."""
        if self.replay_results is not None:  # a results file: every state it recorded
            return self.replay_results.results
        history = self.controller.history
        if self._run_network is None or len(history) < 2:
            return None
        # The run's own network and layout: an edit after the run may have emptied the canvas.
        network, electrodes, box = self._run_network
        from nwn.app.render.movie import SnapshotSource

        traces = self.controller.traces.arrays()
        has_traces = traces["t"].size > 0
        return SnapshotSource(
            network, electrodes, box,
            [history[k] for k in range(len(history))],
            trace_t=traces["t"] if has_traces else None,
            terminal_current=traces["terminal_current"] if has_traces else None,
            terminal_voltage=traces["terminal_voltage"] if has_traces else None,
            conductance=traces["conductance"] if has_traces else None)

    def _export_traces(self):
        if self.replay_results is not None:
            return self.replay_results.results
        traces = self.controller.traces.arrays()
        if traces["t"].size == 0 or self._run_network is None:
            return None
        from types import SimpleNamespace

        return SimpleNamespace(t=traces["t"], terminal_current=traces["terminal_current"],
                               terminal_voltage=traces["terminal_voltage"],
                               conductance=traces["conductance"],
                               electrode_names=tuple(self._run_network[0].electrode_names))

    def _final_state(self):
        if self.canvas.network is None or self.canvas.snapshot is None:
            return None
        return self.canvas.network, self.canvas.snapshot

    def _connect(self) -> None:
        self.document.events.connect(self._on_document_event)
        self.canvas.electrodeDrawn.connect(self._electrode_drawn)
        self.canvas.electrodeEdited.connect(self._electrode_edited)
        self.canvas.hovered.connect(lambda k, i: self._inspect(k, i, clicked=False))
        self.canvas.picked.connect(lambda k, i: self._inspect(k, i, clicked=True))
        self.electrodes.toolChosen.connect(self._tool_chosen)
        self.electrodes.selected.connect(lambda n: self.canvas.set_selected_electrode(n or None))
        self.canvas.electrodeClicked.connect(self.electrodes.select)
        self.canvas.electrodeClicked.connect(self.compute.mark_electrode)  # RC roles, if marking
        self.canvas.keyCommand.connect(self._canvas_key)
        self.left_tabs.currentChanged.connect(self._setup_tab_changed)
        self.electrodes.message.connect(self.show_error)
        self.parameters.validityChanged.connect(self._update_run_state)
        self.electrodes.validityChanged.connect(self._update_run_state)
        self.deposit_button.clicked.connect(self.deposit)
        self.run_button.clicked.connect(self.run)
        self.pause_button.clicked.connect(self.controller.pause)
        self.step_button.clicked.connect(lambda: self.step(1))
        self.stop_button.clicked.connect(self.stop)
        self.reset_button.clicked.connect(self.reset)
        self.steps_per_frame.valueChanged.connect(
            lambda v: setattr(self.controller.worker, "steps_per_frame", int(v)))
        self.paced.toggled.connect(lambda v: setattr(self.controller.worker, "paced", bool(v)))
        self.controller.stateChanged.connect(self._run_state_changed)
        self.controller.failed.connect(self.show_error)
        self.color_mode.currentTextChanged.connect(self._view_changed)
        self.log_check.toggled.connect(self._view_changed)
        self.backbone_check.toggled.connect(self._view_changed)
        self.backbone_fraction.valueChanged.connect(self._view_changed)
        self.path_check.toggled.connect(self._view_changed)
        self.path_a.currentTextChanged.connect(self._view_changed)
        self.path_b.currentTextChanged.connect(self._view_changed)
        self.log_g_check.toggled.connect(self.plots.set_log_conductance)
        self.time_slider.valueChanged.connect(self._slider_moved)

    # -- messages -----------------------------------------------------------------------------

    def show_error(self, message: str) -> None:
        """Show a one-line error in the window (never a traceback)."""
        if not message:
            return
        self.error_bar.setText(message)
        self.error_bar.show()
        self.statusBar().showMessage(message, 10_000)

    def clear_error(self) -> None:
        self.error_bar.hide()
        self.error_bar.setText("")

    # -- document -----------------------------------------------------------------------------

    def _on_document_event(self, name: str, payload) -> None:
        if name in ("scenario", "electrodes", "network"):
            self._sim_stale = True
            self._edits += 1
        if name == "scenario":
            self.clear_error()  # an accepted edit: the last refusal is about a past state
        if name in ("scenario", "electrodes"):
            self.sweep.refresh()  # the keys it offers name this scenario's values
        if name == "network":
            self._show_network()
        elif name == "electrodes":
            self._show_electrodes()
        elif name in ("dirty", "path"):
            self._update_title()
        self._update_run_state()

    def _document_changed(self) -> None:
        """Show a (new) document completely."""
        self.canvas.set_box(self.document.scenario.network.box)
        self.parameters.refresh()
        self.electrodes.refresh()
        self.sweep.refresh()
        self._show_network()
        self._update_title()
        self._update_run_state()

    def _show_network(self) -> None:
        built = self.document.built
        banner = self.canvas.banner.toPlainText()
        if built is not None:
            scene, geometry = self._ready_scene or (None, None)
            if scene is None or scene.network is not built.network:
                scene = geometry = None
            self.canvas.set_network(built.network, scene=scene, geometry=geometry)
            if banner.startswith("not built"):
                self.canvas.banner.setText("")
        elif self.document.wires is not None:
            # Not buildable (an electrode outside the box, none touching...): every wire its own
            # grey, never one cluster colour as if connected, and the reason on the canvas.
            wires = self.document.wires
            self.canvas.set_network(None)
            self.canvas.show_deposition(wires.endpoints, np.arange(len(wires), dtype=np.int64),
                                        self.document.junctions.points)
            if self.replay is None:
                self.canvas.banner.setText(
                    f"not built: {self.document.network_error or 'no network'}")
        else:
            # An emptied canvas: nothing about the old network stays on screen.
            self.canvas.set_network(None)
            if self.replay is None:
                self.canvas.banner.setText("")
                self.deposition_panel.clear()
                self._selected = ("", -1)
                self.inspector.show_element("", -1, None, None, None)
                self.inspector.show_history("", None)
                self.canvas.set_selection("", -1)
        self._show_electrodes()

    def _show_electrodes(self) -> None:
        self.canvas.set_electrodes(self.document.electrodes, flagged=self.document.flagged)
        names = [e.name for e in self.document.electrodes]
        for combo, default in ((self.path_a, 0), (self.path_b, -1)):
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            if current in names:
                combo.setCurrentText(current)
            elif names:
                combo.setCurrentIndex(default % len(names))
            combo.blockSignals(False)
        self.plots.set_electrodes(names)
        self._view_changed()

    def _update_title(self) -> None:
        name = self.document.path.name if self.document.path else (
            self.document.scenario.name or "untitled")
        self.setWindowTitle(f"{name}{' *' if self.document.dirty else ''} — nwn-studio")

    def document_undo(self) -> None:
        if not self._refuse_edit():
            self.document.undo()

    def document_redo(self) -> None:
        if not self._refuse_edit():
            self.document.redo()

    def _set_document(self, document: Document) -> None:
        self._stop_everything()
        from nwn.app.widgets.results_view import end_replay

        end_replay(self)  # another document: the results file shown is left behind
        self.document.events.disconnect(self._on_document_event)
        self.document.builder = None
        self.rebuild_job.cancel()
        self.document = document
        document.builder = self._rebuild_in_background
        self.parameters.document = document
        self.electrodes.document = document
        document.events.connect(self.parameters._document_event)
        document.events.connect(self.electrodes._document_event)
        document.events.connect(self._on_document_event)
        self.electrodes.undo_button.clicked.disconnect()
        self.electrodes.redo_button.clicked.disconnect()
        self.electrodes.undo_button.clicked.connect(document.undo)
        self.electrodes.redo_button.clicked.connect(document.redo)
        self.compute.set_document(document)
        self._sim_stale = True
        self.controller.simulation = None
        self.controller.worker.simulation = None
        self.controller.slot.clear()
        self.controller.history.clear()
        self._run_network = None
        self.time_slider.setRange(0, 0)
        self.clear_error()
        self._document_changed()

    # -- files --------------------------------------------------------------------------------

    def _ask_unsaved_dialog(self) -> str:
        answer = QtWidgets.QMessageBox.question(
            self, "Unsaved changes", "The scenario has unsaved changes. Save them?",
            QtWidgets.QMessageBox.StandardButton.Save
            | QtWidgets.QMessageBox.StandardButton.Discard
            | QtWidgets.QMessageBox.StandardButton.Cancel)
        return {QtWidgets.QMessageBox.StandardButton.Save: "save",
                QtWidgets.QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")

    def maybe_save(self) -> bool:
        """True when it is fine to drop the document (saved, or the user said so)."""
        if not self.document.dirty:
            return True
        answer = self.ask_unsaved()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_document(self) -> None:
        if self.maybe_save():
            self._set_document(Document())

    def open_path(self, path: str | Path) -> bool:
        """Open a scenario file; errors are shown in the window."""
        if not self.maybe_save():
            return False
        try:
            document = Document.open(path)
        except ValueError as error:
            self.show_error(error_message(error))
            return False
        self._set_document(document)
        self._add_recent(Path(path))
        return True

    def open_preset(self, name: str) -> bool:
        if not self.maybe_save():
            return False
        try:
            document = Document.from_preset(name)
        except ValueError as error:
            self.show_error(error_message(error))
            return False
        self._set_document(document)
        return True

    def open_dialog(self) -> None:
        path = self.dialogs.open_path("scenario", "Open scenario", "Scenario (*.toml)")
        if path:
            self.open_path(path)

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as_dialog()
        return self.save_to(self.document.path)

    def save_to(self, path: str | Path) -> bool:
        try:
            saved = self.document.save(path)
        except (ValueError, OSError) as error:
            self.show_error(error_message(error))
            return False
        self._add_recent(saved)
        self.statusBar().showMessage(f"saved {saved}", 5000)
        return True

    def save_as_dialog(self) -> bool:
        name = self.document.path.name if self.document.path is not None else \
            f"{self.document.scenario.name or 'scenario'}.toml"
        path = self.dialogs.save_path("scenario", "Save scenario", name, "Scenario (*.toml)",
                                      (".toml",))
        return self.save_to(path) if path else False

    def load_layout_dialog(self) -> None:
        path = self.dialogs.open_path("scenario", "Electrode layout from scenario",
                                      "Scenario (*.toml)")
        if path:
            self.load_layout(path)

    def load_layout(self, path: str | Path) -> None:
        """Take the electrodes of another scenario file onto this network (undoable)."""
        try:
            other = Document.open(path).scenario
            self.document.set_electrodes(other.electrodes, label=f"layout from {Path(path).name}")
        except ValueError as error:
            self.show_error(error_message(error))

    def save_results(self, path: str | Path) -> bool:
        """Copy this run's HDF5 results (engine format) to ``path``."""
        if self._hdf5 is None or self._results_path is None:
            self.show_error("no results yet: run the simulation first")
            return False
        if self.controller.busy:
            self.show_error("pause the run before saving results")
            return False
        try:
            self._hdf5.flush()
            shutil.copyfile(self._results_path, path)
        except OSError as error:
            self.show_error(error_message(error))
            return False
        self.statusBar().showMessage(f"results saved to {path}", 5000)
        return True

    def save_results_dialog(self) -> None:
        path = self.dialogs.save_path("results", "Save results", "run.h5", "HDF5 (*.h5)",
                                      (".h5", ".hdf5"))
        if path:
            self.save_results(path)

    def _recent(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: Path) -> None:
        entries = [str(Path(path).resolve())] + [p for p in self._recent()
                                                 if p != str(Path(path).resolve())]
        self.settings.setValue("recent", entries[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        for entry in self._recent():
            self.recent_menu.addAction(entry, lambda p=entry: self.open_path(p))

    def _restore_layout(self) -> None:
        geometry = self.settings.value("geometry")
        state = self.settings.value("state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(*PREFERRED_SIZE)
        if state is not None:
            self.restoreState(state)
        self.fit_to_screen()  # a saved size from a larger screen, or the preferred one
        self._launch_size = self.size()

    def fit_to_screen(self) -> None:
        """Keep the whole window, frame included, on its screen's available area (the
        desktop less panels and docks): smaller if it does not fit, moved if it sticks out."""
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        if screen is None:
            return
        frame = self.frameGeometry()
        inner = self.geometry()
        margins = QtCore.QMargins(inner.left() - frame.left(), inner.top() - frame.top(),
                                  frame.right() - inner.right(), frame.bottom() - inner.bottom())
        fitted = fitted_geometry(screen.availableGeometry(), inner, margins,
                                 self.minimumSizeHint().expandedTo(self.minimumSize()))
        if fitted != inner:
            self.setGeometry(fitted)

    def showEvent(self, event: QtGui.QShowEvent) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._fitted_on_show:
            # The window manager adds its frame on the first show: fit once more with it
            # (unless the window was given a size of its own since, as scripts and tests do).
            self._fitted_on_show = True
            if self.size() == self._launch_size:
                QtCore.QTimer.singleShot(0, self, self.fit_to_screen)

    # -- deposition ---------------------------------------------------------------------------

    def _warm_up(self) -> None:
        """Compile (or load from numba's cache) the kernels in a worker thread at launch, so
        the first Deposit and Run do not wait for the compiler (once per process)."""
        global _WARM_UP_STARTED
        if _WARM_UP_STARTED:
            return
        _WARM_UP_STARTED = True
        scenario = self.document.scenario

        def work(say):
            from nwn.app.models.warmup import warm_kernels
            from nwn.app.render.layers import warm_kernels as warm_raster

            warm_raster()
            return warm_kernels(scenario)

        def done(seconds: float) -> None:
            self.statusBar().showMessage(f"kernels ready ({seconds:.1f} s)", 3000)

        self.statusBar().showMessage("warming up the kernels in the background…")
        self.warm_job.submit("warming up the kernels", work, done, lambda message: None)

    def deposit(self) -> None:
        """Deposit the scenario's wires and find their junctions in a worker thread, then play
        the film of the network forming (:meth:`finish_deposition` skips to the end)."""
        if not self.parameters.commit_pending():
            self.show_error(f"cannot deposit: {next(iter(self.parameters.errors.values()))}")
            return
        self.clear_error()
        self._stop_run()
        self._stop_film()
        scenario = self.document.scenario
        electrodes = geometry_electrodes(self.document.electrodes)
        self.document.clear_network()
        self.canvas.banner.setText("")
        self.left_tabs.setCurrentWidget(self.deposition_panel)
        self._finish_asked = False
        self._prepared = None
        count = "wires" if scenario.network.wire_file is not None else \
            f"{scenario.network.n_wires:,} wires"

        def work(say):
            wires = deposit_wires(scenario)
            say(f"finding the junctions of {len(wires):,} wires")
            junctions = find_junctions(wires)
            say(f"finding the clusters of {len(wires):,} wires")
            film = DepositionFilm(wires, junctions, electrodes, scenario.network.box)
            return film, NetworkCanvas.prepare_geometry(film.wire_xy, film.junction_xy)

        self.deposit_job.submit(f"depositing {count}", work, self._film_ready,
                                self._deposit_failed)
        self._show_busy()

    def _deposit_failed(self, message: str) -> None:
        self.show_error(message)
        self._show_busy()

    def _film_ready(self, result) -> None:
        film, geometry = result
        self._film = film
        self.replay = film.replay
        self.canvas.set_film(film.wire_xy, film.junction_xy, geometry=geometry)
        self.canvas.set_electrodes(self.document.electrodes)
        self._film_duration = 0.0 if self._finish_asked else \
            film_duration(len(film), self.deposit_seconds.value())
        self._film_started = time.monotonic()
        self._film_asked = -1
        self._film_maker = FrameMaker(film.frame, name="nwn-deposition-frames")
        # The circuit graph is built while the film plays: ready when it ends.
        document = self.document
        wires, junctions = film.wires, film.junctions
        self.build_job.submit(f"building the circuit graph of {len(wires):,} wires",
                              lambda say: self._prepare(document, wires, junctions),
                              self._network_prepared, self._deposit_failed)
        self._show_busy()
        self.deposit_timer.start()
        self._deposit_tick()

    @staticmethod
    def _prepare(document, wires, junctions):
        """The graph, its display values, search trees and drawing orders (worker thread)."""
        from nwn.app.models.scene import NetworkScene

        prepared = document.prepare_network(wires, junctions)
        if prepared.built is None:
            return prepared, None
        scene = NetworkScene(prepared.built.network)
        scene.junction_tree  # noqa: B018 - built here, cached on the scene
        # the contact outlines, cached on the scene for these electrodes
        NetworkCanvas.highlight_geometry(scene, document.electrodes)
        return prepared, (scene, NetworkCanvas.prepare_geometry(scene.wire_xy,
                                                                scene.junction_xy))

    def _rebuild_in_background(self, wires, junctions) -> None:
        """The document's builder: the circuit graph of an edit (network settings,
        electrodes, undo) and its display values in a worker thread, behind the busy row;
        Run waits for it (``Document.rebuilding``). A newer edit's build drops this one's."""
        document = self.document

        def done(result) -> None:
            prepared, scene = result
            if document is not self.document:
                return
            self._ready_scene = scene  # _show_network takes it instead of computing it here
            try:
                document.apply_build(prepared)
            finally:
                self._ready_scene = None
            self._update_run_state()

        def failed(message: str) -> None:
            if document is self.document:
                document.rebuilding = False
                self.show_error(message)
                self._update_run_state()

        self.rebuild_job.submit(f"rebuilding the circuit graph of {len(wires):,} wires",
                                lambda say: self._prepare(document, wires, junctions), done,
                                failed)
        self._update_run_state()

    def _network_prepared(self, result) -> None:
        self._prepared = result
        if self._film is None:  # the film ended first: the network is what was waited for
            self._apply_network()
        else:
            self._show_busy()

    def _deposit_tick(self) -> None:
        film, maker = self._film, self._film_maker
        if film is None or maker is None:
            self.deposit_timer.stop()
            return
        wanted = film_wires(time.monotonic() - self._film_started, self._film_duration,
                            len(film))
        if wanted != self._film_asked:
            maker.request(wanted)
            self._film_asked = wanted
        if maker.failed:
            self.show_error(maker.failed)
            self._stop_film()
            return
        made = maker.frames.take()
        if made is None:
            return
        frame = made[1]
        self._show_film_frame(frame)
        if frame.n_wires >= len(film):
            self._film_ended()

    def _show_film_frame(self, frame) -> None:
        state = frame.state
        self.canvas.show_film_frame(frame.wire_group, frame.junction_group)
        if state.percolated:
            self.canvas.banner.setText(
                f"percolation at wire {state.percolation_wire + 1}: a cluster joins two "
                f"electrodes (n·⟨l²⟩ = {state.percolation_density_ratio:.2f})")
        self.deposition_panel.show_state(state, len(self._film))
        self.deposition_state = state

    def finish_deposition(self) -> None:
        """Finish now: land every remaining wire (the network is built as soon as it can be)."""
        self._finish_asked = True
        if self._film is not None:
            self._film_duration = 0.0
            self._deposit_tick()

    def _film_ended(self) -> None:
        self._stop_film(keep_build=True)
        if self._prepared is not None:
            self._apply_network()
        else:
            self._show_busy()

    def _apply_network(self) -> None:
        prepared, scene = self._prepared
        self._prepared = None
        self._ready_scene = scene  # _show_network takes it instead of computing it here
        self.document.set_wires(prepared.wires, prepared.junctions, prepared=prepared)
        self._ready_scene = None
        self._show_busy()
        if self._run_when_ready:
            self._run_when_ready = False
            self.run()

    def _stop_film(self, *, keep_build: bool = False) -> None:
        self.deposit_timer.stop()
        self.deposit_job.cancel()
        if not keep_build:
            self.build_job.cancel()
        if self._film_maker is not None:
            self._film_maker.stop(timeout=0.0)
        self._film_maker = None
        self._film = None
        self.replay = None
        self._show_busy()

    # -- running ------------------------------------------------------------------------------

    def run_problems(self) -> list[str]:
        problems = list(self.parameters.errors.values())
        problems += list(self.electrodes.errors.values())
        if self.replay_results is not None and self.document.built is None:
            # the file's network is on the canvas, but no circuit to run: say what is shown
            problems.append(f"{self.replay_results.path.name} is a recorded results file "
                            f"being replayed: Deposit rebuilds its scenario to run it")
        problems += self.document.problems()
        return problems

    def _update_run_state(self) -> None:
        problems = self.run_problems()
        field_errors = list(self.parameters.errors.values())
        busy = self.controller.busy
        self.run_button.setEnabled(not problems and not busy)
        self.step_button.setEnabled(not problems and not busy)
        # an invalid field blocks Deposit too: the wires would come from the last valid value
        self.run_reason.setText(f"cannot deposit or run: {field_errors[0]}" if field_errors
                                else f"cannot run: {problems[0]}" if problems else "")
        from nwn.app.models.tooltip_text import with_reason
        from nwn.app.widgets.menus import TOOLTIPS

        # the meaning stays; the reason is added below it while there is one
        self.run_button.setToolTip(with_reason(TOOLTIPS["run_button"],
                                               problems[0] if problems else ""))
        self.pause_button.setEnabled(busy)
        stop_reason, reset_reason = self._stop_reset_reasons()
        for button, key, reason in ((self.stop_button, "stop_button", stop_reason),
                                    (self.reset_button, "reset_button", reset_reason)):
            button.setEnabled(not reason)
            button.setToolTip(with_reason(TOOLTIPS[key], reason))
        self.deposit_button.setEnabled(not busy and not field_errors)
        self.deposit_button.setToolTip(with_reason(TOOLTIPS["deposit_button"],
                                                   field_errors[0] if field_errors else ""))
        self._hold_inputs()

    def _stop_reset_reasons(self) -> tuple[str, str]:
        """Why Stop and why Reset can do nothing now ("" where they can).

        Stop ends a run that has started (running, or paused part-way); Reset drops what a run
        recorded (after Stop too) and starts over."""
        simulation = self.controller.simulation
        advanced = simulation is not None and simulation.t > 0.0
        if self.controller.busy:
            return "", ""
        if self.replay_results is not None:
            shown = "a results file is shown, not a run"
            return f"{shown}: nothing to stop", f"{shown}: nothing to reset"
        stop = "" if advanced and not self._sim_stale else (
            "the run is stopped: Run starts it again from t = 0" if advanced
            else "no run to stop: press Run")
        reset = "" if advanced or len(self.controller.history) > 1 else \
            "nothing to reset: no run has recorded anything yet"
        return stop, reset

    @property
    def run_holds_inputs(self) -> bool:
        """True while a run is going, being set up, or paused part-way (until Stop): editing
        then would change what the run means under its recording."""
        return self.controller.busy or self.setup_job.busy or (
            self.controller.state == "paused" and not self._sim_stale)

    def _hold_inputs(self) -> None:
        """Grey out every input that would invalidate the run while it holds them."""
        held = self.run_holds_inputs
        self.hold_note.setVisible(held)
        for widget in (self.parameters, self.electrodes):
            widget.setEnabled(not held)
        for action in (self.action_undo, self.action_redo):
            action.setEnabled(not held)
        if held:
            self.deposit_button.setEnabled(False)
            if self.canvas.view.tool != "select":
                self._tool_chosen("select")

    def _refuse_edit(self) -> bool:
        """True (and says so) when an edit must wait for the run to stop."""
        if self.run_holds_inputs:
            self.show_error("the run holds its settings: pause and Stop it to edit "
                            "(what it recorded stays)")
            return True
        return False

    def _set_up_then(self, then=None) -> bool:
        """Build the simulation (and its results file) in a worker thread, then ``then()``.

        Building compiles the junction model's and the solver's kernels on their first use and
        factorizes the circuit: seconds on a fresh install or a large network, never on the GUI
        thread. False when the run cannot be set up (the reason is shown)."""
        if not self._sim_stale and self.controller.simulation is not None:
            if then is not None:
                then()
            return True
        if self.controller.busy:
            return False
        self._after_setup = then
        if self.setup_job.busy:
            return True  # the set-up under way does it
        from nwn.engine.build import build_simulation
        from nwn.engine.recording import HDF5Recorder

        try:
            scenario = self.document.validate()
        except ValueError as error:
            self.show_error(error_message(error))
            return False
        self._close_results()
        path = self._results_dir / "run.h5"
        built = self.document.built
        electrodes = self.document.electrodes
        generation = self._edits
        # the first state is drawn as soon as the run is set up: styled here too, for the
        # canvas's settings now (made again on the GUI thread if they change meanwhile)
        scene, settings = self.canvas.scene_data, self.canvas.run_settings()

        def work(say):
            recorder = HDF5Recorder.for_scenario(path, scenario)
            try:
                if built is not None:
                    say(f"setting up the run ({built.network.n_junctions:,} junctions)")
                simulation = build_simulation(scenario, built=built)
                initial = simulation.snapshot()
                style = make_run_style(scene, initial, settings, histogram=True) \
                    if scene is not None and scene.network is simulation.network else None
                return recorder, simulation, initial, style
            except BaseException:
                recorder.close(complete=False)
                raise

        def done(result) -> None:
            recorder, simulation, initial, style = result
            self._results_path, self._hdf5 = path, recorder
            self.controller.set_simulation(simulation, duration=scenario.run.duration,
                                           recorders=[recorder], initial=initial)
            if style is not None and self.canvas.scene_data is scene:
                self.canvas.show_snapshot(initial, style=style)  # the frame redraws it cheaply
            self._run_network = (simulation.network, electrodes, scenario.network.box)
            self.canvas.banner.setText("")  # the deposition's percolation note is history now
            self._sim_stale = generation != self._edits  # edited while it was being built
            self._live = True
            self._update_run_state()
            after, self._after_setup = self._after_setup, None
            if after is not None and not self._sim_stale:
                after()

        def failed(message: str) -> None:
            self._after_setup = None
            self.show_error(message)
            self._update_run_state()

        self.setup_job.submit("setting up the run (the first run compiles its kernels)", work,
                              done, failed)
        self._update_run_state()
        return True

    def _close_results(self) -> None:
        if self._hdf5 is not None:
            try:
                self._hdf5.close(complete=False)
            except (OSError, ValueError):
                pass
            self._hdf5 = None

    def run(self) -> bool:
        """Run to the end of the duration (set up first, in a worker thread, if needed)."""
        self.parameters.commit_pending()
        self.clear_error()
        if self.run_problems():
            self.show_error(f"cannot run: {self.run_problems()[0]}")
            return False
        return self._set_up_then(self._start)

    def _start(self) -> None:
        self._sync_worker()
        self._live = True
        self.controller.start()

    def step(self, n: int = 1) -> bool:
        self.parameters.commit_pending()
        self.clear_error()
        if self.run_problems():
            return False

        def advance() -> None:
            self._sync_worker()
            self.controller.step(n)

        return self._set_up_then(advance)

    def _sync_worker(self) -> None:
        worker = self.controller.worker
        worker.steps_per_frame = self.steps_per_frame.value()
        worker.paced = self.paced.isChecked()

    def stop(self) -> None:
        """End the run here (the next Run starts again from t = 0); what it recorded stays
        (time slider, exports) until the next run starts."""
        self._stop_run()
        self._sim_stale = True
        self._update_run_state()

    def reset(self) -> None:
        """Drop the run and start over from t = 0 with the same network."""
        self._stop_run()
        self._sim_stale = True
        self.controller.slot.clear()
        self.controller.history.clear()
        self.controller.traces.reset()
        self.time_slider.setRange(0, 0)
        self.canvas.show_snapshot(None)
        self.plots.update_traces(self.controller.traces.arrays())
        self._set_up_then()

    def _stop_run(self) -> None:
        self.controller.pause()
        self.controller.wait_idle()

    def _stop_everything(self) -> None:
        self._stop_film()
        self._prepared = None
        self._stop_run()

    def _run_state_changed(self, state: str) -> None:
        self._frame_cpu = None  # pacing starts afresh with each run
        if not self.controller.busy and self.canvas.snapshot is not None:
            self._refresh_panels()  # the run's last frames may have skipped them
        self._update_run_state()
        self.statusBar().showMessage(f"run {state}", 3000)

    # -- display ------------------------------------------------------------------------------

    def _frame(self) -> None:
        """Display-rate redraw from the latest snapshot (never waits for the worker).

        The redraw interval stretches with the cost of drawing (:class:`FramePacer`), so a
        large network never spends more than 15 % of wall time on the GUI thread. The cost of a
        frame is all the GUI thread's CPU time from one frame to the next: the redraw, the
        paints it causes (most of it) and what else came in between.
        """
        snapshot = self.controller.slot.take()
        if snapshot is None:
            return
        # Thread CPU time, not wall time: waiting for the interpreter lock while the worker
        # computes is not drawing cost, and counting it would starve the display.
        now = time.thread_time()
        if self._frame_cpu is not None:
            self.pacer.record(now - self._frame_cpu)
        self._frame_cpu = now
        self._redraw_live(snapshot)
        self.frame_timer.setInterval(self.pacer.interval_ms)

    def _redraw_live(self, snapshot) -> None:
        count = len(self.controller.history)
        at_end = self.time_slider.value() >= self.time_slider.maximum()
        self.time_slider.blockSignals(True)
        self.time_slider.setRange(0, max(count - 1, 0))
        if self._live or at_end:
            self.time_slider.setValue(max(count - 1, 0))
        self.time_slider.blockSignals(False)
        running = self.controller.busy
        now = time.monotonic()
        panels = not running or now - self._panels_shown >= PANEL_INTERVAL_S
        if panels:
            self._panels_shown = now
            self.plots.update_traces(self.controller.traces.arrays())
        if now - self._history_shown >= HISTORY_INTERVAL_S:
            self._show_selected_history()
        if self._live:
            self._display(snapshot, live=running, panels=panels)

    def _display(self, snapshot, *, live: bool = False, panels: bool = True) -> None:
        """Draw ``snapshot`` on the canvas and, with ``panels``, in the plots and inspector.

        ``live`` (a frame of the run going on): its style is made by :attr:`styler` and the
        snapshot drawn when it is ready (:meth:`_style_ready`); anything else is drawn now."""
        canvas = self.canvas
        drawn = canvas.drawn_style
        if live and drawn is not None and drawn.snapshot is snapshot \
                and drawn.settings == canvas.run_settings():
            self._show(snapshot, panels=panels, style=drawn)  # styled already (the set-up)
            return
        if live and canvas.scene_data is not None and self.styler.failed is None:
            self._ask_style(snapshot, panels)
            return
        self._style_floor = self._style_asked  # frames still being styled are older
        self._show(snapshot, panels=panels)

    def _show(self, snapshot, *, panels: bool, style=None) -> None:
        self.canvas.show_snapshot(snapshot, live=style is not None, style=style)
        self.time_label.setText(f"t = {snapshot.t:.6g} s  (step {snapshot.step})")
        if panels:
            self._show_panels(snapshot, histogram=None if style is None
                              else style.state_histogram)

    def _ask_style(self, snapshot, panels: bool, *, path: bool | None = None) -> None:
        """Have the styler style ``snapshot`` for the canvas's settings now; ``path`` None:
        the lowest-resistance path too when it is due (:meth:`NetworkView.path_due`)."""
        canvas = self.canvas
        self._style_asked += 1
        self.styler.request((self._style_asked, canvas.scene_data, snapshot,
                             canvas.run_settings(), canvas.path_due() if path is None else path,
                             canvas.drawn_style, panels))

    @staticmethod
    def _make_style(request):
        """A live frame's :class:`~nwn.app.models.run_style.RunStyle` (styling thread)."""
        _, scene, snapshot, settings, path, previous, panels = request
        return make_run_style(scene, snapshot, settings, path=path, previous=previous,
                              histogram=panels)

    def _style_ready(self) -> None:
        """Draw the live frame the styler made, unless the canvas moved on meanwhile (a newer
        frame drawn, another network, the run ended); one made for settings changed since is
        asked for again rather than styled here."""
        made = self.styler.frames.take()
        if made is None:
            return
        (ticket, scene, snapshot, settings, _, _, panels), style = made
        if ticket <= self._style_floor or scene is not self.canvas.scene_data \
                or not self.controller.busy or not self._live:
            return
        self._style_floor = ticket
        if settings != self.canvas.run_settings():
            self._ask_style(snapshot, panels, path=True)
            return
        self._show(snapshot, panels=panels, style=style)

    def _show_panels(self, snapshot, *, histogram=None) -> None:
        self.plots.update_snapshot(snapshot, histogram=histogram)
        if self._selected[0]:
            self._inspect(*self._selected, clicked=False)
        self.inspector.set_time(snapshot.t if self._selected[0] else None)

    def _refresh_panels(self) -> None:
        """Bring the plots and the inspector up to the canvas (a run just stopped)."""
        self._panels_shown = time.monotonic()
        self.plots.update_traces(self.controller.traces.arrays())
        self._show_selected_history()
        self._show_panels(self.canvas.snapshot)

    def _slider_moved(self, value: int) -> None:
        history = self.controller.history
        if len(history) == 0:
            return
        value = min(value, len(history) - 1)
        self._live = value >= self.time_slider.maximum()
        self._display(history[value])

    def displayed_snapshot(self):
        return self.canvas.snapshot

    def _view_changed(self, *_args) -> None:
        mode = self.color_mode.currentText()
        if self.sender() is self.color_mode:
            from nwn.app.models.scene import COLOR_MODES

            self.log_check.blockSignals(True)
            self.log_check.setChecked(COLOR_MODES[mode][1])
            self.log_check.blockSignals(False)
        pair = (self.path_a.currentText(), self.path_b.currentText())
        # During a run the state shown is styled for the new settings in the styling thread
        # (a second at a million wires); the colours change when it is ready.
        canvas = self.canvas
        live = self.controller.busy and self._live and canvas.snapshot is not None \
            and canvas.scene_data is not None and self.styler.failed is None
        canvas.set_view(mode, log=self.log_check.isChecked(),
                        backbone=self.backbone_fraction.value()
                        if self.backbone_check.isChecked() else None,
                        path=pair if self.path_check.isChecked() and all(pair) else None,
                        redraw=not live)
        if live:
            self._ask_style(canvas.snapshot, panels=False, path=True)

    def _inspect(self, kind: str, index: int, *, clicked: bool) -> None:
        network = self.canvas.network
        if clicked:
            self._selected = (kind, index)
            self.controller.traces.probe = index if kind == "junction" else -1
            self.canvas.set_selection(kind, index)  # the visible response: painted now
            if self.controller.busy:
                # During a run the history (all snapshots so far) follows on the next pass of
                # the event loop, after the ring is on screen.
                self._history_shown = -np.inf
                QtCore.QTimer.singleShot(0, self, self._show_selected_history)
            else:
                self._show_selected_history()
            snapshot = self.canvas.snapshot
            self.inspector.set_time(snapshot.t if kind and snapshot is not None else None)
        if not kind and self._selected[0] and not clicked:
            kind, index = self._selected
        self.inspector.show_element(kind, index, network, self.canvas.snapshot,
                                    self.canvas.scene_data)

    def _show_selected_history(self) -> None:
        """Plot the picked element's whole recorded history: the run's snapshots (the time
        slider's, spanning the whole run) and, for a junction, the finer rows traced since it
        was picked; for a results file being replayed, every state the file recorded."""
        self._history_shown = time.monotonic()
        kind, index = self._selected
        if self.replay_results is not None:  # a results file: its history, from the file
            from nwn.app.widgets.results_view import show_recorded_history

            show_recorded_history(self, kind, index)
            return
        scene = self.canvas.scene_data
        simulation = self.controller.simulation
        if not kind or scene is None or simulation is None or \
                simulation.network is not scene.network:
            self.inspector.show_history(kind, None)
            return
        snapshots = self.controller.history.snapshots()
        if kind == "wire":
            self.inspector.show_history(kind, scene.wire_history(index, snapshots))
            return
        history = scene.junction_history(index, snapshots)
        probe = self.controller.traces.arrays()["probe"]
        if probe.size:
            t = np.concatenate([history["t"], probe[:, 0]])
            order = np.argsort(t, kind="stable")
            keep = np.ones(t.size, dtype=bool)
            keep[1:] = np.diff(t[order]) > 0
            order = order[keep]
            history = {"t": t[order],
                       "conductance": np.concatenate([history["conductance"],
                                                      probe[:, 1]])[order],
                       "voltage": np.concatenate([history["voltage"], probe[:, 2]])[order]}
        self.inspector.show_history(kind, history)

    # -- electrode designer -------------------------------------------------------------------

    def _tool_chosen(self, tool: str) -> None:
        if tool != "select":  # drawing happens with the Electrodes tab in view
            self.left_tabs.setCurrentWidget(self.electrodes)
        self.canvas.set_tool(tool)
        self.canvas.set_editable(tool == "select" and
                                 self.left_tabs.currentWidget() is self.electrodes)

    def _setup_tab_changed(self, _index: int) -> None:
        # A drawing tool stays on only while the Electrodes tab shows it (a click to inspect
        # used to add point electrodes); handles only there too.
        if self.left_tabs.currentWidget() is not self.electrodes:
            if self.canvas.view.tool != "select":
                self.electrodes.choose_tool("select")
            self.canvas.set_editable(False)
        else:
            self.canvas.set_editable(self.canvas.view.tool == "select")

    def _canvas_key(self, command: str) -> None:
        if command == "escape":
            self.electrodes.choose_tool("select")
        elif command == "delete":
            self.electrodes._delete()

    def _electrode_drawn(self, shape: dict) -> None:
        if self._refuse_edit():
            return
        try:
            name = self.document.add_electrode(shape)
        except ValueError as error:
            self.show_error(error_message(error))
            return
        self.clear_error()
        self.electrodes.select(name)

    def _electrode_edited(self, name: str, shape: dict) -> None:
        if self._refuse_edit():
            self._show_electrodes()  # the handle goes back where the run has it
            return
        try:
            self.document.edit_electrode(name, shape=shape)
        except ValueError as error:
            self.show_error(error_message(error))
            self._show_electrodes()

    # -- closing ------------------------------------------------------------------------------

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 - Qt API
        if not self._exiting and not self.maybe_save():
            event.ignore()
            return
        _OPEN_WINDOWS.discard(self)
        self.frame_timer.stop()
        self.styler.stop()
        self._stop_film()
        self.setup_job.cancel()
        for job in (self.deposit_job, self.build_job, self.setup_job, self.warm_job,
                    self.history_job, self.rebuild_job):
            job.join(10.0)
        self.sweep.shutdown()
        self.compute.shutdown()
        self.analysis.shutdown()
        self.controller.shutdown()
        self._close_results()
        if self.replay_results is not None:
            self.replay_results.close()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        self.settings.sync()
        shutil.rmtree(self._results_dir, ignore_errors=True)
        event.accept()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
