"""Scenario files: everything one run needs, in one TOML document.

A scenario is read with :func:`load_scenario` (from a file) or :func:`parse_scenario` (from a
mapping or TOML text), checked completely before anything runs, and written back with
:func:`scenario_to_toml` (the GUI saves the same files it loads). Every refusal is one line that
names the key path, the value and what is allowed, e.g.::

    network.length must be > 0 (got -7e-06)
    electrodes[1].source.kind must be one of 'voltage', 'current', 'ground', 'floating' (got 'volt')
    run: unknown key 'duraton' (allowed: dt, duration, record_every, snapshot_every, ...)

Layout (SI units throughout: m, s, V, A, S)::

    seed = 42                              # integer >= 0
    name = "..."                           # optional text
    description = "..."                    # optional text

    [network]
    box = [100e-6, 100e-6]                 # substrate width, height (m), origin at (0, 0)
    n_wires = 1000                         # or: density = 3e11 (wires per m^2), not both
    length = 7e-6                          # or {distribution = "normal", mean = 7e-6, std = 1e-6}
    angle = {distribution = "uniform"}     # or {distribution = "vonmises", direction = 0.0,
                                           #     kappa = 2.0}
    centre = {distribution = "uniform"}    # or {distribution = "gennorm", scale = 30e-6, beta = 2}
    diameter = 60e-9
    mode = "jda"                           # or "mnr"
    wire_resistivity = 22.6e-9             # ohm m (MNR wire segments)
    contact_resistance = 1.0               # ohm, each wire-electrode contact
    # wire_file = "wires.npz"              # instead of deposition: NPZ/CSV of endpoints

    [[electrodes]]
    name = "left"
    shape = {type = "rectangle", bounds = [0, 0, 5e-6, 100e-6]}   # xmin, ymin, xmax, ymax
    # or {type = "polygon", points = [[x, y], ...]}, {type = "line", points = [[x, y], [x, y]]},
    #    {type = "point", centre = [x, y], radius = 2e-6}
    source = {kind = "voltage", series_resistance = 0.0,
              waveform = {kind = "pulse", amplitude = 2.0, width = 0.1, period = 0.2, count = 5}}

    [[electrodes]]
    name = "right"
    shape = {type = "rectangle", bounds = [95e-6, 0, 100e-6, 100e-6]}
    source = {kind = "ground"}             # or "floating", or {kind = "current", waveform = {...}}

    [junction]
    model = "rate"                         # rate | filament | ou_jump | threshold | ohmic
    params = {kp0 = 1e-4, eta_p = 10.0}    # model parameters; defaults fill the rest
    spread = {g_max = {distribution = "lognormal", relative_width = 0.1}}
    initial = {value = 0.0}                # or {uniform = [0.0, 0.1]}

    [run]
    dt = 1e-3                              # s
    duration = 1.0                         # s
    record_every = 1                       # steps between rows of terminal traces
    snapshot_every = 10                    # steps between stored node voltages
    junction_every = 10                    # steps between stored junction states
    solver_tolerance = 5e-11               # Kirchhoff solver's relative tolerance, or "legacy"

    [reservoir]                            # optional: the reservoir-computing protocol of
    inputs = ["left"]                      # `nwn reservoir run`, see
    offset = 0.0                           # nwn.engine.reservoir.protocol
    amplitude = 1.0
    hold = 0.2
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import InitVar, dataclass, field
from pathlib import Path
from typing import Any

from nwn.engine import limits
from nwn.engine.electrode_conflicts import check_overlaps
from nwn.engine.solver_tolerance import DEFAULT_TOLERANCE, check_tolerance
from nwn.engine.sources import check_source
from nwn.geometry.checks import (
    InputError,
    check_choice,
    check_finite,
    check_keys,
    check_nonnegative,
    check_positive,
)
from nwn.geometry.shapes import check_shape, shape_geometry

__all__ = [
    "ANGLE_DISTRIBUTIONS",
    "CENTRE_DISTRIBUTIONS",
    "LENGTH_DISTRIBUTIONS",
    "ElectrodeSpec",
    "check_electrode",
    "JunctionSpec",
    "NetworkSpec",
    "RunSpec",
    "Scenario",
    "SourceSpec",
    "load_scenario",
    "parse_scenario",
    "read_scenario_text",
    "scenario_to_toml",
    "toml_key",
    "toml_value",
]

MODES = ("jda", "mnr")


def _pair(path: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise InputError(f"{path} must be a pair [x, y] (got {value!r})")
    return (check_finite(f"{path}[0]", value[0]), check_finite(f"{path}[1]", value[1]))


def _table(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else value


# --------------------------------------------------------------------------------------------
# Dataclasses (each validates and normalizes itself when constructed)
# --------------------------------------------------------------------------------------------
#
# A spec is checked in ``__post_init__``, whoever builds it (the TOML parser, the GUI, a script,
# ``dataclasses.replace``), so an invalid spec never exists. ``where`` (an init-only argument,
# not a field) is the key path that messages name; the parser passes the path in the file
# (``electrodes[1].source``), the defaults are the paths of a single file's tables.


def _set(spec: Any, name: str, value: Any) -> None:
    # normalized value into a frozen dataclass, during its own __post_init__
    object.__setattr__(spec, name, value)


@dataclass(frozen=True)
class NetworkSpec:
    """How to make the wires and the circuit graph.

    Attributes
    ----------
    box : tuple of float
        Substrate width and height (m).
    n_wires, density : int or None, float or None
        Wire count, or number density (wires per m^2); exactly one unless ``wire_file``.
    length, angle, centre : float or dict
        Deposition distributions, passed to :func:`nwn.geometry.drop_wires`.
    diameter : float
        Wire diameter (m).
    mode : {"jda", "mnr"}
        Circuit-graph representation.
    wire_resistivity : float
        Wire resistivity (ohm m), used by MNR.
    contact_resistance : float
        Resistance of each wire-electrode contact (ohm).
    wire_file : str or None
        NPZ/CSV of wire endpoints, resolved against the scenario's folder.
    where : str, init only
        Key path named by refusals (default ``"network"``).
    """

    box: tuple[float, float] = (100e-6, 100e-6)
    n_wires: int | None = None
    density: float | None = None
    length: float | dict = 7e-6
    angle: dict | None = None
    centre: dict | None = None
    diameter: float = 60e-9
    mode: str = "jda"
    wire_resistivity: float = 22.6e-9
    contact_resistance: float = 1.0
    wire_file: str | None = None
    where: InitVar[str] = "network"

    def __post_init__(self, where: str) -> None:
        _check_network(self, where)


@dataclass(frozen=True)
class SourceSpec:
    """What drives an electrode's terminal.

    Attributes
    ----------
    kind : {"voltage", "current", "ground", "floating"}
    waveform : dict or None
        Stimulus description for voltage (V) and current (A) sources, see
        :func:`nwn.engine.stimuli.make_stimulus`.
    series_resistance : float
        Series resistance of a voltage source (ohm), 0 for an ideal source.
    where : str, init only
        Key path named by refusals (default ``"source"``).
    base_dir : path or None, init only
        Folder a ``samples`` waveform's relative ``file`` is read from.
    """

    kind: str = "floating"
    waveform: dict | None = None
    series_resistance: float = 0.0
    where: InitVar[str] = "source"
    base_dir: InitVar[str | Path | None] = None

    def __post_init__(self, where: str, base_dir: str | Path | None) -> None:
        _check_source(self, where, Path(base_dir) if base_dir is not None else None)


@dataclass(frozen=True)
class ElectrodeSpec:
    """An electrode: a named shape on the substrate and its source.

    Attributes
    ----------
    name : str
    shape : dict
        ``{"type": "rectangle", "bounds": [xmin, ymin, xmax, ymax]}``,
        ``{"type": "polygon", "points": [[x, y], ...]}``,
        ``{"type": "line", "points": [[x, y], ...]}`` or
        ``{"type": "point", "centre": [x, y], "radius": r}``; coordinates in m.
    source : SourceSpec
        Checked when it was constructed.
    where : str, init only
        Key path named by refusals (default ``"electrode"``).
    """

    name: str
    shape: dict
    source: SourceSpec = field(default_factory=SourceSpec)
    where: InitVar[str] = "electrode"

    def __post_init__(self, where: str) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InputError(f"{where}.name must be a non-empty text (got {self.name!r})")
        _set(self, "shape", check_shape(self.shape, f"{where}.shape"))
        if not isinstance(self.source, SourceSpec):
            raise InputError(f"{where}.source must be a SourceSpec (got {self.source!r})")

    def geometry(self):
        """Return the electrode's shapely geometry (:func:`nwn.geometry.shapes.shape_geometry`)."""
        return shape_geometry(self.shape)


@dataclass(frozen=True)
class JunctionSpec:
    """The junction model and its parameters (see :mod:`nwn.engine.junctions`).

    The model itself checks ``params``, ``spread`` and ``initial`` (on two agents) when the
    spec is constructed; ``where`` (init only, default ``"junction"``) is the key path.
    """

    model: str = "rate"
    params: dict = field(default_factory=dict)
    spread: dict = field(default_factory=dict)
    initial: dict = field(default_factory=dict)
    where: InitVar[str] = "junction"

    def __post_init__(self, where: str) -> None:
        _check_junction(self, where)


@dataclass(frozen=True)
class RunSpec:
    """Time stepping and recording.

    Attributes
    ----------
    dt : float
        Time step (s); stimuli are held constant over each step.
    duration : float
        Simulated time (s), at least one step and at most
        :data:`nwn.engine.limits.MAX_STEPS` steps.
    record_every : int
        Steps between recorded rows of terminal traces and network conductance.
    snapshot_every : int
        Steps between stored node voltages.
    junction_every : int
        Steps between stored junction states and conductances.
    solver_tolerance : float or "legacy"
        Relative stopping tolerance of the Kirchhoff solver (no node's current imbalance,
        no terminal current's error above it times the largest terminal current, no voltage
        error above it times the largest voltage), in [1e-14, 1e-3]; ``"legacy"``: the
        earlier voltage-only criterion (:mod:`nwn.engine.solver_tolerance`).
    where : str, init only
        Key path named by refusals (default ``"run"``).
    """

    dt: float = 1e-3
    duration: float = 1.0
    record_every: int = 1
    snapshot_every: int = 10
    junction_every: int = 10
    solver_tolerance: float | str = DEFAULT_TOLERANCE
    where: InitVar[str] = "run"

    def __post_init__(self, where: str) -> None:
        dt = check_positive(f"{where}.dt", self.dt)
        duration = check_positive(f"{where}.duration", self.duration)
        limits.check_steps(where, dt, duration)
        _set(self, "dt", dt)
        _set(self, "duration", duration)
        for key in _EVERY:
            _set(self, key, limits.check_every(f"{where}.{key}", getattr(self, key)))
        _set(self, "solver_tolerance", check_tolerance(f"{where}.solver_tolerance",
                                                       self.solver_tolerance).name)

    @property
    def n_steps(self) -> int:
        """Number of time steps, ``round(duration / dt)``."""
        return int(round(self.duration / self.dt))


@dataclass(frozen=True)
class Scenario:
    """A complete, validated run description.

    Attributes
    ----------
    seed : int
    network : NetworkSpec
    electrodes : tuple of ElectrodeSpec
        Unique names; at least one is driven or grounded.
    junction : JunctionSpec
    run : RunSpec
    name, description : str
    reservoir : ReservoirSpec or None
        The ``[reservoir]`` table, if any (:mod:`nwn.engine.reservoir.protocol`).
    base_dir : pathlib.Path or None
        Folder relative paths (``wire_file``, CSV waveforms) are resolved against.
    """

    seed: int = 0
    network: NetworkSpec = field(default_factory=NetworkSpec)
    electrodes: tuple[ElectrodeSpec, ...] = ()
    junction: JunctionSpec = field(default_factory=JunctionSpec)
    run: RunSpec = field(default_factory=RunSpec)
    name: str = ""
    description: str = ""
    reservoir: Any = None
    base_dir: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _set(self, "seed", limits.check_seed("seed", self.seed))
        for key in ("name", "description"):
            if not isinstance(getattr(self, key), str):
                raise InputError(f"{key} must be text (got {getattr(self, key)!r})")
        for key, kind in (("network", NetworkSpec), ("junction", JunctionSpec),
                          ("run", RunSpec)):
            if not isinstance(getattr(self, key), kind):
                raise InputError(f"{key} must be a {kind.__name__} "
                                 f"(got {type(getattr(self, key)).__name__})")
        if not isinstance(self.electrodes, (list, tuple)):
            raise InputError(f"electrodes must be a sequence of ElectrodeSpec "
                             f"(got {self.electrodes!r})")
        _set(self, "electrodes", _check_electrode_set(tuple(self.electrodes)))
        _check_circuit(self)
        if self.base_dir is not None:
            _set(self, "base_dir", Path(self.base_dir))

    def to_toml(self) -> str:
        """The scenario as TOML text (see :func:`scenario_to_toml`)."""
        return scenario_to_toml(self)

    def electrode(self, name: str) -> ElectrodeSpec:
        """The electrode called ``name``."""
        for spec in self.electrodes:
            if spec.name == name:
                return spec
        raise InputError(f"electrode {name!r} does not exist")

    def resolve(self, relative: str) -> Path:
        """Resolve a path from the scenario file against its folder."""
        path = Path(relative).expanduser()
        if not path.is_absolute() and self.base_dir is not None:
            path = self.base_dir / path
        return path


# --------------------------------------------------------------------------------------------
# Validation (what __post_init__ calls)
# --------------------------------------------------------------------------------------------

_EVERY = ("record_every", "snapshot_every", "junction_every")


def _parse_distribution(path: str, value: Any, kinds: dict[str, tuple[str, ...]]) -> dict:
    check_keys(path, value, ("distribution",) + tuple(sorted({k for v in kinds.values()
                                                                 for k in v})))
    kind = check_choice(f"{path}.distribution", value.get("distribution"), tuple(kinds))
    out: dict[str, Any] = {"distribution": kind}
    for key in kinds[kind]:
        if key not in value:
            raise InputError(f"{path}: distribution {kind!r} needs key {key!r}")
        out[key] = check_finite(f"{path}.{key}", value[key])
    for key in value:
        if key != "distribution" and key not in kinds[kind]:
            raise InputError(
                f"{path}: key {key!r} does not apply to distribution {kind!r} "
                f"(allowed: {', '.join(kinds[kind]) or 'none'})"
            )
    return out


#: Deposition distributions a scenario may name, each with its keys (the GUI offers these).
LENGTH_DISTRIBUTIONS = {"normal": ("mean", "std"), "lognormal": ("mean", "std"),
                         "gamma": ("mean", "std"), "fixed": ("value",)}
ANGLE_DISTRIBUTIONS = {"uniform": (), "vonmises": ("direction", "kappa")}
CENTRE_DISTRIBUTIONS = {"uniform": (), "gennorm": ("scale", "beta")}


def _check_network(spec: NetworkSpec, path: str) -> None:
    box = _pair(f"{path}.box", spec.box)
    for i, size in enumerate(box):
        check_positive(f"{path}.box[{i}]", size)
        limits.check_size(f"{path}.box[{i}]", size)
    wire_file, n_wires, density = spec.wire_file, spec.n_wires, spec.density
    if wire_file is not None:
        if not isinstance(wire_file, str) or not wire_file:
            raise InputError(f"{path}.wire_file must be a file path (got {wire_file!r})")
        if n_wires is not None or density is not None:
            raise InputError(f"{path}: give wire_file or n_wires/density, not both")
    else:
        if n_wires is not None and density is not None:
            raise InputError(f"{path}: give n_wires or density, not both "
                             f"(got n_wires={n_wires!r}, density={density!r})")
        if n_wires is None and density is None:
            raise InputError(f"{path}: missing key 'n_wires' (or 'density' or 'wire_file')")
        if n_wires is not None:
            n_wires = limits.check_wire_count(path, n_wires)
        if density is not None:
            density = limits.check_density(path, check_positive(f"{path}.density", density),
                                           box)
    length = spec.length
    if isinstance(length, Mapping):
        length = _parse_distribution(f"{path}.length", length, LENGTH_DISTRIBUTIONS)
        for key in ("mean", "value"):
            if key in length:
                check_positive(f"{path}.length.{key}", length[key])
                limits.check_size(f"{path}.length.{key}", length[key])
        if "std" in length:
            std = length["std"]
            # std = 0 is the fixed length (the deposition draws it as such)
            check_nonnegative(f"{path}.length.std", std)
            if std > 0:
                limits.check_size(f"{path}.length.std", std)
            if length["distribution"] == "normal" and std > 3.0 * length["mean"]:
                raise InputError(f"{path}.length.std must be <= 3 * mean = "
                                 f"{3.0 * length['mean']:g} m for 'normal' (got {std:g} m; "
                                 f"use 'lognormal' or 'gamma' for wider laws)")
        mean_length = length.get("mean", length.get("value"))
    else:
        length = check_positive(f"{path}.length", length)
        limits.check_size(f"{path}.length", length)
        mean_length = length
    diameter = limits.check_size(f"{path}.diameter",
                                 check_positive(f"{path}.diameter", spec.diameter))
    if wire_file is None:
        count = n_wires if n_wires is not None else density * box[0] * box[1]
        limits.check_junction_count(path, count, mean_length, box, diameter)
    angle = spec.angle
    if angle is not None:
        angle = _parse_distribution(f"{path}.angle", angle, ANGLE_DISTRIBUTIONS)
        if "kappa" in angle and angle["kappa"] <= 0:
            raise InputError(f"{path}.angle.kappa must be > 0 (got {angle['kappa']:g}; "
                             f"kappa = 0 is isotropic: give angle = {{distribution = "
                             f"\"uniform\"}})")
    centre = spec.centre
    if centre is not None:
        centre = _parse_distribution(f"{path}.centre", centre, CENTRE_DISTRIBUTIONS)
        for key in ("scale", "beta"):
            if key in centre:
                check_positive(f"{path}.centre.{key}", centre[key])
    resistivity = check_positive(f"{path}.wire_resistivity", spec.wire_resistivity)
    if wire_file is None:
        wire = wire_conductance(diameter, resistivity, mean_length)
        if not limits.G_MIN <= wire <= limits.G_MAX:
            raise InputError(
                f"{path}.wire_resistivity = {resistivity:g} ohm m gives {wire:.3g} S for a wire "
                f"{mean_length:g} m long and {diameter:g} m thick (allowed: wires between "
                f"{limits.G_MIN:g} and {limits.G_MAX:g} S; silver is 2.26e-08 ohm m)")
    contact = limits.check_resistance(
        f"{path}.contact_resistance",
        check_positive(f"{path}.contact_resistance", spec.contact_resistance))
    for key, value in (
        ("box", box), ("n_wires", n_wires), ("density", density), ("length", length),
        ("angle", angle), ("centre", centre), ("diameter", diameter),
        ("mode", check_choice(f"{path}.mode", spec.mode, MODES)),
        ("wire_resistivity", resistivity), ("contact_resistance", contact),
    ):
        _set(spec, key, value)


def wire_conductance(diameter: float, resistivity: float, length: float) -> float:
    """End-to-end conductance (S) of a wire: cross-section pi d^2 / 4 over resistivity * length
    (the MNR mode's segments are pieces of it)."""
    resistance_per_area = resistivity * length
    return math.pi * diameter ** 2 / 4.0 / resistance_per_area if resistance_per_area else math.inf


#: The MNR mode's shortest segments, as a fraction of a wire (the span check's upper end):
#: among the thousands of segments of a network, junctions a 1e-4 of a wire apart occur. With
#: this, wire_resistivity = 1e-11 ohm m (6.6 decades over 0.001 S junctions) runs and 1e-12,
#: which the solver cannot resolve, is refused.
_SEGMENT_FRACTION = 1e-4


def _mean_length(network: NetworkSpec) -> float | None:
    """The mean wire length (m) of a dropped network; None for a wire file."""
    if network.wire_file is not None:
        return None
    length = network.length
    if isinstance(length, Mapping):
        return length.get("mean", length.get("value"))
    return length


def _check_circuit(scenario: Scenario) -> None:
    """The checks that need the whole scenario: the conductances of the circuit in one range
    float64 resolves, and what a junction model's events cost per step of dt."""
    from nwn.engine.junctions import MODELS

    junction = scenario.junction
    model = MODELS[junction.model]
    values = model.resolve_parameters(junction.params)
    parts: list[tuple[str, float, float]] = []
    for key, param in model.PARAMETERS.items():
        value = values[key]
        if isinstance(value, str) or param.unit not in ("S", "ohm"):
            if key == "jump_rate":
                limits.check_event_rate(f"junction.params.{key}", float(value),
                                        scenario.run.dt)
            continue
        value = float(value)
        name = f"junction.params.{key}"
        if param.unit == "S":
            conductance = limits.check_conductance(name, value)
        else:
            conductance = 1.0 / limits.check_resistance(name, value)
        low, high = conductance, conductance
        spread = junction.spread.get(key)
        if isinstance(spread, Mapping):
            width = float(spread.get("relative_width", 0.0))
            if spread.get("distribution") == "lognormal":
                factor = math.exp(4.0 * math.sqrt(math.log1p(width * width)))
                low, high = conductance / factor, conductance * factor
            else:
                low, high = conductance * max(1.0 - 4.0 * width, 0.01), \
                    conductance * (1.0 + 4.0 * width)
            name += " with its spread"
        parts.append((name, low, high))
    network = scenario.network
    contact = 1.0 / network.contact_resistance
    parts.append(("network.contact_resistance", contact, contact))
    for k, electrode in enumerate(scenario.electrodes):
        series = electrode.source.series_resistance
        if series:
            parts.append((f"electrodes[{k}].source.series_resistance", 1.0 / series, 1.0 / series))
    length = _mean_length(network)
    if network.mode == "mnr" and length is not None:
        wire = wire_conductance(network.diameter, network.wire_resistivity, length)
        parts.append(("network.wire_resistivity (wire segments)", wire,
                      wire / _SEGMENT_FRACTION))
    limits.check_conductance_span(parts)


def _check_source(spec: SourceSpec, path: str, base_dir: Path | None) -> None:
    waveform = spec.waveform
    kind, series = check_source(path, spec.kind, spec.series_resistance, waveform is not None)
    if series:
        limits.check_resistance(f"{path}.series_resistance", series)
    if waveform is not None:
        waveform = _check_waveform(f"{path}.waveform", waveform, base_dir,
                                   kind if kind in limits.LEVELS else None)
    _set(spec, "waveform", waveform)
    _set(spec, "series_resistance", series)


def _check_waveform(path: str, waveform: Any, base_dir: Path | None,
                    source_kind: str | None = None) -> dict:
    from nwn.engine.stimuli import make_stimulus

    if not isinstance(waveform, Mapping):
        raise InputError(f"{path} must be a table with a 'kind' (got {waveform!r})")
    waveform = _plain(waveform)
    stimulus = make_stimulus(waveform, base_dir=base_dir, path=path)
    if source_kind is not None:
        _check_levels(path, stimulus, source_kind)
    return waveform


#: The fields of each waveform kind that are levels (V or A), not times.
_LEVEL_FIELDS = {"dc": ("value",), "pulse": ("amplitude", "base"),
                 "square": ("amplitude", "offset"), "triangle": ("amplitude", "offset"),
                 "sine": ("amplitude", "offset"),
                 "ramp": ("start", "stop")}


def _check_levels(path: str, stimulus: Any, source_kind: str) -> None:
    """Every level of a waveform (its values, amplitudes, offsets, samples) in the range of
    :data:`nwn.engine.limits.LEVELS` for its source kind."""
    if stimulus.kind == "sequence":
        for k, segment in enumerate(stimulus.segments):
            _check_levels(f"{path}.segments[{k}]", segment, source_kind)
    elif stimulus.kind == "samples":
        where = f"{path}.file" if stimulus.file is not None else f"{path}.values"
        limits.check_levels(where, stimulus.values, source_kind)
    else:
        for key in _LEVEL_FIELDS[stimulus.kind]:
            limits.check_level(f"{path}.{key}", float(getattr(stimulus, key)), source_kind)


def _plain(value: Any) -> Any:
    """Deep-copy TOML data into plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _check_electrode_set(electrodes: tuple) -> tuple:
    names: set[str] = set()
    for i, spec in enumerate(electrodes):
        if not isinstance(spec, ElectrodeSpec):
            raise InputError(f"electrodes[{i}] must be an ElectrodeSpec (got {spec!r})")
        if spec.name in names:
            raise InputError(f"electrodes[{i}].name {spec.name!r} is used by another electrode "
                             f"(names must be unique)")
        names.add(spec.name)
    if not electrodes:
        raise InputError("electrodes: none given (add [[electrodes]] tables, each with a name, "
                         "a shape and a source; at least one driven or grounded)")
    if not any(e.source.kind != "floating" for e in electrodes):
        raise InputError("electrodes: at least one electrode must be driven or grounded "
                         "(all are floating)")
    check_overlaps(electrodes)
    return electrodes


def check_electrode(spec: ElectrodeSpec, *, where: str = "electrode",
                    base_dir: str | Path | None = None) -> ElectrodeSpec:
    """Validate one electrode again under the key path ``where`` (and ``base_dir``).

    A constructed :class:`ElectrodeSpec` is already valid; this re-checks it as a scenario
    file's ``electrodes[k]`` would be checked, with that key path in the message and relative
    waveform files resolved against ``base_dir`` (for editors such as the GUI's designer).

    Returns
    -------
    ElectrodeSpec
        The electrode with its shape and source normalized as :func:`parse_scenario` does.

    Raises
    ------
    InputError
        One line naming ``where`` plus the key path, the value and what is allowed.
    """
    source = SourceSpec(spec.source.kind, spec.source.waveform, spec.source.series_resistance,
                        where=f"{where}.source", base_dir=base_dir)
    return ElectrodeSpec(spec.name, spec.shape, source, where=where)


def _check_junction(spec: JunctionSpec, path: str) -> None:
    import numpy as np

    from nwn.engine.junctions import MODELS, make_model

    check_choice(f"{path}.model", spec.model, tuple(MODELS))
    for key in ("params", "spread", "initial"):
        value = getattr(spec, key)
        if not isinstance(value, Mapping):
            raise InputError(f"{path}.{key} must be a table (got {value!r})")
        _set(spec, key, _plain(value))
    for key, entry in spec.spread.items():
        if isinstance(entry, Mapping) and "relative_width" in entry:
            where = f"{path}.spread.{key}.relative_width"
            limits.check_relative_width(where, check_finite(where, entry["relative_width"]))
    n_max = spec.params.get("n_max")
    if n_max is not None and not isinstance(n_max, (str, bool)):
        number = check_finite(f"{path}.params.n_max", n_max)
        if number > limits.MAX_SITES:
            raise InputError(f"{path}.params.n_max must be at most {limits.MAX_SITES:.0e} sites "
                             f"(got {number:g})")
    # The model itself validates parameters, spread and initial state, on two agents.
    make_model(spec.model, 2, params=spec.params, spread=spec.spread, initial=spec.initial,
               rng=np.random.default_rng(0))


# --------------------------------------------------------------------------------------------
# Parsing (a TOML table's keys, then the spec checks its values)
# --------------------------------------------------------------------------------------------

_NETWORK_KEYS = ("box", "n_wires", "density", "length", "angle", "centre", "diameter", "mode",
                 "wire_resistivity", "contact_resistance", "wire_file")


def _given(data: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: data[key] for key in keys if key in data}


def _parse_network(data: Any) -> NetworkSpec:
    check_keys("network", data, _NETWORK_KEYS)
    return NetworkSpec(**_given(data, _NETWORK_KEYS), where="network")


def _parse_source(path: str, data: Any, base_dir: Path | None) -> SourceSpec:
    if isinstance(data, str):
        data = {"kind": data}
    check_keys(path, data, ("kind", "waveform", "series_resistance"), required=("kind",))
    return SourceSpec(**_given(data, ("kind", "waveform", "series_resistance")), where=path,
                      base_dir=base_dir)


def _parse_electrodes(data: Any, base_dir: Path | None) -> tuple[ElectrodeSpec, ...]:
    if not isinstance(data, list):
        raise InputError(f"electrodes must be an array of tables [[electrodes]] (got {data!r})")
    specs = []
    for i, item in enumerate(data):
        path = f"electrodes[{i}]"
        check_keys(path, item, ("name", "shape", "source"), required=("name", "shape"))
        source = _parse_source(f"{path}.source", item.get("source", "floating"), base_dir)
        specs.append(ElectrodeSpec(item["name"], item["shape"], source, where=path))
    return _check_electrode_set(tuple(specs))


def _parse_junction(data: Any) -> JunctionSpec:
    check_keys("junction", data, ("model", "params", "spread", "initial"))
    return JunctionSpec(**_given(data, ("model", "params", "spread", "initial")),
                        where="junction")


def _parse_run(data: Any) -> RunSpec:
    keys = ("dt", "duration") + _EVERY + ("solver_tolerance",)
    check_keys("run", data, keys)
    return RunSpec(**_given(data, keys), where="run")


def parse_scenario(data: Mapping[str, Any] | str, *, base_dir: str | Path | None = None
                   ) -> Scenario:
    """Validate a scenario given as a mapping or as TOML text.

    Parameters
    ----------
    data : mapping or str
        The parsed TOML document, or its text.
    base_dir : path, optional
        Folder for relative paths in the scenario.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        One line naming the key path, the value and what is allowed.
    """
    base = Path(base_dir) if base_dir is not None else None
    if isinstance(data, str):
        try:
            data = tomllib.loads(data)
        except tomllib.TOMLDecodeError as error:
            raise InputError(f"scenario is not valid TOML: {error}") from None
    check_keys("scenario", data,
               ("seed", "name", "description", "network", "electrodes", "junction", "run",
                "reservoir"),
               required=("network", "electrodes"))
    seed = limits.check_seed("seed", data.get("seed", 0))
    for key in ("name", "description"):
        if not isinstance(data.get(key, ""), str):
            raise InputError(f"{key} must be text (got {data[key]!r})")
    electrodes = _parse_electrodes(data["electrodes"], base)
    network = _parse_network(data["network"])
    junction = _parse_junction(data.get("junction", {}))
    run = _parse_run(data.get("run", {}))
    reservoir = None
    if "reservoir" in data:
        from nwn.engine.reservoir.protocol import parse_reservoir

        reservoir = parse_reservoir(data["reservoir"], electrodes, run.dt)
    return Scenario(
        seed=seed,
        network=network,
        electrodes=electrodes,
        junction=junction,
        run=run,
        name=data.get("name", ""),
        description=data.get("description", ""),
        reservoir=reservoir,
        base_dir=base,
    )


def read_scenario_text(path: str | Path) -> str:
    """The text of a scenario file: UTF-8, a byte-order mark (as some Windows editors write)
    dropped. InputError, one line naming the file, when it is missing, a folder or not text."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"scenario file {str(path)!r} is a folder, not a file")
    if not path.is_file():
        raise InputError(f"scenario file {str(path)!r} does not exist")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"scenario file {str(path)!r} is not UTF-8 text (byte {error.start}: "
                         f"is it a binary file?)") from None
    except OSError as error:
        raise InputError(f"scenario file {str(path)!r} cannot be read: "
                         f"{error.strerror or error}") from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Raises
    ------
    InputError
        If the file is missing, not TOML, or holds a bad value (one line, with the key path).
    """
    path = Path(path)
    text = read_scenario_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"scenario file {str(path)!r} is not valid TOML: {error}") from None
    return parse_scenario(data, base_dir=path.parent)


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def toml_value(value: Any) -> str:
    """A number, text, bool, list or mapping as inline TOML that reads back to an equal value.

    numpy scalars and arrays are accepted (the GUI's values often are). Non-finite numbers
    are refused: a scenario never holds them.
    """
    import numpy as np

    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if math.isnan(value) or math.isinf(value):
            raise InputError(f"cannot write non-finite number {value!r} to a scenario")
        return shortest_float(float(value))
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{toml_key(str(k))} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise InputError(f"cannot write {value!r} to a scenario")


#: Values within this many units in the last place of a short decimal are written as that
#: decimal: unit conversions (150 µm typed, times 1e-6) leave such noise, never information.
_NOISE_ULPS = 2
#: A decimal this short (significant digits) is what a person typed; a value near a longer
#: one is a measured or drawn value (a mouse position) and keeps all its digits.
_TYPED_DIGITS = 12


def shortest_float(value: float) -> str:
    """The shortest decimal text for ``value``, without float noise.

    ``repr`` is the shortest text that reads back exactly, but arithmetic leaves noise in the
    last bits (``150 * 1e-6`` can be ``0.00015000000000000001``). A value within
    :data:`_NOISE_ULPS` units in the last place of a decimal of at most
    :data:`_TYPED_DIGITS` significant digits is written as that decimal (``0.00015``); any
    other value as ``repr`` (which reads back exactly). Either way the text reads back to the
    value within 2 ulp (a relative 5e-16), far below any physical meaning.
    """
    value = float(value)
    text = repr(value)
    tolerance = _NOISE_ULPS * math.ulp(value)
    for digits in range(1, _TYPED_DIGITS + 1):
        short = float(f"{value:.{digits}g}")
        if abs(short - value) <= tolerance:
            candidate = repr(short)
            return candidate if len(candidate) < len(text) else text
    return text


def toml_key(key: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    return key if key and key.replace("_", "").replace("-", "").isalnum() else toml_value(key)


def scenario_to_toml(scenario: Scenario) -> str:
    """Write a scenario as TOML text that :func:`parse_scenario` reads back identically."""
    lines = []
    if scenario.name:
        lines.append(f"name = {toml_value(scenario.name)}")
    if scenario.description:
        lines.append(f"description = {toml_value(scenario.description)}")
    lines.append(f"seed = {scenario.seed}")
    net = scenario.network
    lines += ["", "[network]", f"box = {toml_value(list(net.box))}"]
    if net.wire_file is not None:
        lines.append(f"wire_file = {toml_value(net.wire_file)}")
    if net.n_wires is not None:
        lines.append(f"n_wires = {net.n_wires}")
    if net.density is not None:
        lines.append(f"density = {toml_value(net.density)}")
    lines.append(f"length = {toml_value(net.length)}")
    if net.angle is not None:
        lines.append(f"angle = {toml_value(net.angle)}")
    if net.centre is not None:
        lines.append(f"centre = {toml_value(net.centre)}")
    lines += [
        f"diameter = {toml_value(net.diameter)}",
        f"mode = {toml_value(net.mode)}",
        f"wire_resistivity = {toml_value(net.wire_resistivity)}",
        f"contact_resistance = {toml_value(net.contact_resistance)}",
    ]
    for electrode in scenario.electrodes:
        source: dict[str, Any] = {"kind": electrode.source.kind}
        if electrode.source.series_resistance:
            source["series_resistance"] = electrode.source.series_resistance
        if electrode.source.waveform is not None:
            source["waveform"] = electrode.source.waveform
        lines += [
            "",
            "[[electrodes]]",
            f"name = {toml_value(electrode.name)}",
            f"shape = {toml_value(electrode.shape)}",
            f"source = {toml_value(source)}",
        ]
    junction = scenario.junction
    lines += ["", "[junction]", f"model = {toml_value(junction.model)}"]
    for key in ("params", "spread", "initial"):
        value = getattr(junction, key)
        if value:
            lines.append(f"{key} = {toml_value(value)}")
    run = scenario.run
    lines += [
        "",
        "[run]",
        f"dt = {toml_value(run.dt)}",
        f"duration = {toml_value(run.duration)}",
        f"record_every = {run.record_every}",
        f"snapshot_every = {run.snapshot_every}",
        f"junction_every = {run.junction_every}",
    ]
    if run.solver_tolerance != DEFAULT_TOLERANCE:
        lines.append(f"solver_tolerance = {toml_value(run.solver_tolerance)}")
    if scenario.reservoir is not None:
        lines += ["", "[reservoir]"] + scenario.reservoir.toml_lines()
    return "\n".join(lines) + "\n"
