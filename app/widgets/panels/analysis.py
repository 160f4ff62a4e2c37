"""The studio's Analysis tab: the lumped law fitted to a two-terminal trace.

Applies :func:`nwn.engine.analysis.fit.fit_deterministic` and
:func:`nwn.engine.analysis.residuals.analyze_residuals` to the current run's two-terminal trace
or to a trace file (:func:`nwn.engine.analysis.traces.read_trace`), in a worker thread (a fit
takes seconds), and shows the trace with the fit, the histogram of the residual's increments
and the fitted numbers with one-sigma uncertainties and the RMS relative error.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from nwn.app.widgets.fields import spin_tooltip
from nwn.app.widgets.panels.background_task import PanelTask
from nwn.app.widgets.worker import error_message

__all__ = ["AnalysisPanel", "run_trace", "summary_text"]

#: Units of the fitted parameters, for the table.
_UNITS = {"g_min": "S", "g_max": "S", "G0": "S", "kp0": "1/s", "kd0": "1/s", "eta_p": "1/V",
          "eta_d": "1/V"}


def run_trace(traces: dict, electrode_names, sources):
    """The two-terminal :class:`~nwn.engine.analysis.traces.Trace` of a run, or None.

    Parameters
    ----------
    traces : dict
        :meth:`nwn.app.widgets.worker.LiveTraceRecorder.arrays`: ``t`` (T,), ``terminal_current``
        and ``terminal_voltage`` (T, K), ``conductance`` (T,).
    electrode_names : sequence of str, length K
    sources : sequence of str, length K
        Source kind of each electrode; the first driven one is the device's top terminal and
        the voltage is measured against the first ground.
    """
    from nwn.engine.analysis.traces import Trace
    from nwn.engine.sources import WAVEFORM_KINDS

    t = traces["t"]
    kinds = list(sources)
    driven = [k for k, kind in enumerate(kinds) if kind in WAVEFORM_KINDS]
    if t.size < 3 or not driven:
        return None
    top = driven[0]
    grounds = [k for k, kind in enumerate(kinds) if kind == "ground"]
    volts = traces["terminal_voltage"]
    voltage = volts[:, top] - (volts[:, grounds[0]] if grounds else 0.0)
    conductance = traces["conductance"]
    keep = np.isfinite(conductance) & (conductance > 0) & np.isfinite(voltage)
    if np.count_nonzero(keep) < 3:
        return None
    return Trace(t=t[keep], current=traces["terminal_current"][keep, top], voltage=voltage[keep],
                 conductance=conductance[keep], source=f"run ({electrode_names[top]})")


def summary_text(fit, stochastic) -> str:
    """The fitted numbers, one per line, value ± one sigma with units."""
    lines = [f"{fit.source or 'trace'}: {fit.model} element, {fit.t.size} samples",
             f"RMS relative error {100 * fit.rms_relative_error:.2f} %  "
             f"(max {100 * fit.max_relative_error:.1f} %)"]
    for name, value in fit.parameters.items():
        sigma = fit.uncertainties.get(name, float("nan"))
        unit = _UNITS.get(name.rsplit("_", 1)[0] if name.endswith(("_a", "_b")) else name, "")
        flag = "  (at bound)" if name in fit.at_bound else ""
        lines.append(f"{name:>7} = {value:.4g} ± {sigma:.2g} {unit}{flag}")
    if stochastic is not None:
        lines.append(f"noise σ = {stochastic.sigma:.3g} S/√s, jumps {stochastic.jump_times.size}"
                     f" at {stochastic.rate:.3g} /s")
        if stochastic.power_law is not None:
            law = stochastic.power_law
            lines.append(f"jump sizes ∝ A^-α, α = {law.alpha:.3g} "
                         f"[{law.low:.3g}, {law.high:.3g}]")
    return "\n".join(lines)


class _Cancelled(Exception):
    """Raised in the fit's progress report to stop it (the user pressed Cancel)."""


class AnalysisPanel(QtWidgets.QWidget):
    """Fit the lumped law to a trace, off the GUI thread.

    Parameters
    ----------
    current_trace : callable
        ``current_trace() -> Trace | None``: the current run's two-terminal trace.

    Signals
    -------
    finished(object)
        ``(fit, stochastic)`` once a fit is done.
    failed(str)
        A one-line error.
    progressed(int, int)
        Starting points of the fit done, and their number.
    cancelled()
        The fit stopped at the user's request.
    """

    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    progressed = QtCore.Signal(int, int)
    cancelled = QtCore.Signal()

    def __init__(self, current_trace: Callable[[], object], parent=None) -> None:
        super().__init__(parent)
        self.current_trace = current_trace
        self.result = None
        layout = QtWidgets.QVBoxLayout(self)
        buttons = QtWidgets.QHBoxLayout()
        self.fit_run_button = QtWidgets.QPushButton("Fit this run")
        self.fit_run_button.setToolTip("fit the lumped law to the run's two-terminal G(t)")
        self.load_button = QtWidgets.QPushButton("Fit trace file…")
        self.starts = QtWidgets.QSpinBox()
        self.starts.setRange(1, 64)
        self.starts.setValue(12)
        spin_tooltip(self.starts, "starting points of the least-squares fit (more: slower, "
                                  "less likely to stop in a local minimum)")
        self.load_button.setToolTip("fit a trace file (text columns t, I, V[, R, G] or an nwn "
                                    "HDF5 result)")
        self.save_button = QtWidgets.QPushButton("Save report…")
        self.save_button.setToolTip("write fit.json and the figures into a folder, as "
                                    "`nwn fit TRACE -o FOLDER` does")
        self.save_button.setEnabled(False)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip("stop the fit after the starting point it is on; "
                                      "the last fit shown stays")
        buttons.addWidget(self.fit_run_button)
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(QtWidgets.QLabel("starts"))
        buttons.addWidget(self.starts)
        layout.addLayout(buttons)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("")
        self.bar.setTextVisible(True)
        layout.addWidget(self.bar)
        self.background = PanelTask((self.fit_run_button, self.load_button),
                                    self.cancel_button, self.bar)
        self.status = QtWidgets.QLabel("fit the Milano 2025 lumped law to a trace")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        plots = pg.GraphicsLayoutWidget()
        title = {"size": "9pt", "color": "#c8c8c8"}
        self.trace_plot = plots.addPlot(row=0, col=0, title="trace and fit", **title)
        self.trace_plot.setLabel("left", "G", units="S")
        self.trace_plot.setLabel("bottom", "t", units="s")
        self.trace_plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.data_curve = self.trace_plot.plot(pen=pg.mkPen(150, 170, 255, width=1),
                                               name="trace")
        self.fit_curve = self.trace_plot.plot(pen=pg.mkPen(255, 120, 40, width=2), name="fit")
        self.histogram_plot = plots.addPlot(row=1, col=0,
                                            title="increments of the residual", **title)
        self.histogram_plot.setLabel("bottom", "ΔG", units="S")
        self.histogram_plot.setLabel("left", "count (log10)")
        self.histogram_plot.setLogMode(y=True)
        self.histogram_curve = self.histogram_plot.plot(
            stepMode="center", fillLevel=0, brush=(80, 200, 160, 150),
            pen=pg.mkPen(80, 200, 160))
        layout.addWidget(plots, 1)
        self.numbers = QtWidgets.QPlainTextEdit()
        self.numbers.setReadOnly(True)
        self.numbers.setMaximumHeight(170)
        font = self.numbers.font()
        font.setFamily("monospace")
        self.numbers.setFont(font)
        layout.addWidget(self.numbers)
        self.fit_run_button.clicked.connect(self.fit_run)
        self.load_button.clicked.connect(self._load_dialog)
        self.save_button.clicked.connect(self._save_dialog)
        #: ``ask_folder() -> path or ""`` and ``confirm([Path]) -> bool``; tests replace them.
        self.ask_folder = lambda: QtWidgets.QFileDialog.getExistingDirectory(
            self, "Save the fit report into a folder")
        from nwn.app.widgets.file_dialogs import _confirm

        self.confirm = lambda paths: _confirm(self, paths)
        self.cancel_button.clicked.connect(self.cancel)
        self.finished.connect(self._show)
        self.failed.connect(self._on_failed)
        self.progressed.connect(self._on_progress)
        self.cancelled.connect(self._on_cancelled)

    @property
    def busy(self) -> bool:
        """Whether a fit is going (:attr:`PanelTask.busy`)."""
        return self.background.busy

    @property
    def state(self) -> str:
        """``idle``, ``running``, ``cancelling``, ``done``, ``cancelled`` or ``failed``."""
        return self.background.state

    def fit_run(self) -> bool:
        """Fit the current run's two-terminal trace."""
        trace = self.current_trace()
        if trace is None:
            self._show_error("no two-terminal trace yet: run a simulation with a driven "
                             "electrode first")
            return False
        return self._start(lambda: trace, f"fitting {trace.source}…")

    def fit_file(self, path) -> bool:
        """Read a trace file and fit it (both in the worker thread)."""
        from nwn.engine.analysis.traces import read_trace

        return self._start(lambda: read_trace(path), f"fitting {path}…")

    def _load_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Trace file", "",
                                                        "Traces (*.txt *.csv *.h5 *.hdf5)")
        if path:
            self.fit_file(path)

    def save_report(self, folder) -> list:
        """Write the last fit's report into ``folder`` (the files of ``nwn fit``): fit.json
        and the PNG figures; existing report files are replaced only when confirmed.

        Returns the paths written ([] when there is no fit, or the user said no)."""
        from pathlib import Path

        from nwn.app.render.report_figures import report_files, write_fit_report

        if self.result is None:
            self._show_error("no fit yet: fit this run or a trace file first")
            return []
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            self._show_error(f"not a folder: {folder}")
            return []
        existing = [folder / name for name in report_files() if (folder / name).exists()]
        if existing and not self.confirm(existing):
            return []
        fit, stochastic = self.result
        try:
            written = write_fit_report(folder, fit, stochastic)
        except (OSError, ValueError) as error:
            self._show_error(error_message(error))
            return []
        self.status.setText(f"wrote {written[0]} and {len(written) - 1} figures")
        return written

    def _save_dialog(self) -> None:
        folder = self.ask_folder()
        if folder:
            self.save_report(folder)

    def _start(self, make_trace: Callable[[], object], message: str) -> bool:
        if self.busy:
            self._show_error("a fit is already running")
            return False
        n_starts = self.starts.value()
        cancel = self.background.new_cancel_event()

        def report(done: int, total: int) -> None:
            if cancel.is_set():
                raise _Cancelled
            self.progressed.emit(done, total)  # queued to the GUI thread

        def work() -> None:
            from nwn.engine.analysis.fit import fit_deterministic
            from nwn.engine.analysis.residuals import analyze_residuals

            try:
                fit = fit_deterministic(make_trace(), n_starts=n_starts, report=report)
                stochastic = analyze_residuals(fit)
            except _Cancelled:
                self.cancelled.emit()
                return
            except Exception as error:  # noqa: BLE001 - one line in the panel
                self.failed.emit(error_message(error))
                return
            self.finished.emit((fit, stochastic))  # queued to the GUI thread

        self.status.setText(message)
        self.bar.setRange(0, n_starts)
        self.bar.setValue(0)
        self.bar.setFormat(f"fitting: 0 of {n_starts} starting points")
        self.background.start(work, "nwn-fit")
        return True

    def cancel(self) -> None:
        """Stop the fit after the starting point it is on."""
        self.background.cancel()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel any fit and wait for its thread (window closing)."""
        self.background.shutdown(timeout)

    def _on_progress(self, done: int, total: int) -> None:
        if self.state != "running":
            return  # a late report of a fit being cancelled
        self.bar.setValue(done)
        self.bar.setFormat(f"fitting: {done} of {total} starting points" if done < total
                           else "measuring the residual's noise and jumps…")

    def _on_cancelled(self) -> None:
        self.background.ended("cancelled")
        self.bar.setFormat("cancelled")
        self.status.setText("cancelled" + ("; the last fit shown stays" if self.result else ""))

    def _on_failed(self, message: str) -> None:
        self.background.ended("failed")
        self.bar.setFormat("")
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        self.status.setText(f"<span style='color:#d04020'>{message}</span>")

    def _show(self, result) -> None:
        self.background.ended("done")
        self.bar.setValue(self.bar.maximum())
        self.bar.setFormat("done")
        fit, stochastic = result
        self.result = result
        self.data_curve.setData(fit.t, fit.conductance)
        self.fit_curve.setData(fit.t, fit.fitted)
        values = stochastic.centred[~stochastic.near_switch]
        values = values[np.isfinite(values)]
        if values.size:
            counts, edges = np.histogram(values, bins=60)
            # log axis: empty bins drawn at 0.5 (below one count) instead of log(0)
            self.histogram_curve.setData(edges, np.maximum(counts, 0.5))
        self.numbers.setPlainText(summary_text(fit, stochastic))
        self.save_button.setEnabled(True)
        self.status.setText(f"done: RMS relative error {100 * fit.rms_relative_error:.2f} %")
