"""From junction agents to the lumped law: measure the network as the 2025 paper measured devices.

Milano et al. (Nat. Commun. 2025) describe a whole two-terminal device by one Ornstein-Uhlenbeck
process with jumps for its normalized conductance g::

    dg = theta(V) (g~(V) - g) dt + sigma dW + dJ,
    theta = kP + kD,  g~ = kP / theta,  kP = kp0 exp(eta_p V),  kD = kd0 exp(-eta_d V).

:func:`run_bridge` drives a simulated agent network at a series of constant voltages (each
from the same pristine state, then a relaxation at a read voltage), and measures on each
two-terminal trace what the paper measured on its samples: the relaxation rate theta(V) and the
attractor g~(V) from an exponential fit of G(t), the noise sigma from one-step OU innovations of
the residual, and jumps (innovations beyond a multiple of the robust local noise) with their rate
and bounded power-law exponent. Conductances are normalized between the network's conductance
with every junction fully dissolved (``g_low``) and fully formed (``g_high``), both computed
exactly with :func:`~nwn.engine.solver.solve_dc`. Finally the per-voltage rates are turned into
the lumped kinetics: kP = g~ theta and kD = (1 - g~) theta, so log kP and log kD are straight
lines in V whose slopes are eta_p and -eta_d and whose intercepts are log kp0 and log kd0.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from nwn.engine.analysis.stochastic import (
    detect_jumps,
    fit_bounded_power_law,
    ou_noise_sigma,
)
from nwn.engine.build import build_simulation
from nwn.engine.scenario import Scenario, SourceSpec
from nwn.geometry.checks import InputError, check_finite, check_int, check_positive

__all__ = ["BridgeLevel", "BridgeResult", "check_protocol", "fit_relaxation", "run_bridge"]


@dataclass(frozen=True, eq=False)
class BridgeLevel:
    """What one constant-voltage run of the network shows.

    Attributes
    ----------
    voltage : float
        Applied voltage during the hold (V).
    t : ndarray, shape (T,)
        Time from the start of the hold (s).
    conductance : ndarray, shape (T,)
        Two-terminal conductance (S).
    hold : float
        Duration of the hold (s); the read relaxation follows.
    tau, tau_error : float
        Relaxation time of G(t) during the hold and its standard error (s).
    g_steady, g_steady_error : float
        Steady conductance the hold relaxes to (S).
    theta : float
        1 / tau (1/s).
    attractor : float
        Normalized steady state g~ = (g_steady - g_low) / (g_high - g_low).
    relax_tau : float
        Relaxation time after the hold, at the read voltage (s); NaN if not measurable.
    sigma : float
        Noise amplitude of the normalized conductance (1/s^0.5), from the hold's residual.
    n_jumps : int
        Innovations beyond ``threshold`` times the local noise during the hold.
    jump_rate : float
        Jumps per second during the hold.
    jump_exponent, jump_exponent_ci : float, tuple
        Bounded power-law exponent of jump sizes (NaN with fewer than 10 jumps).
    """

    voltage: float
    t: np.ndarray
    conductance: np.ndarray
    hold: float
    tau: float
    tau_error: float
    g_steady: float
    g_steady_error: float
    theta: float
    attractor: float
    relax_tau: float
    sigma: float
    n_jumps: int
    jump_rate: float
    jump_exponent: float
    jump_exponent_ci: tuple[float, float]

    def summary(self) -> dict:
        """Scalars of this level (JSON-friendly)."""
        out = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, np.ndarray):
                continue
            out[item.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True, eq=False)
class BridgeResult:
    """Per-voltage measurements and the lumped law recovered from them.

    Attributes
    ----------
    levels : list of BridgeLevel
    g_low, g_high : float
        Network conductance with every junction at its lowest / highest conductance (S).
    lumped : dict
        ``kp0``, ``eta_p``, ``kd0``, ``eta_d`` of the lumped law fitted to theta(V) and g~(V)
        (NaN where fewer than two voltages have a well-determined attractor), and ``used``:
        the voltages that entered the fit.
    scenario_name : str
    """

    levels: list[BridgeLevel]
    g_low: float
    g_high: float
    lumped: dict = field(default_factory=dict)
    scenario_name: str = ""

    def to_dict(self) -> dict:
        """Everything but the traces, JSON-friendly."""
        return {"scenario": self.scenario_name, "g_low": self.g_low, "g_high": self.g_high,
                "lumped": self.lumped, "levels": [level.summary() for level in self.levels]}


def _exponential(t, g_steady, g_start, tau):
    return g_steady + (g_start - g_steady) * np.exp(-t / tau)


def fit_relaxation(t: np.ndarray, conductance: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fit G(t) = G_ss + (G_0 - G_ss) exp(-t / tau) by least squares.

    For a given tau the model is linear in (G_ss, G_0), so those are solved exactly and only
    log(tau) is searched (variable projection): no starting guess, no local minima in the
    linear parameters, and full float64 precision on an exact exponential.

    Parameters
    ----------
    t : ndarray, shape (T,)
        Time from the start of the segment (s).
    conductance : ndarray, shape (T,)
        Conductance (S).

    Returns
    -------
    parameters : ndarray, shape (3,)
        ``(G_ss, G_0, tau)`` in S, S, s.
    errors : ndarray, shape (3,)
        Their standard errors from the Gauss-Newton covariance (NaN when the fit cannot tell,
        e.g. a flat trace).
    """
    t = np.asarray(t, float)
    t = t - t[0]
    g = np.asarray(conductance, float)
    nan3 = np.full(3, math.nan)
    if g.size < 5 or np.ptp(g) == 0 or t[-1] <= 0:
        return np.array([g[-1], g[0], math.nan]), nan3
    scale = np.abs(g).max()
    y = g / scale

    def solve(log_tau):
        decay = np.exp(-t / math.exp(log_tau))
        basis = np.stack([1.0 - decay, decay], axis=1)
        coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
        return coef, float(np.sum((basis @ coef - y) ** 2))

    step = float(np.min(np.diff(t)))
    grid = np.linspace(math.log(step / 10), math.log(100 * t[-1]), 121)
    costs = [solve(x)[1] for x in grid]
    best = int(np.argmin(costs))
    low, high = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
    found = minimize_scalar(lambda x: solve(x)[1], bounds=(low, high), method="bounded",
                            options={"xatol": 1e-12})
    log_tau = float(found.x)
    (g_steady, g_start), cost = solve(log_tau)
    tau = math.exp(log_tau)
    params = np.array([g_steady * scale, g_start * scale, tau])
    decay = np.exp(-t / tau)
    jacobian = np.stack([1 - decay, decay,
                         (g_start - g_steady) * scale * decay * t / tau ** 2], axis=1)
    dof = max(g.size - 3, 1)
    try:
        covariance = np.linalg.inv(jacobian.T @ jacobian) * (cost * scale ** 2 / dof)
        errors = np.sqrt(np.clip(np.diag(covariance), 0, None))
    except np.linalg.LinAlgError:
        errors = nan3
    if best in (0, grid.size - 1):  # tau at the edge of what the trace can show
        errors = nan3
    return params, errors


def _network_bounds(simulation) -> tuple[float, float]:
    """Two-terminal conductance with every junction at its lowest and highest conductance."""
    from nwn.engine.solver import solve_dc
    from nwn.engine.sources import Source

    model = simulation.model
    for low_key, high_key in (("g_min", "g_max"), ("g_off", "g_on")):
        if low_key in model.parameters and high_key in model.parameters:
            # Per junction: device variability (spread) moves the bounds of each one.
            low, high = model.parameter_array(low_key), model.parameter_array(high_key)
            break
    else:
        raise InputError(f"junction.model {model.name!r} has no conductance bounds "
                         f"(g_min/g_max): the bridge needs a memristive model")
    # the same circuit at 1 V, other sources off (the conductance does not depend on them)
    level = {"voltage": 1.0, "current": 0.0}
    sources = {name: Source(drive.kind, level.get(drive.kind), drive.series_resistance)
               for name, drive in simulation.drives.items()}
    network = simulation.network
    result = []
    for value in (low, high):
        result.append(float(solve_dc(network, value, sources).conductance))
    return result[0], result[1]


def _driven_electrode(scenario: Scenario) -> str:
    voltage = [e.name for e in scenario.electrodes if e.source.kind == "voltage"]
    grounds = [e.name for e in scenario.electrodes if e.source.kind == "ground"]
    if len(voltage) != 1 or len(grounds) != 1:
        raise InputError(
            "the bridge needs exactly one voltage-driven and one grounded electrode "
            f"(got voltage: {voltage or 'none'}, ground: {grounds or 'none'})")
    return voltage[0]


def _with_protocol(scenario: Scenario, electrode: str, volts: float, hold: float,
                   relax: float, read: float) -> Scenario:
    waveform = {"kind": "sequence", "segments": [
        {"kind": "dc", "value": volts, "duration": hold},
        {"kind": "dc", "value": read, "duration": relax + scenario.run.dt},
    ]}
    electrodes = tuple(
        dataclasses.replace(e, source=SourceSpec("voltage", waveform, e.source.series_resistance))
        if e.name == electrode else e for e in scenario.electrodes)
    run = dataclasses.replace(scenario.run, duration=hold + relax)
    return dataclasses.replace(scenario, electrodes=electrodes, run=run)


def _measure(volts, t, g, hold, g_low, g_high, threshold) -> BridgeLevel:
    dt = float(t[1] - t[0])
    in_hold = t <= hold + 0.5 * dt
    th, gh = t[in_hold], g[in_hold]
    (g_steady, g_start, tau), (g_steady_err, _, tau_err) = fit_relaxation(th, gh)
    span = g_high - g_low
    attractor = (g_steady - g_low) / span
    relax_tau = math.nan
    after = ~in_hold
    if np.count_nonzero(after) >= 5:
        (_, _, relax_tau), _ = fit_relaxation(t[after] - t[after][0], g[after])
    # Noise and jumps from the hold residual's one-step OU innovations (normalized units).
    theta = 1.0 / tau if tau and math.isfinite(tau) else 0.0
    fitted = _exponential(th, g_steady, g_start, tau) if math.isfinite(tau) else \
        np.full_like(gh, g_steady)
    residual = (gh - fitted) / span
    decay = math.exp(-theta * dt)
    innovations = residual[1:] - decay * residual[:-1]
    sigma = math.nan
    n_jumps, rate, exponent, ci = 0, 0.0, math.nan, (math.nan, math.nan)
    if innovations.size >= 20 and np.any(innovations):
        sigma = float(ou_noise_sigma(innovations, theta, dt, robust=True))
        window = int(min(101, innovations.size // 2 * 2 - 1))
        jumps = detect_jumps(innovations, th, threshold=threshold, window=max(window, 5))
        sizes = jumps.amplitudes
        n_jumps = int(sizes.size)
        rate = n_jumps / float(th[-1] - th[0])
        if n_jumps >= 10 and np.ptp(sizes) > 0:
            power = fit_bounded_power_law(sizes)
            exponent = float(power.alpha)
            ci = (float(power.low), float(power.high))
    return BridgeLevel(
        voltage=float(volts), t=t, conductance=g, hold=float(hold), tau=float(tau),
        tau_error=float(tau_err), g_steady=float(g_steady), g_steady_error=float(g_steady_err),
        theta=float(theta) if theta else math.nan, attractor=float(attractor),
        relax_tau=float(relax_tau), sigma=sigma, n_jumps=n_jumps, jump_rate=float(rate),
        jump_exponent=exponent, jump_exponent_ci=ci)


def _lumped_law(levels: Sequence[BridgeLevel]) -> dict:
    """kp0, eta_p, kd0, eta_d from theta(V) and g~(V) by straight lines in log space."""
    used = [lv for lv in levels
            if math.isfinite(lv.theta) and 0.02 < lv.attractor < 0.98]
    out = {"kp0": math.nan, "eta_p": math.nan, "kd0": math.nan, "eta_d": math.nan,
           "used": [lv.voltage for lv in used]}
    if len(used) < 2:
        return out
    volts = np.array([lv.voltage for lv in used])
    kp = np.array([lv.attractor * lv.theta for lv in used])
    kd = np.array([(1 - lv.attractor) * lv.theta for lv in used])
    slope_p, intercept_p = np.polyfit(volts, np.log(kp), 1)
    slope_d, intercept_d = np.polyfit(volts, np.log(kd), 1)
    out.update(kp0=float(math.exp(intercept_p)), eta_p=float(slope_p),
               kd0=float(math.exp(intercept_d)), eta_d=float(-slope_d))
    return out


#: fewest steps of run.dt a hold spans: the relaxation fit needs a curve, not a point
MIN_HOLD_STEPS = 10


def check_protocol(dt: float, hold: float, relax: float, threshold: float, *,
                   names: dict[str, str] | None = None) -> tuple[float, float, float]:
    """``(hold, relax, threshold)`` checked before anything runs, each refusal one line.

    A hold spans at least :data:`MIN_HOLD_STEPS` steps of ``dt``, and hold plus relaxation at
    most :data:`nwn.engine.limits.MAX_STEPS` steps (``--hold 1e300`` used to be refused as
    ``run.duration / run.dt``, a key nobody typed).

    Parameters
    ----------
    dt : float
        The scenario's ``run.dt`` (s).
    hold, relax : float
        Durations of the hold and of the read relaxation (s).
    threshold : float
        Jump threshold (multiples of the local noise), > 0.
    names : dict, optional
        How messages name ``hold``, ``relax`` and ``threshold`` (the command line passes its
        options, ``{"hold": "--hold"}``); default their own names.
    """
    from nwn.engine.limits import MAX_STEPS

    named = {"hold": "hold", "relax": "relax", "threshold": "threshold", **(names or {})}
    hold = check_positive(named["hold"], hold)
    relax = check_positive(named["relax"], relax)
    threshold = check_positive(named["threshold"], threshold)
    longest = MAX_STEPS * dt  # hold + relax, s
    if relax > longest - MIN_HOLD_STEPS * dt:
        raise InputError(f"{named['relax']} must be at most {longest - MIN_HOLD_STEPS * dt:.3g} "
                         f"s ({MAX_STEPS:.0e} steps of run.dt = {dt:g} s, less the hold's "
                         f"{MIN_HOLD_STEPS}) (got {relax:g})")
    low, high = MIN_HOLD_STEPS * dt, longest - relax
    if not low <= hold <= high:
        raise InputError(f"{named['hold']} must be in [{low:.3g}, {high:.3g}] s (at least "
                         f"{MIN_HOLD_STEPS} steps of run.dt = {dt:g} s, and with "
                         f"{named['relax']} {relax:g} s at most {MAX_STEPS:.0e} steps) "
                         f"(got {hold:g})")
    return hold, relax, threshold


def run_bridge(scenario: Scenario, voltages: Sequence[float], *, hold: float, relax: float,
               read_voltage: float = 0.01, seed: int | None = None, threshold: float = 5.0,
               client: Any = "serial", workers: int | None = None,
               scheduler_file: str | Path | None = None,
               progress: Callable[[float, str], None] | None = None,
               should_stop: Callable[[], bool] | None = None) -> BridgeResult:
    """Drive the scenario's network at each voltage and measure the lumped law.

    The holds are the members of a sweep (:func:`nwn.engine.sweep.run_sweep`) over the hold
    voltage, so they run wherever a sweep runs.

    Parameters
    ----------
    scenario : Scenario
        Needs exactly one voltage-driven and one grounded electrode; its waveform is replaced
        by a hold at each voltage followed by a read.
    voltages : sequence of float
        Hold voltages (V), distinct.
    hold, relax : float
        Duration of the hold and of the read relaxation after it (s).
    read_voltage : float
        Voltage during the relaxation (V); small but not zero, so G stays measurable.
    seed : int, optional
        Overrides the scenario's seed (same network and junction streams for every voltage).
    threshold : float
        Jump detection threshold, in multiples of the robust local noise.
    client, workers, scheduler_file
        Where the holds run, as for :func:`~nwn.engine.sweep.run_sweep`; by default here, one
        after another.
    progress : callable, optional
        ``progress(fraction, message)``.
    should_stop : callable, optional
        Polled between holds; True ends the bridge early (completed levels are kept).

    Returns
    -------
    BridgeResult
    """
    from nwn.engine.sweep import run_sweep

    if len(voltages) == 0:
        raise InputError("voltages must list at least one voltage (got none)")
    voltages = [check_finite(f"voltages[{i}]", v) for i, v in enumerate(voltages)]
    for i, volts in enumerate(voltages):
        if volts in voltages[:i]:
            raise InputError(f"voltages lists {volts:g} twice (voltages must be distinct)")
    hold, relax, threshold = check_protocol(scenario.run.dt, hold, relax, threshold)
    read_voltage = check_finite("read_voltage", read_voltage)
    electrode = _driven_electrode(scenario)
    if seed is not None:
        scenario = dataclasses.replace(scenario, seed=check_int("seed", seed, minimum=0))
    protocol = _with_protocol(scenario, electrode, voltages[0], hold, relax, read_voltage)
    # Every step recorded: the fits below need the full hold.
    protocol = dataclasses.replace(protocol, run=dataclasses.replace(protocol.run,
                                                                     record_every=1))
    # The network's bounds also refuse, before anything runs, a network the holds cannot use.
    g_low, g_high = _network_bounds(build_simulation(protocol))
    index = [e.name for e in protocol.electrodes].index(electrode)
    key = f"electrodes[{index}].source.waveform.segments[0].value"
    with tempfile.TemporaryDirectory() as folder:
        with run_sweep(protocol, {key: voltages}, [protocol.seed], client=client,
                       workers=workers, scheduler_file=scheduler_file,
                       output=Path(folder) / "bridge.h5", progress=progress,
                       should_stop=should_stop) as sweep:
            failures = sweep.failures()
            if failures:
                raise InputError(f"{len(failures)} of {len(voltages)} bridge holds failed; "
                                 f"{failures[0]}")
            status = sweep.status
            data = sweep.load().dataset
    t = np.asarray(data["time"].values)
    conductance = np.asarray(data["conductance"].values)[:, 0]
    levels = [_measure(volts, t, conductance[i], hold, g_low, g_high, threshold)
              for i, volts in enumerate(voltages) if status[i] == "done"]
    return BridgeResult(levels=levels, g_low=g_low, g_high=g_high, lumped=_lumped_law(levels),
                        scenario_name=scenario.name)
