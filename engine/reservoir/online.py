"""Reservoir experiments that drive a simulated network online, one input sample at a time.

Two tasks cannot be run with an input known in advance:

* ``mackey-glass-forecast``: the network is driven teacher forced by the Mackey-Glass series
  for the wash-out and the ``samples`` scored samples; the one-step readout x(t) -> u(t + 1)
  is trained on them (as ``mackey-glass`` trains it, :func:`.tasks.forecast_readout`); then for
  ``horizon`` samples each prediction is fed back as the next input sample
  (:func:`.tasks.closed_loop_forecast`), clipped to the task's input window [0, 1], the range
  the protocol's source ``offset + amplitude * u`` spans;
* ``generalization-rank``: after a wash-out of i.i.d. uniform input the network's state is
  stored (:meth:`~nwn.engine.simulation.Simulation.store`); ``streams`` input streams of
  ``stream_length`` samples each are then driven from that same state (restored before each),
  m independent uniform streams (kernel rank) and m copies of one stream with Gaussian noise of
  standard deviation ``noise`` added (generalization rank), and the features after each
  stream's last sample form the (F, m) state matrices.

:class:`NetworkDrive` drives the protocol's input electrodes with
:class:`~nwn.engine.online_input.OnlineInput` sources and reads the features at the same steps
as the open-loop experiment (:func:`.experiment.read_steps_of`), so a teacher-forced online run
is bit-identical to :func:`.experiment.simulate_open_loop` on the same input.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from nwn.engine.reservoir.experiment import (
    ReservoirRun,
    check_features,
    feature_layout,
    input_rng,
    protocol_details,
    read_features,
    read_steps_of,
)
from nwn.engine.reservoir.protocol import ReservoirSpec
from nwn.engine.reservoir.readout import DEFAULT_ALPHA, DEFAULT_TRAIN_FRACTION
from nwn.engine.reservoir.tasks import (
    DEFAULT_HORIZON,
    VALID_TIME_THRESHOLD,
    _check_length,
    check_horizon,
    check_streams,
    closed_loop_forecast,
    forecast_readout,
    make_input,
    score_task,
)
from nwn.geometry.checks import InputError, check_int, check_nonnegative

__all__ = ["INPUT_WINDOW", "NetworkDrive", "check_online_settings", "forecast_run",
           "run_forecast", "run_online", "run_streams", "stream_states"]

#: The range of the task input u that the protocol maps onto the source (offset + amplitude u).
INPUT_WINDOW = (0.0, 1.0)
DEFAULT_STREAMS = 32
DEFAULT_STREAM_LENGTH = 20
DEFAULT_NOISE = 0.05


class NetworkDrive:
    """A simulated network driven one input sample at a time: ``drive(u) -> features``.

    Parameters
    ----------
    scenario : Scenario
    spec : ReservoirSpec
        The protocol (inputs, offset, amplitude, hold, virtual nodes, features).
    seed : int
    built : BuiltNetwork, optional

    Notes
    -----
    The simulation is built at the first sample, whose value the inputs hold from t = 0.
    Each call applies ``offset + amplitude * u`` from the start of the next hold, advances
    the hold and returns its reads, shape (k F,) (virtual node major, as
    :func:`.experiment.feature_layout` names them). Every sample's read is kept
    (:attr:`features`, :attr:`inputs`, :attr:`electrode_voltage`, ...), and :meth:`store` /
    :meth:`restore` rewind the network and those records together.
    """

    def __init__(self, scenario: Any, spec: ReservoirSpec, *, seed: int,
                 built: Any = None) -> None:
        self.scenario = scenario
        self.spec = spec
        self.seed = seed
        self.built = built
        self.simulation: Any = None
        self.layout: dict[str, Any] | None = None
        self._sources: list[tuple[Any, float, float]] = []
        self._rows: list[np.ndarray] = []
        self._inputs: list[float] = []
        self._voltage: list[np.ndarray] = []
        self._current: list[np.ndarray] = []
        self._times: list[float] = []

    @property
    def samples_driven(self) -> int:
        """Samples applied so far."""
        return len(self._inputs)

    def _start(self, u: float) -> None:
        from nwn.engine.build import build_simulation
        from nwn.engine.online_input import OnlineInput
        from nwn.engine.sources import Source

        drives = {}
        by_name = {e.name: e for e in self.scenario.electrodes}
        for name, offset, amplitude in zip(self.spec.inputs, self.spec.offset,
                                           self.spec.amplitude, strict=True):
            source = by_name[name].source
            stimulus = OnlineInput(offset + amplitude * u)
            drives[name] = Source(source.kind, stimulus, source.series_resistance,
                                  where=f"reservoir.inputs[{name!r}]")
            self._sources.append((stimulus, offset, amplitude))
        self.simulation = build_simulation(self.scenario, seed=self.seed, built=self.built,
                                           drives=drives)
        self.layout = feature_layout(self.spec, self.scenario.electrodes,
                                     self.simulation.network)

    def __call__(self, u: float) -> np.ndarray:
        u = float(u)
        i = self.samples_driven
        if self.simulation is None:
            self._start(u)
        else:
            t_from = (i * self.spec.hold) - 0.5 * self.simulation.dt  # as driven_scenario
            for stimulus, offset, amplitude in self._sources:
                stimulus.feed(offset + amplitude * u, t_from)
        simulation, layout = self.simulation, self.layout
        k = self.spec.virtual_nodes
        row = np.empty((k, layout["base"]))
        for v, step in enumerate(read_steps_of(self.spec, simulation.dt, i, 1)):
            simulation.step(int(step) - simulation.step_index)
            read_features(layout, simulation, simulation.solution, row[v])
        row = row.ravel()
        check_features(row[:, None], layout["names"])
        solution = simulation.solution
        self._rows.append(row)
        self._inputs.append(u)
        self._voltage.append(np.array(solution.terminal_voltage, dtype=np.float64))
        self._current.append(np.array(solution.terminal_current, dtype=np.float64))
        self._times.append(simulation.t)
        return row.copy()

    def store(self) -> tuple[Any, int]:
        """The network's state and the number of samples driven (for :meth:`restore`)."""
        return self.simulation.store(), self.samples_driven

    def restore(self, state: tuple[Any, int]) -> None:
        """Return to a :meth:`store` point: later samples are forgotten."""
        simulation_state, n = state
        self.simulation.restore(simulation_state)
        for records in (self._rows, self._inputs, self._voltage, self._current, self._times):
            del records[n:]

    # records, one column per sample driven
    @property
    def features(self) -> np.ndarray:
        """Reads of every sample driven, shape (k F, n)."""
        return np.stack(self._rows, axis=1)

    @property
    def inputs(self) -> np.ndarray:
        """Task input u of every sample driven, shape (n,)."""
        return np.asarray(self._inputs)

    def electrode_records(self, first: int = 0) -> dict[str, np.ndarray]:
        """Every electrode's potential (V) and current (A, NaN on floating electrodes) at the
        last read of each sample from ``first``, shape (K, n), and the read times (n,) (s)."""
        current = np.stack(self._current[first:], axis=1)
        for k, name in enumerate(self.simulation.network.electrode_names):
            if self.simulation.drives[name].kind == "floating":
                current[k] = np.nan
        return {"voltage": np.stack(self._voltage[first:], axis=1), "current": current,
                "times": np.asarray(self._times[first:])}


class _Progress:
    """Reports ``progress(fraction, t)`` at most every ``interval`` s of wall time."""

    def __init__(self, progress: Callable[[float, float], None] | None, total: int,
                 interval: float = 0.1) -> None:
        self.progress, self.total, self.interval = progress, max(1, total), interval
        self.done = 0
        self._last = time.monotonic()

    def __call__(self, drive: NetworkDrive, n: int = 1) -> None:
        self.done += n
        if self.progress is not None and (time.monotonic() - self._last >= self.interval
                                          or self.done >= self.total):
            self._last = time.monotonic()
            self.progress(min(1.0, self.done / self.total), drive.simulation.t)


def _setting(settings: Mapping[str, Any], key: str, default: Any) -> Any:
    value = settings.get(key)
    return default if value is None else value


def check_online_settings(spec: ReservoirSpec, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an online task's settings before any simulation; return them with defaults.

    Raises
    ------
    InputError
        Too few samples for the forecast's training and test parts, a bad horizon, stream
        count, stream length or noise.
    """
    settings = dict(settings or {})
    out: dict[str, Any] = {"alpha": _setting(settings, "alpha", DEFAULT_ALPHA),
                           "train_fraction": _setting(settings, "train_fraction",
                                                      DEFAULT_TRAIN_FRACTION)}
    if isinstance(out["alpha"], str) and out["alpha"] != "cv":
        raise InputError(f"alpha must be a number >= 0 or 'cv' (got {out['alpha']!r})")
    if spec.task == "mackey-glass-forecast":
        _check_length(spec.task, spec.samples, 1, out["train_fraction"])
        out["horizon"] = check_horizon(_setting(settings, "horizon", DEFAULT_HORIZON))
        out["threshold"] = check_nonnegative(
            "threshold", _setting(settings, "threshold", VALID_TIME_THRESHOLD))
    elif spec.task == "generalization-rank":
        out["streams"] = check_streams(_setting(settings, "streams", DEFAULT_STREAMS))
        out["stream_length"] = check_int(
            "stream_length", _setting(settings, "stream_length", DEFAULT_STREAM_LENGTH),
            minimum=1, maximum=10**6)
        out["noise"] = check_nonnegative("noise", _setting(settings, "noise", DEFAULT_NOISE))
    else:
        raise InputError(f"task {spec.task!r} is not an online task")
    return out


def forecast_run(drive: Callable[[float], np.ndarray], series: np.ndarray, *, washout: int,
                 samples: int, horizon: int, alpha: float | str = DEFAULT_ALPHA,
                 train_fraction: float = DEFAULT_TRAIN_FRACTION,
                 threshold: float = VALID_TIME_THRESHOLD,
                 bounds: tuple[float, float] | None = INPUT_WINDOW,
                 progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Teacher-force a reservoir with ``series``, train the one-step readout, forecast.

    Parameters
    ----------
    drive : callable
        ``drive(u) -> features`` (F,): apply one input sample, return the reads after it.
    series : array, shape (washout + samples + horizon,)
        The series: the first ``washout + samples`` drive the reservoir, the last ``horizon``
        are the truth the forecast is scored against.
    progress : callable, optional
        Called with 1 after every sample driven.

    Returns
    -------
    dict
        ``u`` (samples,) and ``features`` (F, samples): the teacher-forced part after the
        wash-out; ``forecast`` and ``truth`` (horizon,); ``readout``.
    """
    series = np.asarray(series, dtype=np.float64)
    if series.size != washout + samples + horizon:
        raise InputError(f"the series has {series.size} samples, the protocol needs "
                         f"{washout + samples + horizon}")
    tick = progress or (lambda n: None)
    rows = []
    for i in range(washout + samples):
        row = drive(series[i])
        tick(1)
        if i >= washout:
            rows.append(row)
    features = np.stack(rows, axis=1)
    u = series[washout:washout + samples]
    readout, _, _ = forecast_readout(u, features, alpha=alpha, train_fraction=train_fraction)

    def step(value: float) -> np.ndarray:
        row = drive(value)
        tick(1)
        return row

    truth = series[washout + samples:]
    out = closed_loop_forecast(step, readout, features[:, -1], truth,
                               scale=float(np.std(u)), threshold=threshold, bounds=bounds)
    return {"u": u, "features": features, "forecast": out["prediction"], "truth": truth,
            "readout": readout}


def stream_states(drive: Any, saved: Any, streams: np.ndarray,
                  progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Final states after each stream, every stream driven from the state ``saved``.

    Parameters
    ----------
    drive : NetworkDrive
        (Anything with ``__call__(u)``, ``store()`` and ``restore(state)``.)
    saved
        A state of ``drive.store()``; the drive is left restored to it.
    streams : array, shape (m, L)

    Returns
    -------
    ndarray, shape (F, m)
    """
    tick = progress or (lambda n: None)
    states = []
    for stream in np.asarray(streams, dtype=np.float64):
        drive.restore(saved)
        for value in stream:
            row = drive(value)
            tick(1)
        states.append(row)
    drive.restore(saved)
    return np.stack(states, axis=1)


def run_forecast(scenario: Any, spec: ReservoirSpec, *, seed: int,
                 settings: Mapping[str, Any] | None = None,
                 progress: Callable[[float, float], None] | None = None,
                 built: Any = None) -> ReservoirRun:
    """The closed-loop Mackey-Glass forecast of a simulated network (module docstring)."""
    checked = check_online_settings(spec, settings or {})
    horizon = checked["horizon"]
    series, _ = make_input(spec.task, spec.washout + spec.samples + horizon, input_rng(seed))
    drive = NetworkDrive(scenario, spec, seed=seed, built=built)
    report = _Progress(progress, spec.washout + spec.samples + horizon)
    out = forecast_run(drive, series, washout=spec.washout, samples=spec.samples,
                       horizon=horizon, alpha=checked["alpha"],
                       train_fraction=checked["train_fraction"],
                       threshold=checked["threshold"], progress=lambda n: report(drive, n))
    context = {"forecast": out["forecast"], "truth": out["truth"]}
    result = score_task(spec.task, out["u"], out["features"], context,
                        alpha=checked["alpha"], train_fraction=checked["train_fraction"],
                        threshold=checked["threshold"])
    result.details.update(protocol_details(spec, len(drive.layout["names"]), seed))
    result.details.update(valid_time_s=result.details["valid_time"] * spec.hold,
                          feedback="prediction clipped to u in [0, 1]")
    records = drive.electrode_records(spec.washout)
    return ReservoirRun(result=result, u=drive.inputs[spec.washout:], context=context,
                        features=drive.features[:, spec.washout:],
                        feature_names=drive.layout["names"], sample_times=records["times"],
                        electrode_names=tuple(drive.simulation.network.electrode_names),
                        electrode_voltage=records["voltage"],
                        electrode_current=records["current"])


def run_streams(scenario: Any, spec: ReservoirSpec, *, seed: int,
                settings: Mapping[str, Any] | None = None,
                progress: Callable[[float, float], None] | None = None,
                built: Any = None) -> ReservoirRun:
    """Generalization and kernel rank of a simulated network over many input streams."""
    checked = check_online_settings(spec, settings or {})
    m, length, noise = checked["streams"], checked["stream_length"], checked["noise"]
    rng = input_rng(seed)
    washout = rng.uniform(0.0, 1.0, max(1, spec.washout))
    independent = rng.uniform(0.0, 1.0, (m, length))
    base = rng.uniform(0.0, 1.0, length)
    noisy = np.clip(base[None, :] + rng.normal(0.0, noise, (m, length)), *INPUT_WINDOW)
    drive = NetworkDrive(scenario, spec, seed=seed, built=built)
    report = _Progress(progress, washout.size + 2 * m * length)

    def tick(n: int) -> None:
        report(drive, n)

    for value in washout:
        drive(value)
        tick(1)
    saved = drive.store()  # both matrices start from this one state
    kernel = stream_states(drive, saved, independent, tick)
    general = stream_states(drive, saved, noisy, tick)
    context = {"kernel_states": kernel, "generalization_states": general,
               "kernel_streams": independent, "generalization_streams": noisy}
    result = score_task(spec.task, drive.inputs, drive.features, context)
    result.details.update(protocol_details(spec, len(drive.layout["names"]), seed))
    result.details.update(stream_length=length, noise=noise)
    del result.details["samples"]  # the streams, not reservoir.samples, are what was driven
    records = drive.electrode_records()
    return ReservoirRun(result=result, u=drive.inputs, context=context,
                        features=drive.features, feature_names=drive.layout["names"],
                        sample_times=records["times"],
                        electrode_names=tuple(drive.simulation.network.electrode_names),
                        electrode_voltage=records["voltage"],
                        electrode_current=records["current"])


def run_online(scenario: Any, spec: ReservoirSpec, **options: Any) -> ReservoirRun:
    """Run an online task (``spec.task``) on a simulated network."""
    if spec.task == "mackey-glass-forecast":
        return run_forecast(scenario, spec, **options)
    return run_streams(scenario, spec, **options)
