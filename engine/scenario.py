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
        if "std" in length:
            check_nonnegative(f"{path}.length.std", length["std"])
    else:
        length = check_positive(f"{path}.length", length)
    angle = spec.angle
    if angle is not None:
        angle = _parse_distribution(f"{path}.angle", angle, ANGLE_DISTRIBUTIONS)
        if "kappa" in angle:
            check_nonnegative(f"{path}.angle.kappa", angle["kappa"])
    centre = spec.centre
    if centre is not None:
        centre = _parse_distribution(f"{path}.centre", centre, CENTRE_DISTRIBUTIONS)
        for key in ("scale", "beta"):
            if key in centre:
                check_positive(f"{path}.centre.{key}", centre[key])
    for key, value in (
        ("box", box), ("n_wires", n_wires), ("density", density), ("length", length),
        ("angle", angle), ("centre", centre),
        ("diameter", check_positive(f"{path}.diameter", spec.diameter)),
        ("mode", check_choice(f"{path}.mode", spec.mode, MODES)),
        ("wire_resistivity", check_positive(f"{path}.wire_resistivity", spec.wire_resistivity)),
        ("contact_resistance", check_positive(f"{path}.contact_resistance",
                                              spec.contact_resistance)),
    ):
        _set(spec, key, value)


def _check_source(spec: SourceSpec, path: str, base_dir: Path | None) -> None:
    waveform = spec.waveform
    series = check_source(path, spec.kind, spec.series_resistance, waveform is not None)[1]
    if waveform is not None:
        waveform = _check_waveform(f"{path}.waveform", waveform, base_dir)
    _set(spec, "waveform", waveform)
    _set(spec, "series_resistance", series)


def _check_waveform(path: str, waveform: Any, base_dir: Path | None) -> dict:
    from nwn.engine.stimuli import make_stimulus

    if not isinstance(waveform, Mapping):
        raise InputError(f"{path} must be a table with a 'kind' (got {waveform!r})")
    waveform = _plain(waveform)
    make_stimulus(waveform, base_dir=base_dir, path=path)
    return waveform


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
    if not any(e.source.kind != "floating" for e in electrodes):
        raise InputError("electrodes: at least one electrode must be driven or grounded "
                         "(all are floating)")
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


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Raises
    ------
    InputError
        If the file is missing, not TOML, or holds a bad value (one line, with the key path).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"scenario file {str(path)!r} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"scenario file {str(path)!r} cannot be read: {error}") from None
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
