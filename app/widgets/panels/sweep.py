"""The studio's Sweep tab: a small sweep of the current scenario on an embedded Dask cluster.

One or two key paths of the scenario (offered from :func:`nwn.app.models.sweep_keys.common_keys`
or typed) with their values, times a number of seeds, run by
:func:`nwn.engine.sweep.run_sweep` on a ``LocalCluster`` of the chosen number of worker
processes. The sweep runs in a child process (:class:`nwn.app.models.sweep_process.SweepProcess`:
cluster start-up, the scheduler, the file and reading the figure's numbers back included), so
none of its Python work shares the studio's interpreter lock; a Python thread of the panel
waits on the child and forwards its progress (done / running / failed) through queued
signals. Cancel answers the sweep's ``should_stop`` (members in flight are cancelled and stay
pending, the cluster is closed, the file keeps every finished member and running the same
sweep again continues it).
The figure is :func:`nwn.app.render.sweep_figures.draw_sweep_figure`, the one
``nwn plot sweep.h5`` draws.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from PySide6 import QtCore, QtWidgets

from nwn.app.models.error_text import error_message
from nwn.app.models.sweep_keys import common_keys, suggested_values
from nwn.app.widgets.fields import spin_tooltip
from nwn.app.widgets.panels.background_task import PanelTask
from nwn.geometry.checks import InputError

__all__ = ["SweepPanel"]

_NONE = "(none)"
_COUNTS = re.compile(r"(\d+)/(\d+) done, (\d+) running, (\d+) failed")


class _KeyRow(QtWidgets.QWidget):
    """One varied key: an editable list of key paths, what it is now, and its values."""

    def __init__(self, label: str, optional: bool, parent=None) -> None:
        super().__init__(parent)
        self.optional = optional
        self.choices: dict[str, object] = {}
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QtWidgets.QLabel(label), 0, 0)
        self.key = QtWidgets.QComboBox()
        self.key.setEditable(True)
        self.key.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
        self._describe_key("")
        self.key.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.key.setMinimumContentsLength(18)
        grid.addWidget(self.key, 0, 1)
        self.meaning = QtWidgets.QLabel("")
        self.meaning.setWordWrap(True)
        self.meaning.setStyleSheet("color: #a0a0a0;")
        grid.addWidget(self.meaning, 1, 1)
        grid.addWidget(QtWidgets.QLabel("values"), 2, 0)
        self.values = QtWidgets.QLineEdit()
        self.values.setPlaceholderText("comma-separated, e.g. 5, 10, 20")
        self.values.setToolTip("the values the key takes, comma-separated, in the scenario "
                               "file's units (SI: m, s, V, S); each is checked as the file "
                               "would be when the sweep starts")
        grid.addWidget(self.values, 2, 1)
        grid.setColumnStretch(1, 1)
        self.key.currentTextChanged.connect(self._key_changed)

    def offer(self, choices) -> None:
        """Fill the list with ``choices`` (KeyChoice), keeping a typed or chosen key."""
        current = self.key.currentText()
        self.choices = {c.key: c for c in choices}
        self.key.blockSignals(True)
        self.key.clear()
        if self.optional:
            self.key.addItem(_NONE)
        for choice in choices:
            self.key.addItem(choice.key)
            self.key.setItemData(self.key.count() - 1, choice.meaning,
                                 QtCore.Qt.ItemDataRole.ToolTipRole)
        self.key.setCurrentText(current or (_NONE if self.optional else ""))
        self.key.blockSignals(False)
        self._fit_popup()
        self._describe(self.key.currentText())

    def _fit_popup(self) -> None:
        """Make the drop-down list as wide as its longest key: the box itself may be narrow
        (it shrinks with the dock to 18 characters) and the list took its width, cutting
        keys such as ``electrodes[0].source.waveform.segments[0].value`` short."""
        view = self.key.view()
        metrics = view.fontMetrics()
        texts = [self.key.itemText(i) for i in range(self.key.count())]
        widest = max((metrics.horizontalAdvance(text) for text in texts), default=0)
        scroll = self.key.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_ScrollBarExtent)
        # item padding and the popup's frame, both sides; a scroll bar if the list is long
        view.setMinimumWidth(widest + scroll + 4 * metrics.averageCharWidth())

    def _describe_key(self, key: str) -> None:
        """The box's tooltip: the whole key (the box may be too narrow to show it)."""
        help_text = ("a key path of the scenario (pick one or type any other, e.g. "
                     "junction.params.eta_p)")
        self.key.setToolTip(f"{key}: {help_text}" if key.strip() not in ("", _NONE)
                            else help_text)

    @property
    def path(self) -> str:
        text = self.key.currentText().strip()
        return "" if text == _NONE else text

    def _describe(self, key: str) -> None:
        self._describe_key(key)
        choice = self.choices.get(key.strip())
        if choice is not None:
            self.meaning.setText(f"{choice.meaning}; now {choice.now}")
        elif key.strip() in ("", _NONE):
            self.meaning.setText("")
        else:
            self.meaning.setText("typed key path (checked when the sweep starts)")
        self.meaning.setVisible(bool(self.meaning.text()))
        self.values.setEnabled(key.strip() != _NONE)

    def _key_changed(self, key: str) -> None:
        self._describe(key)
        choice = self.choices.get(key.strip())
        if choice is not None:
            self.values.setText(suggested_values(choice.value))
        elif key.strip() == _NONE:
            self.values.clear()


class SweepPanel(QtWidgets.QWidget):
    """Launch a sweep of the current scenario in the background and show its figure.

    Parameters
    ----------
    scenario : callable
        ``scenario() -> Scenario``: the document's current scenario (read when Run is pressed).
    folder : callable
        ``folder() -> Path``: where a new results file goes by default.

    Signals
    -------
    progressed(float, str)
        Fraction of this run's members finished and the sweep's counts message.
    finished(str, object)
        Path of the results file once every member is in, and its figure's numbers
        (``(conductance_summary, n_seeds)``, read in the worker thread; None if unreadable).
    cancelled(str, object)
        The same for the file holding the finished members after Cancel.
    failed(str)
        A one-line error (nothing was run, or the sweep stopped).
    """

    progressed = QtCore.Signal(float, str)
    finished = QtCore.Signal(str, object)
    cancelled = QtCore.Signal(str, object)
    failed = QtCore.Signal(str)

    def __init__(self, scenario: Callable[[], object], folder: Callable[[], Path],
                 parent=None) -> None:
        super().__init__(parent)
        from nwn.app.render.report_figures import figure_plot

        self.current_scenario = scenario
        self.folder = folder
        self.result_path: Path | None = None
        self.counts = (0, 0, 0, 0)  # done, total, running, failed
        layout = QtWidgets.QVBoxLayout(self)
        intro = QtWidgets.QLabel("Run the current scenario over one or two parameters and "
                                 "several seeds (device-to-device spread) on a local Dask "
                                 "cluster; the window stays live.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.first = _KeyRow("vary", optional=False)
        self.second = _KeyRow("and", optional=True)
        layout.addWidget(self.first)
        layout.addWidget(self.second)
        form = QtWidgets.QHBoxLayout()
        form.addWidget(QtWidgets.QLabel("seeds"))
        self.n_seeds = QtWidgets.QSpinBox()
        self.n_seeds.setRange(1, 1000)
        self.n_seeds.setValue(2)
        spin_tooltip(self.n_seeds, "runs per combination: seeds S, S+1, ..., each a new "
                                   "wire deposition and new junction noise (as nwn run --seed)")
        form.addWidget(self.n_seeds)
        form.addWidget(QtWidgets.QLabel("from"))
        self.first_seed = QtWidgets.QSpinBox()
        self.first_seed.setRange(0, 2**31 - 1)
        spin_tooltip(self.first_seed, "first seed S")
        form.addWidget(self.first_seed)
        form.addWidget(QtWidgets.QLabel("workers"))
        self.workers = QtWidgets.QSpinBox()
        self.workers.setRange(1, max(1, os.cpu_count() or 1))
        self.workers.setValue(min(2, self.workers.maximum()))
        spin_tooltip(self.workers, "worker processes of the embedded Dask cluster (one per "
                                   "core at most)")
        form.addWidget(self.workers)
        form.addStretch(1)
        layout.addLayout(form)
        out = QtWidgets.QHBoxLayout()
        out.addWidget(QtWidgets.QLabel("file"))
        self.output = QtWidgets.QLineEdit()
        self.output.setPlaceholderText("sweep.h5 (in the scenario's folder, or a temporary "
                                       "one until you choose)")
        self.output.setToolTip("results file; an unfinished (.part) file of the same sweep is "
                               "continued, a finished one is never overwritten")
        out.addWidget(self.output, 1)
        self.browse = QtWidgets.QPushButton("…")
        self.browse.setMaximumWidth(30)
        out.addWidget(self.browse)
        layout.addLayout(out)
        buttons = QtWidgets.QHBoxLayout()
        self.size_label = QtWidgets.QLabel("")
        buttons.addWidget(self.size_label, 1)
        self.run_button = QtWidgets.QPushButton("Run sweep")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.setToolTip("stop: members running now are dropped, finished ones "
                                      "stay in the file; Run sweep again continues it")
        self.run_button.setToolTip("run the sweep on the embedded cluster (resumes a file it "
                                   "finished part of)")
        self.browse.setToolTip("choose the sweep file")
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.bar = QtWidgets.QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("")
        self.bar.setTextVisible(True)
        layout.addWidget(self.bar)
        self.background = PanelTask(self.run_button, self.cancel_button, self.bar)
        self.status = QtWidgets.QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        # The figure of `nwn plot sweep.h5`, drawn by the same function into this plot.
        self.figure, self.plot = figure_plot("", "", "")
        self.figure.setMinimumHeight(220)
        layout.addWidget(self.figure, 1)
        self.save_figure_button = QtWidgets.QPushButton("Save figure…")
        self.save_figure_button.setEnabled(False)
        self.save_figure_button.setToolTip("save the sweep figure as PNG or SVG")
        layout.addWidget(self.save_figure_button, 0, QtCore.Qt.AlignmentFlag.AlignRight)

        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.browse.clicked.connect(self._browse)
        self.save_figure_button.clicked.connect(self._save_figure)
        for widget in (self.first.values, self.second.values):
            widget.textChanged.connect(self._update_size)
        for box in (self.first.key, self.second.key):
            box.currentTextChanged.connect(self._update_size)
        self.n_seeds.valueChanged.connect(self._update_size)
        self.progressed.connect(self._on_progress)
        self.finished.connect(self._on_finished)
        self.cancelled.connect(self._on_cancelled)
        self.failed.connect(self._on_failed)
        self.refresh()

    # -- the form -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Offer the common keys of the current scenario (after it changed)."""
        try:
            choices = common_keys(self.current_scenario())
        except Exception:  # noqa: BLE001 - an unfinished scenario still lets you type keys
            choices = []
        self.first.offer(choices)
        self.second.offer(choices)
        if not self.first.path and choices:
            self.first.key.setCurrentText(choices[0].key)
        self._update_size()

    def vary(self) -> list[tuple[str, list]]:
        """The (key, values) pairs of the form; InputError naming the field if one is bad."""
        from nwn.engine.sweep import parse_values

        pairs = []
        for row, name in ((self.first, "first key"), (self.second, "second key")):
            if not row.path:
                if row is self.first:
                    raise InputError("first key: choose or type a key path of the scenario "
                                     "to vary")
                continue
            text = row.values.text().strip()
            if not text:
                raise InputError(f"{name} {row.path}: give its values, comma-separated "
                                 f"(e.g. 5, 10, 20)")
            pairs.append((row.path, parse_values(row.path, text)))
        return pairs

    def seeds(self) -> list[int]:
        first = self.first_seed.value()
        return list(range(first, first + self.n_seeds.value()))

    def _update_size(self, *_args) -> None:
        try:
            counts = [len(values) for _, values in self.vary()]
        except (InputError, ValueError):
            self.size_label.setText("")
            return
        n = self.n_seeds.value()
        total = n
        for count in counts:
            total *= count
        terms = " × ".join([f"{c} values" for c in counts] + [f"{n} seed(s)"])
        self.size_label.setText(f"{terms} = {total} runs")

    def output_path(self) -> Path:
        """The results file to write: the field's, or ``sweep.h5`` in :attr:`folder`; a
        finished file is never overwritten (the next free ``-2``, ``-3``... name is taken)."""
        from nwn.engine.sweep.store import partial_path

        text = self.output.text().strip()
        path = Path(text).expanduser() if text else Path(self.folder()) / "sweep.h5"
        if path.suffix not in (".h5", ".hdf5"):
            path = path.with_name(path.name + ".h5")
        if path.exists() and not partial_path(path).exists():
            stem, k = path.stem, 2
            while path.exists() or partial_path(path).exists():
                path = path.with_name(f"{stem}-{k}{path.suffix}")
                k += 1
        return path

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getSaveFileName(self, "Sweep results file",
                                                        self.output.text() or "sweep.h5",
                                                        "HDF5 (*.h5 *.hdf5)")
        if path:
            self.output.setText(path)

    # -- running ------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a sweep is going (:attr:`PanelTask.busy`)."""
        return self.background.busy

    @property
    def state(self) -> str:
        """``idle``, ``running``, ``cancelling``, ``done``, ``cancelled`` or ``failed``."""
        return self.background.state

    def start(self) -> bool:
        """Start the sweep in a background thread (False, with a message, if it cannot)."""
        if self.busy:
            self._show_error("a sweep is already running")
            return False
        try:
            scenario = self.current_scenario()
            vary = self.vary()
            path = self.output_path()
        except (InputError, ValueError) as error:
            self._show_error(error_message(error))
            return False
        seeds = self.seeds()
        workers = self.workers.value()
        self.output.setText(str(path))
        cancel = self.background.new_cancel_event()

        def work() -> None:
            from nwn.app.models.sweep_process import SweepProcess

            try:
                run = SweepProcess(scenario, vary, seeds, workers=workers, output=path)
            except Exception as error:  # noqa: BLE001 - one line in the tab
                self.failed.emit(error_message(error))
                return
            # each queued to the GUI thread, which only draws
            for kind, *rest in run.messages(cancel.is_set):
                if kind == "progress":
                    self.progressed.emit(*rest)
                elif kind == "failed":
                    self.failed.emit(*rest)
                else:
                    (self.finished if kind == "finished" else self.cancelled).emit(*rest)

        self._started = time.monotonic()
        self.counts = (0, 0, 0, 0)
        self.result_path = None
        self.bar.setRange(0, 0)  # busy until the cluster is up and the first member reports
        self.bar.setFormat("starting the cluster…")
        self.status.setText(f"starting {workers} worker process(es); writing {path}")
        self.background.start(work, "nwn-sweep")
        return True

    def cancel(self) -> None:
        """Stop the sweep (the thread closes the cluster and the file, then reports)."""
        if self.background.cancel():
            self.status.setText("cancelling: dropping the members in flight, closing the "
                                "cluster…")

    def shutdown(self, timeout: float = 30.0) -> None:
        """Cancel any sweep and wait for its thread (window closing)."""
        self.background.shutdown(timeout)

    def _on_progress(self, fraction: float, message: str) -> None:
        if self.state != "running":
            return
        match = _COUNTS.search(message)
        if match:
            done, total, running, failed = (int(g) for g in match.groups())
            self.counts = (done, total, running, failed)
            self.bar.setRange(0, total)
            self.bar.setValue(done + failed)
            self.bar.setFormat(f"{done} done, {running} running, {failed} failed of {total}")
            if done + failed == total:
                self.status.setText("every run is in; closing the cluster…")
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * fraction))
            self.bar.setFormat(message)

    def _idle(self, state: str) -> None:
        self.background.ended(state)
        if self.bar.maximum() == 0:
            self.bar.setRange(0, 1)

    def _on_finished(self, path: str, numbers) -> None:
        self._idle("done")
        self.result_path = Path(path)
        done, total, _, failed = self.counts
        self.bar.setValue(self.bar.maximum())
        self._draw(numbers)
        message = f"done: {done} run(s) in {time.monotonic() - self._started:.0f} s; {path}"
        if failed:
            message += f" ({failed} run(s) failed; the figure leaves them out)"
        self.status.setText(message)

    def _on_cancelled(self, path: str, numbers) -> None:
        self._idle("cancelled")
        self.result_path = Path(path)
        done, total, _, failed = self.counts
        self.bar.setFormat(f"cancelled: {done} done, {failed} failed of {total}")
        self._draw(numbers)
        self.status.setText(f"cancelled; {path} keeps the {done + failed} finished run(s): "
                            f"Run sweep with the same settings and file to continue")

    def _on_failed(self, message: str) -> None:
        self._idle("failed")
        self.bar.setFormat("")
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        self.status.setText(f"<span style='color:#d04020'>{message}</span>")

    def _draw(self, numbers) -> None:
        from nwn.app.render.sweep_figures import draw_sweep_figure

        if isinstance(numbers, str):
            self._show_error(f"figure: {numbers}")
            return
        summary, n_seeds = numbers
        choice = self.first.choices.get(summary["key"])
        label = None
        if choice is not None:  # what the key is, in words, with its unit (the path is above)
            label = choice.meaning + (f" ({choice.unit})" if choice.unit else "")
        draw_sweep_figure(self.plot, summary, n_seeds=n_seeds, x_label=label)
        self.save_figure_button.setEnabled(True)

    def _save_figure(self) -> None:
        if self.result_path is None:
            return
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save figure", str(self.result_path.with_suffix(".png")),
            "Images (*.png *.svg)")
        if path:
            from nwn.app.render.sweep_figures import write_sweep_figure
            from nwn.engine.sweep import open_sweep

            with open_sweep(self.result_path) as result:
                write_sweep_figure(path, result)
