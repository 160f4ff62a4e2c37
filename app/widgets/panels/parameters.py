"""The studio's parameter panel: geometry and its distributions, junction model and run
settings, checked as typed and committed on Enter or focus-out.

The panel takes the :class:`~nwn.app.models.document.Document` and only calls its methods; the
main window wires the panels together. Every refusal names the field as its label shows it, in
the unit it is shown in; implausible but legal values are warned about in physical words
(:mod:`nwn.app.models.plausibility`).
"""

from __future__ import annotations

import dataclasses
import math
import re

from PySide6 import QtCore, QtWidgets

from nwn.app.models.number_text import FieldWords, field_message, format_number
from nwn.app.models.plausibility import length_moments, mean_square_density, warnings
from nwn.app.models.tooltip_text import allowed_words, range_words, tooltip
from nwn.app.widgets.fields import ValidatedField, parse_integer, parse_number
from nwn.engine.limits import MAX_SEED, MAX_SIZE, MAX_STEPS, MAX_WIRES, MIN_SIZE
from nwn.engine.scenario import ANGLE_DISTRIBUTIONS, CENTRE_DISTRIBUTIONS, LENGTH_DISTRIBUTIONS
from nwn.geometry import CRITICAL_DENSITY_RATIO
from nwn.geometry.checks import InputError

__all__ = ["FIELD_WORDS", "ParameterPanel"]

_fmt = format_number
_DEG = math.pi / 180.0

#: field key -> (scenario key path, words: label without unit, unit shown, SI per shown unit)
FIELD_WORDS = {
    "seed": ("seed", FieldWords("seed")),
    "width": ("network.box[0]", FieldWords("width", "µm", 1e-6)),
    "height": ("network.box[1]", FieldWords("height", "µm", 1e-6)),
    "n_wires": ("network.n_wires", FieldWords("wires")),
    "length": ("network.length", FieldWords("wire length", "µm", 1e-6)),
    "length_mean": ("network.length.mean", FieldWords("mean length", "µm", 1e-6)),
    "length_std": ("network.length.std", FieldWords("length std", "µm", 1e-6)),
    "diameter": ("network.diameter", FieldWords("diameter", "nm", 1e-9)),
    "angle_direction": ("network.angle.direction", FieldWords("direction", "°", _DEG)),
    "angle_kappa": ("network.angle.kappa", FieldWords("alignment κ")),
    "centre_scale": ("network.centre.scale", FieldWords("spread", "µm", 1e-6)),
    "centre_beta": ("network.centre.beta", FieldWords("shape β")),
    "dt": ("run.dt", FieldWords("dt", "ms", 1e-3)),
    "duration": ("run.duration", FieldWords("duration", "s")),
}
_OTHERS = {path: words for path, words in FIELD_WORDS.values()}
_OTHERS["network.length.value"] = FIELD_WORDS["length"][1]
_OTHERS["network.density"] = FieldWords("density", "wires/µm²", 1e12)
_RELATION = re.compile(r"^(?P<where>\S+)\.(?P<other>\w+) must satisfy (?P<rule>.+?) \(got .*\)$")


def _label(words: FieldWords) -> str:
    return f"{words.label} ({words.unit})" if words.unit else words.label


def _size_range(key: str) -> str:
    """The schema's size limits (:mod:`nwn.engine.limits`) in the field's shown unit."""
    words = FIELD_WORDS[key][1]
    return range_words(MIN_SIZE / words.scale, MAX_SIZE / words.scale, words.unit)


class ParameterPanel(QtWidgets.QWidget):
    """Geometry, distributions, junction model and run parameters.

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
        self.distribution_form = QtWidgets.QFormLayout()
        self.junction_form = QtWidgets.QFormLayout()
        self.run_form = QtWidgets.QFormLayout()
        for title, form in (("Network", self.network_form),
                            ("Length, angle and centre distributions", self.distribution_form),
                            ("Junctions", self.junction_form), ("Run", self.run_form)):
            box = QtWidgets.QGroupBox(title)
            box.setLayout(form)
            layout.addWidget(box)
        self.message = QtWidgets.QLabel("")
        self.message.setObjectName("parameterMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #ff7070;")
        # refusals and warnings on top, where they are seen without scrolling
        layout.insertWidget(0, self.message)
        self.warning = QtWidgets.QLabel("")
        self.warning.setObjectName("parameterWarning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #e0b040;")
        layout.insertWidget(1, self.warning)
        layout.addStretch(1)
        self.mode = QtWidgets.QComboBox()
        self.mode.addItems(["jda", "mnr"])
        self.mode.setToolTip("circuit graph: jda, one node per wire (junctions dominate); "
                             "mnr, one node per junction point, with the wires' own "
                             "resistance between them")
        self.mode.currentTextChanged.connect(self._mode_changed)
        self.model = QtWidgets.QComboBox()
        from nwn.engine.junctions import MODELS

        self.model.addItems(list(MODELS))
        self.model.currentTextChanged.connect(self._model_changed)
        self._build_network_fields()
        self._build_distribution_fields()
        self._build_run_fields()
        self.refresh()
        document.events.connect(self._document_event)

    # -- building -----------------------------------------------------------------------------

    def _words(self, key: str):
        path, words = FIELD_WORDS[key]
        return lambda message: field_message(message, path, words, _OTHERS)

    def _field(self, form, key: str, label: str, parse, commit, *, tooltip: str = "",
               words=None) -> ValidatedField:
        field = ValidatedField(key, "", parse, lambda value: self._commit(commit, value),
                               tooltip=tooltip,
                               words=words or (self._words(key) if key in FIELD_WORDS else None))
        field.validity.connect(self._validity)
        field.committed.connect(self._recheck_others)
        form.addRow(label, field)
        self.fields[key] = field
        return field

    def _number_field(self, form, key: str, commit, *, meaning: str, positive=False,
                      nonnegative=False, allowed: str | None = None) -> ValidatedField:
        """A number field; its tooltip says ``meaning``, the shown unit and ``allowed`` (by
        default the bound the ``positive`` / ``nonnegative`` check refuses)."""
        words = FIELD_WORDS[key][1]
        if allowed is None:
            allowed = allowed_words(positive=positive, nonnegative=nonnegative,
                                    unit=words.unit)
        return self._field(
            form, key, _label(words),
            lambda t: parse_number(words.label, t, scale=words.scale, positive=positive,
                                   nonnegative=nonnegative, unit=words.unit),
            commit, tooltip=tooltip(meaning, unit=words.unit, allowed=allowed))

    def _commit(self, commit, value) -> None:
        self._committing = True
        try:
            commit(value)
        finally:
            self._committing = False
        # an accepted change: the message shows only what is still refused
        self.message.setText("\n".join(self.errors.values()))
        self._show_warnings()

    def _network(self, **changes) -> None:
        self.document.replace(network=dataclasses.replace(self.document.scenario.network,
                                                          **changes))

    def _build_network_fields(self) -> None:
        form = self.network_form
        # Fields turn text into numbers; every range and relation is the scenario schema's
        # (the specs refuse bad values when replaced, with the messages a file would get,
        # rewritten in the field's words).
        self._field(form, "seed", "seed", lambda t: parse_integer("seed", t),
                    lambda v: self.document.replace(seed=v),
                    tooltip=tooltip("random seed: the same seed drops the same wires and "
                                    "draws the same junction noise",
                                    allowed=f"a whole number, {range_words(0, MAX_SEED)}"))
        self._number_field(form, "width", lambda v: self._network(
            box=(v, self.document.scenario.network.box[1])), positive=True,
            meaning="substrate width along x (the box the wires are dropped in)",
            allowed=_size_range("width"))
        self._number_field(form, "height", lambda v: self._network(
            box=(self.document.scenario.network.box[0], v)), positive=True,
            meaning="substrate height along y", allowed=_size_range("height"))
        self._field(form, "n_wires", "wires", lambda t: parse_integer("wires", t, minimum=1),
                    lambda v: self._network(n_wires=v, density=None),
                    tooltip=tooltip("number of wires dropped on the substrate (1e4, 10k and "
                                    "10,000 all work)",
                                    allowed=f"a whole number, {range_words(1, MAX_WIRES)}"))
        self._number_field(form, "diameter", lambda v: self._network(diameter=v),
                           positive=True, meaning="wire diameter (sets the wire's resistance)",
                           allowed=_size_range("diameter"))
        form.addRow("graph", self.mode)
        self.density_label = QtWidgets.QLabel("")
        self.density_label.setObjectName("densityLabel")
        self.density_label.setToolTip("dimensionless density n·⟨l²⟩ = N (mean² + std²) / area; "
                                      "a film percolates above about "
                                      f"{CRITICAL_DENSITY_RATIO:.2f}")
        form.addRow("n·⟨l²⟩", self.density_label)

    def _combo(self, form, label: str, items, slot, tooltip: str) -> QtWidgets.QComboBox:
        combo = QtWidgets.QComboBox()
        combo.addItems(list(items))
        combo.setToolTip(tooltip)
        combo.currentTextChanged.connect(slot)
        form.addRow(label, combo)
        return combo

    def _build_distribution_fields(self) -> None:
        form = self.distribution_form
        kinds = ["fixed"] + [k for k in LENGTH_DISTRIBUTIONS if k != "fixed"]
        self.length_kind = self._combo(form, "length law", kinds, self._length_kind_changed,
                                       "fixed: every wire the same length; normal, lognormal, "
                                       "gamma: mean and standard deviation of the length")
        self._number_field(form, "length", lambda v: self._network(length=v), positive=True,
                           meaning="every wire's length", allowed=_size_range("length"))
        self._number_field(form, "length_mean", lambda v: self._set_length(mean=v),
                           positive=True, meaning="mean wire length",
                           allowed=_size_range("length_mean"))
        self._number_field(form, "length_std", lambda v: self._set_length(std=v),
                           nonnegative=True,
                           meaning="standard deviation of the wire length (0: all equal)",
                           allowed=f"0, or {_size_range('length_std')}; normal: at most "
                                   "3 × mean")
        self.angle_kind = self._combo(form, "angle law", list(ANGLE_DISTRIBUTIONS),
                                      self._angle_kind_changed,
                                      "uniform: isotropic film; vonmises: aligned around a "
                                      "direction, more so for larger κ")
        self._number_field(form, "angle_direction",
                           lambda v: self._set_part("angle", direction=v),
                           meaning="direction the wires align to, counter-clockwise from the "
                                   "x axis", allowed="any angle")
        self._number_field(form, "angle_kappa", lambda v: self._set_part("angle", kappa=v),
                           positive=True,
                           meaning="von Mises concentration of the wire angles: near 0 "
                                   "almost isotropic, 10 strongly aligned (choose uniform for "
                                   "isotropic)")
        self.centre_kind = self._combo(form, "centre law", list(CENTRE_DISTRIBUTIONS),
                                       self._centre_kind_changed,
                                       "uniform: centres anywhere in the box; gennorm: "
                                       "concentrated around the box centre (drop-cast spot)")
        self._number_field(form, "centre_scale", lambda v: self._set_part("centre", scale=v),
                           positive=True,
                           meaning="spread (scale) of the wire centres around the box centre")
        self._number_field(form, "centre_beta", lambda v: self._set_part("centre", beta=v),
                           positive=True, meaning="generalized-normal shape of the centres: "
                                                  "2 Gaussian, 1 Laplace, large values tend "
                                                  "to uniform")

    def _set_length(self, **changes) -> None:
        length = self.document.scenario.network.length
        if not isinstance(length, dict) or "mean" not in length:
            raise ValueError("choose a length law with a mean and std first")
        length = {**length, **changes}
        self._network(length=length)

    def _set_part(self, part: str, **changes) -> None:
        value = dict(getattr(self.document.scenario.network, part) or {})
        value.update(changes)
        self._network(**{part: value})

    def _length_kind_changed(self, kind: str) -> None:
        mean, second = length_moments(self.document.scenario.network.length)
        if kind == "fixed":
            length = mean
        else:
            std = math.sqrt(max(second - mean * mean, 0.0)) or 0.1 * mean
            length = {"distribution": kind, "mean": mean, "std": std}
        self._commit_choice(lambda: self._network(length=length))

    def _angle_kind_changed(self, kind: str) -> None:
        angle = None if kind == "uniform" else {"distribution": kind, "direction": 0.0,
                                                "kappa": 2.0}
        self._commit_choice(lambda: self._network(angle=angle))

    def _centre_kind_changed(self, kind: str) -> None:
        box = self.document.scenario.network.box
        centre = None if kind == "uniform" else {"distribution": kind, "scale": 0.25 * min(box),
                                                 "beta": 2.0}
        self._commit_choice(lambda: self._network(centre=centre))

    def _commit_choice(self, change) -> None:
        try:
            self._commit(lambda _: change(), None)
        except ValueError as error:
            self.message.setText(str(error).splitlines()[0])
        self.refresh()

    def _build_run_fields(self) -> None:
        form = self.run_form
        steps = f"duration / dt from {range_words(1, MAX_STEPS)} steps"
        self._number_field(form, "dt", self._set_dt, positive=True,
                           meaning="time step of the simulation (the junctions evolve and the "
                                   "circuit is solved once per step)",
                           allowed=f"> 0 ms, {steps}")
        self._number_field(form, "duration", lambda v: self._run(duration=v), positive=True,
                           meaning="simulated time of one run", allowed=f"> 0 s, {steps}")

    def _set_dt(self, dt: float) -> None:
        duration = self.document.scenario.run.duration
        if dt > 2 * duration:  # the schema says it of the duration; it is the dt just typed
            raise ValueError(f"dt must leave at least one step in the duration {duration:g} s: "
                             f"at most {2e3 * duration:g} ms (got {dt * 1e3:g} ms)")
        self._run(dt=dt)

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
        self.model.setToolTip("junction model: the law each junction's state and "
                              "conductance follow (README's model table); the fields below "
                              "are its parameters")
        self.model.currentTextChanged.connect(self._model_changed)
        form.addRow("model", self.model)
        cls = MODELS[junction.model]
        for name, param in cls.PARAMETERS.items():
            key = f"junction.params.{name}"
            value = junction.params.get(name, param.default)
            words = FieldWords(name, param.unit)
            label = _label(words)
            if param.choices is not None:
                combo = QtWidgets.QComboBox()
                combo.addItems(list(param.choices))
                combo.setCurrentText(str(value))
                combo.setToolTip(tooltip(param.meaning, unit=param.unit,
                                         allowed=param.allowed()))
                combo.currentTextChanged.connect(
                    lambda text, n=name: self._commit(self._set_param, (n, text)))
                form.addRow(label, combo)
                continue

            def parse(text, param=param, key=key, name=name):
                number = parse_number(name, text)
                return param.validate(key, int(number) if param.integer and
                                      number == int(number) else number)

            field = self._field(form, key, label, parse,
                                lambda v, n=name: self._set_param((n, v)),
                                tooltip=tooltip(param.meaning, unit=param.unit,
                                                allowed=param.allowed()),
                                words=lambda m, key=key, words=words: field_message(
                                    m, key, words, _OTHERS))
            field.setText(_fmt(value) if not isinstance(value, str) else value)
        self.validityChanged.emit()

    def _set_param(self, item) -> None:
        from nwn.engine.junctions import MODELS

        name, value = item
        junction = self.document.scenario.junction
        params = {**junction.params, name: value}
        cls = MODELS[junction.model]
        try:
            cls.resolve_parameters(params)  # relations between parameters
        except InputError as error:
            raise ValueError(self._relation_message(cls, params, name, str(error))) from None
        self.document.replace(junction=dataclasses.replace(junction, params=params))

    @staticmethod
    def _relation_message(cls, params: dict, name: str, message: str) -> str:
        """A broken relation said about the parameter just edited (``name``), with both values:
        the model names the relation's other side (``g_max must satisfy g_max >= g_min``)."""
        match = _RELATION.match(message.splitlines()[0])
        if match is None or match.group("other") == name:
            return message

        def shown(key):
            param = cls.PARAMETERS.get(key)
            value = params.get(key, param.default if param is not None else None)
            unit = f" {param.unit}" if param is not None and param.unit else ""
            return f"{key} = {_fmt(value) if isinstance(value, (int, float)) else value}{unit}"

        other = match.group("other")
        return f"{name} must satisfy {match.group('rule')} (got {shown(name)}, {shown(other)})"

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

    def commit_pending(self) -> bool:
        """Commit every field edited but not yet committed (Deposit and Run call this first,
        in case a shortcut started them with the cursor still in a field); False if any field
        is invalid afterwards."""
        for field in list(self.fields.values()):
            if field.pending:
                field.commit_text()
        return not self.errors

    def _recheck_others(self, key: str) -> None:
        # A committed value can make another field's refused text valid (g_max raised above a
        # refused g_min): try those again, so no error outlives its cause.
        for other, field in list(self.fields.items()):
            if other != key and field.error:
                field.commit_text(force=True)

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

    def _show_warnings(self) -> None:
        net = self.document.scenario.network
        ratio = mean_square_density(net)
        self.density_label.setText("-" if ratio is None else
                                   f"{ratio:.3g}  (threshold ≈ {CRITICAL_DENSITY_RATIO:.2f})")
        self.warning.setText("\n".join(f"⚠ {w}" for w in warnings(net)))

    def refresh(self) -> None:
        """Show the document's values in every field."""
        scenario = self.document.scenario
        net = scenario.network
        length = net.length
        kind = length.get("distribution", "fixed") if isinstance(length, dict) else "fixed"
        mean, second = length_moments(length)
        n_wires = net.n_wires if net.n_wires is not None else (
            round(net.density * net.box[0] * net.box[1]) if net.density else 0)
        angle = net.angle or {"distribution": "uniform"}
        centre = net.centre or {"distribution": "uniform"}
        values = {"seed": str(scenario.seed), "width": _fmt(net.box[0] * 1e6),
                  "height": _fmt(net.box[1] * 1e6), "n_wires": str(n_wires),
                  "length": _fmt(mean * 1e6), "length_mean": _fmt(mean * 1e6),
                  "length_std": _fmt(math.sqrt(max(second - mean * mean, 0.0)) * 1e6),
                  "diameter": _fmt(net.diameter * 1e9),
                  "angle_direction": _fmt(angle.get("direction", 0.0) / _DEG),
                  "angle_kappa": _fmt(angle.get("kappa", 2.0)),
                  "centre_scale": _fmt(centre.get("scale", 0.25 * min(net.box)) * 1e6),
                  "centre_beta": _fmt(centre.get("beta", 2.0)),
                  "dt": _fmt(scenario.run.dt * 1e3), "duration": _fmt(scenario.run.duration)}
        for key, text in values.items():
            self.fields[key].set_text_quietly(text)
        for combo, text in ((self.mode, net.mode), (self.length_kind, kind),
                            (self.angle_kind, angle["distribution"]),
                            (self.centre_kind, centre["distribution"])):
            combo.blockSignals(True)
            combo.setCurrentText(text)
            combo.blockSignals(False)
        form = self.distribution_form
        for key, shown in (("length", kind == "fixed"), ("length_mean", kind != "fixed"),
                           ("length_std", kind != "fixed"),
                           ("angle_direction", angle["distribution"] != "uniform"),
                           ("angle_kappa", angle["distribution"] != "uniform"),
                           ("centre_scale", centre["distribution"] != "uniform"),
                           ("centre_beta", centre["distribution"] != "uniform")):
            form.setRowVisible(self.fields[key], shown)
        self._show_warnings()
        self._rebuild_junction_fields()
