"""Side panels of the studio: parameters, electrodes, live plots, inspector, deposition counters.

Each panel takes the :class:`~nwn.app.document.Document` (or plain data) and only calls its
methods; the main window wires them together.
"""

from __future__ import annotations

import dataclasses
import tomllib

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from nwn.app.canvas import ROLE_COLORS
from nwn.app.fields import ValidatedField, parse_integer, parse_number
from nwn.app.layouts import LAYOUTS, make_layout
from nwn.engine.scenario import SourceSpec
from nwn.geometry.checks import InputError

__all__ = ["DepositionPanel", "ElectrodePanel", "InspectorPanel", "ParameterPanel",
           "PlotsPanel", "waveform_text", "parse_waveform"]

_TRACE_COLORS = [(235, 110, 20), (40, 120, 230), (80, 200, 120), (205, 40, 170),
                 (230, 200, 40), (150, 150, 255), (255, 120, 120), (120, 220, 220)]


def _fmt(value: float) -> str:
    return f"{value:.6g}"


# ------------------------------------------------------------------------------------------
# Parameters
# ------------------------------------------------------------------------------------------


class ParameterPanel(QtWidgets.QWidget):
    """Geometry, junction model and run parameters, validated as you type.

    Signals
    -------
    validityChanged()
        Some field became valid or invalid; :attr:`errors` maps field keys to messages.
    """

    validityChanged = QtCore.Signal()

    def __init__(self, document, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.errors: dict[str, str] = {}
        self.fields: dict[str, ValidatedField] = {}
        self._committing = False
        layout = QtWidgets.QVBoxLayout(self)
        self.network_form = QtWidgets.QFormLayout()
        self.junction_form = QtWidgets.QFormLayout()
        self.run_form = QtWidgets.QFormLayout()
        for title, form in (("Network", self.network_form), ("Junctions", self.junction_form),
                            ("Run", self.run_form)):
            box = QtWidgets.QGroupBox(title)
            box.setLayout(form)
            layout.addWidget(box)
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("parameterMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #ff7070;")
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.mode = QtWidgets.QComboBox()
        self.mode.addItems(["jda", "mnr"])
        self.mode.setToolTip("jda: one node per wire; mnr: one node per junction point, "
                             "with wire resistance")
        self.mode.currentTextChanged.connect(self._mode_changed)
        self.model = QtWidgets.QComboBox()
        from nwn.engine.junctions import MODELS

        self.model.addItems(list(MODELS))
        self.model.currentTextChanged.connect(self._model_changed)
        self._build_network_fields()
        self._build_run_fields()
        self.refresh()
        document.events.connect(self._document_event)

    # -- building -----------------------------------------------------------------------------

    def _field(self, form, key: str, label: str, parse, commit) -> ValidatedField:
        field = ValidatedField(key, "", parse, lambda value: self._commit(commit, value))
        field.validity.connect(self._validity)
        form.addRow(label, field)
        self.fields[key] = field
        return field

    def _commit(self, commit, value) -> None:
        self._committing = True
        try:
            commit(value)
        finally:
            self._committing = False

    def _network(self, **changes) -> None:
        self.document.replace(network=dataclasses.replace(self.document.scenario.network,
                                                          **changes))

    def _build_network_fields(self) -> None:
        form = self.network_form
        self._field(form, "seed", "seed", lambda t: parse_integer("seed", t, minimum=0),
                    lambda v: self.document.replace(seed=v))
        self._field(form, "width", "width (µm)",
                    lambda t: parse_number("network.box width", t, scale=1e-6, positive=True),
                    lambda v: self._network(box=(v, self.document.scenario.network.box[1])))
        self._field(form, "height", "height (µm)",
                    lambda t: parse_number("network.box height", t, scale=1e-6, positive=True),
                    lambda v: self._network(box=(self.document.scenario.network.box[0], v)))
        self._field(form, "n_wires", "wires",
                    lambda t: parse_integer("network.n_wires", t, minimum=1, maximum=2_000_000),
                    lambda v: self._network(n_wires=v, density=None))
        self._field(form, "length", "wire length (µm)",
                    lambda t: parse_number("network.length", t, scale=1e-6, positive=True),
                    self._set_length)
        self._field(form, "diameter", "diameter (nm)",
                    lambda t: parse_number("network.diameter", t, scale=1e-9, positive=True),
                    lambda v: self._network(diameter=v))
        form.addRow("graph", self.mode)

    def _set_length(self, value: float) -> None:
        length = self.document.scenario.network.length
        if isinstance(length, dict) and "mean" in length:
            self._network(length={**length, "mean": value})
        else:
            self._network(length=value)

    def _build_run_fields(self) -> None:
        form = self.run_form
        self._field(form, "dt", "dt (ms)",
                    lambda t: parse_number("run.dt", t, scale=1e-3, positive=True),
                    self._set_dt)
        self._field(form, "duration", "duration (s)",
                    lambda t: parse_number("run.duration", t, positive=True),
                    self._set_duration)

    def _set_dt(self, dt: float) -> None:
        run = self.document.scenario.run
        if run.duration / dt < 0.5:
            raise ValueError(f"run.dt must be at most the duration {run.duration:g} s")
        if run.duration / dt > 1e9:
            raise ValueError("run.duration / run.dt must be at most 1e9 steps")
        self.document.replace(run=dataclasses.replace(run, dt=dt))

    def _set_duration(self, duration: float) -> None:
        run = self.document.scenario.run
        if duration / run.dt < 0.5:
            raise ValueError(f"run.duration must be at least one step of dt = {run.dt:g} s")
        if duration / run.dt > 1e9:
            raise ValueError("run.duration / run.dt must be at most 1e9 steps")
        self.document.replace(run=dataclasses.replace(run, duration=duration))

    def _rebuild_junction_fields(self) -> None:
        from nwn.engine.junctions import MODELS

        form = self.junction_form
        while form.rowCount():
            form.removeRow(0)
        for key in [k for k in self.fields if k.startswith("junction.")]:
            self.fields.pop(key)
            self.errors.pop(key, None)
        self.model = QtWidgets.QComboBox()
        self.model.addItems(list(MODELS))
        junction = self.document.scenario.junction
        self.model.setCurrentText(junction.model)
        self.model.currentTextChanged.connect(self._model_changed)
        form.addRow("model", self.model)
        cls = MODELS[junction.model]
        for name, param in cls.PARAMETERS.items():
            key = f"junction.params.{name}"
            value = junction.params.get(name, param.default)
            label = f"{name} ({param.unit})" if param.unit else name
            if param.choices is not None:
                combo = QtWidgets.QComboBox()
                combo.addItems(list(param.choices))
                combo.setCurrentText(str(value))
                combo.setToolTip(param.meaning)
                combo.currentTextChanged.connect(
                    lambda text, n=name: self._commit(self._set_param, (n, text)))
                form.addRow(label, combo)
                continue

            def parse(text, param=param, key=key):
                number = parse_number(key, text)
                return param.validate(key, int(number) if param.integer and
                                      number == int(number) else number)

            field = self._field(form, key, label, parse,
                                lambda v, n=name: self._set_param((n, v)))
            field.setText(_fmt(value) if not isinstance(value, str) else value)
            field.setToolTip(f"{param.meaning}; {param.allowed()}")
        self.validityChanged.emit()

    def _set_param(self, item) -> None:
        from nwn.engine.junctions import MODELS

        name, value = item
        junction = self.document.scenario.junction
        params = {**junction.params, name: value}
        MODELS[junction.model].resolve_parameters(params)  # relations between parameters
        self.document.replace(junction=dataclasses.replace(junction, params=params))

    def _model_changed(self, model: str) -> None:
        junction = self.document.scenario.junction
        if model == junction.model:
            return
        self._commit(lambda m: self.document.replace(
            junction=dataclasses.replace(junction, model=m, params={}, spread={})), model)
        self._rebuild_junction_fields()

    def _mode_changed(self, mode: str) -> None:
        if mode != self.document.scenario.network.mode:
            self._commit(lambda m: self._network(mode=m), mode)

    # -- state --------------------------------------------------------------------------------

    def _validity(self, key: str, message: str) -> None:
        if message:
            self.errors[key] = message
        else:
            self.errors.pop(key, None)
        self.message.setText("\n".join(self.errors.values()))
        self.validityChanged.emit()

    def _document_event(self, name: str, payload) -> None:
        if name == "scenario" and not self._committing:
            self.refresh()

    def refresh(self) -> None:
        """Show the document's values in every field."""
        scenario = self.document.scenario
        net = scenario.network
        length = net.length["mean"] if isinstance(net.length, dict) and "mean" in net.length \
            else (net.length["value"] if isinstance(net.length, dict) else net.length)
        n_wires = net.n_wires if net.n_wires is not None else (
            round(net.density * net.box[0] * net.box[1]) if net.density else 0)
        values = {"seed": str(scenario.seed), "width": _fmt(net.box[0] * 1e6),
                  "height": _fmt(net.box[1] * 1e6), "n_wires": str(n_wires),
                  "length": _fmt(length * 1e6), "diameter": _fmt(net.diameter * 1e9),
                  "dt": _fmt(scenario.run.dt * 1e3), "duration": _fmt(scenario.run.duration)}
        for key, text in values.items():
            self.fields[key].set_text_quietly(text)
        self.mode.blockSignals(True)
        self.mode.setCurrentText(net.mode)
        self.mode.blockSignals(False)
        self._rebuild_junction_fields()


# ------------------------------------------------------------------------------------------
# Electrodes
# ------------------------------------------------------------------------------------------


def waveform_text(waveform: dict | None) -> str:
    """A waveform dict as an inline TOML table ("" for none)."""
    from nwn.engine.scenario import toml_value

    return "" if waveform is None else toml_value(waveform)


def parse_waveform(text: str) -> dict:
    """An inline TOML table as a checked waveform dict (ValueError with the reason)."""
    from nwn.engine.stimuli import make_stimulus

    try:
        waveform = tomllib.loads(f"waveform = {text.strip()}")["waveform"]
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"waveform must be an inline table like "
                         f"{{kind = \"dc\", value = 1.0}} ({error})") from None
    if not isinstance(waveform, dict):
        raise ValueError(f"waveform must be a table {{kind = ...}} (got {text.strip()!r})")
    make_stimulus(waveform)
    return waveform


class ElectrodePanel(QtWidgets.QWidget):
    """Electrode table, drawing tools, layout presets and the source/waveform editor.

    Signals
    -------
    toolChosen(str)
        Canvas tool: "select", "rectangle", "polygon", "line" or "point".
    message(str)
        A one-line error to show.
    """

    toolChosen = QtCore.Signal(str)
    message = QtCore.Signal(str)

    COLUMNS = ("name", "shape", "role", "wires")

    def __init__(self, document, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.touching: dict[str, np.ndarray] = {}
        self._updating = False
        layout = QtWidgets.QVBoxLayout(self)
        tools = QtWidgets.QHBoxLayout()
        self.tool_buttons: dict[str, QtWidgets.QToolButton] = {}
        group = QtWidgets.QButtonGroup(self)
        for tool, tip in (("select", "pan, zoom, inspect, move/resize electrodes"),
                          ("rectangle", "drag to draw a rectangle"),
                          ("polygon", "click vertices, double-click or Enter to close"),
                          ("line", "drag to draw a line contact"),
                          ("point", "click (or drag the radius) for a point contact")):
            button = QtWidgets.QToolButton()
            button.setText(tool)
            button.setCheckable(True)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, t=tool: self.toolChosen.emit(t))
            group.addButton(button)
            tools.addWidget(button)
            self.tool_buttons[tool] = button
        self.tool_buttons["select"].setChecked(True)
        layout.addLayout(tools)
        self.table = QtWidgets.QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(list(self.COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.Stretch)  # all four columns visible, no scrolling
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table)
        buttons = QtWidgets.QHBoxLayout()
        self.delete_button = QtWidgets.QPushButton("Delete")
        self.delete_button.clicked.connect(self._delete)
        buttons.addWidget(self.delete_button)
        self.undo_button = QtWidgets.QPushButton("Undo")
        self.undo_button.clicked.connect(document.undo)
        self.redo_button = QtWidgets.QPushButton("Redo")
        self.redo_button.clicked.connect(document.redo)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.redo_button)
        layout.addLayout(buttons)
        # Layout presets
        preset_box = QtWidgets.QGroupBox("Layout preset")
        preset = QtWidgets.QFormLayout(preset_box)
        self.layout_kind = QtWidgets.QComboBox()
        self.layout_kind.addItems(list(LAYOUTS))
        self.layout_n = QtWidgets.QSpinBox()
        self.layout_n.setRange(2, 400)
        self.layout_n.setValue(4)
        self.layout_size = QtWidgets.QLineEdit("")
        self.layout_size.setPlaceholderText("auto")
        self.layout_pitch = QtWidgets.QLineEdit("")
        self.layout_pitch.setPlaceholderText("auto")
        apply_button = QtWidgets.QPushButton("Apply layout")
        apply_button.clicked.connect(self.apply_layout)
        preset.addRow("kind", self.layout_kind)
        preset.addRow("pads N", self.layout_n)
        preset.addRow("size (µm)", self.layout_size)
        preset.addRow("pitch (µm)", self.layout_pitch)
        preset.addRow(apply_button)
        layout.addWidget(preset_box)
        # Source editor
        source_box = QtWidgets.QGroupBox("Source of selected electrode")
        source = QtWidgets.QFormLayout(source_box)
        self.role = QtWidgets.QComboBox()
        self.role.addItems(["voltage", "current", "ground", "floating"])
        self.role.currentTextChanged.connect(self._role_changed)
        self.waveform = ValidatedField("waveform", "", parse_waveform, self._set_waveform)
        self.waveform.validity.connect(lambda _k, m: self.message.emit(m) if m else None)
        self.waveform.setToolTip('inline TOML, e.g. {kind = "pulse", amplitude = 2.0, '
                                 'width = 0.1, period = 0.2, count = 5}')
        source.addRow("role", self.role)
        source.addRow("waveform", self.waveform)
        self.preview = pg.PlotWidget()
        self.preview.setMaximumHeight(120)
        self.preview.setLabel("bottom", "t", units="s")
        self.preview.setLabel("left", "drive")
        self.preview_curve = self.preview.plot(pen=pg.mkPen(235, 110, 20, width=2))
        source.addRow(self.preview)
        layout.addWidget(source_box)
        document.events.connect(self._document_event)
        self.refresh()

    # -- table --------------------------------------------------------------------------------

    def selected_name(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.data(QtCore.Qt.ItemDataRole.UserRole) if item is not None else None

    def select(self, name: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(QtCore.Qt.ItemDataRole.UserRole) == name:
                self.table.selectRow(row)
                return

    def refresh(self) -> None:
        selected = self.selected_name()
        self._updating = True
        electrodes = self.document.electrodes
        self.touching = self.document.touching_wires()
        self.table.setRowCount(len(electrodes))
        for row, electrode in enumerate(electrodes):
            name = QtWidgets.QTableWidgetItem(electrode.name)
            name.setData(QtCore.Qt.ItemDataRole.UserRole, electrode.name)
            shape = QtWidgets.QTableWidgetItem(electrode.shape["type"])
            role = QtWidgets.QTableWidgetItem(electrode.source.kind)
            role.setForeground(QtGui.QColor(*ROLE_COLORS[electrode.source.kind]))
            count = self.touching.get(electrode.name)
            if count is None:
                wires = QtWidgets.QTableWidgetItem("-")
            elif count.size == 0:
                wires = QtWidgets.QTableWidgetItem("0  ⚠ touches no wire")
                wires.setForeground(QtGui.QColor(255, 80, 80))
            else:
                wires = QtWidgets.QTableWidgetItem(str(count.size))
            for item in (shape, role, wires):
                item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
            for column, item in enumerate((name, shape, role, wires)):
                self.table.setItem(row, column, item)
        self._updating = False
        if selected is not None:
            self.select(selected)
        self.undo_button.setEnabled(self.document.undo_text() is not None)
        self.redo_button.setEnabled(self.document.redo_text() is not None)
        self.undo_button.setToolTip(self.document.undo_text() or "")
        self.redo_button.setToolTip(self.document.redo_text() or "")
        self._selection_changed()

    def _document_event(self, name: str, payload) -> None:
        if name in ("electrodes", "network"):
            self.refresh()

    def _item_changed(self, item: QtWidgets.QTableWidgetItem) -> None:
        if self._updating or item.column() != 0:
            return
        old = item.data(QtCore.Qt.ItemDataRole.UserRole)
        try:
            self.document.edit_electrode(old, new_name=item.text())
        except ValueError as error:
            self.message.emit(str(error))
            self.refresh()

    def _delete(self) -> None:
        name = self.selected_name()
        if name is not None:
            self.document.remove_electrode(name)

    def _selection_changed(self) -> None:
        name = self.selected_name()
        enabled = name is not None
        for widget in (self.role, self.waveform, self.delete_button):
            widget.setEnabled(enabled)
        if not enabled:
            self.preview_curve.setData([], [])
            return
        spec = self.document.scenario.electrode(name)
        self.role.blockSignals(True)
        self.role.setCurrentText(spec.source.kind)
        self.role.blockSignals(False)
        self.waveform.set_text_quietly(waveform_text(spec.source.waveform))
        self.waveform.setEnabled(spec.source.kind in ("voltage", "current"))
        self._preview(spec.source.waveform)

    # -- sources ------------------------------------------------------------------------------

    def _role_changed(self, kind: str) -> None:
        name = self.selected_name()
        if name is None:
            return
        spec = self.document.scenario.electrode(name)
        waveform = spec.source.waveform
        if kind in ("voltage", "current") and waveform is None:
            waveform = {"kind": "dc", "value": 1.0 if kind == "voltage" else 1e-6}
        if kind in ("ground", "floating"):
            waveform = None
        try:
            self.document.edit_electrode(name, source=SourceSpec(
                kind, waveform, spec.source.series_resistance if kind == "voltage" else 0.0))
        except ValueError as error:
            self.message.emit(str(error))

    def _set_waveform(self, waveform: dict) -> None:
        name = self.selected_name()
        if name is None:
            raise ValueError("select an electrode first")
        spec = self.document.scenario.electrode(name)
        if spec.source.kind not in ("voltage", "current"):
            raise ValueError(f"a {spec.source.kind} electrode takes no waveform")
        self.document.edit_electrode(name, source=dataclasses.replace(spec.source,
                                                                     waveform=waveform))

    def _preview(self, waveform: dict | None) -> None:
        if waveform is None:
            self.preview_curve.setData([], [])
            return
        from nwn.engine.stimuli import make_stimulus

        duration = self.document.scenario.run.duration
        t = np.linspace(0.0, duration, 2000)
        try:
            values = np.broadcast_to(make_stimulus(waveform).value(t), t.shape)
        except ValueError:
            self.preview_curve.setData([], [])
            return
        self.preview_curve.setData(t, np.asarray(values, dtype=float))

    # -- layouts ------------------------------------------------------------------------------

    def apply_layout(self) -> None:
        """Replace the electrodes by the chosen layout preset (undoable)."""
        try:
            size = parse_number("size", self.layout_size.text(), scale=1e-6, positive=True) \
                if self.layout_size.text().strip() else None
            pitch = parse_number("pitch", self.layout_pitch.text(), scale=1e-6,
                                 positive=True) if self.layout_pitch.text().strip() else None
            electrodes = make_layout(self.layout_kind.currentText(),
                                     self.document.scenario.network.box,
                                     n=self.layout_n.value(), size=size, pitch=pitch)
            self.document.set_electrodes(electrodes,
                                         label=f"layout {self.layout_kind.currentText()}")
        except (ValueError, InputError) as error:
            self.message.emit(str(error))


# ------------------------------------------------------------------------------------------
# Plots, inspector, deposition counters
# ------------------------------------------------------------------------------------------


class PlotsPanel(pg.GraphicsLayoutWidget):
    """Terminal currents and voltages, two-terminal conductance G(t), junction-state histogram."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        title = {"size": "9pt", "color": "#c8c8c8"}
        self.current_plot = self.addPlot(row=0, col=0, title="electrode currents", **title)
        self.current_plot.setLabel("left", "I", units="A")
        # Legend in the top right corner, clear of the traces starting at t = 0.
        self.current_plot.addLegend(offset=(-5, 5), labelTextSize="8pt")
        self.voltage_plot = self.addPlot(row=1, col=0, title="electrode voltages", **title)
        self.voltage_plot.setLabel("left", "V", units="V")
        self.conductance_plot = self.addPlot(
            row=2, col=0, title="two-terminal conductance G(t)", **title)
        self.conductance_plot.setLabel("left", "G", units="S")
        self.conductance_plot.setLabel("bottom", "t", units="s")
        self.hint = pg.TextItem("no run yet: Deposit, then Run", color=(160, 160, 160),
                                anchor=(0.5, 0.5))
        self.hint.setPos(0.5, 0.5)
        self.conductance_plot.addItem(self.hint, ignoreBounds=True)
        for plot in (self.voltage_plot, self.conductance_plot):
            plot.setXLink(self.current_plot)
        self.histogram_plot = self.addPlot(row=3, col=0, title="junction states now", **title)
        self.histogram_plot.setLabel("bottom", "junction state x")
        self.histogram_plot.setLabel("left", "junctions")
        self.histogram = pg.BarGraphItem(x=[], height=[], width=0.045,
                                         brush=pg.mkBrush(80, 200, 160))
        self.histogram_plot.addItem(self.histogram)
        self.conductance_curve = self.conductance_plot.plot(pen=pg.mkPen(0, 255, 140, width=2))
        self.time_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(255, 255, 255, 120))
        self.conductance_plot.addItem(self.time_line)
        self._current_curves: list = []
        self._voltage_curves: list = []
        self.log_conductance = False

    def set_electrodes(self, names) -> None:
        self.current_plot.clear()
        self.voltage_plot.clear()
        if self.current_plot.legend is not None:
            self.current_plot.legend.clear()
        self._current_curves = []
        self._voltage_curves = []
        if self.current_plot.legend is not None:
            # Many pads: a wide legend of a few rows rather than a column over the traces.
            self.current_plot.legend.setColumnCount(max(1, (len(names) + 1) // 2))
        for k, name in enumerate(names):
            pen = pg.mkPen(*_TRACE_COLORS[k % len(_TRACE_COLORS)], width=1.5)
            self._current_curves.append(self.current_plot.plot(pen=pen, name=name))
            self._voltage_curves.append(self.voltage_plot.plot(pen=pen))

    def set_log_conductance(self, log: bool) -> None:
        self.log_conductance = log
        self.conductance_plot.setLogMode(y=log)

    def update_traces(self, traces: dict) -> None:
        t = traces["t"]
        self.hint.setVisible(t.size == 0)
        if t.size == 0:
            for curve in self._current_curves + self._voltage_curves:
                curve.setData([], [])
            self.conductance_curve.setData([], [])
            return
        for k, curve in enumerate(self._current_curves):
            if k < traces["current"].shape[1]:
                curve.setData(t, traces["current"][:, k])
        for k, curve in enumerate(self._voltage_curves):
            if k < traces["voltage"].shape[1]:
                curve.setData(t, traces["voltage"][:, k])
        conductance = traces["conductance"]
        finite = np.isfinite(conductance) & ((conductance > 0) if self.log_conductance
                                             else True)
        self.conductance_curve.setData(t[finite], conductance[finite])

    def update_snapshot(self, snapshot) -> None:
        counts, edges = np.histogram(snapshot.junction_state, bins=20, range=(0.0, 1.0))
        self.histogram.setOpts(x=0.5 * (edges[:-1] + edges[1:]), height=counts)
        self.time_line.setValue(snapshot.t)


class InspectorPanel(QtWidgets.QWidget):
    """What is under the mouse (or clicked): a junction or a wire, and a junction's live trace."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        self.label = QtWidgets.QLabel("hover or click a junction or wire")
        self.label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setWordWrap(True)
        layout.addWidget(self.label)
        self.trace = pg.PlotWidget()
        self.trace.setMaximumHeight(140)
        self.trace.setLabel("left", "G", units="S")
        self.trace.setLabel("bottom", "t", units="s")
        self.trace_curve = self.trace.plot(pen=pg.mkPen(255, 220, 80, width=1.5))
        layout.addWidget(self.trace)

    def describe(self, kind: str, index: int, network, snapshot, scene) -> str:
        """Text for a junction or wire of ``network`` in ``snapshot`` (may be None)."""
        if kind == "junction" and network is not None:
            edge = int(network.junction_edge[index])
            a, b = (int(n) for n in network.junctions.pairs[index])
            text = f"junction {index}  (wires {a} and {b})"
            if snapshot is not None:
                text += (f"\nstate x = {snapshot.junction_state[index]:.4g}"
                         f"\nG = {snapshot.junction_conductance[index]:.4g} S"
                         f"\nV = {snapshot.junction_voltage[index]:.4g} V"
                         f"\nI = {snapshot.edge_current[edge]:.4g} A")
            return text
        if kind == "wire" and network is not None:
            wires = network.wires
            text = (f"wire {index}  length {wires.lengths[index] * 1e6:.3g} µm, "
                    f"cluster {int(scene.wire_component[index])}")
            if snapshot is not None:
                text += (f"\nV = {scene.wire_voltage(snapshot)[index]:.4g} V"
                         f"\n|I| (largest along it) = {scene.wire_current(snapshot)[index]:.4g} A")
            return text
        if kind == "wire":
            return f"wire {index}"
        return "hover or click a junction or wire"

    def show_trace(self, probe: np.ndarray) -> None:
        if probe.size:
            self.trace_curve.setData(probe[:, 0], probe[:, 1])
        else:
            self.trace_curve.setData([], [])


class DepositionPanel(QtWidgets.QWidget):
    """Counters of a deposition: wires, junctions, clusters, largest cluster, n l^2."""

    NAMES = ("wires", "junctions", "clusters", "largest cluster", "n·l²", "percolation")

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        form = QtWidgets.QFormLayout(self)
        self.values = {}
        for name in self.NAMES:
            label = QtWidgets.QLabel("-")
            form.addRow(name, label)
            self.values[name] = label

    def show_state(self, state, total: int) -> None:
        self.values["wires"].setText(f"{state.n_wires} / {total}")
        self.values["junctions"].setText(str(state.n_junctions))
        self.values["clusters"].setText(str(state.n_clusters))
        self.values["largest cluster"].setText(f"{100 * state.largest_fraction:.1f} %")
        self.values["n·l²"].setText(f"{state.density_l2:.2f}  (threshold ≈ 5.64)")
        if state.percolation_wire is None:
            self.values["percolation"].setText("not yet")
        else:
            self.values["percolation"].setText(f"at {state.percolation_wire} wires")
            self.values["percolation"].setStyleSheet("color: #1a7f37; font-weight: bold;")
