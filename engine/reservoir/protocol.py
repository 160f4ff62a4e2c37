"""The reservoir experiment of a scenario: the ``[reservoir]`` table.

How the task's input drives the network and what is read from it as features::

    [reservoir]
    task = "memory-capacity"     # the default task of `nwn reservoir run`
    inputs = ["pad6"]            # input electrodes: voltage (or current) sources
    offset = 2.2                 # V (A for a current source): source = offset + amplitude * u
    amplitude = 0.6              # V (A) per unit of u; either may be a list, one per input
    hold = 0.2                   # s each input sample is held (sample and hold)
    samples = 3000               # scored input samples
    washout = 100                # samples driven first and not scored
    virtual_nodes = 1            # k reads per hold, evenly spaced, each a feature (k F in all)
    read_voltage = "floating"    # every floating electrode, or a list of floating electrodes
    read_current = []            # driven or grounded electrodes whose current is a feature
    junctions = []               # SIMULATION ONLY: junction indices whose conductance is read
    nodes = []                   # SIMULATION ONLY: circuit-node indices whose voltage is read

Task inputs u lie in [0, 1] (or [-1, 1] for waveforms, see :func:`.tasks.make_input`); the
source of each input electrode is ``offset + amplitude * u`` held for ``hold`` seconds per
sample, replacing the waveform the scenario gives it (which ``nwn run`` still uses). Features
are read at the last time step of each hold (of each of the k sub-intervals with virtual
nodes), while the sample is applied: ``hold / virtual_nodes`` must be a whole number of
``run.dt``. ``run.duration`` is not used: a reservoir run lasts
``(washout + samples) * hold``.

Junction conductances and node voltages cannot be measured on a real device: features that
use them say so (``simulation-only`` in their names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nwn.geometry.checks import InputError, check_finite, check_int, check_keys, check_positive

__all__ = ["RESERVOIR_KEYS", "ReservoirSpec", "parse_reservoir"]

RESERVOIR_KEYS = ("task", "inputs", "offset", "amplitude", "hold", "samples", "washout",
                  "virtual_nodes", "read_voltage", "read_current", "junctions", "nodes")
FLOATING = "floating"
_PATH = "reservoir"


@dataclass(frozen=True)
class ReservoirSpec:
    """A validated ``[reservoir]`` table (module docstring).

    Attributes
    ----------
    task : str
    inputs : tuple of str
    offset, amplitude : tuple of float
        One per input (V for voltage sources, A for current sources).
    hold : float
        Seconds per input sample.
    samples, washout, virtual_nodes : int
    read_voltage : tuple of str or None
        Floating electrodes whose voltage is a feature; None: every floating electrode.
    read_current : tuple of str
    junctions, nodes : tuple of int
        Simulation-only features.
    """

    inputs: tuple[str, ...]
    offset: tuple[float, ...]
    amplitude: tuple[float, ...]
    hold: float
    task: str = "memory-capacity"
    samples: int = 3000
    washout: int = 100
    virtual_nodes: int = 1
    read_voltage: tuple[str, ...] | None = None
    read_current: tuple[str, ...] = ()
    junctions: tuple[int, ...] = ()
    nodes: tuple[int, ...] = ()

    def steps_per_sample(self, dt: float) -> int:
        """Time steps per hold (a multiple of ``virtual_nodes``)."""
        return int(round(self.hold / dt))

    def toml_lines(self) -> list[str]:
        """The table's body as TOML lines (read back identically by :func:`parse_reservoir`)."""
        from nwn.engine.scenario import toml_value

        def one_or_list(values: tuple[float, ...]) -> Any:
            return values[0] if len(set(values)) == 1 else list(values)

        lines = [f"task = {toml_value(self.task)}",
                 f"inputs = {toml_value(list(self.inputs))}",
                 f"offset = {toml_value(one_or_list(self.offset))}",
                 f"amplitude = {toml_value(one_or_list(self.amplitude))}",
                 f"hold = {toml_value(self.hold)}",
                 f"samples = {self.samples}",
                 f"washout = {self.washout}",
                 f"virtual_nodes = {self.virtual_nodes}",
                 "read_voltage = " + (toml_value(FLOATING) if self.read_voltage is None
                                      else toml_value(list(self.read_voltage))),
                 f"read_current = {toml_value(list(self.read_current))}"]
        if self.junctions:
            lines.append(f"junctions = {toml_value(list(self.junctions))}")
        if self.nodes:
            lines.append(f"nodes = {toml_value(list(self.nodes))}")
        return lines


def _names(path: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{path} must be a list of electrode names (got {value!r})")
    if len(set(value)) != len(value):
        raise InputError(f"{path} names an electrode twice (got {list(value)!r})")
    return tuple(value)


def _per_input(path: str, value: Any, n: int) -> tuple[float, ...]:
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise InputError(f"{path} must be one number or one per input ({n}) "
                             f"(got {len(value)})")
        return tuple(check_finite(f"{path}[{i}]", v) for i, v in enumerate(value))
    return (check_finite(path, value),) * n


def _indices(path: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)):
        raise InputError(f"{path} must be a list of indices (got {value!r})")
    out = tuple(check_int(f"{path}[{i}]", v, minimum=0) for i, v in enumerate(value))
    if len(set(out)) != len(out):
        raise InputError(f"{path} repeats an index (got {list(out)!r})")
    return out


def parse_reservoir(data: Any, electrodes: Sequence[Any], dt: float) -> ReservoirSpec:
    """Validate a ``[reservoir]`` table against the scenario's electrodes and time step.

    Parameters
    ----------
    data : mapping
        The table.
    electrodes : sequence of ElectrodeSpec
        The scenario's electrodes (name and source kind are used).
    dt : float
        The scenario's time step (s).

    Raises
    ------
    InputError
        One line naming ``reservoir.<key>``, the value and what is allowed.
    """
    from nwn.engine.reservoir.tasks import get_task

    check_keys(_PATH, data, RESERVOIR_KEYS, required=("inputs", "offset", "amplitude", "hold"))
    kinds = {e.name: e.source.kind for e in electrodes}
    task = data.get("task", "memory-capacity")
    if not isinstance(task, str):
        raise InputError(f"{_PATH}.task must be a task name (got {task!r})")
    try:
        get_task(task)
    except InputError as error:
        raise InputError(f"{_PATH}.task: {error}") from None
    inputs = _names(f"{_PATH}.inputs", data["inputs"])
    if not inputs:
        raise InputError(f"{_PATH}.inputs must name at least one electrode")
    for name in inputs:
        _check_exists(f"{_PATH}.inputs", name, kinds)
        if kinds[name] == "ground":
            raise InputError(f"{_PATH}.inputs: electrode {name!r} is grounded; an input must "
                             f"be a voltage or current source")
        if kinds[name] == "floating":
            raise InputError(f"{_PATH}.inputs: electrode {name!r} is floating; an input must "
                             f"be a voltage or current source (give it source.kind "
                             f"\"voltage\")")
    offset = _per_input(f"{_PATH}.offset", data["offset"], len(inputs))
    amplitude = _per_input(f"{_PATH}.amplitude", data["amplitude"], len(inputs))
    hold = check_positive(f"{_PATH}.hold", data["hold"])
    samples = check_int(f"{_PATH}.samples", data.get("samples", 3000), minimum=2,
                        maximum=10**7)
    washout = check_int(f"{_PATH}.washout", data.get("washout", 100), minimum=0,
                        maximum=10**7)
    virtual = check_int(f"{_PATH}.virtual_nodes", data.get("virtual_nodes", 1), minimum=1,
                        maximum=1000)
    steps = hold / dt
    if abs(steps - round(steps)) > 1e-6 * max(1.0, steps) or round(steps) < 1:
        raise InputError(f"{_PATH}.hold must be a whole number of run.dt = {dt:g} s "
                         f"(got {hold:g} s = {steps:.6g} steps)")
    if round(steps) % virtual:
        raise InputError(f"{_PATH}.virtual_nodes must divide the {round(steps)} steps of a "
                         f"hold (got {virtual})")
    read_voltage = data.get("read_voltage", FLOATING)
    if read_voltage == FLOATING:
        read_voltage = None
    else:
        read_voltage = _names(f"{_PATH}.read_voltage", read_voltage)
        for name in read_voltage:
            _check_exists(f"{_PATH}.read_voltage", name, kinds)
            if kinds[name] != "floating":
                what = "grounded (0 V)" if kinds[name] == "ground" else \
                    f"a {kinds[name]} source (set by it)"
                raise InputError(f"{_PATH}.read_voltage: electrode {name!r} is {what}; read "
                                 f"the voltage of floating electrodes")
    read_current = _names(f"{_PATH}.read_current", data.get("read_current", []))
    for name in read_current:
        _check_exists(f"{_PATH}.read_current", name, kinds)
        if kinds[name] == "floating":
            raise InputError(f"{_PATH}.read_current: electrode {name!r} is floating and "
                             f"carries no current; read the current of driven or grounded "
                             f"electrodes")
    junctions = _indices(f"{_PATH}.junctions", data.get("junctions", []))
    nodes = _indices(f"{_PATH}.nodes", data.get("nodes", []))
    floating = [n for n, k in kinds.items() if k == "floating"]
    voltage_count = len(floating) if read_voltage is None else len(read_voltage)
    if not (voltage_count or read_current or junctions or nodes):
        raise InputError(f"{_PATH}: no features: the scenario has no floating electrode to "
                         f"read and read_current, junctions and nodes are empty")
    return ReservoirSpec(inputs=inputs, offset=offset, amplitude=amplitude, hold=hold,
                         task=task, samples=samples, washout=washout, virtual_nodes=virtual,
                         read_voltage=read_voltage, read_current=read_current,
                         junctions=junctions, nodes=nodes)


def _check_exists(path: str, name: str, kinds: Mapping[str, str]) -> None:
    if name not in kinds:
        raise InputError(f"{path}: electrode {name!r} does not exist (electrodes: "
                         f"{', '.join(kinds)})")
