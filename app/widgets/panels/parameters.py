"""The studio's parameter panel: geometry, junction model and run settings, checked as typed.

The panel takes the :class:`~nwn.app.models.document.Document` and only calls its methods; the
main window wires the panels together.
"""

from __future__ import annotations

import dataclasses

from PySide6 import QtCore, QtWidgets

from nwn.app.widgets.fields import ValidatedField, parse_integer, parse_number

__all__ = ["ParameterPanel"]


def _fmt(value: float) -> str:
    return f"{value:.6g}"


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
        # Fields turn text into numbers; every range and relation is the scenario schema's
        # (the specs refuse bad values when replaced, with the messages a file would get).
        self._field(form, "seed", "seed", lambda t: parse_integer("seed", t),
                    lambda v: self.document.replace(seed=v))
        self._field(form, "width", "width (µm)",
                    lambda t: parse_number("network.box[0]", t, scale=1e-6),
                    lambda v: self._network(box=(v, self.document.scenario.network.box[1])))
        self._field(form, "height", "height (µm)",
                    lambda t: parse_number("network.box[1]", t, scale=1e-6),
                    lambda v: self._network(box=(self.document.scenario.network.box[0], v)))
        self._field(form, "n_wires", "wires",
                    lambda t: parse_integer("network.n_wires", t),
                    lambda v: self._network(n_wires=v, density=None))
        self._field(form, "length", "wire length (µm)",
                    lambda t: parse_number("network.length", t, scale=1e-6),
                    self._set_length)
        self._field(form, "diameter", "diameter (nm)",
                    lambda t: parse_number("network.diameter", t, scale=1e-9),
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
                    lambda t: parse_number("run.dt", t, scale=1e-3),
                    lambda v: self._run(dt=v))
        self._field(form, "duration", "duration (s)",
                    lambda t: parse_number("run.duration", t),
                    lambda v: self._run(duration=v))

    def _run(self, **changes) -> None:
        # RunSpec refuses too few or too many steps (nwn.engine.limits), as a file would.
        self.document.replace(run=dataclasses.replace(self.document.scenario.run, **changes))

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
