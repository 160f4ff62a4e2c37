"""Run the reservoir experiment of a scenario: drive the task's input, read the features, score.

The input electrodes get a sample-and-hold ``samples`` waveform (``interpolation =
"previous"``) in place of the scenario's, so the ordinary stimulus machinery drives them; a
:class:`FeatureRecorder` reads the features at the last step of each hold (of each
virtual-node sub-interval), so nothing but a comparison runs on the other steps. See
:mod:`.protocol` for the settings.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nwn.engine.reservoir.protocol import ReservoirSpec
from nwn.engine.reservoir.tasks import TaskResult, make_input, score_task
from nwn.geometry.checks import InputError, check_int

__all__ = ["FeatureRecorder", "ReservoirRun", "check_features", "check_task", "driven_scenario",
           "feature_layout", "input_rng", "protocol_details", "read_features",
           "read_reservoir_results", "read_steps_of", "run_reservoir", "simulate_open_loop",
           "write_reservoir_results"]

SIMULATION_ONLY = "simulation-only"


@dataclass(frozen=True, eq=False)
class ReservoirRun:
    """What a reservoir run measured and how it scored.

    Attributes
    ----------
    result : TaskResult
    u : ndarray, shape (T,)
        The scored input samples (after the wash-out), in task units.
    context : dict
        What the task's score needs besides (e.g. waveform labels).
    features : ndarray, shape (F, T)
    feature_names : tuple of str
        ``"V(pad3)"``, ``"I(pad9)"``, ``"G(junction 12) simulation-only"``, ... with ``@k``
        appended for virtual node k when there are several.
    sample_times : ndarray, shape (T,)
        Time of the (last) read of each sample (s).
    electrode_names : tuple of str
    electrode_voltage, electrode_current : ndarray, shape (K, T)
        Every electrode's potential (V) and current (A) at the last read of each sample; the
        current is NaN on floating electrodes (not measured, as in the INRiM format).
    """

    result: TaskResult
    u: np.ndarray
    context: dict
    features: np.ndarray
    feature_names: tuple[str, ...]
    sample_times: np.ndarray
    electrode_names: tuple[str, ...]
    electrode_voltage: np.ndarray
    electrode_current: np.ndarray


def driven_scenario(scenario: Any, spec: ReservoirSpec, u: np.ndarray) -> Any:
    """The scenario with each input electrode driven by the sample-and-hold input ``u`` (T,).

    Each input's waveform becomes a ``samples`` waveform with ``interpolation = "previous"``
    holding ``offset + amplitude * u[i]`` from ``i * hold``. The sample times are placed half a
    step early so that rounding of ``k * dt`` never moves a step to the neighbouring sample.
    """
    from nwn.engine.scenario import ElectrodeSpec, SourceSpec

    dt = scenario.run.dt
    times = (np.arange(u.size) * spec.hold - 0.5 * dt).tolist()
    settings = {name: (offset, amplitude) for name, offset, amplitude
                in zip(spec.inputs, spec.offset, spec.amplitude, strict=True)}
    electrodes = []
    for i, electrode in enumerate(scenario.electrodes):
        if electrode.name in settings:
            offset, amplitude = settings[electrode.name]
            values = (offset + amplitude * np.asarray(u, dtype=np.float64)).tolist()
            waveform = {"kind": "samples", "times": times, "values": values,
                        "interpolation": "previous"}
            source = SourceSpec(electrode.source.kind, waveform,
                                electrode.source.series_resistance,
                                where=f"electrodes[{i}].source")
            electrode = ElectrodeSpec(electrode.name, electrode.shape, source,
                                      where=f"electrodes[{i}]")
        electrodes.append(electrode)
    return dataclasses.replace(scenario, electrodes=tuple(electrodes))


def feature_layout(spec: ReservoirSpec, electrodes: Sequence[Any], network: Any
                   ) -> dict[str, Any]:
    """Indices of every feature in the solution, and the features' names.

    Returns
    -------
    dict
        ``voltage`` (terminal indices), ``current`` (terminal indices), ``junctions``,
        ``nodes`` (index arrays) and ``names`` (one per feature and virtual node).
    """
    names = list(network.electrode_names)
    if spec.read_voltage is None:
        read_voltage = [e.name for e in electrodes if e.source.kind == "floating"]
    else:
        read_voltage = list(spec.read_voltage)
    for index, limit, what in ((spec.junctions, network.n_junctions, "junctions"),
                               (spec.nodes, network.n_nodes, "nodes")):
        for value in index:
            if value >= limit:
                raise InputError(f"reservoir.{what}: index {value} does not exist (the network "
                                 f"has {limit} {what}: 0 .. {limit - 1})")
    base = ([f"V({n})" for n in read_voltage] + [f"I({n})" for n in spec.read_current]
            + [f"G(junction {j}) {SIMULATION_ONLY}" for j in spec.junctions]
            + [f"V(node {n}) {SIMULATION_ONLY}" for n in spec.nodes])
    k = spec.virtual_nodes
    feature_names = base if k == 1 else [f"{name}@{v}" for v in range(k) for name in base]
    return {"voltage": np.array([names.index(n) for n in read_voltage], dtype=np.int64),
            "current": np.array([names.index(n) for n in spec.read_current], dtype=np.int64),
            "junctions": np.array(spec.junctions, dtype=np.int64),
            "nodes": np.array(spec.nodes, dtype=np.int64),
            "names": tuple(feature_names), "base": len(base)}


def read_features(layout: Mapping[str, Any], simulation: Any, solution: Any,
                  out: np.ndarray) -> np.ndarray:
    """Write the features of ``solution`` (one read, one virtual node) into ``out``, shape
    (layout["base"],), in :func:`feature_layout`'s order."""
    a = layout["voltage"].size
    b = a + layout["current"].size
    c = b + layout["junctions"].size
    out[:a] = solution.terminal_voltage[layout["voltage"]]
    out[a:b] = solution.terminal_current[layout["current"]]
    out[b:c] = simulation.junction_conductance[layout["junctions"]]
    out[c:] = solution.node_voltage[layout["nodes"]]
    return out


def read_steps_of(spec: ReservoirSpec, dt: float, first_sample: int, n_samples: int
                  ) -> np.ndarray:
    """Step indices of the reads of samples ``first_sample ..`` (k per sample), shape (n * k,).

    Sample i is applied from step ``i * P`` (P steps per hold) and read at the last step of
    each of its k sub-intervals, ``i * P + (v + 1) * P / k - 1``.
    """
    per_sample = spec.steps_per_sample(dt)
    sub = per_sample // spec.virtual_nodes
    samples = first_sample + np.arange(n_samples)
    return (samples[:, None] * per_sample
            + (np.arange(spec.virtual_nodes)[None, :] + 1) * sub - 1).ravel()


def check_features(features: np.ndarray, names: Sequence[str]) -> None:
    """Refuse features that are undefined (NaN) on some read, naming the first."""
    bad = ~np.all(np.isfinite(features), axis=1)
    if bad.any():
        name = names[int(np.flatnonzero(bad)[0])]
        raise InputError(f"feature {name} is undefined (NaN): that electrode or node is in a "
                         f"cluster no driven electrode reaches")


class FeatureRecorder:
    """Reads the features at scheduled steps (a recorder for :class:`Simulation`).

    Parameters
    ----------
    layout : dict
        From :func:`feature_layout`.
    read_steps : ndarray of int, shape (S * k,)
        Step indices of the reads, increasing: k per sample.
    virtual_nodes : int
    n_electrodes : int
    """

    def __init__(self, layout: Mapping[str, Any], read_steps: np.ndarray, virtual_nodes: int,
                 n_electrodes: int) -> None:
        self.layout = layout
        self.read_steps = np.asarray(read_steps, dtype=np.int64)
        self.k = int(virtual_nodes)
        n_samples = self.read_steps.size // self.k
        self.features = np.full((n_samples, self.k, layout["base"]), np.nan)
        self.voltage = np.full((n_samples, n_electrodes), np.nan)
        self.current = np.full((n_samples, n_electrodes), np.nan)
        self.times = np.full(n_samples, np.nan)
        self._next = 0

    def start(self, simulation: Any) -> None:
        pass

    def record(self, simulation: Any, step: int, t: float, solution: Any,
               junction_voltage: np.ndarray) -> None:
        if self._next >= self.read_steps.size or step != self.read_steps[self._next]:
            return
        sample, virtual = divmod(self._next, self.k)
        read_features(self.layout, simulation, solution, self.features[sample, virtual])
        if virtual == self.k - 1:
            self.voltage[sample] = solution.terminal_voltage
            self.current[sample] = solution.terminal_current
            self.times[sample] = t
        self._next += 1

    def finish(self, simulation: Any) -> None:
        pass

    @property
    def samples_read(self) -> int:
        """Samples whose every read is done."""
        return self._next // self.k

    def feature_matrix(self, n: int | None = None) -> np.ndarray:
        """Features, shape (k * F, S) (or of the first ``n`` samples): virtual node major, as
        :func:`feature_layout` names them."""
        features = self.features if n is None else self.features[:n]
        return features.reshape(features.shape[0], -1).T.copy()


def run_reservoir(scenario: Any, *, task: str | None = None, samples: int | None = None,
                  seed: int | None = None, settings: Mapping[str, Any] | None = None,
                  progress: Callable[[float, float], None] | None = None,
                  built: Any = None, live: Callable[[TaskResult, int], None] | None = None,
                  live_interval: float = 1.0) -> ReservoirRun:
    """Simulate the scenario's reservoir protocol on a task and score it.

    Parameters
    ----------
    scenario : Scenario
        With a ``[reservoir]`` table.
    task : str, optional
        Overrides ``reservoir.task``.
    samples : int, optional
        Overrides ``reservoir.samples``.
    seed : int, optional
        Overrides the scenario's seed (network, junctions and the task's input).
    settings : mapping, optional
        Task settings (alpha, max_delay, ...; see :func:`.tasks.score_task`).
    progress : callable, optional
        ``progress(fraction, t)`` as :meth:`Simulation.run`.
    built : BuiltNetwork, optional
        A network already built from this scenario.
    live : callable, optional
        ``live(result, n)``: the task scored on the first ``n`` samples read so far, called
        from the simulating thread at most every ``live_interval`` s of wall time once the
        task accepts that many samples (open-loop tasks; an online task is scored at the end
        only). The final result is the return value, not a ``live`` call.
    live_interval : float
        Wall-clock seconds between live scores.

    Returns
    -------
    ReservoirRun
    """
    from nwn.engine.reservoir.tasks import get_task

    spec: ReservoirSpec | None = scenario.reservoir
    if spec is None:
        raise InputError("the scenario has no [reservoir] table (see `nwn presets --show "
                         "rc_memory_capacity` for one)")
    if task is not None or samples is not None:
        spec = dataclasses.replace(
            spec, task=spec.task if task is None else task,
            samples=spec.samples if samples is None else check_int("samples", samples,
                                                                    minimum=2))
    seed = scenario.seed if seed is None else int(seed)
    if get_task(spec.task).online:
        from nwn.engine.reservoir.online import run_online

        return run_online(scenario, spec, seed=seed, settings=settings, progress=progress,
                          built=built)
    u_all, u, context = _task_input(spec, seed)
    _check_scoring(spec, u, context, settings)  # before the simulation, not after it
    watch = None if live is None else _LiveScore(live, spec.task, u, context, settings or {},
                                                 live_interval)
    simulation, recorder, layout = simulate_open_loop(scenario, spec, u_all, seed=seed,
                                                      progress=progress, built=built,
                                                      watch=watch)
    features = recorder.feature_matrix()
    result = score_task(spec.task, u, features, context, **dict(settings or {}))
    result.details.update(protocol_details(spec, len(layout["names"]), seed))
    current = recorder.current.T.copy()
    for k, name in enumerate(simulation.network.electrode_names):
        if simulation.drives[name].kind == "floating":
            current[k] = np.nan
    return ReservoirRun(result=result, u=u, context=context, features=features,
                        feature_names=layout["names"], sample_times=recorder.times.copy(),
                        electrode_names=tuple(simulation.network.electrode_names),
                        electrode_voltage=recorder.voltage.T.copy(), electrode_current=current)


def _task_input(spec: ReservoirSpec, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """The task's whole input (washout included), the scored part, and its context."""
    u_all, context = make_input(spec.task, spec.washout + spec.samples, input_rng(seed))
    u = u_all[spec.washout:]
    context = {k: (v[spec.washout:] if isinstance(v, np.ndarray) and v.shape == u_all.shape
                   else v) for k, v in context.items()}
    return u_all, u, context


#: Stand-in features :func:`check_task` scores the task on (independent Gaussian rows).
STAND_IN_FEATURES = 4


def _check_scoring(spec: ReservoirSpec, u: np.ndarray, context: Mapping[str, Any],
                   settings: Mapping[str, Any] | None) -> None:
    features = np.random.default_rng(0).standard_normal((STAND_IN_FEATURES, u.size))
    score_task(spec.task, u, features, context, **dict(settings or {}))


def check_task(spec: ReservoirSpec, settings: Mapping[str, Any] | None = None) -> None:
    """Refuse, before any simulation, what the task's scoring would refuse after it.

    An open-loop task is scored on its own input with stand-in features (random, of the
    sample count the protocol reads): every check the scoring makes on the sample count
    (memory capacity drops ``max_delay`` samples, then needs a training and a test part) and
    on the settings (alpha, train_fraction, target ...) runs in milliseconds instead of after
    the run. An online task's settings are checked as :func:`run_reservoir` checks them.

    Raises
    ------
    InputError
        The scoring's own one line.
    """
    from nwn.engine.reservoir.tasks import get_task

    if get_task(spec.task).online:
        from nwn.engine.reservoir.online import check_online_settings

        check_online_settings(spec, settings or {})
        return
    _, u, context = _task_input(spec, 0)
    _check_scoring(spec, u, context, settings)


class _LiveScore:
    """Scores the samples read so far, at most every ``interval`` s (``run_reservoir(live=)``)."""

    def __init__(self, live: Callable[[TaskResult, int], None], task: str, u: np.ndarray,
                 context: Mapping[str, Any], settings: Mapping[str, Any],
                 interval: float) -> None:
        import time

        self.live, self.task, self.u, self.context = live, task, u, context
        self.settings, self.interval, self.clock = dict(settings), interval, time.monotonic
        self.last = -np.inf
        self.scored = 0

    def __call__(self, recorder: FeatureRecorder) -> None:
        n = recorder.samples_read
        if n <= self.scored or self.clock() - self.last < self.interval or n == self.u.size:
            return  # nothing new, too soon, or complete (the final score is the result)
        self.last = self.clock()
        context = {k: (v[:n] if isinstance(v, np.ndarray) and v.shape == self.u.shape else v)
                   for k, v in self.context.items()}
        try:
            result = score_task(self.task, self.u[:n], recorder.feature_matrix(n), context,
                                **self.settings)
        except InputError:  # too few samples read yet for a training and a test part
            return
        self.scored = n
        self.live(result, n)


def input_rng(seed: int) -> np.random.Generator:
    """The task input's random stream of a run with this seed (apart from the geometry and
    junction streams)."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(3)[2])


def protocol_details(spec: ReservoirSpec, n_features: int, seed: int) -> dict[str, Any]:
    """The protocol's settings a result reports beside its score."""
    return {"samples": spec.samples, "washout": spec.washout, "hold": spec.hold,
            "virtual_nodes": spec.virtual_nodes, "features": n_features, "seed": seed}


def simulate_open_loop(scenario: Any, spec: ReservoirSpec, u_all: np.ndarray, *, seed: int,
                       progress: Callable[[float, float], None] | None = None,
                       built: Any = None,
                       watch: Callable[[FeatureRecorder], None] | None = None
                       ) -> tuple[Any, FeatureRecorder, dict[str, Any]]:
    """Drive the inputs with the whole input ``u_all`` (wash-out included, (W + S,)) known in
    advance, and read the features of the samples after the wash-out.

    ``watch(recorder)``, if given, is called with every progress report (every 0.1 s of wall
    time), from the simulating thread.

    Returns
    -------
    simulation, recorder, layout
        The simulation after the last read, the :class:`FeatureRecorder` holding the reads
        and the :func:`feature_layout`.
    """
    from nwn.engine.build import build_simulation

    dt = scenario.run.dt
    simulation = build_simulation(driven_scenario(scenario, spec, u_all), seed=seed,
                                  built=built)
    layout = feature_layout(spec, scenario.electrodes, simulation.network)
    read_steps = read_steps_of(spec, dt, spec.washout, u_all.size - spec.washout)
    recorder = FeatureRecorder(layout, read_steps, spec.virtual_nodes,
                               len(simulation.network.electrode_names))
    simulation.recorders.append(recorder)
    if watch is not None:
        def report(fraction: float, t: float) -> None:
            if progress is not None:
                progress(fraction, t)
            watch(recorder)
    else:
        report = progress
    last = int(read_steps[-1])
    if last > 0:
        simulation.run(last * dt, progress=report)
    else:
        simulation.run(dt)  # one step records step 0 on the way (a one-sample, one-step run)
    if recorder._next < read_steps.size:
        raise InputError(f"the run stopped after {recorder._next // spec.virtual_nodes} of "
                         f"{read_steps.size // spec.virtual_nodes} samples")
    check_features(recorder.feature_matrix(), layout["names"])
    return simulation, recorder, layout


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def write_reservoir_results(path: str | Path, run: ReservoirRun, *, scenario_text: str = ""
                            ) -> Path:
    """Write a reservoir run to HDF5 (written to a temporary file, then renamed).

    Layout (SI units)::

        /reservoir/input              (T,)     task units   scored input samples
        /reservoir/features           (F, T)   V, A, S      features (names in attrs)
        /reservoir/sample_times       (T,)     s            time of each sample's read
        /reservoir/electrode_voltage  (K, T)   V
        /reservoir/electrode_current  (K, T)   A            NaN on floating electrodes
        /reservoir/context/<name>     any              arrays the task's score used besides
                                                       (labels; a forecast and its truth;
                                                       the states of several streams)
        attrs: task, score, metric, result (JSON), feature_names, electrode_names, scenario
    """
    import h5py

    from nwn.engine.output_files import atomic_path

    path = Path(path)
    with atomic_path(path) as temporary:
        with h5py.File(temporary, "w") as file:
            group = file.create_group("reservoir")
            for name, data, units in (("input", run.u, "1"), ("features", run.features, "mixed"),
                                      ("sample_times", run.sample_times, "s"),
                                      ("electrode_voltage", run.electrode_voltage, "V"),
                                      ("electrode_current", run.electrode_current, "A")):
                group.create_dataset(name, data=data).attrs["units"] = units
            arrays = {k: v for k, v in run.context.items() if isinstance(v, np.ndarray)}
            if arrays:
                extra = group.create_group("context")
                for name, data in arrays.items():
                    extra.create_dataset(name, data=data)
            group.attrs["task"] = run.result.task
            group.attrs["score"] = run.result.score
            group.attrs["metric"] = run.result.metric
            group.attrs["result"] = json.dumps(run.result.to_dict(), default=float)
            group.attrs["feature_names"] = json.dumps(list(run.feature_names))
            group.attrs["electrode_names"] = json.dumps(list(run.electrode_names))
            file.attrs["scenario"] = scenario_text
    return path


def read_reservoir_results(path: str | Path) -> dict[str, Any]:
    """Read a file of :func:`write_reservoir_results` back as plain arrays and the result."""
    import h5py

    with h5py.File(path, "r") as file:
        group = file["reservoir"]
        out = {name: group[name][()] for name in group if name != "context"}
        if "context" in group:
            out["context"] = {name: data[()] for name, data in group["context"].items()}
        out["result"] = json.loads(group.attrs["result"])
        out["feature_names"] = json.loads(group.attrs["feature_names"])
        out["electrode_names"] = json.loads(group.attrs["electrode_names"])
        out["scenario"] = file.attrs.get("scenario", "")
    return out
