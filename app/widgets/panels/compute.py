"""The studio's Compute tab: score what the network computes on a reservoir-computing task.

The task and the protocol's settings (input offset and amplitude, hold per sample, samples,
wash-out, virtual nodes) go into the scenario's ``[reservoir]`` table, as do the electrodes'
RC roles (the electrode table's "RC role" column, :mod:`nwn.app.models.rc_roles`). Run
simulates the protocol and scores it with :func:`nwn.engine.reservoir.experiment.run_reservoir`
in a Python thread, never on the GUI thread; progress comes back through queued signals and
Cancel stops the simulation within one progress report (0.1 s of wall time). While the run
goes, the task is scored every second on the samples read so far and drawn (a live score);
the final result is drawn as MC(tau) bars for memory capacity, the test part's target and the
readout's prediction for the trained tasks, and written with the reservoir module's own writer
(:func:`~nwn.engine.reservoir.experiment.write_reservoir_results`).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from nwn.app.widgets.fields import spin_tooltip
from nwn.app.widgets.panels.background_task import PanelTask
from nwn.app.widgets.worker import error_message
from nwn.geometry.checks import InputError

__all__ = ["ComputePanel"]

#: Task settings offered by the tab, by task (each task's own defaults apply when left empty).
_MAX_DELAY_TASKS = ("memory-capacity",)
_UNTRAINED = ("kernel-rank", "generalization-rank")
_HORIZON_TASKS = ("mackey-glass-forecast",)
_STREAMS_TASKS = ("generalization-rank",)
#: What a click on an electrode in the canvas does: nothing, or give it that RC role.
MARKING = ("off", "input", "read", "none")


class _Cancelled(Exception):
    """Raised from the simulation's progress callback when Cancel was pressed."""


def _number(name: str, text: str, *, positive: bool = False) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise InputError(f"{name} must be a number (got {text.strip()!r})") from None
    if not np.isfinite(value) or (positive and value <= 0):
        raise InputError(f"{name} must be a {'positive ' if positive else ''}finite number "
                         f"(got {text.strip()!r})")
    return value


def _check_settings(spec, settings: dict) -> None:
    """Score stand-in features of the protocol's length, so that the task's own checks
    (samples enough for max_delay and a test part, alpha, target) refuse bad settings before
    minutes of simulation rather than after."""
    from nwn.engine.reservoir.tasks import get_task, make_input, score_task

    if get_task(spec.task).online:  # scored from what the online run measures
        from nwn.engine.reservoir.online import check_online_settings

        check_online_settings(spec, settings)
        return
    u, context = make_input(spec.task, spec.samples, 0)
    stand_in = np.random.default_rng(0).normal(size=(2, spec.samples))
    score_task(spec.task, u, stand_in, context, **settings)


class ComputePanel(QtWidgets.QWidget):
    """Pick a task and its settings, run the reservoir protocol in the background, see the
    score.

    Parameters
    ----------
    document : Document
        The studio's document (its scenario, ``[reservoir]`` table and built network).
    folder : callable
        ``folder() -> Path``: where the run's results file is written.

    Signals
    -------
    progressed(float, float)
        Fraction of the protocol simulated and the simulated time (s).
    scored(object)
        ``(TaskResult, n)``: the task scored live on the first n samples read, while the run
        goes (open-loop tasks, every :attr:`live_interval` s).
    finished(object)
        ``(ReservoirRun, path)`` once scored and written.
    failed(str)
        A one-line error (bad settings, or the run stopped).
    cancelled()
        The run stopped on Cancel.
    """

    progressed = QtCore.Signal(float, float)
    scored = QtCore.Signal(object)
    finished = QtCore.Signal(object)
    failed = QtCore.Signal(str)
    cancelled = QtCore.Signal()

    def __init__(self, document, folder: Callable[[], Path], parent=None) -> None:
        super().__init__(parent)
        from nwn.engine.reservoir.online import DEFAULT_STREAMS
        from nwn.engine.reservoir.tasks import (
            DEFAULT_HORIZON,
            DEFAULT_MAX_DELAY,
            HORIZON_RANGE,
            NLT_TARGETS,
            STREAMS_RANGE,
            TASKS,
        )

        self.document = document
        self.folder = folder
        self.run = None
        self.result_path: Path | None = None
        #: Wall-clock seconds between live scores of the samples read so far.
        self.live_interval = 1.0
        self.live_scores = 0  # live scores drawn during the last run
        layout = QtWidgets.QVBoxLayout(self)
        intro = QtWidgets.QLabel("Drive the input electrode with a task's input u(t), read "
                                 "the read electrodes once per sample, train a linear "
                                 "readout and score it (RCbench's defaults). Mark electrodes "
                                 "in Electrodes ▸ RC role.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QtWidgets.QFormLayout()
        self.task = QtWidgets.QComboBox()
        for name, task in TASKS.items():
            self.task.addItem(name)
            self.task.setItemData(self.task.count() - 1, f"{task.summary} (score: {task.metric})",
                                  QtCore.Qt.ItemDataRole.ToolTipRole)
        self.task.setToolTip("the reservoir-computing task to score (each entry's tooltip "
                             "says what it measures)")
        form.addRow("task", self.task)
        self.roles = QtWidgets.QLabel("")
        self.roles.setWordWrap(True)
        form.addRow("electrodes", self.roles)
        self.marking = QtWidgets.QComboBox()
        self.marking.addItems(list(MARKING))
        self.marking.setToolTip("while not off, a click on an electrode in the canvas gives it "
                                "this RC role (input, read or none), as the electrode table's "
                                "RC role column does")
        form.addRow("canvas click marks", self.marking)
        self.offset = QtWidgets.QLineEdit()
        self.amplitude = QtWidgets.QLineEdit()
        drive = QtWidgets.QHBoxLayout()
        drive.addWidget(self.offset)
        drive.addWidget(QtWidgets.QLabel("+"))
        drive.addWidget(self.amplitude)
        self.drive_unit = QtWidgets.QLabel("× u   (V)")
        drive.addWidget(self.drive_unit)
        self.offset.setToolTip("input source level at u = 0, in V for a voltage input, A "
                               "for a current one; any number")
        self.amplitude.setToolTip("input source change per unit of the task's input u, in V "
                                  "(or A) per unit; any number (memory capacity's u is "
                                  "uniform in [0, 1])")
        form.addRow("input source", drive)
        self.drive_range = QtWidgets.QLabel("")
        self.drive_range.setStyleSheet("color: #a0a0a0;")
        form.addRow("", self.drive_range)
        for field in (self.offset, self.amplitude):
            field.textChanged.connect(self._show_drive)
        self.hold = QtWidgets.QLineEdit()
        self.hold.setToolTip("how long each input sample is held on the input, in s; > 0 "
                             "and a whole number of the run's dt")
        form.addRow("hold per sample (s)", self.hold)
        counts = QtWidgets.QHBoxLayout()
        self.samples = QtWidgets.QSpinBox()
        self.samples.setRange(2, 10**7)
        spin_tooltip(self.samples, "input samples scored (RCbench: 3000); the task needs "
                                   "enough for a training and a test part")
        self.washout = QtWidgets.QSpinBox()
        self.washout.setRange(0, 10**7)
        spin_tooltip(self.washout, "input samples driven first and not scored (the network "
                                   "forgets its start)")
        self.virtual_nodes = QtWidgets.QSpinBox()
        self.virtual_nodes.setRange(1, 1000)
        spin_tooltip(self.virtual_nodes, "reads per hold, evenly spaced, each a feature")
        for label, box in (("samples", self.samples), ("wash-out", self.washout),
                           ("virtual nodes", self.virtual_nodes)):
            counts.addWidget(QtWidgets.QLabel(label))
            counts.addWidget(box)
        form.addRow(counts)
        readout = QtWidgets.QHBoxLayout()
        self.max_delay = QtWidgets.QSpinBox()
        self.max_delay.setRange(1, 1000)
        self.max_delay.setValue(DEFAULT_MAX_DELAY)
        spin_tooltip(self.max_delay, f"memory capacity: delays tau = 1 .. max delay, in "
                                     f"samples (RCbench: {DEFAULT_MAX_DELAY})")
        self.alpha = QtWidgets.QLineEdit("0.1")
        self.alpha.setToolTip("ridge regularization of the readout: a number >= 0, or cv "
                              "(cross-validated on the training part)")
        self.target = QtWidgets.QComboBox()
        self.target.addItems(list(NLT_TARGETS))
        self.target.setToolTip("NLT: the transformation of the sine input that is scored")
        # The online tasks' own settings: ranges and defaults are the engine's (one place).
        self.horizon = QtWidgets.QSpinBox()
        self.horizon.setRange(*HORIZON_RANGE)
        self.horizon.setValue(DEFAULT_HORIZON)
        spin_tooltip(self.horizon, f"closed-loop forecast: samples predicted with the "
                                   f"readout's output fed back as the input (default "
                                   f"{DEFAULT_HORIZON})")
        self.streams = QtWidgets.QSpinBox()
        self.streams.setRange(*STREAMS_RANGE)
        self.streams.setValue(DEFAULT_STREAMS)
        spin_tooltip(self.streams, f"generalization rank: input streams driven from one saved "
                                   f"network state (default {DEFAULT_STREAMS})")
        self.max_delay_label = QtWidgets.QLabel("max delay")
        self.target_label = QtWidgets.QLabel("target")
        self.horizon_label = QtWidgets.QLabel("horizon")
        self.streams_label = QtWidgets.QLabel("streams")
        for widget in (self.max_delay_label, self.max_delay, QtWidgets.QLabel("alpha"),
                       self.alpha, self.target_label, self.target, self.horizon_label,
                       self.horizon, self.streams_label, self.streams):
            readout.addWidget(widget)
        readout.addStretch(1)
        form.addRow("readout", readout)
        layout.addLayout(form)
        buttons = QtWidgets.QHBoxLayout()
        self.run_button = QtWidgets.QPushButton("Run task")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.save_button = QtWidgets.QPushButton("Save results…")
        self.save_button.setEnabled(False)
        self.run_button.setToolTip("simulate the protocol in the background (the electrodes "
                                   "marked input and read) and score the task")
        self.cancel_button.setToolTip("stop the task's simulation: nothing is scored or "
                                      "written")
        self.save_button.setToolTip("copy the last run's results file (HDF5: input, features, "
                                    "score) to a file you choose")
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("")
        layout.addWidget(self.bar)
        self.background = PanelTask(self.run_button, self.cancel_button, self.bar)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        self.score = QtWidgets.QLabel("")
        font = self.score.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.score.setFont(font)
        layout.addWidget(self.score)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(200)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        layout.addWidget(self.plot, 1)
        self.bars: pg.BarGraphItem | None = None

        self.task.currentTextChanged.connect(self._task_changed)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.save_button.clicked.connect(self._save_dialog)
        self.progressed.connect(self._on_progress)
        self.scored.connect(self._on_live)
        self.finished.connect(self._on_finished)
        self.failed.connect(self._on_failed)
        self.cancelled.connect(self._on_cancelled)
        self.set_document(document)

    # -- the form -----------------------------------------------------------------------------

    def set_document(self, document) -> None:
        """Follow another document (File > Open)."""
        if getattr(self, "_followed", None) is not None:
            self._followed.events.disconnect(self._document_event)
        self.document = document
        self._followed = document
        document.events.connect(self._document_event)
        self.refresh()

    def _document_event(self, name: str, payload) -> None:
        if name in ("scenario", "electrodes"):
            self._show_roles()

    def refresh(self) -> None:
        """Fill the settings from the scenario's ``[reservoir]`` table (or a starting one)."""
        from nwn.app.models.rc_roles import protocol_table

        scenario = self.document.scenario
        table = protocol_table(scenario)
        spec = scenario.reservoir

        def first(value):
            return value[0] if isinstance(value, list) else value

        self.task.setCurrentText(table.get("task", "memory-capacity"))
        self.offset.setText(f"{first(table['offset']):g}")
        self.amplitude.setText(f"{first(table['amplitude']):g}")
        self.hold.setText(f"{table['hold']:g}")
        # a starting table gets a short run; a scenario's own keeps its numbers
        self.samples.setValue(int(table.get("samples", 3000 if spec is not None else 600)))
        self.washout.setValue(int(table.get("washout", 100 if spec is not None else 20)))
        self.virtual_nodes.setValue(int(table.get("virtual_nodes", 1)))
        self._task_changed(self.task.currentText())
        self._show_roles()

    def _show_drive(self, *_args) -> None:
        """What the input electrode sees: the source's range over the task's input range."""
        from nwn.engine.reservoir.tasks import make_input

        unit = "A" if self.drive_unit.text().endswith("(A)") else "V"
        try:
            offset = _number("input offset", self.offset.text())
            amplitude = _number("input amplitude", self.amplitude.text())
            u, _ = make_input(self.task.currentText(), 512, 0)
        except ValueError:
            self.drive_range.setText("")
            return
        low, high = float(np.min(u)), float(np.max(u))
        # inputs are uniform in, or span, a known interval; round the sampled ends onto it
        low, high = (round(2 * low) / 2, round(2 * high) / 2)
        ends = sorted((offset + amplitude * low, offset + amplitude * high))
        self.drive_range.setText(f"u in [{low:g}, {high:g}]: the source goes from "
                                 f"{ends[0]:.4g} to {ends[1]:.4g} {unit}")

    def _task_changed(self, name: str) -> None:
        self._show_drive()
        for widget in (self.max_delay_label, self.max_delay):
            widget.setVisible(name in _MAX_DELAY_TASKS)
        for widget in (self.target_label, self.target):
            widget.setVisible(name == "nlt")
        for widget in (self.horizon_label, self.horizon):
            widget.setVisible(name in _HORIZON_TASKS)
        for widget in (self.streams_label, self.streams):
            widget.setVisible(name in _STREAMS_TASKS)
        self.alpha.setEnabled(name not in _UNTRAINED)

    def _show_roles(self) -> None:
        from nwn.app.models.rc_roles import rc_roles

        scenario = self.document.scenario
        if scenario.reservoir is None:
            self.roles.setText("<i>no [reservoir] table yet: Run task starts one (input: the "
                               "first driven electrode), or set RC roles in Electrodes</i>")
            return
        roles = rc_roles(scenario)
        inputs = [n for n, r in roles.items() if r == "input"]
        reads = []
        for electrode in scenario.electrodes:
            if roles[electrode.name] == "read":
                what = "V" if electrode.source.kind == "floating" else "I"
                reads.append(f"{what}({electrode.name})")
        kind = scenario.electrode(inputs[0]).source.kind if inputs else "voltage"
        self.drive_unit.setText("× u   (A)" if kind == "current" else "× u   (V)")
        self.roles.setText(f"input <b>{', '.join(inputs) or '—'}</b>; features "
                           f"<b>{', '.join(reads) or 'none'}</b>")

    def mark_electrode(self, name: str) -> bool:
        """Give electrode ``name`` the RC role chosen in "canvas click marks" (the canvas's
        click on an electrode); False when marking is off or the role is refused (the reason
        shown)."""
        from nwn.app.models.rc_roles import with_role

        role = self.marking.currentText()
        if role == "off" or self.busy:
            return False
        try:
            self.document.replace(reservoir=with_role(self.document.scenario, name, role))
        except ValueError as error:
            self._show_error(error_message(error))
            return False
        self.status.setText(f"{name}: RC role {role}")
        return True

    def settings(self) -> dict:
        """The task's settings (alpha, max_delay, target, horizon, streams) from the form."""
        name = self.task.currentText()
        out: dict = {}
        if name not in _UNTRAINED:
            text = self.alpha.text().strip()
            if text == "cv":
                out["alpha"] = "cv"
            else:
                alpha = _number("alpha", text)
                if alpha < 0:
                    raise InputError(f"alpha must be >= 0 or cv (got {text!r})")
                out["alpha"] = alpha
        if name in _MAX_DELAY_TASKS:
            out["max_delay"] = self.max_delay.value()
        if name == "nlt":
            out["target"] = self.target.currentText()
        if name in _HORIZON_TASKS:
            out["horizon"] = self.horizon.value()
        if name in _STREAMS_TASKS:
            out["streams"] = self.streams.value()
        return out

    def protocol(self):
        """The ``[reservoir]`` table (ReservoirSpec) of the form and the electrodes' roles;
        InputError naming the setting if one is not allowed."""
        from nwn.app.models.rc_roles import with_settings

        return with_settings(
            self.document.scenario, task=self.task.currentText(),
            offset=_number("input offset", self.offset.text()),
            amplitude=_number("input amplitude", self.amplitude.text()),
            hold=_number("hold", self.hold.text(), positive=True),
            samples=self.samples.value(), washout=self.washout.value(),
            virtual_nodes=self.virtual_nodes.value())

    # -- running ------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a reservoir run is going (:attr:`PanelTask.busy`)."""
        return self.background.busy

    @property
    def state(self) -> str:
        """``idle``, ``running``, ``cancelling``, ``done``, ``cancelled`` or ``failed``."""
        return self.background.state

    def start(self) -> bool:
        """Store the settings in the scenario and run the protocol in a background thread
        (False, with a message, when the settings are not allowed)."""
        if self.busy:
            self._show_error("a reservoir run is already going")
            return False
        try:
            spec = self.protocol()
            settings = self.settings()
            self.document.replace(reservoir=spec)  # saved with the scenario
            scenario = self.document.validate()
        except ValueError as error:
            self._show_error(error_message(error))
            return False
        built = self.document.built
        path = Path(self.folder()) / "reservoir.h5"
        cancel = self.background.new_cancel_event()

        def progress(fraction: float, t: float) -> None:
            if cancel.is_set():
                raise _Cancelled
            self.progressed.emit(fraction, t)

        def live(result, n: int) -> None:
            self.scored.emit((result, n))  # queued to the GUI thread

        interval = self.live_interval

        def work() -> None:
            from nwn.engine.reservoir.experiment import run_reservoir, write_reservoir_results
            from nwn.engine.scenario import scenario_to_toml

            try:
                _check_settings(spec, settings)
                run = run_reservoir(scenario, settings=settings, progress=progress,
                                    built=built, live=live, live_interval=interval)
                write_reservoir_results(path, run, scenario_text=scenario_to_toml(scenario))
            except _Cancelled:
                self.cancelled.emit()
                return
            except Exception as error:  # noqa: BLE001 - one line in the tab
                self.failed.emit(error_message(error))
                return
            self.finished.emit((run, path))  # queued to the GUI thread

        self.run = None
        self.live_scores = 0
        self._samples = spec.samples
        total = (spec.washout + spec.samples) * spec.hold
        self._total_time = total
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("building the network…")
        self.status.setText(f"{spec.task}: {spec.washout} + {spec.samples} samples of "
                            f"{spec.hold:g} s = {total:g} s simulated")
        self.score.setText("")
        self.background.start(work, "nwn-reservoir")
        return True

    def cancel(self) -> None:
        """Stop the run: nothing is scored or written."""
        self.background.cancel()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel any run and wait for its thread (window closing)."""
        self.background.shutdown(timeout)

    def _on_progress(self, fraction: float, t: float) -> None:
        if self.state != "running":
            return
        self.bar.setValue(int(1000 * fraction))
        self.bar.setFormat(f"simulating: t = {t:.3g} of {self._total_time:.3g} s "
                           f"({100 * fraction:.0f} %)")
        if fraction >= 1.0:
            self.bar.setFormat("scoring the readout…")

    def _on_live(self, payload) -> None:
        """Draw the score of the samples read so far (the run goes on)."""
        if self.state != "running":
            return  # a late report of a run that ended or is being cancelled
        result, n = payload
        self.live_scores += 1
        self._draw(result)
        self.score.setText(f"{self.score.text()}   — live: {n} of {self._samples} samples")

    def _on_cancelled(self) -> None:
        self.background.ended("cancelled")
        self.bar.setFormat("cancelled")
        self.status.setText("cancelled: nothing was scored or written")

    def _on_failed(self, message: str) -> None:
        self.background.ended("failed")
        self.bar.setFormat("")
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        self.status.setText(f"<span style='color:#d04020'>{message}</span>")

    def _on_finished(self, payload) -> None:
        run, path = payload
        self.background.ended("done")
        self.run = run
        self.result_path = Path(path)
        self.bar.setValue(1000)
        self.bar.setFormat("done")
        self.save_button.setEnabled(True)
        self._draw(run.result)
        where = ("this session's folder, cleared on exit: Save results… keeps it"
                 if Path(path).parent == Path(self.folder()) else "")
        details = run.result.details
        readout = f"alpha {details['alpha']:g}" if "alpha" in details else "no readout"
        self.status.setText(f"{len(run.feature_names)} features, {run.u.size} scored samples "
                            f"({readout}, 80/20 chronological split); written to {path}"
                            + (f" ({where})" if where else ""))

    def _draw(self, result) -> None:
        self.plot.clear()
        self.plot.setTitle(None)
        self.bars = None
        details = result.details
        if result.per_delay is not None:
            per_delay = np.asarray(result.per_delay)
            delays = np.arange(1, per_delay.size + 1)
            self.bars = pg.BarGraphItem(x=delays, height=per_delay, width=0.8,
                                        brush=(80, 160, 230), pen=pg.mkPen(40, 90, 150),
                                        name="MC(τ) on the test part")
            self.plot.addItem(self.bars)
            self.plot.setTitle("memory capacity per delay")
            bias = details.get("bias")
            if bias is not None:  # what features with no information would score per delay
                dash = pg.mkPen(230, 140, 40, width=2, style=QtCore.Qt.PenStyle.DashLine)
                self.plot.plot([0.4, per_delay.size + 0.6], [bias / per_delay.size] * 2,
                               pen=dash, name="no-information level")
            self.plot.setLabel("bottom", "delay τ (samples)")
            self.plot.setLabel("left", "MC(τ) = r²(u(t-τ), prediction)")
            self.plot.setXRange(0.4, per_delay.size + 0.6)
            self.plot.setYRange(0, max(1.0, float(per_delay.max(initial=0))))
            text = f"MC = {result.score:.3f} over τ = 1..{per_delay.size}"
            if bias is not None:
                text += f"   (no-information bias {bias:.3f})"
            self.score.setText(text)
            return
        if result.target is not None and result.prediction is not None:
            n = np.arange(result.target.size)
            self.plot.plot(n, result.target, pen=pg.mkPen(160, 160, 160, width=1),
                           name="target")
            self.plot.plot(n, result.prediction, pen=pg.mkPen(255, 120, 40, width=2),
                           name="prediction")
            if result.task == "mackey-glass-forecast":  # closed loop: the horizon, not a test
                self.plot.setLabel("bottom", "closed-loop step (samples)")
                self.plot.setTitle("forecast fed back as the input, against the true series "
                                   f"(valid for {details.get('valid_time', 0)} samples)")
            else:
                self.plot.setLabel("bottom", "test sample")
                self.plot.setTitle(f"{result.task}: target and readout on the test part")
            self.plot.setLabel("left", "target, readout")
            self.plot.enableAutoRange()
        text = f"{result.metric} = {result.score:.4g}   ({result.task})"
        if "valid_time" in details:
            text += (f"   valid for {details['valid_time']} samples; one-step NRMSE "
                     f"{details['one_step_nrmse']:.3g}")
        if "kernel_rank" in details:
            text += f"   kernel rank {details['kernel_rank']} of {details['features']} features"
        self.score.setText(text)

    def save_to(self, path: str | Path) -> Path:
        """Copy the last run's results file (the reservoir module's HDF5 layout) to ``path``."""
        if self.result_path is None:
            raise InputError("no reservoir run to save yet: press Run task")
        target = Path(path)
        shutil.copyfile(self.result_path, target)
        return target

    def _save_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Save reservoir results",
                                                        "reservoir.h5", "HDF5 (*.h5 *.hdf5)")
        if path:
            try:
                self.save_to(path)
            except (OSError, ValueError) as error:
                self._show_error(error_message(error))
