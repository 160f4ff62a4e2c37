"""Stimulus waveforms for driven electrodes (volts for voltage sources, amperes for current).

Every waveform is a small frozen dataclass with ``at(t)``, vectorized over a time array,
``breakpoints(t0, t1)`` (times where the value jumps or its slope changes) and ``to_spec()``
(the dict :func:`make_stimulus` accepts, for saving scenarios); its fields carry the
scenario keys' names (``DC.value``, ``Pulse.amplitude``, ...). The time loop holds a stimulus
constant over each step at its value at the start of the step (piecewise constant), so choose
dt well below the shortest pulse width or period.

Kinds and their fields (SI units; optional fields show their default):

=========  =================================================================================
dc         ``value``
pulse      ``amplitude``, ``width``, ``period``, ``count`` = unlimited, ``delay`` = 0,
           ``base`` = 0: ``base + amplitude`` on [delay + k period, delay + k period + width)
           for k < count, ``base`` otherwise
square     ``amplitude``, ``period`` (or ``frequency``), ``duty`` = 0.5, ``offset`` = 0,
           ``delay`` = 0, ``count``: offset + amplitude for the first ``duty`` of each period,
           offset - amplitude for the rest (bipolar; use ``pulse`` for unipolar trains)
triangle   ``amplitude``, ``period`` (or ``frequency``), ``offset`` = 0, ``delay`` = 0,
           ``count``: offset -> offset + A (T/4) -> offset - A (3T/4) -> offset (T), the I-V
           sweep shape
sine       ``amplitude``, ``period`` (or ``frequency``), ``offset`` = 0, ``phase`` = 0 (rad),
           ``delay`` = 0, ``count``: offset + A sin(2 pi (t - delay)/T + phase)
ramp       ``start``, ``stop``, ``ramp_time``, ``delay`` = 0: start until delay, linear to
           stop over ramp_time, then stop
sequence   ``segments`` (list of waveforms, each with its own ``duration``; the last may omit
           it and then lasts forever), ``repeat`` = 1 (needs every duration). Each segment sees
           its own local time starting at 0. After a finite sequence the value is 0.
samples    ``file`` (CSV: two columns t, value; header lines and ``#`` comments skipped;
           relative to the scenario folder) or ``times`` and ``values`` inline;
           ``interpolation`` = "linear" (or "previous": sample and hold). Before the first
           sample the first value holds, after the last the last value.
=========  =================================================================================

Periodic waveforms (pulse, square, triangle, sine) equal their rest level (``base`` or
``offset``) before ``delay`` and after ``count`` periods. Phases are snapped within 1e-9 of a
period so that a sample taken exactly on a nominal edge falls on the later side despite
rounding of ``k * dt``.

Errors name the key path ``source.waveform.<field>`` (``source.waveform.segments[i].<field>``
inside sequences).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nwn.geometry.checks import InputError, check_finite, check_int

__all__ = [
    "STIMULUS_KINDS",
    "WAVEFORM_FIELDS",
    "WaveformField",
    "read_samples_csv",
    "DC",
    "Pulse",
    "Ramp",
    "Samples",
    "SequenceStimulus",
    "Sine",
    "Square",
    "Stimulus",
    "Triangle",
    "make_stimulus",
]

_EPS = 1e-9  # phase snapping, in periods
ROOT = "source.waveform"


class Stimulus:
    """Base of all waveforms: ``at(t)``, ``breakpoints(t0, t1)``, ``to_spec()``."""

    kind: ClassVar[str] = ""

    def at(self, t):
        """Waveform value at time(s) ``t`` (s): a float for a scalar, else an array of t's shape."""
        times = np.asarray(t, dtype=np.float64)
        values = self._value(np.atleast_1d(times)).reshape(times.shape)
        return float(values) if values.ndim == 0 else values

    def breakpoints(self, t0: float, t1: float) -> np.ndarray:
        """Sorted times in [t0, t1) where the value jumps or its slope changes, (B,) s."""
        points = np.asarray(self._breakpoints(float(t0), float(t1)), dtype=np.float64)
        points = np.unique(points)
        return points[(points >= t0) & (points < t1)]

    def to_spec(self) -> dict:
        """The ``make_stimulus`` dict that rebuilds this waveform."""
        spec: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is not None:
                spec[f.name] = value
        return spec

    # subclass hooks
    def _value(self, t: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _breakpoints(self, t0: float, t1: float):
        return ()


@dataclass(frozen=True)
class DC(Stimulus):
    """Constant level ``value`` (V or A)."""

    kind: ClassVar[str] = "dc"
    value: float

    def _value(self, t):
        return np.full(t.shape, self.value)


def _periodic_phase(t, delay, period, count):
    """Return (k, u, active): period index, phase in [0, 1), inside [delay, delay+count*T)."""
    phase = (t - delay) / period
    k = np.floor(phase + _EPS)
    u = np.clip(phase - k, 0.0, None)
    active = k >= 0
    if count is not None:
        active &= k < count
    return k, u, active


def _periodic_breaks(t0, t1, delay, period, count, fractions):
    """Times delay + (k + f) period within [t0, t1) for the given phase fractions."""
    if t1 <= t0:
        return ()
    k_first = max(0, math.floor((t0 - delay) / period) - 1)
    k_last = math.ceil((t1 - delay) / period) + 1
    if count is not None:
        k_last = min(k_last, count)
    if k_last < k_first:
        return ()
    k = np.arange(k_first, k_last + 1)[:, None]
    points = (delay + (k + np.asarray(fractions)[None, :]) * period).ravel()
    if count is not None:
        points = points[points <= delay + count * period]
    return points


@dataclass(frozen=True)
class Pulse(Stimulus):
    """Rectangular pulse train: ``base + amplitude`` during each pulse, ``base`` between."""

    kind: ClassVar[str] = "pulse"
    amplitude: float
    width: float
    period: float
    count: int | None = None
    delay: float = 0.0
    base: float = 0.0

    def _value(self, t):
        _, u, active = _periodic_phase(t, self.delay, self.period, self.count)
        on = active & (u < self.width / self.period - _EPS)
        return np.where(on, self.base + self.amplitude, self.base)

    def _breakpoints(self, t0, t1):
        return _periodic_breaks(t0, t1, self.delay, self.period, self.count,
                                (0.0, self.width / self.period))


@dataclass(frozen=True)
class Square(Stimulus):
    """Bipolar square wave: offset + amplitude for ``duty`` of a period, then offset - amplitude."""

    kind: ClassVar[str] = "square"
    amplitude: float
    period: float
    duty: float = 0.5
    offset: float = 0.0
    delay: float = 0.0
    count: int | None = None

    def _value(self, t):
        _, u, active = _periodic_phase(t, self.delay, self.period, self.count)
        level = np.where(u < self.duty - _EPS, self.amplitude, -self.amplitude)
        return self.offset + np.where(active, level, 0.0)

    def _breakpoints(self, t0, t1):
        return _periodic_breaks(t0, t1, self.delay, self.period, self.count, (0.0, self.duty))


@dataclass(frozen=True)
class Triangle(Stimulus):
    """Triangle sweep 0 -> +A -> -A -> 0 about ``offset`` each period (I-V hysteresis loops)."""

    kind: ClassVar[str] = "triangle"
    amplitude: float
    period: float
    offset: float = 0.0
    delay: float = 0.0
    count: int | None = None

    def _value(self, t):
        _, u, active = _periodic_phase(t, self.delay, self.period, self.count)
        shape = np.where(u < 0.25, 4.0 * u, np.where(u < 0.75, 2.0 - 4.0 * u, 4.0 * u - 4.0))
        return self.offset + self.amplitude * np.where(active, shape, 0.0)

    def _breakpoints(self, t0, t1):
        return _periodic_breaks(t0, t1, self.delay, self.period, self.count, (0.0, 0.25, 0.75))


@dataclass(frozen=True)
class Sine(Stimulus):
    """offset + amplitude sin(2 pi (t - delay)/period + phase) after ``delay``."""

    kind: ClassVar[str] = "sine"
    amplitude: float
    period: float
    offset: float = 0.0
    phase: float = 0.0
    delay: float = 0.0
    count: int | None = None

    def _value(self, t):
        _, _, active = _periodic_phase(t, self.delay, self.period, self.count)
        wave = np.sin(2.0 * np.pi * (t - self.delay) / self.period + self.phase)
        return self.offset + self.amplitude * np.where(active, wave, 0.0)

    def _breakpoints(self, t0, t1):
        ends = [self.delay]
        if self.count is not None:
            ends.append(self.delay + self.count * self.period)
        return ends


@dataclass(frozen=True)
class Ramp(Stimulus):
    """Linear ramp from ``start`` to ``stop`` over ``ramp_time`` after ``delay``."""

    kind: ClassVar[str] = "ramp"
    start: float
    stop: float
    ramp_time: float
    delay: float = 0.0

    def _value(self, t):
        fraction = np.clip((t - self.delay) / self.ramp_time, 0.0, 1.0)
        return self.start + (self.stop - self.start) * fraction

    def _breakpoints(self, t0, t1):
        return (self.delay, self.delay + self.ramp_time)


@dataclass(frozen=True)
class SequenceStimulus(Stimulus):
    """Segments played one after the other, each in its own local time."""

    kind: ClassVar[str] = "sequence"
    segments: tuple[Stimulus, ...]
    durations: tuple[float | None, ...]
    repeat: int = 1

    @property
    def total_duration(self) -> float:
        """Length of the whole sequence including repeats (s); inf if open-ended."""
        if self.durations[-1] is None:
            return math.inf
        return self.repeat * float(sum(self.durations))  # type: ignore[arg-type]

    def _starts(self):
        finite = [d for d in self.durations if d is not None]
        return np.concatenate([[0.0], np.cumsum(finite)])

    def _value(self, t):
        starts = self._starts()
        out = np.zeros(t.shape)
        local = t
        if self.durations[-1] is not None:
            cycle = starts[-1]
            k = np.floor(t / cycle + _EPS)
            local = np.clip(t - k * cycle, 0.0, None)
            inside = (k >= 0) & (k < self.repeat)
        else:
            inside = t >= 0
        # snap boundaries so a sample on a nominal segment edge falls in the later segment
        tol = _EPS * max(1.0, float(starts[-1]))
        for i, segment in enumerate(self.segments):
            lo = starts[i]
            mask = inside & (local + tol >= lo)
            if i + 1 < len(starts):
                mask &= local + tol < starts[i + 1]
            if np.any(mask):
                out[mask] = segment.at(local[mask] - lo)
        return out

    def _breakpoints(self, t0, t1):
        starts = self._starts()
        cycle = starts[-1] if self.durations[-1] is not None else math.inf
        repeats = self.repeat if math.isfinite(cycle) else 1
        points = []
        first = max(0, math.floor(t0 / cycle)) if math.isfinite(cycle) else 0
        for r in range(first, repeats):
            offset = r * cycle if math.isfinite(cycle) else 0.0
            if offset > t1:
                break
            for i, segment in enumerate(self.segments):
                lo = offset + starts[i]
                hi = offset + starts[i + 1] if i + 1 < len(starts) else math.inf
                points.append([lo])
                if lo < t1 and hi > t0:
                    inner = segment.breakpoints(max(t0, lo) - lo, min(t1, hi) - lo) + lo
                    points.append(inner)
            if math.isfinite(cycle):
                points.append([offset + cycle])
        return np.concatenate(points) if points else ()

    def to_spec(self):
        segments = []
        for segment, duration in zip(self.segments, self.durations, strict=True):
            spec = segment.to_spec()
            if duration is not None:
                spec["duration"] = duration
            segments.append(spec)
        spec = {"kind": "sequence", "segments": segments}
        if self.repeat != 1:
            spec["repeat"] = self.repeat
        return spec


@dataclass(frozen=True, eq=False)
class Samples(Stimulus):
    """Tabulated waveform: (S,) ``times`` (s, increasing) and (S,) ``values``."""

    kind: ClassVar[str] = "samples"
    times: np.ndarray
    values: np.ndarray
    interpolation: str = "linear"
    file: str | None = None

    def _value(self, t):
        if self.interpolation == "linear":
            return np.interp(t, self.times, self.values)
        index = np.searchsorted(self.times, t, side="right") - 1
        return self.values[np.clip(index, 0, self.times.size - 1)]

    def _breakpoints(self, t0, t1):
        return self.times

    def to_spec(self):
        spec: dict[str, Any] = {"kind": "samples", "interpolation": self.interpolation}
        if self.file is not None:
            spec["file"] = self.file
        else:
            spec["times"] = self.times.tolist()
            spec["values"] = self.values.tolist()
        return spec


STIMULUS_KINDS = ("dc", "pulse", "square", "triangle", "sine", "ramp", "sequence", "samples")

@dataclass(frozen=True)
class WaveformField:
    """One field of a waveform kind: unit, meaning and allowed values.

    :func:`make_stimulus` checks every field against this, and the studio's waveform form is
    generated from it (labels, units, limits, tooltips), as the junction-parameter forms are
    from :class:`nwn.engine.junctions.base.Param`.

    Attributes
    ----------
    name : str
        Key in the waveform table.
    unit : str
        ``"level"`` for the source's own unit (V for a voltage source, A for a current
        source), else an SI unit (``"s"``, ``"Hz"``, ``"rad"``) or ``""``.
    meaning : str
        One line for tooltips and docs.
    required : bool
        The kind needs it (``period``/``frequency`` are alternatives: exactly one is given).
    default : float, int, str or None
        Value when omitted (None: no default, e.g. ``count`` = unlimited).
    example : float, int or str or None
        A sensible value to start a new waveform of this kind with.
    low, high : float or None
        Allowed range; ``low_open``/``high_open`` make the bound strict.
    integer : bool
        Must be a whole number.
    choices : tuple of str or None
        Must be one of these strings.
    """

    name: str
    unit: str
    meaning: str
    required: bool = False
    default: float | int | str | None = None
    example: float | int | str | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    choices: tuple[str, ...] | None = None

    def allowed(self) -> str:
        """The allowed values in words: ``> 0``, ``in (0, 1)``, ``a whole number >= 1``."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.low is not None and self.high is not None:
            return (f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}"
                    f"{')' if self.high_open else ']'}")
        bound = ""
        if self.low is not None:
            bound = f"{'>' if self.low_open else '>='} {self.low:g}"
        elif self.high is not None:
            bound = f"{'<' if self.high_open else '<='} {self.high:g}"
        if self.integer:
            return "a whole number" + (f" {bound}" if bound else "")
        return bound or "any number"

    def check(self, where: str, value: Any):
        """``value`` converted and checked; InputError names ``where``."""
        if self.choices is not None:
            if value not in self.choices:
                raise InputError(f"{where} must be {self.allowed()} (got {value!r})")
            return value
        if self.integer:
            return check_int(where, value, minimum=None if self.low is None else
                             int(self.low) + (1 if self.low_open else 0))
        number = check_finite(where, value)
        low_ok = self.low is None or (number > self.low if self.low_open else number >= self.low)
        high_ok = self.high is None or (number < self.high if self.high_open
                                        else number <= self.high)
        if not (low_ok and high_ok):
            raise InputError(f"{where} must be {self.allowed()} (got {number:g})")
        return number


def _level(name, meaning, *, required=False, default=None, example=None):
    return WaveformField(name, "level", meaning, required, default, example)


def _time(name, meaning, *, required=False, default=None, example=None, positive=True):
    return WaveformField(name, "s", meaning, required, default, example, low=0.0,
                         low_open=positive)


_COUNT = WaveformField("count", "", "number of periods (empty: unlimited)", low=1.0,
                       integer=True, example=5)
_DELAY = _time("delay", "time before the first period starts", default=0.0, example=0.0,
               positive=False)
_PERIOD = _time("period", "length of one period (or give frequency)", example=0.2)
_FREQUENCY = WaveformField("frequency", "Hz", "periods per second (or give period)", low=0.0,
                           low_open=True, example=5.0)
_OFFSET = _level("offset", "level the wave swings about", default=0.0, example=0.0)
_AMPLITUDE = _level("amplitude", "height of the wave above its rest level", required=True,
                    example=1.0)

#: Every waveform kind's fields, in the order a form shows them.
WAVEFORM_FIELDS: dict[str, tuple[WaveformField, ...]] = {
    "dc": (_level("value", "constant level", required=True, example=1.0),),
    "pulse": (_AMPLITUDE,
              _time("width", "length of each pulse (<= period)", required=True, example=0.1),
              WaveformField("period", "s", "time from one pulse's start to the next's",
                            required=True, example=0.2, low=0.0, low_open=True),
              _COUNT, _DELAY, _level("base", "level between pulses", default=0.0, example=0.0)),
    "square": (_AMPLITUDE, _PERIOD, _FREQUENCY,
               WaveformField("duty", "", "fraction of each period at offset + amplitude",
                             default=0.5, example=0.5, low=0.0, high=1.0, low_open=True,
                             high_open=True),
               _OFFSET, _DELAY, _COUNT),
    "triangle": (_AMPLITUDE, _PERIOD, _FREQUENCY, _OFFSET, _DELAY, _COUNT),
    "sine": (_AMPLITUDE, _PERIOD, _FREQUENCY, _OFFSET,
             WaveformField("phase", "rad", "phase at the start of the first period",
                           default=0.0, example=0.0),
             _DELAY, _COUNT),
    "ramp": (_level("start", "level before and at the start of the ramp", required=True,
                    example=0.0),
             _level("stop", "level at the end of the ramp and after", required=True,
                    example=1.0),
             _time("ramp_time", "time to go from start to stop", required=True, example=1.0),
             _DELAY),
    "sequence": (WaveformField("segments", "", "waveforms played one after the other, each "
                               "with its own duration", required=True),
                 WaveformField("repeat", "", "times the whole sequence is played", default=1,
                               example=1, low=1.0, integer=True)),
    "samples": (WaveformField("file", "", "CSV of two columns t (s), value (relative to the "
                              "scenario's folder)"),
                WaveformField("times", "s", "sample times, strictly increasing"),
                WaveformField("values", "level", "sample values, one per time"),
                WaveformField("interpolation", "", "linear, or previous (sample and hold)",
                              default="linear", example="linear",
                              choices=("linear", "previous"))),
}
_BY_NAME = {kind: {f.name: f for f in spec} for kind, spec in WAVEFORM_FIELDS.items()}
_FIELDS = {kind: ({f.name for f in spec if f.required}, {f.name for f in spec if not f.required})
           for kind, spec in WAVEFORM_FIELDS.items()}


def read_samples_csv(path: str | Path, *, where: str = f"{ROOT}.file"
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The ``(times, values)`` of a samples CSV (two columns t, value; headers and ``#``
    comments skipped), each (S,) float64; InputError names ``where`` and the line."""
    return _read_csv(where, Path(path))


def make_stimulus(spec: Mapping[str, Any], *, base_dir: str | Path | None = None,
                  path: str = ROOT) -> Stimulus:
    """Build a waveform from a scenario table such as ``{"kind": "pulse", "amplitude": 2.0, ...}``.

    Parameters
    ----------
    spec : mapping
        ``kind`` plus the fields listed in the module docstring.
    base_dir : path, optional
        Folder that relative ``samples`` file paths are resolved against (default: the
        current directory).
    path : str
        Key path of the table, which error messages start with (a scenario passes e.g.
        ``electrodes[0].source.waveform``).

    Returns
    -------
    Stimulus

    Raises
    ------
    InputError
        Unknown kind or field, missing field, or a bad value; the message starts with the
        key path, e.g. ``source.waveform.width must be > 0 (got -1)``.
    """
    if not isinstance(spec, Mapping):
        raise InputError(f"{path} must be a table with a 'kind' (got {spec!r})")
    kind = spec.get("kind")
    if kind not in STIMULUS_KINDS:
        allowed = ", ".join(repr(k) for k in STIMULUS_KINDS)
        raise InputError(f"{path}.kind must be one of {allowed} (got {kind!r})")
    required, optional = _FIELDS[kind]
    allowed_keys = required | optional | {"kind"}
    for key in spec:
        if key not in allowed_keys:
            raise InputError(
                f"{path}.{key} is not a field of a {kind!r} waveform "
                f"(allowed: {', '.join(sorted(allowed_keys - {'kind'}))})"
            )
    for key in sorted(required):
        if key not in spec:
            raise InputError(f"{path}.{key} is required for a {kind!r} waveform")

    def get(key):
        # every field's limit and default from WAVEFORM_FIELDS (the GUI's form shows the same)
        field = _BY_NAME[kind][key]
        if key not in spec:
            return field.default
        return field.check(f"{path}.{key}", spec[key])

    def period():
        has_period, has_frequency = "period" in spec, "frequency" in spec
        if has_period == has_frequency:
            raise InputError(f"{path} needs exactly one of 'period' or 'frequency' for a "
                             f"{kind!r} waveform")
        if has_period:
            return get("period")
        return 1.0 / get("frequency")

    if kind == "dc":
        return DC(get("value"))
    if kind == "pulse":
        width, per = get("width"), get("period")
        if width > per:
            raise InputError(f"{path}.width must be <= period {per:g} (got {width:g})")
        return Pulse(get("amplitude"), width, per, get("count"), get("delay"), get("base"))
    if kind == "square":
        per = period()
        return Square(get("amplitude"), per, get("duty"), get("offset"), get("delay"),
                      get("count"))
    if kind == "triangle":
        return Triangle(get("amplitude"), period(), get("offset"), get("delay"), get("count"))
    if kind == "sine":
        return Sine(get("amplitude"), period(), get("offset"), get("phase"), get("delay"),
                    get("count"))
    if kind == "ramp":
        return Ramp(get("start"), get("stop"), get("ramp_time"), get("delay"))
    if kind == "sequence":
        return _make_sequence(spec, path, base_dir)
    return _make_samples(spec, path, base_dir)


def _make_sequence(spec, path, base_dir) -> SequenceStimulus:
    items = spec["segments"]
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence) or not items:
        raise InputError(f"{path}.segments must be a non-empty list of waveforms (got {items!r})")
    segments, durations = [], []
    for i, item in enumerate(items):
        where = f"{path}.segments[{i}]"
        if not isinstance(item, Mapping):
            raise InputError(f"{where} must be a table with a 'kind' (got {item!r})")
        inner = dict(item)
        duration = inner.pop("duration", None)
        if duration is None and i < len(items) - 1:
            raise InputError(f"{where}.duration is required (only the last segment may omit it)")
        if duration is not None:
            duration = check_finite(f"{where}.duration", duration)
            if duration <= 0:
                raise InputError(f"{where}.duration must be > 0 (got {duration:g})")
        segments.append(make_stimulus(inner, base_dir=base_dir, path=where))
        durations.append(duration)
    repeat = _BY_NAME["sequence"]["repeat"].check(f"{path}.repeat", spec.get("repeat", 1))
    if repeat > 1 and durations[-1] is None:
        raise InputError(f"{path}.repeat needs a duration on every segment (the last has none)")
    return SequenceStimulus(tuple(segments), tuple(durations), repeat)


def _make_samples(spec, path, base_dir) -> Samples:
    interpolation = _BY_NAME["samples"]["interpolation"].check(
        f"{path}.interpolation", spec.get("interpolation", "linear"))
    has_file = "file" in spec
    has_inline = "times" in spec or "values" in spec
    if has_file == has_inline:
        raise InputError(f"{path} needs either 'file' or both 'times' and 'values' for a "
                         "'samples' waveform")
    if has_file:
        name = spec["file"]
        if not isinstance(name, str) or not name:
            raise InputError(f"{path}.file must be a file name (got {name!r})")
        file_path = Path(name)
        if not file_path.is_absolute() and base_dir is not None:
            file_path = Path(base_dir) / file_path
        times, values = _read_csv(f"{path}.file", file_path)
    else:
        for key in ("times", "values"):
            if key not in spec:
                raise InputError(f"{path}.{key} is required with inline samples")
        times = _float_list(f"{path}.times", spec["times"])
        values = _float_list(f"{path}.values", spec["values"])
        if times.size != values.size:
            raise InputError(f"{path}.values must have as many entries as times "
                             f"({times.size}; got {values.size})")
        name = None
    if times.size == 0:
        raise InputError(f"{path} holds no samples")
    if np.any(np.diff(times) <= 0):
        where = f"{path}.file" if has_file else f"{path}.times"
        raise InputError(f"{where}: sample times must be strictly increasing")
    times.flags.writeable = False
    values.flags.writeable = False
    return Samples(times, values, interpolation, name)


def _float_list(where, data) -> np.ndarray:
    if isinstance(data, (str, bytes)) or not isinstance(data, Sequence):
        raise InputError(f"{where} must be a list of numbers (got {data!r})")
    return np.array([check_finite(f"{where}[{i}]", v) for i, v in enumerate(data)],
                    dtype=np.float64)


def _read_csv(where, file_path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        with open(file_path, newline="", encoding="utf-8-sig") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise InputError(f"{where}: {str(file_path)!r} is not text (a CSV of time, value rows; "
                         f"is it a binary file?)") from None
    except OSError as error:
        raise InputError(f"{where}: cannot read {str(file_path)!r} ({error.strerror})") from None
    rows = []
    dialect = csv.excel
    sample = text[:4096]
    if "\t" in sample and "," not in sample:
        dialect = csv.excel_tab
    for line_number, row in enumerate(csv.reader(text.splitlines(), dialect), start=1):
        cells = [c.strip() for c in row if c.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        if len(cells) == 1 and " " in cells[0]:
            cells = cells[0].split()
        try:
            numbers = [float(c) for c in cells[:2]]
        except ValueError:
            if rows:
                raise InputError(f"{where}: line {line_number} of {file_path.name} is not "
                                 f"two numbers (got {row!r})") from None
            continue  # header line(s) before the data
        if len(numbers) < 2 or not all(math.isfinite(v) for v in numbers):
            raise InputError(f"{where}: line {line_number} of {file_path.name} must hold two "
                             f"finite numbers t, value (got {row!r})")
        rows.append(numbers)
    if not rows:
        raise InputError(f"{where}: {file_path.name} holds no numeric rows (t, value)")
    data = np.array(rows, dtype=np.float64)
    return data[:, 0].copy(), data[:, 1].copy()
