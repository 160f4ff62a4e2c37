"""The export dialog (movie with progress bar and cancel) and the File-menu/right-click
export actions.

Frames must be drawn on the GUI thread (the canvas is a widget), so :class:`MovieExportJob`
renders one frame per event-loop turn (the window keeps handling events between frames) on
its own offscreen canvas, and hands each frame to a writer thread that feeds ffmpeg; a bounded
queue between them keeps memory flat. Cancel stops both and deletes the partial file.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from nwn.app.render.movie import (
    COLOR_FIELDS,
    DEFAULT_DURATION,
    FrameRenderer,
    MovieOptions,
    MovieWriter,
    _trace_of,
    frame_schedule,
    movie_color_scale,
    movie_format,
)
from nwn.app.widgets.fields import spin_tooltip

__all__ = ["ExportDialog", "FigureSizeDialog", "MovieExportJob", "install_export_actions"]


class MovieExportJob(QtCore.QObject):
    """Export a movie of ``source`` without blocking the GUI.

    Parameters
    ----------
    source : Results or SnapshotSource
    path : str or Path
    options : MovieOptions

    Signals
    -------
    progress(int, int)
        Frames done, total.
    finished(str)
        The movie's path.
    failed(str)
        One-line reason ("cancelled" after :meth:`cancel`).
    """

    progress = QtCore.Signal(int, int)
    finished = QtCore.Signal(str)
    failed = QtCore.Signal(str)

    def __init__(self, source, path, options: MovieOptions, parent=None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.options = options.checked(fmt=movie_format(path))
        self.source = source
        self.times = frame_schedule(source.frame_times, self.options)
        # One colour range for the whole movie (the user's, or over the frames exported).
        self.options = replace(self.options, scale=movie_color_scale(source, self.times,
                                                                     self.options))
        trace = None if self.options.trace is None else _trace_of(
            source, self.options.trace, self.options.trace_log)
        self._renderer = FrameRenderer(source.network, source.electrodes, source.box,
                                       self.options, trace=trace,
                                       t_range=(float(self.times[0]), float(self.times[-1])))
        self._frames: queue.Queue = queue.Queue(maxsize=4)
        self._abort = threading.Event()
        self._error: list[str] = []
        self._writer = MovieWriter(self.path, self.options.size, self.options.fps,
                                   quality=self.options.quality)
        self._thread = threading.Thread(target=self._encode, name="movie-encoder", daemon=True)
        self._next = 0
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._tick)
        self.done = False

    def start(self) -> None:
        self._thread.start()
        self._timer.start()

    def cancel(self) -> None:
        """Stop now; the partial file is deleted."""
        if self.done:
            return
        self._abort.set()
        self._finish(None, "cancelled")

    def _encode(self) -> None:
        try:
            while True:
                frame = self._frames.get()
                if frame is None or self._abort.is_set():
                    break
                self._writer.write(frame)
        except Exception as error:  # noqa: BLE001 - reported to the GUI as one line
            self._error.append(str(error).splitlines()[0] if str(error) else
                               type(error).__name__)
            self._abort.set()

    def _tick(self) -> None:
        if self._abort.is_set():
            self._finish(None, self._error[0] if self._error else "cancelled")
            return
        if self._frames.full():
            return  # the encoder is behind: let the event loop breathe
        t = float(self.times[self._next])
        image = self._renderer.render_snapshot(self.source.snapshot_at(t))
        self._frames.put(image)
        self._next += 1
        self.progress.emit(self._next, len(self.times))
        if self._next == len(self.times):
            self._timer.stop()
            self._frames.put(None)
            self._thread.join()
            if self._error:
                self._finish(None, self._error[0])
            else:
                self._finish(self._writer, "")

    def _finish(self, writer, error: str) -> None:
        self.done = True
        self._timer.stop()
        if self._thread.is_alive():
            self._abort.set()
            try:
                self._frames.put_nowait(None)
            except queue.Full:
                pass
            self._thread.join()
        self._renderer.close()
        if writer is not None:
            try:
                writer.close()
            except Exception as failure:  # noqa: BLE001
                self.failed.emit(str(failure).splitlines()[0])
                return
            self.finished.emit(str(self.path))
        else:
            self._writer.abort()
            self.failed.emit(error)


class FigureSizeDialog(QtWidgets.QDialog):
    """The printed width (mm) and PNG resolution (dpi) of figure exports.

    Parameters
    ----------
    size : FigureSize
        The present value.
    """

    def __init__(self, size, parent=None) -> None:
        super().__init__(parent)
        from nwn.app.render.export import COLUMN_WIDTH_MM

        self.setWindowTitle("Figure size")
        form = QtWidgets.QFormLayout(self)
        self.width_mm = QtWidgets.QDoubleSpinBox(minimum=10, maximum=1000, decimals=1,
                                                 value=size.width_mm, suffix=" mm")
        self.width_mm.setToolTip(f"printed width; one journal column is about "
                                 f"{COLUMN_WIDTH_MM:g} mm, two columns about 183 mm")
        self.dpi = QtWidgets.QDoubleSpinBox(minimum=50, maximum=2400, decimals=0,
                                            value=size.dpi, suffix=" dpi")
        self.dpi.setToolTip("PNG resolution; journals ask for 300 dpi or more (SVG is vector)")
        self.pixels = QtWidgets.QLabel("")
        for box in (self.width_mm, self.dpi):
            box.valueChanged.connect(self._update)
        form.addRow("Width", self.width_mm)
        form.addRow("Resolution", self.dpi)
        form.addRow("PNG width", self.pixels)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._update()

    def value(self):
        from nwn.app.render.export import FigureSize

        return FigureSize(self.width_mm.value(), self.dpi.value()).checked()

    def _update(self) -> None:
        try:
            self.pixels.setText(f"{self.value().width_px} px")
        except ValueError as error:
            self.pixels.setText(str(error))


class ExportDialog(QtWidgets.QDialog):
    """Movie export options, a progress bar and Cancel.

    Parameters
    ----------
    source : Results or SnapshotSource
    parent : QWidget, optional
    view : dict, optional
        What the canvas shows now, as the defaults: ``color`` (mode) and ``log`` (bool, or
        None for the mode's default).

    Attributes
    ----------
    confirm : callable
        ``confirm([Path]) -> bool``, asked before an existing movie is replaced.
    """

    def __init__(self, source, parent=None, *, view: dict | None = None) -> None:
        super().__init__(parent)
        from nwn.app.widgets.file_dialogs import _confirm

        view = view or {}
        self.confirm = lambda paths: _confirm(self, paths)
        self.setWindowTitle("Export movie")
        self.source = source
        self.job: MovieExportJob | None = None
        form = QtWidgets.QFormLayout()
        self.path = QtWidgets.QLineEdit("movie.mp4")
        browse = QtWidgets.QPushButton("…")
        browse.clicked.connect(self._browse)
        self.path.setToolTip("movie file: .mp4 (H.264) or .gif; an existing file is replaced "
                             "only after you confirm")
        browse.setToolTip("choose the movie file")
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.path)
        row.addWidget(browse)
        form.addRow("File (.mp4 / .gif)", row)
        self.fps = QtWidgets.QDoubleSpinBox(minimum=1, maximum=120, value=30)
        spin_tooltip(self.fps, "frames per second of the movie")
        form.addRow("Frames per second", self.fps)
        self.size = QtWidgets.QComboBox(editable=True)
        self.size.addItems(["1280x720", "1920x1080", "854x480", "640x360"])
        self.size.setToolTip("frame size in pixels, WIDTHxHEIGHT (pick one or type another)")
        form.addRow("Size", self.size)
        times = source.frame_times
        span = float(times[-1] - times[0]) if len(times) else 0.0
        self.speed = QtWidgets.QDoubleSpinBox(decimals=6, minimum=0, maximum=1e9,
                                              value=0.0, specialValueText="auto")
        self.speed.setSingleStep(max(span / 100, 1e-6))
        form.addRow("Speed (sim s per movie s)", self.speed)
        self.start_time = QtWidgets.QDoubleSpinBox(decimals=6, minimum=0, maximum=1e9,
                                                   value=float(times[0]) if len(times) else 0)
        end = float(times[-1]) if len(times) else 0.0
        self.end_time = QtWidgets.QDoubleSpinBox(decimals=6, minimum=0, maximum=1e9,
                                                 value=end)
        spin_tooltip(self.speed, f"simulated seconds per second of movie (auto: every "
                                 f"recorded state once, at most {DEFAULT_DURATION:g} s of "
                                 f"movie)", "s/s")
        spin_tooltip(self.start_time, "first simulated time exported", "s")
        spin_tooltip(self.end_time, "last simulated time exported", "s")
        form.addRow("Start (s)", self.start_time)
        form.addRow("End (s)", self.end_time)
        self.color = QtWidgets.QComboBox()
        self.color.addItems(COLOR_FIELDS)
        self.color.setCurrentText(view.get("color", self.color.currentText()))
        self.color.setToolTip("what wires and junctions are coloured by (default: as the "
                              "canvas now)")
        form.addRow("Colour by", self.color)
        self.log = QtWidgets.QCheckBox("logarithmic colour scale")
        log = view.get("log")
        from nwn.app.models.palette import COLOR_MODES

        self.log.setChecked(COLOR_MODES[self.color.currentText()][1] if log is None else log)
        self.log.setToolTip("logarithmic colour scale (default: as the canvas now)")
        form.addRow("", self.log)
        self.scale_auto = QtWidgets.QCheckBox("over the exported range", checked=True)
        self.scale_auto.setToolTip("one colour range for the whole movie, from the lowest to "
                                   "the highest value of all its frames; untick to fix it")
        self.scale_low = QtWidgets.QLineEdit("")
        self.scale_high = QtWidgets.QLineEdit("")
        for edit, word in ((self.scale_low, "lowest"), (self.scale_high, "highest")):
            edit.setPlaceholderText(word)
            edit.setToolTip(f"the {word} value of the colour bar, in the unit it shows "
                            "(S, A, V; state 0-1)")
            edit.setEnabled(False)
        self.scale_auto.toggled.connect(lambda on: [e.setEnabled(not on) for e in
                                                    (self.scale_low, self.scale_high)])
        scale_row = QtWidgets.QHBoxLayout()
        scale_row.addWidget(self.scale_auto)
        scale_row.addWidget(self.scale_low)
        scale_row.addWidget(self.scale_high)
        form.addRow("Colour range", scale_row)
        self.trace = QtWidgets.QComboBox()
        self.trace.addItems(["none", "conductance", "current"])
        self.trace.setToolTip("a trace drawn beside the network, up to each frame's time: "
                              "two-terminal conductance G(t) or the electrode currents")
        form.addRow("Side panel", self.trace)
        self.overlays = {}
        for key, label in (("show_time", "time"), ("show_scale_bar", "scale bar"),
                           ("show_colorbar", "colour bar"), ("show_names", "electrode names")):
            box = QtWidgets.QCheckBox(label, checked=True)
            box.setToolTip(f"draw the {label} on every frame")
            self.overlays[key] = box
            form.addRow("Overlay" if key == "show_time" else "", box)
        self.bar = QtWidgets.QProgressBar()
        self.message = QtWidgets.QLabel("")
        self.message.setWordWrap(True)
        buttons = QtWidgets.QDialogButtonBox()
        self.export_button = buttons.addButton(
            "Export", QtWidgets.QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = buttons.addButton(QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        self.export_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self._cancel)
        self.export_button.setToolTip("write the movie in the background (the window stays "
                                      "live)")
        self.cancel_button.setToolTip("stop the export (the partial file is deleted) or close")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        from nwn.app.widgets.file_dialogs import _get_save, with_suffix

        dialogs = getattr(self.parent(), "dialogs", None)  # the window's: folders remembered
        if dialogs is not None:
            # Replacing is asked when the export starts (the name may be typed, too).
            chosen = dialogs.save_path("movie", "Export movie", Path(self.path.text()).name,
                                       "Movies (*.mp4 *.gif)", (".mp4", ".gif"),
                                       derived=lambda _p: [])
            path = str(chosen) if chosen is not None else ""
        else:
            path = _get_save(self, "Export movie", self.path.text(), "Movies (*.mp4 *.gif)")
        if path:
            path = str(with_suffix(path, (".mp4", ".gif")))
            self.path.setText(path)

    def options(self) -> MovieOptions:
        """The options as entered (not yet validated)."""
        from nwn.app.render.movie import parse_size
        from nwn.geometry.checks import InputError

        scale = None
        if not self.scale_auto.isChecked():
            try:
                scale = (float(self.scale_low.text()), float(self.scale_high.text()))
            except ValueError:
                raise InputError(f"colour range must be two numbers, lowest and highest (got "
                                 f"{self.scale_low.text()!r}, {self.scale_high.text()!r})"
                                 ) from None
        return MovieOptions(
            fps=self.fps.value(), size=parse_size(self.size.currentText()),
            speed=self.speed.value() or None, start=self.start_time.value(),
            end=self.end_time.value(), color=self.color.currentText(),
            log=self.log.isChecked(), scale=scale,
            trace=None if self.trace.currentText() == "none" else self.trace.currentText(),
            **{key: box.isChecked() for key, box in self.overlays.items()})

    def start(self) -> None:
        """Validate and start the export (errors are shown in one line, not raised)."""
        target = Path(self.path.text())
        if target.exists() and not self.confirm([target]):
            self.message.setText(f"not replacing {target}")
            return
        try:
            self.job = MovieExportJob(self.source, self.path.text(), self.options(), self)
        except ValueError as error:
            self.message.setText(str(error).splitlines()[0])
            return
        self.export_button.setEnabled(False)
        self.message.setText("exporting…")
        self.job.progress.connect(self._progress)
        self.job.finished.connect(self._finished)
        self.job.failed.connect(self._failed)
        self.job.start()

    def _progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(total)
        self.bar.setValue(done)

    def _finished(self, path: str) -> None:
        self.message.setText(f"wrote {path}")
        self.export_button.setEnabled(True)

    def _failed(self, reason: str) -> None:
        self.message.setText(reason)
        self.export_button.setEnabled(True)

    def _cancel(self) -> None:
        if self.job is not None and not self.job.done:
            self.job.cancel()
        else:
            self.reject()


def _ask_path(parent, title: str, default: str, filters: str) -> str | None:
    from nwn.app.widgets.file_dialogs import _get_save

    return _get_save(parent, title, default, filters) or None


def install_export_actions(main_window: QtWidgets.QMainWindow, *,
                           canvas: Callable[[], object],
                           plots: Callable[[], dict],
                           movie_source: Callable[[], object | None],
                           traces: Callable[[], object | None],
                           final_state: Callable[[], tuple | None],
                           ask_path: Callable[..., str | None] = _ask_path,
                           confirm: Callable[[list], bool] | None = None,
                           movie_view: Callable[[], dict] | None = None) -> dict:
    """Add an "Export" submenu to the File menu and right-click entries on canvas and plots.

    Parameters
    ----------
    main_window : QMainWindow
    canvas : callable
        ``canvas() -> NetworkView``.
    plots : callable
        ``plots() -> {name: pyqtgraph PlotWidget/PlotItem}``.
    movie_source : callable
        ``movie_source() -> Results | SnapshotSource | None`` (None: nothing recorded yet).
    traces : callable
        ``traces() -> object`` with ``t``, ``terminal_voltage``, ``terminal_current``,
        ``conductance``, ``electrode_names``, or None.
    final_state : callable
        ``final_state() -> (network, snapshot)`` or None.
    ask_path : callable
        ``ask_path(parent, title, default, filters) -> path | None`` (a file dialog; tests
        pass their own).
    confirm : callable, optional
        ``confirm([Path]) -> bool``: asked before files derived from the chosen name (one per
        plot, the two tables) replace existing ones; default a question box.
    movie_view : callable, optional
        ``movie_view() -> dict``: what the canvas shows now, the movie dialog's defaults
        (see :class:`ExportDialog`).

    Returns
    -------
    dict
        ``{name: QAction}`` of the actions added.
    """
    from nwn.app.render import export
    from nwn.app.widgets.file_dialogs import _confirm

    #: The printed size of figure exports (File > Export > Figure size); one per window.
    main_window.figure_size = export.FigureSize()

    def figure_note() -> str:
        size = main_window.figure_size
        return f" ({size.width_mm:g} mm wide; PNG {size.width_px} px at {size.dpi:g} dpi)"

    def figure_size() -> None:
        dialog = FigureSizeDialog(main_window.figure_size, main_window)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            main_window.figure_size = dialog.value()
            report(f"figures will be {figure_note().strip()[1:-1]}")

    def may_write(paths: list[Path]) -> bool:
        existing = [p for p in paths if p.exists()]
        if not existing:
            return True
        return confirm(existing) if confirm is not None else _confirm(main_window, existing)

    def report(text: str) -> None:
        bar = main_window.statusBar() if hasattr(main_window, "statusBar") else None
        if bar is not None:
            bar.showMessage(text, 8000)

    def guarded(action: Callable[[], str | None]) -> Callable[[], None]:
        def run() -> None:
            try:
                written = action()
            except ValueError as error:
                QtWidgets.QMessageBox.warning(main_window, "Export",
                                              str(error).splitlines()[0])
                return
            if written:
                report(f"wrote {written}")
        return run

    def movie() -> None:
        source = movie_source()
        if source is None:
            report("nothing recorded yet: run the simulation first")
            return
        dialog = ExportDialog(source, main_window, view=movie_view() if movie_view else None)
        main_window.movie_dialog = dialog
        dialog.show()

    def canvas_image() -> str | None:
        path = ask_path(main_window, "Export canvas", "network.png", "Images (*.png *.svg)")
        if not path or not may_write([Path(path)]):
            return None
        return str(export.save_canvas(canvas(), path, figure=main_window.figure_size)) + \
            figure_note()

    def plot_images() -> str | None:
        folder = ask_path(main_window, "Export plots (name stem)", "plot.png",
                          "Images (*.png *.svg)")
        if not folder:
            return None
        stem = Path(folder)
        targets = {name: stem.with_name(f"{stem.stem}_{name}{stem.suffix}")
                   for name in plots()}
        if not may_write(list(targets.values())):
            return None
        written = [export.save_plot(plot, targets[name], figure=main_window.figure_size)
                   for name, plot in plots().items()]
        return ", ".join(str(p) for p in written) + figure_note()

    def traces_csv() -> str | None:
        data = traces()
        if data is None:
            report("no traces yet")
            return None
        path = ask_path(main_window, "Export traces", "traces.csv", "CSV (*.csv)")
        if not path or not may_write([Path(path)]):
            return None
        return str(export.write_traces_csv(path, data))

    def tables_csv() -> str | None:
        state = final_state()
        if state is None:
            report("no network state yet")
            return None
        path = ask_path(main_window, "Export wire and junction tables (name stem)",
                        "state.csv", "CSV (*.csv)")
        if not path:
            return None
        network, snapshot = state
        stem = Path(path)
        wire_path = stem.with_name(f"{stem.stem}_wires.csv")
        junction_path = stem.with_name(f"{stem.stem}_junctions.csv")
        if not may_write([wire_path, junction_path]):
            return None
        wires = export.write_wire_table(wire_path, network, snapshot)
        junctions = export.write_junction_table(junction_path, network, snapshot)
        return f"{wires}, {junctions}"

    menu_bar = main_window.menuBar()
    file_menu = next((a.menu() for a in menu_bar.actions()
                      if a.menu() is not None and a.text().replace("&", "") == "File"), None)
    if file_menu is None:
        file_menu = menu_bar.addMenu("&File")
    submenu = file_menu.addMenu("Export")
    actions = {}
    for key, label, slot in (("movie", "Movie (MP4/GIF)…", movie),
                             ("canvas", "Network image (PNG/SVG)…", guarded(canvas_image)),
                             ("plots", "Plot images (PNG/SVG)…", guarded(plot_images)),
                             ("traces", "Traces (CSV)…", guarded(traces_csv)),
                             ("tables", "Wire and junction tables (CSV)…",
                              guarded(tables_csv)),
                             ("figure_size", "Figure size and resolution…", figure_size)):
        action = submenu.addAction(label)
        action.triggered.connect(slot)
        actions[key] = action
    # Right-click: the canvas view's menu and every plot's menu get the export entries.
    view_menu = getattr(getattr(canvas(), "view", None), "menu", None)
    if view_menu is not None:
        view_menu.addSeparator()
        view_menu.addAction(actions["canvas"])
        view_menu.addAction(actions["movie"])
    for plot in plots().values():
        item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
        plot_menu = getattr(item.getViewBox(), "menu", None) if hasattr(item, "getViewBox") \
            else None
        if plot_menu is not None:
            plot_menu.addSeparator()
            plot_menu.addAction(actions["plots"])
            plot_menu.addAction(actions["traces"])
    return actions
