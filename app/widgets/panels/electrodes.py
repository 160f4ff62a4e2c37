"""The studio's electrode panel: electrode table, drawing tools, layout presets, and the
source editor: role and the waveform form
(:class:`~nwn.app.widgets.waveform_editor.WaveformEditor`).
"""

from __future__ import annotations

import dataclasses
import tomllib

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from nwn.app.models.layouts import LAYOUTS, make_layout
from nwn.app.models.tooltip_text import allowed_words, tooltip
from nwn.app.render.network_view import ROLE_COLORS
from nwn.app.widgets.fields import parse_number, spin_tooltip
from nwn.app.widgets.waveform_editor import WaveformEditor
from nwn.engine.scenario import SourceSpec
from nwn.engine.sources import SERIES_KINDS, SOURCE_KINDS, WAVEFORM_KINDS
from nwn.geometry.checks import InputError

__all__ = ["ElectrodePanel", "parse_waveform", "waveform_text"]


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
    selected(str)
        The electrode selected in the table ("" for none); the canvas marks it.
    validityChanged()
        The waveform form became valid or invalid; :attr:`errors` holds its message.
    """

    toolChosen = QtCore.Signal(str)
    message = QtCore.Signal(str)
    selected = QtCore.Signal(str)
    validityChanged = QtCore.Signal()

    COLUMNS = ("name", "shape", "role", "wires", "RC role")
    #: What each column of the electrode table says (its header's tooltip).
    COLUMN_TIPS = ("the electrode's name (double-click to rename)",
                   "its outline: rectangle, polygon, line or point contact",
                   "its source: voltage, current, ground or floating (edit it below)",
                   "wires the electrode touches (after Deposit); 0 means it connects nothing",
                   "its part in the Compute tab's reservoir task: input, read or none")
    #: Tooltips of the Undo and Redo buttons, before the step they would take.
    UNDO_TIP = "undo the last change to the scenario (Ctrl+Z)"
    REDO_TIP = "redo what was undone (Ctrl+Shift+Z)"

    def __init__(self, document, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.touching: dict[str, np.ndarray] = {}
        self.errors: dict[str, str] = {}
        self._updating = False
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QtWidgets.QScrollArea()  # the waveform form is taller than a laptop screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        inner = QtWidgets.QWidget()
        scroll.setWidget(inner)
        layout = QtWidgets.QVBoxLayout(inner)
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
        for column, tip in enumerate(self.COLUMN_TIPS):
            self.table.horizontalHeaderItem(column).setToolTip(tip)
        self.table.horizontalHeader().setSectionResizeMode(
            QtWidgets.QHeaderView.ResizeMode.Stretch)  # every column visible, no scrolling
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemChanged.connect(self._item_changed)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.installEventFilter(self)  # Delete in the table deletes the electrode
        self.table.setMinimumHeight(150)
        layout.addWidget(self.table)
        buttons = QtWidgets.QHBoxLayout()
        self.delete_button = QtWidgets.QPushButton("Delete")
        self.delete_button.setToolTip("delete the selected electrode (Delete; Ctrl+Z undoes it)")
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
        self.layout_kind.setToolTip("the kind of electrode layout Apply layout puts down")
        self.layout_n = QtWidgets.QSpinBox()
        self.layout_n.setRange(2, 400)
        self.layout_n.setValue(4)
        spin_tooltip(self.layout_n, "how many pads the layout has")
        self.layout_size = QtWidgets.QLineEdit("")
        self.layout_size.setPlaceholderText("auto")
        # the bound apply_layout's parse_number(positive=True) checks
        bound = allowed_words(positive=True, unit="µm") + "; empty: chosen from the box"
        self.layout_size.setToolTip(tooltip("pad size", unit="µm", allowed=bound))
        self.layout_pitch = QtWidgets.QLineEdit("")
        self.layout_pitch.setPlaceholderText("auto")
        self.layout_pitch.setToolTip(tooltip("distance between pad centres", unit="µm",
                                             allowed=bound))
        apply_button = QtWidgets.QPushButton("Apply layout")
        apply_button.setToolTip("replace every electrode by this layout (Ctrl+Z undoes it)")
        apply_button.clicked.connect(self.apply_layout)
        preset.addRow("kind", self.layout_kind)
        preset.addRow("pads N", self.layout_n)
        preset.addRow("size (µm)", self.layout_size)
        preset.addRow("pitch (µm)", self.layout_pitch)
        preset.addRow(apply_button)
        # Source editor
        source_box = QtWidgets.QGroupBox("Source of selected electrode")
        source = QtWidgets.QFormLayout(source_box)
        self.role = QtWidgets.QComboBox()
        self.role.addItems(list(SOURCE_KINDS))
        self.role.currentTextChanged.connect(self._role_changed)
        self.role.setToolTip("voltage or current source (with a waveform), ground, or floating "
                             "(a probe: its voltage is measured)")
        self.waveform = WaveformEditor()
        self.waveform.changed.connect(self._waveform_edited)
        self.waveform.validity.connect(self._waveform_validity)
        self.no_waveform = QtWidgets.QLabel("")
        self.no_waveform.setObjectName("noWaveform")
        self.no_waveform.setWordWrap(True)
        source.addRow("role", self.role)
        source.addRow(self.no_waveform)
        source.addRow(self.waveform)
        layout.addWidget(source_box)
        # below the source editor: applied once per design, the waveform is edited often
        layout.addWidget(preset_box)
        document.events.connect(self._document_event)
        self.refresh()

    # -- table --------------------------------------------------------------------------------

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt API
        if watched is self.table and event.type() == QtCore.QEvent.Type.KeyPress and \
                event.key() == QtCore.Qt.Key.Key_Delete and \
                self.table.state() != QtWidgets.QAbstractItemView.State.EditingState:
            self._delete()
            return True
        return super().eventFilter(watched, event)

    def choose_tool(self, tool: str) -> None:
        """Make ``tool`` the active one (its button checked, :attr:`toolChosen` emitted)."""
        self.tool_buttons[tool].setChecked(True)
        self.toolChosen.emit(tool)

    def selected_name(self) -> str | None:
        """The selected electrode's name, None when none is selected or the row is stale
        (its electrode no longer in the document, e.g. mid-refresh after a document swap)."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        name = item.data(QtCore.Qt.ItemDataRole.UserRole) if item is not None else None
        if name is None or all(e.name != name for e in self.document.electrodes):
            return None
        return name

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
            box = self.table.cellWidget(row, len(self.COLUMNS) - 1)
            if box is None:  # one box per row, kept across refreshes (no widget churn)
                box = self._rc_role_box()
                self.table.setCellWidget(row, len(self.COLUMNS) - 1, box)
            box.setProperty("electrode", electrode.name)
        self._updating = False
        self._refresh_rc_roles()
        if selected is not None:
            self.select(selected)
        self.undo_button.setEnabled(self.document.undo_text() is not None)
        self.redo_button.setEnabled(self.document.redo_text() is not None)
        # what the button means always; the step it would take when there is one
        for button, tip, step in ((self.undo_button, self.UNDO_TIP, self.document.undo_text()),
                                  (self.redo_button, self.REDO_TIP, self.document.redo_text())):
            button.setToolTip(f"{tip}: {step}" if step else tip)
        self._selection_changed()

    def _document_event(self, name: str, payload) -> None:
        if name in ("electrodes", "network"):
            self.refresh()
        elif name == "scenario":
            self._refresh_rc_roles()  # the [reservoir] table may have changed

    # -- reservoir-computing roles (the scenario's [reservoir] table) -------------------------

    def _rc_role_box(self) -> QtWidgets.QComboBox:
        from nwn.app.models.rc_roles import ROLES

        box = QtWidgets.QComboBox()
        box.addItems(list(ROLES))
        box.setToolTip("reservoir computing (Compute tab): input takes the task's input u(t); "
                       "read: its voltage (floating) or current (driven, grounded) is a "
                       "feature of the readout")
        box.currentTextChanged.connect(
            lambda role, b=box: self._rc_role_changed(b.property("electrode"), role))
        return box

    def _refresh_rc_roles(self) -> None:
        from nwn.app.models.rc_roles import rc_roles

        roles = rc_roles(self.document.scenario)
        for row in range(self.table.rowCount()):
            box = self.table.cellWidget(row, len(self.COLUMNS) - 1)
            item = self.table.item(row, 0)
            if box is None or item is None:
                continue
            box.blockSignals(True)
            box.setCurrentText(roles.get(item.data(QtCore.Qt.ItemDataRole.UserRole), "none"))
            box.blockSignals(False)

    def _rc_role_changed(self, name: str, role: str) -> None:
        from nwn.app.models.rc_roles import with_role

        try:
            self.document.replace(reservoir=with_role(self.document.scenario, name, role))
        except ValueError as error:
            self.message.emit(str(error))
        self._refresh_rc_roles()

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
        # Rows are rewritten during refresh (setRowCount emits selection changes while the
        # table still holds the previous document's names: the uncaught "electrode 'drain'
        # does not exist" after opening another scenario); refresh calls this once at its end.
        if self._updating:
            return
        name = self.selected_name()
        self.selected.emit(name or "")
        enabled = name is not None
        for widget in (self.role, self.waveform, self.delete_button):
            widget.setEnabled(enabled)
        if not enabled:
            self.waveform.set_waveform(None)
            self.waveform.setVisible(False)
            self.no_waveform.setText("select an electrode to edit its source")
            self.no_waveform.setVisible(True)
            return
        spec = self.document.scenario.electrode(name)
        self.role.blockSignals(True)
        self.role.setCurrentText(spec.source.kind)
        self.role.blockSignals(False)
        self.waveform.set_waveform(spec.source.waveform,
                                   level_unit="A" if spec.source.kind == "current" else "V",
                                   duration=self.document.scenario.run.duration,
                                   base_dir=self.document.scenario.base_dir)
        driven = spec.source.kind in WAVEFORM_KINDS
        self.waveform.setEnabled(driven)
        self.waveform.setVisible(driven)  # a disabled dc form and a flat preview would mislead
        self.no_waveform.setVisible(not driven)
        self.no_waveform.setText({"ground": "ground: held at 0 V, no waveform",
                                  "floating": "floating: no waveform; its voltage is measured"}
                                 .get(spec.source.kind, ""))

    # -- sources ------------------------------------------------------------------------------

    def _role_changed(self, kind: str) -> None:
        name = self.selected_name()
        if name is None:
            return
        spec = self.document.scenario.electrode(name)
        waveform = spec.source.waveform
        if kind in WAVEFORM_KINDS and waveform is None:
            waveform = {"kind": "dc", "value": 1.0 if kind == "voltage" else 1e-6}
        if kind not in WAVEFORM_KINDS:
            waveform = None
        try:
            self.document.edit_electrode(name, source=SourceSpec(
                kind, waveform, spec.source.series_resistance if kind in SERIES_KINDS else 0.0))
        except ValueError as error:
            self.message.emit(str(error))

    def _set_waveform(self, waveform: dict) -> None:
        name = self.selected_name()
        if name is None:
            raise ValueError("select an electrode first")
        spec = self.document.scenario.electrode(name)
        # SourceSpec refuses a waveform on a ground or floating electrode (the schema's words)
        index = self.document.electrodes.index(spec)
        source = dataclasses.replace(spec.source, waveform=waveform,
                                     where=f"electrodes[{index}].source",
                                     base_dir=self.document.scenario.base_dir)
        self.document.edit_electrode(name, source=source)

    def _waveform_edited(self, waveform: dict) -> None:
        try:
            self._set_waveform(waveform)
        except ValueError as error:
            self.waveform.show_error(str(error).splitlines()[0])
        else:
            self.waveform.clear_document_error()

    def _waveform_validity(self, message: str) -> None:
        if message:
            self.errors["waveform"] = f"waveform: {message}"
        else:
            self.errors.pop("waveform", None)
        self.validityChanged.emit()

    # -- layouts ------------------------------------------------------------------------------

    def apply_layout(self) -> None:
        """Replace the electrodes by the chosen layout preset (undoable)."""
        try:
            size = parse_number("size", self.layout_size.text(), scale=1e-6, positive=True,
                                unit="µm") if self.layout_size.text().strip() else None
            pitch = parse_number("pitch", self.layout_pitch.text(), scale=1e-6,
                                 positive=True, unit="µm") \
                if self.layout_pitch.text().strip() else None
            electrodes = make_layout(self.layout_kind.currentText(),
                                     self.document.scenario.network.box,
                                     n=self.layout_n.value(), size=size, pitch=pitch)
            self.document.set_electrodes(electrodes,
                                         label=f"layout {self.layout_kind.currentText()}")
        except (ValueError, InputError) as error:
            self.message.emit(str(error))
