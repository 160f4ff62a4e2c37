"""The studio's waveform editor: a form generated from the stimulus definitions.

A kind drop-down; for each field of that kind (:data:`nwn.engine.stimuli.WAVEFORM_FIELDS`) a
field with its unit (V or A for levels, following the source), its limits and meaning in the
tooltip, its default as placeholder; for a sequence a segment table (add, remove, move up and
down, repeat) with the selected segment's own form below it; for samples a CSV import; a
preview with labelled axes and units; and a TOML view for experts that round-trips exactly
(:mod:`nwn.app.models.waveform_form`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from nwn.app.models.number_text import FieldWords, field_message, read_integer, read_number
from nwn.app.models.tooltip_text import tooltip
from nwn.app.models.waveform_form import (
    check_waveform,
    move_segment,
    new_segment,
    new_waveform,
    parse_waveform_toml,
    set_field,
    unit_of,
    waveform_toml,
)
from nwn.app.widgets.fields import ValidatedField
from nwn.engine.stimuli import STIMULUS_KINDS, WAVEFORM_FIELDS, read_samples_csv
from nwn.geometry.checks import InputError

__all__ = ["WaveformEditor"]

_PREVIEW_POINTS = 2000
_LEVEL_NAMES = {"V": "voltage", "A": "current"}


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _summary(segment: dict) -> str:
    """One line for a segment's table row: its fields other than kind and duration."""
    return ", ".join(f"{k} {_short(v)}" for k, v in segment.items()
                     if k not in ("kind", "duration") and not isinstance(v, (list, dict)))


class WaveformEditor(QtWidgets.QWidget):
    """Form, segment table, CSV import, preview and TOML view of one waveform.

    Parameters
    ----------
    segment : bool
        Edit one segment of a sequence: no ``sequence`` kind, a ``duration`` field, no preview.

    Signals
    -------
    changed(dict)
        A valid waveform the user made (to be committed to the document).
    validity(str)
        The editor's error ("" when its form is valid).
    """

    changed = QtCore.Signal(dict)
    validity = QtCore.Signal(str)

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, segment: bool = False
                 ) -> None:
        super().__init__(parent)
        self.segment_mode = segment
        self.level_unit = "V"
        self.duration = 1.0
        self.base_dir = None
        self._waveform: dict = {"kind": "dc", "value": 1.0}
        self._duration_value: float | None = None  # a segment's duration
        self._errors: dict[str, str] = {}
        self.error = ""
        self.fields: dict[str, ValidatedField] = {}
        self.choices: dict[str, QtWidgets.QComboBox] = {}
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QtWidgets.QFormLayout()
        self.kind = QtWidgets.QComboBox()
        kinds = [k for k in STIMULUS_KINDS if not (segment and k == "sequence")]
        self.kind.addItems(kinds)
        self.kind.setToolTip("how the source's level varies in time (its kind); the fields "
                             "below are that kind's")
        self.kind.currentTextChanged.connect(self._kind_chosen)
        top.addRow("segment kind" if segment else "waveform", self.kind)
        layout.addLayout(top)
        self.preview = None
        if not segment:
            self.preview = pg.PlotWidget()
            self.preview.setMinimumHeight(130)
            self.preview.setMaximumHeight(180)
            self.preview.setLabel("bottom", "time", units="s")
            self.preview.setLabel("left", "voltage", units="V")
            self.preview.showGrid(x=True, y=True, alpha=0.2)
            self.preview_curve = self.preview.plot(pen=pg.mkPen(235, 110, 20, width=2))
            layout.addWidget(self.preview)
        self.views = QtWidgets.QTabWidget()
        self.form_page = QtWidgets.QWidget()
        self.form = QtWidgets.QFormLayout(self.form_page)
        self.form.setContentsMargins(4, 4, 4, 4)
        self.views.addTab(self.form_page, "Form")
        toml_page = QtWidgets.QWidget(self)  # owned even where no TOML tab shows it
        toml_page.hide()
        toml_layout = QtWidgets.QVBoxLayout(toml_page)
        self.toml = QtWidgets.QPlainTextEdit()
        self.toml.setObjectName("waveformToml")
        self.toml.setToolTip("the waveform as TOML (the scenario file's words); Apply reads it")
        self.toml.setMinimumHeight(80)
        self.toml_apply = QtWidgets.QPushButton("Apply TOML")
        self.toml_apply.setToolTip("read the text above as the waveform (a refusal names the "
                                   "key; the form shows the result)")
        self.toml_apply.clicked.connect(self.apply_toml)
        toml_layout.addWidget(self.toml)
        toml_layout.addWidget(self.toml_apply)
        if not segment:
            self.views.addTab(toml_page, "TOML")
        else:
            self.views.tabBar().hide()  # a segment's TOML is its line in the sequence's view
        layout.addWidget(self.views)
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("waveformMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #ff7070;")
        layout.addWidget(self.message)
        self._build_form()

    # -- public -------------------------------------------------------------------------------

    def waveform(self) -> dict:
        """The waveform shown (a segment's includes its ``duration``)."""
        out = dict(self._waveform)
        if self.segment_mode and self._duration_value is not None:
            out["duration"] = self._duration_value
        return out

    def set_waveform(self, waveform: dict | None, *, level_unit: str | None = None,
                     duration: float | None = None, base_dir=None) -> None:
        """Show ``waveform`` (from the document; nothing is emitted). ``level_unit``: "V" or
        "A"; ``duration``: the run's, the preview's time span (s)."""
        same = (waveform is not None and dict(waveform) == self.waveform()
                and level_unit in (None, self.level_unit)
                and duration in (None, self.duration) and base_dir == self.base_dir)
        if same:
            return  # the document echoing this editor's own edit: keep the form as it is
        if level_unit is not None:
            self.level_unit = level_unit
        if duration is not None:
            self.duration = duration
        self.base_dir = base_dir
        waveform = dict(waveform or {"kind": "dc", "value": 0.0})
        if self.segment_mode:
            self._duration_value = waveform.pop("duration", None)
        self._waveform = waveform
        self._errors.clear()
        self.kind.blockSignals(True)
        self.kind.setCurrentText(waveform.get("kind", "dc"))
        self.kind.blockSignals(False)
        self._build_form()
        self._set_error("")

    def import_csv(self, path) -> bool:
        """Make the waveform the samples of a CSV file (t in s, value in V or A)."""
        try:
            times, values = read_samples_csv(path, where="samples file")
            new = {"kind": "samples", "times": times.tolist(), "values": values.tolist()}
            interpolation = self._waveform.get("interpolation")
            if self._waveform.get("kind") == "samples" and interpolation is not None:
                new["interpolation"] = interpolation
            self._apply(new, source="csv")
        except ValueError as error:
            self._report("csv", str(error).splitlines()[0])
            return False
        if hasattr(self, "samples_label") and self.form.indexOf(self.samples_label) >= 0:
            self.samples_label.setText(self._samples_text())  # inside the form's own button
        else:
            self.kind.blockSignals(True)
            self.kind.setCurrentText("samples")
            self.kind.blockSignals(False)
            self._build_form()
        return True

    def apply_toml(self) -> bool:
        """Read the TOML view's text as the waveform."""
        try:
            waveform = parse_waveform_toml(self.toml.toPlainText(), base_dir=self.base_dir)
            if self.segment_mode and waveform.get("kind") == "sequence":
                raise ValueError("a segment cannot itself be a sequence")
            self._apply(waveform, source="toml")
        except ValueError as error:
            self._report("toml", str(error).splitlines()[0].replace("waveform.", ""))
            return False
        self.kind.blockSignals(True)
        self.kind.setCurrentText(waveform["kind"])
        self.kind.blockSignals(False)
        self._build_form()
        return True

    # -- building the form ----------------------------------------------------------------------

    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        for key in list(self._errors):
            if key.startswith("field:"):
                self._errors.pop(key)
        self.fields = {}
        self.choices = {}

    def _build_form(self) -> None:
        self._clear_form()
        kind = self._waveform.get("kind", "dc")
        if self.segment_mode:
            self._duration_field()
        if kind == "sequence":
            self._build_sequence()
        elif kind == "samples":
            self._build_samples()
        else:
            for field in WAVEFORM_FIELDS[kind]:
                self._number_row(field)
        self._show()

    def _words(self, field) -> FieldWords:
        return FieldWords(field.name, unit_of(field.unit, self.level_unit))

    def _number_row(self, field) -> None:
        words = self._words(field)
        label = f"{field.name} ({words.unit})" if words.unit else field.name
        value = self._waveform.get(field.name)

        def parse(text, field=field):
            if not text.strip():
                if field.required:
                    raise ValueError(f"{field.name} is required for a "
                                     f"{self._waveform.get('kind')!r} waveform")
                return None
            number = read_integer(field.name, text) if field.integer else \
                read_number(field.name, text)
            return field.check(field.name, number)

        edit = ValidatedField(f"field:{field.name}", "" if value is None else _short_exact(value),
                              parse, lambda v, n=field.name: self._apply(
                                  set_field(self._waveform, n, v), source=f"field:{n}"),
                              tooltip=tooltip(field.meaning, unit=words.unit,
                                              allowed=field.allowed() + (
                                                  "" if field.required else
                                                  "; empty: the default")),
                              words=lambda m, w=words, n=field.name: field_message(
                                  m, f"waveform.{n}", w))
        placeholder = "unlimited" if field.name == "count" else (
            "or frequency" if field.name == "period" and not field.required else
            "or period" if field.name == "frequency" else
            f"{_short(field.default)} (default)" if field.default is not None else "")
        edit.setPlaceholderText(placeholder)
        edit.validity.connect(self._field_validity)
        edit.committed.connect(self._recheck_others)
        self.form.addRow(label, edit)
        self.fields[field.name] = edit

    def _duration_field(self) -> None:
        def parse(text):
            value = read_number("duration", text) if text.strip() else None
            if value is not None and value <= 0:
                raise ValueError(f"duration must be > 0 s (got {_short(value)} s)")
            return value

        def commit(value):
            self._duration_value = value
            self._emit()

        edit = ValidatedField("field:duration", "" if self._duration_value is None else
                              _short_exact(self._duration_value), parse, commit,
                              tooltip=tooltip("how long this segment lasts", unit="s",
                                              allowed="> 0; the last one may be empty: "
                                                      "forever"))
        edit.setPlaceholderText("forever (last only)")
        edit.validity.connect(self._field_validity)
        self.form.addRow("duration (s)", edit)
        self.fields["duration"] = edit

    def _build_sequence(self) -> None:
        segments = list(self._waveform.get("segments", []))
        self.segment_table = QtWidgets.QTableWidget(len(segments), 3)
        self.segment_table.setObjectName("segmentTable")
        self.segment_table.setHorizontalHeaderLabels(["kind", "duration (s)", "fields"])
        for column, tip in enumerate(("the segment's waveform kind",
                                      "how long the segment lasts, in s (forever: the last "
                                      "one, open-ended)",
                                      "the segment's other fields (edit them below)")):
            self.segment_table.horizontalHeaderItem(column).setToolTip(tip)
        self.segment_table.horizontalHeader().setStretchLastSection(True)
        self.segment_table.verticalHeader().setVisible(True)
        self.segment_table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.segment_table.setSelectionBehavior(
            QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.segment_table.setSelectionMode(
            QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.segment_table.setMinimumHeight(135)
        self._fill_segment_table()
        self.form.addRow(self.segment_table)
        buttons = QtWidgets.QHBoxLayout()
        self.segment_buttons = {}
        for name, tip in (("add", "append a segment (dc, level 0, for 1 s)"),
                          ("remove", "remove the selected segment"),
                          ("up", "play the selected segment earlier"),
                          ("down", "play the selected segment later")):
            button = QtWidgets.QToolButton()
            button.setText(name)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, n=name: self.segment_action(n))
            buttons.addWidget(button)
            self.segment_buttons[name] = button
        holder = QtWidgets.QWidget()
        holder.setLayout(buttons)
        self.form.addRow(holder)
        repeat = WAVEFORM_FIELDS["sequence"][1]
        self._number_row(repeat)
        self.segment_editor = WaveformEditor(segment=True)
        self.segment_editor.level_unit = self.level_unit
        self.segment_editor.changed.connect(self._segment_changed)
        self.segment_editor.validity.connect(
            lambda message: self._report("segment", message) if message
            else self._report("segment", ""))
        box = QtWidgets.QGroupBox("selected segment")
        box_layout = QtWidgets.QVBoxLayout(box)
        box_layout.setContentsMargins(2, 2, 2, 2)
        box_layout.addWidget(self.segment_editor)
        self.form.addRow(box)
        self.segment_table.itemSelectionChanged.connect(self._segment_selected)
        if segments:
            self.segment_table.selectRow(0)

    def _fill_segment_table(self) -> None:
        segments = self._waveform.get("segments", [])
        table = self.segment_table
        table.blockSignals(True)
        table.setRowCount(len(segments))
        for row, segment in enumerate(segments):
            duration = segment.get("duration")
            for column, text in enumerate((segment.get("kind", "?"),
                                           "forever" if duration is None else _short(duration),
                                           _summary(segment))):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(text)
                table.setItem(row, column, item)
        table.blockSignals(False)

    def selected_segment(self) -> int:
        rows = self.segment_table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def select_segment(self, index: int) -> None:
        self.segment_table.selectRow(index)

    def _segment_selected(self) -> None:
        index = self.selected_segment()
        segments = self._waveform.get("segments", [])
        self.segment_editor.setEnabled(index >= 0)
        if 0 <= index < len(segments):
            self.segment_editor.set_waveform(segments[index], level_unit=self.level_unit,
                                             base_dir=self.base_dir)

    def segment_action(self, action: str) -> None:
        """``"add"``, ``"remove"``, ``"up"`` or ``"down"`` on the segment table."""
        segments = list(self._waveform.get("segments", []))
        index = self.selected_segment()
        if action == "add":
            # the open-ended last segment gets a duration before another follows it
            if segments and segments[-1].get("duration") is None:
                segments[-1] = {**segments[-1], "duration": 1.0}
            segments.append(new_segment())
            index = len(segments) - 1
        elif index < 0:
            self._report("segment", "select a segment first")
            return
        elif action == "remove":
            if len(segments) == 1:
                self._report("segment", "a sequence needs at least one segment")
                return
            segments.pop(index)
            index = min(index, len(segments) - 1)
        else:
            segments = move_segment(segments, index, -1 if action == "up" else 1)
            index = min(max(index + (-1 if action == "up" else 1), 0), len(segments) - 1)
        try:
            self._apply(set_field(self._waveform, "segments", segments), source="segment")
        except ValueError as error:
            self._report("segment", str(error).splitlines()[0])
            return
        # the table is refilled, not the form rebuilt: this runs inside a button of the form
        self._fill_segment_table()
        self.segment_table.clearSelection()
        self.select_segment(index)

    def _segment_changed(self, segment: dict) -> None:
        index = self.selected_segment()
        segments = list(self._waveform.get("segments", []))
        if not 0 <= index < len(segments):
            return
        segments[index] = segment
        try:
            self._apply(set_field(self._waveform, "segments", segments), source="segment")
        except ValueError as error:
            self._report("segment", str(error).splitlines()[0])
            return
        self._fill_segment_table()

    def _build_samples(self) -> None:
        waveform = self._waveform
        self.samples_label = QtWidgets.QLabel(self._samples_text())
        self.form.addRow("samples", self.samples_label)
        button = QtWidgets.QPushButton("Import CSV…")
        button.setToolTip(f"two columns: t (s), value ({self.level_unit}); header lines and # "
                          "comments are skipped")
        button.clicked.connect(self._import_dialog)
        self.form.addRow(button)
        combo = QtWidgets.QComboBox()
        field = WAVEFORM_FIELDS["samples"][3]
        combo.addItems(list(field.choices))
        combo.setCurrentText(waveform.get("interpolation", field.default))
        combo.setToolTip(tooltip(field.meaning, allowed=field.allowed()))
        combo.currentTextChanged.connect(
            lambda text: self._apply(set_field(self._waveform, "interpolation", text),
                                     source="field:interpolation"))
        self.form.addRow("interpolation", combo)
        self.choices["interpolation"] = combo

    def _samples_text(self) -> str:
        waveform = self._waveform
        if "file" in waveform:
            return f"from file {waveform['file']}"
        times = waveform.get("times", [])
        return (f"{len(times)} samples, t = {_short(float(times[0]))} to "
                f"{_short(float(times[-1]))} s" if times else "no samples")

    def _import_dialog(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Samples (t, value)", "",
                                                        "CSV (*.csv *.txt *.tsv);;All (*)")
        if path:
            self.import_csv(path)

    # -- state --------------------------------------------------------------------------------

    def _kind_chosen(self, kind: str) -> None:
        if kind == self._waveform.get("kind"):
            return
        try:
            self._apply(new_waveform(kind, self._waveform), source="kind")
        except ValueError as error:
            self._report("kind", str(error).splitlines()[0])
        self._build_form()

    def _apply(self, waveform: dict, *, source: str) -> None:
        """Check ``waveform`` whole; if valid, show and emit it, else raise ValueError in the
        form's words (the field that was edited turns red with it)."""
        try:
            check_waveform(waveform, base_dir=self.base_dir)
        except InputError as error:
            message = str(error).splitlines()[0]
            name = source.split(":", 1)[1] if source.startswith("field:") else ""
            if name:
                field = next((f for f in WAVEFORM_FIELDS.get(waveform.get("kind"), ())
                              if f.name == name), None)
                if field is not None:
                    message = field_message(message, f"waveform.{name}", self._words(field))
            message = message.replace("waveform.", "")
            raise ValueError(message) from None
        self._waveform = dict(waveform)
        for key in ("kind", "toml", "csv", "segment"):
            self._errors.pop(key, None)
        self._set_error(self._first_error())
        self._show()
        self._emit()

    def _emit(self) -> None:
        # the waveform only ever holds valid values: it goes out even while another field's
        # text is refused (that text is simply not in it)
        if "field:duration" not in self._errors:
            self.changed.emit(self.waveform())

    def _recheck_others(self, key: str) -> None:
        # a committed value can make a refused field's text valid (period raised above a
        # refused width): try those again, so no error outlives its cause
        for edit in list(self.fields.values()):
            if edit.key != key and edit.error:
                edit.commit_text(force=True)

    def _field_validity(self, key: str, message: str) -> None:
        self._report(key, message)

    def _report(self, key: str, message: str) -> None:
        if message:
            self._errors[key] = message
        else:
            self._errors.pop(key, None)
        self._set_error(self._first_error())

    def _first_error(self) -> str:
        return next(iter(self._errors.values()), "")

    def _set_error(self, message: str) -> None:
        self.message.setText(message)
        if message != self.error:
            self.error = message
            self.validity.emit(message)

    def show_error(self, message: str) -> None:
        """A refusal from outside (the document): shown under the form until the next edit."""
        self._report("document", message)

    def clear_document_error(self) -> None:
        self._report("document", "")

    def _show(self) -> None:
        """Fields, TOML view and preview from the current waveform."""
        for name, edit in self.fields.items():
            if name == "duration" or edit.pending or edit.error:
                continue
            value = self._waveform.get(name)
            edit.set_text_quietly("" if value is None else _short_exact(value))
        self.toml.setPlainText(waveform_toml(self._waveform))
        if self.preview is None:
            return
        unit = self.level_unit
        self.preview.setLabel("left", _LEVEL_NAMES.get(unit, "level"), units=unit)
        self.preview.setLabel("bottom", "time", units="s")
        from nwn.engine.stimuli import make_stimulus

        t = np.linspace(0.0, self.duration, _PREVIEW_POINTS)
        try:
            stimulus = make_stimulus(self._waveform, base_dir=self.base_dir)
            edges = stimulus.breakpoints(0.0, self.duration)
            # both sides of every edge, so pulses draw square however short
            t = np.unique(np.concatenate([t, edges, np.maximum(edges - 1e-12 * max(
                self.duration, 1.0), 0.0)]))
            values = np.broadcast_to(stimulus.at(t), t.shape)
        except ValueError:
            self.preview_curve.setData([], [])
            return
        self.preview_curve.setData(t, np.asarray(values, dtype=float))

    def preview_data(self) -> tuple[np.ndarray, np.ndarray]:
        """The preview curve's (t, value) arrays."""
        x, y = self.preview_curve.getData()
        return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))


def _short_exact(value) -> str:
    """A field's text for a value: shortest repr for floats (no rounding that a commit would
    then write back), plain for ints and strings."""
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)
