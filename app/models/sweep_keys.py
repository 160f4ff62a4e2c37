"""The key paths a sweep of the current scenario is most often run over, for the Sweep tab.

A key path is the scenario's own (:mod:`nwn.engine.sweep.keys`, the paths the validator names
in its errors); this module only picks the common ones for a given scenario and says, in words
a physicist reads, what each one is and what it is now. Any other path can still be typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nwn.engine.scenario import Scenario

__all__ = ["KeyChoice", "common_keys", "suggested_values"]

#: Waveform fields that set the size of the drive (the "bias"), by waveform kind.
_BIAS_FIELDS = {"dc": ("value",), "pulse": ("amplitude",), "square": ("amplitude", "offset"),
                "triangle": ("amplitude", "offset"), "sine": ("amplitude", "offset"),
                "ramp": ("stop",)}
_SOURCE_UNITS = {"voltage": "V", "current": "A"}


@dataclass(frozen=True)
class KeyChoice:
    """One offered key path.

    Attributes
    ----------
    key : str
        The scenario key path, e.g. ``"electrodes[0].source.waveform.value"``.
    meaning : str
        What it is, e.g. ``"bias: dc value of electrode 'left'"``.
    value : Any
        Its value in the current scenario (None where unset).
    unit : str
        SI unit ("" for dimensionless or unknown).
    """

    key: str
    meaning: str
    value: Any
    unit: str = ""

    @property
    def now(self) -> str:
        """The current value with its unit, e.g. ``"2 V"`` (``"unset"`` if None)."""
        if self.value is None:
            return "unset"
        text = f"{self.value:g}" if isinstance(self.value, float) else str(self.value)
        return f"{text} {self.unit}".strip()


def common_keys(scenario: Scenario) -> list[KeyChoice]:
    """The key paths offered for ``scenario``: each driven electrode's bias, the junction
    model's parameters, the wire count, length and diameter, and the run's duration."""
    from nwn.engine.junctions import MODELS

    choices: list[KeyChoice] = []
    for i, electrode in enumerate(scenario.electrodes):
        source = electrode.source
        waveform = source.waveform or {}
        unit = _SOURCE_UNITS.get(source.kind, "")
        where = f"electrodes[{i}].source.waveform"
        parts = [(where, "", waveform)]
        if waveform.get("kind") == "sequence":  # each segment is a waveform of its own
            parts = [(f"{where}.segments[{j}]", f"segment {j + 1} ", segment)
                     for j, segment in enumerate(waveform.get("segments", ()))]
        for path, segment, part in parts:
            for name in _BIAS_FIELDS.get(part.get("kind", ""), ()):
                choices.append(KeyChoice(f"{path}.{name}",
                                         f"bias: {segment}{part['kind']} {name} of electrode "
                                         f"{electrode.name!r}", part.get(name), unit))
    junction = scenario.junction
    model = MODELS.get(junction.model)
    if model is not None:
        for name, param in model.PARAMETERS.items():
            if param.choices:
                continue  # a text option, not a quantity to sweep over
            choices.append(KeyChoice(f"junction.params.{name}",
                                     f"{junction.model} junction: {param.meaning}",
                                     junction.params.get(name, param.default), param.unit))
    network = scenario.network
    choices.append(KeyChoice("network.n_wires", "number of wires", network.n_wires))
    if isinstance(network.length, (int, float)):
        choices.append(KeyChoice("network.length", "wire length", network.length, "m"))
    elif isinstance(network.length, dict) and "mean" in network.length:
        choices.append(KeyChoice("network.length.mean", "mean wire length",
                                 network.length["mean"], "m"))
    choices.append(KeyChoice("network.diameter", "wire diameter", network.diameter, "m"))
    choices.append(KeyChoice("run.duration", "simulated time", scenario.run.duration, "s"))
    return choices


def suggested_values(value: Any) -> str:
    """A starting list around ``value`` for the values field: half, same, double ("" when
    there is nothing to scale)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value == 0:
        return ""
    if isinstance(value, int):
        return ", ".join(str(v) for v in sorted({max(1, value // 2), value, 2 * value}))
    return ", ".join(f"{v:.4g}" for v in (value / 2, value, 2 * value))
